//! `.dvmlint-cache/`: per-file results kept between runs (`dvmlint check`; `--no-cache` turns it off).
//!
//! The pre-commit path lints a whole project to report on a few changed files, so
//! most of a run re-parses files that did not change. The per-file stage is a pure
//! function of the file's bytes and the run's settings, so its result
//! ([`FileResult`]: findings, suppressions, modelled objects) is stored under the
//! file's path with a hash of its content, and reused when the hash matches.
//! Everything after the per-file stage (model, project rules, filters) always runs.
//!
//! Invalidation: the whole cache is keyed by [`settings_key`] (dvmlint's version,
//! a hash of the sources it was built from, the configuration, the rules enabled
//! and the declarative rules); an entry by the xxh3-128 hash of its file's bytes.
//! Files that could not be read and editor buffers are never cached.
//!
//! An entry also keeps its file's *stamp* ([`Cache::stamp`]: device, inode,
//! mode, size, modification and change times, hashed), as Git's index does: a
//! file whose stamp is the stored one is a hit without being opened, so a warm
//! run costs one `stat` per unchanged file instead of an open, two reads and a
//! hash. A stamp is taken only of a file last modified and changed at least
//! [`STAMP_AGE`] before the run started, so an edit made later (even within the
//! file system's timestamp granularity) always changes it; a younger file is
//! read and hashed, and gets its stamp on a later run.
//!
//! Storage (`docs/decisions/cache-format.md`): the entries are spread over
//! [`SHARDS`] files, `results-XX.bin`, by a hash of each file's relative path,
//! so a run that changed a few files rewrites the few shards holding them.
//! A shard is a fixed header (magic and format, the settings key, the length
//! of its body, a MAC) and an LZ4-compressed body: for each entry its path,
//! content hash and its [`FileResult`], written field by field by hand
//! ([`entry`]: what every file has), its rare parts (findings, extras, the
//! NetworkPolicy and firewall views) as MessagePack with structs as maps keyed
//! by field index ([`indexed`], so the `serde` attributes of those types
//! round-trip as they do in JSON). Loading is lazy: a shard
//! is read, checked, decompressed and decoded by the first worker whose file it
//! holds, and its decompressed body freed at once, so the work spreads over the
//! per-file stage's threads.
//! After the per-file stage every shard is brought up to date: one whose
//! entries are exactly this run's hits is left alone; one that gained, lost
//! or changed an entry is rewritten; one that holds no file of the project any
//! more is removed.
//!
//! Trust (`docs/security.md`): the folder lives in a repository whose author may
//! be hostile, so a shard is used only if this machine wrote it. Every shard is
//! signed with a keyed BLAKE3 hash (over the settings key, the shard's name and
//! its body) under a per-machine secret kept outside every project
//! ([`machine_key`]: `$XDG_CACHE_HOME/dvmlint/machine-key`, else
//! `~/.cache/dvmlint/machine-key`, mode 0600); a committed, altered, truncated or
//! swapped shard fails the check, is discarded with a note on stderr and its
//! files are analysed afresh (a fresh clone in CI is linted from scratch). Each
//! entry is checked once more when decoded: its name stays inside the project,
//! belongs to that shard, and every finding it holds is about that file. Files
//! holding a secret (proxy passwords, Secret values) are never stored, so the
//! cache holds none; they are analysed afresh on every run.
//!
//! Writing: each shard goes to a temporary file created exclusively under an
//! unpredictable name (`tempfile`, mode 0600) and renamed over the old one, so
//! a reader (another run at the same time) sees a whole old or a whole new
//! shard, and a committed link is replaced, never written through. Two runs
//! writing at once each leave whole shards of their own; every entry is the
//! result of the very bytes its hash names, so whichever wins is right. The
//! folder must be a real directory (a link is refused); it holds a `.gitignore`
//! of `*` (checked on every run and rewritten whenever it is not exactly that,
//! so Git never offers the cache for commit) and a `CACHEDIR.TAG`. When those
//! cannot be written no shard stays; a shard that cannot be written is removed.
//! A cache that cannot be read, decoded or verified is treated as empty; one
//! that cannot be written is skipped: a cache never changes what a run reports.

mod entry;
mod indexed;

use std::borrow::Borrow;
use std::collections::{BTreeMap, HashMap};
use std::io::{Read as _, Write as _};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use rayon::prelude::*;
use xxhash_rust::xxh3::{xxh3_64, xxh3_128};

use crate::parsed::FileResult;

pub const DIR: &str = ".dvmlint-cache";
/// How many files the entries are spread over: a run that changed a few files
/// rewrites about 1/`SHARDS` of the cache per file (`docs/decisions/cache-format.md`).
pub const SHARDS: usize = 256;
/// The one file of the JSON caches (formats 1 and 2): removed when a cache is written.
const LEGACY_FILE: &str = "results.json";
/// Bumped when the stored layout changes in a way the build id would not catch
/// (5: structs keyed by field index, [`indexed`]; 6: a YAML tree one byte
/// string, `crate::yaml::wire`; 7: bodies compressed with LZ4, not zstd;
/// 8: results written field by field, [`entry`]; 9: an object's Template, a
/// StatefulSet without volumes; 10: no annotations in the metadata, a
/// Namespace's tree cut to what rules read; 11: the trees of Argo CD
/// Applications and ApplicationSets that install a chart with values kept,
/// `render::argo`).
const FORMAT: u32 = 11;
const MAGIC: &[u8; 8] = b"dvmlint\x00";
/// Magic, format (u32), settings key (32 hex digits), body length (u64), its
/// length decompressed (u64), MAC (32 bytes); integers little-endian.
const HEADER_LEN: usize = 8 + 4 + 32 + 8 + 8 + 32;
const GITIGNORE: &str = "# Created by dvmlint.\n*\n";
const CACHEDIR_TAG: &str = "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by dvmlint.\n";
/// How long before the run a file must last have been modified and changed for
/// its stamp to be trusted: more than any file system's timestamp granularity
/// (FAT's two seconds), so an edit after the stamp was taken changes it.
const STAMP_AGE: std::time::Duration = std::time::Duration::from_secs(3);
/// Temporary files older than this are left-overs of a run that was killed.
const STALE_TEMP: std::time::Duration = std::time::Duration::from_secs(3600);

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

/// What a run learnt of a file for its cache entry: the hash of the bytes its
/// result was made from, and its stamp when one could be trusted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seen {
    pub hash: u128,
    pub stamp: Option<u128>,
}

impl Seen {
    /// A file seen by its content hash only (no stamp).
    pub fn hashed(hash: u128) -> Seen {
        Seen { hash, stamp: None }
    }
}

/// What a stamp hashes: what changes whenever a file's bytes may have.
#[cfg(unix)]
fn stamp_of(meta: &std::fs::Metadata, started: std::time::SystemTime) -> Option<u128> {
    use std::os::unix::fs::MetadataExt as _;
    let oldest = started.checked_sub(STAMP_AGE)?;
    let before = |secs: i64, nanos: i64| {
        let at = u64::try_from(secs)
            .ok()
            .and_then(|secs| {
                std::time::UNIX_EPOCH.checked_add(std::time::Duration::from_secs(secs))
            })
            .and_then(|at| {
                at.checked_add(std::time::Duration::from_nanos(
                    u64::try_from(nanos).unwrap_or(0),
                ))
            });
        at.is_some_and(|at| at <= oldest)
    };
    // A file system that keeps no times (they read as the epoch) gives no
    // stamp: an edit would not change it.
    if !meta.is_file()
        || meta.mtime() <= 0
        || meta.ctime() <= 0
        || !before(meta.mtime(), meta.mtime_nsec())
        || !before(meta.ctime(), meta.ctime_nsec())
    {
        return None;
    }
    let mut fields = [0u8; 8 * 8];
    let values = [
        meta.dev(),
        meta.ino(),
        u64::from(meta.mode()),
        meta.size(),
        meta.mtime().cast_unsigned(),
        meta.mtime_nsec().cast_unsigned(),
        meta.ctime().cast_unsigned(),
        meta.ctime_nsec().cast_unsigned(),
    ];
    for (chunk, value) in fields.chunks_exact_mut(8).zip(values) {
        chunk.copy_from_slice(&value.to_le_bytes());
    }
    // 0 is "no stamp" in a shard.
    Some(xxh3_128(&fields).max(1))
}

