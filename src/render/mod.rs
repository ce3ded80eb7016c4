//! Rendering: Kustomize roots and Helm charts become the objects the cluster
//! receives (docs/rendering.md).
//!
//! The stage sits between discovery and the model: [`plan`] finds the roots
//! (a kustomization no other kustomization includes; a chart folder that is
//! not a dependency inside another chart's `charts/`), [`render`] runs the
//! tool on each (`tool`: timeout, bounded output, offline), reading the
//! output's origin of every document (`kustomize`: origin annotations of a
//! wrapper kustomization built outside the user's tree; `helm`: the
//! `# Source:` comments). The lint run analyses the rendered text like a file,
//! replaces the inputs' objects with the rendered ones, and [`RenderIndex`]
//! puts every finding on a rendered object back on the file a user edits
//! (`locate`). Outputs are cached by a hash of every input the render read
//! (`store`).

pub mod argo;
mod dependencies;
pub mod helm;
pub mod helmfile;
pub mod kustomize;
pub mod locate;
mod script_values;
pub mod stage;
pub mod store;
pub mod tool;
pub mod unrestricted;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::config::{Config, RenderConfig};

use crate::finding::{Finding, Location};
use crate::units::{ApplyUnits, UnitId, UnitKind};
use crate::yaml::Span;

pub use locate::RenderIndex;
pub use tool::{Kustomizer, Tool, Tools};

/// `--render`: `auto` renders with what is installed, `off` renders nothing,
/// `require` makes a missing tool a usage error (exit 2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RenderMode {
    #[default]
    Auto,
    Off,
    Require,
}

/// A Helm release of a chart: what `helm template` is given.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Release {
    pub name: String,
    pub namespace: Option<String>,
    /// Values files, relative to the project root.
    pub values: Vec<String>,
    pub set: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RootKind {
    Kustomize,
    Helm(Release),
}

/// Something rendered as a whole.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Root {
    /// The file that makes the folder a root (`kustomization.yaml`,
    /// `Chart.yaml`), relative to the project root: where its failures go.
    pub file: Arc<str>,
    /// Its folder, relative to the project root (`""`: the root itself).
    pub dir: String,
    pub kind: RootKind,
    /// The configured cluster it is applied to (`render.charts[].cluster`,
    /// `render.kustomizations[].cluster`); else the cluster of its folder.
    pub cluster: Option<String>,
    /// Its apply unit (`crate::units`): the rendered objects replace the
    /// unit's own.
    pub unit: UnitId,
    /// For a chart, the chart of the project that declares it as a local
    /// dependency (`repository: file://../lib`), if one does: it is
    /// installed through that chart ([`dependencies::local_dependents`]).
    pub dependency_of: Option<String>,
}

impl Root {
    /// The name its rendered output goes by inside the run (never printed:
    /// every location in it is mapped back to a source file).
    /// Distinct for each root of a plan: a folder built for two clusters,
    /// or a chart released twice (two namespaces, two clusters), is two
    /// outputs, each mapped back on its own.
    pub fn output_name(&self) -> Arc<str> {
        let mut name = format!("{}#rendered", self.file);
        if let RootKind::Helm(release) = &self.kind {
            name.push(':');
            name.push_str(&release.name);
            if let Some(namespace) = &release.namespace {
                name.push('.');
                name.push_str(namespace);
            }
        }
        if let Some(cluster) = &self.cluster {
            name.push('@');
            name.push_str(cluster);
        }
        Arc::from(name)
    }

    pub fn tool_name(&self) -> &'static str {
        match self.kind {
            RootKind::Kustomize => "kustomize",
            RootKind::Helm(_) => "helm",
        }
    }
}

/// Where one document of a render's output came from.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocOrigin {
    /// First line of the document in the output (its `---` or first line).
    pub first_line: u32,
    /// The file that produced it (a resource file, a template, or the
    /// kustomization that generated it), relative to the project root.
    pub source: Option<String>,
    /// Patch files applied to it (Kustomize), relative to the project root.
    pub patches: Vec<String>,
}

/// A successful render.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Output {
    pub text: String,
    pub docs: Vec<DocOrigin>,
}

/// What a render gave.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    Rendered(Output),
    /// The tool failed: its message (first lines, secrets masked), and advice.
    /// `limit`: why it failed only because of how dvmlint renders ([`Limit`]),
    /// decided on the tool's whole error output; such a root is the DVM002
    /// info of a root not rendered, not a DVM004.
    Failed {
        message: String,
        help: String,
        limit: Option<String>,
    },
}

