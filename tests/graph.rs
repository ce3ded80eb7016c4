#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! `dvmlint graph` agrees with `check` (docs/graph.md): on every fixture,
//! every blocked edge is a finding `check` reports, and every finding of the
//! path rules (the DVM10x and DVM11x families, DVM204: rules added to those
//! families are held to it too) is on an edge: blocked when it says the
//! traffic is cut, unknown when it says it may be; the validity findings
//! about a manifest of a hop (DVM104, DVM111, DVM112) as notes on that hop.
//! Also: golden outputs of a few fixtures, the DOT parsed by Graphviz's real
//! `dot`, the Mermaid checked against the grammar it uses, the JSON against
//! schemas/graph.schema.json, and the CLI's options and errors.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use dvmlint::cli::graph_cmd;
use dvmlint::finding::{Finding, Severity};
use dvmlint::graph::{self, Graph, Selection};
use dvmlint::lint::{self, LintOptions};
use dvmlint::rules::hops::Verdict;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fixtures() -> Vec<PathBuf> {
    let helm = root().join(".tools/bin/helm");
    let mut out: Vec<PathBuf> = fs::read_dir(root().join("fixtures"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join(".dvmlint.yaml").is_file())
        .filter(|p| {
            let config = fs::read_to_string(p.join(".dvmlint.yaml")).unwrap();
            let runs = !config.contains(".tools/bin/helm") || helm.is_file();
            if !runs {
                assert!(
                    !std::env::var("CI").is_ok_and(|v| v == "true"),
                    "fixture {} needs Helm (run .ci/install-tools)",
                    p.display()
                );
                eprintln!(
                    "SKIPPED: {} needs Helm (run .ci/install-tools)",
                    p.display()
                );
            }
            runs
        })
        .collect();
    out.sort();
    out
}

fn options(dir: &Path) -> LintOptions {
    LintOptions {
        paths: vec![dir.to_path_buf()],
        ..LintOptions::default()
    }
}

/// The rules that judge hops of a DVM path: the NetworkPolicy and egress
/// families by their ids (DVM105 and later ones included when they exist)
/// and the stunnel proxy's interception.
fn is_path_rule(rule: &str) -> bool {
    rule.starts_with("DVM10") || rule.starts_with("DVM11") || rule == "DVM204"
}

/// Validity rules: a finding about a manifest of a hop that does not by
/// itself decide it.
fn is_note_rule(rule: &str) -> bool {
    matches!(rule, "DVM104" | "DVM111" | "DVM112")
}

/// What a finding says of the traffic: cut (blocked) or perhaps cut (unknown).
fn expected_verdict(finding: &Finding) -> Verdict {
    match (finding.rule.as_ref(), finding.severity) {
        ("DVM110", Severity::Error) | ("DVM204", Severity::Error) => Verdict::Blocked,
        ("DVM110" | "DVM204", _) => Verdict::Unknown,
        // DNS only through an ipBlock over the pod network, or egress policies
        // on OpenShift 3 (OpenShift SDN enforces none): the plugin's call.
        ("DVM101" | "DVM103", Severity::Info) => Verdict::Unknown,
        _ => Verdict::Blocked,
    }
}

type Key = (String, String, u32);

fn key(finding: &Finding) -> Key {
    (
        finding.rule.to_string(),
        finding.location.file.to_string(),
        finding.location.span.start.line,
    )
}

/// The (cluster, namespace) sides of the drawn paths.
fn sides(graph: &Graph) -> BTreeSet<(String, String)> {
    graph
        .paths
        .iter()
        .flat_map(|p| [&p.source, &p.target])
        .map(|e| (e.cluster.clone(), e.namespace.clone()))
        .collect()
}

#[test]
fn every_blocked_edge_is_a_finding_and_every_path_finding_an_edge() {
    let mut failures = Vec::new();
    let mut blocked_edges = 0;
    let mut matched_findings = 0;
    let mut notes = 0;
    for dir in fixtures() {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let run = lint::run(&options(&dir)).unwrap();
        let graph = graph_cmd::load(&options(&dir), &Selection::default()).unwrap();
        let reported: BTreeSet<Key> = run.findings.iter().map(key).collect();
        // Every blocked edge: findings of `check`.
        for path in &graph.paths {
            for edge in &path.edges {
                let own: Vec<_> = edge.findings.iter().filter(|f| !f.note).collect();
                if edge.verdict == Verdict::Blocked {
                    blocked_edges += 1;
                    if own.is_empty() {
                        failures.push(format!(
                            "{name}: {} {} -> {} is blocked without a finding",
                            edge.layer, edge.from, edge.to
                        ));
                    }
                }
                for f in &edge.findings {
                    if !reported.contains(&(f.rule.clone(), f.file.clone(), f.line)) {
                        failures.push(format!(
                            "{name}: edge {} {} carries {} {}:{}, which check does not report",
                            edge.from, edge.layer, f.rule, f.file, f.line
                        ));
                    }
                }
            }
        }
        // Every path finding: on an edge, with the verdict it implies.
        let drawn = sides(&graph);
        for finding in run.findings.iter().filter(|f| is_path_rule(&f.rule)) {
            let (rule, file, line) = key(finding);
            let holders: Vec<_> = graph
                .paths
                .iter()
                .flat_map(|p| p.edges.iter())
                .filter(|e| {
                    e.findings
                        .iter()
                        .any(|f| f.rule == rule && f.file == file && f.line == line)
                })
                .collect();
            // A proxy that re-signs TLS is judged whether or not a
            // namespace is migrated: with none, there is no path to draw.
            if rule == "DVM204" && graph.paths.is_empty() {
                continue;
            }
            // DVM105's info on an admin policy the cluster does not apply
            // is a validity finding too: that policy decides no hop.
            if is_note_rule(&rule) || (rule == "DVM105" && finding.severity == Severity::Info) {
                // A validity finding outside every migrated namespace is on no path.
                let place = (
                    finding.cluster.as_deref().unwrap_or_default().to_owned(),
                    finding
                        .object
                        .as_ref()
                        .and_then(|o| o.namespace.clone())
                        .unwrap_or_default(),
                );
                let on_a_path = drawn.contains(&place)
                    || (place.1.is_empty()
                        && drawn.iter().any(|(c, ns)| {
                            *c == place.0 && finding.message.contains(&format!("`{ns}`"))
                        }));
                if on_a_path && holders.is_empty() {
                    failures.push(format!(
                        "{name}: {rule} {file}:{line} is about a manifest of a drawn path but on no edge"
                    ));
                }
                notes += usize::from(!holders.is_empty());
                continue;
            }
            matched_findings += 1;
            let expected = expected_verdict(finding);
            if !holders.iter().any(|e| e.verdict == expected) {
                failures.push(format!(
                    "{name}: {rule} {file}:{line} ({:?}) is on no {expected:?} edge (on {} edges: {:?})",
                    finding.severity,
                    holders.len(),
                    holders.iter().map(|e| e.verdict).collect::<Vec<_>>()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    eprintln!(
        "{blocked_edges} blocked edges, {matched_findings} path findings on their edges, {notes} notes"
    );
    // Not vacuous: the fixtures cut many paths.
    assert!(blocked_edges >= 25, "only {blocked_edges} blocked edges");
    assert!(
        matched_findings >= 25,
        "only {matched_findings} path findings"
    );
    assert!(notes >= 3, "only {notes} notes");
}

/// An AdminNetworkPolicy's or the baseline's Deny that cuts a hop is drawn
/// as a blocked edge of that layer, decided by the rule (name, file:line) and
/// carrying its DVM105 finding; the hops it does not cut keep their layers.
#[test]
fn admin_policy_denials_are_blocked_edges_of_their_layer() {
    for (fixture, layer, rule, file, line, edges) in [
        (
            "anp-deny-cuts-rsync",
            "AdminNetworkPolicy",
            "AdminNetworkPolicy 'no-https-out' (priority 20) egress[1] 'deny-https-out'",
            "source/admin-policies.yaml",
            20,
            4,
        ),
        (
            "banp-deny-unisolated-pods",
            "BaselineAdminNetworkPolicy",
            "BaselineAdminNetworkPolicy 'default' egress[0] 'default-deny-egress'",
            "source/baseline.yaml",
            12,
            2,
        ),
    ] {
        let graph = graph_of(fixture);
        let admin: Vec<_> = graph
            .paths
            .iter()
            .flat_map(|p| p.edges.iter())
            .filter(|e| e.layer == layer)
            .collect();
        assert_eq!(admin.len(), edges, "{fixture}: {layer} edges");
        for edge in &admin {
            assert_eq!(edge.verdict, Verdict::Blocked, "{fixture}");
            assert!(edge.findings.iter().all(|f| f.rule == "DVM105" && !f.note));
        }
        let first = &admin[0];
        assert_eq!(first.from, "p0_clients", "{fixture}");
        assert_eq!(first.decided_by[0].name.replace('`', "'"), rule);
        assert_eq!(first.decided_by[0].file.as_deref(), Some(file));
        assert_eq!(first.decided_by[0].line, Some(line));
        assert_eq!(first.findings[0].line, line);
    }
    // The baseline decides only for pods no NetworkPolicy isolates: app2's
    // are, and its hops stay NetworkPolicy hops, allowed.
    let graph = graph_of("banp-deny-unisolated-pods");
    let app2 = graph
        .paths
        .iter()
        .find(|p| p.source.namespace == "app2")
        .unwrap();
    assert!(
        app2.edges
            .iter()
            .all(|e| e.verdict == Verdict::Allowed && !e.layer.contains("Admin"))
    );
}

/// The fixtures whose graphs are kept as golden files (docs/graph.md shows them).
const GOLDEN: &[&str] = &[
    "demo",
    "egress-dnsname-allow",
    "netpol-proxy-destination",
    "netpol-unknown-destination",
    "graph-intercepting-proxy-cuts-the-path",
    "egress-two-clusters-migplan",
];

fn graph_of(fixture: &str) -> Graph {
    graph_cmd::load(
        &options(&root().join("fixtures").join(fixture)),
        &Selection::default(),
    )
    .unwrap()
}

/// `DVMLINT_BLESS=1 cargo test --test graph golden` rewrites them (review the diff by eye).
#[test]
fn golden_graphs() {
    let dir = root().join("tests/golden/graph");
    let bless = std::env::var("DVMLINT_BLESS").is_ok_and(|v| v == "1");
    let mut failures = Vec::new();
    for fixture in GOLDEN {
        let graph = graph_of(fixture);
        assert!(!graph.paths.is_empty(), "{fixture}: no path drawn");
        for (ext, text) in [
            ("mmd", graph::write(&graph, graph::Format::Mermaid).unwrap()),
            ("dot", graph::write(&graph, graph::Format::Dot).unwrap()),
            ("json", graph::write(&graph, graph::Format::Json).unwrap()),
        ] {
            let file = dir.join(format!("{fixture}.{ext}"));
            if bless {
                fs::create_dir_all(&dir).unwrap();
                fs::write(&file, &text).unwrap();
                continue;
            }
            let expected = fs::read(&file).unwrap_or_default();
            if expected != text {
                failures.push(format!(
                    "{} differs (DVMLINT_BLESS=1 to rewrite, then review the diff)",
                    file.display()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A file path in the graph is masked as `check` masks a finding's path
/// (docs/security.md): a Secret value shorter than 8 bytes (`mysql`) that
/// names a folder leaves the path readable, while a name quoting it
/// (NetworkPolicy `shop/mysql`) is still masked, in every format.
#[test]
fn paths_keep_short_secrets_as_check_does() {
    let fixture = "graph-short-secret-in-a-folder-name";
    let graph = graph_of(fixture);
    let run = lint::run(&options(&root().join("fixtures").join(fixture))).unwrap();
    let reported: Vec<&str> = run.findings.iter().map(|f| &*f.location.file).collect();
    assert_eq!(reported, ["mysql/netpol.yaml"]);
    let edge = graph
        .paths
        .iter()
        .flat_map(|p| &p.edges)
        .find(|e| e.verdict == Verdict::Blocked)
        .expect("the ingress hop is blocked");
    let place = edge.decided_by.first().unwrap();
    assert_eq!(place.file.as_deref(), Some("mysql/netpol.yaml"));
    assert_eq!(place.name, "shop/****");
    assert_eq!(edge.findings.first().unwrap().file, "mysql/netpol.yaml");
    for format in [
        graph::Format::Mermaid,
        graph::Format::Dot,
        graph::Format::Json,
    ] {
        let text = String::from_utf8(graph::write(&graph, format).unwrap()).unwrap();
        assert!(text.contains("mysql/netpol.yaml"), "{format:?}:\n{text}");
        assert!(!text.contains("****/netpol.yaml"), "{format:?}:\n{text}");
        assert!(!text.contains("shop/mysql"), "{format:?}:\n{text}");
        assert!(!text.contains("Zt9-long-pass"), "{format:?}:\n{text}");
    }
}

/// Graphviz's `dot`, when installed; with CI=true it must be (.ci/install-tools).
fn dot_binary() -> Option<&'static str> {
    let found = Command::new("dot")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            !std::env::var("CI").is_ok_and(|v| v == "true"),
            "Graphviz's dot is not installed (run .ci/install-tools)"
        );
        eprintln!("SKIPPED: Graphviz's dot is not installed (run .ci/install-tools)");
        return None;
    }
    Some("dot")
}

#[test]
fn graphviz_parses_every_fixture_graph() {
    let Some(dot) = dot_binary() else {
        return;
    };
    let mut checked = 0;
    for dir in fixtures() {
        let graph = graph_cmd::load(&options(&dir), &Selection::default()).unwrap();
        if graph.paths.is_empty() {
            continue;
        }
        let source = graph::write(&graph, graph::Format::Dot).unwrap();
        let path = std::env::temp_dir().join(format!(
            "dvmlint-graph-{}-{}.dot",
            std::process::id(),
            dir.file_name().unwrap().to_string_lossy()
        ));
        fs::write(&path, &source).unwrap();
        // `-Tcanon` parses and writes the graph back: a syntax error fails it.
        let out = Command::new(dot)
            .arg("-Tcanon")
            .arg(&path)
            .output()
            .unwrap();
        let _ = fs::remove_file(&path);
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{}: dot rejects the graph: {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let canon = String::from_utf8(out.stdout).unwrap();
        // Every edge survives the parse.
        let edges = graph.paths.iter().map(|p| p.edges.len()).sum::<usize>();
        assert_eq!(canon.matches(" -> ").count(), edges, "{}", dir.display());
        checked += 1;
    }
    assert!(checked >= 40, "only {checked} graphs parsed by dot");
}

#[test]
fn svg_is_laid_out_by_graphviz() {
    if dot_binary().is_none() {
        return;
    }
    let graph = graph_of("demo");
    let svg = String::from_utf8(graph::svg(&graph).unwrap()).unwrap();
    assert!(svg.contains("<svg") && svg.contains("</svg>"));
    assert!(svg.contains("egress firewall: BLOCKED"), "{svg}");
    assert!(svg.contains("NetworkPolicy ingress: BLOCKED"));
}

/// The subset of Mermaid's flowchart grammar the graph uses, checked line by
/// line: a header, subgraphs with a quoted title holding `direction` and
/// quoted node declarations, then edges between declared nodes with a quoted
/// label, then one `linkStyle` per edge, in order. Quoted strings hold no
/// quote, `|`, `<` other than `<br/>`, or `#` other than an entity.
fn check_mermaid(text: &str) -> Result<usize, String> {
    let mut lines = text.lines();
    if lines.next() != Some("flowchart LR") {
        return Err("no `flowchart LR` header".into());
    }
    let quoted_ok = |s: &str| {
        let plain = s.replace("<br/>", "");
        !plain.contains('"')
            && !plain.contains('|')
            && !plain.contains('<')
            && !plain.contains('>')
            && !plain.contains('`')
            && plain.split('#').skip(1).all(|rest| {
                rest.split_once(';').is_some_and(|(entity, _)| {
                    !entity.is_empty() && entity.chars().all(|c| c.is_ascii_alphanumeric())
                })
            })
    };
    let id_ok = |s: &str| {
        !s.is_empty()
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !s.eq_ignore_ascii_case("end")
    };
    let mut nodes = BTreeSet::new();
    let mut in_subgraph = false;
    let mut edges = 0usize;
    let mut styles = 0usize;
    for line in lines {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("subgraph ") {
            if in_subgraph || edges > 0 {
                return Err(format!("misplaced subgraph: {line}"));
            }
            let (id, title) = rest.split_once(" [\"").ok_or(format!("subgraph: {line}"))?;
            let title = title
                .strip_suffix("\"]")
                .ok_or(format!("subgraph: {line}"))?;
            if !id_ok(id) || !quoted_ok(title) {
                return Err(format!("subgraph: {line}"));
            }
            in_subgraph = true;
        } else if t == "end" {
            if !in_subgraph {
                return Err("`end` without subgraph".into());
            }
            in_subgraph = false;
        } else if t == "direction LR" {
            if !in_subgraph {
                return Err("direction outside a subgraph".into());
            }
        } else if let Some(rest) = t.strip_prefix("linkStyle ") {
            let (index, style) = rest.split_once(' ').ok_or(format!("linkStyle: {line}"))?;
            if index.parse::<usize>() != Ok(styles) || styles >= edges {
                return Err(format!("linkStyle out of order: {line}"));
            }
            let props_ok = style.split(',').all(|p| {
                p.split_once(':').is_some_and(|(k, v)| {
                    matches!(k, "stroke" | "color" | "stroke-width") && !v.is_empty()
                })
            });
            if !props_ok {
                return Err(format!("linkStyle: {line}"));
            }
            styles += 1;
        } else if let Some((id, label)) = t.split_once("[\"").filter(|(id, _)| !id.contains(' ')) {
            // A node declaration: inside a subgraph, or alone in an empty graph.
            let label = label.strip_suffix("\"]").ok_or(format!("node: {line}"))?;
            if !id_ok(id) || !quoted_ok(label) || !nodes.insert(id.to_owned()) {
                return Err(format!("node: {line}"));
            }
            if !in_subgraph && edges + styles > 0 {
                return Err(format!("node after the edges: {line}"));
            }
        } else if let Some((from, rest)) = t.split_once(' ') {
            let (arrow, rest) = rest.split_once("|\"").ok_or(format!("edge: {line}"))?;
            if !matches!(arrow, "-->" | "--x" | "-.->") {
                return Err(format!("arrow: {line}"));
            }
            let (label, to) = rest.split_once("\"| ").ok_or(format!("edge: {line}"))?;
            if in_subgraph || !quoted_ok(label) || !nodes.contains(from) || !nodes.contains(to) {
                return Err(format!("edge: {line}"));
            }
            if styles > 0 {
                return Err(format!("edge after linkStyle: {line}"));
            }
            edges += 1;
        } else {
            return Err(format!("unknown line: {line}"));
        }
    }
    if in_subgraph || styles != edges {
        return Err(format!(
            "{edges} edges, {styles} styles, subgraph open: {in_subgraph}"
        ));
    }
    Ok(edges)
}

#[test]
fn mermaid_of_every_fixture_follows_the_grammar() {
    let mut edges = 0;
    for dir in fixtures() {
        let graph = graph_cmd::load(&options(&dir), &Selection::default()).unwrap();
        let text = graph::write(&graph, graph::Format::Mermaid).unwrap();
        let text = String::from_utf8(text).unwrap();
        match check_mermaid(&text) {
            Ok(n) => {
                assert_eq!(n, graph.paths.iter().map(|p| p.edges.len()).sum::<usize>());
                edges += n;
            }
            Err(why) => panic!("{}: {why}\n{text}", dir.display()),
        }
    }
    assert!(edges >= 150, "only {edges} edges");
    // The checker rejects what would break Mermaid.
    for bad in [
        "flowchart LR\n  subgraph p0 [\"a\"]\n    p0_a[\"x\"y\"]\n  end\n",
        "flowchart LR\n  subgraph p0 [\"a\"]\n    p0_a[\"x\"]\n  end\n  p0_a -->|\"l\"| p0_b\n  linkStyle 0 stroke:red\n",
        "flowchart LR\n  subgraph p0 [\"a\"]\n    p0_a[\"x\"]\n  end\n  p0_a -->|\"a|b\"| p0_a\n  linkStyle 0 stroke:red\n",
        "flowchart LR\n  subgraph p0 [\"a\"]\n    p0_a[\"x\"]\n  end\n  p0_a -->|\"l\"| p0_a\n",
        "flowchart LR\n  subgraph p0 [\"a\"]\n    p0_a[\"#x\"]\n",
    ] {
        assert!(check_mermaid(bad).is_err(), "accepted: {bad}");
    }
}

#[test]
fn json_is_valid_against_the_graph_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(root().join("schemas/graph.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&schema)
        .unwrap();
    let mut checked = 0;
    for dir in fixtures() {
        let graph = graph_cmd::load(&options(&dir), &Selection::default()).unwrap();
        let text = graph::write(&graph, graph::Format::Json).unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&text).unwrap();
        let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{}: {errors:?}", dir.display());
        checked += 1;
    }
    assert!(checked >= 40);
    // And it rejects a changed graph: an unknown verdict word.
    let mut doc: serde_json::Value =
        serde_json::from_slice(&graph::write(&graph_of("demo"), graph::Format::Json).unwrap())
            .unwrap();
    doc["paths"][0]["edges"][0]["verdict"] = serde_json::json!("maybe");
    assert!(!validator.is_valid(&doc));
}

fn dvmlint() -> Command {
    Command::new(env!("CARGO_BIN_EXE_dvmlint"))
}

#[test]
fn cli_selects_pairs_and_formats() {
    let demo = root().join("fixtures/demo");
    let out = dvmlint().arg("graph").arg(&demo).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("flowchart LR\n"), "{text}");
    assert!(text.contains("egress firewall: BLOCKED"));
    // --plan and --namespace select pairs.
    let json = |args: &[&str]| -> serde_json::Value {
        let out = dvmlint()
            .args(["graph", "--format", "json"])
            .args(args)
            .arg(&demo)
            .output()
            .unwrap();
        assert!(out.status.success());
        serde_json::from_slice(&out.stdout).unwrap()
    };
    assert_eq!(json(&[])["paths"].as_array().unwrap().len(), 1);
    assert_eq!(
        json(&["--plan", "app1-to-target"])["paths"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        json(&["--plan", "other"])["paths"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        json(&["--namespace", "app1"])["paths"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        json(&["--namespace", "app2"])["paths"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let two = root().join("fixtures/netpol-unbound-policy-many-namespaces");
    let out = dvmlint()
        .args(["graph", "--format", "json", "--namespace", "web"])
        .arg(&two)
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let paths = doc["paths"].as_array().unwrap();
    assert_eq!(paths.len(), 1);
    assert_eq!(paths[0]["source"]["namespace"], "web");
}

#[test]
fn svg_without_graphviz_is_a_clear_error() {
    let empty = std::env::temp_dir().join(format!("dvmlint-no-dot-{}", std::process::id()));
    fs::create_dir_all(&empty).unwrap();
    let out = dvmlint()
        .env("PATH", &empty)
        .args(["graph", "--format", "svg"])
        .arg(root().join("fixtures/demo"))
        .output()
        .unwrap();
    let _ = fs::remove_dir(&empty);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("needs Graphviz's `dot`, which is not on PATH") && err.contains("graphviz"),
        "{err}"
    );
}

#[test]
fn check_appends_the_graph_of_the_paths_with_findings() {
    let demo = root().join("fixtures/demo");
    let out = dvmlint()
        .args(["check", "--no-cache", "--format", "github", "--graph"])
        .arg(&demo)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let (report, markdown) = text.split_once("### dvmlint: DVM paths").unwrap();
    assert!(report.contains("::error file=clusters/source/app1/egress-firewall.yaml"));
    assert!(
        markdown.contains("```mermaid\nflowchart LR\n"),
        "{markdown}"
    );
    assert!(markdown.contains("--x"));
    // To a file, beside a machine-readable report.
    let file = std::env::temp_dir().join(format!("dvmlint-graph-{}.md", std::process::id()));
    let out = dvmlint()
        .args(["check", "--no-cache", "--format", "gitlab"])
        .arg(format!("--graph={}", file.display()))
        .arg(&demo)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let _: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let written = fs::read_to_string(&file).unwrap();
    let _ = fs::remove_file(&file);
    assert!(written.contains("```mermaid"));
    // Never appended into JSON.
    let out = dvmlint()
        .args(["check", "--no-cache", "--format", "gitlab", "--graph", "--"])
        .arg(&demo)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("--graph without a FILE")
    );
    // Only the paths with a reported finding: none once they are ignored.
    let out = dvmlint()
        .args([
            "check",
            "--no-cache",
            "--format",
            "concise",
            "--graph",
            "--ignore",
        ])
        .arg("DVM102,DVM110")
        .arg(&demo)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("No DVM path has a finding."), "{text}");
}

/// docs/graph.md shows the demo's graph as the program draws it today: its
/// Mermaid block is the golden one, and the committed SVG (laid out by
/// Graphviz) holds every label line of the current DOT.
#[test]
fn docs_show_the_current_demo_graph() {
    let page = fs::read_to_string(root().join("docs/graph.md")).unwrap();
    let golden = fs::read_to_string(root().join("tests/golden/graph/demo.mmd")).unwrap();
    assert!(
        page.contains(&format!("```mermaid\n{golden}```")),
        "docs/graph.md's Mermaid block is not tests/golden/graph/demo.mmd"
    );
    for fixture in ["demo", "egress-two-clusters-migplan"] {
        let svg = fs::read_to_string(root().join(format!("docs/graph/{fixture}.svg"))).unwrap();
        let texts: BTreeSet<String> = svg
            .split("<text")
            .skip(1)
            .filter_map(|t| t.split_once('>')?.1.split_once("</text>").map(|(s, _)| s))
            .map(|s| {
                s.replace("&#45;", "-")
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&quot;", "\"")
                    .replace("&amp;", "&")
            })
            .collect();
        let graph = graph_of(fixture);
        for path in &graph.paths {
            let labels = path
                .nodes
                .iter()
                .map(|n| n.label.clone())
                .chain(path.edges.iter().map(|e| {
                    let mut lines = vec![
                        format!(
                            "{}: {}",
                            e.layer,
                            match e.verdict {
                                Verdict::Allowed => "allowed",
                                Verdict::Blocked => "BLOCKED",
                                Verdict::Unknown => "unknown",
                            }
                        ),
                        e.summary.clone(),
                    ];
                    lines.extend(e.findings.iter().map(|f| f.rule.clone()));
                    lines.join("\n")
                }));
            for label in labels {
                for line in label.lines() {
                    assert!(
                        texts.contains(line),
                        "docs/graph/{fixture}.svg lacks `{line}`: regenerate it with `dvmlint graph fixtures/{fixture} --format svg`"
                    );
                }
            }
        }
    }
}
