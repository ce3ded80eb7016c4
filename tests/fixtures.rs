#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! Runs every repository under `fixtures/` and compares its findings with the
//! expectations written in the fixture itself:
//!
//! - a trailing comment `# expect: DVM401` (several: `# expect: DVM401, DVM402`)
//!   on a line means a finding of that rule whose primary location starts on
//!   that line of that file;
//! - `expect.txt` in the fixture root lists findings in files that cannot hold
//!   comments (binary, invalid UTF-8, unreadable): `path:line: DVM001` per line;
//! - `fix.diff` in the fixture root is what `check --diff` prints (checked by
//!   tests/product.rs), not an expectation.
//!
//! Every fixture has a `.dvmlint.yaml` (possibly empty), which makes its folder
//! the project root. A missing or an unexpected finding fails the test.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use dvmlint::lint::{self, LintOptions};

type Expectations = BTreeMap<(String, u32, String), usize>;

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn expectations(root: &Path) -> Expectations {
    let mut expected = Expectations::new();
    for entry in walk(root) {
        let rel = entry
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        // A fixture's golden diff of `check --fix` (tests/product.rs) quotes
        // the expectations of the lines it changes.
        if rel.ends_with(".diff") {
            continue;
        }
        let Ok(text) = fs::read_to_string(&entry) else {
            continue;
        };
        if rel == "expect.txt" {
            for line in text
                .lines()
                .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            {
                let (place, rules) = line
                    .rsplit_once(": ")
                    .unwrap_or_else(|| panic!("bad expect.txt line {line:?}"));
                let (file, line_no) = place.rsplit_once(':').unwrap();
                for rule in rules.split(',') {
                    *expected
                        .entry((
                            file.to_owned(),
                            line_no.parse().unwrap(),
                            rule.trim().to_owned(),
                        ))
                        .or_default() += 1;
                }
            }
            continue;
        }
        for (index, line) in text.lines().enumerate() {
            if let Some(pos) = line.find("# expect: ") {
                for rule in line[pos + "# expect: ".len()..].split(',') {
                    let rule = rule.split_whitespace().next().unwrap_or_default();
                    *expected
                        .entry((rel.clone(), index as u32 + 1, rule.to_owned()))
                        .or_default() += 1;
                }
            }
        }
    }
    expected
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            out.extend(walk(&path));
        } else if kind.is_file() {
            out.push(path);
        }
    }
    out
}

fn actual(root: &Path) -> Expectations {
    let options = LintOptions {
        paths: vec![root.to_path_buf()],
        ..LintOptions::default()
    };
    let run = lint::run(&options).unwrap_or_else(|err| panic!("{}: {err}", root.display()));
    let mut found = Expectations::new();
    for f in run.findings {
        *found
            .entry((
                f.location.file.to_string(),
                f.location.span.start.line,
                f.rule.to_string(),
            ))
            .or_default() += 1;
    }
    found
}

#[test]
fn every_fixture_reports_exactly_its_expectations() {
    let mut failures = Vec::new();
    let mut dirs: Vec<PathBuf> = fs::read_dir(fixtures_dir())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(
        dirs.len() >= 8,
        "expected the fixture corpus, found {} folders",
        dirs.len()
    );
    let tools = Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools/bin");
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_string_lossy();
        assert!(
            dir.join(".dvmlint.yaml").is_file(),
            "fixture {name} needs a .dvmlint.yaml"
        );
        // Fixtures that render run the Helm and the kubectl (Kustomize) of
        // .ci/install-tools, named in their configuration.
        let config = fs::read_to_string(dir.join(".dvmlint.yaml")).unwrap();
        let missing = ["helm", "kubectl"]
            .into_iter()
            .filter(|tool| config.contains(&format!(".tools/bin/{tool}")))
            .map(|tool| tools.join(tool))
            .find(|path| !path.is_file());
        if let Some(tool) = missing {
            let message = format!(
                "fixture {name} needs {} (run .ci/install-tools)",
                tool.display()
            );
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                failures.push(message);
            } else {
                eprintln!("SKIPPED: {message}");
            }
            continue;
        }
        let expected = expectations(dir);
        let found = actual(dir);
        if expected != found {
            let missing: Vec<_> = expected
                .iter()
                .filter(|(k, n)| found.get(*k) != Some(n))
                .collect();
            let unexpected: Vec<_> = found
                .iter()
                .filter(|(k, n)| expected.get(*k) != Some(n))
                .collect();
            failures.push(format!(
                "{name}:\n  missing:    {missing:?}\n  unexpected: {unexpected:?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "fixtures disagree with their expectations:\n{}",
        failures.join("\n")
    );
}

/// Every rule in the catalogue is exercised by some fixture.
#[test]
fn fixtures_cover_every_rule() {
    let mut covered = std::collections::BTreeSet::new();
    for entry in fs::read_dir(fixtures_dir()).unwrap().flatten() {
        for ((_, _, rule), _) in expectations(&entry.path()) {
            covered.insert(rule);
        }
    }
    let missing: Vec<_> = dvmlint::catalogue::rules()
        .iter()
        .filter(|r| !covered.contains(&r.id))
        .map(|r| r.id.clone())
        .collect();
    assert!(
        missing.is_empty(),
        "rules without a failing fixture: {missing:?}"
    );
}
