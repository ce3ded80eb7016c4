//! Definitions of the same object in the same apply (DVM401), and which one
//! `kubectl apply` leaves (`docs/decisions/apply-units.md`).
//!
//! Two definitions are the same object when they agree on cluster, API group,
//! kind, scope and name, and they are applied together: one apply unit holds
//! both, or, with configured clusters, one cluster's `paths` claim both
//! units. Without configured clusters each unit stands alone, so sibling
//! overlays, variants in different folders and namespace-less objects of
//! different units are never duplicates. The same document reached through
//! two units (a base included by two roots) is one definition, not two.
//!
//! Two plain files of one folder whose objects are the same ones (one file's
//! identities contain the other's) are **alternatives**, not parts of one
//! apply: per-cloud variants (`pvc/aws.yaml`, `pvc/gcp.yaml`), per-version
//! copies (`controller-3.yml`, `controller-4.yml`), an all-in-one file beside
//! its parts. Their shared objects are not duplicates, except two
//! NetworkPolicies that govern different directions (an egress and an
//! ingress policy given one name, as the MTC documentation does): those are
//! two policies that collide, not two versions of one.
//!
//! One sort of the objects' keys and one pass over the objects; the
//! alternatives check reads only the files of a candidate pair.

use std::collections::hash_map::Entry;

use super::{IdentityKey, ModelObject, Project};
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
        // is its own group.
        let configured = !project.config.clusters.is_empty();
        let group = |unit: Option<usize>| -> u32 {
            if configured {
                0
            } else {
                // Past four billion units (not a repository): one group.
                unit.and_then(|u| u32::try_from(u + 1).ok()).unwrap_or(0)
            }
        };
        // For each object that repeats an earlier one's key, the first
        // holder of that key (object order); objects whose holder is a
        // different object (a collision) are looked up by their identity in
        // full. The last definition of an identity defined more than once,
        // by its first: most are defined once.
        let repeats = repeats(project, group);
        let mut repeats = repeats.iter().peekable();
        let mut collided: foldhash::HashMap<(IdentityKey<'_>, u32), u32> = Default::default();
        let mut lasts: foldhash::HashMap<u32, u32> = Default::default();
        let mut out = Duplicates::default();
        let mut identities = FileIdentities::default();
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
            if item.cluster().is_none() {
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
            let own_group = group(item.unit());
            // Most objects are first definitions, with no repeat to take.
            let Some(&[_, holder]) = repeats.next_if(|&&[later, _]| later == index32) else {
                continue;
            };
            let same = project
                .objects
                .get(holder as usize)
                .is_some_and(|holder| holder.same_identity(item));
            let first_index = if same {
                holder
            } else {
                let Some(first) =
                    repeated(collided.entry((item.identity_key(), own_group)), index32)
                else {
                    continue;
                };
                first
            };
            let last_index = lasts.get(&first_index).copied().unwrap_or(first_index);
            let (Some(first), Some(last)) = (
                project.objects.get(first_index as usize),
                project.objects.get(last_index as usize),
            ) else {
                continue;
            };
            // The same document again, through another unit: one definition.
            let same_document = |other: &super::ModelObject| {
                other.object.file == item.object.file
                    && other.object.doc_line == item.object.doc_line
            };
            if same_document(first)
                || same_document(last)
                || alternatives(project, &mut identities, last_index as usize, index)
            {
                continue;
            }
            out.replaced.push(last_index as usize);
            out.pairs.push(Duplicate {
                first: first_index as usize,
                later: index,
            });
            lasts.insert(first_index, index32);
        }
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

/// For each object whose key (its identity mixed with its group,
/// [`mixed_key`]) an earlier object has, its index and that earliest
/// object's, in object order; objects without a cluster are not compared.
///
/// Every key and index in 12 bytes, sorted: the first of a run of equal keys
/// is its holder. 2.9 MB at 1 GB, freed before the pass over the objects; a
/// hash map of first definitions was 6.8 MB (a power of two of 13-byte
/// buckets), alive for the whole pass, at the run's peak (docs/performance.md).
fn repeats(project: &Project, group: impl Fn(Option<usize>) -> u32) -> Vec<[u32; 2]> {
    let mut keyed: Vec<[u32; 3]> = Vec::with_capacity(project.objects.len());
    for (index, item) in project.objects.iter().enumerate() {
        // Past four billion objects (not a repository): not compared.
        let Ok(index) = u32::try_from(index) else {
            break;
        };
        if item.cluster().is_some() {
            let [low, high] = mixed_key(item.identity(), group(item.unit()));
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

/// Whether objects `a` and `b` (same identity) come from two plain files of
/// one folder that are alternatives of each other (see the module's doc).
fn alternatives<'p>(
    project: &'p Project,
    identities: &mut FileIdentities<'p>,
    a: usize,
    b: usize,
) -> bool {
    let (Some(x), Some(y)) = (project.objects.get(a), project.objects.get(b)) else {
        return false;
    };
    let plain = |o: &ModelObject| {
        o.unit()
            .and_then(|u| project.units.get(u))
            .is_some_and(|u| u.kind == UnitKind::Plain)
    };
    if x.object.file == y.object.file || !plain(x) || !plain(y) || x.unit != y.unit {
        return false;
    }
    if let (Some(p), Some(q)) = (x.object.network_policy(), y.object.network_policy())
        && p.policy.effective_types() != q.policy.effective_types()
    {
        return false;
    }
    let ours = identities.of(project, a, x);
    let theirs = identities.of(project, b, y);
    let contains = |big: &[u64], small: &[u64]| small.iter().all(|h| big.binary_search(h).is_ok());
    contains(&ours, &theirs) || contains(&theirs, &ours)
}

/// Each file's identity hashes, sorted, read once per file however many of
/// its objects are compared (two copies of a large file would otherwise cost
/// a scan of the file per object).
#[derive(Default)]
struct FileIdentities<'p> {
    files: foldhash::HashMap<(&'p str, Option<usize>), std::rc::Rc<[u64]>>,
}

impl<'p> FileIdentities<'p> {
    fn of(
        &mut self,
        project: &'p Project,
        index: usize,
        object: &'p ModelObject,
    ) -> std::rc::Rc<[u64]> {
        let key = (object.object.file.as_ref(), object.unit());
        std::rc::Rc::clone(self.files.entry(key).or_insert_with(|| {
            let mut hashes = file_identities(project, index);
            hashes.sort_unstable();
            hashes.dedup();
            hashes.into()
        }))
    }
}

/// The identity hashes of every object of the file object `index` comes from
/// (a plain file's objects are one run of `Project::objects`).
fn file_identities(project: &Project, index: usize) -> Vec<u64> {
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
        .filter_map(|i| project.objects.get(i).map(ModelObject::identity))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
