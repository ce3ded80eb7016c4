//! Finding the project root and the files to lint (docs/cli.md "Paths and the project root", docs/input.md).
//!
//! The walk is sequential and cheap (it only lists paths); reading and parsing,
//! the expensive part, is done in parallel by `crate::lint`, which pulls files
//! from [`walk_iter`] as the walk finds them. Files are sorted before the model
//! is built, so that every later stage sees them in the same order whatever the
//! thread count. `ignore` (built on `walkdir`) is used instead of bare `walkdir` because
//! it implements `.gitignore` semantics, including nested files and negations.

use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use globset::GlobSet;

use crate::boundary::{self, ProjectBoundary};
use crate::config::{self, Config, ConfigError};

/// A file to lint: where it is, and its name relative to the project root.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SourceFile {
    pub rel: Arc<str>,
    pub path: PathBuf,
}

/// A path the walk could not read (DVM003).
#[derive(Clone, Debug)]
pub struct WalkError {
    pub rel: Arc<str>,
    pub message: String,
}

#[derive(Clone, Debug, Default)]
pub struct WalkOptions {
    pub exclude: Vec<String>,
    pub respect_gitignore: bool,
}

/// The project root and its configuration (docs/cli.md): the folder of the config
/// file, else the Git work tree holding the first path, else that path. A
/// configuration named with `--config` outside the first path's tree
/// (`--config other/.dvmlint.yaml repo`) configures that tree: the root is
/// found as without a configuration, and a note says so (its folder as the
/// root would put `repo` outside the project, and nothing would be linted).
/// One named above the Git work tree holding the first path (or above the
/// first path, outside any work tree) makes its own folder the root, and a
/// note says so (everything beside the tree is read).
pub fn project_root(
    first: &Path,
    explicit_config: Option<&Path>,
    use_config: bool,
) -> Result<(PathBuf, Config), ConfigError> {
    let first = absolute(first);
    let config_path = match explicit_config {
        Some(path) => Some((absolute(path), true)),
        None if use_config => config::discover(&first).map(|path| (path, false)),
        None => None,
    };
    if let Some((path, named)) = config_path {
        let config = if named {
            config::load(&path)?
        } else {
            config::load_discovered(&path)?
        };
        let root = path
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        if !named {
            return Ok((root, config));
        }
        if first.starts_with(&root) {
            // Named from above the Git work tree holding the first path
            // (`--config /tmp/x.yaml .` in a clone under /tmp): its folder is
            // the root, as its paths are written relative to it, so every
            // folder beside the work tree is read too (all of /tmp, minutes
            // without a word, trial 32): said before the walk.
            // The same above a linted folder that is no Git work tree (a
            // checkout without `.git`, trial 34: all of /tmp again).
            let tree = tree_root(&first);
            if tree != root && tree.starts_with(&root) {
                let (what, fix) = if tree.join(".git").exists() {
                    (
                        "the Git work tree",
                        "in the work tree to lint the work tree alone",
                    )
                } else {
                    ("the linted folder", "in that folder to lint it alone")
                };
                eprintln!(
                    "dvmlint: note: the project root is `{}`, the folder of --config `{}`, above {what} `{}`: every file under it is read, and its cluster paths and globs apply there; put the configuration {fix}",
                    root.display(),
                    path.display(),
                    tree.display()
                );
            }
            return Ok((root, config));
        }
        let tree = tree_root(&first);
        eprintln!(
            "dvmlint: note: `{}` lies outside the folder of --config `{}`: the project root is `{}`, \
             where its cluster paths and globs apply (custom-rules stay next to the configuration)",
            first.display(),
            path.display(),
            tree.display()
        );
        return Ok((tree, config));
    }
    Ok((tree_root(&first), Config::default()))
}

/// The Git work tree holding `first`, else `first` (its folder for a file).
fn tree_root(first: &Path) -> PathBuf {
    let start = if first.is_file() {
        first
            .parent()
            .map_or_else(|| first.to_path_buf(), Path::to_path_buf)
    } else {
        first.to_path_buf()
    };
    start
        .ancestors()
        .find(|dir| dir.join(".git").exists())
        .map_or(start.clone(), Path::to_path_buf)
}

/// `path` made absolute and normalised lexically (no symlink resolution, so the
/// names users see are the names they typed).
pub fn absolute(path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().map_or_else(|_| path.to_path_buf(), |cwd| cwd.join(path))
    };
    let mut out = PathBuf::new();
    for component in joined.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// `path` relative to `root` with `/` separators, or as given when outside it.