impl Outcome {
    /// A failed build: a limit of dvmlint's own build when `limit` names one
    /// (its help), else the repository's fault, with `help`.
    pub fn failure(message: String, limit: Option<Limit>, help: &str) -> Outcome {
        match limit {
            Some(limit) => Outcome::Failed {
                message,
                help: limit.help.to_owned(),
                limit: Some(limit.why),
            },
            None => Outcome::Failed {
                message,
                help: help.to_owned(),
                limit: None,
            },
        }
    }
}

/// One root rendered: the outcome and every project file it read.
#[derive(Clone, Debug)]
pub struct Rendered {
    pub root: Root,
    pub outcome: Outcome,
    /// Input files inside the project, relative paths: their objects are
    /// replaced by the rendered ones.
    pub inputs: BTreeSet<String>,
    pub tool: String,
    /// Served from `.dvmlint-cache/`.
    pub cached: bool,
    /// The key to store a fresh, storable outcome under (not a timeout).
    pub store_key: Option<u128>,
}

/// The roots of the apply units (Kustomize roots and Helm charts, see
/// `crate::units`), with their configured releases and clusters; a chart
/// renders once per `render.charts` entry naming it, else once with its
/// defaults. `project` is the project root.
pub fn plan(project: &Path, units: &ApplyUnits, config: &Config) -> Vec<Root> {
    let render = &config.render;
    let mut roots = Vec::new();
    let charts: Vec<&str> = units
        .units()
        .iter()
        .filter(|u| u.kind == UnitKind::HelmChart && u.entry.is_some())
        .map(|u| &*u.root)
        .collect();
    let dependents = if charts.len() > 1 {
        dependencies::local_dependents(project, &charts)
    } else {
        Vec::new()
    };
    let dependency_of = |dir: &str| {
        dependents
            .iter()
            .find(|(d, _)| d == dir)
            .map(|(_, parent)| parent.clone())
    };
    for (id, unit) in units.units().iter().enumerate() {
        let Some(entry) = &unit.entry else {
            continue;
        };
        let dir = unit.root.to_string();
        match unit.kind {
            UnitKind::Plain => {}
            UnitKind::Kustomize => {
                if kustomize::is_not_a_root(&project.join(&**entry)) {
                    continue;
                }
                // One build per cluster the root is applied to: entries
                // naming the same folder for two clusters (an overlay both
                // sides apply) put its objects in both.
                // A folder that two clusters' `paths` claim is built for
                // each of them too.
                let mut clusters: Vec<Option<String>> = Vec::new();
                for target in render.kustomizations.iter().filter(|k| k.path == dir) {
                    let named = match &target.cluster {
                        Some(cluster) => vec![Some(cluster.clone())],
                        None => folder_clusters(config, entry),
                    };
                    for cluster in named {
                        if !clusters.contains(&cluster) {
                            clusters.push(cluster);
                        }
                    }
                }
                if clusters.is_empty() {
                    clusters = folder_clusters(config, entry);
                }
                for cluster in clusters {
                    roots.push(Root {
                        file: Arc::clone(entry),
                        dir: dir.clone(),
                        kind: RootKind::Kustomize,
                        cluster,
                        unit: id,
                        dependency_of: None,
                    });
                }
            }
            UnitKind::HelmChart => {
                let default_name = || helm::chart_name(&project.join(&**entry), &dir);
                let configured: Vec<_> = render.charts.iter().filter(|c| c.path == dir).collect();
                if configured.is_empty() {
                    for cluster in folder_clusters(config, entry) {
                        roots.push(Root {
                            file: Arc::clone(entry),
                            dir: dir.clone(),
                            kind: RootKind::Helm(Release {
                                name: default_name(),
                                namespace: None,
                                values: Vec::new(),
                                set: Vec::new(),
                            }),
                            cluster,
                            unit: id,
                            dependency_of: dependency_of(&dir),
                        });
                    }
                }
                for chart in configured {
                    let clusters = match &chart.cluster {
                        Some(cluster) => vec![Some(cluster.clone())],
                        None => folder_clusters(config, entry),
                    };
                    for cluster in clusters {
                        roots.push(Root {
                            file: Arc::clone(entry),
                            dir: dir.clone(),
                            kind: RootKind::Helm(Release {
                                name: chart.release.clone().unwrap_or_else(default_name),
                                namespace: chart.namespace.clone(),
                                values: chart.values.clone(),
                                set: chart.set.clone(),
                            }),
                            cluster,
                            unit: id,
                            dependency_of: dependency_of(&dir),
                        });
                    }
                }
            }
        }
    }
    roots
}

