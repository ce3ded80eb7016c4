//! DVM002 for a file named as a YAML manifest's template (`network-policies.yaml.tpl`,
//! `policy.yml.j2`: `discovery::is_template_name`, docs/input.md). dvmlint reads
//! `.yaml`, `.yml` and `.json` files only, and such a file is no manifest until
//! a tool fills it in (`envsubst`, `sed`, Jinja, Go's `text/template`), so it
//! is never parsed as one nor modelled. It is not passed over without a word
//! either: its objects' kinds are found line by line (a template need not
//! parse), the `kind:` and `apiVersion:` lines at the top level of each `---`
//! document, and a file holding a kind some rule judges (the mapping the
//! objects other controllers create use, [`rules_reading`]) gets one info at
//! its line 1 naming them. A template of ConfigMaps and Deployments, which no
//! rule judges, gets nothing.

use std::sync::Arc;

use crate::finding::{Finding, Location, bounded_list};
use crate::suppress::Suppression;
use crate::yaml::{Pos, Span};

use super::unrendered_template::rules_reading;

/// An object of a template whose kind a rule judges.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Judged<'t> {
    kind: &'t str,
    /// The line of its `kind:` and the column just past its value.
    line: u32,
    end_col: u32,
    /// The rules that would judge it ([`rules_reading`]).
    rules: &'static str,
}

/// The objects of `text` whose kind a rule judges, in file order: in each
/// document (cut at `---` and `...` lines), each top-level `kind:` line whose
/// value is a plain name, paired with the first top-level `apiVersion:` of
/// the same document under which a rule reads that kind. A value that is a
/// template's own (`kind: {{ .Kind }}`, `apiVersion: ${API}`) names nothing.
/// Lines, not YAML: bytes that are not UTF-8, `{{ }}` and `{% %}` lines,
/// anything at all is read without failing.
fn judged(text: &[u8]) -> Vec<Judged<'_>> {
    #[derive(Default)]
    struct Document<'t> {
        versions: Vec<&'t str>,
        kinds: Vec<(&'t str, u32, u32)>,
    }
    impl<'t> Document<'t> {
        fn flush(&mut self, out: &mut Vec<Judged<'t>>) {
            for &(kind, line, end_col) in &self.kinds {
                if let Some(rules) = self
                    .versions
                    .iter()
                    .find_map(|version| rules_reading(version, kind))
                {
                    out.push(Judged {
                        kind,
                        line,
                        end_col,
                        rules,
                    });
                }
            }
            self.versions.clear();
            self.kinds.clear();
        }
    }
    let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
    let mut out = Vec::new();
    let mut document = Document::default();
    for (index, line) in text.split(|&b| b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if is_marker(line, b"---") || is_marker(line, b"...") {
            document.flush(&mut out);
            continue;
        }
        let line_no = u32::try_from(index + 1).unwrap_or(u32::MAX);
        if let Some((kind, end)) = top_level_value(line, b"kind:", is_kind_byte) {
            let end_col = u32::try_from(end + 1).unwrap_or(u32::MAX);
            document.kinds.push((kind, line_no, end_col));
        } else if let Some((version, _)) =
            top_level_value(line, b"apiVersion:", is_api_version_byte)
        {
            document.versions.push(version);
        }
    }
    document.flush(&mut out);
    out
}

/// Whether `line` is the document marker `marker` (`---`, `...`), alone or
/// followed by a blank and more (`--- # next`).
fn is_marker(line: &[u8], marker: &[u8]) -> bool {
    line.strip_prefix(marker)
        .is_some_and(|rest| rest.first().is_none_or(|b| matches!(b, b' ' | b'\t')))
}

