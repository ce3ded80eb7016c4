//! Masking secrets in everything a reporter prints.
//!
//! Rules already avoid putting passwords in messages; this is the second line of
//! defence, and the only one for source snippets, which show the raw line.

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

use regex::Regex;

use crate::finding::{Finding, Location};

pub struct Redactor<'s> {
    /// Every secret of [`SHORT_SECRET`] bytes or more as rules may print it
    /// transformed: any case, with `_` between any two characters
    /// (operator-sdk snake-cases keys: a URL used as a key comes back as
    /// `…_zq8_secret_key99@…`; DVM203 quotes a noProxy entry lower-cased). A
    /// shorter secret is masked as written only: in another case it is most
    /// often another word (a Secret's placeholder `STRING` masked Kustomize's
    /// "cannot unmarshal string into Go struct field"), and the
    /// transformations reach a password in a URL, which [`credentials`] masks
    /// in any case and of any length (docs/security.md). Built on first use, and
    /// only used where [`Redactor::prefilter`] lets a text through: compiling
    /// one pattern of hundreds of secrets cost more than linting their files,
    /// and most texts hold none of them (docs/performance.md).
    transformed: OnceLock<Option<Regex>>,
    /// The secrets [`Redactor::transformed`] is made of (empty: it is not used).
    transformed_secrets: Vec<Cow<'s, str>>,
    /// A superset of [`Redactor::transformed`]'s matches, cheap to ask: the
    /// secrets without `_`, in any ASCII case, in a text without `_`. Only
    /// when every secret is ASCII (Unicode case folding is the regex's to
    /// do); built on first use, where [`Redactor::prefilter_screen`] lets a
    /// text through (`None` inside: it could not be built).
    prefilter: Option<OnceLock<Option<aho_corasick::AhoCorasick>>>,
    /// A superset of [`Redactor::prefilter`]'s matches, cheaper still.
    prefilter_screen: Option<Screen>,
    /// All secrets at once, the longest match first (a secret containing
    /// another is masked whole): one pass over a text, whatever their number.
    /// Built on first use, where [`Redactor::screen`] lets a text through:
    /// building it for a few hundred secrets cost more than the texts it was
    /// asked about, and hardly any text holds a secret (docs/performance.md).
    automaton: OnceLock<Option<aho_corasick::AhoCorasick>>,
    /// The secrets [`Redactor::automaton`] is made of (empty: no secret).
    all: Vec<Cow<'s, str>>,
    /// A superset of [`Redactor::automaton`]'s matches (`None`: no screening).
    screen: Option<Screen>,
    /// Scalars a secret was read from, by file: where the source writes it
    /// differently from its value (escapes, line folding), the whole scalar is masked.
    spans: std::collections::HashMap<&'s str, Vec<&'s Location>>,
    /// The project's files ([`Redactor::with_paths`]): a short secret inside
    /// one of their paths, or of their folders', in a message is not masked.
    paths: &'s [Arc<str>],
    /// Those paths and every folder above them that holds a `/`, built on
    /// first use.
    known_paths: OnceLock<std::collections::HashSet<&'s str>>,
}

pub const MASK: &str = "****";

/// A cheap test that lets through every text holding one of a set of byte
/// strings in any ASCII case (and few others): their first four bytes, looked
/// up at each position of the text, first in a table of one bit per hash, then
/// exactly. Screening a file name this way costs a fraction of asking an
/// automaton of a few hundred secrets (docs/performance.md).
struct Screen {
    /// The first four bytes of every string ([`gram`]), sorted, each once.
    grams: Vec<u32>,
    /// Bit `hash(gram)` is set for every gram.
    bits: Vec<u64>,
}

impl Screen {
    const HASH_BITS: u32 = 16;

    /// `None` when some string is shorter than four bytes: it cannot be screened.
    fn new<'p>(strings: impl Iterator<Item = &'p [u8]>) -> Option<Screen> {
        let mut grams = Vec::new();
        for string in strings {
            grams.push(gram(string.get(..4)?));
        }
        grams.sort_unstable();
        grams.dedup();
        let mut bits = vec![0u64; 1 << (Self::HASH_BITS - 6)];
        for &g in &grams {
            let h = Self::hash(g);
            if let Some(word) = bits.get_mut(h >> 6) {
                *word |= 1 << (h & 63);
            }
        }
        Some(Screen { grams, bits })
    }

    fn hash(gram: u32) -> usize {
        (gram.wrapping_mul(0x9E37_79B1) >> (32 - Self::HASH_BITS)) as usize
    }

    /// Whether `text` may hold one of the strings (it does not if `false`).
    fn may_hold(&self, text: &[u8]) -> bool {
        text.windows(4).any(|window| {
            let g = gram(window);
            let h = Self::hash(g);
            self.bits
                .get(h >> 6)
                .is_some_and(|word| word & (1 << (h & 63)) != 0)
                && self.grams.binary_search(&g).is_ok()
        })
    }
}

