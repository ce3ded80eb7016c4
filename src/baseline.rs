//! Baselines: adopt dvmlint on a repository with known problems and fail only
//! on new ones. `dvmlint baseline` writes the fingerprints of today's findings;
//! `dvmlint check --baseline FILE` reports only findings whose fingerprint is
//! not in it.
//!
//! The fingerprints are SARIF's (`report::fingerprint`): they hash what a
//! finding is about (rule, file, cluster, object, message without line
//! numbers), never its position, so a finding that only moved (lines inserted
//! above it) stays known, while a new problem, or a known one whose message
//! changed because the problem changed, is reported. The file also lists the
//! rule, file and message of each entry, for the reviewer of the commit that
//! adds it; only the fingerprint is matched.

use std::collections::HashSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::lint::LintRun;
use crate::report::{Redactor, fingerprint};

/// Where `dvmlint baseline` writes and what the walk never reads as input.
pub const DEFAULT_FILE: &str = ".dvmlint-baseline.json";

/// The file format's version; a file of another version is refused.
const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    version: u32,
    /// The fingerprint recipe (`dvmlint/v1`): a baseline of another recipe
    /// would match nothing, so it is refused with a clear message.
    fingerprint: String,
    findings: Vec<Entry>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    fingerprint: String,
    rule: String,
    file: String,
    message: String,
}

/// Writes the baseline of `run`'s findings to `path`; returns their number.
pub fn write(run: &LintRun, path: &Path) -> Result<usize, String> {
    let redactor = Redactor::new(&run.secrets)
        .with_spans(&run.secret_spans)
        .with_paths(&run.files);
    let fingerprints = fingerprint::fingerprints(&run.findings, &redactor);
    let findings: Vec<Entry> = run
        .findings
        .iter()
        .zip(fingerprints)
        .map(|(finding, fingerprint)| Entry {
            fingerprint,
            rule: finding.rule.to_string(),
            file: finding.location.file.to_string(),
            message: redactor.apply(&finding.message).into_owned(),
        })
        .collect();
    let count = findings.len();
    let file = BaselineFile {
        version: VERSION,
        fingerprint: fingerprint::SARIF_KEY.to_owned(),
        findings,
    };
    let mut text = serde_json::to_string_pretty(&file).map_err(|err| err.to_string())?;
    text.push('\n');
    std::fs::write(path, text)
        .map_err(|err| format!("cannot write the baseline to {}: {err}", path.display()))?;
    Ok(count)
}

/// The fingerprints of a baseline file.
pub fn load(path: &Path) -> Result<HashSet<String>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|err| format!("cannot read the baseline {}: {err}", path.display()))?;
    let file: BaselineFile = serde_json::from_str(&text).map_err(|err| {
        format!(
            "{}: not a dvmlint baseline ({err}); write one with `dvmlint baseline --output FILE`",
            path.display()
        )
    })?;
    if file.version != VERSION || file.fingerprint != fingerprint::SARIF_KEY {
        return Err(format!(
            "{}: a baseline of version {} with fingerprints `{}`, this dvmlint reads version {VERSION} \
             with `{}`: write it again with `dvmlint baseline`",
            path.display(),
            file.version,
            file.fingerprint,
            fingerprint::SARIF_KEY
        ));
    }
    Ok(file.findings.into_iter().map(|e| e.fingerprint).collect())
}

/// Drops the findings of `run` that `known` lists; returns how many.
pub fn filter(run: &mut LintRun, known: &HashSet<String>) -> usize {
    let redactor = Redactor::new(&run.secrets)
        .with_spans(&run.secret_spans)
        .with_paths(&run.files);
    let fingerprints = fingerprint::fingerprints(&run.findings, &redactor);
    let before = run.findings.len();
    let mut keep = fingerprints.iter().map(|f| !known.contains(f));
    run.findings.retain(|_| keep.next().unwrap_or(true));
    before - run.findings.len()
}
