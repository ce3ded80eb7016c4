//! Kustomize roots: what a build reads, and
//! the build itself through a wrapper kustomization (outside the user's tree)
//! that turns on origin annotations.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::config::RenderConfig;
use crate::manifest::kustomization::Kustomization;
use crate::yaml::{self, Limits, Node, Pos, Span};

use super::store::{self, Store};
use super::tool::{self, Kustomizer, RunError};
use super::{DocOrigin, Outcome, Output, Rendered, Root};

const FILE_NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// The kustomization file of a folder, if it has one.
pub(crate) fn kustomization_in(dir: &Path) -> Option<PathBuf> {
    FILE_NAMES
        .iter()
        .map(|name| dir.join(name))
        .find(|path| path.is_file())
}

/// Reads a small YAML file (a kustomization, as Kustomize reads it: a key
/// written twice keeps its last value); `None` when unreadable or broken.
fn read_yaml(path: &Path) -> Option<Node<'static>> {
    let text = std::fs::read_to_string(path).ok()?;
    let (parsed, _) = yaml::parse_kustomization(&text, 1);
    if parsed.error.is_some() {
        return None;
    }
    parsed
        .documents
        .into_iter()
        .next()
        .map(|node| node.to_owned_node())
}

/// Whether the kustomization file at `path` is no root to build (read and
/// parsed once): a `kind: Component`, applied only as part of another
/// kustomization; a kustomization that is itself a template
/// ([`is_a_template`]), which Kustomize would refuse as written and nobody
/// applies so; or an object of another API group than Kustomize's in a file
/// so named (a Flux `Kustomization`, `kustomize.toolkit.fluxcd.io/v1`:
/// `kustomization::is_of_another_group`), a manifest of its folder.
pub fn is_not_a_root(path: &Path) -> bool {
    read_kustomization(path).is_some_and(|read| match read {
        Read::Template => true,
        Read::Parsed(node) => {
            crate::manifest::kustomization::is_of_another_group(&node)
                || node
                    .get("kind")
                    .and_then(Node::as_str)
                    .is_some_and(|kind| kind == "Component")
        }
    })
}

/// Whether the kustomization file at `path` is a template, not built until a
/// tool fills it in (a Backstage skeleton's `${{ values.name }}` and `{%- if
/// %}` lines, a Helm or Jinja template): one that does not parse and holds
/// template syntax that may be why (as the per-file stage decides, DVM002),
/// or one that parses but names a file or folder it builds from by a
/// template marker (`resources: [${{ values.component_id }}-bucket.yaml]`,
/// `unrendered_template::names_a_templated_path`, which the per-file stage
/// reports so too).
pub fn is_a_template(path: &Path) -> bool {
    matches!(read_kustomization(path), Some(Read::Template))
}

/// A kustomization file as [`is_not_a_root`] and [`is_a_template`] read it.
enum Read {
    /// A template ([`is_a_template`]).
    Template,
    /// Its first document, when it is no template.
    Parsed(Node<'static>),
}

fn read_kustomization(path: &Path) -> Option<Read> {
    use crate::rules::input::unrendered_template as template;
    let text = std::fs::read_to_string(path).ok()?;
    let (parsed, _) = yaml::parse_kustomization(&text, 1);
    if parsed.error.is_some() {
        let bytes = text.as_bytes();
        return (template::is_template(bytes) && !template::markers_inside_values_only(bytes))
            .then_some(Read::Template);
    }
    let node = parsed.documents.into_iter().next()?.to_owned_node();
    if template::names_a_templated_path(&Kustomization::from_node(&node)) {
        return Some(Read::Template);
    }
    Some(Read::Parsed(node))
}

/// Every file a build of the kustomization in `dir` reads: the kustomization
/// files of the folders it includes and every file their fields name
/// (resources, patches, generator files, …), canonical paths; and the first
/// kustomization (by the order met) that names a path leading out of the
/// project (a `../` base beyond the root, a link out), which is never read.
pub fn inputs(dir: &Path, boundary: &crate::boundary::ProjectBoundary) -> Inputs {
    let mut out = Inputs::default();
    let mut seen = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(dir) = boundary.resolve(&dir) else {
            continue;
        };
        if !seen.insert(dir.clone()) || seen.len() > 10_000 {
            continue;
        }
        let Some(file) = kustomization_in(&dir) else {
            continue;
        };
        let Ok(bytes) = boundary.open_bounded(&file, 1 << 20) else {
            continue;
        };
        out.files.insert(file.clone());
        let Some(node) = std::str::from_utf8(&bytes).ok().and_then(read_text) else {
            continue;
        };
        let mut named = Vec::new();
        node.walk(&mut |n: &Node<'_>| {
            if let Some(text) = n.as_str() {
                named.push(text.to_owned());
            }
        });
        for text in named {
            if text.is_empty() || text.len() > 4096 || text.contains('\n') || text.contains("://") {
                continue;
            }
            // Generator entries may be `key=path`.
            let candidates = [Some(text.as_str()), text.split_once('=').map(|(_, p)| p)];
            for candidate in candidates.into_iter().flatten() {
                // An entry that climbs above the project (`../../../../components/x`
                // from two folders down): never looked at, found or not; the
                // tool would look there, so the root is not built.
                if let Some(relative) = boundary.relative(&dir)
                    && climbs_out(&relative, candidate)
                {
                    if out.outside.is_none() {
                        out.outside = Some((
                            boundary.relative(&file).unwrap_or_default(),
                            candidate.to_owned(),
                        ));
                    }
                    continue;
                }
                let path = dir.join(candidate);
                let (is_file, is_dir) = (path.is_file(), path.is_dir());
                if !is_file && !is_dir {
                    continue;
                }
                match boundary.resolve(&path) {
                    Ok(canonical) if is_file => {
                        out.files.insert(canonical);
                    }
                    Ok(canonical) => {
                        if kustomization_in(&canonical).is_some() {
                            stack.push(canonical);
                        }
                    }
                    // A folder with a kustomization beyond the project: a base
                    // Kustomize would build. (A file outside its root, link or
                    // not, Kustomize refuses to read; a string that merely
                    // names an outside path, `PATH=/usr/bin`, is no input.)
                    Err(_) if is_dir && kustomization_in(&path).is_some() => {
                        if out.outside.is_none() {
                            out.outside = Some((
                                boundary.relative(&file).unwrap_or_default(),
                                candidate.to_owned(),
                            ));
                        }
                    }
                    Err(_) => {}
                }
            }
        }
    }
    out
}

/// Whether the relative path `candidate`, taken from the folder `dir`
/// (relative to the project, `""` for its root), climbs above the project by
/// its `..` steps. Absolute paths are not taken for entries (`PATH=/usr/bin`
/// is a literal), nor are names that do not start with `..`.
fn climbs_out(dir: &str, candidate: &str) -> bool {
    if !candidate.starts_with("..") {
        return false;
    }
    let mut depth = dir
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .count();
    for step in candidate.split('/') {
        match step {
            "" | "." => {}
            ".." if depth == 0 => return true,
            ".." => depth -= 1,
            _ => depth += 1,
        }
    }
    false
}

/// What a build reads ([`inputs`]).
#[derive(Debug, Default)]
pub struct Inputs {
    pub files: BTreeSet<PathBuf>,
    /// A kustomization (relative to the project) and the path it names that
    /// leads out of the project.
    pub outside: Option<(String, String)>,
}

/// `named` (an entry of the kustomization `file`, relative to the project,
/// that leads out of the project) with the fewest leading `../` removed that
/// names a file or folder inside the project, if one does. Nothing outside
/// the project is looked at.
fn one_climb_fewer(
    boundary: &crate::boundary::ProjectBoundary,
    project: &Path,
    file: &str,
    named: &str,
) -> Option<String> {
    let folder = project.join(file).parent()?.to_path_buf();
    let mut rest = named.strip_prefix("./").unwrap_or(named);
    // Only `..` steps (a folder above, whatever its name): no evidence.
    if rest.split('/').all(|step| step.is_empty() || step == "..") {
        return None;
    }
    while let Some(fewer) = rest.strip_prefix("../") {
        rest = fewer;
        if boundary.resolve(&folder.join(rest)).is_ok() {
            return Some(rest.to_owned());
        }
    }
    None
}

/// `to` relative to `from` (both absolute and canonical), with `..` steps.
fn relative_path(from: &Path, to: &Path) -> PathBuf {
    let from: Vec<_> = from.components().collect();
    let to: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for part in to.iter().skip(common) {
        out.push(part);
    }
    out
}

/// Renders a Kustomize root.
pub fn render(
    project: &Path,
    root: &Root,
    kustomizer: &Kustomizer,
    config: &RenderConfig,
    store: Option<&Store>,
) -> Rendered {
    let dir = project.join(&root.dir);
    let boundary = crate::boundary::ProjectBoundary::new(project);
    let Inputs {
        files: inputs,
        outside,
    } = inputs(&dir, &boundary);
    let canonical_project = boundary.canonical_root().to_owned();
    let rel_inputs = inputs
        .iter()
        .filter_map(|p| p.strip_prefix(&canonical_project).ok())
        .filter_map(|p| {
            p.to_str()
                .map(|s| s.replace(std::path::MAIN_SEPARATOR, "/"))
        })
        .collect();
    let label = kustomizer.label().to_owned();
    if let Some((file, named)) = outside {
        // Kustomize would read it: not built (docs/security.md).
        return Rendered {
            root: root.clone(),
            outcome: match one_climb_fewer(&boundary, project, &file, &named) {
                // A `../` too many out of a repository's root: a clone of the
                // repository holds nothing there, so the build fails wherever
                // it is cloned.
                Some(fixed) if project.join(".git").exists() => Outcome::failure(
                    format!(
                        "`{file}` names `{named}`, which leads out of the repository: a clone of it holds nothing there, so the build fails in every clone (dvmlint did not run it); `{fixed}` is in the repository: a `../` too many?"
                    ),
                    None,
                    &format!("write `{fixed}`"),
                ),
                // Out of a project below the repository's root: the entry may
                // be meant, so the root is only not rendered, with the hint.
                fixed => {
                    let hint = fixed.map_or_else(String::new, |fixed| {
                        format!(" (`{fixed}` is in the project: a `../` too many?)")
                    });
                    let what =
                        format!("`{file}` names `{named}`, which leads out of the project{hint}");
                    Outcome::failure(what.clone(), Some(super::outside_limit(&what)), "")
                }
            },
            inputs: rel_inputs,
            tool: label,
            cached: false,
            store_key: None,
        };
    }
    let key = store::key(&label, &kustomizer.tool().version, &root.dir, &inputs);
    if let Some(outcome) = store.and_then(|s| s.get(key)) {
        return Rendered {
            root: root.clone(),
            outcome,
            inputs: rel_inputs,
            tool: label,
            cached: true,
            store_key: None,
        };
    }
    let (outcome, keep) = build(&canonical_project, &dir, &inputs, kustomizer, config);
    Rendered {
        root: root.clone(),
        outcome,
        inputs: rel_inputs,
        tool: label,
        cached: false,
        store_key: (keep && store.is_some()).then_some(key),
    }
}

