//! DVM406 cluster-matches-nothing: a configured cluster whose `paths` match
//! no file of the project, or a config `namespaces:` entry that names no
//! namespace of any source cluster that claims files. A cluster without
//! `paths` is described by its keys alone (`cidrs`, `ingress`) and is not
//! reported.
//!
//! A typo in a glob or a namespace must not give a clean result: every rule
//! about that cluster or namespace silently has nothing to check. Reported at
//! the line of `.dvmlint.yaml`. A cluster whose files are all claimed by an
//! earlier cluster (the first matching cluster takes a file) is named.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::finding::{Finding, Location};
use crate::model::Project;
use crate::yaml::{Pos, Span};

pub fn check(project: &Project, out: &mut Vec<Finding>) {
    let Some(file) = config_file(project) else {
        return;
    };
    let at = |pos: Pos| Location::new(&file, Span::new(pos, pos));
    for (i, cluster) in project.config.clusters.iter().enumerate() {
        if project.cluster_files.get(i).copied().unwrap_or(0) > 0 {
            continue;
        }
        // A cluster without `paths` is described by its keys alone (`cidrs`,
        // `ingress`, …): nothing was meant to match.
        let Some(pos) = cluster.paths_pos else {
            continue;
        };
        let message = {
            let earlier = project
                .claimed_by_earlier
                .get(i)
                .copied()
                .flatten()
                .and_then(|c| project.cluster_name(Some(c)));
            let why = match earlier {
                Some(other) => format!(
                    "the files they match are all claimed by cluster `{other}`, listed earlier (a file belongs to the first cluster whose paths match it)"
                ),
                None => "no file of the project matches them".to_owned(),
            };
            format!(
                "the `paths` of cluster `{}` ({}) match no file it can claim: {why}; every cross-file rule has nothing to check on this cluster",
                cluster.name,
                cluster
                    .paths
                    .iter()
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        out.push(
            Finding::new("DVM406", at(pos), message)
                .help("fix the glob (paths are relative to the folder of .dvmlint.yaml; a folder name matches everything under it), or remove the cluster")
                .cluster(project.cluster_name(Some(i))),
        );
    }
    if project.config.namespaces.is_empty() {
        return;
    }
    let migration = project.migration();
    // Source clusters that claim files: one that claims none is reported
    // above, or is described by its keys alone, and says nothing about namespaces.
    let sources: Vec<usize> = (0..project.clusters.len())
        .filter(|&c| migration.is_source.get(c) == Some(&true))
        .filter(|&c| project.cluster_files.get(c).is_some_and(|&n| n > 0))
        .collect();
    if sources.is_empty() {
        return;
    }
    let mut known: BTreeSet<&str> = BTreeSet::new();
    for object in &project.objects {
        if !object.cluster().is_some_and(|c| sources.contains(&c)) {
            continue;
        }
        if *object.scope() == crate::model::Scope::Unbound {
            // It lands in whatever namespace it is applied to: any entry may be its.
            return;
        }
        if let Some(ns) = object.scope().namespace() {
            known.insert(ns);
        }
        if object.object.meta.is("", "Namespace") {
            known.insert(&object.object.meta.name.value);
        }
    }
    let cluster_names: Vec<String> = sources
        .iter()
        .filter_map(|&c| project.cluster_name(Some(c)))
        .map(|n| format!("`{n}`"))
        .collect();
    for pair in &project.config.namespaces {
        if known.contains(pair.source.as_str()) {
            continue;
        }
        let hint = crate::suggest::hint(&pair.source, known.iter().copied());
        out.push(
            Finding::new(
                "DVM406",
                at(pair.pos),
                format!(
                    "config `namespaces:` names `{}`, but no object of source cluster{} {} is in that namespace and no Namespace object names it: the rules check the DVM traffic of a namespace this repository does not describe{hint}",
                    pair.source,
                    if cluster_names.len() == 1 { "" } else { "s" },
                    cluster_names.join(", "),
                ),
            )
            .help("check the spelling; if the namespace's manifests live elsewhere, add them to a cluster's `paths` (its NetworkPolicies and firewalls are what the rules check)"),
        );
    }
}

/// The configuration file, relative to the project root when it is inside it.
fn config_file(project: &Project) -> Option<Arc<str>> {
    let path = project.config.path.as_ref()?;
    let shown = path.strip_prefix(&project.root).unwrap_or(path);
    Some(Arc::from(shown.to_string_lossy().replace('\\', "/")))
}
