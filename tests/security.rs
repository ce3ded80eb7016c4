//! Untrusted repositories (`docs/security.md`): what a repository's author
//! cannot make dvmlint do. Each test is one attack, set up with the helpers
//! below, then its expected outcome: the secret it tries to exfiltrate appears
//! in no output, and every run ends in bounded time.
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

use dvmlint::lint::cache;
use dvmlint::parsed::FileResult;

const FORMATS: [&str; 7] = [
    "human", "concise", "json", "sarif", "github", "junit", "gitlab",
];

/// How long a run may take before the test calls it a hang: far above what
/// each takes (a second or two), for a machine shared with other builds.
const QUICK: Duration = Duration::from_secs(45);
const SLOW: Duration = Duration::from_secs(120);

/// In the environment of every run: a link to `/proc/self/environ` must not print it.
const ENV_TOKEN: &str = "ENVTOKEN_9f3k2";

// ---- Set-up: a project, what lies outside it, and runs of the binary ----

/// A project folder `repo` (a Git work tree) inside a scratch folder whose
/// `outside/` holds what the project must never reach.
struct Scratch {
    _dir: tempfile::TempDir,
    repo: PathBuf,
    outside: PathBuf,
}

impl Scratch {
    fn new() -> Scratch {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("repo");
        let outside = dir.path().join("outside");
        fs::create_dir_all(repo.join(".git")).unwrap();
        fs::create_dir_all(&outside).unwrap();
        Scratch {
            _dir: dir,
            repo,
            outside,
        }
    }

    /// Writes `rel` in the project (folders created); returns its path.
    fn file(&self, rel: &str, text: impl AsRef<[u8]>) -> PathBuf {
        write(&self.repo.join(rel), text)
    }

    /// Writes `rel` outside the project; returns its path.
    fn outside_file(&self, rel: &str, text: impl AsRef<[u8]>) -> PathBuf {
        write(&self.outside.join(rel), text)
    }

    /// The project's `.dvmlint.yaml`.
    fn config(&self, text: &str) {
        self.file(".dvmlint.yaml", text);
    }

    /// A symbolic link `rel` in the project pointing at `target`.
    fn link(&self, target: impl AsRef<Path>, rel: &str) {
        let path = self.repo.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        symlink(target, path).unwrap();
    }

