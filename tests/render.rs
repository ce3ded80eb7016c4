//! Rendering with the real tools (docs/rendering.md): Helm and kubectl (for
//! `kubectl kustomize`) from .tools/bin (`.ci/install-tools`), named in each
//! test's configuration, so the results do not depend on the machine's PATH.
//! A test whose tool is absent says so and is skipped, except under
//! `CI=true`, where absence is a failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{dvmlint, stderr, stdout};

fn helm() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools/bin/helm");
    present(
        path.is_file().then_some(path),
        "Helm at .tools/bin/helm (run .ci/install-tools)",
    )
}

fn kubectl() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools/bin/kubectl");
    present(
        path.is_file().then_some(path),
        "kubectl at .tools/bin/kubectl (run .ci/install-tools)",
    )
}

/// The findings (JSON) of a project of `files` whose Kustomize roots render
/// with the kubectl of .ci/install-tools; `None` (skipped) without it.
fn kustomized_findings(files: &[(&str, &str)]) -> Option<Vec<serde_json::Value>> {
    let kubectl = kubectl()?;
    let dir = tempfile::tempdir().unwrap();
    let config = format!("render:\n  kustomize: {}\n", kubectl.display());
    write(
        dir.path(),
        &[
            (".dvmlint.yaml", config.as_str()),
            ("data/claims.yaml", CLAIMS),
        ],
    );
    write(dir.path(), files);
    let out = dvmlint(
        &["check", "--no-cache", "--format", "json", "."],
        dir.path(),
    );
    let findings = json(&out)["findings"].as_array().cloned();
    Some(findings.unwrap_or_else(|| panic!("no findings array: {}", stdout(&out))))
}

fn present<T>(found: Option<T>, what: &str) -> Option<T> {
    if found.is_none() {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("this test needs {what}, and CI must have it");
        }
        eprintln!("SKIPPED: this test needs {what}");
    }
    found
}

fn write(root: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let path = root.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
}

/// The rules of a JSON report's findings, in order.
fn rules_of(report: &serde_json::Value) -> Vec<&str> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect()
}

fn json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|err| panic!("{err}: {}\n{}", stdout(out), stderr(out)))
}

const CHART: &[(&str, &str)] = &[
    (
        "shop/Chart.yaml",
        "apiVersion: v2\nname: shop\nversion: 0.1.0\n",
    ),
    ("shop/values.yaml", "deny: false\n"),
    (
        "shop/templates/deny.yaml",
        "{{- if .Values.deny }}\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: {{ .Release.Name }}-deny\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n{{- end }}\n",
    ),
    ("values-deny.yaml", "deny: true\n"),
    ("data/claims.yaml", CLAIMS),
];

/// Volume claims in the namespaces the tests migrate: with the namespaces
/// guessed (no MigPlan, no `namespaces:`), only a namespace holding one is
/// migrated (DVM runs rsync pods only for claims).
const CLAIMS: &str = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data, namespace: app1}\n---\n\
    apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data, namespace: app2}\n";

/// A wrapper script around the real Helm that logs its arguments, so a
/// test sees how often the binary ran.
fn logging_helm(dir: &Path, real: &Path) -> PathBuf {
    let script = dir.join("helm-logged");
    fs::write(
        &script,
        format!(
            "#!/bin/sh\necho \"$1\" >> {}\nexec {} \"$@\"\n",
            dir.join("helm.log").display(),
            real.display()
        ),
    )
    .unwrap();
    make_executable(&script);
    script
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

fn log_lines(dir: &Path) -> Vec<String> {
    fs::read_to_string(dir.join("helm.log"))
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn values_that_add_a_default_deny_are_reported_on_the_template_with_the_values() {
    let Some(helm) = helm() else { return };
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, CHART);
    fs::write(
        root.join(".dvmlint.yaml"),
        format!(
            "render:\n  helm: {}\n  charts:\n    - {{path: shop, release: shop-a, namespace: app1}}\n    - {{path: shop, release: shop-b, namespace: app2, values: [values-deny.yaml]}}\n",
            helm.display()
        ),
    )
    .unwrap();
    let out = dvmlint(&["check", "--no-cache", "--format", "json", "."], root);
    let report = json(&out);
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let f = &findings[0];
    assert_eq!(f["rule"], "DVM102");
    assert_eq!(f["file"], "shop/templates/deny.yaml");
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(7), Some(3))
    );
    assert_eq!(f["object"]["name"], "shop-b-deny");
    assert_eq!(f["object"]["namespace"], "app2");
    assert_eq!(f["rendered"]["tool"], "helm");
    assert_eq!(f["rendered"]["source"], "shop");
    assert_eq!(f["rendered"]["release"], "shop-b");
    // The values it was rendered with (after what makes `app2` migrated:
    // the namespaces are guessed here).
    let values = f["related"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["file"] == "values-deny.yaml")
        .unwrap_or_else(|| panic!("{f}"));
    assert!(
        values["message"]
            .as_str()
            .unwrap()
            .starts_with("rendered with values values-deny.yaml"),
        "{f}"
    );
    // Rendered output is not a file of the project.
    assert_eq!(report["summary"]["files"], 5);
    assert_eq!(out.status.code(), Some(1));
    // SARIF carries the same as a result property.
    let sarif = json(&dvmlint(
        &["check", "--no-cache", "--format", "sarif", "."],
        root,
    ));
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["properties"]["rendered"]["tool"], "helm");
    assert_eq!(result["properties"]["rendered"]["release"], "shop-b");
}

