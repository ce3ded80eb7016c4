//! The command line contract (docs/cli.md, docs/output.md): exit codes, formats, filters.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{dvmlint, stdout};
use std::fs;

/// A repository with one duplicate (error, cross-file), one unknown key (warning).
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(root.join(".dvmlint.yaml"), "").unwrap();
    fs::create_dir_all(root.join("a")).unwrap();
    // `p` differs between the files: an identical copy in another file of
    // the folder is no duplicate (self-contained samples).
    let policy = |value: &str| {
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: p\n  namespace: app1\ndata:\n  key: {value}\n"
        )
    };
    // Each file holds an object of its own besides `p`: parts of one folder
    // applied together, not alternatives (docs/decisions/apply-units.md).
    let other = |name: &str| {
        format!(
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: app1\n"
        )
    };
    fs::write(
        root.join("a/one.yaml"),
        format!("{}{}", policy("one"), other("r")),
    )
    .unwrap();
    fs::write(
        root.join("a/two.yaml"),
        format!("{}{}", policy("two"), other("q")),
    )
    .unwrap();
    fs::write(
        root.join("mc.yaml"),
        "apiVersion: migration.openshift.io/v1alpha1\nkind: MigrationController\nmetadata:\n  name: migration-controller\n  namespace: openshift-migration\nspec:\n  stunnel_tcp_procy: x\n",
    )
    .unwrap();
    dir
}

/// Run from a folder below the project root, the terminal formats print
/// paths from that folder (`../` for a file outside it), so a terminal or an
/// editor opens them as printed; the machine formats keep the project root's.
#[test]
fn terminal_paths_start_from_a_folder_below_the_root() {
    let dir = repo();
    let sub = dir.path().join("a");
    let lines = |out: &std::process::Output| -> Vec<String> {
        stdout(out).lines().map(str::to_owned).collect()
    };
    let starts = |lines: &[String], prefix: &str| lines.iter().any(|l| l.starts_with(prefix));
    let concise = lines(&dvmlint(&["check", "--format", "concise"], &sub));
    assert!(
        starts(&concise, "two.yaml:4:9: error[DVM401]"),
        "{concise:?}"
    );
    assert!(
        starts(&concise, "../mc.yaml:7:3: warning[DVM403]"),
        "{concise:?}"
    );
    // The human format's heading and its snippet's title alike.
    let human = stdout(&dvmlint(&["check", "--format", "human", "."], &sub));
    assert!(human.contains("× two.yaml:4:9:"), "{human}");
    assert!(human.contains("[two.yaml:4:9]"), "{human}");
    assert!(!human.contains("a/two.yaml"), "{human}");
    let json = stdout(&dvmlint(&["check", "--format", "json"], &sub));
    assert!(json.contains("\"file\": \"a/two.yaml\""), "{json}");
    assert!(json.contains("\"file\": \"mc.yaml\""), "{json}");
    // From the root, and from outside the project, paths start at the root.
    let at_root = lines(&dvmlint(&["check", "--format", "concise"], dir.path()));
    assert!(starts(&at_root, "a/two.yaml:4:9:"), "{at_root:?}");
    let outside = dir.path().parent().unwrap();
    let name = dir.path().file_name().unwrap().to_str().unwrap();
    let from_outside = lines(&dvmlint(&["check", "--format", "concise", name], outside));
    assert!(starts(&from_outside, "a/two.yaml:4:9:"), "{from_outside:?}");
}

#[test]
fn exit_codes_follow_fail_on() {
    let dir = repo();
    assert_eq!(dvmlint(&["check", "."], dir.path()).status.code(), Some(1));
    assert_eq!(
        dvmlint(&["check", ".", "--fail-on", "error"], dir.path())
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        dvmlint(&["check", ".", "--exit-zero"], dir.path())
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        dvmlint(
            &["check", ".", "--select", "DVM403", "--fail-on", "error"],
            dir.path()
        )
        .status
        .code(),
        Some(0)
    );
    assert_eq!(
        dvmlint(&["check", ".", "--select", "DVM403"], dir.path())
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn check_is_the_default_subcommand_and_dot_the_default_path() {
    let dir = repo();
    let explicit = stdout(&dvmlint(&["check", ".", "--format", "concise"], dir.path()));
    assert_eq!(
        stdout(&dvmlint(&["--format", "concise"], dir.path())),
        explicit
    );
    assert_eq!(
        stdout(&dvmlint(&[".", "--format", "concise"], dir.path())),
        explicit
    );
}

#[test]
fn concise_lines_are_path_line_col_severity_rule_message() {
    let dir = repo();
    let out = stdout(&dvmlint(&["--format", "concise", "--quiet"], dir.path()));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].starts_with("a/two.yaml:4:9: error[DVM401] "),
        "{out}"
    );
    assert!(
        lines[1].starts_with("mc.yaml:7:3: warning[DVM403] "),
        "{out}"
    );
}

