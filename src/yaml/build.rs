//! Building [`Node`] trees from the parser's events, within docs/input.md's limits.

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::{HashMap, HashSet};

use dvmlint_yaml_events::{Event, Events, ScalarStyle as RawStyle};

use super::{Node, Pos, ScalarStyle, Span, SyntaxError, Value};

/// Limits that turn hostile input into a finding instead of a crash.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Deepest nesting of collections accepted.
    pub max_depth: usize,
    /// Nodes that alias expansion may add to one document.
    pub max_alias_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 256,
            max_alias_nodes: 10_000,
        }
    }
}

/// What one chunk of text parsed into: its documents, then the error that
/// stopped it, if any (documents before the error are kept).
#[derive(Debug, Default)]
pub struct ChunkParse<'a> {
    pub documents: Vec<Node<'a>>,
    pub error: Option<SyntaxError>,
}

/// A key written twice in one map of a text read as Kustomize reads a
/// kustomization file ([`parse_kustomization`], [`parse_stream_lent`] with a
/// list of repetitions): the later entry is kept, the earlier dropped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RepeatedKey {
    pub key: String,
    /// Where the key is first written (its value is dropped).
    pub first: Pos,
    /// Where it is written again (its value is kept).
    pub again: Pos,
    /// Both values are the same (their text, scalar by scalar): nothing is lost.
    pub same: bool,
}

/// [`parse_chunk`] of a kustomization file, read as Kustomize reads it
/// (`kubectl kustomize`, Kustomize v5.6: go-yaml v2 through sigs.k8s.io/yaml):
/// a key written twice in one map is no error, its last value is kept
/// (`docs/input.md`). The repetitions are returned beside the parse.
pub fn parse_kustomization(text: &str, first_line: u32) -> (ChunkParse<'_>, Vec<RepeatedKey>) {
    let mut documents = Vec::new();
    let mut repeated = Vec::new();
    let error = build(
        text,
        first_line,
        Limits::default(),
        Some(&mut repeated),
        |_| false,
        |document, _| {
            documents.push(document);
            None
        },
    );
    (ChunkParse { documents, error }, repeated)
}

/// Parses `text`, whose first line is line `first_line` of its file.
pub fn parse_chunk(text: &str, first_line: u32, limits: Limits) -> ChunkParse<'_> {
    let mut documents = Vec::new();
    let error = parse_stream(
        text,
        first_line,
        limits,
        |_| false,
        |document, _| {
            documents.push(document);
        },
    );
    ChunkParse { documents, error }
}