/// The build; `true` when the outcome may be cached (not a timeout).
fn build(
    project: &Path,
    dir: &Path,
    inputs: &BTreeSet<PathBuf>,
    kustomizer: &Kustomizer,
    config: &RenderConfig,
) -> (Outcome, bool) {
    let failed = |message: String, help: &str| Outcome::Failed {
        message,
        help: help.to_owned(),
        limit: None,
    };
    let Ok(target) = std::fs::canonicalize(dir) else {
        return (
            failed(
                "the folder cannot be read".into(),
                "check the folder's permissions",
            ),
            false,
        );
    };
    let Ok(wrapper) = tempfile::Builder::new()
        .prefix("dvmlint-kustomize-")
        .tempdir()
    else {
        return (
            failed("no temporary folder for the build".into(), "check TMPDIR"),
            false,
        );
    };
    let Ok(base) = std::fs::canonicalize(wrapper.path()) else {
        return (
            failed("no temporary folder for the build".into(), "check TMPDIR"),
            false,
        );
    };
    let resource = relative_path(&base, &target);
    let text = format!(
        "# Generated by dvmlint: builds {} with origin annotations.\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - {}\nbuildMetadata: [originAnnotations, transformerAnnotations]\n",
        target.display(),
        serde_json::to_string(&resource.to_string_lossy()).unwrap_or_default()
    );
    if std::fs::write(base.join("kustomization.yaml"), text).is_err() {
        return (
            failed("no temporary folder for the build".into(), "check TMPDIR"),
            false,
        );
    }
    let home = base.join(".home");
    let mut command = kustomizer.command(&base);
    tool::offline(&mut command, &home);
    match tool::run(command, config.timeout, tool::MAX_OUTPUT) {
        Ok(stdout) => {
            let text = String::from_utf8_lossy(&stdout).into_owned();
            let docs = origins(&text, &base, project);
            (Outcome::Rendered(Output { text, docs }), true)
        }
        Err(RunError::Failed { stderr, .. }) => {
            let stderr = readable_error(&stderr, &base, project);
            let message = super::first_lines(&innermost(&stderr, &target, project), &[]);
            (
                Outcome::failure(
                    message,
                    limit(&stderr)
                        .or_else(|| left_to_the_user(&stderr, project))
                        .or_else(|| generated_kustomization(&stderr, project))
                        .or_else(|| empty_beside_a_template(&stderr, project))
                        .or_else(|| includes_a_template(&stderr, project))
                        .or_else(|| reads_a_template(&stderr, project, inputs))
                        .or_else(|| generated_resource(&stderr, project))
                        .or_else(|| controller_gen_output(&stderr, project))
                        .or_else(|| made_by_a_script(&stderr, project, &target))
                        .or_else(|| patches_only(project, &target)),
                    "run `kustomize build` on this folder and fix what it reports",
                ),
                true,
            )
        }
        Err(RunError::TimedOut(after)) => (
            failed(
                format!("still running after {}s: stopped", after.as_secs_f32()),
                "raise `render.timeout` in .dvmlint.yaml, or exclude this kustomization",
            ),
            false,
        ),
        Err(RunError::TooLarge(max)) => (
            failed(
                format!("its output exceeds {} MiB", max / (1024 * 1024)),
                "exclude this kustomization",
            ),
            true,
        ),
        Err(RunError::Spawn(err)) => (
            failed(
                format!(
                    "`{}` cannot be started: {err}",
                    kustomizer.tool().path.display()
                ),
                "check `render.kustomize` in .dvmlint.yaml",
            ),
            false,
        ),
    }
}

/// Why a build failed only because of how dvmlint builds (`super::Limit`),
/// read on Kustomize's whole error output (the message is cut): one verdict
/// for the finding (DVM002 info, not DVM004) and its help. A kustomization
/// with `helmCharts:` (Helm runs inside Kustomize only with `--enable-helm`),
/// an external plugin in `generators:` or `transformers:` (plugins are off),
/// a remote resource or base the offline environment refused to fetch.
/// Anything else, a missing file or a patch that matches nothing, is the
/// repository's fault.
/// The help of a kustomization with `helmCharts:`.
pub(crate) const HELM_CHARTS_HELP: &str = "dvmlint does not run Helm inside a Kustomize build (`helmCharts:` needs --enable-helm): render the chart through `render.charts` in .dvmlint.yaml instead, or exclude this kustomization";

/// Kustomize's load restrictor refused a file outside the root's folder
/// (`resources: [../../base/app/cm.yaml]`): `kustomize build` and `kubectl
/// apply -k` refuse it so.
pub(crate) fn load_restricted(message: &str) -> bool {
    message.contains("security; file") && message.contains("is not in or below")
}

/// Whether the root at `dir` (relative to the project) lies in a folder a
/// Flux Kustomization builds (`spec.path`: `./apps/prod`, `apps/prod/`, `.`).
/// A segment holding a post-build substitution (`./apps/${ENVIRONMENT}`,
/// `app-${CLUSTER}`) stands for any one folder name.
pub(crate) fn built_by_flux(dir: &str, flux_paths: &[String]) -> bool {
    let folders: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    flux_paths.iter().any(|path| {
        let steps: Vec<&str> = path
            .trim()
            .split('/')
            .filter(|s| !s.is_empty() && *s != ".")
            .collect();
        steps.len() <= folders.len()
            && steps
                .iter()
                .zip(&folders)
                .all(|(step, folder)| step == folder || step.contains("${"))
    })
}

/// Why a build the load restrictor refused is no fault where Flux builds it:
/// its kustomize-controller confines loading to the source's root instead
/// of the kustomization's folder. dvmlint builds as `kustomize build` does,
/// and does not lift the restriction (docs/rendering.md).
pub(crate) fn flux_limit() -> super::Limit {
    super::Limit {
        why: "it reads files outside its own folder, which `kustomize build` refuses and Flux's kustomize-controller, whose Kustomization builds this folder, allows; dvmlint builds as `kustomize build` does".to_owned(),
        help: "if a tool other than Flux builds it (`kubectl apply -k`, Argo CD without `--load-restrictor LoadRestrictionsNone`), move the files below the kustomization or make them a base with its own kustomization.yaml",
    }
}

pub(crate) fn limit(stderr: &str) -> Option<super::Limit> {
    const PLUGIN: &str = "external plugins disabled; unable to load external plugin '";
    if stderr.contains("must specify --enable-helm") {
        return Some(super::Limit {
            why: "it inflates Helm charts through `helmCharts:`, and dvmlint does not run Helm inside Kustomize".to_owned(),
            help: HELM_CHARTS_HELP,
        });
    }
    if let Some((_, rest)) = stderr.split_once(PLUGIN) {
        let kind = rest.split_once('\'').map(|(kind, _)| kind).filter(|kind| {
            !kind.is_empty()
                && kind.len() <= 100
                && kind
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '/'))
        });
        let why = match kind {
            Some(kind) => format!(
                "it runs the Kustomize plugin `{kind}`, and dvmlint runs Kustomize without external plugins"
            ),
            None => "it runs an external Kustomize plugin, and dvmlint runs Kustomize without external plugins".to_owned(),
        };
        return Some(super::Limit {
            why,
            help: "the plugin runs where the repository is built (Argo CD, Open Cluster Management, `kustomize build --enable-alpha-plugins`), not in dvmlint; exclude this kustomization",
        });
    }
    if super::fetch_refused(stderr) {
        let why = match remote_resource(stderr) {
            Some(resource) => format!(
                "it reads the remote resource `{}`, and dvmlint renders offline",
                super::mask_url_passwords(resource)
            ),
            None => "it reads a remote resource, and dvmlint renders offline".to_owned(),
        };
        return Some(super::Limit {
            why,
            help: super::OFFLINE_HELP,
        });
    }
    None
}

/// A build that failed only on a missing file the repository's `.gitignore`
/// files leave out: a file each user creates (the `params.env` of an `envs:`
/// generator, a local credential), not one the repository forgot. The
/// message, made readable, names it relative to the project.
fn left_to_the_user(stderr: &str, project: &Path) -> Option<super::Limit> {
    let (path, rest) = quoted_path(stderr, "evalsymlink failure on '")?;
    if !rest.contains("no such file or directory") || !ignored(project, Path::new(path)) {
        return None;
    }
    Some(super::Limit {
        why: format!(
            "it reads `{path}`, which the repository's .gitignore leaves for each user to create"
        ),
        help: "create the file where you build (it is not committed), or exclude this kustomization",
    })
}

/// Where the root's kustomization lists the entry a failed build names
/// (`accumulating resources from '../base': …`): that list item, when the
/// kustomization writes it (a nested base's entry is not there, and the
/// finding stays at line 1). Read through the project boundary.
pub(crate) fn failed_entry(project: &Path, root: &Root, message: &str) -> Option<Span> {
    // The resource that failed to read, or the one that repeats an id.
    let (at, from) = ["accumulating resources from '", "merging resources from '"]
        .iter()
        .find_map(|from| Some((message.find(from)?, from.len())))?;
    let (entry, _) = message.get(at + from..)?.split_once('\'')?;
    if entry.is_empty() {
        return None;
    }
    let bytes = crate::boundary::ProjectBoundary::new(project)
        .open_bounded(&project.join(&*root.file), 1 << 20)
        .ok()?;
    let text = std::str::from_utf8(&bytes).ok()?;
    text.lines().zip(1u32..).find_map(|(line, number)| {
        let item = line.trim_start().strip_prefix("- ")?.trim_start();
        let item = item.split(" #").next().unwrap_or(item).trim_end();
        let unquoted = item
            .strip_prefix('"')
            .and_then(|i| i.strip_suffix('"'))
            .or_else(|| item.strip_prefix('\'').and_then(|i| i.strip_suffix('\'')))
            .unwrap_or(item);
        (unquoted == entry).then(|| {
            let col = u32::try_from(line.find(item)?.checked_add(1)?).ok()?;
            let width = u32::try_from(item.chars().count()).ok()?;
            Some(Span::new(
                Pos::new(number, col),
                Pos::new(number, col + width),
            ))
        })?
    })
}