#[test]
fn a_patch_that_changes_a_selector_is_reported_at_the_patched_line() {
    let Some(findings) = kustomized_findings(&[
        ("base/kustomization.yaml", "resources: [deny.yaml]\n"),
        (
            "base/deny.yaml",
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny\nspec:\n  podSelector:\n    matchLabels:\n      tier: batch\n  policyTypes: [Ingress]\n",
        ),
        (
            "overlays/prod/kustomization.yaml",
            "namespace: app1\nresources: [../../base]\npatches:\n  - path: widen.yaml\n",
        ),
        (
            "overlays/prod/widen.yaml",
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny\nspec:\n  podSelector:\n    matchLabels:\n      tier: null\n      owner: directvolumemigration\n",
        ),
    ]) else {
        return;
    };
    let blocked: Vec<_> = findings.iter().filter(|f| f["rule"] == "DVM102").collect();
    assert_eq!(blocked.len(), 1, "{findings:#?}");
    let f = blocked[0];
    // The policy now selects the rsync pods through the patch's selector;
    // the finding is on the base's object as the overlay built it.
    assert_eq!(f["object"]["namespace"], "app1");
    assert_eq!(f["rendered"]["source"], "overlays/prod");
    // `podSelector:` is written in the patch: the finding goes there.
    let place = (f["file"].as_str().unwrap(), f["line"].as_u64().unwrap());
    assert_eq!(place, ("overlays/prod/widen.yaml", 6), "{f}");
    assert!(
        f["related"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["file"] == "overlays/prod/kustomization.yaml"),
        "{f}"
    );
    // The base is an input of the overlay, not applied on its own: its
    // object (unbound, as written) is not in the model.
    assert_eq!(findings.len(), 1, "{findings:#?}");
}

/// A build that fails only on a file `.gitignore` leaves for each user to
/// create is a root not rendered (DVM002), not a fault (DVM004).
#[test]
fn a_file_gitignore_leaves_to_the_user_makes_a_root_not_rendered() {
    let Some(findings) = kustomized_findings(&[
        (".gitignore", "overlays/*/params.env\n"),
        (
            "overlays/dev/kustomization.yaml",
            "resources: [config.yaml]\nconfigMapGenerator:\n  - name: params\n    envs: [params.env]\n",
        ),
        (
            "overlays/dev/config.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n",
        ),
    ]) else {
        return;
    };
    only_not_rendered(
        &findings,
        "overlays/dev/kustomization.yaml",
        "`overlays/dev/params.env`",
    );
}

/// `findings` are one DVM002 (a root not rendered) at `file`, naming `named`.
fn only_not_rendered(findings: &[serde_json::Value], file: &str, named: &str) {
    let rules: Vec<&str> = findings
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["DVM002"], "{findings:#?}");
    let message = findings[0]["message"].as_str().unwrap();
    assert!(message.contains(named), "{message}");
    assert_eq!(findings[0]["file"], file);
}

#[test]
fn a_chart_installed_with_values_beside_it_is_not_rendered_until_they_are_named() {
    let Some(helm) = helm() else { return };
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let web = |file: &str| format!("helm/web/{file}");
    let chart = "apiVersion: v2\nname: web\nversion: 0.1.0\n";
    write(
        root,
        &[
            (
                "helm/values.yaml",
                "ingress:\n  host: web.apps.example.com\n",
            ),
            (&web("Chart.yaml"), chart),
            (&web("values.yaml"), "replicas: 1\n"),
            (
                &web("templates/cm.yaml"),
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  host: {{ .Values.ingress.host }}\n  again: {{ .Values.ingress.host }}\n",
            ),
        ],
    );
    let config = |values: &str| {
        format!(
            "render:\n  helm: {}\n  charts:\n    - path: helm/web\n{values}",
            helm.display()
        )
    };
    fs::write(root.join(".dvmlint.yaml"), config("")).unwrap();
    let report = json(&dvmlint(
        &["check", "--no-cache", "--format", "json", "."],
        root,
    ));
    let findings = report["findings"].as_array().unwrap();
    only_not_rendered(findings, "helm/web/Chart.yaml", "`helm/values.yaml`");
    // Named, the chart renders with them: nothing left to report.
    fs::write(
        root.join(".dvmlint.yaml"),
        config("      values: [helm/values.yaml]\n"),
    )
    .unwrap();
    let report = json(&dvmlint(
        &["check", "--no-cache", "--format", "json", "."],
        root,
    ));
    assert_eq!(report["findings"], serde_json::json!([]), "{report:#?}");
    // A sibling file that does not give the missing value is no excuse,
    // also to a cache that stored the verdict with the file that did.
    fs::write(root.join(".dvmlint.yaml"), config("")).unwrap();
    let cached = json(&dvmlint(&["check", "--format", "json", "."], root));
    assert_eq!(cached["findings"][0]["rule"], "DVM002", "{cached:#?}");
    fs::write(root.join("helm/values.yaml"), "replicas: 2\n").unwrap();
    let report = json(&dvmlint(&["check", "--format", "json", "."], root));
    let rules = rules_of(&report);
    assert_eq!(rules, ["DVM004"], "{report:#?}");
}