/// Parses `text` like [`parse_chunk`], but hands each document to `each` as
/// soon as it is complete, so a caller that is done with a document frees it
/// before the next one is built, with its mark: whether some node of it
/// satisfied `mark` (asked of every scalar and sequence; a mapping is never
/// marked). The predicate sees each node as it is made, while it is
/// in the processor's cache, so a caller looking for rare nodes need not walk
/// the documents that have none. Returns the error that stopped the text, if
/// any (the documents before it were handed over).
pub fn parse_stream<'a>(
    text: &'a str,
    first_line: u32,
    limits: Limits,
    mark: impl Fn(&Node<'_>) -> bool,
    mut each: impl FnMut(Node<'a>, bool),
) -> Option<SyntaxError> {
    build(text, first_line, limits, None, mark, |document, marked| {
        each(document, marked);
        None
    })
}

/// [`parse_stream`] for a caller that only reads each document: it is lent
/// to `each`, then its collections, emptied, are kept by this thread for the
/// next documents' (at most [`RECYCLED_MAX`] of each kind, of at most
/// [`RECYCLED_CAPACITY`] items), so a document costs no allocation, growth or
/// free of its maps and lists, only of the strings the parser hands over.
/// With `repeated`, a key written twice in one map is no error: its last
/// value is kept, as Kustomize reads a kustomization file, and the
/// repetition is added to the list ([`RepeatedKey`]).
pub fn parse_stream_lent<'a>(
    text: &'a str,
    first_line: u32,
    limits: Limits,
    repeated: Option<&mut Vec<RepeatedKey>>,
    mark: impl Fn(&Node<'_>) -> bool,
    mut each: impl FnMut(&Node<'a>, bool),
) -> Option<SyntaxError> {
    build(
        text,
        first_line,
        limits,
        repeated,
        mark,
        |document, marked| {
            each(&document, marked);
            Some(document)
        },
    )
}

/// Gives the collections of documents built by [`parse_stream`], emptied,
/// to this thread's pool for the next documents, as [`parse_stream_lent`]
/// does with each of its own (its strings are freed).
pub fn recycle<'a>(documents: impl IntoIterator<Item = Node<'a>>) {
    let mut recycled = RECYCLED.take();
    for document in documents {
        recycled.recycle(document);
    }
    RECYCLED.set(recycled);
}

/// Collections kept, of each kind, per thread.
pub const RECYCLED_MAX: usize = 128;
/// The largest collection kept (its capacity, in items or entries).
pub const RECYCLED_CAPACITY: usize = 32;

/// The emptied collections of lent documents (see [`parse_stream_lent`]),
/// and the builder's own stacks.
#[derive(Default)]
struct Recycled {
    seqs: Vec<Vec<Node<'static>>>,
    maps: Vec<Vec<(Node<'static>, Node<'static>)>>,
    stack: Vec<Frame<'static>>,
    key_prints: Vec<u64>,
}

thread_local! {
    /// Taken while a text is built (a nested build would start empty).
    static RECYCLED: Cell<Recycled> = const {
        Cell::new(Recycled {
            seqs: Vec::new(),
            maps: Vec::new(),
            stack: Vec::new(),
            key_prints: Vec::new(),
        })
    };
}

impl Recycled {
    /// Frees `node`'s strings and keeps its collections, emptied.
    fn recycle(&mut self, node: Node<'_>) {
        match node.value {
            Value::Scalar(..) => {}
            Value::Seq(mut items) => {
                for item in items.drain(..) {
                    if !matches!(item.value, Value::Scalar(..)) {
                        self.recycle(item);
                    }
                }
                if items.capacity() <= RECYCLED_CAPACITY && self.seqs.len() < RECYCLED_MAX {
                    self.seqs.push(forget_lifetime(items));
                }
            }
            Value::Map(mut entries) => {
                for (key, value) in entries.drain(..) {
                    if !matches!(key.value, Value::Scalar(..)) {
                        self.recycle(key);
                    }
                    if !matches!(value.value, Value::Scalar(..)) {
                        self.recycle(value);
                    }
                }
                if entries.capacity() <= RECYCLED_CAPACITY && self.maps.len() < RECYCLED_MAX {
                    self.maps.push(forget_lifetime(entries));
                }
            }
        }
    }
}

/// An empty vector of nodes as a vector of `'static` nodes, in the same
/// allocation (an in-place `collect`, which keeps the allocation of a vector
/// whose items have the same layout).
fn forget_lifetime<T, U>(empty: Vec<T>) -> Vec<U> {
    empty.into_iter().filter_map(|_| None).collect()
}

fn build<'a>(
    text: &'a str,
    first_line: u32,
    limits: Limits,
    repeated: Option<&mut Vec<RepeatedKey>>,
    mark: impl Fn(&Node<'_>) -> bool,
    each: impl FnMut(Node<'a>, bool) -> Option<Node<'a>>,
) -> Option<SyntaxError> {
    let mut recycled = RECYCLED.take();
    let stack = std::mem::take(&mut recycled.stack);
    let key_prints = std::mem::take(&mut recycled.key_prints);
    let mut builder = Builder {
        limits,
        first_line,
        // No position of this text can saturate: its lines and columns are
        // at most its length.
        exact_u32: u64::from(first_line) >= 1
            && u64::from(first_line) + (text.len() as u64) < u64::from(u32::MAX),
        stack,
        key_prints,
        anchors: HashMap::new(),
        alias_nodes: 0,
        mark,
        marked: false,
        each,
        recycled,
        repeated: repeated.as_deref().map(|_| Vec::new()),
        displaced: Vec::new(),
    };
    let error = builder.run(text);
    let Builder {
        stack,
        mut key_prints,
        mut recycled,
        repeated: found,
        ..
    } = builder;
    if let (Some(list), Some(found)) = (repeated, found) {
        list.extend(found);
    }
    // Emptied (what an error left open is freed), as `'static` frames.
    recycled.stack = forget_lifetime(stack);
    key_prints.clear();
    recycled.key_prints = key_prints;
    RECYCLED.set(recycled);
    error
}

enum Frame<'a> {
    Seq {
        start: Pos,
        anchor: usize,
        items: Vec<Node<'a>>,
    },
    Map {
        start: Pos,
        anchor: usize,
        entries: Vec<(Node<'a>, Node<'a>)>,
        key: Option<Node<'a>>,
        /// Where this map's keys start in [`Builder::key_prints`].
        prints: usize,
        /// Some key is a plain `<<` (a merge key, see [`apply_merge_keys`]).
        merges: bool,
        /// The keys, past [`LINEAR_KEY_SCAN`] of them (boxed: a frame is
        /// moved on and off the stack for every map).
        #[allow(clippy::box_collection)]
        seen: Option<Box<HashSet<Cow<'a, str>>>>,
    },
}

struct Builder<'a, M, E> {
    limits: Limits,
    first_line: u32,
    /// [`Builder::pos`] may convert without saturating arithmetic.
    exact_u32: bool,
    stack: Vec<Frame<'a>>,
    /// A [`key_print`] of every key of the open maps, each map's after its
    /// parent's (an inner map is closed before its parent takes another
    /// key): the duplicate test compares the new key's print with the
    /// others' and their text only where the prints are equal.
    key_prints: Vec<u64>,
    anchors: HashMap<usize, Node<'a>>,
    alias_nodes: usize,
    mark: M,
    /// Some node of the current document satisfied `mark`.
    marked: bool,
    /// Takes each document as it is completed, and may give it back to be
    /// recycled.
    each: E,
    recycled: Recycled,
    /// Read as Kustomize reads a kustomization: a key written twice keeps
    /// its last value, and is noted here (`None`: it is an error).
    repeated: Option<Vec<RepeatedKey>>,
    /// The values a repeated key's later entry replaced, with where that
    /// later key is and its note's index, until the later value is complete
    /// (innermost last).
    displaced: Vec<(Pos, Node<'a>, usize)>,
}

/// Maps with more keys than this track their keys in a set for duplicate
/// checks (below, a scan of the keys' prints costs less than hashing).
const LINEAR_KEY_SCAN: usize = 64;

/// Equal for equal texts, and for unequal keys of one map nearly never: the
/// length and the first and last eight bytes (keys such as `note-1` and
/// `note-2` differ at the end), so the duplicate-key test compares most key
/// pairs without calling `memcmp`.
fn key_print(text: &str) -> u64 {
    let bytes = text.as_bytes();
    let (head, tail) = match (bytes.first_chunk::<8>(), bytes.last_chunk::<8>()) {
        (Some(head), Some(tail)) => (u64::from_le_bytes(*head), u64::from_le_bytes(*tail)),
        _ => (
            bytes.iter().fold(0, |print, &b| print << 8 | u64::from(b)),
            0,
        ),
    };
    head.rotate_left(29) ^ tail.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (bytes.len() as u64)
}

impl<'a, M: Fn(&Node<'_>) -> bool, E: FnMut(Node<'a>, bool) -> Option<Node<'a>>> Builder<'a, M, E> {
    /// Builds the documents of `text`, up to the error that stops it.
    fn run(&mut self, text: &'a str) -> Option<SyntaxError> {
        let mut parser = Events::new(text);
        while let Some(next) = parser.next_event() {
            let result = match next {
                Ok((event, span)) => self.on_event(event, span),
                Err(err) => Err(self.scan_error(&err)),
            };
            if let Err(error) = result {
                return Some(error);
            }
        }
        None
    }

    /// The scanner's error, in dvmlint's words where they help.
    #[cold]
    #[inline(never)]
    fn scan_error(&self, err: &dvmlint_yaml_events::ScanError) -> SyntaxError {
        SyntaxError {
            pos: self.pos(*err.marker()),
            message: match err.info() {
                // The scanner's own cap on flow nesting (`[[[…`), below ours.
                "recursion limit exceeded" => "nesting too deep for the YAML parser".to_owned(),
                // A line inside a block mapping that is no `key: value` (the
                // scanner now says where that line starts, not where it
                // noticed: `crates/saphyr-parser/PATCHED.md`).
                "simple key expect ':'" => {
                    "`:` expected after this key: inside a mapping, a line is `key: value`".to_owned()
                }
                // The scanner's words (`%'`, quoted unevenly) for an
                // indicator YAML reserves at the start of a value.
                other => match other
                    .strip_prefix("unexpected character: `")
                    .and_then(|rest| rest.strip_suffix('\''))
                {
                    // (A backquote in a code span would close it.)
                    Some("`") => "a plain value cannot start with a backquote (YAML reserves it): quote the value".to_owned(),
                    Some(c) => format!(
                        "a plain value cannot start with `{c}` (YAML reserves it): quote the value"
                    ),
                    None => other.to_owned(),
                },
            },
        }
    }

    #[inline]
    fn pos(&self, marker: dvmlint_yaml_events::Marker) -> Pos {
        if self.exact_u32 {
            // The same values as below, which saturate at no position of
            // such a text.
            #[allow(clippy::cast_possible_truncation)]
            return Pos::new(
                self.first_line - 1 + marker.line() as u32,
                marker.col() as u32 + 1,
            );
        }
        let line = u32::try_from(marker.line()).unwrap_or(u32::MAX);
        let col = u32::try_from(marker.col()).unwrap_or(u32::MAX);
        Pos::new(
            self.first_line.saturating_add(line).saturating_sub(1),
            col.saturating_add(1),
        )
    }

    fn span(&self, span: dvmlint_yaml_events::Span) -> Span {
        Span::new(self.pos(span.start), self.pos(span.end))
    }

    /// Each event's positions are converted where they are used: a
    /// collection's start event gives its start, its end event its end.
    fn on_event(
        &mut self,
        event: Event<'a>,
        raw: dvmlint_yaml_events::Span,
    ) -> Result<(), SyntaxError> {
        // Every completed node goes through one call of `complete` (inlined
        // once: this loop's code shares the instruction cache with the
        // parser's).
        let (node, anchor) = match event {
            Event::DocumentStart(_) => {
                self.anchors.clear();
                self.alias_nodes = 0;
                self.marked = false;
                return Ok(());
            }
            Event::Scalar(text, style, anchor, tag) => {
                let span = self.span(raw);
                let style = match style {
                    _ if tag.as_ref().is_some_and(|t| t.suffix == "str") => ScalarStyle::Quoted,
                    RawStyle::Plain => ScalarStyle::Plain,
                    RawStyle::SingleQuoted | RawStyle::DoubleQuoted => ScalarStyle::Quoted,
                    RawStyle::Literal | RawStyle::Folded => ScalarStyle::Block,
                };
                let node = Node {
                    span,
                    value: Value::Scalar(text, style),
                };
                (node, anchor)
            }
            Event::Alias(anchor) => (self.alias(anchor, raw)?, 0),
            Event::SequenceStart(anchor, _) => {
                let start = self.pos(raw.start);
                self.enter(start)?;
                self.stack.push(Frame::Seq {
                    start,
                    anchor,
                    items: self.recycled.seqs.pop().unwrap_or_default(),
                });
                return Ok(());
            }
            Event::MappingStart(anchor, _) => {
                let start = self.pos(raw.start);
                self.enter(start)?;
                self.stack.push(Frame::Map {
                    start,
                    anchor,
                    entries: self.recycled.maps.pop().unwrap_or_default(),
                    key: None,
                    prints: self.key_prints.len(),
                    merges: false,
                    seen: None,
                });
                return Ok(());
            }
            Event::SequenceEnd | Event::MappingEnd => match self.stack.pop() {
                Some(Frame::Seq {
                    start,
                    anchor,
                    items,
                }) => (
                    Node {
                        span: Span::new(start, self.pos(raw.end)),
                        value: Value::Seq(items),
                    },
                    anchor,
                ),
                Some(Frame::Map {
                    start,
                    anchor,
                    entries,
                    prints,
                    merges,
                    ..
                }) => {
                    self.key_prints.truncate(prints);
                    let entries = if merges {
                        apply_merge_keys(entries)
                    } else {
                        entries
                    };
                    (
                        Node {
                            span: Span::new(start, self.pos(raw.end)),
                            value: Value::Map(entries),
                        },
                        anchor,
                    )
                }
                None => return Err(self.error(self.pos(raw.start), "unbalanced collection end")),
            },
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {
                return Ok(());
            }
        };
        self.complete(node, anchor)
    }

    /// A copy of the node `anchor` names (rare: kept out of the loop).
    #[cold]
    #[inline(never)]
    fn alias(
        &mut self,
        anchor: usize,
        raw: dvmlint_yaml_events::Span,
    ) -> Result<Node<'a>, SyntaxError> {
        let span = self.span(raw);
        let Some(target) = self.anchors.get(&anchor) else {
            return Err(self.error(span.start, "alias to an unknown anchor"));
        };
        self.alias_nodes = self.alias_nodes.saturating_add(target.size());
        if self.alias_nodes > self.limits.max_alias_nodes {
            return Err(self.error(
                span.start,
                &format!(
                    "alias expansion exceeds {} nodes in this document (alias bomb?)",
                    self.limits.max_alias_nodes
                ),
            ));
        }
        let mut copy = target.clone();
        copy.span = span;
        Ok(copy)
    }

    /// Keeps a copy of an anchored node for its aliases (rare).
    #[cold]
    #[inline(never)]
    fn anchor(&mut self, anchor: usize, node: &Node<'a>) {
        self.anchors.insert(anchor, node.clone());
    }

    #[inline]
    fn enter(&self, at: Pos) -> Result<(), SyntaxError> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(self.too_deep(at));
        }
        Ok(())
    }

    #[cold]
    #[inline(never)]
    fn too_deep(&self, at: Pos) -> SyntaxError {
        self.error(
            at,
            &format!("nesting deeper than {} levels", self.limits.max_depth),
        )
    }

    #[cold]
    #[inline(never)]
    fn error(&self, pos: Pos, message: &str) -> SyntaxError {
        SyntaxError {
            pos,
            message: message.to_owned(),
        }
    }

    #[inline(always)]
    fn complete(&mut self, node: Node<'a>, anchor: usize) -> Result<(), SyntaxError> {
        // A mapping is never marked: the predicate sees scalars and sequences.
        if !self.marked && !node.is_map() && (self.mark)(&node) {
            self.marked = true;
        }
        if anchor != 0 {
            self.anchor(anchor, &node);
        }
        match self.stack.last_mut() {
            None => {
                if let Some(done) = (self.each)(node, std::mem::take(&mut self.marked)) {
                    self.recycled.recycle(done);
                }
                Ok(())
            }
            Some(Frame::Seq { items, .. }) => {
                items.push(node);
                Ok(())
            }
            Some(Frame::Map {
                entries,
                key,
                prints,
                merges,
                seen,
                ..
            }) => match key.take() {
                None => {
                    let print = match &node.value {
                        Value::Scalar(text, _) => key_print(text),
                        _ => 0,
                    };
                    if let Value::Scalar(text, _) = &node.value {
                        let duplicate = match seen {
                            Some(set) => !set.insert(text.clone()),
                            None => {
                                // `key_prints[prints..]` are the prints of
                                // `entries`' keys, in order.
                                let earlier = self.key_prints.get(*prints..).unwrap_or_default();
                                let dup = earlier.iter().zip(entries.iter()).any(|(p, (k, _))| {
                                    *p == print
                                        && matches!(&k.value, Value::Scalar(t, _) if t == text)
                                });
                                if entries.len() >= LINEAR_KEY_SCAN {
                                    *seen = Some(key_set(entries, text));
                                }
                                dup
                            }
                        };
                        if duplicate && text.as_ref() != "<<" {
                            let Some(repeated) = self.repeated.as_mut() else {
                                return Err(duplicate_key(text, node.span.start));
                            };
                            repeat_key(
                                entries,
                                &mut self.key_prints,
                                *prints,
                                &mut self.displaced,
                                repeated,
                                text,
                                node.span.start,
                            );
                        }
                    }
                    self.key_prints.push(print);
                    *merges |= matches!(&node.value, Value::Scalar(t, ScalarStyle::Plain) if t.as_bytes() == b"<<");
                    *key = Some(node);
                    Ok(())
                }
                Some(k) => {
                    if !self.displaced.is_empty() {
                        compare_displaced(&mut self.displaced, self.repeated.as_mut(), &k, &node);
                    }
                    entries.push((k, node));
                    Ok(())
                }
            },
        }
    }
}

