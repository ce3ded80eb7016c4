//! DVM401 duplicate-object: two definitions of the same object (API group,
//! kind, namespace, name, cluster) in the same apply: one apply unit, or units
//! a configured cluster applies together (`model::duplicates`). The later
//! silently replaces the earlier when applied: the MTC documentation's own
//! Ingress policy reuses the Egress policy's name
//! `allow-all-egress-from-rsync-pods` (docs/domain.md §6).

use crate::finding::{Finding, Location};
use crate::model::{ModelObject, Project, Scope};
use crate::yaml::{Limits, Node};

pub fn check(project: &Project, out: &mut Vec<Finding>) {
    // One finding per pair of definitions: a base that several roots include
    // repeats the same pair once per root, and the finding names the roots.
    // (The scope is part of it: a message names one namespace.)
    type Key<'a> = (&'a str, u32, u32, &'a str, u32, u32, &'a Scope);
    let mut groups: Vec<(usize, usize, Vec<Option<usize>>)> = Vec::new();
    let mut index: std::collections::HashMap<Key<'_>, usize> = std::collections::HashMap::new();
    for pair in &project.duplicates().pairs {
        let (Some(item), Some(earlier)) = (
            project.objects.get(pair.later),
            project.objects.get(pair.first),
        ) else {
            continue;
        };
        let (at, from) = (
            item.object.meta.name_span().start,
            earlier.object.meta.name_span().start,
        );
        let key = (
            item.object.file.as_ref(),
            at.line,
            at.col,
            earlier.object.file.as_ref(),
            from.line,
            from.col,
            item.scope(),
        );
        match index.entry(key) {
            std::collections::hash_map::Entry::Occupied(slot) => {
                if let Some(group) = groups.get_mut(*slot.get()) {
                    group.2.push(item.unit());
                }
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(groups.len());
                groups.push((pair.later, pair.first, vec![item.unit()]));
            }
        }
    }
    let bundles = if groups.is_empty() {
        std::collections::HashSet::new()
    } else {
        bundle_inputs(project)
    };
    for (later, first, units) in groups {
        if let (Some(item), Some(earlier)) =
            (project.objects.get(later), project.objects.get(first))
        {
            if self_contained_copy(project, item, earlier)
                || versions_of_a_bundle_example(&bundles, item, earlier)
            {
                continue;
            }
            out.push(finding(project, item, earlier, &units));
        }
    }
}

/// The units that are an operator bundle's input (operator-sdk's
/// `config/manifests`, built into `operator-sdk generate bundle`, not
/// applied; its samples become the ClusterServiceVersion's `alm-examples`):
/// those that hold a ClusterServiceVersion, and Kustomize roots beside a
/// `bases/*.clusterserviceversion.yaml` (which operator-sdk reads apart), or
/// with one in a subfolder of theirs (`community/bases/`).
fn bundle_inputs(project: &Project) -> std::collections::HashSet<usize> {
    let mut bundles: std::collections::HashSet<usize> = project
        .objects
        .iter()
        .filter(|o| {
            o.object
                .meta
                .is("operators.coreos.com", "ClusterServiceVersion")
        })
        .filter_map(ModelObject::unit)
        .collect();
    let boundary = crate::boundary::ProjectBoundary::new(&project.root);
    for (id, unit) in project.units.units().iter().enumerate() {
        if unit.kind != crate::units::UnitKind::Kustomize {
            continue;
        }
        let folder = project.root.join(unit.root.as_ref());
        // Beside the root, or beside one of its flavours (`community/bases`,
        // `openshift/bases`: a bundle per catalogue, each a root of its own
        // under the one that lists the samples for both).
        let flavours = || {
            boundary
                .contains(&folder)
                .then(|| std::fs::read_dir(&folder))
                .into_iter()
                .flatten()
                .flatten()
                .flatten()
                .filter(|entry| entry.file_type().is_ok_and(|t| t.is_dir()))
                .take(MAX_FLAVOURS)
                .map(|entry| entry.path())
        };
        if csv_in_bases(&boundary, &folder) || flavours().any(|f| csv_in_bases(&boundary, &f)) {
            bundles.insert(id);
        }
    }
    bundles
}

/// Subfolders of a Kustomize root searched for a `bases` folder holding a
/// ClusterServiceVersion ([`bundle_inputs`]).
const MAX_FLAVOURS: usize = 16;

/// Whether `folder/bases` (inside the project) holds a
/// `*.clusterserviceversion.yaml`.
fn csv_in_bases(boundary: &crate::boundary::ProjectBoundary, folder: &std::path::Path) -> bool {
    let bases = folder.join("bases");
    boundary.contains(&bases)
        && std::fs::read_dir(&bases).is_ok_and(|entries| {
            entries.flatten().any(|entry| {
                entry
                    .file_name()
                    .to_str()
                    .is_some_and(|name| name.ends_with(".clusterserviceversion.yaml"))
            })
        })
}

