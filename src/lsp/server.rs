//! The server loop: initialize, then notifications and requests one at a time.
//!
//! Every workspace folder is a project of its own ([`Workspace`]), whose
//! per-file results stay in memory ([`Retained`]). A change marks work on
//! the workspace that owns the file; the work runs once every message
//! already received has been handled, so a burst of keystrokes that arrives
//! while a lint runs costs one more lint, not one per keystroke. After each
//! lint the changed documents are published first, then every other open
//! document whose diagnostics changed, and only those.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crossbeam_channel::TryRecvError;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidChangeWatchedFiles, DidChangeWorkspaceFolders, DidCloseTextDocument,
    DidOpenTextDocument, DidSaveTextDocument, LogMessage, Notification as _, PublishDiagnostics,
    ShowMessage,
};
use lsp_types::request::{CodeActionRequest, RegisterCapability, Request as _};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, Diagnostic,
    DiagnosticSeverity, FileChangeType, InitializeParams, MessageType, PublishDiagnosticsParams,
    SaveOptions, ServerCapabilities, ServerInfo, TextDocumentSyncCapability, TextDocumentSyncKind,
    TextDocumentSyncOptions, TextDocumentSyncSaveOptions, Url,
};

use crate::config::ConfigError;
use crate::lint::retained::{self, Retained, Update};
use crate::lint::{LintError, LintOptions, LintRun};

use super::diagnostics::{self, Published};
use super::documents::Documents;
use super::position::{Encoding, LineText};

/// The id of the file watcher registered with the client.
const WATCHER_ID: &str = "dvmlint-watched-files";

struct Server<'c> {
    connection: &'c Connection,
    workspaces: Vec<Workspace>,
    encoding: Encoding,
    documents: Documents,
    /// What was last published per open document, for code actions and to
    /// publish only what changed.
    published: BTreeMap<Url, Vec<Published>>,
    /// Documents outside every project already logged as not linted.
    noted_outside: BTreeSet<Url>,
    next_request: i32,
}

/// One workspace folder: a project root with its own configuration.
struct Workspace {
    folder: PathBuf,
    /// The kept per-file results; `None` until loaded, and while the
    /// configuration is invalid.
    retained: Option<Retained>,
    pending: Pending,
    /// The configuration error last reported, so that it is reported once.
    config_error: Option<String>,
    /// The configuration buffer that shows the error, if it is open.
    error_in: Option<Url>,
    /// What the configuration was when last loaded (its path and a hash of
    /// its text): a save compares it with the disk's, so a configuration
    /// changed behind the editor is noticed without a file watcher.
    config_stamp: Option<ConfigStamp>,
}

type ConfigStamp = (Option<PathBuf>, u64);

/// Work waiting for the message queue to empty.
#[derive(Default)]
struct Pending {
    /// Read the whole project again (first load, a configuration change).
    reload: bool,
    /// List the project again (files created or deleted outside the editor).
    rewalk: bool,
    /// Files to analyse again (from their buffer, else from disk).
    files: BTreeSet<PathBuf>,
    /// Documents the editor changed, in order: published first.
    changed: Vec<Url>,
    /// A lint is due (also for a change that altered no kept result).
    lint: bool,
    /// Reload if the configuration differs from the one loaded (a save).
    check_config: bool,
}

impl Pending {
    fn any(&self) -> bool {
        self.reload || self.rewalk || self.lint || self.check_config || !self.files.is_empty()
    }
}

impl Workspace {
    fn new(folder: PathBuf) -> Workspace {
        Workspace {
            folder,
            retained: None,
            pending: Pending {
                reload: true,
                ..Pending::default()
            },
            config_error: None,
            error_in: None,
            config_stamp: None,
        }
    }

