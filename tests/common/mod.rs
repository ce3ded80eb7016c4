//! Helpers shared by the integration tests that run the `dvmlint` binary.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::Path;
use std::process::Output;

/// Runs `dvmlint ARGS` in `cwd`, without colour.
pub fn dvmlint(args: &[&str], cwd: &Path) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_dvmlint"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
