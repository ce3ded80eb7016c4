//! A chart's local dependencies (`repository: file://../common`), built
//! into a copy of the chart as `helm dependency build` would build them into
//! its `charts/` folder, so that `helm template` renders the chart as it is
//! installed. The repository is never written to: the copy is made in a
//! temporary folder, every file read through the project boundary, the
//! whole bounded (docs/rendering.md, "Dependencies"). A dependency from a
//! chart repository is built in the same way from a chart the repository
//! keeps beside the chart, at a version its constraint accepts ([`sibling`]).

use std::path::{Path, PathBuf};

use crate::boundary::ProjectBoundary;
use crate::yaml::{self, Limits, Node};

/// How deep local dependencies of local dependencies are followed.
const MAX_DEPTH: usize = 4;
/// At most this many files and bytes are copied for one chart.
const MAX_FILES: usize = 20_000;
const MAX_BYTES: u64 = 64 << 20;

/// A chart copied with its local dependencies in its `charts/` folder.
pub struct Assembled {
    /// Holds the copy; removed when dropped.
    _dir: tempfile::TempDir,
    /// The copy of the chart, to give `helm template`.
    pub chart: PathBuf,
    /// Where the output's `# Source:` paths of each dependency really are:
    /// (`<chart folder>/charts/<name>`, the dependency's folder), both
    /// relative to the project, deepest first.
    pub redirects: Vec<(String, String)>,
}

/// One dependency of a chart as its `Chart.yaml` (or a v1 chart's
/// `requirements.yaml`) declares it.
struct Dependency {
    name: String,
    alias: Option<String>,
    repository: String,
    /// Its version constraint (`2.x.x`, `^1.4`, `>=1 <3`).
    version: Option<String>,
    /// It has a `condition`, `tags` or `import-values`: the values may
    /// disable it, or take values from it, so only Helm can tell what
    /// rendering without it does.
    switchable: bool,
}

/// The chart at `dir` (relative to the project) with the `file://`
/// dependencies its `charts/` folder lacks built in; `None` when it lacks
/// none, or lacks one that is not local (Helm then says what is missing), or
/// a local one cannot be built within the project and the bounds.
pub fn assemble(project: &Path, dir: &str) -> Option<Assembled> {
    let boundary = ProjectBoundary::new(project);
    let temp = tempfile::Builder::new()
        .prefix("dvmlint-chart-")
        .tempdir()
        .ok()?;
    let (chart, redirects, _) = walk(&boundary, dir, Some(temp.path()))?;
    Some(Assembled {
        _dir: temp,
        chart,
        redirects,
    })
}

/// Where the output's `# Source:` paths of the dependencies [`assemble`]
/// builds in really are (its `redirects`), found without copying: for a
/// finding on a document that did not parse, which has no origin.
pub fn redirects(project: &Path, dir: &str) -> Vec<(String, String)> {
    walk(&ProjectBoundary::new(project), dir, None).map_or_else(Vec::new, |(_, r, _)| r)
}

/// The files [`assemble`] would copy (for the render cache's key, before a
/// cached outcome spares the copy); `None` as [`assemble`].
pub fn inputs(project: &Path, dir: &str) -> Option<Vec<PathBuf>> {
    walk(&ProjectBoundary::new(project), dir, None).map(|(_, _, inputs)| inputs)
}

/// (`<chart folder>/charts/<name>`, the dependency's folder), deepest first.
type Redirects = Vec<(String, String)>;

/// The chart at `dir` and its missing local dependencies, copied into
/// `into` when given, else only listed: the copy of the chart, the
/// redirects and every file read.
fn walk(
    boundary: &ProjectBoundary,
    dir: &str,
    into: Option<&Path>,
) -> Option<(PathBuf, Redirects, Vec<PathBuf>)> {
    let source = boundary.resolve(&boundary.root().join(dir)).ok()?;
    let mut probes = Vec::new();
    let missing = missing_local(boundary, &source, &mut probes)?;
    let nested = nested_missing(boundary, &source);
    if missing.is_empty() && nested.is_empty() {
        return None;
    }
    let chart = into.unwrap_or(Path::new("")).join(source.file_name()?);
    let mut copy = Copy {
        boundary,
        write: into.is_some(),
        files: 0,
        bytes: 0,
        inputs: probes,
        open: Vec::new(),
    };
    copy.tree(&source, &chart)?;
    let mut redirects = Vec::new();
    copy.dependencies(dir, &chart, missing, &mut redirects, 0)?;
    for (subchart, dependency) in nested {
        let version = dependency
            .version
            .as_deref()
            .and_then(lowest_accepted)
            .unwrap_or_else(|| "0.0.0".to_owned());
        let into = chart
            .join("charts")
            .join(&subchart)
            .join("charts")
            .join(&dependency.name);
        copy.stub(&into, &dependency.name, &version)?;
    }
    redirects.sort_by_key(|(from, _)| std::cmp::Reverse(from.len()));
    Some((chart, redirects, copy.inputs))
}

