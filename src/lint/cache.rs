//! `.dvmlint-cache/`: per-file results kept between runs (`dvmlint check`; `--no-cache` turns it off).
//!
//! The pre-commit path lints a whole project to report on a few changed files, so
//! most of a run re-parses files that did not change. The per-file stage is a pure
//! function of the file's bytes and the run's settings, so its result
//! ([`FileResult`]: findings, suppressions, secrets, modelled objects) is stored
//! under the file's path with a hash of its content, and reused when the hash
//! matches. Everything after the per-file stage (model, project rules, filters)
//! always runs.
//!
//! Invalidation: the whole cache is keyed by [`settings_key`] (dvmlint's version,
//! a hash of the sources it was built from, the configuration, the rules enabled
//! and the declarative rules); an entry by the xxh3-128 hash of its file's bytes.
//! Files that could not be read and editor buffers are never cached.
//!
//! Storage: one JSON file, written to a temporary name and renamed, so a reader
//! never sees half a cache and concurrent runs at worst overwrite each other's
//! complete cache. The folder holds a `.gitignore` of `*` (ignored by Git without
//! touching the project's own `.gitignore`) and a `CACHEDIR.TAG`. A cache that
//! cannot be read or parsed is treated as empty; one that cannot be written is
//! skipped: a cache never changes what a run reports.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_128;

use crate::parsed::FileResult;

pub const DIR: &str = ".dvmlint-cache";
const FILE: &str = "results.json";
/// Bumped when the stored layout changes in a way the build id would not catch.
const FORMAT: u32 = 1;

/// What invalidates every entry at once.
pub fn settings_key(parts: &str) -> String {
    let text = format!(
        "{FORMAT}\n{}\n{}\n{parts}",
        env!("CARGO_PKG_VERSION"),
        env!("DVMLINT_BUILD_ID")
    );
    format!("{:032x}", xxh3_128(text.as_bytes()))
}

pub fn content_hash(bytes: &[u8]) -> u128 {
    xxh3_128(bytes)
}

#[derive(Deserialize)]
struct Stored {
    key: String,
    entries: HashMap<String, Entry>,
}

#[derive(Deserialize)]
struct Entry {
    /// Hex of the content hash (JSON numbers cannot hold 128 bits).
    hash: String,
    result: FileResult,
}

#[derive(Serialize)]
struct StoredRef<'a> {
    key: &'a str,
    entries: HashMap<&'a str, EntryRef<'a>>,
}

#[derive(Serialize)]
struct EntryRef<'a> {
    hash: String,
    result: &'a FileResult,
}

/// The cache of one project root, loaded at the start of a run.
pub struct Cache {
    dir: PathBuf,
    key: String,
    /// Each entry is taken (not cloned) by the one file that asks for it.
    entries: HashMap<String, Mutex<Option<Entry>>>,
}

/// A run whose misses stay under this share of its files (and under
/// [`REWRITE_MIN_MISSES`]) does not rewrite the cache: the pre-commit path, where a
/// handful of edited files are parsed anyway, then costs no write of every entry.
/// Stale entries are harmless (their hash no longer matches) and are replaced by
/// the next run that does write.
const REWRITE_MISS_SHARE: usize = 100;
const REWRITE_MIN_MISSES: usize = 16;

impl Cache {
    /// Loads `<root>/.dvmlint-cache/` if it was written with the same settings.
    pub fn open(root: &Path, key: String) -> Cache {
        let dir = root.join(DIR);
        let entries = std::fs::read(dir.join(FILE))
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Stored>(&bytes).ok())
            .filter(|stored| stored.key == key)
            .map(|stored| {
                stored
                    .entries
                    .into_iter()
                    .map(|(rel, entry)| (rel, Mutex::new(Some(entry))))
                    .collect()
            })
            .unwrap_or_default();
        Cache { dir, key, entries }
    }

    /// The stored result of `rel`, if its content hash is still `hash`.
    pub fn get(&self, rel: &str, hash: u128) -> Option<FileResult> {
        let mut slot = self.entries.get(rel)?.lock().ok()?;
        if slot.as_ref()?.hash != format!("{hash:032x}") {
            return None;
        }
        slot.take().map(|entry| entry.result)
    }

    /// Replaces the cache with `results` (those with a content hash in
    /// `hashes`, which runs beside them). Skipped when the files analysed
    /// afresh are few (see [`REWRITE_MISS_SHARE`]).
    pub fn store(&self, results: &[FileResult], hashes: &[Option<u128>], hits: usize) {
        let cacheable = hashes.iter().filter(|hash| hash.is_some()).count();
        let misses = cacheable.saturating_sub(hits);
        let few = misses < REWRITE_MIN_MISSES && misses * REWRITE_MISS_SHARE < cacheable;
        if !self.entries.is_empty() && few {
            return;
        }
        let entries = results
            .iter()
            .zip(hashes)
            .filter_map(|(result, hash)| {
                let hash = (*hash)?;
                Some((
                    &*result.rel,
                    EntryRef {
                        hash: format!("{hash:032x}"),
                        result,
                    },
                ))
            })
            .collect();
        let stored = StoredRef {
            key: &self.key,
            entries,
        };
        // Best effort: a read-only checkout still lints.
        let _ = self.write(&stored);
    }

    fn write(&self, stored: &StoredRef<'_>) -> std::io::Result<()> {
        let bytes = serde_json::to_vec(stored).map_err(std::io::Error::other)?;
        write_file(&self.dir, FILE, &bytes)
    }
}

/// Writes `bytes` to `dir/name` (inside `.dvmlint-cache/` or a folder below
/// it) through a temporary file and a rename, creating the folder with its
/// `.gitignore` and `CACHEDIR.TAG` first. Every write into the cache goes
/// through here (the per-file results, the render outputs of `crate::render`).
pub fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for (marker, text) in [
        (".gitignore", "# Created by dvmlint.\n*\n"),
        (
            "CACHEDIR.TAG",
            "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by dvmlint.\n",
        ),
    ] {
        let path = dir.join(marker);
        if !path.exists() {
            std::fs::write(path, text)?;
        }
    }
    let temp = dir.join(format!("{name}.{}.tmp", std::process::id()));
    std::fs::write(&temp, bytes)?;
    std::fs::rename(&temp, dir.join(name)).inspect_err(|_| {
        let _ = std::fs::remove_file(&temp);
    })
}
