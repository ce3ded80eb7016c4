//! `dvmlint lsp` driven like an editor: the binary as a child process, LSP
//! messages framed by `lsp-server` on its pipes. Every wait is bounded, so a
//! hang fails the test instead of blocking CI.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use lsp_server::{Message, Notification, Request, RequestId};
use lsp_types::Url;
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(30);

struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: mpsc::Receiver<Message>,
    next_id: i32,
    /// Notifications read while waiting for something else.
    notifications: Vec<Notification>,
}

impl Client {
    fn start(root: &Path) -> Client {
        Self::start_with(root, json!({}))
    }

    fn start_with(root: &Path, capabilities: Value) -> Client {
        let root_uri = Url::from_directory_path(root).unwrap();
        Self::start_folders(root, &[root_uri], capabilities)
    }

    /// A server whose workspace has these folders (the first is also the root).
    fn start_folders(cwd: &Path, folders: &[Url], capabilities: Value) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_dvmlint"))
            .arg("lsp")
            .current_dir(cwd)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start dvmlint lsp");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, incoming) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Ok(Some(message)) = Message::read(&mut reader) {
                if tx.send(message).is_err() {
                    break;
                }
            }
        });
        let mut client = Client {
            child,
            stdin,
            incoming,
            next_id: 0,
            notifications: Vec::new(),
        };
        let folders: Vec<Value> = folders
            .iter()
            .map(|uri| json!({"uri": uri, "name": uri.path()}))
            .collect();
        let result = client.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": folders[0]["uri"],
                "workspaceFolders": folders,
                "capabilities": capabilities,
            }),
        );
        assert_eq!(result["capabilities"]["textDocumentSync"]["change"], 1);
        client.notify("initialized", json!({}));
        client
    }

    fn send(&mut self, message: Message) {
        message.write(&mut self.stdin).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(Notification::new(method.to_owned(), params).into());
    }

    fn recv(&mut self, deadline: Instant, waiting_for: &str) -> Message {
        let left = deadline.saturating_duration_since(Instant::now());
        match self.incoming.recv_timeout(left) {
            Ok(message) => message,
            Err(_) => panic!("no {waiting_for} within {WAIT:?}"),
        }
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = RequestId::from(self.next_id);
        self.send(Request::new(id.clone(), method.to_owned(), params).into());
        let deadline = Instant::now() + WAIT;
        loop {
            match self.recv(deadline, method) {
                Message::Response(response) if response.id == id => {
                    assert!(response.error.is_none(), "{method}: {:?}", response.error);
                    return response.result.unwrap_or(Value::Null);
                }
                Message::Notification(n) => self.notifications.push(n),
                _ => {}
            }
        }
    }

    fn open(&mut self, uri: &Url, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}),
        );
    }

    fn change(&mut self, uri: &Url, version: i32, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}),
        );
    }

    /// The next notification `method` that satisfies `accept` (earlier
    /// ones, and ones that do not satisfy it, are skipped).
    fn wait_notification(&mut self, method: &str, accept: impl Fn(&Value) -> bool) -> Value {
        if let Some(at) = self
            .notifications
            .iter()
            .position(|n| n.method == method && accept(&n.params))
        {
            let found = self.notifications.remove(at);
            self.notifications.drain(..at);
            return found.params;
        }
        self.notifications.clear();
        let deadline = Instant::now() + WAIT;
        loop {
            if let Message::Notification(n) = self.recv(deadline, method)
                && n.method == method
                && accept(&n.params)
            {
                return n.params;
            }
        }
    }

    /// The log message saying a document outside the project is not linted.
    fn wait_outside_note(&mut self) -> Value {
        self.wait_notification("window/logMessage", |p| {
            p["message"]
                .as_str()
                .unwrap()
                .contains("outside the project")
        })
    }

    /// The next diagnostics published for `uri` that satisfy `accept`.
    fn diagnostics(&mut self, uri: &Url, accept: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let uri = uri.to_string();
        let params = self.wait_notification("textDocument/publishDiagnostics", |p| {
            p["uri"] == uri.as_str() && accept(p["diagnostics"].as_array().unwrap())
        });
        params["diagnostics"].as_array().unwrap().clone()
    }

    /// Every notification the server sent before it answers a request sent
    /// now (the server handles messages in order).
    fn flush(&mut self) -> Vec<Notification> {
        self.request(
            "textDocument/codeAction",
            json!({
                "textDocument": {"uri": "file:///nowhere.yaml"},
                "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
                "context": {"diagnostics": []},
            }),
        );
        std::mem::take(&mut self.notifications)
    }

    /// shutdown, exit, and the process's exit code.
    fn shutdown(mut self) -> Option<i32> {
        assert_eq!(self.request("shutdown", Value::Null), Value::Null);
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("dvmlint lsp did not exit after shutdown/exit");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        // A failed test must not leave the server running.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn repo(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn uri(dir: &tempfile::TempDir, name: &str) -> Url {
    Url::from_file_path(dir.path().join(name)).unwrap()
}

