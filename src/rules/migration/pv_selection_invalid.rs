//! DVM126 pv-selection-invalid: MigPlan `persistentVolumes[].selection`
//! values the destination cannot satisfy.
//!
//! mig-controller's `validatePvSelections` (`migplan/validation.go`) judges
//! each volume whose `selection.action` is `copy`: a `storageClass` that is not
//! among the destination cluster's StorageClasses is PvInvalidStorageClass
//! (Error: the plan never becomes Ready); an `accessMode` other than
//! ReadWriteOnce, ReadOnlyMany, ReadWriteMany is PvInvalidAccessMode (Error);
//! one the class's provisioner does not serve for the PVC's volume mode — or,
//! without a selected mode, none of the PVC's `accessModes` — is
//! PvWarnAccessModeUnavailable (Warn: the destination PVC may never bind); a
//! missing `copyMethod` is PvNoCopyMethodSelection (Error). What a provisioner
//! serves is MTC's own table (`MigCluster.accessModesForProvisioner`),
//! reproduced in [`access_modes`]: the StorageClass API does not say.

use std::collections::BTreeSet;

use crate::finding::{Finding, Location, Severity};
use crate::manifest::Text;
use crate::manifest::mtc::VolumeSelection;
use crate::model::{ModelObject, Project};
use crate::rules::versions;

const RWO: &str = "ReadWriteOnce";
const ROX: &str = "ReadOnlyMany";
const RWX: &str = "ReadWriteMany";
/// The selections mig-controller accepts (`validAccessModes`); `auto`, the
/// storage profile's choice, is accepted by recent 1.8 releases and left alone.
const VALID_ACCESS_MODES: [&str; 3] = [RWO, ROX, RWX];
const AUTO: &str = "auto";

/// How MTC matches a provisioner name against its table.
#[derive(Clone, Copy)]
enum Match {
    Exact,
    Prefix,
    Suffix,
}

/// MTC's table: provisioner, how it matches, Filesystem modes, Block modes.
const TABLE: &[(&str, Match, &[&str], &[&str])] = &[
    ("kubernetes.io/aws-ebs", Match::Exact, &[RWO], &[]),
    (
        "kubernetes.io/azure-file",
        Match::Exact,
        &[RWO, ROX, RWX],
        &[],
    ),
    ("kubernetes.io/azure-disk", Match::Exact, &[RWO], &[]),
    ("kubernetes.io/cinder", Match::Exact, &[RWO], &[]),
    ("kubernetes.io/gce-pd", Match::Exact, &[RWO, ROX], &[]),
    (
        "kubernetes.io/glusterfs",
        Match::Exact,
        &[RWO, ROX, RWX],
        &[],
    ),
    ("gluster.org/glusterblock", Match::Prefix, &[RWO, ROX], &[]),
    ("kubernetes.io/quobyte", Match::Exact, &[RWO, ROX, RWX], &[]),
    ("kubernetes.io/rbd", Match::Exact, &[RWO, ROX], &[]),
    ("kubernetes.io/vsphere-volume", Match::Exact, &[RWO], &[]),
    (
        "kubernetes.io/portworx-volume",
        Match::Exact,
        &[RWO, RWX],
        &[],
    ),
    ("kubernetes.io/scaleio", Match::Exact, &[RWO, ROX], &[]),
    ("kubernetes.io/storageos", Match::Exact, &[RWO], &[]),
    ("rbd.csi.ceph.com", Match::Suffix, &[RWO], &[RWO, ROX, RWX]),
    ("cephfs.csi.ceph.com", Match::Suffix, &[RWO, ROX, RWX], &[]),
    (
        "netapp.io/trident",
        Match::Exact,
        &[RWO, ROX],
        &[RWO, ROX, RWX],
    ),
    ("csi.kubevirt.io", Match::Exact, &[RWO], &[RWO]),
];

/// The access modes MTC says `provisioner` serves for `volume_mode`, and
/// whether the provisioner is in its table (else Filesystem gets only
/// ReadWriteOnce and Block nothing, MTC's default).
pub fn access_modes(provisioner: &str, block: bool) -> (&'static [&'static str], bool) {
    let found = TABLE.iter().find(|(name, how, _, _)| match how {
        Match::Exact => provisioner == *name,
        Match::Prefix => provisioner.starts_with(name),
        Match::Suffix => provisioner.ends_with(name),
    });
    match found {
        Some((_, _, filesystem, block_modes)) => {
            (if block { block_modes } else { filesystem }, true)
        }
        None if block => (&[], false),
        None => (&[RWO], false),
    }
}

/// The access mode an abbreviation (`RWX`, as `oc get pvc` prints it) or a
/// near miss stands for.
fn spelled_out(mode: &str) -> Option<&'static str> {
    match mode.to_ascii_uppercase().as_str() {
        "RWO" => Some(RWO),
        "ROX" => Some(ROX),
        "RWX" => Some(RWX),
        _ => crate::suggest::did_you_mean(mode, VALID_ACCESS_MODES),
    }
}

