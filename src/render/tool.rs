//! The render tools: finding the binaries (`auto|off|PATH`) and running them
//! with a timeout (the process is killed), a bound on what they print, and no
//! network.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::ToolSetting;

use super::store::Store;

/// What a render may print before it is cut off (a chart that renders more is
/// a DVM004, not a memory problem).
pub const MAX_OUTPUT: usize = 64 * 1024 * 1024;
/// What is kept of a tool's error output.
const MAX_STDERR: usize = 64 * 1024;

/// A binary that was found, with the version it reports (part of the cache key).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tool {
    pub path: PathBuf,
    pub version: String,
}

/// How Kustomize is run: its own binary, or the copy built into kubectl.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kustomizer {
    Kustomize(Tool),
    Kubectl(Tool),
}

impl Kustomizer {
    pub fn tool(&self) -> &Tool {
        match self {
            Kustomizer::Kustomize(tool) | Kustomizer::Kubectl(tool) => tool,
        }
    }

    /// `kustomize build DIR` or `kubectl kustomize DIR`.
    pub fn command(&self, dir: &Path) -> Command {
        let mut command = Command::new(&self.tool().path);
        match self {
            Kustomizer::Kustomize(_) => command.arg("build"),
            Kustomizer::Kubectl(_) => command.arg("kustomize"),
        };
        command.arg(dir);
        command
    }

    /// The name users know it by, for messages and the JSON `rendered.tool`.
    pub fn label(&self) -> &'static str {
        match self {
            Kustomizer::Kustomize(_) => "kustomize",
            Kustomizer::Kubectl(_) => "kubectl kustomize",
        }
    }
}

/// The tools this run renders with; `None` where a tool is off or missing
/// (`missing_*` says which).
#[derive(Clone, Debug, Default)]
pub struct Tools {
    pub kustomize: Option<Arc<Kustomizer>>,
    pub helm: Option<Arc<Tool>>,
    /// The tool was wanted (`auto` or a path) but not found: why.
    pub kustomize_missing: Option<String>,
    pub helm_missing: Option<String>,
}

/// A program named `name` on `PATH`.
pub fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

/// What `args` prints on its first line (or the line holding `marker`);
/// kept in `store` by the binary's path, size and time of change, since
/// running it costs up to half a second.
fn version_of(
    path: &Path,
    args: &[&str],
    marker: Option<&str>,
    store: Option<&Store>,
) -> Option<String> {
    match store {
        Some(store) => store.tool_version(path, || ask_version(path, args, marker)),
        None => ask_version(path, args, marker),
    }
}

/// Asks `path` its version, in the environment of a render ([`offline`],
/// with a home of its own): `helm version` otherwise reads the user's
/// registry logins, repository list and kubeconfig (trial 35, `strace`).
fn ask_version(path: &Path, args: &[&str], marker: Option<&str>) -> Option<String> {
    let home = tempfile::Builder::new()
        .prefix("dvmlint-version-")
        .tempdir()
        .ok()?;
    let mut command = Command::new(path);
    command.args(args);
    offline(&mut command, home.path());
    let output = run(command, Duration::from_secs(20), 64 * 1024).ok()?;
    let text = String::from_utf8_lossy(&output);
    let line = match marker {
        Some(marker) => text.lines().find(|l| l.contains(marker))?,
        None => text.lines().find(|l| !l.trim().is_empty())?,
    };
    Some(line.trim().to_owned())
}