pub fn relative(root: &Path, path: &Path) -> String {
    // The walker's paths are the root's text, `/`, then clean components:
    // their rest is the answer, found from the bytes (splitting both paths
    // into components cost 1,800 instructions a file: docs/performance.md).
    if std::path::MAIN_SEPARATOR == '/'
        && let (Some(root), Some(text)) = (root.to_str(), path.to_str())
        && !root.is_empty()
        && let Some(rest) = text
            .strip_prefix(root.trim_end_matches('/'))
            .and_then(|rest| rest.strip_prefix('/'))
        && is_clean(rest)
    {
        return rest.to_owned();
    }
    let rel = path.strip_prefix(root).unwrap_or(path);
    if std::path::MAIN_SEPARATOR == '/'
        && let Some(text) = rel.to_str()
        && is_clean(text)
    {
        return text.to_owned();
    }
    by_components(rel)
}

/// Whether `text` is a relative path whose text is its clean form: not empty,
/// no leading or trailing `/`, no `.` component, no empty one.
fn is_clean(text: &str) -> bool {
    let bytes = text.as_bytes();
    !text.is_empty()
        && !text.starts_with('/')
        && !text.ends_with('/')
        && !text.starts_with("./")
        && !text.ends_with("/.")
        && text != "."
        && !memchr::memchr_iter(b'/', bytes)
            .any(|at| matches!(bytes.get(at + 1..), Some([b'/', ..] | [b'.', b'/', ..])))
}

fn by_components(rel: &Path) -> String {
    let text = rel
        .components()
        .map(|c| match c {
            // Joined with `/` below: an absolute path keeps one leading `/`.
            Component::RootDir => "".into(),
            other => display_os(other.as_os_str()),
        })
        .collect::<Vec<_>>()
        .join("/");
    if text.is_empty() {
        ".".to_owned()
    } else {
        text
    }
}

/// A file name as text: a name that is not UTF-8 keeps its valid parts and
/// shows each invalid byte as `\xNN` (`bad\xFFname.yaml`), so the reported
/// name says which bytes it has, where a lossy `U+FFFD` would name a file that
/// does not exist and two different names could print alike.
pub fn display_os(name: &std::ffi::OsStr) -> std::borrow::Cow<'_, str> {
    if let Some(text) = name.to_str() {
        return text.into();
    }
    #[cfg(unix)]
    {
        use std::fmt::Write as _;
        use std::os::unix::ffi::OsStrExt as _;
        let mut out = String::new();
        for chunk in name.as_bytes().utf8_chunks() {
            out.push_str(chunk.valid());
            for byte in chunk.invalid() {
                let _ = write!(out, "\\x{byte:02X}");
            }
        }
        out.into()
    }
    #[cfg(not(unix))]
    name.to_string_lossy()
}

/// Whether `path` (named `name`) is a file dvmlint writes: the baseline
/// (`.dvmlint-baseline.json`, or any file of its format) or a JSON report
/// (`--format json|sarif|gitlab:PATH`, `--output`). None is a manifest, and a
/// committed one is no input of the next run (docs/cli.md): not read, not
/// counted, not a DVM003 when it outgrows `max-file-size`. Only the first
/// bytes of a `.json` file are read to tell.
fn is_own_output(path: &Path, name: &str) -> bool {
    if name == crate::baseline::DEFAULT_FILE {
        return true;
    }
    if !name.to_ascii_lowercase().ends_with(".json") {
        return false;
    }
    let Ok((file, _)) = boundary::open_regular(path, false) else {
        return false;
    };
    let mut head = Vec::with_capacity(HEAD);
    let read = std::io::Read::read_to_end(&mut std::io::Read::take(file, HEAD as u64), &mut head);
    read.is_ok() && is_report_head(&head)
}

/// How much of a `.json` file [`is_own_output`] reads.
const HEAD: usize = 512;

