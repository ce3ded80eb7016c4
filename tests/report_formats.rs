//! The machine-readable reports (docs/output.md) say the same thing as json: every
//! format is parsed back and compared finding by finding; SARIF validates
//! against the official schema; no secret is printed; fingerprints are stable.

// Test code: clippy's allow-*-in-tests covers `#[test]` functions, not the helpers.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::path::Path;

use dvmlint::finding::{Finding, Location};
use dvmlint::lint::{self, LintOptions, LintRun};
use dvmlint::report::{self, Format, ReportOptions, Sources};
use dvmlint::yaml::{Pos, Span};
use quick_xml::events::Event;
use serde_json::Value;

const PASSWORD: &str = "s3cr3tPass";
const PROXY_URL: &str = "http://user:s3cr3tPass@proxy:3128";

/// (rule, file, line, column) of one finding.
type Key = (String, String, u64, u64);

const POLICIES: &str = "\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-rsync
  namespace: app1
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress: [{}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-rsync
  namespace: app1
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress: [{}]
";

const PLACEHOLDER: &str = "\
apiVersion: v1
kind: ServiceAccount
metadata:
  name: migrator
  namespace: <namespace>
";

const CLEAN: &str = "\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: app1
data:
  greeting: héllo, wörld
";

fn migration_controller() -> String {
    format!(
        "\
apiVersion: migration.openshift.io/v1alpha1
kind: MigrationController
metadata:
  name: migration-controller
  namespace: openshift-migration
spec:
  migration_controller: true
  stunnel_tcp_proxy: {PROXY_URL}
"
    )
}

/// A small repository; `shifted` inserts a blank line above every finding.
fn repository(shifted: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let prefix = if shifted { "\n" } else { "" };
    let files = [
        ("policies.yaml", POLICIES.to_owned()),
        ("deploy/placeholder.yaml", PLACEHOLDER.to_owned()),
        ("clean.yaml", CLEAN.to_owned()),
        ("migration-controller.yaml", migration_controller()),
    ];
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, format!("{prefix}{text}")).unwrap();
    }
    dir
}

/// Lints `root`, then adds a finding that quotes the proxy URL in its message,
/// help and related message, as a careless rule might: the reporters must mask it.
fn lint_run(root: &Path) -> LintRun {
    let options = LintOptions {
        paths: vec![root.to_path_buf()],
        no_config: true,
        ..LintOptions::default()
    };
    let mut run = lint::run(&options).unwrap();
    assert!(
        run.secrets.iter().any(|s| s == PASSWORD),
        "the proxy password is collected as a secret: {:?}",
        run.secrets
    );
    let file = run
        .files
        .iter()
        .find(|f| f.as_ref() == "migration-controller.yaml")
        .unwrap()
        .clone();
    let at = |line: u32| Span::new(Pos::new(line, 3), Pos::new(line, 20));
    let leaky = Finding::new(
        "DVM403",
        Location::new(&file, at(8)),
        format!("`{PROXY_URL}`, with a comma, a colon: and 100% <xml> & \"quotes\""),
    )
    .help(format!("do not write {PROXY_URL}\ninto a manifest"))
    .related(Location::new(&file, at(7)), format!("see {PROXY_URL}"));
    run.findings.push(leaky);
    run.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    run
}

fn render(format: Format, run: &LintRun) -> String {
    let options = ReportOptions {
        width: report::DEFAULT_WIDTH,
        color: false,
        show_source: false,
        statistics: false,
        quiet: true,
        paths: Default::default(),
    };
    let sources = Sources::load(&run.root, &[], &BTreeMap::new());
    let mut out = Vec::new();
    report::write(format, run, &sources, &options, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn number(value: &Value) -> u64 {
    value.as_u64().unwrap()
}

fn json_keys(run: &LintRun) -> Vec<Key> {
    let doc: Value = serde_json::from_str(&render(Format::Json, run)).unwrap();
    let mut keys: Vec<Key> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["file"].as_str().unwrap().to_owned(),
                number(&f["line"]),
                number(&f["column"]),
            )
        })
        .collect();
    keys.sort();
    keys
}

