//! bytes → a small repository (up to 8 files, cut at 0xFF bytes) of two configured clusters,
//! one unclaimed folder and a custom rule file → `dvmlint::lint::run` → every reporter.
#![no_main]

use std::collections::BTreeMap;
use std::fs;

use dvmlint::lint::{self, LintOptions};
use dvmlint::report::{self, Format, ReportOptions, Sources};
use libfuzzer_sys::fuzz_target;

const CONFIG: &str = r#"clusters:
  - name: source
    role: source
    paths: [clusters/source]
    version: "4.14"
    cidrs: ["10.0.0.0/16"]
  - name: target
    role: target
    paths: [clusters/target]
    version: "4.14"
    cidrs: ["10.1.0.0/16"]
    ingress: ["10.1.0.10/32"]
custom-rules: ["policies/*.yaml"]
"#;
const POLICY: &str = include_str!("../../fixtures/custom-rules/policies/migration.yaml");
const FOLDERS: [&str; 3] = ["clusters/source", "clusters/target", "common"];

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    fs::write(root.join(".dvmlint.yaml"), CONFIG).expect("config");
    fs::create_dir_all(root.join("policies")).expect("mkdir");
    fs::write(root.join("policies/org.yaml"), POLICY).expect("policy");
    for folder in FOLDERS {
        fs::create_dir_all(root.join(folder)).expect("mkdir");
    }
    for (i, chunk) in data.split(|b| *b == 0xFF).take(8).enumerate() {
        let file = root
            .join(FOLDERS[i % FOLDERS.len()])
            .join(format!("f{i}.yaml"));
        fs::write(file, chunk).expect("write");
    }
    let run = lint::run(&LintOptions {
        paths: vec![root.to_path_buf()],
        // In process only: rendering runs `kubectl kustomize` / `helm` (external,
        // seconds each on a loaded machine: a fuzzing timeout, not a bug).
        render: dvmlint::render::RenderMode::Off,
        ..LintOptions::default()
    })
    .expect("a fixed valid configuration always runs");
    let _ = report::summary_line(&run);
    let _ = lint::exit_code(&run.findings, dvmlint::finding::Severity::Info);
    let sources = Sources::load(&run.root, &run.findings, &BTreeMap::new());
    // Secrets made only of these characters cannot be re-created by escaping or masking, and
    // long mixed ones are not fixed report text (`error`, rule ids): they must never appear.
    let plain_secrets: Vec<&String> = run
        .secrets
        .iter()
        .filter(|s| {
            s.len() >= 12
                && s.chars().any(|c| c.is_ascii_digit())
                && s.chars().any(|c| c.is_ascii_alphabetic())
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        .collect();
    for &format in Format::all() {
        for (color, statistics) in [(false, false), (true, false), (false, true)] {
            let options = ReportOptions {
                width: report::DEFAULT_WIDTH,
                color,
                show_source: true,
                statistics,
                quiet: false,
            };
            let mut out = Vec::new();
            report::write(format, &run, &sources, &options, &mut out).expect("write to a Vec");
            let text = String::from_utf8(out).expect("reports are UTF-8");
            if matches!(format, Format::Json | Format::Sarif | Format::Gitlab) {
                serde_json::from_str::<serde_json::Value>(&text).expect("valid JSON report");
            }
            for secret in &plain_secrets {
                assert!(
                    !text.contains(secret.as_str()),
                    "{format:?} leaks secret {secret:?}:\n{text}"
                );
            }
        }
    }
});