/// The start of a report or baseline in a format dvmlint writes, whatever its
/// white space: the json report (`{"version":1,"findings":[`), the baseline
/// (`"fingerprint":"dvmlint/…"`), GitLab Code Quality (`[{"type":"issue",
/// "check_name":`), SARIF (`{"$schema":"…sarif…"`).
fn is_report_head(head: &[u8]) -> bool {
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let compact: Vec<u8> = head
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let starts = |prefix: &str| compact.starts_with(prefix.as_bytes());
    if starts(r#"{"$schema":""#) {
        let schema = compact.get(12..).unwrap_or_default();
        let end = schema
            .iter()
            .position(|b| *b == b'"')
            .unwrap_or(schema.len());
        return schema
            .get(..end)
            .is_some_and(|s| s.to_ascii_lowercase().windows(5).any(|w| w == b"sarif"));
    }
    starts(r#"{"version":1,"findings":["#)
        || starts(r#"{"version":1,"fingerprint":"dvmlint/"#)
        || starts(r#"[{"type":"issue","check_name":""#)
}

fn is_manifest_name(name: &str) -> bool {
    // By bytes, any case, nothing allocated: asked of every file of the tree.
    let name_bytes = name.as_bytes();
    (ends_with_any_case(name_bytes, b".yaml")
        || ends_with_any_case(name_bytes, b".yml")
        || ends_with_any_case(name_bytes, b".json"))
        && !config::FILE_NAMES.contains(&name)
}

/// Whether `name` ends with `suffix` (ASCII, any case).
fn ends_with_any_case(name: &[u8], suffix: &[u8]) -> bool {
    name.len()
        .checked_sub(suffix.len())
        .and_then(|start| name.get(start..))
        .is_some_and(|end| end.eq_ignore_ascii_case(suffix))
}

/// The suffixes that make a YAML manifest's name a template's
/// (`network-policies.yaml.tpl`; docs/input.md): what envsubst and `sed`
/// workflows, Go's `text/template` (`.tmpl`, `.tpl`), gomplate and Jinja
/// (`.j2`, Ansible's convention; `.jinja`, `.jinja2`) write, and `.template`.
/// Such a file is no manifest until a tool fills it in, so it is not read as
/// one; its kinds are looked for line by line (DVM002).
pub const TEMPLATE_SUFFIXES: [&str; 6] = ["tpl", "tmpl", "template", "j2", "jinja", "jinja2"];

/// Whether `name` is a YAML manifest's name followed by a template suffix
/// (`x.yaml.tpl`, `x.yml.j2`, any case): [`Found::Template`]. The last
/// extension is tested first, so any other file costs one search for a dot
/// and a few short comparisons, nothing allocated.
pub fn is_template_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    let Some(dot) = memchr::memrchr(b'.', bytes) else {
        return false;
    };
    let (stem, extension) = (
        bytes.get(..dot).unwrap_or_default(),
        bytes.get(dot + 1..).unwrap_or_default(),
    );
    TEMPLATE_SUFFIXES
        .iter()
        .any(|suffix| extension.eq_ignore_ascii_case(suffix.as_bytes()))
        && (ends_with_any_case(stem, b".yaml") || ends_with_any_case(stem, b".yml"))
}

/// Globs for `exclude`; a plain folder name excludes everything below it.
pub fn exclude_set(patterns: &[String]) -> Result<GlobSet, String> {
    let mut globs = Vec::new();
    for pattern in patterns {
        let trimmed = pattern.trim_start_matches("./").trim_end_matches('/');
        for variant in [trimmed.to_owned(), format!("{trimmed}/**")] {
            globs.push(crate::glob::parse(&variant, true).map_err(|why| {
                format!(
                    "invalid exclude glob `{}`: {why}",
                    crate::glob::shown(pattern)
                )
            })?);
        }
    }
    crate::glob::set(globs).map_err(|why| format!("exclude globs: {why}"))
}

/// What the walk meets: a file to lint, a manifest's template, or a path it
/// could not read.
#[derive(Debug)]
pub enum Found {
    File(SourceFile),
    /// A file named as a YAML manifest's template ([`is_template_name`]):
    /// not read as a manifest, never modelled; only its kinds are looked for
    /// (`lint::templates`, DVM002).
    Template(SourceFile),
    Error(WalkError),
}

/// The manifest files below `root`, the templates of manifests
/// ([`Found::Template`]) and the paths that could not be read, in the
/// walker's order (not sorted). `crate::lint` pulls from it from its worker
/// threads, so files are parsed while the walk goes on, and sorts afterwards.
///
/// The walk stays inside the project ([`ProjectBoundary`]): links are never
/// followed. A link resolving inside the root is skipped, since its target is
/// read under its own (canonical) name where the walk reaches it, so a linked
/// folder does not make its files linted twice; a link resolving outside the
/// root, or into `/proc`, `/sys` or `/dev`, is one DVM003 naming the link (when
/// it could hold manifests: a folder, or a manifest's name), and a dangling link
/// is one DVM003. Devices, FIFOs and sockets are never read. A `.gitignore`
/// that is a link out of the project, not a regular file, or over
/// [`boundary::IGNORE_FILE_CAP`] is not read: its folder is not walked (DVM003).
pub fn walk_iter(
    root: &Path,
    options: &WalkOptions,
    excluded: &GlobSet,
) -> impl Iterator<Item = Found> + Send + use<> {
    let boundary = Arc::new(ProjectBoundary::new(root));
    let root_owned = root.to_path_buf();
    let filter_root = root.to_path_buf();
    let filter_set = excluded.clone();
    let refused: Arc<Mutex<Vec<WalkError>>> = Arc::default();
    let mut early = Vec::new();
    let mut respect_gitignore = options.respect_gitignore;
    let mut parents = true;
    if boundary.is_system() {
        early.push(WalkError {
            rel: ".".into(),
            message: boundary::Refusal::System.to_string(),
        });
    }
    if respect_gitignore {
        if let Some(refusal) = unsafe_ignore_file(&boundary, root) {
            early.push(WalkError {
                rel: ".gitignore".into(),
                message: format!("{refusal}; the walk ignores no file"),
            });
            respect_gitignore = false;
        }
        // Folders above the root are the user's: their ignore files are read
        // only when they are plain files of a sane size.
        if root
            .ancestors()
            .skip(1)
            .any(|dir| unsafe_ignore_file(&ProjectBoundary::new(dir), dir).is_some())
        {
            parents = false;
        }
    }
    let walk_root = if boundary.is_system() {
        None
    } else {
        Some(root)
    };
    let filter_boundary = Arc::clone(&boundary);
    let filter_refused = Arc::clone(&refused);
    let walker = walk_root.map(|root| {
        ignore::WalkBuilder::new(root)
            .hidden(false)
            .ignore(false)
            .parents(parents)
            .git_ignore(respect_gitignore)
            .git_exclude(respect_gitignore)
            .git_global(false)
            .require_git(false)
            .follow_links(false)
            .filter_entry(move |entry| {
                let name = entry.file_name();
                let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
                if entry.depth() > 0 && is_dir && (name == ".git" || name == ".dvmlint-cache") {
                    return false;
                }
                if is_dir && name == "vendor" && is_go_vendor(entry.path()) {
                    return false;
                }
                if !filter_set.is_empty()
                    && filter_set.is_match(relative(&filter_root, entry.path()))
                {
                    return false;
                }
                if respect_gitignore
                    && is_dir
                    && entry.depth() > 0
                    && let Some(refusal) = unsafe_ignore_file(&filter_boundary, entry.path())
                {
                    filter_refused
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .push(WalkError {
                            rel: relative(&filter_root, &entry.path().join(".gitignore")).into(),
                            message: format!("{refusal}; its folder is not walked"),
                        });
                    return false;
                }
                true
            })
            .build()
    });
    let found = walker
        .into_iter()
        .flatten()
        .filter_map(move |entry| match entry {
            Ok(entry) => {
                let file_type = entry.file_type()?;
                let name = entry.file_name().to_string_lossy();
                if file_type.is_file() {
                    let source = |entry: ignore::DirEntry| SourceFile {
                        rel: relative(&root_owned, entry.path()).into(),
                        path: entry.into_path(),
                    };
                    if is_manifest_name(&name) {
                        let input = !is_own_output(entry.path(), &name);
                        return input.then(|| Found::File(source(entry)));
                    }
                    // Asked only of the files that are no manifest.
                    return is_template_name(&name).then(|| Found::Template(source(entry)));
                }
                if file_type.is_symlink() {
                    return refused_link(&boundary, &root_owned, entry.path(), &name);
                }
                (!file_type.is_dir() && is_manifest_name(&name)).then(|| {
                    let kind = std::fs::symlink_metadata(entry.path())
                        .map_or(boundary::Refusal::NotRegular("special file"), |meta| {
                            boundary::refusal_for_kind(&meta)
                        });
                    Found::Error(WalkError {
                        rel: relative(&root_owned, entry.path()).into(),
                        message: kind.to_string(),
                    })
                })
            }
            Err(err) => Some(Found::Error(walk_error(&root_owned, &err))),
        });
    early.into_iter().map(Found::Error).chain(found).chain(
        std::iter::once_with(move || {
            std::mem::take(
                &mut *refused
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner),
            )
        })
        .flatten()
        .map(Found::Error),
    )
}

/// Whether `dir` (a folder named `vendor`) is Go's copy of the modules a
/// project builds with (`go mod vendor` writes `vendor/modules.txt`): third
/// parties' files, which the project neither applies nor may edit (the next
/// `go mod vendor` writes them again). Not walked, as `.git/` is not
/// (docs/input.md). The marker must be a regular file, not a link.
fn is_go_vendor(dir: &Path) -> bool {
    std::fs::symlink_metadata(dir.join("modules.txt")).is_ok_and(|meta| meta.is_file())
}

/// A link the walk met: `None` when it resolves inside the project (its target
/// is read under its own name), else the DVM003 that names it, when it could
/// hold manifests.
fn refused_link(boundary: &ProjectBoundary, root: &Path, link: &Path, name: &str) -> Option<Found> {
    match boundary.resolve(link) {
        Ok(_) => None,
        Err(refusal) => {
            let could_hold_manifests = is_manifest_name(name)
                || match refusal {
                    boundary::Refusal::Unresolved(_) => may_stand_for_input(link, name),
                    _ => std::fs::metadata(link).is_ok_and(|m| m.is_dir()),
                };
            could_hold_manifests.then(|| {
                Found::Error(WalkError {
                    rel: relative(root, link).into(),
                    message: refusal.to_string(),
                })
            })
        }
    }
}

/// Whether a link that does not resolve may stand for an input, a manifest
/// or a folder of them (its target is gone, so its kind is unknown): not when
/// the link and its target are named as files dvmlint never reads are
/// (`Makefile.local -> ../Makefile.local`, an optional file a Makefile
/// includes; `notes.txt`). A link to a folder (`kiada-0.4 -> ../app/`) or to
/// a manifest stands.
fn may_stand_for_input(link: &Path, name: &str) -> bool {
    let target = std::fs::read_link(link).ok();
    let target = target
        .as_deref()
        .map(Path::as_os_str)
        .map(|t| t.to_string_lossy());
    let Some(target) = target else {
        return true;
    };
    if target.ends_with('/') {
        return true;
    }
    let target_name = target.rsplit('/').next().unwrap_or(&target);
    if is_manifest_name(target_name) {
        return true;
    }
    !(named_as_unread_file(name) && named_as_unread_file(target_name))
}

/// Whether a file so named is never read, whatever it holds: a name of
/// [`is_other_file`], or one ending in an extension of two or more letters
/// that is neither a manifest's nor a template's (`rewrite.load`, Apache's
/// `mods-enabled/` links; `app.bak`). A folder's name rarely has one
/// (`conf.d`, `kiada-0.4` keep theirs: a letter, digits).
fn named_as_unread_file(name: &str) -> bool {
    is_other_file(name)
        || name.rsplit_once('.').is_some_and(|(stem, extension)| {
            !stem.is_empty()
                && extension.len() >= 2
                && extension.bytes().all(|b| b.is_ascii_alphabetic())
                && !["yaml", "yml", "json"]
                    .iter()
                    .chain(&TEMPLATE_SUFFIXES)
                    .any(|known| extension.eq_ignore_ascii_case(known))
        })
}

/// A name only files other than manifests bear: a build or text file by its
/// stem (`Makefile.local`, `README`), or a known extension of source, text,
/// image, archive or key files.
fn is_other_file(name: &str) -> bool {
    const STEMS: [&str; 12] = [
        "makefile",
        "gnumakefile",
        "dockerfile",
        "containerfile",
        "jenkinsfile",
        "vagrantfile",
        "readme",
        "license",
        "notice",
        "changelog",
        "owners",
        "codeowners",
    ];
    const EXTENSIONS: [&str; 44] = [
        "md",
        "txt",
        "adoc",
        "rst",
        "org",
        "html",
        "css",
        "sh",
        "bash",
        "zsh",
        "ps1",
        "py",
        "go",
        "rs",
        "js",
        "ts",
        "java",
        "rb",
        "pl",
        "c",
        "h",
        "cpp",
        "mk",
        "cfg",
        "conf",
        "ini",
        "toml",
        "env",
        "lock",
        "sum",
        "mod",
        "xml",
        "properties",
        "crt",
        "pem",
        "key",
        "pub",
        "png",
        "jpg",
        "svg",
        "gif",
        "pdf",
        "zip",
        "gz",
    ];
    let lower = name.to_ascii_lowercase();
    let stem = lower.split('.').next().unwrap_or(&lower);
    STEMS.contains(&stem)
        || lower
            .rsplit_once('.')
            .is_some_and(|(_, extension)| EXTENSIONS.contains(&extension))
}

/// Why the `.gitignore` of `dir` must not be read, if it must not: a link out
/// of the project, not a regular file, or too large.
fn unsafe_ignore_file(boundary: &ProjectBoundary, dir: &Path) -> Option<boundary::Refusal> {
    let path = dir.join(".gitignore");
    let meta = std::fs::symlink_metadata(&path).ok()?;
    let meta = if meta.file_type().is_symlink() {
        if let Err(refusal) = boundary.resolve(&path) {
            return Some(refusal);
        }
        std::fs::metadata(&path).ok()?
    } else {
        meta
    };
    if !meta.is_file() {
        return Some(boundary::refusal_for_kind(&meta));
    }
    (meta.len() > boundary::IGNORE_FILE_CAP).then_some(boundary::Refusal::TooLarge {
        size: meta.len(),
        limit: boundary::IGNORE_FILE_CAP,
    })
}

/// The files named on the command line (read even when excluded or ignored,
/// docs/input.md) and open editor buffers. A named path below the root is resolved
/// within the project: a link out of it is refused (a pre-commit hook names the
/// changed files, so a committed link reaches here too), a link inside is read
/// under its target's name. A path the user names outside the root is read as
/// named (a regular file, never `/proc`, `/sys` or `/dev`).
pub fn explicit_files(
    root: &Path,
    paths: &[PathBuf],
    buffers: impl Iterator<Item = PathBuf>,
) -> (Vec<SourceFile>, Vec<WalkError>) {
    let boundary = ProjectBoundary::new(root);
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for path in paths.iter().map(|p| absolute(p)) {
        let is_dir = std::fs::metadata(&path).is_ok_and(|m| m.is_dir());
        if is_dir || std::fs::symlink_metadata(&path).is_err() {
            continue;
        }
        let rel = relative(root, &path);
        let resolved = if path.starts_with(root) {
            boundary.resolve(&path).and_then(|canonical| {
                // Read by its real name below the root as typed (the text
                // name may escape bytes that are not UTF-8).
                let below = canonical
                    .strip_prefix(boundary.canonical_root())
                    .map_err(|_| boundary::Refusal::Outside)?;
                let rel = boundary
                    .relative(&canonical)
                    .ok_or(boundary::Refusal::Outside)?;
                Ok((root.join(below), rel))
            })
        } else {
            std::fs::canonicalize(&path)
                .map_err(boundary::Refusal::Io)
                .and_then(|canonical| {
                    if boundary::is_system_path(&canonical) {
                        Err(boundary::Refusal::System)
                    } else {
                        Ok((canonical, rel.clone()))
                    }
                })
        };
        match resolved {
            Ok((path, _))
                if is_own_output(
                    &path,
                    &path.file_name().unwrap_or_default().to_string_lossy(),
                ) => {}
            Ok((path, rel)) => {
                if seen.insert(path.clone()) {
                    files.push(SourceFile {
                        rel: rel.into(),
                        path,
                    });
                }
            }
            Err(refusal) => errors.push(WalkError {
                rel: rel.into(),
                message: refusal.to_string(),
            }),
        }
    }
    for path in buffers {
        if seen.insert(path.clone()) {
            files.push(SourceFile {
                rel: relative(root, &path).into(),
                path,
            });
        }
    }
    (files, errors)
}

/// Every manifest file below `root`, sorted, plus the paths that could not be read.
pub fn walk(
    root: &Path,
    options: &WalkOptions,
    excluded: &GlobSet,
) -> (Vec<SourceFile>, Vec<WalkError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for found in walk_iter(root, options, excluded) {
        match found {
            Found::File(file) => files.push(file),
            // Not a file to lint (`lint::templates` scans them).
            Found::Template(_) => {}
            Found::Error(err) => errors.push(err),
        }
    }
    files.sort();
    files.dedup();
    (files, errors)
}

fn walk_error(root: &Path, err: &ignore::Error) -> WalkError {
    let path = error_path(err);
    WalkError {
        rel: path
            .map_or_else(|| ".".to_owned(), |p| relative(root, p))
            .into(),
        message: err.to_string(),
    }
}

fn error_path(err: &ignore::Error) -> Option<&Path> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::Loop { child, .. } => Some(child),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_and_baselines_are_told_by_their_first_bytes() {
        for head in [
            "{\n  \"version\": 1,\n  \"findings\": [\n",
            "{\"version\":1,\"fingerprint\":\"dvmlint/v1\",\"findings\":[]}",
            "\u{feff}[\n  {\n    \"type\": \"issue\",\n    \"check_name\": \"DVM401\"",
            "{\n  \"$schema\": \"https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json\",",
        ] {
            assert!(is_report_head(head.as_bytes()), "{head}");
        }
        for head in [
            "{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\"}",
            "{\"$schema\": \"https://json-schema.org/draft/2020-12/schema\", \"type\": \"object\"}",
            "{\"version\": 2, \"findings\": []}",
            "[]",
            "",
        ] {
            assert!(!is_report_head(head.as_bytes()), "{head}");
        }
    }

    /// A manifest's name with a template suffix, any case, is a template's;
    /// nothing else is, and the manifest test reads names as it did before
    /// it stopped allocating.
    #[test]
    fn template_names_and_manifest_names() {
        for name in [
            "network-policies.yaml.tpl",
            "a.yml.tpl",
            "a.yaml.tmpl",
            "a.yml.tmpl",
            "a.yaml.template",
            "a.yml.template",
            "a.yaml.j2",
            "a.yml.j2",
            "a.yaml.jinja",
            "a.yaml.jinja2",
            "a.yml.jinja2",
            "A.YAML.TPL",
            "policy.Yml.J2",
            ".yaml.tpl",
        ] {
            assert!(is_template_name(name), "{name}");
            assert!(!is_manifest_name(name), "{name}");
        }
        for name in [
            "_helpers.tpl",
            "a.tpl",
            "a.json.tpl",
            "a.yaml",
            "a.yaml.bak",
            "a.yaml.tpl.bak",
            "a.yamltpl",
            "ayaml.tpl",
            "a.yaml.gotmpl",
            "a.yaml.",
            "tpl",
            "",
            "é.yaml.tpl.md",
        ] {
            assert!(!is_template_name(name), "{name}");
        }
        let before = |name: &str| {
            let lower = name.to_ascii_lowercase();
            (lower.ends_with(".yaml") || lower.ends_with(".yml") || lower.ends_with(".json"))
                && !config::FILE_NAMES.contains(&name)
        };
        for name in [
            "a.yaml",
            "A.YML",
            "b.Json",
            "é.yaml",
            "yaml",
            ".yml",
            "a.yaml.tpl",
            "a.jso",
            ".dvmlint.yaml",
            "dvmlint.yaml",
            "x.ÿaml",
            "",
        ] {
            assert_eq!(is_manifest_name(name), before(name), "{name}");
        }
    }

    #[test]
    fn relative_text_shortcut_agrees_with_components() {
        for root in [
            "/repo",
            "/repo/",
            "/",
            "/a/./repo",
            "/a//repo",
            "/a/../repo",
            "rel/repo",
        ] {
            let root = Path::new(root);
            for rel in [
                "a.yaml",
                "a/./b.yaml",
                "./a.yaml",
                "a//b.yaml",
                "a/..",
                "",
                "/abs.yaml",
            ] {
                let path = root.join(rel);
                let expected = path
                    .strip_prefix(root)
                    .ok()
                    .map_or_else(|| by_components(&path), by_components);
                assert_eq!(relative(root, &path), expected, "{root:?} {rel}");
            }
        }
        let root = Path::new("/repo");
        for rel in [
            "a.yaml",
            "clusters/source/ns-0/file.yaml",
            "a/./b.yaml",
            "./a.yaml",
            "a//b.yaml",
            "a/b/",
            "a/../b.yaml",
            ".",
            "",
            "a/.",
            "x y/ü.yml",
        ] {
            let path = root.join(rel);
            assert_eq!(
                relative(root, &path),
                by_components(path.strip_prefix(root).unwrap_or(&path)),
                "{rel}"
            );
        }
        assert_eq!(relative(root, Path::new("/other/x.yaml")), "/other/x.yaml");
    }
}
