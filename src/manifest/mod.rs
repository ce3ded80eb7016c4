//! Typed views of manifests.
//!
//! A YAML document becomes an [`ObjectMeta`] (apiVersion, kind, name, namespace —
//! each with its span — and labels) plus, for the kinds the model needs,
//! its retained tree. Typed views of those kinds (`MigrationController`, `Proxy`,
//! …) are built from the retained tree and keep the spans of their fields, so
//! rules never look up raw keys and every finding points at the exact token.

pub mod admin_network_policy;
pub mod argo;
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
use crate::yaml::{LineSpan, Node, Span};

/// A string value with the span it was read from. `Text<Sym>` holds an
/// interned string ([`Sym`]): the API version, kind and namespace of an
/// object, which thousands of objects repeat.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Text<S = String, P = Span> {
    pub value: S,
    pub span: P,
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
/// each with its span on one line in 8 bytes ([`LineSpan`]; read them with
/// [`ObjectMeta::name_span`] and its siblings); the labels (read only for
/// the kinds the model keeps and for declarative rules that match on them)
/// and the spans a [`LineSpan`]
/// cannot hold behind one pointer, which most objects leave empty. 88
/// bytes, mimalloc's 96-byte class (was 128; docs/performance.md, "Memory
/// per object"). Stored in the cache as it was with whole spans.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(from = "MetaWire")]
pub struct ObjectMeta {
    pub api_version: Text<Sym, LineSpan>,
    pub kind: Text<Sym, LineSpan>,
    pub name: Text<String, LineSpan>,
    pub namespace: Option<Text<Sym, LineSpan>>,
    extra: Option<Box<MetaExtra>>,
}

/// What few objects' metadata holds (see [`ObjectMeta`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct MetaExtra {
    labels: StringMap,
    /// The four spans whole (API version, kind, name, namespace), when one
    /// of them does not fit a [`LineSpan`]: those are [`LineSpan::ELSEWHERE`].
    wide: Option<Box<[Span; 4]>>,
}

impl ObjectMeta {
    /// Metadata of these texts, without labels.
    pub fn new(
        api_version: Text<Sym>,
        kind: Text<Sym>,
        name: Text,
        namespace: Option<Text<Sym>>,
    ) -> ObjectMeta {
        let spans = [
            api_version.span,
            kind.span,
            name.span,
            namespace.as_ref().map_or_else(Span::default, |n| n.span),
        ];
        let fits = spans.iter().all(|span| LineSpan::new(*span).is_some());
        let short = |span: Span| LineSpan::new(span).unwrap_or(LineSpan::ELSEWHERE);
        ObjectMeta {
            api_version: Text {
                value: api_version.value,
                span: short(api_version.span),
            },
            kind: Text {
                value: kind.value,
                span: short(kind.span),
            },
            name: Text {
                value: name.value,
                span: short(name.span),
            },
            namespace: namespace.map(|n| Text {
                value: n.value,
                span: short(n.span),
            }),
            extra: (!fits).then(|| {
                Box::new(MetaExtra {
                    wide: Some(Box::new(spans)),
                    ..MetaExtra::default()
                })
            }),
        }
    }

    /// The metadata of a Kubernetes object; `None` for documents that are not
    /// objects (no apiVersion, kind or metadata.name).
    pub fn from_node(node: &Node<'_>) -> Option<ObjectMeta> {
        let mut meta = ObjectMeta::from_node_without_maps(node)?;
        meta.read_labels(node);
        Some(meta)
    }

    /// [`ObjectMeta::from_node`] without the labels, which most objects'
    /// readers never look at: the per-file stage reads them
    /// ([`ObjectMeta::read_labels`]) only for the kinds the model keeps, or
    /// when a declarative rule matches on labels. Building the map for every
    /// object cost more than the rest of the metadata on a repository of
    /// small files (docs/performance.md).
    pub fn from_node_without_maps(node: &Node<'_>) -> Option<ObjectMeta> {
        let metadata = node.get("metadata");
        Some(ObjectMeta::new(
            Text::interned_at(node, &["apiVersion"])?,
            Text::interned_at(node, &["kind"])?,
            Text::at(metadata?, &["name"])?,
            metadata.and_then(|m| Text::interned_at(m, &["namespace"])),
        ))
    }

