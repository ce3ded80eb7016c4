//! Render outputs kept in `.dvmlint-cache/` (`render-<key>.sealed`) between runs.
//!
//! A render is a pure function of the files it reads, the tool's version and
//! the arguments it is given, so its outcome (output with origins, or the
//! failure) is stored under a hash of all of them: a run in which no input of
//! a root changed runs no tool for it. Timeouts are never stored (the next run
//! may be faster). Outcomes are written and read through
//! `lint::cache::write_sealed`/`read_sealed`: encrypted and authenticated under
//! a key derived from this machine's, so a render output committed to the
//! repository is never trusted (an entry that cannot be opened is a miss) and
//! no cache file holds what a render printed: a rendered Secret's values, a
//! proxy password. Tool versions are only signed (`write_signed`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use xxhash_rust::xxh3::Xxh3;

use super::Outcome;

/// Bumped when what is stored changes shape.
const FORMAT: u32 = 3;

pub struct Store {
    dir: PathBuf,
}

impl Store {
    pub fn open(project: &Path) -> Store {
        Store {
            dir: project.join(crate::lint::cache::DIR),
        }
    }

    pub fn get(&self, key: u128) -> Option<Outcome> {
        let bytes = crate::lint::cache::read_sealed(&self.dir, &entry_name(key))?;
        serde_json::from_slice(&bytes).ok()
    }

    /// The version a tool reports, kept by the binary's path, size and time of
    /// change (a new binary at the same path is asked again).
    pub fn tool_version(
        &self,
        path: &Path,
        ask: impl FnOnce() -> Option<String>,
    ) -> Option<String> {
        let Ok(meta) = std::fs::metadata(path) else {
            return ask();
        };
        let changed = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        let mut hasher = Xxh3::new();
        hasher.update(path.as_os_str().as_encoded_bytes());
        hasher.update(&meta.len().to_le_bytes());
        hasher.update(&changed.to_le_bytes());
        let name = format!("tool-{:032x}.txt", hasher.digest128());
        if let Some(version) = crate::lint::cache::read_signed(&self.dir, &name)
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .filter(|version| !version.is_empty())
        {
            return Some(version);
        }
        let version = ask()?;
        let _ = crate::lint::cache::write_signed(&self.dir, &name, version.as_bytes());
        Some(version)
    }

    /// Best effort: a read-only checkout still lints.
    pub fn put(&self, key: u128, outcome: &Outcome) {
        if let Ok(bytes) = serde_json::to_vec(outcome) {
            let _ = crate::lint::cache::write_sealed(&self.dir, &entry_name(key), &bytes);
        }
    }
}

fn entry_name(key: u128) -> String {
    format!("render-{key:032x}.sealed")
}

/// The key of a render: dvmlint's build, the tool and its version, the
/// arguments, and every input file's path and bytes (a file that cannot be
/// read counts as such).
pub fn key(tool: &str, version: &str, args: &str, inputs: &BTreeSet<PathBuf>) -> u128 {
    let mut hasher = Xxh3::new();
    for part in [
        FORMAT.to_string().as_str(),
        env!("CARGO_PKG_VERSION"),
        env!("DVMLINT_BUILD_ID"),
        tool,
        version,
        args,
    ] {
        hasher.update(part.as_bytes());
        hasher.update(b"\0");
    }
    for path in inputs {
        hasher.update(path.as_os_str().as_encoded_bytes());
        hasher.update(b"\0");
        match std::fs::read(path) {
            Ok(bytes) => {
                hasher.update(&(bytes.len() as u64).to_le_bytes());
                hasher.update(&bytes);
            }
            Err(_) => hasher.update(b"unreadable\0"),
        }
    }
    hasher.digest128()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_follows_every_input_and_the_tool_version() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.yaml");
        std::fs::write(&a, "x: 1\n").unwrap();
        let inputs: BTreeSet<PathBuf> = [a.clone()].into();
        let first = key("helm", "v4.1.4", "shop", &inputs);
        assert_eq!(first, key("helm", "v4.1.4", "shop", &inputs));
        assert_ne!(first, key("helm", "v4.1.5", "shop", &inputs));
        assert_ne!(first, key("helm", "v4.1.4", "shop-b", &inputs));
        std::fs::write(&a, "x: 2\n").unwrap();
        assert_ne!(first, key("helm", "v4.1.4", "shop", &inputs));
    }

    #[test]
    fn outcomes_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path());
        let outcome = Outcome::Failed {
            message: "boom".into(),
            help: "fix".into(),
            limit: Some("offline".into()),
        };
        assert_eq!(store.get(7), None);
        store.put(7, &outcome);
        assert_eq!(store.get(7), Some(outcome.clone()));
        assert!(dir.path().join(".dvmlint-cache/.gitignore").exists());
        let path = dir.path().join(".dvmlint-cache").join(entry_name(7));
        let sealed = std::fs::read(&path).unwrap();
        // Sealed: the output's text is nowhere in the file.
        assert!(!sealed.windows(4).any(|w| w == b"boom"));
        // An entry this machine did not seal (altered, truncated, another
        // entry's bytes under this name) is a miss.
        let mut altered = sealed.clone();
        *altered.last_mut().unwrap() ^= 1;
        std::fs::write(&path, &altered).unwrap();
        assert_eq!(store.get(7), None);
        std::fs::write(&path, &sealed[..sealed.len() - 1]).unwrap();
        assert_eq!(store.get(7), None);
        std::fs::write(&path, &sealed).unwrap();
        assert_eq!(store.get(7), Some(outcome));
        std::fs::write(
            dir.path().join(".dvmlint-cache").join(entry_name(8)),
            &sealed,
        )
        .unwrap();
        assert_eq!(store.get(8), None);
    }
}
