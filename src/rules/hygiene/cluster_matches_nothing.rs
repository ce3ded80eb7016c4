//! DVM406 cluster-matches-nothing: a configured cluster whose `paths` match
//! no file of the project, or a config `namespaces:` entry that names no
//! namespace of any source cluster that claims files. A cluster without
//! `paths` is described by its keys alone (`cidrs`, `ingress`) and is not
//! reported.
//!
//! A typo in a glob or a namespace must not give a clean result: every rule
//! about that cluster or namespace silently has nothing to check. Reported at
//! the line of `.dvmlint.yaml`. A file belongs to every cluster whose
//! `paths` match it; an entry that claims the whole project (`.`, `**`)
//! beside a cluster with files of its own is named, since it puts that
//! cluster's files on both (a configuration written for "everything else").

use std::collections::{BTreeSet, HashSet};

use crate::finding::{Finding, Location};
use crate::manifest::mtc::MigPlan;
use crate::model::{ModelObject, Project};
use crate::yaml::{Pos, Span};

pub fn check(project: &Project, out: &mut Vec<Finding>) {
    plan_namespaces(project, out);
    let Some(file) = project.config_file() else {
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
        let message = format!(
            "the `paths` of cluster `{}` ({}) match no file of the project; every cross-file rule has nothing to check on this cluster",
            cluster.name,
            cluster
                .paths
                .iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        out.push(
            Finding::new("DVM406", at(pos), message)
                .help(if project.config_at_root() {
                    "fix the glob (paths are relative to the folder of .dvmlint.yaml; a folder name matches everything under it), or remove the cluster"
                } else {
                    "fix the glob (paths are relative to the project root, the Git work tree holding the linted path, because the configuration file lies outside that path; a folder name matches everything under it), or remove the cluster"
                })
                .cluster(project.cluster_name(Some(i))),
        );
    }
    for catch_all in &project.catch_all_paths {
        let Some(cluster) = project.config.clusters.get(catch_all.cluster) else {
            continue;
        };
        let (Some(path), Some(&pos)) = (
            cluster.paths.get(catch_all.entry),
            cluster.path_pos.get(catch_all.entry),
        ) else {
            continue;
        };
        let others: Vec<String> = catch_all
            .others
            .iter()
            .filter_map(|&(other, files)| {
                let name = project.cluster_name(Some(other))?;
                Some(match files {
                    1 => format!("cluster `{name}`'s 1 file"),
                    n => format!("cluster `{name}`'s {n} files"),
                })
            })
            .collect();
        out.push(
            Finding::new(
                "DVM406",
                at(pos),
                format!(
                    "the path `{path}` of cluster `{}` claims every file of the project, {} too: a file belongs to every cluster whose `paths` match it, so those are judged on `{}` as well",
                    cluster.name,
                    crate::finding::bounded_list(&others),
                    cluster.name,
                ),
            )
            .help(format!(
                "if they are not applied to `{}`, list its own folders instead of `{path}`",
                cluster.name
            ))
            .cluster(project.cluster_name(Some(catch_all.cluster))),
        );
    }
    if project.config.namespaces.is_empty() {
        return;
    }
    let wanted: Vec<&str> = project
        .config
        .namespaces
        .iter()
        .map(|pair| pair.source.as_str())
        .collect();
    let Some(described) = Described::of(project, &wanted) else {
        return;
    };
    for pair in &project.config.namespaces {
        if !described.missing.contains(&pair.source.as_str()) {
            continue;
        }
        // Near a described namespace: a typo. Far from every one: the
        // repository's layout (a platform repository whose tenants' manifests
        // live elsewhere, an MTC installation), where the cluster-scoped
        // objects still judge the namespace's DVM traffic (trial 32).
        let Some(near) = crate::suggest::near_name(&pair.source, described.known.iter().copied())
        else {
            continue;
        };
        out.push(
            Finding::new(
                "DVM406",
                at(pair.pos),
                format!(
                    "config `namespaces:` names `{}`, but no object of {} is in that namespace and no Namespace object names it, while `{near}` is described: a typo? The rules then judge none of `{near}`'s own NetworkPolicies and firewalls",
                    pair.source, described.clusters,
                ),
            )
            .help(format!("correct the entry to `{near}` if that is the namespace meant; a namespace whose manifests live elsewhere is fine as written (its labels can be given with `{{name: …, labels: {{…}}}}`)")),
        );
    }
}

/// A MigPlan namespace the source clusters do not describe but whose name is
/// near one they do (`mysql-persistnt` beside `mysql-persistent`): a typo
/// that MTC would migrate as an empty namespace and that leaves every rule
/// of the real one unchecked. A namespace far from every described one is
/// the repository's layout (its manifests kept elsewhere), not reported.
fn plan_namespaces(project: &Project, out: &mut Vec<Finding>) {
    let plans: Vec<(&ModelObject, MigPlan)> = project
        .modelled_kind("migration.openshift.io", "MigPlan")
        .filter_map(|(_, object)| Some((object, MigPlan::from_node(object.object.tree()?))))
        .filter(|(_, plan)| !plan.closed)
        .collect();
    let wanted: Vec<&str> = plans
        .iter()
        .flat_map(|(_, plan)| plan.namespaces.iter().map(|m| m.source.as_str()))
        .collect();
    if wanted.is_empty() {
        return;
    }
    let Some(described) = Described::of(project, &wanted) else {
        return;
    };
    for (object, plan) in &plans {
        for mapping in &plan.namespaces {
            if !described.missing.contains(&mapping.source.as_str()) {
                continue;
            }
            let Some(near) =
                crate::suggest::near_name(&mapping.source, described.known.iter().copied())
            else {
                continue;
            };
            out.push(
                Finding::new(
                    "DVM406",
                    Location::new(&object.object.file, mapping.text.span),
                    format!(
                        "MigPlan `{}` migrates namespace `{}`, but no object of {} is in that namespace and no Namespace object names it, while `{near}` is described: a typo? The rules check nothing of `{}`, and those of `{near}` are not run for this plan",
                        object.object.meta.name.value, mapping.source, described.clusters, mapping.source,
                    ),
                )
                .help("correct the namespace in the plan's `spec.namespaces` (`source` or `source:destination`)"),
            );
        }
    }
}

/// What the source clusters that claim files say of some namespaces.
struct Described<'p, 'w> {
    /// The namespaces asked about that those clusters do not describe (no
    /// object in them, no Namespace object naming them).
    missing: HashSet<&'w str>,
    /// Every namespace they describe; only gathered when some namespace is
    /// missing (a near name is then looked for).
    known: BTreeSet<&'p str>,
    /// Those clusters named, for a message.
    clusters: String,
}

impl<'p, 'w> Described<'p, 'w> {
    /// `None` when no source cluster claims files, or when some namespace is
    /// missing and an object without a namespace makes any name possible.
    ///
    /// A namespace with a Namespace object is found by the model's index; the
    /// objects are walked only for the rest, and to the end only while some
    /// is still missing (a walk of every object cost 19 ms of one core on
    /// 100,000 small files, for plans whose namespaces all have a Namespace).
    fn of(project: &'p Project, wanted: &[&'w str]) -> Option<Self> {
        let migration = project.migration();
        // Source clusters that claim files: one that claims none is reported
        // above, or is described by its keys alone, and says nothing about namespaces.
        let sources: Vec<usize> = (0..project.clusters.len())
            .filter(|&c| migration.is_source.get(c) == Some(&true))
            .filter(|&c| project.cluster_files.get(c).is_some_and(|&n| n > 0))
            .collect();
        if sources.is_empty() {
            return None;
        }
        let names: Vec<String> = sources
            .iter()
            .filter_map(|&c| project.cluster_name(Some(c)))
            .map(|n| format!("`{n}`"))
            .collect();
        let clusters = format!(
            "source cluster{} {}",
            if names.len() == 1 { "" } else { "s" },
            names.join(", ")
        );
        let mut missing: HashSet<&'w str> = wanted
            .iter()
            .copied()
            .filter(|ns| {
                !sources
                    .iter()
                    .any(|&c| project.namespace_object(c, ns).is_some())
            })
            .collect();
        let mut known: BTreeSet<&'p str> = BTreeSet::new();
        // Objects come in runs of one namespace (a folder, a file): a run
        // costs one lookup.
        let mut last: &str = "";
        for object in &project.objects {
            if missing.is_empty() {
                break;
            }
            if !object.cluster().is_some_and(|c| sources.contains(&c)) {
                continue;
            }
            if *object.scope() == crate::model::Scope::Unbound {
                // It lands in whatever namespace it is applied to: any missing name may be its.
                return None;
            }
            if let Some(ns) = object.scope().namespace()
                && ns != last
            {
                missing.remove(ns);
                known.insert(ns);
                last = ns;
            }
        }
        if !missing.is_empty() {
            known.extend(
                project
                    .modelled_kind("", "Namespace")
                    .filter(|(_, o)| o.cluster().is_some_and(|c| sources.contains(&c)))
                    .map(|(_, o)| &*o.object.meta.name.value),
            );
        }
        Some(Described {
            missing,
            known,
            clusters,
        })
    }
}
