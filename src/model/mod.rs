//! The per-cluster model of the repository (docs/model.md), assembled once from the
//! per-file results and read by every project rule.
//!
//! Foundation scope: which apply unit and cluster each object belongs to and
//! its effective namespace (the one its kustomize root sets, else its own,
//! else unbound). The MTC layer (roles, namespaces in scope, rsync pods, DVM
//! destination, effective proxies) builds on this.

pub mod destination;
pub mod duplicates;
pub mod egress;
pub mod migration;
pub mod network;
pub mod not_migrated;
pub mod proxy;
pub mod router;
pub mod rsync_pods;

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use crate::config::{Config, Role};
use crate::parsed::{FileResult, LocatedInstallConfig, Object, TakeParts};
pub use crate::parsed::{Scope, identity, own_scope};
use crate::units::{ApplyUnits, Kustomized, UnitId, UnitKind};

/// Cluster, API group, kind, scope and name: what makes an object itself.
pub type IdentityKey<'a> = (Option<usize>, &'a str, &'a str, &'a Scope, &'a str);

/// One object of the model: 32 bytes beside the shared object (a model
/// holds one per object and unit: docs/performance-history.md, "Memory per object").
#[derive(Clone, Debug)]
pub struct ModelObject {
    /// Shared with the per-file result it comes from (and with the language
    /// server's kept results): placing an object copies no part of it.
    pub object: Arc<Object>,
    /// What its apply unit changes of it, if anything: the namespace it
    /// gives it, when that differs from its own scope (`object.scope`),
    /// shared by every object its unit moves there (one pointer, not a
    /// 16-byte `Scope` in each of them); the name kustomize gives it.
    placed: Option<Arc<Placed>>,
    /// [`ModelObject::identity`]: the object's own, unless its unit moves it
    /// to another cluster or namespace.
    identity: u64,
    /// [`ModelObject::cluster`], [`NONE`] for none.
    cluster: u32,
    /// [`ModelObject::unit`], [`NONE`] for none.
    unit: u32,
}

/// Where and as what an apply unit puts an object ([`ModelObject::scope`],
/// [`ModelObject::name`]).
#[derive(Debug)]
struct Placed {
    scope: Scope,
    /// The name kustomize gives it (`namePrefix`, `nameSuffix`: rendering
    /// off or failed, the model applies them itself).
    name: Option<Box<str>>,
}

/// An absent index of [`ModelObject`].
const NONE: u32 = u32::MAX;

/// An index as [`ModelObject`] keeps it: past four billion clusters or
/// units (not a repository), none.
fn compact_index(index: Option<usize>) -> u32 {
    index
        .and_then(|i| u32::try_from(i).ok())
        .filter(|&i| i != NONE)
        .unwrap_or(NONE)
}

fn index_of(index: u32) -> Option<usize> {
    (index != NONE).then_some(index as usize)
}

impl ModelObject {
    /// Index into [`Project::clusters`]; `None` when configured clusters do not
    /// claim the file (such files get only document rules).
    pub fn cluster(&self) -> Option<usize> {
        index_of(self.cluster)
    }

    /// The apply unit it is an object of (`Project::units`); `None` only for
    /// results built outside a run (tests) that no unit lists.
    pub fn unit(&self) -> Option<UnitId> {
        index_of(self.unit)
    }

    /// Where the object lands once applied: the namespace its kustomize root
    /// sets, else its own, else unbound; or the cluster.
    pub fn scope(&self) -> &Scope {
        self.placed
            .as_deref()
            .map_or(&self.object.scope, |p| &p.scope)
    }

    /// Its name once applied: its own, unless kustomize adds to it
    /// (`namePrefix`, `nameSuffix`).
    pub fn name(&self) -> &str {
        self.placed
            .as_deref()
            .and_then(|p| p.name.as_deref())
            .unwrap_or(&self.object.meta.name.value)
    }

    /// A hash of what makes the object itself once applied: cluster, API group,
    /// kind, scope and name (see [`ModelObject::same_identity`]), so that
    /// finding duplicates (DVM401) reads one number per object rather than
    /// four strings.
    pub fn identity(&self) -> u64 {
        self.identity
    }