/// Configured charts that name no chart folder: each one a DVM004 at the
/// configuration, since a release that is never rendered is never checked.
pub fn unmatched_charts(config: &Config, roots: &[Root]) -> Vec<Finding> {
    let Some(path) = &config.path else {
        return Vec::new();
    };
    let file: Arc<str> = Arc::from(
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or(".dvmlint.yaml"),
    );
    config
        .render
        .charts
        .iter()
        .filter(|c| {
            !roots
                .iter()
                .any(|r| r.dir == c.path && matches!(r.kind, RootKind::Helm(_)))
        })
        .map(|c| {
            Finding::new(
                "DVM004",
                Location::new(&file, Span::line_start(1)),
                format!(
                    "render.charts: `{}` is not a chart folder (no Chart.yaml there)",
                    if c.path.is_empty() { "." } else { &c.path }
                ),
            )
            .help("fix the `path` of this entry, or remove it")
        })
        .collect()
}

/// The clusters whose `paths` claim `rel` (a root's entry file), by name;
/// `[None]` when none does (or none is configured).
fn folder_clusters(config: &Config, rel: &str) -> Vec<Option<String>> {
    let named: Vec<Option<String>> = config
        .clusters_of(rel)
        .into_iter()
        .filter_map(|i| config.clusters.get(i))
        .map(|c| Some(c.name.clone()))
        .collect();
    if named.is_empty() { vec![None] } else { named }
}

/// Renders `root` (or reads its output from `store`).
pub fn render(
    project: &Path,
    root: &Root,
    tools: &Tools,
    config: &RenderConfig,
    store: Option<&store::Store>,
) -> Option<Rendered> {
    match &root.kind {
        RootKind::Kustomize => {
            let tool = tools.kustomize.as_deref()?;
            Some(kustomize::render(project, root, tool, config, store))
        }
        RootKind::Helm(release) => {
            let tool = tools.helm.as_deref()?;
            Some(helm::render(project, root, release, tool, config, store))
        }
    }
}

/// The API group of Flux's Kustomization (`kustomize.toolkit.fluxcd.io/v1`).
pub const FLUX_KUSTOMIZE_GROUP: &str = "kustomize.toolkit.fluxcd.io";

/// How the DVM002 info of a Helm chart that was not rendered begins: the
/// chart's unrendered templates are named in it, not in a second finding
/// (`rules::input::unrendered_template::one_per_root`).
pub const HELM_NOT_RENDERED: &str = "this Helm chart was not rendered";

/// How the DVM004 of a failed Helm render starts (the release's name follows).
pub const HELM_FAILED: &str = "`helm template` of release";

/// How the DVM002 of a chart another chart of the project installs as a
/// local dependency begins its reason: its templates are linted through
/// that chart's render, not on their own.
pub const LOCAL_DEPENDENCY: &str = "it is a local dependency of chart";

/// The info finding of a root that is not rendered because its tool is missing.
pub fn missing_tool(root: &Root, why: &str) -> Finding {
    let (what, install) = match root.kind {
        RootKind::Kustomize => (
            "this Kustomize root was not rendered",
            "install kustomize or kubectl (which has Kustomize built in)",
        ),
        RootKind::Helm(_) => (
            HELM_NOT_RENDERED,
            "install helm (https://helm.sh/docs/intro/install/)",
        ),
    };
    Finding::new(
        "DVM002",
        Location::new(&root.file, Span::line_start(1)),
        format!("{what} ({why}): its objects were linted as written, not as applied"),
    )
    .help(format!(
        "{install}, name the binary in `render:` of .dvmlint.yaml, or turn rendering off with `render: {{{}: off}}` or `--render off`",
        root.tool_name()
    ))
}

/// A render that failed only because of how dvmlint renders, not because of
/// a fault of the repository: offline (a chart dependency not vendored in
/// `charts/`, a remote resource, base or file source: the offline
/// environment sends it to a closed port or refuses its transport), a tool
/// dvmlint does not run (Helm inside Kustomize, Kustomize plugins), a
/// library chart (which installs nothing), or a chart's `required` values
/// that its own values.yaml leaves to the user. Each tool's classifier
/// (`kustomize::limit`, `helm::limit`) reads it on the tool's whole error
/// output, and its one verdict decides both the finding and its help.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limit {
    /// Why the root was not rendered (in the DVM002 message).
    pub why: String,
    pub help: &'static str,
}

