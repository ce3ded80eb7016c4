//! Helm charts: what a render reads, and
//! `helm template` itself, offline, with the `# Source:` of every document.

use std::collections::BTreeSet;
use std::path::Path;

use crate::config::RenderConfig;
use crate::yaml::{self, Limits, Node};

use super::store::{self, Store};
use super::tool::{self, RunError, Tool};
use super::{DocOrigin, Outcome, Output, Release, Rendered, Root};

/// The chart's `name:` (the default release name), else its folder's name.
pub fn chart_name(chart_yaml: &Path, dir: &str) -> String {
    let named = std::fs::read_to_string(chart_yaml).ok().and_then(|text| {
        let parsed = yaml::parse_chunk(&text, 1, Limits::default());
        let doc = parsed.documents.into_iter().next()?;
        doc.get("name").and_then(Node::as_str).map(str::to_owned)
    });
    let folder = super::file_name(dir);
    let name = named.unwrap_or_else(|| folder.to_owned());
    // A release name is a DNS label: the chart name made one.
    let label: String = name
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .take(53)
        .collect();
    let label = label.trim_matches('-').to_owned();
    if label.is_empty() {
        "release".to_owned()
    } else {
        label
    }
}

/// The arguments of `helm template` for a release of the chart in `dir`.
fn arguments(project: &Path, dir: &Path, release: &Release) -> Vec<std::ffi::OsString> {
    let mut args: Vec<std::ffi::OsString> =
        vec!["template".into(), release.name.clone().into(), dir.into()];
    if let Some(namespace) = &release.namespace {
        args.push("--namespace".into());
        args.push(namespace.into());
    }
    for values in &release.values {
        args.push("--values".into());
        args.push(project.join(values).into());
    }
    for (key, value) in &release.set {
        args.push("--set".into());
        args.push(format!("{key}={value}").into());
    }
    args
}

/// Renders one release of a chart.
pub fn render(
    project: &Path,
    root: &Root,
    release: &Release,
    helm: &Tool,
    config: &RenderConfig,
    store: Option<&Store>,
) -> Rendered {
    let dir = project.join(&root.dir);
    // Helm follows links: a chart (or a values file) leading out of the
    // project is never rendered (docs/security.md).
    let boundary = crate::boundary::ProjectBoundary::new(project);
    let out = super::link_out_below(&dir, &boundary)
        .map(|link| format!("its `{link}` is a link out of the project"))
        .or_else(|| {
            release
                .values
                .iter()
                .find(|v| !boundary.contains(&project.join(v)) && project.join(v).exists())
                .map(|v| format!("its values file `{v}` lies outside the project"))
        });
    if let Some(what) = out {
        let outcome = Outcome::failure(what.clone(), Some(super::outside_limit(&what)), "");
        return Rendered {
            root: root.clone(),
            outcome,
            inputs: BTreeSet::new(),
            tool: "helm".to_owned(),
            cached: false,
            store_key: None,
        };
    }
    let mut inputs = BTreeSet::new();
    super::files_below(&dir, &mut inputs);
    inputs.extend(release.values.iter().map(|v| project.join(v)));
    let rel_inputs: BTreeSet<String> = inputs
        .iter()
        .filter_map(|p| p.strip_prefix(project).ok())
        .filter_map(|p| {
            p.to_str()
                .map(|s| s.replace(std::path::MAIN_SEPARATOR, "/"))
        })
        .collect();
    let args = arguments(project, &dir, release);
    let described = format!("{args:?}");
    // Local `file://` dependencies, built into a copy of the chart as `helm
    // dependency build` would, only when the cache has no outcome: listed
    // here for the key (the copy's path is no part of it).
    let dependencies = super::dependencies::inputs(project, &root.dir);
    // A values.yaml beside the chart is read when the render stops at a value
    // the chart's own lacks (`values_beside`): the cached verdict follows it.
    // (Not an input of the render: its own findings stay its own.)
    let mut keyed = inputs.clone();
    if release.values.is_empty()
        && release.set.is_empty()
        && let Some(parent) = Path::new(&root.dir).parent().map(|p| project.join(p))
    {
        keyed.extend(
            ["values.yaml", "values.yml"]
                .iter()
                .map(|name| parent.join(name))
                .filter(|path| std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file())),
        );
        // And so are the values files of the folders above it
        // (`values_of_the_installer`).
        keyed.extend(
            installer_values(project, root)
                .into_iter()
                .flatten()
                .map(|(_, path)| path),
        );
    }
    keyed.extend(dependencies.iter().flatten().cloned());
    let key = store::key("helm", &helm.version, &described, &keyed);
    let rendered = |outcome, cached, store_key| Rendered {
        root: root.clone(),
        outcome,
        inputs: rel_inputs.clone(),
        tool: "helm".to_owned(),
        cached,
        store_key,
    };
    if let Some(outcome) = store.and_then(|s| s.get(key)) {
        return rendered(outcome, true, None);
    }
    // A render that can only stop at a stand-in's `fail` (every template
    // calls a library dependency that is not vendored: k8s-at-home's charts
    // and their `common`) is said so without running Helm, which would take
    // a process and a copy of the chart to say the same.
    if release.values.is_empty()
        && release.set.is_empty()
        && dependencies.is_some()
        && let Some(name) = super::dependencies::doomed_stand_in(project, &root.dir)
    {
        let message = format!(
            "{}: {name} (every template the chart renders calls a named template of `{name}`: Helm was not run)",
            super::dependencies::NOT_VENDORED
        );
        let limit = limit(&message, false).map(|l| with_refused_siblings(project, root, l));
        return rendered(Outcome::failure(message, limit, VENDOR_HELP), false, None);
    }
    let assembled = dependencies
        .is_some()
        .then(|| super::dependencies::assemble(project, &root.dir))
        .flatten();
    let run = |extra: &[std::ffi::OsString]| {
        let (mut args, redirects) = match &assembled {
            Some(built) => (
                arguments(project, &built.chart, release),
                built.redirects.as_slice(),
            ),
            None => (args.clone(), &[][..]),
        };
        args.extend_from_slice(extra);
        template(project, root, release, helm, &args, config, redirects)
    };
    // Rendered again, at most twice, for what only offline rendering makes
    // fail: the Kubernetes version Helm assumes, a schema that refers to
    // another on the network.
    let mut extra: Vec<std::ffi::OsString> = Vec::new();
    let (mut outcome, mut keep) = run(&extra);
    for _ in 0..2 {
        let more: Vec<std::ffi::OsString> =
            if let Some(version) = kube_version_accepted(project, root, &outcome) {
                vec!["--kube-version".into(), version.into()]
            } else if schema_fetch_refused(&outcome) {
                vec!["--skip-schema-validation".into()]
            } else {
                break;
            };
        extra.extend(more);
        (outcome, keep) = run(&extra);
    }
    // A Backstage skeleton's chart that Helm cannot render as written (a
    // marker inside an action) is no chart until its software template fills
    // it in: not rendered (DVM002). One that renders is linted as rendered,
    // its markers literal text (trial 30: a skeleton's duplicate label found).
    if matches!(outcome, Outcome::Failed { .. })
        && let Some(limit) = backstage_skeleton(&dir, &inputs, &boundary)
    {
        outcome = Outcome::failure(limit.why.clone(), Some(limit), "");
    }
    // A chart another chart of the project declares as a local dependency
    // is installed through it, with the values it gives (`global` among
    // them: alone, Helm gives a subchart none): failing alone, with its own
    // values, it is not rendered (DVM002), not broken (trial 35: a
    // `.Values.global.pullSecrets` nil pointer).
    if let Outcome::Failed {
        message,
        limit: None,
        ..
    } = &outcome
        && release.values.is_empty()
        && release.set.is_empty()
        && let Some(parent) = &root.dependency_of
    {
        let limit = super::Limit {
            why: format!(
                "{} `{parent}`, installed through it with the values it gives; alone it stops at: {}",
                super::LOCAL_DEPENDENCY,
                tidy(message)
            ),
            help: "the chart is linted through its parent; to lint it alone too, name the values it is installed with in `render.charts[].values`",
        };
        outcome = Outcome::failure(message.clone(), Some(limit), "");
    }
    rendered(outcome, false, (keep && store.is_some()).then_some(key))
}

/// At most this many of a chart's files are searched for a Backstage marker
/// ([`backstage_skeleton`]), each read up to 1 MiB.
const SKELETON_FILES: usize = 512;

/// A chart inside a Backstage software template's skeleton: its
/// `Chart.yaml`, a values file beside it (`values*.yaml`) or a file of its
/// `templates/` holds a Backstage marker (`${{ values.component_id }}`,
/// `unrendered_template::backstage_marker`), which the template's
/// `fetch:template` step fills in before the chart exists; Helm's own
/// `{{ … }}` pass through it untouched. Asked when Helm failed on it (a
/// `${{ values.x }}` inside an action stops Helm at `<values>`): the DVM002
/// of a chart not rendered, naming the file and line, as a Kustomize root or
/// a file of such a skeleton is one. `inputs`: the files below `dir`.
fn backstage_skeleton(
    dir: &Path,
    inputs: &BTreeSet<std::path::PathBuf>,
    boundary: &crate::boundary::ProjectBoundary,
) -> Option<super::Limit> {
    use crate::rules::input::unrendered_template::backstage_marker;
    let searched = inputs.iter().filter(|path| {
        let Ok(inside) = path.strip_prefix(dir) else {
            return false;
        };
        let name = inside.to_str().unwrap_or_default();
        matches!(name, "Chart.yaml" | "Chart.yml")
            || (!name.contains('/') && is_values_file_name(name))
            || inside.starts_with("templates")
    });
    let (path, text, at) = searched.take(SKELETON_FILES).find_map(|path| {
        let text = boundary.open_bounded(path, 1 << 20).ok()?;
        let at = backstage_marker(&text)?;
        Some((path, text, at))
    })?;
    let line = text
        .get(..at)
        .map_or(0, |before| memchr::memchr_iter(b'\n', before).count())
        + 1;
    let marker: String = String::from_utf8_lossy(text.get(at..).unwrap_or_default())
        .chars()
        .take_while(|c| *c != '\n')
        .take(80)
        .collect();
    let marker = marker
        .find("}}")
        .and_then(|end| marker.get(..end + 2))
        .unwrap_or(&marker);
    let file = path
        .strip_prefix(dir)
        .ok()
        .and_then(Path::to_str)
        .unwrap_or_default();
    Some(super::Limit {
        why: format!(
            "it is part of a Backstage software template's skeleton (`{marker}` in `{file}`, line {line}), which the template's `fetch:template` step fills in before the chart exists: nobody renders it as written"
        ),
        help: "lint the chart the software template produces, or exclude the skeleton with `exclude:` in .dvmlint.yaml",
    })
}

