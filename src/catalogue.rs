//! The rule catalogue: every built-in rule's metadata and documentation, read
//! from `rules/*.yaml` (embedded at build time by `build.rs`).
//!
//! The catalogue is data so that it is reviewable without reading Rust, and so
//! that `dvmlint rules`, `dvmlint explain`, SARIF rule descriptors and the docs
//! all come from one place. Its examples are run as tests
//! (`tests/catalogue_examples.rs`).

use std::collections::BTreeMap;
use std::sync::{OnceLock, RwLock};

use serde::{Deserialize, Serialize};

use crate::finding::Severity;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/catalogue_files.rs"));
}

/// Where `docs/rules.md` is published, given when dvmlint is built
/// (`DVMLINT_DOCS_URL=https://…/docs/rules.md`): SARIF `helpUri` and the
/// language server's `codeDescription` link to each rule's section there.
/// Unset, no link is given rather than one to a page that does not exist; the
/// rule's documentation travels in the SARIF log and `dvmlint explain` anyway.
pub const DOCS_URL: Option<&str> = option_env!("DVMLINT_DOCS_URL");

/// The link to a rule's section of `docs/rules.md` published at `base`: the
/// anchor a Markdown renderer gives the heading `## DVM401 duplicate-object`.
pub fn rule_docs_uri(base: Option<&str>, id: &str, name: &str) -> Option<String> {
    let base = base.map(str::trim).filter(|b| !b.is_empty())?;
    let base = base.split('#').next().unwrap_or(base);
    Some(format!("{base}#{}-{name}", id.to_ascii_lowercase()))
}

/// Every rule family with its one-line description, in the order `dvmlint
/// rules` and `docs/rules.md` list them (a test checks that every built-in
/// rule's `family` is here).
pub const FAMILIES: &[(&str, &str)] = &[
    (
        "input",
        "Reading the repository: YAML that does not parse, templates left unrendered, files that could not be read or rendered.",
    ),
    (
        "network",
        "NetworkPolicies that cut the rsync connection between the clusters, or the rsync pods' DNS.",
    ),
    (
        "egress",
        "Egress firewalls (EgressFirewall, EgressNetworkPolicy) that deny the rsync peer, or that the platform ignores or rejects.",
    ),
    (
        "migration",
        "MigPlans and the destination's Namespaces, IngressControllers and StorageClasses: what stops DVM's pods, Route or volumes.",
    ),
    (
        "proxy",
        "Cluster proxies, noProxy and stunnel_tcp_proxy: MTC connections sent through a proxy that breaks them.",
    ),
    (
        "values",
        "MigrationController values MTC rejects, ignores or misreads: endpoint type, rsync options, limits, proxy URLs.",
    ),
    (
        "hygiene",
        "Repository mistakes that hide a broken migration: duplicates, placeholders, unknown keys, MigPlan clusters that resolve to nothing.",
    ),
    (
        "suppressions",
        "Suppression comments that no longer suppress anything.",
    ),
    (
        "custom",
        "Rules written in the configuration (docs/policy-as-code.md).",
    ),
];

/// The one-line description of `family`; a family only custom rules use
/// has none.
pub fn family_description(family: &str) -> Option<&'static str> {
    FAMILIES
        .iter()
        .find(|(name, _)| *name == family)
        .map(|(_, text)| *text)
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleMeta {
    pub id: String,
    pub name: String,
    pub severity: Severity,
    pub family: String,
    pub summary: String,
    pub rationale: String,
    pub fix: String,
    /// The configuration keys that make the rule exact: what it cannot know
    /// from the manifests alone (`dvmlint explain` lists them). `Some([])`:
    /// exact from the manifests alone; `None`: not stated.
    #[serde(
        default,
        rename = "exact-with",
        skip_serializing_if = "Option::is_none"
    )]
    pub exact_with: Option<Vec<ExactWith>>,
    #[serde(default)]
    pub examples: Option<Examples>,
    /// The policy-as-code sections (docs/policy-as-code.md) of a declarative rule, as written;
    /// `crate::policy` parses them with positions, these are for display.
    #[serde(default, rename = "match", skip_serializing_if = "Option::is_none")]
    pub selector: Option<serde_yaml::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assert: Option<serde_yaml::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// One configuration key a rule's precision depends on.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExactWith {
    /// `clusters[].cidrs`, `hosts`, `mtcVersion`, or a manifest a rule reads
    /// (`install-config.yaml`).
    pub key: String,
    /// What the rule learns from it.
    pub gives: String,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Examples {
    pub fail: Example,
    pub pass: Example,
}

