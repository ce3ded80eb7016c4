//! DVM120 privileged-rsync-without-psa-label: root rsync requested while a
//! migrated Namespace lacks `pod-security.kubernetes.io/enforce: privileged`.
//!
//! mig-controller (`directvolumemigration/rsync.go`, `getSecurityContext`)
//! runs the rsync pods as root when asked — MigMigration `runAsRoot`, else the
//! cluster's `migration_rsync_privileged` or `migration_rsync_super_privileged`
//! — but where PodSecurity admission is enforced (Kubernetes 1.24+, OpenShift
//! 4.11+, `isPSAEnforced`) only in a namespace whose
//! `pod-security.kubernetes.io/enforce` label is exactly `privileged`
//! (`isPrivilegedLabelPresent`; `warn`/`audit` do not count). Otherwise it
//! silently runs them as non-root (condition RsyncServerPodsRunningAsNonRoot):
//! files only root can read or own are not copied as they are. Each side is
//! judged with its own cluster's controller, in its own namespace.

use std::collections::BTreeSet;

use crate::finding::{Finding, Location};
use crate::manifest::mtc::MigMigration;
use crate::manifest::namespace::NamespaceObject;
use crate::model::Project;
use crate::rules::versions;

const ENFORCE: &str = "pod-security.kubernetes.io/enforce";

/// Why root rsync is requested on `cluster` for `plan`: where, and what.
struct Request {
    location: Location,
    what: String,
}

/// MigMigration `runAsRoot` decides when set (the last MigMigration of the
/// plan that sets it); else the cluster controller's flags.
fn request(project: &Project, plan: Option<usize>, cluster: usize) -> Option<Request> {
    let plan_name = plan
        .and_then(|i| project.objects.get(i))
        .map(|o| o.object.meta.name.value.as_str());
    let migration = plan_name.and_then(|name| {
        project
            .modelled_kind("migration.openshift.io", "MigMigration")
            .filter_map(|(_, o)| Some((o, MigMigration::from_node(o.object.tree()?))))
            .filter(|(_, m)| m.plan.as_ref().is_some_and(|p| p.value == name))
            .filter_map(|(o, m)| Some((o, m.run_as_root?)))
            .last()
    });
    if let Some((object, (root, span))) = migration {
        return root.then(|| Request {
            location: Location::new(&object.object.file, span),
            what: format!(
                "MigMigration `{}` sets runAsRoot: true",
                object.object.meta.name.value
            ),
        });
    }
    let (object, controller) = project.migration().controller(project, cluster)?;
    [
        "migration_rsync_super_privileged",
        "migration_rsync_privileged",
    ]
    .into_iter()
    .find_map(|snake| {
        let setting = controller.setting(snake)?;
        (setting.value.as_bool() == Some(true)).then(|| Request {
            location: Location::new(&object.object.file, setting.value.span),
            what: format!("the MigrationController sets `{}: true`", setting.key.value),
        })
    })
}

/// Whether PodSecurity admission is enforced on `cluster` (its configured
/// OpenShift `version`; unknown counts as enforced, the current releases).
fn psa_enforced(project: &Project, cluster: usize) -> bool {
    let version = project
        .clusters
        .get(cluster)
        .and_then(|c| c.config)
        .and_then(|i| project.config.clusters.get(i))
        .and_then(|c| c.version.as_deref())
        .and_then(versions::parse);
    version.is_none_or(|v| v >= [4, 11, 0])
}

fn openshift_note(project: &Project, cluster: usize) -> String {
    let version = project
        .clusters
        .get(cluster)
        .and_then(|c| c.config)
        .and_then(|i| project.config.clusters.get(i))
        .and_then(|c| c.version.clone());
    match version {
        Some(v) => format!("(OpenShift {v})"),
        None => "(assuming OpenShift 4.11 or later, where PodSecurity admission is enforced; set \
                 the cluster's `version` in .dvmlint.yaml to be exact)"
            .to_owned(),
    }
}

pub fn check(project: &Project, out: &mut Vec<Finding>) {
    let migration = project.migration();
    let mut seen = BTreeSet::new();
    for pair in &migration.pairs {
        for (side, ends) in [("source", &pair.source), ("destination", &pair.target)] {
            if !seen.insert((ends.cluster, ends.namespace.clone(), pair.plan)) {
                continue;
            }
            if !psa_enforced(project, ends.cluster) {
                continue;
            }
            // The model's index: a plan may migrate thousands of namespaces.
            let Some((_, object)) = project.namespace_object(ends.cluster, &ends.namespace) else {
                continue;
            };
            let Some(tree) = object.object.tree() else {
                continue;
            };
            let namespace = NamespaceObject::from_node(tree);
            let enforce = namespace.labels.get(ENFORCE);
            if enforce.is_some_and(|t| t.value == "privileged") {
                continue;
            }
            let Some(request) = request(project, pair.plan, ends.cluster) else {
                continue;
            };
            let (span, now) = match enforce {
                Some(text) => (
                    text.span,
                    format!("its `{ENFORCE}` label is `{}`", text.value),
                ),
                None => (
                    namespace
                        .label_anchor()
                        .unwrap_or(object.object.meta.name_span()),
                    format!("it has no `{ENFORCE}` label"),
                ),
            };
            out.push(
                Finding::new(
                    "DVM120",
                    Location::new(&object.object.file, span),
                    format!(
                        "{} (rsync as root), but {side} namespace `{}` does not allow \
                         privileged pods ({now}): mig-controller silently runs the rsync pods as \
                         non-root, and files only root can read or own are not copied as they \
                         are {}",
                        request.what,
                        ends.namespace,
                        openshift_note(project, ends.cluster)
                    ),
                )
                .help(format!(
                    "add the label `{ENFORCE}: privileged` to Namespace `{}` (only `enforce` \
                     counts; `warn` and `audit` do not)",
                    ends.namespace
                ))
                .object(Some(object.object_ref()))
                .cluster(project.cluster_name(Some(ends.cluster)))
                .related(request.location, "root rsync is requested here"),
            );
        }
    }
}
