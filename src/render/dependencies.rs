//! A chart's local dependencies (`repository: file://../common`), built
//! into a copy of the chart as `helm dependency build` would build them into
//! its `charts/` folder, so that `helm template` renders the chart as it is
//! installed. The repository is never written to: the copy is made in a
//! temporary folder, every file read through the project boundary, the
//! whole bounded (docs/rendering.md, "Local dependencies").

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
    let missing = missing_local(boundary, &source)?;
    if missing.is_empty() {
        return None;
    }
    let chart = into.unwrap_or(Path::new("")).join(source.file_name()?);
    let mut copy = Copy {
        boundary,
        write: into.is_some(),
        files: 0,
        bytes: 0,
        inputs: Vec::new(),
        open: Vec::new(),
    };
    copy.tree(&source, &chart)?;
    let mut redirects = Vec::new();
    copy.dependencies(dir, &chart, missing, &mut redirects, 0)?;
    redirects.sort_by_key(|(from, _)| std::cmp::Reverse(from.len()));
    Some((chart, redirects, copy.inputs))
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

/// The dependencies of the chart at `chart` (canonical) that its `charts/`
/// folder lacks, each with its folder (canonical, inside the project); `None`
/// when one of them is not local or not a chart of the project.
fn missing_local(boundary: &ProjectBoundary, chart: &Path) -> Option<Vec<(Dependency, PathBuf)>> {
    let mut out = Vec::new();
    for dependency in declared(boundary, chart) {
        if present(chart, &dependency.name) {
            continue;
        }
        let local = dependency.repository.strip_prefix("file://")?;
        let folder = boundary.resolve(&chart.join(local)).ok()?;
        if !folder.join("Chart.yaml").is_file()
            || super::link_out_below(&folder, boundary).is_some()
        {
            return None;
        }
        out.push((dependency, folder));
    }
    Some(out)
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
        missing: Vec<(Dependency, PathBuf)>,
        redirects: &mut Vec<(String, String)>,
        depth: usize,
    ) -> Option<()> {
        if depth >= MAX_DEPTH {
            return None;
        }
        for (dependency, folder) in missing {
            let into = chart.join("charts").join(&dependency.name);
            self.tree(&folder, &into)?;
            let real = self.boundary.relative(&folder)?;
            for name in std::iter::once(&dependency.name).chain(dependency.alias.as_ref()) {
                redirects.push((super::join(rel, &format!("charts/{name}")), real.clone()));
            }
            let below = missing_local(self.boundary, &folder)?;
            let nested = super::join(rel, &format!("charts/{}", dependency.name));
            self.dependencies(&nested, &into, below, redirects, depth + 1)?;
        }
        Some(())
    }
}

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

    fn write(root: &Path, files: &[(&str, &str)]) {
        for (path, text) in files {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
    }

    /// A local dependency (and its own) is copied in; a chart that lacks
    /// none, or lacks a remote one, is left to Helm.
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
        // Every file copied, listed without a copy for the cache's key.
        assert_eq!(inputs(project, "apps/web").map(|i| i.len()), Some(6));
        assert!(assemble(project, "apps/remote").is_none());
        assert!(assemble(project, "apps/plain").is_none());
        // Once vendored, nothing to build.
        write(
            project,
            &[("apps/web/charts/lib/Chart.yaml", "name: lib\n")],
        );
        assert!(assemble(project, "apps/web").is_none());
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
