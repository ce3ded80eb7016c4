//! Suppressions (docs/suppressions.md): `# dvmlint: ignore[DVM101] reason` on a finding's
//! line or the line above, on a document's first line (the whole document),
//! `# dvmlint: ignore-file[DVM401]` anywhere in a file, and the object
//! annotation `dvmlint.dev/ignore: "DVM101,DVM103"`.
//!
//! Each suppression counts its uses; one that suppressed nothing, or names a rule
//! that does not exist, is reported as DVM900 (so stale suppressions do not pile
//! up, as with ruff's RUF100).

use std::collections::HashMap;
use std::sync::Arc;

use crate::finding::{Finding, Location};
use crate::yaml::{Pos, Span};

pub const ANNOTATION: &str = "dvmlint.dev/ignore";

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Reach {
    /// The comment's line and the line below it.
    Line,
    /// Lines `start..=end` (a document, or an annotated object).
    Lines {
        start: u32,
        end: u32,
    },
    File,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Suppression {
    pub file: Arc<str>,
    /// Where the comment or annotation is (DVM900 points there).
    pub span: Span,
    pub line: u32,
    pub reach: Reach,
    /// Rule ids as written (resolved when applied).
    pub rules: Vec<String>,
}

impl Suppression {
    /// Whether this suppression's place covers the finding's primary location.
    fn covers(&self, finding: &Finding) -> bool {
        if finding.location.file != self.file {
            return false;
        }
        let line = finding.location.span.start.line;
        match self.reach {
            Reach::File => true,
            Reach::Line => line == self.line || line == self.line.saturating_add(1),
            Reach::Lines { start, end } => (start..=end).contains(&line),
        }
    }
}

/// Whether `bytes` may hold a suppression comment: a `#` followed by more `#`s,
/// whitespace and `dvmlint:`. A quick test every file gets before
/// [`scan_comments`]: `#` is rare in manifests, and `memchr` finds it at
/// memory speed. A non-ASCII byte after the `#`s may be Unicode whitespace,
/// so it answers yes there and leaves the decision to `scan_comments`.
pub fn may_hold_comments(bytes: &[u8]) -> bool {
    memchr::memchr_iter(b'#', bytes).any(|at| {
        let after = bytes.get(at..).unwrap_or_default();
        let start = after
            .iter()
            .position(|&b| b != b'#' && !b.is_ascii_whitespace())
            .unwrap_or(after.len());
        let rest = after.get(start..).unwrap_or_default();
        rest.first().is_some_and(|&b| !b.is_ascii()) || rest.starts_with(b"dvmlint:")
    })
}

/// The suppression comments of one file. `documents` are the line ranges of its
/// documents (first line, last line), for comments on a document's first line.
pub fn scan_comments(file: &Arc<str>, text: &str, documents: &[(u32, u32)]) -> Vec<Suppression> {
    if !may_hold_comments(text.as_bytes()) {
        return Vec::new();
    }
    let mut out = Vec::new();
    let infos = scan_lines(text.lines());
    for ((index, line), info) in text.lines().enumerate().zip(infos) {
        // Only real YAML comments: not text inside a block or quoted scalar.
        let Some(at) = info.comment else {
            continue;
        };
        let comment = line.get(at..).unwrap_or_default();
        let Some(rest) = comment
            .trim_start_matches('#')
            .trim_start()
            .strip_prefix("dvmlint:")
        else {
            continue;
        };
        let rest = rest.trim_start();
        let (file_wide, rest) = match rest.strip_prefix("ignore-file") {
            Some(r) => (true, r),
            None => match rest.strip_prefix("ignore") {
                Some(r) => (false, r),
                None => continue,
            },
        };
        let Some(list) = rest
            .strip_prefix('[')
            .and_then(|r| r.split_once(']'))
            .map(|(l, _)| l)
        else {
            continue;
        };
        let line_no = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let col = u32::try_from(line.get(..at).map_or(0, |p| p.chars().count()) + 1).unwrap_or(1);
        let end_col =
            col.saturating_add(u32::try_from(comment.trim_end().chars().count()).unwrap_or(0));
        let reach = if file_wide {
            Reach::File
        } else if let Some(&(start, end)) = documents.iter().find(|(start, _)| *start == line_no) {
            Reach::Lines { start, end }
        } else {
            Reach::Line
        };
        out.push(Suppression {
            file: Arc::clone(file),
            span: Span::new(Pos::new(line_no, col), Pos::new(line_no, end_col)),
            line: line_no,
            reach,
            rules: split_rules(list),
        });
    }
    out
}

pub fn split_rules(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned)
        .collect()
}

/// What a line of YAML holds, as far as comments go.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LineInfo {
    /// The byte index of a real comment's `#`.
    pub comment: Option<usize>,
    /// The line starts inside a scalar (block scalar content, or the
    /// continuation of a quoted scalar): text added to it is data.
    pub starts_in_scalar: bool,
    /// The line ends inside a scalar (a quoted scalar goes on, or block
    /// scalar content): text appended to it is data.
    pub ends_in_scalar: bool,
}