/// The one dependency of the chart at `dir` (relative to the project) that
/// [`assemble`] would give a stand-in, when the render cannot but stop at
/// the stand-in's `fail`, so that running Helm would only say so: a remote
/// dependency nothing of the project stands for, with no `condition`, `tags`
/// or `import-values` (Helm keeps it whatever the values say), the chart's
/// only missing one (no local one to build, none missing below a vendored
/// subchart, whose stand-in would fail first), and the chart of the kind Helm
/// renders (not a library chart, which Helm refuses before), with no
/// `values.schema.json` and a values.yaml that parses (Helm checks both
/// before it renders). And every template the chart renders calls, through
/// `include` or `template`, a named template of the dependency
/// (`common.all` of `common`) the chart does not define: a library chart
/// (k8s-at-home's `common`), without which nothing of the chart renders. Its
/// templates are read through the project boundary, and a template whose
/// actions do not pair up (`{{`/`}}`, blocks and their `end`), which Helm
/// might refuse to parse before it runs the stand-in, is left to Helm.
pub fn doomed_stand_in(project: &Path, dir: &str) -> Option<String> {
    let boundary = ProjectBoundary::new(project);
    let chart = boundary.resolve(&project.join(dir)).ok()?;
    let read = |path: &Path| {
        let bytes = boundary.open_bounded(path, 1 << 20).ok()?;
        String::from_utf8(bytes).ok()
    };
    let chart_file = ["Chart.yaml", "Chart.yml"]
        .iter()
        .find_map(|name| read(&chart.join(name)))?;
    let parsed = yaml::parse_chunk(&chart_file, 1, Limits::default());
    let document = parsed.documents.first()?;
    if parsed.error.is_some() || document.get("type").and_then(Node::as_str) == Some("library") {
        return None;
    }
    if std::fs::symlink_metadata(chart.join("values.schema.json")).is_ok() {
        return None;
    }
    if let Some(values) = read(&chart.join("values.yaml")) {
        if yaml::parse_chunk(&values, 1, Limits::default())
            .error
            .is_some()
        {
            return None;
        }
    } else if std::fs::symlink_metadata(chart.join("values.yaml")).is_ok() {
        return None;
    }
    let mut probes = Vec::new();
    let missing = missing_local(&boundary, &chart, &mut probes)?;
    let [(dependency, Source::Stub)] = missing.as_slice() else {
        return None;
    };
    if dependency.switchable || !nested_missing(&boundary, &chart).is_empty() {
        return None;
    }
    let prefixes: Vec<String> = std::iter::once(&dependency.name)
        .chain(dependency.alias.as_ref())
        .map(|name| format!("{name}."))
        .collect();
    const MAX_TEMPLATES: usize = 1_000;
    let files = super::helm::template_files(project, dir, MAX_TEMPLATES + 1);
    if files.len() > MAX_TEMPLATES {
        return None;
    }
    let mut texts = Vec::new();
    for file in &files {
        let text = read(&project.join(file))?;
        if !actions_pair_up(&text) {
            return None;
        }
        texts.push((file, text));
    }
    let defined: Vec<&str> = texts
        .iter()
        .flat_map(|(_, text)| named_in(text, &["define", "block"]))
        .collect();
    let calls_the_dependency = |text: &str| {
        named_in(text, &["include", "template"]).any(|name| {
            prefixes.iter().any(|p| name.starts_with(p.as_str())) && !defined.contains(&name)
        })
    };
    let mut rendered = texts
        .iter()
        .filter(|(file, _)| {
            let name = file.rsplit('/').next().unwrap_or(file);
            !name.starts_with('_') && name != "NOTES.txt"
        })
        .peekable();
    (rendered.peek().is_some() && rendered.all(|(_, text)| calls_the_dependency(text)))
        .then(|| dependency.name.clone())
}

/// The template names `text` writes quoted after one of `words` in an
/// action (`include "common.all"`, `define "app.labels"`).
fn named_in<'t>(text: &'t str, words: &'t [&str]) -> impl Iterator<Item = &'t str> + 't {
    text.split("{{").skip(1).flat_map(move |action| {
        let action = action.split("}}").next().unwrap_or_default();
        action
            .split(['(', ')', '|'])
            .filter_map(move |command| {
                let mut parts = command.trim().trim_start_matches('-').split_whitespace();
                let word = parts.next()?;
                let name = parts.next()?;
                words
                    .contains(&word)
                    .then(|| name.strip_prefix('"')?.strip_suffix('"'))
                    .flatten()
            })
            .collect::<Vec<_>>()
    })
}

/// Whether a template's actions pair up: as many `{{` as `}}`, each closed
/// before the next opens, and every block (`if`, `range`, `with`, `define`,
/// `block`) closed by its `end`. Not Go's parser, only a guard: what fails it
/// is left to Helm.
fn actions_pair_up(text: &str) -> bool {
    let mut depth = 0usize;
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let Some(after) = rest.get(open + 2..) else {
            return false;
        };
        let Some(close) = after.find("}}") else {
            return false;
        };
        let action = after.get(..close).unwrap_or_default();
        if action.contains("{{") {
            return false;
        }
        let word = action
            .trim_start_matches('-')
            .split_whitespace()
            .next()
            .unwrap_or_default();
        match word {
            "if" | "range" | "with" | "define" | "block" => depth += 1,
            "end" => {
                let Some(less) = depth.checked_sub(1) else {
                    return false;
                };
                depth = less;
            }
            _ => {}
        }
        rest = after.get(close + 2..).unwrap_or_default();
    }
    depth == 0 && !rest.contains("}}")
}

/// Whether the chart at `dir` (relative to the project) declares
/// dependencies and every one is a local chart (`repository: file://…`).
pub fn all_local(project: &Path, dir: &str) -> bool {
    let boundary = ProjectBoundary::new(project);
    let Ok(chart) = boundary.resolve(&project.join(dir)) else {
        return false;
    };
    let declared = declared(&boundary, &chart);
    !declared.is_empty() && declared.iter().all(|d| d.repository.starts_with("file://"))
}

