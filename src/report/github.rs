//! GitHub Actions workflow commands (docs/output.md): one annotation per finding,
//! `::error file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message`.
//!
//! GitHub shows the annotation on the file's diff when `file` is relative to the
//! repository root, so run dvmlint from there (see `docs/ci.md`). Annotations
//! have no related locations: they are listed at the end of the message.
//!
//! Escaping follows GitHub's runner (`ActionCommand.cs`): property values escape
//! `%`, CR, LF, `:` and `,`; the message escapes `%`, CR and LF.

use std::io::{self, Write};

use super::Redactor;
use crate::catalogue;
use crate::finding::{Finding, Severity};
use crate::lint::LintRun;

pub fn write(run: &LintRun, redactor: &Redactor<'_>, out: &mut dyn Write) -> io::Result<()> {
    for finding in &run.findings {
        writeln!(out, "{}", command(finding, redactor))?;
    }
    Ok(())
}

/// The workflow command for one finding.
pub fn command(finding: &Finding, redactor: &Redactor<'_>) -> String {
    let span = finding.location.span;
    let name = catalogue::name_of(&finding.rule);
    let title = if name.is_empty() {
        finding.rule.to_string()
    } else {
        format!("{} ({name})", finding.rule)
    };
    let properties = [
        ("file", finding.location.file.to_string()),
        ("line", span.start.line.to_string()),
        ("col", span.start.col.to_string()),
        ("endLine", span.end.line.to_string()),
        ("endColumn", span.end.col.to_string()),
        ("title", title),
    ]
    .map(|(key, value)| format!("{key}={}", escape_property(&value)))
    .join(",");
    format!(
        "::{} {properties}::{}",
        command_name(finding.severity),
        escape_data(&message(finding, redactor))
    )
}

fn command_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

/// The message, then the help and the related locations on lines of their own.
fn message(finding: &Finding, redactor: &Redactor<'_>) -> String {
    let mut text = redactor.apply(&finding.message).into_owned();
    if let Some(help) = &finding.help {
        text.push_str("\nhelp: ");
        text.push_str(&redactor.apply(help));
    }
    for related in &finding.related {
        let start = related.location.span.start;
        text.push_str(&format!(
            "\n{}:{}:{}: {}",
            related.location.file,
            start.line,
            start.col,
            redactor.apply(&related.message)
        ));
    }
    text
}

pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_the_actions_runner() {
        assert_eq!(
            escape_data("100% done\r\nnext: a,b"),
            "100%25 done%0D%0Anext: a,b"
        );
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }
}