    /// Where the project's files are: the root found by the last load, else
    /// the folder.
    fn root(&self) -> &Path {
        self.retained.as_ref().map_or(&self.folder, Retained::root)
    }
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
        workspaces: workspace_folders(&params)
            .into_iter()
            .map(Workspace::new)
            .collect(),
        encoding,
        documents: Documents::default(),
        published: BTreeMap::new(),
        noted_outside: BTreeSet::new(),
        next_request: 0,
    };
    let dynamic_watch = params
        .capabilities
        .workspace
        .as_ref()
        .and_then(|w| w.did_change_watched_files.as_ref())
        .and_then(|w| w.dynamic_registration)
        .unwrap_or(false);
    if dynamic_watch {
        server.register_watcher();
    }
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
        workspace: Some(lsp_types::WorkspaceServerCapabilities {
            workspace_folders: Some(lsp_types::WorkspaceFoldersServerCapabilities {
                supported: Some(true),
                change_notifications: Some(lsp_types::OneOf::Left(true)),
            }),
            file_operations: None,
        }),
        ..ServerCapabilities::default()
    }
}

/// Every workspace folder, else `rootUri`, else the deprecated `rootPath`,
/// else the current folder.
#[allow(deprecated)]
fn workspace_folders(params: &InitializeParams) -> Vec<PathBuf> {
    let from_uri = |uri: &Url| uri.to_file_path().ok();
    let mut folders: Vec<PathBuf> = params
        .workspace_folders
        .iter()
        .flatten()
        .filter_map(|f| from_uri(&f.uri))
        .map(|p| crate::discovery::absolute(&p))
        .collect();
    folders.dedup();
    if folders.is_empty() {
        folders.push(crate::discovery::absolute(
            &params
                .root_uri
                .as_ref()
                .and_then(from_uri)
                .or_else(|| params.root_path.as_ref().map(PathBuf::from))
                .unwrap_or_else(|| PathBuf::from(".")),
        ));
    }
    folders
}