/// A render that stopped because the chart's `values.schema.json` refers
/// (`$ref`) to a schema on the network, which Helm fetches to validate the
/// values, and dvmlint renders offline: the schema makes no object, so the
/// chart is rendered again without it (`--skip-schema-validation`), as
/// `helm template` renders it where the network is reachable
/// (docs/rendering.md). Only then: a schema the values fail stays the
/// repository's to answer.
fn schema_fetch_refused(outcome: &Outcome) -> bool {
    let Outcome::Failed { message, .. } = outcome else {
        return false;
    };
    message.contains("values don't meet the specifications of the schema")
        && message.contains("failing loading \"http")
}

/// A chart whose `kubeVersion` rejects the Kubernetes version Helm assumes
/// offline (its own built-in one: `helm template` has no cluster to ask):
/// the newest `1.x.0` the constraint accepts, to render it again with. The
/// chart is kept for the clusters it names, which is no fault of the
/// repository, and the version Helm assumes depends on the Helm binary, not on
/// the repository (docs/rendering.md). `None` for any other outcome.
fn kube_version_accepted(project: &Path, root: &Root, outcome: &Outcome) -> Option<String> {
    let Outcome::Failed { message, .. } = outcome else {
        return None;
    };
    if !message.contains("which is incompatible with Kubernetes") {
        return None;
    }
    let dir = project.join(&root.dir);
    let boundary = crate::boundary::ProjectBoundary::new(project);
    let text = ["Chart.yaml", "Chart.yml"]
        .iter()
        .find_map(|name| boundary.open_bounded(&dir.join(name), 1 << 20).ok())?;
    let text = String::from_utf8(text).ok()?;
    let parsed = crate::yaml::parse_chunk(&text, 1, crate::yaml::Limits::default());
    let constraint = parsed.documents.first()?.get("kubeVersion")?.as_str()?;
    super::dependencies::newest_kubernetes_accepted(constraint)
}

/// The dependencies, outermost first, down to the one whose stand-in
/// failed, read from the template path Helm names just before the stand-in's
/// message (`execution error at (app/charts/common/charts/common/templates/d/…`):
/// `["common", "common"]` for the dependency `common` of the dependency `common`.
fn dependency_chain(before: &str) -> Option<Vec<&str>> {
    let (_, path) = before.rsplit_once('(')?;
    let (chart, _) = path.split_once("/templates/")?;
    let chain: Vec<&str> = chart.split("/charts/").skip(1).collect();
    (!chain.is_empty()).then_some(chain)
}

const VENDOR_HELP: &str = "dvmlint renders charts offline: vendor the chart's dependencies into its `charts/` folder (`helm dependency build` where the network is reachable, then commit them)";

/// Why `helm template` failed only because of how dvmlint renders
/// (`super::Limit`), read on Helm's whole error output: one verdict for the
/// finding (DVM002 info, not DVM004) and its help. `values_named`: the
/// configuration names the release's values (`render.charts[].values` or
/// `set`); a value its schema or a `required` still misses is then the
/// repository's to give (DVM004), not one left to the chart's user.
pub(crate) fn limit(stderr: &str, values_named: bool) -> Option<super::Limit> {
    if let Some(at) = stderr.find(super::dependencies::NOT_VENDORED) {
        // A stand-in for a dependency not vendored that the values enable.
        let name: String = stderr
            .get(at + super::dependencies::NOT_VENDORED.len()..)
            .unwrap_or_default()
            .trim_start_matches(':')
            .trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            .collect();
        // A stand-in deeper down: the dependency of a dependency kept
        // beside the chart (its own `common`, whose `common` is missing).
        let whose = match dependency_chain(stderr.get(..at).unwrap_or_default()).as_deref() {
            Some([outer @ .., _]) if !outer.is_empty() => {
                let outer: Vec<String> = outer.iter().map(|d| format!("`{d}`")).collect();
                format!(
                    "`{name}`, a dependency of its dependency {},",
                    outer.join(" → ")
                )
            }
            _ => format!("its dependency `{name}`,"),
        };
        return Some(super::Limit {
            why: format!(
                "{whose} which its values do not disable, is not vendored in `charts/` and dvmlint renders offline"
            ),
            help: VENDOR_HELP,
        });
    }
    if let Some(version) = version_not_semver(stderr) {
        return Some(super::Limit {
            why: format!(
                "its `Chart.yaml` gives `version: {version}`, no SemVer version, which Helm refuses to load: a placeholder a release step rewrites (`sed`) before `helm package`, not a fault of the templates"
            ),
            help: "if a release job sets the version, nothing is to fix, but the templates are linted only as written; else write a SemVer version (`0.1.0`) in Chart.yaml",
        });
    }
    if let Some(keys) = schema_left_to_the_user(stderr).filter(|_| !values_named) {
        return Some(super::Limit {
            why: format!(
                "its values.schema.json requires {}, which its own values.yaml leaves to the user: name values files that give {} in `render.charts[].values`",
                keys.iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                if keys.len() == 1 { "it" } else { "them" },
            ),
            help: REQUIRED_HELP,
        });
    }
    let (why, help) = if stderr.contains("Go value of type") && stderr.contains("SimpleHead") {
        // A template renders a list or a scalar (a JSON Patch that a program
        // of the repository applies), not objects: Helm's install refuses it too.
        (
            "a template renders a list or a value rather than Kubernetes objects, which `helm install` refuses as well: it is no chart that is installed",
            "if a program of the repository renders it (a patch it applies), exclude it in .dvmlint.yaml; if it is meant to be installed, make each template render objects",
        )
    } else if stderr.contains("library charts are not installable") {
        (
            "a library chart installs nothing of its own",
            "it is rendered as part of the charts that depend on it",
        )
    } else if dependencies_missing(stderr) {
        (
            "its dependencies are not vendored in `charts/` and dvmlint renders offline",
            VENDOR_HELP,
        )
    } else if super::fetch_refused(stderr) {
        (
            "it reads a remote resource and dvmlint renders offline",
            VENDOR_HELP,
        )
    } else if !values_named && stderr.contains("execution error at") && stderr.contains("required")
    {
        // A chart's `required` value its values.yaml leaves to the user.
        (REQUIRED_WHY, REQUIRED_HELP)
    } else {
        return None;
    };
    Some(super::Limit {
        why: why.to_owned(),
        help,
    })
}

/// The `version:` of a `Chart.yaml` that Helm refused to load because it is
/// no SemVer version (`validation: chart.metadata.version "devel" is
/// invalid`): a placeholder (`devel`, `0.0.0-dev` is SemVer) that a release
/// job replaces before `helm package`, as tektoncd/operator's does with
/// `sed`. Cut to 64 characters; `None` for any other failure.
fn version_not_semver(stderr: &str) -> Option<String> {
    const SAID: &str = "chart.metadata.version \"";
    let at = stderr.find(SAID)?;
    let rest = stderr.get(at + SAID.len()..)?;
    let (version, after) = rest.split_once('"')?;
    // A templated version is `templated_chart_file`'s.
    (after.starts_with(" is invalid") && !version.contains("{{"))
        .then(|| version.chars().take(64).collect())
}

/// A `Chart.yaml` that Helm could not load because it is itself a template
/// (`version: {{ .Version }}`), the input of a build step that writes the
/// real chart: no chart until then.
fn templated_chart_file(project: &Path, root: &Root, stderr: &str) -> Option<super::Limit> {
    if !stderr.contains("Chart.yaml") {
        return None;
    }
    let dir = project.join(&root.dir);
    let boundary = crate::boundary::ProjectBoundary::new(project);
    let templated = ["Chart.yaml", "Chart.yml"].iter().any(|name| {
        boundary
            .open_bounded(&dir.join(name), 1 << 20)
            .is_ok_and(|text| memchr::memmem::find(&text, b"{{").is_some())
    });
    templated.then(|| super::Limit {
        why: "its `Chart.yaml` is itself a template (`{{ … }}`), the input of a build step that writes the chart: it is no chart until then".to_owned(),
        help: "if a program of the repository makes the chart from it, exclude this folder in .dvmlint.yaml; if it is a chart, write its Chart.yaml without template actions",
    })
}

fn template(
    project: &Path,
    root: &Root,
    release: &Release,
    helm: &Tool,
    args: &[std::ffi::OsString],
    config: &RenderConfig,
    redirects: &[(String, String)],
) -> (Outcome, bool) {
    let failed = |message: String, help: &str| Outcome::Failed {
        message,
        help: help.to_owned(),
        limit: None,
    };
    let Ok(home) = tempfile::Builder::new().prefix("dvmlint-helm-").tempdir() else {
        return (
            failed("no temporary folder for Helm".into(), "check TMPDIR"),
            false,
        );
    };
    let mut command = std::process::Command::new(&helm.path);
    command.args(args);
    tool::offline(&mut command, home.path());
    let secrets: Vec<&str> = release.set.iter().map(|(_, v)| v.as_str()).collect();
    match tool::run(command, config.timeout, tool::MAX_OUTPUT) {
        Ok(stdout) => {
            let text = String::from_utf8_lossy(&stdout).into_owned();
            let mut docs = origins(&text, &root.dir);
            for doc in &mut docs {
                doc.source = doc
                    .source
                    .take()
                    .map(|source| super::dependencies::redirect(source, redirects));
            }
            (Outcome::Rendered(Output { text, docs }), true)
        }
        Err(RunError::Failed { stderr, .. }) => {
            let stderr = stderr.replace(&project.display().to_string(), ".");
            let message = super::first_lines(&stderr, &secrets);
            (
                Outcome::failure(
                    message,
                    limit(
                        &stderr,
                        !release.values.is_empty() || !release.set.is_empty(),
                    )
                    .map(|limit| {
                        if dependencies_missing(&stderr) {
                            local_dependencies(project, root).unwrap_or(limit)
                        } else if stderr.contains(super::dependencies::NOT_VENDORED) {
                            with_refused_siblings(project, root, limit)
                        } else {
                            limit
                        }
                    })
                    .or_else(|| left_to_the_user(project, root, release, &stderr))
                    .or_else(|| templated_chart_file(project, root, &stderr))
                    .map(|limit| without_own_values(project, root, limit)),
                    "run `helm template` on this chart with the same values and fix what it reports",
                ),
                true,
            )
        }
        Err(RunError::TimedOut(after)) => (
            failed(
                format!("still running after {}s: stopped", after.as_secs_f32()),
                "raise `render.timeout` in .dvmlint.yaml, or exclude this chart",
            ),
            false,
        ),
        Err(RunError::TooLarge(max)) => (
            failed(
                format!("its output exceeds {} MiB", max / (1024 * 1024)),
                "exclude this chart",
            ),
            true,
        ),
        Err(RunError::Spawn(err)) => (
            failed(
                format!("`{}` cannot be started: {err}", helm.path.display()),
                "check `render.helm` in .dvmlint.yaml",
            ),
            false,
        ),
    }
}

