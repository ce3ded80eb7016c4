//! Positions: dvmlint counts 1-based lines and columns in Unicode scalar values;
//! LSP counts 0-based lines and, unless the client agrees to UTF-32, columns in
//! UTF-16 code units (LSP 3.17 `positionEncoding`). Converting needs the line's
//! text, so it is done against the buffer the editor shows.

use lsp_types::{Position, PositionEncodingKind, Range};

use crate::yaml::{Pos, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf16,
    Utf32,
}

impl Encoding {
    /// UTF-32 when the client offers it (no conversion needed), else the
    /// mandatory default UTF-16.
    pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Encoding {
        match offered {
            Some(kinds) if kinds.contains(&PositionEncodingKind::UTF32) => Encoding::Utf32,
            _ => Encoding::Utf16,
        }
    }

    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Encoding::Utf16 => PositionEncodingKind::UTF16,
            Encoding::Utf32 => PositionEncodingKind::UTF32,
        }
    }

    /// The width of `text` in this encoding's units.
    pub fn width(self, text: &str) -> u32 {
        let units = match self {
            Encoding::Utf16 => text.chars().map(char::len_utf16).sum(),
            Encoding::Utf32 => text.chars().count(),
        };
        u32::try_from(units).unwrap_or(u32::MAX)
    }
}

/// Lines of a text for position conversion; a line excludes its `\n` / `\r\n`.
pub struct LineText<'t> {
    lines: Vec<&'t str>,
}

impl<'t> LineText<'t> {
    pub fn new(text: &'t str) -> Self {
        LineText {
            lines: text
                .split('\n')
                .map(|l| l.strip_suffix('\r').unwrap_or(l))
                .collect(),
        }
    }

    /// The 0-based line's text, if the text has that line.
    pub fn line(&self, line: u32) -> Option<&'t str> {
        self.lines.get(usize::try_from(line).ok()?).copied()
    }

    pub fn line_count(&self) -> u32 {
        u32::try_from(self.lines.len()).unwrap_or(u32::MAX)
    }

    /// A dvmlint position as an LSP position. Columns past the end of the line
    /// (or lines past the end of a buffer that changed since) are kept as
    /// given rather than guessed: clients clamp them.
    pub fn position(&self, pos: Pos, encoding: Encoding) -> Position {
        let line = pos.line.saturating_sub(1);
        let chars = usize::try_from(pos.col.saturating_sub(1)).unwrap_or(usize::MAX);
        let character = match (self.line(line), encoding) {
            (Some(text), Encoding::Utf16) => {
                let (units, taken) = text
                    .chars()
                    .take(chars)
                    .fold((0usize, 0usize), |(u, n), c| (u + c.len_utf16(), n + 1));
                u32::try_from(units + (chars - taken)).unwrap_or(u32::MAX)
            }
            _ => pos.col.saturating_sub(1),
        };
        Position { line, character }
    }

    pub fn range(&self, span: Span, encoding: Encoding) -> Range {
        let start = self.position(span.start, encoding);
        let mut end = self.position(span.end, encoding);
        if end.line < start.line || (end.line == start.line && end.character < start.character) {
            end = start;
        }
        Range { start, end }
    }

    /// The position just after the last character of the text.
    pub fn end(&self, encoding: Encoding) -> Position {
        let line = self.line_count().saturating_sub(1);
        let character = self.line(line).map_or(0, |l| encoding.width(l));
        Position { line, character }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_utf16_units_by_default_and_scalars_in_utf32() {
        // `é` is one unit in both; `𝄞` is two UTF-16 units and one scalar.
        let text = LineText::new("a: 𝄞é x\n");
        let pos = Pos::new(1, 6); // after `a: 𝄞é`: 5 scalars
        assert_eq!(text.position(pos, Encoding::Utf16), Position::new(0, 6));
        assert_eq!(text.position(pos, Encoding::Utf32), Position::new(0, 5));
    }

    #[test]
    fn lines_are_zero_based_and_crlf_is_not_part_of_a_line() {
        let text = LineText::new("a: 1\r\nb: 2\r\n");
        assert_eq!(text.line(1), Some("b: 2"));
        assert_eq!(
            text.range(Span::new(Pos::new(2, 1), Pos::new(2, 5)), Encoding::Utf16),
            Range::new(Position::new(1, 0), Position::new(1, 4))
        );
        assert_eq!(text.end(Encoding::Utf16), Position::new(2, 0));
    }

    #[test]
    fn utf32_is_offered_and_taken() {
        let offered = [PositionEncodingKind::UTF8, PositionEncodingKind::UTF32];
        assert_eq!(Encoding::negotiate(Some(&offered)), Encoding::Utf32);
        assert_eq!(Encoding::negotiate(None), Encoding::Utf16);
    }
}
