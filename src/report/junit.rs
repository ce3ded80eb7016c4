//! JUnit XML (docs/output.md), for CI systems that show test reports.
//!
//! One `<testsuite>` per linted file, named by its path, so that a file fixed
//! since the last run shows as passing rather than vanishing; one `<testcase>`
//! per finding, with a `<failure>` for errors and warnings (an info finding is
//! advice, not a failure: its case passes, the details in `<system-out>`); a
//! clean file has one passing testcase. Files
//! with findings that were not linted themselves (an unreadable path) get a
//! suite too. Writing and escaping are quick-xml's.

use std::collections::BTreeMap;
use std::io::{self, Write};

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use super::Redactor;
use crate::catalogue;
use crate::finding::{Finding, Severity};
use crate::lint::LintRun;

/// The name of the one testcase of a file without findings.
pub const CLEAN_CASE: &str = "no findings";

pub fn write(run: &LintRun, redactor: &Redactor<'_>, out: &mut dyn Write) -> io::Result<()> {
    let mut by_file: BTreeMap<&str, Vec<&Finding>> =
        run.files.iter().map(|f| (f.as_ref(), Vec::new())).collect();
    for finding in &run.findings {
        by_file
            .entry(finding.location.file.as_ref())
            .or_default()
            .push(finding);
    }
    let tests: usize = by_file.values().map(|f| f.len().max(1)).sum();
    let failures = failures(&run.findings.iter().collect::<Vec<_>>());
    let mut writer = Writer::new_with_indent(&mut *out, b' ', 2);
    writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    writer
        .create_element("testsuites")
        .with_attributes([
            ("name", "dvmlint"),
            ("tests", tests.to_string().as_str()),
            ("failures", failures.to_string().as_str()),
            ("errors", "0"),
        ])
        .write_inner_content(|w| {
            by_file
                .iter()
                .try_for_each(|(file, findings)| suite(w, file, findings, redactor))
        })?;
    writeln!(out)
}

fn suite<W: Write>(
    w: &mut Writer<W>,
    file: &str,
    findings: &[&Finding],
    redactor: &Redactor<'_>,
) -> io::Result<()> {
    w.create_element("testsuite")
        .with_attributes([
            ("name", file),
            ("tests", findings.len().max(1).to_string().as_str()),
            ("failures", failures(findings).to_string().as_str()),
            ("errors", "0"),
            ("skipped", "0"),
        ])
        .write_inner_content(|w| {
            if findings.is_empty() {
                w.create_element("testcase")
                    .with_attributes([("name", CLEAN_CASE), ("classname", file), ("file", file)])
                    .write_empty()?;
                return Ok(());
            }
            findings
                .iter()
                .try_for_each(|finding| case(w, finding, redactor))
        })?;
    Ok(())
}

fn case<W: Write>(w: &mut Writer<W>, finding: &Finding, redactor: &Redactor<'_>) -> io::Result<()> {
    let file = finding.location.file.as_ref();
    let start = finding.location.span.start;
    let name = format!(
        "{} {} at {}:{}",
        finding.rule,
        catalogue::name_of(&finding.rule),
        start.line,
        start.col
    );
    let message = xml_text(&redactor.apply(&finding.message));
    w.create_element("testcase")
        .with_attributes([
            ("name", name.as_str()),
            ("classname", file),
            ("file", file),
            ("line", start.line.to_string().as_str()),
        ])
        .write_inner_content(|w| {
            let details = xml_text(&details(finding, redactor));
            if is_failure(finding) {
                w.create_element("failure")
                    .with_attributes([
                        ("message", message.as_str()),
                        ("type", finding.rule.as_ref()),
                    ])
                    .write_text_content(BytesText::new(&details))?;
            } else {
                w.create_element("system-out")
                    .write_text_content(BytesText::new(&details))?;
            }
            Ok(())
        })?;
    Ok(())
}

/// Errors and warnings fail their testcase; an info finding does not.
fn is_failure(finding: &Finding) -> bool {
    finding.severity >= Severity::Warning
}

fn failures(findings: &[&Finding]) -> usize {
    findings.iter().filter(|f| is_failure(f)).count()
}

/// The failure's body: the concise line, the help, then the related locations.
fn details(finding: &Finding, redactor: &Redactor<'_>) -> String {
    let start = finding.location.span.start;
    let mut lines = vec![format!(
        "{}:{}:{}: {}[{}] {}",
        finding.location.file,
        start.line,
        start.col,
        finding.severity,
        finding.rule,
        redactor.apply(&finding.message)
    )];
    if let Some(help) = &finding.help {
        lines.push(format!("help: {}", redactor.apply(help)));
    }
    for related in &finding.related {
        let at = related.location.span.start;
        lines.push(format!(
            "related: {}:{}:{}: {}",
            related.location.file,
            at.line,
            at.col,
            redactor.apply(&related.message)
        ));
    }
    lines.join("\n")
}

/// XML 1.0 cannot carry most control characters even escaped; they would make
/// the whole report unreadable, so they become U+FFFD.
fn xml_text(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() && !matches!(c, '\t' | '\n' | '\r') {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
}