/// The origin of every document: the template its `# Source: chart/…`
/// comment names, relative to the project (the chart's own name is replaced
/// by its folder, `chart_dir`).
pub fn origins(text: &str, chart_dir: &str) -> Vec<DocOrigin> {
    let lines: Vec<&str> = text.lines().collect();
    let parsed = yaml::parse_chunk(text, 1, Limits::default());
    let mut previous_end = 0usize;
    parsed
        .documents
        .iter()
        .map(|doc| {
            let start = doc.span.start.line as usize;
            // The `# Source:` comment between the previous document and this one.
            let source = lines
                .get(previous_end.min(start.saturating_sub(1))..start.saturating_sub(1))
                .unwrap_or_default()
                .iter()
                .rev()
                .find_map(|line| line.trim().strip_prefix("# Source: "))
                .and_then(|path| source_path(chart_dir, path.trim()));
            previous_end = doc.span.end.line as usize;
            DocOrigin {
                first_line: doc.span.start.line,
                source,
                patches: Vec::new(),
            }
        })
        .collect()
}

/// A chart with no values.yaml of its own is not said to leave values in
/// it to the user: every value comes from where it is installed (trial 34,
/// bcgov/healthgateway: a reader went looking for a values.yaml that is not there).
fn without_own_values(project: &Path, root: &Root, limit: super::Limit) -> super::Limit {
    if limit.why != REQUIRED_WHY || has_own_values(project, root) {
        return limit;
    }
    super::Limit {
        why: "its templates stop, at a `required` or `fail`, on values given where it is installed (it has no values.yaml of its own): name them in `render.charts[].values`".to_owned(),
        ..limit
    }
}

/// Whether the chart's folder holds a `values.yaml` (or `values.yml`).
fn has_own_values(project: &Path, root: &Root) -> bool {
    let boundary = crate::boundary::ProjectBoundary::new(project);
    ["values.yaml", "values.yml"].iter().any(|name| {
        boundary
            .resolve(&project.join(&root.dir).join(name))
            .is_ok()
    })
}

const REQUIRED_WHY: &str = "its templates stop, at a `required` or `fail`, on values its own values.yaml leaves to the user: name them in `render.charts[].values`";
const REQUIRED_HELP: &str =
    "name values files that give them in `render.charts[].values` of .dvmlint.yaml";

/// What a release rendered with the chart's own values.yaml alone stops at,
/// when it is a value left to the chart's user, not the repository's fault:
/// a `required` or `fail` ([`values_left_to_the_user`]), one the values beside
/// the chart give ([`values_beside`]), or one its own values.yaml writes empty
/// or does not have at all ([`own_values_leave`]). A release whose values the
/// configuration names is the repository's to get right: `None`.
fn left_to_the_user(
    project: &Path,
    root: &Root,
    release: &Release,
    stderr: &str,
) -> Option<super::Limit> {
    if !release.values.is_empty() || !release.set.is_empty() {
        return None;
    }
    values_left_to_the_user(project, root, stderr)
        .or_else(|| values_beside(project, root, stderr))
        .or_else(|| chart_testing_values(project, root, stderr))
        .or_else(|| environment_values(project, root, stderr))
        .or_else(|| values_of_the_installer(project, root, stderr))
        .or_else(|| own_values_leave(project, root, stderr))
        .or_else(|| output_without_values(project, root, stderr))
}

/// A chart with no values.yaml of its own (every value given where it is
/// installed) whose render without values is not YAML (`name: {{
/// .Values.cluster }}-{{ .Values.suffix }}` becomes `name: -`, which Helm
/// refuses: "YAML parse error on …"), in a template that reads the values:
/// not rendered for want of them (DVM002), not broken (trial 27).
fn output_without_values(project: &Path, root: &Root, stderr: &str) -> Option<super::Limit> {
    let message = tidy(stderr);
    if !message.contains("YAML parse error on ") {
        return None;
    }
    if has_own_values(project, root) {
        return None;
    }
    let boundary = crate::boundary::ProjectBoundary::new(project);
    let at = failed_template(project, root, &message)?;
    let text = boundary
        .open_bounded(&project.join(&*at.file), 1 << 20)
        .ok()?;
    memchr::memmem::find(&text, b".Values").map(|_| super::Limit {
        why: format!(
            "it has no values.yaml of its own, and without the values it is installed with (an Argo CD ApplicationSet's `valueFiles`, `helm install -f`) the output of `{}` is not YAML: name those values in `render.charts[].values`",
            at.file
        ),
        help: REQUIRED_HELP,
    })
}

/// The key a render stopped at for want of a value (`at <.Values.a.b>: nil
/// pointer evaluating …`, `… wrong type for value …` or `… invalid value;
/// expected string`, Go's words for an empty value where a function wants
/// one), as written after `.Values.`; `None` for any other failure. A value
/// piped into the function (`{{ .Values.image.tag | trunc 5 }}`) is not what
/// Helm names (`at <5>`, the function's own argument): it is read from the
/// template's action at the line and column Helm gives ([`piped_value`]).
/// A value wanted inside a helper the template includes is named after the
/// include's own action (`at <include "app.image" .>: error calling include:
/// app/templates/_helpers.tpl:2:10 executing "app.image" at
/// <.Values.global.image.repository>: nil pointer …`): the innermost action
/// is read, with the helper's place (trial 28).
pub(crate) fn value_wanted(project: &Path, root: &Root, stderr: &str) -> Option<String> {
    // Helm 4 breaks the error over lines (`…registryUser>:` then the rest).
    let tidied = tidy(stderr);
    let mut stderr = tidied.as_str();
    // The include (or `tpl`) the innermost action runs in: its place and action.
    let mut caller: Option<(&str, &str)> = None;
    let (named, said) = loop {
        let (_, after) = stderr.split_once(" at <")?;
        let (named, said) = after.split_once(">: ")?;
        match ["error calling include: ", "error calling tpl: "]
            .iter()
            .find_map(|call| said.strip_prefix(call))
        {
            Some(inner) => {
                caller = Some((stderr, named));
                stderr = inner;
            }
            None => break (named, said),
        }
    };
    if let Some(path) = indexed_value(named, said) {
        return Some(path);
    }
    let wanted = said.starts_with("wrong type for value")
        || said.starts_with("nil pointer evaluating")
        || said.starts_with("invalid value; expected ");
    if !wanted {
        return None;
    }
    // `$.Values.x` is the root context's `.Values.x` (inside a `range` or
    // `with`, where `.` is another value).
    let path = match named
        .strip_prefix('$')
        .unwrap_or(named)
        .strip_prefix(".Values.")
    {
        Some(path) => path.to_owned(),
        None => named
            .starts_with(['$', '.'])
            .then(|| traced_value(project, root, (stderr, named), caller))
            .flatten()
            .or_else(|| {
                let (at, text) = failed_template_text(project, root, stderr)?;
                let line = text
                    .lines()
                    .nth(at.span.start.line.checked_sub(1)? as usize)?;
                let col = at.span.start.col as usize;
                piped_value(line, col).or_else(|| {
                    // A variable piped on (`{{ $token | b64enc }}` after
                    // `{{ $token := .Values.secrets.token }}`; trial 35).
                    let operand = piped_operand(line, col)?;
                    let resolved = operand
                        .starts_with('$')
                        .then(|| resolved_in(project, root, stderr, operand))??;
                    values_path(resolved.strip_prefix(".Values")?)
                })
            })?,
    };
    plain_path(&path).then_some(path)
}

/// The `.Values` path an action's variable or field path stands for, traced
/// through what the template wrote (sapcc/helm-charts, trial 28):
/// - a variable the template assigned the values to (`{{ $values := .Values
///   }}` … `$values.global.region`; `merge (dict …) .Values` holds them too);
/// - a path relative to the include's argument, when that argument is a
///   `.Values` path or such a variable (`include "x.quote"
///   .Values.users.default.password` failing at `<$str>` with `{{ $str := .
///   }}` in the helper; `include "setup.sh" $dict` failing at
///   `<.global.region>`).
///
/// Only assignments written on one action, read from the bounded files Helm
/// names; anything else (a `range` variable, a computed argument) is `None`.
fn traced_value(
    project: &Path,
    root: &Root,
    (place, named): (&str, &str),
    caller: Option<(&str, &str)>,
) -> Option<String> {
    let resolved = resolved_in(project, root, place, named)?;
    if let Some(path) = resolved.strip_prefix(".Values") {
        return values_path(path);
    }
    // Relative to `.`, which the caller's include set to its argument.
    let (caller_place, action) = caller?;
    let argument = action.split_whitespace().last()?;
    let base = resolved_in(project, root, caller_place, argument)?;
    let path = base.strip_prefix(".Values")?;
    values_path(&format!("{path}{resolved}"))
}

/// `named` (`$var.a.b`, `.a.b`, `.`) with a leading variable replaced by what
/// the template at `place` assigned it (`.Values`, `.`, `.Values.x`), as a
/// path from the root context (`.Values.a.b`) or from `.` (`.a.b`, or `` for
/// `.` itself).
fn resolved_in(project: &Path, root: &Root, place: &str, named: &str) -> Option<String> {
    let Some(variable) = named.strip_prefix('$') else {
        return Some(if named == "." {
            String::new()
        } else {
            named.to_owned()
        });
    };
    let (name, rest) = match variable.find('.') {
        Some(dot) => variable.split_at(dot),
        None => (variable, ""),
    };
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    let (_, text) = failed_template_text(project, root, place)?;
    let assigned = assignment(&text, name)?;
    let base = match assigned.split_whitespace().collect::<Vec<_>>().as_slice() {
        ["."] => "",
        ["merge", .., last] if last.strip_prefix('$').unwrap_or(last) == ".Values" => ".Values",
        [path] => {
            let path = path.strip_prefix('$').unwrap_or(path);
            if path != ".Values" && !path.starts_with(".Values.") {
                return None;
            }
            path
        }
        _ => return None,
    };
    Some(format!("{base}{rest}"))
}