/// The charts among `charts` (folders relative to the project) that another
/// of them declares as a local dependency (`repository: file://../lib`),
/// each with the first chart, in the order given, that declares it: a
/// subchart installed through its parent, with the values the parent gives
/// (`global` among them), not on its own.
pub fn local_dependents(project: &Path, charts: &[&str]) -> Vec<(String, String)> {
    let boundary = ProjectBoundary::new(project);
    let relative = |path: &Path| -> Option<String> {
        let inside = path.strip_prefix(boundary.canonical_root()).ok()?;
        Some(inside.to_str()?.replace('\\', "/"))
    };
    let mut found: Vec<(String, String)> = Vec::new();
    for &parent in charts {
        let Ok(chart) = boundary.resolve(&project.join(parent)) else {
            continue;
        };
        for dependency in declared(&boundary, &chart) {
            let Some(local) = dependency.repository.strip_prefix("file://") else {
                continue;
            };
            let Some(dir) = boundary
                .resolve(&chart.join(local))
                .ok()
                .as_deref()
                .and_then(relative)
            else {
                continue;
            };
            if dir != parent
                && charts.contains(&dir.as_str())
                && !found.iter().any(|(d, _)| *d == dir)
            {
                found.push((dir, parent.to_owned()));
            }
        }
    }
    found
}

/// Where a dependency missing from a chart's `charts/` is built from.
enum Source {
    /// A chart of the project: a local one, or one kept beside the chart.
    Folder(PathBuf),
    /// None: a remote dependency the project does not keep. An empty chart
    /// of its name stands in, whose one template fails with
    /// [`NOT_VENDORED`]: Helm renders nothing of a dependency its values
    /// disable (a `condition`, `tags`), and fails on one they enable, so
    /// Helm itself decides, and nothing is left out silently.
    Stub,
}

/// The words a stand-in's template fails with (docs/rendering.md,
/// "Dependencies"), read back by `helm::limit`.
pub const NOT_VENDORED: &str = "dvmlint: dependency not vendored";

/// The dependencies of the chart at `chart` (canonical) that its `charts/`
/// folder lacks, each with where it is built from; `None` when a local one
/// is not a chart of the project. Every `Chart.yaml` looked for is added to
/// `probes`, found or not (the render cache's key follows a chart that
/// appears there later).
fn missing_local(
    boundary: &ProjectBoundary,
    chart: &Path,
    probes: &mut Vec<PathBuf>,
) -> Option<Vec<(Dependency, Source)>> {
    let mut out = Vec::new();
    for dependency in declared(boundary, chart) {
        if present(chart, &dependency.name) {
            continue;
        }
        let source = match dependency.repository.strip_prefix("file://") {
            Some(local) => {
                probes.extend(probe(boundary, &chart.join(local).join("Chart.yaml")));
                Source::Folder(boundary.resolve(&chart.join(local)).ok()?)
            }
            None => {
                if let Some(parent) = chart.parent() {
                    probes.extend(probe(
                        boundary,
                        &parent.join(&dependency.name).join("Chart.yaml"),
                    ));
                }
                sibling(boundary, chart, &dependency).map_or(Source::Stub, Source::Folder)
            }
        };
        if let Source::Folder(folder) = &source
            && (!folder.join("Chart.yaml").is_file()
                || super::link_out_below(folder, boundary).is_some())
        {
            return None;
        }
        out.push((dependency, source));
    }
    Some(out)
}

/// A `Chart.yaml` looked for, as the render cache's key may hash it: its
/// real path when it resolves inside the project; the path itself when
/// nothing is there (hashed as absent, so the key changes when it appears);
/// nothing when it lies, or leads, outside the project, which is never read,
/// not even for a hash.
fn probe(boundary: &ProjectBoundary, path: &Path) -> Option<PathBuf> {
    let mut lexical = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::ParentDir => {
                lexical.pop();
            }
            std::path::Component::CurDir => {}
            other => lexical.push(other),
        }
    }
    if !lexical.starts_with(boundary.root()) {
        return None;
    }
    match boundary.resolve(&lexical) {
        Ok(real) => Some(real),
        Err(_) if std::fs::symlink_metadata(&lexical).is_err() => Some(lexical),
        Err(_) => None,
    }
}

/// The chart beside `chart` (canonical) that stands for a dependency from a
/// chart repository or an OCI registry: the folder named after it, holding a
/// chart of that name whose version the dependency accepts. A repository of
/// charts that depend on each other (`bitnami/redis` on
/// `oci://…/bitnamicharts` `common` 2.x.x, kept as `bitnami/common`) is
/// rendered with its own copy rather than not at all; dvmlint never fetches
/// one (docs/rendering.md, "Dependencies").
fn sibling(boundary: &ProjectBoundary, chart: &Path, dependency: &Dependency) -> Option<PathBuf> {
    let (folder, version) = beside(boundary, chart, &dependency.name)?;
    accepts(dependency.version.as_deref()?, &version).then_some(folder)
}

/// The folder beside `chart` named `name` when it holds a chart of that
/// name, with the chart's version.
fn beside(boundary: &ProjectBoundary, chart: &Path, name: &str) -> Option<(PathBuf, String)> {
    let folder = boundary.resolve(&chart.parent()?.join(name)).ok()?;
    if folder == chart {
        return None;
    }
    let bytes = boundary
        .open_bounded(&folder.join("Chart.yaml"), 1 << 20)
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let parsed = yaml::parse_chunk(&text, 1, Limits::default());
    let document = parsed.documents.first()?;
    let field = |key: &str| document.get(key).and_then(Node::as_str);
    (field("name")? == name).then(|| Some((folder, field("version")?.to_owned())))?
}