#[cfg(not(unix))]
fn stamp_of(_meta: &std::fs::Metadata, _started: std::time::SystemTime) -> Option<u128> {
    None
}

/// The shard holding the entry of `rel`.
pub fn shard_of(rel: &str) -> usize {
    // The remainder is below SHARDS, so it fits.
    (xxh3_64(rel.as_bytes()) % SHARDS as u64) as usize
}

/// The file name of shard `index`.
pub fn shard_name(index: usize) -> String {
    format!("results-{index:02x}.bin")
}

fn is_shard_name(name: &str) -> bool {
    name.strip_prefix("results-")
        .and_then(|rest| rest.strip_suffix(".bin"))
        .is_some_and(|hex| hex.len() == 2 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// A note on stderr: the cache was not used, and why.
fn note(message: &str) {
    eprintln!("dvmlint: note: cache: {message}");
}

/// The folder of this machine's cache key: outside every project.
fn key_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|home| PathBuf::from(home).join(".cache"))
        })?;
    Some(base.join("dvmlint"))
}

/// This machine's secret for signing caches: 32 random bytes, made on first
/// use (exclusively, mode 0600; a concurrent first run's key wins).
pub fn machine_key() -> Result<[u8; 32], String> {
    let dir = key_dir().ok_or("no home folder to keep a key in")?;
    let path = dir.join("machine-key");
    let read = |path: &Path| -> Option<[u8; 32]> {
        let bytes = crate::boundary::read_named(path, 64).ok()?;
        <[u8; 32]>::try_from(bytes.as_slice()).ok()
    };
    if let Some(key) = read(&path) {
        return Ok(key);
    }
    let fail = |err: std::io::Error| format!("cannot keep a key in {}: {err}", dir.display());
    create_private_dir_all(&dir).map_err(fail)?;
    let mut key = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut random| random.read_exact(&mut key))
        .map_err(fail)?;
    let mut temp = tempfile::Builder::new()
        .prefix("machine-key.")
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(fail)?;
    temp.write_all(&key).map_err(fail)?;
    temp.as_file().sync_all().map_err(fail)?;
    match temp.persist_noclobber(&path) {
        Ok(_) => Ok(key),
        Err(_) => read(&path).ok_or_else(|| format!("cannot read the key {}", path.display())),
    }
}

fn create_private_dir_all(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(dir)
}

fn mac(key: &[u8; 32], settings: &str, body: &[u8]) -> String {
    let mut hasher = blake3::Hasher::new_keyed(key);
    hasher.update(settings.as_bytes());
    hasher.update(b"\n");
    hasher.update(body);
    hasher.finalize().to_hex().to_string()
}

/// The MAC of a shard: over everything its header says and its body.
fn shard_mac(
    key: &[u8; 32],
    settings: &[u8],
    name: &str,
    raw_len: u64,
    body: &[u8],
) -> blake3::Hash {
    let mut hasher = blake3::Hasher::new_keyed(key);
    hasher.update(MAGIC);
    hasher.update(&FORMAT.to_le_bytes());
    hasher.update(settings);
    hasher.update(name.as_bytes());
    hasher.update(&(body.len() as u64).to_le_bytes());
    hasher.update(&raw_len.to_le_bytes());
    hasher.update(body);
    hasher.finalize()
}

/// A shard's entries by path (`foldhash`: the names are the project's own,
/// looked up once per file, so not worth SipHash's resistance to flooding);
/// each name the very one its result (and that result's objects) holds.
type SlotIndex = HashMap<Arc<str>, Slot, foldhash::fast::RandomState>;

/// One entry of a shard, decoded when the shard is read.
struct Slot {
    hash: u128,
    /// 0 when its file had no stamp.
    stamp: u128,
    /// Taken by the file that asks for it (once: a second file of the same
    /// name, found twice, is analysed afresh); `None` also when the entry did
    /// not decode or failed its checks. Boxed where it is decoded, the box the
    /// per-file stage keeps: a slot is 48 bytes, not 160 with the result in
    /// place (a shard's table holds one in every bucket, empty or not, until
    /// the run ends: 256 tables of 512 buckets at 100,000 files).
    result: Mutex<Option<Box<FileResult>>>,
}

/// Where an entry lies in its shard's decompressed body.
struct Entry {
    rel: Arc<str>,
    hash: u128,
    stamp: u128,
    range: Range<usize>,
}

/// One shard, read on first use.
///
/// Its entries are all decoded when it is read, and its decompressed body
/// freed at once. Decoding each entry only when its file asked for it kept
/// every body alive until the end of the walk (a shard holds files from all
/// over the project, so all of them were read early and finished late): the
/// size of the whole cache decompressed, beside the results decoded from it,
/// and fresh memory costs time on a VM (docs/performance.md).
#[derive(Default)]
struct Shard {
    index: SlotIndex,
    /// The file held no usable shard for these settings (missing, stale,
    /// discarded) or one of its entries failed its checks: rewritten by
    /// [`Cache::store`] even if this run's files all hit.
    stale: AtomicBool,
}

impl Shard {
    fn stale() -> Shard {
        Shard {
            stale: AtomicBool::new(true),
            ..Shard::default()
        }
    }
}

/// Why a shard on disk was not used (a note on stderr, once per reason).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Discarded {
    Unreadable,
    NotACache,
    Unsigned,
    BadEntries,
}

impl Discarded {
    fn reason(self) -> &'static str {
        match self {
            Discarded::Unreadable => "unreadable (not a regular file, or too large)",
            Discarded::NotACache => "not a cache this version wrote",
            Discarded::Unsigned => {
                "not signed by this machine (committed, copied, altered or cut short)"
            }
            Discarded::BadEntries => {
                "entries discarded (undecodable, a name outside the project or its shard, or findings about another file)"
            }
        }
    }
}

/// The cache of one project root: opened at the start of a run, read lazily by
/// the per-file stage ([`Cache::get`]), brought up to date after it
/// ([`Cache::store`]).
pub struct Cache {
    dir: PathBuf,
    key: String,
    machine_key: [u8; 32],
    /// The folder is there (else every shard is missing).
    present: bool,
    /// The folder is not a real one (a link or a file): neither read nor written.
    refused: bool,
    /// Which shard files the folder held when the run started.
    on_disk: Vec<bool>,
    shards: Vec<OnceLock<Shard>>,
    discarded: Mutex<BTreeMap<Discarded, Vec<usize>>>,
    /// When the run opened the cache: stamps are of files older than this.
    started: std::time::SystemTime,
}

impl Cache {
    /// Opens `<root>/.dvmlint-cache/`, reading no shard yet; `None` (with a
    /// note) when no machine key can be kept.
    pub fn open(root: &Path, key: String) -> Option<Cache> {
        let machine_key = machine_key()
            .inspect_err(|err| note(&format!("off: {err}")))
            .ok()?;
        Some(Cache::at(root.join(DIR), key, machine_key))
    }

    /// The cache in `dir`, signed with `machine_key`.
    fn at(dir: PathBuf, key: String, machine_key: [u8; 32]) -> Cache {
        let mut on_disk = vec![false; SHARDS];
        let (present, refused) = match std::fs::symlink_metadata(&dir) {
            Ok(meta) if meta.is_dir() => (true, false),
            Ok(_) => {
                note(&format!(
                    "{DIR} is not a real folder (a link or a file): not read, not written"
                ));
                (false, true)
            }
            Err(_) => (false, false),
        };
        if present && let Ok(entries) = std::fs::read_dir(&dir) {
            for entry in entries.flatten() {
                let name = entry.file_name();
                let Some(name) = name.to_str().filter(|name| is_shard_name(name)) else {
                    continue;
                };
                let index = name
                    .get(8..10)
                    .and_then(|hex| usize::from_str_radix(hex, 16).ok());
                if let Some(slot) = index.and_then(|index| on_disk.get_mut(index)) {
                    *slot = true;
                }
            }
        }
        Cache {
            dir,
            key,
            machine_key,
            present,
            refused,
            on_disk,
            shards: (0..SHARDS).map(|_| OnceLock::new()).collect(),
            discarded: Mutex::new(BTreeMap::new()),
            started: std::time::SystemTime::now(),
        }
    }

