//! Which kinds the model keeps, and which are cluster-scoped.
//!
//! Only objects some cross-file rule reads are kept after their file is parsed
//! (docs/performance.md: memory must not grow with objects no rule reads, such as
//! ConfigMap payloads). Everything else is reduced to its [`super::ObjectMeta`]
//! without labels and annotations.

/// (API group, kind) pairs whose whole tree the model keeps.
const MODELLED: &[(&str, &str)] = &[
    ("", "Namespace"),
    ("", "Node"),
    ("", "LimitRange"),
    ("machine.openshift.io", "MachineSet"),
    ("networking.k8s.io", "NetworkPolicy"),
    ("network.openshift.io", "EgressNetworkPolicy"),
    ("k8s.ovn.org", "EgressFirewall"),
    // The documentation's other shapes: rejected by the API server (DVM112),
    // kept so that DVM112 can say so.
    ("k8s.ovn.org", "EgressNetworkPolicy"),
    ("network.openshift.io", "EgressFirewall"),
    ("config.openshift.io", "Proxy"),
    ("config.openshift.io", "Network"),
    ("config.openshift.io", "Ingress"),
    ("config.openshift.io", "ClusterVersion"),
    ("config.openshift.io", "Infrastructure"),
    ("operator.openshift.io", "Network"),
    ("operator.openshift.io", "IngressController"),
    ("storage.k8s.io", "StorageClass"),
    ("migration.openshift.io", "MigrationController"),
    ("migration.openshift.io", "MigCluster"),
    ("migration.openshift.io", "MigPlan"),
    ("migration.openshift.io", "MigMigration"),
];

pub fn is_modelled(group: &str, kind: &str) -> bool {
    MODELLED.iter().any(|&(g, k)| g == group && k == kind)
}

/// Kinds that live outside namespaces; `metadata.namespace` and kustomize's
/// `namespace:` do not apply to them.
pub fn is_cluster_scoped(group: &str, kind: &str) -> bool {
    match group {
        "" => matches!(
            kind,
            "Namespace" | "Node" | "PersistentVolume" | "ComponentStatus"
        ),
        "rbac.authorization.k8s.io" => matches!(kind, "ClusterRole" | "ClusterRoleBinding"),
        "apiextensions.k8s.io" | "config.openshift.io" | "quota.openshift.io" => true,
        "storage.k8s.io" => matches!(
            kind,
            "StorageClass" | "CSIDriver" | "CSINode" | "VolumeAttachment"
        ),
        "admissionregistration.k8s.io" => true,
        "scheduling.k8s.io" => kind == "PriorityClass",
        "security.openshift.io" => kind == "SecurityContextConstraints",
        "project.openshift.io" => kind == "Project",
        // IngressControllers live in `openshift-ingress-operator`.
        "operator.openshift.io" => kind != "IngressController",
        "machineconfiguration.openshift.io" => true,
        _ => false,
    }
}
