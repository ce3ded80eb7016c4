//! Definitions of the same object in the same apply (DVM401), and which one
//! `kubectl apply` leaves (`docs/decisions/apply-units.md`).
//!
//! Two definitions are the same object when they agree on cluster, API group,
//! kind, scope and name, and they are applied together: one apply unit holds
//! both, or, with configured clusters, one cluster's `paths` claim both
//! units and both name their namespace (an object without one lands where
//! its unit is applied, which no file says). An object whose namespace is no
//! namespace's name (`PLACEHOLDER_NAMESPACE`) is not applied as written and
//! not compared. Without configured clusters each unit stands alone, so sibling
//! overlays, variants in different folders and namespace-less objects of
//! different units are never duplicates. The same document reached through
//! two units (a base included by two roots) is one definition, not two.
//!
//! Plain files of one folder that are **alternatives**, each applied on its
//! own, are not parts of one apply: per-cloud variants (`pvc/aws.yaml`,
//! `pvc/gcp.yaml`), per-version copies, an all-in-one file beside its parts,
//! install bundles of one product, the variants of a demo named after each
//! other ([`files_are_alternatives`]). Files so linked, directly or through
//! others, are one family ([`Families`]), and the objects a family shares are
//! not duplicates, except two NetworkPolicies that govern different
//! directions (an egress and an ingress policy given one name, as the MTC
//! documentation does): those are two policies that collide, not two
//! versions of one.
//!
//! One sort of the objects' keys and one pass over the objects gather each
//! identity's definitions; the families are linked from all of them before
//! any is judged, so the verdict does not depend on the order of the file
//! names. The alternatives check reads only the files of a candidate pair.

use std::collections::hash_map::Entry;

use super::{IdentityKey, ModelObject, Project};
use crate::parsed::Scope;
use crate::units::UnitKind;

/// One definition that repeats an earlier one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Duplicate {
    /// Index in `Project::objects` of the first definition.
    pub first: usize,
    /// Index of this later definition.
    pub later: usize,
}

#[derive(Clone, Debug, Default)]
pub struct Duplicates {
    /// In object order of `later`.
    pub pairs: Vec<Duplicate>,
    /// Sorted indices of the definitions a later one replaces, and of the
    /// repeats: the same document entered again through another unit with the
    /// same cluster and scope (a base under two overlays of one namespace),
    /// which the network model must count once.
    replaced: Vec<usize>,
}

/// The key of an identity among the keys of all objects ([`repeats`]): its
/// hash and its group mixed into one number, held as two `u32`s so that a
/// key with its object's index is 12 bytes with no padding. Mixed keys may
/// collide, and a definition is a repeat only when its identity is the
/// holder's, in full: two equal identities under one key are in one group,
/// as the group is multiplied by an odd number (a bijection of `u64`s)
/// before it is mixed in.
fn mixed_key(identity: u64, group: u32) -> [u32; 2] {
    let mixed = identity ^ u64::from(group).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    [mixed as u32, (mixed >> 32) as u32]
}

