//! The server loop: initialize, then notifications and requests one at a time.
//!
//! Changes are debounced: a `didChange` schedules a lint 200 ms later and every
//! further change within the window pushes it back (at most one second after
//! the first pending change), so a burst of keystrokes costs one lint. Opens,
//! saves and closes lint as soon as the queued messages are handled.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crossbeam_channel::RecvTimeoutError;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, DidSaveTextDocument,
    LogMessage, Notification as _, PublishDiagnostics, ShowMessage,
};
use lsp_types::request::{CodeActionRequest, Request as _};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, Diagnostic, InitializeParams,
    MessageType, PublishDiagnosticsParams, SaveOptions, ServerCapabilities, ServerInfo,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions, Url,
};

use crate::lint::{self, LintError, LintOptions};

use super::diagnostics::{self, Published};
use super::documents::Documents;
use super::position::Encoding;

const DEBOUNCE: Duration = Duration::from_millis(200);
const MAX_DELAY: Duration = Duration::from_secs(1);

struct Server<'c> {
    connection: &'c Connection,
    /// The workspace folder: where the project root and config are looked for.
    workspace: PathBuf,
    encoding: Encoding,
    documents: Documents,
    /// What was last published per open document, for code actions.
    published: BTreeMap<Url, Vec<Published>>,
    /// The configuration error last shown, so that it is shown once.
    config_error: Option<String>,
    /// When the next lint is due, and since when one has been pending.
    due: Option<(Instant, Instant)>,
    /// Documents outside the project already logged as not linted.
    noted_outside: BTreeSet<Url>,
}

/// Runs the whole session; returns the exit code.
pub fn run(connection: &Connection) -> i32 {
    let (id, params) = match connection.initialize_start() {
        Ok(start) => start,
        Err(err) => {
            eprintln!("dvmlint lsp: {err}");
            return 1;
        }
    };
    let params: InitializeParams = serde_json::from_value(params).unwrap_or_default();
    let encoding = Encoding::negotiate(
        params
            .capabilities
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_deref()),
    );
    let result = serde_json::json!({
        "capabilities": capabilities(encoding),
        "serverInfo": ServerInfo {
            name: "dvmlint".to_owned(),
            version: Some(env!("CARGO_PKG_VERSION").to_owned()),
        },
    });
    if let Err(err) = connection.initialize_finish(id, result) {
        eprintln!("dvmlint lsp: {err}");
        return 1;
    }
    let mut server = Server {
        connection,
        workspace: workspace_root(&params),
        encoding,
        documents: Documents::default(),
        published: BTreeMap::new(),
        config_error: None,
        due: None,
        noted_outside: BTreeSet::new(),
    };
    server.check_config();
    server.serve()
}

fn capabilities(encoding: Encoding) -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(encoding.kind()),
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::FULL),
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                    include_text: Some(false),
                })),
                ..TextDocumentSyncOptions::default()
            },
        )),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..CodeActionOptions::default()
        })),
        ..ServerCapabilities::default()
    }
}

/// The first workspace folder, else `rootUri`, else the deprecated `rootPath`,
/// else the current folder.
#[allow(deprecated)]
fn workspace_root(params: &InitializeParams) -> PathBuf {
    let from_uri = |uri: &Url| uri.to_file_path().ok();
    params
        .workspace_folders
        .as_ref()
        .and_then(|folders| folders.iter().find_map(|f| from_uri(&f.uri)))
        .or_else(|| params.root_uri.as_ref().and_then(from_uri))
        .or_else(|| params.root_path.as_ref().map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("."))
}