/// Four bytes as one number, with bit 5 of each set: ASCII letters of either
/// case give the same number (so do a few other pairs of bytes, which only
/// lets a text through to the exact test).
fn gram(bytes: &[u8]) -> u32 {
    <[u8; 4]>::try_from(bytes).map_or(0, u32::from_le_bytes) | 0x2020_2020
}

/// Credentials written in a URL or proxy address, wherever they appear (also in
/// documents that did not parse, and in text no rule collected): the password
/// of `scheme://user:password@host` and of `user:password@host` (no scheme, as
/// stunnel reads `stunnel_tcp_proxy`), and a lone user name of
/// `scheme://user@host`, which proxies and Git hosts accept as a token
/// (`docs/security.md`).
fn credentials() -> Option<&'static Regex> {
    static CREDENTIALS: OnceLock<Option<Regex>> = OnceLock::new();
    CREDENTIALS
        .get_or_init(|| {
            Regex::new(concat!(
                r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*://)(?P<userinfo>[^\s/?#@'`<>]+)@",
                r#"|(?P<user>[A-Za-z0-9._~%!$&*+;=\-]+):(?P<password>[^\s/?#@'"`<>:]+)@[A-Za-z0-9\[]"#,
            ))
            .ok()
        })
        .as_ref()
}

/// The byte ranges of credentials in `text` (see [`credentials`]).
pub fn credential_ranges(text: &str) -> Vec<std::ops::Range<usize>> {
    let Some(regex) = credentials() else {
        return Vec::new();
    };
    if !text.contains('@') {
        return Vec::new();
    }
    regex
        .captures_iter(text)
        .filter_map(|caps| {
            if let Some(userinfo) = caps.name("userinfo") {
                let info = userinfo.as_str();
                // The password when there is one, else the whole user name.
                return Some(match info.find(':') {
                    Some(colon) => userinfo.start() + colon + 1..userinfo.end(),
                    None => userinfo.range(),
                })
                .filter(|range| !range.is_empty());
            }
            caps.name("password").map(|m| m.range())
        })
        .filter(|range| {
            !text
                .get(range.clone())
                .is_some_and(|t| t.bytes().all(|b| b == b'*'))
        })
        .collect()
}

/// With more secrets than this, their transformed forms are not looked for
/// (one pattern of them all would be too large to build); credentials still are.
const TRANSFORMED_SECRETS_MAX: usize = 2_000;

/// Secrets longer than this are masked verbatim only.
const TRANSFORMED_MAX: usize = 256;

