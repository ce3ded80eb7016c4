//! Finding the project root and the files to lint (SPEC §1 "Paths and context", §2).
//!
//! The walk is sequential and cheap (it only lists paths); reading and parsing,
//! the expensive part, is done in parallel by `crate::lint`. The list is sorted
//! so that every later stage sees files in the same order whatever the thread
//! count. `ignore` (built on `walkdir`) is used instead of bare `walkdir` because
//! it implements `.gitignore` semantics, including nested files and negations.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

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

/// The project root and its configuration (SPEC §1): the folder of the config
/// file, else the Git work tree holding the first path, else that path.
pub fn project_root(
    first: &Path,
    explicit_config: Option<&Path>,
    use_config: bool,
) -> Result<(PathBuf, Config), ConfigError> {
    let first = absolute(first);
    let config_path = match explicit_config {
        Some(path) => Some(absolute(path)),
        None if use_config => config::discover(&first),
        None => None,
    };
    if let Some(path) = config_path {
        let config = config::load(&path)?;
        let root = path
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        return Ok((root, config));
    }
    let start = if first.is_file() {
        first
            .parent()
            .map_or_else(|| first.clone(), Path::to_path_buf)
    } else {
        first.clone()
    };
    let root = start
        .ancestors()
        .find(|dir| dir.join(".git").exists())
        .map_or(start.clone(), Path::to_path_buf);
    Ok((root, Config::default()))
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
    let rel = path.strip_prefix(root).unwrap_or(path);
    let text = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    if text.is_empty() {
        ".".to_owned()
    } else {
        text
    }
}

fn is_manifest_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    (lower.ends_with(".yaml") || lower.ends_with(".yml") || lower.ends_with(".json"))
        && !config::FILE_NAMES.contains(&name)
}

/// Globs for `exclude`; a plain folder name excludes everything below it.
pub fn exclude_set(patterns: &[String]) -> Result<GlobSet, String> {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        let trimmed = pattern.trim_start_matches("./").trim_end_matches('/');
        for variant in [trimmed.to_owned(), format!("{trimmed}/**")] {
            let glob = GlobBuilder::new(&variant)
                .literal_separator(true)
                .build()
                .map_err(|err| format!("invalid exclude glob `{pattern}`: {}", err.kind()))?;
            builder.add(glob);
        }
    }
    builder.build().map_err(|err| err.to_string())
}

/// Every manifest file below `root`, sorted, plus the paths that could not be read.
pub fn walk(
    root: &Path,
    options: &WalkOptions,
    excluded: &GlobSet,
) -> (Vec<SourceFile>, Vec<WalkError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let root_owned = root.to_path_buf();
    let filter_set = excluded.clone();
    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .ignore(false)
        .parents(true)
        .git_ignore(options.respect_gitignore)
        .git_exclude(options.respect_gitignore)
        .git_global(false)
        .require_git(false)
        .follow_links(true)
        .filter_entry(move |entry| {
            let name = entry.file_name();
            if entry.depth() > 0
                && entry.file_type().is_some_and(|t| t.is_dir())
                && (name == ".git" || name == ".dvmlint-cache")
            {
                return false;
            }
            let rel = relative(&root_owned, entry.path());
            !filter_set.is_match(&rel)
        })
        .build();
    for entry in walker {
        match entry {
            Ok(entry) => {
                let is_file = entry.file_type().is_some_and(|t| t.is_file());
                let name = entry.file_name().to_string_lossy();
                if is_file && is_manifest_name(&name) {
                    files.push(SourceFile {
                        rel: relative(root, entry.path()).into(),
                        path: entry.into_path(),
                    });
                }
            }
            Err(err) => errors.push(walk_error(root, &err)),
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
