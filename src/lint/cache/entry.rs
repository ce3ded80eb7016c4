//! A cache entry's result written and read by hand (format 8).
//!
//! Through `rmp_serde`, decoding the entries was 30% of a warm pre-commit
//! run's instructions on the 100,000-file small corpus (~13,600 per entry):
//! every span a map of two positions, every text a map of its value and span,
//! each read through `serde`'s generic dispatch; every string checked, copied
//! into a `String` and copied again into its `Arc` or interned; and each
//! object's `file`, always its result's `rel`, stored and read once more.
//! What every file has is therefore written here field after field, in the
//! declaration's order, with no names and no markers: the result's cluster,
//! document count and unit, then each object (its file only when it is not
//! the result's own, which is shared instead, its metadata's texts with their
//! spans as four varints, labels, document line, body, scope and
//! identity hash). A kept YAML tree is written as `crate::yaml::wire` writes
//! it. What few files hold (findings, extras, the NetworkPolicy and firewall
//! views) stays MessagePack with structs keyed by field index ([`indexed`]):
//! their types carry `serde` attributes the JSON output relies on, and they
//! are rare enough not to matter.
//!
//! A result that does not read exactly so (cut short, a bad tag, a length
//! past the end, text that is not UTF-8, bytes left over) is `None`, never a
//! panic: its shard is then discarded as a whole (`Cache::load`).

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize as _;

use super::indexed::Indexed;
use crate::finding::Finding;
use crate::intern::Sym;
use crate::manifest::{ObjectMeta, Text};
use crate::parsed::{Body, FileExtras, FileResult, Object, Scope};
use crate::string_map::StringMap;
use crate::yaml::wire::{self, Reader, put_varint};
use crate::yaml::{Pos, Span};

/// The fewest bytes an object takes (a file flag, three texts of an empty
/// string and four positions each, a namespace flag, two map lengths, a
/// document line, a body tag, a scope tag, the identity): a count read from
/// damaged bytes never reserves more than they could hold.
const MIN_OBJECT_LEN: usize = 1 + 3 * 5 + 1 + 2 + 1 + 1 + 1 + 8;

/// Appends `result` (its `rel` aside: the entry's framing holds it) to `out`.
pub(super) fn encode(
    result: &FileResult,
    out: &mut Vec<u8>,
    strings: &mut Strings,
) -> Result<(), rmp_serde::encode::Error> {
    put_optional_str(out, result.cluster.as_deref());
    put_varint(out, result.documents as u64);
    match result.unit {
        Some(unit) => {
            out.push(1);
            put_varint(out, unit as u64);
        }
        None => out.push(0),
    }
    put_varint(out, result.objects.len() as u64);
    for object in &result.objects {
        put_object(out, object, &result.rel, strings)?;
    }
    if result.findings.is_empty() && result.extras.is_none() {
        out.push(0);
    } else {
        out.push(1);
        put_packed(out, &(&result.findings, &result.extras))?;
    }
    Ok(())
}

/// The interned texts (API versions, kinds, namespaces) a shard's entries
/// have written so far, by number: a text is written whole the first time
/// (a 0, then the text) and by its number afterwards (1 for the first, …),
/// so a warm run reads each once per shard instead of checking, hashing and
/// looking it up in the interner for every object. Entries are written and
/// read in the same order, each shard on its own.
#[derive(Default)]
pub(super) struct Strings {
    numbers: HashMap<Box<str>, u64, foldhash::fast::RandomState>,
}

impl Strings {
    fn put(&mut self, out: &mut Vec<u8>, text: &str) {
        if let Some(&number) = self.numbers.get(text) {
            put_varint(out, number);
        } else {
            out.push(0);
            put_str(out, text);
            let number = self.numbers.len() as u64 + 1;
            self.numbers.insert(Box::from(text), number);
        }
    }
}

/// What the results of one shard share as they are read: the interned texts
/// read so far ([`Strings`]), and their cluster's name, the same for most
/// of them, allocated once instead of per result.
#[derive(Default)]
pub(super) struct Shared {
    syms: Vec<Sym>,
    cluster: Option<Arc<str>>,
}

impl Shared {
    fn cluster(&mut self, name: &str) -> Arc<str> {
        match &self.cluster {
            Some(cluster) if **cluster == *name => Arc::clone(cluster),
            _ => Arc::clone(self.cluster.insert(Arc::from(name))),
        }
    }

