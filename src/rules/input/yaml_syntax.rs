//! DVM001 yaml-syntax: the parser's message, where it stopped. Only the broken
//! document is lost; the file's other documents are still linted
//! (see `crate::yaml::split_documents`).
//!
//! A file that is not a Kubernetes manifest is not reported for its syntax
//! ([`is_reported`]): editor settings written as JSON with comments, files
//! templated with `${VAR}` that hold no object. Text that is not text at all
//! (invalid UTF-8, NUL bytes) and the safety limits are always reported.
//!
//! A key written twice is an error in a manifest (kubectl rejects it), but
//! not in a kustomization file, which Kustomize reads keeping the last value
//! ([`repeated_in_kustomization`]: a warning, or an info when nothing is lost).

use std::sync::Arc;

use crate::finding::{Finding, Location, Severity};
use crate::yaml::{Pos, RepeatedKey, Span, SyntaxError};

pub fn finding(file: &Arc<str>, error: &SyntaxError) -> Finding {
    let end = Pos::new(error.pos.line, error.pos.col.saturating_add(1));
    let location = Location::new(file, Span::new(error.pos, end));
    let name = file.rsplit('/').next().unwrap_or(file);
    if crate::units::is_expected_output(name) {
        // A golden file repeats what its source renders; it is never applied.
        return Finding::new(
            "DVM001",
            location,
            format!(
                "YAML syntax error in a test's expected output (compared by a test, never applied): {}",
                error.message
            ),
        )
        .severity(Severity::Info)
        .help("fix the template or the input it was made from, then write this file again");
    }
    Finding::new(
        "DVM001",
        location,
        format!("YAML syntax error: {}", error.message),
    )
    .help("fix the YAML at this position; this document is not linted until it parses, the rest of the file is")
}

/// A key written twice in one map of a kustomization file. Kustomize
/// (`kubectl kustomize`, `kubectl apply -k`) reads the file without error and
/// keeps the key's last value, so this is no syntax error: a warning when the
/// earlier value differs (a setting silently lost), an info when both are
/// the same (nothing lost). At the later key, the earlier one related.
pub fn repeated_in_kustomization(file: &Arc<str>, key: &RepeatedKey) -> Finding {
    let end = Pos::new(key.again.line, key.again.col.saturating_add(1));
    let (message, severity) = if key.same {
        (
            format!(
                "key `{}` written again with the same value (first at line {}): Kustomize reads a kustomization file with a repeated key without error and keeps the last value, so nothing is lost",
                key.key, key.first.line
            ),
            Severity::Info,
        )
    } else {
        (
            format!(
                "key `{}` written twice in this kustomization: Kustomize keeps only this last value and silently drops the one at line {} (it reads the file without error, so nothing says the earlier setting is ignored)",
                key.key, key.first.line
            ),
            Severity::Warning,
        )
    };
    Finding::new("DVM001", Location::new(file, Span::new(key.again, end)), message)
        .severity(severity)
        .related(
            Location::new(file, Span::new(key.first, key.first)),
            format!("the earlier `{}`, which Kustomize ignores", key.key),
        )
        .help(format!(
            "write `{}` once: keep the value the build should use (merge the two when both hold entries)",
            key.key
        ))
}

/// Whether `error`, in the file `rel` whose document holding it is `text`
/// (the whole file when it is not cut into documents), is reported: when the
/// file is not text or breaks a limit, when the document may be a manifest,
/// and when a configured cluster's `paths` claim a YAML file (`claimed`: a
/// manifest too broken to look like one). (Notes saved as YAML beside a
/// manifest in one file, and an Ansible playbook whose tasks embed
/// manifests, are not; nor, claimed or not, a JSON file without
/// `apiVersion` and `kind`, such as an application's messages or a
/// dashboard kept in the folder a cluster claims, nor an editor's settings.)
///
/// Two kinds of YAML-named files in a claimed folder are never taken for a
/// broken manifest: Helm values files (`values.yaml`, `values-prod.yaml`,
/// `values_dev.yaml`, `ci/test-values.yaml`), which Helm reads and kubectl
/// never sees, and `oc process --param-file` files, `KEY=VALUE` lines under a
/// `.yaml` name (trial 34: a values file's repeated key and two parameter
/// files were errors only once a cluster claimed their folder).
pub fn is_reported(rel: &str, text: &[u8], claimed: bool, error: &SyntaxError) -> bool {
    let yaml_claimed = claimed
        && !is_settings(rel)
        && !is_json(rel)
        && !is_helm_values_name(rel)
        && !is_parameter_file(text);
    yaml_claimed || is_not_text_or_limit(error) || is_manifest_text(rel, text)
}

