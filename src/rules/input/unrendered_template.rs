//! DVM002 unrendered-template: a Go/Helm template (`{{ … }}`) that is not YAML
//! until rendered. Reported once per file instead of a cascade of syntax errors.

use std::sync::Arc;

use crate::finding::{Finding, Location};
use crate::yaml::Span;

pub fn finding(file: &Arc<str>) -> Finding {
    Finding::new(
        "DVM002",
        Location::new(file, Span::line_start(1)),
        "this file is a Go/Helm template and was not linted",
    )
    .help("render it first (`helm template … --output-dir rendered/`) and lint the output, or exclude it with `exclude:` in .dvmlint.yaml")
}
