//! Policy as code (docs/policy-as-code.md) end to end: custom rules loaded from config, their
//! findings in every format, suppressions, broken rule files, the generated docs.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{dvmlint, stderr, stdout};
use std::fs;
use std::path::{Path, PathBuf};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/custom-rules")
}

const RULE: &str = "id: ORG001
name: pin-rsync-endpoint
severity: error
summary: MigrationControllers pin the rsync endpoint type
fix: Set `spec.rsync_endpoint_type`.
match: { kind: MigrationController }
assert:
  - path: spec.rsync_endpoint_type
    required: true
    oneOf: [Route, NodePort]
message: \"rsync endpoint must be Route or NodePort, found {value}\"
";

const CONTROLLER: &str = "apiVersion: migration.openshift.io/v1alpha1
kind: MigrationController
metadata:
  name: mc
  namespace: openshift-migration
spec:
  rsync_endpoint_type: ClusterIP
";

/// A repository with `policies/org.yaml` holding `rule` and one controller.
fn repo(config: &str, rule: &str, controller: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(root.join(".dvmlint.yaml"), config).unwrap();
    fs::create_dir_all(root.join("policies")).unwrap();
    fs::write(root.join("policies/org.yaml"), rule).unwrap();
    fs::write(root.join("mc.yaml"), controller).unwrap();
    dir
}

const CONFIG: &str = "custom-rules: [\"policies/*.yaml\"]\n";

#[test]
fn custom_findings_carry_their_rule_in_json() {
    let out = dvmlint(&["check", "--format", "json", "."], &fixture());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = json["findings"].as_array().unwrap();
    let org001: Vec<_> = findings.iter().filter(|f| f["rule"] == "ORG001").collect();
    assert_eq!(org001.len(), 2);
    let first = org001[0];
    assert_eq!(first["name"], "pin-rsync-endpoint");
    assert_eq!(first["severity"], "error");
    assert_eq!(
        first["message"],
        "MigrationController openshift-migration/missing: rsync endpoint must be Route or NodePort, found (missing)"
    );
    assert_eq!(
        first["help"],
        "Set `spec.rsync_endpoint_type` to `Route` or `NodePort`."
    );
    // Missing field: the nearest existing parent, the `spec` key.
    assert_eq!(
        (first["line"].as_u64(), first["column"].as_u64()),
        (Some(6), Some(1))
    );
    assert_eq!(
        (first["end_line"].as_u64(), first["end_column"].as_u64()),
        (Some(6), Some(5))
    );
    // Present value: the value itself.
    let second = org001[1];
    assert_eq!(
        (second["line"].as_u64(), second["column"].as_u64()),
        (Some(15), Some(24))
    );
    assert_eq!(second["end_column"].as_u64(), Some(33));
    // Config `severity: { ORG003: info }` applies to custom rules.
    assert!(
        findings
            .iter()
            .filter(|f| f["rule"] == "ORG003")
            .all(|f| f["severity"] == "info" && f["name"] == "allow-rsync-policy-shape")
    );
}

#[test]
fn custom_rules_are_sarif_rules() {
    let out = dvmlint(&["check", "--format", "sarif", "."], &fixture());
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let index = rules.iter().position(|r| r["id"] == "ORG001").unwrap();
    assert_eq!(rules[index]["name"], "pin-rsync-endpoint");
    assert_eq!(rules[index]["defaultConfiguration"]["level"], "error");
    assert!(rules[index].get("helpUri").is_none());
    let result = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "ORG001")
        .unwrap();
    assert_eq!(result["ruleIndex"].as_u64(), Some(index as u64));
    let github = stdout(&dvmlint(&["check", "--format", "github", "."], &fixture()));
    assert!(
        github.contains("title=ORG001 (pin-rsync-endpoint)::"),
        "{github}"
    );
    let concise = stdout(&dvmlint(&["check", "--format", "concise", "."], &fixture()));
    assert!(concise.contains("manifests/firewall.yaml:8:13: error[ORG002] `spec.egress[0].type` is `Deny`: expected exactly `Allow`"), "{concise}");
}

