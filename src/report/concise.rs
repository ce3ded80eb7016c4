//! `path:line:col: severity[DVM101] message` — one line per finding, for
//! editors' errorformat and grep.

use std::io::{self, Write};

use super::{Redactor, ReportOptions, summary_line};
use crate::lint::LintRun;

pub fn write(
    run: &LintRun,
    redactor: &Redactor<'_>,
    options: &ReportOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    for f in &run.findings {
        let start = f.location.span.start;
        writeln!(
            out,
            "{}:{}:{}: {}[{}] {}",
            options.paths.show(&f.location.file),
            start.line,
            start.col,
            f.severity,
            f.rule,
            redactor.apply(&f.message)
        )?;
    }
    if !options.quiet {
        writeln!(out, "{}", summary_line(run))?;
    }
    Ok(())
}