/// Finds Kustomize as configured: `auto` prefers a `kustomize` binary and
/// falls back to `kubectl kustomize`.
pub fn find_kustomize(
    setting: &ToolSetting,
    store: Option<&Store>,
) -> Result<Option<Kustomizer>, String> {
    let (path, kubectl) = match setting {
        ToolSetting::Off => return Ok(None),
        ToolSetting::Auto => match on_path("kustomize") {
            Some(path) => (path, false),
            None => match on_path("kubectl") {
                Some(path) => (path, true),
                None => return Err("neither `kustomize` nor `kubectl` is on PATH".to_owned()),
            },
        },
        ToolSetting::Path(path) => {
            let kubectl = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("kubectl"));
            (path.clone(), kubectl)
        }
    };
    let version = if kubectl {
        version_of(
            &path,
            &["version", "--client"],
            Some("Kustomize Version"),
            store,
        )
    } else {
        version_of(&path, &["version"], None, store)
    };
    let Some(version) = version else {
        return Err(format!("`{}` does not run", path.display()));
    };
    let tool = Tool { path, version };
    Ok(Some(if kubectl {
        Kustomizer::Kubectl(tool)
    } else {
        Kustomizer::Kustomize(tool)
    }))
}

/// Finds Helm as configured.
pub fn find_helm(setting: &ToolSetting, store: Option<&Store>) -> Result<Option<Tool>, String> {
    let path = match setting {
        ToolSetting::Off => return Ok(None),
        ToolSetting::Auto => on_path("helm").ok_or_else(|| "`helm` is not on PATH".to_owned())?,
        ToolSetting::Path(path) => path.clone(),
    };
    match version_of(&path, &["version", "--short"], None, store) {
        Some(version) => Ok(Some(Tool { path, version })),
        None => Err(format!("`{}` does not run", path.display())),
    }
}

/// Why a run of a tool gave no output.
#[derive(Debug)]
pub enum RunError {
    /// The program could not be started.
    Spawn(std::io::Error),
    /// Still running at the timeout: killed.
    TimedOut(Duration),
    /// Printed more than the bound.
    TooLarge(usize),
    /// Exited with an error; what it said on stderr (cut at a bound).
    Failed { code: Option<i32>, stderr: String },
}

/// Reads a pipe to its end, keeping at most `max` bytes; `true` when more came.
fn drain(mut pipe: impl Read, max: usize) -> (Vec<u8>, bool) {
    let mut kept = Vec::new();
    let mut buffer = [0u8; 64 * 1024];
    let mut overflow = false;
    loop {
        match pipe.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => {
                let room = max.saturating_sub(kept.len());
                let chunk = buffer.get(..n).unwrap_or_default();
                if chunk.len() > room {
                    overflow = true;
                }
                kept.extend_from_slice(chunk.get(..room.min(chunk.len())).unwrap_or_default());
            }
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    (kept, overflow)
}

/// Runs `command` to its end: stdin empty, stdout kept up to `max_output`
/// bytes; killed at `timeout`.
pub fn run(
    mut command: Command,
    timeout: Duration,
    max_output: usize,
) -> Result<Vec<u8>, RunError> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().map_err(RunError::Spawn)?;
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let out_reader = std::thread::spawn(move || stdout.map(|p| drain(p, max_output)));
    let err_reader = std::thread::spawn(move || stderr.map(|p| drain(p, MAX_STDERR)));
    let started = Instant::now();
    let mut pause = Duration::from_millis(1);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                // The readers end when the pipes close; a grandchild holding
                // them open must not hold this run, so they are not joined.
                return Err(RunError::TimedOut(timeout));
            }
            Ok(None) => {
                std::thread::sleep(pause.min(timeout.saturating_sub(started.elapsed())));
                pause = (pause * 2).min(Duration::from_millis(20));
            }
            Err(err) => {
                let _ = child.kill();
                return Err(RunError::Spawn(err));
            }
        }
    };
    let (stdout, overflow) = out_reader.join().ok().flatten().unwrap_or_default();
    let (stderr, _) = err_reader.join().ok().flatten().unwrap_or_default();
    if !status.success() {
        return Err(RunError::Failed {
            code: status.code(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        });
    }
    if overflow {
        return Err(RunError::TooLarge(max_output));
    }
    Ok(stdout)
}