/// The template Helm names at the start of `message` ([`failed_template`])
/// and its text (at most 1 MiB, read within the project).
fn failed_template_text(
    project: &Path,
    root: &Root,
    message: &str,
) -> Option<(crate::finding::Location, String)> {
    let at = failed_template(project, root, message)?;
    let boundary = crate::boundary::ProjectBoundary::new(project);
    let bytes = boundary
        .open_bounded(&project.join(&*at.file), 1 << 20)
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    Some((at, text))
}

/// What `{{ $name := EXPR }}` assigns, written once in `text` (a variable
/// assigned twice or more, in branches or loops, is not traced).
fn assignment<'t>(text: &'t str, name: &str) -> Option<&'t str> {
    let mut found = None;
    let mut from = 0;
    while let Some(open) = text.get(from..).and_then(|rest| rest.find("{{")) {
        let open = from + open;
        let close = open + text.get(open..)?.find("}}")?;
        from = close + 2;
        let body = text
            .get(open + 2..close)?
            .trim_matches(|c: char| c == '-' || c.is_whitespace());
        let Some(rest) = body.strip_prefix('$').and_then(|b| b.strip_prefix(name)) else {
            continue;
        };
        let Some(expression) = rest
            .trim_start()
            .strip_prefix(":=")
            .or_else(|| rest.trim_start().strip_prefix('='))
        else {
            continue;
        };
        if found.is_some() {
            return None;
        }
        found = Some(expression.trim());
    }
    found
}

/// `.a.b` as `a.b` when it is a plain path of keys.
fn values_path(path: &str) -> Option<String> {
    let path = path.strip_prefix('.')?;
    plain_path(path).then(|| path.to_owned())
}

/// The path of keys an `index` of the values reads (`index .Values "common"
/// "replicas"`, `index .Values.common "replicas"`: `common.replicas`), when
/// Helm says it stopped there for want of a map (`error calling index: index
/// of nil pointer`, Go's words for a missing key's map; `index of untyped
/// nil` when the map is named by a path): the same missing value as the
/// `.Values.common.replicas` nil pointer, written with `index` as charts
/// that read keys holding `-` do. Only string literals after the map: a key
/// computed from a variable names no value of the values files.
fn indexed_value(named: &str, said: &str) -> Option<String> {
    let missing = ["index of nil pointer", "index of untyped nil"]
        .iter()
        .any(|words| {
            said.strip_prefix("error calling index: ")
                .is_some_and(|rest| rest.starts_with(words))
        });
    if !missing {
        return None;
    }
    let mut words = named.split_whitespace();
    if words.next() != Some("index") {
        return None;
    }
    let map = words.next()?;
    let map = map.strip_prefix('$').unwrap_or(map);
    let mut keys: Vec<&str> = match map.strip_prefix(".Values") {
        Some("") => Vec::new(),
        Some(rest) => rest.strip_prefix('.')?.split('.').collect(),
        None => return None,
    };
    for word in words {
        let key = word
            .strip_prefix('"')
            .and_then(|w| w.strip_suffix('"'))
            .or_else(|| word.strip_prefix('`').and_then(|w| w.strip_suffix('`')))?;
        keys.push(key);
    }
    let path = keys.join(".");
    (!keys.is_empty() && plain_path(&path)).then_some(path)
}

/// A path of keys (`image.tag`), nothing computed.
fn plain_path(path: &str) -> bool {
    path.split('.').all(|k| {
        !k.is_empty()
            && k.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    })
}

/// The `.Values` path piped into the command of a template action that
/// holds byte `col` of `line` (Go counts it from 0): in `{{ .Values.image.tag
/// | trunc 5 }}`, at `trunc 5`, `image.tag`. Only a path written alone as the
/// command just before (`.Values.a | default "x" | trunc 5` is no empty
/// value reaching `trunc`), in an action written on one line.
fn piped_value(line: &str, col: usize) -> Option<String> {
    let before = piped_operand(line, col)?;
    let path = before
        .strip_prefix(".Values.")
        .or_else(|| before.strip_prefix("$.Values."))?;
    plain_path(path).then(|| path.to_owned())
}

/// The command written alone just before the one of a template action that
/// holds byte `col` of `line` ([`piped_value`]): `.Values.image.tag`, or a
/// variable (`$token`) the caller may trace to the values.
fn piped_operand(line: &str, col: usize) -> Option<&str> {
    let mut from = 0;
    let (body, start) = loop {
        let open = from + line.get(from..)?.find("{{")?;
        let close = open + line.get(open..)?.find("}}")?;
        if (open..close).contains(&col) {
            break (line.get(open + 2..close)?, col.checked_sub(open + 2)?);
        }
        from = close + 2;
    };
    // The commands of the pipeline, cut at `|` outside quotes and parentheses.
    let mut commands: Vec<(usize, usize)> = Vec::new();
    let (mut quote, mut depth, mut begin) = (None::<char>, 0usize, 0usize);
    for (i, c) in body.char_indices() {
        if i == start && (depth > 0 || quote.is_some()) {
            // Inside a parenthesized pipeline or a string: not the command.
            return None;
        }
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '`' | '\'') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => depth = depth.saturating_sub(1),
            (None, '|') if depth == 0 => {
                commands.push((begin, i));
                begin = i + 1;
            }
            _ => {}
        }
    }
    commands.push((begin, body.len()));
    let here = commands
        .iter()
        .position(|(a, b)| (*a..=*b).contains(&start))?;
    let (a, b) = *commands.get(here.checked_sub(1)?)?;
    Some(body.get(a..b)?.trim().trim_start_matches('-').trim())
}

/// An execution error at a template of the project, in a render with the
/// chart's own values alone: a value the chart leaves to its user, whatever
/// the message says. Helm writes `execution error at (<template>:<line>:<col>)`
/// only for the messages of `required` and `fail` (its engine wraps theirs,
/// and only theirs, to find them again: a nil pointer or a missing template
/// reads `<template>:<line>:<col>` then `executing …`), reached directly, through
/// an `include` of a helper (`include "chart.fail" "message"`) or with a
/// message built by `printf`. `required "set a" .Values.a` fails with `set
/// a`; `{{ if not .Values.a }}{{ fail "a must be provided" }}{{ end }}` is the
/// same guard written by hand: a chart refuses its own defaults only on
/// purpose. A release whose values the configuration names is the
/// repository's to get right (DVM004). The stand-ins of dependencies not
/// vendored fail too, and are told apart before ([`limit`]). The template is
/// found in the project ([`failed_template`]) and nothing else is read.
fn values_left_to_the_user(project: &Path, root: &Root, stderr: &str) -> Option<super::Limit> {
    if !stderr.contains("execution error at (") {
        return None;
    }
    let message = tidy(stderr);
    if failed_template(project, root, &message).is_none()
        && !in_packed_dependency(project, root, &message)
    {
        return None;
    }
    Some(super::Limit {
        why: REQUIRED_WHY.to_owned(),
        help: REQUIRED_HELP,
    })
}

/// Whether the template an `execution error at (<chart>/charts/<dependency>/…)`
/// names is one of a dependency vendored packed (`charts/<dependency>-1.0.0.tgz`,
/// as `helm dependency build` leaves it): no file of the project to point
/// at, but the same guard as in an unpacked one. Only the chart's `charts/`
/// folder is listed (no link followed), nothing is unpacked.
fn in_packed_dependency(project: &Path, root: &Root, message: &str) -> bool {
    let Some(at) = message.find("execution error at (") else {
        return false;
    };
    let place = message
        .get(at + "execution error at (".len()..)
        .and_then(|after| after.split([':', ')']).next())
        .unwrap_or_default();
    // `<chart>/charts/<dependency>/templates/…`, the chart's own name first.
    let Some(dependency) = place
        .split_once('/')
        .and_then(|(_, inside)| inside.strip_prefix("charts/"))
        .and_then(|rest| rest.split_once('/'))
        .map(|(dependency, _)| dependency)
        .filter(|d| !d.is_empty() && !d.starts_with('.'))
    else {
        return false;
    };
    let charts = project.join(&root.dir).join("charts");
    if std::fs::symlink_metadata(&charts).map_or(true, |m| !m.is_dir())
        || std::fs::symlink_metadata(charts.join(dependency)).is_ok()
    {
        return false;
    }
    std::fs::read_dir(&charts).is_ok_and(|entries| {
        entries.flatten().any(|entry| {
            entry.file_type().is_ok_and(|t| t.is_file())
                && entry
                    .file_name()
                    .to_str()
                    .is_some_and(|name| name.ends_with(".tgz"))
        })
    })
}

/// The files under the `templates/` folder of the chart at `chart_dir`,
/// relative to the project, in path order: listed without following a link
/// (not even to list a folder, the `templates/` folder's own included), at
/// most `max` of them. Read them through the project's boundary.
pub(crate) fn template_files(project: &Path, chart_dir: &str, max: usize) -> Vec<String> {
    let mut files = Vec::new();
    let mut folders = vec![super::join(chart_dir, "templates")];
    while let Some(folder) = folders.pop() {
        let path = project.join(&folder);
        if std::fs::symlink_metadata(&path).map_or(true, |m| !m.is_dir()) {
            continue;
        }
        let Ok(entries) = std::fs::read_dir(&path) else {
            continue;
        };
        for entry in entries.flatten() {
            let (Ok(kind), Some(name)) = (
                entry.file_type(),
                entry.file_name().to_str().map(str::to_owned),
            ) else {
                continue;
            };
            let rel = format!("{folder}/{name}");
            if kind.is_dir() {
                folders.push(rel);
            } else if kind.is_file() && files.len() < max {
                files.push(rel);
            }
        }
    }
    files.sort();
    files
}

