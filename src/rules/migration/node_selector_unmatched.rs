//! DVM122 node-selector-unmatched: the rsync transfer pods of a destination
//! namespace cannot be scheduled because of its `openshift.io/node-selector`.
//!
//! - The source Namespace sets a node selector and the destination Namespace
//!   written in the repository does not: MTC's troubleshooting guide
//!   (openshift-docs `migration-dvm-error-node-selectors.adoc`, "Direct volume
//!   migration does not complete") says the rsync transfer pods then stay
//!   Pending ("Some or all transfer pods are not running for more than 10 mins
//!   on destination cluster"), and that the fix is to add the source's
//!   annotation. DVM copies the source's annotations only into a namespace it
//!   creates (`directvolumemigration/namespace.go`).
//! - The destination namespace's node selector (its own, or the source's that
//!   DVM copies into a namespace it creates) requires labels no Node or
//!   MachineSet of the destination cluster in the repository carries:
//!   OpenShift adds the project node selector to every pod of the namespace
//!   (openshift-docs `nodes-scheduler-node-selectors-project.adoc`), and the
//!   rsync pods set no node selector or toleration of their own, so they stay
//!   Pending. Without Node or MachineSet objects of that cluster, or with a
//!   selector that is not `key=value` pairs, this is not judged, and an info
//!   finding says so.

use std::collections::BTreeMap;

use crate::finding::{Finding, Location, Severity};
use crate::manifest::Text;
use crate::model::Project;

use super::namespaces::written_pairs;

pub const NODE_SELECTOR: &str = "openshift.io/node-selector";

/// `key=value,key=value` (the project node selector's form); `None` when a
/// term is not such a pair. An empty text selects every node.
pub fn parse_selector(text: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    for term in text.split(',') {
        let term = term.trim();
        if term.is_empty() {
            if text.trim().is_empty() {
                continue;
            }
            return None;
        }
        let (key, value) = term.split_once('=')?;
        let (key, value) = (key.trim(), value.trim());
        if key.is_empty() || key.ends_with('!') || value.contains('=') {
            return None;
        }
        out.push((key.to_owned(), value.to_owned()));
    }
    Some(out)
}

/// The labels of the nodes of one cluster as the repository writes them.
struct NodeLabels {
    what: String,
    location: Location,
    labels: BTreeMap<String, String>,
    /// A MachineSet template lists only the labels it adds: the ones the
    /// kubelet and the installer set (`*kubernetes.io/*`) are unknown.
    partial: bool,
}

impl NodeLabels {
    fn matches(&self, selector: &[(String, String)]) -> bool {
        selector.iter().all(|(k, v)| match self.labels.get(k) {
            Some(have) => have == v,
            None => self.partial && k.contains("kubernetes.io/"),
        })
    }
}

fn node_labels(project: &Project, cluster: usize) -> Vec<NodeLabels> {
    let mut out = Vec::new();
    for (_, object) in project.modelled() {
        if object.cluster() != Some(cluster) {
            continue;
        }
        let meta = &object.object.meta;
        let location = Location::new(&object.object.file, meta.name_span());
        if meta.is("", "Node") {
            let labels = meta.labels();
            let control = labels.contains_key("node-role.kubernetes.io/master")
                || labels.contains_key("node-role.kubernetes.io/control-plane");
            if control && !labels.contains_key("node-role.kubernetes.io/worker") {
                continue;
            }
            out.push(NodeLabels {
                what: format!("Node `{}`", meta.name.value),
                location,
                labels: labels.to_btree_map(),
                partial: false,
            });
        } else if meta.is("machine.openshift.io", "MachineSet") {
            let labels = object
                .object
                .tree()
                .and_then(|t| t.at(&["spec", "template", "spec", "metadata", "labels"]))
                .map(|l| {
                    l.entries()
                        .iter()
                        .filter_map(|(k, v)| Some((k.as_str()?.to_owned(), v.as_str()?.to_owned())))
                        .collect()
                })
                .unwrap_or_default();
            out.push(NodeLabels {
                what: format!("MachineSet `{}`", meta.name.value),
                location,
                labels,
                partial: true,
            });
        }
    }
    out
}