/// A remote dependency the repository keeps beside the chart (bitnami's
/// `common`) is built in at a version the constraint accepts; once the kept
/// chart's version is refused, the chart is not rendered and the finding
/// names both versions, also after a cached render.
#[test]
fn a_dependency_kept_beside_the_chart_stands_in_at_an_accepted_version() {
    let Some(helm) = helm() else { return };
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let common = |version: &str| {
        format!("apiVersion: v2\nname: common\nversion: {version}\ntype: library\n")
    };
    write(
        root,
        &[
            (
                ".dvmlint.yaml",
                &format!("render:\n  helm: {}\n", helm.display()),
            ),
            ("charts/common/Chart.yaml", &common("2.4.0")),
            (
                "charts/common/templates/_names.tpl",
                "{{- define \"common.url\" -}}\nhttp://<HOST>:8080\n{{- end }}\n",
            ),
            (
                "charts/web/Chart.yaml",
                "apiVersion: v2\nname: web\nversion: 1.0.0\ndependencies:\n  - name: common\n    repository: oci://registry.example.com/charts\n    version: 2.x.x\n",
            ),
            (
                "charts/web/templates/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  url: {{ include \"common.url\" . }}\n",
            ),
        ],
    );
    let rules_in = |report: &serde_json::Value, file: &str| -> Vec<String> {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["file"] == file)
            .map(|f| f["rule"].as_str().unwrap().to_owned())
            .collect()
    };
    let report = json(&dvmlint(&["check", "--format", "json", "."], root));
    assert_eq!(
        rules_in(&report, "charts/web/templates/cm.yaml"),
        ["DVM402"],
        "{report:#?}"
    );
    assert!(
        rules_in(&report, "charts/web/Chart.yaml").is_empty(),
        "{report:#?}"
    );
    // The cached render follows the kept chart.
    fs::write(root.join("charts/common/Chart.yaml"), common("3.0.0")).unwrap();
    let report = json(&dvmlint(&["check", "--format", "json", "."], root));
    let web: Vec<serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["file"] != "charts/common/Chart.yaml")
        .cloned()
        .collect();
    only_not_rendered(
        &web,
        "charts/web/Chart.yaml",
        "the chart `common` kept beside it is 3.0.0, which `2.x.x` does not accept",
    );
}

/// Dependencies neither vendored nor kept: one the values disable is
/// dropped and the chart renders; one they leave on is named in the DVM002.
#[test]
fn a_dependency_the_values_disable_need_not_be_vendored() {
    let Some(helm) = helm() else { return };
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let chart = "apiVersion: v2\nname: web\nversion: 1.0.0\ndependencies:\n  - name: postgresql\n    repository: https://charts.example.com\n    version: 16.x.x\n    condition: postgresql.enabled\n";
    write(
        root,
        &[
            (
                ".dvmlint.yaml",
                &format!("render:\n  helm: {}\n", helm.display()),
            ),
            ("web/Chart.yaml", chart),
            ("web/values.yaml", "postgresql:\n  enabled: false\n"),
            (
                "web/templates/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  url: http://<HOST>:80\n",
            ),
        ],
    );
    let report = json(&dvmlint(&["check", "--format", "json", "."], root));
    let rules = rules_of(&report);
    assert_eq!(rules, ["DVM402"], "{report:#?}");
    assert!(report["findings"][0]["rendered"].is_object(), "{report:#?}");
    // Enabled, it is named (and the cached render does not hide it).
    fs::write(
        root.join("web/values.yaml"),
        "postgresql:\n  enabled: true\n",
    )
    .unwrap();
    let report = json(&dvmlint(&["check", "--format", "json", "."], root));
    let findings = report["findings"].as_array().unwrap();
    let not_rendered: Vec<serde_json::Value> = findings
        .iter()
        .filter(|f| f["rule"] == "DVM002")
        .cloned()
        .collect();
    only_not_rendered(
        &not_rendered,
        "web/Chart.yaml",
        "its dependency `postgresql`, which its values do not disable, is not vendored",
    );
}

/// A Kustomize base beyond the project root and a chart's link out of it
/// would make the tools read outside the project: neither root is rendered
/// (a DVM002 naming the file that leads out), and nothing outside is printed.
#[test]
fn renders_never_read_outside_the_project() {
    let (Some(helm), Some(kubectl)) = (helm(), kubectl()) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (repo, outside) = (dir.path().join("repo"), dir.path().join("outside"));
    // Each outside file, once read, makes findings that print its words.
    let foreign = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: outsidename\ndata:\n  outsidekey: a\n  outsidekey: b\n";
    write(
        &outside,
        &[
            ("base/kustomization.yaml", "resources: [cm.yaml]\n"),
            ("base/cm.yaml", foreign),
            ("chart-template.yaml", foreign),
            ("forged.yaml", &foreign.replace("outside", "inside")),
        ],
    );
    let forged = format!(
        "# Source: forger/../../outside/forged.yaml\n{}",
        foreign.replace("outside", "inside")
    );
    let config = format!(
        "render:\n  helm: {}\n  kustomize: {}\n",
        helm.display(),
        kubectl.display()
    );
    write(
        &repo,
        &[
            (".git/HEAD", "ref: refs/heads/main\n"),
            (".dvmlint.yaml", config.as_str()),
            (
                "app/kustomization.yaml",
                "resources: [../../outside/base, cm.yaml]\n",
            ),
            (
                "app/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: outsidename\n",
            ),
            (
                "chart/Chart.yaml",
                "apiVersion: v2\nname: chart\nversion: 0.1.0\n",
            ),
            // A template that writes a `# Source:` comment of its own, naming
            // a file outside: the finding on its output does not go there.
            (
                "forger/Chart.yaml",
                "apiVersion: v2\nname: forger\nversion: 0.1.0\n",
            ),
            ("forger/templates/cm.yaml", &forged),
            // A base named beyond the project that is not there: the tool is
            // not run to look (its error would print the machine's path).
            (
                "hub/kustomization.yaml",
                "resources: [../../absent-components/hub]\n",
            ),
        ],
    );
    fs::create_dir_all(repo.join("chart/templates")).unwrap();
    std::os::unix::fs::symlink(
        outside.join("chart-template.yaml"),
        repo.join("chart/templates/cm.yaml"),
    )
    .unwrap();
    let out = dvmlint(&["check", "--no-cache", "--format", "json", "."], &repo);
    let printed = format!("{}{}", stdout(&out), stderr(&out));
    assert!(!printed.contains("outsidekey"), "{printed}");
    let report = json(&out);
    for finding in report["findings"].as_array().unwrap() {
        let file = finding["file"].as_str().unwrap();
        assert!(!file.contains(".."), "{finding:#}");
    }
    let not_rendered: Vec<(&str, &str)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "DVM002")
        .map(|f| (f["file"].as_str().unwrap(), f["message"].as_str().unwrap()))
        .collect();
    assert!(
        !printed.contains(&*dir.path().to_string_lossy()),
        "{printed}"
    );
    assert_eq!(not_rendered.len(), 3, "{report:#?}");
    assert_eq!(not_rendered[0].0, "app/kustomization.yaml");
    assert!(
        not_rendered[0].1.contains("`../../outside/base`"),
        "{not_rendered:?}"
    );
    assert_eq!(not_rendered[1].0, "chart/Chart.yaml");
    assert!(
        not_rendered[1]
            .1
            .contains("`chart/templates/cm.yaml` is a link"),
        "{not_rendered:?}"
    );
    assert_eq!(not_rendered[2].0, "hub/kustomization.yaml");
    assert!(
        not_rendered[2].1.contains("`../../absent-components/hub`"),
        "{not_rendered:?}"
    );
}