/// A small repository: its files, and optionally a `.dvmlint.yaml`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
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
    /// The rule's section of the published `docs/rules.md` ([`DOCS_URL`]).
    pub fn help_uri(&self) -> Option<String> {
        rule_docs_uri(DOCS_URL, &self.id, &self.name)
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
        for (file, yaml, json) in embedded::FILES {
            // The JSON form (build.rs) is read at every start; the YAML only
            // when that fails, for an error message with YAML lines.
            let rule = serde_json::from_str::<RuleMeta>(json)
                .or_else(|_| serde_yaml::from_str::<RuleMeta>(yaml));
            match rule {
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

/// The embedded catalogue files: (file name, text).
pub fn embedded_files() -> impl Iterator<Item = (&'static str, &'static str)> {
    embedded::FILES.iter().map(|(file, yaml, _)| (*file, *yaml))
}

/// A rule by id (`DVM401`, any case) or name (`duplicate-object`): a built-in,
/// else a registered custom rule.
pub fn find(id_or_name: &str) -> Option<&'static RuleMeta> {
    let matches = |r: &RuleMeta| r.id.eq_ignore_ascii_case(id_or_name) || r.name == id_or_name;
    rules()
        .iter()
        .find(|r| matches(r))
        .or_else(|| custom_rules().into_iter().find(|r| matches(r)))
}

/// Custom rules' metadata, registered by the runs that loaded them.
///
/// Reporters, `Finding::new` and suppressions look rules up by id through
/// [`find`] and [`name_of`], with `'static` answers; custom rules join that
/// lookup here instead of a registry being threaded through every reporter's
/// signature. Each distinct definition is leaked once (a repeated run with the
/// same rule files registers nothing new, so a language server does not grow),
/// and a later definition of the same id replaces the earlier one. What a run
/// *checks* never depends on this table: `lint::run` validates ids against the
/// rules it loaded itself, and lists them in `LintRun::custom_rules`.
static CUSTOM: RwLock<Vec<&'static RuleMeta>> = RwLock::new(Vec::new());

/// Registers custom rules' metadata (see [`CUSTOM`]) and returns it, in order.
pub fn register_custom(metas: &[RuleMeta]) -> Vec<&'static RuleMeta> {
    let mut table = match CUSTOM.write() {
        Ok(table) => table,
        Err(poisoned) => poisoned.into_inner(),
    };
    metas
        .iter()
        .map(|meta| {
            if let Some(known) = table.iter().find(|r| *r == &meta) {
                return *known;
            }
            let leaked: &'static RuleMeta = Box::leak(Box::new(meta.clone()));
            table.retain(|r| r.id != meta.id);
            table.push(leaked);
            leaked
        })
        .collect()
}

/// Every registered custom rule, sorted by id.
pub fn custom_rules() -> Vec<&'static RuleMeta> {
    let table = match CUSTOM.read() {
        Ok(table) => table,
        Err(poisoned) => poisoned.into_inner(),
    };
    let mut out = table.clone();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

/// The canonical id for a rule named on the command line or in config: a
/// built-in id or name, or a custom rule id (upper-case letters then digits,
/// not starting with `DVM`) or name (kebab-case), both checked once custom
/// rules are loaded.
pub fn resolve(text: &str) -> Result<String, String> {
    if let Some(rule) = find(text) {
        return Ok(rule.id.clone());
    }
    let digits = text.trim_start_matches(|c: char| c.is_ascii_uppercase());
    let custom = !text.starts_with("DVM")
        && digits.len() < text.len()
        && !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit());
    // A kebab-case name may be a custom rule's: kept as written until the custom
    // rules are loaded (`lint::run` then resolves it or reports it unknown).
    let name = text.contains('-')
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if custom || name {
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
    fn rule_docs_links_point_at_the_rules_section_or_nowhere() {
        assert_eq!(rule_docs_uri(None, "DVM401", "duplicate-object"), None);
        assert_eq!(rule_docs_uri(Some(" "), "DVM401", "duplicate-object"), None);
        assert_eq!(
            rule_docs_uri(
                Some("https://git.example.com/dvmlint/blob/main/docs/rules.md"),
                "DVM401",
                "duplicate-object"
            )
            .as_deref(),
            Some("https://git.example.com/dvmlint/blob/main/docs/rules.md#dvm401-duplicate-object")
        );
        // The heading that anchor names exists in docs/rules.md.
        let docs = include_str!("../docs/rules.md");
        for rule in rules() {
            assert!(
                docs.contains(&format!("\n## {} {}\n", rule.id, rule.name)),
                "{}",
                rule.id
            );
        }
    }

    #[test]
    fn every_catalogue_file_parses_and_is_named_after_its_rule() {
        assert_eq!(load_error(), None);
        for (file, yaml, json) in embedded::FILES {
            let rule: RuleMeta = serde_yaml::from_str(yaml).unwrap();
            assert_eq!(*file, format!("{}-{}.yaml", rule.id, rule.name));
            // The JSON the catalogue is read from says exactly what the YAML says.
            let from_json: RuleMeta = serde_json::from_str(json).unwrap();
            assert_eq!(from_json, rule, "{file}");
        }
        assert!(!rules().is_empty());
    }
}
