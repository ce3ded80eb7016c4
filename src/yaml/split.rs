//! Splitting a file into document chunks, for files that do not parse whole.
//!
//! A YAML scanner cannot resynchronise after an error, yet docs/rules.md (DVM001) says
//! only the broken document is lost. Document markers (`---` at column 1) cannot
//! occur inside content (YAML 1.2 §9.1.4, "forbidden" lines), so cutting the byte
//! stream at them yields independent chunks: each is validated (UTF-8, NUL) and
//! parsed on its own, in order, and an error stays inside its chunk. A file that
//! parses whole gives the same documents (the marker lines are where its
//! documents start), so `lint::file` cuts only the files that do not.

/// A run of lines holding one document (or, with `...` markers, a few).
#[derive(Clone, Copy, Debug)]
pub struct Chunk<'a> {
    pub bytes: &'a [u8],
    /// Byte offset of the chunk in its file.
    pub offset: usize,
    /// 1-based line of the chunk's first byte.
    pub first_line: u32,
}

impl Chunk<'_> {
    /// 1-based line of the chunk's last byte (its last line, without a trailing
    /// newline). Counted on demand: only suppression comments ask, and the last
    /// chunk of a file (often a long payload) is never counted otherwise.
    pub fn last_line(&self) -> u32 {
        let trailing = u32::from(self.bytes.last() == Some(&b'\n'));
        self.first_line
            .saturating_add(newlines(self.bytes))
            .saturating_sub(trailing)
            .max(self.first_line)
    }
}

/// Cuts `bytes` before every `---` marker line. Directive-only chunks (`%YAML`)
/// are kept with the document they introduce.
///
/// Only line starts holding `---` are visited (`memmem` for `\n---`), and lines
/// are counted between them with `memchr`, so a file is scanned at memory speed
/// however many lines it has; lines after the last marker are not counted.
pub fn split_documents(bytes: &[u8]) -> Vec<Chunk<'_>> {
    let mut chunks = Vec::new();
    let mut start = 0usize;
    let mut start_line = 1u32;
    let candidates = memchr::memmem::find_iter(bytes, b"\n---").map(|i| i.saturating_add(1));
    for pos in std::iter::once(0).chain(candidates) {
        let line_bytes = bytes
            .get(pos..memchr_newline(bytes, pos))
            .unwrap_or_default();
        let before = bytes.get(start..pos).unwrap_or_default();
        if pos > start && is_document_marker(line_bytes) && !directives_only(before) {
            let first_line = start_line;
            start_line = start_line.saturating_add(newlines(before));
            chunks.push(Chunk {
                bytes: before,
                offset: start,
                first_line,
            });
            start = pos;
        }
    }
    chunks.push(Chunk {
        bytes: bytes.get(start..).unwrap_or_default(),
        offset: start,
        first_line: start_line,
    });
    chunks
}

/// Cuts a JSON text holding several top-level values one after another (a
/// stream of objects, one per line or not, which `kubectl apply -f` reads as
/// its documents) after each value: `None` when it is not such a stream (a
/// single value, or not JSON), for the YAML cuts to apply.
pub fn split_json_values(bytes: &[u8]) -> Option<Vec<Chunk<'_>>> {
    let mut values =
        serde_json::Deserializer::from_slice(bytes).into_iter::<serde::de::IgnoredAny>();
    let mut chunks = Vec::new();
    let (mut start, mut start_line) = (0usize, 1u32);
    while let Some(value) = values.next() {
        value.ok()?;
        let end = values.byte_offset();
        let taken = bytes.get(start..end)?;
        chunks.push(Chunk {
            bytes: taken,
            offset: start,
            first_line: start_line,
        });
        start_line = start_line.saturating_add(newlines(taken));
        start = end;
    }
    (chunks.len() > 1).then_some(chunks)
}

fn newlines(bytes: &[u8]) -> u32 {
    u32::try_from(memchr::memchr_iter(b'\n', bytes).count()).unwrap_or(u32::MAX)
}

fn memchr_newline(bytes: &[u8], from: usize) -> usize {
    bytes
        .get(from..)
        .and_then(|rest| memchr::memchr(b'\n', rest))
        .map_or(bytes.len(), |i| from + i)
}

fn is_document_marker(line: &[u8]) -> bool {
    line.starts_with(b"---") && matches!(line.get(3), None | Some(b' ' | b'\t' | b'\r'))
}

/// True when a chunk holds directives and comments but no content yet.
fn directives_only(chunk: &[u8]) -> bool {
    let mut saw_directive = false;
    for line in chunk.split(|&b| b == b'\n') {
        let trimmed = line.trim_ascii();
        match trimmed.first() {
            None | Some(b'#') => {}
            Some(b'%') => saw_directive = true,
            Some(_) => return false,
        }
    }
    saw_directive
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(src: &str) -> Vec<(u32, &str)> {
        split_documents(src.as_bytes())
            .into_iter()
            .map(|c| (c.first_line, std::str::from_utf8(c.bytes).unwrap()))
            .collect()
    }

    #[test]
    fn cuts_before_each_marker() {
        assert_eq!(
            lines("a: 1\n---\nb: 2\n--- # c\nc: 3\n"),
            vec![(1, "a: 1\n"), (2, "---\nb: 2\n"), (4, "--- # c\nc: 3\n")]
        );
    }

    #[test]
    fn leading_marker_does_not_make_an_empty_chunk() {
        assert_eq!(lines("---\na: 1\n"), vec![(1, "---\na: 1\n")]);
    }

    #[test]
    fn dashes_inside_content_are_not_markers() {
        assert_eq!(lines("a: |\n  ---\n---x: 1\n").len(), 1);
    }

    #[test]
    fn chunks_know_their_last_line() {
        let chunks = split_documents(b"a: 1\n---\nb: 2\nc: 3\n");
        let spans: Vec<(u32, u32)> = chunks
            .iter()
            .map(|c| (c.first_line, c.last_line()))
            .collect();
        assert_eq!(spans, vec![(1, 1), (2, 4)]);
        let unterminated = split_documents(b"a: 1\n---\nb: 2");
        assert_eq!(unterminated[1].last_line(), 3);
        assert_eq!(split_documents(b"")[0].last_line(), 1);
    }

    #[test]
    fn directives_stay_with_their_document() {
        assert_eq!(
            lines("%YAML 1.2\n---\na: 1\n"),
            vec![(1, "%YAML 1.2\n---\na: 1\n")]
        );
    }
}
