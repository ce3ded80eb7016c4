//! Human output: miette reports with the source snippet, labelled spans, the
//! related locations and the fix; then a summary line.

use std::fmt;
use std::io::{self, Write};

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan,
};

use super::source::byte_offset;
use super::{Redactor, ReportOptions, Sources, summary_line};
use crate::finding::{Finding, Location, Severity};
use crate::lint::LintRun;

pub fn write(
    run: &LintRun,
    sources: &Sources,
    redactor: &Redactor<'_>,
    options: &ReportOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let theme = if options.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_context_lines(1)
        .with_width(120)
        .with_links(false);
    for finding in &run.findings {
        let report = Report::new(finding, sources, redactor, options.show_source);
        let mut text = String::new();
        if handler.render_report(&mut text, &report).is_err() {
            text = format!("{}: {}\n", finding.rule, report.message);
        }
        write!(out, "{text}")?;
        writeln!(out)?;
    }
    if !options.quiet {
        writeln!(out, "{}", summary_line(run))?;
    }
    Ok(())
}

/// One finding (or one related location) as a miette diagnostic.
#[derive(Debug)]
struct Report {
    code: String,
    message: String,
    severity: miette::Severity,
    help: Option<String>,
    source: Option<NamedSource<String>>,
    labels: Vec<LabeledSpan>,
    related: Vec<Report>,
}

impl Report {
    fn new(f: &Finding, sources: &Sources, redactor: &Redactor<'_>, show_source: bool) -> Report {
        let position = format!(
            "{}:{}:{}",
            f.location.file, f.location.span.start.line, f.location.span.start.col
        );
        let mut report = Report::at(
            &f.location,
            format!("{position}: {}", redactor.apply(&f.message)),
            "here",
            sources,
            redactor,
            show_source,
        );
        report.code = format!("{}({})", f.rule, crate::catalogue::name_of(&f.rule));
        report.severity = match f.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        };
        report.help = f.help.as_deref().map(|h| redactor.apply(h).into_owned());
        report.related = f
            .related
            .iter()
            .map(|r| {
                let place = format!(
                    "{}:{}:{}",
                    r.location.file, r.location.span.start.line, r.location.span.start.col
                );
                let message = redactor.apply(&r.message).into_owned();
                Report::at(
                    &r.location,
                    format!("{place}: {message}"),
                    &message,
                    sources,
                    redactor,
                    show_source,
                )
            })
            .collect();
        report
    }

    fn at(
        location: &Location,
        message: String,
        label: &str,
        sources: &Sources,
        redactor: &Redactor<'_>,
        show_source: bool,
    ) -> Report {
        let mut report = Report {
            code: String::new(),
            message,
            severity: miette::Severity::Advice,
            help: None,
            source: None,
            labels: Vec::new(),
            related: Vec::new(),
        };
        if let Some(text) = sources.get(&location.file).filter(|_| show_source) {
            let start = byte_offset(text, location.span.start);
            let end = byte_offset(text, location.span.end).max(start);
            let masked_text = redactor.mask_source(&location.file, text);
            report.labels.push(LabeledSpan::new_with_span(
                Some(label.to_owned()),
                SourceSpan::new(start.into(), end - start),
            ));
            report.source =
                Some(NamedSource::new(location.file.as_ref(), masked_text).with_language("yaml"));
        }
        report
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report {}

impl Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        (!self.code.is_empty()).then(|| Box::new(&self.code) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        (!self.labels.is_empty())
            .then(|| Box::new(self.labels.iter().cloned()) as Box<dyn Iterator<Item = LabeledSpan>>)
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        (!self.related.is_empty()).then(|| {
            Box::new(self.related.iter().map(|r| r as &dyn Diagnostic))
                as Box<dyn Iterator<Item = &'a dyn Diagnostic>>
        })
    }
}