impl Server<'_> {
    fn serve(&mut self) -> i32 {
        loop {
            // Work waits until every message already received is handled.
            let received = if self.workspaces.iter().any(|w| w.pending.any()) {
                match self.connection.receiver.try_recv() {
                    Ok(message) => Some(message),
                    Err(TryRecvError::Empty) => None,
                    Err(TryRecvError::Disconnected) => return 1,
                }
            } else {
                // Idle. A document opened outside every project makes no
                // work pending, so `work` would not note it until some later
                // edit: note it before waiting.
                self.note_outside();
                match self.connection.receiver.recv() {
                    Ok(message) => Some(message),
                    Err(_) => return 1,
                }
            };
            let Some(message) = received else {
                self.work();
                continue;
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
                    let uri = p.text_document.uri;
                    self.documents.open(uri.clone(), p.text_document.text);
                    self.edited(&uri);
                }),
            DidChangeTextDocument::METHOD => notification
                .extract::<lsp_types::DidChangeTextDocumentParams>(DidChangeTextDocument::METHOD)
                .map(|p| {
                    let uri = p.text_document.uri;
                    // Full sync: the last change holds the whole text.
                    if let Some(change) = p.content_changes.into_iter().last() {
                        self.documents.change(uri.clone(), change.text);
                    }
                    self.edited(&uri);
                }),
            DidSaveTextDocument::METHOD => notification
                .extract::<lsp_types::DidSaveTextDocumentParams>(DidSaveTextDocument::METHOD)
                .map(|p| {
                    let uri = p.text_document.uri;
                    if let Some(text) = p.text {
                        self.documents.change(uri.clone(), text);
                    }
                    // The disk changed: charts and Kustomize roots render
                    // again, and the configuration may have changed too.
                    self.edited(&uri);
                    if let Some(path) = self.documents.get(&uri).and_then(|d| d.path.clone())
                        && let Some(ws) = self.owner(&path)
                    {
                        ws.pending.check_config = true;
                    }
                }),
            DidCloseTextDocument::METHOD => notification
                .extract::<lsp_types::DidCloseTextDocumentParams>(DidCloseTextDocument::METHOD)
                .map(|p| {
                    let uri = p.text_document.uri;
                    let path = self.documents.get(&uri).and_then(|d| d.path.clone());
                    self.documents.close(&uri);
                    self.published.remove(&uri);
                    self.publish(uri, Vec::new());
                    // The disk now replaces the buffer for the other documents.
                    if let Some(path) = path {
                        self.file_changed(&path, None);
                    }
                }),
            DidChangeWatchedFiles::METHOD => notification
                .extract::<lsp_types::DidChangeWatchedFilesParams>(DidChangeWatchedFiles::METHOD)
                .map(|p| {
                    for change in p.changes {
                        if let Ok(path) = change.uri.to_file_path() {
                            self.file_changed(&crate::discovery::absolute(&path), Some(change.typ));
                        }
                    }
                }),
            DidChangeWorkspaceFolders::METHOD => notification
                .extract::<lsp_types::DidChangeWorkspaceFoldersParams>(
                    DidChangeWorkspaceFolders::METHOD,
                )
                .map(|p| self.folders_changed(p.event)),
            _ => Ok(()),
        };
        if let Err(err) = handled {
            self.log(MessageType::WARNING, &format!("{method}: {err}"));
        }
    }

    /// An open document was opened, changed or saved.
    fn edited(&mut self, uri: &Url) {
        let Some(path) = self.documents.get(uri).and_then(|d| d.path.clone()) else {
            return;
        };
        if let Some(ws) = self.owner(&path) {
            ws.pending.changed.push(uri.clone());
        }
        self.file_changed(&path, None);
    }

    /// `path` changed in a buffer or on disk (`typ`, from the watcher):
    /// marks the work it calls for on the workspace that owns it.
    fn file_changed(&mut self, path: &Path, typ: Option<FileChangeType>) {
        let open = self.documents.by_path(path).is_some();
        let Some(ws) = self.owner(path) else {
            return;
        };
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let custom_rules = ws
            .retained
            .as_ref()
            .is_some_and(|r| is_custom_rules_file(r.config(), path));
        if crate::config::FILE_NAMES.contains(&name) || custom_rules {
            ws.pending.reload = true;
        } else if name == ".gitignore" || name == ".ignore" {
            ws.pending.rewalk = true;
        } else if matches!(typ, Some(FileChangeType::CREATED | FileChangeType::DELETED)) {
            ws.pending.rewalk = true;
            ws.pending.files.insert(path.to_path_buf());
        } else if retained::is_manifest(path) {
            // A watched change to a file open in the editor: the buffer wins.
            if typ.is_none() || !open {
                ws.pending.files.insert(path.to_path_buf());
            }
        }
        // Charts and overlays render from disk: any save may change them.
        ws.pending.lint = true;
    }

    fn folders_changed(&mut self, event: lsp_types::WorkspaceFoldersChangeEvent) {
        for removed in event.removed {
            if let Ok(path) = removed.uri.to_file_path() {
                let path = crate::discovery::absolute(&path);
                if let Some(at) = self.workspaces.iter().position(|w| w.folder == path) {
                    let gone = self.workspaces.remove(at);
                    let uris: Vec<Url> = self
                        .published
                        .keys()
                        .filter(|uri| uri.to_file_path().is_ok_and(|p| p.starts_with(gone.root())))
                        .cloned()
                        .collect();
                    for uri in uris {
                        self.published.remove(&uri);
                        self.publish(uri, Vec::new());
                    }
                }
            }
        }
        for added in event.added {
            if let Ok(path) = added.uri.to_file_path() {
                let path = crate::discovery::absolute(&path);
                if !self.workspaces.iter().any(|w| w.folder == path) {
                    self.workspaces.push(Workspace::new(path));
                }
            }
        }
        // Documents may have changed hands.
        for ws in &mut self.workspaces {
            ws.pending.lint = true;
        }
    }

    /// The workspace whose project holds `path`: the deepest root above it.
    fn owner(&mut self, path: &Path) -> Option<&mut Workspace> {
        owner_index(&self.workspaces, path).and_then(|i| self.workspaces.get_mut(i))
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

    /// Asks the client to report changes to manifests, configurations and
    /// ignore files made outside the editor.
    fn register_watcher(&mut self) {
        self.next_request += 1;
        let params = serde_json::json!({
            "registrations": [{
                "id": WATCHER_ID,
                "method": DidChangeWatchedFiles::METHOD,
                "registerOptions": {
                    "watchers": [
                        {"globPattern": "**/*.{yaml,yml,json}"},
                        {"globPattern": "**/.gitignore"},
                    ],
                },
            }],
        });
        let id = RequestId::from(format!("dvmlint-{}", self.next_request));
        self.send(Request::new(id, RegisterCapability::METHOD.to_owned(), params).into());
    }

    /// Runs the pending work of every workspace.
    fn work(&mut self) {
        for index in 0..self.workspaces.len() {
            if self.workspaces.get(index).is_some_and(|w| w.pending.any()) {
                self.work_on(index);
            }
        }
        self.note_outside();
    }

    fn work_on(&mut self, index: usize) {
        let Some(ws) = self.workspaces.get_mut(index) else {
            return;
        };
        let pending = std::mem::take(&mut ws.pending);
        let (folder, loaded_stamp, unloaded) = (
            ws.folder.clone(),
            ws.config_stamp.clone(),
            ws.retained.is_none(),
        );
        let stale_config = pending.check_config && loaded_stamp != Some(self.config_stamp(&folder));
        let reload = pending.reload || unloaded || stale_config;
        // A defect in a rule must not take the editor's server down with it:
        // the panic is reported (its message went to stderr) and the session goes on.
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.refresh(index, reload, &pending)
        }));
        let run = match outcome {
            Ok(Ok(Some(run))) => run,
            Ok(Ok(None)) => return,
            Err(_) => {
                self.show(
                    MessageType::ERROR,
                    "dvmlint: internal error while linting (see the server's stderr); diagnostics were not updated",
                );
                return;
            }
            Ok(Err(LintError::Config(err))) => {
                self.config_failed(index, &err);
                return;
            }
            Ok(Err(err @ LintError::Usage(_))) => {
                self.show(MessageType::WARNING, &format!("dvmlint: {err}"));
                return;
            }
        };
        self.config_valid(index);
        self.publish_run(index, &run, &pending.changed);
    }

    /// Brings the workspace's kept results up to date and lints them when a
    /// document of it is open.
    fn refresh(
        &mut self,
        index: usize,
        reload: bool,
        pending: &Pending,
    ) -> Result<Option<LintRun>, LintError> {
        let overlays = self.documents.manifest_overlays();
        let Some(ws) = self.workspaces.get(index) else {
            return Ok(None);
        };
        if reload {
            let stamp = self.config_stamp(&ws.folder);
            let (config_file, config_text) = self.config_source(&ws.folder);
            let options = LintOptions {
                paths: vec![ws.folder.clone()],
                config_file,
                config_text,
                overlays: overlays.clone(),
                // Charts and overlays are rendered from disk; their outputs
                // are reused until an input changes on disk.
                render_cache: true,
                ..LintOptions::default()
            };
            let loaded = Retained::load(&options);
            let ws = self
                .workspaces
                .get_mut(index)
                .ok_or_else(|| LintError::Usage("the workspace folder was removed".to_owned()))?;
            ws.retained = None;
            ws.config_stamp = Some(stamp);
            ws.retained = Some(loaded?);
        } else if let Some(retained) = self
            .workspaces
            .get_mut(index)
            .and_then(|w| w.retained.as_mut())
        {
            if pending.rewalk {
                let buffers: BTreeSet<PathBuf> = overlays.keys().cloned().collect();
                retained.rewalk(&buffers)?;
            }
            for path in &pending.files {
                let text = overlays.get(path).map(AsRef::as_ref);
                if retained.update(path, text) == Update::Ignored {
                    continue;
                }
            }
        }
        let Some(ws) = self.workspaces.get(index) else {
            return Ok(None);
        };
        let Some(retained) = ws.retained.as_ref() else {
            return Ok(None);
        };
        let root = retained.root();
        let owns_a_document = self.documents.iter().any(|(_, doc)| {
            doc.path
                .as_deref()
                .is_some_and(|p| owner_index(&self.workspaces, p) == Some(index))
        });
        if !owns_a_document && !self.published.keys().any(|u| in_root(u, root)) {
            return Ok(None);
        }
        retained.lint(&overlays).map(Some)
    }

    /// The configuration of the project in `folder`: an open buffer of it
    /// (unsaved edits apply at once) when it is at least as near as the file
    /// on disk, else the file (`None`: found as `check` finds it).
    fn config_source(&self, folder: &Path) -> (Option<PathBuf>, Option<Arc<str>>) {
        let on_disk = crate::config::discover(folder);
        let depth = |p: &Path| p.components().count();
        let buffer = self
            .documents
            .iter()
            .filter_map(|(_, doc)| doc.path.as_ref().map(|p| (p, &doc.text)))
            .filter(|(path, _)| {
                path.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| crate::config::FILE_NAMES.contains(&n))
                    && path.parent().is_some_and(|dir| folder.starts_with(dir))
            })
            .max_by_key(|(path, _)| depth(path));
        match (buffer, on_disk) {
            (Some((path, text)), disk)
                if disk.as_deref().is_none_or(|d| depth(d) <= depth(path)) =>
            {
                (Some(path.clone()), Some(Arc::clone(text)))
            }
            _ => (None, None),
        }
    }

    /// The configuration `folder`'s project would load now: its path and a
    /// hash of its text (buffer or disk).
    fn config_stamp(&self, folder: &Path) -> ConfigStamp {
        use std::hash::BuildHasher as _;
        let hash = |bytes: &[u8]| foldhash::fast::FixedState::with_seed(0).hash_one(bytes);
        match self.config_source(folder) {
            (Some(path), Some(text)) => (Some(path), hash(text.as_bytes())),
            _ => match crate::config::discover(folder) {
                Some(path) => {
                    // Read as the load reads it: a regular file inside its
                    // folder, bounded (never a FIFO or a device).
                    let folder = path.parent().unwrap_or(Path::new("."));
                    let bytes = crate::boundary::ProjectBoundary::new(folder)
                        .open_bounded(&path, crate::boundary::CONFIG_CAP)
                        .unwrap_or_default();
                    (Some(path), hash(&bytes))
                }
                None => (None, 0),
            },
        }
    }

    /// An invalid configuration: a diagnostic in its buffer when it is open,
    /// else a message (once); the previous diagnostics stay.
    fn config_failed(&mut self, index: usize, err: &ConfigError) {
        let text = format!("dvmlint: invalid configuration: {err}");
        let path = crate::discovery::absolute(&err.path);
        let buffer = self
            .documents
            .by_path(&path)
            .map(|(uri, doc)| (uri.clone(), Arc::clone(&doc.text)));
        let encoding = self.encoding;
        let Some(ws) = self.workspaces.get_mut(index) else {
            return;
        };
        ws.retained = None;
        let shown_before = ws.config_error.as_deref() == Some(text.as_str());
        ws.config_error = Some(text.clone());
        match buffer {
            Some((uri, buffer)) => {
                ws.error_in = Some(uri.clone());
                let lines = LineText::new(&buffer);
                let range = match err.pos {
                    Some(pos) => {
                        let start = lines.position(pos, encoding);
                        let end = lines
                            .line(start.line)
                            .map_or(start, |l| lsp_types::Position {
                                line: start.line,
                                character: encoding.width(l),
                            });
                        lsp_types::Range {
                            start,
                            end: if end.character > start.character {
                                end
                            } else {
                                start
                            },
                        }
                    }
                    None => lsp_types::Range::default(),
                };
                let diagnostic = Diagnostic {
                    range,
                    severity: Some(DiagnosticSeverity::ERROR),
                    source: Some(diagnostics::SOURCE.to_owned()),
                    message: format!("invalid configuration: {}", err.message),
                    ..Diagnostic::default()
                };
                self.published.insert(
                    uri.clone(),
                    vec![Published {
                        diagnostic: diagnostic.clone(),
                        rule: String::new(),
                        allow_policy: None,
                        fixable: None,
                    }],
                );
                self.publish(uri, vec![diagnostic]);
            }
            None => {
                ws.error_in = None;
                if !shown_before {
                    self.show(MessageType::ERROR, &text);
                }
            }
        }
    }

    /// The configuration loads: a message if it had been reported invalid,
    /// and its buffer's error cleared.
    fn config_valid(&mut self, index: usize) {
        let Some(ws) = self.workspaces.get_mut(index) else {
            return;
        };
        let error_in = ws.error_in.take();
        if ws.config_error.take().is_some() {
            if let Some(uri) = error_in {
                self.published.remove(&uri);
                self.publish(uri, Vec::new());
            } else {
                self.show(
                    MessageType::INFO,
                    "dvmlint: the configuration is valid again",
                );
            }
        }
    }

    /// Publishes the run's diagnostics of the workspace's open documents:
    /// the `changed` ones first, then the others whose diagnostics changed.
    fn publish_run(&mut self, index: usize, run: &LintRun, changed: &[Url]) {
        let mut fresh = diagnostics::for_open_documents(run, &self.documents, self.encoding);
        fresh.retain(|uri, _| {
            uri.to_file_path()
                .is_ok_and(|p| owner_index(&self.workspaces, &p) == Some(index))
        });
        // Documents of this project that left it (closed, or now owned by
        // another folder) lose their diagnostics.
        let stale: Vec<Url> = self
            .published
            .keys()
            .filter(|uri| in_root(uri, &run.root) && !fresh.contains_key(*uri))
            .filter(|uri| {
                uri.to_file_path()
                    .is_ok_and(|p| owner_index(&self.workspaces, &p) == Some(index))
            })
            .cloned()
            .collect();
        let mut order: Vec<Url> = Vec::new();
        for uri in changed {
            if fresh.contains_key(uri) && !order.contains(uri) {
                order.push(uri.clone());
            }
        }
        for (uri, items) in &fresh {
            if !order.contains(uri) && self.published.get(uri) != Some(items) {
                order.push(uri.clone());
            }
        }
        for uri in order {
            if let Some(items) = fresh.remove(&uri) {
                let outgoing = items.iter().map(|p| p.diagnostic.clone()).collect();
                self.published.insert(uri.clone(), items);
                self.publish(uri, outgoing);
            }
        }
        for uri in stale {
            if self.config_error_uri(&uri) {
                continue;
            }
            self.published.remove(&uri);
            self.publish(uri, Vec::new());
        }
    }

    fn config_error_uri(&self, uri: &Url) -> bool {
        self.workspaces
            .iter()
            .any(|w| w.error_in.as_ref() == Some(uri))
    }

    /// Documents outside every project get no diagnostics; say why, once each.
    fn note_outside(&mut self) {
        let outside: Vec<Url> = self
            .documents
            .iter()
            .filter(|(uri, doc)| {
                !self.noted_outside.contains(*uri)
                    && doc
                        .path
                        .as_ref()
                        .is_some_and(|p| owner_index(&self.workspaces, p).is_none())
            })
            .map(|(uri, _)| uri.clone())
            .collect();
        for uri in outside {
            self.noted_outside.insert(uri.clone());
            let roots: Vec<String> = self
                .workspaces
                .iter()
                .map(|w| w.root().display().to_string())
                .collect();
            self.log(
                MessageType::INFO,
                &format!(
                    "dvmlint: {uri} is outside the project {}; not linted",
                    roots.join(", ")
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

/// The workspace whose project holds `path`: the deepest root (or folder)
/// above it.
fn owner_index(workspaces: &[Workspace], path: &Path) -> Option<usize> {
    workspaces
        .iter()
        .enumerate()
        .filter(|(_, w)| path.starts_with(w.root()) || path.starts_with(&w.folder))
        .max_by_key(|(_, w)| w.folder.components().count())
        .map(|(i, _)| i)
}

/// Whether `path` is one of the configuration's `custom-rules` files (a
/// change to one reloads the project, as a change to the configuration does).
fn is_custom_rules_file(config: &crate::config::Config, path: &Path) -> bool {
    let Some(folder) = config.path.as_deref().and_then(Path::parent) else {
        return false;
    };
    let Some(rel) = path.strip_prefix(folder).ok().and_then(Path::to_str) else {
        return false;
    };
    config.custom_rules.iter().any(|pattern| {
        globset::GlobBuilder::new(pattern.trim_start_matches("./"))
            .literal_separator(true)
            .build()
            .is_ok_and(|glob| glob.compile_matcher().is_match(rel))
    })
}

fn in_root(uri: &Url, root: &Path) -> bool {
    uri.to_file_path().is_ok_and(|p| p.starts_with(root))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use super::*;
    use serde_json::json;

    const CONFIGMAP: &str =
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: app1\n";

    /// Messages already received when the server gets to them are all
    /// handled before one lint: ten keystrokes queued behind the open cost
    /// one lint, whose diagnostics are those of the last text.
    #[test]
    fn queued_keystrokes_are_linted_once_with_the_last_text() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        std::fs::write(dir.path().join("a.yaml"), CONFIGMAP).unwrap();
        let a = Url::from_file_path(dir.path().join("a.yaml")).unwrap();
        let root = Url::from_directory_path(dir.path()).unwrap();
        let (server, client) = Connection::memory();
        let send = |message: Message| client.sender.send(message).unwrap();
        send(
            Request::new(
                RequestId::from(1),
                "initialize".to_owned(),
                json!({"processId": null, "rootUri": root, "capabilities": {}}),
            )
            .into(),
        );
        send(Notification::new("initialized".to_owned(), json!({})).into());
        send(
            Notification::new(
                DidOpenTextDocument::METHOD.to_owned(),
                json!({"textDocument": {"uri": a, "languageId": "yaml", "version": 1, "text": CONFIGMAP}}),
            )
            .into(),
        );
        for version in 2..12 {
            // Only the last text defines the ConfigMap twice (DVM401).
            let text = if version == 11 {
                format!("{CONFIGMAP}---\n{CONFIGMAP}")
            } else {
                format!("{CONFIGMAP}# typing {version}\n")
            };
            send(
                Notification::new(
                    DidChangeTextDocument::METHOD.to_owned(),
                    json!({"textDocument": {"uri": a, "version": version}, "contentChanges": [{"text": text}]}),
                )
                .into(),
            );
        }
        std::thread::scope(|scope| {
            let handle = scope.spawn(|| run(&server));
            let publication = |wait: std::time::Duration| loop {
                match client.receiver.recv_timeout(wait) {
                    Ok(Message::Notification(n)) if n.method == PublishDiagnostics::METHOD => {
                        break Some(n.params);
                    }
                    Ok(_) => {}
                    Err(_) => break None,
                }
            };
            let first = publication(std::time::Duration::from_secs(30)).expect("diagnostics");
            assert_eq!(first["uri"], a.as_str());
            let codes: Vec<&str> = first["diagnostics"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|d| d["code"].as_str())
                .collect();
            assert_eq!(codes, ["DVM401"], "{first:#}");
            // No second lint follows for the burst.
            let more = publication(std::time::Duration::from_millis(300));
            assert!(more.is_none(), "{more:#?}");
            send(Request::new(RequestId::from(2), "shutdown".to_owned(), json!(null)).into());
            send(Notification::new("exit".to_owned(), json!(null)).into());
            assert_eq!(handle.join().unwrap(), 0);
        });
    }
}