    /// A FIFO `rel` in the project (nobody ever writes to it).
    fn fifo(&self, rel: &str) {
        let status = Command::new("mkfifo")
            .arg(self.repo.join(rel))
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// `ConfigMap app` with DVM402's placeholder at `app.yaml:5:14`.
    fn placeholder_app(&self) {
        self.file("app.yaml", PLACEHOLDER);
    }

    /// `dvmlint ARGS` in the project, killed (and the test failed) after `limit`.
    fn run_for(&self, args: &[&str], limit: Duration) -> Output {
        run_in(args, &self.repo, limit, &[])
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_for(args, SLOW)
    }

    /// `dvmlint check --no-cache ARGS` in the project.
    fn check(&self, args: &[&str]) -> Output {
        self.run(&[&["check", "--no-cache"], args].concat())
    }

    /// What `check --no-cache --format concise ARGS` prints (stdout, stderr).
    fn concise(&self, args: &[&str]) -> String {
        self.concise_within(args, SLOW)
    }

    fn concise_within(&self, args: &[&str], limit: Duration) -> String {
        let all = [&["check", "--no-cache", "--format", "concise"], args].concat();
        text(&self.run_for(&all, limit))
    }

    /// Runs `check ARGS` in every format, checks that none prints any of
    /// `secrets`, and returns what each printed (in [`FORMATS`] order).
    fn never_printed(&self, args: &[&str], secrets: &[&str]) -> Vec<String> {
        FORMATS
            .iter()
            .map(|format| {
                let all = [&["check", "--no-cache", "--format", format], args].concat();
                let printed = text(&self.run(&all));
                for secret in secrets {
                    assert!(
                        !printed.contains(secret),
                        "{format} printed `{secret}`:\n{printed}"
                    );
                }
                printed
            })
            .collect()
    }

    /// `check --format concise .` with the cache on, as if on the machine
    /// whose cache-key home is `outside/<machine>`.
    fn cached_run(&self, machine: &str) -> String {
        let home = self.outside.join(machine);
        text(&run_in(
            &["check", "--format", "concise", "."],
            &self.repo,
            SLOW,
            &[("HOME", &home), ("XDG_CACHE_HOME", &home.join(".cache"))],
        ))
    }

    fn cache_path(&self, name: &str) -> PathBuf {
        self.repo.join(".dvmlint-cache").join(name)
    }

    /// The shard files of the cache (`docs/decisions/cache-format.md`).
    fn shard_paths(&self) -> Vec<PathBuf> {
        let mut paths: Vec<PathBuf> = fs::read_dir(self.cache_path(""))
            .map(|entries| {
                entries
                    .map(|e| e.unwrap().path())
                    .filter(|p| {
                        p.file_name()
                            .unwrap()
                            .to_string_lossy()
                            .starts_with("results-")
                    })
                    .collect()
            })
            .unwrap_or_default();
        paths.sort();
        paths
    }

    /// The shard that holds `rel`.
    fn shard_path(&self, rel: &str) -> PathBuf {
        use dvmlint::lint::cache::{shard_name, shard_of};
        self.cache_path(&shard_name(shard_of(rel)))
    }

    /// Every entry of the cache, as JSON text (decompressed and decoded as an
    /// author inspecting a committed cache would).
    fn cache_text(&self) -> String {
        let mut text = String::new();
        for path in self.shard_paths() {
            for (result, _) in shard_entries(&fs::read(path).unwrap()) {
                text.push_str(&format!("{:?}: {result:?}\n", result.rel));
            }
        }
        text
    }

    /// Edits every entry as an author who knows the format would, keeping each
    /// shard's header (and so its MAC) as it was.
    fn edit_cache(&self, edit: impl Fn(&mut FileResult)) {
        for path in self.shard_paths() {
            let bytes = fs::read(&path).unwrap();
            let entries = shard_entries(&bytes)
                .into_iter()
                .map(|(mut result, stored)| {
                    edit(&mut result);
                    (result, stored)
                })
                .collect::<Vec<_>>();
            fs::write(&path, shard_bytes(&bytes[..92], &entries)).unwrap();
        }
    }
}

// The layout of a shard (src/lint/cache.rs): a 92-byte header (magic 8, format
// 4, settings key 32, body length 8 at 44, decompressed length 8 at 52, MAC 32),
// then an LZ4 block body of entries, read and written as dvmlint does
// (`dvmlint::lint::cache::format`): the author knows the format.
fn shard_entries(bytes: &[u8]) -> Vec<(FileResult, [u8; 32])> {
    let raw_len = u64::from_le_bytes(bytes[52..60].try_into().unwrap()) as usize;
    let raw = lz4_flex::block::decompress(&bytes[92..], raw_len).unwrap();
    cache::format::read_body(&raw).unwrap()
}

fn shard_bytes(header: &[u8], entries: &[(FileResult, [u8; 32])]) -> Vec<u8> {
    let raw = cache::format::write_body(entries).unwrap();
    let body = lz4_flex::block::compress(&raw);
    let mut bytes = header.to_vec();
    bytes[44..52].copy_from_slice(&(body.len() as u64).to_le_bytes());
    bytes[52..60].copy_from_slice(&(raw.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&body);
    bytes
}

fn write(path: &Path, text: impl AsRef<[u8]>) -> PathBuf {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
    path.to_path_buf()
}

/// `dvmlint ARGS` in `cwd` with extra environment variables, its pipes drained
/// while it runs; killed (and the test failed) after `limit`.
fn run_in(args: &[&str], cwd: &Path, limit: Duration, env: &[(&str, &Path)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dvmlint"));
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env("DVMLINT_SECURITY_TEST_TOKEN", ENV_TOKEN)
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
    let status = wait_within(&mut child, limit, &args);
    Output {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

fn wait_within(
    child: &mut std::process::Child,
    limit: Duration,
    what: &dyn std::fmt::Debug,
) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > limit {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("dvmlint {what:?} did not end within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Standard output then standard error, as text.
fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[track_caller]
fn assert_has(printed: &str, expected: &str) {
    assert!(
        printed.contains(expected),
        "expected `{expected}` in:\n{printed}"
    );
}

#[track_caller]
fn assert_exit(out: &Output, code: i32) {
    assert_eq!(out.status.code(), Some(code), "{}", text(out));
}

const PLACEHOLDER: &str =
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: <namespace>\n";

/// DVM402's finding on [`PLACEHOLDER`] written as `app.yaml`.
const APP_FINDING: &str = "app.yaml:5:14: error[DVM402]";

const MC_HEAD: &str = "apiVersion: migration.openshift.io/v1alpha1\nkind: MigrationController\nmetadata:\n  name: migration-controller\n  namespace: openshift-migration\nspec:\n";

/// A manifest holding `token` as a name, a key, a value and a password, and
/// a syntax error: whatever part a reporter would print, it prints the token.
fn foreign_manifest(token: &str) -> String {
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {token}\n  namespace: <{token}>\n\
         data:\n  {token}: \"http://user:{token}@proxy:3128\"\n  bad: [\n"
    )
}

/// A Secret in namespace `app` holding `value`.
fn secret_manifest(value: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: app\nstringData:\n  \
         token: {value}\n"
    )
}

/// A custom rule `ORG001` on ConfigMaps with these `assert:` items and `message:`.
fn custom_rule(asserts: &str, message: Option<&str>) -> String {
    let message = message.map_or_else(String::new, |m| format!("message: \"{m}\"\n"));
    format!(
        "id: ORG001\nname: org-check\nseverity: warning\nsummary: org check\n\
         match: {{ apiVersion: v1, kind: ConfigMap }}\nassert:\n{asserts}{message}"
    )
}

/// `policies/r.yaml` holding `rule`, and a configuration that loads it.
fn with_custom_rule(s: &Scratch, rule: &str, config_extra: &str) {
    s.file("policies/r.yaml", rule);
    s.config(&format!(
        "custom-rules: [\"policies/*.yaml\"]\n{config_extra}"
    ));
}

// ---- 1. One project boundary ----

#[test]
fn a_link_to_proc_environ_is_refused_not_printed() {
    let s = Scratch::new();
    s.link("/proc/self/environ", "env.yaml");
    let outputs = s.never_printed(&["."], &[ENV_TOKEN]);
    assert_has(&outputs[1], "env.yaml:1:1: warning[DVM003]");
    assert_has(&outputs[1], "/proc");
}

#[test]
fn a_link_to_a_file_outside_the_project_is_one_dvm003_naming_the_link() {
    let s = Scratch::new();
    let creds = s.outside_file("creds.yaml", foreign_manifest("SECRETKEY123"));
    s.link(creds, "creds.yaml");
    s.placeholder_app();
    let concise = &s.never_printed(&["."], &["SECRETKEY123"])[1];
    assert_eq!(concise.matches("creds.yaml").count(), 1, "{concise}");
    assert_has(concise, "creds.yaml:1:1: warning[DVM003]");
    assert_has(concise, "outside the project");
    // The rest of the project is still linted.
    assert_has(concise, APP_FINDING);
}

#[test]
fn a_linked_folder_outside_the_project_is_not_walked_even_for_custom_rules() {
    let s = Scratch::new();
    s.outside_file("vendor/creds.yaml", foreign_manifest("FOREIGNTOKEN42"));
    s.link(s.outside.join("vendor"), "vendor");
    let echo = "  - path: metadata.name\n    equals: nothing\n";
    with_custom_rule(&s, &custom_rule(echo, Some("{value}")), "");
    let outputs = s.never_printed(&["."], &["FOREIGNTOKEN42"]);
    assert_has(&outputs[1], "vendor:1:1: warning[DVM003]");
}

#[test]
fn a_folder_link_to_the_filesystem_root_ends_quickly() {
    let s = Scratch::new();
    for (target, link) in [("/", "root"), ("/proc", "proc"), ("/sys", "sys")] {
        s.link(target, link);
    }
    let printed = s.concise_within(&["."], QUICK);
    for link in ["root", "proc", "sys"] {
        assert_has(&printed, &format!("{link}:1:1: warning[DVM003]"));
    }
}

#[test]
fn a_link_inside_the_project_is_read_once_under_its_canonical_name() {
    let s = Scratch::new();
    s.file("base/app.yaml", PLACEHOLDER);
    s.link("base", "linked");
    s.link("base/app.yaml", "also.yaml");
    let printed = s.concise(&["."]);
    assert_eq!(printed.matches("[DVM402]").count(), 1, "{printed}");
    assert_has(&printed, "base/app.yaml:5:14");
    assert!(!printed.contains("DVM401"), "{printed}");
    // Named on the command line (as a pre-commit hook does), the link is
    // reported under its target's name, once.
    let named = s.concise(&["also.yaml", "base/app.yaml"]);
    assert_eq!(named.matches("[DVM402]").count(), 1, "{named}");
    assert_has(&named, "base/app.yaml:5:14");
}

#[test]
fn a_committed_link_named_by_a_hook_is_refused() {
    let s = Scratch::new();
    let creds = s.outside_file("creds.yaml", foreign_manifest("HOOKTOKEN77"));
    s.link(creds, "changed.yaml");
    s.link("/proc/self/environ", "env.yaml");
    let outputs = s.never_printed(&["changed.yaml", "env.yaml"], &["HOOKTOKEN77", ENV_TOKEN]);
    assert_has(&outputs[1], "changed.yaml:1:1: warning[DVM003]");
}

#[test]
fn a_dangling_link_is_one_dvm003() {
    let s = Scratch::new();
    s.link("missing.yaml", "dangling.yaml");
    let printed = s.concise(&["."]);
    assert_eq!(printed.matches("dangling.yaml").count(), 1, "{printed}");
    assert_has(&printed, "does not resolve");
}

/// A dangling link named as a file dvmlint never reads is no input lost: no
/// finding (a warning there failed a pre-commit run for an optional
/// `Makefile.local`). One to a folder, or named as a manifest, stands.
#[test]
fn a_dangling_link_to_a_file_never_read_is_not_reported() {
    let s = Scratch::new();
    s.file(
        "app/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: a}\n",
    );
    s.link("../Makefile.local", "app/Makefile.local");
    s.link("../missing.txt", "app/notes.txt");
    s.link("../missing/", "app/chapter-0.4");
    s.link("../missing-app", "app/kiada-0.4");
    s.link("../missing.yaml", "app/other.yaml");
    s.link("../deploy.yml", "app/README");
    // Apache's enabled modules, links into `mods-available/` (trial 35: 21
    // warnings on one repository), and a backup: never read.
    s.link("../mods-available/rewrite.load", "app/rewrite.load");
    s.link("../settings.yaml.bak", "app/settings.yaml.bak");
    // A template of a manifest is read (DVM002): its link stands.
    s.link("../missing.yaml.tpl", "app/policy.yaml.tpl");
    s.link("../missing", "app/conf.d");
    let printed = s.concise(&["."]);
    for gone in [
        "Makefile.local",
        "notes.txt",
        "rewrite.load",
        "settings.yaml.bak",
    ] {
        assert!(!printed.contains(gone), "{printed}");
    }
    for stands in [
        "chapter-0.4",
        "kiada-0.4",
        "other.yaml",
        "README",
        "policy.yaml.tpl",
        "conf.d",
    ] {
        assert_eq!(printed.matches(stands).count(), 1, "{stands}: {printed}");
    }
}

#[test]
fn a_config_link_to_a_foreign_file_is_refused_without_echoing_it() {
    let s = Scratch::new();
    let keyfile = s.outside_file("keyfile", "SECRETFIRSTKEY123: value\nother: 1\n");
    s.link(keyfile, ".dvmlint.yaml");
    let out = s.check(&["."]);
    assert_exit(&out, 2);
    assert!(!text(&out).contains("SECRETFIRSTKEY123"), "{}", text(&out));
    assert_has(&text(&out), "outside the project");
}

#[test]
fn custom_rule_paths_cannot_leave_the_project() {
    let s = Scratch::new();
    s.outside_file("keyfile.yaml", "SECRETFIRSTKEY123: value\n");
    for pattern in ["../outside/keyfile.yaml", "../../**/*.yaml", "/etc/*.conf"] {
        s.config(&format!("custom-rules: [\"{pattern}\"]\n"));
        let out = s.run_for(&["check", "--no-cache", "."], QUICK);
        assert_exit(&out, 2);
        assert!(!text(&out).contains("SECRETFIRSTKEY123"), "{}", text(&out));
        assert_has(&text(&out), "leaves the project folder");
    }
    // A linked rule folder or file out of the project is refused too.
    s.outside_file("rules/r.yaml", "SECRETFIRSTKEY123: value\n");
    s.link(s.outside.join("rules"), "rules");
    s.config("custom-rules: [\"rules/*.yaml\"]\n");
    let printed = text(&s.check(&["."]));
    assert!(!printed.contains("SECRETFIRSTKEY123"), "{printed}");
    assert_has(&printed, "outside the project");
}

#[test]
fn a_linked_custom_rule_file_inside_the_project_is_read() {
    let s = Scratch::new();
    let rule = custom_rule("  - path: metadata.name\n    equals: other\n", None);
    s.file("common-rules/r.yaml", rule);
    s.link("../common-rules/r.yaml", "policies/r.yaml");
    s.config("custom-rules: [\"policies/*.yaml\"]\n");
    s.placeholder_app();
    let printed = s.concise(&["."]);
    assert_has(&printed, "[ORG001]");
    assert!(!printed.contains("matches no file"), "{printed}");
}

#[test]
fn fifos_and_devices_are_never_read_and_never_hang() {
    let s = Scratch::new();
    s.fifo("pipe.yaml");
    s.fifo("rules.yaml");
    s.placeholder_app();
    let printed = s.concise_within(&["."], QUICK);
    assert_has(&printed, "pipe.yaml:1:1: warning[DVM003]");
    assert_has(&printed, "FIFO");
    // Named, a FIFO or device is refused too, with no hang and no endless read.
    let named = s.concise_within(&["pipe.yaml"], QUICK);
    assert_has(&named, "pipe.yaml:1:1: warning[DVM003]");
    for config in ["/dev/zero", "/dev/null", "rules.yaml"] {
        let out = s.run_for(&["check", "--no-cache", "--config", config, "."], QUICK);
        assert_exit(&out, 2);
        assert_has(&text(&out), "not a regular file");
    }
    let out = s.run_for(
        &["check", "--no-cache", "--rules-only", "rules.yaml", "."],
        QUICK,
    );
    assert_exit(&out, 2);
    assert_has(&text(&out), "rules.yaml");
    assert_has(&text(&out), "FIFO");
}

#[test]
fn dev_stdin_named_on_the_command_line_is_standard_input() {
    // `check /dev/stdin` linted nothing and exited 0: now it reads standard
    // input as `-` does (under --stdin-filename), never the pipe in /dev.
    let s = Scratch::new();
    let mut child = Command::new(env!("CARGO_BIN_EXE_dvmlint"))
        .args(["check", "--no-cache", "--format", "concise", "/dev/stdin"])
        .current_dir(&s.repo)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), PLACEHOLDER.as_bytes()).unwrap();
    let status = wait_within(&mut child, QUICK, &"check /dev/stdin");
    let mut printed = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut printed)
        .unwrap();
    assert_eq!(status.code(), Some(1), "{printed}");
    assert_has(&printed, "stdin.yaml:5:14: error[DVM402]");
}

#[test]
fn a_gitignore_link_to_an_endless_device_does_not_hang_the_walk() {
    let s = Scratch::new();
    s.link("/dev/zero", "sub/.gitignore");
    s.placeholder_app();
    let printed = s.concise_within(&["."], QUICK);
    assert_has(&printed, "sub/.gitignore:1:1: warning[DVM003]");
    assert_has(&printed, APP_FINDING);
}

#[test]
fn an_oversized_configuration_or_rule_file_is_refused_unread() {
    // A 2 GiB `.dvmlint.yaml` was read whole (2.1 GB of memory); sparse here.
    let s = Scratch::new();
    s.placeholder_app();
    let config = s.file(".dvmlint.yaml", "fail-on: error\n");
    fs::File::options()
        .write(true)
        .open(&config)
        .unwrap()
        .set_len(2 << 30)
        .unwrap();
    let out = s.run_for(&["check", "--no-cache", "."], QUICK);
    assert_exit(&out, 2);
    assert_has(&text(&out), "over the 4194304-byte limit");
    fs::remove_file(&config).unwrap();
    let rule = s.file("policies/r.yaml", "id: ORG001\n");
    fs::File::options()
        .write(true)
        .open(&rule)
        .unwrap()
        .set_len(2 << 30)
        .unwrap();
    s.config("custom-rules: [\"policies/*.yaml\"]\n");
    let out = s.run_for(&["check", "--no-cache", "."], QUICK);
    assert_exit(&out, 2);
    assert_has(&text(&out), "over the 4194304-byte limit");
}

#[test]
fn a_file_skipped_for_size_shows_no_excerpt() {
    let s = Scratch::new();
    s.config("max-file-size: 200B\n");
    s.file(
        "big.json",
        format!(
            "{{\"kind\": \"List\", \"items\": [], \"proxy\": \"dvm:BIGPASS99@proxy:3128\", \"pad\": \"{}\"}}\n",
            "x".repeat(400)
        ),
    );
    let outputs = s.never_printed(&["."], &["BIGPASS99"]);
    assert_has(&outputs[0], "DVM003");
}

// ---- 2. A cache that cannot be used against its user ----

#[test]
fn a_committed_or_altered_cache_is_never_trusted() {
    let s = Scratch::new();
    s.placeholder_app();
    assert_has(&s.cached_run("a"), APP_FINDING);
    let stored = s.cache_text();
    assert_has(&stored, "\"app.yaml\"");
    // A cache committed by the repository's author, whose finding says
    // something else: another machine (a fresh CI clone) does not use it.
    s.edit_cache(|entry| {
        let injected = dvmlint::intern::Sym::new("<INJECTED>");
        for object in &mut entry.objects {
            let object = std::sync::Arc::make_mut(object);
            if let Some(namespace) = &mut object.meta.namespace {
                namespace.value = injected.clone();
            }
            object.scope = dvmlint::parsed::Scope::Namespace(injected.clone());
        }
    });
    assert_ne!(s.cache_text(), stored);
    let other = s.cached_run("b");
    assert!(!other.contains("INJECTED"), "{other}");
    assert_has(&other, APP_FINDING);
    assert_has(&other, "note: cache");
    assert_has(&other, "not signed by this machine");
    // The very shards another machine wrote, unaltered: not used either.
    s.cached_run("a");
    let theirs = s.cached_run("b");
    assert_has(&theirs, "not signed by this machine");
    assert_has(&theirs, APP_FINDING);
    // Altered on the machine that wrote it: discarded too.
    s.cached_run("a");
    s.edit_cache(|entry| {
        // Its name, its objects' and its findings' files.
        if &*entry.rel == "app.yaml" {
            let outside: std::sync::Arc<str> = std::sync::Arc::from("../../../../etc/passwd");
            entry.rel = outside.clone();
            for object in &mut entry.objects {
                std::sync::Arc::make_mut(object).file = outside.clone();
            }
            for finding in &mut entry.findings {
                finding.location.file = outside.clone();
            }
        }
    });
    assert_has(&s.cache_text(), "passwd");
    let again = s.cached_run("a");
    assert!(!again.contains("passwd"), "{again}");
    assert_has(&again, APP_FINDING);
}

#[test]
fn a_cache_emptied_by_the_author_does_not_hide_findings() {
    let s = Scratch::new();
    s.placeholder_app();
    s.cached_run("a");
    // Every entry's findings removed: a fresh clone must still see them.
    s.edit_cache(|entry| entry.findings.clear());
    assert!(!s.cache_text().contains("DVM402"));
    for machine in ["a", "b"] {
        // Emptied again after each run (a run rewrites the shards it discards).
        s.edit_cache(|entry| entry.findings.clear());
        let printed = s.cached_run(machine);
        assert_has(&printed, APP_FINDING);
        assert!(!printed.contains("No findings"), "{printed}");
    }
}

#[test]
fn an_endless_or_blocking_cache_file_is_discarded_quickly() {
    let s = Scratch::new();
    s.placeholder_app();
    fs::create_dir_all(s.cache_path("")).unwrap();
    let shard = s.shard_path("app.yaml");
    symlink("/dev/zero", &shard).unwrap();
    let home = s.outside.join("home");
    let run = || {
        text(&run_in(
            &["check", "--format", "concise", "."],
            &s.repo,
            QUICK,
            &[("HOME", &home), ("XDG_CACHE_HOME", &home.join(".cache"))],
        ))
    };
    assert_has(&run(), APP_FINDING);
    // Replaced by a real cache file, never read through.
    assert!(fs::symlink_metadata(&shard).unwrap().is_file());
    fs::remove_file(&shard).unwrap();
    s.fifo(&format!(
        ".dvmlint-cache/{}",
        shard.file_name().unwrap().to_string_lossy()
    ));
    assert_has(&run(), APP_FINDING);
}

#[test]
fn cache_writes_never_follow_links() {
    let s = Scratch::new();
    s.placeholder_app();
    // The cache folder itself a link out of the project.
    let target = s.outside.join("target");
    fs::create_dir_all(&target).unwrap();
    s.link(&target, ".dvmlint-cache");
    let out = s.cached_run("home");
    assert_has(&out, APP_FINDING);
    assert_eq!(fs::read_dir(&target).unwrap().count(), 0, "{out}");
    assert_has(&out, "not a real folder");
    fs::remove_file(s.repo.join(".dvmlint-cache")).unwrap();
    // Links committed inside a real cache folder, in the place of every
    // shard, the old single file and a temporary file: replaced or removed,
    // never written through.
    let planted = s.outside.join("planted");
    let victim = s.outside_file("victim.sh", "echo original\n");
    s.link(&planted, ".dvmlint-cache/.gitignore");
    for index in 0..dvmlint::lint::cache::SHARDS {
        let name = dvmlint::lint::cache::shard_name(index);
        s.link(&victim, &format!(".dvmlint-cache/{name}"));
    }
    s.link(&victim, ".dvmlint-cache/results.json");
    s.link(&victim, ".dvmlint-cache/results.json.12345.tmp");
    let out = s.cached_run("home");
    assert!(!planted.exists(), "{out}");
    assert_eq!(fs::read_to_string(&victim).unwrap(), "echo original\n");
    assert!(
        fs::symlink_metadata(s.cache_path(".gitignore"))
            .unwrap()
            .is_file()
    );
    let shard = s.shard_path("app.yaml");
    assert!(fs::symlink_metadata(&shard).unwrap().is_file());
    // Every other shard held no file of the project: its link is gone.
    assert_eq!(s.shard_paths(), [shard]);
    assert!(fs::symlink_metadata(s.cache_path("results.json")).is_err());
    assert!(!s.cache_path("results.json.12345.tmp").exists());
    assert_has(&s.cached_run("home"), APP_FINDING);
}

#[test]
fn the_cache_holds_no_secret_and_only_its_owner_reads_it() {
    use std::os::unix::fs::PermissionsExt as _;
    let s = Scratch::new();
    s.placeholder_app();
    s.file(
        "mc.yaml",
        format!("{MC_HEAD}  stunnel_tcp_proxy: http://dvm:CACHEPASS1@proxy.example.com:3128\n"),
    );
    s.file("secret.yaml", secret_manifest("CACHESECRET2"));
    s.cached_run("home");
    let stored = s.cache_text();
    assert_has(&stored, "app.yaml");
    for secret in ["CACHEPASS1", "CACHESECRET2"] {
        assert!(!stored.contains(secret), "{stored}");
    }
    for path in s.shard_paths() {
        let raw = fs::read(&path).unwrap();
        for secret in ["CACHEPASS1", "CACHESECRET2"] {
            assert!(!raw.windows(secret.len()).any(|w| w == secret.as_bytes()));
        }
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "{mode:o}");
    }
}

#[test]
fn a_failed_write_never_leaves_the_cache_visible_to_git() {
    let s = Scratch::new();
    s.placeholder_app();
    // A .gitignore emptied by a full disk is written again, even by a run
    // that changes no shard.
    s.cached_run("home");
    s.file(".dvmlint-cache/.gitignore", "");
    s.cached_run("home");
    let ignore = fs::read_to_string(s.cache_path(".gitignore")).unwrap();
    assert_eq!(ignore.lines().last(), Some("*"));
    // One that cannot be written (a folder is in its place): no results stay.
    fs::remove_file(s.cache_path(".gitignore")).unwrap();
    fs::create_dir_all(s.cache_path(".gitignore/x")).unwrap();
    let out = s.cached_run("home");
    assert_has(&out, APP_FINDING);
    assert!(s.shard_paths().is_empty(), "{out}");
    let left: Vec<_> = fs::read_dir(s.cache_path(""))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

// ---- 3. Masking that cannot be bypassed ----

#[test]
fn a_proxy_password_without_a_scheme_is_masked_everywhere() {
    let s = Scratch::new();
    s.file(
        "mc.yaml",
        format!(
            "{MC_HEAD}  stunnel_tcp_proxy: dvm:NOSCHEME42@proxy:3128\n  stunnel_tcp_procy: x\n"
        ),
    );
    s.never_printed(&["."], &["NOSCHEME42"]);
}

#[test]
fn a_document_that_does_not_parse_leaks_no_password() {
    let s = Scratch::new();
    s.file(
        "broken.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: p\ndata:\n  \
         proxy: http://user:BROKENPASS7@proxy:3128\n  bad: ]\n  after: 1\n",
    );
    s.file(
        "secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  \
         token: BROKENVALUE8\n  bad: ]\n  after: 1\n",
    );
    let outputs = s.never_printed(&["."], &["BROKENPASS7", "BROKENVALUE8"]);
    assert_has(&outputs[0], "DVM001");
}

#[test]
fn a_secret_in_a_file_name_is_masked_in_every_format() {
    let s = Scratch::new();
    s.file("secret.yaml", secret_manifest("NAMESECRET5"));
    s.file("NAMESECRET5.yaml", PLACEHOLDER);
    // A clean file, named only in JUnit's list of the files linted (a test
    // case that passed).
    s.file(
        "clean-NAMESECRET5.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: clean\n  namespace: shop\n",
    );
    let outputs = s.never_printed(&["."], &["NAMESECRET5"]);
    assert_has(&outputs[1], "****.yaml:5:14");
    assert_has(&outputs[5], "clean-****.yaml");
}

#[test]
fn a_password_printed_snake_cased_or_lower_cased_is_masked() {
    // DVM403 prints a URL used as a key snake-cased; DVM203 a noProxy URL
    // entry lower-cased.
    let s = Scratch::new();
    s.file(
        "mc.yaml",
        format!(
            "{MC_HEAD}  stunnel_tcp_proxy: http://dvm:Zq8SecretKey99@proxy:3128\n  \
             Zq8SecretKey99Enabled: true\n  http://dvm:Zq8SecretKey99@proxy:3128: x\n  \
             no_proxy: \"http://dvm:Zq8SecretKey99@a.example.com,.svc,.cluster.local\"\n"
        ),
    );
    let outputs = s.never_printed(
        &["."],
        &[
            "Zq8SecretKey99",
            "zq8secretkey99",
            "zq_8_secret_key_99",
            "zq8_secret_key99",
        ],
    );
    assert_has(&outputs[1], "DVM403");
    assert_has(&outputs[1], "DVM203");
}

#[test]
fn a_short_secret_masks_itself_as_written_not_the_word_in_another_case() {
    // A Secret's placeholder `STRING` no longer masks the word `string` in
    // every message (trial 28: Kustomize's "cannot unmarshal **** into Go
    // struct field"); as written it is still masked, and a short password
    // in a URL is masked in every case rules print it (DVM203 lower-cases a
    // noProxy entry, DVM403 snake-cases a key), as a credential.
    let s = Scratch::new();
    s.file(
        "secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  username: STRING\n  password: Pw5x\n",
    );
    s.file(
        "app.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: <string>\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  namespace: <STRING>\n",
    );
    s.file(
        "mc.yaml",
        format!(
            "{MC_HEAD}  stunnel_tcp_proxy: http://dvm:Pw5x@proxy:3128\n  \
             no_proxy: \"HTTP://dvm:Pw5x@A.example.com,.svc\"\n  http://dvm:Pw5x@proxy:3128: x\n"
        ),
    );
    let outputs = s.never_printed(&["."], &["Pw5x", "pw5x", "PW5X", "STRING"]);
    let concise = &outputs[1];
    assert_has(concise, "`<string>` is a documentation placeholder");
    assert_has(concise, "`<****>` is a documentation placeholder");
    assert_has(concise, "DVM203");
    assert_has(concise, "DVM403");
}

#[test]
fn a_token_in_a_url_user_name_is_masked_in_every_format() {
    // `scheme://TOKEN@host` (and a `%3A`-encoded colon) is a credential
    // (docs/security.md): masked whole, also lower-cased in DVM203's message.
    let s = Scratch::new();
    s.file(
        "mc.yaml",
        format!(
            "{MC_HEAD}  stunnel_tcp_proxy: http://USERTOKEN9a8b7c@proxy.example.com:3128\n  \
             http_proxy: http://dvm%3AENCPASS5x6y@proxy.example.com:3128\n  \
             no_proxy: \"http://USERTOKEN9a8b7c@a.example.com,http://dvm%3AENCPASS5x6y@b.example.com,.svc\"\n  \
             stunnel_tcp_procy: http://dvm%3AENCPASS5x6y@proxy.example.com:3128\n"
        ),
    );
    let outputs = s.never_printed(
        &["."],
        &[
            "USERTOKEN9a8b7c",
            "usertoken9a8b7c",
            "ENCPASS5x6y",
            "encpass5x6y",
        ],
    );
    let concise = &outputs[1];
    assert_has(concise, "http://****@proxy.example.com:3128");
    assert_has(concise, "DVM203");
    // An e-mail address is not a credential.
    s.file("admin@example.com.yaml", PLACEHOLDER);
    assert_has(&s.concise(&["."]), "admin@example.com.yaml:5:14");
}

#[test]
fn a_lone_carriage_return_does_not_move_the_mask() {
    let s = Scratch::new();
    s.file(
        "secret.yaml",
        "apiVersion: v1\rkind: Secret\rmetadata:\r  name: s\r  namespace: <ns>\rstringData:\r  \
         token: \"CRSECRET\\x41\"\r",
    );
    let outputs = s.never_printed(&["."], &["CRSECRET"]);
    assert_has(&outputs[0], "DVM402");
}

#[test]
fn control_characters_never_reach_the_terminal() {
    let s = Scratch::new();
    s.file(
        "evil\u{1b}[2J\nforged.yaml:1:1: error[DVM999] fake.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \"x\\e]0;title\\a\\nFAKE\"\n  \
         namespace: <ns>\n",
    );
    for format in ["human", "concise", "github"] {
        let out = s.check(&["--format", format, "."]);
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
    let s = Scratch::new();
    s.file(
        "secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: <namespace>\nstringData:\n  \
         password: <password>\n",
    );
    assert!(!s.concise(&["."]).contains("`****`"));
}

#[test]
fn a_file_name_that_is_not_utf8_is_reported_under_a_name_saying_its_bytes() {
    // Reported as `bad�name.yaml` before (no such file), and named on the
    // command line it was a DVM003 "No such file" besides its findings.
    use std::os::unix::ffi::OsStrExt as _;
    let s = Scratch::new();
    let name = std::ffi::OsStr::from_bytes(b"bad\xffname.yaml");
    fs::write(s.repo.join(name), PLACEHOLDER).unwrap();
    for args in [vec!["."], vec![]] {
        let mut command = Command::new(env!("CARGO_BIN_EXE_dvmlint"));
        command
            .args(["check", "--no-cache", "--format", "concise"])
            .args(&args)
            .current_dir(&s.repo);
        if args.is_empty() {
            command.arg(name);
        }
        let out = command.output().unwrap();
        let printed = text(&out);
        assert_has(&printed, "bad\\xFFname.yaml:5:14: error[DVM402]");
        assert!(!printed.contains('\u{FFFD}'), "{printed}");
        assert!(!printed.contains("DVM003"), "{printed}");
    }
}

// ---- 4. Bounded output work ----

#[test]
fn the_human_format_is_linear_in_findings() {
    // 5,000 findings in one 540 KB file: quadratic work took minutes here.
    let s = Scratch::new();
    let mut many = String::new();
    for i in 0..5_000 {
        many.push_str(&format!(
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\n  namespace: <ns>\n# {}\n",
            "x".repeat(20)
        ));
    }
    s.file("many.yaml", many);
    let out = s.run_for(&["check", "--no-cache", "--format", "human", "."], SLOW);
    let printed = String::from_utf8_lossy(&out.stdout);
    assert_eq!(printed.matches("DVM402").count(), 5_000);
}

#[test]
fn many_secret_values_are_masked_in_one_pass() {
    // A Secret with 50,000 values took 52 s in the human format.
    let s = Scratch::new();
    let values: String = (0..50_000)
        .map(|i| format!("  k{i}: SECRETVALUE{i:06}\n"))
        .collect();
    s.file(
        "secret.yaml",
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: SECRETVALUE000007\n  namespace: <ns>\n\
             stringData:\n{values}"
        ),
    );
    let out = s.run_for(&["check", "--no-cache", "--format", "human", "."], SLOW);
    let printed = text(&out);
    assert_has(&printed, "DVM402");
    assert!(!printed.contains("SECRETVALUE0"), "{printed}");
}

#[test]
fn a_huge_file_skipped_for_size_is_never_read_for_an_excerpt() {
    let s = Scratch::new();
    let file = fs::File::create(s.repo.join("huge.yaml")).unwrap();
    file.set_len(3 << 30).unwrap(); // sparse: no disk used
    let out = s.run_for(&["check", "--no-cache", "--format", "human", "."], QUICK);
    assert!(out.stdout.len() < 10_000, "{} bytes", out.stdout.len());
    assert_has(&text(&out), "DVM003");
}

#[test]
fn a_finding_on_a_megabyte_line_prints_a_bounded_excerpt() {
    let s = Scratch::new();
    s.file(
        "wide.yaml",
        format!(
            "{{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {{\"name\": \"w\", \
             \"namespace\": \"<ns>\"}}, \"data\": {{\"pad\": \"{}\"}}}}\n",
            "y".repeat(1 << 20)
        ),
    );
    let out = s.run_for(&["check", "--no-cache", "--format", "human", "."], QUICK);
    assert_has(&text(&out), "DVM402");
    assert!(out.stdout.len() < 64 << 10, "{} bytes", out.stdout.len());
}

#[test]
fn an_anchor_quoted_many_times_does_not_blow_up_messages() {
    // 200 findings quoting a 200 KB value: 40 MB of messages before, through
    // a custom rule's `{value}` or a built-in rule's message.
    let s = Scratch::new();
    let mut anchors = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: app\ndata:\n  big: &big \"{}\"\n",
        "y".repeat(200_000)
    );
    let mut asserts = String::new();
    for i in 0..200 {
        anchors.push_str(&format!("  k{i}: *big\n"));
        asserts.push_str(&format!("  - path: data.k{i}\n    equals: nothing\n"));
    }
    s.file("anchors.yaml", anchors);
    with_custom_rule(
        &s,
        &custom_rule(&asserts, Some("{value}")),
        "max-file-size: 64MiB\n",
    );
    // And a built-in rule quoting the value: DVM301, on 100 list items.
    let mut items = String::from("apiVersion: v1\nkind: List\nitems:\n");
    for i in 0..100 {
        let value = if i == 0 {
            format!("&big2 \"{}\"", "z".repeat(200_000))
        } else {
            "*big2".to_owned()
        };
        items.push_str(&format!(
            "- apiVersion: migration.openshift.io/v1alpha1\n  kind: MigrationController\n  \
             metadata: {{name: m{i}, namespace: openshift-migration}}\n  spec:\n    \
             rsync_endpoint_type: {value}\n"
        ));
    }
    s.file("list.yaml", items);
    for format in ["concise", "json", "human"] {
        let out = s.check(&["--format", format, "."]);
        let printed = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.stdout.len() < 4 << 20
                && printed.matches("more bytes").count() >= 300
                && printed.matches("DVM301").count() >= 100,
            "{format}: {} bytes",
            out.stdout.len()
        );
    }
}