/// The path Kustomize quotes after `marker` (`… on 'a/b': rest`), with the
/// rest of the message, when it is a plain path inside the project (relative,
/// no `..`, of a sane length): what a finding may name and dvmlint may look at.
fn quoted_path<'s>(stderr: &'s str, marker: &str) -> Option<(&'s str, &'s str)> {
    let at = stderr.find(marker)?;
    let (path, rest) = stderr.get(at + marker.len()..)?.split_once('\'')?;
    let inside = !path.is_empty()
        && path.len() <= 300
        && !path.contains(['\n', '`'])
        && Path::new(path)
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
    inside.then_some((path, rest))
}

/// A build that failed on a folder without a kustomization that holds one
/// as a template (`kustomization.yaml.template`, `.tmpl`, `.in`, …): a script
/// makes it (`envsubst < … > kustomization.yaml`) before the build, so it is
/// not forgotten. The folder, named relative to the project, is looked in
/// through the project boundary.
fn generated_kustomization(stderr: &str, project: &Path) -> Option<super::Limit> {
    const MISSING: &str = "unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in directory '";
    let (dir, _) = quoted_path(stderr, MISSING)?;
    let rel = Path::new(dir);
    let template = template_beside(project, &rel.join("kustomization.yaml"))?;
    let template = template.rsplit('/').next().unwrap_or(&template);
    Some(super::Limit {
        why: format!(
            "`{dir}` holds no kustomization but `{template}`, which a script makes into one before the build"
        ),
        help: GENERATED_HELP,
    })
}

/// A build that failed on a kustomization it includes that is itself a
/// template ([`is_a_template`]): a software template's skeleton, whose
/// overlays are templates too until a tool fills their bases in. Kustomize
/// names the folder it failed in (`couldn't make target for path '<dir>':
/// invalid Kustomization: yaml: …` for one that does not parse, `recursed
/// accumulation of path '<dir>': …` for one that names a file by a
/// placeholder); each folder so named, relative to the project, is looked in
/// through the project boundary.
fn includes_a_template(stderr: &str, project: &Path) -> Option<super::Limit> {
    const MARKERS: [&str; 2] = [
        "couldn't make target for path '",
        "recursed accumulation of path '",
    ];
    let boundary = crate::boundary::ProjectBoundary::new(project);
    let dir = MARKERS
        .iter()
        .flat_map(|marker| {
            stderr
                .match_indices(marker)
                .filter_map(move |(at, _)| quoted_path(stderr.get(at..)?, marker))
                .map(|(dir, _)| dir)
        })
        .find(|dir| {
            boundary
                .resolve(&project.join(dir))
                .ok()
                .and_then(|folder| kustomization_in(&folder))
                .is_some_and(|file| is_a_template(&file))
        })?;
    Some(super::Limit {
        why: format!(
            "it includes `{dir}`, whose kustomization is a template (built only once a tool fills it in): so is this build"
        ),
        help: "nothing to fix when a tool fills the templates in; to lint the result, lint the repository the tool writes",
    })
}

/// A build that failed on an empty kustomization (or one of comments only:
/// Kustomize's `kustomization.yaml is empty`) beside which the repository
/// keeps a template of it that is not empty (`kustomization.yaml.tpl`,
/// `.template`, `.tmpl`, … as [`template_beside`] reads them): the empty file
/// is a stand-in that a workflow or script overwrites with the template
/// (`cp kustomization.yaml.tpl kustomization.yaml`, `find … -name
/// "*.yaml.tpl"` copying each over its twin) before any build, as for a
/// kustomization that is not there at all. An empty kustomization with no
/// template beside it stays a DVM004. Each folder Kustomize names so (the
/// root's own, or a base's), relative to the project, is looked in through
/// the project boundary; the command that names the template is found in the
/// scripts near it or the CI workflows (`scripts::line_naming`).
fn empty_beside_a_template(stderr: &str, project: &Path) -> Option<super::Limit> {
    const MARKER: &str = "couldn't make target for path '";
    let boundary = crate::boundary::ProjectBoundary::new(project);
    let (file, template) = stderr.match_indices(MARKER).find_map(|(at, _)| {
        let (dir, rest) = quoted_path(stderr.get(at..)?, MARKER)?;
        let rest = rest.strip_prefix(": ")?;
        let name = FILE_NAMES.iter().find(|name| {
            rest.strip_prefix(**name)
                .is_some_and(|r| r.starts_with(" is empty"))
        })?;
        let file = format!("{dir}/{name}");
        let template = template_beside(project, Path::new(&file))?;
        let text = boundary
            .open_bounded(&project.join(&template), 1 << 20)
            .ok()?;
        // A template with something in it: an empty one beside an empty
        // kustomization makes nothing to build either.
        let holds = String::from_utf8_lossy(&text).lines().any(|line| {
            let line = line.trim();
            !line.is_empty() && !line.starts_with('#') && line != "---"
        });
        holds.then_some((file, template))
    })?;
    let by = crate::scripts::line_naming(project, &template)
        .map_or_else(String::new, |(script, line)| {
            format!(" (`{script}:{line}` names it)")
        });
    Some(super::Limit {
        why: format!(
            "`{file}` is empty and `{template}` beside it is its template{by}, which the repository's tooling copies or fills in over it before the build"
        ),
        help: GENERATED_HELP,
    })
}

/// A build that failed on a file it reads (a patch, a resource, a
/// component's file) that is a template, as the per-file stage reads it
/// (`unrendered_template::file_kind`, reported there as a DVM002): a patch of
/// `%TOKEN%` placeholders a script fills in with `sed` before `oc apply -k`,
/// a Jinja or Handlebars file. Kustomize cannot read it as written, so the
/// build fails wherever the template is not filled in first, which is no
/// fault of the repository; the build's DVM002 names the file, and the
/// command of a script or CI workflow that names it when there is one
/// (`scripts::line_naming`). Kustomize's message must name the file
/// (`unable to parse SM or JSON patch from [path: "env-patch.yaml"]`,
/// `accumulating resources from 'cm.yaml'`), so that a build that fails for
/// another reason beside a template stays a DVM004, as does a patch that does
/// not parse and is no template. Kustomization files are
/// [`includes_a_template`]'s. `inputs` are [`inputs`]' canonical paths.
fn reads_a_template(
    stderr: &str,
    project: &Path,
    inputs: &BTreeSet<PathBuf>,
) -> Option<super::Limit> {
    use crate::rules::input::unrendered_template as template;
    let boundary = crate::boundary::ProjectBoundary::new(project);
    let (rel, kind) = inputs.iter().find_map(|path| {
        let name = path.file_name()?.to_str()?;
        if FILE_NAMES.contains(&name) || !names_file(stderr, name) {
            return None;
        }
        let rel = path
            .strip_prefix(project)
            .ok()?
            .to_str()?
            .replace(std::path::MAIN_SEPARATOR, "/");
        let text = boundary.open_bounded(path, 1 << 20).ok()?;
        Some((rel, template::file_kind(&text)?))
    })?;
    let by = crate::scripts::line_naming(project, &rel)
        .map_or_else(String::new, |(script, line)| {
            format!("; `{script}:{line}` names it")
        });
    Some(super::Limit {
        why: format!(
            "it reads `{rel}`, {} {}, which Kustomize cannot read until it is filled in{by}",
            kind.article(),
            kind.name()
        ),
        help: "nothing to fix when a tool fills the template in before the build; to lint the build, fill it in first and lint the output (`kustomize build … | dvmlint check -`)",
    })
}

/// Whether Kustomize's message names the file `name` as a whole (`path:
/// "env-patch.yaml"`, `from 'cm.yaml'`, `File: base/cm.yaml`), not as part
/// of a longer name (`prod-env-patch.yaml`).
fn names_file(stderr: &str, name: &str) -> bool {
    let part = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_');
    stderr.match_indices(name).any(|(at, _)| {
        let before = stderr.get(..at).and_then(|b| b.chars().next_back());
        let after = stderr.get(at + name.len()..).unwrap_or_default();
        // A sentence's full stop may follow the name; a longer name's
        // extension (`cm.yaml.bak`) may not.
        let after = after.strip_prefix('.').unwrap_or(after).chars().next();
        before.is_none_or(|c| !part(c) && c != '.') && after.is_none_or(|c| !part(c))
    })
}

/// The template a script or tool makes the file at `rel` (relative to the
/// project) from, kept beside it: `rel` with `.template`, `.tmpl`, `.tpl`,
/// `.in`, `.j2`, `.example`, `.sample` or `_template` after its name, as a
/// path of the project. Looked for through the project boundary.
fn template_beside(project: &Path, rel: &Path) -> Option<String> {
    let boundary = crate::boundary::ProjectBoundary::new(project);
    let rel = rel.to_str()?;
    [
        ".template",
        ".tmpl",
        ".tpl",
        ".in",
        ".j2",
        ".example",
        ".sample",
        "_template",
    ]
    .iter()
    .map(|suffix| format!("{rel}{suffix}"))
    .find(|name| {
        boundary
            .resolve(&project.join(name))
            .is_ok_and(|path| path.is_file())
    })
}

const GENERATED_HELP: &str = "nothing to fix when a script generates it; to lint the build, generate it first and lint the output (`kustomize build … | dvmlint check -`)";

/// The resource file (relative to the project) a build failed on because it
/// is not there: `evalsymlink failure on '…' : lstat …: no such file or directory`.
fn missing_resource(stderr: &str) -> Option<&str> {
    const MISSING: &str = "evalsymlink failure on '";
    let (file, rest) = quoted_path(stderr, MISSING)?;
    rest.contains("no such file or directory").then_some(file)
}

