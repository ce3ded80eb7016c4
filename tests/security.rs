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
use std::io::Read as _;
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
    // Drained while it runs: a full pipe would block the child.
    let drain = |mut pipe: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            pipe.read_to_end(&mut bytes).unwrap();
            bytes
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > limit {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!(
                "dvmlint {args:?} did not end within {limit:?}: {}",
                String::from_utf8_lossy(&stderr.join().unwrap())
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
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
    fs::create_dir_all(s.repo.join("common-rules")).unwrap();
    fs::create_dir_all(s.repo.join("policies")).unwrap();
    fs::write(
        s.repo.join("common-rules/r.yaml"),
        "id: ORG001\nname: no-app\nseverity: warning\nsummary: named app\n\
         match: { apiVersion: v1, kind: ConfigMap }\n\
         assert:\n  - path: metadata.name\n    equals: other\n",
    )
    .unwrap();
    symlink("../common-rules/r.yaml", s.repo.join("policies/r.yaml")).unwrap();
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

// ---- 3. Masking that cannot be bypassed ----

const MC_HEAD: &str = "apiVersion: migration.openshift.io/v1alpha1\nkind: MigrationController\nmetadata:\n  name: migration-controller\n  namespace: openshift-migration\nspec:\n";

#[test]
fn a_proxy_password_without_a_scheme_is_masked_everywhere() {
    let s = scratch();
    fs::write(
        s.repo.join("mc.yaml"),
        format!(
            "{MC_HEAD}  stunnel_tcp_proxy: dvm:NOSCHEME42@proxy:3128\n  stunnel_tcp_procy: x\n"
        ),
    )
    .unwrap();
    assert_never_printed(&s.repo, &["."], &["NOSCHEME42"]);
}

#[test]
fn a_document_that_does_not_parse_leaks_no_password() {
    let s = scratch();
    fs::write(
        s.repo.join("broken.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: p\ndata:\n  \
         proxy: http://user:BROKENPASS7@proxy:3128\n  bad: ]\n  after: 1\n",
    )
    .unwrap();
    fs::write(
        s.repo.join("secret.yaml"),
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  \
         token: BROKENVALUE8\n  bad: ]\n  after: 1\n",
    )
    .unwrap();
    let outputs = assert_never_printed(&s.repo, &["."], &["BROKENPASS7", "BROKENVALUE8"]);
    assert!(outputs[0].contains("DVM001"), "{}", outputs[0]);
}

#[test]
fn a_secret_in_a_file_name_is_masked_in_every_format() {
    let s = scratch();
    fs::write(
        s.repo.join("secret.yaml"),
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: app\nstringData:\n  \
         token: NAMESECRET5\n",
    )
    .unwrap();
    fs::write(s.repo.join("NAMESECRET5.yaml"), PLACEHOLDER).unwrap();
    let outputs = assert_never_printed(&s.repo, &["."], &["NAMESECRET5"]);
    assert!(outputs[1].contains("****.yaml:5:14"), "{}", outputs[1]);
}

#[test]
fn a_password_printed_snake_cased_or_lower_cased_is_masked() {
    let s = scratch();
    fs::write(
        s.repo.join("mc.yaml"),
        format!(
            "{MC_HEAD}  stunnel_tcp_proxy: http://dvm:Zq8SecretKey99@proxy:3128\n  \
             Zq8SecretKey99Enabled: true\n  http://dvm:Zq8SecretKey99@proxy:3128: x\n"
        ),
    )
    .unwrap();
    let outputs = assert_never_printed(
        &s.repo,
        &["."],
        &[
            "Zq8SecretKey99",
            "zq8secretkey99",
            "zq_8_secret_key_99",
            "zq8_secret_key99",
        ],
    );
    assert!(outputs[1].contains("DVM403"), "{}", outputs[1]);
}

#[test]
fn a_lone_carriage_return_does_not_move_the_mask() {
    let s = scratch();
    fs::write(
        s.repo.join("secret.yaml"),
        "apiVersion: v1\rkind: Secret\rmetadata:\r  name: s\r  namespace: <ns>\rstringData:\r  \
         token: \"CRSECRET\\x41\"\r",
    )
    .unwrap();
    let outputs = assert_never_printed(&s.repo, &["."], &["CRSECRET"]);
    assert!(outputs[0].contains("DVM402"), "{}", outputs[0]);
}

#[test]
fn control_characters_never_reach_the_terminal() {
    let s = scratch();
    fs::write(
        s.repo
            .join("evil\u{1b}[2J\nforged.yaml:1:1: error[DVM999] fake.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \"x\\e]0;title\\a\\nFAKE\"\n  \
         namespace: <ns>\n",
    )
    .unwrap();
    for format in ["human", "concise", "github"] {
        let out = run(&["check", "--no-cache", "--format", format, "."], &s.repo);
        let printed = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            !printed.contains('\u{1b}') && !printed.contains('\u{7}'),
            "{format}: {printed:?}"
        );
        assert!(
            !printed.lines().any(|l| l.starts_with("forged.yaml")),
            "{format}: {printed}"
        );
    }
}

#[test]
fn a_placeholder_is_never_masked_as_a_secret() {
    let s = scratch();
    fs::write(
        s.repo.join("secret.yaml"),
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: <namespace>\nstringData:\n  \
         password: <password>\n",
    )
    .unwrap();
    let printed = concise(&s.repo, &["."]);
    assert!(!printed.contains("`****`"), "{printed}");
}

// ---- 4. Bounded output work ----

#[test]
fn the_human_format_is_linear_in_findings() {
    // 5,000 findings in one 540 KB file: quadratic work took minutes here.
    let s = scratch();
    let mut text = String::new();
    for i in 0..5_000 {
        text.push_str(&format!(
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\n  namespace: <ns>\n# {}\n",
            "x".repeat(20)
        ));
    }
    fs::write(s.repo.join("many.yaml"), text).unwrap();
    let out = run_for(
        &["check", "--no-cache", "--format", "human", "."],
        &s.repo,
        Duration::from_secs(90),
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout)
            .matches("DVM402")
            .count(),
        5_000
    );
}

#[test]
fn a_huge_file_skipped_for_size_is_never_read_for_an_excerpt() {
    let s = scratch();
    let file = fs::File::create(s.repo.join("huge.yaml")).unwrap();
    file.set_len(3 << 30).unwrap(); // sparse: no disk used
    let out = run_for(
        &["check", "--no-cache", "--format", "human", "."],
        &s.repo,
        Duration::from_secs(30),
    );
    assert!(out.stdout.len() < 10_000, "{} bytes", out.stdout.len());
    assert!(text(&out).contains("DVM003"));
}

#[test]
fn an_anchor_quoted_many_times_does_not_blow_up_messages() {
    let s = scratch();
    let big = "y".repeat(200_000);
    let mut text = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: app\ndata:\n  big: &big \"{big}\"\n"
    );
    let mut asserts = String::new();
    for i in 0..200 {
        text.push_str(&format!("  k{i}: *big\n"));
        asserts.push_str(&format!("  - path: data.k{i}\n    equals: nothing\n"));
    }
    fs::write(s.repo.join("anchors.yaml"), text).unwrap();
    fs::create_dir_all(s.repo.join("policies")).unwrap();
    // 200 findings quoting a 200 KB value: 40 MB of messages before.
    fs::write(
        s.repo.join("policies/echo.yaml"),
        format!(
            "id: ORG001\nname: echo-value\nseverity: warning\nsummary: echo\n\
             match: {{ apiVersion: v1, kind: ConfigMap }}\nassert:\n{asserts}message: \"{{value}}\"\n"
        ),
    )
    .unwrap();
    fs::write(
        s.repo.join(".dvmlint.yaml"),
        "custom-rules: [\"policies/*.yaml\"]\nmax-file-size: 64MiB\n",
    )
    .unwrap();
    for format in ["concise", "json", "human"] {
        let out = run_for(
            &["check", "--no-cache", "--format", format, "."],
            &s.repo,
            Duration::from_secs(60),
        );
        assert!(
            out.stdout.len() < 4 << 20
                && String::from_utf8_lossy(&out.stdout)
                    .matches("more bytes")
                    .count()
                    >= 200,
            "{format}: {} bytes",
            out.stdout.len()
        );
    }
}

