//! Untrusted repositories (`docs/security.md`): what a repository's author
//! cannot make dvmlint do. Each test is one attack; the secret it tries to
//! exfiltrate must appear in no output, and every run must end in bounded time.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const FORMATS: [&str; 7] = [
    "human", "concise", "json", "sarif", "github", "junit", "gitlab",
];

/// A project folder `repo` inside a scratch folder whose `outside/` holds
/// what the project must never reach.
struct Scratch {
    _dir: tempfile::TempDir,
    repo: PathBuf,
    outside: PathBuf,
}

fn scratch() -> Scratch {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    let outside = dir.path().join("outside");
    fs::create_dir_all(&repo).unwrap();
    fs::create_dir_all(&outside).unwrap();
    fs::create_dir_all(repo.join(".git")).unwrap();
    Scratch {
        _dir: dir,
        repo,
        outside,
    }
}

/// `dvmlint ARGS` in `cwd`, killed after `limit`.
fn run_for(args: &[&str], cwd: &Path, limit: Duration) -> Output {
    run_with(args, cwd, limit, &[])
}

/// [`run_for`] with extra environment variables.
fn run_with(args: &[&str], cwd: &Path, limit: Duration, env: &[(&str, &Path)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dvmlint"));
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env("DVMLINT_SECURITY_TEST_TOKEN", "ENVTOKEN_9f3k2")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            child.kill().unwrap();
            let out = child.wait_with_output().unwrap();
            panic!(
                "dvmlint {args:?} did not end within {limit:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn run(args: &[&str], cwd: &Path) -> Output {
    run_for(args, cwd, Duration::from_secs(60))
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs `check ARGS` in every format and checks no output holds any of `secrets`.
fn assert_never_printed(repo: &Path, args: &[&str], secrets: &[&str]) -> Vec<String> {
    let mut outputs = Vec::new();
    for format in FORMATS {
        let mut all = vec!["check", "--no-cache", "--format", format];
        all.extend_from_slice(args);
        let out = run(&all, repo);
        let printed = text(&out);
        for secret in secrets {
            assert!(
                !printed.contains(secret),
                "{format} printed `{secret}`:\n{printed}"
            );
        }
        outputs.push(printed);
    }
    outputs
}

fn concise(repo: &Path, args: &[&str]) -> String {
    let mut all = vec!["check", "--no-cache", "--format", "concise"];
    all.extend_from_slice(args);
    text(&run(&all, repo))
}

const PLACEHOLDER: &str =
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: <namespace>\n";

fn foreign_manifest(token: &str) -> String {
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {token}\n  namespace: <{token}>\n\
         data:\n  {token}: \"http://user:{token}@proxy:3128\"\n  bad: [\n"
    )
}

// ---- 1. One project boundary ----

#[test]
fn a_link_to_proc_environ_is_refused_not_printed() {
    let s = scratch();
    symlink("/proc/self/environ", s.repo.join("env.yaml")).unwrap();
    let outputs = assert_never_printed(&s.repo, &["."], &["ENVTOKEN_9f3k2"]);
    assert!(
        outputs[1].contains("env.yaml:1:1: warning[DVM003]") && outputs[1].contains("/proc"),
        "{}",
        outputs[1]
    );
}

#[test]
fn a_link_to_a_file_outside_the_project_is_one_dvm003_naming_the_link() {
    let s = scratch();
    fs::write(
        s.outside.join("creds.yaml"),
        foreign_manifest("SECRETKEY123"),
    )
    .unwrap();
    symlink(s.outside.join("creds.yaml"), s.repo.join("creds.yaml")).unwrap();
    fs::write(s.repo.join("app.yaml"), PLACEHOLDER).unwrap();
    let outputs = assert_never_printed(&s.repo, &["."], &["SECRETKEY123"]);
    let concise = &outputs[1];
    assert_eq!(concise.matches("creds.yaml").count(), 1, "{concise}");
    assert!(
        concise.contains("creds.yaml:1:1: warning[DVM003]")
            && concise.contains("outside the project"),
        "{concise}"
    );
    // The rest of the project is still linted.
    assert!(
        concise.contains("app.yaml:5:14: error[DVM402]"),
        "{concise}"
    );
}

#[test]
fn a_linked_folder_outside_the_project_is_not_walked_even_for_custom_rules() {
    let s = scratch();
    fs::create_dir_all(s.outside.join("vendor")).unwrap();
    fs::write(
        s.outside.join("vendor/creds.yaml"),
        foreign_manifest("FOREIGNTOKEN42"),
    )
    .unwrap();
    symlink(s.outside.join("vendor"), s.repo.join("vendor")).unwrap();
    fs::create_dir_all(s.repo.join("policies")).unwrap();
    fs::write(
        s.repo.join("policies/echo.yaml"),
        "id: ORG001\nname: echo-name\nseverity: warning\nsummary: echo\n\
         match: { apiVersion: v1, kind: ConfigMap }\n\
         assert:\n  - path: metadata.name\n    equals: nothing\nmessage: \"{value}\"\n",
    )
    .unwrap();
    fs::write(
        s.repo.join(".dvmlint.yaml"),
        "custom-rules: [\"policies/*.yaml\"]\n",
    )
    .unwrap();
    let outputs = assert_never_printed(&s.repo, &["."], &["FOREIGNTOKEN42"]);
    assert!(
        outputs[1].contains("vendor:1:1: warning[DVM003]"),
        "{}",
        outputs[1]
    );
}

#[test]
fn a_folder_link_to_the_filesystem_root_ends_quickly() {
    let s = scratch();
    symlink("/", s.repo.join("root")).unwrap();
    symlink("/proc", s.repo.join("proc")).unwrap();
    symlink("/sys", s.repo.join("sys")).unwrap();
    let out = run_for(
        &["check", "--no-cache", "--format", "concise", "."],
        &s.repo,
        Duration::from_secs(20),
    );
    let printed = text(&out);
    for link in ["root", "proc", "sys"] {
        assert!(
            printed.contains(&format!("{link}:1:1: warning[DVM003]")),
            "{printed}"
        );
    }
}

#[test]
fn a_link_inside_the_project_is_read_once_under_its_canonical_name() {
    let s = scratch();
    fs::create_dir_all(s.repo.join("base")).unwrap();
    fs::write(s.repo.join("base/app.yaml"), PLACEHOLDER).unwrap();
    symlink("base", s.repo.join("linked")).unwrap();
    symlink("base/app.yaml", s.repo.join("also.yaml")).unwrap();
    let printed = concise(&s.repo, &["."]);
    assert_eq!(printed.matches("[DVM402]").count(), 1, "{printed}");
    assert!(printed.contains("base/app.yaml:5:14"), "{printed}");
    assert!(!printed.contains("DVM401"), "{printed}");
    // Named on the command line (as a pre-commit hook does), the link is
    // reported under its target's name, once.
    let named = concise(&s.repo, &["also.yaml", "base/app.yaml"]);
    assert_eq!(named.matches("[DVM402]").count(), 1, "{named}");
    assert!(named.contains("base/app.yaml:5:14"), "{named}");
}

#[test]
fn a_committed_link_named_by_a_hook_is_refused() {
    let s = scratch();
    fs::write(
        s.outside.join("creds.yaml"),
        foreign_manifest("HOOKTOKEN77"),
    )
    .unwrap();
    symlink(s.outside.join("creds.yaml"), s.repo.join("changed.yaml")).unwrap();
    symlink("/proc/self/environ", s.repo.join("env.yaml")).unwrap();
    let outputs = assert_never_printed(
        &s.repo,
        &["changed.yaml", "env.yaml"],
        &["HOOKTOKEN77", "ENVTOKEN_9f3k2"],
    );
    assert!(
        outputs[1].contains("changed.yaml:1:1: warning[DVM003]"),
        "{}",
        outputs[1]
    );
}

#[test]
fn a_dangling_link_is_one_dvm003() {
    let s = scratch();
    symlink("missing.yaml", s.repo.join("dangling.yaml")).unwrap();
    let printed = concise(&s.repo, &["."]);
    assert_eq!(printed.matches("dangling.yaml").count(), 1, "{printed}");
    assert!(printed.contains("does not resolve"), "{printed}");
}

#[test]
fn a_config_link_to_a_foreign_file_is_refused_without_echoing_it() {
    let s = scratch();
    fs::write(
        s.outside.join("keyfile"),
        "SECRETFIRSTKEY123: value\nother: 1\n",
    )
    .unwrap();
    symlink(s.outside.join("keyfile"), s.repo.join(".dvmlint.yaml")).unwrap();
    let out = run(&["check", "--no-cache", "."], &s.repo);
    let printed = text(&out);
    assert_eq!(out.status.code(), Some(2), "{printed}");
    assert!(!printed.contains("SECRETFIRSTKEY123"), "{printed}");
    assert!(printed.contains("outside the project"), "{printed}");
}

#[test]
fn custom_rule_paths_cannot_leave_the_project() {
    let s = scratch();
    fs::write(s.outside.join("keyfile.yaml"), "SECRETFIRSTKEY123: value\n").unwrap();
    for pattern in ["../outside/keyfile.yaml", "../../**/*.yaml", "/etc/*.conf"] {
        fs::write(
            s.repo.join(".dvmlint.yaml"),
            format!("custom-rules: [\"{pattern}\"]\n"),
        )
        .unwrap();
        let out = run_for(
            &["check", "--no-cache", "."],
            &s.repo,
            Duration::from_secs(20),
        );
        let printed = text(&out);
        assert_eq!(out.status.code(), Some(2), "{pattern}: {printed}");
        assert!(!printed.contains("SECRETFIRSTKEY123"), "{printed}");
        assert!(printed.contains("leaves the project folder"), "{printed}");
    }
    // A linked rule folder or file out of the project is refused too.
    fs::create_dir_all(s.outside.join("rules")).unwrap();
    fs::write(s.outside.join("rules/r.yaml"), "SECRETFIRSTKEY123: value\n").unwrap();
    symlink(s.outside.join("rules"), s.repo.join("rules")).unwrap();
    fs::write(
        s.repo.join(".dvmlint.yaml"),
        "custom-rules: [\"rules/*.yaml\"]\n",
    )
    .unwrap();
    let printed = text(&run(&["check", "--no-cache", "."], &s.repo));
    assert!(!printed.contains("SECRETFIRSTKEY123"), "{printed}");
    assert!(printed.contains("outside the project"), "{printed}");
}

#[test]
fn a_linked_custom_rule_file_inside_the_project_is_read() {
    let s = scratch();
    fs::create_dir_all(s.repo.join("shared")).unwrap();
    fs::create_dir_all(s.repo.join("policies")).unwrap();
    fs::write(
        s.repo.join("shared/r.yaml"),
        "id: ORG001\nname: no-app\nseverity: warning\nsummary: named app\n\
         match: { apiVersion: v1, kind: ConfigMap }\n\
         assert:\n  - path: metadata.name\n    equals: other\n",
    )
    .unwrap();
    symlink("../shared/r.yaml", s.repo.join("policies/r.yaml")).unwrap();
    fs::write(
        s.repo.join(".dvmlint.yaml"),
        "custom-rules: [\"policies/*.yaml\"]\n",
    )
    .unwrap();
    fs::write(s.repo.join("app.yaml"), PLACEHOLDER).unwrap();
    let printed = concise(&s.repo, &["."]);
    assert!(printed.contains("[ORG001]"), "{printed}");
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

#[test]
fn fifos_and_devices_are_never_read_and_never_hang() {
    let s = scratch();
    mkfifo(&s.repo.join("pipe.yaml"));
    mkfifo(&s.repo.join("rules.yaml"));
    fs::write(s.repo.join("app.yaml"), PLACEHOLDER).unwrap();
    let limit = Duration::from_secs(20);
    let out = run_for(
        &["check", "--no-cache", "--format", "concise", "."],
        &s.repo,
        limit,
    );
    let printed = text(&out);
    assert!(
        printed.contains("pipe.yaml:1:1: warning[DVM003]") && printed.contains("FIFO"),
        "{printed}"
    );
    // Named, a FIFO or device is refused too, with no hang and no endless read.
    let named = text(&run_for(
        &["check", "--no-cache", "--format", "concise", "pipe.yaml"],
        &s.repo,
        limit,
    ));
    assert!(named.contains("pipe.yaml:1:1: warning[DVM003]"), "{named}");
    for config in ["/dev/zero", "/dev/null", "rules.yaml"] {
        let out = run_for(
            &["check", "--no-cache", "--config", config, "."],
            &s.repo,
            limit,
        );
        assert_eq!(out.status.code(), Some(2), "{config}: {}", text(&out));
        assert!(text(&out).contains("not a regular file"), "{}", text(&out));
    }
    let out = run_for(
        &["check", "--no-cache", "--rules-only", "rules.yaml", "."],
        &s.repo,
        limit,
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stdin = run_for(
        &["check", "--no-cache", "--format", "concise", "/dev/stdin"],
        &s.repo,
        limit,
    );
    assert_ne!(stdin.status.code(), Some(0), "{}", text(&stdin));
}

#[test]
fn a_gitignore_link_to_an_endless_device_does_not_hang_the_walk() {
    let s = scratch();
    fs::create_dir_all(s.repo.join("sub")).unwrap();
    symlink("/dev/zero", s.repo.join("sub/.gitignore")).unwrap();
    fs::write(s.repo.join("app.yaml"), PLACEHOLDER).unwrap();
    let out = run_for(
        &["check", "--no-cache", "--format", "concise", "."],
        &s.repo,
        Duration::from_secs(20),
    );
    let printed = text(&out);
    assert!(
        printed.contains("sub/.gitignore:1:1: warning[DVM003]"),
        "{printed}"
    );
    assert!(
        printed.contains("app.yaml:5:14: error[DVM402]"),
        "{printed}"
    );
}

#[test]
fn a_file_skipped_for_size_shows_no_excerpt() {
    let s = scratch();
    fs::write(s.repo.join(".dvmlint.yaml"), "max-file-size: 200B\n").unwrap();
    let line = format!(
        "{{\"kind\": \"List\", \"items\": [], \"proxy\": \"dvm:BIGPASS99@proxy:3128\", \"pad\": \"{}\"}}\n",
        "x".repeat(400)
    );
    fs::write(s.repo.join("big.json"), line).unwrap();
    let outputs = assert_never_printed(&s.repo, &["."], &["BIGPASS99"]);
    assert!(outputs[0].contains("DVM003"), "{}", outputs[0]);
}

// ---- 2. A cache that cannot be used against its user ----

/// `dvmlint check --format concise .` with the cache on, as if on the machine
/// whose cache-key home is `home`.
fn cached_run(repo: &Path, home: &Path) -> Output {
    run_with(
        &["check", "--format", "concise", "."],
        repo,
        Duration::from_secs(60),
        &[("HOME", home), ("XDG_CACHE_HOME", &home.join(".cache"))],
    )
}

fn cache_text(repo: &Path) -> String {
    String::from_utf8_lossy(&fs::read(repo.join(".dvmlint-cache/results.json")).unwrap())
        .into_owned()
}

#[test]
fn a_committed_or_altered_cache_is_never_trusted() {
    let s = scratch();
    let machine_a = s.outside.join("a");
    let machine_b = s.outside.join("b");
    fs::write(s.repo.join("app.yaml"), PLACEHOLDER).unwrap();
    let first = text(&cached_run(&s.repo, &machine_a));
    assert!(first.contains("app.yaml:5:14: error[DVM402]"), "{first}");
    let stored = cache_text(&s.repo);
    assert!(stored.contains("\"app.yaml\""), "{stored}");
    // A cache committed by the repository's author, whose finding says
    // something else: another machine (a fresh CI clone) does not use it.
    let injected = stored.replace("<namespace>", "<INJECTED>");
    assert_ne!(injected, stored);
    fs::write(s.repo.join(".dvmlint-cache/results.json"), &injected).unwrap();
    let other = text(&cached_run(&s.repo, &machine_b));
    assert!(!other.contains("INJECTED"), "{other}");
    assert!(other.contains("app.yaml:5:14: error[DVM402]"), "{other}");
    assert!(other.contains("note: cache"), "{other}");
    // Altered on the machine that wrote it: discarded too.
    text(&cached_run(&s.repo, &machine_a));
    let altered = cache_text(&s.repo).replace(
        "\"file\":\"app.yaml\"",
        "\"file\":\"../../../../etc/passwd\"",
    );
    fs::write(s.repo.join(".dvmlint-cache/results.json"), altered).unwrap();
    let again = text(&cached_run(&s.repo, &machine_a));
    assert!(!again.contains("passwd"), "{again}");
    assert!(again.contains("app.yaml:5:14: error[DVM402]"), "{again}");
}

#[test]
fn cache_writes_never_follow_links() {
    let s = scratch();
    let home = s.outside.join("home");
    fs::write(s.repo.join("app.yaml"), PLACEHOLDER).unwrap();
    // The cache folder itself a link out of the project.
    let target = s.outside.join("target");
    fs::create_dir_all(&target).unwrap();
    symlink(&target, s.repo.join(".dvmlint-cache")).unwrap();
    let out = text(&cached_run(&s.repo, &home));
    assert!(out.contains("app.yaml:5:14: error[DVM402]"), "{out}");
    assert_eq!(fs::read_dir(&target).unwrap().count(), 0, "{out}");
    assert!(out.contains("not a real folder"), "{out}");
    fs::remove_file(s.repo.join(".dvmlint-cache")).unwrap();
    // Links committed inside a real cache folder: replaced, never written through.
    fs::create_dir_all(s.repo.join(".dvmlint-cache")).unwrap();
    let planted = s.outside.join("planted");
    symlink(&planted, s.repo.join(".dvmlint-cache/.gitignore")).unwrap();
    let victim = s.outside.join("victim.sh");
    fs::write(&victim, "echo original\n").unwrap();
    symlink(&victim, s.repo.join(".dvmlint-cache/results.json")).unwrap();
    symlink(
        &victim,
        s.repo.join(".dvmlint-cache/results.json.12345.tmp"),
    )
    .unwrap();
    let out = text(&cached_run(&s.repo, &home));
    assert!(!planted.exists(), "{out}");
    assert_eq!(fs::read_to_string(&victim).unwrap(), "echo original\n");
    let cache = s.repo.join(".dvmlint-cache");
    for name in [".gitignore", "results.json"] {
        assert!(
            fs::symlink_metadata(cache.join(name)).unwrap().is_file(),
            "{name}"
        );
    }
    assert!(!cache.join("results.json.12345.tmp").exists());
}

#[test]
fn the_cache_holds_no_secret_and_only_its_owner_reads_it() {
    use std::os::unix::fs::PermissionsExt as _;
    let s = scratch();
    let home = s.outside.join("home");
    fs::write(s.repo.join("app.yaml"), PLACEHOLDER).unwrap();
    fs::write(
        s.repo.join("mc.yaml"),
        "apiVersion: migration.openshift.io/v1alpha1\nkind: MigrationController\nmetadata:\n  \
         name: migration-controller\n  namespace: openshift-migration\nspec:\n  \
         stunnel_tcp_proxy: http://dvm:CACHEPASS1@proxy.example.com:3128\n",
    )
    .unwrap();
    fs::write(
        s.repo.join("secret.yaml"),
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: app\nstringData:\n  \
         token: CACHESECRET2\n",
    )
    .unwrap();
    text(&cached_run(&s.repo, &home));
    let stored = cache_text(&s.repo);
    assert!(stored.contains("app.yaml"), "{stored}");
    for secret in ["CACHEPASS1", "CACHESECRET2"] {
        assert!(!stored.contains(secret), "{stored}");
    }
    let mode = fs::metadata(s.repo.join(".dvmlint-cache/results.json"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o077, 0, "{mode:o}");
}

#[test]
fn a_failed_write_never_leaves_the_cache_visible_to_git() {
    let s = scratch();
    let home = s.outside.join("home");
    fs::write(s.repo.join("app.yaml"), PLACEHOLDER).unwrap();
    let cache = s.repo.join(".dvmlint-cache");
    // A .gitignore emptied by a full disk is written again.
    fs::create_dir_all(&cache).unwrap();
    fs::write(cache.join(".gitignore"), "").unwrap();
    text(&cached_run(&s.repo, &home));
    assert_eq!(
        fs::read_to_string(cache.join(".gitignore"))
            .unwrap()
            .lines()
            .last(),
        Some("*")
    );
    // One that cannot be written (a folder is in its place): no results stay.
    fs::remove_file(cache.join(".gitignore")).unwrap();
    fs::remove_file(cache.join("results.json")).unwrap();
    fs::create_dir_all(cache.join(".gitignore/x")).unwrap();
    let out = text(&cached_run(&s.repo, &home));
    assert!(out.contains("app.yaml:5:14: error[DVM402]"), "{out}");
    assert!(!cache.join("results.json").exists(), "{out}");
    let left: Vec<_> = fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}