/// A build that failed on a resource file that is not there, beside which
/// the repository keeps its template (`agent.yaml.tpl`, `.template`, `.tmpl`,
/// `.j2`, `.in`, `dashboard.yaml_template`): a tool makes the file before the
/// build (furyctl renders its `templates/` tree), as with a generated
/// kustomization. Looked in through the project boundary.
fn generated_resource(stderr: &str, project: &Path) -> Option<super::Limit> {
    let file = missing_resource(stderr)?;
    let template = template_beside(project, Path::new(file))?;
    Some(super::Limit {
        why: format!(
            "its resource `{file}` is not in the repository but `{template}` is, which a tool makes into it before the build"
        ),
        help: GENERATED_HELP,
    })
}

/// A build that failed on a file of a kubebuilder (or operator-sdk Go)
/// project's `config/` that controller-gen writes (`make manifests`):
/// `webhook/manifests.yaml`, `rbac/role.yaml`, `crd/bases/…`; or the
/// ClusterServiceVersion base of `config/manifests/bases/` that operator-sdk
/// writes (`make bundle`), in a project whose `PROJECT` names operator-sdk's
/// manifests plugin or whose Makefile runs that generator. The scaffold
/// lists `manifests.yaml` in `config/webhook` of every project, and only a
/// project with webhooks generates it (its `config/default` keeps
/// `#- ../webhook` commented out otherwise). The project is known by the
/// `PROJECT` file or the Makefile running controller-gen beside `config/`,
/// read through the project boundary.
fn controller_gen_output(stderr: &str, project: &Path) -> Option<super::Limit> {
    let file = missing_resource(stderr)?;
    let (base, inside) = match file.split_once("config/") {
        Some((base, inside)) if base.is_empty() || base.ends_with('/') => (base, inside),
        _ => return None,
    };
    let generated = inside == "webhook/manifests.yaml"
        || inside == "rbac/role.yaml"
        || inside.starts_with("crd/bases/");
    // operator-sdk's bundle base, which `make bundle` writes before it
    // builds `config/manifests`.
    let csv_base =
        inside.starts_with("manifests/bases/") && inside.ends_with(".clusterserviceversion.yaml");
    if !generated && !csv_base {
        return None;
    }
    let boundary = crate::boundary::ProjectBoundary::new(project);
    let holds = |name: &str, words: &[&[u8]]| {
        boundary
            .open_bounded(&project.join(base).join(name), 1 << 20)
            .is_ok_and(|text| {
                words
                    .iter()
                    .any(|w| memchr::memmem::find(&text, w).is_some())
            })
    };
    if csv_base {
        // A recipe line, not a comment (a `bundle:` target commented out
        // runs nothing).
        let runs = boundary
            .open_bounded(&project.join(base).join("Makefile"), 1 << 20)
            .is_ok_and(|text| {
                text.split(|b| *b == b'\n').any(|line| {
                    !line.trim_ascii_start().starts_with(b"#")
                        && memchr::memmem::find(line, b"generate kustomize manifests").is_some()
                })
            });
        let why = if runs {
            format!(
                "its resource `{file}` is written by `operator-sdk generate kustomize manifests`, which this operator-sdk project's Makefile runs (`make bundle`) before it builds `config/manifests`"
            )
        } else if holds("PROJECT", &[b"manifests.sdk.operatorframework.io"]) {
            format!(
                "its resource `{file}` is written by `operator-sdk generate kustomize manifests` of operator-sdk's manifests plugin, which `PROJECT` names; the plugin's `make bundle` runs it before it builds `config/manifests`"
            )
        } else {
            return None;
        };
        return Some(super::Limit {
            why,
            help: "nothing to fix; to lint the bundle's build, run `make bundle` (or `operator-sdk generate kustomize manifests`) first",
        });
    }
    if !(holds("PROJECT", &[b"domain:"])
        || holds("Makefile", &[b"controller-gen", b"CONTROLLER_GEN"]))
    {
        return None;
    }
    Some(super::Limit {
        why: format!(
            "its resource `{file}` is written by controller-gen (`make manifests`), which this kubebuilder project has not run or, for webhooks it does not have, never will"
        ),
        help: "nothing to fix if the project has no webhooks (kubebuilder's `config/default` leaves `../webhook` out); to lint the build, run `make manifests` first",
    })
}

/// A build that failed on a resource file that is not there, which the
/// repository's tooling makes or uses elsewhere, read in its Makefiles and
/// shell scripts (one walk of the tree, only on such a failure: its verdict
/// is cached with the outcome; links not followed, `.gitignore` honoured):
/// - a command of a script writes the file (`crate::scripts::writes`):
///   `sed … > ./config/dev-databases/redis/secret-processed.yaml`,
///   `helm template … > $MANIFEST` with
///   `MANIFEST="${TEMPLATE_DIR}/common/manifest.yaml"`, `tee`, `cp … dest`,
///   `mkdir`, `-o`, a Makefile's target, naming it by its path from the
///   project or by its folder and name: it makes the file before the build
///   (and often removes it after). A script that only reads it
///   (`kustomize build dir | oc apply -f -`, `oc apply -k dir`, `cat`, `<`,
///   `sed -i`) does not make it: a folder that was renamed or deleted stays
///   the DVM004 it is;
/// - else a script copies the kustomization's folder elsewhere
///   (`cp hack/kustomization/app/*.yaml "$tmp/deploy/"`) to build it there
///   beside files it fetched: the folder is the script's template, never
///   built where it lies. The copy names the folder by its path from the
///   project or by two folders or more of its end (after any leading
///   `$VAR/`), as a source of `cp`, not its destination.
fn made_by_a_script(stderr: &str, project: &Path, target: &Path) -> Option<super::Limit> {
    let file = missing_resource(stderr)?;
    let mut segments = file.rsplit('/');
    let (name, parent) = (segments.next()?, segments.next());
    let named = !FILE_NAMES.contains(&name) && !name.is_empty();
    let beside = parent.map(|parent| format!("/{parent}/{name}"));
    let needles: Vec<&str> = std::iter::once(file).chain(beside.as_deref()).collect();
    let folder = target
        .strip_prefix(project)
        .ok()
        .and_then(Path::to_str)
        .filter(|folder| !folder.is_empty())
        .map(|folder| folder.replace(std::path::MAIN_SEPARATOR, "/"));
    let (mut writes, mut copies) = (None, None);
    crate::scripts::each(project, |rel, bytes| {
        // Only a script that holds the file's name can write it.
        if named && memchr::memmem::find(bytes, name.as_bytes()).is_some() {
            let text = String::from_utf8_lossy(bytes);
            let makefile = crate::scripts::is_makefile(rel.rsplit('/').next().unwrap_or(rel));
            if let Some(write) = crate::scripts::writes(&text, makefile)
                .into_iter()
                .find(|write| {
                    write.paths.iter().any(|path| {
                        needles
                            .iter()
                            .any(|needle| crate::scripts::path_names(path, needle))
                    })
                })
            {
                writes = Some(written_by(rel, &write));
                return std::ops::ControlFlow::Break(());
            }
        }
        if copies.is_none()
            && let Some(folder) = &folder
        {
            let text = String::from_utf8_lossy(bytes);
            let variables = shell_variables(&text);
            // The script's own folder holds the kustomization's.
            let own = rel.rsplit_once('/').map_or("", |(dir, _)| dir);
            let below = own.is_empty()
                || folder
                    .strip_prefix(own)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
            let own_names = if below {
                own_folder_variables(&text)
            } else {
                Vec::new()
            };
            copies = text.lines().enumerate().find_map(|(at, line)| {
                if let Some(copy) = copy_of_own_folder(line, &own_names) {
                    return Some(format!(
                        "`{rel}:{line}` copies its own folder, which holds the kustomization's, elsewhere (`cp {copy} …`)",
                        line = at + 1
                    ));
                }
                let line = expand_variables(line, &variables);
                let copy = copy_source_naming(&line, folder)?;
                Some(format!(
                    "`{rel}:{line}` copies the folder's files elsewhere (`cp {copy} …`)",
                    line = at + 1
                ))
            });
        }
        std::ops::ControlFlow::Continue(())
    });
    if writes.is_none() {
        writes = written_beside(project, file);
    }
    if let Some(by) = writes {
        return Some(super::Limit {
            why: format!(
                "its resource `{file}` is not in the repository, and {by}: the repository's tooling makes it before the build"
            ),
            help: GENERATED_HELP,
        });
    }
    let by = copies?;
    Some(super::Limit {
        why: format!(
            "its resource `{file}` is not in the repository, and {by} to build them there: the folder is a script's template, not a root"
        ),
        help: "nothing to fix when a script builds it elsewhere; to lint the build, run the script and lint its output (`kustomize build … | dvmlint check -`)",
    })
}

/// How a verdict names the command of the script `rel` that writes a file:
/// `` `Makefile:4` writes it (`> ./deploy/x.yaml`) ``.
fn written_by(rel: &str, write: &crate::scripts::Write) -> String {
    format!("`{rel}:{}` writes it (`{}`)", write.line, write.shown)
}

/// A script in the folder of `file` (a path from the project) that writes
/// it by its bare name (`cat <&0 > all.yaml`, `helm template … | tee
/// all.yaml`, `-o all.yaml`): a Helm post-renderer, or a build script run
/// from that folder. Scripts by name (`scripts::is_script`) or by their `#!`
/// line (a post-renderer named `kustomize`), at most 64 KB each; only that
/// folder is listed, no link followed. How it writes it ([`written_by`]).
fn written_beside(project: &Path, file: &str) -> Option<String> {
    let (folder, name) = file.rsplit_once('/').unwrap_or(("", file));
    if name.is_empty() {
        return None;
    }
    // A folder of the project, named plainly (the tool's message is text).
    if !Path::new(folder)
        .components()
        .all(|c| matches!(c, std::path::Component::Normal(_)))
    {
        return None;
    }
    let boundary = crate::boundary::ProjectBoundary::new(project);
    let dir = boundary.resolve(&project.join(folder)).ok()?;
    let mut entries: Vec<(String, std::path::PathBuf)> = std::fs::read_dir(&dir)
        .ok()?
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| Some((e.file_name().to_str()?.to_owned(), e.path())))
        .collect();
    entries.sort();
    entries.into_iter().take(256).find_map(|(script, path)| {
        let bytes = boundary.open_bounded(&path, 64 * 1024).ok()?;
        if !(crate::scripts::is_script(&script) || bytes.starts_with(b"#!")) {
            return None;
        }
        let text = String::from_utf8_lossy(&bytes);
        let write = crate::scripts::writes(&text, crate::scripts::is_makefile(&script))
            .into_iter()
            .find(|write| {
                write
                    .paths
                    .first()
                    .is_some_and(|path| path.strip_prefix("./").unwrap_or(path) == name)
            })?;
        Some(written_by(&super::join(folder, &script), &write))
    })
}

