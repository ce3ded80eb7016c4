//! Every catalogue entry's examples are run: the failing example must raise the
//! rule, the passing example must not (docs/policy-as-code.md).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::fs;

use dvmlint::catalogue::{self, Example};
use dvmlint::lint::{self, LintOptions};

fn findings_of(example: &Example, rule: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let mut config = example.config.clone().unwrap_or_default();
    // Kustomize roots render with the kubectl of .ci/install-tools, as in
    // the fixtures, whatever the machine has on its PATH (DVM004's failing
    // example is a Kustomize render that fails). No example holds a chart.
    let kubectl = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools/bin/kubectl");
    if !config.contains("render:") && kubectl.is_file() {
        config.push_str(&format!("\nrender:\n  kustomize: {}\n", kubectl.display()));
    }
    fs::write(dir.path().join(".dvmlint.yaml"), config).unwrap();
    for (name, text) in &example.files {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    let run = lint::run(&LintOptions {
        paths: vec![dir.path().to_path_buf()],
        ..LintOptions::default()
    })
    .unwrap_or_else(|err| panic!("{rule}: {err}"));
    run.findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| {
            format!(
                "{}:{}: {}",
                f.location.file, f.location.span.start.line, f.message
            )
        })
        .collect()
}

#[test]
fn failing_examples_fail_and_passing_examples_pass() {
    let mut problems = Vec::new();
    for rule in catalogue::rules() {
        let Some(examples) = &rule.examples else {
            problems.push(format!("{} has no examples", rule.id));
            continue;
        };
        if findings_of(&examples.fail, &rule.id).is_empty() {
            problems.push(format!("{}: the failing example raises nothing", rule.id));
        }
        let passing = findings_of(&examples.pass, &rule.id);
        if !passing.is_empty() {
            problems.push(format!(
                "{}: the passing example raises {passing:?}",
                rule.id
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every network, egress and proxy rule says which configuration keys make it
/// exact (`exact-with`, rendered by `dvmlint explain`), or that the manifests
/// alone do (`exact-with: []`).
#[test]
fn model_rules_list_the_keys_that_make_them_exact() {
    let mut missing = Vec::new();
    for rule in catalogue::rules() {
        if matches!(rule.family.as_str(), "network" | "egress" | "proxy")
            && rule.exact_with.is_none()
        {
            missing.push(rule.id.clone());
        }
    }
    assert!(missing.is_empty(), "no `exact-with` in {missing:?}");
    let explained = dvmlint::cli::catalogue_cmd::render(catalogue::find("DVM101").unwrap());
    assert!(explained.contains("## What makes it exact"), "{explained}");
    assert!(explained.contains("`clusters[].ingress`"), "{explained}");
    let exact = dvmlint::cli::catalogue_cmd::render(catalogue::find("DVM112").unwrap());
    assert!(exact.contains("The manifests alone"), "{exact}");
}