impl Duplicates {
    pub fn build(project: &Project) -> Duplicates {
        // Units a configured cluster applies together share one group (the
        // cluster is part of the identity); without configuration each unit
        // is its own group. An object that names no namespace lands where its
        // unit is applied (`kubectl apply -n`, an Argo CD Application's
        // `destination.namespace`), which no file says: two units of one
        // cluster may go to two namespaces (sibling overlays sent each to its
        // environment's), so such objects are compared within their unit
        // only, configured or not.
        let configured = !project.config.clusters.is_empty();
        let group = |item: &ModelObject| -> u32 {
            if configured && !matches!(item.scope(), Scope::Unbound) {
                0
            } else {
                // Past four billion units (not a repository): one group.
                item.unit()
                    .and_then(|u| u32::try_from(u + 1).ok())
                    .unwrap_or(0)
            }
        };
        // For each object that repeats an earlier one's key, the first
        // holder of that key (object order); objects whose holder is a
        // different object (a collision) are looked up by their identity in
        // full.
        // The MTC resources of files beside a kustomization that does not
        // list them are applied by hand, each file on its own (a plan, or one
        // of several versions of the MigrationController kept side by side):
        // never together with another file.
        let by_hand = |item: &ModelObject| {
            item.unit().is_none() && project.units.is_unapplied(&item.object.file)
        };
        // An object whose namespace is no namespace's name
        // (`PLACEHOLDER_NAMESPACE`, which a script replaces before applying
        // it) is not applied as written: not compared.
        let applicable = |item: &ModelObject| match item.scope() {
            Scope::Namespace(ns) => crate::manifest::is_dns_label(ns),
            _ => true,
        };
        let compared =
            |item: &ModelObject| item.cluster().is_some() && !by_hand(item) && applicable(item);
        let repeats = repeats(project, group, compared);
        let mut repeats = repeats.iter().peekable();
        let mut collided: foldhash::HashMap<(IdentityKey<'_>, u32), u32> = Default::default();
        // (first definition, later definition) of every identity defined
        // more than once, 8 bytes a repeat; sorted below, so that each
        // identity's definitions are one run, in object order.
        let mut chains: Vec<[u32; 2]> = Vec::new();
        let mut out = Duplicates::default();
        let mut documents: foldhash::HashSet<(&str, u32, u64)> = Default::default();
        let kustomized = |unit: Option<usize>| {
            unit.and_then(|u| project.units.get(u))
                .is_some_and(|u| u.kind == UnitKind::Kustomize)
        };
        for (index, item) in project.objects.iter().enumerate() {
            // Past four billion objects (not a repository): not compared.
            let Ok(index32) = u32::try_from(index) else {
                continue;
            };
            if !compared(item) {
                continue;
            }
            if kustomized(item.unit())
                && !documents.insert((
                    item.object.file.as_ref(),
                    item.object.doc_line,
                    item.identity(),
                ))
            {
                // Counted once by the network model; still compared below, so a
                // duplicate in a shared base names every root that applies it.
                out.replaced.push(index);
            }
            let own_group = group(item);
            // Most objects are first definitions, with no repeat to take.
            let Some(&[_, holder]) = repeats.next_if(|&&[later, _]| later == index32) else {
                continue;
            };
            let same = project
                .objects
                .get(holder as usize)
                .is_some_and(|holder| holder.same_identity(item));
            let first = if same {
                holder
            } else {
                let Some(first) =
                    repeated(collided.entry((item.identity_key(), own_group)), index32)
                else {
                    continue;
                };
                first
            };
            chains.push([first, index32]);
        }
        drop(collided);
        chains.sort_unstable();
        // Each identity's definitions: its first, then its repeats.
        let runs = || {
            chains.chunk_by(|a, b| a[0] == b[0]).map(|run| {
                let first = run.first().map_or(0, |&[first, _]| first);
                std::iter::once(first).chain(run.iter().map(|&[_, later]| later))
            })
        };
        // Files of one folder linked, through any object they share, into
        // families of variants (every identity first, so that the verdict
        // does not depend on the order of the files).
        let mut families = Families::default();
        for run in runs() {
            let definitions: Vec<u32> = run.collect();
            let files: Vec<Option<usize>> = definitions
                .iter()
                .map(|&d| families.file(project, d as usize))
                .collect();
            for (position, &later) in definitions.iter().enumerate().skip(1) {
                let from = position.saturating_sub(MAX_LINKED);
                for (at, &earlier) in definitions.iter().enumerate().take(position).skip(from) {
                    if let (Some(&Some(fx)), Some(&Some(fy))) = (files.get(at), files.get(position))
                    {
                        families.link(project, (earlier as usize, fx), (later as usize, fy));
                    }
                }
            }
        }
        for run in runs() {
            let definitions: Vec<u32> = run.collect();
            // What the verdict reads of each definition, computed once.
            let facts: Vec<Facts<'_>> = definitions
                .iter()
                .map(|&d| Facts::of(project, &mut families, d as usize))
                .collect();
            for (position, &later) in definitions.iter().enumerate().skip(1) {
                let Some(this) = facts.get(position) else {
                    continue;
                };
                let from = position.saturating_sub(MAX_COMPARED);
                let earlier = || definitions.iter().zip(&facts).take(position).skip(from);
                // The same document again, through another unit: one definition.
                if earlier().any(|(_, other)| other.document == this.document) {
                    continue;
                }
                // Every earlier definition applied with this one is replaced
                // by it; the first of them is named.
                let mut first = None;
                for (&e, other) in earlier() {
                    if !other.alternative_of(this)
                        && !other.applied_apart(this)
                        && !other.other_release(this)
                    {
                        first.get_or_insert(e as usize);
                        out.replaced.push(e as usize);
                    }
                }
                if let Some(first) = first {
                    out.pairs.push(Duplicate {
                        first,
                        later: later as usize,
                    });
                }
            }
        }
        out.pairs.sort_unstable_by_key(|pair| pair.later);
        out.replaced.sort_unstable();
        out.replaced.dedup();
        out
    }

    /// Whether a later definition in the same apply replaces object `index`,
    /// or it repeats a document already entered for its cluster and scope.
    /// (Used by the network and firewall models.)
    pub fn is_replaced(&self, index: usize) -> bool {
        self.replaced.binary_search(&index).is_ok()
    }
}

/// Objects of plain files of one folder that are alternatives, each applied
/// on its own ([`files_are_alternatives`]), linked into families directly or
/// through other files, as DVM401 links them: for rules that, like DVM401,
/// judge objects applied together (DVM112's second EgressNetworkPolicy of a
/// namespace). Link every candidate ([`AlternativeFiles::link`]) before asking
/// [`AlternativeFiles::same_family`], so that the verdict does not depend on
/// the order of the files.
#[derive(Default)]
pub struct AlternativeFiles<'p> {
    families: Families<'p>,
}

