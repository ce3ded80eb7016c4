//! Reporters: findings in, text out. A reporter never reads files and never
//! decides anything; the human reporter receives the snippets it shows from
//! [`source::Sources`], loaded once by the caller.

pub mod concise;
pub mod fingerprint;
pub mod github;
pub mod gitlab;
pub mod human;
pub mod json;
pub mod junit;
pub mod redact;
pub mod sarif;
pub mod source;

use std::io::{self, Write};

use crate::finding::{Finding, Severity};
use crate::lint::LintRun;

pub use redact::Redactor;
pub use source::Sources;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Concise,
    Json,
    Sarif,
    Github,
    Junit,
    Gitlab,
}

impl Format {
    /// Every output format, in `--format`'s order.
    pub fn all() -> &'static [Format] {
        <Format as clap::ValueEnum>::value_variants()
    }
}

pub struct ReportOptions {
    pub color: bool,
    /// Columns the human format wraps its text to (`COLUMNS`, else the
    /// terminal's width, else [`DEFAULT_WIDTH`]: see `width_for`).
    pub width: usize,
    pub show_source: bool,
    pub statistics: bool,
    pub quiet: bool,
    /// Where the terminal formats' paths start (`human`, `concise`).
    pub paths: ShownPaths,
}

/// Where the paths of the reports read in a terminal (`human`, `concise`)
/// start: the project root, or, when dvmlint runs in a folder below the
/// root, that folder (`../` for a file outside it), so that a terminal or an
/// editor opens the path as printed. The machine formats keep paths from the
/// project root (docs/output.md).
#[derive(Clone, Debug, Default)]
pub struct ShownPaths {
    /// The project root and the current folder, when it is below the root.
    below_root: Option<(std::path::PathBuf, std::path::PathBuf)>,
}

impl ShownPaths {
    /// From the current folder `cwd` when it lies below the project `root`
    /// (both absolute); else from the root.
    pub fn new(root: &std::path::Path, cwd: &std::path::Path) -> ShownPaths {
        ShownPaths {
            below_root: (cwd != root && cwd.starts_with(root))
                .then(|| (root.to_path_buf(), cwd.to_path_buf())),
        }
    }

    /// `rel` (a path from the project root, `/`-separated) as shown.
    pub fn show<'a>(&self, rel: &'a str) -> std::borrow::Cow<'a, str> {
        let Some((root, cwd)) = &self.below_root else {
            return std::borrow::Cow::Borrowed(rel);
        };
        match pathdiff::diff_paths(root.join(rel), cwd) {
            Some(shown) => std::borrow::Cow::Owned(
                shown
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/"),
            ),
            None => std::borrow::Cow::Borrowed(rel),
        }
    }
}

/// The width of the human format when neither `COLUMNS` nor a terminal says.
pub const DEFAULT_WIDTH: usize = 80;

/// The width the human format wraps to: a positive `COLUMNS`, else the
/// width of the terminal on stdout (`terminal` is whether stdout is one and
/// the report goes there), else [`DEFAULT_WIDTH`].
pub fn width_for(columns: Option<&str>, terminal: bool) -> usize {
    columns
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c > 0)
        .or_else(|| {
            terminal
                .then(|| terminal_size::terminal_size_of(std::io::stdout()))
                .flatten()
                .map(|(w, _)| usize::from(w.0))
                .filter(|&w| w > 0)
        })
        .unwrap_or(DEFAULT_WIDTH)
}

/// Writes the report of `run` in `format`.
pub fn write(
    format: Format,
    run: &LintRun,
    sources: &Sources,
    options: &ReportOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let redactor = Redactor::new(&run.secrets)
        .with_spans(&run.secret_spans)
        .with_paths(&run.files);
    if options.statistics && matches!(format, Format::Human | Format::Concise) {
        return write_statistics(&run.findings, out);
    }
    match format {
        Format::Human => human::write(run, sources, &redactor, options, out),
        Format::Concise => concise::write(run, &redactor, options, out),
        Format::Json => json::write(run, &redactor, out),
        Format::Sarif => sarif::write(run, &redactor, out),
        Format::Github => github::write(run, &redactor, out),
        Format::Junit => junit::write(run, &redactor, out),
        Format::Gitlab => gitlab::write(run, &redactor, out),
    }
}

/// `--statistics`: findings per rule, most frequent first.
fn write_statistics(findings: &[Finding], out: &mut dyn Write) -> io::Result<()> {
    let mut counts: std::collections::BTreeMap<&str, (usize, Severity)> =
        std::collections::BTreeMap::new();
    for finding in findings {
        let entry = counts.entry(&finding.rule).or_insert((0, finding.severity));
        entry.0 += 1;
        entry.1 = entry.1.max(finding.severity);
    }
    let mut rows: Vec<_> = counts.into_iter().collect();
    rows.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(b.0)));
    for (rule, (count, severity)) in rows {
        writeln!(
            out,
            "{count:>6}  {rule:<8} {:<36} {severity}",
            crate::catalogue::name_of(rule)
        )?;
    }
    Ok(())
}

/// `Found 3 findings (2 errors, 1 warning) in 12 files.`
pub fn summary_line(run: &LintRun) -> String {
    let count = |s: Severity| run.findings.iter().filter(|f| f.severity == s).count();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    if run.findings.is_empty() {
        return format!(
            "No findings in {} ({}, {}).",
            plural(run.summary.files, "file"),
            plural(run.summary.documents, "document"),
            plural(run.summary.objects, "object")
        );
    }
    let parts: Vec<String> = [
        (Severity::Error, "error"),
        (Severity::Warning, "warning"),
        (Severity::Info, "info"),
    ]
    .into_iter()
    .filter_map(|(s, word)| {
        let n = count(s);
        (n > 0).then(|| plural(n, word))
    })
    .collect();
    format!(
        "Found {} ({}) in {}.",
        plural(run.findings.len(), "finding"),
        parts.join(", "),
        plural(run.summary.files, "file")
    )
}