/// A root whose build would read a file outside the project (a `../` base
/// beyond the root, a link out of it): never run, as dvmlint reads nothing
/// outside the project (docs/security.md). `what` names the file of the
/// project that leads out.
pub(crate) fn outside_limit(what: &str) -> Limit {
    Limit {
        why: format!("{what}, and dvmlint reads nothing outside the project"),
        help: "lint from the folder that holds everything the build reads, or exclude this root",
    }
}

/// The first entry below `dir` (a chart's folder), as a path relative to
/// the project, that is a link leading out of the project: a tool reading
/// the folder (Helm follows links) would read outside it. Links to folders
/// inside the project are walked too; the walk is bounded.
pub(crate) fn link_out_below(
    dir: &Path,
    boundary: &crate::boundary::ProjectBoundary,
) -> Option<String> {
    let mut stack = vec![dir.to_path_buf()];
    let mut seen = BTreeSet::new();
    let mut entries_met = 0usize;
    while let Some(dir) = stack.pop() {
        if !seen.insert(dir.clone()) || seen.len() > 10_000 {
            continue;
        }
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            entries_met += 1;
            if entries_met > 100_000 {
                return None;
            }
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let path = entry.path();
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_symlink() {
                match boundary.resolve(&path) {
                    Ok(target) if target.is_dir() => stack.push(target),
                    Ok(_) => {}
                    Err(crate::boundary::Refusal::Outside | crate::boundary::Refusal::System) => {
                        let rel = path
                            .strip_prefix(boundary.root())
                            .or_else(|_| path.strip_prefix(boundary.canonical_root()))
                            .ok()?;
                        return Some(crate::discovery::relative(Path::new(""), rel));
                    }
                    Err(_) => {}
                }
            }
        }
    }
    None
}

/// The help of a remote resource or dependency that cannot be fetched.
pub const OFFLINE_HELP: &str = "dvmlint builds offline: remote bases and resources cannot be fetched; vendor them into the repository, or exclude this kustomization";

/// Whether a tool's error output shows a fetch over the network that the
/// offline environment (`tool::offline`) refused: the closed proxy port as
/// Go, curl (under git) and git report it, a transport git may not use, ssh
/// failing to reach or name its host, no git at all. Only words of those
/// programs count, never a path or a host name that merely looks remote (a
/// missing local folder named `github.com` or `gitops` stays a fault).
pub(crate) fn fetch_refused(stderr: &str) -> bool {
    const MARKERS: [&str; 10] = [
        "dial tcp 127.0.0.1:9:",
        "proxyconnect tcp:",
        "Failed to connect to 127.0.0.1 port 9 ",
        "Failed to connect to 127.0.0.1 port 9:",
        "fatal: unable to access '",
        "ssh: connect to host ",
        "ssh: Could not resolve hostname ",
        "Could not resolve host: ",
        "no 'git' program on path",
        "Get \"http",
    ];
    MARKERS.iter().any(|m| stderr.contains(m))
        || stderr.contains("Get \\\"http")
        || stderr.split("fatal: transport '").skip(1).any(|rest| {
            rest.split_once('\'')
                .is_some_and(|(_, after)| after.starts_with(" not allowed"))
        })
}

/// The finding of a failed render, at its kustomization or Chart.yaml: a
/// DVM004 (error), or, when the render failed only because of how dvmlint
/// renders (`limit`, see [`Limit`]), the DVM002 info of a root that was not
/// rendered, naming why, so the user knows its objects were linted as
/// written.
pub fn failure(root: &Root, message: &str, help: &str, limit: Option<&str>) -> Finding {
    if let Some(why) = limit {
        let mut finding = missing_tool(root, why);
        finding.help = Some(format!(
            "{help}; or render it yourself and lint the output (`dvmlint check -` reads it from standard input)"
        ));
        return finding;
    }
    let what = match &root.kind {
        RootKind::Kustomize => format!("`{}` failed", "kustomize build"),
        RootKind::Helm(release) => format!("{HELM_FAILED} `{}` failed", release.name),
    };
    Finding::new(
        "DVM004",
        Location::new(&root.file, Span::line_start(1)),
        format!("{what}: {message}"),
    )
    .help(help.to_owned())
}

