#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! Property tests (docs/robustness.md, "Property tests") of whole runs:
//!
//! 4. Findings do not depend on `--jobs` nor on the order of files.
//! 5. Every output format parses back to the run's findings.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use dvmlint::finding::{Finding, Location, Severity};
use dvmlint::lint::{self, LintOptions, LintRun};
use dvmlint::report::{self, Format, ReportOptions, Sources};
use dvmlint::yaml::{Pos, Span};
use proptest::prelude::*;

/// Fixtures with several files and findings (DVM0xx input, duplicates, kustomize, custom rules,
/// suppressions, cross-cluster network and proxy rules).
const FIXTURES: &[&str] = &[
    "custom-rules",
    "demo",
    "duplicate-object-across-files",
    "duplicate-object-kustomize",
    "egress-two-clusters-migplan",
    "mtc-docs-verbatim",
    "netpol-clusterip-same-cluster",
    "proxy-all-caps-keys-ignored",
    "proxy-both-clusters-behind-proxies",
    "proxy-noproxy-invalid-entries",
    "proxy-noproxy-without-proxy",
    "suppressions",
    "values-clusterip-across-clusters",
    "yaml-syntax",
];

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// Regular files of `dir`, relative, sorted (symlinks are left out: they cannot be copied as
/// such portably, and their fixtures test the walker, not ordering).
fn files_of(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let ty = entry.file_type().unwrap();
            if ty.is_dir() {
                walk(root, &entry.path(), out);
            } else if ty.is_file() {
                let rel = entry
                    .path()
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push(rel);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// Files that can be renamed without changing what the project means: YAML manifests no other
/// file names (kustomizations and configs refer to files by name).
fn renamable(dir: &Path, files: &[String]) -> Vec<String> {
    let texts: Vec<(String, String)> = files
        .iter()
        .map(|f| {
            (
                f.clone(),
                std::fs::read_to_string(dir.join(f)).unwrap_or_default(),
            )
        })
        .collect();
    files
        .iter()
        .filter(|f| f.ends_with(".yaml") || f.ends_with(".yml"))
        .filter(|f| {
            let base = Path::new(f.as_str())
                .file_name()
                .unwrap()
                .to_string_lossy()
                .to_string();
            !base.starts_with('.')
                && !base.starts_with("kustomization")
                && texts
                    .iter()
                    .all(|(other, text)| other == *f || !text.contains(&base))
        })
        .cloned()
        .collect()
}

/// Copies `src` to `dst`, renaming `renames` (old relative path → new relative path).
fn copy_project(src: &Path, dst: &Path, renames: &BTreeMap<String, String>) {
    for rel in files_of(src) {
        let target = dst.join(renames.get(&rel).unwrap_or(&rel));
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(src.join(&rel), target).unwrap();
    }
}

/// Rules whose primary location depends on file order by design, with whether their message
/// does too:
/// - DVM401: `kubectl apply -f DIR` applies files in lexical order, so of two definitions of one
///   object the later *file* wins; the finding sits on the later one and its message names the
///   earlier file.
/// - DVM101-DVM104: the primary location is the first isolating policy in file order, the others
///   are related locations (docs/decisions/network-policies.md, "Locations").
///
/// For these the projection keeps the unordered set of locations involved (primary and
/// related) instead of which one is primary.
const ORDER_DEFINED: &[(&str, bool)] = &[
    ("DVM401", false),
    ("DVM101", true),
    ("DVM102", true),
    ("DVM103", true),
    ("DVM104", true),
];

/// A finding as a comparable tuple, with file names mapped through `back`.
type Projected = (
    String,
    String,
    u32,
    u32,
    u32,
    u32,
    Severity,
    String,
    Vec<(String, u32, u32, String)>,
);

fn project(findings: &[Finding], back: &BTreeMap<String, String>) -> Vec<Projected> {
    let file = |f: &str| back.get(f).cloned().unwrap_or_else(|| f.to_string());
    let text = |t: &str| {
        let mut t = t.to_string();
        for (new, old) in back {
            let nb = new.rsplit('/').next().unwrap();
            let ob = old.rsplit('/').next().unwrap();
            t = t.replace(nb, ob);
        }
        t
    };
    let mut out: Vec<Projected> = findings
        .iter()
        .map(|f| {
            let s = f.location.span;
            let mut related: Vec<_> = f
                .related
                .iter()
                .map(|r| {
                    (
                        file(&r.location.file),
                        r.location.span.start.line,
                        r.location.span.start.col,
                        text(&r.message),
                    )
                })
                .collect();
            related.sort();
            if let Some((_, keep_message)) =
                ORDER_DEFINED.iter().find(|(r, _)| *r == f.rule.as_ref())
            {
                let mut places: Vec<_> = related
                    .into_iter()
                    .map(|(f, l, c, _)| (f, l, c, String::new()))
                    .collect();
                places.push((
                    file(&f.location.file),
                    s.start.line,
                    s.start.col,
                    String::new(),
                ));
                places.sort();
                let message = if *keep_message {
                    text(&f.message)
                } else {
                    String::new()
                };
                return (
                    f.rule.to_string(),
                    String::new(),
                    0,
                    0,
                    0,
                    0,
                    f.severity,
                    message,
                    places,
                );
            }
            (
                f.rule.to_string(),
                file(&f.location.file),
                s.start.line,
                s.start.col,
                s.end.line,
                s.end.col,
                f.severity,
                text(&f.message),
                related,
            )
        })
        .collect();
    out.sort();
    out
}

fn run(root: &Path, jobs: usize) -> LintRun {
    lint::run(&LintOptions {
        paths: vec![root.to_path_buf()],
        jobs: Some(jobs),
        ..Default::default()
    })
    .unwrap()
}

// ===================================================================
// 4. --jobs and file order
// ===================================================================

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn findings_ignore_jobs_and_file_order(
        name in prop::sample::select(FIXTURES),
        seed in prop::collection::vec(any::<u8>(), 16),
    ) {
        let src = fixture(name);
        let files = files_of(&src);

        // Identity copy, every job count.
        let plain = tempfile::tempdir().unwrap();
        copy_project(&src, plain.path(), &BTreeMap::new());
        let reference = project(&run(plain.path(), 1).findings, &BTreeMap::new());
        prop_assert!(!reference.is_empty(), "{} has no findings", name);
        for jobs in 2..=4 {
            let got = project(&run(plain.path(), jobs).findings, &BTreeMap::new());
            prop_assert_eq!(&got, &reference, "{} --jobs {}", name, jobs);
        }

        // Renamed with shuffled prefixes: the walk order changes, the findings do not.
        let movable = renamable(&src, &files);
        let mut order: Vec<usize> = (0..movable.len()).collect();
        for (i, s) in seed.iter().enumerate() {
            if order.len() > 1 {
                let a = i % order.len();
                let b = usize::from(*s) % order.len();
                order.swap(a, b);
            }
        }
        let renames: BTreeMap<String, String> = movable
            .iter()
            .zip(&order)
            .map(|(rel, k)| {
                let (dir, base) = rel.rsplit_once('/').map_or(("", rel.as_str()), |(d, b)| (d, b));
                let new = format!("z{k:02}-{base}");
                let new = if dir.is_empty() { new } else { format!("{dir}/{new}") };
                (rel.clone(), new)
            })
            .collect();
        let back: BTreeMap<String, String> = renames.iter().map(|(a, b)| (b.clone(), a.clone())).collect();
        let shuffled = tempfile::tempdir().unwrap();
        copy_project(&src, shuffled.path(), &renames);
        let jobs = usize::from(seed[0] % 4) + 1;
        let got = project(&run(shuffled.path(), jobs).findings, &back);
        prop_assert_eq!(&got, &reference, "{} renamed {:?}", name, renames);
    }
}

// ===================================================================
// 5. Output formats round-trip
// ===================================================================

/// (rule, file, line, col) of a finding, the part every format carries.
type Key = (String, String, u32, u32);

fn keys(findings: &[Finding]) -> Vec<Key> {
    let mut k: Vec<Key> = findings
        .iter()
        .map(|f| {
            (
                f.rule.to_string(),
                f.location.file.to_string(),
                f.location.span.start.line,
                f.location.span.start.col,
            )
        })
        .collect();
    k.sort();
    k
}

fn render(format: Format, run: &LintRun) -> String {
    let sources = Sources::load(&run.root, &run.findings, &Default::default());
    let options = ReportOptions {
        width: report::DEFAULT_WIDTH,
        color: false,
        show_source: true,
        statistics: false,
        quiet: false,
        paths: Default::default(),
    };
    let mut out = Vec::new();
    report::write(format, run, &sources, &options, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn json_u32(v: &serde_json::Value) -> u32 {
    u32::try_from(v.as_u64().unwrap()).unwrap()
}

fn unescape_github(s: &str) -> String {
    s.replace("%2C", ",")
        .replace("%3A", ":")
        .replace("%0A", "\n")
        .replace("%0D", "\r")
        .replace("%25", "%")
}

fn parse(format: Format, text: &str) -> Vec<Key> {
    let mut out: Vec<Key> = match format {
        Format::Json => {
            let v: serde_json::Value = serde_json::from_str(text).unwrap();
            v["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| {
                    (
                        f["rule"].as_str().unwrap().into(),
                        f["file"].as_str().unwrap().into(),
                        json_u32(&f["line"]),
                        json_u32(&f["column"]),
                    )
                })
                .collect()
        }
        Format::Sarif => {
            let v: serde_json::Value = serde_json::from_str(text).unwrap();
            v["runs"][0]["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    let loc = &r["locations"][0]["physicalLocation"];
                    let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
                    let file = percent_encoding::percent_decode_str(uri)
                        .decode_utf8()
                        .unwrap()
                        .to_string();
                    (
                        r["ruleId"].as_str().unwrap().into(),
                        file,
                        json_u32(&loc["region"]["startLine"]),
                        json_u32(&loc["region"]["startColumn"]),
                    )
                })
                .collect()
        }
        Format::Gitlab => {
            let v: serde_json::Value = serde_json::from_str(text).unwrap();
            v.as_array()
                .unwrap()
                .iter()
                .map(|i| {
                    let begin = &i["location"]["positions"]["begin"];
                    (
                        i["check_name"].as_str().unwrap().into(),
                        i["location"]["path"].as_str().unwrap().into(),
                        json_u32(&begin["line"]),
                        json_u32(&begin["column"]),
                    )
                })
                .collect()
        }
        Format::Junit => parse_junit(text),
        Format::Github => text
            .lines()
            .map(|line| {
                let rest = line.strip_prefix("::").unwrap();
                let (_, rest) = rest.split_once(' ').unwrap();
                let (props, _) = rest.split_once("::").unwrap();
                let props: BTreeMap<&str, String> = props
                    .split(',')
                    .map(|p| {
                        let (k, v) = p.split_once('=').unwrap();
                        (k, unescape_github(v))
                    })
                    .collect();
                let title = &props["title"];
                let rule = title.split(' ').next().unwrap().to_string();
                (
                    rule,
                    props["file"].clone(),
                    props["line"].parse().unwrap(),
                    props["col"].parse().unwrap(),
                )
            })
            .collect(),
        Format::Concise => {
            let re = regex::Regex::new(r"^(.*):(\d+):(\d+): (?:error|warning|info)\[([^\]]+)\] ")
                .unwrap();
            let lines: Vec<&str> = text.lines().collect();
            let (summary, body) = lines.split_last().unwrap();
            assert!(
                summary.starts_with("Found ") || summary.starts_with("No findings"),
                "{summary}"
            );
            body.iter()
                .map(|line| {
                    let c = re
                        .captures(line)
                        .unwrap_or_else(|| panic!("concise line {line:?}"));
                    (
                        c[4].to_string(),
                        c[1].to_string(),
                        c[2].parse().unwrap(),
                        c[3].parse().unwrap(),
                    )
                })
                .collect()
        }
        Format::Human => parse_human(text),
    };
    out.sort();
    out
}

fn parse_junit(text: &str) -> Vec<Key> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut out = Vec::new();
    loop {
        match reader.read_event().unwrap() {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) => {
                let attr = |name: &str| {
                    e.attributes()
                        .map(Result::unwrap)
                        .find(|a| a.key.as_ref() == name)
                        .map(|a| {
                            a.normalized_value(quick_xml::XmlVersion::Explicit1_0)
                                .unwrap()
                                .to_string()
                        })
                };
                match e.name().as_ref() {
                    "testcase" => {
                        // "RULE name at L:C"; errors and warnings hold a
                        // <failure>, info findings pass (their details in
                        // <system-out>), so the finding is read from the case.
                        let name = attr("name").unwrap();
                        if let Some((rule_and_name, lc)) = name.rsplit_once(" at ") {
                            let (l, c) = lc.split_once(':').unwrap();
                            let line: u32 = attr("line").unwrap().parse().unwrap();
                            assert_eq!(l.parse::<u32>().unwrap(), line);
                            let rule = rule_and_name.split(' ').next().unwrap().to_owned();
                            out.push((rule, attr("file").unwrap(), line, c.parse().unwrap()));
                        }
                    }
                    "failure" => {
                        // Only errors and warnings fail.
                        let details = attr("message").unwrap();
                        assert!(!details.is_empty());
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    out
}

/// The human format: each finding's header carries `RULE(name)`, followed by
/// `file:line:col: message`.
fn parse_human(text: &str) -> Vec<Key> {
    let code = regex::Regex::new(r"^\s*([A-Za-z][A-Za-z0-9_-]*[0-9]+)\(").unwrap();
    let place = regex::Regex::new(r"^\s*[×⚠☞] (.+):(\d+):(\d+):(?: |$)").unwrap();
    let mut out = Vec::new();
    let mut pending: Option<String> = None;
    for line in text.lines() {
        if pending.is_none() {
            if let Some(c) = code.captures(line) {
                pending = Some(c[1].to_string());
            }
            continue;
        }
        if let Some(c) = place.captures(line) {
            out.push((
                pending.take().unwrap(),
                c[1].to_string(),
                c[2].parse().unwrap(),
                c[3].parse().unwrap(),
            ));
        }
    }
    assert!(pending.is_none(), "a header without location in:\n{text}");
    out
}

fn check_round_trip(run: &LintRun) {
    let want = keys(&run.findings);
    for &format in Format::all() {
        let text = render(format, run);
        let got = parse(format, &text);
        assert_eq!(got, want, "{format:?} output:\n{text}");
    }
}

/// Every fixture's real run, every format.
#[test]
fn every_format_round_trips_fixture_findings() {
    let mut total = 0;
    for name in FIXTURES {
        let run = run(&fixture(name), 2);
        total += run.findings.len();
        check_round_trip(&run);
    }
    assert!(total > 20, "only {total} findings");
}

/// Synthetic findings with awkward file names and messages (commas, colons, percent signs,
/// spaces, non-ASCII, markup), which the fixtures do not have.
fn awkward_text(colon: bool) -> impl Strategy<Value = String> {
    static WITH: &[&str] = &[
        "a", "b", ",", ":", "%", " ", "é", "<", "&", "\"", "'", "]", "[", "%2C", "9", "-", "_",
        ".", "日",
    ];
    let alphabet: Vec<&'static str> = WITH
        .iter()
        .copied()
        .filter(|t| colon || *t != ":")
        .collect();
    prop::collection::vec(prop::sample::select(alphabet), 1..5).prop_map(|v| v.concat())
}

fn synthetic_finding() -> impl Strategy<Value = Finding> {
    (
        prop::sample::select(&["DVM001", "DVM101", "DVM201", "DVM301", "DVM401", "DVM900"][..]),
        prop::collection::vec(awkward_text(true), 1..=2),
        1u32..500,
        1u32..80,
        // No `:` in messages: the human and concise formats put `file:line:col: ` before the
        // message, so a message holding `:1:2: ` would make those lines ambiguous to read back.
        awkward_text(false),
        prop::sample::select(&[Severity::Info, Severity::Warning, Severity::Error][..]),
    )
        .prop_map(|(rule, dirs, line, col, message, severity)| {
            let file: Arc<str> = format!("{}.yaml", dirs.join("/")).into();
            let span = Span {
                start: Pos::new(line, col),
                end: Pos::new(line, col + 3),
            };
            Finding::of_rule(
                Cow::Borrowed(rule),
                severity,
                Location::new(&file, span),
                message,
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn every_format_round_trips_synthetic_findings(findings in prop::collection::vec(synthetic_finding(), 0..6)) {
        let mut findings = findings;
        findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        findings.dedup();
        let mut files: Vec<Arc<str>> = findings.iter().map(|f| Arc::clone(&f.location.file)).collect();
        files.sort();
        files.dedup();
        let run = LintRun {
            root: std::env::temp_dir().join("dvmlint-no-such-root"),
            config: Default::default(),
            findings,
            summary: Default::default(),
            files,
            secrets: Vec::new(),
            secret_spans: Vec::new(),
            custom_rules: Vec::new(),
            notes: Vec::new(),
        };
        check_round_trip(&run);
    }
}
