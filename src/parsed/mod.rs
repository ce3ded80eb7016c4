//! The per-file results: what the per-file stage (`lint::file`) makes of one
//! file and the model reads. Plain data, shared by the stages on either side:
//! it depends on the layers below it (`manifest`, `yaml`, `finding`,
//! `suppress`) and on no stage, so the flow runs one way (`lint` → `model` →
//! `parsed`, never back). Stored as is in `.dvmlint-cache/`.

use std::sync::Arc;

use crate::finding::Finding;
use crate::intern::Sym;
use crate::manifest::egress_firewall::{FirewallFlavor, FirewallManifest};
use crate::manifest::kustomization::Kustomization;
use crate::manifest::network_policy::NetworkPolicyView;
use crate::manifest::openshift::InstallConfig;
use crate::manifest::{ObjectMeta, kinds};
use crate::suppress::Suppression;
use crate::yaml::{Node, Span};

/// An object as the model sees it: its metadata, where its document starts, and
/// its tree when some cross-file rule reads its kind.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Object {
    pub file: Arc<str>,
    /// Boxed: one allocation of 128 bytes (its repeated strings interned,
    /// docs/performance-history.md, "Memory per object"), made once in the per-file
    /// stage by the classifier and moved into the object. In place, the
    /// object's `Arc` block would be 208 bytes, mimalloc's 224-byte class:
    /// as much as the two blocks (96 + 128) together, so boxing costs nothing.
    pub meta: Box<ObjectMeta>,
    /// First line of its document (or List item): where a document-wide
    /// suppression comment goes.
    pub doc_line: u32,
    /// Its name or namespace is shaped like a documentation placeholder
    /// (`template_placeholder::names_may_be_placeholders`, found with its
    /// metadata in the processor's cache): the model lists such objects for
    /// DVM402's names check. In the padding after `doc_line`.
    #[serde(default)]
    pub named_placeholder: bool,
    /// For one of the `objects` of an OpenShift Template, which Template of
    /// its file (1 for the first, saturating); 0 for any other object. Such
    /// objects exist only once `oc process` makes them, one Template at a
    /// time: they are applied with the other objects of their Template
    /// alone (DVM401). In the padding after `doc_line`.
    #[serde(default)]
    pub template: u16,
    /// A StatefulSet that makes no volume claim (no `volumeClaimTemplates`)
    /// and mounts none: it gives DVM nothing to copy, so it does not make its
    /// namespace one DVM migrates when the namespaces are guessed
    /// (`model::not_migrated::holds_volumes`). False for every other object.
    /// The last byte of the padding after `doc_line`.
    #[serde(default)]
    pub without_volumes: bool,
    /// What the model keeps of it when some cross-file rule reads its kind.
    /// Boxed: one pointer (a `Body` is 16 bytes, and most objects have
    /// none), which keeps the object at 64 bytes, its `Arc` block in
    /// mimalloc's 80-byte class instead of the 96-byte one (the ~30,000
    /// kept bodies of 246,317 objects at 1 GB pay 16 bytes each for it).
    pub body: Option<Box<Body>>,
    /// Where it lands once applied, as far as its own document says; the
    /// model gives an unbound object the namespace of its nearest
    /// kustomization (docs/input.md).
    pub scope: Scope,
    /// What makes it itself once applied, hashed ([`identity`]): found
    /// here, while its metadata is still in the processor's cache, rather than
    /// by the model, which would read every object's metadata again cold.
    pub identity: u64,
}

/// What the model keeps of an object whose kind some cross-file rule reads
/// (`manifest::kinds`). A repository holds thousands of NetworkPolicies and
/// egress firewalls: they are read into their views here, while their tree is
/// in the processor's cache, and the tree is not kept. The other kinds are a
/// few per cluster, read by several derivations: their tree is kept (a
/// Namespace's cut to what rules read, `manifest::namespace::kept_tree`).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Body {
    Tree(Box<Node<'static>>),
    /// Shared with the network model, which indexes them per cluster.
    NetworkPolicy(Arc<NetworkPolicyView>),
    /// An `EgressNetworkPolicy` or `EgressFirewall`.
    Firewall(Arc<FirewallManifest>),
}