impl<'p> AlternativeFiles<'p> {
    /// Links the files of objects `a` and `b` (indices into
    /// `Project::objects`) when they are two plain files of one folder that
    /// are alternatives.
    pub fn link(&mut self, project: &'p Project, a: usize, b: usize) {
        let (Some(fx), Some(fy)) = (
            self.families.file(project, a),
            self.families.file(project, b),
        ) else {
            return;
        };
        if fx != fy {
            self.families.link(project, (a, fx), (b, fy));
        }
    }

    /// Whether objects `a` and `b` come from two files of one family (one
    /// file is one apply: never alternatives of itself).
    pub fn same_family(&mut self, project: &'p Project, a: usize, b: usize) -> bool {
        let (Some(fx), Some(fy)) = (
            self.families.file(project, a),
            self.families.file(project, b),
        ) else {
            return false;
        };
        fx != fy && self.families.root(fx) == self.families.root(fy)
    }
}

/// For each object whose key (its identity mixed with its group,
/// [`mixed_key`]) an earlier object has, its index and that earliest
/// object's, in object order; only objects `compared` are.
///
/// Every key and index in 12 bytes, sorted: the first of a run of equal keys
/// is its holder. 2.9 MB at 1 GB, freed before the pass over the objects; a
/// hash map of first definitions was 6.8 MB (a power of two of 13-byte
/// buckets), alive for the whole pass, at the run's peak (docs/performance.md).
fn repeats(
    project: &Project,
    group: impl Fn(&ModelObject) -> u32,
    compared: impl Fn(&ModelObject) -> bool,
) -> Vec<[u32; 2]> {
    let mut keyed: Vec<[u32; 3]> = Vec::with_capacity(project.objects.len());
    for (index, item) in project.objects.iter().enumerate() {
        // Past four billion objects (not a repository): not compared.
        let Ok(index) = u32::try_from(index) else {
            break;
        };
        if compared(item) {
            let [low, high] = mixed_key(item.identity(), group(item));
            keyed.push([low, high, index]);
        }
    }
    keyed.sort_unstable();
    let mut out: Vec<[u32; 2]> = keyed
        .chunk_by(|a, b| a[..2] == b[..2])
        .filter_map(<[_]>::split_first)
        .flat_map(|(&[_, _, holder], rest)| rest.iter().map(move |&[_, _, later]| [later, holder]))
        .collect();
    out.sort_unstable();
    out
}

/// The first definition under the key of the object at `index`, or `None`
/// (recorded) when it is the first.
fn repeated<K>(entry: Entry<'_, K, u32>, index: u32) -> Option<u32> {
    match entry {
        Entry::Vacant(slot) => {
            slot.insert(index);
            None
        }
        Entry::Occupied(slot) => Some(*slot.get()),
    }
}