/// The value of `key` (`kind:`) when `line` opens with it, at the top level
/// (column 1), and the value is one word of `allowed` bytes, plain or quoted,
/// before an optional comment; with the byte offset just past the value.
fn top_level_value<'t>(
    line: &'t [u8],
    key: &[u8],
    allowed: fn(u8) -> bool,
) -> Option<(&'t str, usize)> {
    let rest = line.strip_prefix(key)?;
    let blanks = rest
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t'))
        .count();
    let start = key.len() + blanks;
    let value = line.get(start..)?;
    let (quote, value, start) = match value.first() {
        Some(&q @ (b'"' | b'\'')) => (Some(q), value.get(1..)?, start + 1),
        _ => (None, value, start),
    };
    let length = value.iter().take_while(|&&b| allowed(b)).count();
    if length == 0 {
        return None;
    }
    let after = value.get(length..).unwrap_or_default();
    let after = match quote {
        Some(q) => after.strip_prefix(&[q])?,
        None => after,
    };
    // Only blanks, or blanks and a comment, after it: `kind: A{{ x }}` is
    // a template's value, not a kind.
    let trailing = after.trim_ascii_start();
    if !(trailing.is_empty() || (trailing.first() == Some(&b'#') && after.len() > trailing.len())) {
        return None;
    }
    let word = std::str::from_utf8(value.get(..length)?).ok()?;
    Some((word, start + length + usize::from(quote.is_some())))
}

fn is_kind_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

fn is_api_version_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'/')
}

/// The template suffix of `rel` (`tpl` of `a/b.yaml.tpl`).
fn suffix(rel: &str) -> &str {
    rel.rsplit_once('.').map_or("", |(_, suffix)| suffix)
}

/// `NetworkPolicy` → `NetworkPolicies`, `EgressFirewall` → `EgressFirewalls`.
fn plural(kind: &str) -> String {
    match kind.strip_suffix('y') {
        Some(stem) if !stem.ends_with(['a', 'e', 'o', 'u']) => format!("{stem}ies"),
        _ => format!("{kind}s"),
    }
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['A', 'E', 'I', 'O', 'U']) {
        "an"
    } else {
        "a"
    }
}

/// `a`, `a and b`, `a, b and c`.
fn and_list<T: AsRef<str>>(items: &[T]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_owned(),
        [init @ .., last] => {
            let init: Vec<&str> = init.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", init.join(", "), last.as_ref())
        }
    }
}

/// The DVM002 of the template file `rel` whose text is `text`: one info at
/// line 1 naming the kinds it holds that rules judge and those rules, the
/// first such `kind:` line related; `None` when it holds no such kind.
pub fn finding(rel: &Arc<str>, text: &[u8], cluster: Option<&Arc<str>>) -> Option<Finding> {
    let judged = judged(text);
    let first = judged.first()?;
    // By kind, in the order of their first lines.
    let mut kinds: Vec<(&str, Vec<u32>)> = Vec::new();
    let mut rules: Vec<&str> = Vec::new();
    for object in &judged {
        match kinds.iter_mut().find(|(kind, _)| *kind == object.kind) {
            Some((_, lines)) => lines.push(object.line),
            None => kinds.push((object.kind, vec![object.line])),
        }
        if !rules.contains(&object.rules) {
            rules.push(object.rules);
        }
    }
    let objects: Vec<String> = kinds
        .iter()
        .map(|(kind, lines)| match lines.as_slice() {
            [line] => format!("{} {kind} (line {line})", article(kind)),
            _ => format!(
                "{} {} (lines {})",
                lines.len(),
                plural(kind),
                bounded_list(lines)
            ),
        })
        .collect();
    let objects = if objects.len() <= crate::finding::LISTED {
        and_list(&objects)
    } else {
        bounded_list(&objects)
    };
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let rendered = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    let message = format!(
        "this file is a template (`.{suffix}`) that dvmlint does not read: it holds {objects}, which {rules} \
         would judge but do not see; render it, or copy it to `.yaml`, first",
        suffix = suffix(rel),
        rules = and_list(&rules),
    );
    let renders = if matches!(
        suffix(rel).to_ascii_lowercase().as_str(),
        "j2" | "jinja" | "jinja2"
    ) {
        "the Jinja (Ansible) step that renders it writes".to_owned()
    } else {
        format!(
            "the step that renders it writes (`envsubst < {name} > {rendered}`, `sed`, a Go template)"
        )
    };
    let help = format!(
        "dvmlint reads `.yaml`, `.yml` and `.json` files only: lint the manifest {renders}, or a copy of \
         it named `{rendered}` with its variables filled in, with the files of its cluster; to acknowledge \
         it, exclude it (`exclude:` in .dvmlint.yaml) or write `# dvmlint: ignore-file[DVM002] reason` in it"
    );
    let kind_at = Span::new(Pos::new(first.line, 1), Pos::new(first.line, first.end_col));
    Some(
        Finding::new("DVM002", Location::new(rel, Span::line_start(1)), message)
            .help(help)
            .cluster(cluster)
            .related(
                Location::new(rel, kind_at),
                format!("the {} this template holds (not read)", first.kind),
            ),
    )
}