    /// Sets the identity hash (tests of hash collisions).
    #[cfg(test)]
    pub fn set_identity(&mut self, identity: u64) {
        self.identity = identity;
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
            self.cluster(),
            meta.group(),
            &meta.kind.value,
            self.scope(),
            self.name(),
        )
    }

    pub fn object_ref(&self) -> crate::finding::ObjectRef {
        self.object.meta.object_ref(self.scope().namespace())
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
    /// An earlier network model of the same objects and the objects (sorted
    /// indices) read again since: [`Project::network`] updates only their
    /// policies.
    network_before: std::sync::Mutex<Option<(network::NetworkModel, Vec<usize>)>>,
    firewalls: OnceLock<egress::Firewalls>,
    egress_denials: OnceLock<Vec<egress::Denial>>,
    duplicates: OnceLock<duplicates::Duplicates>,
    /// Lookups made on first use. They stay right when the language server
    /// puts objects of the same kind and name in the places of others
    /// (`replace_objects`), so they are not among the [`Derivations`].
    by_kind: OnceLock<Vec<KindIndex>>,
    namespace_objects: OnceLock<Vec<NamespaceKey>>,
    pub config: Config,
    /// What is applied together (the apply units stage).
    pub units: ApplyUnits,
    pub clusters: Vec<Cluster>,
    /// Every object, in file order then document order.
    pub objects: Vec<ModelObject>,
    /// Indices into `objects` of those whose tree was kept (the kinds of
    /// `manifest::kinds`): the model's scans for a kind walk only these.
    modelled: Vec<usize>,
    /// Indices into `objects` of those whose name or namespace is shaped
    /// like a placeholder ([`Object::named_placeholder`]), in order.
    placeholder_named: Vec<usize>,
    pub install_configs: Vec<(Option<usize>, LocatedInstallConfig)>,
    /// Per cluster: how many files it claims (DVM406).
    pub cluster_files: Vec<usize>,
    /// The `paths` entries that claim the whole project (`.`, `**`) of a
    /// cluster, beside another cluster that claims files of its own, which
    /// the entry claims too (DVM406): (cluster, entry, the other clusters).
    pub catch_all_paths: Vec<CatchAllPath>,
}

/// A `paths` entry that claims every file, another cluster's too
/// ([`Project::catch_all_paths`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CatchAllPath {
    pub cluster: usize,
    pub entry: usize,
    /// The other clusters that claim files, each with how many.
    pub others: Vec<(usize, usize)>,
}

/// Files placed in one run on a worker ([`Project::build`]): enough that a
/// run's fixed costs (its vectors, the first membership's binary search) are
/// lost in its files' costs, and runs enough for both workers from a few
/// thousand files on.
const PLACED_RUN: usize = 1024;

/// The name of the single cluster of a repository without `clusters:` config.
pub const DEFAULT_CLUSTER: &str = "default";