/// One pattern matching every secret in any case with optional `_` between its
/// characters (see [`Redactor::transformed`]).
fn transformed_pattern(secrets: &[Cow<'_, str>]) -> Option<Regex> {
    let alternatives: Vec<String> = secrets
        .iter()
        .map(|secret| {
            secret
                .chars()
                .map(|c| regex::escape(c.encode_utf8(&mut [0; 4])))
                .collect::<Vec<_>>()
                .join("_?")
        })
        .collect();
    if alternatives.is_empty() {
        return None;
    }
    regex::RegexBuilder::new(&format!("(?i:{})", alternatives.join("|")))
        .size_limit(64 << 20)
        .build()
        .ok()
}

/// Secrets shorter than this (bytes) are masked only as tokens of their own.
const SHORT_SECRET: usize = 8;

/// Not a secret but a documentation placeholder (`<password>`, `${TOKEN}`,
/// `{{ .Values.pass }}`): masking it would turn DVM402's message into
/// "`****` is a documentation placeholder".
fn is_placeholder(secret: &str) -> bool {
    let s = secret.trim();
    (s.starts_with('<') && s.ends_with('>'))
        || (s.starts_with("${") && s.ends_with('}'))
        || (s.starts_with("{{") && s.ends_with("}}"))
}

/// dvmlint's own wording: every string literal of its sources outside tests,
/// cut where a format string interpolates (`build.rs`).
mod own {
    include!(concat!(env!("OUT_DIR"), "/own_wording.rs"));
}

/// Every place in `text` where dvmlint's own wording is written, overlapping
/// ones included. Asked only of texts holding a secret.
fn own_wording_ranges(text: &str) -> Vec<std::ops::Range<usize>> {
    static AUTOMATON: OnceLock<Option<aho_corasick::AhoCorasick>> = OnceLock::new();
    let Some(automaton) = AUTOMATON
        .get_or_init(|| aho_corasick::AhoCorasick::new(own::PIECES).ok())
        .as_ref()
    else {
        return Vec::new();
    };
    automaton
        .find_overlapping_iter(text)
        .map(|m| m.range())
        .collect()
}

/// Whether the piece of dvmlint's wording at `own` holds the match at `range`
/// and more: a letter or digit of its own beside it. A piece that is no more
/// than the match with punctuation around (`` `helm` ``) is how a message
/// quotes a value, so it keeps nothing.
fn covers(text: &str, own: &std::ops::Range<usize>, range: &std::ops::Range<usize>) -> bool {
    let alnum =
        |part: Option<&str>| part.is_some_and(|p| p.bytes().any(|b| b.is_ascii_alphanumeric()));
    own.start <= range.start
        && range.end <= own.end
        && (alnum(text.get(own.start..range.start)) || alnum(text.get(range.end..own.end)))
}

impl<'s> Redactor<'s> {
    pub fn new(secrets: &'s [String]) -> Self {
        let mut all: Vec<Cow<'s, str>> = Vec::new();
        for secret in secrets
            .iter()
            .map(String::as_str)
            .filter(|s| !s.is_empty() && !is_placeholder(s))
        {
            all.push(Cow::Borrowed(secret));
        }
        all.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        all.dedup();
        let transformed_secrets: Vec<Cow<'s, str>> = if all.len() <= TRANSFORMED_SECRETS_MAX {
            all.iter()
                .filter(|s| s.len() >= SHORT_SECRET && s.len() <= TRANSFORMED_MAX)
                .cloned()
                .collect()
        } else {
            Vec::new()
        };
        // A match of `s_?e_?c…` (any case) in a text is, with every `_`
        // removed from both, the secret without `_` in the text without
        // `_`, in some case: a superset, whatever the word-boundary edges.
        let ascii = transformed_secrets.iter().all(|s| s.is_ascii());
        let prefilter_screen = ascii
            .then(|| {
                let folded: Vec<String> = transformed_secrets
                    .iter()
                    .map(|s| s.replace('_', ""))
                    .collect();
                Screen::new(folded.iter().map(String::as_bytes))
            })
            .flatten();
        Redactor {
            transformed: OnceLock::new(),
            transformed_secrets,
            prefilter: ascii.then(OnceLock::new),
            prefilter_screen,
            automaton: OnceLock::new(),
            screen: Screen::new(all.iter().map(|s| s.as_bytes())),
            all,
            spans: std::collections::HashMap::new(),
            paths: &[],
            known_paths: OnceLock::new(),
        }
    }

    /// The project's files: a short secret (masked only as a token of its
    /// own) is not masked inside their paths, nor their folders', where a
    /// message names them (docs/security.md).
    pub fn with_paths(mut self, paths: &'s [Arc<str>]) -> Self {
        self.paths = paths;
        self
    }

    /// Whether `range` of `text` lies inside the path of a project file or
    /// folder written there whole: the longest run around it of characters a
    /// message does not quote a path with, less a `:line:column` or a
    /// sentence's full stop, is one of [`Redactor::paths`] or a folder above
    /// one. A folder at the project's root is no such path: its name alone
    /// (`admin`) is how a message quotes a value too.
    fn in_known_path(&self, text: &str, range: &std::ops::Range<usize>) -> bool {
        if self.paths.is_empty() {
            return false;
        }
        let edge = |c: char| c.is_whitespace() || "`'\"()[]{}<>,;".contains(c);
        let start = text
            .get(..range.start)
            .and_then(|before| before.rfind(edge).map(|i| i + 1))
            .unwrap_or(0);
        let end = text
            .get(range.end..)
            .and_then(|after| after.find(edge))
            .map_or(text.len(), |i| range.end + i);
        let Some(mut token) = text.get(start..end) else {
            return false;
        };
        let known = self.known_paths.get_or_init(|| {
            let mut known = std::collections::HashSet::new();
            for path in self.paths {
                let path: &'s str = path;
                known.insert(path);
                for (i, _) in path.match_indices('/').skip(1) {
                    known.extend(path.get(..i));
                }
            }
            known
        });
        loop {
            if start + token.len() < range.end {
                return false;
            }
            if known.contains(token) {
                return true;
            }
            // `path:12:3`, `path:12`, `path.`, `path:`
            let shorter = match token.rsplit_once(':') {
                Some((head, tail)) if tail.bytes().all(|b| b.is_ascii_digit()) => head,
                _ => match token.strip_suffix(['.', ':']) {
                    Some(head) => head,
                    None => return false,
                },
            };
            token = shorter;
        }
    }

    /// Whether `text` holds a secret verbatim.
    fn holds_secret(&self, text: &str) -> bool {
        self.automaton_for(text)
            .is_some_and(|automaton| automaton.is_match(text))
    }

    /// The automaton of every secret, if `text` may hold one.
    fn automaton_for(&self, text: &str) -> Option<&aho_corasick::AhoCorasick> {
        if self.all.is_empty()
            || self
                .screen
                .as_ref()
                .is_some_and(|screen| !screen.may_hold(text.as_bytes()))
        {
            return None;
        }
        self.automaton
            .get_or_init(|| {
                aho_corasick::AhoCorasick::builder()
                    .match_kind(aho_corasick::MatchKind::LeftmostLongest)
                    .build(self.all.iter().map(AsRef::<str>::as_ref))
                    .ok()
            })
            .as_ref()
    }

    pub fn with_spans(mut self, spans: &'s [Location]) -> Self {
        for span in spans {
            self.spans.entry(&*span.file).or_default().push(span);
        }
        self
    }

    /// The source text of `file` for a snippet: every secret and every
    /// credential (see [`credentials`]) replaced by `*` of the same byte length,
    /// so spans stay exact. A scalar holding a secret that its source spells
    /// neither verbatim nor as a credential (`\x41`, a value folded over lines)
    /// is masked whole, line breaks kept. Control characters other than line
    /// breaks and tabs become `?`, and a lone `\r` a `\n` (a line break either
    /// way for YAML), so a terminal shows the lines the parser saw.
    pub fn mask_source(&self, file: &str, text: &str) -> String {
        let index = super::source::LineIndex::new(text);
        // Whole scalars to mask, found first, applied in one pass.
        let mut whole: Vec<std::ops::Range<usize>> = Vec::new();
        for span in self.spans.get(file).into_iter().flatten() {
            let start = index.offset(text, span.span.start);
            let end = index.offset(text, span.span.end).max(start);
            let Some(raw) = text.get(start..end) else {
                continue;
            };
            let verbatim = self.holds_secret(raw);
            if verbatim || !credential_ranges(raw).is_empty() {
                continue;
            }
            whole.push(start..end);
        }
        let mut bytes = self
            .apply_with(text, |secret| "*".repeat(secret.len()))
            .into_owned()
            .into_bytes();
        for range in whole {
            // Whole characters of the original text: `*` per byte keeps UTF-8
            // valid; line breaks are kept.
            if let Some(part) = bytes.get_mut(range) {
                part.iter_mut()
                    .filter(|b| **b != b'\n' && **b != b'\r')
                    .for_each(|b| *b = b'*');
            }
        }
        for range in credential_ranges(std::str::from_utf8(&bytes).unwrap_or_default()) {
            if let Some(part) = bytes.get_mut(range) {
                part.fill(b'*');
            }
        }
        for i in 0..bytes.len() {
            let next = bytes.get(i + 1).copied();
            if let Some(byte) = bytes.get_mut(i) {
                *byte = match *byte {
                    b'\r' if next != Some(b'\n') => b'\n',
                    b'\r' | b'\n' | b'\t' => *byte,
                    0..=0x1f | 0x7f => b'?',
                    other => other,
                };
            }
        }
        // Only whole characters were replaced, byte for byte, by ASCII: still UTF-8.
        String::from_utf8(bytes).unwrap_or_default()
    }

    /// The pattern of the secrets' transformed forms, if `text` may hold one.
    fn transformed_in(&self, text: &str) -> Option<&Regex> {
        if self.transformed_secrets.is_empty() {
            return None;
        }
        if let Some(prefilter) = &self.prefilter
            && text.is_ascii()
        {
            let folded: Cow<'_, str> = if text.contains('_') {
                Cow::Owned(text.replace('_', ""))
            } else {
                Cow::Borrowed(text)
            };
            if self
                .prefilter_screen
                .as_ref()
                .is_some_and(|screen| !screen.may_hold(folded.as_bytes()))
            {
                return None;
            }
            let prefilter = prefilter.get_or_init(|| {
                aho_corasick::AhoCorasick::builder()
                    .ascii_case_insensitive(true)
                    .build(self.transformed_secrets.iter().map(|s| s.replace('_', "")))
                    .ok()
            });
            if let Some(prefilter) = prefilter
                && !prefilter.is_match(folded.as_ref())
            {
                return None;
            }
        }
        self.transformed
            .get_or_init(|| transformed_pattern(&self.transformed_secrets))
            .as_ref()
    }

    /// `text` (a message, a help, a name) with every secret and credential
    /// masked as `****`, except inside dvmlint's own wording ([`own_wording`])
    /// and, for a short secret, inside the path of a project file or folder
    /// ([`Redactor::with_paths`]).
    pub fn apply<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let own: std::cell::OnceCell<Vec<std::ops::Range<usize>>> = std::cell::OnceCell::new();
        self.masked(text, |range, length| {
            own.get_or_init(|| own_wording_ranges(text))
                .iter()
                .any(|own| covers(text, own, range))
                || (length < SHORT_SECRET && self.in_known_path(text, range))
        })
    }

    /// A file's path: masked as [`Redactor::apply`] masks, but for secrets
    /// shorter than 8 bytes, which a path never shows masked: a folder named
    /// like a common Secret value (`helm`, `admin`) stays a path the user can
    /// open (docs/security.md).
    pub fn path<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let masked = self.masked(text, |_, length| length < SHORT_SECRET);
        match masked {
            Cow::Borrowed(text) if !has_controls(text) => Cow::Borrowed(text),
            masked => Cow::Owned(escape_controls(&masked, false)),
        }
    }

    /// `text` with every secret (verbatim, as a token of its own when short;
    /// transformed when long) and every credential masked as `****`, but those `kept`
    /// leaves (given their range and their secret's length, `usize::MAX` for
    /// a credential). Matches are found in `text` as written, overlapping
    /// ones masked as one.
    fn masked<'t>(
        &self,
        text: &'t str,
        kept: impl Fn(&std::ops::Range<usize>, usize) -> bool,
    ) -> Cow<'t, str> {
        let mut ranges: Vec<std::ops::Range<usize>> = Vec::new();
        let mut keep = |range: std::ops::Range<usize>, length: usize| {
            if !kept(&range, length) {
                ranges.push(range);
            }
        };
        if let Some(automaton) = self.automaton_for(text) {
            let bytes = text.as_bytes();
            let word = |at: Option<&u8>| at.is_some_and(u8::is_ascii_alphanumeric);
            for m in automaton.find_iter(text) {
                // A short secret inside a longer word (`user` in
                // `githubusercontent`) is not that secret: masked only where it
                // stands as a token of its own (docs/security.md).
                let inside_word = m.len() < SHORT_SECRET
                    && (word(m.start().checked_sub(1).and_then(|i| bytes.get(i)))
                        || word(bytes.get(m.end())));
                if !inside_word {
                    keep(m.range(), m.len());
                }
            }
        }
        if let Some(transformed) = self.transformed_in(text) {
            for m in transformed.find_iter(text) {
                let length = m.as_str().bytes().filter(|&b| b != b'_').count();
                keep(m.range(), length);
            }
        }
        for range in credential_ranges(text) {
            keep(range, usize::MAX);
        }
        if ranges.is_empty() {
            return Cow::Borrowed(text);
        }
        ranges.sort_by_key(|r| (r.start, std::cmp::Reverse(r.end)));
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for range in ranges {
            if range.end <= at {
                continue; // inside the mask just written
            }
            if range.start >= at {
                out.push_str(text.get(at..range.start).unwrap_or_default());
                out.push_str(MASK);
            }
            at = range.end;
        }
        out.push_str(text.get(at..).unwrap_or_default());
        Cow::Owned(out)
    }

    /// Replaces every secret in `text` with `mask(secret)`, in one pass.
    pub fn apply_with<'t>(&self, text: &'t str, mask: impl Fn(&str) -> String) -> Cow<'t, str> {
        let Some(automaton) = self.automaton_for(text) else {
            return Cow::Borrowed(text);
        };
        if !automaton.is_match(text) {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len());
        let bytes = text.as_bytes();
        let word = |at: Option<&u8>| at.is_some_and(u8::is_ascii_alphanumeric);
        automaton.replace_all_with(text, &mut out, |m, found, dst| {
            // A short secret inside a longer word (`user` in
            // `githubusercontent`) is not that secret: masked only where it
            // stands as a token of its own (docs/security.md).
            let inside_word = found.len() < SHORT_SECRET
                && (word(m.start().checked_sub(1).and_then(|i| bytes.get(i)))
                    || word(bytes.get(m.end())));
            if inside_word {
                dst.push_str(found);
            } else {
                dst.push_str(&mask(found));
            }
            true
        });
        Cow::Owned(out)
    }

    /// A name or one-line text: masked, control characters escaped (`\n`,
    /// `\u{1b}`), so no output line can be forged and no terminal driven.
    pub fn line(&self, text: &str) -> String {
        self.line_cow(text).into_owned()
    }

    /// [`Redactor::line`], borrowed when nothing is masked or escaped (almost
    /// every text): the redaction pass then copies nothing
    /// (docs/performance.md).
    pub fn line_cow<'t>(&self, text: &'t str) -> Cow<'t, str> {
        match self.apply(text) {
            Cow::Borrowed(text) if !has_controls(text) => Cow::Borrowed(text),
            masked => Cow::Owned(escape_controls(&masked, false)),
        }
    }
}

