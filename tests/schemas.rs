//! The JSON Schemas shipped in `schemas/` describe what dvmlint really reads
//! and writes: every configuration in `fixtures/` and `examples/` is valid
//! against `config.schema.json`, the json report of several fixtures against
//! `report.schema.json`, and each schema rejects what dvmlint rejects.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn validator(name: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("schemas").join(name)).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&schema)
        .unwrap()
}

fn errors(validator: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    validator
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

fn config_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            config_files(&path, found);
        } else if kind.is_file()
            && matches!(
                path.file_name().and_then(|n| n.to_str()),
                Some(".dvmlint.yaml" | "dvmlint.yaml")
            )
        {
            found.push(path);
        }
    }
}

fn yaml_to_json(text: &str) -> Value {
    let yaml: serde_yaml::Value = serde_yaml::from_str(text).unwrap();
    serde_json::to_value(yaml).unwrap()
}

#[test]
fn every_fixture_configuration_is_valid_against_the_config_schema() {
    let validator = validator("config.schema.json");
    let mut files = Vec::new();
    config_files(&root().join("fixtures"), &mut files);
    config_files(&root().join("examples"), &mut files);
    assert!(
        files.len() > 30,
        "only {} configuration files found",
        files.len()
    );
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        // dvmlint itself accepts it (an invalid one would be a fixture of an error).
        dvmlint::config::parse_config(&text, file)
            .unwrap_or_else(|e| panic!("{}: dvmlint rejects it: {e}", file.display()));
        let doc = yaml_to_json(&text);
        let errors = errors(&validator, &doc);
        assert!(errors.is_empty(), "{}: {errors:#?}", file.display());
    }
}

#[test]
fn the_config_schema_accepts_every_documented_key() {
    // The complete example of docs/configuration.md.
    let docs = std::fs::read_to_string(root().join("docs/configuration.md")).unwrap();
    let example = docs
        .split("```yaml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .unwrap();
    dvmlint::config::parse_config(example, Path::new(".dvmlint.yaml")).unwrap();
    let doc = yaml_to_json(example);
    assert!(doc.get("interceptingProxies").is_some(), "{doc}");
    let errors = errors(&validator("config.schema.json"), &doc);
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn the_config_schema_rejects_what_dvmlint_rejects() {
    let validator = validator("config.schema.json");
    for text in [
        "fail_on: error\n",
        "clusters:\n  - name: a\n    machineNetworks: []\n",
        "clusters:\n  - role: source\n",
        "clusters:\n  - name: a\n    role: destination\n",
        "fail-on: fatal\n",
        "max-file-size: lots\n",
        "clusters:\n  - name: a\n    behindProxy: sometimes\n",
        "clusters:\n  - name: a\n    migCluster: Source_Cluster\n",
        "hosts:\n  proxy.example.com: not-an-address\n",
        "hosts: [proxy.example.com]\n",
        "render:\n  helm: auto\n  timout: 60s\n",
        "render:\n  timeout: soon\n",
    ] {
        assert!(
            dvmlint::config::parse_config(text, Path::new(".dvmlint.yaml")).is_err(),
            "dvmlint accepts {text:?}"
        );
        assert!(
            !errors(&validator, &yaml_to_json(text)).is_empty(),
            "the schema accepts {text:?}"
        );
    }
}

fn json_report(fixture: &str) -> Value {
    let dir = root().join("fixtures").join(fixture);
    let out = common::dvmlint(&["check", "--format", "json", "--no-cache", "."], &dir);
    assert!(
        out.status.code().is_some_and(|c| c < 2),
        "{fixture}: {}",
        common::stderr(&out)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn real_json_reports_are_valid_against_the_report_schema() {
    let validator = validator("report.schema.json");
    let mut seen_related = false;
    let mut seen_object = false;
    for fixture in [
        "demo",
        "duplicate-object-across-files",
        "netpol-two-cluster-migplan",
        "proxy-stunnel-plaintext-credentials",
        "suppressions",
        "unrendered-template",
        "netpol-allow-works",
    ] {
        let doc = json_report(fixture);
        let errors = errors(&validator, &doc);
        assert!(errors.is_empty(), "{fixture}: {errors:#?}");
        for finding in doc["findings"].as_array().unwrap() {
            seen_related |= !finding["related"].as_array().unwrap().is_empty();
            seen_object |= finding["object"].is_object();
        }
    }
    assert!(
        seen_related && seen_object,
        "the fixtures should exercise every part of a finding"
    );
}

#[test]
fn the_report_schema_rejects_a_changed_report() {
    let validator = validator("report.schema.json");
    let doc = json_report("duplicate-object-across-files");
    assert!(errors(&validator, &doc).is_empty());
    // A finding on a rendered object (docs/rendering.md) carries `rendered`.
    let mut rendered = doc.clone();
    rendered["findings"][0]["rendered"] = json!({"tool": "helm", "source": "charts/shop", "release": "shop", "values": ["charts/shop/values-prod.yaml"]});
    assert!(errors(&validator, &rendered).is_empty());
    rendered["findings"][0]["rendered"]["tool"] = json!("jsonnet");
    assert!(!errors(&validator, &rendered).is_empty());
    type Change = (&'static str, fn(&mut Value));
    let changes: [Change; 4] = [
        ("version 2", |d| d["version"] = json!(2)),
        ("unknown severity", |d| {
            d["findings"][0]["severity"] = json!("fatal");
        }),
        ("column 0", |d| d["findings"][0]["column"] = json!(0)),
        ("missing summary", |d| {
            d.as_object_mut().unwrap().remove("summary");
        }),
    ];
    for (what, change) in changes {
        let mut changed = doc.clone();
        change(&mut changed);
        assert!(
            !errors(&validator, &changed).is_empty(),
            "the schema accepts a report with {what}"
        );
    }
}
