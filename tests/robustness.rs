//! Bad input never crashes dvmlint and never stops the rest of the repository
//! from being linted (brief; docs/input.md limits).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::fs;
use std::sync::Arc;

use dvmlint::lint::file::{FileSettings, analyze_bytes};
use dvmlint::lint::{self, LintOptions};
use dvmlint::rules::RuleSet;

fn lint_dir(dir: &std::path::Path) -> Vec<(String, u32, String)> {
    let run = lint::run(&LintOptions {
        paths: vec![dir.to_path_buf()],
        ..LintOptions::default()
    })
    .unwrap();
    run.findings
        .into_iter()
        .map(|f| {
            (
                f.location.file.to_string(),
                f.location.span.start.line,
                f.rule.to_string(),
            )
        })
        .collect()
}

/// A process allowed few descriptors still reads every file: an open the
/// group's io_uring could not make for want of one is made again the plain
/// way, never reported as unreadable.
#[cfg(target_os = "linux")]
#[test]
fn few_file_descriptors_lose_no_file() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join(".dvmlint.yaml"), "").unwrap();
    for i in 0..200 {
        fs::write(
            dir.path().join(format!("cm-{i}.yaml")),
            format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\n  namespace: a\n"),
        )
        .unwrap();
    }
    // (Groups of 16 on two workers lost up to 188 files at these limits.)
    for limit in [12, 14, 20, 40] {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "ulimit -n {limit} && exec {} check --no-cache --jobs 2 --format json --no-config .",
                env!("CARGO_BIN_EXE_dvmlint")
            ))
            .current_dir(dir.path())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(!stdout.contains("DVM003"), "{limit}: {stdout}");
        assert!(stdout.contains("\"objects\": 200"), "{limit}: {stdout}");
    }
}

#[test]
fn a_file_over_max_file_size_is_skipped_and_the_rest_linted() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join(".dvmlint.yaml"), "").unwrap();
    let mut big =
        String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  blob: |\n");
    while big.len() < 17 * 1024 * 1024 {
        big.push_str("    0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n");
    }
    fs::write(dir.path().join("big.yaml"), big).unwrap();
    fs::write(
        dir.path().join("small.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: s\n  namespace: <namespace>\n",
    )
    .unwrap();
    let found = lint_dir(dir.path());
    assert!(
        found.contains(&("big.yaml".into(), 1, "DVM003".into())),
        "{found:?}"
    );
    assert!(
        found.contains(&("small.yaml".into(), 5, "DVM402".into())),
        "{found:?}"
    );
}

#[test]
fn a_fifo_named_like_a_manifest_does_not_hang_the_walk() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join(".dvmlint.yaml"), "").unwrap();
    let fifo = dir.path().join("pipe.yaml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        return; // no mkfifo on this system: nothing to check
    }
    fs::write(
        dir.path().join("ok.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: <name>\n",
    )
    .unwrap();
    // Never read (a FIFO is not a regular file), named once (DVM003).
    let found = lint_dir(dir.path());
    assert_eq!(
        found,
        vec![
            ("ok.yaml".into(), 4, "DVM402".into()),
            ("pipe.yaml".into(), 1, "DVM003".into())
        ]
    );
}

/// Deterministic random inputs: fragments of manifests, YAML punctuation,
/// control bytes and invalid UTF-8, glued together. No input may panic.
#[test]
fn random_inputs_never_panic() {
    let fragments: &[&[u8]] = &[
        b"apiVersion: v1\n",
        b"kind: NetworkPolicy\n",
        b"metadata:\n  name: x\n",
        b"  namespace: a\n",
        b"---\n",
        b"...\n",
        b"- ",
        b": ",
        b"[",
        b"]",
        b"{",
        b"}",
        b"&a ",
        b"*a",
        b"<<: *a\n",
        b"!!str ",
        b"|\n",
        b">-\n",
        b"'",
        b"\"",
        b"\\",
        b"#",
        b"\t",
        b"\r\n",
        b"\x00",
        b"\xff\xfe",
        b"\xef\xbb\xbf",
        b"spec:\n  podSelector: {}\n",
        b"  egress:\n  - to:\n    - ipBlock: {cidr: 10.0.0.0/8}\n",
        b"{{ .Values.x }}",
        b"stunnel_tcp_proxy: http://u:p@h:1\n",
        b"kind: MigrationController\n",
        b"apiVersion: migration.openshift.io/v1alpha1\n",
        b"spec:\n  noProxy: a,,b\n",
        b"kind: List\nitems:\n",
        b"      ",
        b"\n",
        b"%YAML 1.2\n",
        b"? ",
        b"- - - ",
        b"\xe2\x80\xa8",
    ];
    let rules = RuleSet::new(&[], &[]);
    let cluster: Arc<str> = Arc::from("default");
    let cluster_of = move |_: &str| Some(Arc::clone(&cluster));
    let settings = FileSettings::standalone(&rules, &cluster_of);
    let rel: Arc<str> = Arc::from("fuzz.yaml");
    let mut rng = fastrand::Rng::with_seed(20261123);
    for _ in 0..3000 {
        let mut input = Vec::new();
        for _ in 0..rng.usize(1..40) {
            input.extend_from_slice(fragments[rng.usize(..fragments.len())]);
        }
        let result = analyze_bytes(&rel, &input, &settings);
        for finding in &result.findings {
            assert!(finding.location.span.start.line >= 1 && finding.location.span.start.col >= 1);
        }
    }
}
