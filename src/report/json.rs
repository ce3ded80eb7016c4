//! The json format of docs/output.md (`"version": 1`). Field names and order are the
//! contract: tests pin them.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::Redactor;
use crate::finding::{Finding, ObjectRef, RenderedFrom, Severity};
use crate::lint::LintRun;

#[derive(Serialize)]
struct Report<'r> {
    version: u32,
    findings: Vec<JsonFinding<'r>>,
    summary: JsonSummary,
}

#[derive(Serialize)]
pub struct JsonFinding<'r> {
    pub rule: &'r str,
    pub name: &'r str,
    pub severity: Severity,
    pub message: String,
    pub help: Option<String>,
    pub file: &'r str,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub object: Option<&'r ObjectRef>,
    pub cluster: Option<&'r str>,
    pub related: Vec<JsonRelated<'r>>,
    /// Present when the object was rendered (docs/rendering.md).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rendered: Option<&'r RenderedFrom>,
}

#[derive(Serialize)]
pub struct JsonRelated<'r> {
    pub file: &'r str,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

#[derive(Serialize)]
struct JsonSummary {
    files: usize,
    documents: usize,
    objects: usize,
    findings: usize,
    by_severity: BTreeMap<Severity, usize>,
}

/// The json view of one finding, secrets masked (shared with other formats).
pub fn finding<'r>(f: &'r Finding, redactor: &Redactor<'_>) -> JsonFinding<'r> {
    JsonFinding {
        rule: &f.rule,
        name: crate::catalogue::name_of(&f.rule),
        severity: f.severity,
        message: redactor.apply(&f.message).into_owned(),
        help: f.help.as_deref().map(|h| redactor.apply(h).into_owned()),
        file: &f.location.file,
        line: f.location.span.start.line,
        column: f.location.span.start.col,
        end_line: f.location.span.end.line,
        end_column: f.location.span.end.col,
        object: f.object.as_ref(),
        cluster: f.cluster.as_deref(),
        related: f
            .related
            .iter()
            .map(|r| JsonRelated {
                file: &r.location.file,
                line: r.location.span.start.line,
                column: r.location.span.start.col,
                message: redactor.apply(&r.message).into_owned(),
            })
            .collect(),
        rendered: f.rendered.as_ref(),
    }
}

pub fn write(run: &LintRun, redactor: &Redactor<'_>, out: &mut dyn Write) -> io::Result<()> {
    let mut by_severity = BTreeMap::new();
    for f in &run.findings {
        *by_severity.entry(f.severity).or_insert(0) += 1;
    }
    let report = Report {
        version: 1,
        findings: run.findings.iter().map(|f| finding(f, redactor)).collect(),
        summary: JsonSummary {
            files: run.summary.files,
            documents: run.summary.documents,
            objects: run.summary.objects,
            findings: run.findings.len(),
            by_severity,
        },
    };
    serde_json::to_writer_pretty(&mut *out, &report).map_err(io::Error::from)?;
    writeln!(out)
}
