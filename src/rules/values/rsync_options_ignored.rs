//! DVM304 rsync-options-ignored: rsync option values that mig-controller drops,
//! keeps at their default, or that stop the copy.
//!
//! - `rsync_opt_extras` is split on whitespace (`strings.Fields`, mig-controller
//!   `pkg/settings/dvm.go`) and each token must match the controller's option
//!   pattern, else it is dropped with only a log line ("Invalid Rsync extra
//!   option passed"). MTC 1.6 and later (crane-lib transfers, `ExtraOpts.ApplyTo`):
//!   `^-{1,2}([a-z0-9]+-)*?[a-z0-9]+(=.*)?$` — lower-case long names, so `-A`,
//!   `-X`, `-H` are dropped. Before 1.6 (`filterRsyncExtraOptions`):
//!   `^-{1,2}[\w-]+?\w$` — no `=value`, no one-letter option.
//! - A kept token that makes rsync copy nothing (`--dry-run`, `-n`,
//!   `--list-only`, `--only-write-batch`) or delete the source's files
//!   (`--remove-source-files`) is an error.
//! - `rsync_opt_info` before 1.6 must match `^\w[\w,]*?\w$`, else the default
//!   `--info` is used.
//! - `rsync_opt_archive|delete|hardlinks|partial` are read with Go's
//!   `strconv.ParseBool`; anything else silently keeps the default (`true`).

use std::sync::LazyLock;

use regex::Regex;

use crate::finding::{Finding, Location, Severity};
use crate::manifest::migration_controller::Setting;
use crate::model::{ModelObject, Project};
use crate::rules::versions::{self, Version};
use crate::yaml::{Node, ScalarStyle, Span, Value};

use super::invalid_controller_limit::rendered;

/// The option pattern of MTC 1.6 and later.
static CURRENT: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^-{1,2}(?:[a-z0-9]+-)*?[a-z0-9]+(?:=.*)?$").ok());
/// The option pattern before MTC 1.6 (Go's `\w` is ASCII).
static LEGACY: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^-{1,2}[0-9A-Za-z_-]+?[0-9A-Za-z_]$").ok());
static LEGACY_INFO: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^[0-9A-Za-z_][0-9A-Za-z_,]*?[0-9A-Za-z_]$").ok());

const BOOLEANS: [&str; 4] = [
    "rsync_opt_archive",
    "rsync_opt_delete",
    "rsync_opt_hardlinks",
    "rsync_opt_partial",
];

/// Long options that leave the destination without the data, and why.
const HARMFUL: [(&str, &str); 5] = [
    (
        "dry-run",
        "makes rsync copy nothing: the rsync pods succeed and the volumes stay empty",
    ),
    (
        "list-only",
        "makes rsync list the files instead of copying them: the volumes stay empty",
    ),
    (
        "only-write-batch",
        "makes rsync write a batch file instead of copying: the volumes stay empty",
    ),
    (
        "read-batch",
        "makes rsync replay a batch file instead of copying the source",
    ),
    (
        "remove-source-files",
        "makes rsync delete every copied file from the source volume",
    ),
];

/// Whether MTC `version` (`None`: unknown, the current releases) uses the
/// pattern of MTC 1.6 and later.
fn is_current(version: Option<Version>) -> bool {
    version.is_none_or(|v| v >= [1, 6, 0])
}

/// Whether the controller of `version` keeps the extra option `token`.
pub fn kept(token: &str, version: Option<Version>) -> bool {
    let pattern = if is_current(version) {
        &CURRENT
    } else {
        &LEGACY
    };
    pattern.as_ref().is_some_and(|p| p.is_match(token))
}

/// What a kept option does to the copy, if it defeats it.
pub fn harm(token: &str) -> Option<&'static str> {
    if let Some(long) = token.strip_prefix("--") {
        let name = long.split_once('=').map_or(long, |(n, _)| n);
        return HARMFUL
            .iter()
            .find(|(h, _)| *h == name)
            .map(|(_, why)| *why);
    }
    // A cluster of short options (`-an`): `-n` is `--dry-run`; options that
    // take an argument end the cluster.
    let cluster = token.strip_prefix('-')?;
    for c in cluster.chars() {
        match c {
            'n' => return HARMFUL.first().map(|(_, why)| *why),
            'B' | 'e' | 'f' | 'T' | 'M' | '@' | '=' => return None,
            _ => {}
        }
    }
    None
}

/// Whether Go's `strconv.ParseBool` reads `text`.
fn parses_as_bool(text: &str) -> bool {
    matches!(
        text,
        "1" | "t" | "T" | "TRUE" | "true" | "True" | "0" | "f" | "F" | "FALSE" | "false" | "False"
    )
}

