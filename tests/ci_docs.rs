//! The `jq` line of docs/ci.md that merges the JSON reports of many
//! repositories, run on two real reports. Without `jq` the test is skipped,
//! except under `CI=true`, where absence is a failure (`.ci/install-tools`
//! installs Debian's `jq`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

fn jq_present() -> bool {
    let found = Command::new("jq")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found && std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("this test needs jq, and CI must have it (.ci/install-tools)");
    }
    if !found {
        eprintln!("skipped: jq is not installed (apt-get install jq)");
    }
    found
}

/// The shell line after the `merge-line` marker of docs/ci.md.
fn merge_line() -> String {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/ci.md")).unwrap();
    let after = doc
        .split("<!-- merge-line")
        .nth(1)
        .expect("docs/ci.md has a merge-line marker");
    let block = after.split("```sh\n").nth(1).unwrap();
    let line = block.split("\n```").next().unwrap();
    assert_eq!(line.lines().count(), 1, "one line: {line}");
    line.to_owned()
}

fn report(fixture: &str, into: &Path) -> Value {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(fixture);
    let out = Command::new(env!("CARGO_BIN_EXE_dvmlint"))
        .args([
            "check",
            "--no-cache",
            "--render",
            "off",
            "--exit-zero",
            "--format",
        ])
        .arg(format!("json:{}", into.display()))
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&std::fs::read_to_string(into).unwrap()).unwrap()
}

#[test]
fn the_documented_jq_line_merges_the_reports_of_two_repositories() {
    if !jq_present() {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let reports = work.path().join("reports");
    std::fs::create_dir(&reports).unwrap();
    let one = report(
        "netpol-default-deny-egress",
        &reports.join("org_netpol.json"),
    );
    let two = report(
        "duplicate-object-across-files",
        &reports.join("org_duplicates.json"),
    );
    let line = merge_line();
    let status = Command::new("sh")
        .args(["-c", &line])
        .current_dir(work.path())
        .status()
        .unwrap();
    assert!(status.success(), "{line}");
    let merged: Value = serde_json::from_str(
        &std::fs::read_to_string(work.path().join("dvmlint-fleet.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(merged["version"], 1);
    // `reports/*.json` in name order: org_duplicates, org_netpol.
    let repositories = merged["repositories"].as_array().unwrap();
    assert_eq!(repositories.len(), 2);
    assert_eq!(repositories[0]["repository"], "org_duplicates");
    assert_eq!(repositories[0]["summary"], two["summary"]);
    assert_eq!(repositories[1]["repository"], "org_netpol");
    assert_eq!(repositories[1]["summary"], one["summary"]);
    // Every finding once, with its repository beside its own fields.
    let findings = merged["findings"].as_array().unwrap();
    let (n1, n2) = (
        one["findings"].as_array().unwrap().len(),
        two["findings"].as_array().unwrap().len(),
    );
    assert!(n1 > 0 && n2 > 0, "both fixtures have findings");
    assert_eq!(findings.len(), n1 + n2);
    for (name, report) in [("org_netpol", &one), ("org_duplicates", &two)] {
        let mine: Vec<Value> = findings
            .iter()
            .filter(|f| f["repository"] == name)
            .map(|f| {
                let mut f = f.clone();
                f.as_object_mut().unwrap().remove("repository");
                f
            })
            .collect();
        assert_eq!(&Value::from(mine), &report["findings"], "{name}");
    }
}
