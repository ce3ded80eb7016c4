//! `dvmlint lsp` (docs/editors.md): a language server on stdin/stdout.
//!
//! The protocol is `lsp-server` (rust-analyzer's JSON-RPC over stdio, one
//! synchronous loop) and `lsp-types`. Every lint is a whole [`crate::lint::run`]
//! over the project with the open buffers as overlays, so cross-file rules see
//! what the editor shows; after each lint every open document gets its
//! diagnostics again, which is how a change in one file refreshes the others.
//!
//! - `documents`: the open buffers (full-document sync)
//! - `position`: dvmlint's scalar columns to LSP's UTF-16 (or UTF-32) ones
//! - `diagnostics`: findings to diagnostics, secrets masked
//! - `actions`: the suppression and allow-policy quick fixes
//! - `server`: initialize, the debounced loop, shutdown

pub(crate) mod actions;
mod diagnostics;
mod documents;
mod position;
mod server;
pub mod transport;

/// Serves on stdin/stdout until `exit`; returns the process exit code (0 after
/// a `shutdown` then `exit`, 1 otherwise, as LSP asks). Messages over
/// `max_message` bytes, and malformed frames, are answered with an error and
/// skipped (`transport`).
pub fn serve(max_message: usize) -> i32 {
    let (connection, threads) = match transport::stdio(max_message) {
        Ok(pair) => pair,
        Err(err) => {
            eprintln!("dvmlint lsp: {err}");
            return 1;
        }
    };
    let code = server::run(&connection);
    drop(connection);
    match threads.join() {
        Ok(()) => code,
        Err(err) => {
            eprintln!("dvmlint lsp: {err}");
            1
        }
    }
}