    /// The stamp of the file at `path` (not followed if a link: a link has
    /// none), if it can be trusted: see the module's documentation.
    pub fn stamp(&self, path: &Path) -> Option<u128> {
        stamp_of(&std::fs::symlink_metadata(path).ok()?, self.started)
    }

    /// The stored result of `rel` and what it was stored with, if its stamp is
    /// still `stamp`: the file is not read.
    pub fn get_stamped(&self, rel: &str, stamp: u128) -> Option<(Box<FileResult>, Seen)> {
        let slot = self.shard(shard_of(rel))?.index.get(rel)?;
        if slot.stamp != stamp {
            return None;
        }
        let seen = Seen {
            hash: slot.hash,
            stamp: Some(stamp),
        };
        take(slot).map(|result| (result, seen))
    }

    /// The stored result of `rel`, if its content hash is still `hash`. The
    /// first call for a shard reads and checks it (on the calling worker).
    pub fn get(&self, rel: &str, hash: u128) -> Option<Box<FileResult>> {
        let slot = self.shard(shard_of(rel))?.index.get(rel)?;
        if slot.hash != hash {
            return None;
        }
        take(slot)
    }

    fn shard(&self, index: usize) -> Option<&Shard> {
        let cell = self.shards.get(index)?;
        Some(cell.get_or_init(|| {
            if !self.on_disk.get(index).copied().unwrap_or(false) {
                return Shard::stale();
            }
            self.load(index).unwrap_or_else(|why| {
                if let Some(why) = why {
                    self.discard(index, why);
                }
                Shard::stale()
            })
        }))
    }

    fn discard(&self, index: usize, why: Discarded) {
        if let Ok(mut discarded) = self.discarded.lock() {
            discarded.entry(why).or_default().push(index);
        }
    }

    /// Shard `index` as this machine wrote it under these settings; `Err(None)`
    /// when it is silently stale (another version or other settings).
    fn load(&self, index: usize) -> Result<Shard, Option<Discarded>> {
        let name = shard_name(index);
        let cap = crate::boundary::CACHE_CAP;
        let (file, meta) = crate::boundary::open_regular(&self.dir.join(&name), false)
            .map_err(|_| Some(Discarded::Unreadable))?;
        if meta.len() > cap {
            return Err(Some(Discarded::Unreadable));
        }
        let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
        file.take(cap)
            .read_to_end(&mut bytes)
            .map_err(|_| Some(Discarded::Unreadable))?;
        let header = bytes.get(..HEADER_LEN).ok_or(Some(Discarded::NotACache))?;
        let field = |range: Range<usize>| header.get(range).unwrap_or_default();
        let le_u64 = |range: Range<usize>| {
            <[u8; 8]>::try_from(field(range)).map_or(u64::MAX, u64::from_le_bytes)
        };
        if field(0..8) != MAGIC {
            return Err(Some(Discarded::NotACache));
        }
        if field(8..12) != FORMAT.to_le_bytes() || field(12..44) != self.key.as_bytes() {
            return Err(None);
        }
        let body_len = le_u64(44..52);
        let raw_len = le_u64(52..60);
        let stored_mac =
            <[u8; 32]>::try_from(field(60..92)).map_err(|_| Some(Discarded::NotACache))?;
        let body = bytes.get(HEADER_LEN..).unwrap_or_default();
        let expected = shard_mac(&self.machine_key, self.key.as_bytes(), &name, raw_len, body);
        // `blake3::Hash` compares in constant time.
        if body.len() as u64 != body_len || expected != blake3::Hash::from(stored_mac) {
            return Err(Some(Discarded::Unsigned));
        }
        let raw_len = usize::try_from(raw_len)
            .ok()
            .filter(|len| *len as u64 <= cap)
            .ok_or(Some(Discarded::BadEntries))?;
        let raw = decompress(body, raw_len).ok_or(Some(Discarded::BadEntries))?;
        let entries = parse_entries(&raw, index).ok_or(Some(Discarded::BadEntries))?;
        let mut bad = false;
        // The entries refer to the strings of those before them
        // (`entry::Shared`): once one does not decode, none after it is read.
        let mut unreadable = false;
        let mut slots = SlotIndex::default();
        let mut shared = entry::Shared::default();
        slots.reserve(entries.len());
        for entry in entries {
            let decoded = if unreadable {
                None
            } else {
                raw.get(entry.range)
                    .and_then(|bytes| entry::decode(bytes, Arc::clone(&entry.rel), &mut shared))
            };
            unreadable |= decoded.is_none();
            let result = decoded
                .filter(|result| is_valid(&entry.rel, result))
                .map(Box::new);
            bad |= result.is_none();
            slots.insert(
                entry.rel,
                Slot {
                    hash: entry.hash,
                    stamp: entry.stamp,
                    result: Mutex::new(result),
                },
            );
        }
        if bad {
            self.discard(index, Discarded::BadEntries);
        }
        Ok(Shard {
            index: slots,
            stale: AtomicBool::new(bad),
        })
    }

    /// Brings the cache up to date with `results` (those with a content hash
    /// in `hashes`, which runs beside them, and holding no secret): each
    /// shard whose stored entries are not exactly these is rewritten, each
    /// shard holding none of them removed, the others left alone.
    pub fn store<R: Borrow<FileResult> + Sync>(&self, results: &[R], seen: &[Option<Seen>]) {
        self.note_discarded();
        if self.refused {
            return;
        }
        let mut wanted: Vec<Vec<usize>> = vec![Vec::new(); SHARDS];
        for (at, (result, seen)) in results.iter().map(Borrow::borrow).zip(seen).enumerate() {
            if seen.is_some()
                && is_storable(result)
                && let Some(list) = wanted.get_mut(shard_of(&result.rel))
            {
                list.push(at);
            }
        }
        let plans: Vec<Plan> = wanted
            .iter()
            .enumerate()
            .map(|(index, entries)| self.plan(index, entries, results, seen))
            .collect();
        let changes = plans.iter().any(|plan| *plan != Plan::Keep)
            || (self.present && std::fs::symlink_metadata(self.dir.join(LEGACY_FILE)).is_ok());
        if !changes && !self.present {
            return;
        }
        // Best effort: a read-only checkout still lints.
        if let Err(err) = self.write(&plans, &wanted, results, seen, changes) {
            note(&format!("not written: {err}"));
        }
    }

    fn plan<R: Borrow<FileResult>>(
        &self,
        index: usize,
        entries: &[usize],
        results: &[R],
        seen: &[Option<Seen>],
    ) -> Plan {
        if entries.is_empty() {
            return if self.on_disk.get(index).copied().unwrap_or(false) {
                Plan::Remove
            } else {
                Plan::Keep
            };
        }
        let Some(shard) = self.shard(index) else {
            return Plan::Write;
        };
        let same = !shard.stale.load(Ordering::Relaxed)
            && shard.index.len() == entries.len()
            && entries.iter().all(|&at| {
                let stored = results
                    .get(at)
                    .and_then(|result| shard.index.get(&*result.borrow().rel));
                stored.is_some_and(|slot| {
                    seen.get(at).copied().flatten()
                        == Some(Seen {
                            hash: slot.hash,
                            stamp: (slot.stamp != 0).then_some(slot.stamp),
                        })
                })
            });
        if same { Plan::Keep } else { Plan::Write }
    }

    fn note_discarded(&self) {
        let Ok(discarded) = self.discarded.lock() else {
            return;
        };
        for (why, shards) in discarded.iter() {
            let mut shards = shards.clone();
            shards.sort_unstable();
            shards.dedup();
            let first = shards
                .first()
                .map(|&index| shard_name(index))
                .unwrap_or_default();
            let more = match shards.len() {
                0 | 1 => String::new(),
                n => format!(" and {} more", n - 1),
            };
            note(&format!("{DIR}/{first}{more} discarded: {}", why.reason()));
        }
    }

