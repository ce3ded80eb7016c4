//! `dvmlint check --fix` / `--diff`: the edits that are certain, applied to the
//! files (or shown as a unified diff), never to a file that does not parse
//! before and after the edit.
//!
//! Which findings have a fix, and why each is unambiguous:
//! - DVM301 invalid-rsync-endpoint-type: a value that is a valid type in the
//!   wrong case (`nodeport`) becomes that type (`NodePort`); MTC compares the
//!   value exactly and falls back to Route otherwise (docs/domain.md §1.3).
//! - DVM101 / DVM102 (rsync egress / ingress blocked): the allow policy of the
//!   finding's help, the one the language server inserts, written as a new file
//!   `dvmlint-<policy name>.yaml` beside the isolating policy (same folder, so
//!   the same cluster and kustomization); never over an existing file.
//!
//! Fixes are computed from the findings and the files on disk, after the lint:
//! rules stay free of edit logic, and a reporter never writes files. Value
//! fixes come first; allow policies are planned only once no value fix is left,
//! because the endpoint type decides which traffic a policy must allow (`--fix`
//! lints again after each round).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::finding::Finding;
use crate::lint::LintRun;
use crate::report::source::byte_offset;
use crate::yaml::{self, Limits};

/// The valid `rsync_endpoint_type` values, in MTC's spelling.
const ENDPOINT_TYPES: [&str; 3] = ["NodePort", "ClusterIP", "Route"];

/// The new text of one file, and what changed it.
#[derive(Debug, PartialEq, Eq)]
pub struct FileFix {
    /// Relative to the project root.
    pub file: String,
    pub path: PathBuf,
    /// `None`: the file does not exist yet.
    pub before: Option<String>,
    pub after: String,
    /// One line per fix: `DVM301 at 8:26: `nodeport` → `NodePort``.
    pub changes: Vec<String>,
}

/// A file that has fixable findings but was left alone, and why.
#[derive(Debug, PartialEq, Eq)]
pub struct Skipped {
    pub file: String,
    pub reason: String,
}

/// The fixes for `run`'s findings, by file, in path order.
pub fn plan(run: &LintRun) -> (Vec<FileFix>, Vec<Skipped>) {
    let mut fixes = Vec::new();
    let mut skipped = Vec::new();
    let mut casing: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    let mut policies: BTreeMap<String, (PathBuf, String, Vec<String>)> = BTreeMap::new();
    for finding in &run.findings {
        match finding.rule.as_ref() {
            "DVM301" => casing
                .entry(finding.location.file.as_ref())
                .or_default()
                .push(finding),
            "DVM101" | "DVM102" => {
                if let Some((rel, yaml)) = new_policy_file(finding) {
                    let entry = policies
                        .entry(rel)
                        .or_insert_with(|| (PathBuf::new(), yaml, Vec::new()));
                    entry.2.push(format!(
                        "{} at {}:{}: new allow policy",
                        finding.rule, finding.location.file, finding.location.span.start.line
                    ));
                }
            }
            _ => {}
        }
    }
    for (file, findings) in casing {
        let path = run.root.join(file);
        let Ok(before) = std::fs::read_to_string(&path) else {
            skipped.push(Skipped {
                file: file.to_owned(),
                reason: "cannot be read".to_owned(),
            });
            continue;
        };
        let mut edits: Vec<(usize, usize, String, String)> = Vec::new();
        for finding in findings {
            let start = byte_offset(&before, finding.location.span.start);
            let end = byte_offset(&before, finding.location.span.end);
            let Some(written) = before.get(start..end) else {
                continue;
            };
            let (open, inner, close) = unquote(written);
            let mut matches = ENDPOINT_TYPES
                .iter()
                .filter(|t| t.eq_ignore_ascii_case(inner.trim()));
            if let (Some(right), None) = (matches.next(), matches.next())
                && *right != inner
            {
                edits.push((
                    start,
                    end,
                    format!("{open}{right}{close}"),
                    format!(
                        "DVM301 at {}:{}: `{inner}` → `{right}`",
                        finding.location.span.start.line, finding.location.span.start.col
                    ),
                ));
            }
        }
        if edits.is_empty() {
            continue;
        }
        edits.sort_by_key(|edit| std::cmp::Reverse(edit.0));
        let mut after = before.clone();
        let mut changes = Vec::new();
        for (start, end, replacement, change) in edits {
            after.replace_range(start..end, &replacement);
            changes.push(change);
        }
        changes.reverse();
        match same_documents(&before, &after) {
            Ok(()) => fixes.push(FileFix {
                file: file.to_owned(),
                path,
                before: Some(before),
                after,
                changes,
            }),
            Err(reason) => skipped.push(Skipped {
                file: file.to_owned(),
                reason,
            }),
        }
    }
    let values_fixed = !fixes.is_empty();
    for (rel, (_, yaml, changes)) in policies {
        let path = run.root.join(&rel);
        if values_fixed {
            // A value fix can change what the policy must allow (`ClusterIP`
            // instead of a Route): the policy is planned from the fixed files.
            skipped.push(Skipped {
                file: rel,
                reason:
                    "waits for the DVM301 fix (the endpoint type decides what the policy allows); \
                         --fix writes it in its next round"
                        .to_owned(),
            });
            continue;
        }
        if let Some(kustomization) = kustomization_above(&run.root, &path) {
            skipped.push(Skipped {
                file: rel,
                reason: format!(
                    "{} builds this folder: a new file is applied only once listed in its resources, \
                     so add the policy of the finding's help there by hand",
                    crate::discovery::relative(&run.root, &kustomization)
                ),
            });
            continue;
        }
        if path.exists() {
            skipped.push(Skipped {
                file: rel,
                reason: "exists already: the allow policy is not written over it".to_owned(),
            });
            continue;
        }
        let after = format!("{}\n", yaml.trim_end());
        let parsed = yaml::parse_chunk(&after, 1, Limits::default());
        if parsed.error.is_some() || parsed.documents.len() != 1 {
            skipped.push(Skipped {
                file: rel,
                reason: "the allow policy of the help is not one YAML document".to_owned(),
            });
            continue;
        }
        fixes.push(FileFix {
            file: rel,
            path,
            before: None,
            after,
            changes,
        });
    }
    fixes.sort_by(|a, b| a.file.cmp(&b.file));
    (fixes, skipped)
}

