//! The per-cluster model of the repository (SPEC §4), assembled once from the
//! per-file results and read by every project rule.
//!
//! Foundation scope: which cluster each object belongs to and its effective
//! namespace (metadata, nearest kustomization, else unbound). The MTC layer
//! (roles, namespaces in scope, rsync pods, DVM destination, effective proxies)
//! builds on this.

pub mod destination;
pub mod egress;
pub mod migration;
pub mod network;
pub mod proxy;
pub mod rsync_pods;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use crate::config::{Config, Role};
use crate::lint::file::{FileResult, LocatedInstallConfig, Object};
use crate::manifest::{ObjectMeta, kinds};
use rayon::prelude::*;

/// Where an object lives once applied.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Scope {
    /// A cluster-scoped kind.
    Cluster,
    Namespace(String),
    /// Namespaced, but neither `metadata.namespace` nor a kustomization names
    /// its namespace: it lands in whatever namespace it is applied to (SPEC §2).
    Unbound,
}

impl Scope {
    pub fn namespace(&self) -> Option<&str> {
        match self {
            Scope::Namespace(ns) => Some(ns),
            Scope::Cluster | Scope::Unbound => None,
        }
    }
}

/// Cluster, API group, kind, scope and name: what makes an object itself.
pub type IdentityKey<'a> = (Option<usize>, &'a str, &'a str, &'a Scope, &'a str);

#[derive(Clone, Debug)]
pub struct ModelObject {
    pub object: Object,
    /// Index into [`Project::clusters`]; `None` when configured clusters do not
    /// claim the file (such files get only document rules).
    pub cluster: Option<usize>,
}

impl ModelObject {
    /// Where the object lands once applied: its own namespace, else its
    /// nearest kustomization's, else unbound; or the cluster.
    pub fn scope(&self) -> &Scope {
        &self.object.scope
    }

    /// A hash of what makes the object itself once applied: cluster, API group,
    /// kind, scope and name (see [`ModelObject::same_identity`]), so that
    /// finding duplicates (DVM401) reads one number per object rather than
    /// four strings.
    pub fn identity(&self) -> u64 {
        self.object.identity
    }

    /// Whether `self` and `other` are the same object once applied: equal
    /// identities compared in full (hashes may collide).
    pub fn same_identity(&self, other: &ModelObject) -> bool {
        self.identity() == other.identity() && self.identity_key() == other.identity_key()
    }

