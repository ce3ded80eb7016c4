//! The project boundary: what dvmlint may read (`docs/security.md`).
//!
//! A repository is untrusted input. Its author controls every file and every
//! link in it, but not the machine dvmlint runs on, so nothing outside the
//! project root is read unless the user names it on the command line, and even
//! then only regular files, never `/proc`, `/sys` or `/dev`, and never more than
//! a fixed number of bytes.
//!
//! - [`ProjectBoundary::resolve`] resolves a path found in the project (a walked
//!   link, a discovered configuration, a custom-rule file, a cached file name) to
//!   its canonical form, refusing what lies outside the root;
//! - [`ProjectBoundary::open_bounded`] and [`read_named`] read a whole file up to
//!   a cap (a device or FIFO is refused before a byte is read: opening is
//!   non-blocking, so a FIFO without a writer does not hang);
//! - [`open_regular`] is the open the per-file stage uses for every manifest:
//!   it does not follow a final symlink (the walk hands over real files or
//!   canonical paths), and refuses anything but a regular file.

use std::fmt;
use std::fs::File;
use std::io::Read as _;
use std::path::{Path, PathBuf};

/// Cap on a configuration file (`.dvmlint.yaml`, `--config`).
pub const CONFIG_CAP: u64 = 4 << 20;
/// Cap on one custom-rule file.
pub const RULE_CAP: u64 = 4 << 20;
/// Cap on a `.gitignore` the walk reads.
pub const IGNORE_FILE_CAP: u64 = 1 << 20;
/// Cap on one cache shard (`.dvmlint-cache/results-XX.bin`) and its decompressed body.
pub const CACHE_CAP: u64 = 512 << 20;

/// Why a path was not read. Never holds any of the path's content.
#[derive(Debug)]
pub enum Refusal {
    /// A symlink (or a path through one) resolving outside the project root.
    Outside,
    /// A symlink that does not resolve (dangling, or a loop).
    Unresolved(std::io::Error),
    /// `/proc`, `/sys` or `/dev`.
    System,
    /// A device, FIFO or socket.
    NotRegular(&'static str),
    TooLarge {
        size: u64,
        limit: u64,
    },
    Io(std::io::Error),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Outside => f.write_str(
                "it is a symlink that resolves outside the project root: not followed, not read",
            ),
            Refusal::Unresolved(err) => {
                write!(
                    f,
                    "it is a symlink that does not resolve ({err}): not followed"
                )
            }
            Refusal::System => f.write_str("it lies in /proc, /sys or /dev: never read"),
            Refusal::NotRegular(kind) => write!(f, "it is a {kind}, not a regular file: not read"),
            Refusal::TooLarge { size, limit } => {
                write!(
                    f,
                    "it is {size} bytes or more, over the {limit}-byte limit: not read"
                )
            }
            Refusal::Io(err) => write!(f, "{err}"),
        }
    }
}

impl From<std::io::Error> for Refusal {
    fn from(err: std::io::Error) -> Self {
        Refusal::Io(err)
    }
}

/// The root a run may read below, lexical (as the user typed it, for names)
/// and canonical (for containment).
#[derive(Clone, Debug)]
pub struct ProjectBoundary {
    root: PathBuf,
    canonical: PathBuf,
}

impl ProjectBoundary {
    /// The boundary of `root` (made absolute lexically). A root that cannot be
    /// canonicalised (it does not exist) contains only what lies lexically below it.
    pub fn new(root: &Path) -> ProjectBoundary {
        let root = crate::discovery::absolute(root);
        let canonical = std::fs::canonicalize(&root).unwrap_or_else(|_| root.clone());
        ProjectBoundary { root, canonical }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn canonical_root(&self) -> &Path {
        &self.canonical
    }

    /// Whether the root itself is a place never read (`dvmlint check /proc`).
    pub fn is_system(&self) -> bool {
        is_system_path(&self.canonical)
    }

    /// Whether `path`, every link resolved, lies below the root.
    pub fn contains(&self, path: &Path) -> bool {
        self.resolve(path).is_ok()
    }

    /// The names (UTF-8 only) of the regular files in the folder `dir`,
    /// sorted; none when the folder is a link out of the project or cannot
    /// be listed. Links in it are not regular files.
    pub fn file_names_in(&self, dir: &Path) -> Vec<String> {
        if !self.contains(dir) {
            return Vec::new();
        }
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        let mut names: Vec<String> = entries
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .filter_map(|e| e.file_name().to_str().map(str::to_owned))
            .collect();
        names.sort();
        names
    }

    /// `path` with every link resolved, if it lies below the root and outside
    /// `/proc`, `/sys` and `/dev`.
    pub fn resolve(&self, path: &Path) -> Result<PathBuf, Refusal> {
        let path = if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.root.join(path)
        };
        let canonical = std::fs::canonicalize(&path).map_err(|err| {
            if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
                Refusal::Unresolved(err)
            } else {
                Refusal::Io(err)
            }
        })?;
        if is_system_path(&canonical) {
            return Err(Refusal::System);
        }
        if !canonical.starts_with(&self.canonical) {
            return Err(Refusal::Outside);
        }
        Ok(canonical)
    }

    /// The name of a canonical path below the root, relative to it with `/`.
    pub fn relative(&self, canonical: &Path) -> Option<String> {
        canonical
            .strip_prefix(&self.canonical)
            .ok()
            .map(|rel| crate::discovery::relative(Path::new(""), rel))
    }

    /// The bytes of `path` (inside the root once resolved, a regular file, at
    /// most `cap` bytes).
    pub fn open_bounded(&self, path: &Path, cap: u64) -> Result<Vec<u8>, Refusal> {
        let canonical = self.resolve(path)?;
        read_regular(&canonical, cap, false)
    }
}

