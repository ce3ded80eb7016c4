//! Typed views of manifests.
//!
//! A YAML document becomes an [`ObjectMeta`] (apiVersion, kind, name, namespace,
//! labels, annotations — each with its span) plus, for the kinds the model needs,
//! its retained tree. Typed views of those kinds (`MigrationController`, `Proxy`,
//! …) are built from the retained tree and keep the spans of their fields, so
//! rules never look up raw keys and every finding points at the exact token.

pub mod admin_network_policy;
pub mod egress_firewall;
pub mod kinds;
pub mod kustomization;
pub mod limit_range;
pub mod migration_controller;
pub mod mtc;
pub mod namespace;
pub mod network_policy;
pub mod openshift;

use crate::finding::ObjectRef;
use crate::intern::Sym;
pub use crate::string_map::StringMap;
use crate::yaml::{Node, Span};

/// A string value with the span it was read from. `Text<Sym>` holds an
/// interned string ([`Sym`]): the API version, kind and namespace of an
/// object, which thousands of objects repeat.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Text<S = String> {
    pub value: S,
    pub span: Span,
}

impl Text<Sym> {
    /// The scalar at `node`, as interned text.
    pub fn interned(node: &Node<'_>) -> Option<Text<Sym>> {
        node.as_str().map(|value| Text {
            value: Sym::new(value),
            span: node.span,
        })
    }

    pub fn interned_at(node: &Node<'_>, path: &[&str]) -> Option<Text<Sym>> {
        node.at(path).and_then(Text::interned)
    }
}

impl Text {
    /// The scalar at `node`, as text (numbers and booleans included).
    pub fn from_node(node: &Node<'_>) -> Option<Text> {
        node.as_str().map(|value| Text {
            value: value.to_owned(),
            span: node.span,
        })
    }

    pub fn at(node: &Node<'_>, path: &[&str]) -> Option<Text> {
        node.at(path).and_then(Text::from_node)
    }
}

/// An object's metadata, as the model keeps it for every object: the API
/// version, kind and namespace interned ([`Sym`]), the name its own string,
/// the labels and annotations (read only for the kinds the model keeps)
/// one allocation each when present (docs/performance.md, "Memory per object").
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ObjectMeta {
    pub api_version: Text<Sym>,
    pub kind: Text<Sym>,
    pub name: Text,
    pub namespace: Option<Text<Sym>>,
    pub labels: StringMap,
    pub annotations: StringMap,
}

impl ObjectMeta {
    /// The metadata of a Kubernetes object; `None` for documents that are not
    /// objects (no apiVersion, kind or metadata.name).
    pub fn from_node(node: &Node<'_>) -> Option<ObjectMeta> {
        let mut meta = ObjectMeta::from_node_without_maps(node)?;
        meta.read_labels_and_annotations(node);
        Some(meta)
    }

    /// [`ObjectMeta::from_node`] without the labels and annotations, which
    /// most objects' readers never look at: the per-file stage reads them
    /// ([`ObjectMeta::read_labels_and_annotations`]) only for the kinds the
    /// model keeps, or when a declarative rule matches on labels. Building
    /// both maps for every object cost more than the rest of the metadata
    /// on a repository of small files (docs/performance.md).
    pub fn from_node_without_maps(node: &Node<'_>) -> Option<ObjectMeta> {
        let metadata = node.get("metadata");
        Some(ObjectMeta {
            api_version: Text::interned_at(node, &["apiVersion"])?,
            kind: Text::interned_at(node, &["kind"])?,
            name: Text::at(metadata?, &["name"])?,
            namespace: metadata.and_then(|m| Text::interned_at(m, &["namespace"])),
            labels: StringMap::default(),
            annotations: StringMap::default(),
        })
    }

    /// Fills the labels and annotations [`ObjectMeta::from_node_without_maps`] left out.
    pub fn read_labels_and_annotations(&mut self, node: &Node<'_>) {
        self.labels = string_map(node.at(&["metadata", "labels"]));
        self.annotations = string_map(node.at(&["metadata", "annotations"]));
    }

    /// The API group: `networking.k8s.io` for `networking.k8s.io/v1`, `` for `v1`.
    /// (Asked for every object by several passes: a short inline loop, not a
    /// `memrchr` call, for strings this short.)
    pub fn group(&self) -> &str {
        let version = &self.api_version.value;
        version
            .bytes()
            .rposition(|b| b == b'/')
            .and_then(|slash| version.get(..slash))
            .unwrap_or("")
    }

    pub fn is(&self, group: &str, kind: &str) -> bool {
        // Kind first: it differs for almost every object a scan meets.
        self.kind.value == kind && self.group() == group
    }

    pub fn object_ref(&self, namespace: Option<&str>) -> ObjectRef {
        ObjectRef {
            api_version: self.api_version.value.to_string(),
            kind: self.kind.value.to_string(),
            namespace: namespace.map(str::to_owned),
            name: self.name.value.clone(),
        }
    }
}

fn string_map(node: Option<&Node<'_>>) -> StringMap {
    node.map(|n| {
        n.entries()
            .iter()
            .filter_map(|(k, v)| {
                Some((k.as_str()?.to_owned(), v.as_str().unwrap_or("").to_owned()))
            })
            .collect()
    })
    .unwrap_or_default()
}

