//! Findings: what a rule reports, where, and how to fix it.
//!
//! A finding is plain data. Rules build them; reporters print them; nothing in
//! between formats text. Severity starts at the rule's catalogue default (or the
//! context-dependent one the rule chooses) and config overrides are applied once,
//! in `crate::lint`.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::yaml::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn parse(text: &str) -> Option<Severity> {
        match text {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "info" => Some(Severity::Info),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// A place in a file of the project: its path relative to the project root
/// (with `/` separators) and the span of the offending key or value.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Location {
    pub file: Arc<str>,
    pub span: Span,
}

impl Location {
    pub fn new(file: &Arc<str>, span: Span) -> Self {
        Location {
            file: Arc::clone(file),
            span,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Related {
    pub location: Location,
    pub message: String,
}

/// The object a finding is about, as printed in the json output.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectRef {
    pub api_version: String,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Rule id: `DVM401`, or a custom rule's id.
    pub rule: Cow<'static, str>,
    pub severity: Severity,
    pub message: String,
    pub help: Option<String>,
    pub location: Location,
    pub object: Option<ObjectRef>,
    pub cluster: Option<Arc<str>>,
    pub related: Vec<Related>,
    /// Set when the finding is about an object that a render produced
    /// (`crate::render`); its location is then the source a user edits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rendered: Option<RenderedFrom>,
    /// What a certain fix needs that the finding does not say otherwise
    /// (`crate::fix`); never printed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<FixHint>,
}

/// The data of a fix a rule knows to be certain, turned into an edit of the
/// file by `crate::fix` (which checks the text still reads as the rule saw it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FixHint {
    /// DVM201: the noProxy value at the finding's location, which read
    /// `value`, lacks `entries` (worker addresses).
    NoProxyAppend { value: String, entries: Vec<String> },
}

/// What rendered the object a finding is about (JSON `"rendered"`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenderedFrom {
    /// `kustomize`, `kubectl kustomize` or `helm`.
    pub tool: String,
    /// The Kustomize root or chart folder, relative to the project root.
    pub source: String,
    /// The Helm release name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release: Option<String>,
    /// The values files of the Helm release (left out of the JSON when
    /// there are none, so read back as none: `.dvmlint-cache/` decodes it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

impl Finding {
    /// A finding of a built-in rule at its catalogue default severity.
    pub fn new(rule: &'static str, location: Location, message: impl Into<String>) -> Self {
        let severity = crate::catalogue::default_severity(rule);
        Finding::of_rule(Cow::Borrowed(rule), severity, location, message)
    }

    /// A finding of a rule known only at run time (a policy-as-code rule).
    pub fn of_rule(
        rule: Cow<'static, str>,
        severity: Severity,
        location: Location,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            rule,
            severity,
            message: message.into(),
            help: None,
            location,
            object: None,
            cluster: None,
            related: Vec::new(),
            rendered: None,
            fix: None,
        }
    }

    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn object(mut self, object: Option<ObjectRef>) -> Self {
        self.object = object;
        self
    }

    pub fn cluster(mut self, cluster: Option<&Arc<str>>) -> Self {
        self.cluster = cluster.cloned();
        self
    }

    pub fn fix(mut self, hint: FixHint) -> Self {
        self.fix = Some(hint);
        self
    }

    pub fn related(mut self, location: Location, message: impl Into<String>) -> Self {
        self.related.push(Related {
            location,
            message: message.into(),
        });
        self
    }

    /// Whether `other` says what this finding says, at the same place, with
    /// the same help and fix: only its related locations (and where a
    /// rendered copy came from) may differ.
    pub fn same_statement(&self, other: &Finding) -> bool {
        self.rule == other.rule
            && self.location == other.location
            && self.severity == other.severity
            && self.message == other.message
            && self.help == other.help
            && self.object == other.object
            && self.cluster == other.cluster
            && self.fix == other.fix
    }

    /// The order of every report: file, line, column, rule, then the rest so
    /// that output never depends on thread scheduling.
    pub fn sort_key(&self) -> impl Ord + '_ {
        (
            &self.location.file,
            self.location.span.start,
            &self.rule,
            self.location.span.end,
            &self.message,
        )
    }
}

/// How many items a message lists before "and N more": every list in a
/// message goes through [`bounded_list`], so no message grows with the
/// repository (the full list stays in the finding's related locations).
pub const LISTED: usize = 5;

/// `items` joined by `, `, the first [`LISTED`] only, then "and N more":
/// `` `a`, `b`, `c`, `d`, `e` and 7 more ``.
pub fn bounded_list<I>(items: I) -> String
where
    I: IntoIterator,
    I::Item: fmt::Display,
{
    bounded_join(items, ", ")
}

/// [`bounded_list`] with another separator (`; ` between clauses).
pub fn bounded_join<I>(items: I, separator: &str) -> String
where
    I: IntoIterator,
    I::Item: fmt::Display,
{
    let mut out = String::new();
    let mut more = 0usize;
    for (index, item) in items.into_iter().enumerate() {
        if index < LISTED {
            if index > 0 {
                out.push_str(separator);
            }
            let _ = fmt::Write::write_fmt(&mut out, format_args!("{item}"));
        } else {
            more += 1;
        }
    }
    if more > 0 {
        let _ = fmt::Write::write_fmt(&mut out, format_args!(" and {more} more"));
    }
    out
}

#[cfg(test)]
mod bounded_tests {
    use super::bounded_list;

    #[test]
    fn lists_at_most_five_items_then_counts_the_rest() {
        assert_eq!(bounded_list(Vec::<String>::new()), "");
        assert_eq!(bounded_list(["`a`"]), "`a`");
        assert_eq!(bounded_list(["a", "b", "c", "d", "e"]), "a, b, c, d, e");
        let many: Vec<String> = (1..=200).map(|i| format!("`p{i}`")).collect();
        let listed = bounded_list(&many);
        assert_eq!(listed, "`p1`, `p2`, `p3`, `p4`, `p5` and 195 more");
    }
}
