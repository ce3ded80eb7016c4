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
//! Trust (`docs/security.md`): the folder lives in a repository whose author may
//! be hostile, so a cache is used only if this machine wrote it. Every cache is
//! signed with a keyed BLAKE3 hash under a per-machine secret kept outside every
//! project ([`machine_key`]: `$XDG_CACHE_HOME/dvmlint/machine-key`, else
//! `~/.cache/dvmlint/machine-key`, mode 0600); a committed or altered cache fails
//! the check and is discarded with a note on stderr, so a fresh clone in CI is
//! linted from scratch. Each entry is then checked once more: its name stays
//! inside the project and every finding it holds is about that file. Files
//! holding a secret (proxy passwords, Secret values) are never stored, so the
//! cache holds none; they are analysed afresh on every run.
//!
//! Storage: a header line (`{"format", "key", "mac"}`) and the entries as one
//! JSON object, written to a temporary file created exclusively under an
//! unpredictable name (`tempfile`, mode 0600) and renamed, so a reader never sees
//! half a cache and a committed link is replaced, never written through. The
//! folder must be a real directory (a link is refused); it holds a `.gitignore`
//! of `*` (rewritten whenever it is not exactly that, so Git never offers the
//! cache for commit) and a `CACHEDIR.TAG`. A write that fails removes what it
//! left, and the folder itself if this run created it. A cache that cannot be
//! read, parsed or verified is treated as empty; one that cannot be written is
//! skipped: a cache never changes what a run reports.

use std::collections::HashMap;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_128;

use crate::parsed::FileResult;

pub const DIR: &str = ".dvmlint-cache";
const FILE: &str = "results.json";
/// Bumped when the stored layout changes in a way the build id would not catch.
const FORMAT: u32 = 2;
const GITIGNORE: &str = "# Created by dvmlint.\n*\n";
const CACHEDIR_TAG: &str = "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by dvmlint.\n";
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

#[derive(Serialize, Deserialize)]
struct Header {
    format: u32,
    key: String,
    mac: String,
}

