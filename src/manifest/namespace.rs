//! The `v1` Namespace: its labels and annotations with the spans a finding
//! points at (where to add or change one).

use std::collections::BTreeMap;

use crate::yaml::{Node, Span, Value};

use super::Text;

/// The annotations of a Namespace that rules read: the three
/// `openshift.io/sa.scc.*` ones mig-controller compares (DVM121) and the
/// project's node selector (DVM122). Rules read a Namespace through
/// [`NamespaceObject`], whose `annotations` hold only these.
pub const READ_ANNOTATIONS: [&str; 4] = [
    "openshift.io/sa.scc.uid-range",
    "openshift.io/sa.scc.supplemental-groups",
    "openshift.io/sa.scc.mcs",
    "openshift.io/node-selector",
];

/// What the model keeps of a Namespace's tree (`parsed::Body`): `metadata`
/// with its `name`, its `labels` and the [`READ_ANNOTATIONS`], each key
/// with its span (a finding points at the `labels` or `annotations` key to
/// say where to add one). No rule reads the rest: a Namespace exported from
/// a cluster carries a dozen annotations, and a repository thousands of
/// Namespaces, which the model would otherwise keep twice over
/// (docs/performance.md, "Small files: what the model keeps").
pub fn kept_tree(node: &Node<'_>) -> Node<'static> {
    let metadata = node.entry("metadata").map(|(key, metadata)| {
        let entries = metadata
            .entries()
            .iter()
            .filter_map(|(k, v)| {
                let kept = match k.as_str()? {
                    "name" | "labels" => v.to_owned_node(),
                    "annotations" => Node {
                        span: v.span,
                        value: Value::Map(
                            v.entries()
                                .iter()
                                .filter(|(k, _)| {
                                    k.as_str().is_some_and(|k| READ_ANNOTATIONS.contains(&k))
                                })
                                .map(|(k, v)| (k.to_owned_node(), v.to_owned_node()))
                                .collect(),
                        ),
                    },
                    _ => return None,
                };
                Some((k.to_owned_node(), kept))
            })
            .collect();
        let metadata = Node {
            span: metadata.span,
            value: Value::Map(entries),
        };
        (key.to_owned_node(), metadata)
    });
    Node {
        span: node.span,
        value: Value::Map(metadata.into_iter().collect()),
    }
}

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
        let (annotations_key, mut annotations) = map("annotations");
        // What the model keeps ([`kept_tree`]), whichever tree this is.
        annotations.retain(|key, _| READ_ANNOTATIONS.contains(&key.as_str()));
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

    #[test]
    fn the_kept_tree_reads_as_the_whole_one_and_holds_nothing_else() {
        let text = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {team: a}\n  \
                    annotations:\n    openshift.io/description: a long note\n    \
                    openshift.io/sa.scc.mcs: s0:c26,c5\n    example.com/owner: team-3\n    \
                    openshift.io/node-selector: zone=a\n  uid: 1f\nspec:\n  finalizers: [kubernetes]\n\
                    status: {phase: Active}\n";
        let parsed = parse_chunk(text, 1, Limits::default());
        let whole = &parsed.documents[0];
        let kept = kept_tree(whole);
        let (a, b) = (
            NamespaceObject::from_node(whole),
            NamespaceObject::from_node(&kept),
        );
        assert_eq!(
            (a.metadata_key, a.labels_key, a.annotations_key),
            (b.metadata_key, b.labels_key, b.annotations_key)
        );
        assert_eq!(a.labels, b.labels);
        assert_eq!(a.annotations, b.annotations);
        let read: Vec<(&str, u32)> = b
            .annotations
            .iter()
            .map(|(k, t)| (k.as_str(), t.span.start.line))
            .collect();
        assert_eq!(
            read,
            [
                ("openshift.io/node-selector", 10),
                ("openshift.io/sa.scc.mcs", 8)
            ]
        );
        assert_eq!(
            kept.get("metadata")
                .and_then(|m| m.get("name"))
                .and_then(Node::as_str),
            Some("shop")
        );
        let mut scalars = Vec::new();
        kept.walk(&mut |n| scalars.extend(n.as_str()));
        for gone in [
            "Namespace",
            "a long note",
            "team-3",
            "1f",
            "kubernetes",
            "Active",
        ] {
            assert!(!scalars.contains(&gone), "{gone} kept");
        }
    }
}