    fn write<R: Borrow<FileResult> + Sync>(
        &self,
        plans: &[Plan],
        wanted: &[Vec<usize>],
        results: &[R],
        seen: &[Option<Seen>],
        changes: bool,
    ) -> std::io::Result<()> {
        let created = real_dir(&self.dir)?;
        // The ignore file first, on every run: the results never lie there unignored.
        let ignored =
            replace_unless_equal(&self.dir, ".gitignore", GITIGNORE.as_bytes()).and_then(|()| {
                replace_unless_equal(&self.dir, "CACHEDIR.TAG", CACHEDIR_TAG.as_bytes())
            });
        if let Err(err) = ignored {
            if created {
                let _ = std::fs::remove_dir_all(&self.dir);
            } else {
                remove_every_shard(&self.dir);
            }
            return Err(err);
        }
        if !changes {
            return Ok(());
        }
        remove_stale_temporaries(&self.dir);
        // A link or a file, removed as such; a folder of that name is left.
        let _ = std::fs::remove_file(self.dir.join(LEGACY_FILE));
        let failures: Vec<std::io::Error> = plans
            .par_iter()
            .zip(wanted)
            .enumerate()
            .filter_map(|(index, (plan, entries))| {
                let path = self.dir.join(shard_name(index));
                match plan {
                    Plan::Keep => None,
                    Plan::Remove => std::fs::remove_file(&path)
                        .err()
                        .filter(|err| err.kind() != std::io::ErrorKind::NotFound),
                    Plan::Write => {
                        let written = self.write_shard(index, entries, results, seen);
                        if written.is_err() {
                            // No stale shard stays in its place.
                            let _ = std::fs::remove_file(&path);
                        }
                        written.err()
                    }
                }
            })
            .collect();
        match failures.into_iter().next() {
            Some(err) => Err(err),
            None => Ok(()),
        }
    }

    fn write_shard<R: Borrow<FileResult>>(
        &self,
        index: usize,
        entries: &[usize],
        results: &[R],
        seen: &[Option<Seen>],
    ) -> std::io::Result<()> {
        let pairs = entries.iter().filter_map(|&at| {
            let result = results.get(at)?.borrow();
            let seen = seen.get(at).copied().flatten()?;
            Some((result, seen))
        });
        let raw = encode_entries(pairs)?;
        let body = lz4_flex::block::compress(&raw);
        let name = shard_name(index);
        let raw_len = raw.len() as u64;
        let mac = shard_mac(
            &self.machine_key,
            self.key.as_bytes(),
            &name,
            raw_len,
            &body,
        );
        let mut header = Vec::with_capacity(HEADER_LEN);
        header.extend_from_slice(MAGIC);
        header.extend_from_slice(&FORMAT.to_le_bytes());
        header.extend_from_slice(self.key.as_bytes());
        header.extend_from_slice(&(body.len() as u64).to_le_bytes());
        header.extend_from_slice(&raw_len.to_le_bytes());
        header.extend_from_slice(mac.as_bytes());
        if header.len() != HEADER_LEN {
            return Err(std::io::Error::other(
                "settings key of an unexpected length",
            ));
        }
        let mut temp = temporary(&self.dir, &name)?;
        temp.write_all(&header)?;
        temp.write_all(&body)?;
        temp.flush()?;
        temp.persist(self.dir.join(&name))
            .map(drop)
            .map_err(|err| err.error)
    }
}

/// What [`Cache::store`] does with one shard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Plan {
    Keep,
    Write,
    Remove,
}

/// A shard's body before compression: for each entry its path (u32 length,
/// UTF-8), its content hash (u128), its stamp (u128, 0 for none), its result
/// (u32 length, then as [`entry`] writes it); integers little-endian.
fn encode_entries<'r>(
    entries: impl Iterator<Item = (&'r FileResult, Seen)>,
) -> std::io::Result<Vec<u8>> {
    let too_long = || std::io::Error::other("an entry over 4 GiB");
    let mut raw = Vec::new();
    let mut data = Vec::new();
    let mut strings = entry::Strings::default();
    for (result, seen) in entries {
        data.clear();
        entry::encode(result, &mut data, &mut strings).map_err(std::io::Error::other)?;
        let rel = result.rel.as_bytes();
        raw.extend_from_slice(
            &u32::try_from(rel.len())
                .map_err(|_| too_long())?
                .to_le_bytes(),
        );
        raw.extend_from_slice(rel);
        raw.extend_from_slice(&seen.hash.to_le_bytes());
        raw.extend_from_slice(&seen.stamp.unwrap_or(0).to_le_bytes());
        raw.extend_from_slice(
            &u32::try_from(data.len())
                .map_err(|_| too_long())?
                .to_le_bytes(),
        );
        raw.extend_from_slice(&data);
    }
    Ok(raw)
}

/// The entries of shard `shard`'s body; `None` if it does not read as
/// [`encode_entries`] wrote it, or names a path that is not the project's or
/// not this shard's.
fn parse_entries(raw: &[u8], shard: usize) -> Option<Vec<Entry>> {
    let entries = frames(raw)?;
    entries
        .iter()
        .all(|entry| is_project_name(&entry.rel) && shard_of(&entry.rel) == shard)
        .then_some(entries)
}

/// The entries of a body as [`encode_entries`] framed them, unchecked.
fn frames(raw: &[u8]) -> Option<Vec<Entry>> {
    let mut entries = Vec::new();
    let mut at = 0usize;
    let take = |at: &mut usize, len: usize| -> Option<Range<usize>> {
        let end = at.checked_add(len)?;
        (end <= raw.len()).then(|| std::mem::replace(at, end)..end)
    };
    let u32_at = |at: &mut usize| -> Option<usize> {
        let bytes = raw.get(take(at, 4)?)?;
        usize::try_from(u32::from_le_bytes(bytes.try_into().ok()?)).ok()
    };
    while at < raw.len() {
        let rel_len = u32_at(&mut at)?;
        let rel = std::str::from_utf8(raw.get(take(&mut at, rel_len)?)?).ok()?;
        let hash = u128::from_le_bytes(raw.get(take(&mut at, 16)?)?.try_into().ok()?);
        let stamp = u128::from_le_bytes(raw.get(take(&mut at, 16)?)?.try_into().ok()?);
        let data_len = u32_at(&mut at)?;
        let range = take(&mut at, data_len)?;
        entries.push(Entry {
            rel: Arc::from(rel),
            hash,
            stamp,
            range,
        });
    }
    Some(entries)
}

/// A shard's body as an author who knows the format reads and rewrites it
/// (`tests/security.rs` plays one): each entry's result with its content hash
/// and stamp as stored (32 bytes). Not used by dvmlint itself.
#[doc(hidden)]
pub mod format {
    use super::{Entry, FileResult, Seen, encode_entries, entry, frames};

    /// The entries of a decompressed body, unchecked; `None` if it does not
    /// read as dvmlint writes it.
    pub fn read_body(raw: &[u8]) -> Option<Vec<(FileResult, [u8; 32])>> {
        let mut shared = entry::Shared::default();
        frames(raw)?
            .into_iter()
            .map(
                |Entry {
                     rel,
                     hash,
                     stamp,
                     range,
                 }| {
                    let result = entry::decode(raw.get(range)?, rel, &mut shared)?;
                    let mut stored = [0u8; 32];
                    stored[..16].copy_from_slice(&hash.to_le_bytes());
                    stored[16..].copy_from_slice(&stamp.to_le_bytes());
                    Some((result, stored))
                },
            )
            .collect()
    }

    /// A body of these entries (each under its result's `rel`), uncompressed.
    pub fn write_body(entries: &[(FileResult, [u8; 32])]) -> std::io::Result<Vec<u8>> {
        let half = |bytes: &[u8]| u128::from_le_bytes(bytes.try_into().unwrap_or_default());
        encode_entries(entries.iter().map(|(result, stored)| {
            let stamp = half(&stored[16..]);
            let seen = Seen {
                hash: half(&stored[..16]),
                stamp: (stamp != 0).then_some(stamp),
            };
            (result, seen)
        }))
    }
}