// ---- 4. Language-server transport ----

fn lsp_frame(body: &str) -> String {
    format!("Content-Length: {}\r\n\r\n{body}", body.len())
}

/// `dvmlint lsp` fed `input` then end of input: its exit status and output.
fn lsp_session(cwd: &Path, input: &[u8]) -> Output {
    use std::io::Write as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_dvmlint"))
        .args(["lsp", "--max-message-size", "100000"])
        .current_dir(cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    out
}

#[test]
fn malformed_language_server_frames_are_answered_and_skipped() {
    let s = scratch();
    let root = url::Url::from_directory_path(&s.repo).unwrap();
    let input = [
        lsp_frame("{not json"),
        "Content-Length: -5\r\n\r\n".to_owned(),
        "Content-Type: x\r\n\r\n".to_owned(),
        format!("Content-Length: 200000\r\n\r\n{}", "z".repeat(200_000)),
        lsp_frame(&format!(
            r#"{{"jsonrpc":"2.0","id":1,"method":"initialize","params":{{"capabilities":{{}},"rootUri":"{root}"}}}}"#
        )),
        lsp_frame(r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#),
        lsp_frame("[1,2"),
        lsp_frame(r#"{"jsonrpc":"2.0","id":2,"method":"shutdown"}"#),
        lsp_frame(r#"{"jsonrpc":"2.0","method":"exit"}"#),
    ]
    .concat();
    let out = lsp_session(&s.repo, input.as_bytes());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{}", text(&out));
    assert!(
        stdout.contains(r#""id":1,"result":{"capabilities""#)
            || stdout.contains(r#""id":1,"result""#),
        "{stdout}"
    );
    assert!(stdout.matches("-32700").count() >= 3, "{stdout}");
    assert!(stdout.contains("over the 100000-byte maximum"), "{stdout}");
}

#[test]
fn a_huge_content_length_neither_panics_nor_allocates() {
    let s = scratch();
    for length in ["18446744073709551615", "10000000000"] {
        let input = format!("Content-Length: {length}\r\n\r\n{{}}");
        let out = lsp_session(&s.repo, input.as_bytes());
        assert_ne!(out.status.code(), Some(101), "{length}: {}", text(&out));
        assert!(!text(&out).contains("panicked"), "{}", text(&out));
    }
}

// ---- 5. Suppressions only from real YAML comments ----

#[test]
fn suppression_text_inside_a_scalar_suppresses_nothing() {
    let s = scratch();
    fs::write(
        s.repo.join("app.yaml"),
        format!(
            "{PLACEHOLDER}data:\n  script: |\n    echo hi # dvmlint: ignore-file[DVM402]\n  \
             note: \"multi\n    # dvmlint: ignore-file[DVM402]\n    line\"\n"
        ),
    )
    .unwrap();
    let printed = concise(&s.repo, &["."]);
    assert!(
        printed.contains("app.yaml:5:14: error[DVM402]"),
        "{printed}"
    );
}

// ---- 6. CLI edges ----

#[test]
fn absurd_command_line_values_are_refused_not_obeyed() {
    let s = scratch();
    fs::write(s.repo.join("app.yaml"), PLACEHOLDER).unwrap();
    let limit = Duration::from_secs(20);
    for args in [
        vec!["check", "--no-cache", "--jobs", "100000", "."],
        vec!["check", "--no-cache", "--jobs", "0", "."],
        vec![
            "probe",
            "ingress",
            "--namespace",
            "app",
            "--from",
            "10.0.0.1",
            "--port",
            "0",
            ".",
        ],
        vec![
            "probe",
            "ingress",
            "--namespace",
            "",
            "--from",
            "10.0.0.1",
            "--port",
            "80",
            ".",
        ],
        vec![
            "probe",
            "ingress",
            "--namespace",
            "app",
            "--labels",
            "=",
            "--from",
            "10.0.0.1",
            "--port",
            "80",
            ".",
        ],
        vec![
            "probe",
            "egress",
            "--namespace",
            "app",
            "--to",
            "10.0.0.1:0",
            ".",
        ],
    ] {
        let out = run_for(&args, &s.repo, limit);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
    }
    // Within the limit, many workers still work.
    let out = run_for(
        &["check", "--no-cache", "--jobs", "256", "."],
        &s.repo,
        limit,
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
}

#[test]
fn a_second_configuration_document_is_an_error_not_ignored() {
    let s = scratch();
    fs::write(
        s.repo.join(".dvmlint.yaml"),
        "fail-on: error\n---\nselect: [DVM402]\n",
    )
    .unwrap();
    let out = run(&["check", "--no-cache", "."], &s.repo);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("second one would be ignored"),
        "{}",
        text(&out)
    );
}