const CONFIGMAP: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: app1\ndata:\n  k: v\n";

fn duplicated() -> String {
    format!("{CONFIGMAP}---\n{CONFIGMAP}")
}

fn rules(diagnostics: &[Value]) -> Vec<&str> {
    diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect()
}

fn has_rule(rule: &str) -> impl Fn(&[Value]) -> bool + '_ {
    move |d| rules(d).contains(&rule)
}

#[test]
fn unsaved_duplicate_gets_dvm401_at_the_name_and_the_fix_clears_it() {
    // On disk the file is clean: the finding comes from the open buffer.
    let dir = repo(&[("a.yaml", CONFIGMAP)]);
    let a = uri(&dir, "a.yaml");
    let mut client = Client::start(dir.path());
    client.open(&a, &duplicated());
    let diagnostics = client.diagnostics(&a, has_rule("DVM401"));
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    let d = &diagnostics[0];
    // Line 12 (`  name: settings` of the second document), columns 9..17.
    assert_eq!(
        d["range"],
        json!({"start": {"line": 11, "character": 8}, "end": {"line": 11, "character": 16}})
    );
    assert_eq!(d["severity"], 1);
    assert_eq!(d["source"], "dvmlint");
    // A link only when the build says where docs/rules.md is published.
    match dvmlint::catalogue::find("DVM401").and_then(|m| m.help_uri()) {
        Some(uri) => assert_eq!(d["codeDescription"]["href"], uri.as_str()),
        None => assert!(d.get("codeDescription").is_none_or(|c| c.is_null()), "{d}"),
    }
    assert!(d["message"].as_str().unwrap().contains("\nhelp: "), "{d}");
    let related = &d["relatedInformation"][0];
    assert_eq!(related["location"]["uri"], a.as_str());
    assert_eq!(related["location"]["range"]["start"]["line"], 3);
    assert_eq!(related["message"], "first defined here");

    client.change(&a, 2, CONFIGMAP);
    client.diagnostics(&a, <[Value]>::is_empty);
    assert_eq!(client.shutdown(), Some(0));
}

#[test]
fn a_change_in_one_document_refreshes_the_other_open_document() {
    // Each file holds an object of its own beside the shared one, under
    // unrelated one-word names, so they are not alternatives of each other
    // (per-cloud or parallel variants) but one apply.
    // The shared one differs (an identical copy in another file is none).
    let a_text = format!("{CONFIGMAP}---\n{}", CONFIGMAP.replace("settings", "cart"));
    let b_text = format!(
        "{}---\n{}",
        CONFIGMAP.replace("k: v", "k: w"),
        CONFIGMAP.replace("settings", "orders")
    );
    let dir = repo(&[("a.yaml", &a_text), ("b.yaml", &b_text)]);
    let (a, b) = (uri(&dir, "a.yaml"), uri(&dir, "b.yaml"));
    let mut client = Client::start(dir.path());
    client.open(&a, &a_text);
    client.open(&b, &b_text);
    // The later definition (b.yaml) carries the finding, pointing back at a.yaml.
    let diagnostics = client.diagnostics(&b, has_rule("DVM401"));
    assert_eq!(
        diagnostics[0]["relatedInformation"][0]["location"]["uri"],
        a.as_str()
    );
    // Renaming the object in a.yaml's unsaved buffer clears b.yaml.
    client.change(&a, 2, &a_text.replace("name: settings", "name: other"));
    client.diagnostics(&b, <[Value]>::is_empty);
    // Closing a.yaml brings the disk version (a duplicate) back for b.yaml.
    client.notify("textDocument/didClose", json!({"textDocument": {"uri": a}}));
    client.diagnostics(&a, <[Value]>::is_empty);
    client.diagnostics(&b, has_rule("DVM401"));
    assert_eq!(client.shutdown(), Some(0));
}