impl Project {
    /// Takes the objects of the per-file results (moved out of the run's
    /// own, shared with lent ones: [`TakeParts`]) into the model, each as an
    /// object of the apply units its file is a resource of (a kustomize base
    /// included by two roots: once per root, with the namespace each root
    /// gives it). Files that are only patches, templates or inputs of their
    /// units contribute no objects.
    pub fn build<R: TakeParts + Send>(
        root: PathBuf,
        config: Config,
        mut files: Vec<R>,
        units: ApplyUnits,
    ) -> Project {
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
        // A built unit goes where its entry (root kustomization, Chart.yaml)
        // goes; a plain file where it goes itself.
        let unit_clusters: Vec<Option<usize>> = units
            .units()
            .iter()
            .map(|unit| match (&unit.entry, unit.kind) {
                (_, UnitKind::Plain) | (None, _) => None,
                (Some(_), _) if config.clusters.is_empty() => Some(0),
                (Some(entry), _) => config.cluster_of(entry),
            })
            .collect();
        // The clusters after that one that claim the entry too (an overlay
        // in a folder both clusters list is applied to both).
        let unit_also: Vec<Vec<usize>> = units
            .units()
            .iter()
            .zip(&unit_clusters)
            .map(|(unit, first)| match (&unit.entry, first) {
                (Some(entry), Some(first)) if config.clusters.len() > 1 => {
                    config.later_clusters_of(*first, entry).collect()
                }
                _ => Vec::new(),
            })
            .collect();

        // Each file's objects come with their scope and identity (found in
        // the per-file stage); here they get their unit, their cluster's
        // index and the namespace kustomize gives them. One pass in file
        // order into a vector of the exact size: collecting in parallel grew
        // per-thread vectors and then copied them all into a fresh one,
        // touching twice as much new memory, which this VM charges for
        // (docs/performance.md).
        let _objects_timing = crate::timings::stage("model: objects");
        let cluster_of = |file: &FileResult| {
            file.cluster
                .as_ref()
                .and_then(|name| clusters.iter().position(|c| c.name == *name))
        };
        let install_configs: Vec<(Option<usize>, LocatedInstallConfig)> = files
            .iter_mut()
            .filter(|file| {
                let file = file.result();
                !file.install_configs().is_empty() && !units.is_only_patch(&file.rel)
            })
            .flat_map(|file| {
                let cluster = cluster_of(file.result());
                file.take_install_configs()
                    .into_iter()
                    .map(move |ic| (cluster, ic))
            })
            .collect();
        // A file belongs to every cluster whose `paths` match it (a
        // `platform/` folder listed for both clusters is applied to both);
        // a build's output, to the cluster it was built for.
        // Per cluster, the later ones whose `paths` may claim one of its
        // files too (none, for plain folders of which neither holds the
        // other): only those are asked, file by file.
        let sharing: Vec<Vec<usize>> = (0..config.clusters.len())
            .map(|i| {
                (i + 1..config.clusters.len())
                    .filter(|&j| config.may_share(i, j))
                    .collect()
            })
            .collect();
        let also_claimed = |file: &FileResult, own: Option<usize>| -> Vec<usize> {
            let Some(later) = own.and_then(|own| sharing.get(own)) else {
                return Vec::new();
            };
            if file.unit.is_some() || later.is_empty() {
                return Vec::new();
            }
            later
                .iter()
                .copied()
                .filter(|&j| {
                    config
                        .clusters
                        .get(j)
                        .is_some_and(|c| c.path_set.is_match(file.rel.as_ref()))
                })
                .collect()
        };
        let mut cluster_files = vec![0usize; clusters.len()];
        for file in files.iter().map(TakeParts::result) {
            let own = cluster_of(file);
            for c in own.into_iter().chain(also_claimed(file, own)) {
                if let Some(slot) = cluster_files.get_mut(c) {
                    *slot += 1;
                }
            }
        }
        // An entry that claims every file (`.`, `**`) beside a cluster with
        // files of its own: those are judged on both, which a configuration
        // written for "everything else" did not mean.
        // (Two clusters that both claim everything, one cluster described
        // twice, say nothing.)
        let catch_all = |path: &str| {
            matches!(
                path.trim_start_matches("./").trim_end_matches('/'),
                "" | "." | "**" | "**/*"
            )
        };
        let mut catch_all_paths: Vec<CatchAllPath> = Vec::new();
        for (i, own) in config.clusters.iter().enumerate() {
            let others: Vec<(usize, usize)> = config
                .clusters
                .iter()
                .enumerate()
                .filter(|&(j, other)| {
                    j != i && !other.paths.is_empty() && !other.paths.iter().any(|p| catch_all(p))
                })
                .filter_map(|(j, _)| {
                    let count = cluster_files.get(j).copied().unwrap_or(0);
                    (count > 0).then_some((j, count))
                })
                .collect();
            if others.is_empty() {
                continue;
            }
            for (entry, path) in own.paths.iter().enumerate() {
                if catch_all(path) {
                    catch_all_paths.push(CatchAllPath {
                        cluster: i,
                        entry,
                        others: others.clone(),
                    });
                }
            }
        }
        // The files come in path order, as the apply units index them. Runs
        // of them are placed on every worker (each file's result freed once
        // its objects are placed, on the worker that placed them), then the
        // runs' objects are joined in file order: 32 bytes an object copied
        // once, where placing them all on one thread was the longest serial
        // stage after the walk (docs/performance.md).
        let place_run = |run: Vec<R>| {
            let mut objects: Vec<ModelObject> =
                Vec::with_capacity(run.iter().map(|file| file.result().objects.len()).sum());
            // The objects whose tree was kept, noted as each is placed (its
            // body is read then, beside its scope and identity, instead of
            // in a second pass over every object, cold), by place in the run.
            let mut modelled: Vec<usize> = Vec::new();
            let mut named: Vec<usize> = Vec::new();
            let mut placements: Vec<Placement> = Vec::new();
            let mut memberships = 0;
            for mut taken in run {
                let file = taken.result();
                let own_cluster = cluster_of(file);
                let unit_cluster =
                    |id: UnitId| unit_clusters.get(id).copied().flatten().or(own_cluster);
                placements.clear();
                if let Some(unit) = file.unit {
                    // A build's output: its unit's alone, on the cluster the
                    // rendering stage gave it (`render.charts[].cluster`, …).
                    placements.push(Placement {
                        unit: Some(unit),
                        cluster: own_cluster.or_else(|| unit_cluster(unit)),
                        set: None,
                        by_hand: false,
                        placed: std::cell::OnceCell::new(),
                    });
                } else {
                    let mut listed = false;
                    for (id, member) in units.of_file_in_order(&file.rel, &mut memberships) {
                        listed = true;
                        let rendered = units.get(id).is_some_and(|u| u.rendered);
                        if member.role == crate::units::Role::Resource && !rendered {
                            // A plain folder goes where the file goes; a
                            // build, where its entry goes.
                            let also = match unit_clusters.get(id).copied().flatten() {
                                Some(_) => unit_also.get(id).cloned().unwrap_or_default(),
                                None => also_claimed(file, own_cluster),
                            };
                            for cluster in
                                std::iter::once(unit_cluster(id)).chain(also.into_iter().map(Some))
                            {
                                placements.push(Placement {
                                    unit: Some(id),
                                    cluster,
                                    set: member.set.clone(),
                                    by_hand: false,
                                    placed: std::cell::OnceCell::new(),
                                });
                            }
                        }
                    }
                    if !listed {
                        // A file beside a kustomization that does not list
                        // it is applied by nobody, but for its MTC resources:
                        // plans, clusters and storages are created by hand
                        // (`oc apply -f migration-plan.yaml`) once the
                        // operator the kustomization installs runs.
                        let by_hand = units.is_unapplied(&file.rel);
                        if !by_hand || file.objects.iter().any(|o| applied_by_hand(o)) {
                            for cluster in std::iter::once(own_cluster)
                                .chain(also_claimed(file, own_cluster).into_iter().map(Some))
                            {
                                placements.push(Placement {
                                    unit: None,
                                    cluster,
                                    set: None,
                                    by_hand,
                                    placed: std::cell::OnceCell::new(),
                                });
                            }
                        }
                    }
                }
                let Some((last, others)) = placements.split_last() else {
                    continue;
                };
                let first = objects.len();
                for placement in others {
                    objects.extend(
                        file.objects
                            .iter()
                            .filter(|object| placement.keeps(object))
                            .map(|object| {
                                placement.place(Arc::clone(object), own_cluster, &clusters)
                            }),
                    );
                }
                objects.extend(
                    taken
                        .take_objects()
                        .filter(|object| last.keeps(object))
                        .map(|object| last.place(object, own_cluster, &clusters)),
                );
                for (at, object) in objects.get(first..).unwrap_or_default().iter().enumerate() {
                    if object.object.body.is_some() {
                        modelled.push(first + at);
                    }
                    if object.object.named_placeholder {
                        named.push(first + at);
                    }
                }
            }
            (objects, modelled, named)
        };
        let runs: Vec<(Vec<ModelObject>, Vec<usize>, Vec<usize>)> = {
            use rayon::prelude::*;
            files
                .into_par_iter()
                .chunks(PLACED_RUN)
                .map(place_run)
                .collect()
        };
        let mut objects: Vec<ModelObject> =
            Vec::with_capacity(runs.iter().map(|(objects, ..)| objects.len()).sum());
        let mut modelled: Vec<usize> =
            Vec::with_capacity(runs.iter().map(|(_, modelled, _)| modelled.len()).sum());
        let mut placeholder_named: Vec<usize> = Vec::new();
        for (mut run, modelled_in_run, named_in_run) in runs {
            let first = objects.len();
            modelled.extend(modelled_in_run.into_iter().map(|at| first + at));
            placeholder_named.extend(named_in_run.into_iter().map(|at| first + at));
            objects.append(&mut run);
        }
        Project {
            root,
            migration: OnceLock::new(),
            proxies: OnceLock::new(),
            network: OnceLock::new(),
            network_before: std::sync::Mutex::new(None),
            firewalls: OnceLock::new(),
            egress_denials: OnceLock::new(),
            duplicates: OnceLock::new(),
            by_kind: OnceLock::new(),
            namespace_objects: OnceLock::new(),
            config,
            units,
            clusters,
            objects,
            modelled,
            placeholder_named,
            install_configs,
            cluster_files,
            catch_all_paths,
        }
    }

