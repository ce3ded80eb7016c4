//! GitLab Code Quality (docs/output.md): a JSON array of Code Climate issues, shown in
//! merge requests when the file is declared as `artifacts: reports: codequality`.
//!
//! GitLab reads `location.lines.begin`; `positions` carries the columns as well,
//! for other Code Climate consumers. The fingerprint is the one SARIF uses, so
//! GitLab's "new/resolved" comparison survives lines moving.

use std::io::{self, Write};

use serde::Serialize;

use super::{Redactor, fingerprint};
use crate::finding::{Finding, Severity};
use crate::lint::LintRun;
use crate::yaml::Pos;

#[derive(Serialize)]
pub struct Issue<'r> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub check_name: &'r str,
    pub description: String,
    pub categories: [&'static str; 1],
    pub severity: &'static str,
    pub fingerprint: String,
    pub location: IssueLocation<'r>,
}

#[derive(Serialize)]
pub struct IssueLocation<'r> {
    pub path: &'r str,
    pub lines: Lines,
    pub positions: Positions,
}

#[derive(Serialize)]
pub struct Lines {
    pub begin: u32,
    pub end: u32,
}

#[derive(Serialize)]
pub struct Positions {
    pub begin: Position,
    pub end: Position,
}

#[derive(Serialize)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

impl From<Pos> for Position {
    fn from(pos: Pos) -> Self {
        Position {
            line: pos.line,
            column: pos.col,
        }
    }
}

pub fn write(run: &LintRun, redactor: &Redactor<'_>, out: &mut dyn Write) -> io::Result<()> {
    let fingerprints = fingerprint::fingerprints(&run.findings, redactor);
    let issues: Vec<Issue<'_>> = run
        .findings
        .iter()
        .zip(fingerprints)
        .map(|(finding, fingerprint)| issue(finding, fingerprint, redactor))
        .collect();
    serde_json::to_writer_pretty(&mut *out, &issues).map_err(io::Error::from)?;
    writeln!(out)
}

fn issue<'r>(finding: &'r Finding, fingerprint: String, redactor: &Redactor<'_>) -> Issue<'r> {
    let span = finding.location.span;
    Issue {
        kind: "issue",
        check_name: &finding.rule,
        description: redactor.apply(&finding.message).into_owned(),
        categories: ["Bug Risk"],
        severity: severity(finding.severity),
        fingerprint,
        location: IssueLocation {
            path: &finding.location.file,
            lines: Lines {
                begin: span.start.line,
                end: span.end.line,
            },
            positions: Positions {
                begin: span.start.into(),
                end: span.end.into(),
            },
        },
    }
}

/// GitLab's scale is info, minor, major, critical, blocker; an error breaks a
/// migration but is not a blocker of the merge request by itself.
fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Info => "info",
        Severity::Warning => "minor",
        Severity::Error => "major",
    }
}