#[test]
fn suppression_code_action_inserts_the_comment_that_silences_the_finding() {
    let dir = repo(&[("a.yaml", CONFIGMAP)]);
    let a = uri(&dir, "a.yaml");
    let mut client = Client::start(dir.path());
    let text = duplicated();
    client.open(&a, &text);
    let diagnostics = client.diagnostics(&a, has_rule("DVM401"));
    let actions = client.request(
        "textDocument/codeAction",
        json!({
            "textDocument": {"uri": a},
            "range": diagnostics[0]["range"],
            "context": {"diagnostics": diagnostics},
        }),
    );
    let actions = actions.as_array().unwrap();
    let suppress = actions
        .iter()
        .find(|a| a["title"] == "Suppress DVM401 on this line")
        .unwrap_or_else(|| panic!("no suppression in {actions:#?}"));
    assert_eq!(suppress["kind"], "quickfix");
    let edits = suppress["edit"]["changes"][a.as_str()].as_array().unwrap();
    assert_eq!(
        edits[0],
        json!({
            "range": {"start": {"line": 11, "character": 16}, "end": {"line": 11, "character": 16}},
            "newText": " # dvmlint: ignore[DVM401] TODO: reason",
        })
    );
    // No allow-policy action for a rule that is not DVM101/DVM102.
    assert_eq!(actions.len(), 1, "{actions:#?}");
    // Applying the edit silences the finding (and uses the suppression: no DVM900).
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[11].push_str(" # dvmlint: ignore[DVM401] TODO: reason");
    client.change(&a, 2, &(lines.join("\n") + "\n"));
    client.diagnostics(&a, <[Value]>::is_empty);
    assert_eq!(client.shutdown(), Some(0));
}