// ---- 5. Language-server transport ----

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
    let s = Scratch::new();
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
    assert_exit(&out, 0);
    assert_has(&stdout, r#""id":1,"result""#);
    assert!(stdout.matches("-32700").count() >= 3, "{stdout}");
    assert_has(&stdout, "over the 100000-byte maximum");
}

#[test]
fn a_huge_content_length_neither_panics_nor_allocates() {
    let s = Scratch::new();
    for length in ["18446744073709551615", "10000000000"] {
        let input = format!("Content-Length: {length}\r\n\r\n{{}}");
        let out = lsp_session(&s.repo, input.as_bytes());
        assert_ne!(out.status.code(), Some(101), "{length}: {}", text(&out));
        assert!(!text(&out).contains("panicked"), "{}", text(&out));
    }
}

// ---- 6. Suppressions only from real YAML comments ----

#[test]
fn suppression_text_inside_a_scalar_suppresses_nothing() {
    let s = Scratch::new();
    s.file(
        "app.yaml",
        format!(
            "{PLACEHOLDER}data:\n  script: |\n    echo hi # dvmlint: ignore-file[DVM402]\n  \
             note: \"multi\n    # dvmlint: ignore-file[DVM402]\n    line\"\n"
        ),
    );
    assert_has(&s.concise(&["."]), APP_FINDING);
}