impl Body {
    /// A NetworkPolicy's view holds its evaluator policy in its own
    /// namespace (`""` when it has none), which the network model shares
    /// wherever the policy applies in that namespace. `None` for an Argo CD
    /// Application that installs no chart with values of its own: nothing
    /// reads it (`crate::manifest::argo`).
    pub fn read(meta: &ObjectMeta, node: &Node<'_>) -> Option<Box<Body>> {
        if meta.group() == crate::manifest::argo::GROUP
            && !crate::manifest::argo::installs_with_values(
                node,
                meta.kind.value == "ApplicationSet",
            )
        {
            return None;
        }
        Some(Box::new(Body::read_unboxed(meta, node)))
    }

    fn read_unboxed(meta: &ObjectMeta, node: &Node<'_>) -> Body {
        if meta.is("networking.k8s.io", "NetworkPolicy") {
            let namespace = own_scope(meta);
            Body::NetworkPolicy(Arc::new(NetworkPolicyView::from_node(
                node,
                &meta.name_text(),
                namespace.namespace().unwrap_or(""),
            )))
        } else if let Some(flavor) = FirewallFlavor::of(meta) {
            Body::Firewall(Arc::new(FirewallManifest::from_node(flavor, node)))
        } else if meta.is("", "Namespace") {
            Body::Tree(Box::new(crate::manifest::namespace::kept_tree(node)))
        } else {
            Body::Tree(Box::new(node.to_owned_node()))
        }
    }
}

impl Object {
    /// The kept tree (the kinds read as trees, see [`Body`]).
    pub fn tree(&self) -> Option<&Node<'static>> {
        match self.body.as_deref() {
            Some(Body::Tree(node)) => Some(node),
            _ => None,
        }
    }

    pub fn network_policy(&self) -> Option<&Arc<NetworkPolicyView>> {
        match self.body.as_deref() {
            Some(Body::NetworkPolicy(view)) => Some(view),
            _ => None,
        }
    }

    pub fn firewall(&self) -> Option<&Arc<FirewallManifest>> {
        match self.body.as_deref() {
            Some(Body::Firewall(manifest)) => Some(manifest),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct LocatedInstallConfig {
    pub file: Arc<str>,
    pub config: InstallConfig,
}

/// What one file contributes.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct FileResult {
    pub rel: Arc<str>,
    /// The cluster the file belongs to (`FileSettings::cluster_of`), found
    /// once here for the document rules and the model alike.
    pub cluster: Option<Arc<str>>,
    pub documents: usize,
    /// Shared with the model (`model::ModelObject`), so the language server
    /// builds a model of its kept results without copying them.
    pub objects: Vec<Arc<Object>>,
    /// Set by a rendering stage on the results of a build's output: these
    /// objects belong to that apply unit (`units::UnitId`) alone, whatever
    /// `rel` names (the source file a user edits). `None` for a file's own
    /// objects, which belong to the units the file is a member of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<usize>,
    /// Findings of the input and document rules.
    pub findings: Vec<Finding>,
    /// What few files hold, boxed so that the result every file has stays
    /// small: the merge and the model read each one after it has left the
    /// processor's cache.
    pub extras: Option<Box<FileExtras>>,
}

/// The parts of a [`FileResult`] that most files do not have.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct FileExtras {
    pub install_configs: Vec<LocatedInstallConfig>,
    pub kustomization: Option<Kustomization>,
    /// Passwords and Secret values seen in the file, to be masked in every output.
    pub secrets: Vec<String>,
    /// The scalars they were read from (snippets mask them whole when the
    /// source spells the secret differently).
    pub secret_spans: Vec<Span>,
    /// Suppression comments and `dvmlint.dev/ignore` annotations (docs/suppressions.md).
    pub suppressions: Vec<Suppression>,
    /// Folders a command of the file builds with Kustomize's load restrictor
    /// off (`render::unrestricted::commands`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unrestricted_builds: Vec<String>,
    /// The file holds an Argo CD instance (or `argocd-cm`) that builds
    /// without the load restrictor (`render::unrestricted::argocd_lifts`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub argocd_unrestricted: bool,
}