/// A Helm values file by its name: `values*.y[a]ml`, or `*-values.y[a]ml`
/// (`_values`, `.values`), any case.
fn is_helm_values_name(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel).to_ascii_lowercase();
    crate::render::helm::is_values_file_name(&name)
        || name
            .strip_suffix(".yaml")
            .or_else(|| name.strip_suffix(".yml"))
            .is_some_and(|stem| {
                ["-values", "_values", ".values"]
                    .iter()
                    .any(|end| stem.ends_with(end))
            })
}

/// A file of `KEY=VALUE` lines (comments and blank lines aside), as `oc
/// process --param-file` and `.env` files are: at least one such line, and
/// no other.
fn is_parameter_file(text: &[u8]) -> bool {
    let mut any = false;
    for line in text.split(|&b| b == b'\n') {
        let line = line.trim_ascii();
        if line.is_empty() || line.starts_with(b"#") {
            continue;
        }
        let Some(eq) = line.iter().position(|&b| b == b'=') else {
            return false;
        };
        let key = line.get(..eq).unwrap_or_default();
        let key_like = key
            .first()
            .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
            && key
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
        if !key_like {
            return false;
        }
        any = true;
    }
    any
}

/// A `.json` file by its name (any case).
pub fn is_json(rel: &str) -> bool {
    rel.as_bytes()
        .last_chunk::<5>()
        .is_some_and(|e| e.eq_ignore_ascii_case(b".json"))
}

/// An editor's or a tool's settings file (`.vscode/`, `devcontainer.json`,
/// `tsconfig*.json`, `jsconfig*.json`): JSON with comments.
fn is_settings(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    rel.starts_with(".vscode/")
        || rel.contains("/.vscode/")
        || rel.starts_with(".devcontainer/")
        || rel.contains("/.devcontainer/")
        || matches!(name, "devcontainer.json" | ".devcontainer.json")
        || ((name.starts_with("tsconfig") || name.starts_with("jsconfig"))
            && name.ends_with(".json"))
}

/// The errors the reading stage raises for what is not YAML text at all, and
/// the parser's safety limits (`yaml::build`): about the file, whatever it is.
fn is_not_text_or_limit(error: &SyntaxError) -> bool {
    [
        "invalid UTF-8",
        "NUL byte",
        "nesting deeper than",
        "nesting too deep",
        "alias expansion exceeds",
    ]
    .iter()
    .any(|start| error.message.starts_with(start))
}

/// Whether a document may be a Kubernetes manifest: it is a kustomization,
/// or it has an `apiVersion` and a `kind` key at its top (YAML: within two
/// columns of its first line's key, or at the first column; JSON: anywhere);
/// and it is not an editor's or a tool's settings file (`.vscode/`,
/// `devcontainer.json`, `tsconfig*.json`, `jsconfig*.json`), which are
/// JSON with comments. Keys nested deeper (an Ansible task's `definition:`)
/// do not make one.
pub fn is_manifest_text(rel: &str, text: &[u8]) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    if crate::manifest::kustomization::is_kustomization_file(name) {
        return true;
    }
    !is_settings(rel) && has_key(text, "apiVersion") && has_key(text, "kind")
}

