//! DVM402 template-placeholder: documentation placeholders left in a manifest.
//!
//! The MTC documentation writes `<namespace>`, `<cidr_of_source_or_target_cluster>`,
//! `http://username:password@ip:port` and `[NodePort|ClusterIP|Route]`; copied
//! verbatim they are applied as literal values and fail late or silently.
//! `rsync_endpoint_type` alternatives belong to DVM301, which says more.
//!
//! The documentation also elides with a bare `...` line, which YAML reads as
//! the end of the document: the object above it is applied without what
//! follows. A MigrationController, NetworkPolicy or egress firewall left
//! without its `spec` that way is reported at the `...` line
//! ([`cut_by_document_end`]).

use crate::finding::Finding;
use crate::manifest::migration_controller::MigrationController;
use crate::rules::DocContext;
use crate::yaml::{Node, ScalarStyle, Span, Value};

pub fn check(ctx: &DocContext<'_, '_>, out: &mut Vec<Finding>) {
    // Every spelling the operator reads as `rsync_endpoint_type` (`rsyncEndpointType` too).
    let owned_by_dvm301: Vec<Span> = if ctx.is("migration.openshift.io", "MigrationController") {
        MigrationController::from_node(ctx.node)
            .settings
            .iter()
            .filter(|s| s.snake == "rsync_endpoint_type")
            .map(|s| s.value.span)
            .collect()
    } else {
        Vec::new()
    };
    let mut report = |span: Span, message: String| {
        if !owned_by_dvm301.contains(&span) {
            out.push(ctx.finding("DVM402", span, message).help(
                "replace the placeholder with the real value for this cluster; dvmlint cannot check a value that is not there",
            ));
        }
    };
    // The document's candidates and `://` scalars, found in the one walk
    // every document gets (`rules::scan_document`).
    for node in &ctx.scan.bracketed {
        if let Some((span, message)) = placeholder(node) {
            report(span, message);
        }
    }
    for node in &ctx.scan.urls {
        if let Some(text) = node.as_str()
            && !is_angle_placeholder(text)
            && is_url_placeholder(text)
        {
            report(
                node.span,
                "this URL still holds the documentation's placeholders (`username:password@ip:port`)".to_owned(),
            );
        }
    }
}

/// The placeholders found without reading a scalar through: a `<…>` word, a
/// `[a|b]` list. One per node; a URL placeholder (above) wins over a list.
fn placeholder(node: &Node<'_>) -> Option<(Span, String)> {
    match &node.value {
        Value::Scalar(text, style) => {
            if is_angle_placeholder(text) {
                return Some((
                    node.span,
                    format!("`{text}` is a documentation placeholder, not a value"),
                ));
            }
            if *style != ScalarStyle::Block
                && is_alternatives(text.strip_prefix('[')?.strip_suffix(']')?)
                && !(crate::proxy::stunnel_url::has_scheme_separator(text)
                    && is_url_placeholder(text))
            {
                return Some((
                    node.span,
                    format!("`{text}` lists the documentation's alternatives; choose one"),
                ));
            }
            None
        }
        Value::Seq(items) => match items.as_slice() {
            [only] => {
                let text = only.as_str()?;
                (only.scalar_style() == Some(ScalarStyle::Plain) && is_alternatives(text)).then(
                    || {
                        (
                            node.span,
                            format!(
                                "`[{text}]` lists the documentation's alternatives; choose one"
                            ),
                        )
                    },
                )
            }
            _ => None,
        },
        Value::Map(_) => None,
    }
}

/// `<namespace>`, `<cidr_of_source_or_target_cluster>`: one `<…>` word as the whole scalar.
pub(crate) fn is_angle_placeholder(text: &str) -> bool {
    let Some(inner) = text
        .trim()
        .strip_prefix('<')
        .and_then(|t| t.strip_suffix('>'))
    else {
        return false;
    };
    !inner.is_empty()
        && inner
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
        && inner
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ' ' | ':' | '/'))
}

fn is_url_placeholder(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.contains("username:password@")
        || lower.contains("user:password@")
        || lower.contains("@ip:port")
        || lower.contains(":port")
        || (text.contains('<') && text.contains('>'))
}

