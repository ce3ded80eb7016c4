#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! Apply units seen from a whole run (docs/decisions/apply-units.md), for
//! what a committed fixture cannot hold: a folder reached through a symlink.

use std::fs;
use std::path::Path;

use dvmlint::lint::{self, LintOptions};

fn findings(root: &Path) -> Vec<String> {
    let options = LintOptions {
        paths: vec![root.to_path_buf()],
        no_config: true,
        ..LintOptions::default()
    };
    lint::run(&options)
        .unwrap()
        .findings
        .iter()
        .map(|f| {
            format!(
                "{}:{}: {}",
                f.location.file, f.location.span.start.line, f.rule
            )
        })
        .collect()
}

const POLICY: &str = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  \
    name: allow-web\n  namespace: shop\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n  \
    ingress: [{}]\n";

/// A folder linked under a second name is one set of files however the walk
/// names them: never a duplicate of itself.
#[cfg(unix)]
#[test]
fn a_symlinked_folder_is_no_duplicate_of_itself() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("apps/web")).unwrap();
    fs::write(dir.path().join("apps/web/policy.yaml"), POLICY).unwrap();
    std::os::unix::fs::symlink("apps/web", dir.path().join("web-link")).unwrap();
    let found = findings(dir.path());
    assert!(!found.iter().any(|f| f.ends_with("DVM401")), "{found:?}");
    // The same policy twice in one file is a duplicate, found once: the link
    // adds no second copy of the file or of the finding.
    fs::write(
        dir.path().join("apps/web/policy.yaml"),
        format!("{POLICY}---\n{POLICY}"),
    )
    .unwrap();
    let found = findings(dir.path());
    assert_eq!(
        found.iter().filter(|f| f.ends_with("DVM401")).count(),
        1,
        "{found:?}"
    );
}

/// Two overlays applying one base into the same namespace are alternatives:
/// the base's policy is in the model once, so a finding names it once.
#[test]
fn a_base_under_two_overlays_of_one_namespace_counts_once() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let write = |rel: &str, text: &str| {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    };
    write(
        "base/kustomization.yaml",
        "namespace: shop\nresources: [policy.yaml]\n",
    );
    write(
        "base/policy.yaml",
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: same-namespace-only\n\
         spec:\n  podSelector: {}\n  policyTypes: [Ingress]\n  ingress: [{from: [{podSelector: {}}]}]\n",
    );
    // A claim: with the namespaces guessed, only a namespace holding one is
    // migrated (DVM runs rsync pods only for claims).
    write(
        "data/claims.yaml",
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data, namespace: shop}\n",
    );
    // The files as written (rendered overlays are separate results: a
    // follow-up for the rendering stage).
    write(".dvmlint.yaml", "render: {kustomize: off, helm: off}\n");
    for overlay in ["overlays/a", "overlays/b"] {
        write(
            &format!("{overlay}/kustomization.yaml"),
            "namespace: shop\nresources: [../../base]\n",
        );
    }
    let options = LintOptions {
        paths: vec![root.to_path_buf()],
        no_config: false,
        ..LintOptions::default()
    };
    let run = lint::run(&options).unwrap();
    let blocked: Vec<&String> = run
        .findings
        .iter()
        .filter(|f| f.rule == "DVM102")
        .map(|f| &f.message)
        .collect();
    assert_eq!(blocked.len(), 1, "{blocked:?}");
    assert_eq!(
        blocked[0].matches("shop/same-namespace-only").count(),
        1,
        "{}",
        blocked[0]
    );
}

/// Two resources of one id in one Kustomize build: Kustomize refuses the
/// build, so DVM401 says nothing is applied (not that one replaces the
/// other); two API versions of one object are two ids to Kustomize, and the
/// later replaces the earlier when applied.
#[test]
fn a_duplicate_in_one_kustomize_build_is_refused_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(
        root.join(".dvmlint.yaml"),
        "render: {kustomize: off, helm: off}\n",
    )
    .unwrap();
    fs::create_dir_all(root.join("app")).unwrap();
    fs::write(
        root.join("app/kustomization.yaml"),
        "resources: [a.yaml, b.yaml, c.yaml, d.yaml]\n",
    )
    .unwrap();
    let map = |version: &str, name: &str, value: &str| {
        format!(
            "apiVersion: {version}\nkind: Shelf\nmetadata:\n  name: {name}\n  namespace: shop\nspec:\n  size: {value}\n"
        )
    };
    fs::write(root.join("app/a.yaml"), map("example.test/v1", "top", "1")).unwrap();
    fs::write(root.join("app/b.yaml"), map("example.test/v1", "top", "2")).unwrap();
    fs::write(root.join("app/c.yaml"), map("example.test/v1", "low", "1")).unwrap();
    fs::write(root.join("app/d.yaml"), map("example.test/v2", "low", "1")).unwrap();
    let options = LintOptions {
        paths: vec![root.to_path_buf()],
        ..LintOptions::default()
    };
    let run = lint::run(&options).unwrap();
    let message = |file: &str| {
        run.findings
            .iter()
            .find(|f| f.rule == "DVM401" && &*f.location.file == file)
            .map(|f| f.message.clone())
            .unwrap_or_default()
    };
    let refused = message("app/b.yaml");
    assert!(
        refused.contains("Kustomize refuses to build it") && !refused.contains("replaced"),
        "{refused}"
    );
    let replaced = message("app/d.yaml");
    assert!(
        replaced.contains("silently replaced") && !replaced.contains("refuses"),
        "{replaced}"
    );
}