fn sarif_keys(doc: &Value) -> Vec<Key> {
    let mut keys: Vec<Key> = sarif_results(doc)
        .iter()
        .map(|r| {
            let physical = &r["locations"][0]["physicalLocation"];
            let uri = physical["artifactLocation"]["uri"].as_str().unwrap();
            let file = percent_encoding::percent_decode_str(uri)
                .decode_utf8()
                .unwrap()
                .into_owned();
            (
                r["ruleId"].as_str().unwrap().to_owned(),
                file,
                number(&physical["region"]["startLine"]),
                number(&physical["region"]["startColumn"]),
            )
        })
        .collect();
    keys.sort();
    keys
}

fn sarif_results(doc: &Value) -> &Vec<Value> {
    doc["runs"][0]["results"].as_array().unwrap()
}

fn unescape_property(text: &str) -> String {
    text.replace("%2C", ",")
        .replace("%3A", ":")
        .replace("%0A", "\n")
        .replace("%0D", "\r")
        .replace("%25", "%")
}

/// The properties of each `::command props::message` line.
fn github_commands(text: &str) -> Vec<(String, BTreeMap<String, String>, String)> {
    text.lines()
        .map(|line| {
            let rest = line.strip_prefix("::").unwrap();
            let (command, rest) = rest.split_once(' ').unwrap();
            let (props, message) = rest.split_once("::").unwrap();
            let props = props
                .split(',')
                .map(|p| {
                    let (k, v) = p.split_once('=').unwrap();
                    (k.to_owned(), unescape_property(v))
                })
                .collect();
            (command.to_owned(), props, message.to_owned())
        })
        .collect()
}

fn github_keys(text: &str) -> Vec<Key> {
    let mut keys: Vec<Key> = github_commands(text)
        .into_iter()
        .map(|(_, props, _)| {
            let title = &props["title"];
            (
                title.split(' ').next().unwrap().to_owned(),
                props["file"].clone(),
                props["line"].parse().unwrap(),
                props["col"].parse().unwrap(),
            )
        })
        .collect();
    keys.sort();
    keys
}

#[derive(Default)]
struct Junit {
    suites: Vec<String>,
    passing: Vec<String>,
    failures: Vec<Key>,
}

fn junit(text: &str) -> Junit {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut result = Junit::default();
    let mut suite = String::new();
    let attr = |e: &quick_xml::events::BytesStart<'_>, name: &str| -> String {
        e.try_get_attribute(name)
            .unwrap()
            .unwrap()
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .unwrap()
            .into_owned()
    };
    loop {
        match reader.read_event().unwrap() {
            Event::Eof => break,
            Event::Start(e) if e.name().as_ref() == "testsuite" => {
                suite = attr(&e, "name");
                result.suites.push(suite.clone());
            }
            Event::Empty(e) if e.name().as_ref() == "testcase" => {
                assert_eq!(attr(&e, "classname"), suite);
                result.passing.push(suite.clone());
            }
            Event::Start(e) if e.name().as_ref() == "failure" => {
                let rule = attr(&e, "type");
                let raw = reader.read_text(e.name()).unwrap();
                let body = quick_xml::escape::unescape(&raw.xml10_content())
                    .unwrap()
                    .into_owned();
                let first = body.lines().next().unwrap();
                let mut parts = first.splitn(4, ':');
                let file = parts.next().unwrap().to_owned();
                let line = parts.next().unwrap().parse().unwrap();
                let column = parts.next().unwrap().parse().unwrap();
                assert_eq!(file, suite);
                result.failures.push((rule, file, line, column));
            }
            _ => {}
        }
    }
    result.failures.sort();
    result
}