    /// Definitions that the same apply (one unit, or units a configured
    /// cluster applies together) makes the same object (DVM401), and which
    /// of them `kubectl apply` leaves.
    pub fn duplicates(&self) -> &duplicates::Duplicates {
        derive(&self.duplicates, "model: duplicates", || {
            duplicates::Duplicates::build(self)
        })
    }

    /// Whether a later definition of the same object in the same apply
    /// replaces object `index` (the network model evaluates what
    /// `kubectl apply` leaves, the last definition), or it is a copy of a
    /// document already in the model with the same cluster and scope (a base
    /// that two overlays apply into one namespace counts once).
    pub fn is_replaced(&self, index: usize) -> bool {
        self.duplicates().is_replaced(index)
    }

    /// Roles, host cluster, migrated namespace pairs and MigrationControllers.
    pub fn migration(&self) -> &migration::Migration {
        derive(&self.migration, "model: migration", || {
            migration::Migration::build(self)
        })
    }

    /// Every cluster's effective proxy settings (docs/model.md).
    pub fn proxies(&self) -> &[proxy::EffectiveProxy] {
        let migration = self.migration();
        derive(&self.proxies, "model: proxies", || {
            proxy::EffectiveProxy::build_all(self, migration)
        })
        .as_slice()
    }

    /// Every cluster's NetworkPolicies, indexed by namespace (docs/model.md).
    pub fn network(&self) -> &network::NetworkModel {
        derive(&self.network, "model: network", || {
            let before = self
                .network_before
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take();
            match before {
                Some((model, changed)) => network::NetworkModel::update(self, model, &changed),
                None => network::NetworkModel::build(self),
            }
        })
    }

