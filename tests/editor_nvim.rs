//! A real editor drives `dvmlint lsp`: a headless Neovim (Debian's `neovim`)
//! runs `tests/nvim/edit_and_read_diagnostics.lua`, which starts the server,
//! opens a file, edits it and writes back the diagnostics Neovim shows. Without
//! `nvim` the test is skipped, except under `CI=true`, where absence is a
//! failure (`.ci/install-tools` installs it).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CONFIGMAP: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: app1\ndata:\n  k: v\n";

fn nvim() -> Option<&'static str> {
    let found = Command::new("nvim")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if found {
        return Some("nvim");
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("this test needs Neovim (`nvim`), and CI must have it (.ci/install-tools)");
    }
    eprintln!("skipped: Neovim (`nvim`) is not installed (apt-get install neovim)");
    None
}

#[test]
fn neovim_shows_the_diagnostics_of_an_opened_and_edited_file() {
    let Some(nvim) = nvim() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let file = dir.path().join("a.yaml");
    // On disk, the same ConfigMap twice: DVM401 at the second `name:`.
    std::fs::write(&file, format!("{CONFIGMAP}---\n{CONFIGMAP}")).unwrap();
    let out = dir.path().join("nvim-out.txt");
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/nvim/edit_and_read_diagnostics.lua");
    let mut child = Command::new(nvim)
        .args(["--headless", "--clean", "-n", "-i", "NONE", "-c"])
        .arg(format!("luafile {}", script.display()))
        .env("DVMLINT_BIN", env!("CARGO_BIN_EXE_dvmlint"))
        .env("DVMLINT_ROOT", dir.path())
        .env("DVMLINT_FILE", &file)
        .env("DVMLINT_OUT", &out)
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start nvim");
    let deadline = Instant::now() + Duration::from_secs(120);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("nvim did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let report = std::fs::read_to_string(&out).unwrap_or_default();
    let lines: Vec<&str> = report.lines().collect();
    // Line 11, column 8 (0-based): `settings` of the second definition.
    assert_eq!(
        lines,
        ["open DVM401@11:8", "edit ", "undo DVM401@11:8"],
        "Neovim's report:\n{report}"
    );
}
