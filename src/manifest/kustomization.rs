//! `kustomization.yaml`: the namespace it sets, and the files it uses as patches.

use crate::yaml::Node;

use super::Text;

pub fn is_kustomization_file(file_name: &str) -> bool {
    matches!(
        file_name,
        "kustomization.yaml" | "kustomization.yml" | "Kustomization"
    )
}

#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Kustomization {
    /// `namespace:` — applied to namespaced resources below this folder (SPEC §2).
    pub namespace: Option<Text>,
    /// Files named as patches: partial objects, not objects of their own.
    pub patch_files: Vec<String>,
}

impl Kustomization {
    pub fn from_node(node: &Node<'_>) -> Kustomization {
        let mut patch_files = Vec::new();
        for key in ["patchesStrategicMerge", "patches", "patchesJson6902"] {
            for item in node.get(key).map_or(&[][..], Node::items) {
                let path = item
                    .as_str()
                    .filter(|_| key == "patchesStrategicMerge")
                    .or_else(|| item.get("path").and_then(Node::as_str));
                if let Some(path) = path.filter(|p| !p.contains('\n')) {
                    patch_files.push(path.to_owned());
                }
            }
        }
        Kustomization {
            namespace: Text::at(node, &["namespace"]),
            patch_files,
        }
    }
}
