//! Code actions (docs/editors.md): "Suppress DVMxxx on this line" for every finding;
//! for DVM101/DVM102 "Insert an allow policy for the rsync pods", which
//! appends the policy from the finding's help as a new document; for DVM201,
//! DVM301 and DVM404 the certain edit of `check --fix` ("Fix DVM404: removed
//! `no_proxy`, …", `crate::fix::edit_for`).

use std::collections::{BTreeSet, HashMap};

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, Position, Range, TextEdit, Url, WorkspaceEdit,
};

use super::diagnostics::Published;
use super::position::{Encoding, LineText};

/// The actions for the diagnostics of `uri` that touch `range`, computed
/// against the buffer's current `text`.
pub fn for_range(
    uri: &Url,
    text: &str,
    range: Range,
    published: &[Published],
    encoding: Encoding,
) -> Vec<CodeActionOrCommand> {
    let lines = LineText::new(text);
    let mut actions = Vec::new();
    let mut seen_suppressions = BTreeSet::new();
    let mut seen_policies = BTreeSet::new();
    for item in published {
        let diag = &item.diagnostic;
        if diag.range.end.line < range.start.line || diag.range.start.line > range.end.line {
            continue;
        }
        let line = diag.range.start.line;
        if seen_suppressions.insert((item.rule.clone(), line))
            && let Some(edit) = suppression_edit(&lines, line, &item.rule, encoding)
        {
            actions.push(action(
                format!("Suppress {} on this line", item.rule),
                CodeActionKind::QUICKFIX,
                uri,
                edit,
                diag,
                false,
            ));
        }
        // The edit `check --fix` makes, computed against the buffer as it is
        // now (and checked there): none if it changed where the finding is.
        if let Some(finding) = &item.fixable
            && let Some(Ok(fix)) = crate::fix::edit_for(finding, text)
        {
            actions.push(action(
                format!("Fix {}: {}", item.rule, fix.title),
                CodeActionKind::QUICKFIX,
                uri,
                TextEdit::new(lines.range(fix.span, encoding), fix.text),
                diag,
                true,
            ));
        }
        if let Some(yaml) = &item.allow_policy
            && seen_policies.insert(yaml.clone())
        {
            actions.push(action(
                "Insert an allow policy for the rsync pods".to_owned(),
                CodeActionKind::QUICKFIX,
                uri,
                append_document(text, &lines, yaml, encoding),
                diag,
                true,
            ));
        }
    }
    actions
}

fn action(
    title: String,
    kind: CodeActionKind,
    uri: &Url,
    edit: TextEdit,
    diagnostic: &lsp_types::Diagnostic,
    preferred: bool,
) -> CodeActionOrCommand {
    let mut changes = HashMap::new();
    changes.insert(uri.clone(), vec![edit]);
    CodeActionOrCommand::CodeAction(CodeAction {
        title,
        kind: Some(kind),
        diagnostics: Some(vec![diagnostic.clone()]),
        edit: Some(WorkspaceEdit {
            changes: Some(changes),
            ..WorkspaceEdit::default()
        }),
        command: None,
        is_preferred: Some(preferred),
        disabled: None,
        data: None,
    })
}