/// The first lines of a tool's error output, with URL passwords and the
/// given secret values (`--set` values) masked.
pub fn first_lines(stderr: &str, secrets: &[&str]) -> String {
    let mut lines: Vec<String> = stderr
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty())
        .take(6)
        .map(|l| {
            // Kustomize nests its causes in one long line: the last one is
            // what to fix, the first says where; the middle goes.
            let count = l.chars().count();
            let mut line: String = if count > 500 {
                let head: String = l.chars().take(160).collect();
                let tail: String = l.chars().skip(count - 320).collect();
                format!("{head} … {tail}")
            } else {
                l.to_owned()
            };
            line = mask_url_passwords(&line);
            for secret in secrets.iter().filter(|s| s.len() >= 4) {
                line = line.replace(secret, crate::report::redact::MASK);
            }
            line
        })
        .collect();
    if stderr.lines().filter(|l| !l.trim().is_empty()).count() > lines.len() {
        lines.push("…".to_owned());
    }
    lines.join("\n")
}

/// `scheme://user:password@host` → `scheme://user:****@host`.
pub fn mask_url_passwords(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (head, tail) = rest.split_at(at + 3);
        out.push_str(head);
        let end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, '/' | '"' | '\'' | '>'))
            .unwrap_or(tail.len());
        let (authority, after) = tail.split_at(end);
        match authority.rfind('@') {
            Some(at) => {
                let (userinfo, host) = authority.split_at(at);
                match userinfo.split_once(':') {
                    Some((user, _)) => {
                        out.push_str(user);
                        out.push(':');
                        out.push_str(crate::report::redact::MASK);
                    }
                    None => out.push_str(userinfo),
                }
                out.push_str(host);
            }
            None => out.push_str(authority),
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

pub(crate) fn file_name(rel: &str) -> &str {
    rel.rsplit_once('/').map_or(rel, |(_, name)| name)
}

pub(crate) fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}

/// `path` relative to the project root `canonical_root` (both canonical), if
/// inside it.
pub(crate) fn project_relative(canonical_root: &Path, path: &Path) -> Option<String> {
    let canonical = std::fs::canonicalize(path).ok()?;
    let rel = canonical.strip_prefix(canonical_root).ok()?;
    let text = rel.to_str()?.replace(std::path::MAIN_SEPARATOR, "/");
    (!text.is_empty()).then_some(text)
}

/// Every file below `dir` (not following symlinked folders, nor into
/// [`is_no_chart_input`] folders), bounded.
pub(crate) fn files_below(dir: &Path, out: &mut BTreeSet<PathBuf>) {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() && is_no_chart_input(&entry.file_name()) {
                continue;
            }
            if kind.is_dir() {
                stack.push(entry.path());
            } else if out.len() < 100_000 {
                out.insert(entry.path());
            }
        }
    }
}