#[test]
fn invalid_yaml_while_typing_is_dvm001_and_the_server_keeps_serving() {
    let dir = repo(&[("a.yaml", CONFIGMAP)]);
    let a = uri(&dir, "a.yaml");
    let mut client = Client::start(dir.path());
    client.open(
        &a,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [\n",
    );
    let diagnostics = client.diagnostics(&a, has_rule("DVM001"));
    assert_eq!(diagnostics[0]["severity"], 1);
    // Half-typed text of every kind: tabs, a lone quote, a NUL, an empty buffer.
    for (version, text) in ["\tkey: 1", "a: \"", "a: \u{0}", "", "---\n---\n- ["]
        .into_iter()
        .enumerate()
    {
        client.change(&a, i32::try_from(version).unwrap() + 2, text);
    }
    client.change(&a, 10, CONFIGMAP);
    client.diagnostics(&a, <[Value]>::is_empty);
    // Requests are still answered.
    let actions = client.request(
        "textDocument/codeAction",
        json!({
            "textDocument": {"uri": a},
            "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
            "context": {"diagnostics": []},
        }),
    );
    assert_eq!(actions, json!([]));
    assert_eq!(client.shutdown(), Some(0));
}

#[test]
fn an_invalid_config_is_a_message_and_fixing_it_brings_diagnostics_back() {
    let dir = repo(&[
        ("a.yaml", CONFIGMAP),
        (".dvmlint.yaml", "nonsense_key: 1\n"),
    ]);
    let a = uri(&dir, "a.yaml");
    let mut client = Client::start(dir.path());
    let message = client.wait_notification("window/showMessage", |p| p["type"] == 1);
    assert!(
        message["message"]
            .as_str()
            .unwrap()
            .contains("invalid configuration"),
        "{message}"
    );
    client.open(&a, &duplicated());
    // The config is deleted: the server lints with the defaults on the next save.
    std::fs::remove_file(dir.path().join(".dvmlint.yaml")).unwrap();
    client.notify("textDocument/didSave", json!({"textDocument": {"uri": a}}));
    client.diagnostics(&a, has_rule("DVM401"));
    // Made invalid again: a message, and the server still answers.
    std::fs::write(dir.path().join(".dvmlint.yaml"), "clusters: 3\n").unwrap();
    client.notify("textDocument/didSave", json!({"textDocument": {"uri": a}}));
    client.wait_notification("window/showMessage", |p| p["type"] == 1);
    client.request(
        "textDocument/codeAction",
        json!({
            "textDocument": {"uri": a},
            "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
            "context": {"diagnostics": []},
        }),
    );
    assert_eq!(client.shutdown(), Some(0));
}

#[test]
fn a_file_outside_the_project_is_not_linted_and_breaks_nothing() {
    let dir = repo(&[("a.yaml", CONFIGMAP)]);
    let elsewhere = tempfile::tempdir().unwrap();
    let outside = Url::from_file_path(elsewhere.path().join("x.yaml")).unwrap();
    let a = uri(&dir, "a.yaml");
    let mut client = Client::start(dir.path());
    client.open(&outside, &duplicated());
    client.open(&Url::parse("untitled:Untitled-1").unwrap(), "kind: [");
    client.wait_outside_note();
    client.open(&a, &duplicated());
    client.diagnostics(&a, has_rule("DVM401"));
    assert_eq!(client.shutdown(), Some(0));
}

/// The server is idle (its lint done) when the outside file opens: that
/// makes no work pending, and the note must still come (CI once met this
/// order by chance, under load, and waited in vain).
#[test]
fn a_file_opened_outside_the_project_while_the_server_is_idle_is_noted() {
    let dir = repo(&[("a.yaml", CONFIGMAP)]);
    let elsewhere = tempfile::tempdir().unwrap();
    let outside = Url::from_file_path(elsewhere.path().join("x.yaml")).unwrap();
    let a = uri(&dir, "a.yaml");
    let mut client = Client::start(dir.path());
    client.open(&a, &duplicated());
    client.diagnostics(&a, has_rule("DVM401"));
    client.open(&outside, &duplicated());
    client.wait_outside_note();
    assert_eq!(client.shutdown(), Some(0));
}

#[test]
fn columns_are_utf16_code_units_unless_the_client_takes_utf32() {
    // `𝄞` is one Unicode scalar (dvmlint's column unit) and two UTF-16 units.
    let doc = "apiVersion: v1\nkind: ConfigMap\nmetadata: {labels: {x: \"𝄞\"}, name: settings, namespace: app1}\n";
    let text = format!("{doc}---\n{doc}");
    let name_col = doc.lines().nth(2).unwrap().find("settings").unwrap(); // bytes
    let scalars = doc.lines().nth(2).unwrap()[..name_col].chars().count();
    let dir = repo(&[]);
    let a = uri(&dir, "a.yaml");

    let mut client = Client::start(dir.path());
    client.open(&a, &text);
    let d = client.diagnostics(&a, has_rule("DVM401"));
    assert_eq!(
        d[0]["range"]["start"],
        json!({"line": 6, "character": scalars + 1})
    );
    assert_eq!(client.shutdown(), Some(0));

    let mut client = Client::start_with(
        dir.path(),
        json!({"general": {"positionEncodings": ["utf-32", "utf-16"]}}),
    );
    client.open(&a, &text);
    let d = client.diagnostics(&a, has_rule("DVM401"));
    assert_eq!(
        d[0]["range"]["start"],
        json!({"line": 6, "character": scalars})
    );
    assert_eq!(client.shutdown(), Some(0));
}

#[test]
fn a_secret_value_never_reaches_a_diagnostic() {
    // The Secret is named like its own value, so the DVM401 message would print it.
    let secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: hunter2-hunter2\n  namespace: app1\nstringData:\n  password: hunter2-hunter2\n";
    let dir = repo(&[]);
    let a = uri(&dir, "secret.yaml");
    let mut client = Client::start(dir.path());
    client.open(&a, &format!("{secret}---\n{secret}"));
    let diagnostics = client.diagnostics(&a, has_rule("DVM401"));
    let text = serde_json::to_string(&diagnostics).unwrap();
    assert!(!text.contains("hunter2-hunter2"), "{text}");
    assert!(text.contains("****"), "{text}");
    assert_eq!(client.shutdown(), Some(0));
}

#[test]
fn dvm101_quick_fix_appends_an_allow_policy_that_clears_the_finding() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/netpol-default-deny-egress");
    let config = std::fs::read_to_string(fixture.join(".dvmlint.yaml")).unwrap();
    let deny = std::fs::read_to_string(fixture.join("source/app1/deny.yaml")).unwrap();
    let dir = repo(&[(".dvmlint.yaml", &config), ("source/app1/deny.yaml", &deny)]);
    let file = uri(&dir, "source/app1/deny.yaml");
    let mut client = Client::start(dir.path());
    client.open(&file, &deny);
    let diagnostics = client.diagnostics(&file, has_rule("DVM101"));
    let dvm101: Vec<Value> = diagnostics
        .iter()
        .filter(|d| d["code"] == "DVM101")
        .cloned()
        .collect();
    let actions = client.request(
        "textDocument/codeAction",
        json!({
            "textDocument": {"uri": file},
            "range": dvm101[0]["range"],
            "context": {"diagnostics": dvm101},
        }),
    );
    let insert = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == "Insert an allow policy for the rsync pods")
        .unwrap_or_else(|| panic!("no allow-policy action in {actions:#?}"));
    let edit = &insert["edit"]["changes"][file.as_str()][0];
    let lines = deny.lines().count();
    assert_eq!(edit["range"]["start"]["line"], lines, "appended at the end");
    let new_text = edit["newText"].as_str().unwrap();
    assert!(
        new_text.starts_with("---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"),
        "{new_text}"
    );
    // Applying it leaves the rsync egress allowed: DVM101 is gone.
    client.change(&file, 2, &format!("{deny}{new_text}"));
    client.diagnostics(&file, |d| !has_rule("DVM101")(d));
    assert_eq!(client.shutdown(), Some(0));
}

