//! saphyr-parser's event parser over a `&str`, compiled in this crate.
//!
//! `saphyr_parser::Parser` is generic over its input, so its code (most of
//! dvmlint's run time) used to be generated inside whichever crate named
//! `Parser<StrInput>`: in dvmlint, wherever its code-generation units put it,
//! which moved with every unrelated change (±3% of run time, same
//! instructions; docs/performance-history.md, "Code placement"), and separately in the
//! parse floor the benchmark compares dvmlint with. Instantiated here, behind
//! one non-generic call, the parser is compiled once for both: dvmlint and its
//! floor run the same machine code, and changes to dvmlint no longer move it.

pub use saphyr_parser::{Event, Marker, ScalarStyle, ScanError, Span, Tag};

use saphyr_parser::{Parser, StrInput};

/// The events of one text, in order.
pub struct Events<'a>(Parser<'a, StrInput<'a>>);

impl<'a> Events<'a> {
    pub fn new(text: &'a str) -> Events<'a> {
        Events(Parser::new_from_str(text))
    }

    /// The next event and where it stands, `None` after the end of the
    /// stream, or the error that stops the text being YAML.
    ///
    /// Never inlined: inlining would pull the parser back into the caller's
    /// code-generation units, which is what this crate exists to avoid.
    #[inline(never)]
    pub fn next_event(&mut self) -> Option<Result<(Event<'a>, Span), ScanError>> {
        self.0.next_event()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_carry_their_spans_and_errors_stop_the_stream() {
        let mut events = Events::new("a: b\n");
        let mut scalars = Vec::new();
        while let Some(Ok((event, span))) = events.next_event() {
            if let Event::Scalar(text, ..) = event {
                scalars.push((text.into_owned(), span.start.col()));
            }
        }
        assert_eq!(scalars, [("a".to_owned(), 0), ("b".to_owned(), 3)]);
        let mut broken = Events::new("a: [\n");
        let stopped = (0..16).any(|_| matches!(broken.next_event(), Some(Err(_))));
        assert!(stopped);
    }
}
