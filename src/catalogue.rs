//! The rule catalogue: every built-in rule's metadata and documentation, read
//! from `rules/*.yaml` (embedded at build time by `build.rs`).
//!
//! The catalogue is data so that it is reviewable without reading Rust, and so
//! that `dvmlint rules`, `dvmlint explain`, SARIF rule descriptors and the docs
//! all come from one place. Its examples are run as tests
//! (`tests/catalogue_examples.rs`).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::finding::Severity;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/catalogue_files.rs"));
}

/// Where each rule's documentation is published (SARIF `helpUri`, LSP `codeDescription`).
pub const DOCS_BASE: &str = "https://dvmlint.dev/rules/";

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleMeta {
    pub id: String,
    pub name: String,
    pub severity: Severity,
    pub family: String,
    pub summary: String,
    pub rationale: String,
    pub fix: String,
    #[serde(default)]
    pub examples: Option<Examples>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Examples {
    pub fail: Example,
    pub pass: Example,
}

/// A small repository: its files, and optionally a `.dvmlint.yaml`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    #[serde(default)]
    pub config: Option<String>,
    pub files: BTreeMap<String, String>,
}

impl<'de> Deserialize<'de> for Severity {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        let text = String::deserialize(de)?;
        Severity::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown severity `{text}`, expected error, warning or info"
            ))
        })
    }
}

impl RuleMeta {
    pub fn help_uri(&self) -> String {
        format!("{DOCS_BASE}{}", self.id.to_ascii_lowercase())
    }
}

struct Catalogue {
    rules: Vec<RuleMeta>,
    error: Option<String>,
}

fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        let mut rules = Vec::new();
        let mut error = None;
        for (file, text) in embedded::FILES {
            match serde_yaml::from_str::<RuleMeta>(text) {
                Ok(rule) => rules.push(rule),
                Err(err) => {
                    error.get_or_insert_with(|| format!("rules/{file}: {err}"));
                }
            }
        }
        rules.sort_by(|a, b| a.id.cmp(&b.id));
        Catalogue { rules, error }
    })
}

/// Every built-in rule, sorted by id.
pub fn rules() -> &'static [RuleMeta] {
    &catalogue().rules
}

/// An embedded catalogue file that does not parse (a build defect, caught by tests).
pub fn load_error() -> Option<&'static str> {
    catalogue().error.as_deref()
}

/// A built-in rule by id (`DVM401`, any case) or name (`duplicate-object`).
pub fn find(id_or_name: &str) -> Option<&'static RuleMeta> {
    rules()
        .iter()
        .find(|r| r.id.eq_ignore_ascii_case(id_or_name) || r.name == id_or_name)
}

/// The canonical id for a rule named on the command line or in config: a
/// built-in id or name, or a custom rule id (upper-case letters then digits,
/// not starting with `DVM`; checked once custom rules are loaded).
pub fn resolve(text: &str) -> Result<String, String> {
    if let Some(rule) = find(text) {
        return Ok(rule.id.clone());
    }
    let digits = text.trim_start_matches(|c: char| c.is_ascii_uppercase());
    let custom = !text.starts_with("DVM")
        && digits.len() < text.len()
        && !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit());
    if custom {
        return Ok(text.to_owned());
    }
    let candidates = rules()
        .iter()
        .flat_map(|r| [r.id.as_str(), r.name.as_str()]);
    Err(format!(
        "unknown rule `{text}`{}",
        crate::suggest::hint(text, candidates)
    ))
}

pub fn default_severity(id: &str) -> Severity {
    find(id).map_or(Severity::Warning, |r| r.severity)
}

pub fn name_of(id: &str) -> &'static str {
    find(id).map_or("", |r| r.name.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalogue_file_parses_and_is_named_after_its_rule() {
        assert_eq!(load_error(), None);
        for (file, text) in embedded::FILES {
            let rule: RuleMeta = serde_yaml::from_str(text).unwrap();
            assert_eq!(*file, format!("{}-{}.yaml", rule.id, rule.name));
        }
        assert!(!rules().is_empty());
    }
}
