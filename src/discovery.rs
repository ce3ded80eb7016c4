//! Finding the project root and the files to lint (SPEC §1 "Paths and context", §2).
//!
//! The walk is sequential and cheap (it only lists paths); reading and parsing,
//! the expensive part, is done in parallel by `crate::lint`, which pulls files
//! from [`walk_iter`] as the walk finds them. Files are sorted before the model
//! is built, so that every later stage sees them in the same order whatever the
//! thread count. `ignore` (built on `walkdir`) is used instead of bare `walkdir` because
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
    // The walker's paths are clean: their text is already the answer.
    if std::path::MAIN_SEPARATOR == '/'
        && let Some(text) = rel.to_str()
        && !text.is_empty()
        && !text.starts_with('/')
        && !text.ends_with('/')
        && !text.starts_with("./")
        && !text.contains("//")
        && !text.contains("/./")
        && !text.ends_with("/.")
        && text != "."
    {
        return text.to_owned();
    }
    by_components(rel)
}

fn by_components(rel: &Path) -> String {
    let text = rel
        .components()
        .map(|c| match c {
            // Joined with `/` below: an absolute path keeps one leading `/`.
            Component::RootDir => "".into(),
            other => other.as_os_str().to_string_lossy(),
        })
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

/// What the walk meets: a file to lint, or a path it could not read.
#[derive(Debug)]
pub enum Found {
    File(SourceFile),
    Error(WalkError),
}

/// The manifest files below `root` and the paths that could not be read, in
/// the walker's order (not sorted). `crate::lint` pulls from it from its worker
/// threads, so files are parsed while the walk goes on, and sorts afterwards.
pub fn walk_iter(
    root: &Path,
    options: &WalkOptions,
    excluded: &GlobSet,
) -> impl Iterator<Item = Found> + Send + use<> {
    let root_owned = root.to_path_buf();
    let filter_root = root.to_path_buf();
    let filter_set = excluded.clone();
    ignore::WalkBuilder::new(root)
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
            filter_set.is_empty() || !filter_set.is_match(relative(&filter_root, entry.path()))
        })
        .build()
        .filter_map(move |entry| match entry {
            Ok(entry) => {
                let is_file = entry.file_type().is_some_and(|t| t.is_file());
                (is_file && is_manifest_name(&entry.file_name().to_string_lossy())).then(|| {
                    Found::File(SourceFile {
                        rel: relative(&root_owned, entry.path()).into(),
                        path: entry.into_path(),
                    })
                })
            }
            Err(err) => Some(Found::Error(walk_error(&root_owned, &err))),
        })
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
    fn relative_text_shortcut_agrees_with_components() {
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