/// How many earlier definitions of one identity each definition is compared
/// with. (An identity defined thousands of times in one apply would otherwise
/// cost a comparison of every pair.)
const MAX_COMPARED: usize = 256;

/// How many earlier definitions' files each definition's file is tried as an
/// alternative of (a test of their objects and names: dearer than a
/// comparison of [`Facts`]).
const MAX_LINKED: usize = 64;

/// What the verdict on two definitions of one identity reads, once the
/// families are linked.
struct Facts<'p> {
    /// Where it is written: file and document.
    document: (&'p str, u32),
    /// Its plain file ([`Families::file`]) and that file's family; `None`
    /// for an object of a Kustomize or Helm unit.
    family: Option<(usize, usize)>,
    /// For a NetworkPolicy, the directions it governs.
    directions: Option<Vec<crate::net::netpol::PolicyType>>,
    /// Which OpenShift Template of its file it is an object of (0: none).
    template: u16,
    /// For an object the model scopes as unbound, its `metadata.namespace`
    /// as written: none, or one holding a Template parameter
    /// (`${NAMESPACE}-dev`), which two texts that differ around the same
    /// parameters make two namespaces.
    unbound_namespace: Option<&'p str>,
    /// The Helm chart whose render it is an object of (its unit).
    chart: Option<usize>,
}

impl<'p> Facts<'p> {
    fn of(project: &'p Project, families: &mut Families<'p>, index: usize) -> Facts<'p> {
        let object = project.objects.get(index);
        let family = families
            .file(project, index)
            .map(|file| (file, families.root(file)));
        Facts {
            document: object.map_or(("", 0), |o| (o.object.file.as_ref(), o.object.doc_line)),
            family,
            directions: object
                .and_then(|o| o.object.network_policy())
                .map(|p| p.policy.effective_types()),
            template: object.map_or(0, |o| o.object.template),
            unbound_namespace: object
                .filter(|o| *o.scope() == crate::model::Scope::Unbound)
                .and_then(|o| o.object.meta.namespace.as_ref())
                .map(|ns| ns.value.as_str()),
            chart: object.and_then(|o| o.unit()).filter(|&unit| {
                project
                    .units
                    .get(unit)
                    .is_some_and(|u| u.kind == UnitKind::HelmChart)
            }),
        }
    }

    /// Whether the two definitions are objects of two Helm charts' renders:
    /// two releases, of which the second to be installed fails ("invalid
    /// ownership metadata": the object carries the first release's
    /// `meta.helm.sh/release-name`), so neither replaces the other silently.
    /// Such charts are mostly alternatives (`app-ephemeral` and
    /// `app-persistent`), installed one or the other.
    fn other_release(&self, other: &Facts<'_>) -> bool {
        matches!((self.chart, other.chart), (Some(a), Some(b)) if a != b)
    }

    /// Whether the two definitions are never applied together because one
    /// is an object of an OpenShift Template: `oc process` makes the objects
    /// of one Template at a time, each with its own parameters (`${NAME}`
    /// in two Templates are two names), and `oc apply` of the folder creates
    /// the Template, not its objects. Two objects of one Template are applied
    /// together. (The Templates of a file are told apart up to 65,534 of them;
    /// past that, none is compared.)
    /// Two objects of one Template whose namespaces are texts around its
    /// parameters that differ (`${NAMESPACE}-dev`, `${NAMESPACE}-prod`: one
    /// policy per environment) land in two namespaces whatever the values;
    /// one such and one without a namespace are not known to be one.
    fn applied_apart(&self, other: &Facts<'_>) -> bool {
        let one_template = self.document.0 == other.document.0
            && self.template == other.template
            && self.template != u16::MAX;
        ((self.template != 0 || other.template != 0) && !one_template)
            || self.unbound_namespace != other.unbound_namespace
    }

    /// Whether the two definitions are alternatives: from two plain files of
    /// one family (see [`Families`]). Two NetworkPolicies that govern
    /// different directions are never alternatives: an egress and an ingress
    /// policy given one name (as the MTC documentation does) are two policies
    /// that collide, not two versions of one.
    fn alternative_of(&self, other: &Facts<'_>) -> bool {
        match (self.family, other.family) {
            (Some((file, family)), Some((other_file, other_family))) => {
                file != other_file
                    && family == other_family
                    && (self.directions.is_none()
                        || other.directions.is_none()
                        || self.directions == other.directions)
            }
            _ => false,
        }
    }
}