/// What a document is, for dvmlint.
pub enum DocumentKind {
    Object(Box<ObjectMeta>),
    /// `install-config.yaml` (docs/input.md): `apiVersion: v1` + `baseDomain` + `networking`/`platform`.
    InstallConfig,
    Kustomization,
    /// Anything else (CI files, Helm values, …): skipped silently.
    Other,
}

pub fn classify(node: &Node<'_>, file_name: &str) -> DocumentKind {
    classify_with(node, file_name, ObjectMeta::from_node)
}

/// [`classify`], an object's metadata read without its labels and annotations
/// ([`ObjectMeta::from_node_without_maps`]).
pub fn classify_without_maps(node: &Node<'_>, file_name: &str) -> DocumentKind {
    classify_with(node, file_name, ObjectMeta::from_node_without_maps)
}

fn classify_with(
    node: &Node<'_>,
    file_name: &str,
    meta: fn(&Node<'_>) -> Option<ObjectMeta>,
) -> DocumentKind {
    if let Some(meta) = meta(node) {
        return DocumentKind::Object(Box::new(meta));
    }
    if node.get("apiVersion").and_then(Node::as_str) == Some("v1")
        && node.get("baseDomain").is_some()
        && (node.get("networking").is_some() || node.get("platform").is_some())
    {
        return DocumentKind::InstallConfig;
    }
    let kind = node.get("kind").and_then(Node::as_str);
    if kustomization::is_kustomization_file(file_name) && kustomization::is_kustomization_kind(kind)
    {
        return DocumentKind::Kustomization;
    }
    DocumentKind::Other
}

/// The items of a `List` / `*List` document (`kind: List`, `ConfigMapList`, …),
/// or the `objects` of an OpenShift `Template` (what `oc process` makes of
/// it): the objects the document becomes. `None` when it is neither.
pub fn list_items<'n, 'a>(node: &'n Node<'a>) -> Option<&'n [Node<'a>]> {
    let kind = node.get("kind")?.as_str()?;
    let api_version = node.get("apiVersion")?.as_str()?;
    if kind == "List" || kind.ends_with("List") {
        Some(node.get("items").map_or(&[], Node::items))
    } else if kind == "Template" && matches!(api_version, "template.openshift.io/v1" | "v1") {
        Some(node.get("objects").map_or(&[], Node::items))
    } else {
        None
    }
}

/// A value holding an OpenShift Template parameter (`${NAME}`, `${{NAME}}`),
/// which `oc process` replaces: an unknown value, not a placeholder.
pub fn is_template_parameter(text: &str) -> bool {
    text.find("${")
        .is_some_and(|start| text.get(start..).is_some_and(|rest| rest.contains('}')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_group_is_the_api_version_before_its_last_slash() {
        let group = |api_version: &str| {
            let text = format!("apiVersion: {api_version}\nkind: K\nmetadata: {{name: n}}\n");
            let parsed = crate::yaml::parse_chunk(&text, 1, crate::yaml::Limits::default());
            ObjectMeta::from_node(&parsed.documents[0])
                .unwrap()
                .group()
                .to_owned()
        };
        assert_eq!(group("networking.k8s.io/v1"), "networking.k8s.io");
        assert_eq!(group("v1"), "");
        assert_eq!(group("a/b/v1"), "a/b");
        assert_eq!(group("/v1"), "");
    }

    #[test]
    fn labels_are_a_sorted_map_in_one_allocation() {
        let text = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {b: '2', a: '1', c: x}\n";
        let parsed = crate::yaml::parse_chunk(text, 1, crate::yaml::Limits::default());
        let meta = ObjectMeta::from_node(&parsed.documents[0]).unwrap();
        let labels = &meta.labels;
        assert_eq!(labels.len(), 3);
        assert_eq!(labels.get("a").map(String::as_str), Some("1"));
        assert_eq!(labels.get("c").map(String::as_str), Some("x"));
        assert!(
            labels.get("d").is_none() && !labels.contains_key("") && meta.annotations.is_empty()
        );
        let keys: Vec<&String> = labels.iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["a", "b", "c"]);
        // Read as a map, the last value of a key wins; stored and printed as a map.
        let map: StringMap = [("k", "1"), ("k", "2")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        assert_eq!(map.get("k").map(String::as_str), Some("2"));
        assert_eq!(
            format!("{labels:?}"),
            format!("{:?}", labels.to_btree_map())
        );
        let json = serde_json::to_string(labels).unwrap();
        assert_eq!(json, r#"{"a":"1","b":"2","c":"x"}"#);
        assert_eq!(&serde_json::from_str::<StringMap>(&json).unwrap(), labels);
    }

    #[test]
    fn templates_become_their_objects() {
        let text = "apiVersion: template.openshift.io/v1\nkind: Template\nmetadata: {name: t}\nobjects:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\nparameters: [{name: NS}]\n";
        let parsed = crate::yaml::parse_chunk(text, 1, crate::yaml::Limits::default());
        assert_eq!(list_items(&parsed.documents[0]).map(<[_]>::len), Some(1));
        assert!(is_template_parameter("${NAMESPACE}"));
        assert!(is_template_parameter("10.0.0.0/${PREFIX}"));
        assert!(is_template_parameter("${{REPLICAS}}"));
        assert!(!is_template_parameter("$HOME"));
        assert!(!is_template_parameter("app1"));
    }
}