    /// Fills the labels [`ObjectMeta::from_node_without_maps`] left out.
    /// Annotations are not kept: no cross-file rule reads an object's
    /// annotations from its metadata (the Namespace annotations two rules
    /// compare are in its kept tree, `namespace::kept_tree`), and the
    /// document rules read the document itself.
    pub fn read_labels(&mut self, node: &Node<'_>) {
        self.set_labels(string_map(node.at(&["metadata", "labels"])));
    }

    /// Replaces the labels (an empty map: none kept).
    pub fn set_labels(&mut self, labels: StringMap) {
        let wide = self.extra.take().and_then(|extra| extra.wide);
        self.extra =
            (!labels.is_empty() || wide.is_some()).then(|| Box::new(MetaExtra { labels, wide }));
    }

    pub fn labels(&self) -> &StringMap {
        self.extra
            .as_deref()
            .map_or(&StringMap::EMPTY, |e| &e.labels)
    }

    /// Span `index` of [`MetaExtra::wide`] where `short` does not hold it.
    fn span_of(&self, short: LineSpan, index: usize) -> Span {
        short.span().unwrap_or_else(|| {
            self.extra
                .as_deref()
                .and_then(|e| e.wide.as_deref())
                .and_then(|wide| wide.get(index).copied())
                .unwrap_or_default()
        })
    }

    pub fn api_version_span(&self) -> Span {
        self.span_of(self.api_version.span, 0)
    }

    pub fn kind_span(&self) -> Span {
        self.span_of(self.kind.span, 1)
    }

    pub fn name_span(&self) -> Span {
        self.span_of(self.name.span, 2)
    }

    /// The span of `metadata.namespace`, when written.
    pub fn namespace_span(&self) -> Option<Span> {
        let namespace = self.namespace.as_ref()?;
        Some(self.span_of(namespace.span, 3))
    }

    /// The name with its whole span.
    pub fn name_text(&self) -> Text {
        Text {
            value: self.name.value.clone(),
            span: self.name_span(),
        }
    }

    /// The API group that serves the object ([`group_of`]): `networking.k8s.io`
    /// for `networking.k8s.io/v1`, `` for `v1`, the OpenShift group of a
    /// legacy spelling.
    pub fn group(&self) -> &str {
        group_of(&self.api_version.value, &self.kind.value)
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

/// [`ObjectMeta`] as the cache stores it: the fields it had before its
/// spans were made compact, in the same order, so the cache's format did
/// not change.
#[derive(serde::Deserialize)]
#[serde(rename = "ObjectMeta")]
struct MetaWire {
    api_version: Text<Sym>,
    kind: Text<Sym>,
    name: Text,
    namespace: Option<Text<Sym>>,
    labels: StringMap,
}

impl From<MetaWire> for ObjectMeta {
    fn from(wire: MetaWire) -> ObjectMeta {
        let mut meta = ObjectMeta::new(wire.api_version, wire.kind, wire.name, wire.namespace);
        meta.set_labels(wire.labels);
        meta
    }
}

/// A [`Text`] lent to the serializer, in its whole span.
#[derive(serde::Serialize)]
#[serde(rename = "Text")]
struct TextOut<'a, S> {
    value: &'a S,
    span: Span,
}

impl serde::Serialize for ObjectMeta {
    fn serialize<Ser: serde::Serializer>(&self, serializer: Ser) -> Result<Ser::Ok, Ser::Error> {
        #[derive(serde::Serialize)]
        #[serde(rename = "ObjectMeta")]
        struct Out<'a> {
            api_version: TextOut<'a, Sym>,
            kind: TextOut<'a, Sym>,
            name: TextOut<'a, String>,
            namespace: Option<TextOut<'a, Sym>>,
            labels: &'a StringMap,
        }
        Out {
            api_version: TextOut {
                value: &self.api_version.value,
                span: self.api_version_span(),
            },
            kind: TextOut {
                value: &self.kind.value,
                span: self.kind_span(),
            },
            name: TextOut {
                value: &self.name.value,
                span: self.name_span(),
            },
            namespace: self.namespace.as_ref().map(|n| TextOut {
                value: &n.value,
                span: self.namespace_span().unwrap_or_default(),
            }),
            labels: self.labels(),
        }
        .serialize(serializer)
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

/// [`classify`], an object's metadata read without its labels
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

/// The API group that serves an object of `kind` written with `api_version`:
/// the part before the last `/`, `` for a version alone (the core group), but
/// for two legacy spellings of OpenShift 3.x, where MTC migrates from
/// (docs/input.md, "Legacy API versions"):
/// - `apiVersion: v1` for an OpenShift kind ([`legacy_openshift_group`]): the
///   API OpenShift 3 served before its groups; `oc` still sends such an
///   object to its group on OpenShift 4 (with a deprecation warning);
/// - `extensions/v1beta1` for a `NetworkPolicy`: served by Kubernetes up to
///   1.15 (OpenShift 3.x), the same object as `networking.k8s.io/v1`.
///
/// (Asked for every object by several passes: a short inline loop, not a
/// `memrchr` call, for strings this short.)
pub fn group_of<'a>(api_version: &'a str, kind: &str) -> &'a str {
    match api_version.bytes().rposition(|b| b == b'/') {
        Some(slash) => {
            let group = api_version.get(..slash).unwrap_or("");
            if group == "extensions" && kind == "NetworkPolicy" {
                "networking.k8s.io"
            } else {
                group
            }
        }
        None if api_version == "v1" => legacy_openshift_group(kind),
        None => "",
    }
}

