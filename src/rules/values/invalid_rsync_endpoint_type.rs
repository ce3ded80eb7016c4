//! DVM301 invalid-rsync-endpoint-type: the check itself is declarative (its
//! `match`/`assert` in `rules/DVM301-invalid-rsync-endpoint-type.yaml`); this
//! is the part the format cannot say: *which* value was meant. MTC compares the
//! value exactly and falls back to Route for anything else (docs/domain.md §1.3, §2),
//! so `nodeport` silently means Route; the help names the right casing.

use crate::finding::Finding;
use crate::yaml::Node;

const VALID: [&str; 3] = ["NodePort", "ClusterIP", "Route"];

/// Sets the finding's help from the offending value.
pub fn refine(value: &Node<'_>, finding: &mut Finding) {
    let help = match value
        .as_str()
        .filter(|_| !value.is_seq() && !value.is_map())
    {
        Some(text) => VALID
            .iter()
            .find(|v| v.eq_ignore_ascii_case(text.trim()))
            .map_or_else(
                || "write one of `NodePort`, `ClusterIP` or `Route`".to_owned(),
                |v| format!("write `{v}` (the value is case-sensitive)"),
            ),
        None => "choose one value: `rsync_endpoint_type: Route` (or `NodePort`, `ClusterIP`); \
                 `[NodePort|ClusterIP|Route]` in the docs lists the alternatives"
            .to_owned(),
    };
    finding.help = Some(help);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Location;
    use crate::yaml::{Limits, Span, parse_chunk};

    fn help(yaml: &str) -> Option<String> {
        let parsed = parse_chunk(yaml, 1, Limits::default());
        let mut finding = Finding::new("DVM301", Location::new(&"f".into(), Span::default()), "m");
        refine(&parsed.documents[0], &mut finding);
        finding.help
    }

    #[test]
    fn suggests_the_right_casing_or_one_value() {
        assert_eq!(
            help("nodeport").as_deref(),
            Some("write `NodePort` (the value is case-sensitive)")
        );
        assert_eq!(
            help("Ingress").as_deref(),
            Some("write one of `NodePort`, `ClusterIP` or `Route`")
        );
        assert!(
            help("[NodePort|ClusterIP|Route]").is_some_and(|h| h.starts_with("choose one value"))
        );
    }
}
