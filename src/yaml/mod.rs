//! YAML with exact positions.
//!
//! `serde_yaml` does not expose where a node stands in its file, and every dvmlint
//! finding must point at the exact key or value. So we drive the event parser of
//! `saphyr-parser` (which reports a start and end marker for every event) and build
//! our own small tree, [`Node`], in which every scalar, sequence and mapping keeps
//! its [`Span`]. The tree borrows scalar text from the source where the parser
//! lets it (`Cow`), so building it allocates little; rules never see this tree
//! directly but typed objects extracted from it (see `crate::manifest`).
//!
//! The builder is iterative and enforces the limits of docs/input.md itself (nesting
//! depth, alias expansion), so no input can exhaust the stack or memory.

mod build;
mod split;
pub(crate) mod wire;

pub use build::{
    ChunkParse, Limits, RepeatedKey, parse_chunk, parse_kustomization, parse_stream,
    parse_stream_lent, recycle, same_value,
};
pub use split::{Chunk, split_documents, split_json_values};

use std::borrow::Cow;

/// A position in a file: 1-based line, 1-based column counted in Unicode scalar values.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(from = "(u32, u32)", into = "(u32, u32)")]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

/// Positions are stored compactly as `[line, col]` (the cache of `crate::lint::cache`).
impl From<(u32, u32)> for Pos {
    fn from((line, col): (u32, u32)) -> Pos {
        Pos { line, col }
    }
}

impl From<Pos> for (u32, u32) {
    fn from(pos: Pos) -> (u32, u32) {
        (pos.line, pos.col)
    }
}

impl Pos {
    pub const fn new(line: u32, col: u32) -> Self {
        Pos { line, col }
    }
}

/// A half-open range of positions (`end` is just past the last character).
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct Span {
    pub start: Pos,
    pub end: Pos,
}

impl Span {
    pub const fn new(start: Pos, end: Pos) -> Self {
        Span { start, end }
    }

    /// An empty span at the start of a line (used for whole-file findings).
    pub const fn line_start(line: u32) -> Self {
        Span::new(Pos::new(line, 1), Pos::new(line, 1))
    }

    /// The sub-span of a single-line scalar covering characters `[from, to)` of its
    /// text. Quoted scalars are shifted by their opening quote. Multi-line scalars
    /// give the whole span, since their text no longer maps 1:1 to columns.
    pub fn sub(&self, from: usize, to: usize, style: ScalarStyle) -> Span {
        if self.start.line != self.end.line || matches!(style, ScalarStyle::Block) {
            return *self;
        }
        let shift = u32::from(matches!(style, ScalarStyle::Quoted));
        let col = |n: usize| self.start.col + shift + u32::try_from(n).unwrap_or(0);
        Span::new(
            Pos::new(self.start.line, col(from).min(self.end.col)),
            Pos::new(self.start.line, col(to).min(self.end.col)),
        )
    }
}

/// A span on one line whose columns fit in 16 bits, in 8 bytes instead of
/// 16: what an object's metadata keeps for each of its four scalars
/// (`manifest::ObjectMeta`, docs/performance-history.md, "Memory per object"). A
/// span it cannot hold (over several lines, or past column 65,535) is
/// [`LineSpan::ELSEWHERE`], and its holder keeps that span whole beside it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LineSpan {
    line: u32,
    col: u16,
    end_col: u16,
}

impl LineSpan {
    /// Stands for a span kept elsewhere: it ends before it starts, which
    /// no span [`LineSpan::new`] holds does.
    pub const ELSEWHERE: LineSpan = LineSpan {
        line: 0,
        col: 1,
        end_col: 0,
    };

    /// `span` when it is on one line with columns below 65,536.
    pub fn new(span: Span) -> Option<LineSpan> {
        if span.start.line != span.end.line || span.end.col < span.start.col {
            return None;
        }
        Some(LineSpan {
            line: span.start.line,
            col: u16::try_from(span.start.col).ok()?,
            end_col: u16::try_from(span.end.col).ok()?,
        })
    }

    /// The span it holds; `None` for [`LineSpan::ELSEWHERE`].
    pub fn span(self) -> Option<Span> {
        (self.col <= self.end_col).then(|| {
            Span::new(
                Pos::new(self.line, u32::from(self.col)),
                Pos::new(self.line, u32::from(self.end_col)),
            )
        })
    }
}

/// How a scalar was written; it decides whether `null`, `true` or `10` are strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ScalarStyle {
    Plain,
    Quoted,
    Block,
}

