//! What an editor waits for after one keystroke: the time from sending
//! `textDocument/didChange` to `dvmlint lsp` until the changed file's
//! `textDocument/publishDiagnostics` comes back, over real pipes.
//!
//! ```sh
//! cargo build --profile profiling --bin dvmlint --example gen_corpus --example lsp_relint
//! ./target/profiling/examples/gen_corpus --files 20000 --payload-kb 1 --out /tmp/dvmlint-lsp-20k
//! ./target/profiling/examples/lsp_relint ./target/profiling/dvmlint /tmp/dvmlint-lsp-20k [EDITS]
//! ```
//! or `benches/lsp.sh` for both corpus sizes. The edited buffer is a
//! NetworkPolicy file of the corpus (a kind cross-file rules read), changed by
//! one character per edit, as typing does; each edit waits for its
//! diagnostics before the next is sent. The load (the server's first read of
//! the whole project, on `initialized`) is reported apart: it is what opening
//! the workspace costs once.
//!
//! `DVMLINT_TIMINGS=1` in the environment makes the server print each
//! stage's time on its stderr (inherited).

use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use lsp_server::{Message, Notification, Request, RequestId};
use serde_json::{Value, json};

fn main() {
    if let Err(err) = run() {
        eprintln!("lsp_relint: {err}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: lsp_relint DVMLINT CORPUS [EDITS] [comment|policy]";
    let binary = PathBuf::from(args.next().ok_or(usage)?);
    let root = dvmlint::discovery::absolute(Path::new(&args.next().ok_or(usage)?));
    let edits: usize = match args.next() {
        Some(n) => n.parse().map_err(|e| format!("EDITS: {e}"))?,
        None => 100,
    };
    // `comment`: a character typed in a comment (the objects stay the same);
    // `policy`: a port of the file's policy changed (the network model and
    // its rules are derived again).
    let policy_edits = match args.next().as_deref() {
        None | Some("comment") => false,
        Some("policy") => true,
        Some(other) => return Err(format!("{other}: not comment or policy; {usage}")),
    };
    let edited = pick_file(&root).ok_or("no NetworkPolicy file in the corpus")?;
    let text =
        std::fs::read_to_string(&edited).map_err(|e| format!("{}: {e}", edited.display()))?;
    let uri = url(&edited)?;
    let root_uri = format!("{}/", url(&root)?);

    let mut child = Command::new(&binary)
        .arg("lsp")
        .current_dir(&root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("{}: {e}", binary.display()))?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let (tx, incoming) = mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        while let Ok(Some(message)) = Message::read(&mut reader) {
            if tx.send((Instant::now(), message)).is_err() {
                break;
            }
        }
    });
    let mut send = |message: Message| -> Result<Instant, String> {
        let sent = Instant::now();
        message.write(&mut stdin).map_err(|e| e.to_string())?;
        stdin.flush().map_err(|e| e.to_string())?;
        Ok(sent)
    };
    let wait = Duration::from_secs(600);
    let started = Instant::now();
    send(
        Request::new(
            RequestId::from(1),
            "initialize".to_owned(),
            json!({
                "processId": null,
                "rootUri": root_uri,
                "workspaceFolders": [{"uri": root_uri, "name": "corpus"}],
                "capabilities": {},
            }),
        )
        .into(),
    )?;
    send(Notification::new("initialized".to_owned(), json!({})).into())?;
    send(notification(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}),
    ))?;
    let (_, first) = diagnostics_of(&incoming, &uri, wait)?;
    let load = started.elapsed();
    println!(
        "corpus: {} ; edited {} ; load + first diagnostics {:.0} ms ({} diagnostics)",
        root.display(),
        edited.strip_prefix(&root).unwrap_or(&edited).display(),
        ms(load),
        first
    );

    let pid = child.id();
    let cpu_before = cpu_ticks(pid);
    let mut times = Vec::with_capacity(edits);
    for i in 0..edits {
        // One keystroke: a character typed at the end of the buffer's first
        // line, or the last digit of the policy's first port.
        let buffer = if policy_edits {
            policy_edit(&text, i)
        } else {
            text.replacen('\n', &format!(" #{}\n", i % 10), 1)
        };
        let sent = send(notification(
            "textDocument/didChange",
            json!({
                "textDocument": {"uri": uri, "version": i + 2},
                "contentChanges": [{"text": buffer}],
            }),
        ))?;
        let (at, _) = diagnostics_of(&incoming, &uri, wait)?;
        times.push(at.saturating_duration_since(sent));
    }
    let cpu_after = cpu_ticks(pid);
    send(Request::new(RequestId::from(2), "shutdown".to_owned(), Value::Null).into())?;
    send(Notification::new("exit".to_owned(), Value::Null).into())?;
    let _ = child.wait();

    times.sort();
    let pick = |q: f64| {
        let index = ((times.len().saturating_sub(1)) as f64 * q).ceil() as usize;
        times.get(index).copied().unwrap_or_default()
    };
    println!(
        "didChange -> publishDiagnostics, {} edits: min {:.1} ms, median {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        times.len(),
        ms(pick(0.0)),
        ms(pick(0.5)),
        ms(pick(0.95)),
        ms(pick(1.0))
    );
    if let (Some(before), Some(after)) = (cpu_before, cpu_after)
        && edits > 0
    {
        // Clock ticks of 10 ms: what the server's threads ran, whatever the
        // machine's load (which stretches the wall time above).
        println!(
            "server CPU time (user + system, every thread) per edit: {:.1} ms",
            (after.saturating_sub(before)) as f64 * 10.0 / edits as f64
        );
    }
    Ok(())
}

