//! `dvmlint lsp` (SPEC §9): a language server on stdin/stdout.
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

/// Serves on stdin/stdout until `exit`; returns the process exit code (0 after
/// a `shutdown` then `exit`, 1 otherwise, as LSP asks).
pub fn serve() -> i32 {
    let (connection, io_threads) = lsp_server::Connection::stdio();
    let code = server::run(&connection);
    drop(connection);
    match io_threads.join() {
        Ok(()) => code,
        Err(err) => {
            eprintln!("dvmlint lsp: {err}");
            1
        }
    }
}
