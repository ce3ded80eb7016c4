//! DVM001 yaml-syntax: the parser's message, where it stopped. Only the broken
//! document is lost; the file's other documents are still linted
//! (see `crate::yaml::split_documents`).

use std::sync::Arc;

use crate::finding::{Finding, Location};
use crate::yaml::{Pos, Span, SyntaxError};

pub fn finding(file: &Arc<str>, error: &SyntaxError) -> Finding {
    let end = Pos::new(error.pos.line, error.pos.col.saturating_add(1));
    Finding::new(
        "DVM001",
        Location::new(file, Span::new(error.pos, end)),
        format!("YAML syntax error: {}", error.message),
    )
    .help("fix the YAML at this position; this document is not linted until it parses, the rest of the file is")
}