impl Server<'_> {
    fn serve(&mut self) -> i32 {
        loop {
            let received = match self.due {
                Some((at, _)) => self.connection.receiver.recv_deadline(at),
                None => self
                    .connection
                    .receiver
                    .recv()
                    .map_err(|_| RecvTimeoutError::Disconnected),
            };
            let message = match received {
                Ok(message) => message,
                Err(RecvTimeoutError::Timeout) => {
                    self.due = None;
                    self.lint();
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => return 1,
            };
            match message {
                Message::Request(request) => match self.connection.handle_shutdown(&request) {
                    Ok(true) => return 0,
                    Ok(false) => self.request(request),
                    Err(err) => {
                        eprintln!("dvmlint lsp: {err}");
                        return 1;
                    }
                },
                Message::Notification(notification)
                    if notification.method == lsp_types::notification::Exit::METHOD =>
                {
                    return 1;
                }
                Message::Notification(notification) => self.notification(notification),
                Message::Response(_) => {}
            }
        }
    }

    fn notification(&mut self, notification: Notification) {
        let method = notification.method.clone();
        let handled = match method.as_str() {
            DidOpenTextDocument::METHOD => notification
                .extract::<lsp_types::DidOpenTextDocumentParams>(DidOpenTextDocument::METHOD)
                .map(|p| {
                    self.documents
                        .open(p.text_document.uri, p.text_document.text);
                    self.schedule(Duration::ZERO);
                }),
            DidChangeTextDocument::METHOD => notification
                .extract::<lsp_types::DidChangeTextDocumentParams>(DidChangeTextDocument::METHOD)
                .map(|p| {
                    // Full sync: the last change holds the whole text.
                    if let Some(change) = p.content_changes.into_iter().last() {
                        self.documents.change(p.text_document.uri, change.text);
                    }
                    self.schedule(DEBOUNCE);
                }),
            DidSaveTextDocument::METHOD => notification
                .extract::<lsp_types::DidSaveTextDocumentParams>(DidSaveTextDocument::METHOD)
                .map(|p| {
                    if let Some(text) = p.text {
                        self.documents.change(p.text_document.uri, text);
                    }
                    // A saved `.dvmlint.yaml` may change everything.
                    self.schedule(Duration::ZERO);
                }),
            DidCloseTextDocument::METHOD => notification
                .extract::<lsp_types::DidCloseTextDocumentParams>(DidCloseTextDocument::METHOD)
                .map(|p| {
                    let uri = p.text_document.uri;
                    self.documents.close(&uri);
                    self.published.remove(&uri);
                    self.publish(uri, Vec::new());
                    // The disk now replaces the buffer for the other documents.
                    self.schedule(Duration::ZERO);
                }),
            _ => Ok(()),
        };
        if let Err(err) = handled {
            self.log(MessageType::WARNING, &format!("{method}: {err}"));
        }
    }

    fn request(&mut self, request: Request) {
        let id = request.id.clone();
        let response = match request.method.as_str() {
            CodeActionRequest::METHOD => {
                match request.extract::<lsp_types::CodeActionParams>(CodeActionRequest::METHOD) {
                    Ok((id, params)) => Response::new_ok(id, self.code_actions(&params)),
                    Err(err) => Response::new_err(
                        id,
                        ErrorCode::InvalidParams as i32,
                        format!("invalid codeAction params: {err}"),
                    ),
                }
            }
            method => Response::new_err(
                id,
                ErrorCode::MethodNotFound as i32,
                format!("dvmlint does not handle {method}"),
            ),
        };
        self.send(response.into());
    }

    fn code_actions(
        &self,
        params: &lsp_types::CodeActionParams,
    ) -> Vec<lsp_types::CodeActionOrCommand> {
        let uri = &params.text_document.uri;
        let (Some(doc), Some(published)) = (self.documents.get(uri), self.published.get(uri))
        else {
            return Vec::new();
        };
        super::actions::for_range(uri, &doc.text, params.range, published, self.encoding)
    }

    /// Lints `delay` from now, or sooner if a lint is already due.
    fn schedule(&mut self, delay: Duration) {
        let now = Instant::now();
        let since = self.due.map_or(now, |(_, since)| since);
        let mut at = (now + delay).min(since + MAX_DELAY);
        if let Some((due, _)) = self.due
            && delay.is_zero()
        {
            at = at.min(due);
        }
        self.due = Some((at, since));
    }

    /// The project root and whether its configuration loads; a new error is
    /// shown once as a message, and the server keeps serving.
    fn check_config(&mut self) -> Option<PathBuf> {
        match crate::discovery::project_root(&self.workspace, None, true) {
            Ok((root, _)) => {
                if self.config_error.take().is_some() {
                    self.show(
                        MessageType::INFO,
                        "dvmlint: the configuration is valid again",
                    );
                }
                Some(root)
            }
            Err(err) => {
                let text = format!("dvmlint: invalid configuration: {err}");
                if self.config_error.as_deref() != Some(text.as_str()) {
                    self.show(MessageType::ERROR, &text);
                    self.config_error = Some(text);
                }
                None
            }
        }
    }

    fn lint(&mut self) {
        if self.documents.is_empty() {
            return;
        }
        let Some(root) = self.check_config() else {
            return;
        };
        let options = LintOptions {
            paths: vec![self.workspace.clone()],
            overlays: self.documents.overlays(&root),
            // Charts and overlays are rendered from disk; their outputs are
            // reused until an input changes on disk.
            render_cache: true,
            ..LintOptions::default()
        };
        // A defect in a rule must not take the editor's server down with it:
        // the panic is reported (its message went to stderr) and the session goes on.
        let outcome =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| lint::run(&options)));
        let run = match outcome {
            Ok(Ok(run)) => run,
            Err(_) => {
                self.show(
                    MessageType::ERROR,
                    "dvmlint: internal error while linting (see the server's stderr); diagnostics were not updated",
                );
                return;
            }
            Ok(Err(err)) => {
                let kind = match err {
                    LintError::Config(_) => MessageType::ERROR,
                    LintError::Usage(_) => MessageType::WARNING,
                };
                self.show(kind, &format!("dvmlint: {err}"));
                return;
            }
        };
        let fresh = diagnostics::for_open_documents(&run, &self.documents, self.encoding);
        let stale: BTreeSet<Url> = self
            .published
            .keys()
            .filter(|uri| !fresh.contains_key(*uri))
            .cloned()
            .collect();
        for uri in stale {
            self.publish(uri, Vec::new());
        }
        self.published = fresh;
        let outgoing: Vec<(Url, Vec<Diagnostic>)> = self
            .published
            .iter()
            .map(|(uri, items)| {
                (
                    uri.clone(),
                    items.iter().map(|p| p.diagnostic.clone()).collect(),
                )
            })
            .collect();
        for (uri, diagnostics) in outgoing {
            self.publish(uri, diagnostics);
        }
        self.note_outside(&run.root);
    }

    /// Documents outside the project get no diagnostics; say why, once each.
    fn note_outside(&mut self, root: &Path) {
        let outside: Vec<Url> = self
            .documents
            .iter()
            .filter(|(uri, doc)| {
                !self.published.contains_key(*uri)
                    && !self.noted_outside.contains(*uri)
                    && doc.path.as_ref().is_some_and(|p| !p.starts_with(root))
            })
            .map(|(uri, _)| uri.clone())
            .collect();
        for uri in outside {
            self.noted_outside.insert(uri.clone());
            self.log(
                MessageType::INFO,
                &format!(
                    "dvmlint: {uri} is outside the project {}; not linted",
                    root.display()
                ),
            );
        }
    }

    fn publish(&self, uri: Url, diagnostics: Vec<Diagnostic>) {
        let params = PublishDiagnosticsParams {
            uri,
            diagnostics,
            version: None,
        };
        self.send(Notification::new(PublishDiagnostics::METHOD.to_owned(), params).into());
    }

    fn show(&self, typ: MessageType, message: &str) {
        let params = lsp_types::ShowMessageParams {
            typ,
            message: message.to_owned(),
        };
        self.send(Notification::new(ShowMessage::METHOD.to_owned(), params).into());
    }

    fn log(&self, typ: MessageType, message: &str) {
        let params = lsp_types::LogMessageParams {
            typ,
            message: message.to_owned(),
        };
        self.send(Notification::new(LogMessage::METHOD.to_owned(), params).into());
    }

    fn send(&self, message: Message) {
        // A closed channel means the client is gone; the loop ends on its own.
        let _ = self.connection.sender.send(message);
    }
}
