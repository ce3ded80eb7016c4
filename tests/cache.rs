#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! `.dvmlint-cache/`: reused only when content and settings match, never changes what is reported.

use std::path::{Path, PathBuf};
use std::process::Command;

use dvmlint::lint::cache::{SHARDS, shard_name, shard_of};
use dvmlint::lint::{self, LintOptions};

/// The shard files of the cache of `root`, by name.
fn shards(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut found: Vec<(String, Vec<u8>)> = std::fs::read_dir(root.join(".dvmlint-cache"))
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with("results-"))
                .map(|e| {
                    let bytes = std::fs::read(e.path()).unwrap();
                    (e.file_name().to_string_lossy().into_owned(), bytes)
                })
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        // Other tests (and the README's demo command) may have left a cache in the fixture.
        if entry.file_name() == ".dvmlint-cache" {
            continue;
        }
        let target = to.join(entry.file_name());
        let kind = entry.file_type().unwrap();
        if kind.is_symlink() {
            // Some fixtures hold links (dangling on purpose): copied as links.
            std::os::unix::fs::symlink(std::fs::read_link(entry.path()).unwrap(), target).unwrap();
        } else if kind.is_dir() {
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
    assert!(!shards(&root).is_empty());
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

/// Unchanged files are recognised by their stamp (inode, size, times) without
/// being read; an edit that keeps the size and puts the modification time back
/// still changes the change time, and is seen.
#[test]
fn an_edit_that_keeps_size_and_modification_time_is_still_seen() {
    let (_dir, root) = demo_copy();
    // Stamps are taken of files last changed over three seconds before a run.
    std::thread::sleep(std::time::Duration::from_millis(3200));
    let (cold, files, _) = run(&root);
    let (warm, _, cached) = run(&root);
    assert_eq!((cached, &warm), (files, &cold));
    let victim = root.join("clusters/source/app1/egress-firewall.yaml");
    let modified = std::fs::metadata(&victim).unwrap().modified().unwrap();
    let text = std::fs::read_to_string(&victim).unwrap();
    // The same length: its first `kind:` key misspelt.
    let edited = text.replacen("kind:", "kynd:", 1);
    assert_ne!(edited, text);
    std::fs::write(&victim, edited).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&victim)
        .unwrap()
        .set_modified(modified)
        .unwrap();
    let (after, _, cached) = run(&root);
    assert_eq!(cached, files - 1);
    assert_ne!(after, cold);
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
    for (name, _) in shards(&root) {
        std::fs::write(root.join(".dvmlint-cache").join(name), b"{not json\xff").unwrap();
    }
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
    assert!(!shards(&root).is_empty());
}

fn config_maps(root: &Path, count: usize) {
    std::fs::write(root.join(".dvmlint.yaml"), "").unwrap();
    for i in 0..count {
        std::fs::write(
            root.join(format!("cm-{i:03}.yaml")),
            format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\n  namespace: app\ndata:\n  k: v\n"),
        )
        .unwrap();
    }
}

/// The pre-commit path: a few edited files in a large project rewrite only the
/// shards that hold them, and are hits on the next run.
#[test]
fn a_few_misses_rewrite_only_their_shards() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    config_maps(root, 300);
    let (_, files, _) = run(root);
    assert_eq!(files, 300);
    let before = shards(root);
    assert!(before.len() > 100, "{}", before.len());
    std::fs::write(
        root.join("cm-007.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: seven\n",
    )
    .unwrap();
    let (_, _, cached) = run(root);
    assert_eq!(cached, 299);
    let after = shards(root);
    let changed: Vec<&str> = before
        .iter()
        .zip(&after)
        .filter(|(b, a)| b != a)
        .map(|(b, _)| b.0.as_str())
        .collect();
    assert_eq!(before.len(), after.len());
    assert_eq!(changed, [shard_name(shard_of("cm-007.yaml"))]);
    let (_, _, cached) = run(root);
    assert_eq!(
        cached, 300,
        "the edited file is a hit once its shard is rewritten"
    );
    assert_eq!(shards(root), after, "a run of hits writes nothing");
}