/// The group of an OpenShift kind written `apiVersion: v1` (OpenShift 3's
/// API before its groups, which `oc` maps to these: its "non-groupified
/// API resources"); `` (the core group) for any other kind.
fn legacy_openshift_group(kind: &str) -> &'static str {
    match kind {
        "DeploymentConfig" => "apps.openshift.io",
        "Build" | "BuildConfig" => "build.openshift.io",
        "ImageStream" | "ImageStreamTag" | "ImageStreamImport" => "image.openshift.io",
        "EgressNetworkPolicy" | "ClusterNetwork" | "HostSubnet" | "NetNamespace" => {
            "network.openshift.io"
        }
        "Project" | "ProjectRequest" => "project.openshift.io",
        "ClusterResourceQuota" => "quota.openshift.io",
        "Route" => "route.openshift.io",
        "SecurityContextConstraints" => "security.openshift.io",
        "Template" => "template.openshift.io",
        _ => "",
    }
}

/// The items of a `List` / `*List` document (`kind: List`, `ConfigMapList`, …),
/// or the `objects` of an OpenShift `Template` (what `oc process` makes of
/// it): the objects the document becomes. `None` when it is neither.
pub fn list_items<'n, 'a>(node: &'n Node<'a>) -> Option<&'n [Node<'a>]> {
    let kind = node.get("kind")?.as_str()?;
    let api_version = node.get("apiVersion")?.as_str()?;
    if kind == "List" || kind.ends_with("List") {
        Some(node.get("items").map_or(&[], Node::items))
    } else if kind == "Template" && is_template_api(api_version) {
        Some(node.get("objects").map_or(&[], Node::items))
    } else {
        None
    }
}

/// Whether the document is an OpenShift `Template`, whose `objects` exist only
/// once `oc process` makes them, one Template at a time ([`list_items`]).
pub fn is_template(node: &Node<'_>) -> bool {
    node.get("kind").and_then(Node::as_str) == Some("Template")
        && node
            .get("apiVersion")
            .and_then(Node::as_str)
            .is_some_and(is_template_api)
}

/// The API versions an OpenShift `Template` is written with.
fn is_template_api(api_version: &str) -> bool {
    matches!(api_version, "template.openshift.io/v1" | "v1")
}

/// A value holding an OpenShift Template parameter (`${NAME}`, `${{NAME}}`),
/// which `oc process` replaces: an unknown value, not a placeholder.
pub fn is_template_parameter(text: &str) -> bool {
    text.find("${")
        .is_some_and(|start| text.get(start..).is_some_and(|rest| rest.contains('}')))
}

