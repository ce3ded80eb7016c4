//! How a [`Node`] tree is stored (the cache of `crate::lint::cache` keeps the
//! trees of the few kinds the model reads whole): one byte string per tree
//! (MessagePack `bin`), read by hand, not a value per node through `serde`.
//! A warm run decodes every stored tree: as an array per node (`[line,
//! column, end line, end column, tag, payload]`, cache format 4) they were
//! still 13% of a warm run's instructions on 100,000 small files, most of it
//! `rmp_serde`'s dispatch on every number and array; the named form before
//! that, 19% (docs/performance-history.md, "Warm pre-commit runs").
//!
//! A node: its start line, start column, end line and end column (LEB128
//! varints), a tag, then its payload. The tag: 0, 1, 2 a scalar
//! ([`ScalarStyle`] plain, quoted, block; payload: its length in bytes, a
//! varint, then its UTF-8 text), 3 a sequence (payload: the number of its
//! items, then each), 4 a mapping (payload: the number of its entries, then
//! each key and value). A tree that does not read exactly so (truncated, a
//! bad tag or varint, text that is not UTF-8, bytes left over, nesting
//! deeper than [`MAX_DEPTH`]) is an error, never a panic.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{Node, Pos, ScalarStyle, Span, Value};

/// The deepest tree read back: `rmp_serde`'s own bound when every node was a
/// MessagePack array (the parser stops at 256 levels unless configured).
const MAX_DEPTH: usize = 1024;

/// The fewest bytes a node takes (four positions, a tag, a length): a count
/// read from a damaged tree never reserves more than its bytes could hold.
const MIN_NODE_LEN: usize = 6;

impl Serialize for Node<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut bytes = Vec::new();
        encode(self, &mut bytes);
        serializer.serialize_bytes(&bytes)
    }
}

impl<'de> Deserialize<'de> for Node<'static> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_bytes(TreeVisitor)
    }
}

struct TreeVisitor;

impl Visitor<'_> for TreeVisitor {
    type Value = Node<'static>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML tree as bytes")
    }

    fn visit_bytes<E: de::Error>(self, bytes: &[u8]) -> Result<Self::Value, E> {
        decode(bytes).ok_or_else(|| E::custom("a malformed stored YAML tree"))
    }
}

/// `value` as a LEB128 varint (also the integers of a cache entry,
/// `crate::lint::cache`).
pub(crate) fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        // The low seven bits, with the continuation bit.
        out.push((value & 0x7f) as u8 | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Appends `node`'s tree to `out` (read back by [`Reader::tree`]).
pub(crate) fn encode(node: &Node<'_>, out: &mut Vec<u8>) {
    for position in [
        node.span.start.line,
        node.span.start.col,
        node.span.end.line,
        node.span.end.col,
    ] {
        put_varint(out, u64::from(position));
    }
    match &node.value {
        Value::Scalar(text, style) => {
            out.push(match style {
                ScalarStyle::Plain => 0,
                ScalarStyle::Quoted => 1,
                ScalarStyle::Block => 2,
            });
            put_varint(out, text.len() as u64);
            out.extend_from_slice(text.as_bytes());
        }
        Value::Seq(items) => {
            out.push(3);
            put_varint(out, items.len() as u64);
            for item in items {
                encode(item, out);
            }
        }
        Value::Map(entries) => {
            out.push(4);
            put_varint(out, entries.len() as u64);
            for (key, value) in entries {
                encode(key, out);
                encode(value, out);
            }
        }
    }
}

/// The tree `bytes` hold, all of them.
fn decode(bytes: &[u8]) -> Option<Node<'static>> {
    let mut reader = Reader::new(bytes);
    let node = reader.tree()?;
    reader.at_end().then_some(node)
}