/// Each line's [`LineInfo`]: comments are told from `#` inside block scalars
/// (`|`, `>`) and quoted scalars that span lines, so text that only looks like
/// a suppression is never one, and a quick fix never writes into data.
pub fn scan_lines<'a>(lines: impl Iterator<Item = &'a str>) -> Vec<LineInfo> {
    let mut out = Vec::new();
    // The indentation a block scalar's content must exceed.
    let mut block: Option<usize> = None;
    let mut quote: Option<char> = None;
    for line in lines {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let indent = line.len() - line.trim_start_matches(' ').len();
        if let Some(parent) = block {
            if line.trim().is_empty() || indent > parent {
                out.push(LineInfo {
                    comment: None,
                    starts_in_scalar: true,
                    ends_in_scalar: true,
                });
                continue;
            }
            block = None;
        }
        let starts_in_scalar = quote.is_some();
        let (comment, after) = scan_quotes(line, quote);
        quote = after;
        if quote.is_none() {
            let content = line
                .get(..comment.unwrap_or(line.len()))
                .unwrap_or_default();
            block = block_scalar_parent(content);
        }
        out.push(LineInfo {
            comment,
            starts_in_scalar,
            ends_in_scalar: quote.is_some(),
        });
    }
    out
}

/// Where a comment starts on `line` given the quote open at its start, and
/// the quote still open at its end.
fn scan_quotes(line: &str, mut quote: Option<char>) -> (Option<usize>, Option<char>) {
    let mut previous = ' ';
    let mut chars = line.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match quote {
            Some('"') if c == '\\' => {
                chars.next();
            }
            Some('\'') if c == '\'' && chars.peek().is_some_and(|(_, n)| *n == '\'') => {
                chars.next();
            }
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if (c == '"' || c == '\'')
                && matches!(previous, ' ' | '\t' | ':' | '-' | '[' | '{' | ',') =>
            {
                quote = Some(c);
            }
            None if c == '#' && (previous == ' ' || previous == '\t' || i == 0) => {
                return (Some(i), None);
            }
            None => {}
        }
        previous = c;
    }
    (None, quote)
}

/// If `content` (a line without its comment) opens a block scalar (`key: |`,
/// `- >-`, `key: |2`), the indentation its content lines must exceed.
fn block_scalar_parent(content: &str) -> Option<usize> {
    let trimmed = content.trim_end();
    let (head, indicator) = trimmed.rsplit_once([' ', '\t']).unwrap_or(("", trimmed));
    let is_indicator = indicator.starts_with(['|', '>'])
        && indicator.get(1..).is_some_and(|rest| {
            rest.chars()
                .all(|c| c == '-' || c == '+' || c.is_ascii_digit())
        });
    if !is_indicator {
        return None;
    }
    let head = head.trim_end();
    let indent = content.len() - content.trim_start_matches(' ').len();
    if head.ends_with(':') {
        // `key: |` (after any `- ` of a sequence entry): the key's column.
        let mut rest = content.get(indent..).unwrap_or_default();
        let mut column = indent;
        while let Some(after) = rest.strip_prefix("- ") {
            let spaces = after.len() - after.trim_start_matches(' ').len();
            column += 2 + spaces;
            rest = after.get(spaces..).unwrap_or_default();
        }
        return Some(column);
    }
    if head.trim_start().chars().all(|c| c == '-' || c == ' ') && !head.trim().is_empty() {
        // `- |`: the column of the last `-`.
        return head.rfind('-');
    }
    None
}

/// The byte index of a YAML comment's `#` on this one line, if any (no
/// quote open before it; see [`scan_lines`] for a whole text).
#[cfg(test)]
fn comment_start(line: &str) -> Option<usize> {
    scan_quotes(line, None).0
}

