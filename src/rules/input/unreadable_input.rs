//! DVM003 unreadable-input: files or folders that cannot be read (permissions,
//! symlink loops, files over `max-file-size`). The rest is still linted.

use std::sync::Arc;

use crate::finding::{Finding, Location};
use crate::yaml::Span;

fn at_start(file: &Arc<str>, message: String) -> Finding {
    Finding::new("DVM003", Location::new(file, Span::line_start(1)), message)
}

pub fn io_error(file: &Arc<str>, error: &std::io::Error) -> Finding {
    at_start(file, format!("cannot read this file: {error}"))
        .help("fix its permissions, or exclude it with `exclude:` in .dvmlint.yaml")
}

/// A path the project boundary refused (`crate::boundary`): the reason, never
/// anything read through it.
pub fn refused(file: &Arc<str>, refusal: &crate::boundary::Refusal) -> Finding {
    at_start(file, format!("cannot read this path: {refusal}")).help(
        "dvmlint reads only regular files inside the project; name a file on the command line \
         to read it from elsewhere, or exclude the path with `exclude:` in .dvmlint.yaml",
    )
}

pub fn walk_error(file: &Arc<str>, message: &str) -> Finding {
    at_start(file, format!("cannot read this path: {message}")).help(
        "fix the permissions or the symlink, or exclude the path with `exclude:` in .dvmlint.yaml",
    )
}

/// The header `git-crypt` writes before a file it encrypts.
pub const GIT_CRYPT: &[u8] = b"\0GITCRYPT\0";

/// A file `git-crypt` keeps encrypted (a Secret, mostly): not text until the
/// repository is unlocked, so not read, and said so, as an info (the
/// encryption is meant; its contents are unknown to dvmlint).
pub fn encrypted(file: &Arc<str>) -> Finding {
    at_start(
        file,
        "skipped: the file is encrypted by git-crypt, and dvmlint cannot read what it holds".to_owned(),
    )
    .severity(crate::finding::Severity::Info)
    .help("run dvmlint where the repository is unlocked (`git-crypt unlock`) to lint it, or exclude it")
}

pub fn too_large(file: &Arc<str>, size: u64, limit: u64) -> Finding {
    at_start(
        file,
        format!(
            "skipped: the file is {} bytes, over the {limit}-byte `max-file-size`",
            size
        ),
    )
    .help(
        "raise `max-file-size` in .dvmlint.yaml if this file really holds manifests, or exclude it",
    )
}
