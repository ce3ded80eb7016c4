//! Interned strings for what thousands of objects repeat: API versions,
//! kinds and namespaces (docs/performance-history.md, "Memory per object").
//!
//! A [`Sym`] is an `Arc<Box<str>>`: a thin pointer of 8 bytes (an `Arc<str>`
//! is 16: its length travels with the pointer), cloned by a reference count,
//! and equal objects share one allocation. Reading it costs one more pointer
//! hop than an `Arc<str>`; the 8 bytes it saves in each of an object's four
//! interned texts took its metadata from mimalloc's 160-byte size class to
//! the 128-byte one. Each thread interns into a table of its own (no lock,
//! no shared cache line between the parallel per-file workers), so one run
//! holds at most one copy of a string per worker thread. A table that grows
//! past [`TABLE_LIMIT`] strings is emptied: the strings already handed out
//! stay valid (they are reference counted), only later ones get fresh
//! copies, so a long-lived process (the language server) never keeps more
//! than the limit per thread. No crate: the whole interner is a `HashSet`
//! per thread.

use std::borrow::Borrow;
use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

/// Past this many distinct strings a thread's table starts afresh.
const TABLE_LIMIT: usize = 4096;

type Table = HashSet<Sym, foldhash::fast::RandomState>;

thread_local! {
    static TABLE: RefCell<Table> = RefCell::new(Table::default());
}

/// An interned, immutable string (see the module's documentation).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Sym(Arc<Box<str>>);

impl Sym {
    /// The thread's shared copy of `text`.
    pub fn new(text: &str) -> Sym {
        TABLE.with(|table| {
            let Ok(mut table) = table.try_borrow_mut() else {
                return Sym::fresh(text);
            };
            if let Some(found) = table.get(text) {
                return found.clone();
            }
            if table.len() >= TABLE_LIMIT {
                table.clear();
            }
            let shared = Sym::fresh(text);
            table.insert(shared.clone());
            shared
        })
    }

    /// A copy of its own, shared with no one yet.
    fn fresh(text: &str) -> Sym {
        Sym(Arc::new(Box::from(text)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for Sym {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Sym {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Sym {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Sym {
    fn from(text: &str) -> Sym {
        Sym::new(text)
    }
}

impl PartialEq<str> for Sym {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Sym {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Sym {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<Sym> for str {
    fn eq(&self, other: &Sym) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Sym> for &str {
    fn eq(&self, other: &Sym) -> bool {
        *self == other.as_str()
    }
}

/// Printed as the string it holds (`{:?}` as a `String` prints).
impl fmt::Debug for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Stored as a plain string (the cache's format does not change); read
/// back interned.
impl serde::Serialize for Sym {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Sym {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Sym, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Sym;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Sym, E> {
                Ok(Sym::new(text))
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_strings_share_one_allocation_on_a_thread() {
        let a = Sym::new("apps/v1");
        let b = Sym::new(&String::from("apps/v1"));
        assert!(Arc::ptr_eq(&a.0, &b.0));
        assert_eq!(a, "apps/v1");
        assert_eq!(format!("{a:?}"), "\"apps/v1\"");
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(json, "\"apps/v1\"");
        let back: Sym = serde_json::from_str(&json).unwrap();
        assert_eq!(back, a);
    }

    #[test]
    fn a_full_table_starts_afresh_and_old_strings_stay_valid() {
        let first = Sym::new("kept");
        for i in 0..TABLE_LIMIT + 10 {
            let _ = Sym::new(&format!("s{i}"));
        }
        TABLE.with(|t| assert!(t.borrow().len() <= TABLE_LIMIT));
        assert_eq!(first.as_str(), "kept");
        assert_eq!(Sym::new("kept"), first);
    }
}