/// Folders below a chart that are no input of its render: Git's own
/// (`.git/`, what a chart at the project root holds) and dvmlint's cache,
/// which each run writes to. The render cache's key would change at every
/// run and every commit, and hash the whole history, if they counted.
pub(crate) fn is_no_chart_input(folder_name: &std::ffi::OsStr) -> bool {
    folder_name == ".git" || folder_name == crate::lint::cache::DIR
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A chart at the project root holds Git's folder and dvmlint's cache:
    /// neither is an input of its render (the cache's key would change at
    /// every run, as the run writes the cache).
    #[test]
    fn a_chart_at_the_root_reads_neither_git_nor_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        for file in [
            "Chart.yaml",
            "templates/np.yaml",
            ".git/HEAD",
            ".dvmlint-cache/render-1.sealed",
            "docs/.github/x.yaml",
        ] {
            let path = dir.path().join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "x").unwrap();
        }
        let mut found = BTreeSet::new();
        files_below(&dir.path().join(""), &mut found);
        let rel: Vec<String> = found
            .iter()
            .map(|p| {
                p.strip_prefix(dir.path())
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/")
            })
            .collect();
        assert_eq!(
            rel,
            vec!["Chart.yaml", "docs/.github/x.yaml", "templates/np.yaml"]
        );
    }

    /// Failures of how dvmlint renders (offline, values left to the user)
    /// are told apart from faults of the repository, by the tools' own words
    /// as seen on public repositories (Kustomize's, captured from the pinned
    /// kubectl: `kustomize::tests`).
    #[test]
    fn offline_and_values_failures_are_no_fault_of_the_repository() {
        for stderr in [
            "Error: library charts are not installable",
            "Error: found in Chart.yaml, but missing in charts/ directory: postgresql",
            "Error: execution error at (operator/templates/subscription.yaml:9:32): channel is required",
            "Error: failed to do request: Head \"https://registry.example.com/v2/charts/db/manifests/1.0.0\": proxyconnect tcp: dial tcp 127.0.0.1:9: connect: connection refused",
        ] {
            assert!(helm::limit(stderr, false).is_some(), "{stderr}");
        }
        // With the release's values named in the configuration, a value a
        // `required` or the schema still misses is the repository's to give.
        for stderr in [
            "Error: execution error at (operator/templates/subscription.yaml:9:32): channel is required",
            "Error: values don't meet the specifications of the schema(s) in the following chart(s):\nweb:\n- at '': missing property 'name'",
        ] {
            assert!(helm::limit(stderr, false).is_some(), "{stderr}");
            assert_eq!(helm::limit(stderr, true), None, "{stderr}");
        }
        assert!(
            kustomize::limit("accumulating resources from 'https://x/install.yaml': Get \"https://x/install.yaml\": proxyconnect tcp: dial tcp 127.0.0.1:9: connect: connection refused").is_some()
        );
        for stderr in [
            "Error: templates/ingress.yaml:1:14: executing \"x\" at <.Values.ingress.enabled>: nil pointer evaluating interface {}.enabled",
            "Error: validation: chart.metadata.name is required",
        ] {
            assert_eq!(helm::limit(stderr, false), None, "{stderr}");
        }
        for stderr in [
            "invalid Kustomization: json: cannot unmarshal string into Go struct field Kustomization.patches of type types.Patch",
            "may not add resource with an already registered id: ConfigMap.v1.[noGrp]/settings.[noNs]",
        ] {
            assert_eq!(kustomize::limit(stderr), None, "{stderr}");
        }
    }

    /// Only the words of the programs that tried to fetch count, never a
    /// path or host that looks remote.
    #[test]
    fn a_refused_fetch_is_told_by_the_fetching_programs_words() {
        for stderr in [
            "fatal: unable to access 'https://github.com/o/r/': Failed to connect to 127.0.0.1 port 9 after 0 ms: Couldn't connect to server",
            "ssh: connect to host localhost port 2222: Connection refused",
            "ssh: Could not resolve hostname git.example.invalid: Name or service not known",
            "failed to run '/usr/bin/git fetch --depth=1 ssh://git@h/o/r.git HEAD': fatal: transport 'ssh' not allowed",
            "no 'git' program on path: exec: \"git\": executable file not found in $PATH",
        ] {
            assert!(fetch_refused(stderr), "{stderr}");
        }
        for stderr in [
            "evalsymlink failure on 'gitops/github.com/base' : lstat gitops/github.com: no such file or directory",
            "accumulating resources from 'git-clone.yaml?ref=main': no such file",
            "lstat overlays/transport 'x' not allowed.yaml: no such file",
            "dial tcp 127.0.0.1:9000: connect: connection refused",
            "Failed to connect to 127.0.0.1 port 9000 after 0 ms",
        ] {
            assert!(!fetch_refused(stderr), "{stderr}");
        }
    }

    #[test]
    fn url_passwords_are_masked() {
        assert_eq!(
            mask_url_passwords("fetch https://bob:s3cret@charts.example.com/x failed"),
            "fetch https://bob:****@charts.example.com/x failed"
        );
        assert_eq!(mask_url_passwords("no url here"), "no url here");
        assert_eq!(
            mask_url_passwords("oci://registry.example.com/a and http://u@h"),
            "oci://registry.example.com/a and http://u@h"
        );
    }

    #[test]
    fn first_lines_are_bounded_and_masked() {
        let stderr = "Error: token hunter2222 rejected\n\n".to_owned() + &"line\n".repeat(20);
        let text = first_lines(&stderr, &["hunter2222"]);
        assert!(text.starts_with("Error: token **** rejected"), "{text}");
        assert_eq!(text.lines().count(), 7);
        assert!(text.ends_with('…'));
        let long = format!("where: {} cause: the last words", "x".repeat(2000));
        let text = first_lines(&long, &[]);
        assert!(
            text.starts_with("where: xxx") && text.ends_with("cause: the last words"),
            "{text}"
        );
        assert!(text.chars().count() <= 500, "{text}");
    }
}
