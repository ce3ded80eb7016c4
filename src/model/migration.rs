//! The MTC view of the model (docs/model.md "Roles" and "namespaces in scope"): which
//! cluster is source, target and host, which namespaces DVM migrates, and each
//! cluster's MigrationController.
//!
//! Clusters are named by MigPlan `srcMigClusterRef`/`destMigClusterRef`: MigCluster
//! names, resolved to configured clusters by [`ClusterRefs`] (config
//! `migCluster:`, the cluster's `name`, the MigCluster objects of the
//! repository, the one cluster with that role). A repository without
//! `clusters:` is one cluster playing both roles, so every plan maps onto it.
//! A reference that stays unresolved is DVM405's; its plan's namespaces are
//! still checked, on every cluster the reference could be, and config
//! `namespaces:` still applies (docs/decisions/mtc-cluster-identity.md).

use std::collections::{BTreeMap, BTreeSet};

use crate::config::Role;
use crate::manifest::Text;
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
/// server in `target` (docs/domain.md §1.1).
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

/// Which reference of a MigPlan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanSide {
    Source,
    Destination,
}

impl PlanSide {
    pub fn key(self) -> &'static str {
        match self {
            PlanSide::Source => "srcMigClusterRef",
            PlanSide::Destination => "destMigClusterRef",
        }
    }
}

/// A MigPlan reference that names no configured cluster (DVM405).
#[derive(Clone, Debug)]
pub struct UnresolvedRef {
    /// Index in `Project::objects` of the MigPlan.
    pub plan: usize,
    pub side: PlanSide,
    /// The MigCluster name as written (`None`: the reference is missing).
    pub name: Option<Text>,
    /// The clusters it could be (their role fits), by index.
    pub candidates: Vec<usize>,
    /// What was tried, for the message.
    pub tried: Vec<String>,
    /// The reference's namespace and the one the repository keeps its
    /// MigCluster in, when they differ: MTC looks the MigCluster up by both
    /// and refuses the plan (the cluster is still known, and checked).
    pub elsewhere: Option<(Text, String)>,
}

#[derive(Clone, Debug)]
pub struct Migration {
    /// Per cluster index: plays the source role.
    pub is_source: Vec<bool>,
    /// Per cluster index: plays the target role.
    pub is_target: Vec<bool>,
    pub host: Option<usize>,
    /// How [`Migration::host`] was found.
    pub host_basis: HostBasis,
    pub pairs: Vec<DvmPair>,
    pub scope_source: ScopeSource,
    /// With the namespaces guessed ([`ScopeSource::EveryNamespace`]): for each
    /// namespace, the first object on a source cluster that gives DVM
    /// something to copy there (index in `Project::objects`), which findings
    /// name as the reason the namespace counts as migrated.
    pub guessed_from: BTreeMap<String, usize>,
    /// Per cluster index: its MigrationController (index in `Project::objects`).
    pub controllers: Vec<Option<usize>>,
    /// MigPlan references no configured cluster answers to.
    pub unresolved: Vec<UnresolvedRef>,
    /// Per cluster index: the hosts of the `spec.url` of the MigClusters that
    /// stand for it (lower-case).
    pub url_hosts: Vec<Vec<String>>,
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