/// The environment a render runs in: no network (every proxy variable points
/// at a closed local port, so a tool that tries to fetch fails at once rather
/// than reaching out; the git that Kustomize runs for a remote base may use
/// only local transports, since ssh ignores proxies and would reach the
/// host), and Helm's homes in `home`, so no user repository list, plugin or
/// registry login is read.
pub fn offline(command: &mut Command, home: &Path) {
    command.env_clear();
    for keep in ["PATH", "TMPDIR", "SYSTEMROOT", "LANG", "LC_ALL"] {
        if let Some(value) = std::env::var_os(keep) {
            command.env(keep, value);
        }
    }
    let closed = "http://127.0.0.1:9";
    for name in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "http_proxy",
        "https_proxy",
        "ALL_PROXY",
    ] {
        command.env(name, closed);
    }
    command
        .env("NO_PROXY", "")
        .env("no_proxy", "")
        .env("HOME", home)
        .env("HELM_CACHE_HOME", home.join("cache"))
        .env("HELM_CONFIG_HOME", home.join("config"))
        .env("HELM_DATA_HOME", home.join("data"))
        .env("KUBECONFIG", home.join("kubeconfig"))
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_ALLOW_PROTOCOL", "file")
        .env("GIT_CONFIG_NOSYSTEM", "1");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Command {
        let mut command = Command::new("sh");
        command.arg("-c").arg(script);
        command
    }

    #[test]
    fn output_and_errors_are_returned() {
        let out = run(sh("printf 'a: 1\\n'"), Duration::from_secs(10), 1024).unwrap();
        assert_eq!(out, b"a: 1\n");
        match run(sh("echo broken >&2; exit 3"), Duration::from_secs(10), 1024) {
            Err(RunError::Failed { code, stderr }) => {
                assert_eq!(code, Some(3));
                assert_eq!(stderr.trim(), "broken");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_slow_tool_is_killed_at_the_timeout() {
        let started = Instant::now();
        let result = run(sh("exec sleep 30"), Duration::from_millis(200), 1024);
        assert!(matches!(result, Err(RunError::TimedOut(_))), "{result:?}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn output_beyond_the_bound_is_an_error() {
        let result = run(sh("head -c 5000 /dev/zero"), Duration::from_secs(10), 1000);
        assert!(
            matches!(result, Err(RunError::TooLarge(1000))),
            "{result:?}"
        );
    }

    #[test]
    fn a_missing_binary_is_reported() {
        let missing = ToolSetting::Path("/nonexistent/helm".into());
        assert!(find_helm(&missing, None).is_err());
        assert_eq!(find_helm(&ToolSetting::Off, None).unwrap(), None);
        assert_eq!(find_kustomize(&ToolSetting::Off, None).unwrap(), None);
    }

    #[test]
    fn the_offline_environment_blocks_proxies_and_homes() {
        let home = Path::new("/tmp/dvmlint-home");
        let mut command =
            sh("echo $HTTPS_PROXY $HELM_CONFIG_HOME $GIT_ALLOW_PROTOCOL $SECRET_TOKEN");
        unsafe_free_env_check(&mut command, home);
        let out = run(command, Duration::from_secs(10), 1024).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out).trim(),
            "http://127.0.0.1:9 /tmp/dvmlint-home/config file"
        );
    }

    /// A tool asked its version runs as a render does: not in the user's
    /// home, without the user's variables.
    #[cfg(unix)]
    #[test]
    fn a_version_is_asked_in_a_home_of_its_own() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let tool = dir.path().join("helm");
        std::fs::write(
            &tool,
            "#!/bin/sh\necho \"v9 home=$HOME kube=$KUBECONFIG user=$USER\"\n",
        )
        .unwrap();
        std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).unwrap();
        let version = ask_version(&tool, &["version", "--short"], None).unwrap();
        let home = version
            .split_whitespace()
            .find_map(|w| w.strip_prefix("home="))
            .unwrap();
        assert!(home.contains("dvmlint-version-"), "{version}");
        assert!(
            version.contains(&format!("kube={home}/kubeconfig")),
            "{version}"
        );
        assert!(version.ends_with("user="), "{version}");
    }

    /// The user's other variables (tokens) are not passed on.
    fn unsafe_free_env_check(command: &mut Command, home: &Path) {
        command.env("SECRET_TOKEN", "hunter22");
        offline(command, home);
    }
}
