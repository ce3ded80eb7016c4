//! Policy as code (docs/policy-as-code.md): rules written as data — a `match` that picks
//! objects, `assert`ions on paths in them, a `message` template — run by one
//! small engine in the per-file stage.
//!
//! The same format serves two audiences:
//! - **users** add rule files through config `custom-rules` globs ([`load`]);
//! - **the built-in catalogue** writes its plain field checks (DVM301, DVM302)
//!   this way in `rules/*.yaml` ([`builtin`]), so there is one engine, tested by
//!   the built-ins' own fixtures.
//!
//! Rule files are read with the span-keeping YAML front end, so a broken rule
//! file is a configuration error naming its line and column, with a did-you-mean
//! for misspelt keys and operators (`parse`).
//!
//! Metadata lookups (`catalogue::find`, `catalogue::name_of`, used by every
//! reporter) see custom rules because [`load`]'s caller registers their metadata
//! with `catalogue::register_custom`; see that function for the trade-off.

mod eval;
pub mod operator;
mod parse;
pub mod path;

use std::collections::BTreeMap;
use std::path::Path as FsPath;
use std::sync::OnceLock;

use globset::GlobMatcher;

use crate::catalogue::RuleMeta;
use crate::config::{Config, ConfigError};

pub use eval::run;
pub use operator::Operator;
pub use parse::parse_rules;
pub use path::Path;

/// One declarative rule: its catalogue metadata and what it checks.
#[derive(Clone, Debug)]
pub struct PolicyRule {
    pub meta: RuleMeta,
    pub selector: Selector,
    pub asserts: Vec<Assertion>,
    /// Used when an assertion has no message of its own.
    pub message: Option<Template>,
}

/// Which objects a rule applies to (`match:`); every given field must agree.
#[derive(Clone, Default)]
pub struct Selector {
    pub api_version: Option<String>,
    pub kind: Option<String>,
    /// Glob on `metadata.namespace`. An object without one (unbound, docs/input.md)
    /// may be applied to any namespace, so it matches every namespace glob.
    pub namespace: Option<GlobMatcher>,
    pub name: Option<GlobMatcher>,
    /// Name of the configured cluster the file belongs to. Without `clusters:`
    /// in the config, the one implicit cluster plays every role and matches any.
    pub cluster: Option<String>,
    pub labels: BTreeMap<String, String>,
}

/// The globs by their text: a compiled matcher's `Debug` shows the state of
/// its regex's cache pool (which thread used it first), and the cache's
/// settings key is made of the rules' `Debug` (`lint::cache`).
impl std::fmt::Debug for Selector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Selector {
            api_version,
            kind,
            namespace,
            name,
            cluster,
            labels,
        } = self;
        fn glob(matcher: &Option<GlobMatcher>) -> Option<&str> {
            matcher.as_ref().map(|m| m.glob().glob())
        }
        f.debug_struct("Selector")
            .field("api_version", api_version)
            .field("kind", kind)
            .field("namespace", &glob(namespace))
            .field("name", &glob(name))
            .field("cluster", cluster)
            .field("labels", labels)
            .finish()
    }
}

/// One `assert:` item: a path and the operators its values must satisfy.
#[derive(Clone, Debug)]
pub struct Assertion {
    pub path: Path,
    pub operators: Vec<Operator>,
    pub message: Option<Template>,
}

/// A message with `{value}`, `{path}`, `{name}`, `{namespace}`, `{kind}` and
/// `{reason}` (what the operator expected) placeholders, checked when parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    pub text: String,
}

pub const PLACEHOLDERS: [&str; 6] = ["value", "path", "name", "namespace", "kind", "reason"];