/// The kustomization file in the folder of `path` or a folder above it, up to
/// the project root: a new file there is not applied until listed in it.
fn kustomization_above(root: &Path, path: &Path) -> Option<PathBuf> {
    path.ancestors()
        .skip(1)
        .take_while(|dir| dir.starts_with(root))
        .flat_map(|dir| {
            ["kustomization.yaml", "kustomization.yml", "Kustomization"].map(|name| dir.join(name))
        })
        .find(|candidate| candidate.is_file())
}

/// `"x"` → (`"`, `x`, `"`); a plain scalar has no quotes.
fn unquote(text: &str) -> (&str, &str, &str) {
    for quote in ["\"", "'"] {
        if let Some(inner) = text
            .strip_prefix(quote)
            .and_then(|rest| rest.strip_suffix(quote))
        {
            return (quote, inner, quote);
        }
    }
    ("", text, "")
}

/// A fix must leave a file that parses, with as many documents as before;
/// a file that does not parse now is not touched at all.
fn same_documents(before: &str, after: &str) -> Result<(), String> {
    let old = yaml::parse_chunk(before, 1, Limits::default());
    if old.error.is_some() {
        return Err("does not parse (fix its DVM001 first)".to_owned());
    }
    let new = yaml::parse_chunk(after, 1, Limits::default());
    if new.error.is_some() || new.documents.len() != old.documents.len() {
        return Err("would not parse after the fix".to_owned());
    }
    Ok(())
}

/// `(relative path, YAML)` of the allow policy a DVM101/DVM102 finding's help
/// gives: `dvmlint-<name>.yaml` in the folder of the finding's file.
fn new_policy_file(finding: &Finding) -> Option<(String, String)> {
    let yaml = crate::lsp::actions::allow_policy_yaml(finding.help.as_deref()?)?;
    let value: serde_yaml::Value = serde_yaml::from_str(&yaml).ok()?;
    let name = value.get("metadata")?.get("name")?.as_str()?;
    let namespace = value
        .get("metadata")
        .and_then(|m| m.get("namespace"))
        .and_then(serde_yaml::Value::as_str);
    let safe = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
    };
    if !safe(name) || namespace.is_some_and(|n| !safe(n)) {
        return None;
    }
    let file_name = match namespace {
        Some(ns) => format!("dvmlint-{ns}-{name}.yaml"),
        None => format!("dvmlint-{name}.yaml"),
    };
    let folder = Path::new(finding.location.file.as_ref()).parent()?;
    let rel = if folder.as_os_str().is_empty() {
        file_name
    } else {
        format!("{}/{file_name}", folder.to_string_lossy())
    };
    Some((rel, yaml))
}

