//! The MTC view of the model (SPEC §4 "Roles" and "namespaces in scope"): which
//! cluster is source, target and host, which namespaces DVM migrates, and each
//! cluster's MigrationController.
//!
//! Clusters are named by MigPlan `srcMigClusterRef`/`destMigClusterRef`, matched
//! to config `clusters[].name`. A repository without `clusters:` is one cluster
//! playing both roles, so every plan maps onto it.

use std::collections::BTreeSet;

use crate::config::Role;
use crate::manifest::migration_controller::MigrationController;
use crate::manifest::mtc::{MigCluster, MigPlan};

use super::{ModelObject, Project};

/// A namespace on a cluster.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClusterNamespace {
    pub cluster: usize,
    pub namespace: String,
}

/// One namespace migrated with DVM: rsync clients run in `source`, the rsync
/// server in `target` (domain.md §1.1).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct DvmPair {
    pub source: ClusterNamespace,
    pub target: ClusterNamespace,
    /// The plan copies block volumes: block-transfer pods run too.
    pub block: bool,
    /// Index in `Project::objects` of the MigPlan, when a plan defines the pair.
    pub plan: Option<usize>,
}

/// Where the list of migrated namespaces came from (messages say so).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScopeSource {
    MigPlans,
    Config,
    EveryNamespace,
}

#[derive(Clone, Debug)]
pub struct Migration {
    /// Per cluster index: plays the source role.
    pub is_source: Vec<bool>,
    /// Per cluster index: plays the target role.
    pub is_target: Vec<bool>,
    pub host: Option<usize>,
    pub pairs: Vec<DvmPair>,
    pub scope_source: ScopeSource,
    /// Per cluster index: its MigrationController (index in `Project::objects`).
    pub controllers: Vec<Option<usize>>,
}

impl Migration {
    pub fn build(project: &Project) -> Migration {
        let n = project.clusters.len();
        let mut is_source: Vec<bool> = project
            .clusters
            .iter()
            .map(|c| matches!(c.role, Role::Source | Role::Both))
            .collect();
        let mut is_target: Vec<bool> = project
            .clusters
            .iter()
            .map(|c| matches!(c.role, Role::Target | Role::Both))
            .collect();

        let mut controllers = vec![None; n];
        for (index, object) in project.modelled() {
            if let Some(cluster) = object.cluster
                && is(object, "MigrationController")
                && let Some(slot) = controllers.get_mut(cluster)
                && slot.is_none()
            {
                *slot = Some(index);
            }
        }

        let mut pairs = Vec::new();
        let plans: Vec<(usize, MigPlan)> = project
            .objects
            .iter()
            .enumerate()
            .filter(|(_, o)| is(o, "MigPlan"))
            .filter_map(|(i, o)| Some((i, MigPlan::from_node(o.object.tree()?))))
            .collect();
        for (index, plan) in &plans {
            let source =
                project.cluster_by_ref(plan.source_cluster.as_ref().map(|t| t.value.as_str()));
            let target =
                project.cluster_by_ref(plan.destination_cluster.as_ref().map(|t| t.value.as_str()));
            if let Some(s) = source.and_then(|s| is_source.get_mut(s)) {
                *s = true;
            }
            if let Some(t) = target.and_then(|t| is_target.get_mut(t)) {
                *t = true;
            }
            let (Some(source), Some(target)) = (source, target) else {
                continue;
            };
            if !plan.uses_dvm() {
                continue;
            }
            for mapping in &plan.namespaces {
                pairs.push(DvmPair {
                    source: ClusterNamespace {
                        cluster: source,
                        namespace: mapping.source.clone(),
                    },
                    target: ClusterNamespace {
                        cluster: target,
                        namespace: mapping.destination.clone(),
                    },
                    block: plan.uses_block_transfer(),
                    plan: Some(*index),
                });
            }
        }

        let scope_source = if !plans.is_empty() {
            ScopeSource::MigPlans
        } else if !project.config.namespaces.is_empty() {
            for ns in &project.config.namespaces {
                for source in (0..n).filter(|&c| is_source.get(c) == Some(&true)) {
                    for target in (0..n).filter(|&c| is_target.get(c) == Some(&true)) {
                        pairs.push(DvmPair {
                            source: ClusterNamespace {
                                cluster: source,
                                namespace: ns.source.clone(),
                            },
                            target: ClusterNamespace {
                                cluster: target,
                                namespace: ns.destination.clone(),
                            },
                            block: false,
                            plan: None,
                        });
                    }
                }
            }
            ScopeSource::Config
        } else {
            // No plan and no list: every namespace seen, migrated onto itself
            // on every target (SPEC §4), but for the platform's namespaces and
            // MTC's own (`not_migrated`).
            let operator = super::not_migrated::operator_namespaces(project);
            let mut seen = BTreeSet::new();
            for object in &project.objects {
                let Some(cluster) = object.cluster else {
                    continue;
                };
                if is_source.get(cluster) != Some(&true) {
                    continue;
                }
                if let Some(ns) = object.scope().namespace() {
                    seen.insert((cluster, ns.to_owned()));
                }
                if object.object.meta.is("", "Namespace") {
                    seen.insert((cluster, object.object.meta.name.value.clone()));
                }
            }
            seen.retain(|(cluster, namespace): &(usize, String)| {
                !super::not_migrated::is_left_out_by_default(namespace)
                    && !operator.contains(&(Some(*cluster), namespace.clone()))
            });
            for (source, namespace) in seen {
                for target in (0..n).filter(|&c| is_target.get(c) == Some(&true)) {
                    pairs.push(DvmPair {
                        source: ClusterNamespace {
                            cluster: source,
                            namespace: namespace.clone(),
                        },
                        target: ClusterNamespace {
                            cluster: target,
                            namespace: namespace.clone(),
                        },
                        block: false,
                        plan: None,
                    });
                }
            }
            ScopeSource::EveryNamespace
        };
        pairs.sort();
        pairs.dedup();

        let host = host_cluster(project, &controllers, &is_source);
        Migration {
            is_source,
            is_target,
            host,
            pairs,
            scope_source,
            controllers,
        }
    }