    /// An interned text as [`Strings::put`] wrote it.
    fn sym(&mut self, reader: &mut Reader<'_>) -> Option<Sym> {
        match usize::try_from(reader.varint()?).ok()? {
            0 => {
                let sym = Sym::new(reader.str()?);
                self.syms.push(sym.clone());
                Some(sym)
            }
            number => self.syms.get(number - 1).cloned(),
        }
    }
}

/// The result [`encode`] wrote in `bytes`, all of them, under the name `rel`.
pub(super) fn decode(bytes: &[u8], rel: Arc<str>, shared: &mut Shared) -> Option<FileResult> {
    let mut reader = Reader::new(bytes);
    let cluster = match reader.byte()? {
        0 => None,
        1 => Some(shared.cluster(reader.str()?)),
        _ => return None,
    };
    let documents = usize::try_from(reader.varint()?).ok()?;
    let unit = match reader.byte()? {
        0 => None,
        1 => Some(usize::try_from(reader.varint()?).ok()?),
        _ => return None,
    };
    let count = usize::try_from(reader.varint()?).ok()?;
    let mut objects = Vec::with_capacity(count.min(reader.left() / MIN_OBJECT_LEN));
    for _ in 0..count {
        objects.push(Arc::new(read_object(&mut reader, &rel, shared)?));
    }
    let (findings, extras) = match reader.byte()? {
        0 => (Vec::new(), None),
        1 => read_packed::<(Vec<Finding>, Option<Box<FileExtras>>)>(&mut reader)?,
        _ => return None,
    };
    reader.at_end().then_some(FileResult {
        rel,
        cluster,
        documents,
        objects,
        unit,
        findings,
        extras,
    })
}

fn put_str(out: &mut Vec<u8>, text: &str) {
    put_varint(out, text.len() as u64);
    out.extend_from_slice(text.as_bytes());
}

fn put_optional_str(out: &mut Vec<u8>, text: Option<&str>) {
    match text {
        Some(text) => {
            out.push(1);
            put_str(out, text);
        }
        None => out.push(0),
    }
}

fn put_span(out: &mut Vec<u8>, span: Span) {
    for position in [span.start.line, span.start.col, span.end.line, span.end.col] {
        put_varint(out, u64::from(position));
    }
}

fn put_map(out: &mut Vec<u8>, map: &StringMap) {
    put_varint(out, map.len() as u64);
    for (key, value) in map {
        put_str(out, key);
        put_str(out, value);
    }
}

/// `value` as MessagePack (structs keyed by field index), its length first.
fn put_packed(
    out: &mut Vec<u8>,
    value: &impl serde::Serialize,
) -> Result<(), rmp_serde::encode::Error> {
    let mut packed = Vec::new();
    Indexed(value).serialize(&mut rmp_serde::Serializer::new(&mut packed).with_struct_map())?;
    put_varint(out, packed.len() as u64);
    out.extend_from_slice(&packed);
    Ok(())
}

fn put_object(
    out: &mut Vec<u8>,
    object: &Object,
    rel: &str,
    strings: &mut Strings,
) -> Result<(), rmp_serde::encode::Error> {
    if *object.file == *rel {
        out.push(0);
    } else {
        out.push(1);
        put_str(out, &object.file);
    }
    let meta = &object.meta;
    strings.put(out, meta.api_version.value.as_str());
    put_span(out, meta.api_version_span());
    strings.put(out, meta.kind.value.as_str());
    put_span(out, meta.kind_span());
    put_str(out, &meta.name.value);
    put_span(out, meta.name_span());
    match (&meta.namespace, meta.namespace_span()) {
        (Some(namespace), Some(span)) => {
            out.push(1);
            strings.put(out, namespace.value.as_str());
            put_span(out, span);
        }
        _ => out.push(0),
    }
    put_map(out, meta.labels());
    put_varint(out, u64::from(object.doc_line));
    put_varint(out, u64::from(object.template));
    out.push(u8::from(object.without_volumes));
    match object.body.as_deref() {
        None => out.push(0),
        Some(Body::Tree(node)) => {
            out.push(1);
            wire::encode(node, out);
        }
        Some(body) => {
            out.push(2);
            put_packed(out, body)?;
        }
    }
    match &object.scope {
        Scope::Cluster => out.push(0),
        // Its own `metadata.namespace` (as almost always): not written twice.
        Scope::Namespace(namespace)
            if meta
                .namespace
                .as_ref()
                .is_some_and(|own| own.value.as_str() == namespace.as_str()) =>
        {
            out.push(3);
        }
        Scope::Namespace(namespace) => {
            out.push(1);
            strings.put(out, namespace.as_str());
        }
        Scope::Unbound => out.push(2),
    }
    out.extend_from_slice(&object.identity.to_le_bytes());
    Ok(())
}

