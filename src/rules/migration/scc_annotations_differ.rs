//! DVM121 scc-annotations-differ: a destination Namespace written in the
//! repository whose `openshift.io/sa.scc.*` annotations differ from the source
//! Namespace's, or lack what the source pins.
//!
//! DVM creates a missing destination namespace with the source namespace's
//! annotations, but leaves an existing one as it is (mig-controller
//! `directvolumemigration/namespace.go`, `ensureDestinationNamespaces`: an
//! AlreadyExists error is only logged). A Namespace object in Git is applied
//! before the migration, so its UID range, supplemental groups and SELinux
//! (MCS) labels are its own: the copied files keep the source's owners and
//! labels while the pods run with the destination's (mig-controller's own
//! check, `getPotentialFilePermissionConflictNamespaces` in
//! `migplan/validation.go`, compares exactly these three annotations and warns
//! ConflictingPermissions). Only what the repository writes is compared:
//! a source Namespace not written, or annotations the clusters assign
//! themselves, cannot be (said in `dvmlint explain DVM121`).

use crate::finding::{Finding, Location};
use crate::model::Project;

use super::namespaces::written_pairs;

/// The annotations mig-controller compares, and what each sets.
pub const ANNOTATIONS: [(&str, &str); 3] = [
    ("openshift.io/sa.scc.uid-range", "the UIDs its pods run as"),
    (
        "openshift.io/sa.scc.supplemental-groups",
        "the supplemental groups of its pods",
    ),
    (
        "openshift.io/sa.scc.mcs",
        "the SELinux (MCS) level of its pods",
    ),
];

pub fn check(project: &Project, out: &mut Vec<Finding>) {
    for pair in written_pairs(project) {
        if pair.same_object {
            continue;
        }
        let (Some((source_object, source)), Some((target_object, target))) =
            (&pair.source_object, &pair.target_object)
        else {
            continue;
        };
        let src = &pair.source.namespace;
        let dest = &pair.target.namespace;
        let why = "DVM leaves an existing destination namespace as it is (it copies the \
                   source's annotations only into a namespace it creates), so the copied files \
                   keep the source's owners and SELinux labels while the pods run with the \
                   destination's: expect permission errors after cutover";
        let mut missing = Vec::new();
        for (key, sets) in ANNOTATIONS {
            let Some(want) = source.annotations.get(key) else {
                continue;
            };
            match target.annotations.get(key) {
                Some(have) if have.value == want.value => {}
                Some(have) => out.push(
                    Finding::new(
                        "DVM121",
                        Location::new(&target_object.object.file, have.span),
                        format!(
                            "destination namespace `{dest}` sets `{key}: {}` but source \
                             namespace `{src}` has `{}` ({sets}): {why} {}",
                            have.value,
                            want.value,
                            super::namespaces::every_release(project)
                        ),
                    )
                    .help(format!(
                        "set `{key}: \"{}\"` on Namespace `{dest}` (the source's value), or let \
                         DVM create the namespace (leave it out of the repository until after \
                         the migration)",
                        want.value
                    ))
                    .object(Some(target_object.object_ref()))
                    .cluster(project.cluster_name(Some(pair.target.cluster)))
                    .related(
                        Location::new(&source_object.object.file, want.span),
                        "the source namespace's value",
                    ),
                ),
                None => missing.push((key, want)),
            }
        }
        if missing.is_empty() {
            continue;
        }
        let anchor = target
            .annotations_key
            .or(target.metadata_key)
            .unwrap_or(target_object.object.meta.name_span());
        let names: Vec<String> = missing.iter().map(|(k, _)| format!("`{k}`")).collect();
        let wanted: Vec<String> = missing
            .iter()
            .map(|(k, v)| format!("`{k}: \"{}\"`", v.value))
            .collect();
        let mut finding = Finding::new(
            "DVM121",
            Location::new(&target_object.object.file, anchor),
            format!(
                "destination namespace `{dest}` lacks {} that source namespace `{src}` sets: the \
                 destination cluster assigns its own when it creates the namespace, and {why} {}",
                names.join(", "),
                super::namespaces::every_release(project)
            ),
        )
        .help(format!(
            "add {} to the annotations of Namespace `{dest}` (the source's values), or let DVM \
             create the namespace (leave it out of the repository until after the migration)",
            wanted.join(", ")
        ))
        .object(Some(target_object.object_ref()))
        .cluster(project.cluster_name(Some(pair.target.cluster)));
        for (key, want) in &missing {
            finding = finding.related(
                Location::new(&source_object.object.file, want.span),
                format!("the source namespace's `{key}`"),
            );
        }
        out.push(finding);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_model_keeps_the_annotations_this_rule_reads() {
        for (key, _) in super::ANNOTATIONS {
            assert!(
                crate::manifest::namespace::READ_ANNOTATIONS.contains(&key),
                "{key}"
            );
        }
    }
}