/// A render with the chart's own values alone that stops for want of a
/// value (`at <.Values.registryUser>: wrong type for value; expected string;
/// got interface {}`, or a nil pointer under an empty parent) that its
/// values.yaml writes empty (`registryUser:`, for the user to give with
/// `--set`), or that it cannot give, having no values.yaml at all (every
/// value is given where it is installed: an Argo CD ApplicationSet's
/// `valueFiles`, `helm install -f`). The same intent as a `required`
/// (DVM002). A key a values.yaml lacks is not this (a bug, or
/// `values_beside`).
fn own_values_leave(project: &Path, root: &Root, stderr: &str) -> Option<super::Limit> {
    let path = value_wanted(project, root, stderr)?;
    let keys: Vec<&str> = path.split('.').collect();
    let boundary = crate::boundary::ProjectBoundary::new(project);
    let own = ["values.yaml", "values.yml"]
        .iter()
        .map(|name| project.join(&root.dir).join(name))
        .find(|path| boundary.resolve(path).is_ok_and(|p| p.is_file()));
    let given_elsewhere = |what: &str| {
        Some(super::Limit {
            why: format!(
                "it has {what} and needs `{path}`, given where it is installed (an Argo CD ApplicationSet's `valueFiles`, `helm install -f`): name those values in `render.charts[].values`"
            ),
            help: REQUIRED_HELP,
        })
    };
    let Some(own) = own else {
        return given_elsewhere("no values.yaml of its own");
    };
    let text = String::from_utf8(boundary.open_bounded(&own, 1 << 20).ok()?).ok()?;
    let parsed = crate::yaml::parse_chunk(&text, 1, crate::yaml::Limits::default());
    if parsed.error.is_none() && parsed.documents.iter().all(crate::yaml::Node::is_null) {
        // Only comments (an example of what the installer gives): no values.
        return given_elsewhere("a values.yaml that gives no values (only comments)");
    }
    let document = parsed.documents.first()?;
    // The first key on the path that is written empty, or only in a comment.
    let mut node = document;
    let mut parent_line = 0;
    for (depth, key) in keys.iter().enumerate() {
        let Some((key_node, value)) = node.entry(key) else {
            let line = commented_out(&text, parent_line, node, key)?;
            let named = keys.get(..=depth)?.join(".");
            return Some(super::Limit {
                why: format!(
                    "its templates need `{named}`, which its own values.yaml writes only in a comment (line {line}: `# {key}:`) for the user to give: name values that give it in `render.charts[].values`"
                ),
                help: REQUIRED_HELP,
            });
        };
        parent_line = key_node.span.start.line;
        if value.is_null() {
            let named = keys.get(..=depth)?.join(".");
            return Some(super::Limit {
                why: format!(
                    "its templates need `{named}`, which its own values.yaml leaves empty for the user to give: name values that give it in `render.charts[].values`"
                ),
                help: REQUIRED_HELP,
            });
        }
        node = value;
    }
    None
}

/// The line of a values file's `text` where `key`, absent from the map
/// `map`, is written commented out (`# sshKey: ""`, `#apiToken: …`), as a
/// chart shows its user the values to give: a comment line at the map's
/// keys' indentation, at the top level anywhere, else between the map's own
/// key (at line `parent_line`) and the first line written less indented.
fn commented_out(
    text: &str,
    parent_line: u32,
    map: &crate::yaml::Node<'_>,
    key: &str,
) -> Option<u32> {
    if !matches!(map.value, crate::yaml::Value::Map(_)) {
        return None;
    }
    let indent = if parent_line == 0 {
        0
    } else {
        usize::try_from(map.span.start.col.checked_sub(1)?).ok()?
    };
    for (number, line) in text.lines().enumerate().skip(parent_line as usize) {
        let written = line.trim_start_matches(' ');
        let at = line.len() - written.len();
        if parent_line > 0 && !written.is_empty() && !written.starts_with('#') && at < indent {
            return None;
        }
        if at != indent {
            continue;
        }
        let Some(comment) = written.strip_prefix('#') else {
            continue;
        };
        let named = comment
            .trim_start_matches([' ', '#'])
            .strip_prefix(key)
            .is_some_and(|rest| rest.starts_with(':'));
        if named {
            return u32::try_from(number + 1).ok();
        }
    }
    None
}

/// A render with the chart's own values alone that stops at a value its
/// values.yaml lacks (`at <.Values.ingress.enabled>: nil pointer …`), when
/// the folder holding the chart has a `values.yaml` that gives it: the
/// values the chart is installed with (`helm install web ./web -f
/// values.yaml`), kept beside it rather than in it. A chart not rendered
/// (DVM002), naming the file, not a fault of the repository; once the file
/// is named in `render.charts[].values`, a failure is the repository's.
fn values_beside(project: &Path, root: &Root, stderr: &str) -> Option<super::Limit> {
    let key = key_wanted(stderr)?;
    let parent = Path::new(&root.dir).parent()?;
    let boundary = crate::boundary::ProjectBoundary::new(project);
    ["values.yaml", "values.yml"].iter().find_map(|name| {
        let rel = parent.join(name);
        let bytes = boundary.open_bounded(&project.join(&rel), 1 << 20).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let gives = gives_top_key(&text, &key);
        let rel = rel.to_str()?.replace(std::path::MAIN_SEPARATOR, "/");
        gives.then(|| super::Limit {
            why: format!(
                "it needs `{key}`, which its own values.yaml lacks and `{rel}` beside it gives: name that file in `render.charts[].values`"
            ),
            help: "name the values files the chart is installed with in `render.charts[].values` of .dvmlint.yaml",
        })
    })
}

/// A render with the chart's own values alone that stops at a value the
/// chart's chart-testing values give: `ci/*-values.yaml` in the chart's
/// folder, which `ct lint` and `ct install` render the chart with, one
/// release each; the repository's own word that the chart is rendered with
/// values of the installer's. A chart not rendered (DVM002) naming the file,
/// not a fault of the repository (trial 28: 16 charts of one repository
/// whose default values lack `global.region` and the like); once values are
/// named in `render.charts[].values`, a failure is the repository's. The
/// test values are not rendered in the chart's place: the model holds what
/// is applied, and values written for a test cluster are not that.
fn chart_testing_values(project: &Path, root: &Root, stderr: &str) -> Option<super::Limit> {
    let folder = super::join(&root.dir, "ci");
    let (path, giver) = values_file_giving(project, root, stderr, &folder, |name| {
        name.ends_with("-values.yaml") || name.ends_with("-values.yml")
    })?;
    Some(super::Limit {
        why: format!(
            "it needs `{path}`, which its own values.yaml lacks and its chart-testing values `{folder}/{giver}` give (`ct install` renders the chart with them): name the values it is installed with in `render.charts[].values`"
        ),
        help: "name the values files the chart is installed with in `render.charts[].values` of .dvmlint.yaml",
    })
}

/// A render with the chart's own values alone that stops at a value a
/// values file of one environment gives, kept in the chart's own folder
/// beside its values.yaml (`values_prod.yaml`, `values-dev.yaml`: `helm
/// upgrade --install web . --values values_prod.yaml`): a chart not rendered
/// (DVM002) naming the file, not a fault of the repository (trial 34: two
/// charts of bcgov/met-public); once values are named in
/// `render.charts[].values`, a failure is the repository's.
fn environment_values(project: &Path, root: &Root, stderr: &str) -> Option<super::Limit> {
    // `values_prod.yaml`, `values-dev.yml`, `values.staging.yaml`: not the
    // chart's own values.yaml.
    let (path, giver) = values_file_giving(project, root, stderr, &root.dir, |name| {
        is_values_file_name(name)
            && name
                .strip_prefix("values")
                .is_some_and(|rest| rest.starts_with(['-', '_']) || rest.matches('.').count() > 1)
    })?;
    let giver = super::join(&root.dir, &giver);
    let (lacks, none) = if has_own_values(project, root) {
        ("its own values.yaml lacks and ", "")
    } else {
        ("", "; it has no values.yaml of its own")
    };
    Some(super::Limit {
        why: format!(
            "it needs `{path}`, which {lacks}`{giver}` beside it gives (the values of one environment it is installed with{none}): name that file in `render.charts[].values`"
        ),
        help: "name the values files the chart is installed with in `render.charts[].values` of .dvmlint.yaml",
    })
}

/// A Helm values file by its name: `values*.yaml` or `values*.yml`
/// (`values.yaml`, `values-prod.yaml`, `values_dev.yml`).
pub(crate) fn is_values_file_name(name: &str) -> bool {
    name.starts_with("values") && (name.ends_with(".yaml") || name.ends_with(".yml"))
}

/// The value a render stops at (the map above it for a nil pointer: values
/// giving that map get the render past it), and the first file of `folder`
/// whose name `wanted` accepts (at most [`INSTALLER_FILES`] looked at) that
/// gives it.
fn values_file_giving(
    project: &Path,
    root: &Root,
    stderr: &str,
    folder: &str,
    wanted: impl Fn(&str) -> bool,
) -> Option<(String, String)> {
    let path = value_wanted(project, root, stderr).or_else(|| key_wanted(stderr))?;
    let keys: Vec<&str> = path.split('.').collect();
    // A nil pointer is the map above the key missing (`global` for
    // `.Values.global.region`): values giving that map get the render past
    // it, the key itself may be read with a default.
    let nil = tidy(stderr).contains(&format!("{path}>: nil pointer evaluating"));
    let keys = match keys.split_last() {
        Some((_, above)) if nil && !above.is_empty() => above,
        _ => &keys[..],
    };
    let boundary = crate::boundary::ProjectBoundary::new(project);
    let giver = boundary
        .file_names_in(&project.join(folder))
        .into_iter()
        .filter(|name| wanted(name))
        .take(INSTALLER_FILES)
        .find(|name| {
            boundary
                .open_bounded(&project.join(folder).join(name), 1 << 20)
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .is_some_and(|text| values_give(&text, keys))
        })?;
    Some((keys.join("."), giver))
}

/// The top-level key a render with the chart's own values stopped at for
/// want of it (`at <.Values.clusterGroup.isHubCluster>: nil pointer …`).
/// Or the first key an `index` of the values reads ([`indexed_value`]).
fn key_wanted(stderr: &str) -> Option<String> {
    let named = stderr
        .split_once(" at <.Values.")
        .or_else(|| stderr.split_once(" at <$.Values."));
    let key = if let Some((_, after)) = named {
        after.split(['.', '>', ' ', '[']).next()?.to_owned()
    } else {
        let stderr = tidy(stderr);
        let (_, after) = stderr.split_once(" at <")?;
        let (named, said) = after.split_once(">: ")?;
        let path = indexed_value(named, said)?;
        path.split('.').next()?.to_owned()
    };
    let plain = key
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    (!key.is_empty() && plain).then_some(key)
}

/// Whether the YAML `text` writes `key` at its top level (`key:` opening a
/// line): read line by line, as a values file is written.
fn gives_top_key(text: &str, key: &str) -> bool {
    text.lines().any(|line| {
        line.strip_prefix(key)
            .is_some_and(|rest| rest.trim_end().starts_with(':'))
    })
}