/// Removed files leave the cache: their shard is rewritten without them, or
/// removed once it holds none.
#[test]
fn removed_files_are_dropped_from_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    config_maps(root, 40);
    run(root);
    let mut by_shard = std::collections::BTreeMap::<usize, Vec<String>>::new();
    for i in 0..40 {
        let rel = format!("cm-{i:03}.yaml");
        by_shard.entry(shard_of(&rel)).or_default().push(rel);
    }
    let (lone, files) = by_shard.iter().find(|(_, files)| files.len() == 1).unwrap();
    let shared = by_shard.iter().find(|(_, files)| files.len() > 1).unwrap();
    let lone_path = root.join(".dvmlint-cache").join(shard_name(*lone));
    let shared_path = root.join(".dvmlint-cache").join(shard_name(*shared.0));
    assert!(lone_path.is_file());
    let shared_before = std::fs::read(&shared_path).unwrap();
    std::fs::remove_file(root.join(&files[0])).unwrap();
    std::fs::remove_file(root.join(&shared.1[0])).unwrap();
    let (_, files_now, cached) = run(root);
    assert_eq!((files_now, cached), (38, 38));
    assert!(
        !lone_path.exists(),
        "a shard of removed files only is removed"
    );
    let shared_after = std::fs::read(&shared_path).unwrap();
    assert_ne!(shared_after, shared_before);
    assert!(shared_after.len() < shared_before.len());
    assert!(shards(root).len() < SHARDS);
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
        // The header carries the settings key (32 hex digits after the magic and format).
        let keys: std::collections::BTreeSet<String> = shards(&root)
            .iter()
            .map(|(_, bytes)| String::from_utf8(bytes[12..44].to_vec()).unwrap())
            .collect();
        assert_eq!(keys.len(), 1, "{keys:?}");
        keys.into_iter().next().unwrap()
    };
    let first = check_and_read_key();
    assert_eq!(check_and_read_key(), first);
}

/// Store then load gives the same outputs, for every fixture: a warm run
/// (every cacheable file a hit) reports exactly what the cold run did.
#[test]
fn every_fixture_reports_the_same_from_the_cache() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .unwrap()
        .flatten()
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| e.path())
        .collect();
    dirs.sort();
    assert!(dirs.len() > 100);
    let mut hits = 0;
    for fixture in dirs {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join(fixture.file_name().unwrap());
        copy_dir(&fixture, &root);
        let options = LintOptions {
            paths: vec![root.clone()],
            cache: true,
            ..LintOptions::default()
        };
        let Ok(cold) = lint::run(&options) else {
            continue; // a fixture of an invalid configuration
        };
        let warm = lint::run(&options).unwrap();
        assert_eq!(warm.findings, cold.findings, "{}", fixture.display());
        assert_eq!(warm.summary.files, cold.summary.files);
        assert_eq!(cold.summary.cached, 0);
        hits += warm.summary.cached;
    }
    assert!(hits > 300, "{hits}");
}

/// Two processes linting one project at once, with edits between rounds:
/// each reports what a run without the cache reports, and the cache they
/// leave is whole (the next run reuses every file and reports the same).
#[test]
fn concurrent_runs_leave_a_usable_cache_and_never_a_wrong_result() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("demo");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo"),
        &root,
    );
    for i in 0..300 {
        std::fs::write(
            root.join(format!("cm-{i:03}.yaml")),
            format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\n  namespace: app1\n"
            ),
        )
        .unwrap();
    }
    let check = |no_cache: bool| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_dvmlint"));
        command.args(["check", "--quiet", "--format", "concise"]);
        if no_cache {
            command.arg("--no-cache");
        }
        command.arg(&root);
        command
    };
    for round in 0..4 {
        // Edits: a broken file, a fixed one, a removed one, a new one.
        std::fs::write(
            root.join(format!("cm-{:03}.yaml", round * 7)),
            "apiVersion: v1\nkind: ConfigMap\nmetadata: [\n",
        )
        .unwrap();
        std::fs::remove_file(root.join(format!("cm-{:03}.yaml", 100 + round))).unwrap();
        std::fs::write(
            root.join(format!("new-{round}.yaml")),
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n",
        )
        .unwrap();
        let expected = check(true).output().unwrap();
        let children: Vec<_> = (0..3)
            .map(|_| {
                check(false)
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert_eq!(out.status.code(), expected.status.code(), "round {round}");
            assert_eq!(
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&expected.stdout),
                "round {round}"
            );
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(!stderr.contains("discarded"), "round {round}: {stderr}");
        }
        let (_, files, cached) = run(&root);
        assert_eq!(cached, files, "round {round}");
        let after = check(false).output().unwrap();
        assert_eq!(after.stdout, expected.stdout, "round {round}");
    }
    let left: Vec<_> = std::fs::read_dir(root.join(".dvmlint-cache"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}