fn read_span(reader: &mut Reader<'_>) -> Option<Span> {
    let start = Pos::new(reader.u32()?, reader.u32()?);
    let end = Pos::new(reader.u32()?, reader.u32()?);
    Some(Span::new(start, end))
}

fn read_interned(reader: &mut Reader<'_>, shared: &mut Shared) -> Option<Text<Sym>> {
    let value = shared.sym(reader)?;
    Some(Text {
        value,
        span: read_span(reader)?,
    })
}

fn read_map(reader: &mut Reader<'_>) -> Option<StringMap> {
    let count = usize::try_from(reader.varint()?).ok()?;
    // Two lengths per pair at least.
    let mut pairs = Vec::with_capacity(count.min(reader.left() / 2));
    for _ in 0..count {
        let key = reader.str()?.to_owned();
        pairs.push((key, reader.str()?.to_owned()));
    }
    Some(pairs.into_iter().collect())
}

fn read_packed<T: serde::de::DeserializeOwned>(reader: &mut Reader<'_>) -> Option<T> {
    let len = usize::try_from(reader.varint()?).ok()?;
    rmp_serde::from_slice(reader.take(len)?).ok()
}

fn read_object(reader: &mut Reader<'_>, rel: &Arc<str>, shared: &mut Shared) -> Option<Object> {
    let file = match reader.byte()? {
        0 => Arc::clone(rel),
        1 => Arc::from(reader.str()?),
        _ => return None,
    };
    let api_version = read_interned(reader, shared)?;
    let kind = read_interned(reader, shared)?;
    let name = reader.str()?.to_owned();
    let name = Text {
        value: name,
        span: read_span(reader)?,
    };
    let namespace = match reader.byte()? {
        0 => None,
        1 => Some(read_interned(reader, shared)?),
        _ => return None,
    };
    let mut meta = ObjectMeta::new(api_version, kind, name, namespace);
    meta.set_labels(read_map(reader)?);
    let doc_line = reader.u32()?;
    let template = u16::try_from(reader.u32()?).ok()?;
    let without_volumes = match reader.byte()? {
        0 => false,
        1 => true,
        _ => return None,
    };
    let body = match reader.byte()? {
        0 => None,
        1 => Some(Box::new(Body::Tree(Box::new(reader.tree()?)))),
        2 => Some(read_packed::<Box<Body>>(reader)?),
        _ => return None,
    };
    let scope = match reader.byte()? {
        0 => Scope::Cluster,
        1 => Scope::Namespace(shared.sym(reader)?),
        2 => Scope::Unbound,
        3 => Scope::Namespace(meta.namespace.as_ref()?.value.clone()),
        _ => return None,
    };
    let identity = u64::from_le_bytes(reader.take(8)?.try_into().ok()?);
    Some(Object {
        file,
        named_placeholder: crate::rules::hygiene::template_placeholder::names_may_be_placeholders(
            &meta,
        ),
        meta: Box::new(meta),
        doc_line,
        template,
        without_volumes,
        body,
        scope,
        identity,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::lint::file::{FileSettings, analyze_bytes};
    use crate::rules::RuleSet;

    /// A file with a kept tree (a Namespace), a view (a NetworkPolicy),
    /// labels, annotations (not kept), a span over two lines (kept whole), a
    /// StatefulSet without volumes, an object of a Template and a finding.
    fn result() -> FileResult {
        let text = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {team: a, tier: web}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny\n  namespace: shop\n  annotations: {note: x}\nspec:\n  podSelector: {}\n  ingress:\n  - ports: [{port: 80}, {port: http}]\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: >-\n    app-é\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: 'nginx:latest', securityContext: {privileged: true}}]\n---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: cache}\nspec: {template: {spec: {containers: [{name: c, image: redis}]}}}\n---\napiVersion: template.openshift.io/v1\nkind: Template\nmetadata: {name: t}\nobjects:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: '${N}'}}\n";
        let rules = RuleSet::new(&[], &[]);
        let cluster: Arc<str> = Arc::from("source");
        let cluster_of = move |_: &str| Some(Arc::clone(&cluster));
        let settings = FileSettings::standalone(&rules, &cluster_of);
        let rel: Arc<str> = Arc::from("ns/shop.yaml");
        let mut result = analyze_bytes(&rel, text.as_bytes(), &settings);
        let at = crate::finding::Location::new(&rel, Span::default());
        result
            .findings
            .push(Finding::new("DVM402", at, "a finding"));
        result
    }

    fn debug(result: &FileResult) -> String {
        format!("{result:?}")
    }

    #[test]
    fn a_result_round_trips_and_its_objects_share_its_name() {
        let result = result();
        assert_eq!(result.objects.len(), 5, "{}", debug(&result));
        // A StatefulSet without volumes; an object of a file's first
        // OpenShift Template.
        assert!(result.objects[3].without_volumes);
        assert_eq!(result.objects[4].template, 1);
        assert!(debug(&result).contains("wide: Some"));
        assert!(result.objects.iter().any(|o| o.tree().is_some()));
        assert!(result.objects.iter().any(|o| o.network_policy().is_some()));
        let mut bytes = Vec::new();
        encode(&result, &mut bytes, &mut Strings::default()).unwrap();
        let back = decode(&bytes, Arc::clone(&result.rel), &mut Shared::default()).unwrap();
        assert_eq!(debug(&back), debug(&result));
        // The name is not stored again per object (only in the finding's
        // location): each object shares the result's.
        assert_eq!(
            memchr::memmem::find_iter(&bytes, result.rel.as_bytes()).count(),
            1
        );
        assert!(back.objects.iter().all(|o| Arc::ptr_eq(&o.file, &back.rel)));
        // An object of another file (a rendered one) keeps its own name; a
        // unit and no findings round-trip too.
        let mut other = result.clone();
        Arc::make_mut(&mut other.objects[1]).file = Arc::from("rendered/out.yaml");
        other.unit = Some(7);
        other.findings.clear();
        other.extras = None;
        other.cluster = None;
        let mut bytes = Vec::new();
        encode(&other, &mut bytes, &mut Strings::default()).unwrap();
        let back = decode(&bytes, Arc::clone(&other.rel), &mut Shared::default()).unwrap();
        assert_eq!(debug(&back), debug(&other));
        assert_eq!(&*back.objects[1].file, "rendered/out.yaml");
    }

    #[test]
    fn a_shards_interned_texts_are_written_once_and_read_back_in_order() {
        let result = result();
        let mut strings = Strings::default();
        let (mut first, mut second) = (Vec::new(), Vec::new());
        encode(&result, &mut first, &mut strings).unwrap();
        encode(&result, &mut second, &mut strings).unwrap();
        // The second names its API versions, kinds and namespaces by number.
        assert!(second.len() < first.len());
        assert!(memchr::memmem::find(&first, b"networking.k8s.io/v1").is_some());
        assert!(memchr::memmem::find(&second, b"networking.k8s.io/v1").is_none());
        let mut shared = Shared::default();
        for bytes in [&first, &second] {
            let back = decode(bytes, Arc::clone(&result.rel), &mut shared).unwrap();
            assert_eq!(debug(&back), debug(&result));
        }
        // Read without the entry before it: a number it never learnt.
        assert!(decode(&second, Arc::clone(&result.rel), &mut Shared::default()).is_none());
    }

    #[test]
    fn a_damaged_result_is_none_never_a_panic() {
        let result = result();
        let mut good = Vec::new();
        encode(&result, &mut good, &mut Strings::default()).unwrap();
        for cut in 0..good.len() {
            assert!(
                decode(
                    &good[..cut],
                    Arc::clone(&result.rel),
                    &mut Shared::default()
                )
                .is_none(),
                "cut at {cut}"
            );
        }
        let mut longer = good.clone();
        longer.push(0);
        assert!(decode(&longer, Arc::clone(&result.rel), &mut Shared::default()).is_none());
        for at in 0..good.len() {
            for flip in [0x01, 0x80, 0xff] {
                let mut bad = good.clone();
                bad[at] ^= flip;
                // Whatever it reads as, it returns.
                let _ = decode(&bad, Arc::clone(&result.rel), &mut Shared::default());
            }
        }
        // A count no bytes could hold reserves nothing it cannot fill.
        assert!(
            decode(
                &[0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f],
                Arc::from("a"),
                &mut Shared::default()
            )
            .is_none()
        );
    }
}
