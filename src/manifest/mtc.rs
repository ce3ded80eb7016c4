//! MTC objects that decide roles and scope: MigCluster and MigPlan (docs/domain.md §3).

use crate::yaml::{Node, Span};

use super::Text;

#[derive(Clone, Debug)]
pub struct MigCluster {
    pub is_host_cluster: Option<bool>,
    pub url: Option<Text>,
}

impl MigCluster {
    pub fn from_node(node: &Node<'_>) -> MigCluster {
        MigCluster {
            is_host_cluster: node.at(&["spec", "isHostCluster"]).and_then(Node::as_bool),
            url: Text::at(node, &["spec", "url"]),
        }
    }
}

/// One `spec.namespaces` entry: `src` or `src:dest`.
#[derive(Clone, Debug)]
pub struct NamespaceMapping {
    pub source: String,
    pub destination: String,
    pub text: Text,
}

impl NamespaceMapping {
    pub fn parse(text: Text) -> NamespaceMapping {
        let (source, destination) = match text.value.split_once(':') {
            Some((src, dest)) => (src.to_owned(), dest.to_owned()),
            None => (text.value.clone(), text.value.clone()),
        };
        NamespaceMapping {
            source,
            destination,
            text,
        }
    }
}

#[derive(Clone, Debug)]
pub struct PlannedVolume {
    /// The span of the list item.
    pub span: Span,
    pub action: Option<String>,
    pub copy_method: Option<String>,
}

#[derive(Clone, Debug)]
pub struct MigPlan {
    pub source_cluster: Option<Text>,
    pub destination_cluster: Option<Text>,
    /// The namespaces the references look in (`srcMigClusterRef.namespace`,
    /// `destMigClusterRef.namespace`).
    pub source_cluster_namespace: Option<Text>,
    pub destination_cluster_namespace: Option<Text>,
    pub namespaces: Vec<NamespaceMapping>,
    pub indirect_volume_migration: bool,
    pub volumes: Vec<PlannedVolume>,
    /// `spec.closed: true`: the plan is retired and migrates nothing.
    pub closed: bool,
}

impl MigPlan {
    pub fn from_node(node: &Node<'_>) -> MigPlan {
        let spec = node.get("spec");
        let at = |path: &[&str]| spec.and_then(|s| s.at(path));
        MigPlan {
            source_cluster: at(&["srcMigClusterRef", "name"]).and_then(Text::from_node),
            destination_cluster: at(&["destMigClusterRef", "name"]).and_then(Text::from_node),
            source_cluster_namespace: at(&["srcMigClusterRef", "namespace"])
                .and_then(Text::from_node),
            destination_cluster_namespace: at(&["destMigClusterRef", "namespace"])
                .and_then(Text::from_node),
            namespaces: at(&["namespaces"])
                .map_or(&[][..], Node::items)
                .iter()
                .filter_map(Text::from_node)
                .map(NamespaceMapping::parse)
                .collect(),
            indirect_volume_migration: at(&["indirectVolumeMigration"])
                .and_then(Node::as_bool)
                .unwrap_or(false),
            volumes: at(&["persistentVolumes"])
                .map_or(&[][..], Node::items)
                .iter()
                .map(|pv| PlannedVolume {
                    span: pv.span,
                    action: pv
                        .at(&["selection", "action"])
                        .and_then(Node::as_str)
                        .map(str::to_owned),
                    copy_method: pv
                        .at(&["selection", "copyMethod"])
                        .and_then(Node::as_str)
                        .map(str::to_owned),
                })
                .collect(),
            closed: at(&["closed"]).and_then(Node::as_bool).unwrap_or(false),
        }
    }

    /// Whether the plan migrates volumes with DVM (docs/domain.md §3): not indirect,
    /// and — when the plan lists its volumes — some volume is copied with the
    /// filesystem or block method. A plan that lists no volumes yet may use DVM.
    pub fn uses_dvm(&self) -> bool {
        !self.indirect_volume_migration
            && (self.volumes.is_empty() || self.volumes.iter().any(PlannedVolume::is_direct))
    }

    /// Whether block-transfer rsync pods will run (`copyMethod: block`).
    pub fn uses_block_transfer(&self) -> bool {
        self.uses_dvm()
            && self
                .volumes
                .iter()
                .any(|v| v.is_direct() && v.copy_method.as_deref() == Some("block"))
    }
}

impl PlannedVolume {
    fn is_direct(&self) -> bool {
        self.action.as_deref().unwrap_or("copy") == "copy"
            && matches!(
                self.copy_method.as_deref(),
                None | Some("filesystem" | "block")
            )
    }
}

/// A MigMigration: which plan it runs and whether it asks for root rsync.
#[derive(Clone, Debug)]
pub struct MigMigration {
    pub plan: Option<Text>,
    /// `spec.runAsRoot`, with the span of its value.
    pub run_as_root: Option<(bool, Span)>,
}

impl MigMigration {
    pub fn from_node(node: &Node<'_>) -> MigMigration {
        MigMigration {
            plan: Text::at(node, &["spec", "migPlanRef", "name"]),
            run_as_root: node
                .at(&["spec", "runAsRoot"])
                .and_then(|n| Some((n.as_bool()?, n.span))),
        }
    }
}

/// One `spec.persistentVolumes[]` entry with what DVM126 reads of its
/// `selection` and `pvc` (mig-controller `PV.Selection`, `PV.PVC`).
#[derive(Clone, Debug)]
pub struct VolumeSelection {
    /// The PV's `name`, when written.
    pub name: Option<String>,
    /// The span of the list item.
    pub span: Span,
    /// The span of the `selection` key, when the entry has one.
    pub selection_key: Option<Span>,
    pub action: Option<Text>,
    pub storage_class: Option<Text>,
    pub access_mode: Option<Text>,
    pub copy_method: Option<Text>,
    /// `pvc.accessModes`: what the source PVC asks for.
    pub pvc_access_modes: Vec<String>,
    /// `pvc.volumeMode` (`Filesystem` when absent, as Kubernetes defaults it).
    pub pvc_volume_mode: Option<String>,
}

impl VolumeSelection {
    /// Every `spec.persistentVolumes` entry of a MigPlan, in order.
    pub fn all(plan: &Node<'_>) -> Vec<VolumeSelection> {
        plan.at(&["spec", "persistentVolumes"])
            .map_or(&[][..], Node::items)
            .iter()
            .map(|pv| {
                let selection = |key: &str| {
                    Text::at(pv, &["selection", key]).filter(|t| !t.value.trim().is_empty())
                };
                VolumeSelection {
                    name: pv.get("name").and_then(Node::as_str).map(str::to_owned),
                    span: pv.span,
                    selection_key: pv.entry("selection").map(|(key, _)| key.span),
                    action: selection("action"),
                    storage_class: selection("storageClass"),
                    access_mode: selection("accessMode"),
                    copy_method: selection("copyMethod"),
                    pvc_access_modes: pv
                        .at(&["pvc", "accessModes"])
                        .map_or(&[][..], Node::items)
                        .iter()
                        .filter_map(Node::as_str)
                        .map(str::to_owned)
                        .collect(),
                    pvc_volume_mode: pv
                        .at(&["pvc", "volumeMode"])
                        .and_then(Node::as_str)
                        .map(str::to_owned),
                }
            })
            .collect()
    }
}
