//! DVM303 clusterip-across-clusters: `rsync_endpoint_type: ClusterIP` exposes the
//! rsync server on the target's service network only (docs/domain.md §1.3), which the
//! source cluster's pods cannot reach: DVM between two clusters fails.

use std::collections::BTreeSet;

use crate::finding::{Finding, Location};
use crate::model::Project;

pub fn check(project: &Project, out: &mut Vec<Finding>) {
    let migration = project.migration();
    let targets: BTreeSet<(usize, usize)> = migration
        .pairs
        .iter()
        .filter(|p| p.source.cluster != p.target.cluster)
        .map(|p| (p.target.cluster, p.source.cluster))
        .collect();
    let mut seen = BTreeSet::new();
    for (target, source) in targets {
        if !seen.insert(target) {
            continue;
        }
        let Some((object, controller)) = migration.controller(project, target) else {
            continue;
        };
        let Some(text) = controller
            .text("rsync_endpoint_type")
            .filter(|t| t.value == "ClusterIP")
        else {
            continue;
        };
        let source = project
            .cluster_name(Some(source))
            .map_or("?", |n| n.as_ref());
        let target_name = project
            .cluster_name(Some(target))
            .map_or("?", |n| n.as_ref());
        out.push(
            Finding::new(
                "DVM303",
                Location::new(&object.object.file, text.span),
                format!(
                    "rsync_endpoint_type ClusterIP on target cluster `{target_name}` while the \
                     source `{source}` is another cluster: a ClusterIP is reachable only inside \
                     its own cluster, so the source's rsync clients cannot connect"
                ),
            )
            .help("use `rsync_endpoint_type: Route` (or `NodePort` when the source can reach the target's workers)")
            .object(Some(object.object_ref()))
            .cluster(project.cluster_name(Some(target))),
        );
    }
}