/// Writes every fix; the files written, or the first error.
pub fn apply(fixes: &[FileFix]) -> Result<(), String> {
    for fix in fixes {
        std::fs::write(&fix.path, &fix.after)
            .map_err(|err| format!("cannot write {}: {err}", fix.path.display()))?;
    }
    Ok(())
}

/// A unified diff of one fix: one hunk around the changed lines, three lines
/// of context, `/dev/null` for a new file.
pub fn unified_diff(fix: &FileFix) -> String {
    let before = fix.before.as_deref().unwrap_or("");
    let old: Vec<&str> = before.lines().collect();
    let new: Vec<&str> = fix.after.lines().collect();
    let prefix = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
    let suffix = old
        .iter()
        .rev()
        .zip(new.iter().rev())
        .take_while(|(a, b)| a == b)
        .count()
        .min(old.len().min(new.len()) - prefix);
    let start = prefix.saturating_sub(3);
    let old_end = (old.len() - suffix + 3).min(old.len());
    let new_end = (new.len() - suffix + 3).min(new.len());
    let from = match fix.before {
        Some(_) => format!("a/{}", fix.file),
        None => "/dev/null".to_owned(),
    };
    let mut out = format!("--- {from}\n+++ b/{}\n", fix.file);
    let range = |first: usize, end: usize| {
        let count = end.saturating_sub(first);
        if count == 0 {
            format!("{first},0")
        } else {
            format!("{},{count}", first + 1)
        }
    };
    out.push_str(&format!(
        "@@ -{} +{} @@\n",
        range(start, old_end),
        range(start, new_end)
    ));
    for line in old.get(start..prefix).unwrap_or_default() {
        out.push_str(&format!(" {line}\n"));
    }
    for line in old.get(prefix..old.len() - suffix).unwrap_or_default() {
        out.push_str(&format!("-{line}\n"));
    }
    for line in new.get(prefix..new.len() - suffix).unwrap_or_default() {
        out.push_str(&format!("+{line}\n"));
    }
    for line in old.get(old.len() - suffix..old_end).unwrap_or_default() {
        out.push_str(&format!(" {line}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix(before: Option<&str>, after: &str) -> FileFix {
        FileFix {
            file: "a.yaml".to_owned(),
            path: PathBuf::from("a.yaml"),
            before: before.map(str::to_owned),
            after: after.to_owned(),
            changes: Vec::new(),
        }
    }

    #[test]
    fn diffs_show_the_changed_lines_with_context() {
        let before = "1\n2\n3\n4\n5\n6\n7\n8\n";
        let after = "1\n2\n3\n4\nfive\n6\n7\n8\n";
        assert_eq!(
            unified_diff(&fix(Some(before), after)),
            "--- a/a.yaml\n+++ b/a.yaml\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"
        );
        assert_eq!(
            unified_diff(&fix(None, "a: 1\nb: 2\n")),
            "--- /dev/null\n+++ b/a.yaml\n@@ -0,0 +1,2 @@\n+a: 1\n+b: 2\n"
        );
        let first = unified_diff(&fix(Some("x\ny\n"), "X\ny\n"));
        assert_eq!(
            first,
            "--- a/a.yaml\n+++ b/a.yaml\n@@ -1,2 +1,2 @@\n-x\n+X\n y\n"
        );
    }

    #[test]
    fn quotes_are_kept() {
        assert_eq!(unquote("\"nodeport\""), ("\"", "nodeport", "\""));
        assert_eq!(unquote("'route'"), ("'", "route", "'"));
        assert_eq!(unquote("Route"), ("", "Route", ""));
    }

    #[test]
    fn a_file_that_does_not_parse_is_not_fixed() {
        assert!(same_documents("a: [\n", "a: [\n").is_err());
        assert!(same_documents("a: 1\n", "a: [\n").is_err());
        assert!(same_documents("a: 1\n---\nb: 2\n", "a: 1\n---\nb: 3\n").is_ok());
    }
}