/// Whether the values file `text` gives the value at `keys` (`["image",
/// "tag"]`), not null, in its first document that parses: the test of a
/// values file that a command, an Argo CD Application or a helmfile
/// installs a chart with.
pub(crate) fn values_give(text: &str, keys: &[&str]) -> bool {
    let parsed = crate::yaml::parse_chunk(text, 1, crate::yaml::Limits::default());
    parsed
        .documents
        .first()
        .and_then(|document| document.at(keys))
        .is_some_and(|value| !value.is_null())
}

/// Whether the values `text` writes the value at `keys`, read line by line
/// as a values file is written (a key opening a line, each deeper key
/// indented below it), for a file that does not parse as YAML (a helmfile's
/// `.yaml.gotmpl`, `user: {{ requiredEnv "USER" }}`): the last key with a
/// value after it, or lines indented below it. Lines that open with a
/// template action (`{{ if … }}`), comments and list items name no key.
pub(crate) fn gives_by_lines(text: &str, keys: &[&str]) -> bool {
    let lines: Vec<(usize, &str)> = text
        .lines()
        .map(|line| {
            let content = line.trim_start();
            (line.len() - content.len(), content.trim_end())
        })
        .filter(|(_, content)| {
            !content.is_empty() && !content.starts_with('#') && !content.starts_with("{{")
        })
        .collect();
    // The keys above the line read, with their indentation.
    let mut path: Vec<(usize, &str)> = Vec::new();
    for (index, &(indent, content)) in lines.iter().enumerate() {
        while path.last().is_some_and(|(above, _)| *above >= indent) {
            path.pop();
        }
        if content.starts_with('-') {
            // A list item: no key below it is one of the values' paths.
            path.push((indent, "-"));
            continue;
        }
        let Some((key, value)) = content.split_once(':') else {
            continue;
        };
        if !(value.is_empty() || value.starts_with([' ', '\t'])) {
            continue;
        }
        path.push((indent, key.trim().trim_matches(['"', '\''])));
        if path.len() != keys.len() || path.iter().zip(keys).any(|((_, a), b)| a != b) {
            continue;
        }
        let value = value.split(" #").next().unwrap_or_default().trim();
        let below = lines.get(index + 1).is_some_and(|(next, _)| *next > indent);
        if below || !matches!(value, "" | "~" | "null" | "Null" | "NULL") {
            return true;
        }
    }
    false
}

/// The values files (`values*.yaml`, `values*.yml`) of each folder above the
/// chart's, up to the project root, nearest first: where a repository that
/// installs its charts through another keeps their values (a Validated
/// Pattern's `values-global.yaml` and `values-<clusterGroup>.yaml` at its
/// root). Listed without following a link, at most [`INSTALLER_FILES`] a
/// folder; each with its path relative to the project.
fn installer_values(project: &Path, root: &Root) -> Vec<Vec<(String, std::path::PathBuf)>> {
    let mut folders = Vec::new();
    let mut dir = Path::new(&root.dir).parent();
    while let Some(folder) = dir {
        let path = project.join(folder);
        let mut files: Vec<(String, std::path::PathBuf)> = std::fs::read_dir(&path)
            .map(|entries| {
                entries
                    .flatten()
                    .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                    .filter_map(|e| e.file_name().to_str().map(str::to_owned))
                    .filter(|name| is_values_file_name(name))
                    .collect::<Vec<String>>()
            })
            .unwrap_or_default()
            .into_iter()
            .map(|name| {
                let rel = super::join(folder.to_str().unwrap_or_default(), &name);
                (rel, path.join(&name))
            })
            .collect();
        files.sort();
        files.truncate(INSTALLER_FILES);
        folders.push(files);
        dir = folder.parent();
    }
    folders
}

/// The most values files [`installer_values`] reads in one folder.
const INSTALLER_FILES: usize = 32;

/// A render with the chart's own values alone that stops at a value its
/// values.yaml lacks, when a folder above the chart holds the values it is
/// installed with: a values file there that names the chart's folder (`path:
/// charts/datacenter/app`, as a Validated Pattern's clusterGroup lists its
/// applications), and that file or another values file of the same folder
/// gives the key (its `values-global.yaml`, read for every application). A
/// chart not rendered (DVM002) naming both, not a fault of the repository;
/// once they are named in `render.charts[].values`, a failure is the
/// repository's.
fn values_of_the_installer(project: &Path, root: &Root, stderr: &str) -> Option<super::Limit> {
    let key = key_wanted(stderr)?;
    let boundary = crate::boundary::ProjectBoundary::new(project);
    let chart = Path::new(&root.dir);
    for files in installer_values(project, root) {
        let texts: Vec<(&String, String)> = files
            .iter()
            .filter_map(|(rel, path)| {
                let bytes = boundary.open_bounded(path, 1 << 20).ok()?;
                Some((rel, String::from_utf8(bytes).ok()?))
            })
            .collect();
        let Some(folder) = files
            .first()
            .and_then(|(rel, _)| Path::new(rel).parent().map(Path::to_path_buf))
        else {
            continue;
        };
        let Some(below) = chart.strip_prefix(&folder).ok().and_then(Path::to_str) else {
            continue;
        };
        let Some((installer, _)) = texts.iter().find(|(_, text)| names_folder(text, below)) else {
            continue;
        };
        // The installing file itself, else the folder's global values
        // (read for every application), else the first that gives the key.
        let givers: Vec<&String> = texts
            .iter()
            .filter(|(_, text)| gives_top_key(text, &key))
            .map(|(rel, _)| *rel)
            .collect();
        let giver = givers
            .iter()
            .find(|rel| **rel == *installer)
            .or_else(|| givers.iter().find(|rel| rel.contains("global")))
            .or_else(|| givers.first());
        let Some(giver) = giver else {
            continue;
        };
        let why = if *giver == *installer {
            format!(
                "it needs `{key}`, which its own values.yaml lacks and `{installer}`, which installs it from `{below}`, gives: name that file in `render.charts[].values`"
            )
        } else {
            format!(
                "it needs `{key}`, which its own values.yaml lacks and `{giver}` gives, beside `{installer}`, which installs it from `{below}`: name both in `render.charts[].values`"
            )
        };
        return Some(super::Limit {
            why,
            help: "name the values files the chart is installed with in `render.charts[].values` of .dvmlint.yaml",
        });
    }
    None
}

/// Whether `text` names the folder `below` as a value (`path: charts/app`,
/// quoted or not, with or without a trailing `/`), not as the start of a
/// longer name (`charts/app2`).
fn names_folder(text: &str, below: &str) -> bool {
    !below.is_empty()
        && text.match_indices(below).any(|(at, _)| {
            let before = text.get(..at).and_then(|t| t.chars().next_back());
            let after = text.get(at + below.len()..).and_then(|t| t.chars().next());
            before.is_none_or(|c| matches!(c, ' ' | '"' | '\'' | '/' | '\n'))
                && after.is_none_or(|c| matches!(c, '\n' | '\r' | ' ' | '"' | '\'' | '/' | '#'))
        })
}

/// Helm's words for dependencies missing from `charts/`.
fn dependencies_missing(stderr: &str) -> bool {
    stderr.contains("missing in charts/") || stderr.contains("helm dependency build")
}

/// A chart not rendered for want of its dependencies, when every one is a
/// local chart (`repository: file://../common`): dvmlint builds those into a
/// copy of the chart (`super::dependencies`), so one of them is missing, lies
/// outside the project or is too large. Said so, rather than "offline".
/// `Chart.yaml` is read through the project boundary.
fn local_dependencies(project: &Path, root: &Root) -> Option<super::Limit> {
    super::dependencies::all_local(project, &root.dir).then(|| super::Limit {
        why: "its local `file://` dependencies could not be built into a copy of it: one is missing, outside the project or too large".to_owned(),
        help: "check the dependencies' `repository: file://` paths: dvmlint builds local dependencies only from the project's own charts",
    })
}

/// A chart not rendered for want of a remote dependency: when the
/// repository keeps a chart of its name beside it at a version its
/// constraint refuses, said so, with both versions.
fn with_refused_siblings(project: &Path, root: &Root, limit: super::Limit) -> super::Limit {
    let refused = super::dependencies::refused_siblings(project, &root.dir);
    if refused.is_empty() {
        return limit;
    }
    super::Limit {
        why: format!("{}, and {}", limit.why, refused.join(", and ")),
        help: limit.help,
    }
}

/// The values a chart's `values.schema.json` requires and its own
/// values.yaml leaves empty or out, when those are all Helm's schema
/// complaints (`- at '/policy': got null, want string`, `- at '': missing
/// property 'policy'`): the schema's way of a template's `required`. A
/// default of the wrong type (`got string, want integer`) is the chart's own
/// fault, and no such list.
fn schema_left_to_the_user(stderr: &str) -> Option<Vec<String>> {
    if !stderr.contains("don't meet the specifications of the schema") {
        return None;
    }
    let mut keys = Vec::new();
    for line in stderr
        .lines()
        .filter_map(|line| line.trim().strip_prefix("- "))
    {
        // Helm 3 (gojsonschema): `- (root): policy is required`,
        // `- db: Invalid type. Expected: string, given: null`.
        if !line.starts_with("at '") {
            let (path, complaint) = line.split_once(": ")?;
            if path == "(root)"
                && let Some(name) = complaint.strip_suffix(" is required")
            {
                keys.push(name.to_owned());
            } else if let Some(name) = complaint
                .strip_suffix(" is required")
                .filter(|_| path != "(root)")
            {
                keys.push(format!("{path}.{name}"));
            } else if complaint.starts_with("Invalid type.") && complaint.ends_with("given: null") {
                keys.push(path.to_owned());
            } else {
                return None;
            }
            continue;
        }
        let violation = line.strip_prefix("at '")?;
        let (path, complaint) = violation.split_once("': ")?;
        let path = path.trim_start_matches('/').replace('/', ".");
        let join = |name: &str| {
            if path.is_empty() {
                name.to_owned()
            } else {
                format!("{path}.{name}")
            }
        };
        if complaint.starts_with("got null, want") && !path.is_empty() {
            keys.push(path.clone());
        } else if let Some(names) = complaint
            .strip_prefix("missing property ")
            .or_else(|| complaint.strip_prefix("missing properties "))
        {
            keys.extend(
                names
                    .split(", ")
                    .map(|n| n.trim_matches('\''))
                    .filter(|n| !n.is_empty())
                    .map(join),
            );
        } else {
            return None;
        }
    }
    (!keys.is_empty()).then_some(keys)
}