/// The class name closest to `name`, if close enough to be a typo (string
/// similarity only: `gp3` is not a rule id).
fn closest<'n>(name: &str, names: &[&'n str]) -> Option<&'n str> {
    let lower = name.to_ascii_lowercase();
    names
        .iter()
        .map(|n| (strsim::jaro_winkler(&lower, &n.to_ascii_lowercase()), *n))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, n)| n)
}

/// A StorageClass object of the repository: its name and provisioner.
struct Class<'p> {
    object: &'p ModelObject,
    provisioner: Option<Text>,
}

fn classes(project: &Project, cluster: usize) -> Vec<Class<'_>> {
    project
        .modelled()
        .map(|(_, o)| o)
        .filter(|o| {
            o.cluster() == Some(cluster) && o.object.meta.is("storage.k8s.io", "StorageClass")
        })
        .map(|object| Class {
            object,
            provisioner: object
                .object
                .tree()
                .and_then(|t| Text::at(t, &["provisioner"])),
        })
        .collect()
}

pub fn check(project: &Project, out: &mut Vec<Finding>) {
    let migration = project.migration();
    for (index, object, plan) in super::plans(project) {
        if plan.closed {
            continue;
        }
        let targets: BTreeSet<usize> = migration
            .pairs
            .iter()
            .filter(|p| p.plan == Some(index))
            .map(|p| p.target.cluster)
            .collect();
        // Only plans that copy volumes with DVM (they have pairs).
        let Some(&first_target) = targets.iter().next() else {
            continue;
        };
        let Some(tree) = object.object.tree() else {
            continue;
        };
        let target = (targets.len() == 1).then_some(first_target);
        let known = target.map(|t| classes(project, t)).unwrap_or_default();
        let mut unjudged: Vec<&Text> = Vec::new();
        let volumes = VolumeSelection::all(tree);
        for volume in &volumes {
            if volume.action.as_ref().is_none_or(|a| a.value != "copy") {
                continue;
            }
            let finding = |span, message: String| {
                Finding::new("DVM126", Location::new(&object.object.file, span), message)
                    .object(Some(object.object_ref()))
                    .cluster(project.cluster_name(target))
            };
            let pv = volume
                .name
                .as_deref()
                .map_or_else(|| "a volume".to_owned(), |n| format!("volume `{n}`"));
            if volume.copy_method.is_none() {
                let span = volume.selection_key.unwrap_or(volume.span);
                out.push(
                    finding(
                        span,
                        format!(
                            "{pv} is copied (`action: copy`) but its selection has no \
                             `copyMethod`: mig-controller marks MigPlan `{}` \
                             PvNoCopyMethodSelection (error) and the plan never becomes ready {}",
                            object.object.meta.name.value,
                            versions::note(project, "any MTC 1.x release")
                        ),
                    )
                    .help(
                        "add `copyMethod: filesystem` (DVM's rsync copy; `block` for raw block \
                         volumes, `snapshot` for a storage snapshot) under `selection`",
                    ),
                );
            }
            if let Some(mode) = &volume.access_mode
                && mode.value != AUTO
                && !VALID_ACCESS_MODES.contains(&mode.value.as_str())
            {
                let help = match spelled_out(&mode.value) {
                    Some(mode) => format!("write it out: `accessMode: {mode}`"),
                    None => "use `ReadWriteOnce`, `ReadOnlyMany` or `ReadWriteMany`, or leave \
                             `accessMode` out to keep the PVC's own"
                        .to_owned(),
                };
                out.push(
                    finding(
                        mode.span,
                        format!(
                            "`accessMode: {}` of {pv} is not an access mode: mig-controller marks \
                             the plan PvInvalidAccessMode (error) {}",
                            mode.value,
                            versions::note(project, "any MTC 1.x release")
                        ),
                    )
                    .help(help),
                );
            }
            let Some(class_name) = &volume.storage_class else {
                continue;
            };
            if target.is_none() || known.is_empty() {
                unjudged.push(class_name);
                continue;
            }
            let Some(class) = known
                .iter()
                .find(|c| c.object.object.meta.name.value == class_name.value)
            else {
                let names: Vec<&str> = known
                    .iter()
                    .map(|c| c.object.object.meta.name.value.as_str())
                    .collect();
                let near = closest(&class_name.value, &names);
                out.push(
                    finding(
                        class_name.span,
                        format!(
                            "`storageClass: {}` of {pv} is not a StorageClass of the destination \
                             cluster (the repository defines {}): mig-controller marks \
                             the plan PvInvalidStorageClass (error) and it never becomes ready {}",
                            class_name.value,
                            crate::finding::bounded_list(names.iter().map(|n| format!("`{n}`"))),
                            versions::note(project, "any MTC 1.x release")
                        ),
                    )
                    .help(format!(
                        "select one of the destination's StorageClasses{}",
                        near.map_or_else(String::new, |s| format!(": `storageClass: {s}`"))
                    )),
                );
                continue;
            };
            let Some(provisioner) = &class.provisioner else {
                continue;
            };
            let block = volume.pvc_volume_mode.as_deref() == Some("Block");
            let (served, listed) = access_modes(&provisioner.value, block);
            let wanted: Vec<&str> = match &volume.access_mode {
                Some(mode) if VALID_ACCESS_MODES.contains(&mode.value.as_str()) => {
                    vec![mode.value.as_str()]
                }
                Some(_) => continue,
                None => volume.pvc_access_modes.iter().map(String::as_str).collect(),
            };
            if wanted.is_empty() || wanted.iter().any(|m| served.contains(m)) {
                continue;
            }
            let span = volume
                .access_mode
                .as_ref()
                .map_or(class_name.span, |m| m.span);
            let table = if listed {
                format!(
                    "MTC's table gives provisioner `{}` {} for {} volumes",
                    provisioner.value,
                    if served.is_empty() {
                        "no access mode".to_owned()
                    } else {
                        served.join(", ")
                    },
                    if block { "Block" } else { "Filesystem" }
                )
            } else {
                format!(
                    "provisioner `{}` is not in MTC's table, which then assumes {} for {} volumes",
                    provisioner.value,
                    if block {
                        "no access mode"
                    } else {
                        "ReadWriteOnce only"
                    },
                    if block { "Block" } else { "Filesystem" }
                )
            };
            let asked = if volume.access_mode.is_some() {
                format!("`accessMode: {}`", wanted.join(""))
            } else {
                format!("the PVC's access modes ({})", wanted.join(", "))
            };
            out.push(
                finding(
                    span,
                    format!(
                        "{asked} of {pv} cannot be served by StorageClass `{}`: {table}; \
                         mig-controller warns PvWarnAccessModeUnavailable and the destination \
                         PVC may never bind {}",
                        class.object.object.meta.name.value,
                        versions::note(project, "any MTC 1.x release")
                    ),
                )
                .severity(Severity::Warning)
                .help(if served.is_empty() {
                    "select a StorageClass whose provisioner serves this volume mode".to_owned()
                } else {
                    format!(
                        "select an access mode the class serves (`accessMode: {}`), or a \
                         StorageClass that serves the mode the application needs",
                        served.first().copied().unwrap_or(RWO)
                    )
                })
                .related(
                    Location::new(&class.object.object.file, provisioner.span),
                    "the StorageClass's provisioner",
                ),
            );
        }
        if let Some(first) = unjudged.first() {
            let names: BTreeSet<&str> = unjudged.iter().map(|t| t.value.as_str()).collect();
            let why = match target {
                None => "the plan's destination cluster is not known (see DVM405)".to_owned(),
                Some(t) => format!(
                    "the repository holds no StorageClass of destination cluster `{}`",
                    project
                        .cluster_name(Some(t))
                        .map_or("(the only cluster)", |n| n.as_ref())
                ),
            };
            out.push(
                Finding::new(
                    "DVM126",
                    Location::new(&object.object.file, first.span),
                    format!(
                        "the selected storage class{} {} of MigPlan `{}` {} not judged: {why}, so \
                         whether the destination has {} and which access modes {} serve{} is \
                         unknown",
                        if names.len() == 1 { "" } else { "es" },
                        crate::finding::bounded_list(names.iter().map(|n| format!("`{n}`"))),
                        object.object.meta.name.value,
                        if names.len() == 1 { "was" } else { "were" },
                        if names.len() == 1 { "it" } else { "them" },
                        if names.len() == 1 { "it" } else { "they" },
                        if names.len() == 1 { "s" } else { "" },
                    ),
                )
                .severity(Severity::Info)
                .help(
                    "add the destination cluster's StorageClass objects to the repository (under \
                     its `paths`) to make this check exact",
                )
                .object(Some(object.object_ref()))
                .cluster(project.cluster_name(target)),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provisioners_are_matched_as_mtc_matches_them() {
        assert_eq!(
            access_modes("kubernetes.io/aws-ebs", false),
            (&[RWO][..], true)
        );
        // By suffix: ODF's class names its driver with a prefix.
        assert_eq!(
            access_modes("openshift-storage.cephfs.csi.ceph.com", false).0,
            &[RWO, ROX, RWX][..]
        );
        assert_eq!(
            access_modes("openshift-storage.rbd.csi.ceph.com", true).0,
            &[RWO, ROX, RWX][..]
        );
        assert_eq!(
            access_modes("gluster.org/glusterblock-x", false).0,
            &[RWO, ROX][..]
        );
        // Not in the table: Filesystem gets ReadWriteOnce, Block nothing.
        assert_eq!(access_modes("ebs.csi.aws.com", false), (&[RWO][..], false));
        assert_eq!(access_modes("ebs.csi.aws.com", true), (&[][..], false));
        assert_eq!(
            access_modes("kubernetes.io/aws-ebs", true).0,
            &[] as &[&str]
        );
    }

    #[test]
    fn near_misses_are_named() {
        assert_eq!(spelled_out("rwx"), Some(RWX));
        assert_eq!(spelled_out("ReadWriteOnse"), Some(RWO));
        assert_eq!(spelled_out("ReadWriteOncePod"), Some(RWO));
        assert_eq!(closest("gp3", &["gp3-csi", "standard"]), Some("gp3-csi"));
        assert_eq!(closest("fast", &["gp3-csi"]), None);
    }
}