#[test]
fn a_component_two_overlays_render_names_its_policy_once() {
    let overlay = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [../../app]\ncomponents: [../../components/policies]\n";
    let Some(findings) = kustomized_findings(&[
        ("app/kustomization.yaml", "resources: [namespace.yaml]\n"),
        (
            "app/namespace.yaml",
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: app1\n",
        ),
        (
            "components/policies/kustomization.yaml",
            "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [deny-all.yaml]\n",
        ),
        (
            "components/policies/deny-all.yaml",
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny-all\n  namespace: app1\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n",
        ),
        ("overlays/a/kustomization.yaml", overlay),
        ("overlays/b/kustomization.yaml", overlay),
    ]) else {
        return;
    };
    let blocked: Vec<_> = findings.iter().filter(|f| f["rule"] == "DVM102").collect();
    assert_eq!(blocked.len(), 1, "{findings:#?}");
    let f = blocked[0];
    assert_eq!(f["file"], "components/policies/deny-all.yaml", "{f}");
    // Both builds put the policy into `app1`: one policy to the reader, named
    // once, and its place related once at most.
    let message = f["message"].as_str().unwrap();
    assert_eq!(message.matches("`app1/deny-all`").count(), 1, "{message}");
    let related: Vec<(String, String)> = f["related"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["file"].to_string() + &r["line"].to_string(),
                r["message"].to_string(),
            )
        })
        .collect();
    let mut unique = related.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), related.len(), "{related:#?}");
}

/// A build that fails only because of how dvmlint builds (Helm inside
/// Kustomize, an external plugin, a remote base without scheme or over ssh) is
/// the DVM002 info of a root not rendered, naming why, with help that goes
/// with that reason; a broken kustomization, even one whose paths name git or
/// look remote, stays a DVM004 whose message leads with the cause.
#[test]
fn kustomize_limits_of_dvmlint_are_infos_and_broken_kustomizations_errors() {
    let Some(findings) = kustomized_findings(&[
        (
            "charts/kustomization.yaml",
            "helmCharts:\n  - name: web\n    repo: https://charts.example.net\n    version: 1.0.0\n    releaseName: web\n",
        ),
        ("plugin/kustomization.yaml", "generators: [gen.yaml]\n"),
        (
            "plugin/gen.yaml",
            "apiVersion: policy.open-cluster-management.io/v1\nkind: PolicyGenerator\nmetadata:\n  name: p\npolicies: []\n",
        ),
        (
            "no-scheme/kustomization.yaml",
            "resources: [github.com/example-org/catalog/app/overlays/default]\n",
        ),
        (
            "ssh/kustomization.yaml",
            "resources: [ssh://git@git.example.net/catalog.git/app]\n",
        ),
        (
            "gitops/broken/kustomization.yaml",
            "bases: [../../vendor/github.com/example-org/catalog/base]\n",
        ),
    ]) else {
        return;
    };
    let at = |file: &str| {
        findings
            .iter()
            .find(|f| f["file"] == format!("{file}/kustomization.yaml"))
            .unwrap_or_else(|| panic!("no finding at {file}: {findings:#?}"))
    };
    for (root, why, help) in [
        ("charts", "`helmCharts:`", "render.charts"),
        (
            "plugin",
            "plugin `PolicyGenerator`",
            "exclude this kustomization",
        ),
        (
            "no-scheme",
            "remote resource `github.com/example-org/catalog/app/overlays/default`",
            "builds offline",
        ),
        ("ssh", "remote resource `ssh://", "builds offline"),
    ] {
        let f = at(root);
        assert_eq!(
            (&f["rule"], &f["severity"]),
            (&"DVM002".into(), &"info".into()),
            "{f}"
        );
        let message = f["message"].as_str().unwrap();
        assert!(
            message.contains("was not rendered") && message.contains(why),
            "{message}"
        );
        let text = f["help"].as_str().unwrap();
        assert!(
            text.contains(help) && !text.contains("fix what it reports"),
            "{text}"
        );
    }
    let broken = at("gitops/broken");
    assert_eq!(broken["rule"], "DVM004", "{broken}");
    let message = broken["message"].as_str().unwrap();
    assert!(
        message.contains("lstat vendor: no such file or directory"),
        "{message}"
    );
    // Kustomize's deprecation warning (`bases`) is not the message: the cause is.
    assert!(
        message.starts_with("`kustomize build` failed: accumulating resources from '../../vendor/"),
        "{message}"
    );
    assert_eq!(findings.len(), 5, "{findings:#?}");
}

