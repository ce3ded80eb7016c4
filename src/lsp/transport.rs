//! The language server's stdio transport: JSON-RPC frames (`Content-Length`
//! headers, then the body) read and written on threads, handed to the server
//! loop as `lsp_server` messages.
//!
//! `lsp_server`'s own transport ends the server on the first malformed frame and
//! allocates whatever `Content-Length` says (a huge one panicked). Here a frame
//! is read against a limit: a header line over [`HEADER_LINE_MAX`], a missing,
//! negative or unparsable length, a body over the maximum message size (default
//! [`DEFAULT_MAX_MESSAGE`], `dvmlint lsp --max-message-size`), or a body that is
//! not a JSON-RPC message is answered with a JSON-RPC error (id `null`) and
//! skipped, and the server keeps running. An oversized body is read through and
//! dropped, never held.

use std::io::{self, BufRead, Read, Write};
use std::thread;

use crossbeam_channel::{Receiver, Sender, bounded, select};
use lsp_server::{Connection, Message};

/// Default for the largest message accepted.
pub const DEFAULT_MAX_MESSAGE: usize = 64 << 20;
/// The longest header line accepted.
pub const HEADER_LINE_MAX: usize = 8 << 10;

/// The threads behind a [`Connection`]; joined when the server is done.
pub struct Threads {
    reader: thread::JoinHandle<()>,
    writer: thread::JoinHandle<io::Result<()>>,
}

impl Threads {
    pub fn join(self) -> io::Result<()> {
        // The reader may be blocked on stdin after `exit`: it is not waited for.
        drop(self.reader);
        self.writer
            .join()
            .map_err(|_| io::Error::other("the writer thread panicked"))?
    }
}

/// A connection on stdin/stdout.
pub fn stdio(max_message: usize) -> io::Result<(Connection, Threads)> {
    let (to_server, from_client) = bounded::<Message>(0);
    let (to_client, outgoing) = bounded::<Message>(0);
    let (errors, error_frames) = bounded::<String>(16);
    let writer = thread::Builder::new()
        .name("dvmlint-lsp-writer".to_owned())
        .spawn(move || write_loop(&outgoing, &error_frames, &mut io::stdout().lock()))?;
    let reader = thread::Builder::new()
        .name("dvmlint-lsp-reader".to_owned())
        .spawn(move || {
            let stdin = io::stdin();
            read_loop(&mut stdin.lock(), max_message, &to_server, &errors);
        })?;
    Ok((
        Connection {
            sender: to_client,
            receiver: from_client,
        },
        Threads { reader, writer },
    ))
}

fn write_loop(
    messages: &Receiver<Message>,
    errors: &Receiver<String>,
    out: &mut impl Write,
) -> io::Result<()> {
    let mut errors_open = true;
    loop {
        if errors_open {
            select! {
                recv(messages) -> message => match message {
                    Ok(message) => message.write(out)?,
                    Err(_) => return Ok(()),
                },
                recv(errors) -> error => match error {
                    Ok(body) => write_frame(out, &body)?,
                    Err(_) => errors_open = false,
                },
            }
        } else {
            match messages.recv() {
                Ok(message) => message.write(out)?,
                Err(_) => return Ok(()),
            }
        }
    }
}

fn write_frame(out: &mut impl Write, body: &str) -> io::Result<()> {
    write!(out, "Content-Length: {}\r\n\r\n{body}", body.len())?;
    out.flush()
}

/// A JSON-RPC error without an id (the frame's id could not be read).
fn error_body(code: i32, message: &str) -> String {
    serde_json::json!({
        "jsonrpc": "2.0",
        "id": null,
        "error": { "code": code, "message": message },
    })
    .to_string()
}

const PARSE_ERROR: i32 = -32700;
const INVALID_REQUEST: i32 = -32600;

/// What one frame turned out to be.
#[derive(Debug)]
enum Frame {
    Message(Message),
    /// Answered with this error and skipped.
    Bad(i32, String),
    End,
}

fn read_loop(
    input: &mut impl BufRead,
    max_message: usize,
    to_server: &Sender<Message>,
    errors: &Sender<String>,
) {
    loop {
        match read_frame(input, max_message) {
            Frame::Message(message) => {
                let is_exit = matches!(&message, Message::Notification(n) if n.method == "exit");
                if to_server.send(message).is_err() || is_exit {
                    return;
                }
            }
            Frame::Bad(code, message) => {
                if errors.send(error_body(code, &message)).is_err() {
                    return;
                }
            }
            Frame::End => return,
        }
    }
}