/// Reads what [`encode`] and [`put_varint`] wrote, front to back; every
/// read is checked, so damaged bytes are `None`, never a panic.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes, at: 0 }
    }

    /// Every byte has been read.
    pub(crate) fn at_end(&self) -> bool {
        self.at == self.bytes.len()
    }

    /// How many bytes are left to read.
    pub(crate) fn left(&self) -> usize {
        self.bytes.len().saturating_sub(self.at)
    }

    /// The next `len` bytes.
    pub(crate) fn take(&mut self, len: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(len)?;
        let bytes = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(bytes)
    }

    /// A varint length, then that many bytes of UTF-8.
    pub(crate) fn str(&mut self) -> Option<&'a str> {
        let len = usize::try_from(self.varint()?).ok()?;
        std::str::from_utf8(self.take(len)?).ok()
    }

    /// A whole tree [`encode`] wrote.
    pub(crate) fn tree(&mut self) -> Option<Node<'static>> {
        self.node(0)
    }

    pub(crate) fn byte(&mut self) -> Option<u8> {
        let byte = *self.bytes.get(self.at)?;
        self.at += 1;
        Some(byte)
    }

    pub(crate) fn varint(&mut self) -> Option<u64> {
        // Most are one byte: positions, lengths, counts.
        let first = self.byte()?;
        if first < 0x80 {
            return Some(u64::from(first));
        }
        let mut value = u64::from(first & 0x7f);
        for shift in (7..64).step_by(7) {
            let byte = self.byte()?;
            value |= u64::from(byte & 0x7f).checked_shl(shift)?;
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }

    pub(crate) fn u32(&mut self) -> Option<u32> {
        u32::try_from(self.varint()?).ok()
    }

    /// A count of nodes of `each` nodes apiece (an item, or a key and its
    /// value), and how many may be reserved: all of them in a tree that reads
    /// well, never more than the bytes left could hold.
    fn count(&mut self, each: usize) -> Option<(usize, usize)> {
        let count = usize::try_from(self.varint()?).ok()?;
        let room = self.left() / (MIN_NODE_LEN * each);
        Some((count, count.min(room)))
    }

    fn node(&mut self, depth: usize) -> Option<Node<'static>> {
        if depth >= MAX_DEPTH {
            return None;
        }
        let start = Pos::new(self.u32()?, self.u32()?);
        let end = Pos::new(self.u32()?, self.u32()?);
        let value = match self.byte()? {
            tag @ 0..=2 => {
                let style = match tag {
                    0 => ScalarStyle::Plain,
                    1 => ScalarStyle::Quoted,
                    _ => ScalarStyle::Block,
                };
                Value::Scalar(Cow::Owned(self.str()?.to_owned()), style)
            }
            3 => {
                let (count, room) = self.count(1)?;
                let mut items = Vec::with_capacity(room);
                for _ in 0..count {
                    items.push(self.node(depth + 1)?);
                }
                Value::Seq(items)
            }
            4 => {
                let (count, room) = self.count(2)?;
                let mut entries = Vec::with_capacity(room);
                for _ in 0..count {
                    let key = self.node(depth + 1)?;
                    entries.push((key, self.node(depth + 1)?));
                }
                Value::Map(entries)
            }
            _ => return None,
        };
        Some(Node {
            span: Span::new(start, end),
            value,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn tree() -> Node<'static> {
        let text = "a: 1\nb: 'two'\nc:\n  - |\n    three\n  - {d: [], e: {}, f: é}\n";
        let mut docs = Vec::new();
        let error = super::super::parse_stream(
            text,
            1,
            super::super::Limits::default(),
            |_| false,
            |node, _| docs.push(node.to_owned_node()),
        );
        assert!(error.is_none());
        docs.remove(0)
    }

    #[test]
    fn a_tree_round_trips_through_messagepack_as_one_byte_string() {
        let node = tree();
        let packed = rmp_serde::to_vec_named(&node).unwrap();
        // MessagePack `bin 8`: one value, not an array per node.
        assert_eq!(packed[0], 0xc4);
        assert_eq!(
            rmp_serde::from_slice::<Node<'static>>(&packed).unwrap(),
            node
        );
        // Positions past one byte's worth, and a long scalar.
        let mut wide = node.clone();
        wide.span = Span::new(Pos::new(70_000, 300), Pos::new(u32::MAX, 1));
        if let Value::Map(entries) = &mut wide.value {
            entries[0].1.value = Value::Scalar(Cow::Owned("x".repeat(1000)), ScalarStyle::Quoted);
        }
        let packed = rmp_serde::to_vec_named(&wide).unwrap();
        assert_eq!(
            rmp_serde::from_slice::<Node<'static>>(&packed).unwrap(),
            wide
        );
    }

    #[test]
    fn a_malformed_tree_is_an_error_never_a_panic() {
        let mut good = Vec::new();
        encode(&tree(), &mut good);
        assert_eq!(decode(&good), Some(tree()));
        // Every sequence and mapping read back holds exactly its own room.
        let mut stack = vec![decode(&good).unwrap()];
        while let Some(node) = stack.pop() {
            match node.value {
                Value::Seq(items) => {
                    assert_eq!(items.capacity(), items.len());
                    stack.extend(items);
                }
                Value::Map(entries) => {
                    assert_eq!(entries.capacity(), entries.len());
                    stack.extend(entries.into_iter().flat_map(|(k, v)| [k, v]));
                }
                Value::Scalar(..) => {}
            }
        }
        for cut in 0..good.len() {
            assert!(decode(&good[..cut]).is_none(), "cut at {cut}");
        }
        let mut longer = good.clone();
        longer.push(0);
        assert!(decode(&longer).is_none());
        for at in 0..good.len() {
            for flip in [0x01, 0x80, 0xff] {
                let mut bad = good.clone();
                bad[at] ^= flip;
                // Whatever it reads as, it returns.
                let _ = decode(&bad);
            }
        }
        // A bad tag; text that is not UTF-8; a varint past 64 bits; a
        // position past 32 bits; a count no bytes could hold.
        assert!(decode(&[1, 1, 1, 2, 9, 0]).is_none());
        assert!(decode(&[1, 1, 1, 2, 0, 1, 0xff]).is_none());
        assert!(decode(&[0xff; 12]).is_none());
        assert!(decode(&[0xff, 0xff, 0xff, 0xff, 0x7f, 1, 1, 1, 0, 0]).is_none());
        assert!(decode(&[1, 1, 1, 2, 3, 0xff, 0xff, 0xff, 0xff, 0x0f]).is_none());
        // A sequence nested past the bound.
        let mut deep = Vec::new();
        for _ in 0..MAX_DEPTH {
            deep.extend_from_slice(&[1, 1, 1, 2, 3, 1]);
        }
        deep.extend_from_slice(&[1, 1, 1, 2, 0, 0]);
        assert!(decode(&deep).is_none());
        // Not bytes at all.
        assert!(rmp_serde::from_slice::<Node<'static>>(&[0x90]).is_err());
    }
}