/// `text` with one LSP edit applied (ASCII text: characters are bytes).
fn apply_lsp_edit(text: &str, edit: &Value) -> String {
    let offset = |pos: &Value| {
        let line = pos["line"].as_u64().unwrap() as usize;
        let character = pos["character"].as_u64().unwrap() as usize;
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        (start + character).min(text.len())
    };
    let (start, end) = (
        offset(&edit["range"]["start"]),
        offset(&edit["range"]["end"]),
    );
    format!(
        "{}{}{}",
        &text[..start],
        edit["newText"].as_str().unwrap(),
        &text[end..]
    )
}

/// The quick fix titled `title` among the actions for `diagnostic`.
fn quick_fix(client: &mut Client, file: &Url, diagnostic: &Value, title: &str) -> Value {
    let actions = client.request(
        "textDocument/codeAction",
        json!({
            "textDocument": {"uri": file},
            "range": diagnostic["range"],
            "context": {"diagnostics": [diagnostic]},
        }),
    );
    let action = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == title)
        .unwrap_or_else(|| panic!("no {title:?} in {actions:#?}"))
        .clone();
    assert_eq!(action["kind"], "quickfix");
    action["edit"]["changes"][file.as_str()][0].clone()
}

#[test]
fn the_certain_fixes_of_check_fix_are_quick_fixes_that_clear_their_finding() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    // DVM404: the repeated spelling with the same value is deleted.
    let controller =
        std::fs::read_to_string(fixtures.join("fix-duplicate-spelling/controller.yaml")).unwrap();
    let dir = repo(&[(".dvmlint.yaml", ""), ("controller.yaml", &controller)]);
    let file = uri(&dir, "controller.yaml");
    let mut client = Client::start(dir.path());
    client.open(&file, &controller);
    let diagnostics = client.diagnostics(&file, has_rule("DVM404"));
    let first = diagnostics
        .iter()
        .find(|d| d["code"] == "DVM404" && d["range"]["start"]["line"] == 14)
        .unwrap();
    let edit = quick_fix(
        &mut client,
        &file,
        first,
        "Fix DVM404: removed `migPvLimit`, which repeats `mig_pv_limit`",
    );
    let fixed = apply_lsp_edit(&controller, &edit);
    assert!(!fixed.contains("migPvLimit") && fixed.contains("mig_pv_limit: \"100\""));
    client.change(&file, 2, &fixed);
    client.diagnostics(&file, |d| {
        rules(d).iter().filter(|r| **r == "DVM404").count() == 2
    });
    assert_eq!(client.shutdown(), Some(0));

    // DVM201: the missing workers are appended to the noProxy written.
    let names = ["proxy.yaml", "install-config.yaml", "nodes.yaml"];
    let texts: Vec<(&str, String)> = names
        .iter()
        .map(|n| {
            let text = std::fs::read_to_string(fixtures.join("fix-noproxy-append-workers").join(n));
            (*n, text.unwrap())
        })
        .collect();
    let mut files: Vec<(&str, &str)> = texts.iter().map(|(n, t)| (*n, t.as_str())).collect();
    files.push((".dvmlint.yaml", ""));
    let dir = repo(&files);
    let file = uri(&dir, "proxy.yaml");
    let proxy = &texts[0].1;
    let mut client = Client::start(dir.path());
    client.open(&file, proxy);
    let diagnostics = client.diagnostics(&file, has_rule("DVM201"));
    let edit = quick_fix(
        &mut client,
        &file,
        &diagnostics[0],
        "Fix DVM201: added `192.168.7.21`, `192.168.7.22` to `noProxy`",
    );
    let fixed = apply_lsp_edit(proxy, &edit);
    assert!(
        fixed.contains("noProxy: \".example.com, 10.0.0.0/16, 192.168.7.21, 192.168.7.22\""),
        "{fixed}"
    );
    client.change(&file, 2, &fixed);
    client.diagnostics(&file, |d| !has_rule("DVM201")(d));
    assert_eq!(client.shutdown(), Some(0));
}

