//! DVM401 duplicate-object: two documents that are the same object in the same
//! cluster (API group, kind, namespace, name). The later silently replaces the
//! earlier when applied — the MTC documentation's own Ingress policy reuses the
//! Egress policy's name `allow-all-egress-from-rsync-pods` (domain.md §6).
//!
//! One hash map pass over all objects: linear in the repository size.

use crate::finding::{Finding, Location};
use crate::model::{Project, Scope};

pub fn check(project: &Project, out: &mut Vec<Finding>) {
    let mut first: foldhash::HashMap<(usize, &str, &str, &Scope, &str), usize> =
        foldhash::HashMap::with_capacity_and_hasher(project.objects.len(), Default::default());
    for (index, item) in project.objects.iter().enumerate() {
        let Some(cluster) = item.cluster else {
            continue;
        };
        let meta = &item.object.meta;
        let key = (
            cluster,
            meta.group(),
            meta.kind.value.as_str(),
            &item.scope,
            meta.name.value.as_str(),
        );
        // One hash and probe per object: most are first definitions.
        let earlier = match first.entry(key) {
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(index);
                continue;
            }
            std::collections::hash_map::Entry::Occupied(slot) => *slot.get(),
        };
        let Some(earlier) = project.objects.get(earlier) else {
            continue;
        };
        let earlier_meta = &earlier.object.meta;
        let place = match &item.scope {
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
