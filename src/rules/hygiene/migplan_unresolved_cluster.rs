//! DVM405 migplan-unresolved-cluster: a MigPlan's `srcMigClusterRef` or
//! `destMigClusterRef` names a MigCluster that no configured cluster answers
//! to (`crate::model::migration::ClusterRefs`: config `migCluster:`, the
//! cluster's `name`, the MigCluster objects' `isHostCluster`, `spec.url` and
//! folder, the one cluster with that role).
//!
//! Without it dvmlint cannot tell which cluster's policies, firewalls and
//! proxy the plan's DVM traffic meets. The plan's namespaces are still
//! checked on every cluster the reference could be, and config `namespaces:`
//! still applies: the finding says so, and which key makes it exact.

use crate::finding::{Finding, Location};
use crate::manifest::mtc::MigPlan;
use crate::model::Project;
use crate::model::migration::PlanSide;

pub fn check(project: &Project, out: &mut Vec<Finding>) {
    let migration = project.migration();
    for unresolved in &migration.unresolved {
        let Some(object) = project.objects.get(unresolved.plan) else {
            continue;
        };
        let meta = &object.object.meta;
        let key = unresolved.side.key();
        if let (Some((looked_in, kept_in)), Some(name)) = (&unresolved.elsewhere, &unresolved.name)
        {
            out.push(
                Finding::new(
                    "DVM405",
                    Location::new(&object.object.file, looked_in.span),
                    format!(
                        "MigPlan `{}` looks for MigCluster `{}` in namespace `{}` (`{key}`), but the repository keeps it in `{kept_in}`: MTC finds no MigCluster there and refuses the plan",
                        meta.name.value, name.value, looked_in.value,
                    ),
                )
                .help(format!(
                    "set the reference's `namespace: {kept_in}`, or keep the MigCluster in `{}` (MTC's own MigClusters live in `openshift-migration`)",
                    looked_in.value
                ))
                .object(Some(object.object_ref()))
                .cluster(project.cluster_name(object.cluster())),
            );
            continue;
        }
        // A reference written under another key (`sourceMigClusterRef`):
        // said at that key, which is what to fix.
        if unresolved.name.is_none()
            && let Some(tree) = object.object.tree()
            && let Some(written) = misspelt_key(tree, unresolved.side)
        {
            out.push(
                Finding::new(
                    "DVM405",
                    Location::new(&object.object.file, written.span),
                    format!(
                        "MigPlan `{}` has no `{key}`: `{}` is no MigPlan field (mig-controller reads `{key}`), so the plan names no {side} cluster: mig-controller marks it `{condition}` and the plan never becomes ready (its namespaces are checked on every cluster it could be)",
                        meta.name.value,
                        written.value,
                        side = match unresolved.side {
                            PlanSide::Source => "source",
                            PlanSide::Destination => "destination",
                        },
                        condition = match unresolved.side {
                            PlanSide::Source => "InvalidSourceClusterRef",
                            PlanSide::Destination => "InvalidDestinationClusterRef",
                        },
                    ),
                )
                .help(format!("rename `{}` to `{key}`", written.value))
                .object(Some(object.object_ref()))
                .cluster(project.cluster_name(object.cluster())),
            );
            continue;
        }
        let span = unresolved
            .name
            .as_ref()
            .map_or(meta.name_span(), |t| t.span);
        let names: Vec<String> = unresolved
            .candidates
            .iter()
            .filter_map(|&c| project.cluster_name(Some(c)))
            .map(|n| format!("`{n}`"))
            .collect();
        let written = unresolved
            .name
            .as_ref()
            .map_or_else(|| "no name".to_owned(), |t| format!("`{}`", t.value));
        let role = match unresolved.side {
            PlanSide::Source => "source",
            PlanSide::Destination => "target",
        };
        let could_be = match names.as_slice() {
            [] => format!("no configured cluster has the {role} role"),
            [only] => format!("it could be {only}"),
            many => format!("it could be any of {}", many.join(", ")),
        };
        let message = format!(
            "MigPlan `{}` names {written} in `{key}`, which no configured cluster answers to ({}); {could_be}. Until it is resolved, the plan's namespaces are checked on every cluster it could be, and config `namespaces:` applies too",
            meta.name.value,
            unresolved.tried.join("; "),
        );
        let example = unresolved
            .name
            .as_ref()
            .map_or("<MigCluster name>", |t| t.value.as_str());
        let help = format!(
            "in .dvmlint.yaml, set `migCluster: {example}` on the cluster that MigCluster stands for (or give the MigCluster a `spec.url` under that cluster's `routeDomain`, or keep the MigCluster file in that cluster's `paths`)"
        );
        let mut finding = Finding::new("DVM405", Location::new(&object.object.file, span), message)
            .help(help)
            .object(Some(object.object_ref()))
            .cluster(project.cluster_name(object.cluster()));
        if let Some(tree) = object.object.tree()
            && unresolved.name.is_none()
            && let Some(other) = match unresolved.side {
                PlanSide::Source => MigPlan::from_node(tree).destination_cluster,
                PlanSide::Destination => MigPlan::from_node(tree).source_cluster,
            }
        {
            finding = finding.related(
                Location::new(&object.object.file, other.span),
                "the plan's other cluster reference",
            );
        }
        out.push(finding);
    }
}

/// A key of the plan's `spec` that stands for the missing reference of
/// `side`: not the field's name, but a cluster reference's
/// (`…ClusterRef`, any case) starting as that side's words do (`source`,
/// `src`; `destination`, `dest`, `dst`, `target`).
fn misspelt_key(tree: &crate::yaml::Node<'_>, side: PlanSide) -> Option<crate::manifest::Text> {
    let field = side.key();
    let starts: &[&str] = match side {
        PlanSide::Source => &["source", "src"],
        PlanSide::Destination => &["destination", "dest", "dst", "target"],
    };
    tree.get("spec")?
        .entries()
        .iter()
        .filter_map(|(key, _)| crate::manifest::Text::from_node(key))
        .find(|key| {
            let lower = key.value.to_ascii_lowercase();
            key.value != field
                && lower.ends_with("clusterref")
                && starts.iter().any(|s| lower.starts_with(s))
        })
}