/// Loads the custom rules named by the config's `custom-rules` globs (relative to
/// the config's folder), sorted by id. Duplicate ids across files are refused.
pub fn load(config: &Config) -> Result<Vec<PolicyRule>, ConfigError> {
    let Some(config_path) = config.path.as_deref() else {
        return Ok(Vec::new());
    };
    let folder = config_path.parent().unwrap_or(FsPath::new("."));
    let config_error = |message: String| ConfigError {
        path: config_path.to_owned(),
        pos: None,
        message,
    };
    let boundary = crate::boundary::ProjectBoundary::new(folder);
    let mut files = Vec::new();
    for pattern in &config.custom_rules {
        let trimmed = pattern.trim_start_matches("./");
        // Rule files belong to the project: a pattern may not leave its folder.
        if FsPath::new(trimmed).is_absolute() || trimmed.split('/').any(|part| part == "..") {
            return Err(config_error(format!(
                "custom-rules: `{pattern}` leaves the project folder; rule files are read only \
                 below {} (name another file with `check --rules-only`)",
                folder.display()
            )));
        }
        let glob = crate::glob::matcher(trimmed, true).map_err(|why| {
            config_error(format!(
                "custom-rules: invalid glob `{}`: {why}",
                crate::glob::shown(pattern)
            ))
        })?;
        let before = files.len();
        // Walk only below the glob's literal folders (`policies/` of `policies/*.yaml`).
        let parts: Vec<&str> = trimmed.split('/').collect();
        let folders = parts.len().saturating_sub(1);
        let base = parts
            .iter()
            .take(folders)
            .take_while(|part| !part.contains(['*', '?', '[', '{']))
            .fold(folder.to_path_buf(), |dir, part| dir.join(part));
        if std::fs::symlink_metadata(&base).is_ok()
            && let Err(refusal) = boundary.resolve(&base)
        {
            return Err(ConfigError {
                path: base,
                pos: None,
                message: format!("cannot read the custom rule folder: {refusal}"),
            });
        }
        // Links are not followed: a linked rule file is read from its target
        // when that lies inside the project, and refused otherwise.
        let walker = ignore::WalkBuilder::new(&base)
            .standard_filters(false)
            .hidden(false)
            .follow_links(false)
            .filter_entry(|entry| entry.file_name() != ".git")
            .build();
        for entry in walker.flatten() {
            let path = entry.path();
            let rel = crate::discovery::relative(folder, path);
            let Some(file_type) = entry.file_type() else {
                continue;
            };
            if !glob.is_match(&rel) || file_type.is_dir() {
                continue;
            }
            if file_type.is_file() {
                files.push(path.to_owned());
            } else if file_type.is_symlink() {
                match boundary.resolve(path) {
                    Ok(target) if !target.is_dir() => files.push(target),
                    Ok(_) => {}
                    Err(refusal) => {
                        return Err(ConfigError {
                            path: path.to_owned(),
                            pos: None,
                            message: format!("cannot read the custom rule file: {refusal}"),
                        });
                    }
                }
            }
        }
        if files.len() == before {
            return Err(config_error(format!(
                "custom-rules: `{pattern}` matches no file under {}",
                folder.display()
            )));
        }
    }
    files.sort();
    files.dedup();
    load_files(&files)
}

/// Loads rule files, sorted by id; duplicate ids or names are refused.
pub fn load_files(files: &[std::path::PathBuf]) -> Result<Vec<PolicyRule>, ConfigError> {
    let mut rules: Vec<PolicyRule> = Vec::new();
    for file in files {
        // Named by the user (`--rules-only`) or found inside the project by
        // [`load`]: either way a regular file of bounded size.
        let bytes =
            crate::boundary::read_named(file, crate::boundary::RULE_CAP).map_err(|refusal| {
                ConfigError {
                    path: file.to_owned(),
                    pos: None,
                    message: format!("cannot read the custom rule file: {refusal}"),
                }
            })?;
        let text = String::from_utf8(bytes).map_err(|err| ConfigError {
            path: file.to_owned(),
            pos: None,
            message: format!("the custom rule file is not valid UTF-8: {err}"),
        })?;
        for (rule, pos) in parse_rules(&text, file, false)? {
            if rules.iter().any(|r| r.meta.id == rule.meta.id) {
                return Err(ConfigError {
                    path: file.to_owned(),
                    pos: Some(pos),
                    message: format!("rule id `{}` is defined twice", rule.meta.id),
                });
            }
            if rules.iter().any(|r| r.meta.name == rule.meta.name)
                || crate::catalogue::rules()
                    .iter()
                    .any(|r| r.name == rule.meta.name)
            {
                return Err(ConfigError {
                    path: file.to_owned(),
                    pos: Some(pos),
                    message: format!("rule name `{}` is already taken", rule.meta.name),
                });
            }
            rules.push(rule);
        }
    }
    rules.sort_by(|a, b| a.meta.id.cmp(&b.meta.id));
    Ok(rules)
}

fn builtin_result() -> &'static Result<Vec<PolicyRule>, ConfigError> {
    static BUILTIN: OnceLock<Result<Vec<PolicyRule>, ConfigError>> = OnceLock::new();
    BUILTIN.get_or_init(builtin_parse)
}

/// The built-in rules written in this format (catalogue files with `assert:`).
pub fn builtin() -> &'static [PolicyRule] {
    builtin_result().as_deref().unwrap_or_default()
}

