//! DVM401 duplicate-object: two documents that are the same object in the same
//! cluster (API group, kind, namespace, name). The later silently replaces the
//! earlier when applied — the MTC documentation's own Ingress policy reuses the
//! Egress policy's name `allow-all-egress-from-rsync-pods` (domain.md §6).
//!
//! One hash map pass over all objects: linear in the repository size.

use crate::finding::{Finding, Location};
use crate::model::{IdentityKey, Project, Scope};

pub fn check(project: &Project, out: &mut Vec<Finding>) {
    // The first object of each identity hash; objects whose hash is taken by
    // a different object (a collision) are looked up by their identity in full.
    let mut first: foldhash::HashMap<u64, usize> =
        foldhash::HashMap::with_capacity_and_hasher(project.objects.len(), Default::default());
    let mut collided: foldhash::HashMap<IdentityKey<'_>, usize> = Default::default();
    for (index, item) in project.objects.iter().enumerate() {
        let Some(cluster) = item.cluster else {
            continue;
        };
        // One probe per object: most are first definitions.
        let holder = match first.entry(item.identity()) {
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(index);
                continue;
            }
            std::collections::hash_map::Entry::Occupied(slot) => *slot.get(),
        };
        let earlier = if project
            .objects
            .get(holder)
            .is_some_and(|holder| holder.same_identity(item))
        {
            holder
        } else {
            match collided.entry(item.identity_key()) {
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(index);
                    continue;
                }
                std::collections::hash_map::Entry::Occupied(slot) => *slot.get(),
            }
        };
        let Some(earlier) = project.objects.get(earlier) else {
            continue;
        };
        let meta = &item.object.meta;
        let earlier_meta = &earlier.object.meta;
        let place = match item.scope() {
            Scope::Namespace(ns) => format!(" in namespace `{ns}`"),
            Scope::Unbound => {
                " (no namespace set: both land in the namespace they are applied to)".to_owned()
            }
            Scope::Cluster => String::new(),
        };
        let cluster_name = project.cluster_name(Some(cluster));
        let message = format!(
            "{} `{}`{place} is defined twice: applying both keeps only this one, the earlier definition at {}:{} is silently replaced",
            meta.kind.value,
            meta.name.value,
            earlier.object.file,
            earlier_meta.name.span.start.line
        );
        let help = format!(
            "give one of them a distinct name (e.g. `{}-2`, or a name that says what it does such as `allow-all-ingress-to-rsync-pods`), or delete the duplicate",
            meta.name.value
        );
        out.push(
            Finding::new(
                "DVM401",
                Location::new(&item.object.file, meta.name.span),
                message,
            )
            .help(help)
            .object(Some(item.object_ref()))
            .cluster(cluster_name)
            .related(
                Location::new(&earlier.object.file, earlier_meta.name.span),
                "first defined here",
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::lint::file::{FileSettings, analyze_bytes};
    use crate::rules::RuleSet;

    fn project(text: &str) -> Project {
        let rules = RuleSet::new(&[], &[]);
        let cluster_of = |_: &str| Some(Arc::from(crate::model::DEFAULT_CLUSTER));
        let settings = FileSettings::standalone(&rules, &cluster_of);
        let result = analyze_bytes(&Arc::from("a.yaml"), text.as_bytes(), &settings);
        Project::build("/".into(), crate::config::Config::default(), vec![result])
    }

    const THREE: &str = "kind: ConfigMap\napiVersion: v1\nmetadata: {name: a, namespace: n}\n---\n\
        kind: ConfigMap\napiVersion: v1\nmetadata: {name: b, namespace: n}\n---\n\
        kind: ConfigMap\napiVersion: v1\nmetadata: {name: b, namespace: n}\n";

    fn duplicated_lines(project: &Project) -> Vec<(u32, u32)> {
        let mut out = Vec::new();
        check(project, &mut out);
        out.iter()
            .map(|f| {
                (
                    f.location.span.start.line,
                    f.related[0].location.span.start.line,
                )
            })
            .collect()
    }

    #[test]
    fn equal_identities_are_compared_in_full() {
        let mut project = project(THREE);
        assert_eq!(duplicated_lines(&project), [(11, 7)]);
        // Every object given the same hash: `a` is not a duplicate of `b`,
        // and the second `b` is still found to repeat the first.
        for object in &mut project.objects {
            object.object.identity = 7;
        }
        assert_eq!(duplicated_lines(&project), [(11, 7)]);
    }
}
