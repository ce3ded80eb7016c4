//! Which kinds the model keeps, and which are cluster-scoped.
//!
//! Only objects some cross-file rule reads are kept after their file is parsed
//! (docs/performance.md: memory must not grow with objects no rule reads, such as
//! ConfigMap payloads). Everything else is reduced to its [`super::ObjectMeta`]
//! without labels and annotations.

/// Whether the model keeps the whole tree of objects of this API group and
/// kind. A `match` on the kind first (it differs for almost every object
/// met; the compiler tests lengths, then bytes), then the group: asked of
/// every object of every file.
pub fn is_modelled(group: &str, kind: &str) -> bool {
    match kind {
        "Namespace" | "Node" | "LimitRange" => group.is_empty(),
        "MachineSet" => group == "machine.openshift.io",
        "NetworkPolicy" => group == "networking.k8s.io",
        "AdminNetworkPolicy" | "BaselineAdminNetworkPolicy" => group == "policy.networking.k8s.io",
        // The documentation's other shapes (`k8s.ovn.org` EgressNetworkPolicy,
        // `network.openshift.io` EgressFirewall) are rejected by the API
        // server (DVM112): kept so that DVM112 can say so.
        "EgressNetworkPolicy" | "EgressFirewall" => {
            matches!(group, "network.openshift.io" | "k8s.ovn.org")
        }
        "Proxy" | "Ingress" | "ClusterVersion" | "Infrastructure" => group == "config.openshift.io",
        "Network" => matches!(group, "config.openshift.io" | "operator.openshift.io"),
        "IngressController" => group == "operator.openshift.io",
        "StorageClass" => group == "storage.k8s.io",
        "MigrationController" | "MigCluster" | "MigPlan" | "MigMigration" => {
            group == "migration.openshift.io"
        }
        // Flux's: its `spec.path` says which folders Flux builds (rendering).
        "Kustomization" => group == "kustomize.toolkit.fluxcd.io",
        // Argo CD's: the values they install the project's charts with
        // (rendering, `render::argo`); only those with such values keep
        // their tree (`parsed::Body::read`).
        "Application" | "ApplicationSet" => group == "argoproj.io",
        _ => false,
    }
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
        "policy.networking.k8s.io" => {
            matches!(kind, "AdminNetworkPolicy" | "BaselineAdminNetworkPolicy")
        }
        "machineconfiguration.openshift.io" => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_modelled_kinds_are_these_pairs_and_no_other() {
        let modelled = [
            ("", "Namespace"),
            ("", "Node"),
            ("", "LimitRange"),
            ("machine.openshift.io", "MachineSet"),
            ("networking.k8s.io", "NetworkPolicy"),
            ("policy.networking.k8s.io", "AdminNetworkPolicy"),
            ("policy.networking.k8s.io", "BaselineAdminNetworkPolicy"),
            ("network.openshift.io", "EgressNetworkPolicy"),
            ("k8s.ovn.org", "EgressFirewall"),
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
        let groups: Vec<&str> = modelled
            .iter()
            .map(|(g, _)| *g)
            .chain(["apps", "x.io"])
            .collect();
        let kinds: Vec<&str> = modelled
            .iter()
            .map(|(_, k)| *k)
            .chain(["ConfigMap", "Deployment", "namespace"])
            .collect();
        for group in &groups {
            for kind in &kinds {
                assert_eq!(
                    is_modelled(group, kind),
                    modelled.contains(&(group, kind)),
                    "{group:?} {kind:?}"
                );
            }
        }
    }
}