/// Stored as one byte string per tree (`wire`), not by field names.
#[derive(Clone, Debug, PartialEq)]
pub struct Node<'a> {
    pub span: Span,
    pub value: Value<'a>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value<'a> {
    Scalar(Cow<'a, str>, ScalarStyle),
    Seq(Vec<Node<'a>>),
    Map(Vec<(Node<'a>, Node<'a>)>),
}

impl<'a> Node<'a> {
    /// The value of `key` in a mapping (the first one: duplicates are a syntax error).
    pub fn get(&self, key: &str) -> Option<&Node<'a>> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The key node and value node of `key` in a mapping.
    pub fn entry(&self, key: &str) -> Option<(&Node<'a>, &Node<'a>)> {
        self.entries()
            .iter()
            .find(|(k, _)| k.is_key(key))
            .map(|(k, v)| (k, v))
    }

    /// `as_str() == Some(key)`, cheapest test first: lookups compare `key`
    /// with every key of a mapping, and most differ in length or first byte
    /// (which spares a `memcmp` call).
    fn is_key(&self, key: &str) -> bool {
        match &self.value {
            Value::Scalar(text, style) => {
                let (text, key_bytes) = (text.as_bytes(), key.as_bytes());
                text.len() == key_bytes.len()
                    && text.first() == key_bytes.first()
                    && text == key_bytes
                    && !(*style == ScalarStyle::Plain && is_null(key))
            }
            _ => false,
        }
    }

    /// Follows a dotted path of mapping keys.
    pub fn at(&self, path: &[&str]) -> Option<&Node<'a>> {
        path.iter().try_fold(self, |node, key| node.get(key))
    }

    pub fn entries(&self) -> &[(Node<'a>, Node<'a>)] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    pub fn items(&self) -> &[Node<'a>] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }

    pub fn is_seq(&self) -> bool {
        matches!(self.value, Value::Seq(_))
    }

    /// The scalar's text, whatever its resolved type (`10`, `true` and `foo` alike).
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s, style) if !(*style == ScalarStyle::Plain && is_null(s)) => Some(s),
            _ => None,
        }
    }

    pub fn scalar_style(&self) -> Option<ScalarStyle> {
        match &self.value {
            Value::Scalar(_, style) => Some(*style),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar(s, ScalarStyle::Plain) if is_null(s))
    }

    /// A plain boolean as kubectl reads it: sigs.k8s.io/yaml resolves plain
    /// scalars with YAML 1.1 rules (go-yaml v2) before the object is sent as
    /// JSON, so `yes`/`on`/`y` are `true` and `no`/`off`/`n` are `false` in
    /// the applied object, besides the YAML 1.2 core `true`/`false`
    /// (docs/robustness.md, "YAML 1.1 scalars").
    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Scalar(s, ScalarStyle::Plain) => match s.as_ref() {
                "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "y"
                | "Y" => Some(true),
                "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "n"
                | "N" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// A plain scalar's integer value as kubectl applies it (go-yaml v2, YAML
    /// 1.1): `0x1F` is 31, `0o777` and `0777` are 511 (octal), `1_000` and
    /// `1e3` are 1000; a float with a fraction, `.inf`, `.nan` or a quoted
    /// scalar is no integer. `None` when not such a number.
    pub fn as_applied_int(&self) -> Option<i64> {
        match &self.value {
            Value::Scalar(s, ScalarStyle::Plain) => yaml11_int(s),
            _ => None,
        }
    }

    /// Number of nodes in this subtree (itself included).
    pub fn size(&self) -> usize {
        let mut count = 0;
        self.walk(&mut |_| count += 1);
        count
    }

    /// Visits every node of the subtree, depth first, keys before values.
    pub fn walk<'s>(&'s self, visit: &mut impl FnMut(&'s Node<'a>)) {
        let mut stack = Vec::with_capacity(32);
        stack.push(self);
        while let Some(node) = stack.pop() {
            visit(node);
            match &node.value {
                Value::Scalar(..) => {}
                Value::Seq(items) => stack.extend(items.iter().rev()),
                Value::Map(entries) => {
                    for (k, v) in entries.iter().rev() {
                        stack.push(v);
                        stack.push(k);
                    }
                }
            }
        }
    }

    /// A copy that owns its text, for objects kept after their file is dropped
    /// (one pass: each collection is allocated once, at its final size).
    pub fn to_owned_node(&self) -> Node<'static> {
        let value = match &self.value {
            Value::Scalar(s, style) => Value::Scalar(Cow::Owned(String::from(s.as_ref())), *style),
            Value::Seq(items) => Value::Seq(items.iter().map(Node::to_owned_node).collect()),
            Value::Map(entries) => Value::Map(
                entries
                    .iter()
                    .map(|(k, v)| (k.to_owned_node(), v.to_owned_node()))
                    .collect(),
            ),
        };
        Node {
            span: self.span,
            value,
        }
    }
}

