//! Typed views of Argo CD's Application and ApplicationSet: which chart
//! folder a source installs, and the values its `helm` block gives it
//! (read by `crate::render::argo`, and by `crate::parsed::Body::read`,
//! which keeps the tree of only such Applications).

use crate::yaml::Node;

/// The API group of Argo CD's Application and ApplicationSet.
pub const GROUP: &str = "argoproj.io";

/// What a source with a `helm` block installs: a chart folder, with values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelmValues {
    /// The chart's folder, `source.path` from the repository's root, without
    /// `./` or a trailing `/` (`""`: the root).
    pub path: String,
    /// `helm.valueFiles`, as written (relative to `path`, or `$ref/…`).
    pub value_files: Vec<String>,
    /// `helm.values`, a string of YAML (`None`: not given, or empty).
    pub inline: Option<String>,
    /// The top-level keys of `helm.valuesObject`.
    pub values_object: Vec<String>,
    /// The names `helm.parameters` set (`image.tag`).
    pub parameters: Vec<String>,
}

/// Whether the Application (or ApplicationSet, `set`) `tree` installs a
/// chart by its path with values: the only ones whose tree the model keeps
/// (`crate::parsed::Body::read`; a GitOps repository may hold thousands of
/// Applications, most without).
pub fn installs_with_values(tree: &Node<'_>, set: bool) -> bool {
    sources_of(tree, set).any(|source| helm_values(source).is_some())
}

/// The `source` and each of the `sources` of the Application (or
/// ApplicationSet's template, `set`) `tree`.
pub fn sources_of<'n, 'a>(tree: &'n Node<'a>, set: bool) -> impl Iterator<Item = &'n Node<'a>> {
    let spec = if set {
        tree.at(&["spec", "template", "spec"])
    } else {
        tree.get("spec")
    };
    let single = spec.and_then(|spec| spec.get("source")).into_iter();
    let many = spec
        .and_then(|spec| spec.get("sources"))
        .map_or(&[][..], Node::items)
        .iter();
    single.chain(many)
}

/// The values a source with a literal `path` and a `helm` block gives;
/// `None` for a source that gives none.
pub fn helm_values(source: &Node<'_>) -> Option<HelmValues> {
    let path = source.get("path")?.as_str()?;
    if path.contains("{{") || path.contains("${") {
        return None;
    }
    let helm = source.get("helm")?;
    let strings = |key: &str| -> Vec<String> {
        helm.get(key)
            .map_or(&[][..], Node::items)
            .iter()
            .filter_map(Node::as_str)
            .map(str::to_owned)
            .collect()
    };
    let value_files = strings("valueFiles");
    let inline = helm
        .get("values")
        .and_then(Node::as_str)
        .filter(|text| !text.trim().is_empty())
        .map(str::to_owned);
    let values_object: Vec<String> = helm
        .get("valuesObject")
        .map_or(&[][..], Node::entries)
        .iter()
        .filter_map(|(key, _)| key.as_str().map(str::to_owned))
        .collect();
    let parameters: Vec<String> = helm
        .get("parameters")
        .map_or(&[][..], Node::items)
        .iter()
        .filter_map(|p| p.get("name")?.as_str().map(str::to_owned))
        .collect();
    if value_files.is_empty()
        && inline.is_none()
        && values_object.is_empty()
        && parameters.is_empty()
    {
        return None;
    }
    Some(HelmValues {
        path: folder(path),
        value_files,
        inline,
        values_object,
        parameters,
    })
}

/// `./charts/app/` as `charts/app`; `.` as `""`.
fn folder(path: &str) -> String {
    path.trim()
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn source_of(text: &str) -> Option<HelmValues> {
        let parsed = crate::yaml::parse_chunk(text, 1, crate::yaml::Limits::default());
        helm_values(parsed.documents[0].at(&["spec", "source"]).unwrap())
    }

    #[test]
    fn a_source_gives_values_by_files_inline_objects_or_parameters() {
        let files = source_of(
            "spec:\n  source:\n    path: ./charts/app/\n    helm:\n      valueFiles: [values-prod.yaml]\n",
        )
        .unwrap();
        assert_eq!(files.path, "charts/app");
        assert_eq!(files.value_files, ["values-prod.yaml"]);
        let inline = source_of(
            "spec:\n  source:\n    path: app\n    helm:\n      values: |\n        a: 1\n",
        )
        .unwrap();
        assert_eq!(inline.inline.as_deref(), Some("a: 1\n"));
        let parameters = source_of(
            "spec:\n  source:\n    path: app\n    helm:\n      parameters:\n        - name: image.tag\n          value: v1\n",
        )
        .unwrap();
        assert_eq!(parameters.parameters, ["image.tag"]);
        // No values, or a templated path: nothing to say.
        assert!(
            source_of("spec:\n  source:\n    path: app\n    helm:\n      releaseName: x\n")
                .is_none()
        );
        assert!(
            source_of("spec:\n  source:\n    path: '{{path}}'\n    helm:\n      values: 'a: 1'\n")
                .is_none()
        );
    }

    #[test]
    fn only_an_application_with_values_for_a_chart_is_kept() {
        fn tree(text: &str) -> Node<'_> {
            crate::yaml::parse_chunk(text, 1, crate::yaml::Limits::default())
                .documents
                .remove(0)
        }
        let plain = tree("spec:\n  source:\n    path: apps/web\n");
        assert!(!installs_with_values(&plain, false));
        let with_values = tree(
            "spec:\n  sources:\n    - path: charts/web\n      helm:\n        valueFiles: [prod.yaml]\n",
        );
        assert!(installs_with_values(&with_values, false));
        let set = tree(
            "spec:\n  template:\n    spec:\n      source:\n        path: charts/web\n        helm:\n          values: 'a: 1'\n",
        );
        assert!(installs_with_values(&set, true));
        assert!(!installs_with_values(&set, false));
    }
}