#[test]
fn each_workspace_folder_is_a_project_with_its_own_configuration() {
    let quiet = repo(&[
        (".dvmlint.yaml", "ignore: [DVM401]\n"),
        ("a.yaml", CONFIGMAP),
    ]);
    let plain = repo(&[("a.yaml", CONFIGMAP)]);
    let folders = [
        Url::from_directory_path(quiet.path()).unwrap(),
        Url::from_directory_path(plain.path()).unwrap(),
    ];
    let mut client = Client::start_folders(quiet.path(), &folders, json!({}));
    let (q, p) = (uri(&quiet, "a.yaml"), uri(&plain, "a.yaml"));
    client.open(&p, &duplicated());
    client.diagnostics(&p, has_rule("DVM401"));
    client.open(&q, &duplicated());
    client.diagnostics(&q, <[Value]>::is_empty);
    // A folder added later is a project too; a removed one loses its diagnostics.
    let third = repo(&[("b.yaml", CONFIGMAP)]);
    let third_uri = Url::from_directory_path(third.path()).unwrap();
    client.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({"event": {"added": [{"uri": third_uri, "name": "third"}], "removed": []}}),
    );
    let b = uri(&third, "b.yaml");
    client.open(&b, &duplicated());
    client.diagnostics(&b, has_rule("DVM401"));
    client.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({"event": {"added": [], "removed": [{"uri": folders[1], "name": "plain"}]}}),
    );
    client.diagnostics(&p, <[Value]>::is_empty);
    assert_eq!(client.shutdown(), Some(0));
}