#[test]
fn custom_rules_are_suppressed_selected_and_ignored_like_built_ins() {
    // The fixture's `accepted` controller carries `# dvmlint: ignore[ORG001]`.
    let concise = stdout(&dvmlint(&["check", "--format", "concise", "."], &fixture()));
    assert!(!concise.contains("controllers.yaml:23"), "{concise}");
    assert!(!concise.contains("DVM900"), "{concise}");
    let only = stdout(&dvmlint(
        &["check", "--format", "concise", "--select", "ORG002", "."],
        &fixture(),
    ));
    assert_eq!(
        only.lines().filter(|l| l.contains("[ORG")).count(),
        1,
        "{only}"
    );
    let ignored = stdout(&dvmlint(
        &[
            "check",
            "--format",
            "concise",
            "--ignore",
            "ORG001,ORG003",
            ".",
        ],
        &fixture(),
    ));
    assert!(
        ignored.contains("ORG002") && !ignored.contains("ORG001"),
        "{ignored}"
    );

    let annotated = CONTROLLER.replace(
        "  namespace: openshift-migration\n",
        "  namespace: openshift-migration\n  annotations: { dvmlint.dev/ignore: \"ORG001\" }\n",
    );
    let dir = repo(CONFIG, RULE, &annotated);
    let out = dvmlint(&["check", "--format", "concise", "."], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn unknown_custom_ids_are_configuration_errors_or_dvm900() {
    let dir = repo(&format!("{CONFIG}ignore: [ORG01]\n"), RULE, CONTROLLER);
    let out = dvmlint(&["check", "."], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("ignore: unknown rule `ORG01`"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("(did you mean `ORG001`?)"),
        "{}",
        stderr(&out)
    );

    let dir = repo(CONFIG, RULE, CONTROLLER);
    let out = dvmlint(&["check", "--select", "ORG002", "."], dir.path());
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));

    let suppressed = CONTROLLER.replace("ClusterIP", "ClusterIP # dvmlint: ignore[ORG001, ORG777]");
    let dir = repo(CONFIG, RULE, &suppressed);
    let out = stdout(&dvmlint(&["check", "--format", "concise", "."], dir.path()));
    assert_eq!(
        out.lines()
            .filter(|l| l.contains("[DVM900] this suppression names an unknown rule `ORG777`"))
            .count(),
        1,
        "{out}"
    );
    assert!(!out.contains("[ORG001]"), "{out}");
}

#[test]
fn broken_rule_files_are_configuration_errors_with_a_place() {
    let cases = [
        (
            RULE.replace("oneOf:", "oneof:"),
            "policies/org.yaml:10:5: unknown operator `oneof` (did you mean `oneOf`?)",
        ),
        (
            RULE.replace("ORG001", "DVM901"),
            "policies/org.yaml:1:5: rule id `DVM901`: ids starting with `DVM` are reserved for built-in rules",
        ),
        (
            RULE.replace("match:", "mach:"),
            "policies/org.yaml:6:1: unknown key `mach` in a rule (did you mean `match`?)",
        ),
        (
            format!("{RULE}---\n{}", RULE.replace("pin-rsync", "other")),
            "policies/org.yaml:13:5: rule id `ORG001` is defined twice",
        ),
        (
            RULE.replace("{value}", "{valeu}"),
            "policies/org.yaml:11:10: unknown placeholder `{valeu}` in `message` (did you mean `value`?)",
        ),
    ];
    for (rule, expected) in cases {
        let dir = repo(CONFIG, &rule, CONTROLLER);
        let out = dvmlint(&["check", "."], dir.path());
        assert_eq!(out.status.code(), Some(2), "{expected}");
        assert!(
            stderr(&out).contains(expected),
            "expected {expected:?} in {}",
            stderr(&out)
        );
    }
    let dir = repo("custom-rules: [\"rules/*.yaml\"]\n", RULE, CONTROLLER);
    let out = dvmlint(&["check", "."], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("custom-rules: `rules/*.yaml` matches no file"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn rules_and_explain_include_custom_rules() {
    let listed = stdout(&dvmlint(&["rules"], &fixture()));
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with("ORG001") && l.contains("pin-rsync-endpoint")),
        "{listed}"
    );
    assert!(listed.lines().any(|l| l.starts_with("DVM301")));
    let json: serde_json::Value =
        serde_json::from_slice(&dvmlint(&["rules", "--format", "json"], &fixture()).stdout)
            .unwrap();
    assert!(
        json.as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == "ORG002" && r["family"] == "custom")
    );
    let explained = dvmlint(&["explain", "pin-rsync-endpoint"], &fixture());
    assert_eq!(explained.status.code(), Some(0));
    let text = stdout(&explained);
    assert!(text.starts_with("# ORG001 pin-rsync-endpoint\n"), "{text}");
    assert!(
        text.contains("## What it checks") && text.contains("oneOf:"),
        "{text}"
    );
    let unknown = dvmlint(&["explain", "ORG01"], &fixture());
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        stderr(&unknown).contains("did you mean `ORG001`?"),
        "{}",
        stderr(&unknown)
    );
}