// ---- 7. CLI edges ----

#[test]
fn absurd_probe_values_are_refused_not_obeyed() {
    let s = Scratch::new();
    s.placeholder_app();
    let ingress = |extra: &[&'static str]| {
        [
            &["probe", "ingress", "--from", "10.0.0.1"][..],
            extra,
            &["."],
        ]
        .concat()
    };
    for (args, why) in [
        (ingress(&["--namespace", "app", "--port", "0"]), "port"),
        (ingress(&["--namespace", "", "--port", "80"]), "namespace"),
        (
            ingress(&["--namespace", "app", "--labels", "=", "--port", "80"]),
            "label",
        ),
        (
            vec![
                "probe",
                "egress",
                "--namespace",
                "app",
                "--to",
                "10.0.0.1:0",
                ".",
            ],
            "port",
        ),
    ] {
        let out = s.run_for(&args, QUICK);
        assert_exit(&out, 2);
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(why),
            "{args:?}: {}",
            text(&out)
        );
    }
}

#[test]
fn too_many_jobs_are_clamped_with_a_note_not_a_stall() {
    let s = Scratch::new();
    s.placeholder_app();
    let out = s.run_for(&["check", "--no-cache", "--jobs", "100000", "."], QUICK);
    assert_exit(&out, 1);
    assert_has(
        &text(&out),
        "--jobs 100000 is more than 256; using 256 worker threads",
    );
    assert_has(&text(&out), APP_FINDING);
    assert_exit(
        &s.run_for(&["check", "--no-cache", "--jobs", "0", "."], QUICK),
        2,
    );
}