/// The variables a script sets to a plain value (`KIT=scripts/kits/web`,
/// `export KIT="scripts/kits/web"`), or to a default the environment may
/// override (`KIT=${KIT:-scripts/kits/web}`: the default), each at its first
/// such setting; a value that reads another variable is not kept.
fn shell_variables(script: &str) -> Vec<(&str, &str)> {
    let mut found: Vec<(&str, &str)> = Vec::new();
    for line in script.lines() {
        let line = line.trim();
        let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
        let Some((name, value)) = line.split_once('=') else {
            continue;
        };
        if !is_shell_name(name) || found.iter().any(|(known, _)| *known == name) {
            continue;
        }
        let value = value.trim().trim_matches(['"', '\'']);
        let value = value
            .strip_prefix("${")
            .and_then(|rest| rest.strip_suffix('}'))
            .and_then(|inner| inner.split_once(":-").or_else(|| inner.split_once(":=")))
            .filter(|(own, _)| *own == name)
            .map_or(value, |(_, default)| default);
        if !value.is_empty() && !value.contains(['$', ' ', '`', '(']) {
            found.push((name, value));
        }
    }
    found
}

/// Whether `name` is a shell variable's name (a letter or `_`, then letters,
/// digits and `_`).
fn is_shell_name(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `line` with each `$NAME` and `${NAME}` of `variables` replaced by its value.
fn expand_variables(line: &str, variables: &[(&str, &str)]) -> String {
    let mut line = line.to_owned();
    for (name, value) in variables {
        line = line.replace(&format!("${{{name}}}"), value);
        let plain = format!("${name}");
        let mut out = String::with_capacity(line.len());
        let mut rest = line.as_str();
        while let Some(at) = rest.find(&plain) {
            let after = rest.get(at + plain.len()..).unwrap_or_default();
            let whole = !after
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
            out.push_str(rest.get(..at).unwrap_or_default());
            out.push_str(if whole { value } else { &plain });
            rest = after;
        }
        out.push_str(rest);
        line = out;
    }
    line
}

/// The variables a shell script sets to its own folder
/// (`SCRIPTPATH="$(cd -- "$(dirname "$0")" … ; pwd -P)"`, `DIR=$(dirname
/// "${BASH_SOURCE[0]}")`).
fn own_folder_variables(script: &str) -> Vec<&str> {
    script
        .lines()
        .filter_map(|line| {
            let line = line.trim();
            let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
            let (name, value) = line.split_once('=')?;
            (is_shell_name(name)
                && value.contains("dirname")
                && (value.contains("$0")
                    || value.contains("${0}")
                    || value.contains("BASH_SOURCE")))
            .then_some(name)
        })
        .collect()
}

/// The source of a `cp` command of the shell `line` that is the whole of
/// the script's own folder, named by one of `names` ([`own_folder_variables`]):
/// `cp -r ${SCRIPTPATH}/* $TMP_DIR`, `cp -r "$DIR/." "$tmp"`, `cp -R $DIR
/// $tmp`. The last operand (the destination) never counts.
fn copy_of_own_folder<'l>(line: &'l str, names: &[&str]) -> Option<&'l str> {
    if names.is_empty() {
        return None;
    }
    cp_source(line, |source| {
        let path = source.replace(['"', '\''], "");
        let path = path
            .strip_suffix("/*")
            .or_else(|| path.strip_suffix("/."))
            .or_else(|| path.strip_suffix('/'))
            .unwrap_or(&path);
        names
            .iter()
            .any(|name| path == format!("${name}") || path == format!("${{{name}}}"))
    })
}

/// The first source operand of a `cp` command of the shell `line` that
/// `wanted` takes (the last operand, the destination, never counts).
fn cp_source(line: &str, wanted: impl Fn(&str) -> bool) -> Option<&str> {
    let line = line.split('#').next().unwrap_or_default();
    line.split([';', '|', '&'])
        .filter_map(|command| {
            let mut words = command
                .split_whitespace()
                .skip_while(|w| w.contains('=') || *w == "sudo" || *w == "command");
            let program = words.next()?;
            (program == "cp" || program.ends_with("/cp")).then_some(words)
        })
        .find_map(|words| {
            let operands: Vec<&str> = words.filter(|w| !w.starts_with('-')).collect();
            let (_, sources) = operands.split_last()?;
            sources.iter().copied().find(|source| wanted(source))
        })
}

/// The source of a `cp` command of the shell `line` that names `folder` (a
/// path from the project), or a file or glob in it: `cp -r deploy/app /tmp`,
/// `cp "${ROOT}/hack/app/"*.yaml "$dir/"`. The folder is named by its whole
/// path or by two folders or more of its end; the last operand (the
/// destination) never counts.
fn copy_source_naming<'l>(line: &'l str, folder: &str) -> Option<&'l str> {
    cp_source(line, |source| names_folder(source, folder))
}

/// Whether the operand `source` of `cp` is `folder` (a path from the
/// project), or a file or glob directly in it, as [`copy_source_naming`] says.
fn names_folder(source: &str, folder: &str) -> bool {
    let mut path = source.replace(['"', '\''], "");
    // Leading variables (`$ROOT/`, `${dir}/`) and `./` say where the
    // repository is, not which folder of it.
    loop {
        let rest = if let Some(rest) = path.strip_prefix("./") {
            rest
        } else if path.starts_with('$') {
            match path.split_once('/') {
                Some((_, rest)) => rest,
                None => return false,
            }
        } else {
            break;
        };
        path = rest.to_owned();
    }
    if path.contains('$') {
        return false;
    }
    let path = path.trim_end_matches('/');
    let in_it = path.rsplit_once('/').and_then(|(parent, last)| {
        let a_file = last.contains('*')
            || last == "."
            || [".yaml", ".yml"].iter().any(|e| last.ends_with(e));
        a_file.then_some(parent)
    });
    [Some(path), in_it].into_iter().flatten().any(|named| {
        !named.is_empty()
            && (named == folder
                || (named.contains('/')
                    && folder
                        .strip_suffix(named)
                        .is_some_and(|above| above.ends_with('/'))))
    })
}

/// A build that failed on a kustomization that patches and holds nothing to
/// patch: no `resources:`, `bases:`, `components:`, generators or
/// `helmCharts:`, only patches. Kustomize refuses it on its own ("no matches
/// for Id …"); it is an overlay that another tool applies over its own
/// output (Fleet's `kustomize.dir` over a Helm chart, a Helm post-renderer),
/// not a root to build. The kustomization is read through the project
/// boundary.
fn patches_only(project: &Path, target: &Path) -> Option<super::Limit> {
    const MAKE: [&str; 8] = [
        "resources",
        "bases",
        "components",
        "configMapGenerator",
        "secretGenerator",
        "generators",
        "helmCharts",
        "helmChartInflationGenerator",
    ];
    const PATCH: [&str; 3] = ["patches", "patchesStrategicMerge", "patchesJson6902"];
    let file = kustomization_in(target)?;
    let bytes = crate::boundary::ProjectBoundary::new(project)
        .open_bounded(&file, 1 << 20)
        .ok()?;
    let (parsed, _) = yaml::parse_kustomization(std::str::from_utf8(&bytes).ok()?, 1);
    let node = parsed.documents.into_iter().next()?;
    let listed = |key: &str| node.get(key).is_some_and(|v| !v.items().is_empty());
    if MAKE.iter().any(|key| listed(key)) || !PATCH.iter().any(|key| listed(key)) {
        return None;
    }
    Some(super::Limit {
        why: "it only patches, with no `resources:` of its own: an overlay another tool applies over its own output, such as Fleet's `kustomize.dir` over a Helm chart".to_owned(),
        help: "nothing to fix when a tool applies it over another build; otherwise list what it patches under `resources:`",
    })
}

/// Whether the `.gitignore` files of `project` (its own and those of the
/// folders down to `rel`'s) ignore `rel`: the deepest file that decides wins,
/// as in git. Each is read through the project boundary.
fn ignored(project: &Path, rel: &Path) -> bool {
    let boundary = crate::boundary::ProjectBoundary::new(project);
    let mut folders = vec![PathBuf::new()];
    let mut folder = PathBuf::new();
    for part in rel.parent().into_iter().flat_map(Path::components) {
        folder.push(part);
        folders.push(folder.clone());
    }
    for folder in folders.iter().rev() {
        let dir = project.join(folder);
        let Ok(text) = boundary.open_bounded(&dir.join(".gitignore"), 1 << 20) else {
            continue;
        };
        let mut builder = ignore::gitignore::GitignoreBuilder::new(&dir);
        for line in String::from_utf8_lossy(&text).lines() {
            let _ = builder.add_line(None, line);
        }
        let Ok(gitignore) = builder.build() else {
            continue;
        };
        match gitignore.matched_path_or_any_parents(project.join(rel), false) {
            ignore::Match::Ignore(_) => return true,
            ignore::Match::Whitelist(_) => return false,
            ignore::Match::None => {}
        }
    }
    false
}

/// The remote resource a failed build was reading: the innermost resource
/// Kustomize names (`accumulating resources from 'github.com/…'`), when it
/// is written as a remote one (a URL, `git@host:…`, or a host name first).
fn remote_resource(stderr: &str) -> Option<&str> {
    const FROM: &str = "accumulating resources from '";
    let listed = stderr.rfind(FROM).and_then(|at| {
        let (resource, _) = stderr.get(at + FROM.len()..)?.split_once('\'')?;
        let host = resource.split('/').next().unwrap_or("");
        let remote = resource.contains("://")
            || resource.starts_with("git@")
            || (host.contains('.') && !host.starts_with('.'));
        remote.then_some(resource)
    });
    // Else the URL Go's HTTP client failed to get: a generator's file
    // (`configMapGenerator` `files: [https://…]`) is named so only.
    const GET: &str = "Get \"";
    let fetched = || {
        let at = stderr.find(GET)?;
        let (url, _) = stderr.get(at + GET.len()..)?.split_once('"')?;
        url.contains("://").then_some(url)
    };
    listed
        .or_else(fetched)
        .filter(|resource| resource.len() <= 300 && !resource.contains(['\n', '`']))
}