/// The remote dependencies of the chart at `dir` (relative to the project)
/// that a chart of the repository beside it would stand for but for its
/// version, each said once for a finding (a chart depending on one chart
/// twice, under two aliases, is told it once).
pub fn refused_siblings(project: &Path, dir: &str) -> Vec<String> {
    let boundary = ProjectBoundary::new(project);
    let Ok(chart) = boundary.resolve(&project.join(dir)) else {
        return Vec::new();
    };
    let mut said = std::collections::HashSet::new();
    declared(&boundary, &chart)
        .into_iter()
        .filter(|d| !d.repository.starts_with("file://") && !present(&chart, &d.name))
        .filter_map(|d| {
            let wanted = d.version.as_deref()?;
            let (_, version) = beside(&boundary, &chart, &d.name)?;
            (!accepts(wanted, &version)).then(|| {
                format!(
                    "the chart `{}` kept beside it is {version}, which `{wanted}` does not accept",
                    d.name
                )
            })
        })
        .filter(|said_once| said.insert(said_once.clone()))
        .collect()
}

/// The remote dependencies that the charts vendored unpacked in the chart's
/// `charts/` declare and do not hold themselves, with the folder of the
/// subchart that declares each. Helm checks only the chart it renders for
/// missing dependencies: a subchart's would be silently left out (its
/// objects missing, its helpers undefined), so they get stand-ins too
/// ([`Copy::stub`]), in the copy's `charts/<subchart>/charts/`. One level:
/// a vendored subchart's own vendored ones are rare.
fn nested_missing(boundary: &ProjectBoundary, chart: &Path) -> Vec<(String, Dependency)> {
    let Ok(entries) = std::fs::read_dir(chart.join("charts")) else {
        return Vec::new();
    };
    let mut subcharts: Vec<String> = entries
        .flatten()
        .filter(|entry| entry.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|entry| entry.file_name().to_str().map(str::to_owned))
        .collect();
    subcharts.sort();
    let mut found = Vec::new();
    for subchart in subcharts {
        let folder = chart.join("charts").join(&subchart);
        if boundary.resolve(&folder).is_err() {
            continue;
        }
        found.extend(
            declared(boundary, &folder)
                .into_iter()
                .filter(|d| !d.repository.starts_with("file://") && !present(&folder, &d.name))
                .map(|d| (subchart.clone(), d)),
        );
    }
    found
}

/// Whether Helm's version constraint `constraint` (Masterminds semver:
/// alternatives joined by `||`, comparators by spaces or commas, `x`/`*`
/// wildcards, a bare version meaning exactly it) accepts `version`. A
/// constraint it cannot read (a hyphen range, `!=`) accepts nothing: the
/// chart then stays one not rendered, as before.
fn accepts(constraint: &str, version: &str) -> bool {
    let Ok(version) = semver::Version::parse(version.trim().trim_start_matches('v')) else {
        return false;
    };
    constraint
        .split("||")
        .any(|group| requirement(group).is_some_and(|req| req.matches(&version)))
}

/// The newest Kubernetes minor release (`1.x.0`) that Helm's constraint
/// accepts (a chart's `kubeVersion`: `>= 1.16.0 < 1.22.0` gives `1.21.0`).
pub(crate) fn newest_kubernetes_accepted(constraint: &str) -> Option<String> {
    (0..=99u32)
        .rev()
        .map(|minor| format!("1.{minor}.0"))
        .find(|version| accepts(constraint, version))
}

/// The lowest of a few versions that Helm's constraint accepts (`0.0.0`,
/// then each version it names and the next patch, minor and major of each:
/// `1.1.60` for `1.1.60`, `1.2.4` for `>1.2.3`, `2.0.0` for `2.x.x`), if any.
fn lowest_accepted(constraint: &str) -> Option<String> {
    let mut candidates = vec![semver::Version::new(0, 0, 0)];
    for token in constraint
        .split(|c: char| !(c.is_ascii_digit() || c == '.' || c == 'x' || c == 'X' || c == '*'))
    {
        let mut parts = token
            .split('.')
            .map(|p| p.parse::<u64>().unwrap_or(0))
            .chain(std::iter::repeat(0));
        if token.is_empty() || !token.starts_with(|c: char| c.is_ascii_digit()) {
            continue;
        }
        let (major, minor, patch) = (
            parts.next().unwrap_or(0),
            parts.next().unwrap_or(0),
            parts.next().unwrap_or(0),
        );
        candidates.extend([
            semver::Version::new(major, minor, patch),
            semver::Version::new(major, minor, patch.saturating_add(1)),
            semver::Version::new(major, minor.saturating_add(1), 0),
            semver::Version::new(major.saturating_add(1), 0, 0),
        ]);
    }
    candidates.sort();
    candidates
        .into_iter()
        .map(|v| v.to_string())
        .find(|v| accepts(constraint, v))
}

/// One `||` alternative of a Helm constraint as a [`semver::VersionReq`].
fn requirement(group: &str) -> Option<semver::VersionReq> {
    if group.contains(" - ") {
        return None;
    }
    let mut comparators: Vec<String> = Vec::new();
    let mut pending_op = String::new();
    for token in group
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
    {
        let split = token
            .find(|c: char| !matches!(c, '<' | '>' | '=' | '~' | '^' | '!'))
            .unwrap_or(token.len());
        let (op, rest) = token.split_at(split);
        let op = format!("{pending_op}{op}");
        if rest.is_empty() {
            pending_op = op;
            continue;
        }
        pending_op.clear();
        let rest = rest.trim_start_matches('v');
        let op = match op.as_str() {
            "!=" | "!" => return None,
            "=>" => ">=",
            "=<" => "<=",
            // Masterminds: a bare version is that version, a wildcard its range
            // (semver's bare version would be a caret range).
            "" if !rest.contains(['x', 'X', '*']) => "=",
            other => other,
        };
        comparators.push(format!("{op}{}", rest.replace('X', "x")));
    }
    if comparators.is_empty() || !pending_op.is_empty() {
        return None;
    }
    semver::VersionReq::parse(&comparators.join(", ")).ok()
}