/// The docs/suppressions.md comment for `rule` on the 0-based `line`: appended to the line
/// when it has no comment, merged into an existing `dvmlint: ignore[...]`, and
/// otherwise put on its own line above (a suppression there covers the line
/// below).
pub fn suppression_edit(
    lines: &LineText<'_>,
    line: u32,
    rule: &str,
    encoding: Encoding,
) -> Option<TextEdit> {
    let text = lines.line(line)?;
    // A line inside a block or quoted scalar takes no comment: it would be data.
    let info = crate::suppress::scan_lines((0..lines.line_count()).filter_map(|i| lines.line(i)))
        .get(usize::try_from(line).ok()?)
        .copied()?;
    if info.starts_in_scalar || info.ends_in_scalar {
        return None;
    }
    let Some(hash) = info.comment else {
        let position = Position::new(line, encoding.width(text));
        let separator = if text.trim().is_empty() { "" } else { " " };
        return Some(TextEdit::new(
            Range::new(position, position),
            format!("{separator}# dvmlint: ignore[{rule}] TODO: reason"),
        ));
    };
    let comment = text.get(hash..)?;
    let list_start = comment
        .trim_start_matches('#')
        .trim_start()
        .strip_prefix("dvmlint:")
        .map(str::trim_start)
        .and_then(|r| r.strip_prefix("ignore["))
        .map(|r| comment.len() - r.len());
    if let Some(start) = list_start
        && let Some(close) = comment.get(start..).and_then(|r| r.find(']'))
    {
        let at = text.get(..hash + start + close)?;
        let position = Position::new(line, encoding.width(at));
        return Some(TextEdit::new(
            Range::new(position, position),
            format!(", {rule}"),
        ));
    }
    let indent = &text[..text.len() - text.trim_start().len()];
    let position = Position::new(line, 0);
    Some(TextEdit::new(
        Range::new(position, position),
        format!("{indent}# dvmlint: ignore[{rule}] TODO: reason\n"),
    ))
}

/// An edit appending `yaml` as a new `---` document at the end of the buffer.
fn append_document(text: &str, lines: &LineText<'_>, yaml: &str, encoding: Encoding) -> TextEdit {
    let end = lines.end(encoding);
    let newline = if text.is_empty() || text.ends_with('\n') {
        ""
    } else {
        "\n"
    };
    TextEdit::new(
        Range::new(end, end),
        format!("{newline}---\n{}\n", yaml.trim_end()),
    )
}

/// The YAML manifest in a finding's help text: a fenced ```yaml block, else
/// the lines from the first top-level `apiVersion:` up to the first line that
/// is not YAML (blank, or prose at column 0). Only a mapping with a `kind`
/// counts, so prose never gets inserted into a manifest.
pub fn allow_policy_yaml(help: &str) -> Option<String> {
    let candidate = fenced_yaml(help).or_else(|| bare_yaml(help))?;
    let value: serde_yaml::Value = serde_yaml::from_str(&candidate).ok()?;
    value.get("kind")?.as_str()?;
    Some(candidate)
}

fn fenced_yaml(help: &str) -> Option<String> {
    let mut lines = help.lines();
    lines.find(|l| matches!(l.trim(), "```yaml" | "```yml"))?;
    let body: Vec<&str> = lines.take_while(|l| l.trim() != "```").collect();
    (!body.is_empty()).then(|| body.join("\n"))
}

fn bare_yaml(help: &str) -> Option<String> {
    let mut lines = help.lines().skip_while(|l| !l.starts_with("apiVersion:"));
    let first = lines.next()?;
    let mut body = vec![first];
    body.extend(lines.take_while(|l| is_yaml_line(l)));
    Some(body.join("\n"))
}