/// Helm's error output as a finding says it: one line (Helm 4 breaks one
/// error over several, indented), without its advice to run again with
/// `--debug` (dvmlint shows the output it could read), and without the
/// `Error: ` it opens with.
pub(crate) fn tidy(message: &str) -> String {
    let text = message
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("Use --debug flag"))
        .map(|line| line.strip_prefix("Error: ").unwrap_or(line))
        .collect::<Vec<_>>()
        .join(" ");
    of_the_output(text)
}

/// Helm's error on a template whose output is not YAML (`YAML parse error
/// on shop/templates/a.yaml: error converting YAML to JSON: yaml: line 18:
/// …`) counts the lines of that output, not of the template: said so
/// (`… a.yaml: line 18 of its rendered output: …`).
fn of_the_output(text: String) -> String {
    const ON: &str = "YAML parse error on ";
    const LINE: &str = ": error converting YAML to JSON: yaml: line ";
    let Some(at) = text
        .find(ON)
        .and_then(|on| Some(on + text.get(on..)?.find(LINE)?))
    else {
        return text;
    };
    let number = at + LINE.len();
    let digits = text.get(number..).map_or(0, |after| {
        after.bytes().take_while(u8::is_ascii_digit).count()
    });
    if digits == 0 {
        return text;
    }
    format!(
        "{}: line {} of its rendered output{}",
        text.get(..at).unwrap_or_default(),
        text.get(number..number + digits).unwrap_or_default(),
        text.get(number + digits..).unwrap_or_default()
    )
}

/// The template a failed render names (`… at (shop/templates/np.yaml:6:8): …`,
/// Helm's parse and execution errors), as a place in the project: the chart's
/// own name replaced by its folder (`root.dir`), the line and column Helm
/// gives. `None` when the message names no template, or one that is no file
/// of the project (a packed dependency's).
pub(crate) fn failed_template(
    project: &Path,
    root: &Root,
    message: &str,
) -> Option<crate::finding::Location> {
    // `… at (shop/templates/np.yaml:6:8): …` (parse and `required` errors),
    // or the message's first word (Helm 4's `shop/templates/np.yaml:4:18`).
    let in_parentheses = message.find(" at (").and_then(|at| {
        let after = message.get(at + " at (".len()..)?;
        after.get(..after.find(')')?)
    });
    let first_word = message
        .split_whitespace()
        .next()
        .map(|w| w.trim_end_matches(':'));
    // A chart whose name holds a blank (`My Chart/templates/svc.yaml:1:14`):
    // the message's start up to the first blank after `/templates/`.
    let spaced_name = message.find("/templates/").and_then(|at| {
        let end = message
            .get(at..)?
            .find(char::is_whitespace)
            .map_or(message.len(), |e| at + e);
        message.get(..end).map(|w| w.trim_end_matches(':'))
    });
    // `YAML parse error on shop/templates/a.yaml: …`: the template, no line.
    let parse_error = message.find("YAML parse error on ").and_then(|at| {
        let after = message.get(at + "YAML parse error on ".len()..)?;
        after.get(..after.find(": ")?)
    });
    let inside = in_parentheses
        .into_iter()
        .chain(first_word)
        .chain(parse_error)
        .chain(spaced_name)
        .find(|place| place.contains("/templates/"))?;
    let mut numbers = Vec::new();
    let mut path = inside;
    while numbers.len() < 2 {
        let Some((head, last)) = path.rsplit_once(':') else {
            break;
        };
        let Ok(number) = last.parse::<u32>() else {
            break;
        };
        numbers.insert(0, number);
        path = head;
    }
    let line = match numbers.first() {
        Some(line) => *line,
        None if Some(inside) == parse_error => 1,
        None => return None,
    };
    let col = numbers.get(1).copied().unwrap_or(1);
    let plain = |file: &str| {
        std::path::Path::new(file)
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)))
    };
    // Only a location (nothing is read): a path of the project that names a
    // file; in a local `file://` dependency dvmlint built into a copy of the
    // chart (`app/charts/cache/…` of `repository: file://../cache`), that
    // dependency's own file.
    let mut file = source_path(&root.dir, path)?;
    if !plain(&file) || !project.join(&file).is_file() {
        file = super::dependencies::redirect(
            file,
            &super::dependencies::redirects(project, &root.dir),
        );
    }
    if !plain(&file) || !project.join(&file).is_file() {
        return None;
    }
    Some(crate::finding::Location::new(
        &std::sync::Arc::from(file.as_str()),
        crate::yaml::Span::new(
            crate::yaml::Pos::new(line.max(1), col.max(1)),
            crate::yaml::Pos::new(line.max(1), col.max(1)),
        ),
    ))
}

/// `shop/templates/np.yaml` of the chart in `charts/shop` →
/// `charts/shop/templates/np.yaml`; `None` for a path that climbs out of
/// the chart or is absolute (the output's text, which a template can write).
pub(super) fn source_path(chart_dir: &str, source: &str) -> Option<String> {
    let inside = source.split_once('/').map_or(source, |(_, rest)| rest);
    let plain = !inside.is_empty()
        && Path::new(inside)
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
    plain.then(|| super::join(chart_dir, inside))
}