#[test]
fn unsaved_configuration_edits_apply_at_once_and_their_errors_show_in_the_buffer() {
    let dir = repo(&[(".dvmlint.yaml", "ignore: []\n"), ("a.yaml", CONFIGMAP)]);
    let (a, config) = (uri(&dir, "a.yaml"), uri(&dir, ".dvmlint.yaml"));
    let mut client = Client::start(dir.path());
    client.open(&a, &duplicated());
    client.diagnostics(&a, has_rule("DVM401"));
    client.open(&config, "ignore: []\n");
    // Unsaved: the disk still says `ignore: []`.
    client.change(&config, 2, "ignore: [DVM401]\n");
    client.diagnostics(&a, <[Value]>::is_empty);
    // A typo is an error at its line in the configuration's buffer.
    client.change(&config, 3, "ignore: [DVM401]\nnonsense_key: 1\n");
    let errors = client.diagnostics(&config, |d| !d.is_empty());
    assert_eq!(errors[0]["severity"], 1);
    assert_eq!(errors[0]["range"]["start"]["line"], 1, "{errors:#?}");
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("nonsense_key"),
        "{errors:#?}"
    );
    // Fixed: the error goes; closing the buffer brings the disk's back.
    client.change(&config, 4, "ignore: [DVM401]\n");
    client.diagnostics(&config, <[Value]>::is_empty);
    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": config}}),
    );
    client.diagnostics(&a, has_rule("DVM401"));
    assert_eq!(client.shutdown(), Some(0));
}

#[test]
fn files_changed_outside_the_editor_are_read_again_when_the_client_reports_them() {
    // Each file holds an object of its own beside the shared one, under
    // unrelated one-word names, so they are one apply, not alternatives of
    // each other.
    // The shared one differs (an identical copy in another file is none).
    let own = |name: &str, value: &str| {
        format!(
            "{}---\n{}",
            CONFIGMAP.replace("k: v", value),
            CONFIGMAP.replace("settings", name)
        )
    };
    let (a_text, b_text) = (own("cart", "k: v"), own("orders", "k: w"));
    let dir = repo(&[("b.yaml", &b_text)]);
    let b = uri(&dir, "b.yaml");
    let mut client = Client::start_with(
        dir.path(),
        json!({"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}}),
    );
    // The server asks to be told of changes on disk.
    let deadline = Instant::now() + WAIT;
    loop {
        match client.recv(deadline, "client/registerCapability") {
            Message::Request(r) if r.method == "client/registerCapability" => {
                let registration = &r.params["registrations"][0];
                assert_eq!(registration["method"], "workspace/didChangeWatchedFiles");
                let globs = registration["registerOptions"]["watchers"].to_string();
                assert!(globs.contains("*.{yaml,yml,json}"), "{globs}");
                break;
            }
            Message::Notification(n) => client.notifications.push(n),
            _ => {}
        }
    }
    client.open(&b, &b_text);
    client.diagnostics(&b, <[Value]>::is_empty);
    // A file created behind the editor defines the same object first.
    std::fs::write(dir.path().join("a.yaml"), &a_text).unwrap();
    let a = uri(&dir, "a.yaml");
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": a, "type": 1}]}),
    );
    let d = client.diagnostics(&b, has_rule("DVM401"));
    assert_eq!(d[0]["relatedInformation"][0]["location"]["uri"], a.as_str());
    // Changed behind the editor: renamed, no duplicate.
    std::fs::write(dir.path().join("a.yaml"), a_text.replace("settings", "x")).unwrap();
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": a, "type": 2}]}),
    );
    client.diagnostics(&b, <[Value]>::is_empty);
    // Back, then deleted.
    std::fs::write(dir.path().join("a.yaml"), &a_text).unwrap();
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": a, "type": 2}]}),
    );
    client.diagnostics(&b, has_rule("DVM401"));
    std::fs::remove_file(dir.path().join("a.yaml")).unwrap();
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": a, "type": 3}]}),
    );
    client.diagnostics(&b, <[Value]>::is_empty);
    assert_eq!(client.shutdown(), Some(0));
}

