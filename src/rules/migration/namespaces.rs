//! What the namespace rules (DVM121, DVM122) share: the Namespace objects
//! written for each side of a migrated namespace.

use std::collections::BTreeSet;

use crate::manifest::namespace::NamespaceObject;
use crate::model::migration::ClusterNamespace;
use crate::model::{ModelObject, Project};

/// The Namespace object named `namespace` on `cluster`, if the repository has
/// one (the definition `kubectl apply` leaves).
pub(crate) fn namespace_object<'p>(
    project: &'p Project,
    cluster: usize,
    namespace: &str,
) -> Option<(usize, &'p ModelObject)> {
    project.namespace_object(cluster, namespace)
}

/// One migrated namespace with the Namespace objects written for it.
pub(crate) struct WrittenPair<'p> {
    pub source: ClusterNamespace,
    pub target: ClusterNamespace,
    /// The source Namespace object and its typed view, when written.
    pub source_object: Option<(&'p ModelObject, NamespaceObject)>,
    /// The destination Namespace object and its typed view, when written.
    pub target_object: Option<(&'p ModelObject, NamespaceObject)>,
    /// Both sides are the same object (one cluster, no `src:dest` mapping).
    pub same_object: bool,
}

/// Every migrated namespace once (source and destination cluster and name),
/// with the Namespace objects the repository writes for each side.
pub(crate) fn written_pairs(project: &Project) -> Vec<WrittenPair<'_>> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for pair in &project.migration().pairs {
        if !seen.insert((pair.source.clone(), pair.target.clone())) {
            continue;
        }
        let view = |end: &ClusterNamespace| {
            namespace_object(project, end.cluster, &end.namespace).and_then(|(i, o)| {
                let tree = o.object.tree()?;
                Some((i, o, NamespaceObject::from_node(tree)))
            })
        };
        let source = view(&pair.source);
        let target = view(&pair.target);
        let same_object = matches!((&source, &target), (Some((a, ..)), Some((b, ..))) if a == b);
        out.push(WrittenPair {
            source: pair.source.clone(),
            target: pair.target.clone(),
            source_object: source.map(|(_, o, v)| (o, v)),
            target_object: target.map(|(_, o, v)| (o, v)),
            same_object,
        });
    }
    out
}

/// What a message of a rule that holds for every MTC release says about the
/// version: the configured one, or that no release differs.
pub(crate) fn every_release(project: &Project) -> String {
    match project.config.mtc_version.as_deref() {
        Some(version) => format!("(MTC {version}, config `mtcVersion`)"),
        None => "(every MTC release with DVM, 1.4 and later)".to_owned(),
    }
}