/// One frame: headers up to an empty line, then the body.
fn read_frame(input: &mut impl BufRead, max_message: usize) -> Frame {
    let mut length: Option<Result<usize, String>> = None;
    let mut saw_header = false;
    loop {
        let line = match read_line(input) {
            Ok(Some(line)) => line,
            Ok(None) => return Frame::End,
            Err(err) => return Frame::Bad(PARSE_ERROR, err),
        };
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            if saw_header {
                break;
            }
            continue; // blank lines between frames
        }
        saw_header = true;
        if let Some((name, value)) = line.split_once(':')
            && name.trim().eq_ignore_ascii_case("content-length")
        {
            let value = value.trim();
            length = Some(
                value
                    .parse::<u64>()
                    .map_err(|_| format!("invalid Content-Length `{}`", shorten(value)))
                    .and_then(|n| {
                        usize::try_from(n).map_err(|_| "Content-Length too large".into())
                    }),
            );
        }
    }
    let length = match length {
        None => return Frame::Bad(PARSE_ERROR, "a frame without Content-Length".into()),
        Some(Err(err)) => return Frame::Bad(PARSE_ERROR, err),
        Some(Ok(n)) => n,
    };
    if length > max_message {
        // Read through and dropped, never held.
        let skipped = io::copy(&mut input.take(length as u64), &mut io::sink());
        if skipped.is_ok_and(|n| n < length as u64) {
            return Frame::End;
        }
        return Frame::Bad(
            INVALID_REQUEST,
            format!("message of {length} bytes, over the {max_message}-byte maximum: skipped"),
        );
    }
    let mut body = Vec::with_capacity(length.min(1 << 20));
    match input.take(length as u64).read_to_end(&mut body) {
        Ok(n) if n == length => {}
        _ => return Frame::End,
    }
    match serde_json::from_slice::<serde_json::Value>(&body) {
        Err(err) => Frame::Bad(PARSE_ERROR, format!("invalid JSON: {err}")),
        Ok(value) => match serde_json::from_value::<Message>(value) {
            Ok(message) => Frame::Message(message),
            Err(err) => Frame::Bad(INVALID_REQUEST, format!("not a JSON-RPC message: {err}")),
        },
    }
}

/// One header line, at most [`HEADER_LINE_MAX`] bytes.
fn read_line(input: &mut impl BufRead) -> Result<Option<String>, String> {
    let mut line = Vec::new();
    let read = input
        .take(HEADER_LINE_MAX as u64 + 1)
        .read_until(b'\n', &mut line)
        .map_err(|err| err.to_string())?;
    if read == 0 {
        return Ok(None);
    }
    if line.len() > HEADER_LINE_MAX {
        // Skip the rest of the overlong line.
        let mut rest = Vec::new();
        while input
            .take(HEADER_LINE_MAX as u64)
            .read_until(b'\n', &mut rest)
            .is_ok_and(|n| n > 0)
            && rest.last() != Some(&b'\n')
        {
            rest.clear();
        }
        return Err("a header line over 8 KiB".into());
    }
    Ok(Some(String::from_utf8_lossy(&line).into_owned()))
}

fn shorten(text: &str) -> String {
    crate::report::redact::truncate(crate::report::redact::escape_controls(text, false), 40)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &[u8], max: usize) -> Vec<String> {
        let mut reader = io::BufReader::new(input);
        let mut out = Vec::new();
        loop {
            match read_frame(&mut reader, max) {
                Frame::End => return out,
                Frame::Message(m) => out.push(format!(
                    "message {}",
                    serde_json::to_string(&m).unwrap_or_default()
                )),
                Frame::Bad(code, why) => out.push(format!("error {code} {why}")),
            }
        }
    }

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    #[test]
    fn malformed_frames_are_answered_and_skipped() {
        let good = frame(r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#);
        let input = [
            frame("{not json"),
            "Content-Length: -5\r\n\r\n".to_owned(),
            "Content-Length: 18446744073709551615\r\n\r\n".to_owned(),
            "X-Other: 1\r\n\r\n".to_owned(),
            frame(r#"{"jsonrpc":"2.0","foo":1}"#),
            frame(&"x".repeat(100)),
            good.clone(),
        ]
        .concat();
        let out = frames(input.as_bytes(), 64);
        assert!(out[0].starts_with("error -32700 invalid JSON"), "{out:?}");
        assert!(
            out[1].starts_with("error -32700 invalid Content-Length"),
            "{out:?}"
        );
        // The huge length is over the maximum: its body (the rest) is read
        // through without an allocation, and the stream ends.
        assert!(
            out.last()
                .is_some_and(|l| l.starts_with("error") || l.starts_with("message"))
        );
        let out = frames(
            [
                "Content-Length: 1000\r\n\r\n".to_owned(),
                "y".repeat(1000),
                good.clone(),
            ]
            .concat()
            .as_bytes(),
            64,
        );
        assert_eq!(out.len(), 2, "{out:?}");
        assert!(out[0].contains("over the 64-byte maximum"), "{out:?}");
        assert!(out[1].starts_with("message"), "{out:?}");
        let out = frames(
            ["X-Other: 1\r\n\r\n".to_owned(), good].concat().as_bytes(),
            1 << 20,
        );
        assert!(out[0].contains("without Content-Length"), "{out:?}");
        assert!(out[1].starts_with("message"), "{out:?}");
    }
}
