//! The open documents: what the editor shows, which may differ from the disk.
//!
//! Full-document sync (docs/editors.md): every change carries the whole text, so a
//! document is just its latest text. Open buffers become the lint's overlays.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use lsp_types::Url;

pub struct Document {
    /// `None` for URIs that are not files (`untitled:`), which are never linted.
    pub path: Option<PathBuf>,
    pub text: Arc<str>,
}

#[derive(Default)]
pub struct Documents {
    open: BTreeMap<Url, Document>,
}

impl Documents {
    pub fn open(&mut self, uri: Url, text: String) {
        let path = uri
            .to_file_path()
            .ok()
            .map(|p| crate::discovery::absolute(&p));
        self.open.insert(
            uri,
            Document {
                path,
                text: Arc::from(text),
            },
        );
    }

    /// Replaces the text of an open document; a change to a document the
    /// client never opened opens it.
    pub fn change(&mut self, uri: Url, text: String) {
        match self.open.get_mut(&uri) {
            Some(doc) => doc.text = Arc::from(text),
            None => self.open(uri, text),
        }
    }

    pub fn close(&mut self, uri: &Url) -> bool {
        self.open.remove(uri).is_some()
    }

    pub fn get(&self, uri: &Url) -> Option<&Document> {
        self.open.get(uri)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Url, &Document)> {
        self.open.iter()
    }

    /// The buffers of manifests, by absolute path: they override the disk
    /// in the lint of the project that holds them. The configuration file
    /// and files of other languages are not manifests.
    pub fn manifest_overlays(&self) -> BTreeMap<PathBuf, Arc<str>> {
        self.open
            .values()
            .filter_map(|doc| {
                let path = doc.path.as_ref()?;
                crate::lint::retained::is_manifest(path)
                    .then(|| (path.clone(), Arc::clone(&doc.text)))
            })
            .collect()
    }

    /// The open document at this absolute path, if any.
    pub fn by_path(&self, path: &Path) -> Option<(&Url, &Document)> {
        self.open
            .iter()
            .find(|(_, doc)| doc.path.as_deref() == Some(path))
    }
}