/// The part of Kustomize's error to show, on one line (its causes nest in one
/// line already; git's output and a generator's configuration add lines):
/// its `# Warning:` lines (deprecated fields) dropped, and of the chain of
/// folders it was accumulating only the innermost one (``in `base`: …``, not
/// named when it is the root itself), so that the cause leads; the frame of
/// dvmlint's wrapper kustomization is dropped when there is no chain.
/// `first_lines` then bounds it, keeping its start and its end.
fn innermost(stderr: &str, target: &Path, project: &Path) -> String {
    const STEP: &str = "recursed accumulation of path '";
    const WRAPPED: &str = "' must resolve to a file': ";
    let text = stderr
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("# Warning:"))
        .collect::<Vec<_>>()
        .join(" ")
        .replace(
            "accumulating resources: accumulation err='accumulating resources from '",
            "accumulating resources from '",
        )
        .replace(
            "accumulating resources: accumulation err='merging resources from '",
            "merging resources from '",
        );
    // A resource that is neither a file nor a folder: Kustomize says so
    // twice, as a file and as a folder; once is enough.
    const AS_FOLDER: &str = "': must build at directory: not a valid directory: ";
    let text = match text.split_once(AS_FOLDER) {
        Some((file, folder)) if file.ends_with(folder) => file.to_owned(),
        _ => text,
    };
    // A file that was read and refused (two resources of one id): Kustomize
    // then tries it as a folder too, and says that it is not one.
    const NOT_A_FOLDER: &str = "': must build at directory: '";
    let text = match text.split_once(NOT_A_FOLDER) {
        Some((cause, folder))
            if cause.contains("merging resources from '")
                && folder.ends_with("': file is not directory") =>
        {
            cause.to_owned()
        }
        _ => text,
    };
    let root = target
        .strip_prefix(project)
        .ok()
        .and_then(Path::to_str)
        .unwrap_or("");
    if let Some(at) = text.rfind(STEP)
        && let Some((path, cause)) = text[at + STEP.len()..].split_once("': ")
        && path.len() <= 1024
    {
        // Kustomize quotes a component's error in its parent's (`%q`): the
        // cause is as deep in quotes as the components it was met through.
        let depth = text[..at].matches("accumulateDirectory: ").count();
        let cause = unquoted(cause, depth);
        return if path == root || path.is_empty() || Path::new(path) == target {
            cause
        } else {
            format!("in `{path}`: {cause}")
        };
    }
    match text.split_once(WRAPPED) {
        Some((head, cause)) if head.len() <= 1024 => cause.to_owned(),
        _ => text,
    }
}

/// `text`, the end of a Go string quoted `depth` times (`%q` within `%q`),
/// read back: each level's closing quote dropped and its escapes undone.
fn unquoted(text: &str, depth: usize) -> String {
    let mut text = text.to_owned();
    for _ in 0..depth {
        let Some(inner) = text.strip_suffix('"') else {
            break;
        };
        text = go_unescaped(inner);
    }
    text
}

/// Go's string escapes undone (`\\`, `\"`; `\n` and `\t` read as a space,
/// the finding's message being one line); any other backslash kept as written.
fn go_unescaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            Some('n') => out.push(' '),
            Some('t') => out.push(' '),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Kustomize's error with the heap addresses Go prints for a value
/// (`merging from generator &{0xc00073bc70 0xc000702d00}`) written `0x…`:
/// they change at every run, and so would the finding's fingerprint.
fn without_addresses(text: &str) -> String {
    static ADDRESS: std::sync::LazyLock<Option<regex::Regex>> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"\b0x[0-9a-f]{6,16}\b").ok());
    match ADDRESS.as_ref() {
        Some(address) => address.replace_all(text, "0x…").into_owned(),
        None => text.to_owned(),
    }
}

/// Kustomize's error as a user would read it from `kustomize build` in the
/// project: kubectl's log prefix dropped, paths relative to the project.
fn readable_error(stderr: &str, wrapper: &Path, project: &Path) -> String {
    let mut text = stderr
        .lines()
        // Kustomize's own information and warnings, logged with a time and
        // a process id (`I1205 23:07:10.334843 8193 log.go:245] well-defined
        // vars that were never replaced: …`): not the cause, and a message
        // that changed at every run would change the finding's fingerprint.
        .filter(|line| !klog_header(line).is_some_and(|severity| matches!(severity, b'I' | b'W')))
        .map(|line| {
            // kubectl: `E1203 13:41:50.629470 2630 run.go:72] "command failed" err="…"`
            // or, without the log: `error: …`.
            match line.split_once("] \"command failed\" err=\"") {
                Some((_, rest)) => rest.strip_suffix('"').unwrap_or(rest).replace("\\\"", "\""),
                None => line.strip_prefix("error: ").unwrap_or(line).to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let project_text = format!("{}/", project.display());
    let from_wrapper = format!("{}/", relative_path(wrapper, project).display());
    text = text.replace(&project_text, "").replace(&from_wrapper, "");
    without_addresses(&text.replace(&wrapper.display().to_string(), "<dvmlint wrapper>"))
}

/// The severity letter of a line that starts with Go's klog header
/// (`I1205 23:07:10.334843    8193 log.go:245] `: severity, month and day,
/// time, thread id, file and line).
fn klog_header(line: &str) -> Option<u8> {
    static HEADER: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"^([IWEF])\d{4} \d{2}:\d{2}:\d{2}\.\d+ +\d+ \S+:\d+\] ").ok()
    });
    let found = HEADER.as_ref()?.captures(line)?;
    found.get(1)?.as_str().bytes().next()
}

/// The origin of every document of a build: the `config.kubernetes.io/origin`
/// annotation (a resource file, or the kustomization that generated it) and
/// the patch files of the kustomizations named by
/// `alpha.config.kubernetes.io/transformations` as patching it. Paths in the
/// annotations are relative to the wrapper folder `base`.
pub fn origins(text: &str, base: &Path, project: &Path) -> Vec<DocOrigin> {
    let parsed = yaml::parse_chunk(text, 1, Limits::default());
    parsed
        .documents
        .iter()
        .map(|doc| {
            let annotations = doc.at(&["metadata", "annotations"]);
            let origin = annotations
                .and_then(|a| a.get("config.kubernetes.io/origin"))
                .and_then(Node::as_str)
                .and_then(|t| read_text(t));
            let source = origin.as_ref().and_then(|o| {
                if o.get("repo").is_some() {
                    return None;
                }
                let path = o
                    .get("path")
                    .or_else(|| o.get("configuredIn"))
                    .and_then(Node::as_str)?;
                super::project_relative(project, &base.join(path))
            });
            let mut patches = Vec::new();
            let transformations = annotations
                .and_then(|a| a.get("alpha.config.kubernetes.io/transformations"))
                .and_then(Node::as_str)
                .and_then(|t| read_text(t));
            for item in transformations.as_ref().map_or(&[][..], Node::items) {
                let kind = item
                    .at(&["configuredBy", "kind"])
                    .and_then(Node::as_str)
                    .unwrap_or("");
                let Some(file) = item.get("configuredIn").and_then(Node::as_str) else {
                    continue;
                };
                if !kind.contains("Patch") {
                    continue;
                }
                let file = base.join(file);
                let Some(node) = read_yaml(&file) else {
                    continue;
                };
                let dir = file.parent().unwrap_or(base);
                for patch in Kustomization::from_node(&node).patch_files {
                    if let Some(rel) = super::project_relative(project, &dir.join(patch))
                        && !patches.contains(&rel)
                    {
                        patches.push(rel);
                    }
                }
            }
            DocOrigin {
                first_line: doc.span.start.line,
                source,
                patches,
            }
        })
        .collect()
}