#[test]
fn a_warm_cache_runs_no_tool_and_a_changed_values_file_renders_again() {
    let Some(helm) = helm() else { return };
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    write(&root, CHART);
    let logged = logging_helm(dir.path(), &helm);
    fs::write(
        root.join(".dvmlint.yaml"),
        format!(
            "render:\n  helm: {}\n  charts:\n    - {{path: shop, release: shop-b, namespace: app2, values: [values-deny.yaml]}}\n",
            logged.display()
        ),
    )
    .unwrap();
    let first = stdout(&dvmlint(&["check", "--format", "concise", "."], &root));
    assert_eq!(log_lines(dir.path()), ["version", "template"]);
    let second = stdout(&dvmlint(&["check", "--format", "concise", "."], &root));
    assert_eq!(first, second);
    assert!(first.contains("DVM102"), "{first}");
    assert_eq!(
        log_lines(dir.path()),
        ["version", "template"],
        "nothing ran"
    );
    fs::write(root.join("values-deny.yaml"), "deny: false\n").unwrap();
    let third = stdout(&dvmlint(&["check", "--format", "concise", "."], &root));
    assert_eq!(log_lines(dir.path()), ["version", "template", "template"]);
    assert!(!third.contains("DVM102"), "{third}");
}

/// A chart whose every template calls a named template of a library
/// dependency that is not vendored (k8s-at-home's charts and their
/// `common`) can only stop at the dependency's stand-in: the DVM002 is said
/// without running Helm. One with a `condition` on it is left to Helm.
#[test]
fn a_chart_that_needs_a_library_not_vendored_is_told_so_without_running_helm() {
    let Some(helm) = helm() else { return };
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    let chart = |condition: &str| {
        format!(
            "apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n  - name: common\n    version: 4.x.x\n    repository: https://library-charts.example.org\n{condition}"
        )
    };
    write(
        &root,
        &[
            ("app/Chart.yaml", chart("").as_str()),
            ("app/values.yaml", "image:\n  tag: \"1.0\"\n"),
            (
                "app/templates/common.yaml",
                "{{ include \"common.all\" . }}\n",
            ),
            (
                "app/templates/_helpers.tpl",
                "{{- define \"app.name\" -}}\napp\n{{- end -}}\n",
            ),
        ],
    );
    let logged = logging_helm(dir.path(), &helm);
    fs::write(
        root.join(".dvmlint.yaml"),
        format!("render:\n  helm: {}\n", logged.display()),
    )
    .unwrap();
    let out = stdout(&dvmlint(
        &["check", "--no-cache", "--format", "concise", "."],
        &root,
    ));
    assert!(
        out.contains("app/Chart.yaml:1:1: info[DVM002]")
            && out.contains(
                "its dependency `common`, which its values do not disable, is not vendored"
            ),
        "{out}"
    );
    assert_eq!(log_lines(dir.path()), ["version"], "no `helm template` ran");
    // The values may disable it: Helm decides, as before.
    fs::write(
        root.join("app/Chart.yaml"),
        chart("    condition: common.enabled\n"),
    )
    .unwrap();
    let again = stdout(&dvmlint(
        &["check", "--no-cache", "--format", "concise", "."],
        &root,
    ));
    assert_eq!(out, again);
    assert_eq!(log_lines(dir.path()), ["version", "version", "template"]);
}

#[test]
fn a_broken_template_is_dvm004_at_chart_yaml_and_secrets_are_masked() {
    let Some(helm) = helm() else { return };
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        &[
            (
                "shop/Chart.yaml",
                "apiVersion: v2\nname: shop\nversion: 0.1.0\n",
            ),
            (
                "shop/templates/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  token: {{ required (printf \"token %s is rejected\" .Values.token) nil }}\n",
            ),
        ],
    );
    fs::write(
        root.join(".dvmlint.yaml"),
        format!(
            "render:\n  helm: {}\n  charts:\n    - path: shop\n      set: {{token: hunter2hunter2}}\n",
            helm.display()
        ),
    )
    .unwrap();
    let out = dvmlint(&["check", "--no-cache", "--format", "json", "."], root);
    let report = json(&out);
    let findings = report["findings"].as_array().unwrap();
    let failed: Vec<_> = findings.iter().filter(|f| f["rule"] == "DVM004").collect();
    assert_eq!(failed.len(), 1, "{findings:#?}");
    assert_eq!(failed[0]["file"], "shop/Chart.yaml");
    assert_eq!(failed[0]["line"], 1);
    // Where Helm says the template failed, related.
    assert_eq!(failed[0]["related"][0]["file"], "shop/templates/cm.yaml");
    assert_eq!(failed[0]["related"][0]["line"], 6);
    let message = failed[0]["message"].as_str().unwrap();
    assert!(message.contains("is rejected"), "{message}");
    // One sentence, without Helm's `Error: ` and its advice to use `--debug`.
    assert!(
        !message.contains("--debug") && !message.contains("Error: "),
        "{message}"
    );
    assert!(!message.contains('\n'), "{message}");
    assert!(!stdout(&out).contains("hunter2hunter2"), "{}", stdout(&out));
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_render_past_the_timeout_is_killed_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    write(&root, CHART);
    let slow = dir.path().join("slow-helm");
    fs::write(
        &slow,
        "#!/bin/sh\nif [ \"$1\" = version ]; then echo v4.0.0; exit 0; fi\nexec sleep 30\n",
    )
    .unwrap();
    make_executable(&slow);
    fs::write(
        root.join(".dvmlint.yaml"),
        format!("render:\n  helm: {}\n  timeout: 1s\n", slow.display()),
    )
    .unwrap();
    let started = Instant::now();
    let out = dvmlint(&["check", "--format", "concise", "."], &root);
    assert!(started.elapsed() < Duration::from_secs(20));
    let text = stdout(&out);
    assert!(
        text.contains("shop/Chart.yaml:1:1: error[DVM004]")
            && text.contains("still running after 1s"),
        "{text}"
    );
    // A timeout is not cached: the next run tries again.
    let again = stdout(&dvmlint(&["check", "--format", "concise", "."], &root));
    assert!(again.contains("still running"), "{again}");
}