#[test]
fn json_has_the_spec_schema() {
    let dir = repo();
    let out = dvmlint(&["--format", "json"], dir.path());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["version"], 1);
    let first = &json["findings"][0];
    for key in [
        "rule",
        "name",
        "severity",
        "message",
        "help",
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "object",
        "cluster",
        "related",
    ] {
        assert!(first.get(key).is_some(), "missing {key} in {first}");
    }
    assert_eq!(first["rule"], "DVM401");
    assert_eq!(first["name"], "duplicate-object");
    assert_eq!(first["file"], "a/two.yaml");
    assert_eq!(
        (first["line"].as_u64(), first["column"].as_u64()),
        (Some(4), Some(9))
    );
    assert_eq!(
        (first["end_line"].as_u64(), first["end_column"].as_u64()),
        (Some(4), Some(10))
    );
    assert_eq!(first["object"]["kind"], "ConfigMap");
    assert_eq!(first["object"]["namespace"], "app1");
    assert_eq!(first["related"][0]["file"], "a/one.yaml");
    assert_eq!(json["summary"]["files"], 3);
    assert_eq!(json["summary"]["objects"], 5);
    assert_eq!(json["summary"]["findings"], 2);
    assert_eq!(json["summary"]["by_severity"]["error"], 1);
    assert_eq!(json["summary"]["by_severity"]["warning"], 1);
}

#[test]
fn human_output_shows_the_snippet_the_fix_and_a_summary() {
    let dir = repo();
    let out = stdout(&dvmlint(&["--format", "human"], dir.path()));
    assert!(out.contains("DVM401(duplicate-object)"), "{out}");
    assert!(out.contains("  name: p"), "{out}");
    assert!(out.contains("help:"), "{out}");
    assert!(out.contains("first defined here"), "{out}");
    assert!(
        out.contains("Found 2 findings (1 error, 1 warning) in 3 files."),
        "{out}"
    );
    assert!(
        !out.contains('\u{1b}'),
        "no colour when NO_COLOR is set or not a terminal"
    );
}

#[test]
fn paths_restrict_reports_but_the_model_covers_the_project() {
    let dir = repo();
    // Only the first copy is named: the duplicate is still found, because its
    // related location is in that file (the pre-commit case, docs/cli.md).
    let out = stdout(&dvmlint(
        &["a/one.yaml", "--format", "concise", "--quiet"],
        dir.path(),
    ));
    assert!(out.contains("a/two.yaml:4:9: error[DVM401]"), "{out}");
    assert!(!out.contains("DVM403"), "{out}");
    let out = stdout(&dvmlint(
        &["mc.yaml", "--format", "concise", "--quiet"],
        dir.path(),
    ));
    assert!(!out.contains("DVM401") && out.contains("DVM403"), "{out}");
}

#[test]
fn select_and_ignore_accept_ids_and_names() {
    let dir = repo();
    let out = stdout(&dvmlint(
        &[
            "--format",
            "concise",
            "--quiet",
            "--ignore",
            "duplicate-object",
        ],
        dir.path(),
    ));
    assert!(!out.contains("DVM401") && out.contains("DVM403"), "{out}");
    let out = stdout(&dvmlint(
        &["--format", "concise", "--quiet", "--select", "DVM401"],
        dir.path(),
    ));
    assert!(out.contains("DVM401") && !out.contains("DVM403"), "{out}");
}

