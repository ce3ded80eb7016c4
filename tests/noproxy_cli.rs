#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! `dvmlint noproxy` (docs/noproxy.md), with docs/domain.md §5's own examples.

use std::process::Command;

fn noproxy(args: &[&str]) -> (String, String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_dvmlint"))
        .arg("noproxy")
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.code().unwrap(),
    )
}

const LIST: &str = ".cluster.local,10.0.0.0/16,api.src.example.com";

#[test]
fn text_says_direct_or_proxied_and_the_entry() {
    let (out, _, code) = noproxy(&[
        "api.src.example.com:6443",
        "10.0.3.4:6443",
        "api.dst.example.com:6443",
        "oauth.apps.src.example.com",
        "--no-proxy",
        LIST,
    ]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "api.src.example.com:6443 direct (matched by api.src.example.com)\n\
         10.0.3.4:6443 direct (matched by 10.0.0.0/16)\n\
         api.dst.example.com:6443 proxied\n\
         oauth.apps.src.example.com proxied\n"
    );
}

#[test]
fn json_is_an_array_of_decisions() {
    let (out, _, code) = noproxy(&[
        "10.0.3.4",
        "api.dst.example.com",
        "--no-proxy",
        LIST,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let rows: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        rows,
        serde_json::json!([
            {"host": "10.0.3.4", "direct": true, "entry": "10.0.0.0/16"},
            {"host": "api.dst.example.com", "direct": false, "entry": null},
        ])
    );
}

#[test]
fn entries_the_network_operator_rejects_are_noted() {
    let (out, _, _) = noproxy(&["a.example.com", "--no-proxy", "*.example.com,Foo.com"]);
    assert!(out.starts_with("a.example.com direct (matched by *.example.com)\n"));
    assert!(out.contains("note: entry `*.example.com` would be rejected"));
    assert!(out.contains("note: entry `Foo.com` would be rejected"));
    let (_, err, _) = noproxy(&[
        "a.example.com",
        "--no-proxy",
        "*.example.com",
        "--format",
        "json",
    ]);
    assert!(err.contains("note: entry `*.example.com`"));
}

#[test]
fn a_bad_port_is_a_usage_error() {
    let (_, err, code) = noproxy(&["host:http", "--no-proxy", "x"]);
    assert_eq!(code, 2);
    assert!(err.contains("not a port number"));
}