/// Whether a line of `text` opens with `key:` at the document's top (after
/// at most two more columns of indentation and list dashes than its first
/// line's key, or none; in a document that is a list, at its items' own
/// column, not in what an item nests: an Ansible task's module arguments)
/// or holds `"key":` / `"key" :` (JSON) in a JSON document (one that opens
/// with `{`, or `[` and a value) or where only indentation, dashes and
/// brackets precede it on its line: not inside another format's value (an
/// INI inventory's `config={"apiVersion":"v1",…}`, trial 30).
fn has_key(text: &[u8], key: &str) -> bool {
    let (top, list) = top_indent(text);
    let json_document = opens_json(text);
    let quoted = format!("\"{key}\"");
    let finder = memchr::memmem::Finder::new(key.as_bytes());
    finder.find_iter(text).any(|at| {
        let after = text.get(at + key.len()..).unwrap_or_default();
        let before = text.get(..at).unwrap_or_default();
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let prefix = before.get(line_start..).unwrap_or_default();
        let column = if list {
            prefix.len() == top
        } else {
            prefix.is_empty() || prefix.len() <= top.saturating_add(2)
        };
        let yaml_key = prefix.iter().all(|&b| matches!(b, b' ' | b'\t' | b'-'))
            && column
            && after.first() == Some(&b':');
        let json_key = at > 0
            && text.get(at - 1..at + key.len() + 1) == Some(quoted.as_bytes())
            && (json_document
                || prefix
                    .get(..prefix.len().saturating_sub(1))
                    .unwrap_or_default()
                    .iter()
                    .all(|&b| matches!(b, b' ' | b'\t' | b'-' | b'{' | b'[' | b',')))
            && after
                .get(1..)
                .unwrap_or_default()
                .iter()
                .find(|b| !b.is_ascii_whitespace())
                == Some(&b':');
        yaml_key || json_key
    })
}

/// Whether `text` opens (after blanks) with a JSON object, or an array whose
/// first value is an object, array, string or its end: not an INI section
/// header (`[cluster:vars]`).
fn opens_json(text: &[u8]) -> bool {
    let mut bytes = text.iter().copied().filter(|b| !b.is_ascii_whitespace());
    match bytes.next() {
        Some(b'{') => true,
        Some(b'[') => matches!(bytes.next(), Some(b'{' | b'[' | b'"' | b']')),
        _ => false,
    }
}