/// A DNS-1123 label, `[a-z0-9]([-a-z0-9]*[a-z0-9])?` of at most 63
/// characters: what the API server accepts as a namespace's name (and
/// Helm as a release's). A `metadata.namespace` that is not one
/// (`PLACEHOLDER_NAMESPACE`, `${namespace}`) is a value some tool fills in.
pub fn is_dns_label(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes
            .iter()
            .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && bytes.first() != Some(&b'-')
        && bytes.last() != Some(&b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_legacy_spelling_is_the_group_that_serves_its_kind() {
        for (api_version, kind, group) in [
            ("networking.k8s.io/v1", "NetworkPolicy", "networking.k8s.io"),
            ("extensions/v1beta1", "NetworkPolicy", "networking.k8s.io"),
            ("extensions/v1beta1", "Ingress", "extensions"),
            ("v1", "EgressNetworkPolicy", "network.openshift.io"),
            ("v1", "Route", "route.openshift.io"),
            ("v1", "Project", "project.openshift.io"),
            ("v1", "ConfigMap", ""),
            ("v2", "EgressNetworkPolicy", ""),
            ("k8s.ovn.org/v1", "EgressNetworkPolicy", "k8s.ovn.org"),
        ] {
            assert_eq!(group_of(api_version, kind), group, "{api_version} {kind}");
        }
    }

    /// Spans a `LineSpan` cannot hold are kept whole beside it, and the
    /// cache stores the metadata as it did with whole spans.
    #[test]
    fn metadata_spans_stay_exact_and_are_stored_whole() {
        let meta_of = |text: &str| {
            let parsed = crate::yaml::parse_chunk(text, 1, crate::yaml::Limits::default());
            ObjectMeta::from_node(&parsed.documents[0]).unwrap()
        };
        let short =
            meta_of("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  namespace: x\n");
        assert!(short.extra.is_none());
        let span = |l1, c1, l2, c2| {
            Span::new(crate::yaml::Pos::new(l1, c1), crate::yaml::Pos::new(l2, c2))
        };
        assert_eq!(short.api_version_span(), span(1, 13, 1, 15));
        assert_eq!(short.kind_span(), span(2, 7, 2, 16));
        assert_eq!(short.name_span(), span(4, 9, 4, 13));
        assert_eq!(short.namespace_span(), Some(span(5, 14, 5, 15)));
        let json = serde_json::to_string(&short).unwrap();
        assert_eq!(
            json,
            r#"{"api_version":{"value":"v1","span":{"start":[1,13],"end":[1,15]}},"kind":{"value":"Namespace","span":{"start":[2,7],"end":[2,16]}},"name":{"value":"shop","span":{"start":[4,9],"end":[4,13]}},"namespace":{"value":"x","span":{"start":[5,14],"end":[5,15]}},"labels":{}}"#
        );
        assert_eq!(serde_json::from_str::<ObjectMeta>(&json).unwrap(), short);

        // A name past column 65,535 and one over two lines.
        let span_at = |text: &str, path: &[&str]| {
            let parsed = crate::yaml::parse_chunk(text, 1, crate::yaml::Limits::default());
            parsed.documents[0].at(path).unwrap().span
        };
        let pad = " ".repeat(70_000);
        let far_text =
            format!("{{apiVersion: v1, kind: ConfigMap,{pad} metadata: {{name: far}}}}\n");
        let far = meta_of(&far_text);
        let far_name = span_at(&far_text, &["metadata", "name"]);
        assert!(far_name.start.col > 65_535);
        assert_eq!(far.name_span(), far_name);
        assert_eq!(far.kind_span(), span_at(&far_text, &["kind"]));
        assert_eq!(far.namespace_span(), None);
        let folded_text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {a: b}\n  name: \"two\n    lines\"\n";
        let folded = meta_of(folded_text);
        let folded_name = span_at(folded_text, &["metadata", "name"]);
        assert_eq!(folded.name.value, "two lines");
        assert_ne!(folded_name.start.line, folded_name.end.line);
        assert_eq!(folded.name_span(), folded_name);
        assert_eq!(folded.api_version_span(), span(1, 13, 1, 15));
        assert_eq!(folded.labels().get("a").map(String::as_str), Some("b"));
        for meta in [far, folded] {
            let back: ObjectMeta =
                serde_json::from_str(&serde_json::to_string(&meta).unwrap()).unwrap();
            assert_eq!(back, meta);
            assert_eq!(back.name_span(), meta.name_span());
            // Labels dropped, the whole spans stay.
            let mut bare = meta.clone();
            bare.set_labels(StringMap::default());
            assert!(bare.labels().is_empty());
            assert_eq!(bare.name_span(), meta.name_span());
        }
    }

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
        let labels = meta.labels();
        assert_eq!(labels.len(), 3);
        assert_eq!(labels.get("a").map(String::as_str), Some("1"));
        assert_eq!(labels.get("c").map(String::as_str), Some("x"));
        assert!(labels.get("d").is_none() && !labels.contains_key(""));
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