/// Whether `text` holds a control character: printable ASCII (almost every
/// text) is told from its bytes, without decoding characters.
fn has_controls(text: &str) -> bool {
    !text.bytes().all(|b| (0x20..0x7f).contains(&b)) && text.chars().any(char::is_control)
}

/// `text` with control characters written as Rust escapes; `keep_breaks`
/// keeps `\n` and `\t` (multi-line help).
pub fn escape_controls(text: &str, keep_breaks: bool) -> String {
    if !has_controls(text) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' | '\t' if keep_breaks => out.push(c),
            c if c.is_control() => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out
}

/// A message or related message longer than this is cut (an anchored 1 MB
/// scalar quoted in a message, used 2,000 times, would be 2 GB of output).
pub const MESSAGE_MAX: usize = 4096;
/// Help texts are longer (DVM101's allow policy); they are cut here.
pub const HELP_MAX: usize = 16384;

/// `text` cut at `max` bytes (on a character boundary) with an ellipsis and
/// how much was left out.
pub fn truncate(text: String, max: usize) -> String {
    if text.len() <= max {
        return text;
    }
    let mut cut = max;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!(
        "{}… ({} more bytes)",
        text.get(..cut).unwrap_or_default(),
        text.len() - cut
    )
}

/// [`redact_findings`] over a run before it is reported (names included).
///
/// The list of every file linted is printed by the JUnit report alone (a
/// test case per clean file); `files_listed` says whether a report of this
/// run lists it. Unlisted, its names are left as they are (masking a
/// million names at 1 GB of small files is the longest part of the pass).
pub fn redact_run(run: &mut crate::lint::LintRun, files_listed: bool) {
    let secrets = std::mem::take(&mut run.secrets);
    redact_findings(
        &mut run.findings,
        &mut run.secret_spans,
        &mut run.files,
        &secrets,
        files_listed,
    );
    run.secrets = secrets;
}