pub fn check(project: &Project, out: &mut Vec<Finding>) {
    let note = super::namespaces::every_release(project);
    let mut nodes_of: std::collections::BTreeMap<usize, Vec<NodeLabels>> =
        std::collections::BTreeMap::new();
    for pair in written_pairs(project) {
        let src = &pair.source.namespace;
        let dest = &pair.target.namespace;
        let cluster_name = project.cluster_name(Some(pair.target.cluster));
        let source_selector = pair
            .source_object
            .as_ref()
            .and_then(|(o, ns)| Some((*o, ns.annotations.get(NODE_SELECTOR)?)));
        // The selector the destination namespace will have, and where it is written.
        let effective: Option<(&crate::model::ModelObject, &Text, bool)> = match &pair.target_object
        {
            Some((object, ns)) => {
                if let Some(text) = ns.annotations.get(NODE_SELECTOR) {
                    Some((*object, text, false))
                } else {
                    if !pair.same_object
                        && let Some((source_object, want)) = source_selector
                        && !want.value.trim().is_empty()
                    {
                        let anchor = ns
                            .annotations_key
                            .or(ns.metadata_key)
                            .unwrap_or(object.object.meta.name_span());
                        out.push(
                            Finding::new(
                                "DVM122",
                                Location::new(&object.object.file, anchor),
                                format!(
                                    "destination namespace `{dest}` lacks the \
                                         `{NODE_SELECTOR}: \"{}\"` annotation of source namespace \
                                         `{src}`: DVM leaves an existing namespace as it is, and \
                                         without the source's node selector the rsync transfer \
                                         pods cannot be scheduled and stay Pending (MTC \
                                         troubleshooting: \"Some or all transfer pods are not \
                                         running for more than 10 mins on destination cluster\") \
                                         {note}",
                                    want.value
                                ),
                            )
                            .help(format!(
                                "add `{NODE_SELECTOR}: \"{}\"` to the annotations of \
                                     Namespace `{dest}` (with labels the destination's worker \
                                     nodes carry)",
                                want.value
                            ))
                            .object(Some(object.object_ref()))
                            .cluster(cluster_name)
                            .related(
                                Location::new(&source_object.object.file, want.span),
                                "the source namespace's node selector",
                            ),
                        );
                    }
                    None
                }
            }
            // DVM creates the namespace with the source's annotations.
            None => source_selector.map(|(o, t)| (o, t, true)),
        };
        let Some((object, text, copied)) = effective else {
            continue;
        };
        let Some(selector) = parse_selector(&text.value) else {
            if pair.same_object {
                continue;
            }
            out.push(
                Finding::new(
                    "DVM122",
                    Location::new(&object.object.file, text.span),
                    format!(
                        "the node selector `{}` of namespace `{dest}` was not judged against the \
                         destination cluster's nodes: it is not a list of `key=value` labels",
                        text.value
                    ),
                )
                .severity(Severity::Info)
                .help("write the project node selector as `key=value` pairs separated by commas")
                .object(Some(object.object_ref()))
                .cluster(cluster_name),
            );
            continue;
        };
        if selector.is_empty() {
            continue;
        }
        // Once per cluster, not per namespace (quadratic in namespaces).
        let nodes = nodes_of
            .entry(pair.target.cluster)
            .or_insert_with(|| node_labels(project, pair.target.cluster));
        let whose = if copied {
            format!(
                "source namespace `{src}` sets `{NODE_SELECTOR}: \"{}\"`, which DVM copies into \
                 destination namespace `{dest}` when it creates it",
                text.value
            )
        } else {
            format!(
                "destination namespace `{dest}` sets `{NODE_SELECTOR}: \"{}\"`",
                text.value
            )
        };
        // A namespace migrated onto itself already runs its pods under its
        // selector: only a known mismatch is worth saying.
        if nodes.is_empty() && pair.same_object {
            continue;
        }
        if nodes.is_empty() {
            let cluster = cluster_name.map_or("the destination cluster", |n| n.as_ref());
            out.push(
                Finding::new(
                    "DVM122",
                    Location::new(&object.object.file, text.span),
                    format!(
                        "{whose}; whether a node of the destination cluster carries these labels \
                         was not judged: the repository holds no Node or MachineSet of `{cluster}`"
                    ),
                )
                .severity(Severity::Info)
                .help(
                    "make sure a schedulable worker of the destination cluster carries these \
                     labels (add its MachineSet or Node objects to the repository to have this \
                     checked)",
                )
                .object(Some(object.object_ref()))
                .cluster(cluster_name),
            );
            continue;
        }
        if nodes.iter().any(|n| n.matches(&selector)) {
            continue;
        }
        let mut finding = Finding::new(
            "DVM122",
            Location::new(&object.object.file, text.span),
            format!(
                "{whose}, but no Node or MachineSet of the destination cluster in the repository \
                 carries these labels: OpenShift adds the project node selector to every pod of \
                 the namespace, so the rsync transfer pods stay Pending and DVM does not complete \
                 {note}"
            ),
        )
        .severity(Severity::Error)
        .help(format!(
            "use labels the destination's workers carry in `{NODE_SELECTOR}` of Namespace \
             `{dest}`, or add them to a worker MachineSet"
        ))
        .object(Some(object.object_ref()))
        .cluster(cluster_name);
        for node in nodes.iter().take(5) {
            finding = finding.related(
                node.location.clone(),
                format!("{} does not match", node.what),
            );
        }
        out.push(finding);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_model_keeps_the_annotation_this_rule_reads() {
        assert!(crate::manifest::namespace::READ_ANNOTATIONS.contains(&NODE_SELECTOR));
    }

    #[test]
    fn reads_project_node_selectors() {
        assert_eq!(
            parse_selector("region=east, type=user-node"),
            Some(vec![
                ("region".to_owned(), "east".to_owned()),
                ("type".to_owned(), "user-node".to_owned())
            ])
        );
        assert_eq!(parse_selector(""), Some(vec![]));
        assert_eq!(
            parse_selector("node-role.kubernetes.io/worker="),
            Some(vec![(
                "node-role.kubernetes.io/worker".to_owned(),
                String::new()
            )])
        );
        assert_eq!(parse_selector("region!=east"), None);
        assert_eq!(parse_selector("region in (east)"), None);
        assert_eq!(parse_selector("a=b,,c=d"), None);
    }
}