fn read_text(text: &str) -> Option<Node<'static>> {
    let parsed = yaml::parse_chunk(text, 1, Limits::default());
    parsed
        .documents
        .into_iter()
        .next()
        .map(|node| node.to_owned_node())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scripts_plain_variables_and_defaults_are_expanded() {
        let script = "set -e\nKIT=${KIT:-kits/web}\nexport DEST=\"out/web\"\nKIT=other\nWORK=$(mktemp -d)\nBASE=$KIT/base\n";
        let variables = shell_variables(script);
        assert_eq!(variables, [("KIT", "kits/web"), ("DEST", "out/web")]);
        assert_eq!(
            expand_variables("cp -a ${KIT}/2-services/ $DEST/ $KITS $WORK", &variables),
            "cp -a kits/web/2-services/ out/web/ $KITS $WORK"
        );
    }

    #[test]
    fn a_copy_names_the_folder_as_its_source_only() {
        let folder = "tools/hack/kust/gadget";
        for line in [
            "cp hack/kust/gadget/*.yaml \"$work/deploy/\"",
            "  cp -r ./tools/hack/kust/gadget \"$tmp\" && kubectl kustomize \"$tmp\"",
            "cp \"${ROOT}/kust/gadget/\"*.yml $dir/",
            "set -e; sudo cp kust/gadget/kustomization.yaml kust/gadget/a.yaml /tmp/x/",
            "cp tools/hack/kust/gadget/. /tmp/x",
        ] {
            assert!(copy_source_naming(line, folder).is_some(), "{line}");
        }
        for line in [
            // The destination, a folder of the same last name, one folder only,
            // a variable inside, a comment, another command.
            "cp /tmp/x/*.yaml hack/kust/gadget/",
            "cp hack/kust/gadget2/*.yaml /tmp/x",
            "cp gadget/*.yaml /tmp/x",
            "cp hack/$kind/gadget/*.yaml /tmp/x",
            "# cp hack/kust/gadget/*.yaml /tmp/x",
            "ls hack/kust/gadget/*.yaml /tmp/x",
            "cp hack/kust/gadget/*.yaml",
        ] {
            assert_eq!(copy_source_naming(line, folder), None, "{line}");
        }
    }

    /// What the pinned kubectl (v1.33.9, Kustomize v5.6.0) prints for a build
    /// through dvmlint's wrapper in the offline environment, paths made
    /// relative as `readable_error` does (testdata/kustomize: `limit-*` fail
    /// only because of how dvmlint builds, `fault-*` are the repository's).
    const CAPTURED: [(&str, &str); 24] = [
        (
            "limit-helm-charts",
            include_str!("testdata/kustomize/limit-helm-charts.txt"),
        ),
        (
            "limit-plugin-generator",
            include_str!("testdata/kustomize/limit-plugin-generator.txt"),
        ),
        (
            "limit-plugin-krm-function",
            include_str!("testdata/kustomize/limit-plugin-krm-function.txt"),
        ),
        (
            "limit-plugin-transformer",
            include_str!("testdata/kustomize/limit-plugin-transformer.txt"),
        ),
        (
            "limit-remote-file-url",
            include_str!("testdata/kustomize/limit-remote-file-url.txt"),
        ),
        (
            "limit-remote-https-ref",
            include_str!("testdata/kustomize/limit-remote-https-ref.txt"),
        ),
        (
            "limit-remote-in-a-base",
            include_str!("testdata/kustomize/limit-remote-in-a-base.txt"),
        ),
        (
            "limit-remote-no-git",
            include_str!("testdata/kustomize/limit-remote-no-git.txt"),
        ),
        (
            "limit-remote-no-scheme",
            include_str!("testdata/kustomize/limit-remote-no-scheme.txt"),
        ),
        (
            "limit-remote-no-scheme-curl",
            include_str!("testdata/kustomize/limit-remote-no-scheme-curl.txt"),
        ),
        (
            "limit-remote-no-scheme-ref",
            include_str!("testdata/kustomize/limit-remote-no-scheme-ref.txt"),
        ),
        (
            "limit-remote-scp",
            include_str!("testdata/kustomize/limit-remote-scp.txt"),
        ),
        (
            "limit-remote-ssh",
            include_str!("testdata/kustomize/limit-remote-ssh.txt"),
        ),
        (
            "limit-remote-ssh-refused",
            include_str!("testdata/kustomize/limit-remote-ssh-refused.txt"),
        ),
        (
            "limit-remote-ssh-unresolved",
            include_str!("testdata/kustomize/limit-remote-ssh-unresolved.txt"),
        ),
        (
            "fault-deprecated-fields-missing-base",
            include_str!("testdata/kustomize/fault-deprecated-fields-missing-base.txt"),
        ),
        (
            "fault-invalid-kustomization",
            include_str!("testdata/kustomize/fault-invalid-kustomization.txt"),
        ),
        (
            "fault-missing-file-named-git-fetch",
            include_str!("testdata/kustomize/fault-missing-file-named-git-fetch.txt"),
        ),
        (
            "fault-missing-folder-named-git",
            include_str!("testdata/kustomize/fault-missing-folder-named-git.txt"),
        ),
        (
            "fault-missing-generator-file",
            include_str!("testdata/kustomize/fault-missing-generator-file.txt"),
        ),
        (
            "fault-missing-resource",
            include_str!("testdata/kustomize/fault-missing-resource.txt"),
        ),
        (
            "fault-missing-resource-in-a-base",
            include_str!("testdata/kustomize/fault-missing-resource-in-a-base.txt"),
        ),
        (
            "fault-missing-vendored-github-com",
            include_str!("testdata/kustomize/fault-missing-vendored-github-com.txt"),
        ),
        (
            "fault-patch-matches-nothing",
            include_str!("testdata/kustomize/fault-patch-matches-nothing.txt"),
        ),
    ];

    fn captured(name: &str) -> &'static str {
        CAPTURED
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, text)| *text)
            .unwrap()
    }

    /// A missing file is left to the user only when a `.gitignore` on its way
    /// ignores it: the deepest one that decides wins, a `!` pattern included.
    #[test]
    fn an_entry_climbing_above_the_project_is_told() {
        assert!(climbs_out(
            "clusters/hub/acm",
            "../../../../components/acm/"
        ));
        assert!(!climbs_out("clusters/hub/acm", "../../../components/acm/"));
        assert!(climbs_out("", "../x"));
        assert!(!climbs_out("a/b", "../c/../../d"));
        assert!(climbs_out("a/b", "../c/../../../d"));
        assert!(!climbs_out("a", "/srv/data"));
        assert!(!climbs_out("a", "deployment.yaml"));
    }

    #[test]
    fn a_generators_remote_file_is_named() {
        let stderr = "error: loading KV pairs: file sources: [https://raw.example.com/repo/main/config.yaml]: Get \"https://raw.example.com/repo/main/config.yaml\": proxyconnect tcp: dial tcp 127.0.0.1:9: connect: connection refused";
        assert_eq!(
            remote_resource(stderr),
            Some("https://raw.example.com/repo/main/config.yaml")
        );
        let why = limit(stderr).unwrap().why;
        assert!(
            why.contains("`https://raw.example.com/repo/main/config.yaml`"),
            "{why}"
        );
        assert_eq!(remote_resource("error: Get \"relative/path\": no"), None);
    }

    #[test]
    fn a_root_is_built_by_flux_at_or_below_a_spec_path() {
        let paths = ["./apps/overlays/prod/".to_owned(), "infra".to_owned()];
        assert!(built_by_flux("apps/overlays/prod", &paths));
        assert!(built_by_flux("infra/network", &paths));
        assert!(!built_by_flux("apps/overlays/production", &paths));
        assert!(!built_by_flux("apps", &paths));
        assert!(!built_by_flux("tools/local", &paths));
        assert!(built_by_flux("tools/local", &["./".to_owned()]));
        assert!(!built_by_flux("anything", &[]));
        // Flux's substitutions stand for one folder each.
        let substituted = ["./apps/app/${ENVIRONMENT}/${CLUSTER}".to_owned()];
        assert!(built_by_flux("apps/app/dev/00", &substituted));
        assert!(!built_by_flux("apps/app/dev", &substituted));
        assert!(!built_by_flux("apps/other/dev/00", &substituted));
    }

    #[test]
    fn a_missing_file_is_left_to_the_user_only_when_gitignored() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("app/keep")).unwrap();
        std::fs::write(root.join(".gitignore"), "*.env\n").unwrap();
        std::fs::write(root.join("app/keep/.gitignore"), "!shared.env\n").unwrap();
        let missing = |path: &str| {
            format!("evalsymlink failure on '{path}' : lstat {path}: no such file or directory")
        };
        assert!(left_to_the_user(&missing("app/params.env"), root).is_some());
        assert!(left_to_the_user(&missing("app/keep/shared.env"), root).is_none());
        assert!(left_to_the_user(&missing("app/config.yaml"), root).is_none());
        assert!(left_to_the_user(&missing("../outside.env"), root).is_none());
        let why = left_to_the_user(&missing("app/params.env"), root)
            .unwrap()
            .why;
        assert!(why.contains("`app/params.env`"), "{why}");
    }

    /// A build that failed on a file it reads that is a template is told so,
    /// naming the file, only when Kustomize's message names it and the file
    /// is one; a broken patch that is no template stays a fault.
    #[test]
    fn a_template_the_build_reads_is_told_when_the_message_names_it() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::create_dir_all(root.join("dev")).unwrap();
        for (name, text) in [
            ("dev/patch.yaml", "kind: Deployment\nspec:\n  x: %TOKEN%\n"),
            (
                "dev/broken.yaml",
                "kind: Deployment\nspec:\n  x: 1\n   y: 2\n",
            ),
            ("dev/kustomization.yaml", "patches:\n  - path: patch.yaml\n"),
        ] {
            std::fs::write(root.join(name), text).unwrap();
        }
        let inputs: BTreeSet<PathBuf> = [
            "dev/patch.yaml",
            "dev/broken.yaml",
            "dev/kustomization.yaml",
        ]
        .iter()
        .map(|name| root.join(name))
        .collect();
        let patch = |name: &str| {
            format!(
                "trouble configuring builtin PatchTransformer: unable to parse SM or JSON patch from [path: \"{name}\"]"
            )
        };
        let why = reads_a_template(&patch("patch.yaml"), &root, &inputs)
            .unwrap()
            .why;
        assert!(
            why.starts_with("it reads `dev/patch.yaml`, a template of placeholders"),
            "{why}"
        );
        assert_eq!(
            reads_a_template(&patch("broken.yaml"), &root, &inputs),
            None
        );
        // A message that names no template, or another file of a longer name.
        assert_eq!(
            reads_a_template("accumulating resources: 'x.yaml'", &root, &inputs),
            None
        );
        assert_eq!(
            reads_a_template(&patch("prod-patch.yaml"), &root, &inputs),
            None
        );
        assert!(names_file("in File: patch.yaml.", "patch.yaml"));
        assert!(names_file("from 'patch.yaml': x", "patch.yaml"));
        assert!(!names_file("from 'patch.yaml.bak'", "patch.yaml"));
        assert!(!names_file("from 'dev.patch.yaml'", "patch.yaml"));
    }

    /// An empty kustomization beside its template (not empty itself) is the
    /// template's stand-in; with no template, or an empty one, it is a fault.
    #[test]
    fn an_empty_kustomization_beside_its_template_is_told() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        for folder in ["a", "b", "c"] {
            std::fs::create_dir_all(root.join(folder)).unwrap();
            std::fs::write(root.join(folder).join("kustomization.yaml"), "").unwrap();
        }
        std::fs::write(
            root.join("a/kustomization.yaml.tpl"),
            "resources:\n  - cm.yaml\n",
        )
        .unwrap();
        std::fs::write(root.join("b/kustomization.yaml.tpl"), "# nothing yet\n").unwrap();
        let empty = |dir: &str| {
            format!(
                "accumulating resources from '../{dir}': couldn't make target for path '{dir}': kustomization.yaml is empty"
            )
        };
        let why = empty_beside_a_template(&empty("a"), &root).unwrap().why;
        assert!(
            why.starts_with("`a/kustomization.yaml` is empty and `a/kustomization.yaml.tpl` beside it is its template"),
            "{why}"
        );
        assert_eq!(empty_beside_a_template(&empty("b"), &root), None);
        assert_eq!(empty_beside_a_template(&empty("c"), &root), None);
        // Another failure of the folder is no empty kustomization.
        let other = "couldn't make target for path 'a': invalid Kustomization: yaml: line 2";
        assert_eq!(empty_beside_a_template(other, &root), None);
    }

    /// One verdict on the whole output: every limit is one, every fault is
    /// none, whatever the cut message keeps and whatever "git" a path holds.
    #[test]
    fn limits_of_the_offline_build_are_told_from_faults_of_the_repository() {
        for (name, stderr) in CAPTURED {
            let limit = limit(stderr);
            if name.starts_with("limit-") {
                assert!(limit.is_some(), "{name}: not a limit:\n{stderr}");
            } else {
                assert_eq!(limit, None, "{name}: a fault taken for a limit:\n{stderr}");
            }
        }
    }

    /// The reason names what dvmlint did not do, and the help goes with it.
    #[test]
    fn a_limit_names_its_reason_and_its_help() {
        let helm = limit(captured("limit-helm-charts")).unwrap();
        assert!(helm.why.contains("`helmCharts:`"), "{}", helm.why);
        assert!(helm.help.contains("render.charts"), "{}", helm.help);
        for (name, kind) in [
            ("limit-plugin-generator", "`PolicyGenerator`"),
            ("limit-plugin-transformer", "`ValueAnnotator`"),
            ("limit-plugin-krm-function", "`SecretsGen`"),
        ] {
            let plugin = limit(captured(name)).unwrap();
            assert!(plugin.why.contains(kind), "{name}: {}", plugin.why);
            assert!(
                !plugin.help.contains("fix what it reports"),
                "{}",
                plugin.help
            );
        }
        for (name, resource) in [
            (
                "limit-remote-no-scheme",
                "`github.com/example-org/catalog/some-operator/overlays/default`",
            ),
            (
                "limit-remote-no-scheme-curl",
                "`github.com/example-org/catalog/some-operator/overlays/default`",
            ),
            (
                "limit-remote-in-a-base",
                "`github.com/example-org/catalog/some-operator/overlays/default`",
            ),
            (
                "limit-remote-ssh-refused",
                "`ssh://git@localhost:2222/example/catalog.git/base`",
            ),
            (
                "limit-remote-scp",
                "`git@github.com:example-org/catalog.git/base`",
            ),
            (
                "limit-remote-file-url",
                "`https://raw.example.com/install.yaml`",
            ),
        ] {
            let remote = limit(captured(name)).unwrap();
            assert!(remote.why.contains(resource), "{name}: {}", remote.why);
            assert_eq!(remote.help, super::super::OFFLINE_HELP);
        }
    }

    /// Kustomize's logged information (time and process id) is not part of
    /// the message: the same failure reads the same at every run.
    #[test]
    fn logged_information_is_left_out_of_the_message() {
        let project = Path::new("/p");
        let stderr = "I1205 23:07:10.334843    8193 log.go:245] well-defined vars that were never replaced: version\n\
                      W1205 23:07:10.334900    8193 warnings.go:70] a warning\n\
                      error: considering field 'data/*' of object ConfigMap.v1.[noGrp]/web.[noNs]: fieldName: *: wildcard is not supported in PathGetter\n";
        let readable = readable_error(stderr, &project.join("w"), project);
        assert_eq!(
            readable,
            "considering field 'data/*' of object ConfigMap.v1.[noGrp]/web.[noNs]: fieldName: *: wildcard is not supported in PathGetter"
        );
        assert_eq!(
            klog_header("I1205 23:07:10.334843    8193 log.go:245] x"),
            Some(b'I')
        );
        assert_eq!(
            klog_header("E1203 13:41:50.629470 2630 run.go:72] \"command failed\""),
            Some(b'E')
        );
        for line in [
            "Information: 1",
            "I1205 23:07 8193 log.go:245] x",
            "error: x",
            "I12",
            "",
        ] {
            assert_eq!(klog_header(line), None, "{line}");
        }
    }

    /// The message leads with the cause: no `# Warning:` lines, no frames of
    /// the wrapper or of the root itself, the innermost folder named.
    #[test]
    fn the_message_is_the_innermost_cause() {
        let project = Path::new("/p");
        let message = |name: &str, root: &str| {
            super::super::first_lines(
                &innermost(captured(name), &project.join(root), project),
                &[],
            )
        };
        let warned = message("fault-deprecated-fields-missing-base", "warn");
        assert!(
            warned
                .starts_with("accumulating resources from '../missing-base': evalsymlink failure"),
            "{warned}"
        );
        assert!(
            !warned.contains("# Warning") && !warned.contains("must resolve"),
            "{warned}"
        );
        // Said once, not as a file and again as a folder.
        assert_eq!(
            warned.matches("no such file or directory").count(),
            1,
            "{warned}"
        );
        let nested = message("fault-missing-resource-in-a-base", "deepbroken/overlay");
        assert!(
            nested.starts_with("in `deepbroken/base`: accumulating resources from 'service.yaml'"),
            "{nested}"
        );
        let invalid = message("fault-invalid-kustomization", "invalid");
        assert!(
            invalid.starts_with("couldn't make target for path 'invalid': invalid Kustomization: json: cannot unmarshal"),
            "{invalid}"
        );
        let patch = message("fault-patch-matches-nothing", "badpatch");
        assert!(
            patch.starts_with("no resource matches strategic merge patch"),
            "{patch}"
        );
        for (name, stderr) in CAPTURED {
            let root = name.trim_start_matches("fault-");
            let text =
                super::super::first_lines(&innermost(stderr, &project.join(root), project), &[]);
            assert!(text.chars().count() <= 500, "{name}: {text}");
            let last = stderr.lines().rfind(|l| l.len() > 20).unwrap();
            let cause = &last[last.len().saturating_sub(40)..];
            assert!(text.contains(cause), "{name}: {cause:?} lost: {text}");
        }
    }

    /// Two resources of one id: the refused file is named, at its entry, and
    /// Kustomize's second try of it as a folder is not repeated.
    #[test]
    fn a_repeated_id_is_told_at_the_entry_that_repeats_it() {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path();
        std::fs::create_dir_all(project.join("creds")).unwrap();
        std::fs::write(
            project.join("creds/kustomization.yaml"),
            "resources:\n  - store-a.yaml\n  - \"store-b.yaml\" # the second store\n",
        )
        .unwrap();
        // As `readable_error` leaves it: paths from the project.
        let stderr = "Error: accumulating resources: accumulation err='merging resources from 'store-b.yaml': may not add resource with an already registered id: Secret.v1.[noGrp]/keys.backups': must build at directory: 'creds/store-b.yaml': file is not directory";
        let text = innermost(stderr, &project.join("creds"), project);
        assert_eq!(
            text,
            "Error: merging resources from 'store-b.yaml': may not add resource with an already registered id: Secret.v1.[noGrp]/keys.backups"
        );
        let root = Root {
            dir: "creds".to_owned(),
            file: std::sync::Arc::from("creds/kustomization.yaml"),
            kind: super::super::RootKind::Kustomize,
            cluster: None,
            unit: 0,
            dependency_of: None,
        };
        let span = failed_entry(project, &root, &text).unwrap();
        assert_eq!((span.start.line, span.start.col), (3, 5));
    }

    /// A password in a remote resource's URL is masked in the reason.
    #[test]
    fn a_remote_resource_is_named_without_its_password() {
        let stderr = captured("limit-remote-https-ref").replace(
            "'https://github.com/example-org/catalog//base?ref=v1'",
            "'https://bot:hunter2hunter2@github.com/example-org/catalog//base?ref=v1'",
        );
        let why = limit(&stderr).unwrap().why;
        assert!(why.contains("https://bot:****@github.com/"), "{why}");
        assert!(!why.contains("hunter2"), "{why}");
    }

    #[test]
    fn relative_paths_climb_to_the_common_folder() {
        assert_eq!(
            relative_path(Path::new("/tmp/x"), Path::new("/work/repo/overlays/a")),
            PathBuf::from("../../work/repo/overlays/a")
        );
    }

    #[test]
    fn inputs_follow_references() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for (path, text) in [
            ("base/kustomization.yaml", "resources: [np.yaml]\n"),
            ("base/np.yaml", "kind: NetworkPolicy\n"),
            ("base/unused.yaml", "kind: ConfigMap\n"),
            (
                "overlays/a/kustomization.yaml",
                "resources: [../../base]\npatches:\n  - path: patch.yaml\nconfigMapGenerator:\n  - name: c\n    files: [key=data.txt]\n",
            ),
            ("overlays/a/patch.yaml", "kind: NetworkPolicy\n"),
            ("overlays/a/data.txt", "x"),
        ] {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let canonical = std::fs::canonicalize(root).unwrap();
        let inputs: Vec<String> = inputs(
            &root.join("overlays/a"),
            &crate::boundary::ProjectBoundary::new(root),
        )
        .files
        .iter()
        .map(|p| {
            p.strip_prefix(&canonical)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
        assert_eq!(
            inputs,
            [
                "base/kustomization.yaml",
                "base/np.yaml",
                "overlays/a/data.txt",
                "overlays/a/kustomization.yaml",
                "overlays/a/patch.yaml"
            ]
        );
    }

    /// Only a base beyond the project leads out: strings that name outside
    /// files or folders without a kustomization (a literal `DATA=/srv/data`)
    /// are no inputs.
    #[test]
    fn only_a_base_beyond_the_project_leads_out() {
        let dir = tempfile::tempdir().unwrap();
        let (project, outside) = (dir.path().join("repo"), dir.path().join("platform"));
        let write = |path: &Path, text: &str| {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write(&outside.join("kustomization.yaml"), "resources: []\n");
        write(&outside.join("values.env"), "A=1\n");
        write(&outside.join("plain/data.txt"), "x");
        let app = project.join("app/kustomization.yaml");
        let boundary = crate::boundary::ProjectBoundary::new(&project);
        let literals = format!(
            "configMapGenerator:\n  - name: c\n    literals: [ENV={}, DATA={}]\n",
            outside.join("values.env").display(),
            outside.join("plain").display()
        );
        write(&app, &literals);
        assert_eq!(inputs(&project.join("app"), &boundary).outside, None);
        write(&app, "resources: [../../platform]\n");
        assert_eq!(
            inputs(&project.join("app"), &boundary).outside,
            Some((
                "app/kustomization.yaml".to_owned(),
                "../../platform".to_owned()
            ))
        );
    }
}