/// An embedded declarative rule that does not parse: a build defect, caught by
/// tests, and an internal error (exit 2) for `dvmlint check` rather than a rule
/// that silently stops running.
pub fn builtin_error() -> Option<&'static ConfigError> {
    builtin_result().as_ref().err()
}

/// Parses the declarative built-ins; `Err` names the broken catalogue file.
pub fn builtin_parse() -> Result<Vec<PolicyRule>, ConfigError> {
    let mut out = Vec::new();
    for (file, text) in crate::catalogue::embedded_files() {
        let declarative = text.starts_with("assert:")
            || memchr::memmem::find(text.as_bytes(), b"\nassert:").is_some();
        if !declarative {
            continue;
        }
        let path = FsPath::new("rules").join(file);
        out.extend(parse_rules(text, &path, true)?.into_iter().map(|(r, _)| r));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleSet;

    /// DVM302's findings on a MigrationController with `src_supplemental_groups: value`.
    fn dvm302(value: &str) -> usize {
        let text = format!(
            "apiVersion: migration.openshift.io/v1alpha1\nkind: MigrationController\n\
             metadata: {{name: m, namespace: openshift-migration}}\nspec:\n  src_supplemental_groups: {value}\n"
        );
        let mut out = Vec::new();
        crate::rules::with_test_context(&text, None, |ctx| {
            run(builtin(), &RuleSet::new(&[], &[]), ctx, &mut out)
        });
        out.iter().filter(|f| f.rule == "DVM302").count()
    }

    #[test]
    fn builtin_declarative_rules_parse() {
        assert_eq!(builtin_parse().unwrap().len(), builtin().len());
        assert!(builtin().iter().any(|r| r.meta.id == "DVM301"));
    }

    /// Built-in patterns compile on first use, not when the catalogue is read:
    /// this is where a broken one is caught.
    #[test]
    fn builtin_patterns_compile() {
        let rules = builtin_parse().unwrap();
        let patterns: Vec<&operator::Pattern> = rules
            .iter()
            .flat_map(|rule| &rule.asserts)
            .flat_map(|assertion| &assertion.operators)
            .filter_map(|op| match op {
                Operator::Pattern(pattern) => Some(pattern),
                _ => None,
            })
            .collect();
        assert!(!patterns.is_empty());
        assert!(patterns.iter().all(|p| !p.is_compiled()));
        for pattern in patterns {
            assert!(pattern.regex().is_ok(), "{}", pattern.text());
        }
    }

    /// The cache's settings key is made of the rules' `Debug`: using a rule
    /// (a pattern compiled on first use, a glob's regex cache taken by a
    /// thread) must not change it, or a long-lived process (a test binary,
    /// the language server) misses its whole cache after a first use.
    #[test]
    fn a_rules_debug_does_not_change_when_it_is_used() {
        let text = "\
id: ORG900
name: ns-pattern
severity: warning
summary: s
match: {kind: ConfigMap, namespace: 'app-*', name: 'cm-?'}
assert:
  - path: data.mode
    pattern: '^on$'
message: m
";
        let mut rules = builtin_parse().unwrap();
        rules.extend(
            parse::parse_rules(text, FsPath::new("custom.yaml"), false)
                .unwrap()
                .into_iter()
                .map(|(rule, _)| rule),
        );
        let before = format!("{rules:?}");
        std::thread::scope(|scope| {
            scope.spawn(|| {
                for rule in &rules {
                    for op in rule.asserts.iter().flat_map(|a| &a.operators) {
                        if let Operator::Pattern(pattern) = op {
                            assert!(pattern.regex().is_ok_and(|re| !re.is_match("\u{0}")));
                        }
                    }
                    let globs = [&rule.selector.namespace, &rule.selector.name];
                    for glob in globs.into_iter().flatten() {
                        assert!(!glob.is_match("\u{0}"));
                    }
                }
            });
        });
        assert!(
            before.contains("app-*") && before.contains("^on$"),
            "{before}"
        );
        assert_eq!(format!("{rules:?}"), before);
    }

    #[test]
    fn dvm302_accepts_exactly_group_id_lists_in_range() {
        for ok in [
            "\"0\"",
            "\"1000,2000\"",
            "\"1000, 2000 \"",
            "\"4294967294\"",
            "\"0004294967294\"",
            "~",
        ] {
            assert_eq!(dvm302(ok), 0, "{ok}");
        }
        for bad in [
            "\"4294967295\"",
            "\"10000000000\"",
            "\"1000;2000\"",
            "\"1000 2000\"",
            "\"\"",
            "\"1000,\"",
            "\"-1\"",
            "[1000]",
        ] {
            assert_eq!(dvm302(bad), 1, "{bad}");
        }
    }
}