/// go-yaml v2's integer resolution (Go's `strconv.ParseInt(s, 0, 64)` after
/// removing `_`), then its float syntax when the float is integral (it is sent
/// to the API server as a JSON number without a fraction).
fn yaml11_int(text: &str) -> Option<i64> {
    let plain: String = text.chars().filter(|&c| c != '_').collect();
    let (negative, digits) = match plain.as_bytes().first() {
        Some(b'-') => (true, plain.get(1..)?),
        Some(b'+') => (false, plain.get(1..)?),
        _ => (false, plain.as_str()),
    };
    let lower = digits.to_ascii_lowercase();
    let magnitude = if let Some(hex) = lower.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()
    } else if let Some(oct) = lower.strip_prefix("0o") {
        i64::from_str_radix(oct, 8).ok()
    } else if let Some(bin) = lower.strip_prefix("0b") {
        i64::from_str_radix(bin, 2).ok()
    } else if lower.len() > 1 && lower.starts_with('0') {
        i64::from_str_radix(lower.get(1..)?, 8).ok()
    } else if !lower.is_empty() && lower.bytes().all(|b| b.is_ascii_digit()) {
        lower.parse::<i64>().ok()
    } else {
        None
    };
    let hex_like = ["0x", "0o", "0b"].iter().any(|p| lower.starts_with(p));
    if let Some(m) = magnitude.filter(|m| *m >= 0 && !lower.starts_with(['+', '-'])) {
        return Some(if negative { -m } else { m });
    }
    if hex_like || lower.starts_with(['+', '-']) {
        return None;
    }
    // YAML 1.1 float: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
    let (mantissa, exponent) = match lower.split_once('e') {
        Some((m, e)) => (m, Some(e)),
        None => (lower.as_str(), None),
    };
    let mantissa_ok = {
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        (!int.is_empty() || !frac.is_empty()) && digits(int) && digits(frac)
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit())
    });
    if !(mantissa_ok && exponent_ok) {
        return None;
    }
    let value: f64 = plain.parse().ok()?;
    #[allow(clippy::cast_possible_truncation)]
    (value.is_finite() && value.fract() == 0.0 && value.abs() < 9.0e15).then_some(value as i64)
}

fn is_null(s: &str) -> bool {
    matches!(s, "" | "~" | "null" | "Null" | "NULL")
}

/// A YAML syntax error, or a limit of docs/input.md that stopped the parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub pos: Pos,
    pub message: String,
}

/// How a duplicate key's error opens ([`SyntaxError::duplicate_key`]).
pub(crate) const DUPLICATE_KEY: &str = "duplicate mapping key `";

impl SyntaxError {
    /// The key, when the error is a mapping key written twice (the document
    /// parsed otherwise).
    pub fn duplicate_key(&self) -> Option<&str> {
        let rest = self.message.strip_prefix(DUPLICATE_KEY)?;
        rest.rsplit_once("` (").map(|(key, _)| key)
    }
}

#[cfg(test)]
mod tests {
    use super::{LineSpan, Pos, Span, yaml11_int};

    #[test]
    fn a_line_span_holds_spans_on_one_line_with_short_columns() {
        assert_eq!(std::mem::size_of::<LineSpan>(), 8);
        for span in [
            Span::new(Pos::new(1, 1), Pos::new(1, 9)),
            Span::new(Pos::new(u32::MAX, 65_535), Pos::new(u32::MAX, 65_535)),
            Span::default(),
        ] {
            assert_eq!(LineSpan::new(span).and_then(LineSpan::span), Some(span));
        }
        for span in [
            Span::new(Pos::new(3, 5), Pos::new(4, 2)),
            Span::new(Pos::new(3, 5), Pos::new(3, 65_536)),
            Span::new(Pos::new(3, 70_000), Pos::new(3, 70_010)),
            Span::new(Pos::new(3, 5), Pos::new(3, 4)),
        ] {
            assert_eq!(LineSpan::new(span), None, "{span:?}");
        }
        assert_eq!(LineSpan::ELSEWHERE.span(), None);
    }

    #[test]
    fn integers_as_go_yaml_v2_resolves_them() {
        let cases = [
            ("443", Some(443)),
            ("0x1F", Some(31)),
            ("0X1f", Some(31)),
            ("0o777", Some(511)),
            ("0777", Some(511)),
            ("0b101", Some(5)),
            ("5_353", Some(5353)),
            ("-12", Some(-12)),
            ("+12", Some(12)),
            ("1e3", Some(1000)),
            ("1.0", Some(1)),
            ("08", Some(8)),
            ("0", Some(0)),
            ("1.5", None),
            (".inf", None),
            (".nan", None),
            ("~", None),
            ("on", None),
            ("0x", None),
            ("--1", None),
            ("1e", None),
            ("", None),
            ("https", None),
        ];
        for (text, want) in cases {
            assert_eq!(yaml11_int(text), want, "{text}");
        }
    }
}