/// One sample per API version of one kind and name (`argocd-sample` at
/// `v1alpha1` and `v1beta1`) in an operator bundle's input: the examples of
/// each version the bundle serves, never applied together.
fn versions_of_a_bundle_example(
    bundles: &std::collections::HashSet<usize>,
    item: &ModelObject,
    earlier: &ModelObject,
) -> bool {
    item.unit().is_some_and(|unit| bundles.contains(&unit))
        && item.unit() == earlier.unit()
        && item.object.meta.api_version.value != earlier.object.meta.api_version.value
}

/// An identical copy of an object in another plain file of the folder: each
/// sample carries the Secret or ConfigMap it needs (operator samples, one
/// `kubectl apply -f` each), and applying both replaces nothing (the second
/// apply changes nothing), so it is no duplicate to report. Within one file,
/// or in a Kustomize build (which refuses any object twice) or a chart, a
/// copy still is.
fn self_contained_copy(project: &Project, item: &ModelObject, earlier: &ModelObject) -> bool {
    let plain = |object: &ModelObject| {
        object
            .unit()
            .and_then(|u| project.units.get(u))
            .is_some_and(|unit| unit.kind == crate::units::UnitKind::Plain)
    };
    item.object.file != earlier.object.file
        && item.object.template == 0
        && plain(item)
        && plain(earlier)
        && identical(project, item, earlier)
}

/// How a DVM401 of two units of one cluster names the cluster (read back
/// by `render::locate::drop_duplicates_of_one_place`).
pub const APPLIED_TOGETHER: &str = ", which cluster `";

/// At most this many units are named in a message; the rest are counted.
const NAMED_UNITS: usize = 5;

fn finding(
    project: &Project,
    item: &ModelObject,
    earlier: &ModelObject,
    units: &[Option<usize>],
) -> Finding {
    let meta = &item.object.meta;
    let earlier_meta = &earlier.object.meta;
    let place = match item.scope() {
        Scope::Namespace(ns) => format!(" in namespace `{ns}`"),
        Scope::Unbound => match meta.namespace.as_ref().map(|ns| ns.value.as_str()) {
            Some(ns) if crate::manifest::is_template_parameter(ns) => {
                format!(" in namespace `{ns}` (a Template parameter: the same namespace for both)")
            }
            _ => " (no namespace set: both land in the namespace they are applied to)".to_owned(),
        },
        Scope::Cluster => String::new(),
    };
    let unit = |object: &ModelObject| object.unit().and_then(|u| project.units.get(u));
    let applied = match (unit(item), unit(earlier)) {
        // Only objects of one Template are compared (`model::duplicates`).
        _ if item.object.template != 0 => {
            " by one OpenShift Template (`oc process` makes both)".to_owned()
        }
        (Some(_), Some(_)) if item.unit() == earlier.unit() && units.len() > 1 => {
            let named: Vec<String> = units
                .iter()
                .filter_map(|u| project.units.get((*u)?))
                .take(NAMED_UNITS)
                .map(|u| u.describe())
                .collect();
            let more = units.len().saturating_sub(NAMED_UNITS);
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            format!(" by each of {}{more}", named.join(", "))
        }
        (Some(a), Some(_)) if item.unit() == earlier.unit() => format!(" by {}", a.describe()),
        (Some(a), Some(b)) => format!(
            " by {} and {}{APPLIED_TOGETHER}{}` applies together",
            b.describe(),
            a.describe(),
            project
                .cluster_name(item.cluster())
                .map_or("?", |name| name.as_ref())
        ),
        _ => String::new(),
    };
    let at = format!(
        "{}:{}",
        earlier.object.file,
        earlier_meta.name_span().start.line
    );
    // The name kustomize gives both (`namePrefix`, `nameSuffix`), with the
    // one written there when it differs.
    let name = if item.name() == meta.name.value.as_str() {
        format!("`{}`", item.name())
    } else {
        format!("`{}` (written `{}`)", item.name(), meta.name.value)
    };
    // Kustomize itself refuses two resources of one id (API version, kind,
    // namespace and name) in one build: nothing is replaced, nothing applied.
    let refused = unit(item).is_some_and(|u| u.kind == crate::units::UnitKind::Kustomize)
        && item.unit() == earlier.unit()
        && meta.api_version.value == earlier_meta.api_version.value;
    let (message, help) = if refused {
        (
            format!(
                "{} {name}{place} is defined twice{applied}: Kustomize refuses to build {it} (two resources of one id), so nothing of {it} is applied; the earlier definition is at {at}",
                meta.kind.value,
                it = if units.len() > 1 { "them" } else { "it" },
            ),
            format!(
                "delete one of the two definitions, or give one a distinct name (e.g. `{}-2`)",
                meta.name.value
            ),
        )
    } else if identical(project, item, earlier) {
        (
            format!(
                "{} {name}{place} is defined twice{applied}, identically: the copy at {at} is redundant",
                meta.kind.value
            ),
            "delete one of the two identical copies".to_owned(),
        )
    } else {
        (
            format!(
                "{} {name}{place} is defined twice{applied}: applying both keeps only this one, the earlier definition at {at} is silently replaced",
                meta.kind.value
            ),
            format!(
                "give one of them a distinct name (e.g. `{}-2`, or a name that says what it does such as `allow-all-ingress-to-rsync-pods`), or delete the duplicate",
                meta.name.value
            ),
        )
    };
    Finding::new(
        "DVM401",
        Location::new(&item.object.file, meta.name_span()),
        message,
    )
    .help(help)
    .object(Some(item.object_ref()))
    .cluster(project.cluster_name(item.cluster()))
    .related(
        Location::new(&earlier.object.file, earlier_meta.name_span()),
        "first defined here",
    )
}

