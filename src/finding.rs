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
    /// The values files of the Helm release.
    #[serde(skip_serializing_if = "Vec::is_empty")]
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

    pub fn related(mut self, location: Location, message: impl Into<String>) -> Self {
        self.related.push(Related {
            location,
            message: message.into(),
        });
        self
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