pub fn check(project: &Project, out: &mut Vec<Finding>) {
    let version = versions::configured(project);
    for (object, controller) in super::controllers(project) {
        let emit = |out: &mut Vec<Finding>, span: Span, severity, message: String, help: &str| {
            out.push(
                Finding::new("DVM304", Location::new(&object.object.file, span), message)
                    .severity(severity)
                    .help(help)
                    .object(Some(object.object_ref()))
                    .cluster(project.cluster_name(object.cluster())),
            );
        };
        if let Some(setting) = controller.setting("rsync_opt_extras") {
            extras(project, object, setting, version, out);
        }
        if !is_current(version)
            && let Some(setting) = controller.setting("rsync_opt_info")
            && let Some(text) = rendered(&setting.value)
            && !LEGACY_INFO.as_ref().is_some_and(|p| p.is_match(&text))
        {
            emit(
                out,
                setting.value.span,
                Severity::Warning,
                format!(
                    "{} `{}` is not a comma-separated list of rsync info flags: mig-controller \
                     silently uses its default `--info` instead {}",
                    setting.key.value,
                    text,
                    versions::note(project, "MTC before 1.6")
                ),
                "write flags separated by commas only, e.g. `COPY2,DEL2,STATS2`",
            );
        }
        for snake in BOOLEANS {
            let Some(setting) = controller.setting(snake) else {
                continue;
            };
            let Some(text) = rendered(&setting.value) else {
                continue;
            };
            if parses_as_bool(&text) {
                continue;
            }
            emit(
                out,
                setting.value.span,
                Severity::Warning,
                format!(
                    "{} reaches mig-controller as `{text}`, which Go's ParseBool does not read: \
                     the option silently stays at its default (true) {}",
                    setting.key.value,
                    versions::note(project, "any MTC 1.x release")
                ),
                &format!(
                    "write `{}: true` or `{}: false` (unquoted)",
                    setting.key.value, setting.key.value
                ),
            );
        }
    }
}

fn extras(
    project: &Project,
    object: &ModelObject,
    setting: &Setting,
    version: Option<Version>,
    out: &mut Vec<Finding>,
) {
    let push = |out: &mut Vec<Finding>, span: Span, severity, message: String, help: String| {
        out.push(
            Finding::new("DVM304", Location::new(&object.object.file, span), message)
                .severity(severity)
                .help(help)
                .object(Some(object.object_ref()))
                .cluster(project.cluster_name(object.cluster())),
        );
    };
    let key = &setting.key.value;
    let (text, style) = match &setting.value.value {
        Value::Scalar(_, _) if setting.value.is_null() => return,
        Value::Scalar(text, style) => (text.as_ref(), *style),
        Value::Seq(_) | Value::Map(_) => {
            push(
                out,
                setting.value.span,
                Severity::Warning,
                format!(
                    "{key} is not a string: the operator writes it as Python text (`['--a', …]`), \
                     whose tokens fail mig-controller's option pattern and are all dropped"
                ),
                "write the options as one string separated by spaces, e.g. `--acls --xattrs`"
                    .to_owned(),
            );
            return;
        }
    };
    let note = versions::note(project, "MTC 1.6 or later");
    for (start, token) in tokens(text) {
        let span = token_span(&setting.value, text, style, start, token);
        if !kept(token, version) {
            let hint = if is_current(version) {
                "lower-case long options only, as `--name` or `--name=value` (`-A` → `--acls`, \
                 `-X` → `--xattrs`, `-H` → `--hard-links`)"
            } else {
                "options as `--name` without `=value` (before MTC 1.6)"
            };
            push(
                out,
                span,
                Severity::Warning,
                format!(
                    "{key} option `{token}` does not match mig-controller's option pattern and \
                     is silently dropped (only logged as \"Invalid Rsync extra option passed\") {note}"
                ),
                format!("write {hint}"),
            );
        } else if let Some(why) = harm(token) {
            push(
                out,
                span,
                Severity::Error,
                format!("{key} option `{token}` {why} {note}"),
                format!("remove `{token}` from {key}"),
            );
        }
    }
}

/// Whitespace-separated tokens with their byte offset (Go's `strings.Fields`).
fn tokens(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                out.extend(text.get(s..i).map(|t| (s, t)));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.extend(text.get(s..).map(|t| (s, t)));
    }
    out
}

fn token_span(node: &Node<'_>, text: &str, style: ScalarStyle, start: usize, token: &str) -> Span {
    let chars = |b: usize| text.get(..b).map_or(0, |s| s.chars().count());
    node.span
        .sub(chars(start), chars(start + token.len()), style)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn current_pattern_keeps_lower_case_long_options_with_values() {
        for token in [
            "--acls",
            "--xattrs",
            "--bwlimit=100",
            "-z",
            "--no-perms",
            "--info=a,b",
        ] {
            assert!(kept(token, None), "{token}");
        }
        for token in [
            "-A", "-X", "-H", "--Acls", "---x", "--a--b", "--x-", "acls", "--", "-",
        ] {
            assert!(!kept(token, None), "{token}");
        }
    }

    #[test]
    fn legacy_pattern_keeps_word_options_without_values() {
        let old = Some([1, 5, 3]);
        assert!(kept("-AX", old) && kept("--hard-links", old) && kept("--max_size", old));
        assert!(!kept("-A", old) && !kept("--bwlimit=100", old) && !kept("--x-", old));
    }

    #[test]
    fn options_that_defeat_the_copy() {
        assert!(harm("--dry-run").is_some());
        assert!(harm("-n").is_some());
        assert!(harm("-avn").is_some());
        assert!(harm("--list-only").is_some());
        assert!(harm("--remove-source-files").is_some());
        assert!(harm("-en").is_none());
        assert!(harm("--delete").is_none());
        assert!(harm("--numeric-ids").is_none());
    }

    #[test]
    fn splits_like_strings_fields() {
        assert_eq!(
            tokens("  --a\t-b  --c=d "),
            [(2, "--a"), (6, "-b"), (10, "--c=d")]
        );
        assert!(tokens("   ").is_empty());
        assert!(parses_as_bool("True") && parses_as_bool("0") && !parses_as_bool("yes"));
    }
}
