//! `dvmlint check --fix` / `--diff`: the edits that are certain, applied to the
//! files (or shown as a unified diff), never to a file that does not parse
//! before and after the edit, and each checked to read as intended once made.
//!
//! Which findings have a fix, and why each is unambiguous:
//! - DVM301 invalid-rsync-endpoint-type: a value that is a valid type in the
//!   wrong case (`nodeport`) becomes that type (`NodePort`); MTC compares the
//!   value exactly and falls back to Route otherwise (docs/domain.md §1.3).
//! - DVM404 conflicting-field-spellings: the later spelling the finding points
//!   at is deleted when it holds the same value as the first (for `no_proxy`,
//!   the same entries in any order); with different values, which one the
//!   user means is not certain, so nothing is changed and `--fix` says why.
//! - DVM201 noproxy-missing-worker: the worker addresses the effective noProxy
//!   misses are appended to the noProxy value the finding points at, in its
//!   style (quotes, `,` or `, `); a noProxy that is not written (the finding
//!   then points at `spec`) is not added, since where it belongs is a choice.
//! - DVM101 / DVM102 (rsync egress / ingress blocked): the allow policy of the
//!   finding's help, the one the language server inserts, written as a new file
//!   `dvmlint-<policy name>.yaml` beside the isolating policy (same folder, so
//!   the same cluster and kustomization); never over an existing file.
//!
//! Fixes are computed from the findings and the files on disk, after the lint:
//! rules stay free of edit logic (DVM201 hands over what is missing as a
//! `FixHint`), and a reporter never writes files. The language server offers
//! the value fixes ([`edit_for`]) as quick fixes. Value fixes come first;
//! allow policies are planned only once no DVM301 fix is left, because the
//! endpoint type decides which traffic a policy must allow (`--fix` lints
//! again after each round).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::finding::{Finding, FixHint};
use crate::lint::LintRun;
use crate::report::source::byte_offset;
use crate::snake_case::to_snake;
use crate::yaml::{self, Limits, Node, Pos, ScalarStyle, Span};

/// The valid `rsync_endpoint_type` values, in MTC's spelling.
const ENDPOINT_TYPES: [&str; 3] = ["NodePort", "ClusterIP", "Route"];

/// The rules whose findings may have a certain edit of the file they point at
/// ([`edit_for`]); DVM101/DVM102 write a new file instead.
pub const VALUE_FIXES: [&str; 3] = ["DVM201", "DVM301", "DVM404"];

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

/// One certain edit of a file: the text between `span`'s positions (as
/// findings give them; `end` excluded) replaced by `text`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub span: Span,
    pub text: String,
    /// What it does, for `--fix`'s report and the editor's action:
    /// "`nodeport` → `NodePort`".
    pub title: String,
    /// How the file must read after the edit (checked by parsing it again).
    expect: Expect,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Expect {
    /// A scalar starting at this position reads this value.
    Scalar(Pos, String),
    /// The mapping holding the key at this position has one key that the
    /// operator reads as this snake_case name.
    OneSpelling(Pos, String),
}

/// The certain edit of `finding` in `text` (the file it points at), checked
/// by parsing the edited text: `None` when its rule has none or nothing is
/// left to do, `Err` with the reason when this finding's edit is not certain.
/// The language server offers the same edits as quick fixes.
pub fn edit_for(finding: &Finding, text: &str) -> Option<Result<Edit, String>> {
    if !VALUE_FIXES.contains(&finding.rule.as_ref()) {
        return None;
    }
    let parsed = yaml::parse_chunk(text, 1, Limits::default());
    if parsed.error.is_some() {
        return Some(Err(DOES_NOT_PARSE.to_owned()));
    }
    edit_in(finding, text, &parsed.documents)
}

const DOES_NOT_PARSE: &str = "does not parse (fix its DVM001 first)";

