//! The `v1` Namespace: its labels and annotations with the spans a finding
//! points at (where to add or change one).

use std::collections::BTreeMap;

use crate::yaml::{Node, Span};

use super::Text;

#[derive(Clone, Debug, Default)]
pub struct NamespaceObject {
    /// The span of the `metadata` key.
    pub metadata_key: Option<Span>,
    /// The span of the `metadata.labels` key.
    pub labels_key: Option<Span>,
    /// The span of the `metadata.annotations` key.
    pub annotations_key: Option<Span>,
    /// Label values by key (values as written, with spans).
    pub labels: BTreeMap<String, Text>,
    pub annotations: BTreeMap<String, Text>,
}

impl NamespaceObject {
    pub fn from_node(node: &Node<'_>) -> NamespaceObject {
        let Some((metadata_key, metadata)) = node.entry("metadata") else {
            return NamespaceObject::default();
        };
        let map = |key: &str| -> (Option<Span>, BTreeMap<String, Text>) {
            let Some((k, v)) = metadata.entry(key) else {
                return (None, BTreeMap::new());
            };
            let values = v
                .entries()
                .iter()
                .filter_map(|(name, value)| {
                    let text = Text::from_node(value).unwrap_or(Text {
                        value: String::new(),
                        span: value.span,
                    });
                    Some((name.as_str()?.to_owned(), text))
                })
                .collect();
            (Some(k.span), values)
        };
        let (labels_key, labels) = map("labels");
        let (annotations_key, annotations) = map("annotations");
        NamespaceObject {
            metadata_key: Some(metadata_key.span),
            labels_key,
            annotations_key,
            labels,
            annotations,
        }
    }

    /// Where to add a label: the `labels` key, else the `metadata` key.
    pub fn label_anchor(&self) -> Option<Span> {
        self.labels_key.or(self.metadata_key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, parse_chunk};

    #[test]
    fn keeps_label_values_with_their_spans() {
        let text = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels:\n    \
                    pod-security.kubernetes.io/enforce: restricted\n    empty:\n";
        let parsed = parse_chunk(text, 1, Limits::default());
        let ns = NamespaceObject::from_node(&parsed.documents[0]);
        let enforce = ns.labels.get("pod-security.kubernetes.io/enforce");
        assert_eq!(
            enforce.map(|t| (t.value.as_str(), t.span.start.line)),
            Some(("restricted", 6))
        );
        assert_eq!(ns.labels.get("empty").map(|t| t.value.as_str()), Some(""));
        assert_eq!(ns.label_anchor().map(|s| s.start.line), Some(5));
        assert!(ns.annotations_key.is_none());
    }
}