#[test]
fn a_missing_tool_is_one_info_per_root_and_require_makes_it_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, CHART);
    fs::write(
        root.join(".dvmlint.yaml"),
        "render:\n  helm: ./missing/helm\n",
    )
    .unwrap();
    let out = dvmlint(&["check", "--no-cache", "--format", "concise", "."], root);
    let text = stdout(&out);
    assert!(
        text.contains("shop/Chart.yaml:1:1: info[DVM002] this Helm chart was not rendered"),
        "{text}"
    );
    assert_eq!(text.matches("DVM002").count(), 1, "{text}");
    assert_eq!(out.status.code(), Some(0), "an info finding fails nothing");
    let out = dvmlint(&["check", "--no-cache", "--render", "require", "."], root);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--render require"),
        "{}",
        stderr(&out)
    );
    let out = dvmlint(
        &[
            "check",
            "--no-cache",
            "--render",
            "off",
            "--format",
            "concise",
            ".",
        ],
        root,
    );
    assert!(
        !stdout(&out).contains("DVM002 this Helm chart"),
        "{}",
        stdout(&out)
    );
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn render_settings_are_validated_like_the_rest_of_the_configuration() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join(".dvmlint.yaml"),
        "render:\n  charts:\n    - path: shop\n      vaules: [a.yaml]\n",
    )
    .unwrap();
    let out = dvmlint(&["check", "."], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(":4:7") && err.contains("did you mean `values`"),
        "{err}"
    );
}

#[test]
fn suppressions_in_templates_and_resources_cover_rendered_findings() {
    let Some(helm) = helm() else { return };
    let Some(kubectl) = kubectl() else { return };
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, CHART);
    // The template carries the comment into its output; the kustomize
    // resource is read as YAML, with its own comment.
    let template = fs::read_to_string(root.join("shop/templates/deny.yaml")).unwrap();
    fs::write(
        root.join("shop/templates/deny.yaml"),
        template.replace(
            "  podSelector: {}\n",
            "  podSelector: {} # dvmlint: ignore[DVM102] reviewed\n",
        ),
    )
    .unwrap();
    write(
        root,
        &[
            ("base/kustomization.yaml", "resources: [deny.yaml]\n"),
            (
                "base/deny.yaml",
                "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny\n  annotations:\n    dvmlint.dev/ignore: DVM102\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n",
            ),
            (
                "overlays/a/kustomization.yaml",
                "namespace: app1\nresources: [../../base]\n",
            ),
        ],
    );
    fs::write(
        root.join(".dvmlint.yaml"),
        format!(
            "render:\n  helm: {}\n  kustomize: {}\n  charts:\n    - {{path: shop, release: shop-b, namespace: app2, values: [values-deny.yaml]}}\n",
            helm.display(),
            kubectl.display()
        ),
    )
    .unwrap();
    let out = dvmlint(&["check", "--no-cache", "--format", "concise", "."], root);
    let text = stdout(&out);
    assert!(!text.contains("DVM102"), "{text}");
    assert!(!text.contains("DVM900"), "{text}");
    // Without the comments, both are reported.
    let template = fs::read_to_string(root.join("shop/templates/deny.yaml")).unwrap();
    fs::write(
        root.join("shop/templates/deny.yaml"),
        template.replace(" # dvmlint: ignore[DVM102] reviewed", ""),
    )
    .unwrap();
    let text = stdout(&dvmlint(
        &["check", "--no-cache", "--format", "concise", "."],
        root,
    ));
    assert_eq!(text.matches("DVM102").count(), 1, "{text}");
    assert!(text.contains("shop/templates/deny.yaml:7:3"), "{text}");
}