/// Every values file a release reads, for the related location of its
/// findings: the configured ones, else the chart's own `values.yaml`.
pub fn values_files(project: &Path, root: &Root, release: &Release) -> Vec<String> {
    if !release.values.is_empty() {
        return release.values.clone();
    }
    let own = super::join(&root.dir, "values.yaml");
    if project.join(&own).is_file() {
        vec![own]
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_that_is_no_semver_is_read_from_helms_refusal() {
        let said = "Error: validation: chart.metadata.version \"devel\" is invalid\n";
        assert_eq!(version_not_semver(said).as_deref(), Some("devel"));
        assert!(limit(said, false).is_some_and(|l| l.why.contains("`version: devel`")));
        let templated = "validation: chart.metadata.version \"{{ .Version }}\" is invalid";
        assert_eq!(version_not_semver(templated), None);
        assert_eq!(version_not_semver("chart.metadata.name is required"), None);
    }

    #[test]
    fn values_that_do_not_parse_are_read_line_by_line() {
        let gotmpl = "# registry credentials\n{{ if .Values.private }}\nregistry:\n  user: {{ requiredEnv \"USER\" }}\n  empty:\n  block:\n    inner: 1\n{{ end }}\nitems:\n  - name: a\n    tag: v1\ntop: x # comment\nnone: ~\n";
        // Its first line reads as a flow mapping, its third as an error.
        assert!(!values_give(gotmpl, &["registry", "user"]));
        for keys in [
            &["registry", "user"][..],
            &["registry", "block"],
            &["registry", "block", "inner"],
            &["registry"],
            &["top"],
        ] {
            assert!(gives_by_lines(gotmpl, keys), "{keys:?}");
        }
        for keys in [
            &["registry", "empty"][..],
            &["registry", "pat"],
            &["user"],
            &["items", "tag"],
            &["none"],
            &["block", "inner"],
        ] {
            assert!(!gives_by_lines(gotmpl, keys), "{keys:?}");
        }
        assert!(values_give("image:\n  tag: v1\n", &["image", "tag"]));
        assert!(!values_give("image:\n  tag:\n", &["image", "tag"]));
    }

    #[test]
    fn a_missing_dependency_of_a_dependency_is_named_as_such() {
        let nested = format!(
            "Error: execution error at (app/charts/common/charts/common/templates/d/d/not-vendored.yaml:1:3): {}: common",
            super::super::dependencies::NOT_VENDORED
        );
        let why = limit(&nested, false).unwrap().why;
        assert!(
            why.starts_with("`common`, a dependency of its dependency `common`, which"),
            "{why}"
        );
        let direct = nested.replace("app/charts/common/charts/common/", "app/charts/common/");
        let why = limit(&direct, false).unwrap().why;
        assert!(why.starts_with("its dependency `common`, which"), "{why}");
    }

    /// A key shown commented out at its map's indentation is a value left to
    /// the user; one under another key, or after the map ends, is not.
    #[test]
    fn a_key_commented_out_in_its_map_is_found() {
        let text = "## give these\n#apiToken: x\nimage:\n  repository: r\n  # tag: \"\"\nother:\n  # pullPolicy: Always\n# pullPolicy: top\nresources: {}\n";
        let parsed = crate::yaml::parse_chunk(text, 1, crate::yaml::Limits::default());
        let top = &parsed.documents[0];
        assert_eq!(commented_out(text, 0, top, "apiToken"), Some(2));
        assert_eq!(commented_out(text, 0, top, "region"), None);
        let (key, image) = top.entry("image").unwrap();
        assert_eq!(
            commented_out(text, key.span.start.line, image, "tag"),
            Some(5)
        );
        // `pullPolicy` is commented under `other:` and at the top, not under `image:`.
        assert_eq!(
            commented_out(text, key.span.start.line, image, "pullPolicy"),
            None
        );
        // A scalar holds no keys.
        let (key, repository) = image.entry("repository").unwrap();
        assert_eq!(
            commented_out(text, key.span.start.line, repository, "tag"),
            None
        );
    }

    #[test]
    fn sources_name_the_template_in_the_project() {
        let text = "---\n# Source: shop/templates/np.yaml\napiVersion: v1\nkind: A\n---\n# Source: shop/charts/db/templates/svc.yaml\napiVersion: v1\nkind: B\n";
        let docs = origins(text, "charts/shop");
        assert_eq!(docs.len(), 2);
        assert_eq!(
            docs[0].source.as_deref(),
            Some("charts/shop/templates/np.yaml")
        );
        assert_eq!(docs[0].first_line, 3);
        assert_eq!(
            docs[1].source.as_deref(),
            Some("charts/shop/charts/db/templates/svc.yaml")
        );
    }

    /// Helm names a function's literal argument (`at <5>`) when the value
    /// piped into it is empty: the value is read from the action at the
    /// column Helm gives (from 0).
    #[test]
    fn a_value_piped_into_a_function_is_the_one_wanted() {
        let line =
            "          image: {{ .Values.image.repository }}:{{ .Values.image.tag | trunc 5 }}";
        let at = line.find("5 }}").unwrap();
        assert_eq!(piped_value(line, at).as_deref(), Some("image.tag"));
        // The command the column is in, not another action of the line.
        let at = line.find("repository").unwrap();
        assert_eq!(piped_value(line, at), None);
        assert_eq!(
            piped_value("{{- $.Values.a.b | quote | trunc 5 }}", 26),
            None,
            "`quote` is piped into `trunc`, not the value"
        );
        let line = "x: {{ $.Values.a-b.c_d | replace \"|\" \"-\" }}";
        let at = line.find("replace").unwrap();
        assert_eq!(piped_value(line, at).as_deref(), Some("a-b.c_d"));
        let line = "x: {{ .Values.a | default (printf \"%s\" .Values.b) }}";
        assert_eq!(piped_value(line, line.find("printf").unwrap()), None);
        assert_eq!(
            piped_value("x: {{ index .Values.a 0 | trunc 5 }}", 26),
            None
        );

        let dir = tempfile::tempdir().unwrap();
        let project = dir.path();
        std::fs::create_dir_all(project.join("op/templates")).unwrap();
        std::fs::write(
            project.join("op/templates/d.yaml"),
            "kind: Pod\nimage: {{ .Values.image.tag | trunc 5 }}\n",
        )
        .unwrap();
        let root = chart_root("op", "op");
        let helm4 = "Error: op/templates/d.yaml:2:36\n  executing \"op/templates/d.yaml\" at <5>:\n    invalid value; expected string\n";
        assert_eq!(
            value_wanted(project, &root, helm4).as_deref(),
            Some("image.tag")
        );
        let helm3 = "Error: template: op/templates/d.yaml:2:36: executing \"op/templates/d.yaml\" at <5>: invalid value; expected string\n";
        assert_eq!(
            value_wanted(project, &root, helm3).as_deref(),
            Some("image.tag")
        );
        // Another failure at that function is not an empty value.
        let other = helm4.replace("invalid value; expected string", "error calling trunc: x");
        assert_eq!(value_wanted(project, &root, &other), None);
        let named = "Error: op/templates/d.yaml:2:10 executing \"op/templates/d.yaml\" at <.Values.user>: wrong type for value; expected string; got interface {}";
        assert_eq!(value_wanted(project, &root, named).as_deref(), Some("user"));
    }

    /// A variable is traced only to the one action that assigns it.
    #[test]
    fn a_variable_is_traced_to_its_one_assignment() {
        let text = "{{- $values := .Values }}\n{{ $str := . -}}\n{{ $d := merge (dict \"a\" 1) .Values }}\n{{ $x := 1 }}{{ $x = 2 }}\n";
        assert_eq!(assignment(text, "values"), Some(".Values"));
        assert_eq!(assignment(text, "str"), Some("."));
        assert_eq!(assignment(text, "d"), Some("merge (dict \"a\" 1) .Values"));
        // Assigned twice (branches, loops): not traced.
        assert_eq!(assignment(text, "x"), None);
        // A longer name is another variable.
        assert_eq!(assignment(text, "value"), None);
        assert_eq!(
            values_path(".global.region").as_deref(),
            Some("global.region")
        );
        assert_eq!(values_path(".global.$key"), None);
        assert_eq!(values_path(""), None);
    }

    /// `index .Values "common" "replicas"` on a missing `common` is the
    /// value `common.replicas` wanted, as `.Values.common.replicas` is.
    #[test]
    fn an_index_of_a_missing_map_wants_the_keys_it_names() {
        let dir = tempfile::tempdir().unwrap();
        let root = chart_root("shop", "shop");
        let failed = |named: &str, said: &str| {
            format!(
                "Error: template: shop/templates/d.yaml:6:15: executing \"shop/templates/d.yaml\" at <{named}>: {said}\n\nUse --debug flag to render out invalid YAML\n"
            )
        };
        let nil = "error calling index: index of nil pointer";
        let wanted = |named: &str, said: &str| {
            let stderr = failed(named, said);
            (
                value_wanted(dir.path(), &root, &stderr),
                key_wanted(&stderr),
            )
        };
        let both = |path: &str, key: &str| (Some(path.to_owned()), Some(key.to_owned()));
        assert_eq!(
            wanted(r#"index .Values "common" "replicas""#, nil),
            both("common.replicas", "common")
        );
        assert_eq!(
            wanted(r#"index $.Values "common" "replicas""#, nil),
            both("common.replicas", "common")
        );
        assert_eq!(
            wanted(
                r#"index .Values.common "replicas""#,
                "error calling index: index of untyped nil"
            ),
            both("common.replicas", "common")
        );
        assert_eq!(
            wanted("index .Values `my-app` `port`", nil),
            both("my-app.port", "my-app")
        );
        // A key computed from a variable, another map, or another failure of
        // `index` names no value.
        for (named, said) in [
            (r#"index .Values $env "replicas""#, nil),
            (r#"index .Capabilities "a" "b""#, nil),
            (
                r#"index .Values "a" "b""#,
                "error calling index: can't index item of type float64",
            ),
        ] {
            assert_eq!(wanted(named, said), (None, None), "{named}: {said}");
        }
    }

    #[test]
    fn chart_names_become_release_names() {
        let dir = tempfile::tempdir().unwrap();
        let chart = dir.path().join("Chart.yaml");
        std::fs::write(&chart, "apiVersion: v2\nname: My_Shop\nversion: 1.0.0\n").unwrap();
        assert_eq!(chart_name(&chart, "charts/x"), "my-shop");
        assert_eq!(chart_name(&dir.path().join("none"), "charts/web"), "web");
    }

    /// The chart in folder `dir`, released as `name` with its own values.
    fn chart_root(dir: &str, name: &str) -> Root {
        Root {
            file: std::sync::Arc::from(format!("{dir}/Chart.yaml")),
            dir: dir.into(),
            kind: super::super::RootKind::Helm(Release {
                name: name.into(),
                namespace: None,
                values: vec![],
                set: vec![],
            }),
            cluster: None,
            unit: 0,
            dependency_of: None,
        }
    }

    /// Dependencies that are all local charts are named so; one remote
    /// dependency among them keeps the offline reason.
    #[test]
    fn values_a_schema_requires_and_values_yaml_leaves_out_are_the_users() {
        let head = "Error: values don't meet the specifications of the schema(s) in the following chart(s):\nchart:\n";
        assert_eq!(
            schema_left_to_the_user(&format!("{head}- at '/policy': got null, want string\n")),
            Some(vec!["policy".to_owned()])
        );
        assert_eq!(
            schema_left_to_the_user(&format!(
                "{head}- at '/db': missing properties 'host', 'port'\n- at '': missing property 'policy'\n"
            )),
            Some(vec![
                "db.host".to_owned(),
                "db.port".to_owned(),
                "policy".to_owned()
            ])
        );
        // A default of the wrong type is the chart's fault.
        assert_eq!(
            schema_left_to_the_user(&format!(
                "{head}- at '/policy': got null, want string\n- at '/replicas': got string, want integer\n"
            )),
            None
        );
        assert_eq!(schema_left_to_the_user("Error: parse error"), None);
        // Helm 3's words for the same.
        assert_eq!(
            schema_left_to_the_user(&format!(
                "{head}- (root): policy is required\n- db: host is required\n- region: Invalid type. Expected: string, given: null\n"
            )),
            Some(vec![
                "policy".to_owned(),
                "db.host".to_owned(),
                "region".to_owned()
            ])
        );
        assert_eq!(
            schema_left_to_the_user(&format!(
                "{head}- replicas: Invalid type. Expected: integer, given: string\n"
            )),
            None
        );
    }

    #[test]
    fn local_dependencies_are_told_from_remote_ones() {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path();
        std::fs::create_dir_all(project.join("app")).unwrap();
        let root = chart_root("app", "app");
        let chart = |dependencies: &str| {
            std::fs::write(
                project.join("app/Chart.yaml"),
                format!("apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n{dependencies}"),
            )
            .unwrap();
            local_dependencies(project, &root).map(|l| l.why)
        };
        let local = "  - {name: guestbook, version: 0.1.0, repository: file://../guestbook}\n";
        let remote = "  - {name: redis, version: 1.0.0, repository: https://charts.example.com}\n";
        assert!(chart(local).is_some_and(|why| why.contains("`file://`")));
        assert_eq!(chart(&format!("{local}{remote}")), None);
        assert_eq!(chart("  []\n"), None);
        assert!(dependencies_missing(
            "Error: found in Chart.yaml, but missing in charts/ directory: guestbook"
        ));
    }

    #[test]
    fn a_failed_render_is_told_in_one_sentence_at_the_template_helm_names() {
        let helm4 = "Error: shop/templates/np.yaml:4:18\n  executing \"shop/templates/np.yaml\" at <.Values.x>:\n    nil pointer\n\nUse --debug flag to render out invalid YAML";
        assert_eq!(
            tidy(helm4),
            "shop/templates/np.yaml:4:18 executing \"shop/templates/np.yaml\" at <.Values.x>: nil pointer"
        );
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path();
        std::fs::create_dir_all(project.join("charts/web/templates")).unwrap();
        std::fs::write(project.join("charts/web/templates/np.yaml"), "x").unwrap();
        let root = chart_root("charts/web", "web");
        let at = |message: &str| {
            failed_template(project, &root, message)
                .map(|l| (l.file.to_string(), l.span.start.line, l.span.start.col))
        };
        let place = |line, col| Some(("charts/web/templates/np.yaml".to_owned(), line, col));
        assert_eq!(at(&tidy(helm4)), place(4, 18));
        assert_eq!(
            at("parse error at (shop/templates/np.yaml:6): x"),
            place(6, 1)
        );
        assert_eq!(
            at("execution error at (shop/templates/np.yaml:6:8): set a"),
            place(6, 8)
        );
        // A chart named with a blank (`name: Cluster Config`).
        assert_eq!(
            at(
                "Cluster Config/templates/np.yaml:1:14 executing \"Cluster Config/templates/np.yaml\" at <.Values.a>: nil pointer"
            ),
            place(1, 14)
        );
        // No file of the project: a template that is not there, one of a
        // packed dependency, a path that leaves the chart, no template at all.
        assert_eq!(at("parse error at (shop/templates/gone.yaml:6): x"), None);
        assert_eq!(
            at("at (shop/charts/db-1.0.tgz/templates/np.yaml:1): x"),
            None
        );
        assert_eq!(at("at (shop/templates/../../../np.yaml:1): x"), None);
        assert_eq!(at("chart requires kubeVersion: >=1.30"), None);
        // A template whose output is not YAML: its line is the output's.
        let parse = "Error: YAML parse error on shop/templates/np.yaml: error converting YAML to JSON: yaml: line 18: mapping values are not allowed in this context";
        assert_eq!(
            tidy(parse),
            "YAML parse error on shop/templates/np.yaml: line 18 of its rendered output: mapping values are not allowed in this context"
        );
        assert_eq!(at(&tidy(parse)), place(1, 1));
        let other = "YAML parse error on shop/templates/np.yaml: error converting YAML to JSON: yaml: invalid leading UTF-8 octet";
        assert_eq!(tidy(other), other);
    }
}