/// A key written again in a map read as Kustomize reads it (rare: kept out
/// of the builder's loop): the earlier entry leaves the map (and its print
/// the list of prints), its value waits in `displaced` for the later value
/// to be compared with, and the repetition is noted.
#[cold]
#[inline(never)]
fn repeat_key<'a>(
    entries: &mut Vec<(Node<'a>, Node<'a>)>,
    key_prints: &mut Vec<u64>,
    prints: usize,
    displaced: &mut Vec<(Pos, Node<'a>, usize)>,
    repeated: &mut Vec<RepeatedKey>,
    text: &str,
    again: Pos,
) {
    let earlier = entries
        .iter()
        .position(|(k, _)| matches!(&k.value, Value::Scalar(t, _) if t == text));
    if let Some(at) = earlier {
        let (first, value) = entries.remove(at);
        if prints + at < key_prints.len() {
            key_prints.remove(prints + at);
        }
        displaced.push((again, value, repeated.len()));
        repeated.push(RepeatedKey {
            key: text.to_string(),
            first: first.span.start,
            again,
            same: false,
        });
    }
}

/// When `key`'s value `value` replaced an earlier one ([`repeat_key`]),
/// notes whether the two are the same (rare: kept out of the loop).
#[cold]
#[inline(never)]
fn compare_displaced<'a>(
    displaced: &mut Vec<(Pos, Node<'a>, usize)>,
    repeated: Option<&mut Vec<RepeatedKey>>,
    key: &Node<'a>,
    value: &Node<'a>,
) {
    if displaced
        .last()
        .is_some_and(|(again, ..)| *again == key.span.start)
        && let Some((_, earlier, note)) = displaced.pop()
        && let Some(note) = repeated.and_then(|r| r.get_mut(note))
    {
        note.same = same_value(&earlier, value);
    }
}