/// Whether `charts/` holds the dependency, unpacked or packed.
fn present(chart: &Path, name: &str) -> bool {
    let charts = chart.join("charts");
    charts.join(name).is_dir()
        || std::fs::read_dir(&charts).is_ok_and(|entries| {
            entries.flatten().any(|entry| {
                entry.file_name().to_str().is_some_and(|file| {
                    file.strip_prefix(name)
                        .and_then(|rest| rest.strip_prefix('-'))
                        .is_some_and(|rest| rest.ends_with(".tgz"))
                })
            })
        })
}

/// The dependencies `Chart.yaml` declares, else `requirements.yaml`.
fn declared(boundary: &ProjectBoundary, chart: &Path) -> Vec<Dependency> {
    let read = |file: &str| -> Option<Vec<Dependency>> {
        let bytes = boundary.open_bounded(&chart.join(file), 1 << 20).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let parsed = yaml::parse_chunk(&text, 1, Limits::default());
        let document = parsed.documents.first()?;
        let listed = document.get("dependencies")?;
        Some(
            listed
                .items()
                .iter()
                .filter_map(|item| {
                    let text = |key: &str| item.get(key).and_then(Node::as_str).map(str::to_owned);
                    Some(Dependency {
                        name: text("name")?,
                        alias: text("alias"),
                        repository: text("repository").unwrap_or_default(),
                        version: text("version"),
                        switchable: ["condition", "tags", "import-values"]
                            .iter()
                            .any(|key| item.get(key).is_some()),
                    })
                })
                .collect(),
        )
    };
    read("Chart.yaml")
        .filter(|found| !found.is_empty())
        .or_else(|| read("requirements.yaml"))
        .unwrap_or_default()
}

/// The copying (or, `write` false, the listing), within its bounds.
struct Copy<'b> {
    boundary: &'b ProjectBoundary,
    write: bool,
    files: usize,
    bytes: u64,
    inputs: Vec<PathBuf>,
    /// The folders being copied, from the chart down: a link back to one of
    /// them (a cycle, which Helm would follow too) stops the copy.
    open: Vec<PathBuf>,
}

/// How deep folders are copied (links to folders included).
const MAX_FOLDER_DEPTH: usize = 32;

impl Copy<'_> {
    /// Copies the folder `from` (canonical, inside the project) to `to`:
    /// its regular files, and those links inside the project lead to.
    fn tree(&mut self, from: &Path, to: &Path) -> Option<()> {
        if self.open.len() >= MAX_FOLDER_DEPTH || self.open.iter().any(|o| o == from) {
            return None;
        }
        self.open.push(from.to_path_buf());
        let copied = self.folder(from, to);
        self.open.pop();
        copied
    }

    fn folder(&mut self, from: &Path, to: &Path) -> Option<()> {
        if self.write {
            std::fs::create_dir_all(to).ok()?;
        }
        for entry in std::fs::read_dir(from).ok()?.flatten() {
            // Git's folder and dvmlint's cache are no part of the chart (a
            // chart at the project root holds them).
            if entry.file_type().is_ok_and(|t| t.is_dir())
                && super::is_no_chart_input(&entry.file_name())
            {
                continue;
            }
            let path = self.boundary.resolve(&entry.path()).ok()?;
            let target = to.join(entry.file_name());
            if path.is_dir() {
                self.tree(&path, &target)?;
                continue;
            }
            let bytes = if self.write {
                Some(self.boundary.open_bounded(&path, MAX_BYTES).ok()?)
            } else {
                None
            };
            let size = match &bytes {
                Some(bytes) => bytes.len() as u64,
                None => std::fs::metadata(&path).ok()?.len(),
            };
            self.files += 1;
            self.bytes += size;
            if self.files > MAX_FILES || self.bytes > MAX_BYTES {
                return None;
            }
            if let Some(bytes) = bytes {
                std::fs::write(&target, bytes).ok()?;
            }
            self.inputs.push(path);
        }
        Some(())
    }

    /// Copies each missing dependency into `chart/charts/<name>`, then its
    /// own missing local dependencies, and records where its templates are.
    fn dependencies(
        &mut self,
        rel: &str,
        chart: &Path,
        missing: Vec<(Dependency, Source)>,
        redirects: &mut Vec<(String, String)>,
        depth: usize,
    ) -> Option<()> {
        if depth >= MAX_DEPTH {
            return None;
        }
        for (dependency, source) in missing {
            let into = chart.join("charts").join(&dependency.name);
            let folder = match source {
                Source::Folder(folder) => folder,
                Source::Stub => {
                    let version = dependency
                        .version
                        .as_deref()
                        .and_then(lowest_accepted)
                        .unwrap_or_else(|| "0.0.0".to_owned());
                    self.stub(&into, &dependency.name, &version)?;
                    continue;
                }
            };
            self.tree(&folder, &into)?;
            let real = self.boundary.relative(&folder)?;
            for name in std::iter::once(&dependency.name).chain(dependency.alias.as_ref()) {
                redirects.push((super::join(rel, &format!("charts/{name}")), real.clone()));
            }
            let below = missing_local(self.boundary, &folder, &mut self.inputs)?;
            let nested = super::join(rel, &format!("charts/{}", dependency.name));
            self.dependencies(&nested, &into, below, redirects, depth + 1)?;
        }
        Some(())
    }
}