fn gitlab_keys(doc: &Value) -> Vec<Key> {
    let mut keys: Vec<Key> = doc
        .as_array()
        .unwrap()
        .iter()
        .map(|issue| {
            let location = &issue["location"];
            assert_eq!(
                location["lines"]["begin"],
                location["positions"]["begin"]["line"]
            );
            (
                issue["check_name"].as_str().unwrap().to_owned(),
                location["path"].as_str().unwrap().to_owned(),
                number(&location["positions"]["begin"]["line"]),
                number(&location["positions"]["begin"]["column"]),
            )
        })
        .collect();
    keys.sort();
    keys
}

fn sarif_fingerprints(run: &LintRun) -> Vec<String> {
    let doc: Value = serde_json::from_str(&render(Format::Sarif, run)).unwrap();
    sarif_results(&doc)
        .iter()
        .map(|r| {
            r["partialFingerprints"]["dvmlint/v1"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

fn gitlab_fingerprints(run: &LintRun) -> Vec<String> {
    let doc: Value = serde_json::from_str(&render(Format::Gitlab, run)).unwrap();
    doc.as_array()
        .unwrap()
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap().to_owned())
        .collect()
}

fn sarif_validator() -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/sarif-2.1.0.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

fn assert_valid_sarif(doc: &Value) {
    let validator = sarif_validator();
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "invalid SARIF: {errors:#?}");
}

#[test]
fn the_schema_check_rejects_an_invalid_log() {
    let dir = repository(false);
    let run = lint_run(dir.path());
    let mut doc: Value = serde_json::from_str(&render(Format::Sarif, &run)).unwrap();
    doc["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!sarif_validator().is_valid(&doc));
}

#[test]
fn the_repository_has_the_findings_these_tests_rely_on() {
    let dir = repository(false);
    let run = lint_run(dir.path());
    let rules: Vec<&str> = run.findings.iter().map(|f| f.rule.as_ref()).collect();
    assert!(rules.contains(&"DVM401"), "{rules:?}");
    assert!(rules.contains(&"DVM402"), "{rules:?}");
    assert!(
        run.findings
            .iter()
            .any(|f| f.rule == "DVM401" && !f.related.is_empty())
    );
    assert!(run.files.iter().any(|f| f.as_ref() == "clean.yaml"));
    assert!(
        run.findings
            .iter()
            .all(|f| f.location.file.as_ref() != "clean.yaml")
    );
}

#[test]
fn sarif_carries_the_json_findings_and_validates_against_the_official_schema() {
    let dir = repository(false);
    let run = lint_run(dir.path());
    let doc: Value = serde_json::from_str(&render(Format::Sarif, &run)).unwrap();
    assert_valid_sarif(&doc);
    assert_eq!(sarif_keys(&doc), json_keys(&run));

    let sarif_run = &doc["runs"][0];
    assert_eq!(sarif_run["columnKind"], "unicodeCodePoints");
    let driver = &sarif_run["tool"]["driver"];
    assert_eq!(driver["name"], "dvmlint");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(rules.len(), dvmlint::catalogue::rules().len());
    for rule in rules {
        assert!(rule["help"]["text"].is_string());
        let meta = dvmlint::catalogue::find(rule["id"].as_str().unwrap()).unwrap();
        // A link only when the build says where docs/rules.md is published.
        match meta.help_uri() {
            Some(uri) => assert_eq!(rule["helpUri"], uri.as_str()),
            None => assert!(rule.get("helpUri").is_none(), "{rule}"),
        }
        let level = match meta.severity.as_str() {
            "info" => "note",
            other => other,
        };
        assert_eq!(rule["defaultConfiguration"]["level"], level);
    }
    for result in sarif_results(&doc) {
        let index = usize::try_from(number(&result["ruleIndex"])).unwrap();
        assert_eq!(rules[index]["id"], result["ruleId"]);
        let physical = &result["locations"][0]["physicalLocation"];
        assert_eq!(physical["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert!(physical["region"]["endColumn"].is_u64());
    }
    let duplicate = sarif_results(&doc)
        .iter()
        .find(|r| r["ruleId"] == "DVM401")
        .unwrap();
    let related = &duplicate["relatedLocations"][0];
    assert_eq!(related["message"]["text"], "first defined here");
    assert_eq!(
        related["physicalLocation"]["artifactLocation"]["uri"],
        "policies.yaml"
    );
}

#[test]
fn sarif_of_a_clean_repository_is_valid_and_empty() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("clean.yaml"), CLEAN).unwrap();
    let run = lint::run(&LintOptions {
        paths: vec![dir.path().to_path_buf()],
        no_config: true,
        ..LintOptions::default()
    })
    .unwrap();
    let doc: Value = serde_json::from_str(&render(Format::Sarif, &run)).unwrap();
    assert_valid_sarif(&doc);
    assert!(sarif_results(&doc).is_empty());
    assert_eq!(render(Format::Gitlab, &run).trim(), "[]");
    assert_eq!(render(Format::Github, &run), "");
}

#[test]
fn github_annotations_carry_the_json_findings() {
    let dir = repository(false);
    let run = lint_run(dir.path());
    let text = render(Format::Github, &run);
    assert_eq!(github_keys(&text), json_keys(&run));
    for (command, props, message) in github_commands(&text) {
        assert!(matches!(command.as_str(), "error" | "warning" | "notice"));
        assert!(props.contains_key("endLine") && props.contains_key("endColumn"));
        assert!(!message.contains('\n') && !message.contains('\r'));
    }
    let duplicate = github_commands(&text)
        .into_iter()
        .find(|(_, props, _)| props["title"] == "DVM401 (duplicate-object)")
        .unwrap();
    assert!(duplicate.2.contains("%0Apolicies.yaml:"), "{}", duplicate.2);
}

#[test]
fn junit_has_a_suite_per_file_and_a_failure_per_finding() {
    let dir = repository(false);
    let run = lint_run(dir.path());
    let report = junit(&render(Format::Junit, &run));
    assert_eq!(report.failures, json_keys(&run));
    let files: Vec<String> = run.files.iter().map(|f| f.to_string()).collect();
    assert_eq!(report.suites, files);
    assert_eq!(report.passing, vec!["clean.yaml".to_owned()]);
}

#[test]
fn gitlab_code_quality_carries_the_json_findings() {
    let dir = repository(false);
    let run = lint_run(dir.path());
    let doc: Value = serde_json::from_str(&render(Format::Gitlab, &run)).unwrap();
    assert_eq!(gitlab_keys(&doc), json_keys(&run));
    for issue in doc.as_array().unwrap() {
        let severity = issue["severity"].as_str().unwrap();
        assert!(["info", "minor", "major"].contains(&severity), "{severity}");
        assert!(issue["description"].is_string());
    }
}

#[test]
fn no_format_prints_the_proxy_password() {
    let dir = repository(false);
    let run = lint_run(dir.path());
    assert!(run.findings.iter().any(|f| f.message.contains(PASSWORD)));
    for &format in Format::all() {
        let text = render(format, &run);
        assert!(!text.is_empty(), "{format:?}");
        assert!(
            !text.contains(PASSWORD),
            "{format:?} leaks the password:\n{text}"
        );
    }
}

#[test]
fn fingerprints_are_stable_across_runs_and_when_lines_move() {
    let dir = repository(false);
    let first = lint_run(dir.path());
    let again = lint_run(dir.path());
    let shifted_dir = repository(true);
    let shifted = lint_run(shifted_dir.path());
    assert_ne!(json_keys(&first), json_keys(&shifted), "lines did move");

    let fingerprints = sarif_fingerprints(&first);
    assert_eq!(fingerprints.len(), first.findings.len());
    let mut distinct = fingerprints.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), fingerprints.len(), "{fingerprints:?}");

    assert_eq!(sarif_fingerprints(&again), fingerprints);
    assert_eq!(sarif_fingerprints(&shifted), fingerprints);
    assert_eq!(gitlab_fingerprints(&first), fingerprints);
    assert_eq!(gitlab_fingerprints(&shifted), fingerprints);
}