    /// The objects of the kinds the model keeps (`manifest::kinds`), with
    /// their index in [`Project::objects`], in order.
    pub fn modelled(&self) -> impl Iterator<Item = (usize, &ModelObject)> + '_ {
        self.modelled
            .iter()
            .filter_map(|&i| Some((i, self.objects.get(i)?)))
    }

    /// The objects whose name or namespace is shaped like a placeholder
    /// ([`Object::named_placeholder`]), in order.
    pub fn placeholder_named(&self) -> impl Iterator<Item = &ModelObject> + '_ {
        self.placeholder_named
            .iter()
            .filter_map(|&i| self.objects.get(i))
    }

    /// The modelled objects of one kind, with their index in
    /// [`Project::objects`], in order: a rule that looks up a kind per
    /// migrated namespace does not walk every object each time (which made
    /// DVM121–DVM125 quadratic in the migrated namespaces).
    pub fn modelled_kind<'p>(
        &'p self,
        group: &str,
        kind: &str,
    ) -> impl Iterator<Item = (usize, &'p ModelObject)> + 'p {
        let index = self.by_kind.get_or_init(|| {
            // A repository holds a few dozen kinds: a list searched from the
            // kind met last (objects of one kind come in runs) costs no
            // allocation nor hash per object, where a map keyed by owned
            // strings allocated two per object.
            let mut index: Vec<KindIndex> = Vec::new();
            let mut last = 0;
            for (i, object) in self.modelled() {
                let meta = &object.object.meta;
                let (group, kind) = (meta.group(), &*meta.kind.value);
                let same = |entry: &KindIndex| *entry.kind == *kind && *entry.group == *group;
                if !index.get(last).is_some_and(same) {
                    last = match index.iter().position(same) {
                        Some(at) => at,
                        None => {
                            index.push(KindIndex {
                                group: group.into(),
                                kind: kind.into(),
                                objects: Vec::new(),
                            });
                            index.len() - 1
                        }
                    };
                }
                if let Some(entry) = index.get_mut(last) {
                    entry.objects.push(i);
                }
            }
            index
        });
        index
            .iter()
            .find(|entry| *entry.kind == *kind && *entry.group == *group)
            .map_or(&[][..], |entry| entry.objects.as_slice())
            .iter()
            .filter_map(|&i| Some((i, self.objects.get(i)?)))
    }

    /// The configuration file as findings name it: relative to the project
    /// root when inside it, else relative to the current folder (the path a
    /// user gives `--config`), else whole.
    pub fn config_file(&self) -> Option<Arc<str>> {
        let path = self.config.path.as_ref()?;
        let cwd = std::env::current_dir().ok();
        let shown = path
            .strip_prefix(&self.root)
            .ok()
            .or_else(|| cwd.as_deref().and_then(|cwd| path.strip_prefix(cwd).ok()))
            .unwrap_or(path);
        Some(Arc::from(shown.to_string_lossy().replace('\\', "/")))
    }

    /// Whether the configuration file is in the project root's own folder
    /// (the root is its folder), rather than outside the linted path (the
    /// root is the Git work tree holding that path: `discovery::project_root`).
    pub fn config_at_root(&self) -> bool {
        self.config
            .path
            .as_ref()
            .and_then(|p| p.parent())
            .is_none_or(|folder| folder == self.root)
    }

    /// The first Namespace object named `name` on `cluster`, in file order.
    pub fn namespace_object(&self, cluster: usize, name: &str) -> Option<(usize, &ModelObject)> {
        // Sorted (name hash, cluster, index) integers: no string copied per
        // Namespace object, the names compared only for the few candidates
        // of a hash (a plan may migrate thousands of namespaces).
        let index = self.namespace_objects.get_or_init(|| {
            let mut index: Vec<NamespaceKey> = self
                .modelled_kind("", "Namespace")
                .filter_map(|(i, object)| {
                    Some(NamespaceKey {
                        hash: name_hash(&object.object.meta.name.value),
                        cluster: object.cluster()?,
                        object: i,
                    })
                })
                .collect();
            index.sort_unstable();
            index
        });
        let hash = name_hash(name);
        let start = index.partition_point(|k| (k.hash, k.cluster) < (hash, cluster));
        index
            .get(start..)
            .unwrap_or_default()
            .iter()
            .take_while(|k| (k.hash, k.cluster) == (hash, cluster))
            .filter_map(|k| Some((k.object, self.objects.get(k.object)?)))
            .find(|(_, object)| object.object.meta.name.value == name)
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

/// The modelled objects of one kind ([`Project::modelled_kind`]).
struct KindIndex {
    group: Box<str>,
    kind: Box<str>,
    objects: Vec<usize>,
}

/// A Namespace object in [`Project::namespace_object`]'s index, sorted by
/// its name's hash, then cluster, then place in the model (file order).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct NamespaceKey {
    hash: u64,
    cluster: usize,
    object: usize,
}

fn name_hash(name: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(name.as_bytes())
}

/// The derivations of one model, moved into the next when what they read did
/// not change (the language server's incremental lint, `lint::retained`):
/// each is either kept whole or derived again.
#[derive(Default)]
pub struct Derivations {
    pub migration: Option<migration::Migration>,
    pub proxies: Option<Vec<proxy::EffectiveProxy>>,
    pub network: Option<network::NetworkModel>,
    pub firewalls: Option<egress::Firewalls>,
    pub egress_denials: Option<Vec<egress::Denial>>,
    pub duplicates: Option<duplicates::Duplicates>,
}

impl Project {
    /// Moves out the derivations made so far.
    pub fn take_derivations(&mut self) -> Derivations {
        Derivations {
            migration: self.migration.take(),
            proxies: self.proxies.take(),
            network: self.network.take(),
            firewalls: self.firewalls.take(),
            egress_denials: self.egress_denials.take(),
            duplicates: self.duplicates.take(),
        }
    }

    /// Uses derivations of an earlier model of the same objects (same
    /// indices, same content for everything each of them reads) instead of
    /// deriving them again. The caller vouches for that sameness.
    pub fn adopt(&mut self, derivations: Derivations) {
        fn put<T>(cell: &mut OnceLock<T>, value: Option<T>) {
            if let Some(value) = value {
                *cell = OnceLock::from(value);
            }
        }
        put(&mut self.migration, derivations.migration);
        put(&mut self.proxies, derivations.proxies);
        put(&mut self.network, derivations.network);
        put(&mut self.firewalls, derivations.firewalls);
        put(&mut self.egress_denials, derivations.egress_denials);
        put(&mut self.duplicates, derivations.duplicates);
    }

    /// Where each file's objects are in [`Project::objects`] (first index,
    /// end): the placement puts a file's objects, once per unit, one after
    /// the other.
    pub fn file_ranges(&self) -> std::collections::HashMap<Arc<str>, (usize, usize)> {
        let mut ranges: std::collections::HashMap<Arc<str>, (usize, usize)> =
            std::collections::HashMap::new();
        for (index, object) in self.objects.iter().enumerate() {
            let range = ranges
                .entry(Arc::clone(&object.object.file))
                .or_insert((index, index));
            range.1 = index + 1;
        }
        ranges
    }

    /// Puts `objects` (a file's objects, read again) in the places of the
    /// file's objects `range` holds, once per unit, keeping their placement:
    /// the caller vouches that each keeps its identity and scope, and drops
    /// the derivations that read them. False when the counts do not fit.
    pub fn replace_objects(&mut self, range: (usize, usize), objects: &[Arc<Object>]) -> bool {
        let Some(slots) = self.objects.get_mut(range.0..range.1) else {
            return false;
        };
        if objects.is_empty() || slots.len() % objects.len() != 0 {
            return slots.is_empty() && objects.is_empty();
        }
        // The model's lists of objects by what they are stay true.
        let same_lists = slots
            .iter()
            .zip(objects.iter().cycle())
            .all(|(slot, object)| {
                slot.object.named_placeholder == object.named_placeholder
                    && slot.object.body.is_some() == object.body.is_some()
            });
        if !same_lists {
            return false;
        }
        for (slot, object) in slots.iter_mut().zip(objects.iter().cycle()) {
            slot.object = Arc::clone(object);
        }
        true
    }

    /// Uses the network model of an earlier model of the same objects, with
    /// the policies of the NetworkPolicies at `changed` (sorted indices into
    /// [`Project::objects`], each read again with the same identity and
    /// policy types) put in, when the network model is wanted
    /// ([`network::NetworkModel::update`]; the migration view must be the same).
    pub fn adopt_network_except(&mut self, model: network::NetworkModel, changed: Vec<usize>) {
        *self
            .network_before
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some((model, changed));
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

/// Where one file's objects go: one per unit the file is a resource of.
struct Placement {
    unit: Option<UnitId>,
    cluster: Option<usize>,
    /// What kustomize does to the objects: the namespace it gives namespaced
    /// ones, the affixes it adds to names, the objects it deletes.
    set: Option<Arc<Kustomized>>,
    /// The file is beside a kustomization that does not list it: only its
    /// MTC resources are placed ([`applied_by_hand`]).
    by_hand: bool,
    /// That namespace as the scope of the objects it moves without renaming
    /// them, made for the first of them and shared by the others.
    placed: std::cell::OnceCell<Arc<Placed>>,
}

/// Whether `object` is an MTC resource (`migration.openshift.io`: a MigPlan,
/// MigCluster, MigStorage, MigrationController, …), which is applied by hand
/// even from a folder a kustomization builds.
fn applied_by_hand(object: &Object) -> bool {
    object.meta.group() == "migration.openshift.io"
}

impl Placement {
    /// Whether the object of the file enters the model through this
    /// placement.
    fn keeps(&self, object: &Object) -> bool {
        !self.deletes(object) && (!self.by_hand || applied_by_hand(object))
    }

    /// Whether a kustomization of the unit deletes `object` from its build.
    fn deletes(&self, object: &Object) -> bool {
        self.set.as_ref().is_some_and(|set| {
            set.deleted.iter().any(|(kind, name)| {
                object.meta.kind.value == *kind && object.meta.name.value == *name
            })
        })
    }

    fn place(
        &self,
        object: Arc<Object>,
        own_cluster: Option<usize>,
        clusters: &[Cluster],
    ) -> ModelObject {
        let mut changed = self.cluster != own_cluster;
        let moved = self
            .set
            .as_ref()
            .and_then(|s| s.namespace.as_ref())
            .filter(|ns| {
                object.scope != Scope::Cluster && object.scope.namespace() != Some(ns.as_ref())
            });
        let moved_to = |ns: &str| Scope::Namespace(crate::intern::Sym::new(ns));
        let affixes = self.set.as_ref().and_then(|s| s.affixes.as_ref());
        let placed = match (affixes, moved) {
            (Some(affixes), _) => Some(Arc::new(Placed {
                scope: moved.map_or_else(|| object.scope.clone(), |ns| moved_to(ns)),
                name: Some(affixes.apply(&object.meta.name.value).into()),
            })),
            (None, Some(ns)) => Some(Arc::clone(self.placed.get_or_init(|| {
                Arc::new(Placed {
                    scope: moved_to(ns),
                    name: None,
                })
            }))),
            (None, None) => None,
        };
        changed |= placed.is_some();
        let identity = if changed {
            let cluster = self
                .cluster
                .and_then(|c| clusters.get(c))
                .map(|c| c.name.as_ref());
            let (scope, name) =
                placed
                    .as_deref()
                    .map_or((&object.scope, object.meta.name.value.as_str()), |p| {
                        (
                            &p.scope,
                            p.name.as_deref().unwrap_or(&object.meta.name.value),
                        )
                    });
            identity(cluster, &object.meta, scope, name)
        } else {
            object.identity
        };
        ModelObject {
            object,
            placed,
            identity,
            cluster: compact_index(self.cluster),
            unit: compact_index(self.unit),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The model holds one per object and unit (docs/performance.md,
    /// "Memory per object"): its indexes are `u32`s with a sentinel.
    #[test]
    fn a_model_object_stays_compact_and_keeps_its_indexes() {
        assert_eq!(std::mem::size_of::<ModelObject>(), 32);
        assert_eq!(compact_index(None), NONE);
        assert_eq!(index_of(compact_index(Some(3))), Some(3));
        assert_eq!(index_of(compact_index(Some(0))), Some(0));
        assert_eq!(index_of(compact_index(None)), None);
        // Not an index a repository reaches: kept as none, never wrapped.
        assert_eq!(index_of(compact_index(Some(u32::MAX as usize))), None);
        assert_eq!(index_of(compact_index(Some(usize::MAX))), None);
    }

    fn project(text: &str) -> Project {
        let rules = crate::rules::RuleSet::new(&[], &[]);
        let cluster_of = |_: &str| Some(Arc::from(DEFAULT_CLUSTER));
        let settings = crate::lint::file::FileSettings::standalone(&rules, &cluster_of);
        let result =
            crate::lint::file::analyze_bytes(&Arc::from("a.yaml"), text.as_bytes(), &settings);
        Project::build(
            "/".into(),
            Config::default(),
            vec![result],
            ApplyUnits::default(),
        )
    }

    /// The kind index and the Namespace lookup give what a scan of every
    /// modelled object in order gives: kinds interleaved, the same kind
    /// name in two groups, a Namespace written twice (the first counts).
    #[test]
    fn lookups_by_kind_and_namespace_name_agree_with_a_scan_in_order() {
        let text = "kind: Namespace\napiVersion: v1\nmetadata: {name: a, labels: {n: '1'}}\n---\n\
            kind: StorageClass\napiVersion: storage.k8s.io/v1\nmetadata: {name: s}\n---\n\
            kind: Namespace\napiVersion: v1\nmetadata: {name: b}\n---\n\
            kind: Namespace\napiVersion: example.com/v1\nmetadata: {name: a}\n---\n\
            kind: Namespace\napiVersion: v1\nmetadata: {name: a, labels: {n: '2'}}\n---\n\
            kind: StorageClass\napiVersion: storage.k8s.io/v1\nmetadata: {name: t}\n";
        let project = project(text);
        let scan = |group: &str, kind: &str| -> Vec<usize> {
            project
                .modelled()
                .filter(|(_, o)| o.object.meta.is(group, kind))
                .map(|(i, _)| i)
                .collect()
        };
        for (group, kind) in [
            ("", "Namespace"),
            ("storage.k8s.io", "StorageClass"),
            ("example.com", "Namespace"),
            ("", "StorageClass"),
        ] {
            let indexed: Vec<usize> = project.modelled_kind(group, kind).map(|(i, _)| i).collect();
            assert_eq!(indexed, scan(group, kind), "{group}/{kind}");
        }
        let namespaces = scan("", "Namespace");
        assert_eq!(namespaces.len(), 3);
        let cluster = project.objects[namespaces[0]].cluster().unwrap();
        let found = |name: &str| project.namespace_object(cluster, name).map(|(i, _)| i);
        assert_eq!(found("a"), Some(namespaces[0]));
        assert_eq!(found("b"), Some(namespaces[1]));
        assert_eq!(found("c"), None);
        assert_eq!(
            project.namespace_object(cluster + 1, "a").map(|(i, _)| i),
            None
        );
    }
}