impl Copy<'_> {
    /// Writes the stand-in of a dependency not vendored ([`Source::Stub`]).
    /// Its version is one the dependency's constraint accepts: Helm applies
    /// an alias (and so the `condition` that disables it) only to a chart
    /// whose version the constraint accepts.
    fn stub(&self, into: &Path, name: &str, version: &str) -> Option<()> {
        if !self.write {
            return Some(());
        }
        // A name YAML reads back as written: a chart name Helm accepts.
        if !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        {
            return None;
        }
        // Helm executes the templates with the most path segments first and
        // stops at the first error: deep down, the stand-in fails before any
        // template of the chart that reads a value only the dependency's own
        // values.yaml gives (a nil pointer, reported as the repository's).
        let folder = (0..STUB_DEPTH).fold(into.join("templates"), |path, _| path.join("d"));
        std::fs::create_dir_all(&folder).ok()?;
        std::fs::write(
            into.join("Chart.yaml"),
            format!("apiVersion: v2\nname: {name}\nversion: {version}\ndescription: stands in for a dependency not vendored\n"),
        )
        .ok()?;
        std::fs::write(
            folder.join("not-vendored.yaml"),
            format!("{{{{ fail \"{NOT_VENDORED}: {name}\" }}}}\n"),
        )
        .ok()
    }
}

/// How many folders deep below its `templates/` a stand-in keeps its one
/// template ([`Copy::stub`]): deeper than any chart's own.
const STUB_DEPTH: usize = 32;

