//! `kustomization.yaml`: the namespace and name affixes it sets, what it includes (resources,
//! bases, components), and the files it reads that are not objects of their
//! own (patches, transformer and generator configurations).

use crate::yaml::Node;

use super::Text;

pub fn is_kustomization_file(file_name: &str) -> bool {
    matches!(
        file_name,
        "kustomization.yaml" | "kustomization.yml" | "Kustomization"
    )
}

/// `kind:` of a kustomization file: none, `Kustomization`, or `Component`
/// (a reusable piece a kustomization pulls in with `components:`).
pub fn is_kustomization_kind(kind: Option<&str>) -> bool {
    matches!(kind, None | Some("Kustomization" | "Component"))
}

/// Kustomize's own API group, of a kustomization's `apiVersion:`
/// (`kustomize.config.k8s.io/v1beta1`, a Component's `…/v1alpha1`).
const KUSTOMIZE_GROUP: &str = "kustomize.config.k8s.io";

/// Whether a document of a file named as a kustomization is an object of
/// another API group, which Kustomize does not read: a Flux `Kustomization`
/// (`kustomize.toolkit.fluxcd.io/v1`, with a `spec`), handed to `flux build`
/// or applied as the manifest it is. A kustomization with no `apiVersion`, or
/// one of Kustomize's group, is one; so is one whose `apiVersion` names no
/// group (`v1`), which Kustomize reads and refuses.
pub fn is_of_another_group(node: &Node<'_>) -> bool {
    node.get("apiVersion")
        .and_then(Node::as_str)
        .and_then(|version| version.rsplit_once('/'))
        .is_some_and(|(group, _)| group != KUSTOMIZE_GROUP)
}

#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Kustomization {
    /// `namespace:` — applied to namespaced resources below this folder (docs/input.md).
    pub namespace: Option<Text>,
    /// `namePrefix:` and `nameSuffix:` — added to the names of the objects
    /// below this folder (empty: none).
    #[serde(default)]
    pub name_prefix: String,
    #[serde(default)]
    pub name_suffix: String,
    /// Objects a strategic-merge patch written here deletes (`$patch:
    /// delete`), as (kind, name); the units add those of patch files.
    #[serde(default)]
    pub deletes: Vec<(String, String)>,
    /// Files named as patches: partial objects, not objects of their own
    /// (`patchesStrategicMerge`, `patches` by path or as a bare path,
    /// `patchesJson6902`).
    pub patch_files: Vec<String>,
    /// `resources:` and the older `bases:`: files (objects of the build) and
    /// folders (other kustomizations), relative to this file's folder.
    #[serde(default)]
    pub resources: Vec<String>,
    /// `components:`: folders holding a `kind: Component` kustomization.
    #[serde(default)]
    pub components: Vec<String>,
    /// Files read to build, never applied: `configurations`, `transformers`,
    /// `generators`, `validators`, `crds`, `replacements[].path`.
    #[serde(default)]
    pub inputs: Vec<String>,
    /// `kind: Component`: applied only as part of a kustomization that lists
    /// it under `components:`, never on its own.
    #[serde(default)]
    pub component: bool,
}

impl Kustomization {
    pub fn from_node(node: &Node<'_>) -> Kustomization {
        let mut patch_files = Vec::new();
        for key in ["patchesStrategicMerge", "patches", "patchesJson6902"] {
            for item in node.get(key).map_or(&[][..], Node::items) {
                let path = item
                    .as_str()
                    .filter(|_| key != "patchesJson6902")
                    .or_else(|| item.get("path").and_then(Node::as_str));
                if let Some(path) = path.filter(|p| is_path(p)) {
                    patch_files.push(path.to_owned());
                }
            }
        }
        let strings = |keys: &[&str]| -> Vec<String> {
            keys.iter()
                .flat_map(|key| node.get(key).map_or(&[][..], Node::items))
                .filter_map(|item| item.as_str().or_else(|| item.get("path")?.as_str()))
                .filter(|p| is_path(p))
                .map(str::to_owned)
                .collect()
        };
        let affix = |key: &str| {
            node.get(key)
                .and_then(Node::as_str)
                .filter(|a| !a.contains('\n'))
                .unwrap_or_default()
                .to_owned()
        };
        // Inline patches: `patchesStrategicMerge` texts, `patches[].patch`.
        let mut deletes = Vec::new();
        for key in ["patchesStrategicMerge", "patches"] {
            for item in node.get(key).map_or(&[][..], Node::items) {
                let inline = item
                    .as_str()
                    .or_else(|| item.get("patch").and_then(Node::as_str));
                if let Some(text) = inline.filter(|t| t.contains('\n')) {
                    deletes.extend(deleted_by(text));
                }
            }
        }
        Kustomization {
            deletes,
            namespace: Text::at(node, &["namespace"])
                .or_else(|| inline_namespace_transformer(node)),
            name_prefix: affix("namePrefix"),
            name_suffix: affix("nameSuffix"),
            patch_files,
            resources: strings(&["resources", "bases"]),
            components: strings(&["components"]),
            inputs: strings(&[
                "configurations",
                "transformers",
                "generators",
                "validators",
                "crds",
                "replacements",
            ]),
            component: node.get("kind").and_then(Node::as_str) == Some("Component"),
        }
    }
}

/// The namespace an inline `builtin` NamespaceTransformer of `transformers:`
/// sets (what `namespace:` does, written as a transformer; trial 33), at the
/// entry that holds it.
fn inline_namespace_transformer(node: &Node<'_>) -> Option<Text> {
    node.get("transformers")
        .map_or(&[][..], Node::items)
        .iter()
        .find_map(|item| {
            let text = item.as_str().filter(|t| t.contains('\n'))?;
            let parsed = crate::yaml::parse_chunk(text, 1, crate::yaml::Limits::default());
            parsed.documents.iter().find_map(|d| {
                (d.get("kind").and_then(Node::as_str) == Some("NamespaceTransformer")
                    && d.get("apiVersion").and_then(Node::as_str) == Some("builtin"))
                .then(|| d.at(&["metadata", "namespace"]).and_then(Node::as_str))
                .flatten()
                .filter(|ns| !ns.is_empty())
                .map(|ns| Text {
                    value: ns.to_owned(),
                    span: item.span,
                })
            })
        })
}

/// The objects the strategic-merge patches of `text` delete (a document
/// with `$patch: delete` at its top): (kind, name).
pub fn deleted_by(text: &str) -> Vec<(String, String)> {
    let parsed = crate::yaml::parse_chunk(text, 1, crate::yaml::Limits::default());
    parsed
        .documents
        .iter()
        .filter(|d| d.get("$patch").and_then(Node::as_str) == Some("delete"))
        .filter_map(|d| {
            let kind = d.get("kind").and_then(Node::as_str)?;
            let name = d.at(&["metadata", "name"]).and_then(Node::as_str)?;
            Some((kind.to_owned(), name.to_owned()))
        })
        .collect()
}

/// A file or folder name, not an inline patch or a generator's inline text.
fn is_path(text: &str) -> bool {
    !text.is_empty() && !text.contains('\n')
}