#[derive(Deserialize)]
struct Entry {
    /// Hex of the content hash (JSON numbers cannot hold 128 bits).
    hash: String,
    result: FileResult,
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
    machine_key: [u8; 32],
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
    /// Loads `<root>/.dvmlint-cache/` if this machine wrote it with the same
    /// settings; `None` (with a note) when no machine key can be kept.
    pub fn open(root: &Path, key: String) -> Option<Cache> {
        let machine_key = machine_key()
            .inspect_err(|err| note(&format!("off: {err}")))
            .ok()?;
        let dir = root.join(DIR);
        let entries = load(&dir, &key, &machine_key)
            .unwrap_or_default()
            .into_iter()
            .map(|(rel, entry)| (rel, Mutex::new(Some(entry))))
            .collect();
        Some(Cache {
            dir,
            key,
            machine_key,
            entries,
        })
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
    /// `hashes`, which runs beside them, and holding no secret). Skipped when
    /// the files analysed afresh are few (see [`REWRITE_MISS_SHARE`]).
    pub fn store(&self, results: &[FileResult], hashes: &[Option<u128>], hits: usize) {
        let cacheable = hashes.iter().filter(|hash| hash.is_some()).count();
        let misses = cacheable.saturating_sub(hits);
        let few = misses < REWRITE_MIN_MISSES && misses * REWRITE_MISS_SHARE < cacheable;
        if !self.entries.is_empty() && few {
            return;
        }
        let entries: HashMap<&str, EntryRef<'_>> = results
            .iter()
            .zip(hashes)
            .filter(|(result, _)| is_storable(result))
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
        let Ok(body) = serde_json::to_vec(&entries) else {
            return;
        };
        let header = Header {
            format: FORMAT,
            key: self.key.clone(),
            mac: mac(&self.machine_key, &self.key, &body),
        };
        // Best effort: a read-only checkout still lints.
        if let Err(err) = self.write(&header, &body) {
            note(&format!("not written: {err}"));
        }
    }

    fn write(&self, header: &Header, body: &[u8]) -> std::io::Result<()> {
        let created = real_dir(&self.dir)?;
        let written = (|| {
            remove_stale_temporaries(&self.dir);
            // The ignore file first: the results never lie there unignored.
            replace_unless_equal(&self.dir, ".gitignore", GITIGNORE.as_bytes())?;
            replace_unless_equal(&self.dir, "CACHEDIR.TAG", CACHEDIR_TAG.as_bytes())?;
            let mut bytes = serde_json::to_vec(header).map_err(std::io::Error::other)?;
            bytes.push(b'\n');
            let mut temp = temporary(&self.dir, FILE)?;
            temp.write_all(&bytes)?;
            temp.write_all(body)?;
            temp.flush()?;
            temp.persist(self.dir.join(FILE))
                .map(drop)
                .map_err(|err| err.error)
        })();
        if written.is_err() {
            // Nothing half-written stays: the results go, and the folder too
            // when this run made it.
            if created {
                let _ = std::fs::remove_dir_all(&self.dir);
            } else {
                let _ = std::fs::remove_file(self.dir.join(FILE));
            }
        }
        written
    }
}

/// The entries of the cache in `dir`, if it is a real folder holding a regular
/// file this machine signed under `key`; every check that fails is a note.
fn load(dir: &Path, key: &str, machine_key: &[u8; 32]) -> Option<HashMap<String, Entry>> {
    let meta = std::fs::symlink_metadata(dir).ok()?;
    if !meta.is_dir() {
        note(&format!(
            "{DIR} is not a real folder (a link or a file): not read, not written"
        ));
        return None;
    }
    let path = dir.join(FILE);
    if std::fs::symlink_metadata(&path).is_err() {
        return None;
    }
    let bytes = match crate::boundary::open_regular(&path, false).and_then(|(file, meta)| {
        let cap = crate::boundary::CACHE_CAP;
        if meta.len() > cap {
            return Err(crate::boundary::Refusal::TooLarge {
                size: meta.len(),
                limit: cap,
            });
        }
        let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
        file.take(cap).read_to_end(&mut bytes)?;
        Ok(bytes)
    }) {
        Ok(bytes) => bytes,
        Err(refusal) => {
            note(&format!("{DIR}/{FILE} discarded: {refusal}"));
            return None;
        }
    };
    let split = memchr::memchr(b'\n', &bytes);
    let (head, body) = match split {
        Some(at) => (bytes.get(..at)?, bytes.get(at + 1..)?),
        None => (bytes.as_slice(), &[][..]),
    };
    let Ok(header) = serde_json::from_slice::<Header>(head) else {
        note(&format!(
            "{DIR}/{FILE} discarded: not a cache this version wrote"
        ));
        return None;
    };
    if header.format != FORMAT || header.key != key {
        // Another version or other settings: silently stale.
        return None;
    }
    let expected = mac(machine_key, key, body);
    if !constant_time_eq(expected.as_bytes(), header.mac.as_bytes()) {
        note(&format!(
            "{DIR}/{FILE} discarded: not signed by this machine (committed, copied or altered)"
        ));
        return None;
    }
    let Ok(mut entries) = serde_json::from_slice::<HashMap<String, Entry>>(body) else {
        note(&format!("{DIR}/{FILE} discarded: unreadable entries"));
        return None;
    };
    let before = entries.len();
    entries.retain(|rel, entry| is_valid(rel, &entry.result));
    if entries.len() < before {
        note(&format!(
            "{} entries discarded (a name outside the project, or findings about another file)",
            before - entries.len()
        ));
    }
    Some(entries)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A name the walk can give: relative, inside the project.
fn is_project_name(rel: &str) -> bool {
    !rel.is_empty()
        && !Path::new(rel).is_absolute()
        && rel
            .split('/')
            .all(|part| !part.is_empty() && part != ".." && part != ".")
}

/// What may be stored: a file inside the project that holds no secret.
fn is_storable(result: &FileResult) -> bool {
    is_project_name(&result.rel)
        && result
            .extras
            .as_deref()
            .is_none_or(|extras| extras.secrets.is_empty() && extras.secret_spans.is_empty())
}

/// A stored entry is about its own file only.
fn is_valid(rel: &str, result: &FileResult) -> bool {
    *result.rel == *rel
        && is_storable(result)
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
            builder.create(dir)?;
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

/// A file of its own in the cache folder `dir` (the render outputs of
/// `crate::render`), written like the results: into a real folder (never
/// through a link), by an exclusive temporary file and a rename, beside the
/// `.gitignore` that keeps it out of Git; its first line is a MAC of its name
/// and bytes under this machine's key, so [`read_signed`] never trusts a file
/// the repository brought.
pub fn write_signed(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let machine_key = machine_key().map_err(std::io::Error::other)?;
    real_dir(dir)?;
    replace_unless_equal(dir, ".gitignore", GITIGNORE.as_bytes())?;
    replace_unless_equal(dir, "CACHEDIR.TAG", CACHEDIR_TAG.as_bytes())?;
    let mut temp = temporary(dir, name)?;
    temp.write_all(mac(&machine_key, name, bytes).as_bytes())?;
    temp.write_all(b"\n")?;
    temp.write_all(bytes)?;
    temp.flush()?;
    temp.persist(dir.join(name))
        .map(drop)
        .map_err(|err| err.error)
}

/// The bytes of a file [`write_signed`] wrote on this machine: `None` when it
/// is missing, a link, over the cache's size cap, or its MAC does not hold.
pub fn read_signed(dir: &Path, name: &str) -> Option<Vec<u8>> {
    let machine_key = machine_key().ok()?;
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
    let at = memchr::memchr(b'\n', &bytes)?;
    let (head, body) = (bytes.get(..at)?, bytes.get(at + 1..)?);
    let expected = mac(&machine_key, name, body);
    constant_time_eq(expected.as_bytes(), head).then(|| body.to_vec())
}