/// Plain files of one folder grouped into families of variants: two files
/// that define a common object are linked when they are alternatives
/// ([`files_are_alternatives`]), and a family is every file so linked,
/// directly or through others (`web.yaml` beside `web-lite.yaml`, its
/// subset, and `web-spread.yaml`, its variant: all three are applied one at a
/// time). A union-find over the files met.
#[derive(Default)]
struct Families<'p> {
    ids: foldhash::HashMap<(&'p str, Option<usize>), usize>,
    parent: Vec<usize>,
    /// Each file's objects ([`Defined`]), sorted by identity, read once per
    /// file however many of its objects are compared (two copies of a large
    /// file would otherwise cost a scan of the file per object).
    identities: Vec<Option<std::rc::Rc<[Defined<'p>]>>>,
}

impl<'p> Families<'p> {
    /// The index of the file object `index` comes from, when it is a plain
    /// file.
    fn file(&mut self, project: &'p Project, index: usize) -> Option<usize> {
        let object = project.objects.get(index)?;
        let plain = object
            .unit()
            .and_then(|u| project.units.get(u))
            .is_some_and(|u| u.kind == UnitKind::Plain);
        if !plain {
            return None;
        }
        let next = self.parent.len();
        let id = *self
            .ids
            .entry((object.object.file.as_ref(), object.unit()))
            .or_insert(next);
        if id == next {
            self.parent.push(next);
            self.identities.push(None);
        }
        Some(id)
    }

    /// The objects of plain file `file`, which object `index` is of.
    fn identities(
        &mut self,
        project: &'p Project,
        file: usize,
        index: usize,
    ) -> std::rc::Rc<[Defined<'p>]> {
        let Some(slot) = self.identities.get_mut(file) else {
            return std::rc::Rc::from([]);
        };
        std::rc::Rc::clone(slot.get_or_insert_with(|| {
            let mut defined = file_identities(project, index);
            defined.sort_unstable_by_key(|d| d.identity);
            defined.dedup_by_key(|d| d.identity);
            defined.into()
        }))
    }

    fn root(&mut self, mut file: usize) -> usize {
        while let Some(&parent) = self.parent.get(file) {
            if parent == file {
                break;
            }
            // Path halving.
            let grand = self.parent.get(parent).copied().unwrap_or(parent);
            if let Some(slot) = self.parent.get_mut(file) {
                *slot = grand;
            }
            file = grand;
        }
        file
    }

    /// Links the plain files `fx` and `fy` of objects `a` and `b` (one
    /// identity) when they are two files of one folder that are alternatives.
    fn link(&mut self, project: &'p Project, (a, fx): (usize, usize), (b, fy): (usize, usize)) {
        let (rx, ry) = (self.root(fx), self.root(fy));
        if rx == ry {
            return;
        }
        let (Some(x), Some(y)) = (project.objects.get(a), project.objects.get(b)) else {
            return;
        };
        if x.object.file == y.object.file || x.unit != y.unit {
            return;
        }
        let ours = self.identities(project, fx, a);
        let theirs = self.identities(project, fy, b);
        if files_are_alternatives(&x.object.file, &ours, &y.object.file, &theirs)
            && let Some(slot) = self.parent.get_mut(rx)
        {
            *slot = ry;
        }
    }
}

/// What the alternatives check reads of one object of a file: its identity
/// hash, kind and name (as applied).
#[derive(Clone, Copy, Debug)]
struct Defined<'p> {
    identity: u64,
    kind: &'p str,
    name: &'p str,
}

