//! DVM402 template-placeholder: documentation placeholders left in a manifest.
//!
//! The MTC documentation writes `<namespace>`, `<cidr_of_source_or_target_cluster>`,
//! `http://username:password@ip:port` and `[NodePort|ClusterIP|Route]`; copied
//! verbatim they are applied as literal values and fail late or silently.
//! `rsync_endpoint_type` alternatives belong to DVM301, which says more.

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