/// Applies `suppressions` to `findings`, drops what they suppress, and returns
/// DVM900 findings for the ones that suppressed nothing or name unknown rules.
/// `is_enabled` tells which rules this run checks: a suppression of a rule that
/// did not run is not reported as unused.
pub fn apply(
    findings: &mut Vec<Finding>,
    suppressions: &[Suppression],
    is_enabled: &dyn Fn(&str) -> bool,
) -> Vec<Finding> {
    let resolved: Vec<Vec<Result<String, String>>> = suppressions
        .iter()
        .map(|s| {
            s.rules
                .iter()
                .map(|r| {
                    // Custom ids have a valid form before their rules are
                    // loaded; here they must name a loaded rule.
                    crate::catalogue::resolve(r).and_then(|id| {
                        crate::catalogue::find(&id)
                            .map(|meta| meta.id.clone())
                            .ok_or_else(|| format!("unknown rule `{r}`"))
                    })
                })
                .collect()
        })
        .collect();
    let mut used: Vec<Vec<bool>> = resolved.iter().map(|ids| vec![false; ids.len()]).collect();
    // Indexed by file: linear in findings plus suppressions, whatever the repository size.
    let mut by_file: HashMap<&str, Vec<usize>> = HashMap::new();
    for (index, suppression) in suppressions.iter().enumerate() {
        by_file.entry(&suppression.file).or_default().push(index);
    }
    findings.retain(|finding| {
        let mut suppressed = false;
        for &index in by_file
            .get(finding.location.file.as_ref())
            .map_or(&[][..], Vec::as_slice)
        {
            let (Some(suppression), Some(ids), Some(flags)) = (
                suppressions.get(index),
                resolved.get(index),
                used.get_mut(index),
            ) else {
                continue;
            };
            if !suppression.covers(finding) {
                continue;
            }
            for (id, flag) in ids.iter().zip(flags.iter_mut()) {
                if id.as_ref().is_ok_and(|id| *id == finding.rule) {
                    *flag = true;
                    suppressed = true;
                }
            }
        }
        !suppressed
    });
    let mut unused = Vec::new();
    for ((suppression, ids), used) in suppressions.iter().zip(&resolved).zip(&used) {
        for ((written, id), flag) in suppression.rules.iter().zip(ids).zip(used) {
            let location = Location::new(&suppression.file, suppression.span);
            match id {
                Err(message) => unused.push(
                    Finding::new("DVM900", location, format!("this suppression names an {message}"))
                        .help("use a rule id (`DVM101`) or name (`rsync-egress-blocked`); `dvmlint rules` lists them"),
                ),
                Ok(id) if !flag && is_enabled(id) => unused.push(
                    Finding::new("DVM900", location, format!("`{written}` is suppressed here but nothing is reported at this place"))
                        .help(format!("remove `{written}` from the suppression: the problem it silenced is gone or is reported elsewhere")),
                ),
                Ok(_) => {}
            }
        }
    }
    unused
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quick_test_lets_every_suppression_comment_through() {
        let file: Arc<str> = Arc::from("a.yaml");
        for text in [
            "a: 1 # dvmlint: ignore[DVM401]\n",
            "a: 1 ##\tdvmlint: ignore[DVM401]\n",
            "a: 1 #\u{3000}dvmlint: ignore[DVM401]\n",
            "# x\n# dvmlint: ignore-file[DVM402]\n",
        ] {
            assert!(!scan_comments(&file, text, &[]).is_empty(), "{text:?}");
            assert!(may_hold_comments(text.as_bytes()), "{text:?}");
        }
        for text in [
            "a: dvmlint: 1\n",
            "a: 1 # dvmlint ignore\n",
            "a: '#'\n",
            "#",
        ] {
            assert!(!may_hold_comments(text.as_bytes()), "{text:?}");
        }
    }

    #[test]
    fn text_inside_block_and_quoted_scalars_is_not_a_suppression() {
        let file: Arc<str> = Arc::from("f.yaml");
        let text = "data:\n  script: |\n    echo 1 # dvmlint: ignore-file[DVM402]\n\n    x # dvmlint: ignore[DVM401]\n  quoted: \"a\n    # dvmlint: ignore-file[DVM101]\n    b\"\n  single: 'it''s\n    # dvmlint: ignore-file[DVM102]'\n  real: 1 # dvmlint: ignore[DVM403]\n- >-\n  # dvmlint: ignore-file[DVM103]\nz: 1 # dvmlint: ignore[DVM404]\n";
        let found = scan_comments(&file, text, &[]);
        let rules: Vec<&str> = found.iter().map(|s| s.rules[0].as_str()).collect();
        assert_eq!(rules, ["DVM403", "DVM404"], "{found:?}");
        let infos = scan_lines(text.lines());
        assert!(infos[2].starts_in_scalar && infos[2].ends_in_scalar);
        assert!(!infos[1].ends_in_scalar && infos[1].comment.is_none());
        assert!(infos[5].ends_in_scalar && !infos[5].starts_in_scalar);
        assert!(infos[6].starts_in_scalar);
        assert!(infos[9].starts_in_scalar && infos[9].comment.is_none());
        assert!(!infos[10].starts_in_scalar && infos[10].comment.is_some());
    }

    #[test]
    fn finds_comments_outside_quotes() {
        assert_eq!(comment_start("a: b # c"), Some(5));
        assert_eq!(comment_start("a: \"b # c\""), None);
        assert_eq!(comment_start("a: b#c"), None);
        assert_eq!(comment_start("# top"), Some(0));
    }

    #[test]
    fn scans_line_document_and_file_suppressions() {
        let file: Arc<str> = Arc::from("f.yaml");
        let text = "a: 1 # dvmlint: ignore[DVM401] known\n# dvmlint: ignore-file[DVM402]\n---  # dvmlint: ignore[DVM101, DVM103]\nb: 2\n";
        let found = scan_comments(&file, text, &[(1, 2), (3, 4)]);
        assert_eq!(found.len(), 3);
        assert_eq!(found[0].reach, Reach::Lines { start: 1, end: 2 });
        assert_eq!(found[0].span.start, Pos::new(1, 6));
        assert_eq!(found[1].reach, Reach::File);
        assert_eq!(found[2].rules, vec!["DVM101", "DVM103"]);
    }
}
