//! [`StringMap`]: a small map of strings in one allocation, for what the
//! model keeps per object (labels, annotations, the `matchLabels` of label
//! selectors; docs/performance-history.md, "Memory per object").

use std::collections::BTreeMap;

/// String pairs sorted by key. A `BTreeMap` allocates a node for eleven
/// pairs, about 550 bytes, for a selector's or a Namespace's one label.
/// Eight bytes where it is empty, as most objects' labels and annotations
/// are (the per-file stage reads them only for the kinds the model keeps),
/// the pairs behind one more pointer where it is not. Stored (in the cache)
/// and printed as a map.
#[derive(Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(from = "BTreeMap<String, String>", into = "BTreeMap<String, String>")]
pub struct StringMap(Option<Box<Pairs>>);

type Pairs = Box<[(String, String)]>;

impl StringMap {
    /// The empty map, to lend where there is none.
    pub const EMPTY: StringMap = StringMap(None);

    fn new(pairs: Vec<(String, String)>) -> StringMap {
        StringMap((!pairs.is_empty()).then(|| Box::new(pairs.into_boxed_slice())))
    }

    fn pairs(&self) -> &[(String, String)] {
        self.0.as_deref().map_or(&[], |pairs| &pairs[..])
    }

    pub fn get(&self, key: &str) -> Option<&String> {
        self.position(key)
            .ok()
            .and_then(|i| self.pairs().get(i))
            .map(|(_, v)| v)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Sets `key` to `value` (a copy of the pairs: for building small maps).
    pub fn insert(&mut self, key: String, value: String) {
        let mut pairs = std::mem::take(&mut self.0).map_or_else(Vec::new, |p| p.into_vec());
        match self_position(&pairs, &key) {
            Ok(i) => {
                if let Some(pair) = pairs.get_mut(i) {
                    pair.1 = value;
                }
            }
            Err(i) => pairs.insert(i, (key, value)),
        }
        *self = StringMap::new(pairs);
    }

    /// The pairs in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> + '_ {
        self.pairs().iter().map(|(k, v)| (k, v))
    }

    pub fn len(&self) -> usize {
        self.pairs().len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    pub fn to_btree_map(&self) -> BTreeMap<String, String> {
        self.pairs().iter().cloned().collect()
    }

    fn position(&self, key: &str) -> Result<usize, usize> {
        self_position(self.pairs(), key)
    }
}

fn self_position(pairs: &[(String, String)], key: &str) -> Result<usize, usize> {
    pairs.binary_search_by(|(k, _)| k.as_str().cmp(key))
}

impl<'m> IntoIterator for &'m StringMap {
    type Item = (&'m String, &'m String);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'m, (String, String)>,
        fn(&'m (String, String)) -> (&'m String, &'m String),
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.pairs().iter().map(|(k, v)| (k, v))
    }
}

/// The last value of a key wins, as in a map.
impl FromIterator<(String, String)> for StringMap {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(pairs: I) -> StringMap {
        let mut pairs: Vec<(String, String)> = pairs.into_iter().collect();
        // Stable: of equal keys, the last written is the last here.
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        pairs.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                std::mem::swap(later, kept);
            }
            same
        });
        StringMap::new(pairs)
    }
}

impl From<BTreeMap<String, String>> for StringMap {
    fn from(map: BTreeMap<String, String>) -> StringMap {
        StringMap::new(map.into_iter().collect())
    }
}

impl From<StringMap> for BTreeMap<String, String> {
    fn from(map: StringMap) -> BTreeMap<String, String> {
        map.0
            .map_or_else(Vec::new, |pairs| pairs.into_vec())
            .into_iter()
            .collect()
    }
}

/// Printed as a map, like the `BTreeMap` it replaced.
impl std::fmt::Debug for StringMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> StringMap {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn the_last_value_of_a_key_wins_and_keys_stay_sorted() {
        let m = map(&[
            ("b", "1"),
            ("a", "x"),
            ("b", "2"),
            ("c", "3"),
            ("b", "last"),
        ]);
        let pairs: Vec<(&str, &str)> = m.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(pairs, [("a", "x"), ("b", "last"), ("c", "3")]);
        let btree: BTreeMap<String, String> = [
            ("b", "1"),
            ("a", "x"),
            ("b", "2"),
            ("c", "3"),
            ("b", "last"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        assert_eq!(m.to_btree_map(), btree);
        assert_eq!(format!("{m:?}"), format!("{btree:?}"));
    }

    #[test]
    fn insert_replaces_or_adds_in_order() {
        let mut m = map(&[("b", "1")]);
        m.insert("a".to_owned(), "0".to_owned());
        m.insert("c".to_owned(), "2".to_owned());
        m.insert("b".to_owned(), "new".to_owned());
        assert_eq!(m.len(), 3);
        assert_eq!(m.get("b").map(String::as_str), Some("new"));
        let keys: Vec<&String> = m.iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["a", "b", "c"]);
        assert!(!m.contains_key("d") && !m.is_empty());
    }

    /// Most objects' maps are empty: a pointer's size, nothing allocated.
    #[test]
    fn an_empty_map_is_one_pointer_and_no_allocation() {
        assert_eq!(std::mem::size_of::<StringMap>(), 8);
        let empty: StringMap = std::iter::empty().collect();
        assert!(empty.is_empty() && empty.0.is_none());
        assert_eq!(empty.len(), 0);
        assert_eq!(empty, StringMap::default());
        assert_eq!(StringMap::from(BTreeMap::new()), StringMap::default());
    }
}