#[test]
fn unknown_rules_and_bad_config_exit_2_with_the_place() {
    let dir = repo();
    let out = dvmlint(&["--select", "DVM4O1"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean `DVM401`"));
    fs::write(
        dir.path().join(".dvmlint.yaml"),
        "clusters: []\nfail_on: error\n",
    )
    .unwrap();
    let out = dvmlint(&["."], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(".dvmlint.yaml:2:1:") && err.contains("did you mean `fail-on`"),
        "{err}"
    );
}

#[test]
fn config_severity_fail_on_and_per_file_ignores_apply() {
    let dir = repo();
    fs::write(
        dir.path().join(".dvmlint.yaml"),
        "severity: {DVM401: info}\nfail-on: error\nper-file-ignores: {\"mc.yaml\": [DVM403]}\n",
    )
    .unwrap();
    let out = dvmlint(&["--format", "concise", "--quiet"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stdout(&out).trim(),
        "a/two.yaml:4:9: info[DVM401] ConfigMap `p` in namespace `app1` is defined twice by folder `a`: applying both keeps only this one, the earlier definition at a/one.yaml:4 is silently replaced"
    );
}

#[test]
fn output_file_statistics_and_jobs() {
    let dir = repo();
    let out = dvmlint(&["--format", "json", "--output", "report.json"], dir.path());
    assert!(out.stdout.is_empty());
    let written: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("report.json")).unwrap()).unwrap();
    assert_eq!(written["summary"]["findings"], 2);
    let stats = stdout(&dvmlint(
        &["--statistics", "--format", "concise"],
        dir.path(),
    ));
    assert!(
        stats.contains("DVM401") && stats.contains("duplicate-object"),
        "{stats}"
    );
    let one = stdout(&dvmlint(&["--format", "json", "--jobs", "1"], dir.path()));
    let two = stdout(&dvmlint(&["--format", "json", "--jobs", "2"], dir.path()));
    assert_eq!(one, two);
}

#[test]
fn rules_and_explain_print_the_catalogue() {
    let dir = repo();
    let out = stdout(&dvmlint(&["rules"], dir.path()));
    assert!(
        out.lines().any(|l| l.starts_with("DVM401")
            && l.contains("duplicate-object")
            && l.contains("error"))
    );
    let json: serde_json::Value =
        serde_json::from_slice(&dvmlint(&["rules", "--format", "json"], dir.path()).stdout)
            .unwrap();
    assert!(json.as_array().unwrap().iter().any(|r| r["id"] == "DVM402"));
    let out = dvmlint(&["explain", "duplicate-object"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(
        text.contains("# DVM401 duplicate-object") && text.contains("## How to fix it"),
        "{text}"
    );
    assert_eq!(
        dvmlint(&["explain", "DVM999"], dir.path()).status.code(),
        Some(2)
    );
}

#[test]
fn missing_path_is_a_usage_error() {
    let dir = repo();
    assert_eq!(
        dvmlint(&["check", "nope"], dir.path()).status.code(),
        Some(2)
    );
}

/// A configuration beside the linted folder (`cfg.yaml` and `repo/`, `check
/// repo --config cfg.yaml`) makes its own folder the project root: a cluster
/// whose `paths` name the folder inside `repo` matches nothing, and the
/// DVM406 that says so is reported though the configuration is not under the
/// path linted (it was dropped: a clean run that checked nothing). One in a
/// sibling folder leaves the root at the Git work tree, and the help says so.
#[test]
fn the_configuration_findings_are_reported_whatever_path_is_linted() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir_all(root.join("repo/.git")).unwrap();
    fs::create_dir_all(root.join("repo/source")).unwrap();
    fs::create_dir_all(root.join("cfgdir")).unwrap();
    fs::write(
        root.join("repo/source/deny.yaml"),
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: app1}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n",
    )
    .unwrap();
    let config = "clusters:\n  - name: source\n    role: source\n    paths: [source]\n  - name: target\n    role: target\n    cidrs: [10.1.0.0/16]\nnamespaces: [app1]\n";
    fs::write(root.join("cfg.yaml"), config).unwrap();
    fs::write(
        root.join("cfgdir/rooted.yaml"),
        config.replace("[source]", "[elsewhere]"),
    )
    .unwrap();
    let out = dvmlint(
        &[
            "check",
            "repo",
            "--config",
            "cfg.yaml",
            "--no-cache",
            "--format",
            "concise",
        ],
        root,
    );
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("cfg.yaml:4:12: warning[DVM406] the `paths` of cluster `source`"),
        "{}",
        stdout(&out)
    );
    let out = dvmlint(
        &[
            "check",
            "repo",
            "--config",
            "cfgdir/rooted.yaml",
            "--no-cache",
            "--format",
            "json",
        ],
        root,
    );
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "DVM406")
        .unwrap_or_else(|| panic!("{report}"));
    // Named as given, not by its absolute path.
    assert_eq!(finding["file"], "cfgdir/rooted.yaml");
    assert!(
        finding["help"]
            .as_str()
            .unwrap()
            .contains("relative to the project root, the Git work tree holding the linted path"),
        "{finding}"
    );
}

/// Two clusters that both claim the whole project (one cluster described
/// twice, an intra-cluster migration) say nothing; a catch-all beside a
/// cluster with a folder of its own is DVM406 at that entry
/// (`docs/decisions/shared-paths.md`).
#[test]
fn a_catch_all_path_is_reported_only_beside_a_cluster_of_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir_all(root.join("target")).unwrap();
    fs::write(
        root.join("target/ns.yaml"),
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n",
    )
    .unwrap();
    let run = |config: &str| {
        fs::write(root.join(".dvmlint.yaml"), config).unwrap();
        stdout(&dvmlint(
            &["check", "--no-cache", "--format", "concise", "."],
            root,
        ))
    };
    let both = run(
        "clusters:\n  - name: a\n    role: source\n    paths: [\".\"]\n  - name: b\n    role: target\n    paths: [\"**\"]\n",
    );
    assert!(!both.contains("DVM406"), "{both}");
    let beside = run(
        "clusters:\n  - name: a\n    role: source\n    paths: [\".\"]\n  - name: b\n    role: target\n    paths: [target]\n",
    );
    assert!(
        beside.contains(".dvmlint.yaml:4:13: warning[DVM406] the path `.` of cluster `a`"),
        "{beside}"
    );
}
