//! `dvmlint lsp` (docs/editors.md): a language server on stdin/stdout.
//!
//! The protocol is `lsp-server` (rust-analyzer's JSON-RPC over stdio, one
//! synchronous loop) and `lsp-types`. Each workspace folder is a project whose
//! per-file results stay in memory ([`crate::lint::retained`]): a change
//! re-reads only the changed buffer, then the model and the project rules run
//! again on the whole project, so cross-file rules see what the editor shows;
//! the changed document is published first, then the other open documents
//! whose diagnostics changed.
//!
//! - `documents`: the open buffers (full-document sync)
//! - `position`: dvmlint's scalar columns to LSP's UTF-16 (or UTF-32) ones
//! - `diagnostics`: findings to diagnostics, secrets masked
//! - `actions`: the suppression and allow-policy quick fixes
//! - `server`: initialize, workspaces, the message loop, shutdown

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
