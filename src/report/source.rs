//! Source text for snippets, loaded once per file that has findings.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use crate::finding::Finding;
use crate::yaml::Pos;

#[derive(Default)]
pub struct Sources {
    texts: BTreeMap<Arc<str>, Arc<str>>,
}

impl Sources {
    /// [`Sources::load_bounded`] with the default `max-file-size`.
    pub fn load(
        root: &Path,
        findings: &[Finding],
        overlays: &BTreeMap<Arc<str>, Arc<str>>,
    ) -> Sources {
        Self::load_bounded(
            root,
            findings,
            overlays,
            crate::config::DEFAULT_MAX_FILE_SIZE,
        )
    }

    /// Reads the files that findings point into (primary and related), or takes
    /// them from `overlays` (editor buffers), keyed by relative path.
    ///
    /// Only what the lint itself read is shown: a file with a DVM003 finding
    /// (skipped, refused, unreadable) has no excerpt, since its secrets were
    /// never collected; a relative name is read only inside the project
    /// boundary (never through a link out of it), a regular file of at most
    /// `max_file_size` bytes.
    pub fn load_bounded(
        root: &Path,
        findings: &[Finding],
        overlays: &BTreeMap<Arc<str>, Arc<str>>,
        max_file_size: u64,
    ) -> Sources {
        let boundary = crate::boundary::ProjectBoundary::new(root);
        let skipped: std::collections::BTreeSet<&str> = findings
            .iter()
            .filter(|f| f.rule == "DVM003")
            .map(|f| f.location.file.as_ref())
            .collect();
        let mut texts = BTreeMap::new();
        let files = findings.iter().flat_map(|f| {
            std::iter::once(&f.location.file).chain(f.related.iter().map(|r| &r.location.file))
        });
        for file in files {
            if texts.contains_key(file) || skipped.contains(file.as_ref()) {
                continue;
            }
            let text = match overlays.get(file) {
                Some(text) => Some(Arc::clone(text)),
                None => {
                    let path = Path::new(file.as_ref());
                    let bytes = if path.is_absolute() {
                        // Named on the command line, outside the root.
                        crate::boundary::read_named(path, max_file_size)
                    } else {
                        boundary.open_bounded(path, max_file_size)
                    };
                    bytes
                        .ok()
                        .map(|bytes| Arc::from(String::from_utf8_lossy(&bytes).as_ref()))
                }
            };
            if let Some(text) = text {
                texts.insert(Arc::clone(file), text);
            }
        }
        Sources { texts }
    }

    pub fn get(&self, file: &str) -> Option<&Arc<str>> {
        self.texts.get(file)
    }
}

/// The byte offset of `pos` (1-based line, column in characters) in `text`,
/// clamped to the text; a leading BOM is skipped as the parser skips it.
pub fn byte_offset(text: &str, pos: Pos) -> usize {
    let bom = if text.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    };
    let body = text.get(bom..).unwrap_or(text);
    let mut line_start = 0usize;
    for _ in 1..pos.line {
        match body.get(line_start..).and_then(|rest| rest.find('\n')) {
            Some(i) => line_start += i + 1,
            None => return text.len(),
        }
    }
    let line = body.get(line_start..).unwrap_or_default();
    let col = usize::try_from(pos.col.saturating_sub(1)).unwrap_or(usize::MAX);
    let within = line
        .char_indices()
        .take_while(|(_, c)| *c != '\n')
        .nth(col)
        .map_or_else(|| line.find('\n').unwrap_or(line.len()), |(i, _)| i);
    bom + line_start + within
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters() {
        let text = "a: 1\nnamé: x\n";
        assert_eq!(byte_offset(text, Pos::new(2, 7)), 5 + 7);
        assert_eq!(byte_offset(text, Pos::new(9, 1)), text.len());
        assert_eq!(byte_offset(text, Pos::new(1, 99)), 4);
    }
}