impl FileResult {
    /// The extras, made on first use.
    pub fn extras_mut(&mut self) -> &mut FileExtras {
        self.extras.get_or_insert_with(Box::default)
    }

    pub fn install_configs(&self) -> &[LocatedInstallConfig] {
        self.extras
            .as_deref()
            .map_or(&[], |extras| extras.install_configs.as_slice())
    }

    pub fn kustomization(&self) -> Option<&Kustomization> {
        self.extras.as_deref()?.kustomization.as_ref()
    }
}

/// What the report keeps of a file's result (the model keeps its objects).
#[derive(Default)]
pub struct Reported {
    pub findings: Vec<Finding>,
    pub suppressions: Vec<Suppression>,
    pub secrets: Vec<String>,
    pub secret_spans: Vec<Span>,
}

/// A per-file result as the stages after the per-file one take it apart
/// (the report its findings, the model its objects): owned by the run (the
/// CLI's), whose parts are moved out, or lent by the language server, which
/// keeps its results from one lint to the next, whose parts are copied (the
/// objects only shared). A lint of kept results thus copies what the run
/// keeps, not every result whole.
pub trait TakeParts: std::borrow::Borrow<FileResult> {
    type Objects: Iterator<Item = Arc<Object>>;

    /// The result, to read.
    fn result(&self) -> &FileResult {
        self.borrow()
    }

    /// The findings, suppressions and secrets.
    fn take_reported(&mut self) -> Reported;

    fn take_install_configs(&mut self) -> Vec<LocatedInstallConfig>;

    fn take_objects(&mut self) -> Self::Objects;
}

impl TakeParts for FileResult {
    type Objects = std::vec::IntoIter<Arc<Object>>;

    fn take_reported(&mut self) -> Reported {
        let findings = std::mem::take(&mut self.findings);
        match self.extras.as_deref_mut() {
            Some(extras) => Reported {
                findings,
                suppressions: std::mem::take(&mut extras.suppressions),
                secrets: std::mem::take(&mut extras.secrets),
                secret_spans: std::mem::take(&mut extras.secret_spans),
            },
            None => Reported {
                findings,
                ..Reported::default()
            },
        }
    }

    fn take_install_configs(&mut self) -> Vec<LocatedInstallConfig> {
        match self.extras.as_deref_mut() {
            Some(extras) => std::mem::take(&mut extras.install_configs),
            None => Vec::new(),
        }
    }

    /// Taken, not drained: the file's vector is freed as soon as its
    /// objects are placed, not with all the results at the end.
    fn take_objects(&mut self) -> Self::Objects {
        std::mem::take(&mut self.objects).into_iter()
    }
}

/// A result of the run's own, as the per-file stage left it: boxed (the
/// model frees each once its objects are taken).
impl TakeParts for Box<FileResult> {
    type Objects = std::vec::IntoIter<Arc<Object>>;

    fn take_reported(&mut self) -> Reported {
        (**self).take_reported()
    }

    fn take_install_configs(&mut self) -> Vec<LocatedInstallConfig> {
        (**self).take_install_configs()
    }

    fn take_objects(&mut self) -> Self::Objects {
        (**self).take_objects()
    }
}

impl<'r> TakeParts for &'r FileResult {
    type Objects = std::iter::Cloned<std::slice::Iter<'r, Arc<Object>>>;

    fn take_reported(&mut self) -> Reported {
        let extras = self.extras.as_deref();
        Reported {
            findings: self.findings.clone(),
            suppressions: extras.map_or_else(Vec::new, |e| e.suppressions.clone()),
            secrets: extras.map_or_else(Vec::new, |e| e.secrets.clone()),
            secret_spans: extras.map_or_else(Vec::new, |e| e.secret_spans.clone()),
        }
    }