/// Whether two values are the same as a reader of their data sees them: the
/// same text, scalar by scalar, sequences in the same order, maps with the
/// same keys and values in any order (a map's order is no data: two copies
/// whose labels are written in another order are identical), and the same
/// type where a plain scalar is not a string (`1` and `"1"` differ, `b` and
/// `"b"` do not); spans and comments aside.
pub fn same_value(a: &Node<'_>, b: &Node<'_>) -> bool {
    // A plain scalar YAML 1.1 reads as no string (go-yaml v2).
    let typed = |node: &Node<'_>, text: &str| {
        node.is_null()
            || node.as_bool().is_some()
            || node.as_applied_int().is_some()
            || text.parse::<f64>().is_ok()
    };
    match (&a.value, &b.value) {
        (Value::Scalar(x, sx), Value::Scalar(y, sy)) => {
            x == y
                && ((*sx == ScalarStyle::Plain) == (*sy == ScalarStyle::Plain)
                    || !(typed(a, x) || typed(b, y)))
        }
        (Value::Seq(x), Value::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_value(p, q))
        }
        (Value::Map(x), Value::Map(y)) => {
            // In order first (copies mostly are); a key's place elsewhere
            // only when they part (the keys of a map are distinct).
            let same = |(kx, vx): &(Node<'_>, Node<'_>), (ky, vy): &(Node<'_>, Node<'_>)| {
                same_value(kx, ky) && same_value(vx, vy)
            };
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|(p, q)| same(p, q) || y.iter().any(|q| same(p, q)))
        }
        _ => false,
    }
}