fn is_yaml_line(line: &str) -> bool {
    if line.trim().is_empty() {
        return false;
    }
    if line.starts_with([' ', '\t', '-', '#']) {
        return true;
    }
    // A top-level key: `word:` followed by nothing or a space.
    line.split_once(':').is_some_and(|(key, rest)| {
        !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'))
            && (rest.is_empty() || rest.starts_with(' '))
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    const HELP: &str = "allow the rsync pods' egress with a policy of its own:\n\n\
apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: allow-dvm-rsync-egress\n  namespace: app1\n\
spec:\n  podSelector: {}\n  policyTypes:\n    - Egress\n  egress:\n    - {}\n\
(without a known destination address this allows TCP to any address)";

    #[test]
    fn the_allow_policy_is_the_yaml_between_the_prose() {
        let yaml = allow_policy_yaml(HELP).unwrap();
        assert!(yaml.starts_with("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy"));
        assert!(yaml.ends_with("    - {}"), "{yaml}");
    }

    #[test]
    fn a_fenced_block_is_taken_and_prose_alone_gives_nothing() {
        let fenced = "add this:\n```yaml\nkind: NetworkPolicy\napiVersion: v1\n```\nthen apply";
        assert_eq!(
            allow_policy_yaml(fenced).as_deref(),
            Some("kind: NetworkPolicy\napiVersion: v1")
        );
        assert_eq!(allow_policy_yaml("open port 2222 to the rsync pods"), None);
    }

    #[test]
    fn no_suppression_is_written_into_a_scalar() {
        let text = "data:\n  script: |\n    echo <ns>\n  q: \"a\n    <b>\"\n  after: <c>\n";
        let lines = LineText::new(text);
        for line in [2, 3, 4] {
            assert_eq!(
                suppression_edit(&lines, line, "DVM402", Encoding::Utf16),
                None,
                "{line}"
            );
        }
        assert!(suppression_edit(&lines, 5, "DVM402", Encoding::Utf16).is_some());
        assert!(suppression_edit(&lines, 1, "DVM402", Encoding::Utf16).is_some());
    }

    #[test]
    fn suppression_is_appended_merged_or_put_above() {
        let text = "a: 1\nb: 2 # note\nc: 3 # dvmlint: ignore[DVM401] dup\n";
        let lines = LineText::new(text);
        let append = suppression_edit(&lines, 0, "DVM402", Encoding::Utf16);
        assert_eq!(
            append.map(|e| (e.range.start, e.new_text)),
            Some((
                Position::new(0, 4),
                " # dvmlint: ignore[DVM402] TODO: reason".to_owned()
            ))
        );
        let above = suppression_edit(&lines, 1, "DVM402", Encoding::Utf16);
        assert_eq!(
            above.map(|e| (e.range.start, e.new_text)),
            Some((
                Position::new(1, 0),
                "# dvmlint: ignore[DVM402] TODO: reason\n".to_owned()
            ))
        );
        let merged = suppression_edit(&lines, 2, "DVM402", Encoding::Utf16);
        assert_eq!(
            merged.map(|e| (e.range.start, e.new_text)),
            Some((Position::new(2, 29), ", DVM402".to_owned()))
        );
    }

    #[test]
    fn dvm101_offers_the_suppression_and_the_policy_other_rules_only_the_suppression() {
        let uri = Url::parse("file:///repo/ns/app1/policies.yaml").unwrap();
        let text = "kind: NetworkPolicy\nmetadata:\n  name: deny-all\n";
        let diagnostic = |line| lsp_types::Diagnostic {
            range: Range::new(Position::new(line, 8), Position::new(line, 16)),
            ..lsp_types::Diagnostic::default()
        };
        let published = [
            Published {
                diagnostic: diagnostic(2),
                rule: "DVM101".to_owned(),
                allow_policy: allow_policy_yaml(HELP),
                fixable: None,
            },
            Published {
                diagnostic: diagnostic(0),
                rule: "DVM401".to_owned(),
                allow_policy: None,
                fixable: None,
            },
        ];
        let all = Range::new(Position::new(0, 0), Position::new(2, 0));
        let titles_and_edits: Vec<(String, TextEdit)> =
            for_range(&uri, text, all, &published, Encoding::Utf16)
                .into_iter()
                .filter_map(|a| match a {
                    CodeActionOrCommand::CodeAction(a) => {
                        let edit = a.edit?.changes?.remove(&uri)?.pop()?;
                        Some((a.title, edit))
                    }
                    CodeActionOrCommand::Command(_) => None,
                })
                .collect();
        let titles: Vec<&str> = titles_and_edits.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Suppress DVM101 on this line",
                "Insert an allow policy for the rsync pods",
                "Suppress DVM401 on this line"
            ]
        );
        let policy = &titles_and_edits[1].1;
        assert_eq!(policy.range.start, Position::new(3, 0));
        assert!(
            policy
                .new_text
                .starts_with("---\napiVersion: networking.k8s.io/v1\n")
        );
        assert!(policy.new_text.ends_with("    - {}\n"));
    }

    #[test]
    fn a_policy_is_appended_as_a_new_document() {
        let text = "a: 1";
        let edit = append_document(text, &LineText::new(text), "kind: X", Encoding::Utf16);
        assert_eq!(edit.range.start, Position::new(0, 4));
        assert_eq!(edit.new_text, "\n---\nkind: X\n");
    }
}
