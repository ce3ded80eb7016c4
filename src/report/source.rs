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
        let broken: std::collections::BTreeSet<&str> = findings
            .iter()
            .filter(|f| f.rule == "DVM001")
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
                    // A Secret that did not parse had no value collected:
                    // its file shows no excerpt rather than its values.
                    // (A UTF-16 file is shown as kubectl and the lint read it.)
                    bytes
                        .ok()
                        .map(|bytes| match crate::lint::file::utf16_text(&bytes) {
                            Some(text) => text,
                            None => String::from_utf8_lossy(&bytes).into_owned(),
                        })
                        .filter(|text| {
                            !broken.contains(file.as_ref()) || !holds_a_secret_kind(text.as_bytes())
                        })
                        .map(|text| Arc::from(text.as_str()))
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

/// Where each line of a text starts (lines break at `\n`, `\r\n` and a lone
/// `\r`): positions become byte offsets in O(log n + line length), so a file
/// with many findings is scanned once, not once per finding.
pub struct LineIndex {
    bom: usize,
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let bom = if text.starts_with('\u{feff}') {
            '\u{feff}'.len_utf8()
        } else {
            0
        };
        let bytes = text.as_bytes();
        let mut starts = vec![bom];
        let mut at = bom;
        while let Some(i) = bytes
            .get(at..)
            .and_then(|rest| memchr::memchr2(b'\n', b'\r', rest))
        {
            let brk = at + i;
            let crlf = bytes.get(brk) == Some(&b'\r') && bytes.get(brk + 1) == Some(&b'\n');
            at = brk + if crlf { 2 } else { 1 };
            starts.push(at);
        }
        LineIndex { bom, starts }
    }

    /// The byte offset of the start of 1-based `line` (the text's end past the last).
    pub fn line_start(&self, text: &str, line: usize) -> usize {
        line.checked_sub(1)
            .and_then(|i| self.starts.get(i))
            .copied()
            .unwrap_or(text.len())
            .max(self.bom)
    }

    /// The 1-based line holding byte `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|start| *start <= offset).max(1)
    }

    /// [`byte_offset`], through the index.
    pub fn offset(&self, text: &str, pos: Pos) -> usize {
        let line = usize::try_from(pos.line).unwrap_or(usize::MAX).max(1);
        if line > self.starts.len() {
            return text.len();
        }
        let start = self.line_start(text, line);
        let rest = text.get(start..).unwrap_or_default();
        let line_end = memchr::memchr2(b'\n', b'\r', rest.as_bytes()).unwrap_or(rest.len());
        let col = usize::try_from(pos.col.saturating_sub(1)).unwrap_or(usize::MAX);
        let within = rest
            .get(..line_end)
            .unwrap_or_default()
            .char_indices()
            .nth(col)
            .map_or(line_end, |(i, _)| i);
        start + within
    }
}

/// Whether some line of `bytes` reads `kind: Secret` (quoted or not).
fn holds_a_secret_kind(bytes: &[u8]) -> bool {
    bytes.split(|b| *b == b'\n' || *b == b'\r').any(|line| {
        let line = String::from_utf8_lossy(line);
        line.match_indices("kind").any(|(at, _)| {
            line.get(at + 4..)
                .map(|rest| rest.trim_start_matches(['"', '\'', ' ']))
                .and_then(|rest| rest.strip_prefix(':'))
                .map(|value| value.trim_start_matches(['"', '\'', ' ', '\t']))
                .and_then(|value| value.strip_prefix("Secret"))
                .is_some_and(|after| !after.starts_with(|c: char| c.is_alphanumeric()))
        })
    })
}

/// The byte offset of `pos` (1-based line, column in characters) in `text`,
/// clamped to the text; a leading BOM is skipped as the parser skips it. Lines
/// break at `\n`, `\r\n` and a lone `\r`, as they do for YAML.
pub fn byte_offset(text: &str, pos: Pos) -> usize {
    let bom = if text.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    };
    let body = text.get(bom..).unwrap_or(text);
    let bytes = body.as_bytes();
    let mut line_start = 0usize;
    for _ in 1..pos.line {
        match bytes
            .get(line_start..)
            .and_then(|rest| memchr::memchr2(b'\n', b'\r', rest))
        {
            Some(i) => {
                let at = line_start + i;
                let crlf = bytes.get(at) == Some(&b'\r') && bytes.get(at + 1) == Some(&b'\n');
                line_start = at + if crlf { 2 } else { 1 };
            }
            None => return text.len(),
        }
    }
    let line = body.get(line_start..).unwrap_or_default();
    let line_end = memchr::memchr2(b'\n', b'\r', line.as_bytes()).unwrap_or(line.len());
    let col = usize::try_from(pos.col.saturating_sub(1)).unwrap_or(usize::MAX);
    let within = line
        .get(..line_end)
        .unwrap_or_default()
        .char_indices()
        .nth(col)
        .map_or(line_end, |(i, _)| i);
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

    #[test]
    fn secret_kinds_are_recognised_in_yaml_and_json() {
        assert!(holds_a_secret_kind(b"a: 1\nkind: Secret\n"));
        assert!(holds_a_secret_kind(b"{\"kind\": \"Secret\", \"data\": {}}"));
        assert!(holds_a_secret_kind(b"- kind: 'Secret'\r"));
        assert!(!holds_a_secret_kind(b"kind: SecretProviderClass\n"));
        assert!(!holds_a_secret_kind(b"kind: ConfigMap\n"));
    }

    #[test]
    fn the_line_index_agrees_with_byte_offset() {
        for text in [
            "a: 1\nnamé: x\n",
            "a: 1\rb: 2\r\nc: 3\n",
            "\u{feff}x: 1\ny",
            "",
            "\n\n",
        ] {
            let index = LineIndex::new(text);
            for line in 0..6 {
                for col in 0..12 {
                    let pos = Pos::new(line, col);
                    assert_eq!(
                        index.offset(text, pos),
                        byte_offset(text, pos),
                        "{text:?} {line}:{col}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_lone_carriage_return_breaks_a_line_as_in_yaml() {
        let text = "a: 1\rb: 2\r\nc: 3\n";
        assert_eq!(byte_offset(text, Pos::new(2, 1)), 5);
        assert_eq!(byte_offset(text, Pos::new(3, 4)), 11 + 3);
        assert_eq!(byte_offset(text, Pos::new(2, 99)), 9);
    }
}
