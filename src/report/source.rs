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
    /// Reads the files that findings point into (primary and related), or takes
    /// them from `overlays` (editor buffers), keyed by relative path.
    pub fn load(
        root: &Path,
        findings: &[Finding],
        overlays: &BTreeMap<Arc<str>, Arc<str>>,
    ) -> Sources {
        let mut texts = BTreeMap::new();
        let files = findings.iter().flat_map(|f| {
            std::iter::once(&f.location.file).chain(f.related.iter().map(|r| &r.location.file))
        });
        for file in files {
            if texts.contains_key(file) {
                continue;
            }
            let text = match overlays.get(file) {
                Some(text) => Some(Arc::clone(text)),
                None => std::fs::read(root.join(file.as_ref()))
                    .ok()
                    .map(|bytes| Arc::from(String::from_utf8_lossy(&bytes).as_ref())),
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