/// Whether two plain files of one folder that define a common object are
/// alternatives, each applied on its own (`docs/decisions/apply-units.md`):
/// - one file's objects (`ours`, `theirs`: sorted by identity) are all
///   defined by the other (per-cloud copies, an all-in-one file beside a
///   part of it);
/// - they share at least two objects, and those are at least half of the
///   smaller file's (install bundles of one product: `install.yaml` and
///   `core-install.yaml`);
/// - one file's name, in words, is part of the other's (`backend.yaml`,
///   `backend-no-cache.yaml`, `frontend-and-backend.yaml`);
/// - or they are parallel ([`parallel`]): the same app for two settings
///   (`c1-mysql.yaml` with StatefulSet `dbc1`, `c2-mysql.yaml` with `dbc2`).
///
/// Parts of one apply (`one.yaml` and `two.yaml`, each with its own objects
/// and one in common) are none of these.
fn files_are_alternatives(a: &str, ours: &[Defined<'_>], b: &str, theirs: &[Defined<'_>]) -> bool {
    let (small, big) = if ours.len() <= theirs.len() {
        (ours, theirs)
    } else {
        (theirs, ours)
    };
    let shared = small.iter().filter(|d| holds(big, d.identity)).count();
    shared == small.len()
        || (shared >= 2 && 2 * shared >= small.len())
        || related_names(a, b)
        || parallel(small, big)
}

/// Whether `defined` (sorted by identity) holds an object of `identity`.
fn holds(defined: &[Defined<'_>], identity: u64) -> bool {
    defined
        .binary_search_by_key(&identity, |d| d.identity)
        .is_ok()
}

/// Whether two files that share an object are the same app written twice
/// for two settings: the objects only one of them defines pair up, each with
/// one of the other's of its kind whose name is the same (in another
/// namespace: `hubble-ui` in `kube-system` and in `hubble-ui`) or differs in
/// one word (`dbc1` and `dbc2`, `data-loader-2b` and `data-loader-7b`,
/// `vllm-gemma-deployment` and `tgi-gemma-deployment`). Names of one word
/// that differ (`settings`, `features`) do not pair: two parts of one apply
/// name their objects so.
fn parallel<'p>(ours: &[Defined<'p>], theirs: &[Defined<'p>]) -> bool {
    let own = |of: &[Defined<'p>], other: &[Defined<'p>]| -> Vec<(&'p str, &'p str)> {
        let mut own: Vec<(&'p str, &'p str)> = of
            .iter()
            .filter(|d| !holds(other, d.identity))
            .map(|d| (d.kind, d.name))
            .collect();
        own.sort_unstable();
        own
    };
    let (mine, yours) = (own(ours, theirs), own(theirs, ours));
    !mine.is_empty()
        && mine.len() < ours.len()
        && mine.len() == yours.len()
        && mine
            .iter()
            .zip(&yours)
            .all(|(x, y)| x.0 == y.0 && (x.1 == y.1 || one_word_apart(x.1, y.1)))
}

/// Whether two names of the same number of words (at least two; split at
/// `-`, `_` and `.`, or also between letters and digits, case aside) differ
/// in exactly one of them: `oauth2-proxy` and `vouch-proxy` at the first
/// split, `dbc1` and `dbc2` at the second.
fn one_word_apart(a: &str, b: &str) -> bool {
    fn parts(name: &str) -> Vec<String> {
        name.split(['-', '_', '.', ' '])
            .filter(|w| !w.is_empty())
            .map(str::to_ascii_lowercase)
            .collect()
    }
    fn words(name: &str) -> Vec<String> {
        let mut words: Vec<String> = Vec::new();
        let mut previous: Option<char> = None;
        for c in name.chars() {
            if matches!(c, '-' | '_' | '.' | ' ') {
                previous = None;
                continue;
            }
            let boundary = previous.is_none_or(|p| p.is_ascii_digit() != c.is_ascii_digit());
            match words.last_mut() {
                Some(word) if !boundary => word.push(c.to_ascii_lowercase()),
                _ => words.push(c.to_ascii_lowercase().to_string()),
            }
            previous = Some(c);
        }
        words
    }
    fn apart(x: &[String], y: &[String]) -> bool {
        x.len() >= 2 && x.len() == y.len() && x.iter().zip(y).filter(|(p, q)| p != q).count() == 1
    }
    apart(&parts(a), &parts(b)) || apart(&words(a), &words(b))
}