/// A shard's body decompressed: exactly `raw_len` bytes (the length its signed
/// header states), or `None` when the body does not decode to that many
/// (LZ4 block format; `lz4_flex`'s decoder without unsafe code,
/// `safe-decode`, so a damaged body is an error, never a read out of bounds;
/// the body's MAC is checked before it gets here, and the output is a fresh
/// zeroed buffer, never one reused).
///
/// LZ4, not zstd (format 7): on the 100,000-file small corpus zstd's
/// decompression was 8.7% of a warm run's instructions (400 M), LZ4's is
/// 5.0% (217 M), for a cache of 18.3% of the input instead of 13.0%
/// (`docs/decisions/cache-format.md`).
fn decompress(body: &[u8], raw_len: usize) -> Option<Vec<u8>> {
    let mut raw = vec![0u8; raw_len];
    let written = lz4_flex::block::decompress_into(body, &mut raw).ok()?;
    (written == raw_len).then_some(raw)
}

/// The result a slot holds, taken out of it.
fn take(slot: &Slot) -> Option<Box<FileResult>> {
    slot.result
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .take()
}

/// Removes every shard in `dir` (links and files as such).
fn remove_every_shard(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_str().is_some_and(is_shard_name) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A name the walk can give: relative, inside the project (checked for every
/// entry of every shard read, so on bytes rather than through `Path`).
fn is_project_name(rel: &str) -> bool {
    !rel.is_empty()
        && rel
            .as_bytes()
            .split(|&b| b == b'/')
            .all(|part| !matches!(part, b"" | b"." | b".."))
}

/// What may be stored: a file inside the project that holds no secret.
fn is_storable(result: &FileResult) -> bool {
    is_project_name(&result.rel) && holds_no_secret(result)
}

fn holds_no_secret(result: &FileResult) -> bool {
    result
        .extras
        .as_deref()
        .is_none_or(|extras| extras.secrets.is_empty() && extras.secret_spans.is_empty())
}

/// A stored entry is about its own file only (`rel`, a name of the project:
/// [`parse_entries`] checked it).
fn is_valid(rel: &str, result: &FileResult) -> bool {
    *result.rel == *rel
        && holds_no_secret(result)
        && result
            .findings
            .iter()
            .all(|f| *f.location.file == *rel && f.related.iter().all(|r| *r.location.file == *rel))
}

/// Makes sure `dir` is a real folder (never a link), creating it (mode 0700)
/// if missing; says whether this call created it.
fn real_dir(dir: &Path) -> std::io::Result<bool> {
    match std::fs::symlink_metadata(dir) {
        Ok(meta) if meta.is_dir() => Ok(false),
        Ok(_) => Err(std::io::Error::other(format!(
            "{DIR} is not a real folder (a link or a file)"
        ))),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            let mut builder = std::fs::DirBuilder::new();
            #[cfg(unix)]
            {
                use std::os::unix::fs::DirBuilderExt as _;
                builder.mode(0o700);
            }
            match builder.create(dir) {
                // Another run made it at the same moment: a real folder all the same.
                Err(err)
                    if err.kind() == std::io::ErrorKind::AlreadyExists
                        && std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir()) =>
                {
                    return Ok(false);
                }
                Err(err) => return Err(err),
                Ok(()) => {}
            }
            // Created by this call, not raced into place as a link.
            if std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir()) {
                Ok(true)
            } else {
                Err(std::io::Error::other(format!("{DIR} changed under us")))
            }
        }
        Err(err) => Err(err),
    }
}

/// A temporary file beside `name`: created exclusively, mode 0600, with an
/// unpredictable name (`name.XXXXXX.tmp`), removed unless persisted.
fn temporary(dir: &Path, name: &str) -> std::io::Result<tempfile::NamedTempFile> {
    tempfile::Builder::new()
        .prefix(&format!("{name}."))
        .suffix(".tmp")
        .tempfile_in(dir)
}

/// Writes `dir/name` unless it is already a regular file holding `bytes`; by
/// rename, so a link there is replaced, never written through.
fn replace_unless_equal(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let path = dir.join(name);
    let same = crate::boundary::open_regular(&path, false)
        .ok()
        .filter(|(_, meta)| meta.len() == bytes.len() as u64)
        .and_then(|(mut file, _)| {
            let mut current = Vec::new();
            file.read_to_end(&mut current).ok().map(|_| current)
        })
        .is_some_and(|current| current == bytes);
    if same {
        return Ok(());
    }
    let mut temp = temporary(dir, name)?;
    temp.write_all(bytes)?;
    temp.flush()?;
    temp.persist(&path).map(drop).map_err(|err| err.error)
}