    fn take_install_configs(&mut self) -> Vec<LocatedInstallConfig> {
        self.install_configs().to_vec()
    }

    fn take_objects(&mut self) -> Self::Objects {
        // The lent result itself (copied out of `self`), which outlives
        // this borrow of it.
        let result = *self;
        result.objects.iter().cloned()
    }
}

/// Where an object lives once applied.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Scope {
    /// A cluster-scoped kind.
    Cluster,
    /// Interned: the same string as the object's `metadata.namespace`.
    Namespace(Sym),
    /// Namespaced, but neither `metadata.namespace` nor a kustomization names
    /// its namespace: it lands in whatever namespace it is applied to (docs/input.md).
    Unbound,
}

impl Scope {
    pub fn namespace(&self) -> Option<&str> {
        match self {
            Scope::Namespace(ns) => Some(ns),
            Scope::Cluster | Scope::Unbound => None,
        }
    }
}

/// Where an object lands as far as its own document says: cluster-scoped,
/// its own namespace, else unbound (until a kustomization names one). A
/// Template parameter (`namespace: ${NAMESPACE}`) is an unknown namespace:
/// unbound, like an object applied with `-n`.
pub fn own_scope(meta: &ObjectMeta) -> Scope {
    if kinds::is_cluster_scoped(meta.group(), &meta.kind.value) {
        Scope::Cluster
    } else if let Some(ns) = &meta.namespace
        && !crate::manifest::is_template_parameter(&ns.value)
    {
        Scope::Namespace(ns.value.clone())
    } else {
        Scope::Unbound
    }
}

/// The hash of [`ModelObject::identity`], from the cluster's name: fixed, so
/// that runs agree. `name` is the object's own, or the one its apply unit
/// gives it.
pub fn identity(cluster: Option<&str>, meta: &ObjectMeta, scope: &Scope, name: &str) -> u64 {
    use std::hash::BuildHasher as _;
    let key = (cluster, meta.group(), meta.kind.value.as_str(), scope, name);
    foldhash::fast::FixedState::with_seed(0).hash_one(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What every object costs the model beside its name and its kept body
    /// (docs/performance-history.md, "Memory per object"): a change that grows these
    /// grows the peak memory of every run by that much per object.
    #[test]
    fn an_object_and_its_metadata_stay_compact() {
        // 64 bytes: with the `Arc`'s two counts, mimalloc's 80-byte class
        // (72 took a 96-byte block).
        assert!(
            std::mem::size_of::<Object>() <= 64,
            "{}",
            std::mem::size_of::<Object>()
        );
        // 88 bytes: mimalloc's 96-byte size class (128 took a 128-byte
        // block, 152 a 160-byte one, 168 a 192-byte one).
        assert!(
            std::mem::size_of::<ObjectMeta>() <= 88,
            "{}",
            std::mem::size_of::<ObjectMeta>()
        );
        assert_eq!(std::mem::size_of::<Scope>(), 16);
    }

    /// Objects of one thread share the strings their metadata repeats.
    #[test]
    fn repeated_metadata_strings_are_shared() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a, namespace: shop}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: b, namespace: shop}\n";
        let parsed = crate::yaml::parse_chunk(text, 1, crate::yaml::Limits::default());
        let metas: Vec<ObjectMeta> = parsed
            .documents
            .iter()
            .filter_map(ObjectMeta::from_node)
            .collect();
        let [a, b] = metas.as_slice() else {
            panic!("two objects expected, got {metas:?}")
        };
        let same = |x: &str, y: &str| std::ptr::eq(x.as_ptr(), y.as_ptr());
        assert!(same(&a.kind.value, &b.kind.value));
        assert!(same(&a.api_version.value, &b.api_version.value));
        let (Scope::Namespace(na), Scope::Namespace(nb)) = (own_scope(a), own_scope(b)) else {
            panic!("namespaced objects expected")
        };
        assert!(same(&na, &nb));
        assert!(same(
            &na,
            a.namespace.as_ref().map_or("", |n| n.value.as_str())
        ));
        assert_eq!(a.name.value, "a");
    }
}
