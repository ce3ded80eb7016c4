//! Structs written as maps keyed by field index (format 5).
//!
//! The entries were MessagePack with structs as maps keyed by field name
//! (`rmp_serde::encode::write_named`), so that the `serde` attributes of the
//! stored types round-trip as they do in JSON. Decoding them compared every
//! key with the struct's field names and checked each as UTF-8: 14% of a
//! warm run's CPU on the 100,000-file small corpus (docs/performance.md).
//!
//! [`Indexed`] writes every struct as a map from the field's index (its
//! place in the declaration, one byte) to its value, and everything else as
//! `rmp_serde` does. A map still names each field it holds, so what the
//! attributes made of JSON holds here too: a field left out
//! (`skip_serializing_if`) is missing, not shifted, and read back as its
//! default; an untagged enum still reads its content by type. `serde`'s
//! derived field visitors accept an index (`visit_u64`) as well as a name, so
//! the reader is `rmp_serde::from_slice` as before. The index counts each
//! field the derived code either writes or skips (`SerializeStruct::skip_field`),
//! which is the derived reader's numbering as long as no stored type leaves a
//! field out of serialization altogether (`#[serde(skip)]`, `skip_serializing`):
//! none does, and the round trip of every fixture's result
//! (`every_fixture_result_round_trips_exactly`) would fail if one did.
//!
//! Enum variants keep their names (a few per entry; `Severity` reads its own
//! from a string), and so do the fields of struct variants (`FixHint`, rare).

use serde::ser::{
    Serialize, SerializeMap, SerializeSeq, SerializeStruct, SerializeStructVariant, SerializeTuple,
    SerializeTupleStruct, SerializeTupleVariant, Serializer,
};

/// `value`, written with its structs keyed by field index.
pub struct Indexed<'a, T: ?Sized>(pub &'a T);

impl<T: ?Sized + Serialize> Serialize for Indexed<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(Keys(serializer))
    }
}

/// A serializer that hands everything to `S`, structs as index-keyed maps.
struct Keys<S>(S);

/// A compound of `S` whose elements are written through [`Indexed`].
struct Inner<C>(C);

/// A struct's fields as a map entry each, keyed by index.
struct Fields<M> {
    map: M,
    index: u32,
}

impl<S: Serializer> Serializer for Keys<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Inner<S::SerializeSeq>;
    type SerializeTuple = Inner<S::SerializeTuple>;
    type SerializeTupleStruct = Inner<S::SerializeTupleStruct>;
    type SerializeTupleVariant = Inner<S::SerializeTupleVariant>;
    type SerializeMap = Inner<S::SerializeMap>;
    type SerializeStruct = Fields<S::SerializeMap>;
    type SerializeStructVariant = Inner<S::SerializeStructVariant>;

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }

    fn serialize_bool(self, v: bool) -> Result<S::Ok, S::Error> {
        self.0.serialize_bool(v)
    }

    fn serialize_i8(self, v: i8) -> Result<S::Ok, S::Error> {
        self.0.serialize_i8(v)
    }

    fn serialize_i16(self, v: i16) -> Result<S::Ok, S::Error> {
        self.0.serialize_i16(v)
    }

    fn serialize_i32(self, v: i32) -> Result<S::Ok, S::Error> {
        self.0.serialize_i32(v)
    }

    fn serialize_i64(self, v: i64) -> Result<S::Ok, S::Error> {
        self.0.serialize_i64(v)
    }

    fn serialize_i128(self, v: i128) -> Result<S::Ok, S::Error> {
        self.0.serialize_i128(v)
    }

    fn serialize_u8(self, v: u8) -> Result<S::Ok, S::Error> {
        self.0.serialize_u8(v)
    }

    fn serialize_u16(self, v: u16) -> Result<S::Ok, S::Error> {
        self.0.serialize_u16(v)
    }

    fn serialize_u32(self, v: u32) -> Result<S::Ok, S::Error> {
        self.0.serialize_u32(v)
    }

    fn serialize_u64(self, v: u64) -> Result<S::Ok, S::Error> {
        self.0.serialize_u64(v)
    }

    fn serialize_u128(self, v: u128) -> Result<S::Ok, S::Error> {
        self.0.serialize_u128(v)
    }

    fn serialize_f32(self, v: f32) -> Result<S::Ok, S::Error> {
        self.0.serialize_f32(v)
    }

    fn serialize_f64(self, v: f64) -> Result<S::Ok, S::Error> {
        self.0.serialize_f64(v)
    }

    fn serialize_char(self, v: char) -> Result<S::Ok, S::Error> {
        self.0.serialize_char(v)
    }

    fn serialize_str(self, v: &str) -> Result<S::Ok, S::Error> {
        self.0.serialize_str(v)
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<S::Ok, S::Error> {
        self.0.serialize_bytes(v)
    }

    fn serialize_none(self) -> Result<S::Ok, S::Error> {
        self.0.serialize_none()
    }

    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<S::Ok, S::Error> {
        self.0.serialize_some(&Indexed(value))
    }

    fn serialize_unit(self) -> Result<S::Ok, S::Error> {
        self.0.serialize_unit()
    }

    fn serialize_unit_struct(self, name: &'static str) -> Result<S::Ok, S::Error> {
        self.0.serialize_unit_struct(name)
    }

    fn serialize_unit_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
    ) -> Result<S::Ok, S::Error> {
        self.0.serialize_unit_variant(name, index, variant)
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        self.0.serialize_newtype_struct(name, &Indexed(value))
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        self.0
            .serialize_newtype_variant(name, index, variant, &Indexed(value))
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq, S::Error> {
        self.0.serialize_seq(len).map(Inner)
    }

    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple, S::Error> {
        self.0.serialize_tuple(len).map(Inner)
    }

    fn serialize_tuple_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct, S::Error> {
        self.0.serialize_tuple_struct(name, len).map(Inner)
    }

    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant, S::Error> {
        self.0
            .serialize_tuple_variant(name, index, variant, len)
            .map(Inner)
    }

    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap, S::Error> {
        self.0.serialize_map(len).map(Inner)
    }

    /// `len` is the number of fields written (the skipped ones left out),
    /// the map's length.
    fn serialize_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, S::Error> {
        let map = self.0.serialize_map(Some(len))?;
        Ok(Fields { map, index: 0 })
    }

    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, S::Error> {
        self.0
            .serialize_struct_variant(name, index, variant, len)
            .map(Inner)
    }
}