/// `path` (relative to the project, under a chart's folder) where it really
/// is when it lies in a dependency built in (`redirects`, deepest first).
pub fn redirect(path: String, redirects: &[(String, String)]) -> String {
    for (from, to) in redirects {
        if let Some(rest) = path.strip_prefix(from.as_str())
            && let Some(rest) = rest.strip_prefix('/')
        {
            return super::join(to, rest);
        }
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_render_that_can_only_stop_at_a_library_stand_in_is_told_apart() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let dependency = "dependencies:\n  - {name: common, version: 4.x.x, repository: https://charts.example.org}\n";
        write(
            root,
            &[
                (
                    "app/Chart.yaml",
                    &*format!("apiVersion: v2\nname: app\nversion: 1.0.0\n{dependency}"),
                ),
                ("app/values.yaml", "a: 1\n"),
                (
                    "app/templates/all.yaml",
                    "{{- include \"common.all\" . | nindent 0 }}\n",
                ),
                (
                    "app/templates/svc.yaml",
                    "{{- if .Values.a }}\n{{ template \"common.service\" . }}\n{{- end }}\n",
                ),
                ("app/templates/NOTES.txt", "Installed.\n"),
                (
                    "app/templates/_helpers.tpl",
                    "{{- define \"app.name\" -}}app{{- end -}}\n",
                ),
            ],
        );
        let doomed = || doomed_stand_in(root, "app");
        assert_eq!(doomed().as_deref(), Some("common"));
        // A template that renders without the dependency may render: Helm decides.
        write(root, &[("app/templates/cm.yaml", "kind: ConfigMap\n")]);
        assert_eq!(doomed(), None);
        // So does one calling a name the chart defines itself.
        write(
            root,
            &[
                ("app/templates/cm.yaml", "{{ include \"common.cm\" . }}\n"),
                (
                    "app/templates/_own.tpl",
                    "{{ define \"common.cm\" }}kind: ConfigMap{{ end }}\n",
                ),
            ],
        );
        assert_eq!(doomed(), None);
        std::fs::remove_file(root.join("app/templates/_own.tpl")).unwrap();
        assert_eq!(doomed().as_deref(), Some("common"));
        // A template Helm may not parse is left to Helm.
        write(
            root,
            &[(
                "app/templates/cm.yaml",
                "{{ if .Values.a }}{{ include \"common.cm\" . }}\n",
            )],
        );
        assert_eq!(doomed(), None);
        write(
            root,
            &[("app/templates/cm.yaml", "{{ include \"common.cm\" . }}\n")],
        );
        // A condition on the dependency, or a library chart: Helm decides.
        let conditional = dependency.replace('}', ", condition: common.enabled}");
        write(
            root,
            &[(
                "app/Chart.yaml",
                &*format!("apiVersion: v2\nname: app\nversion: 1.0.0\n{conditional}"),
            )],
        );
        assert_eq!(doomed(), None);
        write(
            root,
            &[(
                "app/Chart.yaml",
                &*format!("apiVersion: v2\nname: app\nversion: 1.0.0\ntype: library\n{dependency}"),
            )],
        );
        assert_eq!(doomed(), None);
        assert!(actions_pair_up(
            "{{/* c */}}{{- range .x }}{{ with .y }}{{ end }}{{ else }}{{ end -}}"
        ));
        assert!(!actions_pair_up("{{ end }}"));
        assert!(!actions_pair_up("{{ .a }"));
    }

    #[test]
    fn a_stand_in_takes_a_version_the_constraint_accepts() {
        assert_eq!(lowest_accepted("1.1.60").as_deref(), Some("1.1.60"));
        assert_eq!(lowest_accepted(">1.2.3").as_deref(), Some("1.2.4"));
        assert_eq!(lowest_accepted("2.x.x").as_deref(), Some("2.0.0"));
        assert_eq!(lowest_accepted("^1.4").as_deref(), Some("1.4.0"));
        assert_eq!(lowest_accepted(">=1 <3").as_deref(), Some("1.0.0"));
        assert_eq!(lowest_accepted("<2").as_deref(), Some("0.0.0"));
        assert_eq!(lowest_accepted("~0.9.0 || ^2").as_deref(), Some("0.9.0"));
        assert_eq!(lowest_accepted("1.0.0 - 2.0.0"), None);
    }

    #[test]
    fn a_chart_for_older_clusters_renders_for_the_newest_it_accepts() {
        let newest = |c: &str| newest_kubernetes_accepted(c);
        assert_eq!(newest(">= 1.16.0 < 1.22.0").as_deref(), Some("1.21.0"));
        assert_eq!(newest(">=1.19.0-0 <1.25.0-0").as_deref(), Some("1.24.0"));
        assert_eq!(newest("~1.20.0").as_deref(), Some("1.20.0"));
        assert_eq!(newest(">=1.19.0").as_deref(), Some("1.99.0"));
        assert_eq!(newest("< 1.0.0"), None);
    }

    fn write(root: &Path, files: &[(&str, &str)]) {
        for (path, text) in files {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
    }

    /// A local dependency (and its own) is copied in, a remote one stood in
    /// for; a chart that lacks none is left to Helm.
    #[test]
    fn local_dependencies_are_built_into_a_copy() {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path();
        let chart =
            |deps: &str| format!("apiVersion: v2\nname: x\nversion: 0.1.0\ndependencies:\n{deps}");
        write(
            project,
            &[
                (
                    "apps/web/Chart.yaml",
                    &chart(
                        "  - {name: lib, version: 0.1.0, repository: file://../../common/lib, alias: helpers}\n",
                    ),
                ),
                ("apps/web/templates/cm.yaml", "kind: ConfigMap\n"),
                (
                    "common/lib/Chart.yaml",
                    &chart("  - {name: base, version: 0.1.0, repository: file://../base}\n"),
                ),
                (
                    "common/lib/templates/_x.tpl",
                    "{{- define \"x\" }}{{ end }}\n",
                ),
                (
                    "common/base/Chart.yaml",
                    "apiVersion: v2\nname: base\nversion: 0.1.0\n",
                ),
                ("common/base/templates/svc.yaml", "kind: Service\n"),
                (
                    "apps/remote/Chart.yaml",
                    &chart(
                        "  - {name: db, version: 1.0.0, repository: https://charts.example.com}\n",
                    ),
                ),
                (
                    "apps/plain/Chart.yaml",
                    "apiVersion: v2\nname: plain\nversion: 0.1.0\n",
                ),
            ],
        );
        let built = assemble(project, "apps/web").unwrap();
        assert!(built.chart.join("templates/cm.yaml").is_file());
        assert!(built.chart.join("charts/lib/templates/_x.tpl").is_file());
        assert!(
            built
                .chart
                .join("charts/lib/charts/base/templates/svc.yaml")
                .is_file()
        );
        assert_eq!(
            redirect(
                "apps/web/charts/lib/charts/base/templates/svc.yaml".into(),
                &built.redirects
            ),
            "common/base/templates/svc.yaml"
        );
        assert_eq!(
            redirect(
                "apps/web/charts/helpers/templates/_x.tpl".into(),
                &built.redirects
            ),
            "common/lib/templates/_x.tpl"
        );
        assert_eq!(
            redirect("apps/web/templates/cm.yaml".into(), &built.redirects),
            "apps/web/templates/cm.yaml"
        );
        // Every file copied, listed without a copy for the cache's key, and
        // each dependency's Chart.yaml looked for (found or not).
        assert_eq!(inputs(project, "apps/web").map(|i| i.len()), Some(8));
        // A remote dependency the project does not keep: a stand-in.
        let remote = assemble(project, "apps/remote").unwrap();
        assert!(
            remote
                .chart
                .join("charts/db/templates")
                .join("d/".repeat(STUB_DEPTH))
                .join("not-vendored.yaml")
                .is_file()
        );
        assert!(assemble(project, "apps/plain").is_none());
        // Once vendored, nothing to build.
        write(
            project,
            &[("apps/web/charts/lib/Chart.yaml", "name: lib\n")],
        );
        assert!(assemble(project, "apps/web").is_none());
    }

    /// A dependency from a chart repository is taken from the chart of its
    /// name beside the chart when its version is accepted, else left to
    /// Helm (not rendered); never a chart of another name, nor itself.
    #[test]
    fn a_sibling_chart_stands_for_a_remote_dependency_of_an_accepted_version() {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path();
        let depends = |name: &str, on: &str, version: &str| {
            format!(
                "apiVersion: v2\nname: {name}\nversion: 1.0.0\ndependencies:\n  - {{name: {on}, version: \"{version}\", repository: oci://registry.example.com/charts}}\n"
            )
        };
        write(
            project,
            &[
                (
                    "charts/common/Chart.yaml",
                    "apiVersion: v2\nname: common\nversion: 2.31.10\ntype: library\n",
                ),
                (
                    "charts/common/templates/_names.tpl",
                    "{{- define \"n\" }}{{ end }}\n",
                ),
                (
                    "charts/redis/Chart.yaml",
                    &depends("redis", "common", "2.x.x"),
                ),
                ("charts/redis/templates/svc.yaml", "kind: Service\n"),
                ("charts/old/Chart.yaml", &depends("old", "common", "1.x.x")),
                (
                    "charts/renamed/Chart.yaml",
                    &depends("renamed", "lib", "2.x.x"),
                ),
                (
                    "charts/lib/Chart.yaml",
                    "apiVersion: v2\nname: common\nversion: 2.0.0\n",
                ),
                ("charts/self/Chart.yaml", &depends("self", "self", "1.x.x")),
            ],
        );
        let built = assemble(project, "charts/redis").unwrap();
        assert!(
            built
                .chart
                .join("charts/common/templates/_names.tpl")
                .is_file()
        );
        assert_eq!(
            redirect(
                "charts/redis/charts/common/templates/_names.tpl".into(),
                &built.redirects
            ),
            "charts/common/templates/_names.tpl"
        );
        // Otherwise an empty stand-in that fails if the values enable it,
        // never the kept chart of a refused version or of another name.
        for (chart, why) in [
            ("charts/old", "2.31.10 is not 1.x.x"),
            ("charts/renamed", "folder lib holds chart common"),
            ("charts/self", "a chart is not its own dependency"),
        ] {
            let built = assemble(project, chart).unwrap();
            let stand_in = std::fs::read_dir(built.chart.join("charts"))
                .unwrap()
                .flatten()
                .next()
                .unwrap()
                .path();
            let template = std::fs::read_to_string(
                stand_in
                    .join("templates")
                    .join("d/".repeat(STUB_DEPTH))
                    .join("not-vendored.yaml"),
            );
            assert!(template.unwrap().contains(NOT_VENDORED), "{why}");
            assert!(built.redirects.is_empty(), "{why}");
        }
    }

    /// The Chart.yaml files looked for are hashed for the cache only inside
    /// the project: one beside a chart at the project's root, or behind a
    /// link out, is never read.
    #[test]
    fn probes_stay_inside_the_project() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside");
        let project = dir.path().join("project");
        write(&outside, &[("Chart.yaml", "name: secret\n")]);
        write(&project, &[("charts/a/Chart.yaml", "name: a\n")]);
        std::fs::create_dir_all(project.join("charts/linked")).unwrap();
        std::os::unix::fs::symlink(
            outside.join("Chart.yaml"),
            project.join("charts/linked/Chart.yaml"),
        )
        .unwrap();
        let project = std::fs::canonicalize(&project).unwrap();
        let boundary = ProjectBoundary::new(&project);
        assert_eq!(
            probe(&boundary, &project.join("charts/a/Chart.yaml")),
            Some(project.join("charts/a/Chart.yaml"))
        );
        let absent = project.join("charts/b/Chart.yaml");
        assert_eq!(probe(&boundary, &absent), Some(absent));
        assert_eq!(
            probe(&boundary, &project.join("charts/linked/Chart.yaml")),
            None
        );
        assert_eq!(
            probe(&boundary, &project.join("../outside/Chart.yaml")),
            None
        );
    }

    /// Helm's constraints (Masterminds semver) as Helm reads them.
    #[test]
    fn version_constraints_read_as_helm_reads_them() {
        for (constraint, version, accepted) in [
            ("2.x.x", "2.31.10", true),
            ("2.x.x", "3.0.0", false),
            ("16.X.X", "16.7.2", true),
            ("2.31.10", "2.31.10", true),
            // A bare version is that version, not a caret range.
            ("2.31.0", "2.31.10", false),
            ("^2.0.0", "2.31.10", true),
            ("~2.31", "2.31.10", true),
            ("~2.30", "2.31.10", false),
            (">=1.0.0 <3.0.0", "2.31.10", true),
            (">= 1.0.0, < 2.0.0", "2.31.10", false),
            ("1.x || 2.x", "2.31.10", true),
            ("*", "0.1.0", true),
            ("v2.x", "v2.3.0", true),
            // Unread forms accept nothing.
            ("1.0 - 3.0", "2.0.0", false),
            ("!=1.0.0", "2.0.0", false),
            (">=", "2.0.0", false),
            ("2.x.x", "not-a-version", false),
        ] {
            assert_eq!(
                accepts(constraint, version),
                accepted,
                "{constraint} {version}"
            );
        }
    }

    /// A link from a dependency back to its own folder (Helm would follow it
    /// for ever) stops the copy instead of recursing.
    #[test]
    fn a_folder_link_cycle_is_not_copied() {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path();
        write(
            project,
            &[
                (
                    "app/Chart.yaml",
                    "apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n  - {name: lib, version: 0.1.0, repository: file://../lib}\n",
                ),
                (
                    "lib/Chart.yaml",
                    "apiVersion: v2\nname: lib\nversion: 0.1.0\n",
                ),
            ],
        );
        std::fs::create_dir_all(project.join("lib/templates")).unwrap();
        std::os::unix::fs::symlink("..", project.join("lib/templates/again")).unwrap();
        assert!(assemble(project, "app").is_none());
    }

    /// A chart that depends on one chart twice (two aliases) is told once
    /// that the copy beside it has a version its constraint refuses.
    #[test]
    fn a_refused_sibling_is_said_once_for_two_aliases() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            &[
                (
                    "suite/Chart.yaml",
                    "apiVersion: v2\nname: suite\nversion: 0.1.0\ndependencies:\n  - {name: engine, alias: front, version: =2.1.0, repository: https://charts.example.test}\n  - {name: engine, alias: back, version: =2.1.0, repository: https://charts.example.test}\n",
                ),
                (
                    "engine/Chart.yaml",
                    "apiVersion: v2\nname: engine\nversion: 2.5.0\n",
                ),
            ],
        );
        let said = refused_siblings(dir.path(), "suite");
        assert_eq!(
            said,
            ["the chart `engine` kept beside it is 2.5.0, which `=2.1.0` does not accept"]
        );
    }

    /// A local dependency outside the project is never copied.
    #[test]
    fn a_dependency_outside_the_project_is_not_built() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            &[
                (
                    "repo/app/Chart.yaml",
                    "apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n  - {name: lib, version: 0.1.0, repository: file://../../lib}\n",
                ),
                (
                    "lib/Chart.yaml",
                    "apiVersion: v2\nname: lib\nversion: 0.1.0\n",
                ),
            ],
        );
        assert!(assemble(&dir.path().join("repo"), "app").is_none());
    }
}