/// User + system time of process `pid` so far, in clock ticks (Linux).
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After the command name's closing parenthesis: state is field 3, utime 14, stime 15.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

fn notification(method: &str, params: Value) -> Message {
    Notification::new(method.to_owned(), params).into()
}

/// The next diagnostics published for `uri`: when they arrived, and how many.
fn diagnostics_of(
    incoming: &mpsc::Receiver<(Instant, Message)>,
    uri: &str,
    wait: Duration,
) -> Result<(Instant, usize), String> {
    let deadline = Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let (at, message) = incoming
            .recv_timeout(left)
            .map_err(|_| format!("no diagnostics for {uri} within {wait:?}"))?;
        if let Message::Notification(n) = message
            && n.method == "textDocument/publishDiagnostics"
            && n.params.get("uri").and_then(Value::as_str) == Some(uri)
        {
            let count = n
                .params
                .get("diagnostics")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            return Ok((at, count));
        }
    }
}

fn url(path: &Path) -> Result<String, String> {
    lsp_types::Url::from_file_path(path)
        .map(|u| u.to_string())
        .map_err(|()| format!("{}: not an absolute path", path.display()))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The first file (in path order) holding a NetworkPolicy.
/// The text with the last digit of its first `port: N` set to `i % 10`
/// (unchanged when it has no port).
fn policy_edit(text: &str, i: usize) -> String {
    let edited = text.find("port: ").and_then(|at| {
        let digits = text
            .get(at + 6..)?
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count();
        let last = (at + 6 + digits).checked_sub(1).filter(|_| digits > 0)?;
        Some(format!(
            "{}{}{}",
            text.get(..last)?,
            i % 10,
            text.get(last + 1..)?
        ))
    });
    edited.unwrap_or_else(|| text.to_owned())
}

fn pick_file(root: &Path) -> Option<PathBuf> {
    let mut stack = vec![root.to_path_buf()];
    let mut files = Vec::new();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).ok()?.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
        .into_iter()
        .find(|p| std::fs::read_to_string(p).is_ok_and(|t| t.contains("kind: NetworkPolicy")))
}
