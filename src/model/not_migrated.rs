//! Namespaces that "every namespace seen" does not count as migrated.
//!
//! Without MigPlans and without a configured `namespaces:` list, every
//! namespace the repository's objects land in is taken as migrated onto
//! itself. Two kinds are not (`docs/decisions/network-policies.md`):
//!
//! - the platform's own: `openshift`, `openshift-*`, `kube-*` (the DNS, the
//!   router, operators installed by OLM; recreated by the platform on the
//!   target, never copied by DVM);
//! - the namespace MTC itself runs in: one holding any MTC object
//!   (`migration.openshift.io`: MigrationController, MigPlan, MigCluster, …),
//!   `openshift-migration` by default. DVM copies applications' volumes, not
//!   the migration tool's.
//!
//! A MigPlan or the configuration can still name any of them.

use std::collections::BTreeSet;

use super::Project;

/// The namespaces of `project` that are not migrated by default, per cluster
/// index (`None`: files no configured cluster claims).
pub fn operator_namespaces(project: &Project) -> BTreeSet<(Option<usize>, String)> {
    project
        .objects
        .iter()
        .filter(|o| o.object.meta.group() == "migration.openshift.io")
        .filter_map(|o| Some((o.cluster, o.scope().namespace()?.to_owned())))
        .collect()
}

/// Whether `namespace` is one of the platform's namespaces.
pub fn is_platform_namespace(namespace: &str) -> bool {
    namespace == "openshift"
        || namespace.starts_with("openshift-")
        || namespace.starts_with("kube-")
}

#[cfg(test)]
mod tests {
    #[test]
    fn platform_namespaces() {
        for ns in [
            "openshift",
            "openshift-migration",
            "openshift-ingress",
            "kube-system",
        ] {
            assert!(super::is_platform_namespace(ns), "{ns}");
        }
        for ns in ["default", "app1", "openshiftapps", "kubernetes-app"] {
            assert!(!super::is_platform_namespace(ns), "{ns}");
        }
    }
}
