//! Splitting a file into document chunks before parsing.
//!
//! A YAML scanner cannot resynchronise after an error, yet SPEC §5 (DVM001) says
//! only the broken document is lost. Document markers (`---` at column 1) cannot
//! occur inside content (YAML 1.2 §9.1.4, "forbidden" lines), so cutting the byte
//! stream at them yields independent chunks: each is validated (UTF-8, NUL) and
//! parsed on its own, in order, and an error stays inside its chunk.

/// A run of lines holding one document (or, with `...` markers, a few).
#[derive(Clone, Copy, Debug)]
pub struct Chunk<'a> {
    pub bytes: &'a [u8],
    /// Byte offset of the chunk in its file.
    pub offset: usize,
    /// 1-based line of the chunk's first byte.
    pub first_line: u32,
}

/// Cuts `bytes` before every `---` marker line. Directive-only chunks (`%YAML`)
/// are kept with the document they introduce.
pub fn split_documents(bytes: &[u8]) -> Vec<Chunk<'_>> {
    let mut chunks = Vec::new();
    let mut start = 0usize;
    let mut start_line = 1u32;
    let mut line = 1u32;
    let mut pos = 0usize;
    while pos < bytes.len() {
        let line_end = memchr_newline(bytes, pos);
        let line_bytes = bytes.get(pos..line_end).unwrap_or_default();
        let before = bytes.get(start..pos).unwrap_or_default();
        if pos > start && is_document_marker(line_bytes) && !directives_only(before) {
            chunks.push(Chunk {
                bytes: before,
                offset: start,
                first_line: start_line,
            });
            start = pos;
            start_line = line;
        }
        pos = line_end.saturating_add(1);
        line = line.saturating_add(1);
    }
    chunks.push(Chunk {
        bytes: bytes.get(start..).unwrap_or_default(),
        offset: start,
        first_line: start_line,
    });
    chunks
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
    fn directives_stay_with_their_document() {
        assert_eq!(
            lines("%YAML 1.2\n---\na: 1\n"),
            vec![(1, "%YAML 1.2\n---\na: 1\n")]
        );
    }
}