/// The one redaction pass over everything a run prints (`docs/security.md`):
/// every message, help, related message, object name and cluster masked and
/// escaped, and every file name findings and secret spans carry (a secret or
/// a line break in a file name reaches no output). `files` are the paths of
/// the project, which a message may quote whole; with `files_listed`, their
/// names are masked too (a report prints the list).
pub fn redact_findings(
    findings: &mut [Finding],
    secret_spans: &mut [Location],
    files: &mut [Arc<str>],
    secrets: &[String],
    files_listed: bool,
) {
    // Messages first, with every file's path known (a short secret inside
    // one is not masked); then the names themselves.
    let redactor = Redactor::new(secrets).with_paths(files);
    // Texts that need no masking nor escaping (nearly all) are left in place.
    let field = |text: &mut String| {
        if let Cow::Owned(clean) = redactor.line_cow(text) {
            *text = clean;
        }
    };
    let message = |text: &mut String| {
        if let Cow::Owned(clean) = redactor.line_cow(text) {
            *text = clean;
        }
        if text.len() > MESSAGE_MAX {
            *text = truncate(std::mem::take(text), MESSAGE_MAX);
        }
    };
    // Each finding on its own, on every worker (a hundred thousand findings
    // at 1 GB of small files took 0.27 s on one).
    use rayon::prelude::*;
    findings
        .par_iter_mut()
        .with_min_len(1024)
        .for_each(|finding| {
            message(&mut finding.message);
            if let Some(help) = &mut finding.help {
                *help = truncate(escape_controls(&redactor.apply(help), true), HELP_MAX);
            }
            if let Some(object) = &mut finding.object {
                field(&mut object.name);
                field(&mut object.kind);
                field(&mut object.api_version);
                if let Some(namespace) = &mut object.namespace {
                    field(namespace);
                }
            }
            if let Some(cluster) = &mut finding.cluster
                && let Cow::Owned(clean) = redactor.line_cow(cluster)
            {
                *cluster = Arc::from(clean);
            }
            for related in &mut finding.related {
                message(&mut related.message);
            }
        });
    let redactor = Redactor::new(secrets);
    let name = |file: &mut Arc<str>| {
        if let Cow::Owned(clean) = redactor.path(file)
            && clean != **file
        {
            *file = Arc::from(clean);
        }
    };
    findings
        .par_iter_mut()
        .with_min_len(1024)
        .for_each(|finding| {
            for related in &mut finding.related {
                name(&mut related.location.file);
            }
            name(&mut finding.location.file);
        });
    secret_spans.iter_mut().for_each(|l| name(&mut l.file));
    if !files_listed {
        return;
    }
    // Every listed file's name (a million at 1 GB of small files): on
    // every worker, the only stage left running when the report starts.
    files.par_iter_mut().with_min_len(4096).for_each(name);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_spelled_differently_in_the_source_mask_their_whole_scalar() {
        use crate::yaml::{Pos, Span};
        use std::sync::Arc;
        let text = "a: \"http://u:Tr0ub\\\n  4dor@h:1\"\nb: \"http://u:plain1@h\"\n";
        let secrets = vec!["Tr0ub4dor".to_owned(), "plain1".to_owned()];
        let file: Arc<str> = Arc::from("f.yaml");
        let spans = vec![
            Location::new(&file, Span::new(Pos::new(1, 4), Pos::new(2, 12))),
            Location::new(&file, Span::new(Pos::new(3, 4), Pos::new(3, 23))),
        ];
        let masked = Redactor::new(&secrets)
            .with_spans(&spans)
            .mask_source("f.yaml", text);
        assert_eq!(masked.len(), text.len());
        assert!(
            !masked.contains("Tr0ub") && !masked.contains("4dor"),
            "{masked}"
        );
        assert_eq!(masked.lines().count(), text.lines().count());
        // Written verbatim: only the password is masked, the host stays readable.
        assert!(masked.contains("b: \"http://u:******@h\""), "{masked}");
        // Another file's spans do not apply; credentials are masked everywhere.
        assert_eq!(
            Redactor::new(&[])
                .with_spans(&spans)
                .mask_source("g.yaml", text),
            text.replace("plain1", "******")
        );
    }

    #[test]
    fn credentials_are_masked_with_or_without_a_scheme_and_nothing_else() {
        let r = Redactor::new(&[]);
        for (text, masked) in [
            (
                "stunnel_tcp_proxy: dvm:PASS1@proxy:3128",
                "stunnel_tcp_proxy: dvm:****@proxy:3128",
            ),
            ("http://u:p%40ss@h:1/x", "http://u:****@h:1/x"),
            (
                "https://TOKEN123@github.com/o/r",
                "https://****@github.com/o/r",
            ),
            ("http://a%3Ab@proxy", "http://****@proxy"),
            ("mail admin@example.com", "mail admin@example.com"),
            (
                "image: registry:5000/app@sha256:ab",
                "image: registry:5000/app@sha256:ab",
            ),
            ("http://proxy.corp:3128", "http://proxy.corp:3128"),
            ("git@github.com:org/repo", "git@github.com:org/repo"),
        ] {
            assert_eq!(r.apply(text), masked, "{text}");
            assert_eq!(r.mask_source("f", text).len(), text.len());
        }
    }

    #[test]
    fn transformed_forms_are_masked_and_placeholders_are_not_secrets() {
        let secrets = vec!["Zq8SecretKey99".to_owned(), "<password>".to_owned()];
        let r = Redactor::new(&secrets);
        assert_eq!(r.apply("key zq8_secret_key99 unknown"), "key **** unknown");
        assert_eq!(r.apply("lower zq8secretkey99"), "lower ****");
        assert_eq!(r.apply("upper ZQ8SECRETKEY99"), "upper ****");
        assert_eq!(
            r.apply("`<password>` is a documentation placeholder"),
            "`<password>` is a documentation placeholder"
        );
    }

    /// The pattern of transformed forms is compiled only when a text may hold
    /// one, and masks the same forms as when it was always compiled: secrets
    /// holding `_`, in any case, with `_` between any two characters, and
    /// non-ASCII texts and secrets (which the prefilter leaves to the pattern).
    #[test]
    fn transformed_forms_are_looked_for_only_in_texts_that_may_hold_one() {
        let secrets = vec!["pass_Word9".to_owned(), "s3cr3t-x".to_owned()];
        let r = Redactor::new(&secrets);
        assert_eq!(r.apply("nothing to see here"), "nothing to see here");
        assert_eq!(
            r.apply("a file_name_with_underscores.yaml"),
            "a file_name_with_underscores.yaml"
        );
        assert!(r.transformed.get().is_none(), "compiled for clean texts");
        assert_eq!(r.apply("key p_a_s_s__w_o_r_d_9 end"), "key **** end");
        assert_eq!(r.apply("key PASS_WORD9 end"), "key **** end");
        assert_eq!(r.apply("key PASSWORD9 end"), "key PASSWORD9 end");
        assert_eq!(r.apply("key S_3_C_R_3_T_-_X end"), "key **** end");
        assert_eq!(r.apply("key s3cr3t_x end"), "key s3cr3t_x end");
        assert_eq!(r.apply("ünïcode S3CR3T-X"), "ünïcode ****");
        let unicode = vec!["pässwörd".to_owned()];
        let r = Redactor::new(&unicode);
        assert!(r.prefilter.is_none());
        assert!(r.prefilter_screen.is_none());
        assert_eq!(r.apply("key PÄSS_WÖRD end"), "key **** end");
    }

    /// The screens let through every text an automaton would match (any
    /// case with `fold`), and the automaton of every secret is built only
    /// once a text may hold one.
    #[test]
    fn screens_let_through_every_text_holding_a_secret() {
        let mut rng = fastrand::Rng::with_seed(20261203);
        let alphabet = b"abAB_-:/x9";
        let word = |rng: &mut fastrand::Rng, len: usize| -> String {
            (0..len)
                .map(|_| char::from(alphabet[rng.usize(..alphabet.len())]))
                .collect()
        };
        for _ in 0..300 {
            let secrets: Vec<String> = (0..rng.usize(1..6))
                .map(|_| {
                    let len = rng.usize(4..9);
                    word(&mut rng, len)
                })
                .collect();
            for fold in [false, true] {
                let Some(screen) = Screen::new(secrets.iter().map(String::as_bytes)) else {
                    panic!("secrets of four bytes or more are screened");
                };
                let automaton = aho_corasick::AhoCorasick::builder()
                    .ascii_case_insensitive(fold)
                    .build(&secrets)
                    .unwrap();
                for _ in 0..50 {
                    let len = rng.usize(0..24);
                    let text = word(&mut rng, len);
                    if automaton.is_match(&text) {
                        assert!(screen.may_hold(text.as_bytes()), "{text} {secrets:?}");
                    }
                }
            }
        }
        assert!(Screen::new([&b"abc"[..]].into_iter()).is_none());
        let secrets = vec!["Tr0ub4dor".to_owned()];
        let r = Redactor::new(&secrets);
        assert_eq!(
            r.apply("apps/web/deployment.yaml"),
            "apps/web/deployment.yaml"
        );
        assert!(r.automaton.get().is_none(), "built for a clean text");
        assert!(r.prefilter.as_ref().is_some_and(|p| p.get().is_none()));
        assert_eq!(r.apply("x Tr0ub4dor y"), "x **** y");
        assert_eq!(r.apply("x TR0UB_4DOR y"), "x **** y");
        // Secrets shorter than four bytes are not screened, and still masked.
        let short = vec!["ab1".to_owned(), "Tr0ub4dor".to_owned()];
        assert_eq!(Redactor::new(&short).apply("ab1 Tr0ub4dor"), "**** ****");
    }

    #[test]
    fn control_characters_never_reach_a_line() {
        let r = Redactor::new(&[]);
        assert_eq!(r.line("a\nb\u{1b}[2Jc\u{7}"), "a\\nb\\u{1b}[2Jc\\u{7}");
        let source = "a: 1\rb: \u{1b}x\n";
        assert_eq!(r.mask_source("f", source), "a: 1\nb: ?x\n");
    }

    #[test]
    fn short_secrets_are_masked_only_as_tokens_of_their_own() {
        let secrets = vec!["user".to_owned(), "label-studio-pw".to_owned()];
        let r = Redactor::new(&secrets);
        assert_eq!(
            r.apply("https://raw.githubusercontent.com/x user:1 (user)"),
            "https://raw.githubusercontent.com/x ****:1 (****)"
        );
        // A longer secret is masked wherever it appears, inside words too.
        assert_eq!(r.apply("dir/label-studio-pws/x"), "dir/****s/x");
    }

    /// A short secret is masked as written, not in another case, where it
    /// is most often another word (trial 28: a Secret's `username: STRING`
    /// masked Kustomize's "cannot unmarshal string into"); a long one in any
    /// case and snake-cased, and a short password in a URL, as a
    /// credential, in any case (docs/security.md).
    #[test]
    fn short_secrets_are_masked_in_the_case_they_are_written() {
        let secrets = vec![
            "STRING".to_owned(),
            "Pw5x".to_owned(),
            "Zq8SecretKey99".to_owned(),
        ];
        let r = Redactor::new(&secrets);
        for (text, masked) in [
            (
                "json: cannot unmarshal string into Go struct field Kustomization.patches",
                "json: cannot unmarshal string into Go struct field Kustomization.patches",
            ),
            ("username STRING, `String`", "username ****, `String`"),
            ("pw5x and Pw5x", "pw5x and ****"),
            (
                "`HTTP://dvm:PW5X@A.example.com` reads host `//dvm:pw5x@a.example.com`",
                "`HTTP://dvm:****@A.example.com` reads host `//dvm:****@a.example.com`",
            ),
            ("key zq8_secret_key99 unknown", "key **** unknown"),
            ("upper ZQ8SECRETKEY99", "upper ****"),
        ] {
            assert_eq!(r.apply(text), masked, "{text}");
        }
    }

    /// dvmlint's own wording is never masked, only what a message quotes
    /// from the repository; a short secret is not masked inside the path of
    /// a project file or folder (but a folder at the root, whose name alone
    /// reads like any value), a long one is; a file's path keeps its short
    /// secrets, never its long ones (docs/security.md).
    #[test]
    fn own_wording_and_paths_keep_short_secrets() {
        let secrets = vec![
            "helm".to_owned(),
            "admin".to_owned(),
            "Qv7-rotor-Lk2".to_owned(),
        ];
        let files: Vec<Arc<str>> = ["tools/helm/app.yaml", "admin/a.yaml", "helm.yaml"]
            .into_iter()
            .map(Arc::from)
            .collect();
        let r = Redactor::new(&secrets).with_paths(&files);
        for (text, masked) in [
            (
                "this Helm chart was not rendered",
                "this Helm chart was not rendered",
            ),
            (
                "`helm template` of release `helm` failed",
                "`helm template` of release `****` failed",
            ),
            (
                crate::render::kustomize::HELM_CHARTS_HELP,
                crate::render::kustomize::HELM_CHARTS_HELP,
            ),
            (
                "ConfigMap `helm` in folder `tools/helm`, see tools/helm/app.yaml:6:3.",
                "ConfigMap `****` in folder `tools/helm`, see tools/helm/app.yaml:6:3.",
            ),
            (
                "folder `admin` and admin/a.yaml:3",
                "folder `****` and admin/a.yaml:3",
            ),
            ("at helm.yaml:1", "at helm.yaml:1"),
            (
                "not a file: other/helm/x.yaml",
                "not a file: other/****/x.yaml",
            ),
            ("tools/helm/app.yaml/helm", "tools/****/app.yaml/****"),
            ("tools/Qv7-rotor-Lk2/app.yaml", "tools/****/app.yaml"),
        ] {
            assert_eq!(r.apply(text), masked, "{text}");
        }
        // Without the project's paths, a path in a message is masked as any text.
        assert_eq!(
            Redactor::new(&secrets).apply("folder `tools/helm`"),
            "folder `tools/****`"
        );
        let r = Redactor::new(&secrets);
        assert_eq!(r.path("deploy/helm/admin.yaml"), "deploy/helm/admin.yaml");
        assert_eq!(r.path("deploy/Qv7-rotor-Lk2.yaml"), "deploy/****.yaml");
        assert_eq!(r.path("deploy/QV7-_ROTOR-LK2.yaml"), "deploy/****.yaml");
        assert_eq!(r.path("a\nb/helm"), "a\\nb/helm");
    }

    #[test]
    fn long_messages_are_cut_on_a_character_boundary() {
        assert_eq!(truncate("short".to_owned(), 10), "short");
        let cut = truncate("é".repeat(10), 5);
        assert_eq!(cut, "éé… (16 more bytes)");
    }

    #[test]
    fn masks_every_occurrence_longest_first() {
        let secrets = vec!["s3cret".to_owned(), "s3cret%21".to_owned()];
        let r = Redactor::new(&secrets);
        assert_eq!(
            r.apply("http://u:s3cret%21@p:3128 and s3cret"),
            "http://u:****@p:3128 and ****"
        );
    }
}