/// [`edit_for`] over the documents of `text`, already parsed.
fn edit_in(finding: &Finding, text: &str, documents: &[Node<'_>]) -> Option<Result<Edit, String>> {
    let edit = match finding.rule.as_ref() {
        "DVM301" => endpoint_type_case(finding, text, documents)?,
        "DVM404" => duplicate_spelling(finding, text, documents)?,
        "DVM201" => noproxy_append(finding, text, documents)?,
        _ => return None,
    };
    Some(edit.and_then(|edit| {
        verify(text, &edit, documents.len())?;
        Ok(edit)
    }))
}

/// DVM301: a valid endpoint type in the wrong case becomes that type (MTC
/// compares the value exactly and falls back to Route otherwise).
fn endpoint_type_case(
    finding: &Finding,
    text: &str,
    documents: &[Node<'_>],
) -> Option<Result<Edit, String>> {
    let span = finding.location.span;
    let (_, node) = entry_with_value_at(documents, span)?;
    let value = node.as_str()?;
    let mut matches = ENDPOINT_TYPES
        .iter()
        .filter(|t| t.eq_ignore_ascii_case(value.trim()));
    let (Some(right), None) = (matches.next(), matches.next()) else {
        return None;
    };
    if *right == value {
        return None;
    }
    let end = match node.scalar_style() {
        Some(ScalarStyle::Quoted) => {
            let close = closing_quote(text, node)?;
            Pos::new(close.line, close.col + 1)
        }
        _ => span.end,
    };
    let written = text.get(byte_offset(text, span.start)..byte_offset(text, end))?;
    let (open, _, close) = unquote(written);
    Some(Ok(Edit {
        span: Span::new(span.start, end),
        text: format!("{open}{right}{close}"),
        title: format!("`{value}` → `{right}`"),
        expect: Expect::Scalar(span.start, (*right).to_owned()),
    }))
}

/// DVM404: the spelling the finding points at is deleted (its whole lines)
/// when it holds the same value as the first spelling, which stays; with two
/// different values, which one the user means is not certain.
fn duplicate_spelling(
    finding: &Finding,
    text: &str,
    documents: &[Node<'_>],
) -> Option<Result<Edit, String>> {
    let first = finding.related.first()?;
    if first.location.file != finding.location.file {
        return None;
    }
    let Some(mapping) = mapping_with_key_at(documents, finding.location.span) else {
        return Some(Err(
            "the key is not where the lint saw it (a rendered file, or one changed since)"
                .to_owned(),
        ));
    };
    let entries = mapping.entries();
    let (key, value) = entries
        .iter()
        .find(|(k, _)| k.span == finding.location.span)?;
    let (first_key, first_value) = entries
        .iter()
        .find(|(k, _)| k.span == first.location.span)?;
    let (name, first_name) = (key.as_str()?, first_key.as_str()?);
    let snake = to_snake(name);
    if snake != to_snake(first_name) || first_key.span.start >= key.span.start {
        return None;
    }
    if !same_value(&snake, value, first_value) {
        return Some(Err(format!(
            "`{first_name}` and `{name}` hold different values: keep the one you mean and delete the other"
        )));
    }
    if text
        .get(byte_offset(text, mapping.span.start)..)?
        .starts_with('{')
    {
        return Some(Err(format!(
            "`{name}` is in a flow mapping (`{{…}}`): delete it by hand"
        )));
    }
    let line_start = Pos::new(key.span.start.line, 1);
    let before_key = text.get(byte_offset(text, line_start)..byte_offset(text, key.span.start))?;
    let end = value.span.end.max(key.span.end);
    let end_line_start = Pos::new(end.line, 1);
    let before_end = text.get(byte_offset(text, end_line_start)..byte_offset(text, end))?;
    let (end_line, ends_line) = if end.line > key.span.start.line && before_end.trim().is_empty() {
        // A block value ends where the next line's content starts.
        (end.line, true)
    } else {
        let rest_start = byte_offset(text, end);
        let rest = text.get(rest_start..byte_offset(text, Pos::new(end.line + 1, 1)))?;
        let rest = rest.trim();
        (end.line + 1, rest.is_empty() || rest.starts_with('#'))
    };
    if !before_key.trim().is_empty() || !ends_line {
        return Some(Err(format!(
            "`{name}` shares its line with other text: delete it by hand"
        )));
    }
    Some(Ok(Edit {
        span: Span::new(line_start, Pos::new(end_line, 1)),
        text: String::new(),
        title: format!("removed `{name}`, which repeats `{first_name}`"),
        expect: Expect::OneSpelling(first_key.span.start, snake),
    }))
}

/// Whether two values of one setting mean the same to the operator: equal
/// text, both strings or both the same plain scalar; a noProxy list with the
/// same entries (Go's matcher does not depend on their order).
fn same_value(snake: &str, a: &Node<'_>, b: &Node<'_>) -> bool {
    use crate::yaml::Value;
    match (&a.value, &b.value) {
        (Value::Scalar(x, x_style), Value::Scalar(y, y_style)) => {
            let plain = |n: &Node<'_>, style: &ScalarStyle| {
                *style == ScalarStyle::Plain
                    && (n.is_null() || n.as_bool().is_some() || n.as_applied_int().is_some())
            };
            let same_type = (x_style == y_style) || (!plain(a, x_style) && !plain(b, y_style));
            if !same_type {
                return false;
            }
            if x == y {
                return true;
            }
            let entries = |s: &str| {
                let mut list: Vec<String> = s
                    .split(',')
                    .map(str::trim)
                    .filter(|e| !e.is_empty())
                    .map(str::to_owned)
                    .collect();
                list.sort();
                list.dedup();
                list
            };
            snake == "no_proxy" && entries(x) == entries(y)
        }
        (Value::Seq(xs), Value::Seq(ys)) => {
            xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| same_value("", x, y))
        }
        (Value::Map(xs), Value::Map(ys)) => {
            xs.len() == ys.len()
                && xs
                    .iter()
                    .zip(ys)
                    .all(|((xk, xv), (yk, yv))| same_value("", xk, yk) && same_value("", xv, yv))
        }
        _ => false,
    }
}

/// DVM201: the missing worker addresses appended to the noProxy value the
/// finding points at, in the value's own style (quotes kept, `, ` or `,`
/// between entries as written). The platform's noProxy is always one
/// comma-separated string (the Proxy's `spec.noProxy`, install-config's
/// `proxy.noProxy`, the MigrationController's `no_proxy`).
fn noproxy_append(
    finding: &Finding,
    text: &str,
    documents: &[Node<'_>],
) -> Option<Result<Edit, String>> {
    let Some(FixHint::NoProxyAppend { value, entries }) = &finding.fix else {
        return None;
    };
    let span = finding.location.span;
    let Some((key, node)) = entry_with_value_at(documents, span) else {
        return Some(Err(
            "the noProxy value is not where the lint saw it (a rendered file, or one changed since)"
                .to_owned(),
        ));
    };
    let name = key.as_str()?;
    if name != "noProxy" && to_snake(name) != "no_proxy" {
        return None;
    }
    let current = node.as_str()?;
    if current != value {
        return Some(Err(format!("`{name}` changed since the lint")));
    }
    if current.contains("{{") {
        return Some(Err(format!("`{name}` is a template: edit its source")));
    }
    if span.start.line != span.end.line || node.scalar_style() == Some(ScalarStyle::Block) {
        return Some(Err(format!(
            "`{name}` is written over several lines: add the workers by hand"
        )));
    }
    let present: Vec<&str> = current.split(',').map(str::trim).collect();
    let mut missing: Vec<&str> = Vec::new();
    for entry in entries {
        if !present.contains(&entry.as_str()) && !missing.contains(&entry.as_str()) {
            missing.push(entry);
        }
    }
    if missing.is_empty() {
        return None;
    }
    let plain_entry = |e: &str| {
        e.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".:-/_[]".contains(&b))
    };
    if !missing.iter().all(|e| plain_entry(e)) {
        return Some(Err(format!(
            "a worker address is not a plain noProxy entry: add it to `{name}` by hand"
        )));
    }
    let separator = if current.contains(", ") { ", " } else { "," };
    let lead = if current.trim_end().ends_with(',') {
        ""
    } else {
        separator
    };
    let added = missing.join(separator);
    let at = match node.scalar_style() {
        Some(ScalarStyle::Quoted) => closing_quote(text, node)?,
        _ => span.end,
    };
    Some(Ok(Edit {
        span: Span::new(at, at),
        text: format!("{lead}{added}"),
        title: format!(
            "added {} to `{name}`",
            missing
                .iter()
                .map(|e| format!("`{e}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        expect: Expect::Scalar(span.start, format!("{current}{lead}{added}")),
    }))
}

/// Where the closing quote of a quoted scalar on one line is (the parser's
/// end of a quoted scalar reaches past a comment after it).
fn closing_quote(text: &str, node: &Node<'_>) -> Option<Pos> {
    let start = node.span.start;
    let line = text.get(byte_offset(text, start)..)?.lines().next()?;
    let mut chars = line.chars();
    let quote = chars.next().filter(|q| matches!(q, '"' | '\''))?;
    let mut col = start.col + 1;
    while let Some(c) = chars.next() {
        match c {
            '\\' if quote == '"' => {
                chars.next()?;
                col += 1;
            }
            '\'' if quote == '\'' && chars.clone().next() == Some('\'') => {
                chars.next();
                col += 1;
            }
            c if c == quote => return Some(Pos::new(start.line, col)),
            _ => {}
        }
        col += 1;
    }
    None
}

/// The mapping entry whose value is at `span`, in any document.
fn entry_with_value_at<'d, 'a>(
    documents: &'d [Node<'a>],
    span: Span,
) -> Option<(&'d Node<'a>, &'d Node<'a>)> {
    let mut found = None;
    for document in documents {
        document.walk(&mut |node| {
            if found.is_none()
                && let Some((k, v)) = node.entries().iter().find(|(_, v)| v.span == span)
            {
                found = Some((k, v));
            }
        });
    }
    found
}

/// The mapping with a key at `span`, in any document.
fn mapping_with_key_at<'d, 'a>(documents: &'d [Node<'a>], span: Span) -> Option<&'d Node<'a>> {
    let mut found = None;
    for document in documents {
        document.walk(&mut |node| {
            if found.is_none() && node.entries().iter().any(|(k, _)| k.span == span) {
                found = Some(node);
            }
        });
    }
    found
}

/// `edits` applied to `text` (byte ranges from their positions); `None` when
/// two of them overlap.
fn apply_edits(text: &str, edits: &[&Edit]) -> Option<String> {
    let mut ranges: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|e| {
            (
                byte_offset(text, e.span.start),
                byte_offset(text, e.span.end),
                e.text.as_str(),
            )
        })
        .collect();
    ranges.sort_by_key(|r| std::cmp::Reverse((r.0, r.1)));
    let mut after = text.to_owned();
    let mut limit = usize::MAX;
    for (start, end, replacement) in ranges {
        if end > limit || start > end || end > text.len() {
            return None;
        }
        after.replace_range(start..end, replacement);
        limit = start;
    }
    Some(after)
}

/// The edit leaves a text that parses into as many documents, reading as
/// the edit intends.
fn verify(before: &str, edit: &Edit, documents: usize) -> Result<(), String> {
    let after = apply_edits(before, &[edit]).ok_or("the edit is outside the file")?;
    let parsed = yaml::parse_chunk(&after, 1, Limits::default());
    if parsed.error.is_some() || parsed.documents.len() != documents {
        return Err("would not parse after the fix".to_owned());
    }
    let reads_as_intended = match &edit.expect {
        Expect::Scalar(at, want) => {
            let mut ok = false;
            for document in &parsed.documents {
                document.walk(&mut |node| {
                    ok |= node.span.start == *at && node.as_str() == Some(want.as_str());
                });
            }
            ok
        }
        Expect::OneSpelling(at, snake) => {
            let key_at = Span::new(*at, *at);
            let mut count = None;
            for document in &parsed.documents {
                document.walk(&mut |node| {
                    if count.is_none()
                        && node
                            .entries()
                            .iter()
                            .any(|(k, _)| k.span.start == key_at.start)
                    {
                        count = Some(
                            node.entries()
                                .iter()
                                .filter(|(k, _)| k.as_str().is_some_and(|n| to_snake(n) == *snake))
                                .count(),
                        );
                    }
                });
            }
            count == Some(1)
        }
    };
    if reads_as_intended {
        Ok(())
    } else {
        Err("would not read as intended after the fix".to_owned())
    }
}

/// The fixes for `run`'s findings, by file, in path order.
pub fn plan(run: &LintRun) -> (Vec<FileFix>, Vec<Skipped>) {
    let mut fixes = Vec::new();
    let mut skipped = Vec::new();
    let mut by_file: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    let mut policies: BTreeMap<String, (PathBuf, String, Vec<String>)> = BTreeMap::new();
    for finding in &run.findings {
        match finding.rule.as_ref() {
            rule if VALUE_FIXES.contains(&rule) => by_file
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
    for (file, findings) in by_file {
        if let Some(fix) = plan_file(run, file, &findings, &mut skipped) {
            fixes.push(fix);
        }
    }
    // Only the endpoint type decides which traffic a policy must allow.
    let values_fixed = fixes
        .iter()
        .any(|fix| fix.changes.iter().any(|c| c.starts_with("DVM301")));
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

/// The value fixes of one file: every certain edit that overlaps no other,
/// applied together, the result parsed again.
fn plan_file(
    run: &LintRun,
    file: &str,
    findings: &[&Finding],
    skipped: &mut Vec<Skipped>,
) -> Option<FileFix> {
    let path = run.root.join(file);
    let mut skip = |reason: String| {
        skipped.push(Skipped {
            file: file.to_owned(),
            reason,
        });
    };
    let Ok(before) = std::fs::read_to_string(&path) else {
        skip("cannot be read".to_owned());
        return None;
    };
    let parsed = yaml::parse_chunk(&before, 1, Limits::default());
    if parsed.error.is_some() {
        skip(DOES_NOT_PARSE.to_owned());
        return None;
    }
    let mut edits: Vec<(Edit, String)> = Vec::new();
    for finding in findings {
        let at = format!(
            "{} at {}:{}",
            finding.rule, finding.location.span.start.line, finding.location.span.start.col
        );
        match edit_in(finding, &before, &parsed.documents) {
            None => {}
            Some(Err(reason)) => skip(format!("{at}: {reason}")),
            Some(Ok(edit)) => {
                let overlaps = edits.iter().any(|(other, _)| {
                    edit.span.start == other.span.start
                        || (edit.span.start < other.span.end && other.span.start < edit.span.end)
                });
                if overlaps {
                    skip(format!(
                        "{at}: another fix edits the same place; --fix makes it in its next round"
                    ));
                } else {
                    let change = format!("{at}: {}", edit.title);
                    edits.push((edit, change));
                }
            }
        }
    }
    if edits.is_empty() {
        return None;
    }
    edits.sort_by_key(|(edit, _)| edit.span.start);
    let all: Vec<&Edit> = edits.iter().map(|(edit, _)| edit).collect();
    let Some(after) = apply_edits(&before, &all) else {
        skip("its fixes overlap".to_owned());
        return None;
    };
    if let Err(reason) = same_documents(&before, &after) {
        skip(reason);
        return None;
    }
    Some(FileFix {
        file: file.to_owned(),
        path,
        before: Some(before),
        after,
        changes: edits.into_iter().map(|(_, change)| change).collect(),
    })
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

    /// The key and value spans of the entry `key` (its last spelling) in `text`.
    fn spans(text: &str, key: &str) -> (Span, Span) {
        let parsed = yaml::parse_chunk(text, 1, Limits::default());
        let mut found = None;
        for document in &parsed.documents {
            document.walk(&mut |node| {
                for (k, v) in node.entries() {
                    if k.as_str() == Some(key) {
                        found = Some((k.span, v.span));
                    }
                }
            });
        }
        found.expect("key")
    }

    fn after(text: &str, finding: &Finding) -> Option<Result<String, String>> {
        edit_for(finding, text)
            .map(|edit| edit.map(|edit| apply_edits(text, &[&edit]).expect("applies")))
    }

    fn worker_finding(text: &str, key: &str, entries: &[&str]) -> Finding {
        let (_, value) = spans(text, key);
        let parsed = yaml::parse_chunk(text, 1, Limits::default());
        let mut written = String::new();
        for document in &parsed.documents {
            document.walk(&mut |node| {
                if node.span == value
                    && let Some(s) = node.as_str()
                {
                    written = s.to_owned();
                }
            });
        }
        Finding::new("DVM201", Location::new(&"a.yaml".into(), value), "m").fix(
            FixHint::NoProxyAppend {
                value: written,
                entries: entries.iter().map(|e| (*e).to_owned()).collect(),
            },
        )
    }

    use crate::finding::Location;

    #[test]
    fn workers_are_appended_in_the_values_own_style() {
        let cases = [
            (
                "spec:\n  no_proxy: .svc,10.0.0.0/16\n",
                "no_proxy",
                "spec:\n  no_proxy: .svc,10.0.0.0/16,192.168.1.5,192.168.1.6\n",
            ),
            (
                "spec:\n  noProxy: '.svc, it''s' # note\n",
                "noProxy",
                "spec:\n  noProxy: '.svc, it''s, 192.168.1.5, 192.168.1.6' # note\n",
            ),
            (
                "{\"spec\": {\"noProxy\": \".svc,\\\"x\\\"\"}}\n",
                "noProxy",
                "{\"spec\": {\"noProxy\": \".svc,\\\"x\\\",192.168.1.5,192.168.1.6\"}}\n",
            ),
            (
                "spec:\n  noProxy: .svc,\n",
                "noProxy",
                "spec:\n  noProxy: .svc,192.168.1.5,192.168.1.6\n",
            ),
        ];
        for (text, key, want) in cases {
            let finding = worker_finding(text, key, &["192.168.1.5", "192.168.1.6", "192.168.1.5"]);
            assert_eq!(after(text, &finding), Some(Ok(want.to_owned())), "{text}");
        }
    }

    #[test]
    fn a_noproxy_is_left_alone_when_the_edit_is_not_certain() {
        // A flow mapping's plain scalar cannot hold a comma.
        let flow = "spec: {noProxy: .svc}\n";
        let finding = worker_finding(flow, "noProxy", &["10.1.1.1"]);
        assert_eq!(
            after(flow, &finding),
            Some(Err("would not read as intended after the fix".to_owned()))
        );
        let folded = "spec:\n  noProxy: >-\n    .svc,\n    .local\n";
        let finding = worker_finding(folded, "noProxy", &["10.1.1.1"]);
        assert!(matches!(after(folded, &finding), Some(Err(e)) if e.contains("several lines")));
        let text = "spec:\n  noProxy: .svc\n";
        let mut finding = worker_finding(text, "noProxy", &["10.1.1.1"]);
        if let Some(FixHint::NoProxyAppend { value, .. }) = &mut finding.fix {
            *value = ".svc,.local".to_owned();
        }
        assert!(matches!(after(text, &finding), Some(Err(e)) if e.contains("changed since")));
        // Already listed: nothing to do; not a noProxy key: not this fix.
        let finding = worker_finding(text, "noProxy", &[".svc"]);
        assert_eq!(after(text, &finding), None);
        let other = "spec:\n  httpsProxy: .svc\n";
        let finding = worker_finding(other, "httpsProxy", &["10.1.1.1"]);
        assert_eq!(after(other, &finding), None);
        let finding = worker_finding(text, "noProxy", &["10.1.1.1 # x"]);
        assert!(matches!(after(text, &finding), Some(Err(e)) if e.contains("not a plain")));
    }

    fn duplicate_finding(text: &str, first: &str, second: &str) -> Finding {
        let file: std::sync::Arc<str> = "a.yaml".into();
        Finding::new("DVM404", Location::new(&file, spans(text, second).0), "m")
            .related(Location::new(&file, spans(text, first).0), "first")
    }

    #[test]
    fn a_repeated_spelling_with_the_same_value_is_deleted_whole() {
        let text = "spec:\n  noProxy: a,b\n  mig_pv_limit: 100\n  no_proxy: |\n    b,a\n  migPvLimit: 100 # same\nother: 1\n";
        let finding = duplicate_finding(text, "mig_pv_limit", "migPvLimit");
        assert_eq!(
            after(text, &finding),
            Some(Ok(
                "spec:\n  noProxy: a,b\n  mig_pv_limit: 100\n  no_proxy: |\n    b,a\n other: 1\n"
                    .replace("\n other", "\nother")
            ))
        );
        // A block scalar holding the same entries (its line break is trimmed
        // only by the comma split): deleted with its lines.
        let finding = duplicate_finding(text, "noProxy", "no_proxy");
        assert_eq!(
            after(text, &finding),
            Some(Ok(
                "spec:\n  noProxy: a,b\n  mig_pv_limit: 100\n  migPvLimit: 100 # same\nother: 1\n"
                    .to_owned()
            ))
        );
    }

    #[test]
    fn a_repeated_spelling_is_kept_when_deleting_it_is_not_certain() {
        for (text, first, second, why) in [
            (
                "spec:\n  mig_pv_limit: true\n  migPvLimit: \"true\"\n",
                "mig_pv_limit",
                "migPvLimit",
                "different values",
            ),
            (
                "spec:\n  mig_pv_limit: 1\n  migPvLimit: 2\n",
                "mig_pv_limit",
                "migPvLimit",
                "different values",
            ),
            (
                "spec: {mig_pv_limit: x, migPvLimit: x}\n",
                "mig_pv_limit",
                "migPvLimit",
                "flow mapping",
            ),
            (
                "spec:\n  mig_pv_limit: x\n  migPvLimit: x\n",
                "mig_pv_limit",
                "migPvLimit",
                "",
            ),
        ] {
            let finding = duplicate_finding(text, first, second);
            match after(text, &finding) {
                Some(Err(e)) => assert!(!why.is_empty() && e.contains(why), "{text}: {e}"),
                Some(Ok(_)) => assert!(why.is_empty(), "{text}"),
                None => panic!("{text}: {:?}", edit_for(&finding, text)),
            }
        }
        // Quoted and plain strings are the same string.
        let text = "spec:\n  mig_pv_limit: x\n  migPvLimit: \"x\"\n";
        assert_eq!(
            after(text, &duplicate_finding(text, "mig_pv_limit", "migPvLimit")),
            Some(Ok("spec:\n  mig_pv_limit: x\n".to_owned()))
        );
    }

    #[test]
    fn a_closing_quote_is_found_past_escapes() {
        let text = "k: \"a\\\"b\" # c\nj: 'it''s'\n";
        let parsed = yaml::parse_chunk(text, 1, Limits::default());
        let doc = &parsed.documents[0];
        assert_eq!(
            closing_quote(text, doc.get("k").unwrap()),
            Some(Pos::new(1, 9))
        );
        assert_eq!(
            closing_quote(text, doc.get("j").unwrap()),
            Some(Pos::new(2, 10))
        );
    }
}
