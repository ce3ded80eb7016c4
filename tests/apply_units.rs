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
    // The same content twice in one folder is a duplicate: the test above
    // would see one if the link's copy were compared with the original.
    fs::write(dir.path().join("apps/web/copy.yaml"), POLICY).unwrap();
    let found = findings(dir.path());
    assert_eq!(
        found
            .iter()
            .filter(|f| f.ends_with("DVM401") && f.starts_with("apps/web/"))
            .count(),
        1,
        "{found:?}"
    );
}
