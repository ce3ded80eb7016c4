//! How a [`Node`] tree is stored (the cache of `crate::lint::cache` keeps the
//! trees of the few kinds the model reads whole): positionally, one array per
//! node, `[start line, start column, end line, end column, tag, payload]`,
//! never a map with field and variant names. A warm run decodes every stored
//! tree, and the named form (`{"span": {"start": …, "end": …}, "value":
//! {"Scalar": […]}}`) spent most of its time on the names: on 100,000 small
//! files it made the trees 19% of a warm run's instructions
//! (docs/performance.md, "Warm pre-commit runs").
//!
//! The tag: 0, 1, 2 a scalar ([`ScalarStyle`] plain, quoted, block; payload:
//! its text), 3 a sequence (payload: its items), 4 a mapping (payload: its
//! entries as `[key, value]` pairs).

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, SeqAccess, Visitor};
use serde::ser::SerializeTuple as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{Node, Pos, ScalarStyle, Span, Value};

const FIELDS: usize = 6;

impl Serialize for Node<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut tuple = serializer.serialize_tuple(FIELDS)?;
        tuple.serialize_element(&self.span.start.line)?;
        tuple.serialize_element(&self.span.start.col)?;
        tuple.serialize_element(&self.span.end.line)?;
        tuple.serialize_element(&self.span.end.col)?;
        match &self.value {
            Value::Scalar(text, style) => {
                let tag: u8 = match style {
                    ScalarStyle::Plain => 0,
                    ScalarStyle::Quoted => 1,
                    ScalarStyle::Block => 2,
                };
                tuple.serialize_element(&tag)?;
                tuple.serialize_element(text.as_ref())?;
            }
            Value::Seq(items) => {
                tuple.serialize_element(&3u8)?;
                tuple.serialize_element(items)?;
            }
            Value::Map(entries) => {
                tuple.serialize_element(&4u8)?;
                tuple.serialize_element(entries)?;
            }
        }
        tuple.end()
    }
}

impl<'de> Deserialize<'de> for Node<'static> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_tuple(FIELDS, NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node<'static>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML node as [line, col, end line, end col, tag, payload]")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut next_u32 = |at: usize| -> Result<u32, A::Error> {
            seq.next_element::<u32>()?
                .ok_or_else(|| de::Error::invalid_length(at, &self))
        };
        let start = Pos::new(next_u32(0)?, next_u32(1)?);
        let end = Pos::new(next_u32(2)?, next_u32(3)?);
        let tag = seq
            .next_element::<u8>()?
            .ok_or_else(|| de::Error::invalid_length(4, &self))?;
        let missing = || de::Error::invalid_length(5, &NodeVisitor);
        let value = match tag {
            0..=2 => {
                let style = match tag {
                    0 => ScalarStyle::Plain,
                    1 => ScalarStyle::Quoted,
                    _ => ScalarStyle::Block,
                };
                let text: String = seq.next_element()?.ok_or_else(missing)?;
                Value::Scalar(Cow::Owned(text), style)
            }
            3 => Value::Seq(seq.next_element()?.ok_or_else(missing)?),
            4 => Value::Map(seq.next_element()?.ok_or_else(missing)?),
            other => {
                return Err(de::Error::invalid_value(
                    de::Unexpected::Unsigned(u64::from(other)),
                    &"a node tag from 0 to 4",
                ));
            }
        };
        if seq.next_element::<de::IgnoredAny>()?.is_some() {
            return Err(de::Error::invalid_length(FIELDS + 1, &self));
        }
        Ok(Node {
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
        let text = "a: 1\nb: 'two'\nc:\n  - |\n    three\n  - {d: [], e: {}}\n";
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
    fn a_tree_round_trips_through_messagepack_and_json() {
        let node = tree();
        let packed = rmp_serde::to_vec_named(&node).unwrap();
        assert_eq!(
            rmp_serde::from_slice::<Node<'static>>(&packed).unwrap(),
            node
        );
        let json = serde_json::to_string(&node).unwrap();
        assert!(json.starts_with("[1,1,"), "{json}");
        assert_eq!(serde_json::from_str::<Node<'static>>(&json).unwrap(), node);
    }

    #[test]
    fn a_malformed_node_is_an_error_never_a_panic() {
        for json in [
            "[]",
            "[1,1,1,2]",
            "[1,1,1,2,9,\"x\"]",
            "[1,1,1,2,0]",
            "[1,1,1,2,0,7]",
            "[1,1,1,2,3,[[1]]]",
            "[1,1,1,2,0,\"x\",\"extra\"]",
            "{\"span\":1}",
        ] {
            assert!(
                serde_json::from_str::<Node<'static>>(json).is_err(),
                "{json}"
            );
        }
    }
}
