#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! `.dvmlint-cache/`: reused only when content and settings match, never changes what is reported.

use std::path::{Path, PathBuf};
use std::process::Command;

use dvmlint::lint::{self, LintOptions};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        // Other tests (and the README's demo command) may have left a cache in the fixture.
        if entry.file_name() == ".dvmlint-cache" {
            continue;
        }
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn demo_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("demo");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo"),
        &root,
    );
    (dir, root)
}

fn run(root: &Path) -> (Vec<String>, usize, usize) {
    let options = LintOptions {
        paths: vec![root.to_path_buf()],
        cache: true,
        ..LintOptions::default()
    };
    let run = lint::run(&options).unwrap();
    let findings = run
        .findings
        .iter()
        .map(|f| {
            format!(
                "{} {}:{}:{} {} {:?}",
                f.rule,
                f.location.file,
                f.location.span.start.line,
                f.location.span.start.col,
                f.message,
                f.related
            )
        })
        .collect();
    (findings, run.summary.files, run.summary.cached)
}

#[test]
fn a_second_run_reuses_every_file_and_reports_the_same() {
    let (_dir, root) = demo_copy();
    let (cold, files, cached) = run(&root);
    assert!(files > 3 && !cold.is_empty());
    assert_eq!(cached, 0);
    assert!(root.join(".dvmlint-cache/results.json").is_file());
    assert_eq!(
        std::fs::read_to_string(root.join(".dvmlint-cache/.gitignore"))
            .unwrap()
            .trim_end()
            .lines()
            .last(),
        Some("*")
    );
    let (warm, files_again, cached) = run(&root);
    assert_eq!(files_again, files);
    assert_eq!(cached, files);
    assert_eq!(warm, cold);
}

#[test]
fn a_changed_file_is_analysed_again() {
    let (_dir, root) = demo_copy();
    let (cold, files, _) = run(&root);
    // Introduce a syntax error in one file: only it is re-read, and its finding appears.
    let victim = root.join("clusters/source/app1/egress-firewall.yaml");
    let mut text = std::fs::read_to_string(&victim).unwrap();
    text.push_str("\n---\nbroken: [\n");
    std::fs::write(&victim, text).unwrap();
    let (warm, _, cached) = run(&root);
    assert_eq!(cached, files - 1);
    assert!(warm.iter().any(|f| f.starts_with("DVM001")), "{warm:#?}");
    assert_ne!(warm, cold);
}

#[test]
fn changed_settings_invalidate_every_entry() {
    let (_dir, root) = demo_copy();
    let (_, _, _) = run(&root);
    let config = root.join(".dvmlint.yaml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains("\"4.14\""));
    text = text.replacen("\"4.14\"", "\"4.15\"", 1);
    std::fs::write(&config, text).unwrap();
    let (_, _, cached) = run(&root);
    assert_eq!(cached, 0);
}

#[test]
fn a_corrupt_cache_is_ignored_and_replaced() {
    let (_dir, root) = demo_copy();
    let (cold, files, _) = run(&root);
    std::fs::write(root.join(".dvmlint-cache/results.json"), b"{not json\xff").unwrap();
    let (again, _, cached) = run(&root);
    assert_eq!(cached, 0);
    assert_eq!(again, cold);
    let (_, _, cached) = run(&root);
    assert_eq!(cached, files);
}

#[test]
fn no_cache_neither_reads_nor_writes() {
    let (_dir, root) = demo_copy();
    let status = Command::new(env!("CARGO_BIN_EXE_dvmlint"))
        .args(["check", "--no-cache", "--quiet", "--format", "concise"])
        .arg(&root)
        .output()
        .unwrap();
    assert!(status.status.code().is_some());
    assert!(!root.join(".dvmlint-cache").exists());
    let status = Command::new(env!("CARGO_BIN_EXE_dvmlint"))
        .args(["check", "--quiet", "--format", "concise"])
        .arg(&root)
        .output()
        .unwrap();
    assert!(status.status.code().is_some());
    assert!(root.join(".dvmlint-cache/results.json").is_file());
}

/// The pre-commit path: a few edited files in a large project are parsed without
/// rewriting every entry; they stay misses (their stored hash is stale) until a
/// run with more changes rewrites the cache.
#[test]
fn a_few_misses_in_a_large_project_do_not_rewrite_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join(".dvmlint.yaml"), "").unwrap();
    for i in 0..200 {
        std::fs::write(
            root.join(format!("cm-{i:03}.yaml")),
            format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\n  namespace: app\ndata:\n  k: v\n"),
        )
        .unwrap();
    }
    let (_, files, _) = run(root);
    assert_eq!(files, 200);
    let stored = std::fs::read(root.join(".dvmlint-cache/results.json")).unwrap();
    std::fs::write(
        root.join("cm-007.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: seven\n",
    )
    .unwrap();
    let (_, _, cached) = run(root);
    assert_eq!(cached, 199);
    assert_eq!(
        std::fs::read(root.join(".dvmlint-cache/results.json")).unwrap(),
        stored
    );
    let (_, _, cached) = run(root);
    assert_eq!(cached, 199, "the edited file stays a miss until a rewrite");
    // Many edits: the cache is rewritten and every file is a hit again.
    for i in 0..20 {
        std::fs::write(
            root.join(format!("cm-{i:03}.yaml")),
            format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: new-{i}\n"),
        )
        .unwrap();
    }
    let (_, _, cached) = run(root);
    assert_eq!(cached, 180);
    let (_, _, cached) = run(root);
    assert_eq!(cached, 200);
}

/// The settings key must be the same in every process: a key that took in
/// something per-process (an address, a random hash seed) would turn every
/// run into a cold one, which the in-process tests above cannot see. (A
/// second run under another key would rewrite the cache with that key.)
#[test]
fn separate_processes_share_the_cache() {
    let (_dir, root) = demo_copy();
    let check_and_read_key = || {
        let output = Command::new(env!("CARGO_BIN_EXE_dvmlint"))
            .args(["check", "--quiet", "--format", "json"])
            .arg(&root)
            .output()
            .unwrap();
        assert!(output.status.code().is_some_and(|c| c <= 1), "{output:?}");
        let text = std::fs::read_to_string(root.join(".dvmlint-cache/results.json")).unwrap();
        // The header line carries the settings key.
        let json: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        json["key"].as_str().unwrap().to_owned()
    };
    let first = check_and_read_key();
    assert_eq!(check_and_read_key(), first);
}