    /// What [`ModelObject::identity`] hashes (with the cluster's index for
    /// its name: the same cluster either way).
    pub fn identity_key(&self) -> IdentityKey<'_> {
        let meta = &self.object.meta;
        (
            self.cluster,
            meta.group(),
            &meta.kind.value,
            self.scope(),
            &meta.name.value,
        )
    }

    pub fn object_ref(&self) -> crate::finding::ObjectRef {
        self.object.meta.object_ref(self.scope().namespace())
    }

    /// A copy without the tree, for views that already read what they need from it.
    pub fn without_body(&self) -> ModelObject {
        ModelObject {
            object: Object {
                file: Arc::clone(&self.object.file),
                meta: self.object.meta.clone(),
                doc_line: self.object.doc_line,
                body: None,
                scope: self.object.scope.clone(),
                identity: self.object.identity,
            },
            cluster: self.cluster,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Cluster {
    pub name: Arc<str>,
    pub role: Role,
    /// Index into `config.clusters`, when the cluster is configured.
    pub config: Option<usize>,
}

pub struct Project {
    pub root: PathBuf,
    /// The MTC view and the effective proxies, derived once on first use and
    /// shared by every project rule (rules run in parallel).
    migration: OnceLock<migration::Migration>,
    proxies: OnceLock<Vec<proxy::EffectiveProxy>>,
    network: OnceLock<network::NetworkModel>,
    firewalls: OnceLock<egress::Firewalls>,
    egress_denials: OnceLock<Vec<egress::Denial>>,
    pub config: Config,
    pub clusters: Vec<Cluster>,
    /// Every object, in file order then document order.
    pub objects: Vec<ModelObject>,
    /// Indices into `objects` of those whose tree was kept (the kinds of
    /// `manifest::kinds`): the model's scans for a kind walk only these.
    modelled: Vec<usize>,
    pub install_configs: Vec<(Option<usize>, LocatedInstallConfig)>,
    /// Per cluster: how many files it claims (DVM406).
    pub cluster_files: Vec<usize>,
    /// Per cluster that claims no file: a cluster listed earlier that claims
    /// files its `paths` match too (the first matching cluster takes a file).
    pub claimed_by_earlier: Vec<Option<usize>>,
}

/// The name of the single cluster of a repository without `clusters:` config.
pub const DEFAULT_CLUSTER: &str = "default";

impl Project {
    /// Takes the per-file results by value: their objects move into the model.
    pub fn build(root: PathBuf, config: Config, mut files: Vec<FileResult>) -> Project {
        let clusters: Vec<Cluster> = if config.clusters.is_empty() {
            vec![Cluster {
                name: Arc::from(DEFAULT_CLUSTER),
                role: Role::Both,
                config: None,
            }]
        } else {
            config
                .clusters
                .iter()
                .enumerate()
                .map(|(i, c)| Cluster {
                    name: Arc::from(c.name.as_str()),
                    role: c.role,
                    config: Some(i),
                })
                .collect()
        };

        let kustomize_namespaces: HashMap<String, String> = files
            .iter()
            .filter_map(|f| {
                let ns = f.kustomization()?.namespace.as_ref()?;
                Some((parent_dir(&f.rel).to_owned(), ns.value.clone()))
            })
            .collect();
        let patch_files: HashSet<String> = files
            .iter()
            .filter_map(|f| Some((parent_dir(&f.rel), f.kustomization()?)))
            .flat_map(|(dir, k)| k.patch_files.iter().map(move |p| join(dir, p)))
            .collect();

        // Each file's objects come with their scope and identity (found in
        // the per-file stage); here they get their cluster's index and, when
        // unbound, their kustomization's namespace. One pass in file order into
        // a vector of the exact size: collecting in parallel grew per-thread
        // vectors and then copied them all into a fresh one, touching twice
        // as much new memory, which this VM charges for (docs/performance.md).
        let _objects_timing = crate::timings::stage("model: objects");
        let cluster_of = |file: &FileResult| {
            file.cluster
                .as_ref()
                .and_then(|name| clusters.iter().position(|c| c.name == *name))
        };
        let is_patch =
            |file: &FileResult| !patch_files.is_empty() && patch_files.contains(file.rel.as_ref());
        let install_configs: Vec<(Option<usize>, LocatedInstallConfig)> = files
            .iter_mut()
            .filter(|file| !file.install_configs().is_empty() && !is_patch(file))
            .flat_map(|file| {
                let cluster = cluster_of(file);
                std::mem::take(&mut file.extras_mut().install_configs)
                    .into_iter()
                    .map(move |ic| (cluster, ic))
            })
            .collect();
        let mut cluster_files = vec![0usize; clusters.len()];
        for file in &files {
            if let Some(slot) = cluster_of(file).and_then(|c| cluster_files.get_mut(c)) {
                *slot += 1;
            }
        }
        // Only for a configured cluster that claims nothing: is it a typo, or
        // are its files taken by an earlier cluster?
        let claimed_by_earlier: Vec<Option<usize>> = cluster_files
            .iter()
            .enumerate()
            .map(|(i, &count)| {
                let own = config.clusters.get(i).filter(|_| count == 0)?;
                files.iter().find_map(|file| {
                    own.path_set
                        .is_match(file.rel.as_ref())
                        .then(|| cluster_of(file))
                        .flatten()
                })
            })
            .collect();
        files.retain(|file| !is_patch(file));
        let mut objects: Vec<ModelObject> =
            Vec::with_capacity(files.iter().map(|file| file.objects.len()).sum());
        for file in &mut files {
            let cluster = cluster_of(file);
            // Looked up once per file, and only if one of its objects is unbound.
            let mut kustomized = None;
            objects.extend(file.objects.drain(..).map(|mut object| {
                if object.scope == Scope::Unbound
                    && let Some(ns) =
                        *kustomized.get_or_insert_with(|| nearest(&kustomize_namespaces, &file.rel))
                {
                    object.scope = Scope::Namespace(ns.to_owned());
                    object.identity =
                        identity(file.cluster.as_deref(), &object.meta, &object.scope);
                }
                ModelObject { object, cluster }
            }));
        }
        // What is left of the results is freed here: handing it to a worker
        // (`rayon::spawn`) measured no faster at 1 GB (docs/performance.md).
        drop(files);
        let modelled = objects
            .par_iter()
            .enumerate()
            .filter_map(|(index, object)| object.object.body.is_some().then_some(index))
            .collect();
        Project {
            root,
            migration: OnceLock::new(),
            proxies: OnceLock::new(),
            network: OnceLock::new(),
            firewalls: OnceLock::new(),
            egress_denials: OnceLock::new(),
            config,
            clusters,
            objects,
            modelled,
            install_configs,
            cluster_files,
            claimed_by_earlier,
        }
    }

    /// Roles, host cluster, migrated namespace pairs and MigrationControllers.
    pub fn migration(&self) -> &migration::Migration {
        derive(&self.migration, "model: migration", || {
            migration::Migration::build(self)
        })
    }

    /// Every cluster's effective proxy settings (SPEC §4).
    pub fn proxies(&self) -> &[proxy::EffectiveProxy] {
        let migration = self.migration();
        derive(&self.proxies, "model: proxies", || {
            proxy::EffectiveProxy::build_all(self, migration)
        })
        .as_slice()
    }

    /// Every cluster's NetworkPolicies, indexed by namespace (SPEC §5.9).
    pub fn network(&self) -> &network::NetworkModel {
        derive(&self.network, "model: network", || {
            network::NetworkModel::build(self)
        })
    }

    /// The objects of the kinds the model keeps (`manifest::kinds`), with
    /// their index in [`Project::objects`], in order.
    pub fn modelled(&self) -> impl Iterator<Item = (usize, &ModelObject)> + '_ {
        self.modelled
            .iter()
            .filter_map(|&i| Some((i, self.objects.get(i)?)))
    }

    /// Every egress firewall with its typed view and evaluator form.
    pub fn firewalls(&self) -> &egress::Firewalls {
        derive(&self.firewalls, "model: firewalls", || {
            egress::Firewalls::build(self)
        })
    }

    /// The Deny rules that cut the DVM traffic of migrated namespaces (DVM110, DVM113).
    pub fn egress_denials(&self) -> &[egress::Denial] {
        let firewalls = self.firewalls();
        derive(&self.egress_denials, "model: egress denials", || {
            egress::peer_denials(self, firewalls)
        })
        .as_slice()
    }

    pub fn cluster_name(&self, index: Option<usize>) -> Option<&Arc<str>> {
        index.and_then(|i| self.clusters.get(i)).map(|c| &c.name)
    }
}

/// A derivation computed on first use and shared by the parallel project rules;
/// its build is a timed stage (`DVMLINT_TIMINGS`).
fn derive<'p, T>(cell: &'p OnceLock<T>, stage: &'static str, build: impl FnOnce() -> T) -> &'p T {
    cell.get_or_init(|| {
        let _timing = crate::timings::stage(stage);
        build()
    })
}

/// Where an object lands as far as its own document says: cluster-scoped,
/// its own namespace, else unbound (until a kustomization names one). A
/// Template parameter (`namespace: ${NAMESPACE}`) is an unknown namespace:
/// unbound, like an object applied with `-n`.
pub fn own_scope(meta: &ObjectMeta) -> Scope {
    if kinds::is_cluster_scoped(meta.group(), &meta.kind.value) {
        Scope::Cluster
    } else if let Some(ns) = &meta.namespace
        && !crate::manifest::is_template_parameter(&ns.value)
    {
        Scope::Namespace(ns.value.clone())
    } else {
        Scope::Unbound
    }
}

/// The hash of [`ModelObject::identity`], from the cluster's name: fixed, so
/// that runs agree.
pub fn identity(cluster: Option<&str>, meta: &ObjectMeta, scope: &Scope) -> u64 {
    use std::hash::BuildHasher as _;
    let key = (
        cluster,
        meta.group(),
        meta.kind.value.as_str(),
        scope,
        meta.name.value.as_str(),
    );
    foldhash::fast::FixedState::with_seed(0).hash_one(key)
}

fn parent_dir(rel: &str) -> &str {
    rel.rsplit_once('/').map_or("", |(dir, _)| dir)
}

fn join(dir: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

/// The namespace of the kustomization nearest to `rel` (same folder or above).
fn nearest<'k>(namespaces: &'k HashMap<String, String>, rel: &str) -> Option<&'k str> {
    let mut dir = parent_dir(rel);
    loop {
        if let Some(ns) = namespaces.get(dir) {
            return Some(ns.as_str());
        }
        if dir.is_empty() {
            return None;
        }
        dir = parent_dir(dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_join_and_climb() {
        assert_eq!(join("a/b", "../c/d.yaml"), "a/c/d.yaml");
        assert_eq!(join("", "./x.yaml"), "x.yaml");
        let map: HashMap<String, String> = [("apps", "ns1"), ("", "root")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        assert_eq!(nearest(&map, "apps/web/x.yaml"), Some("ns1"));
        assert_eq!(nearest(&map, "other/x.yaml"), Some("root"));
    }
}