/// A render whose output holds a secret is cached sealed: the warm run runs
/// no tool and reports the same, and no cache file holds the value.
#[test]
fn an_output_holding_a_secret_is_cached_sealed() {
    let Some(helm) = helm() else { return };
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    write(
        &root,
        &[
            (
                "vault/Chart.yaml",
                "apiVersion: v2\nname: vault\nversion: 0.1.0\n",
            ),
            (
                "vault/templates/secret.yaml",
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n  namespace: app1\nstringData:\n  password: {{ .Values.password | quote }}\n",
            ),
            // A finding to compare: the same object twice.
            (
                "vault/templates/twice.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: app1\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: app1\n",
            ),
            ("vault/values.yaml", "password: s3cr3t-value\n"),
        ],
    );
    let logged = logging_helm(dir.path(), &helm);
    fs::write(
        root.join(".dvmlint.yaml"),
        format!("render:\n  helm: {}\n", logged.display()),
    )
    .unwrap();
    let cold = stdout(&dvmlint(&["check", "--format", "json", "."], &root));
    let warm = stdout(&dvmlint(&["check", "--format", "json", "."], &root));
    assert_eq!(cold, warm);
    assert!(cold.contains("DVM401"), "{cold}");
    assert!(!cold.contains("s3cr3t-value"), "{cold}");
    assert_eq!(
        log_lines(dir.path()),
        ["version", "template"],
        "the warm run rendered nothing"
    );
    let mut sealed = 0;
    for entry in fs::read_dir(root.join(".dvmlint-cache")).unwrap().flatten() {
        let bytes = fs::read(entry.path()).unwrap_or_default();
        assert!(
            !bytes.windows(12).any(|w| w == b"s3cr3t-value"),
            "{}",
            entry.path().display()
        );
        sealed += usize::from(entry.file_name().to_string_lossy().ends_with(".sealed"));
    }
    assert_eq!(sealed, 1);
}

/// A YAML error in a template of a dependency packed in the chart's
/// `charts/` folder has no file of the repository to stand at: it stands at
/// the chart's Chart.yaml, and the message names the packed template.
#[test]
fn a_packed_dependencys_yaml_error_names_its_template() {
    if helm().is_none() {
        return;
    }
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/render-helm-packed-dependency-error");
    let report = json(&dvmlint(
        &["check", "--no-cache", "--format", "json", "."],
        &fixture,
    ));
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let f = &findings[0];
    assert_eq!(f["rule"], "DVM001");
    assert_eq!(f["file"], "charts/app/Chart.yaml");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("(in `app/charts/lib/templates/cm.yaml`, a template of a dependency packed"),
        "{f}"
    );
}