#[test]
fn rules_only_tests_a_rule_file_against_samples() {
    let root = fixture();
    let out = dvmlint(
        &[
            "check",
            "--format",
            "concise",
            "--rules-only",
            "policies/egress.yaml",
            "manifests",
        ],
        &root,
    );
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1));
    let reported: Vec<&str> = text.lines().filter(|l| l.contains('[')).collect();
    assert_eq!(reported.len(), 1, "{text}");
    assert!(reported[0].contains("[ORG002]"));
}

#[test]
fn docs_rules_md_is_generated_from_the_catalogue() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules.md");
    let expected = dvmlint::cli::catalogue_cmd::markdown(dvmlint::catalogue::rules());
    let actual = fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "docs/rules.md is stale: run `cargo run -- rules --no-config --format markdown > docs/rules.md`"
    );
}

/// Every rule shown in docs/policy-as-code.md is a valid rule file.
#[test]
fn documented_rules_parse() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/policy-as-code.md");
    let text = fs::read_to_string(&path).unwrap();
    let mut blocks = 0;
    for block in text.split("```yaml\n").skip(1) {
        let body = block.split("```").next().unwrap();
        if !body.starts_with("id:") {
            continue;
        }
        blocks += 1;
        if let Err(err) = dvmlint::policy::parse_rules(body, &path, false) {
            panic!("{err}\n{body}");
        }
    }
    assert_eq!(blocks, 4);
}

/// docs/rules.md: names are accepted wherever ids are — custom rules' too.
#[test]
fn custom_rules_are_named_by_name_too() {
    let only = stdout(&dvmlint(
        &[
            "check",
            "--format",
            "concise",
            "--select",
            "corporate-range-first",
            ".",
        ],
        &fixture(),
    ));
    assert_eq!(
        only.lines().filter(|l| l.contains("[ORG")).count(),
        1,
        "{only}"
    );
    assert!(only.contains("[ORG002]"), "{only}");

    let suppressed = CONTROLLER.replace(
        "ClusterIP",
        "ClusterIP # dvmlint: ignore[pin-rsync-endpoint]",
    );
    let dir = repo(
        &format!("{CONFIG}severity: {{ pin-rsync-endpoint: info }}\n"),
        RULE,
        &suppressed,
    );
    let out = dvmlint(&["check", "--format", "concise", "."], dir.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );

    let typo = dvmlint(&["check", "--select", "duplicate-objekt", "."], dir.path());
    assert_eq!(typo.status.code(), Some(2));
    assert!(
        stderr(&typo).contains("select: unknown rule `duplicate-objekt`")
            && stderr(&typo).contains("(did you mean `duplicate-object`?)"),
        "{}",
        stderr(&typo)
    );
}