/// Files larger than this are not read again to compare two definitions.
const MAX_COMPARED_FILE: u64 = 8 << 20;

/// Whether the two definitions hold the same content (comments, layout and
/// quoting aside): the documents are read again from disk, only for the few
/// objects that are defined twice. `false` when either cannot be read.
fn identical(project: &Project, a: &ModelObject, b: &ModelObject) -> bool {
    let read = |object: &ModelObject| -> Option<String> {
        let path = project.root.join(object.object.file.as_ref());
        let bytes = crate::boundary::ProjectBoundary::new(&project.root)
            .open_bounded(&path, MAX_COMPARED_FILE)
            .ok()?;
        String::from_utf8(bytes).ok()
    };
    let (Some(text_a), Some(text_b)) = (read(a), read(b)) else {
        return false;
    };
    // Each read from the document that holds it: a broken document of the
    // file (which the linter read chunk by chunk) stops no other.
    let chunk = |text: &'_ str, line: u32| -> Option<(String, u32)> {
        crate::yaml::split_documents(text.as_bytes())
            .into_iter()
            .find(|c| c.first_line <= line && line <= c.last_line())
            .and_then(|c| Some((String::from_utf8(c.bytes.to_vec()).ok()?, c.first_line)))
    };
    let (Some((chunk_a, first_a)), Some((chunk_b, first_b))) = (
        chunk(&text_a, a.object.doc_line),
        chunk(&text_b, b.object.doc_line),
    ) else {
        return false;
    };
    let docs_a = crate::yaml::parse_chunk(&chunk_a, first_a, Limits::default()).documents;
    let docs_b = crate::yaml::parse_chunk(&chunk_b, first_b, Limits::default()).documents;
    match (
        document_at(&docs_a, a.object.doc_line),
        document_at(&docs_b, b.object.doc_line),
    ) {
        (Some(x), Some(y)) => crate::yaml::same_value(x, y),
        _ => false,
    }
}

/// The document (or `List` item) that starts on `line`.
fn document_at<'n, 'a>(documents: &'n [Node<'a>], line: u32) -> Option<&'n Node<'a>> {
    documents.iter().find_map(|doc| {
        if doc.span.start.line == line {
            return Some(doc);
        }
        crate::manifest::list_items(doc)?
            .iter()
            .find(|item| item.span.start.line == line)
    })
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
        Project::build(
            "/".into(),
            crate::config::Config::default(),
            vec![result],
            crate::units::ApplyUnits::default(),
        )
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
        assert_eq!(duplicated_lines(&project(THREE)), [(11, 7)]);
        // Every object given the same hash: `a` is not a duplicate of `b`,
        // and the second `b` is still found to repeat the first.
        let mut project = project(THREE);
        for object in &mut project.objects {
            object.set_identity(7);
        }
        assert_eq!(duplicated_lines(&project), [(11, 7)]);
    }

    /// Two identical copies are said to be so whatever broken document lies
    /// between them in their file (each is read again from its own
    /// document: the whole file does not parse).
    #[test]
    fn identical_copies_around_a_broken_document_are_identical() {
        let copy = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  ports:\n  - port: 80\n";
        let text = format!(
            "{copy}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  namespace: shopapiVersion: v1\n---\n{copy}"
        );
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.yaml"), &text).unwrap();
        let mut project = project(&text);
        project.root = dir.path().to_path_buf();
        let mut out = Vec::new();
        check(&project, &mut out);
        assert_eq!(out.len(), 1);
        assert!(out[0].message.contains("identically"), "{}", out[0].message);
    }
}