        // Each cluster's MigrationController: the first, unless it says
        // `migration_controller: false` and a later one does not (one
        // repository for both clusters, no configuration: the host's
        // controller is the one whose settings MTC reads).
        let mut controllers: Vec<Option<usize>> = vec![None; n];
        let runs_no_controller = |index: usize| {
            project
                .objects
                .get(index)
                .and_then(|o| o.object.tree())
                .map(MigrationController::from_node)
                .is_some_and(|c| c.flag("migration_controller") == Some(false))
        };
        for (index, object) in project.modelled() {
            if let Some(cluster) = object.cluster()
                && is(object, "MigrationController")
                && let Some(slot) = controllers.get_mut(cluster)
                && slot
                    .is_none_or(|earlier| runs_no_controller(earlier) && !runs_no_controller(index))
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
        let refs = ClusterRefs::build(project, &controllers);
        let mut unresolved = Vec::new();
        for (index, plan) in &plans {
            let mut side = |side: PlanSide, text: Option<&Text>, namespace: Option<&Text>| {
                let name = text.map(|t| t.value.as_str());
                let resolved = name.and_then(|n| refs.resolve(project, n, side));
                let elsewhere = name
                    .zip(namespace)
                    .and_then(|(n, ns)| refs.kept_elsewhere(n, &ns.value).map(|k| (ns.clone(), k)));
                if let Some(cluster) = resolved
                    && elsewhere.is_none()
                {
                    return vec![cluster];
                }
                let candidates = match resolved {
                    Some(cluster) => vec![cluster],
                    None => refs.candidates(project, side),
                };
                unresolved.push(UnresolvedRef {
                    plan: *index,
                    side,
                    name: text.cloned(),
                    candidates: candidates.clone(),
                    tried: refs.tried(project, name),
                    elsewhere,
                });
                candidates
            };
            let sources = side(
                PlanSide::Source,
                plan.source_cluster.as_ref(),
                plan.source_cluster_namespace.as_ref(),
            );
            let targets = side(
                PlanSide::Destination,
                plan.destination_cluster.as_ref(),
                plan.destination_cluster_namespace.as_ref(),
            );
            if let [s] = sources.as_slice()
                && let Some(flag) = is_source.get_mut(*s)
            {
                *flag = true;
            }
            if let [t] = targets.as_slice()
                && let Some(flag) = is_target.get_mut(*t)
            {
                *flag = true;
            }
            if !plan.uses_dvm() {
                continue;
            }
            // An unresolved side is checked on every cluster it could be;
            // a cluster migrating onto itself only when nothing else fits.
            let crossing: Vec<(usize, usize)> = sources
                .iter()
                .flat_map(|&s| targets.iter().map(move |&t| (s, t)))
                .collect();
            let resolved = sources.len() == 1 && targets.len() == 1;
            let across: Vec<(usize, usize)> = if resolved {
                crossing
            } else {
                let distinct: Vec<(usize, usize)> =
                    crossing.iter().copied().filter(|(s, t)| s != t).collect();
                if distinct.is_empty() {
                    crossing
                } else {
                    distinct
                }
            };
            for (source, target) in across {
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
        }

        // Config `namespaces:` applies when no plan is in the repository, and
        // also when some plan's clusters are unknown (DVM405): a plan that
        // cannot be placed must not switch the network rules off.
        let mut guessed_from = BTreeMap::new();
        let scope_source = if !plans.is_empty() && unresolved.is_empty() {
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
        } else if !plans.is_empty() {
            ScopeSource::MigPlans
        } else {
            // No plan and no list: every namespace seen, migrated onto itself
            // on every target (docs/model.md), but for the platform's namespaces and
            // MTC's own (`not_migrated`).
            let operator = super::not_migrated::operator_namespaces(project);
            // Borrowed from the objects, no string copied per object (a
            // million objects at 1 GB of small files); objects of one
            // namespace come in runs, which meet the set once.
            let mut seen: BTreeSet<(usize, &str)> = BTreeSet::new();
            let mut with_volumes: BTreeSet<(usize, &str)> = BTreeSet::new();
            let mut last: Option<(usize, &str)> = None;
            for (index, object) in project.objects.iter().enumerate() {
                let Some(cluster) = object.cluster() else {
                    continue;
                };
                if is_source.get(cluster) != Some(&true) {
                    continue;
                }
                if let Some(ns) = object.scope().namespace() {
                    if last != Some((cluster, ns)) {
                        seen.insert((cluster, ns));
                        last = Some((cluster, ns));
                    }
                    if super::not_migrated::holds_volumes(&object.object) {
                        with_volumes.insert((cluster, ns));
                        if !guessed_from.contains_key(ns) {
                            guessed_from.insert(ns.to_owned(), index);
                        }
                    }
                }
                if object.object.meta.is("", "Namespace") {
                    seen.insert((cluster, object.object.meta.name.value.as_str()));
                }
            }
            seen.retain(|&(cluster, namespace)| {
                with_volumes.contains(&(cluster, namespace))
                    && !super::not_migrated::is_left_out_by_default(namespace)
                    && !operator.contains(&(Some(cluster), namespace.to_owned()))
            });
            for (source, namespace) in seen {
                let namespace = namespace.to_owned();
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
        // With several clusters, a namespace migrated onto itself on its own
        // cluster is no migration MTC makes: a cluster playing both roles
        // (roles left out) stands in for both sides only where the namespace
        // goes nowhere else (one cluster alone, the default).
        let elsewhere: BTreeSet<(usize, &str)> = pairs
            .iter()
            .filter(|p| p.source.cluster != p.target.cluster)
            .map(|p| (p.source.cluster, p.source.namespace.as_str()))
            .collect();
        let onto_itself = |p: &DvmPair| {
            p.plan.is_none()
                && p.source.cluster == p.target.cluster
                && p.source.namespace == p.target.namespace
                && elsewhere.contains(&(p.source.cluster, p.source.namespace.as_str()))
        };
        let kept: Vec<bool> = pairs.iter().map(|p| !onto_itself(p)).collect();
        let mut keep = kept.into_iter();
        pairs.retain(|_| keep.next().unwrap_or(true));
        pairs.sort();
        pairs.dedup();

        // The host MigCluster's cluster, else what the MigrationControllers
        // and the clusters' names say (ClusterRefs), else the first source.
        let (host, host_basis) = match (refs.host, refs.host_basis) {
            (Some(host), Some(basis)) => (Some(host), basis),
            _ => (is_source.iter().position(|&s| s), HostBasis::Guessed),
        };
        let mut url_hosts = vec![Vec::new(); n];
        for object in &refs.mig_clusters {
            let Some(url) = &object.url_host else {
                continue;
            };
            let side = if object.is_host {
                PlanSide::Destination
            } else {
                PlanSide::Source
            };
            if let Some(hosts) = refs
                .resolve(project, &object.name, side)
                .and_then(|c| url_hosts.get_mut(c))
                && !hosts.contains(url)
            {
                hosts.push(url.clone());
            }
        }
        Migration {
            is_source,
            is_target,
            host,
            host_basis,
            pairs,
            scope_source,
            guessed_from,
            controllers,
            unresolved,
            url_hosts,
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

/// One MigCluster object of the repository.
#[derive(Clone, Debug)]
struct MigClusterObject {
    name: String,
    /// The namespace it is kept in (`None`: none written).
    namespace: Option<String>,
    is_host: bool,
    /// The host of `spec.url`.
    url_host: Option<String>,
    /// The configured cluster whose paths hold the object.
    lies_in: Option<usize>,
}

/// How the host cluster (the one running mig-controller) was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostBasis {
    /// The MigCluster with `isHostCluster: true`.
    MigCluster,
    /// A MigrationController's `migration_controller`: `true` on the host,
    /// or `false` on every other cluster with a MigrationController.
    Controller,
    /// The configured cluster named as the host MigCluster the operator
    /// creates (`cluster_name`, `host` in every shipped example).
    Name,
    /// Nothing says which: the first source cluster is taken.
    Guessed,
}

/// With no host MigCluster in the repository, in order:
/// - the cluster whose MigrationController says `migration_controller: true`;
/// - the configured cluster named as the host MigCluster the operator creates
///   on the cluster running mig-controller (its MigrationController's
///   `cluster_name`; `host` in mig-operator's every example and CSV);
/// - the one cluster whose MigrationController does not say
///   `migration_controller: false` (a remote cluster's says it; the
///   repository keeps the host's, and maybe the remotes').
fn host_by_controller(
    refs: &ClusterRefs,
    project: &Project,
    controllers: &[Option<usize>],
) -> Option<(usize, HostBasis)> {
    let views: Vec<(usize, MigrationController)> = controllers
        .iter()
        .enumerate()
        .filter_map(|(cluster, index)| {
            let object = project.objects.get((*index)?)?;
            Some((
                cluster,
                MigrationController::from_node(object.object.tree()?),
            ))
        })
        .collect();
    let flag = |c: &MigrationController| c.flag("migration_controller");
    if let Some((cluster, _)) = views.iter().find(|(_, c)| flag(c) == Some(true)) {
        return Some((*cluster, HostBasis::Controller));
    }
    if refs.configured {
        let mut names: Vec<String> = views
            .iter()
            .filter(|(_, c)| flag(c) != Some(false))
            .filter_map(|(_, c)| c.text("cluster_name").map(|t| t.value))
            .collect();
        if names.is_empty() {
            names.push("host".to_owned());
        }
        let named: BTreeSet<usize> = names
            .iter()
            .filter_map(|name| refs.by_config(project, name))
            .collect();
        if let [cluster] = named.into_iter().collect::<Vec<_>>()[..] {
            return Some((cluster, HostBasis::Name));
        }
    }
    let mut unsaid = views.iter().filter(|(_, c)| flag(c).is_none());
    match (unsaid.next(), unsaid.next()) {
        (Some((cluster, _)), None) => Some((*cluster, HostBasis::Controller)),
        _ => None,
    }
}

/// How MigCluster names (what MigPlans reference) map to configured clusters.
#[derive(Clone, Debug)]
pub struct ClusterRefs {
    mig_clusters: Vec<MigClusterObject>,
    /// The host cluster: the MigCluster with `isHostCluster: true`, else
    /// what [`host_by_controller`] finds.
    pub host: Option<usize>,
    host_basis: Option<HostBasis>,
    configured: bool,
}

impl ClusterRefs {
    fn build(project: &Project, controllers: &[Option<usize>]) -> ClusterRefs {
        let mig_clusters: Vec<MigClusterObject> = project
            .modelled()
            .filter(|(_, o)| is(o, "MigCluster"))
            .filter_map(|(_, o)| {
                let view = MigCluster::from_node(o.object.tree()?);
                Some(MigClusterObject {
                    name: o.object.meta.name.value.clone(),
                    namespace: o.scope().namespace().map(str::to_owned),
                    is_host: view.is_host_cluster == Some(true),
                    url_host: view.url.as_ref().and_then(|u| url_host(&u.value)),
                    lies_in: o.cluster(),
                })
            })
            .collect();
        let mut refs = ClusterRefs {
            mig_clusters,
            host: None,
            host_basis: None,
            configured: !project.config.clusters.is_empty(),
        };
        let by_mig_cluster = refs
            .mig_clusters
            .iter()
            .filter(|m| m.is_host)
            .find_map(|m| refs.by_config(project, &m.name).or(m.lies_in));
        (refs.host, refs.host_basis) = match by_mig_cluster {
            Some(cluster) => (Some(cluster), Some(HostBasis::MigCluster)),
            None => host_by_controller(&refs, project, controllers)
                .map_or((None, None), |(cluster, basis)| {
                    (Some(cluster), Some(basis))
                }),
        };
        refs
    }

    /// The configured cluster that says it is MigCluster `name` (`migCluster:`),
    /// else the one named `name`.
    fn by_config(&self, project: &Project, name: &str) -> Option<usize> {
        if !self.configured {
            return Some(0);
        }
        let config = &project.config.clusters;
        config
            .iter()
            .position(|c| c.mig_cluster.as_deref() == Some(name))
            .or_else(|| {
                config
                    .iter()
                    .position(|c| c.name == name && c.mig_cluster.is_none())
            })
    }

    /// The cluster MigCluster `name` stands for, from a plan's `side`.
    pub fn resolve(&self, project: &Project, name: &str, side: PlanSide) -> Option<usize> {
        if let Some(cluster) = self.by_config(project, name) {
            return Some(cluster);
        }
        let objects: Vec<&MigClusterObject> = self
            .mig_clusters
            .iter()
            .filter(|m| m.name == name)
            .collect();
        let mut found: BTreeSet<usize> = BTreeSet::new();
        for object in &objects {
            if object.is_host {
                found.extend(self.host);
            } else if let Some(by_url) = object
                .url_host
                .as_deref()
                .and_then(|h| cluster_of_host(project, h))
            {
                found.insert(by_url);
            } else if let Some(lies_in) = object.lies_in
                && self.host.is_some_and(|host| host != lies_in)
            {
                // Every MigCluster is applied on the host: one kept in another
                // cluster's folder was put there to say which cluster it is.
                found.insert(lies_in);
            }
        }
        if let [only] = found.iter().copied().collect::<Vec<_>>().as_slice() {
            return Some(*only);
        }
        // The one cluster configured with exactly this role.
        let role = match side {
            PlanSide::Source => Role::Source,
            PlanSide::Destination => Role::Target,
        };
        let explicit: Vec<usize> = project
            .config
            .clusters
            .iter()
            .enumerate()
            .filter(|(_, c)| c.role == role)
            .map(|(i, _)| i)
            .collect();
        // Only when the name cannot be judged: a MigCluster of that name is
        // in the repository but says nothing of its cluster, or neither the
        // repository (it keeps no MigCluster) nor that cluster's
        // `migCluster:` says what its MigCluster is called. A name known to
        // be no MigCluster's is a reference MTC cannot resolve either (it
        // refuses the plan), not the cluster of that role.
        let known_otherwise = |cluster: usize| {
            !self.mig_clusters.is_empty()
                || project
                    .config
                    .clusters
                    .get(cluster)
                    .is_some_and(|c| c.mig_cluster.is_some())
        };
        match explicit.as_slice() {
            [only] if found.is_empty() && (!objects.is_empty() || !known_otherwise(*only)) => {
                Some(*only)
            }
            _ => None,
        }
    }

    /// Where the repository keeps MigCluster `name`, when it keeps one of that
    /// name and none in `namespace` (the namespace a plan's reference looks in).
    pub fn kept_elsewhere(&self, name: &str, namespace: &str) -> Option<String> {
        let kept: Vec<&MigClusterObject> = self
            .mig_clusters
            .iter()
            .filter(|m| m.name == name)
            .collect();
        if kept
            .iter()
            .any(|m| m.namespace.as_deref().is_none_or(|ns| ns == namespace))
        {
            return None;
        }
        kept.first().and_then(|m| m.namespace.clone())
    }

    /// The clusters a reference from `side` could be: those whose role fits.
    pub fn candidates(&self, project: &Project, side: PlanSide) -> Vec<usize> {
        project
            .clusters
            .iter()
            .enumerate()
            .filter(|(_, c)| match side {
                PlanSide::Source => matches!(c.role, Role::Source | Role::Both),
                PlanSide::Destination => matches!(c.role, Role::Target | Role::Both),
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// What resolving `name` looked at, for DVM405's message.
    fn tried(&self, project: &Project, name: Option<&str>) -> Vec<String> {
        let Some(name) = name else {
            return vec!["the reference has no `name`".to_owned()];
        };
        let mut out = vec![format!(
            "no configured cluster is named `{name}` or sets `migCluster: {name}`"
        )];
        // A near miss: the MigClusters of the repository first (a typo in the
        // plan), then what the configuration writes (`migCluster:`, names).
        let repository = self.mig_clusters.iter().map(|m| m.name.as_str());
        let configured = project
            .config
            .clusters
            .iter()
            .flat_map(|c| c.mig_cluster.iter().chain(std::iter::once(&c.name)))
            .map(String::as_str);
        if let Some(near) = crate::suggest::did_you_mean(name, repository) {
            out.push(format!(
                "the repository has MigCluster `{near}`: a typo of it in the plan?"
            ));
        } else if let Some(near) = crate::suggest::did_you_mean(name, configured) {
            out.push(format!(
                "the configuration has `{near}`: a typo, in it or in the plan?"
            ));
        }
        let objects: Vec<&MigClusterObject> = self
            .mig_clusters
            .iter()
            .filter(|m| m.name == name)
            .collect();
        if objects.is_empty() {
            out.push(format!("no MigCluster `{name}` is in the repository"));
        }
        for object in objects {
            if object.is_host {
                out.push(format!(
                    "MigCluster `{name}` is the host cluster, but no configured cluster holds it"
                ));
            } else if let Some(host) = &object.url_host {
                out.push(format!(
                    "the host `{host}` of MigCluster `{name}`'s `spec.url` matches no cluster's `routeDomain`, `hosts` entry or `cidrs`"
                ));
            } else {
                out.push(format!("MigCluster `{name}` has no `spec.url`"));
            }
        }
        out
    }
}

/// The host of a URL (`https://api.src.example.com:6443` → `api.src.example.com`).
fn url_host(text: &str) -> Option<String> {
    let parsed = url::Url::parse(text.trim()).ok()?;
    let host = parsed.host_str()?;
    Some(
        host.trim_start_matches('[')
            .trim_end_matches(']')
            .trim_end_matches('.')
            .to_ascii_lowercase(),
    )
}

/// `src.example.com` for `api.src.example.com`, `apps.src.example.com`,
/// `api-int.src.example.com`: the cluster's own domain.
pub fn cluster_domain(host: &str) -> &str {
    ["api.", "api-int.", "apps."]
        .iter()
        .find_map(|p| host.strip_prefix(p))
        .unwrap_or(host)
}

/// The one configured cluster a host (of a MigCluster URL) belongs to: its
/// `routeDomain` shares the cluster domain, or its address (written, or from
/// config `hosts:`) lies in the cluster's `cidrs`, `ingress` or `machineNetwork`.
pub fn cluster_of_host(project: &Project, host: &str) -> Option<usize> {
    let addresses: Vec<ipnet::IpNet> = match host.parse::<std::net::IpAddr>() {
        Ok(ip) => vec![ipnet::IpNet::from(ip)],
        Err(_) => project
            .config
            .host_addresses(host)
            .map(<[ipnet::IpNet]>::to_vec)
            .unwrap_or_default(),
    };
    let domain = cluster_domain(host);
    let matching: Vec<usize> = project
        .config
        .clusters
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            let by_domain = c.route_domain.as_deref().is_some_and(|d| {
                cluster_domain(&d.trim_end_matches('.').to_ascii_lowercase()) == domain
            });
            let by_address = addresses.iter().any(|a| {
                c.cidrs
                    .iter()
                    .chain(c.ingress.iter().flatten())
                    .chain(c.machine_network.iter())
                    .any(|n| n.contains(a))
            });
            by_domain || by_address
        })
        .map(|(i, _)| i)
        .collect();
    match matching.as_slice() {
        [only] => Some(*only),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_domains_and_url_hosts() {
        assert_eq!(cluster_domain("api.src.example.com"), "src.example.com");
        assert_eq!(cluster_domain("apps.src.example.com"), "src.example.com");
        assert_eq!(cluster_domain("src.example.com"), "src.example.com");
        assert_eq!(
            url_host("https://API.src.example.com:6443").as_deref(),
            Some("api.src.example.com")
        );
        assert_eq!(
            url_host("https://[2001:db8::1]:6443").as_deref(),
            Some("2001:db8::1")
        );
        assert_eq!(url_host("not a url"), None);
    }
}