/// Removes the temporary files of runs that were killed (ours are
/// `<name>.XXXXXX.tmp`; older versions' `<name>.<pid>.tmp`). A link is removed
/// as a link.
fn remove_stale_temporaries(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let now = std::time::SystemTime::now();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !name.ends_with(".tmp") {
            continue;
        }
        let old = std::fs::symlink_metadata(entry.path())
            .and_then(|meta| meta.modified())
            .is_ok_and(|modified| {
                now.duration_since(modified)
                    .is_ok_and(|age| age > STALE_TEMP)
            });
        let link = entry.file_type().is_ok_and(|t| t.is_symlink());
        if old || link {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// A file of its own in the cache folder `dir` (tool versions of
/// `crate::render`), written like the results: into a real folder (never
/// through a link), by an exclusive temporary file and a rename, beside the
/// `.gitignore` that keeps it out of Git; its first line is a MAC of its name
/// and bytes under this machine's key, so [`read_signed`] never trusts a file
/// the repository brought.
pub fn write_signed(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let machine_key = machine_key().map_err(std::io::Error::other)?;
    let head = mac(&machine_key, name, bytes);
    write_entry(dir, name, &[head.as_bytes(), b"\n", bytes])
}

/// The bytes of a file [`write_signed`] wrote on this machine: `None` when it
/// is missing, a link, over the cache's size cap, or its MAC does not hold.
pub fn read_signed(dir: &Path, name: &str) -> Option<Vec<u8>> {
    let machine_key = machine_key().ok()?;
    let bytes = read_entry(dir, name)?;
    let at = memchr::memchr(b'\n', &bytes)?;
    let (head, body) = (bytes.get(..at)?, bytes.get(at + 1..)?);
    let expected = mac(&machine_key, name, body);
    constant_time_eq(expected.as_bytes(), head).then(|| body.to_vec())
}

/// What opens a sealed entry: the format, then the nonce.
const SEALED: &[u8] = b"dvmlint sealed 1\n";

/// Writes `bytes` as [`write_signed`] does, but compressed (LZ4, after its
/// length) and sealed: encrypted and authenticated (XChaCha20-Poly1305, a
/// random nonce, the entry's name as associated data) under a key derived from
/// this machine's. A render output may hold a Secret's values or a proxy
/// password; sealed, no file of the project's cache holds them, and a warm run
/// still renders nothing.
pub fn write_sealed(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    use chacha20poly1305::aead::{Aead as _, Payload};
    let cipher = sealing_cipher().map_err(std::io::Error::other)?;
    let mut nonce = chacha20poly1305::XNonce::default();
    std::fs::File::open("/dev/urandom")?.read_exact(&mut nonce)?;
    let mut plain = (bytes.len() as u64).to_le_bytes().to_vec();
    plain.extend_from_slice(&lz4_flex::block::compress(bytes));
    let sealed = cipher
        .encrypt(
            &nonce,
            Payload {
                msg: &plain,
                aad: name.as_bytes(),
            },
        )
        .map_err(|_| std::io::Error::other("cannot seal a cache entry"))?;
    write_entry(dir, name, &[SEALED, nonce.as_slice(), &sealed])
}

/// The bytes of an entry [`write_sealed`] wrote on this machine: `None` when
/// it is missing, a link, over the cap, or does not open under this machine's
/// key (another machine's, altered, truncated, or committed to the repository).
pub fn read_sealed(dir: &Path, name: &str) -> Option<Vec<u8>> {
    use chacha20poly1305::aead::{Aead as _, Payload};
    let cipher = sealing_cipher().ok()?;
    let bytes = read_entry(dir, name)?;
    let rest = bytes.strip_prefix(SEALED)?;
    let nonce_len = chacha20poly1305::XNonce::default().len();
    let (nonce, sealed) = (rest.get(..nonce_len)?, rest.get(nonce_len..)?);
    let plain = cipher
        .decrypt(
            chacha20poly1305::XNonce::from_slice(nonce),
            Payload {
                msg: sealed,
                aad: name.as_bytes(),
            },
        )
        .ok()?;
    let (len, body) = plain.split_first_chunk::<8>()?;
    let raw_len = u64::from_le_bytes(*len);
    if raw_len > crate::boundary::CACHE_CAP {
        return None;
    }
    decompress(body, usize::try_from(raw_len).ok()?)
}

/// The cipher of sealed entries: its key derived from this machine's (never
/// the signing key itself).
fn sealing_cipher() -> Result<chacha20poly1305::XChaCha20Poly1305, String> {
    use chacha20poly1305::aead::KeyInit as _;
    let key = blake3::derive_key("dvmlint 2026-12-06 sealed cache entries", &machine_key()?);
    Ok(chacha20poly1305::XChaCha20Poly1305::new(&key.into()))
}

/// Writes `dir/name` from `parts`: into a real folder, by an exclusive
/// temporary file and a rename, beside the `.gitignore` and `CACHEDIR.TAG`.
fn write_entry(dir: &Path, name: &str, parts: &[&[u8]]) -> std::io::Result<()> {
    real_dir(dir)?;
    replace_unless_equal(dir, ".gitignore", GITIGNORE.as_bytes())?;
    replace_unless_equal(dir, "CACHEDIR.TAG", CACHEDIR_TAG.as_bytes())?;
    let mut temp = temporary(dir, name)?;
    for part in parts {
        temp.write_all(part)?;
    }
    temp.flush()?;
    temp.persist(dir.join(name))
        .map(drop)
        .map_err(|err| err.error)
}

/// The bytes of `dir/name`: `None` when the folder is not a real one, the
/// file is missing, a link or over the cache's size cap.
fn read_entry(dir: &Path, name: &str) -> Option<Vec<u8>> {
    if !std::fs::symlink_metadata(dir).is_ok_and(|meta| meta.is_dir()) {
        return None;
    }
    let (file, meta) = crate::boundary::open_regular(&dir.join(name), false).ok()?;
    let cap = crate::boundary::CACHE_CAP;
    if meta.len() > cap {
        return None;
    }
    let mut bytes = Vec::new();
    file.take(cap).read_to_end(&mut bytes).ok()?;
    Some(bytes)
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
mod tests {
    use super::*;
    use crate::lint::file::{FileSettings, analyze_bytes};
    use crate::rules::RuleSet;
    use std::sync::Arc;

    const KEY: &str = "0123456789abcdef0123456789abcdef";

    /// Entries seen by their content hashes only.
    fn seen(hashes: &[Option<u128>]) -> Vec<Option<Seen>> {
        hashes.iter().map(|hash| hash.map(Seen::hashed)).collect()
    }

    /// Every file under `fixtures/` analysed as its own project file (their
    /// relative paths as names), with its content hash.
    fn fixture_results() -> (Vec<FileResult>, Vec<Option<u128>>) {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let rules = RuleSet::new(&[], &[]);
        let cluster: Arc<str> = Arc::from("source");
        let cluster_of = move |_: &str| Some(Arc::clone(&cluster));
        let settings = FileSettings::standalone(&rules, &cluster_of);
        let mut files = Vec::new();
        let mut stack = vec![root.clone()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                let name = entry.file_name().to_string_lossy().into_owned();
                if entry.file_type().unwrap().is_dir() {
                    if name != DIR {
                        stack.push(path);
                    }
                } else if [".yaml", ".yml", ".json"]
                    .iter()
                    .any(|ext| name.ends_with(ext))
                {
                    files.push(path);
                }
            }
        }
        files.sort();
        let mut results = Vec::new();
        let mut hashes = Vec::new();
        for path in files {
            // A dangling link some fixture holds on purpose.
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            let rel: Arc<str> = Arc::from(path.strip_prefix(&root).unwrap().to_str().unwrap());
            results.push(analyze_bytes(&rel, &bytes, &settings));
            hashes.push(Some(content_hash(&bytes)));
        }
        (results, hashes)
    }

    fn debug(result: &impl std::fmt::Debug) -> String {
        format!("{result:?}")
    }

    /// What `serde`'s attributes make hard for a binary format: an optional
    /// field left out when `None` (`skip_serializing_if`), an untagged enum
    /// (a NetworkPolicy's `port`), both values of each.
    fn unusual_results() -> Vec<FileResult> {
        use crate::finding::{Finding, Location, ObjectRef, RenderedFrom};
        let rel: Arc<str> = Arc::from("rendered/app.yaml");
        let mut finding = Finding::new(
            "DVM402",
            Location::new(&rel, crate::yaml::Span::default()),
            "m",
        );
        finding.object = Some(ObjectRef {
            api_version: "v1".into(),
            kind: "Service".into(),
            namespace: None,
            name: "n".into(),
        });
        finding.rendered = Some(RenderedFrom {
            tool: "helm".into(),
            source: "chart".into(),
            release: None,
            values: vec![],
        });
        let plain = FileResult {
            rel: Arc::clone(&rel),
            unit: None,
            findings: vec![finding.clone()],
            ..FileResult::default()
        };
        let mut with_unit = plain.clone();
        with_unit.unit = Some(3);
        with_unit.findings[0].object.as_mut().unwrap().namespace = Some("ns".into());
        with_unit.findings[0].rendered.as_mut().unwrap().release = Some("r".into());
        with_unit.findings[0].rendered.as_mut().unwrap().values = vec!["v.yaml".into()];
        vec![plain, with_unit]
    }

    #[test]
    fn every_fixture_result_round_trips_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let cache_dir = dir.path().join(DIR);
        let (mut results, mut hashes) = fixture_results();
        assert!(results.len() > 300, "{}", results.len());
        // The unusual ones under names of their own.
        for (i, mut result) in unusual_results().into_iter().enumerate() {
            let rel: Arc<str> = Arc::from(format!("rendered/app-{i}.yaml"));
            result.rel = Arc::clone(&rel);
            for finding in &mut result.findings {
                finding.location.file = Arc::clone(&rel);
            }
            results.push(result);
            hashes.push(Some(i as u128));
        }
        let network_policies = results
            .iter()
            .flat_map(|r| &r.objects)
            .filter(|o| o.network_policy().is_some())
            .count();
        assert!(network_policies > 50, "{network_policies}");
        Cache::at(cache_dir.clone(), KEY.into(), [7; 32]).store(&results, &seen(&hashes));
        let cache = Cache::at(cache_dir, KEY.into(), [7; 32]);
        let mut hits = 0;
        for (result, hash) in results.iter().zip(&hashes) {
            let got = cache.get(&result.rel, hash.unwrap());
            if is_storable(result) {
                assert_eq!(
                    got.as_ref().map(debug),
                    Some(debug(result)),
                    "{}",
                    result.rel
                );
                hits += 1;
            } else {
                assert!(got.is_none(), "a secret was stored: {}", result.rel);
            }
            // Another content: a miss.
            assert!(cache.get(&result.rel, hash.unwrap() ^ 1).is_none());
        }
        assert!(hits > 300, "{hits}");
    }

    /// A small cache of the first fixtures' results, and the shard holding most of them.
    fn small_cache(dir: &Path) -> (Vec<FileResult>, Vec<Option<u128>>, usize) {
        let (results, hashes) = fixture_results();
        let keep: Vec<usize> = (0..results.len())
            .filter(|&i| is_storable(&results[i]))
            .take(1500)
            .collect();
        let results: Vec<FileResult> = keep.iter().map(|&i| results[i].clone()).collect();
        let hashes: Vec<Option<u128>> = keep.iter().map(|&i| hashes[i]).collect();
        Cache::at(dir.to_path_buf(), KEY.into(), [7; 32]).store(&results, &seen(&hashes));
        let mut counts = vec![0; SHARDS];
        for result in &results {
            counts[shard_of(&result.rel)] += 1;
        }
        let fullest = (0..SHARDS).max_by_key(|&i| counts[i]).unwrap();
        (results, hashes, fullest)
    }

    /// The entries of shard `index` that a fresh cache in `dir` returns.
    fn hits_in(
        dir: &Path,
        key: [u8; 32],
        results: &[FileResult],
        hashes: &[Option<u128>],
        index: usize,
    ) -> usize {
        let cache = Cache::at(dir.to_path_buf(), KEY.into(), key);
        results
            .iter()
            .zip(hashes)
            .filter(|(r, _)| shard_of(&r.rel) == index)
            .filter(|(r, h)| {
                let got = cache.get(&r.rel, h.unwrap());
                // Never a wrong result: a hit is the very result stored.
                if let Some(got) = &got {
                    assert_eq!(debug(got), debug(r));
                }
                got.is_some()
            })
            .count()
    }

    #[test]
    fn a_truncated_or_altered_shard_is_a_miss_for_its_entries_never_a_crash() {
        let dir = tempfile::tempdir().unwrap();
        let dir = dir.path().join(DIR);
        let (results, hashes, index) = small_cache(&dir);
        let path = dir.join(shard_name(index));
        let good = std::fs::read(&path).unwrap();
        let entries = hits_in(&dir, [7; 32], &results, &hashes, index);
        assert!(entries >= 3, "{entries}");
        let step = (good.len() / 150).max(1);
        for cut in (0..good.len())
            .step_by(step)
            .chain([HEADER_LEN - 1, HEADER_LEN, good.len() - 1])
        {
            std::fs::write(&path, &good[..cut]).unwrap();
            assert_eq!(
                hits_in(&dir, [7; 32], &results, &hashes, index),
                0,
                "cut at {cut}"
            );
        }
        for at in (0..good.len()).step_by(step).chain(0..HEADER_LEN) {
            let mut bad = good.clone();
            bad[at] ^= 0x20;
            std::fs::write(&path, &bad).unwrap();
            assert_eq!(
                hits_in(&dir, [7; 32], &results, &hashes, index),
                0,
                "byte {at} flipped"
            );
        }
        // Garbage appended, another shard's bytes in its place.
        let mut longer = good.clone();
        longer.extend_from_slice(b"more");
        std::fs::write(&path, &longer).unwrap();
        assert_eq!(hits_in(&dir, [7; 32], &results, &hashes, index), 0);
        let other = (0..SHARDS)
            .find(|&i| i != index && dir.join(shard_name(i)).is_file())
            .unwrap();
        std::fs::copy(dir.join(shard_name(other)), &path).unwrap();
        assert_eq!(hits_in(&dir, [7; 32], &results, &hashes, index), 0);
        // The next store repairs it, and only it.
        let before = std::fs::read(dir.join(shard_name(other))).unwrap();
        let cache = Cache::at(dir.clone(), KEY.into(), [7; 32]);
        for (r, h) in results.iter().zip(&hashes) {
            cache.get(&r.rel, h.unwrap());
        }
        cache.store(&results, &seen(&hashes));
        assert_eq!(std::fs::read(&path).unwrap(), good);
        assert_eq!(std::fs::read(dir.join(shard_name(other))).unwrap(), before);
        assert_eq!(hits_in(&dir, [7; 32], &results, &hashes, index), entries);
    }

    #[test]
    fn another_machines_shards_are_misses_and_are_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let dir = dir.path().join(DIR);
        let (results, hashes, index) = small_cache(&dir);
        let theirs = Cache::at(dir.clone(), KEY.into(), [8; 32]);
        for (r, h) in results.iter().zip(&hashes) {
            assert!(theirs.get(&r.rel, h.unwrap()).is_none());
        }
        assert!(!theirs.discarded.lock().unwrap().is_empty());
        theirs.store(&results, &seen(&hashes));
        assert!(hits_in(&dir, [8; 32], &results, &hashes, index) > 0);
        assert_eq!(hits_in(&dir, [7; 32], &results, &hashes, index), 0);
        // Other settings: silently stale.
        let other = Cache::at(dir.clone(), "f".repeat(32), [8; 32]);
        assert!(other.get(&results[0].rel, hashes[0].unwrap()).is_none());
        assert!(other.discarded.lock().unwrap().is_empty());
    }

    #[test]
    fn a_signed_entry_about_another_file_or_shard_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let dir = dir.path().join(DIR);
        let mut results = unusual_results();
        // Its finding is about another file: stored (signed), refused when read.
        results[0].rel = Arc::from("a.yaml");
        results[1].rel = Arc::from("b.yaml");
        results[1].findings[0].location.file = Arc::from("b.yaml");
        let hashes = vec![Some(1), Some(2)];
        Cache::at(dir.clone(), KEY.into(), [7; 32]).store(&results, &seen(&hashes));
        let cache = Cache::at(dir.clone(), KEY.into(), [7; 32]);
        assert!(cache.get("a.yaml", 1).is_none());
        assert!(cache.get("b.yaml", 2).is_some());
        assert!(discarded_as(&cache, Discarded::BadEntries));
        // A body naming a path outside the project, or of another shard.
        let raw = encode_entries(std::iter::once((&results[1], Seen::hashed(2)))).unwrap();
        assert!(parse_entries(&raw, shard_of("b.yaml")).is_some());
        assert!(parse_entries(&raw, (shard_of("b.yaml") + 1) % SHARDS).is_none());
        let mut outside = results[1].clone();
        outside.rel = Arc::from("../b.yaml");
        let raw = encode_entries(std::iter::once((&outside, Seen::hashed(2)))).unwrap();
        assert!(parse_entries(&raw, shard_of("../b.yaml")).is_none());
        // Truncated framing.
        let raw = encode_entries(std::iter::once((&results[1], Seen::hashed(2)))).unwrap();
        for cut in 0..raw.len() {
            let parsed = parse_entries(&raw[..cut], shard_of("b.yaml"));
            assert!(cut == 0 || parsed.is_none(), "{cut}");
        }
    }

    /// Some shard of `cache` was discarded for `why`.
    fn discarded_as(cache: &Cache, why: Discarded) -> bool {
        cache.discarded.lock().unwrap().contains_key(&why)
    }

    /// A cache opened `later` after now: files written by the test are old to it.
    fn opened_later(dir: &Path, later: u64) -> Cache {
        let mut cache = Cache::at(dir.to_path_buf(), KEY.into(), [7; 32]);
        cache.started = std::time::SystemTime::now() + std::time::Duration::from_secs(later);
        cache
    }

    #[test]
    fn only_a_file_older_than_the_stamp_age_has_a_stamp() {
        let project = tempfile::tempdir().unwrap();
        let file = project.path().join("a.yaml");
        std::fs::write(&file, "kind: ConfigMap\n").unwrap();
        let dir = project.path().join(DIR);
        // Modified just now: an edit within the timestamp granularity could keep it.
        assert_eq!(opened_later(&dir, 0).stamp(&file), None);
        let stamp = opened_later(&dir, 10).stamp(&file);
        assert!(stamp.is_some());
        assert_eq!(opened_later(&dir, 10).stamp(&file), stamp);
        // A link has none (it is read through the project boundary instead).
        #[cfg(unix)]
        {
            let link = project.path().join("b.yaml");
            std::os::unix::fs::symlink(&file, &link).unwrap();
            assert_eq!(opened_later(&dir, 10).stamp(&link), None);
        }
        assert_eq!(
            opened_later(&dir, 10).stamp(&project.path().join("gone.yaml")),
            None
        );
        // Times that read as the epoch (a file system that keeps none): no stamp.
        std::fs::File::options()
            .write(true)
            .open(&file)
            .unwrap()
            .set_modified(std::time::UNIX_EPOCH)
            .unwrap();
        assert_eq!(opened_later(&dir, 10).stamp(&file), None);
    }

    #[test]
    fn a_stamped_entry_is_a_hit_until_any_stamped_field_of_its_file_changes() {
        let project = tempfile::tempdir().unwrap();
        let dir = project.path().join(DIR);
        let file = project.path().join("a.yaml");
        std::fs::write(&file, "kind: ConfigMap\n").unwrap();
        let mut results = unusual_results();
        results.truncate(1);
        results[0].rel = Arc::from("a.yaml");
        results[0].findings.clear();
        let cache = opened_later(&dir, 10);
        let stamp = cache.stamp(&file).unwrap();
        let seen = Seen {
            hash: 5,
            stamp: Some(stamp),
        };
        cache.store(&results, &[Some(seen)]);
        let cache = opened_later(&dir, 10);
        let (got, got_seen) = cache.get_stamped("a.yaml", stamp).unwrap();
        assert_eq!(debug(&got), debug(&results[0]));
        assert_eq!(got_seen, seen);
        // Found by its hash as well; another stamp is a miss.
        assert!(opened_later(&dir, 10).get("a.yaml", 5).is_some());
        assert!(
            opened_later(&dir, 10)
                .get_stamped("a.yaml", stamp ^ 1)
                .is_none()
        );
        // The same size and the same modification time written back: the
        // change time still moves, and so does the stamp.
        let modified = std::fs::metadata(&file).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&file, "kind: Configmap\n").unwrap();
        std::fs::File::options()
            .write(true)
            .open(&file)
            .unwrap()
            .set_modified(modified)
            .unwrap();
        let after = opened_later(&dir, 10).stamp(&file).unwrap();
        assert_ne!(after, stamp);
        assert!(
            opened_later(&dir, 10)
                .get_stamped("a.yaml", after)
                .is_none()
        );
        // A shard whose stamps changed is rewritten (the hash alone is the same).
        let cache = opened_later(&dir, 10);
        assert!(cache.get("a.yaml", 5).is_some());
        assert_eq!(
            cache.plan(shard_of("a.yaml"), &[0], &results, &[Some(seen)]),
            Plan::Keep
        );
        let newer = Seen {
            hash: 5,
            stamp: Some(after),
        };
        assert_eq!(
            cache.plan(shard_of("a.yaml"), &[0], &results, &[Some(newer)]),
            Plan::Write
        );
        cache.store(&results, &[Some(newer)]);
        assert!(
            opened_later(&dir, 10)
                .get_stamped("a.yaml", after)
                .is_some()
        );
    }

    #[test]
    fn a_shard_of_an_earlier_format_is_a_silent_miss_and_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let dir = dir.path().join(DIR);
        let (results, hashes, index) = small_cache(&dir);
        let path = dir.join(shard_name(index));
        let good = std::fs::read(&path).unwrap();
        let mut older = good.clone();
        older[8..12].copy_from_slice(&(FORMAT - 1).to_le_bytes());
        std::fs::write(&path, &older).unwrap();
        let cache = Cache::at(dir.clone(), KEY.into(), [7; 32]);
        for (r, h) in results.iter().zip(&hashes) {
            if shard_of(&r.rel) == index {
                assert!(cache.get(&r.rel, h.unwrap()).is_none());
            } else {
                assert!(cache.get(&r.rel, h.unwrap()).is_some());
            }
        }
        assert!(cache.discarded.lock().unwrap().is_empty());
        cache.store(&results, &seen(&hashes));
        assert_eq!(std::fs::read(&path).unwrap(), good);
    }

    /// What every bucket of a shard's table costs, whether it holds an entry or not.
    #[test]
    fn a_slot_stays_small() {
        assert!(
            std::mem::size_of::<Slot>() <= 48,
            "{}",
            std::mem::size_of::<Slot>()
        );
    }

    #[test]
    fn a_shard_is_decoded_once_and_each_entry_taken_once() {
        let dir = tempfile::tempdir().unwrap();
        let dir = dir.path().join(DIR);
        let (results, hashes, index) = small_cache(&dir);
        let cache = Cache::at(dir.clone(), KEY.into(), [7; 32]);
        let mine: Vec<(usize, &FileResult)> = results
            .iter()
            .enumerate()
            .filter(|(_, r)| shard_of(&r.rel) == index)
            .collect();
        assert!(mine.len() >= 3);
        for (at, result) in &mine {
            // A miss by hash takes nothing.
            assert!(cache.get(&result.rel, hashes[*at].unwrap() ^ 1).is_none());
            let got = cache.get(&result.rel, hashes[*at].unwrap()).unwrap();
            assert_eq!(debug(&got), debug(result));
        }
        // Asked again (the same name found twice): a plain miss, not a bad shard.
        let (at, result) = mine[0];
        assert!(cache.get(&result.rel, hashes[at].unwrap()).is_none());
        assert!(cache.discarded.lock().unwrap().is_empty());
        assert!(!cache.shard(index).unwrap().stale.load(Ordering::Relaxed));
        // The shard is kept as it is when every entry was this run's.
        let before = std::fs::read(dir.join(shard_name(index))).unwrap();
        cache.store(&results, &seen(&hashes));
        assert_eq!(std::fs::read(dir.join(shard_name(index))).unwrap(), before);
        assert_eq!(hits_in(&dir, [7; 32], &results, &hashes, index), mine.len());
    }

    #[test]
    fn once_a_signed_entry_does_not_decode_none_after_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let dir = dir.path().join(DIR);
        let (results, hashes, index) = small_cache(&dir);
        let name = shard_name(index);
        let path = dir.join(&name);
        let good = std::fs::read(&path).unwrap();
        let raw_len = u64::from_le_bytes(good[52..60].try_into().unwrap());
        let mut raw = decompress(&good[HEADER_LEN..], raw_len as usize).unwrap();
        let entries = frames(&raw).unwrap();
        assert!(entries.len() >= 3);
        // The second entry's first byte (its cluster's tag) made unreadable,
        // and the shard signed again, as if this machine had written it so.
        let broken = &entries[1];
        raw[broken.range.start] = 9;
        let body = lz4_flex::block::compress(&raw);
        let mac = shard_mac(&[7; 32], KEY.as_bytes(), &name, raw_len, &body);
        let mut bytes = good[..HEADER_LEN].to_vec();
        bytes[44..52].copy_from_slice(&(body.len() as u64).to_le_bytes());
        bytes[60..92].copy_from_slice(mac.as_bytes());
        bytes.extend_from_slice(&body);
        std::fs::write(&path, &bytes).unwrap();
        let cache = Cache::at(dir.clone(), KEY.into(), [7; 32]);
        let hash_of = |rel: &str| {
            let at = results.iter().position(|r| &*r.rel == rel).unwrap();
            hashes[at].unwrap()
        };
        // The entry before it still a hit; it and those after it misses.
        assert!(
            cache
                .get(&entries[0].rel, hash_of(&entries[0].rel))
                .is_some()
        );
        for entry in &entries[1..] {
            assert!(cache.get(&entry.rel, hash_of(&entry.rel)).is_none());
        }
        assert!(discarded_as(&cache, Discarded::BadEntries));
        assert!(cache.shard(index).unwrap().stale.load(Ordering::Relaxed));
    }

    #[test]
    fn a_body_decompresses_only_to_its_stated_length() {
        let raw: Vec<u8> = (0..20_000u32)
            .flat_map(|i| format!("entry {} of shard {}\n", i % 97, i % 7).into_bytes())
            .collect();
        let body = lz4_flex::block::compress(&raw);
        assert!(body.len() < raw.len() / 2, "compressible text compresses");
        assert_eq!(
            decompress(&body, raw.len()).as_deref(),
            Some(raw.as_slice())
        );
        // A header stating another length: too short to hold it, or longer
        // than what the body gives.
        assert_eq!(decompress(&body, raw.len() - 1), None);
        assert_eq!(decompress(&body, raw.len() + 1), None);
        // A body cut short or damaged never decodes to the stated length
        // unnoticed, and never panics.
        for cut in [0, 1, body.len() / 2, body.len() - 1] {
            assert_eq!(decompress(&body[..cut], raw.len()), None, "cut at {cut}");
        }
        for at in (0..body.len()).step_by(97) {
            let mut damaged = body.clone();
            damaged[at] ^= 0xa5;
            if let Some(out) = decompress(&damaged, raw.len()) {
                assert_eq!(out.len(), raw.len());
            }
        }
        let empty = lz4_flex::block::compress(&[]);
        assert_eq!(decompress(&empty, 0).as_deref(), Some(&[][..]));
    }
}
