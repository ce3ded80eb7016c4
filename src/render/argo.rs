//! The Argo CD Applications of the repository that install one of its own
//! charts with values of their own.
//!
//! An Application (or an ApplicationSet's template) whose `source.path`
//! names a chart folder of the project, with a `helm` block that gives
//! values (`valueFiles`, inline `values` or `valuesObject`, `parameters`),
//! installs that chart with values its values.yaml need not hold. A render
//! with the chart's own values alone that stops for want of one of them is a
//! limit of how dvmlint renders (DVM002, naming the Application), not a
//! fault of the chart (`docs/rendering.md`). Read from the model's objects
//! once the per-file stage is over, and, only when a chart failed for want
//! of a value, from the files holding ACM Policies (an Application in a
//! Policy's `objectDefinition`, created on the managed clusters). Inline
//! values are read, never written in a finding.

use std::path::Path;
use std::sync::Arc;

use crate::manifest::argo::{GROUP, HelmValues};
use crate::parsed::FileResult;
use crate::yaml::Node;

/// One `source` of an Application that installs a chart folder with values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelmSource {
    /// The Application's (or ApplicationSet's) name.
    pub application: String,
    /// The file that holds it, relative to the project.
    pub file: Arc<str>,
    /// Written by a root of the project when rendered (an app-of-apps
    /// chart), whose file `file` is then.
    pub rendered: bool,
    /// The chart's folder and the values the source gives it.
    pub values: HelmValues,
}

/// The sources of the project's Applications and ApplicationSets that
/// install a chart by its path with values, in file order.
pub fn sources<'r>(results: impl IntoIterator<Item = &'r FileResult>) -> Vec<HelmSource> {
    let mut found = Vec::new();
    for result in results {
        for object in &result.objects {
            let set = object.meta.is(GROUP, "ApplicationSet");
            if !set && !object.meta.is(GROUP, "Application") {
                continue;
            }
            if let Some(tree) = object.tree() {
                found.extend(application_sources(tree, set, &object.file));
            }
        }
    }
    found
}

/// [`sources`] of the rendered roots' outputs, each with the file of the
/// root that wrote it (its `Chart.yaml` or kustomization).
pub fn rendered_sources<'r>(
    outputs: impl IntoIterator<Item = (&'r FileResult, &'r Arc<str>)>,
) -> Vec<HelmSource> {
    let mut found = Vec::new();
    for (output, root) in outputs {
        found.extend(sources([output]).into_iter().map(|source| HelmSource {
            file: Arc::clone(root),
            rendered: true,
            ..source
        }));
    }
    found
}

/// The files that may hold Applications inside other objects: an ACM
/// Policy's `objectDefinition`, which ACM creates on the managed clusters
/// (by the objects' API group and kind, which the model keeps for every
/// object).
pub fn may_nest(group: &str, kind: &str) -> bool {
    group == "policy.open-cluster-management.io" && matches!(kind, "Policy" | "ConfigurationPolicy")
}

/// At most this many files holding Policies are read for [`nested`], of at
/// most 4 MiB each.
const NESTED_FILES: usize = 2_000;

/// The Applications written inside other objects of `files` (paths from
/// the project, [`may_nest`]), read again, through the project's boundary:
/// only when a chart failed for want of a value.
pub fn nested(project: &Path, files: &[Arc<str>]) -> Vec<HelmSource> {
    let boundary = crate::boundary::ProjectBoundary::new(project);
    let mut found = Vec::new();
    for file in files.iter().take(NESTED_FILES) {
        let Some(text) = boundary
            .open_bounded(&project.join(&**file), 4 << 20)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
        else {
            continue;
        };
        let parsed = crate::yaml::parse_chunk(&text, 1, crate::yaml::Limits::default());
        for document in &parsed.documents {
            walk(document, file, &mut found, 0);
        }
    }
    found
}

/// Deep enough for a Policy's templates; a deeper tree holds no Application.
const MAX_DEPTH: usize = 32;

fn walk(node: &Node<'_>, file: &Arc<str>, found: &mut Vec<HelmSource>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    let kind = node.get("kind").and_then(Node::as_str);
    let argo = node
        .get("apiVersion")
        .and_then(Node::as_str)
        .is_some_and(|v| v.starts_with("argoproj.io/"));
    if argo && matches!(kind, Some("Application" | "ApplicationSet")) {
        found.extend(application_sources(
            node,
            kind == Some("ApplicationSet"),
            file,
        ));
        return;
    }
    for (_, value) in node.entries() {
        walk(value, file, found, depth + 1);
    }
    for item in node.items() {
        walk(item, file, found, depth + 1);
    }
}

/// The sources with values of the Application (or ApplicationSet, `set`)
/// `tree`, written in `file`.
fn application_sources(tree: &Node<'_>, set: bool, file: &Arc<str>) -> Vec<HelmSource> {
    let name = tree
        .at(&["metadata", "name"])
        .and_then(Node::as_str)
        .unwrap_or_default();
    crate::manifest::argo::sources_of(tree, set)
        .filter_map(crate::manifest::argo::helm_values)
        .map(|values| HelmSource {
            application: name.to_owned(),
            file: Arc::clone(file),
            rendered: false,
            values,
        })
        .collect()
}