/// `NodePort|ClusterIP|Route`: two or more words separated by `|`.
fn is_alternatives(text: &str) -> bool {
    let parts: Vec<&str> = text.split('|').collect();
    parts.len() >= 2
        && parts.iter().all(|p| {
            !p.trim().is_empty()
                && p.trim()
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_the_documentation_forms() {
        assert!(is_angle_placeholder("<cidr_of_source_or_target_cluster>"));
        assert!(is_angle_placeholder("<namespace>"));
        assert!(!is_angle_placeholder("<>"));
        assert!(!is_angle_placeholder("a <b> c"));
        assert!(is_url_placeholder("http://username:password@ip:port"));
        assert!(is_url_placeholder(
            "http://<username>:<password>@proxy:3128"
        ));
        assert!(!is_url_placeholder("http://proxy.example.com:3128"));
        assert!(is_alternatives("NodePort|ClusterIP|Route"));
        assert!(!is_alternatives("a || b"));
    }

    /// The messages DVM402 gives a ConfigMap whose `data` holds `values`.
    fn messages(values: &[&str]) -> Vec<String> {
        let mut text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n".to_owned();
        for (i, value) in values.iter().enumerate() {
            text.push_str(&format!("  k{i}: '{value}'\n"));
        }
        let mut out = Vec::new();
        crate::rules::with_test_context(&text, None, |ctx| check(ctx, &mut out));
        out.into_iter().map(|f| f.message).collect()
    }

    #[test]
    fn one_finding_per_scalar_whatever_forms_it_matches() {
        assert_eq!(
            messages(&["<http://proxy:port>"]),
            ["`<http://proxy:port>` is a documentation placeholder, not a value"]
        );
        let url =
            "this URL still holds the documentation's placeholders (`username:password@ip:port`)";
        assert_eq!(messages(&["[http://a:port|b]"]), [url]);
        assert_eq!(
            messages(&[
                "[NodePort|Route]",
                "http://username:password@ip:port",
                "http://p:3128"
            ]),
            [
                "`[NodePort|Route]` lists the documentation's alternatives; choose one",
                url
            ]
        );
    }
}

/// A document that may have been cut from its `spec` by a `...` line: the
/// last line of the document, and what it is.
#[derive(Clone, Debug)]
pub struct SpecLess {
    pub end_line: u32,
    pub kind: String,
    pub name: String,
}

/// The kinds whose `spec` is the object: without it, nothing is configured.
const SPEC_KINDS: &[&str] = &[
    "MigrationController",
    "NetworkPolicy",
    "EgressNetworkPolicy",
    "EgressFirewall",
];

/// `Some` when `document` is an object of [`SPEC_KINDS`] without a `spec`.
pub fn without_spec(document: &Node<'_>) -> Option<SpecLess> {
    let kind = document.get("kind")?.as_str()?;
    if !SPEC_KINDS.contains(&kind) || document.get("spec").is_some() {
        return None;
    }
    Some(SpecLess {
        end_line: document.span.end.line,
        kind: kind.to_owned(),
        name: document
            .at(&["metadata", "name"])
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_owned(),
    })
}

/// DVM402 for each spec-less object followed (past blank and comment lines)
/// by a bare `...` line.
pub fn cut_by_document_end(
    file: &std::sync::Arc<str>,
    cluster: Option<&std::sync::Arc<str>>,
    bytes: &[u8],
    candidates: &[SpecLess],
) -> Vec<Finding> {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for candidate in candidates {
        let start = candidate.end_line.saturating_sub(1) as usize;
        for (offset, line) in lines.iter().enumerate().skip(start) {
            let trimmed = line.trim_end();
            // `...`, alone or followed by a comment.
            let is_end_marker = trimmed.strip_prefix("...").is_some_and(|rest| {
                rest.is_empty()
                    || (rest.starts_with([' ', '\t']) && rest.trim_start().starts_with('#'))
            });
            if is_end_marker {
                let line_no = u32::try_from(offset).unwrap_or(u32::MAX).saturating_add(1);
                let span = Span::new(
                    crate::yaml::Pos::new(line_no, 1),
                    crate::yaml::Pos::new(line_no, 4),
                );
                out.push(
                    Finding::new(
                        "DVM402",
                        crate::finding::Location::new(file, span),
                        format!(
                            "a bare `...` line ends the YAML document, so {} `{}` above it has no `spec`: what follows is a document of its own, and the object is applied without its settings (the documentation writes `...` for an elision)",
                            candidate.kind, candidate.name
                        ),
                    )
                    .cluster(cluster)
                    .help("delete the `...` line and write the object's `spec` under it in the same document"),
                );
                break;
            }
            let is_end_line = offset == start;
            if !(is_end_line
                || trimmed.trim_start().is_empty()
                || trimmed.trim_start().starts_with('#'))
            {
                break;
            }
        }
    }
    out
}