#[test]
fn a_second_configuration_document_is_an_error_not_ignored() {
    let s = Scratch::new();
    s.config("fail-on: error\n---\nselect: [DVM402]\n");
    let out = s.check(&["."]);
    assert_exit(&out, 2);
    assert_has(&text(&out), ".dvmlint.yaml:3:1");
    assert_has(&text(&out), "second one would be ignored");
}

#[test]
fn an_unmatchable_glob_names_its_file_key_and_reason() {
    // Nested deeper than the regex parser allows: `per-file-ignores` and a
    // rule's `match` panicked; `exclude` and `paths` said "error parsing
    // pattern 0".
    let s = Scratch::new();
    s.placeholder_app();
    let deep = format!("{}b{}", "{a,".repeat(300), "}".repeat(300));
    for (config, key, at) in [
        (format!("exclude: [\"{deep}\"]\n"), "`exclude`", ":1:11:"),
        (
            format!("per-file-ignores: {{\"{deep}\": [DVM402]}}\n"),
            "`per-file-ignores`",
            ":1:20:",
        ),
        (
            format!("clusters: [{{name: a, paths: [\"{deep}\"]}}]\n"),
            "`paths`",
            ":1:30:",
        ),
        (format!("custom-rules: [\"{deep}\"]\n"), "custom-rules", ""),
        (
            "exclude: [\"**/[z-a]\"]\n".to_owned(),
            "`exclude`: invalid glob `**/[z-a]`: invalid range",
            ":1:11:",
        ),
    ] {
        s.config(&config);
        let out = s.check(&["."]);
        let printed = text(&out);
        assert_exit(&out, 2);
        assert!(!printed.contains("panicked"), "{printed}");
        assert!(!printed.contains("pattern 0"), "{printed}");
        assert_has(&printed, &format!(".dvmlint.yaml{at}"));
        assert_has(&printed, key);
        if key != "`exclude`: invalid glob `**/[z-a]`: invalid range" {
            assert_has(&printed, "nested more than 64 deep");
            assert_has(&printed, "… (1201 bytes)");
        }
    }
    fs::remove_file(s.repo.join(".dvmlint.yaml")).unwrap();
    let out = s.check(&["--exclude", &deep, "."]);
    assert_exit(&out, 2);
    assert_has(&text(&out), "invalid exclude glob");
    let rule = format!(
        "id: ORG001\nname: org-check\nseverity: warning\nsummary: s\n\
         match: {{ apiVersion: v1, kind: ConfigMap, name: \"{deep}\" }}\n\
         assert:\n  - path: metadata.name\n    equals: x\n"
    );
    with_custom_rule(&s, &rule, "");
    let out = s.check(&["."]);
    assert_exit(&out, 2);
    assert_has(&text(&out), "policies/r.yaml:5:");
    assert_has(&text(&out), "`match.name`: invalid glob");
}