/// The suppressions of DVM002 that the comments of the template `text`
/// write (`# dvmlint: ignore-file[DVM002] reason`): the only finding a
/// template gets. Suppressions of other rules, meant for the manifest the
/// template becomes, are left to it (they would be unused here: DVM900).
pub fn suppressions(rel: &Arc<str>, text: &[u8]) -> Vec<Suppression> {
    if !crate::suppress::may_hold_comments(text) {
        return Vec::new();
    }
    let names_this_rule =
        |written: &String| crate::catalogue::find(written).is_some_and(|rule| rule.id == "DVM002");
    let mut found = crate::suppress::scan_comments(rel, &String::from_utf8_lossy(text), &[]);
    for suppression in &mut found {
        suppression.rules.retain(names_this_rule);
    }
    found.retain(|suppression| !suppression.rules.is_empty());
    found
}

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing)]

    use super::*;

    fn kinds(text: &str) -> Vec<(&str, u32, u32)> {
        judged(text.as_bytes())
            .into_iter()
            .map(|j| (j.kind, j.line, j.end_col))
            .collect()
    }

    #[test]
    fn top_level_kinds_of_each_document_with_their_version() {
        let text = "# header\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: ${NAME}\n\
                    ---\nkind: ConfigMap\napiVersion: v1\n---\napiVersion: k8s.ovn.org/v1\n\
                    kind: \"EgressFirewall\" # the firewall\n...\nkind: NetworkPolicy\n";
        // The last NetworkPolicy has no version in its document: no group, nothing.
        assert_eq!(
            kinds(text),
            [("NetworkPolicy", 3, 20), ("EgressFirewall", 11, 23)]
        );
        // The version after the kind, legacy spellings, CRLF lines.
        assert_eq!(
            kinds("kind: EgressNetworkPolicy\r\napiVersion: v1\r\n"),
            [("EgressNetworkPolicy", 1, 26)]
        );
        assert_eq!(
            kinds("apiVersion: extensions/v1beta1\nkind: 'NetworkPolicy'\n"),
            [("NetworkPolicy", 2, 22)]
        );
        // Alternatives a template chooses between: the version a rule reads.
        assert_eq!(
            kinds(
                "{% if legacy %}\napiVersion: v9/unknown\n{% else %}\napiVersion: networking.k8s.io/v1\n\
                 {% endif %}\nkind: NetworkPolicy\n"
            ),
            [("NetworkPolicy", 6, 20)]
        );
    }

    #[test]
    fn templated_nested_and_other_kinds_name_nothing() {
        for text in [
            "apiVersion: v1\nkind: ConfigMap\n",
            "apiVersion: apps/v1\nkind: Deployment\n",
            "apiVersion: networking.k8s.io/v1\nkind: {{ .Values.kind }}\n",
            "apiVersion: networking.k8s.io/v1\nkind: ${KIND}\n",
            "apiVersion: networking.k8s.io/v1\nkind: Network{{ x }}\n",
            "apiVersion: ${API_VERSION}\nkind: NetworkPolicy\n",
            "apiVersion: {{ .Capabilities.APIVersions }}\nkind: NetworkPolicy\n",
            "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\n",
            "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: networking.k8s.io/v1\n    kind: NetworkPolicy\n",
            "  apiVersion: networking.k8s.io/v1\n  kind: NetworkPolicy\n",
            "apiVersion: networking.k8s.io/v1\nkinds: NetworkPolicy\n",
            "apiVersion: networking.k8s.io/v1\n---\nkind: NetworkPolicy\n",
            "apiVersion: networking.k8s.io/v1\nkind: \"NetworkPolicy\n",
            "apiVersion: networking.k8s.io/v1\nkind:\n",
            "",
            "\u{feff}",
            "---",
        ] {
            assert_eq!(kinds(text), [], "{text:?}");
        }
    }

    #[test]
    fn any_bytes_are_read_without_failing() {
        let mut rng = fastrand::Rng::with_seed(20261207);
        let pieces: [&[u8]; 10] = [
            b"kind: ",
            b"apiVersion: ",
            b"NetworkPolicy",
            b"networking.k8s.io/v1",
            b"\n",
            b"---",
            b"\"",
            b"\xff\xfe",
            b"{{ x }}",
            b" # c",
        ];
        for _ in 0..2000 {
            let text: Vec<u8> = (0..rng.usize(0..20))
                .flat_map(|_| pieces[rng.usize(..pieces.len())].iter().copied())
                .collect();
            let rel: Arc<str> = Arc::from("a.yaml.tpl");
            let _ = finding(&rel, &text, None);
            let _ = suppressions(&rel, &text);
        }
    }

    #[test]
    fn one_finding_names_every_kind_and_rule() {
        let rel: Arc<str> = Arc::from("deploy/policies.yaml.j2");
        let text = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n---\n\
                    apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n---\n\
                    apiVersion: k8s.ovn.org/v1\nkind: EgressFirewall\n---\n\
                    apiVersion: v1\nkind: ConfigMap\n";
        let found = finding(&rel, text.as_bytes(), None).unwrap();
        assert_eq!(found.rule, "DVM002");
        assert_eq!(found.location.span, Span::line_start(1));
        assert_eq!(
            found.message,
            "this file is a template (`.j2`) that dvmlint does not read: it holds 2 NetworkPolicies \
             (lines 2, 5) and an EgressFirewall (line 8), which the network rules (DVM101–DVM105) and the \
             egress firewall rules (DVM110–DVM113) would judge but do not see; render it, or copy it to \
             `.yaml`, first"
        );
        assert_eq!(found.related.len(), 1);
        assert_eq!(
            found.related[0].location.span,
            Span::new(Pos::new(2, 1), Pos::new(2, 20))
        );
        let help = found.help.as_deref().unwrap();
        assert!(help.contains("the Jinja (Ansible) step"), "{help}");
        assert!(help.contains("named `policies.yaml`"), "{help}");
        let tpl: Arc<str> = Arc::from("deny.YAML.TPL");
        let help = finding(&tpl, text.as_bytes(), None).unwrap().help.unwrap();
        assert!(
            help.contains("`envsubst < deny.YAML.TPL > deny.YAML`"),
            "{help}"
        );
        assert!(finding(&rel, b"apiVersion: v1\nkind: ConfigMap\n", None).is_none());
    }

    #[test]
    fn only_suppressions_of_this_rule_are_kept() {
        let rel: Arc<str> = Arc::from("a.yaml.tpl");
        let text = b"# dvmlint: ignore-file[DVM002] rendered by CI\n\
                     # dvmlint: ignore[DVM101, unrendered-template] x\n\
                     kind: NetworkPolicy # dvmlint: ignore[DVM102] for the copy\n";
        let found = suppressions(&rel, text);
        let rules: Vec<&[String]> = found.iter().map(|s| s.rules.as_slice()).collect();
        assert_eq!(
            rules,
            [
                &["DVM002".to_owned()][..],
                &["unrendered-template".to_owned()][..]
            ]
        );
    }
}