#[test]
fn the_changed_document_is_published_first_and_unchanged_ones_not_again() {
    let other = CONFIGMAP.replace("settings", "other");
    let dir = repo(&[("a.yaml", CONFIGMAP), ("b.yaml", &other)]);
    let (a, b) = (uri(&dir, "a.yaml"), uri(&dir, "b.yaml"));
    let mut client = Client::start(dir.path());
    client.open(&a, CONFIGMAP);
    client.open(&b, &other);
    client.diagnostics(&b, <[Value]>::is_empty);
    client.flush();
    // A keystroke in a.yaml: a.yaml is published, b.yaml (unchanged) is not.
    client.change(&a, 2, &format!("{CONFIGMAP}# typing\n"));
    client.diagnostics(&a, <[Value]>::is_empty);
    let after: Vec<Notification> = client.flush();
    assert!(
        !after.iter().any(|n| n.params["uri"] == b.as_str()),
        "{after:#?}"
    );
    // b.yaml's buffer takes a.yaml's object: a.yaml (changed) is published
    // first, then b.yaml, whose diagnostics changed.
    client.change(&b, 2, &format!("{other}---\n{CONFIGMAP}"));
    let order: Vec<String> = loop {
        let flushed = client.flush();
        let uris: Vec<String> = flushed
            .iter()
            .filter(|n| n.method == "textDocument/publishDiagnostics")
            .map(|n| n.params["uri"].as_str().unwrap().to_owned())
            .collect();
        if !uris.is_empty() {
            break uris;
        }
    };
    assert_eq!(
        order,
        [b.to_string()],
        "only b.yaml changed (a.yaml's object is first)"
    );
    assert_eq!(client.shutdown(), Some(0));
}

#[test]
fn an_untrusted_workspace_is_walked_bounded_and_its_buffers_obey_max_file_size() {
    // docs/security.md: a folder link to `/` made the walk endless (the server
    // never published and never answered shutdown), and buffers ignored
    // `max-file-size`.
    let dir = repo(&[(".dvmlint.yaml", "max-file-size: 300B\n")]);
    std::os::unix::fs::symlink("/", dir.path().join("root")).unwrap();
    let big = uri(&dir, "big.yaml");
    let mut client = Client::start(dir.path());
    let text = format!("{CONFIGMAP}---\n{CONFIGMAP}# {}\n", "x".repeat(400));
    client.open(&big, &text);
    let diagnostics = client.diagnostics(&big, has_rule("DVM003"));
    assert!(!rules(&diagnostics).contains(&"DVM401"), "{diagnostics:?}");
    assert_eq!(client.shutdown(), Some(0));
}

#[test]
fn a_token_in_a_url_user_name_never_reaches_a_diagnostic() {
    let mc = "apiVersion: migration.openshift.io/v1alpha1\nkind: MigrationController\nmetadata:\n  \
              name: migration-controller\n  namespace: openshift-migration\nspec:\n  \
              stunnel_tcp_proxy: http://USERTOKEN9a8b7c@proxy.example.com:3128\n  \
              no_proxy: \"http://USERTOKEN9a8b7c@a.example.com,.svc\"\n";
    let dir = repo(&[]);
    let a = uri(&dir, "mc.yaml");
    let mut client = Client::start(dir.path());
    client.open(&a, mc);
    let diagnostics = client.diagnostics(&a, has_rule("DVM203"));
    let text = serde_json::to_string(&diagnostics).unwrap().to_lowercase();
    assert!(!text.contains("usertoken9a8b7c"), "{text}");
    assert!(text.contains("http://****@"), "{text}");
    assert_eq!(client.shutdown(), Some(0));
}

#[test]
fn many_findings_in_one_buffer_are_published_in_linear_time() {
    // docs/security.md: each diagnostic's position was found by splitting the
    // buffer again (20,000 findings in 2 MB: 92.7 s per lint; 10,000 here).
    let dir = repo(&[]);
    let a = uri(&dir, "many.yaml");
    let mut text = String::new();
    for i in 0..10_000 {
        text.push_str(&format!(
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\n  namespace: <ns>\n# {}\n",
            "x".repeat(60)
        ));
    }
    let mut client = Client::start(dir.path());
    let start = Instant::now();
    client.open(&a, &text);
    let diagnostics = client.diagnostics(&a, |d| d.len() >= 10_000);
    assert_eq!(
        diagnostics.iter().filter(|d| d["code"] == "DVM402").count(),
        10_000
    );
    assert!(start.elapsed() < WAIT, "{:?}", start.elapsed());
    assert_eq!(client.shutdown(), Some(0));
}