    /// The typed MigrationController of a cluster.
    pub fn controller<'p>(
        &self,
        project: &'p Project,
        cluster: usize,
    ) -> Option<(&'p ModelObject, MigrationController)> {
        let object = project.objects.get((*self.controllers.get(cluster)?)?)?;
        Some((
            object,
            MigrationController::from_node(object.object.tree()?),
        ))
    }

    /// Pairs whose source side is on `cluster`.
    pub fn sources_on(&self, cluster: usize) -> impl Iterator<Item = &DvmPair> {
        self.pairs
            .iter()
            .filter(move |p| p.source.cluster == cluster)
    }

    /// Pairs whose target side is on `cluster`.
    pub fn targets_on(&self, cluster: usize) -> impl Iterator<Item = &DvmPair> {
        self.pairs
            .iter()
            .filter(move |p| p.target.cluster == cluster)
    }
}

fn is(object: &ModelObject, kind: &str) -> bool {
    object.object.meta.is("migration.openshift.io", kind)
}

/// The MigCluster with `isHostCluster: true`, else the cluster whose
/// MigrationController sets `migration_controller: true`, else the first source.
fn host_cluster(
    project: &Project,
    controllers: &[Option<usize>],
    is_source: &[bool],
) -> Option<usize> {
    let by_mig_cluster = project.modelled().find_map(|(_, o)| {
        if !is(o, "MigCluster") {
            return None;
        }
        let mig_cluster = MigCluster::from_node(o.object.tree()?);
        if mig_cluster.is_host_cluster == Some(true) {
            project.cluster_by_ref(Some(&o.object.meta.name.value))
        } else {
            None
        }
    });
    by_mig_cluster
        .or_else(|| {
            controllers.iter().enumerate().find_map(|(cluster, index)| {
                let object = project.objects.get((*index)?)?;
                let controller = MigrationController::from_node(object.object.tree()?);
                (controller.flag("migration_controller") == Some(true)).then_some(cluster)
            })
        })
        .or_else(|| is_source.iter().position(|&s| s))
}