/// Whether the words of one file's name (without its folder and extension,
/// split at `-`, `_`, `.` and spaces, case aside) are a run of the other's.
fn related_names(a: &str, b: &str) -> bool {
    fn words(path: &str) -> Vec<String> {
        let name = path.rsplit('/').next().unwrap_or(path);
        let stem = name
            .strip_suffix(".yaml")
            .or_else(|| name.strip_suffix(".yml"))
            .or_else(|| name.strip_suffix(".json"))
            .unwrap_or(name);
        stem.split(['-', '_', '.', ' '])
            .filter(|w| !w.is_empty())
            .map(str::to_ascii_lowercase)
            .collect()
    }
    let (x, y) = (words(a), words(b));
    let (short, long) = if x.len() <= y.len() { (x, y) } else { (y, x) };
    !short.is_empty() && long.windows(short.len()).any(|run| run == short.as_slice())
}

/// Every object of the file object `index` comes from (a plain file's
/// objects are one run of `Project::objects`).
fn file_identities(project: &Project, index: usize) -> Vec<Defined<'_>> {
    let Some(object) = project.objects.get(index) else {
        return Vec::new();
    };
    let same = |i: &usize| {
        project
            .objects
            .get(*i)
            .is_some_and(|o| o.object.file == object.object.file && o.unit == object.unit)
    };
    let start = (0..index).rev().take_while(same).last().unwrap_or(index);
    (start..project.objects.len())
        .take_while(same)
        .filter_map(|i| project.objects.get(i))
        .map(|o: &ModelObject| Defined {
            identity: o.identity(),
            kind: &o.object.meta.kind.value,
            name: o.name(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Containment, a large share and related names make alternatives; one
    /// shared object between unrelated names does not.
    #[test]
    fn files_are_alternatives_by_containment_share_or_name() {
        // One kind, and names of one word: never parallel.
        let defined = |hashes: &[u64]| -> Vec<Defined<'static>> {
            const NAMES: [&str; 9] = [
                "zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
            ];
            hashes
                .iter()
                .map(|&identity| Defined {
                    identity,
                    kind: "ConfigMap",
                    name: NAMES.get(identity as usize).copied().unwrap_or("many"),
                })
                .collect()
        };
        let alternatives = |a: &str, ours: &[u64], b: &str, theirs: &[u64]| {
            files_are_alternatives(a, &defined(ours), b, &defined(theirs))
        };
        assert!(alternatives("d/aws.yaml", &[1], "d/gcp.yaml", &[1]));
        assert!(alternatives("d/all.yaml", &[1, 2, 3], "d/part.yaml", &[2]));
        assert!(alternatives(
            "d/quick.yaml",
            &[1, 2, 3],
            "d/prod.yaml",
            &[1, 2, 4]
        ));
        assert!(!alternatives(
            "d/quick.yaml",
            &[1, 2, 3, 5, 6],
            "d/prod.yaml",
            &[1, 2, 4, 7, 8]
        ));
        assert!(alternatives(
            "d/web.yaml",
            &[1, 2],
            "d/web-spread.yml",
            &[1, 3]
        ));
        assert!(!alternatives("d/one.yaml", &[1, 2], "d/two.yaml", &[1, 3]));
    }

    /// Files that share an object and whose other objects pair up by kind,
    /// under names one word apart, are the same app for two settings.
    #[test]
    fn parallel_files_pair_their_own_objects() {
        let d = |identity, kind, name| Defined {
            identity,
            kind,
            name,
        };
        let shared = d(1, "Service", "mysql");
        let c1 = [shared, d(2, "StatefulSet", "dbc1")];
        let c2 = [shared, d(3, "StatefulSet", "dbc2")];
        assert!(files_are_alternatives(
            "k/c1-mysql.yaml",
            &c1,
            "k/c2-mysql.yaml",
            &c2
        ));
        let tgi = [shared, d(4, "Deployment", "tgi-gemma-deployment")];
        let vllm = [shared, d(5, "Deployment", "vllm-gemma-deployment")];
        assert!(parallel(&tgi, &vllm));
        // Same names, other namespaces (other identities).
        assert!(parallel(
            &[shared, d(6, "Deployment", "hubble-ui")],
            &[shared, d(7, "Deployment", "hubble-ui")]
        ));
        // Another kind, a one-word name, two words apart, nothing own.
        assert!(!parallel(&c1, &[shared, d(3, "Deployment", "dbc2")]));
        assert!(!parallel(
            &[shared, d(2, "ConfigMap", "settings")],
            &[shared, d(3, "ConfigMap", "features")]
        ));
        assert!(!parallel(
            &[shared, d(2, "Deployment", "cart-v2")],
            &[shared, d(3, "Deployment", "payments")]
        ));
        assert!(!parallel(&[shared], &[shared]));
        assert!(!parallel(
            &c1,
            &[shared, d(3, "StatefulSet", "dbc2"), d(8, "Secret", "x-1")]
        ));
    }

    #[test]
    fn one_word_apart_splits_digits_from_letters() {
        assert!(one_word_apart("data-loader-2b", "data-loader-7b"));
        assert!(one_word_apart("gke-rec-source", "gke-rec-target"));
        assert!(one_word_apart("dbc1", "DBC2"));
        // Words first, digits split only if that does not pair them.
        assert!(one_word_apart("oauth2-proxy", "vouch-proxy"));
        assert!(one_word_apart("s3-backup", "gcs-backup"));
        assert!(!one_word_apart("web", "api"));
        assert!(!one_word_apart("a-b-c", "a-x-y"));
        assert!(!one_word_apart("web-1", "web-1-extra"));
        assert!(!one_word_apart("web-1", "web-1"));
    }

    #[test]
    fn related_names_are_runs_of_words() {
        assert!(related_names(
            "m/install.yaml",
            "m/core-install-with-hydrator.yaml"
        ));
        assert!(related_names(
            "m/backend.yaml",
            "m/frontend-v1-and-backend-v1-JVM.yaml"
        ));
        assert!(related_names("m/Web_Lite.yml", "m/web-lite-2.yaml"));
        assert!(!related_names("m/web-lite.yaml", "m/web-spread.yaml"));
        assert!(!related_names("m/one.yaml", "m/two.yaml"));
        assert!(!related_names("m/back.yaml", "m/backend.yaml"));
        assert!(!related_names("m/.yaml", "m/x.yaml"));
    }

    /// The map's holder of an identity is always of the same group: equal
    /// identities in different groups never share a key.
    #[test]
    fn one_identity_has_a_key_per_group() {
        for identity in [0, 1, 0x9e37_79b9_7f4a_7c15, u64::MAX] {
            let keys: std::collections::HashSet<[u32; 2]> = (0..1000)
                .chain([u32::MAX])
                .map(|group| mixed_key(identity, group))
                .collect();
            assert_eq!(keys.len(), 1001);
        }
    }

    /// Each later definition repeats the first and replaces the one before
    /// it (the last is kept by its first only once it is defined again).
    #[test]
    fn a_third_definition_replaces_the_second() {
        let rules = crate::rules::RuleSet::new(&[], &[]);
        let cluster_of = |_: &str| Some(std::sync::Arc::from(crate::model::DEFAULT_CLUSTER));
        let settings = crate::lint::file::FileSettings::standalone(&rules, &cluster_of);
        let doc = |name: &str| {
            format!("kind: ConfigMap\napiVersion: v1\nmetadata: {{name: {name}, namespace: n}}\n")
        };
        let text = [doc("b"), doc("a"), doc("b"), doc("b")].join("---\n");
        let result = crate::lint::file::analyze_bytes(
            &std::sync::Arc::from("a.yaml"),
            text.as_bytes(),
            &settings,
        );
        let project = Project::build(
            "/".into(),
            crate::config::Config::default(),
            vec![result],
            crate::units::ApplyUnits::default(),
        );
        let duplicates = Duplicates::build(&project);
        assert_eq!(
            duplicates.pairs,
            [
                Duplicate { first: 0, later: 2 },
                Duplicate { first: 0, later: 3 }
            ]
        );
        let replaced: Vec<usize> = (0..4).filter(|&i| duplicates.is_replaced(i)).collect();
        assert_eq!(replaced, [0, 2]);
    }
}