impl<M: SerializeMap> SerializeStruct for Fields<M> {
    type Ok = M::Ok;
    type Error = M::Error;

    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        _key: &'static str,
        value: &T,
    ) -> Result<(), M::Error> {
        self.map.serialize_entry(&self.index, &Indexed(value))?;
        self.index += 1;
        Ok(())
    }

    /// A field left out still takes its index: the next one keeps its own.
    fn skip_field(&mut self, _key: &'static str) -> Result<(), M::Error> {
        self.index += 1;
        Ok(())
    }

    fn end(self) -> Result<M::Ok, M::Error> {
        self.map.end()
    }
}

/// The compounds of one method each (elements or fields, in order): each
/// item through [`Indexed`].
macro_rules! each_item_indexed {
    ($($compound:ident :: $method:ident),* $(,)?) => {$(
        impl<C: $compound> $compound for Inner<C> {
            type Ok = C::Ok;
            type Error = C::Error;

            fn $method<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), C::Error> {
                self.0.$method(&Indexed(value))
            }

            fn end(self) -> Result<C::Ok, C::Error> {
                self.0.end()
            }
        }
    )*};
}

each_item_indexed!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field,
);

impl<C: SerializeMap> SerializeMap for Inner<C> {
    type Ok = C::Ok;
    type Error = C::Error;

    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), C::Error> {
        self.0.serialize_key(&Indexed(key))
    }

    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), C::Error> {
        self.0.serialize_value(&Indexed(value))
    }

    fn serialize_entry<K: ?Sized + Serialize, V: ?Sized + Serialize>(
        &mut self,
        key: &K,
        value: &V,
    ) -> Result<(), C::Error> {
        self.0.serialize_entry(&Indexed(key), &Indexed(value))
    }

    fn end(self) -> Result<C::Ok, C::Error> {
        self.0.end()
    }
}

impl<C: SerializeStructVariant> SerializeStructVariant for Inner<C> {
    type Ok = C::Ok;
    type Error = C::Error;

    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), C::Error> {
        self.0.serialize_field(key, &Indexed(value))
    }

    fn skip_field(&mut self, key: &'static str) -> Result<(), C::Error> {
        self.0.skip_field(key)
    }

    fn end(self) -> Result<C::Ok, C::Error> {
        self.0.end()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Inside {
        first_field: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        middle: Option<u32>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        last: Vec<String>,
    }

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    #[serde(untagged)]
    enum Either {
        Number(u32),
        Inside(Inside),
    }

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    enum Kind {
        Unit,
        Wrapped(Box<Inside>),
        Named { a: u32, b: Option<String> },
    }

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Outside {
        inside: Vec<Inside>,
        either: Vec<Either>,
        kinds: Vec<Kind>,
        pair: (u32, Inside),
    }

    fn inside(middle: Option<u32>, last: &[&str]) -> Inside {
        Inside {
            first_field: "f".into(),
            middle,
            last: last.iter().map(|s| (*s).into()).collect(),
        }
    }

    fn encode<T: Serialize>(value: &T) -> Vec<u8> {
        let mut bytes = Vec::new();
        Indexed(value)
            .serialize(&mut rmp_serde::Serializer::new(&mut bytes))
            .unwrap();
        bytes
    }

    #[test]
    fn skipped_fields_untagged_enums_and_variants_round_trip() {
        let value = Outside {
            inside: vec![
                inside(None, &[]),
                inside(Some(3), &[]),
                inside(None, &["x"]),
                inside(Some(4), &["y", "z"]),
            ],
            either: vec![Either::Number(7), Either::Inside(inside(None, &["w"]))],
            kinds: vec![
                Kind::Unit,
                Kind::Wrapped(Box::new(inside(Some(1), &[]))),
                Kind::Named { a: 2, b: None },
                Kind::Named {
                    a: 3,
                    b: Some("b".into()),
                },
            ],
            pair: (9, inside(Some(0), &["v"])),
        };
        let bytes = encode(&value);
        assert_eq!(rmp_serde::from_slice::<Outside>(&bytes).unwrap(), value);
    }

    #[test]
    fn a_struct_is_a_map_of_field_indexes() {
        // {0: "f", 2: ["x"]}: the skipped field's index is not reused.
        let bytes = encode(&inside(None, &["x"]));
        assert_eq!(bytes, [0x82, 0x00, 0xa1, b'f', 0x02, 0x91, 0xa1, b'x']);
        assert!(!bytes.windows(5).any(|w| w == b"first"));
    }
}