#[test]
fn an_empty_or_null_key_is_named_as_such() {
    let s = Scratch::new();
    for (config, said) in [
        (
            "\"\": 1\n",
            ".dvmlint.yaml:1:1: a key in the configuration is empty",
        ),
        ("~: 1\n", "is `~`, which YAML reads as null"),
        ("[a]: 1\n", "is a list or mapping, not a name"),
        (
            "clusters: [{name: a, \"\": 1}]\n",
            "a key in the cluster is empty",
        ),
    ] {
        s.config(config);
        let out = s.check(&["."]);
        assert_exit(&out, 2);
        assert_has(&text(&out), said);
        assert!(!text(&out).contains("unknown key ``"), "{}", text(&out));
    }
    s.file("policies/r.yaml", "id: ORG001\n\"\": x\n");
    s.config("custom-rules: [\"policies/*.yaml\"]\n");
    let out = s.check(&["."]);
    assert_has(&text(&out), "policies/r.yaml:2:1: a key in a rule is empty");
}

#[test]
fn a_configuration_named_outside_the_linted_tree_configures_it() {
    // `--config other/.dvmlint.yaml repo` made `other/` the project root, so
    // `repo` lay outside it: "No findings in 0 files", exit 0.
    let s = Scratch::new();
    s.placeholder_app();
    s.outside_file(".dvmlint.yaml", "exclude: [\"skipped\"]\n");
    s.file("skipped/app.yaml", PLACEHOLDER);
    let config = s.outside.join(".dvmlint.yaml");
    let out = run_in(
        &[
            "check",
            "--no-cache",
            "--format",
            "concise",
            "--config",
            config.to_str().unwrap(),
            "repo",
        ],
        s.repo.parent().unwrap(),
        QUICK,
        &[],
    );
    assert_exit(&out, 1);
    let printed = text(&out);
    assert_has(&printed, APP_FINDING);
    assert!(!printed.contains("skipped/app.yaml"), "{printed}");
    assert_has(&printed, "lies outside the folder of --config");
}