/// A path from the project without its `.` and `..` steps
/// (`roles/sno/../../clusters/values.yaml` as `clusters/values.yaml`);
/// `None` for one that climbs out of the project.
pub(super) fn normalised(path: &str) -> Option<String> {
    let mut steps: Vec<&str> = Vec::new();
    for step in path.split('/') {
        match step {
            "" | "." => {}
            ".." => {
                steps.pop()?;
            }
            step => steps.push(step),
        }
    }
    Some(steps.join("/"))
}

/// Why a render of the chart at `chart_dir` that stopped for want of the
/// value at `wanted` (`image.tag`) is no fault of the chart: the first
/// Application of `sources` that installs it and gives that value, said
/// with what gives it. Its value files are read through the project's
/// boundary.
pub fn installed_with(
    project: &Path,
    chart_dir: &str,
    wanted: &str,
    sources: &[HelmSource],
) -> Option<super::Limit> {
    let keys: Vec<&str> = wanted.split('.').collect();
    let boundary = crate::boundary::ProjectBoundary::new(project);
    let gives_in = |text: &str| super::helm::values_give(text, &keys);
    for source in sources.iter().filter(|s| s.values.path == chart_dir) {
        let values = &source.values;
        let by_parameter = values
            .parameters
            .iter()
            .any(|name| name == wanted || keys.first().is_some_and(|top| name == top));
        let by_object = keys
            .first()
            .is_some_and(|top| values.values_object.iter().any(|key| key == top));
        let by_inline = values.inline.as_deref().is_some_and(gives_in);
        let by_file = values
            .value_files
            .iter()
            .filter(|file| !file.starts_with('$'))
            .filter_map(|file| normalised(&super::join(chart_dir, file)))
            .find(|rel| {
                boundary
                    .open_bounded(&project.join(rel), 1 << 20)
                    .ok()
                    .and_then(|bytes| String::from_utf8(bytes).ok())
                    .is_some_and(|text| gives_in(&text))
            });
        let what = if let Some(file) = by_file {
            format!("its values file `{file}`")
        } else if by_inline {
            "its inline `helm.values`".to_owned()
        } else if by_object {
            "its `helm.valuesObject`".to_owned()
        } else if by_parameter {
            "its `helm.parameters`".to_owned()
        } else {
            continue;
        };
        let written = if source.rendered {
            format!("rendered from `{}`", source.file)
        } else {
            format!("`{}`", source.file)
        };
        return Some(super::Limit {
            why: format!(
                "its templates need `{wanted}`, which its own values.yaml lacks and the Argo CD Application `{}` ({written}), which installs it, gives in {what}: name those values in `render.charts[].values`",
                source.application
            ),
            help: "name the values the chart is installed with in `render.charts[].values` of .dvmlint.yaml (inline values: write them to a values file first)",
        });
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn value_files_are_read_from_the_chart_up_to_the_project_root_only() {
        assert_eq!(
            normalised("roles/sno/../../clusters/values-test.yaml").as_deref(),
            Some("clusters/values-test.yaml")
        );
        assert_eq!(
            normalised("charts/app/./values.yaml").as_deref(),
            Some("charts/app/values.yaml")
        );
        assert_eq!(normalised("charts/../../outside.yaml"), None);
    }

    #[test]
    fn an_application_inside_an_acm_policy_is_found() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("policy.yaml"),
            "apiVersion: policy.open-cluster-management.io/v1\nkind: Policy\nmetadata:\n  name: p\nspec:\n  policy-templates:\n    - objectDefinition:\n        spec:\n          object-templates:\n            - objectDefinition:\n                apiVersion: argoproj.io/v1alpha1\n                kind: Application\n                metadata:\n                  name: cluster\n                spec:\n                  source:\n                    path: roles/sno\n                    helm:\n                      valueFiles: [../../values-test.yaml]\n",
        )
        .unwrap();
        let found = nested(dir.path(), &[Arc::from("policy.yaml")]);
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].application.as_str(), found[0].values.path.as_str()),
            ("cluster", "roles/sno")
        );
        assert_eq!(&*found[0].file, "policy.yaml");
    }

    #[test]
    fn only_a_source_that_gives_the_wanted_value_lifts_the_failure() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("charts/app")).unwrap();
        std::fs::write(
            dir.path().join("charts/app/values-prod.yaml"),
            "image:\n  tag: v1\n",
        )
        .unwrap();
        let source = HelmSource {
            application: "app".into(),
            file: Arc::from("apps/app.yaml"),
            rendered: false,
            values: HelmValues {
                path: "charts/app".into(),
                value_files: vec!["values-prod.yaml".into()],
                inline: Some("customer: acme\n".into()),
                values_object: Vec::new(),
                parameters: Vec::new(),
            },
        };
        let sources = [source];
        let limit = installed_with(dir.path(), "charts/app", "image.tag", &sources).unwrap();
        assert!(
            limit.why.contains("`charts/app/values-prod.yaml`"),
            "{}",
            limit.why
        );
        let limit = installed_with(dir.path(), "charts/app", "customer", &sources).unwrap();
        assert!(limit.why.contains("inline `helm.values`"), "{}", limit.why);
        assert!(installed_with(dir.path(), "charts/app", "region", &sources).is_none());
        assert!(installed_with(dir.path(), "charts/other", "customer", &sources).is_none());
    }
}
