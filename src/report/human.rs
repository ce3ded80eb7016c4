//! Human output: miette reports with the source snippet, labelled spans, the
//! related locations and the fix; then a summary line.

use std::fmt;
use std::io::{self, Write};

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceSpan};

use std::collections::HashMap;
use std::sync::Arc;

use super::source::LineIndex;
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
        .with_width(options.width)
        .with_break_words(false)
        .with_word_separator(textwrap::WordSeparator::Custom(words_keeping_code))
        .with_links(false);
    let mut masked = MaskedFiles {
        sources,
        redactor,
        files: HashMap::new(),
    };
    for finding in &run.findings {
        let mut report = Report::new(finding, &mut masked, redactor, options);
        // Related locations are rendered after the finding, each on its own,
        // rather than as miette's related diagnostics, which it heads with
        // their severity ("Advice: ").
        let related = std::mem::take(&mut report.related);
        for part in std::iter::once(&report).chain(&related) {
            let mut text = String::new();
            if handler.render_report(&mut text, part).is_err() {
                text = format!("{}\n", part.message);
            }
            write!(out, "{text}")?;
        }
        writeln!(out)?;
    }
    if !options.quiet {
        writeln!(out, "{}", summary_line(run))?;
    }
    Ok(())
}

/// Splits a line into words at ASCII spaces, except inside a `backquoted`
/// token: code, paths and URLs in messages stay on one line whole (with
/// `break_words(false)`, a token longer than the line overflows it).
fn words_keeping_code(line: &str) -> Box<dyn Iterator<Item = textwrap::core::Word<'_>> + '_> {
    let mut words = Vec::new();
    let mut start = 0;
    let mut in_code = false;
    let mut after_space = false;
    for (index, c) in line.char_indices() {
        if c == '`' {
            in_code = !in_code;
        }
        if c == ' ' && !in_code {
            after_space = true;
        } else if after_space {
            // A word ends where the spaces after it end.
            words.push(textwrap::core::Word::from(
                line.get(start..index).unwrap_or(""),
            ));
            start = index;
            after_space = false;
        }
    }
    if start < line.len() {
        words.push(textwrap::core::Word::from(line.get(start..).unwrap_or("")));
    }
    Box::new(words.into_iter())
}

/// One finding (or one related location) as a miette diagnostic.
#[derive(Debug)]
struct Report {
    code: String,
    message: String,
    severity: miette::Severity,
    help: Option<String>,
    source: Option<Window>,
    labels: Vec<LabeledSpan>,
    related: Vec<Report>,
}

impl Report {
    fn new(
        f: &Finding,
        sources: &mut MaskedFiles<'_, '_>,
        redactor: &Redactor<'_>,
        options: &ReportOptions,
    ) -> Report {
        let position = format!(
            "{}:{}:{}",
            options.paths.show(&f.location.file),
            f.location.span.start.line,
            f.location.span.start.col
        );
        let mut report = Report::at(
            &f.location,
            format!("{position}: {}", redactor.apply(&f.message)),
            "here",
            sources,
            options,
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
                    options.paths.show(&r.location.file),
                    r.location.span.start.line,
                    r.location.span.start.col
                );
                let message = redactor.apply(&r.message).into_owned();
                Report::at(
                    &r.location,
                    format!("{place}: {message}"),
                    &message,
                    sources,
                    options,
                )
            })
            .collect();
        report
    }

    fn at(
        location: &Location,
        message: String,
        label: &str,
        sources: &mut MaskedFiles<'_, '_>,
        options: &ReportOptions,
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
        if let Some(file) = sources.get(&location.file).filter(|_| options.show_source) {
            let window = Window::around(&options.paths.show(&location.file), &file, location);
            report.labels.push(LabeledSpan::new_with_span(
                Some(label.to_owned()),
                SourceSpan::new(window.span_start.into(), window.span_len),
            ));
            report.source = Some(window);
        }
        report
    }
}

/// Each file's text masked once, with its line index, shared by every finding
/// in it: the human format is linear in findings + bytes.
struct MaskedFiles<'a, 'r> {
    sources: &'a Sources,
    redactor: &'a Redactor<'r>,
    files: HashMap<Arc<str>, Option<Arc<MaskedFile>>>,
}

struct MaskedFile {
    text: String,
    index: LineIndex,
}

impl MaskedFiles<'_, '_> {
    fn get(&mut self, file: &Arc<str>) -> Option<Arc<MaskedFile>> {
        let (sources, redactor) = (self.sources, self.redactor);
        self.files
            .entry(Arc::clone(file))
            .or_insert_with(|| {
                sources.get(file).map(|text| {
                    let text = redactor.mask_source(file, text);
                    let index = LineIndex::new(&text);
                    Arc::new(MaskedFile { text, index })
                })
            })
            .clone()
    }
}

/// Lines shown around a span, at most: a finding over a whole document shows
/// its first lines.
const WINDOW_LINES: usize = 12;
/// Bytes shown around a span, at most (a minified file is one long line).
const WINDOW_BYTES: usize = 4096;

/// The few lines around a finding, copied out of its masked file, with their
/// true line numbers: what miette reads, so its work per finding is bounded.
#[derive(Debug)]
struct Window {
    name: String,
    text: String,
    /// 0-based line number of the window's first line.
    first_line: usize,
    span_start: usize,
    span_len: usize,
}

impl Window {
    fn around(name: &str, file: &MaskedFile, location: &Location) -> Window {
        let text = file.text.as_str();
        let start = file.index.offset(text, location.span.start);
        let end = file.index.offset(text, location.span.end).max(start);
        let start_line = file.index.line_of(start);
        let first = start_line.saturating_sub(1).max(1);
        let last = (file.index.line_of(end) + 1).min(start_line + WINDOW_LINES);
        let mut from = file.index.line_start(text, first);
        let mut to = file.index.line_start(text, last + 1).max(from);
        if to - from > WINDOW_BYTES {
            from = from.max(start.saturating_sub(WINDOW_BYTES / 4));
            to = to.min(from + WINDOW_BYTES);
        }
        while !text.is_char_boundary(from) {
            from += 1;
        }
        while !text.is_char_boundary(to) {
            to -= 1;
        }
        let to = to.max(from);
        let span_start = start.clamp(from, to);
        let span_end = end.clamp(span_start, to);
        Window {
            name: name.to_owned(),
            text: text.get(from..to).unwrap_or_default().to_owned(),
            first_line: file.index.line_of(from) - 1,
            span_start: span_start - from,
            span_len: span_end - span_start,
        }
    }
}

impl miette::SourceCode for Window {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let inner =
            self.text
                .as_str()
                .read_span(span, context_lines_before, context_lines_after)?;
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line() + self.first_line,
            inner.column(),
            inner.line_count(),
        )))
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

#[cfg(test)]
mod tests {
    use super::words_keeping_code;

    fn words(line: &str) -> Vec<String> {
        words_keeping_code(line)
            .map(|w| format!("{}{}", w.word, w.whitespace))
            .collect()
    }

    #[test]
    fn backquoted_tokens_are_one_word() {
        assert_eq!(
            words("set `http://user:pw@proxy:3128 x`  now"),
            ["set ", "`http://user:pw@proxy:3128 x`  ", "now"]
        );
        // An unclosed backquote keeps the rest together rather than losing text.
        assert_eq!(words("a `b c"), ["a ", "`b c"]);
        assert_eq!(words(""), Vec::<String>::new());
        assert_eq!(words("  lead"), ["  ", "lead"]);
    }
}