#[test]
fn a_configuration_named_above_the_work_tree_says_the_root_it_makes() {
    // `--config ../x.yaml .` in a clone makes the folder above the clone the
    // project root (the configuration's paths are relative to it), so every
    // folder beside the clone is read: all of /tmp, for minutes without a
    // word (trial 32). A note says so before the walk.
    let s = Scratch::new();
    s.placeholder_app();
    let config = s.repo.parent().unwrap().join("x.yaml");
    write(&config, "exclude: [\"outside\"]\n");
    let out = s.run(&[
        "check",
        "--no-cache",
        "--format",
        "concise",
        "--config",
        config.to_str().unwrap(),
        ".",
    ]);
    assert_exit(&out, 1);
    let printed = text(&out);
    assert_has(&printed, APP_FINDING);
    assert_has(&printed, "above the Git work tree");
    assert_has(&printed, "every file under it is read");
}

#[test]
fn a_configuration_named_above_a_folder_outside_git_says_the_root_it_makes() {
    // The same from a checkout without `.git` (files written out of a
    // mirror): the note names the linted folder (trial 34: all of /tmp was
    // read for minutes, nothing said).
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("checkout");
    std::fs::create_dir_all(&repo).unwrap();
    write(
        &repo.join("cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: <ns>}\n",
    );
    let config = dir.path().join("x.yaml");
    write(&config, "exclude: [\"outside\"]\n");
    let out = Command::new(env!("CARGO_BIN_EXE_dvmlint"))
        .args(["check", "--no-cache", "--format", "concise", "--config"])
        .arg(&config)
        .arg(".")
        .current_dir(&repo)
        .output()
        .unwrap();
    let printed = text(&out);
    assert_has(&printed, "above the linted folder");
    assert_has(&printed, "every file under it is read");
    assert_has(&printed, "error[DVM402]");
}

#[test]
fn a_closed_or_broken_standard_output_keeps_the_exit_code_of_the_findings() {
    // docs/security.md: the exit code says what was found, in every format,
    // whether or not the reader took the whole report (it was 1 or 2 by format).
    let s = Scratch::new();
    let many: String = (0..3_000)
        .map(|i| {
            format!(
                "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\n  namespace: <ns>\n"
            )
        })
        .collect();
    s.file("many.yaml", many);
    let bin = env!("CARGO_BIN_EXE_dvmlint");
    for format in FORMATS {
        for (how, redirect) in [("closed", ">&-"), ("broken pipe", "| head -c 1 >/dev/null")] {
            let script = format!(
                "set -o pipefail; \"$0\" check --no-cache --format {format} . {redirect}; echo \"exit=${{PIPESTATUS[0]}}\" >&2"
            );
            let out = Command::new("bash")
                .args(["-c", &script, bin])
                .current_dir(&s.repo)
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(stderr.ends_with("exit=1\n"), "{format}, {how}: {stderr}");
            assert!(!stderr.contains("error"), "{format}, {how}: {stderr}");
        }
    }
    // `completions` panicked (exit 101) when its reader stopped early.
    let out = Command::new("bash")
        .args([
            "-c",
            "set -o pipefail; \"$0\" completions bash | head -c 1 >/dev/null",
            bin,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // Writing to a file that cannot take the report is an error.
    let out = s.check(&["--format", "concise", "--output", "/dev/full", "."]);
    assert_exit(&out, 2);
    assert_has(&text(&out), "cannot write the report");
}

#[test]
fn short_secret_values_never_mask_a_path_nor_dvmlints_own_words() {
    // An Argo CD repository Secret's settings (`type: helm`, `name: charts`)
    // are not secrets; a plain Secret's short values (`helm`, `admin`) are
    // masked where a message quotes them, never inside a file's path nor
    // dvmlint's own wording; a long password is masked everywhere
    // (docs/security.md).
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/secret-settings-and-short-values-not-masked");
    for format in FORMATS {
        let all = ["check", "--no-cache", "--format", format, "."];
        let printed = text(&run_in(&all, &root, SLOW, &[]));
        for leak in ["qv7-rotor-lk2", "`admin`"] {
            assert!(
                !printed.contains(leak),
                "{format} printed `{leak}`:\n{printed}"
            );
        }
        for corrupt in ["tools/****", "****/accounts", "**** chart", "`****/`"] {
            assert!(
                !printed.contains(corrupt),
                "{format} printed `{corrupt}`:\n{printed}"
            );
        }
        assert_has(&printed, "tools/helm/settings.yaml");
        assert_has(&printed, "admin/accounts.yaml");
    }
    let concise = text(&run_in(
        &["check", "--no-cache", "--format", "concise", "."],
        &root,
        SLOW,
        &[],
    ));
    assert_has(
        &concise,
        "tools/helm/settings.yaml:14:9: error[DVM401] ConfigMap `charts` in namespace `tools` \
         is defined twice by folder `tools/helm`, identically: the copy at \
         tools/helm/settings.yaml:6 is redundant",
    );
    assert_has(
        &concise,
        "admin/accounts.yaml:28:9: error[DVM401] ConfigMap `****` in namespace `tools` is \
         defined twice by folder `****`, identically: the copy at admin/accounts.yaml:22",
    );
    assert_has(&concise, "info[DVM002] this Helm chart was not rendered");
    assert_has(&concise, "not vendored in `charts/`");
}

/// A manifest's template (`deny.yaml.tpl`, DVM002) is read only where a
/// manifest would be: not below a gitignored folder (unless
/// `--no-respect-gitignore`) or an excluded one, never through a link out of
/// the project (its target is neither read nor named), never past
/// `max-file-size` (DVM003, unread).
#[test]
fn templates_of_manifests_are_read_only_where_manifests_are() {
    const DENY: &str =
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny\n";
    let s = Scratch::new();
    s.config("exclude: [drafts]\nmax-file-size: 1KiB\n");
    s.file(".gitignore", "generated/\n");
    s.file("deny.yaml.tpl", DENY);
    s.file("generated/deny.yaml.tpl", DENY);
    s.file("drafts/deny.yaml.tpl", DENY);
    let target = s.outside_file("secret.yaml.tpl", format!("{DENY}# {ENV_TOKEN}\n"));
    s.link(&target, "linked.yaml.tpl");
    s.file(
        "big.yaml.tpl",
        format!("{DENY}{}", "# padding\n".repeat(200)),
    );
    let printed = s.concise(&["."]);
    assert_has(&printed, "\ndeny.yaml.tpl:1:1: info[DVM002]");
    assert_has(&printed, "big.yaml.tpl:1:1: warning[DVM003]");
    for unread in [
        "generated/",
        "drafts/",
        "linked.yaml.tpl",
        "secret",
        ENV_TOKEN,
    ] {
        assert!(!printed.contains(unread), "{unread} in:\n{printed}");
    }
    let all = s.concise(&["--no-respect-gitignore", "."]);
    assert_has(&all, "generated/deny.yaml.tpl:1:1: info[DVM002]");
    assert!(!all.contains("drafts/"), "{all}");
}