/// An info said at line 1 of a file about one object of it (the DVM002 of a
/// CNI's own policy) stands, for a rendered object, at line 1 of the file the
/// object comes from and names the line of its `kind` there: not the build's
/// first resource file, nor `Chart.yaml`, nor a line of the output, which no
/// user sees (trial 28). A policy of a dependency packed in a `.tgz` is in no
/// file of the repository: its info stays at `Chart.yaml` and names the
/// packed template, and no related location names a file that is not there.
#[test]
fn an_info_said_of_a_rendered_objects_file_names_its_line_in_its_source() {
    if kubectl().is_none() || helm().is_none() {
        return;
    }
    let infos = |fixture: &str| -> Vec<(String, String)> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(fixture);
        let report = json(&dvmlint(
            &["check", "--no-cache", "--format", "json", "."],
            &root,
        ));
        let findings = report["findings"].as_array().unwrap();
        for related in findings
            .iter()
            .flat_map(|f| f["related"].as_array().unwrap())
        {
            let file = related["file"].as_str().unwrap();
            assert!(root.join(file).is_file(), "{related} names no file");
        }
        findings
            .iter()
            .filter(|f| f["rule"] == "DVM002")
            .map(|f| {
                (
                    format!("{}:{}", f["file"].as_str().unwrap(), f["line"]),
                    f["message"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let said = |infos: &[(String, String)], place: &str, what: &str| {
        assert!(
            infos
                .iter()
                .any(|(at, message)| at == place && message.contains(what)),
            "no info at {place} saying {what}: {infos:#?}"
        );
    };
    let kustomized = infos("render-kustomize-cni-policy-said-at-its-own-file");
    assert_eq!(kustomized.len(), 2, "{kustomized:#?}");
    let policies = "components/network/policies.yaml:1";
    said(
        &kustomized,
        policies,
        "CiliumNetworkPolicy `default-deny` (line 2) is not",
    );
    said(
        &kustomized,
        policies,
        "NetworkPolicy `deny-egress` (line 10) is not",
    );
    let charted = infos("render-helm-cni-policy-said-at-its-template");
    assert_eq!(charted.len(), 2, "{charted:#?}");
    said(
        &charted,
        "chart/templates/calico.yaml:1",
        "GlobalNetworkPolicy `deny-egress` (line 9) is not",
    );
    said(
        &charted,
        "chart/Chart.yaml:1",
        "CiliumNetworkPolicy `netchart-deny` (in `netchart/charts/netdep/templates/cilium.yaml`, a template of a dependency packed",
    );
}

/// A build that fails after Kustomize logged information (`I1205
/// 23:07:10.334843 8193 log.go:245] well-defined vars that were never
/// replaced`, with a time and a process id) says only the cause, the same
/// at every run, so a baseline keeps matching it.
#[test]
fn a_failed_build_reads_the_same_at_every_run() {
    let files = [
        (
            "app/kustomization.yaml",
            "resources: [web.yaml]\nconfigMapGenerator:\n- name: params\n  literals: [version=1]\nvars:\n- name: version\n  objref: {kind: ConfigMap, name: params, apiVersion: v1}\n  fieldref: {fieldpath: data.version}\nconfigurations: [refs.yaml]\n",
        ),
        (
            "app/web.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  image: shop:$(version)\n",
        ),
        (
            "app/refs.yaml",
            "varReference:\n- path: data/*\n  kind: ConfigMap\n",
        ),
    ];
    let Some(message) = the_one_failure_twice(&files) else {
        return;
    };
    assert!(
        message.starts_with("`kustomize build` failed: considering field 'data/*'"),
        "{message}"
    );
}

/// The message of the one DVM004 of `files`, built twice: the same findings
/// both times.
fn the_one_failure_twice(files: &[(&str, &str)]) -> Option<String> {
    let first = kustomized_findings(files)?;
    let second = kustomized_findings(files)?;
    assert_eq!(first, second);
    let failed: Vec<&str> = first
        .iter()
        .filter(|f| f["rule"] == "DVM004")
        .filter_map(|f| f["message"].as_str())
        .collect();
    assert_eq!(failed.len(), 1, "{first:?}");
    failed.first().map(|m| (*m).to_owned())
}

/// A build that fails inside nested components reads the same at every run:
/// the Go addresses Kustomize prints for a generator (`&{0xc… 0xc…}`) are
/// written `0x…`, and the quotes of its nested errors are read back.
#[test]
fn a_failure_in_nested_components_reads_the_same_at_every_run() {
    let files = [
        (
            "overlay/kustomization.yaml",
            "components: [../components/cluster]\n",
        ),
        (
            "components/cluster/kustomization.yaml",
            "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncomponents: [monitoring]\n",
        ),
        (
            "components/cluster/monitoring/kustomization.yaml",
            "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nconfigMapGenerator:\n- name: prometheus-rbac\n  behavior: merge\n  literals: [scrape=true]\n",
        ),
    ];
    let Some(message) = the_one_failure_twice(&files) else {
        return;
    };
    assert!(
        message.contains("in `components/cluster/monitoring`: merging from generator &{0x… ")
            && message.contains("Name:\"prometheus-rbac\"")
            && message.ends_with("cannot merge or replace"),
        "{message}"
    );
}

/// A base that fails to build for every overlay that includes it is one
/// DVM004 at the base, naming the overlays, not one per overlay at its first
/// line; an overlay that fails on its own keeps its own.
#[test]
fn a_broken_base_is_reported_once_for_the_overlays_that_include_it() {
    let Some(findings) = kustomized_findings(&[
        ("base/kustomization.yaml", "resources: [service.yaml]\n"),
        ("dev/kustomization.yaml", "resources: [../base]\n"),
        ("prod/kustomization.yaml", "resources: [../base]\n"),
        ("alone/kustomization.yaml", "resources: [missing.yaml]\n"),
    ]) else {
        return;
    };
    let failed: Vec<&serde_json::Value> =
        findings.iter().filter(|f| f["rule"] == "DVM004").collect();
    assert_eq!(failed.len(), 2, "{findings:#?}");
    let base = failed
        .iter()
        .find(|f| f["file"] == "base/kustomization.yaml")
        .unwrap_or_else(|| panic!("{failed:#?}"));
    let message = base["message"].as_str().unwrap();
    assert!(
        message
            .starts_with("`kustomize build` failed in `base`, for the 2 roots that include it: "),
        "{message}"
    );
    let related: Vec<&str> = base["related"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["file"].as_str())
        .collect();
    assert_eq!(
        related,
        ["dev/kustomization.yaml", "prod/kustomization.yaml"]
    );
    assert!(
        failed
            .iter()
            .any(|f| f["file"] == "alone/kustomization.yaml")
    );
}

/// A DVM401 whose earlier definition comes out of a build names it in the
/// repository's file, not in the build's output (`kustomization.yaml#rendered:7`).
#[test]
fn a_duplicate_names_its_earlier_definition_in_the_repository() {
    let Some(findings) = kustomized_findings(&[
        ("shop/kustomization.yaml", "resources: [v1.yaml, v2.yaml]\n"),
        (
            "shop/v1.yaml",
            "apiVersion: shop.example.com/v1alpha1\nkind: Store\nmetadata:\n  name: main\n  namespace: shop\n",
        ),
        (
            "shop/v2.yaml",
            "apiVersion: shop.example.com/v1beta1\nkind: Store\nmetadata:\n  name: main\n  namespace: shop\nspec:\n  size: 2\n",
        ),
    ]) else {
        return;
    };
    let duplicate = findings
        .iter()
        .find(|f| f["rule"] == "DVM401")
        .unwrap_or_else(|| panic!("{findings:?}"));
    let message = duplicate["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("the earlier definition at shop/v1.yaml:4 "),
        "{message}"
    );
    assert!(!message.contains("#rendered"), "{message}");
}

/// An entry with a `../` too many, out of a repository's root (`.git/` in
/// the project's root): a clone holds nothing there, so the build fails in
/// every clone, and the same entry with one `../` fewer is in the repository:
/// a DVM004 naming it. (Below a repository's root, the DVM002 of
/// `fixtures/render-kustomize-entry-one-folder-too-high`.)
#[test]
fn an_entry_a_folder_too_high_out_of_the_repository_is_a_render_failure() {
    let Some(findings) = kustomized_findings(&[
        (".git/HEAD", "ref: refs/heads/main\n"),
        (
            "components/gauge/kustomization.yaml",
            "resources: [config.yaml]\n",
        ),
        (
            "components/gauge/config.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: gauge, namespace: metrics}\n",
        ),
        (
            "clusters/hub/gauge/kustomization.yaml",
            "resources:\n  - ../../../../components/gauge/\n",
        ),
    ]) else {
        return;
    };
    let failure = findings
        .iter()
        .find(|f| f["file"] == "clusters/hub/gauge/kustomization.yaml")
        .unwrap_or_else(|| panic!("{findings:?}"));
    assert_eq!(failure["rule"], "DVM004", "{failure}");
    let message = failure["message"].as_str().unwrap();
    assert!(
        message.contains("a clone of it holds nothing there")
            && message.contains("`../../../components/gauge/` is in the repository"),
        "{message}"
    );
}