/// The columns of indentation and list dashes before the first key of
/// `text` (its first line that is not blank, a comment or a document
/// marker), and whether they hold a dash (the document is a list).
fn top_indent(text: &[u8]) -> (usize, bool) {
    text.split(|&b| b == b'\n')
        .map(|line| {
            let prefix = line
                .iter()
                .take_while(|&&b| matches!(b, b' ' | b'\t' | b'-'))
                .count();
            (
                line.get(..prefix).unwrap_or_default(),
                line.get(prefix..).unwrap_or_default(),
            )
        })
        .find(|(_, rest)| {
            let rest = rest.trim_ascii();
            !rest.is_empty() && !rest.starts_with(b"#") && !rest.starts_with(b"%")
        })
        .map_or((0, false), |(prefix, _)| {
            (prefix.len(), prefix.contains(&b'-'))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_by_their_keys() {
        assert!(is_manifest_text(
            "a.yaml",
            b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n"
        ));
        assert!(is_manifest_text(
            "a.yaml",
            b"- apiVersion: v1\n  kind: List\n"
        ));
        // A list of Ansible tasks: the keys a task nests are not the list's.
        assert!(!is_manifest_text(
            "tasks/main.yml",
            b"---\n- name: label\n  kubernetes.core.k8s:\n    kind: Node\n    apiVersion: v1\n    kind: Node\n"
        ));
        // A List's items, one level below its top keys, still count.
        assert!(is_manifest_text(
            "a.yaml",
            b"kind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: x\n"
        ));
        assert!(is_manifest_text(
            "a.json",
            b"{\"apiVersion\" : \"v1\", \"kind\": \"Pod\",}"
        ));
        assert!(is_manifest_text(
            "kustomization.yaml",
            b"resources: [a.yaml"
        ));
        // Minified JSON, an array of objects, and a quoted key opening a
        // YAML line.
        assert!(is_manifest_text(
            "a.json",
            b"{\"metadata\":{},\"apiVersion\":\"v1\",\"kind\":\"Pod\"}"
        ));
        assert!(is_manifest_text(
            "a.json",
            b"[\n {\"apiVersion\": \"v1\", \"kind\": \"Pod\"}"
        ));
        assert!(is_manifest_text(
            "a.yaml",
            b"\"apiVersion\": v1\n\"kind\": Pod\nmetadata: {name: x\n"
        ));
        // An INI inventory whose value holds JSON keys (trial 30).
        assert!(!is_manifest_text(
            "inventory/hosts.yaml",
            b"[cluster:vars]\nadmission={\"c\":{\"apiVersion\":\"v1\",\"kind\":\"LimitConfig\"}}\n"
        ));
        assert!(!is_manifest_text(
            "compose.yaml",
            b"services:\n  web:\n    image: ${IMAGE}\n"
        ));
        assert!(!is_manifest_text(
            "notes.yaml",
            b"text: the kind of apiVersion we want\n"
        ));
        // Indented as a whole, or a list of manifests.
        assert!(is_manifest_text(
            "a.yaml",
            b"# c\n---\n  apiVersion: v1\n  kind: Pod\n"
        ));
        assert!(is_manifest_text(
            "a.yaml",
            b"---\n- apiVersion: v1\n  kind: Pod\n- apiVersion: v1\n  kind: Pod\n"
        ));
        // A manifest whose first key is indented by mistake.
        assert!(is_manifest_text(
            "a.yaml",
            b"    apiVersion: v1\nkind: Pod\n"
        ));
        // An Ansible play whose task embeds a manifest, and notes.
        assert!(!is_manifest_text(
            "site.yaml",
            b"- hosts: localhost\n  tasks:\n    - kubernetes.core.k8s:\n        state: present\n        definition:\n          apiVersion: v1\n          kind: Secret\n"
        ));
        assert!(!is_manifest_text(
            "todo.yaml",
            b"0. refresh the tool\nNEXT: file an issue\n"
        ));
        assert!(!is_manifest_text(
            ".vscode/settings.json",
            b"{\n  // comment\n  \"apiVersion\": 1, \"kind\": 2\n}"
        ));
        assert!(!is_manifest_text(
            "web/tsconfig.app.json",
            b"{\"kind\": 1, \"apiVersion\": 2 /* x */}"
        ));
    }

    /// The limits' messages, as the parser words them, are recognised.
    #[test]
    fn limits_are_always_reported() {
        let deep = format!("a: {}", "[".repeat(300));
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for (name, prev) in ["b", "c", "d", "e", "f"]
            .iter()
            .zip(["a", "b", "c", "d", "e"])
        {
            bomb.push_str(&format!(
                "{name}: &{name} [{}]\n",
                vec![format!("*{prev}"); 10].join(", ")
            ));
        }
        for text in [deep, bomb] {
            let parsed = crate::yaml::parse_chunk(&text, 1, crate::yaml::Limits::default());
            let error = parsed.error.expect("a limit");
            assert!(is_not_text_or_limit(&error), "{}", error.message);
            assert!(is_reported("x.yaml", text.as_bytes(), false, &error));
        }
        let error = SyntaxError {
            pos: Pos::new(1, 1),
            message: "did not find expected ',' or '}'".to_owned(),
        };
        assert!(!is_reported("x.yaml", b"a: {b", false, &error));
        assert!(is_reported("x.yaml", b"a: {b", true, &error));
    }

    /// In a folder a cluster claims, a Helm values file and an `oc process`
    /// parameter file are still not manifests; a manifest named like a values
    /// file, or YAML with one `KEY=VALUE`-looking line, still is.
    #[test]
    fn claimed_values_and_parameter_files_are_not_manifests() {
        let error = SyntaxError {
            pos: Pos::new(4, 1),
            message: "duplicate mapping key `routes`".to_owned(),
        };
        for name in [
            "chart/web/values.yaml",
            "chart/web/values_prod.yaml",
            "chart/web/values-dev.yml",
            "chart/web/ci/test-values.yaml",
            "deploy/Prod.Values.yaml",
        ] {
            assert!(is_helm_values_name(name), "{name}");
            assert!(
                !is_reported(name, b"routes: []\nroutes: []\n", true, &error),
                "{name}"
            );
        }
        assert!(!is_helm_values_name("values/cm.yaml"));
        assert!(!is_helm_values_name("chart/evaluation.yaml"));
        assert!(is_reported(
            "values.yaml",
            b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n",
            false,
            &error
        ));
        let params = b"# for oc process\nNAME=api\n\nIMAGE_TAG=1.2\nAPP.DOMAIN=apps.example.com\n";
        assert!(is_parameter_file(params));
        assert!(!is_reported(
            "openshift/api/params.yaml",
            params,
            true,
            &error
        ));
        assert!(!is_parameter_file(b"# only a comment\n"));
        assert!(!is_parameter_file(b"NAME=api\nkind: ConfigMap\n"));
        assert!(is_reported(
            "openshift/api/cm.yaml",
            b"NAME=api\nkind: ConfigMap\n",
            true,
            &error
        ));
    }
}
