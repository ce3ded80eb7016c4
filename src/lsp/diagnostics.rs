//! Findings as LSP diagnostics (docs/editors.md): severity, the rule id as `code` with
//! its documentation as `codeDescription`, related locations as
//! `relatedInformation`, message and help — every text masked for secrets.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use lsp_types::{
    CodeDescription, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location, Url,
};

use crate::finding::{Finding, Severity};
use crate::lint::LintRun;
use crate::report::redact::Redactor;

use super::documents::Documents;
use super::position::{Encoding, LineText};

pub const SOURCE: &str = "dvmlint";

/// One published diagnostic and what the code actions need from its finding.
#[derive(Clone, Debug, PartialEq)]
pub struct Published {
    pub diagnostic: Diagnostic,
    pub rule: String,
    /// The allow policy of DVM101/DVM102, extracted from the help text.
    pub allow_policy: Option<String>,
    /// The finding, when its rule may have a certain edit (`crate::fix`).
    pub fixable: Option<Box<Finding>>,
}

/// The diagnostics of every open document (empty lists included, so that
/// fixed documents are cleared).
pub fn for_open_documents(
    run: &LintRun,
    documents: &Documents,
    encoding: Encoding,
) -> BTreeMap<Url, Vec<Published>> {
    let redactor = Redactor::new(&run.secrets).with_paths(&run.files);
    let mut texts = Texts::new(documents, &run.root);
    let mut out: BTreeMap<Url, Vec<Published>> = BTreeMap::new();
    for (uri, doc) in documents.iter() {
        if doc.path.as_ref().is_some_and(|p| p.starts_with(&run.root)) {
            out.insert(uri.clone(), Vec::new());
        }
    }
    for finding in &run.findings {
        let path = crate::discovery::absolute(&run.root.join(finding.location.file.as_ref()));
        let Some((uri, _)) = documents.by_path(&path) else {
            continue;
        };
        let uri = uri.clone();
        let published = convert(finding, &path, &run.root, &redactor, &mut texts, encoding);
        out.entry(uri).or_default().push(published);
    }
    out
}

fn convert(
    finding: &Finding,
    path: &Path,
    root: &Path,
    redactor: &Redactor<'_>,
    texts: &mut Texts<'_>,
    encoding: Encoding,
) -> Published {
    let range = texts.range(path, finding.location.span, encoding);
    let mut message = redactor.apply(&finding.message).into_owned();
    if let Some(help) = &finding.help {
        message.push_str("\nhelp: ");
        message.push_str(&redactor.apply(help));
    }
    let related: Vec<DiagnosticRelatedInformation> = finding
        .related
        .iter()
        .filter_map(|related| {
            let path = crate::discovery::absolute(&root.join(related.location.file.as_ref()));
            let uri = Url::from_file_path(&path).ok()?;
            Some(DiagnosticRelatedInformation {
                location: Location {
                    uri,
                    range: texts.range(&path, related.location.span, encoding),
                },
                message: redactor.apply(&related.message).into_owned(),
            })
        })
        .collect();
    let meta = crate::catalogue::find(&finding.rule);
    let allow_policy = match finding.rule.as_ref() {
        "DVM101" | "DVM102" => finding
            .help
            .as_deref()
            .and_then(super::actions::allow_policy_yaml)
            .map(|yaml| redactor.apply(&yaml).into_owned()),
        _ => None,
    };
    Published {
        diagnostic: Diagnostic {
            range,
            severity: Some(severity(finding.severity)),
            code: Some(lsp_types::NumberOrString::String(finding.rule.to_string())),
            code_description: meta
                .and_then(crate::catalogue::RuleMeta::help_uri)
                .and_then(|uri| Url::parse(&uri).ok())
                .map(|href| CodeDescription { href }),
            source: Some(SOURCE.to_owned()),
            message,
            related_information: (!related.is_empty()).then_some(related),
            tags: None,
            data: None,
        },
        rule: finding.rule.to_string(),
        allow_policy,
        fixable: crate::fix::VALUE_FIXES
            .contains(&finding.rule.as_ref())
            .then(|| Box::new(finding.clone())),
    }
}

pub fn severity(severity: Severity) -> DiagnosticSeverity {
    match severity {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
    }
}

/// The text positions are converted against: the open buffer, else the file
/// on disk (read once per lint), else none (columns passed through).
struct Texts<'d> {
    documents: &'d Documents,
    root: PathBuf,
    /// Each open document's lines, split once: a buffer with many findings is
    /// not split again for each (that was quadratic).
    open: HashMap<PathBuf, LineText<'d>>,
    disk: HashMap<PathBuf, Option<String>>,
}

impl<'d> Texts<'d> {
    fn new(documents: &'d Documents, root: &Path) -> Self {
        Texts {
            documents,
            root: root.to_path_buf(),
            open: HashMap::new(),
            disk: HashMap::new(),
        }
    }

    fn range(
        &mut self,
        path: &Path,
        span: crate::yaml::Span,
        encoding: Encoding,
    ) -> lsp_types::Range {
        let documents = self.documents;
        if let Some((_, doc)) = documents.by_path(path) {
            return self
                .open
                .entry(path.to_path_buf())
                .or_insert_with(|| LineText::new(&doc.text))
                .range(span, encoding);
        }
        let text = self
            .disk
            .entry(path.to_path_buf())
            .or_insert_with(|| {
                if encoding == Encoding::Utf32 {
                    None
                } else {
                    // A related file not open in the editor: read within the
                    // project boundary and the default size limit only.
                    crate::boundary::ProjectBoundary::new(&self.root)
                        .open_bounded(path, crate::config::DEFAULT_MAX_FILE_SIZE)
                        .ok()
                        .and_then(|bytes| String::from_utf8(bytes).ok())
                }
            })
            .as_deref()
            .unwrap_or("");
        LineText::new(text).range(span, encoding)
    }
}
