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
//! Nor is a "namespace" that no namespace can be named (`${namespace}`, a
//! template's placeholder in a file that happens to parse).
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
        .filter_map(|o| Some((o.cluster(), o.scope().namespace()?.to_owned())))
        .collect()
}

/// Whether an object gives DVM something to copy in its namespace: a
/// PersistentVolumeClaim, or a kind that makes claims of its own (a
/// StatefulSet's `volumeClaimTemplates` or the claims it mounts, a KubeVirt
/// VirtualMachine's disks, a CDI DataVolume, a database operator's cluster
/// whose volumes its operator claims: Crunchy's PostgresCluster, whose
/// `dataVolumeClaimSpec` is required, and CloudNativePG's Cluster, whose
/// `storage` is). DVM creates rsync pods only for claims (one client pod per
/// claim, `migration.openshift.io/created-for-pvc`): a namespace without any
/// has none, whatever its policies.
pub fn holds_volumes(object: &crate::parsed::Object) -> bool {
    let meta = &object.meta;
    !object.without_volumes
        && matches!(
            (meta.group(), meta.kind.value.as_str()),
            ("", "PersistentVolumeClaim")
                | ("apps", "StatefulSet")
                | ("kubevirt.io", "VirtualMachine")
                | ("cdi.kubevirt.io", "DataVolume")
                | ("postgres-operator.crunchydata.com", "PostgresCluster")
                | ("postgresql.cnpg.io", "Cluster")
        )
}

/// Whether `namespace` is left out of "every namespace seen": one of the
/// platform's namespaces, or no namespace
/// at all (not a DNS-1123 label: a template's `${namespace}`).
pub fn is_left_out_by_default(namespace: &str) -> bool {
    namespace == "openshift"
        || namespace.starts_with("openshift-")
        || namespace.starts_with("kube-")
        || !crate::manifest::is_dns_label(namespace)
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
            assert!(super::is_left_out_by_default(ns), "{ns}");
        }
        for ns in ["${namespace}", "App", "-a", "{{ .Release.Namespace }}"] {
            assert!(super::is_left_out_by_default(ns), "{ns}");
        }
        for ns in ["default", "app1", "openshiftapps", "kubernetes-app"] {
            assert!(!super::is_left_out_by_default(ns), "{ns}");
        }
    }
}