/// The bytes of a file the user named (command line): it may lie anywhere, but
/// it must be a regular file outside `/proc`, `/sys` and `/dev`, of at most `cap` bytes.
pub fn read_named(path: &Path, cap: u64) -> Result<Vec<u8>, Refusal> {
    let canonical = std::fs::canonicalize(path)?;
    if is_system_path(&canonical) {
        // `/dev/null`, `/dev/stdin`, `/proc/self/fd/0`: named, but never a file.
        return Err(match std::fs::metadata(&canonical) {
            Ok(meta) if !meta.is_file() => Refusal::NotRegular(kind_of(&meta)),
            _ => Refusal::System,
        });
    }
    read_regular(&canonical, cap, false)
}

/// `/proc`, `/sys` and `/dev` (by canonical path).
pub fn is_system_path(canonical: &Path) -> bool {
    ["/proc", "/sys", "/dev"]
        .iter()
        .any(|dir| canonical.starts_with(dir))
}

/// The flags of every open of an input: never blocking on a FIFO, never
/// inherited by a tool dvmlint runs and, unless `follow`, never following a
/// final symlink (`lint::ring` opens with the same).
#[cfg(unix)]
pub fn open_flags(follow: bool) -> i32 {
    let nofollow = if follow { 0 } else { libc::O_NOFOLLOW };
    libc::O_NONBLOCK | libc::O_CLOEXEC | nofollow
}

/// Opens `path` for reading without blocking on a FIFO and, unless `follow`,
/// without following a final symlink; refuses anything but a regular file.
pub fn open_regular(path: &Path, follow: bool) -> Result<(File, std::fs::Metadata), Refusal> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.custom_flags(open_flags(follow));
    }
    let file = options
        .open(path)
        .map_err(|err| open_refusal(err, follow))?;
    regular(file)
}

/// Why an open failed: a final link where none is followed is refused as
/// one that may lead outside.
pub fn open_refusal(err: std::io::Error, follow: bool) -> Refusal {
    #[cfg(unix)]
    if err.raw_os_error() == Some(libc::ELOOP) && !follow {
        return Refusal::Outside;
    }
    Refusal::Io(err)
}

/// `file` with its metadata, if it is a regular file (a device, FIFO or
/// socket is refused, and closed).
pub fn regular(file: File) -> Result<(File, std::fs::Metadata), Refusal> {
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(Refusal::NotRegular(kind_of(&meta)));
    }
    Ok((file, meta))
}

fn read_regular(path: &Path, cap: u64, follow: bool) -> Result<Vec<u8>, Refusal> {
    let (file, meta) = open_regular(path, follow)?;
    if meta.len() > cap {
        return Err(Refusal::TooLarge {
            size: meta.len(),
            limit: cap,
        });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(cap.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(Refusal::TooLarge {
            size: bytes.len() as u64,
            limit: cap,
        });
    }
    Ok(bytes)
}

/// The refusal for a path that is not a regular file.
pub fn refusal_for_kind(meta: &std::fs::Metadata) -> Refusal {
    Refusal::NotRegular(kind_of(meta))
}

fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        let t = meta.file_type();
        if t.is_fifo() {
            return "FIFO";
        }
        if t.is_socket() {
            return "socket";
        }
        if t.is_char_device() || t.is_block_device() {
            return "device";
        }
    }
    if meta.is_dir() {
        "folder"
    } else {
        "special file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_out_of_the_root_are_refused_and_links_inside_resolve() {
        let outer = tempfile::tempdir().unwrap();
        let root = outer.path().join("repo");
        std::fs::create_dir(&root).unwrap();
        std::fs::write(outer.path().join("secret"), "TOKEN").unwrap();
        std::fs::write(root.join("a.yaml"), "a: 1\n").unwrap();
        std::os::unix::fs::symlink("../secret", root.join("out.yaml")).unwrap();
        std::os::unix::fs::symlink("a.yaml", root.join("in.yaml")).unwrap();
        std::os::unix::fs::symlink("missing", root.join("dangling.yaml")).unwrap();
        let boundary = ProjectBoundary::new(&root);
        assert!(matches!(
            boundary.resolve(&root.join("out.yaml")),
            Err(Refusal::Outside)
        ));
        assert!(matches!(
            boundary.open_bounded(Path::new("../secret"), 100),
            Err(Refusal::Outside)
        ));
        assert!(matches!(
            boundary.resolve(&root.join("dangling.yaml")),
            Err(Refusal::Unresolved(_))
        ));
        let inside = boundary.resolve(&root.join("in.yaml")).unwrap();
        assert_eq!(boundary.relative(&inside).as_deref(), Some("a.yaml"));
        assert_eq!(boundary.open_bounded(&inside, 100).unwrap(), b"a: 1\n");
        assert!(matches!(
            boundary.open_bounded(&inside, 3),
            Err(Refusal::TooLarge { .. })
        ));
        // A final link is not followed when opening.
        assert!(open_regular(&root.join("in.yaml"), false).is_err());
    }

    #[test]
    fn devices_fifos_and_system_files_are_never_read() {
        assert!(matches!(
            read_named(Path::new("/dev/zero"), 10),
            Err(Refusal::NotRegular("device"))
        ));
        assert!(read_named(Path::new("/proc/self/environ"), 1 << 20).is_err());
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("f.yaml");
        let name = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
        assert!(matches!(
            read_named(&fifo, 10),
            Err(Refusal::NotRegular("FIFO"))
        ));
    }
}