/// The error of a key written twice in one map.
#[cold]
#[inline(never)]
fn duplicate_key(text: &str, pos: Pos) -> SyntaxError {
    SyntaxError {
        pos,
        message: format!(
            "{}{text}` (kubectl rejects the document)",
            super::DUPLICATE_KEY
        ),
    }
}

/// The keys of a map grown past [`LINEAR_KEY_SCAN`], with `text`, as a set
/// (boxed, as [`Frame::Map`] keeps it).
#[cold]
#[inline(never)]
#[allow(clippy::box_collection)]
fn key_set<'a>(
    entries: &[(Node<'a>, Node<'a>)],
    text: &Cow<'a, str>,
) -> Box<HashSet<Cow<'a, str>>> {
    let mut set: HashSet<Cow<'a, str>> = entries
        .iter()
        .filter_map(|(k, _)| match &k.value {
            Value::Scalar(t, _) => Some(t.clone()),
            _ => None,
        })
        .collect();
    set.insert(text.clone());
    Box::new(set)
}

/// Applies YAML merge keys (`<<: *base`), which Kubernetes' YAML reader honours:
/// keys written in the mapping win over merged ones, earlier merged maps over later.
fn apply_merge_keys<'a>(entries: Vec<(Node<'a>, Node<'a>)>) -> Vec<(Node<'a>, Node<'a>)> {
    let is_merge =
        |k: &Node<'_>| matches!(&k.value, Value::Scalar(t, ScalarStyle::Plain) if t == "<<");
    if !entries.iter().any(|(k, _)| is_merge(k)) {
        return entries;
    }
    let (merges, mut own): (Vec<_>, Vec<_>) = entries.into_iter().partition(|(k, _)| is_merge(k));
    let mut present: HashSet<String> = own
        .iter()
        .filter_map(|(k, _)| k.as_str().map(str::to_owned))
        .collect();
    for (_, value) in merges {
        let sources = match value.value {
            Value::Map(_) => vec![value],
            Value::Seq(items) => items,
            Value::Scalar(..) => Vec::new(),
        };
        for source in sources {
            if let Value::Map(merged) = source.value {
                for (k, v) in merged {
                    if k.as_str()
                        .is_some_and(|name| present.insert(name.to_owned()))
                    {
                        own.push((k, v));
                    }
                }
            }
        }
    }
    own
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Node<'_> {
        let parsed = parse_chunk(text, 1, Limits::default());
        assert_eq!(parsed.error, None);
        parsed.documents.into_iter().next().unwrap()
    }

    #[test]
    fn scalars_carry_exact_spans() {
        let doc = one("metadata:\n  name: \"héllo\"\n");
        let name = doc.at(&["metadata", "name"]).unwrap();
        assert_eq!(name.as_str(), Some("héllo"));
        assert_eq!(name.span, Span::new(Pos::new(2, 9), Pos::new(2, 16)));
    }

    /// A map's order is no data; a sequence's is, and so are a map's keys
    /// and values.
    #[test]
    fn maps_are_the_same_in_any_order() {
        let a = one("labels: {app: web, tier: db}\nports: [80, 443]\n");
        assert!(same_value(
            &a,
            &one("ports: [80, 443]\nlabels:\n  tier: db\n  app: web\n")
        ));
        assert!(!same_value(
            &a,
            &one("labels: {app: web, tier: db}\nports: [443, 80]\n")
        ));
        assert!(!same_value(
            &a,
            &one("labels: {app: web, tier: cache}\nports: [80, 443]\n")
        ));
        assert!(!same_value(
            &a,
            &one("labels: {app: web}\nports: [80, 443]\n")
        ));
        assert!(!same_value(
            &a,
            &one("labels: {app: web, tier: db, x: y}\nports: [80, 443]\n")
        ));
    }

    #[test]
    fn first_line_offsets_positions() {
        let parsed = parse_chunk("---\na: 1\n", 10, Limits::default());
        let a = parsed.documents[0].get("a").unwrap();
        assert_eq!(a.span.start, Pos::new(11, 4));
    }

    #[test]
    fn nesting_beyond_the_limit_is_an_error_at_the_deep_node() {
        let text: String = (0..300).map(|i| format!("{}k:\n", " ".repeat(i))).collect();
        let parsed = parse_chunk(&text, 1, Limits::default());
        let err = parsed.error.unwrap();
        assert_eq!(err.pos, Pos::new(257, 257));
        assert!(err.message.contains("nesting deeper than 256"));
    }

    #[test]
    fn deep_flow_nesting_is_an_error_not_a_crash() {
        let text = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
        let parsed = parse_chunk(&text, 1, Limits::default());
        assert!(parsed.error.is_some());
    }

    #[test]
    fn alias_bomb_is_stopped() {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let mut prev = 'a';
        for name in 'b'..='j' {
            text.push_str(&format!(
                "{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
            prev = name;
        }
        let parsed = parse_chunk(&text, 1, Limits::default());
        assert!(parsed.error.unwrap().message.contains("alias expansion"));
    }

    #[test]
    fn duplicate_keys_are_errors_at_the_second_key() {
        let parsed = parse_chunk("a: 1\nb: 2\na: 3\n", 1, Limits::default());
        assert_eq!(parsed.error.unwrap().pos, Pos::new(3, 1));
    }

    /// Read as Kustomize reads a kustomization, a key written twice keeps its
    /// last value (as `kubectl kustomize` does: `namespace: a` then
    /// `namespace: b` builds into `b`), in a map of any size and at any depth,
    /// and each repetition is noted, with whether its values are the same.
    #[test]
    fn a_kustomization_keeps_the_last_value_of_a_key_written_twice() {
        let text = "kind: Kustomization\nnamespace: a\nlabels:\n- pairs: {x: \"1\", x: \"1\"}\nkind: Kustomization\nnamespace: b\nnamespace: \"b\"\n";
        let (parsed, repeated) = parse_kustomization(text, 1);
        assert_eq!(parsed.error, None);
        let doc = &parsed.documents[0];
        assert_eq!(doc.entries().len(), 3);
        assert_eq!(doc.get("namespace").and_then(Node::as_str), Some("b"));
        assert_eq!(doc.get("namespace").unwrap().span.start.line, 7);
        let labels = doc.at(&["labels"]).unwrap().items()[0]
            .get("pairs")
            .unwrap();
        assert_eq!(labels.entries().len(), 1);
        let notes: Vec<(&str, u32, u32, bool)> = repeated
            .iter()
            .map(|r| (r.key.as_str(), r.first.line, r.again.line, r.same))
            .collect();
        assert_eq!(
            notes,
            vec![
                ("x", 4, 4, true),
                ("kind", 1, 5, true),
                ("namespace", 2, 6, false),
                // Quoted and plain `b`: the same string.
                ("namespace", 6, 7, true),
            ]
        );
        // `1` is a number, `"1"` a string: not the same.
        let (_, repeated) = parse_kustomization("replicas: 1\nreplicas: \"1\"\n", 1);
        assert!(!repeated[0].same);
        // A value repeated with a nested map repeated inside it.
        let (parsed, repeated) = parse_kustomization("a: {b: 1}\na: {b: 1, b: 2}\n", 1);
        assert_eq!(parsed.error, None);
        assert_eq!(
            parsed.documents[0].at(&["a", "b"]).and_then(Node::as_str),
            Some("2")
        );
        let same: Vec<(&str, bool)> = repeated.iter().map(|r| (r.key.as_str(), r.same)).collect();
        assert_eq!(same, vec![("a", false), ("b", false)]);
        // A large map, past the linear scan.
        let mut big: String = (0..100).map(|i| format!("k{i}: {i}\n")).collect();
        big.push_str("k7: seven\n");
        let (parsed, repeated) = parse_kustomization(&big, 1);
        assert_eq!(parsed.error, None);
        assert_eq!(parsed.documents[0].entries().len(), 100);
        assert_eq!(
            parsed.documents[0].get("k7").and_then(Node::as_str),
            Some("seven")
        );
        assert_eq!(repeated.len(), 1);
        // Elsewhere a key written twice is still an error.
        assert!(
            parse_chunk("a: 1\na: 1\n", 1, Limits::default())
                .error
                .is_some()
        );
    }

    #[test]
    fn duplicate_keys_in_large_maps_are_found() {
        let mut text: String = (0..40).map(|i| format!("k{i}: v\n")).collect();
        text.push_str("k7: again\n");
        let parsed = parse_chunk(&text, 1, Limits::default());
        assert_eq!(parsed.error.unwrap().pos.line, 41);
    }

    /// Keys that share their length, first and last bytes, nested maps
    /// between the keys of their parent, mapping keys, and maps past the
    /// linear scan: each duplicate is found at its second key, and no
    /// distinct key is taken for one.
    #[test]
    fn duplicate_keys_are_told_apart_by_text_whatever_their_prints() {
        let keys: Vec<String> = (0..100)
            .map(|i| format!("example.com/note-{i:03}-x"))
            .collect();
        for count in [3, 20, 63, 64, 65, 100] {
            let mut text = String::from("? {a: 1}\n: v\n");
            for (i, key) in keys.iter().take(count).enumerate() {
                text.push_str(&format!("{key}:\n  inner: {{a: 1, b: 2}}\n  {key}: {i}\n"));
            }
            let parsed = parse_chunk(&text, 1, Limits::default());
            assert_eq!(parsed.error, None, "{count}");
            let dup = format!("{}{}: again\n", text, keys[count / 2]);
            let err = parse_chunk(&dup, 1, Limits::default()).error.unwrap();
            assert_eq!(err.pos, Pos::new(3 + 3 * count as u32, 1), "{count}");
        }
        assert_eq!(key_print("note-1"), key_print("note-1"));
        assert_ne!(key_print("a"), key_print("b"));
    }

    /// Lent documents give their emptied collections to the next ones: the
    /// second identical text reuses the first one's vectors (same
    /// capacities), and what it builds is what `parse_chunk` builds.
    #[test]
    fn lent_documents_recycle_their_collections() {
        let text = "a: {b: [1, 2, 3, 4, 5], c: {d: e}}\nf: [g]\n---\nh: i\n";
        let _ = RECYCLED.take();
        let mut seen = Vec::new();
        let error = parse_stream_lent(
            text,
            1,
            Limits::default(),
            None,
            |_| false,
            |d, _| {
                seen.push(d.clone());
            },
        );
        assert_eq!(error, None);
        let kept = RECYCLED.take();
        assert_eq!(seen, parse_chunk(text, 1, Limits::default()).documents);
        let capacities = |r: &Recycled| -> (Vec<usize>, Vec<usize>) {
            (
                r.seqs.iter().map(Vec::capacity).collect(),
                r.maps.iter().map(Vec::capacity).collect(),
            )
        };
        let (seqs, maps) = capacities(&kept);
        // Two lists, three maps: the second document took one of the first
        // one's maps, and gave it back.
        assert_eq!((seqs.len(), maps.len()), (2, 3));
        assert!(
            seqs.iter().chain(&maps).all(|&c| c > 0),
            "{seqs:?} {maps:?}"
        );
        assert!(kept.seqs.iter().all(Vec::is_empty) && kept.maps.iter().all(Vec::is_empty));
        RECYCLED.set(kept);
        let mut again = Vec::new();
        parse_stream_lent(
            text,
            1,
            Limits::default(),
            None,
            |_| false,
            |d, _| {
                again.push(d.clone());
            },
        );
        assert_eq!(again, seen);
        let after = RECYCLED.take();
        // The same collections again (a list may have taken the other's).
        let (seqs_after, maps_after) = capacities(&after);
        assert_eq!((seqs_after.len(), maps_after.len()), (2, 3));
        assert!(seqs_after.iter().sum::<usize>() >= seqs.iter().sum::<usize>());
        // A broken text leaves its open collections: they are freed, and the
        // thread's stacks are empty for the next text.
        RECYCLED.set(after);
        assert!(
            parse_stream_lent(
                "a: [b, {c: ",
                1,
                Limits::default(),
                None,
                |_| false,
                |_, _| {}
            )
            .is_some()
        );
        let left = RECYCLED.take();
        assert!(left.stack.is_empty() && left.key_prints.is_empty());
    }

    #[test]
    fn merge_keys_fill_missing_entries() {
        let doc = one("base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n");
        let m = doc.get("m").unwrap();
        assert_eq!(m.get("x").and_then(Node::as_str), Some("1"));
        assert_eq!(m.get("y").and_then(Node::as_str), Some("3"));
        assert!(m.get("<<").is_none());
    }

    #[test]
    fn str_tag_and_quotes_make_strings() {
        let doc = one("a: !!str 10\nb: null\nc: 'null'\n");
        assert_eq!(
            doc.get("a").unwrap().scalar_style(),
            Some(ScalarStyle::Quoted)
        );
        assert!(doc.get("b").unwrap().is_null());
        assert_eq!(doc.get("c").unwrap().as_str(), Some("null"));
    }

    #[test]
    fn a_reserved_indicator_is_named_in_backticks() {
        let parsed = parse_chunk("a: 1\nnamespace: %%%\n", 1, Limits::default());
        let error = parsed.error.as_ref().expect("an error");
        assert_eq!(
            error.message,
            "a plain value cannot start with `%` (YAML reserves it): quote the value"
        );
        assert_eq!((error.pos.line, error.pos.col), (2, 12));
        // A backquote is named in words: in a code span it would close it.
        let parsed = parse_chunk("a: 1\ncommand: `date`\n", 1, Limits::default());
        let error = parsed.error.as_ref().expect("an error");
        assert_eq!(
            error.message,
            "a plain value cannot start with a backquote (YAML reserves it): quote the value"
        );
    }

    #[test]
    fn syntax_errors_keep_earlier_documents() {
        let parsed = parse_chunk("a: 1\n...\nb: [\n", 1, Limits::default());
        assert_eq!(parsed.documents.len(), 1);
        assert!(parsed.error.is_some());
    }
}
