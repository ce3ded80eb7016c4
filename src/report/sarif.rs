//! SARIF 2.1.0 (docs/output.md), for GitHub code scanning and other SARIF viewers.
//!
//! One run. `tool.driver.rules` lists every catalogue rule, so a viewer can show
//! the documentation of a rule with no result yet; results point at their rule
//! by `ruleId` and `ruleIndex`. Paths are relative to `%SRCROOT%` (the project
//! root): the log does not say where the checkout lived, and viewers such as
//! GitHub resolve `%SRCROOT%` to their own checkout.
//!
//! Columns: dvmlint counts columns in Unicode code points and regions are
//! half-open (`end` is just past the last character), which is what SARIF
//! means by `columnKind: "unicodeCodePoints"` and `endColumn`, so positions are
//! copied unchanged.

use std::collections::BTreeMap;
use std::io::{self, Write};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_sarif::sarif::{
    ArtifactLocation, Location as SarifLocation, Message, MultiformatMessageString,
    PhysicalLocation, PropertyBag, Region, ReportingConfiguration, ReportingDescriptor,
    Result as SarifResult, ResultLevel, Run, Sarif, Tool, ToolComponent,
};

use super::{Redactor, fingerprint};
use crate::catalogue::{self, RuleMeta};
use crate::finding::{Finding, Location, Severity};
use crate::lint::LintRun;

/// The `$id` of the official OASIS schema the log conforms to.
pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
/// The base of every artifact URI: the project root.
pub const SRCROOT: &str = "%SRCROOT%";

pub fn write(run: &LintRun, redactor: &Redactor<'_>, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &log(run, redactor)).map_err(io::Error::from)?;
    writeln!(out)
}

/// The whole SARIF log of `run`.
pub fn log(run: &LintRun, redactor: &Redactor<'_>) -> Sarif {
    let rules: Vec<&RuleMeta> = catalogue::rules()
        .iter()
        .chain(run.custom_rules.iter().copied())
        .collect();
    let fingerprints = fingerprint::fingerprints(&run.findings, redactor);
    let results: Vec<SarifResult> = run
        .findings
        .iter()
        .zip(fingerprints)
        .map(|(finding, fingerprint)| result(finding, &rules, fingerprint, redactor))
        .collect();
    let driver = ToolComponent::builder()
        .name("dvmlint")
        .version(env!("CARGO_PKG_VERSION"))
        .rules(rules.iter().copied().map(descriptor).collect::<Vec<_>>())
        .build();
    let sarif_run = Run::builder()
        .tool(Tool::from(driver))
        .column_kind("unicodeCodePoints")
        .results(results)
        .build();
    Sarif::builder()
        .schema(SCHEMA_URI)
        .version("2.1.0")
        .runs(vec![sarif_run])
        .build()
}

fn descriptor(rule: &RuleMeta) -> ReportingDescriptor {
    let text = |s: &str| MultiformatMessageString::builder().text(s.trim()).build();
    let mut descriptor = ReportingDescriptor::builder()
        .id(rule.id.as_str())
        .name(rule.name.as_str())
        .short_description(text(&rule.summary))
        .full_description(text(&rule.rationale))
        .help(text(&rule.fix))
        .default_configuration(
            ReportingConfiguration::builder()
                .level(level(rule.severity).to_string())
                .build(),
        )
        .properties(
            PropertyBag::builder()
                .tags(vec![rule.family.clone()])
                .build(),
        )
        .build();
    // Built-in rules link to their section of the published docs/rules.md when
    // the build says where that is; custom rules have no section there.
    if catalogue::rules().iter().any(|r| r.id == rule.id) {
        descriptor.help_uri = rule.help_uri();
    }
    descriptor
}

fn level(severity: Severity) -> ResultLevel {
    match severity {
        Severity::Error => ResultLevel::Error,
        Severity::Warning => ResultLevel::Warning,
        Severity::Info => ResultLevel::Note,
    }
}

fn result(
    finding: &Finding,
    rules: &[&RuleMeta],
    fingerprint: String,
    redactor: &Redactor<'_>,
) -> SarifResult {
    // The finding's own help is more specific than the rule's; viewers show the
    // message, so it goes there, after a blank line.
    let mut text = redactor.apply(&finding.message).into_owned();
    if let Some(help) = &finding.help {
        text.push_str("\n\nHelp: ");
        text.push_str(&redactor.apply(help));
    }
    let related: Vec<SarifLocation> = finding
        .related
        .iter()
        .zip(1_i64..)
        .map(|(related, id)| SarifLocation {
            id: Some(id),
            message: Some(Message::from(redactor.apply(&related.message).as_ref())),
            ..location(&related.location)
        })
        .collect();
    let mut properties = BTreeMap::new();
    if let Some(object) = &finding.object {
        properties.insert("object".to_owned(), serde_json::json!(object));
    }
    if let Some(cluster) = &finding.cluster {
        properties.insert("cluster".to_owned(), serde_json::json!(cluster.as_ref()));
    }
    if let Some(rendered) = &finding.rendered {
        properties.insert("rendered".to_owned(), serde_json::json!(rendered));
    }
    SarifResult {
        rule_index: rules
            .iter()
            .position(|r| r.id == finding.rule)
            .and_then(|i| i64::try_from(i).ok()),
        related_locations: (!related.is_empty()).then_some(related),
        properties: (!properties.is_empty()).then(|| {
            PropertyBag::builder()
                .additional_properties(properties)
                .build()
        }),
        ..SarifResult::builder()
            .rule_id(finding.rule.as_ref())
            .level(level(finding.severity))
            .message(Message::from(text.as_str()))
            .locations(vec![location(&finding.location)])
            .partial_fingerprints(BTreeMap::from([(
                fingerprint::SARIF_KEY.to_owned(),
                fingerprint,
            )]))
            .build()
    }
}

fn location(location: &Location) -> SarifLocation {
    let span = location.span;
    // SARIF lines and columns start at 1; a position never set must not make the
    // log invalid.
    let at_least_one = |n: u32| i64::from(n.max(1));
    let region = Region::builder()
        .start_line(at_least_one(span.start.line))
        .start_column(at_least_one(span.start.col))
        .end_line(at_least_one(span.end.line))
        .end_column(at_least_one(span.end.col))
        .build();
    let artifact = ArtifactLocation::builder()
        .uri(uri_reference(&location.file))
        .uri_base_id(SRCROOT)
        .build();
    SarifLocation::builder()
        .physical_location(
            PhysicalLocation::builder()
                .artifact_location(artifact)
                .region(region)
                .build(),
        )
        .build()
}

/// Characters kept as they are in a relative URI: RFC 3986 unreserved and `/`.
/// `:` is escaped so that `a:b.yaml` is not read as a URI scheme.
const URI_PATH: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

/// A relative path (with `/` separators) as a relative URI reference.
pub fn uri_reference(path: &str) -> String {
    utf8_percent_encode(path, URI_PATH).to_string()
}
