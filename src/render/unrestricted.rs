//! What the repository's own files say about how a root that failed to
//! render is built, when that makes the failure a limit of how dvmlint
//! renders (DVM002 info) rather than a fault of the repository ([`Unrestricted::lift`]):
//! chiefly builds without Kustomize's load restrictor (below); also a
//! `flux-system` folder left to `flux bootstrap`, and a chart an Argo CD
//! Application installs with values of its own (`super::argo`), or a command
//! of the repository (`super::script_values`) or a helmfile's release
//! (`super::helmfile`) with a values file.
//!
//! `kustomize build` refuses a file outside the kustomization's folder
//! ("security; file … is not in or below …"), and dvmlint builds as it does.
//! Some repositories build a root with the restriction lifted, and say so in
//! a file dvmlint reads: a Flux Kustomization (`spec.path`; Flux's
//! kustomize-controller confines loading to the source, not the folder), or a
//! command (an Ansible or molecule task, a CI step, a container's arguments)
//! that runs `kustomize build --load-restrictor LoadRestrictionsNone`, as every
//! operator-sdk Ansible operator's `molecule/default/kustomize.yml` does for
//! its `config/testing` overlay; so does Flux for a folder of Flux objects
//! (a HelmRelease), which only Flux acts on. A refused build of such a root is
//! a limit of how dvmlint renders (DVM002 info), not an error of the
//! repository (`docs/rendering.md`).

use std::ops::ControlFlow;
use std::path::Path;
use std::sync::Arc;

use crate::parsed::FileResult;
use crate::yaml::{Node, Value};

/// What the repository says about how its roots are built: without the load
/// restrictor, by Flux, with an Argo CD Application's values or a
/// helmfile's.
#[derive(Debug, Default)]
pub struct Unrestricted {
    /// The folders the repository's Flux Kustomizations build (`spec.path`,
    /// relative to the project: `.` for all of it).
    pub flux: Vec<String>,
    /// Folders commands build with the restrictor off, as written (see
    /// [`commands`]), with the file that holds the command.
    pub commands: Vec<(String, Arc<str>)>,
    /// Each file that holds objects of Flux's toolkit (its API groups
    /// `*.toolkit.fluxcd.io`: a HelmRelease, a HelmRepository, a Flux
    /// Kustomization), which only Flux's controllers act on, with the first
    /// one's kind: a folder of them is one Flux builds.
    pub flux_files: Vec<(Arc<str>, String)>,
    /// The Argo CD Applications that install a chart of the project with
    /// values of their own (`super::argo`).
    pub argo: Vec<super::argo::HelmSource>,
    /// The files whose objects may hold Applications inside them (an ACM
    /// Policy's templates, `super::argo::may_nest`), and those Applications,
    /// read once, when a chart first needs them.
    pub nesting_files: Vec<Arc<str>>,
    nested_argo: std::cell::OnceCell<Vec<super::argo::HelmSource>>,
    /// The helmfiles the walk listed (`super::helmfile::is_helmfile`),
    /// read only when a chart fails for want of a value.
    pub helmfiles: Vec<Arc<str>>,
    /// The files holding an Argo CD instance, or the `argocd-cm`
    /// ConfigMap, that builds every Kustomize root without the load
    /// restrictor ([`argocd_lifts`]).
    pub argocd: Vec<Arc<str>>,
    /// The files holding Argo CD Applications or ApplicationSets, and the
    /// folders they sync, read once, when a refused root first needs them.
    pub application_files: Vec<Arc<str>>,
    application_paths: std::cell::OnceCell<Vec<String>>,
}

/// The API groups of Flux's toolkit end so.
const FLUX_GROUPS: &str = ".toolkit.fluxcd.io";

impl Unrestricted {
    pub fn of<'r>(results: impl IntoIterator<Item = &'r FileResult>) -> Unrestricted {
        let mut unrestricted = Unrestricted::default();
        for result in results {
            if super::helmfile::is_helmfile(&result.rel) {
                unrestricted.helmfiles.push(Arc::clone(&result.rel));
            }
            unrestricted.argo.extend(super::argo::sources([result]));
            unrestricted.flux.extend(
                result
                    .objects
                    .iter()
                    .filter(|o| o.meta.is(super::FLUX_KUSTOMIZE_GROUP, "Kustomization"))
                    .filter_map(|o| o.tree()?.at(&["spec", "path"])?.as_str().map(str::to_owned)),
            );
            if result
                .objects
                .iter()
                .any(|o| super::argo::may_nest(o.meta.group(), &o.meta.kind.value))
            {
                unrestricted.nesting_files.push(Arc::clone(&result.rel));
            }
            if let Some(object) = result
                .objects
                .iter()
                .find(|o| o.meta.group().ends_with(FLUX_GROUPS))
            {
                unrestricted
                    .flux_files
                    .push((Arc::clone(&result.rel), object.meta.kind.value.to_string()));
            }
            if result.objects.iter().any(|o| {
                o.meta.is(crate::manifest::argo::GROUP, "Application")
                    || o.meta.is(crate::manifest::argo::GROUP, "ApplicationSet")
            }) {
                unrestricted.application_files.push(Arc::clone(&result.rel));
            }
            if let Some(extras) = &result.extras {
                if extras.argocd_unrestricted {
                    unrestricted.argocd.push(Arc::clone(&result.rel));
                }
                unrestricted.commands.extend(
                    extras
                        .unrestricted_builds
                        .iter()
                        .map(|folder| (folder.clone(), Arc::clone(&result.rel))),
                );
            }
        }
        unrestricted
    }

    /// Why a build of the root at `dir` (relative to the project) that the
    /// load restrictor refused is no fault of the repository, if it is not:
    /// a Flux Kustomization, Flux objects in the folder, a command in a YAML
    /// file, or one in a Makefile or shell script of the project
    /// ([`in_scripts`], read only now).
    fn limit(
        &self,
        project: &Path,
        dir: &str,
        rendered_applications: &[String],
    ) -> Option<super::Limit> {
        if super::kustomize::built_by_flux(dir, &self.flux) {
            return Some(super::kustomize::flux_limit());
        }
        if let Some((file, kind)) = self.flux_object_below(dir) {
            return Some(super::Limit {
                why: format!(
                    "it reads files outside its own folder, which `kustomize build` refuses and Flux's kustomize-controller allows; `{file}` holds a Flux {kind}, which only Flux acts on, so Flux builds the folder; dvmlint builds as `kustomize build` does"
                ),
                help: super::kustomize::flux_limit().help,
            });
        }
        if let Some(limit) = self.argocd_limit(project, dir, rendered_applications) {
            return Some(limit);
        }
        let file = self
            .commands
            .iter()
            .find(|(folder, file)| builds(folder, file, dir))
            .map(|(_, file)| file.to_string())
            .or_else(|| in_scripts(project, dir))?;
        Some(super::Limit {
            why: format!(
                "it reads files outside its own folder, which `kustomize build` refuses and the command in `{file}` allows (`--load-restrictor LoadRestrictionsNone`); dvmlint builds as `kustomize build` does"
            ),
            help: "if a tool other than that command builds it (`kubectl apply -k`, Argo CD without `--load-restrictor LoadRestrictionsNone`), move the files below the kustomization or make them a base with its own kustomization.yaml",
        })
    }

    /// Why a refused build of the root at `dir` is no fault when an Argo CD
    /// instance (or `argocd-cm`) of the repository builds without the load
    /// restrictor ([`argocd_lifts`]): an Application of the repository
    /// syncs the folder (its `path`, in a file of the project or in a
    /// rendered root's output, `rendered_applications`), so that Argo CD
    /// builds it. A root no Application of the repository names keeps its
    /// DVM004: `kubectl apply -k` may build it.
    fn argocd_limit(
        &self,
        project: &Path,
        dir: &str,
        rendered_applications: &[String],
    ) -> Option<super::Limit> {
        let file = self.argocd.first()?;
        let synced = |paths: &[String]| paths.iter().any(|path| path == dir);
        if !synced(rendered_applications)
            && !synced(
                self.application_paths
                    .get_or_init(|| application_paths(project, &self.application_files)),
            )
        {
            return None;
        }
        Some(super::Limit {
            why: format!(
                "it reads files outside its own folder, which `kustomize build` refuses and the Argo CD of `{file}` allows (`--load-restrictor LoadRestrictionsNone` in its Kustomize build options), and an Argo CD Application of the repository syncs it; dvmlint builds as `kustomize build` does"
            ),
            help: "if a tool other than that Argo CD builds it (`kubectl apply -k`, `kustomize build`), move the files below the kustomization or make them a base with its own kustomization.yaml",
        })
    }

    /// Why the failed render of `root` (the tool's `message`) is no fault of
    /// the repository, by what its files say (`rendered_argo`: with the
    /// Applications the rendered roots write, and `rendered_applications`:
    /// the folders those sync, [`applications_in`]); `None`: it is one, as
    /// far as they tell.
    pub fn lift(
        &self,
        project: &Path,
        root: &super::Root,
        message: &str,
        rendered_argo: &[super::argo::HelmSource],
        rendered_applications: &[String],
    ) -> Option<super::Limit> {
        match root.kind {
            super::RootKind::Helm(ref release) => self
                .installed_by_argo(project, root, release, message, rendered_argo)
                .or_else(|| super::script_values::installed_with(project, root, release, message))
                .or_else(|| {
                    super::helmfile::installed_with(
                        project,
                        root,
                        release,
                        message,
                        &self.helmfiles,
                    )
                }),
            super::RootKind::Kustomize if super::kustomize::load_restricted(message) => {
                self.limit(project, &root.dir, rendered_applications)
            }
            super::RootKind::Kustomize => self.bootstrap_limit(&root.dir, message),
        }
    }

    /// Why a chart that stopped, rendered with its own values alone, for
    /// want of a value an Argo CD Application of the project installs it
    /// with is no fault of the chart (`super::argo`). Only for a release
    /// whose values the configuration does not name.
    fn installed_by_argo(
        &self,
        project: &Path,
        root: &super::Root,
        release: &super::Release,
        message: &str,
        rendered_argo: &[super::argo::HelmSource],
    ) -> Option<super::Limit> {
        if (self.argo.is_empty() && self.nesting_files.is_empty() && rendered_argo.is_empty())
            || !release.values.is_empty()
            || !release.set.is_empty()
        {
            return None;
        }
        let wanted = super::helm::value_wanted(project, root, message)?;
        super::argo::installed_with(project, &root.dir, &wanted, &self.argo)
            .or_else(|| super::argo::installed_with(project, &root.dir, &wanted, rendered_argo))
            .or_else(|| {
                let nested = self
                    .nested_argo
                    .get_or_init(|| super::argo::nested(project, &self.nesting_files));
                super::argo::installed_with(project, &root.dir, &wanted, nested)
            })
    }

    /// The first file at or below the folder `dir` (relative to the
    /// project) that holds Flux objects, and the kind of its first.
    fn flux_object_below(&self, dir: &str) -> Option<(&str, &str)> {
        self.flux_files
            .iter()
            .find(|(file, _)| {
                dir.is_empty()
                    || file
                        .strip_prefix(dir)
                        .is_some_and(|rest| rest.starts_with('/'))
            })
            .map(|(file, kind)| (&**file, kind.as_str()))
    }

    /// Why a build of the root at `dir` that stops at a `flux-system` folder
    /// it lists and the repository does not hold is no fault: the folder
    /// `flux bootstrap` writes (Flux's own components, and the
    /// GitRepository and Kustomization that sync the cluster), in a folder
    /// of Flux objects. A repository that is a template for clusters not
    /// yet bootstrapped keeps it out.
    fn bootstrap_limit(&self, dir: &str, message: &str) -> Option<super::Limit> {
        let lists = [
            "'./flux-system'",
            "'flux-system'",
            "'./flux-system/'",
            "'flux-system/'",
        ]
        .iter()
        .any(|name| message.contains(&format!("accumulating resources from {name}")));
        if !lists || !message.contains("no such file or directory") {
            return None;
        }
        let (file, kind) = self.flux_object_below(dir)?;
        Some(super::Limit {
            why: format!(
                "it lists `flux-system`, the folder `flux bootstrap` writes for the cluster and the repository does not hold; its Flux objects (a Flux {kind} in `{file}`) say Flux syncs it"
            ),
            help: "run `flux bootstrap` for this cluster and commit the `flux-system` folder it writes, then lint again",
        })
    }
}

/// Whether `document` is an Argo CD instance (`kind: ArgoCD` of
/// `argoproj.io`, `spec.kustomizeBuildOptions`) or Argo CD's `argocd-cm`
/// ConfigMap (`data."kustomize.buildOptions"`, or a versioned
/// `kustomize.buildOptions.<version>`) whose Kustomize build options lift the
/// load restrictor: that Argo CD builds every root it syncs without it.
pub fn argocd_lifts(document: &Node<'_>) -> bool {
    let api = text(document.get("apiVersion"));
    match text(document.get("kind")) {
        "ArgoCD" if api.starts_with("argoproj.io/") => {
            options_lift(text(document.at(&["spec", "kustomizeBuildOptions"])))
        }
        "ConfigMap" if api == "v1" && text(document.at(&["metadata", "name"])) == "argocd-cm" => {
            document.get("data").is_some_and(|data| {
                data.entries().iter().any(|(key, value)| {
                    key.as_str().is_some_and(|key| {
                        key == "kustomize.buildOptions"
                            || key.starts_with("kustomize.buildOptions.")
                    }) && options_lift(text(Some(value)))
                })
            })
        }
        _ => false,
    }
}

/// The string of `node`, `""` for none.
fn text<'n>(node: Option<&'n Node<'_>>) -> &'n str {
    node.and_then(Node::as_str).unwrap_or_default()
}

/// Whether Kustomize options (`--enable-helm --load-restrictor
/// LoadRestrictionsNone`) lift the load restrictor.
fn options_lift(options: &str) -> bool {
    let mut words = options.split_whitespace();
    while let Some(word) = words.next() {
        let Some(flag) = word.strip_prefix("--") else {
            continue;
        };
        let (name, value) = match flag.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None => (flag, None),
        };
        if matches!(name, "load-restrictor" | "load_restrictor") {
            return lifting(value.or_else(|| words.next()).unwrap_or_default());
        }
    }
    false
}

/// Whether the value of `--load-restrictor` lifts it.
fn lifting(value: &str) -> bool {
    let value = value.trim_matches(['\'', '"']);
    value.eq_ignore_ascii_case("LoadRestrictionsNone") || value.eq_ignore_ascii_case("none")
}

/// At most this many files holding Applications are read for
/// [`application_paths`], of at most 4 MiB each.
const APPLICATION_FILES: usize = 2_000;

/// The folders the Applications and ApplicationSets of `files` (paths from
/// the project) sync, read again through the project's boundary
/// ([`applications_in`]).
fn application_paths(project: &Path, files: &[Arc<str>]) -> Vec<String> {
    let boundary = crate::boundary::ProjectBoundary::new(project);
    let mut found = Vec::new();
    for file in files.iter().take(APPLICATION_FILES) {
        if let Some(text) = boundary
            .open_bounded(&project.join(&**file), 4 << 20)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
        {
            found.extend(applications_in(&text));
        }
    }
    found
}

/// The folders the Argo CD Applications and ApplicationSets (their
/// template) of the YAML `text` sync: each source's `path` from the
/// repository's root, without `./` and a trailing `/` (`""`: the root); a
/// path written with a template marker (`{{path}}`, `${…}`) is none.
pub fn applications_in(text: &str) -> Vec<String> {
    let parsed = crate::yaml::parse_chunk(text, 1, crate::yaml::Limits::default());
    let mut found = Vec::new();
    for document in &parsed.documents {
        let api = document.get("apiVersion").and_then(Node::as_str);
        if !api.is_some_and(|api| api.starts_with("argoproj.io/")) {
            continue;
        }
        let set = match document.get("kind").and_then(Node::as_str) {
            Some("Application") => false,
            Some("ApplicationSet") => true,
            _ => continue,
        };
        found.extend(
            crate::manifest::argo::sources_of(document, set)
                .filter_map(|source| source.get("path")?.as_str())
                .filter(|path| !path.contains("{{") && !path.contains("${"))
                .filter_map(super::argo::normalised),
        );
    }
    found
}

/// The first Makefile, shell script or program (`crate::scripts::is_program`:
/// a Go or Python tool, read as commands by `crate::scripts::as_commands`)
/// of the project with a command that builds `dir` with the load restrictor
/// off: a Makefile's recipe runs in its own folder, a script or program in
/// its own or the project's ([`builds`] takes either). A Makefile's
/// continued lines are read as one. A folder a program names by a variable
/// or a format field (`path`, `{strategy_name}`) is read as a script's
/// `$VAR`.
fn in_scripts(project: &Path, dir: &str) -> Option<String> {
    use crate::scripts::{is_program, is_script};
    let mut found = None;
    crate::scripts::each_where(
        project,
        |name| is_script(name) || is_program(name),
        crate::scripts::MAX_SCRIPTS + crate::scripts::MAX_PROGRAMS,
        |rel, text| {
            if !may_hold(text) {
                return ControlFlow::Continue(());
            }
            let text = String::from_utf8_lossy(text);
            let program = is_program(rel);
            let script = if program {
                crate::scripts::as_commands(&text, rel)
            } else {
                text.replace("\\\n", " ")
            };
            let mut folders = built_folders(&script);
            if program {
                folders = program_folders(folders, &script, &text);
            }
            if folders.iter().any(|folder| builds(folder, rel, dir)) {
                found = Some(rel.to_owned());
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        },
    );
    found
}

/// Whether a file's text may hold a command that lifts the load restrictor
/// (`LoadRestrictionsNone`, or the old `--load_restrictor none`): one search
/// for a piece both spell, so the per-file stage walks no other file's tree.
pub fn may_hold(bytes: &[u8]) -> bool {
    // Built once: `memmem::find` builds its searcher at every call.
    static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"estrict"));
    FINDER.find(bytes).is_some()
}

/// The folders the commands of `document` build with the load restrictor
/// off: a string (or list of strings) that runs `kustomize build` or
/// `kubectl kustomize` with `--load-restrictor LoadRestrictionsNone`, in the
/// folder its mapping's `chdir` (also under `args:`), `working-directory`,
/// `workingDir` or `dir` names, or an earlier `cd` of the same script, joined
/// with the folder the command names (`.` when none). A folder is written
/// with `/`, and a segment that is a template (`{{ config_dir }}`, `${DIR}`)
/// as `*`.
pub fn commands(document: &Node<'_>) -> Vec<String> {
    let mut found = Vec::new();
    walk(document, &mut found, 0);
    found
}

/// Deep enough for any task file; a deeper tree is not a command's.
const MAX_DEPTH: usize = 32;

fn walk(node: &Node<'_>, found: &mut Vec<String>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    match &node.value {
        Value::Map(entries) => {
            for (_, value) in entries {
                let script = match &value.value {
                    Value::Scalar(..) => value.as_str().map(str::to_owned),
                    Value::Seq(items)
                        if !items.is_empty() && items.iter().all(|i| i.as_str().is_some()) =>
                    {
                        Some(
                            items
                                .iter()
                                .filter_map(Node::as_str)
                                .collect::<Vec<_>>()
                                .join(" "),
                        )
                    }
                    _ => None,
                };
                if let Some(script) = script.filter(|s| s.contains("estrict")) {
                    let chdir = working_dir(node);
                    found.extend(
                        built_folders(&script).into_iter().map(|folder| {
                            normalise(chdir.iter().copied().chain([folder.as_str()]))
                        }),
                    );
                }
                walk(value, found, depth + 1);
            }
        }
        Value::Seq(items) => items.iter().for_each(|item| walk(item, found, depth + 1)),
        Value::Scalar(..) => {}
    }
}

/// The folder a task or step runs its command in.
fn working_dir<'n>(node: &'n Node<'_>) -> Option<&'n str> {
    [
        "chdir",
        "working-directory",
        "workingDir",
        "working_dir",
        "dir",
    ]
    .iter()
    .find_map(|key| node.get(key))
    .or_else(|| node.at(&["args", "chdir"]))
    .and_then(Node::as_str)
}

/// The folders a script's Kustomize builds with the load restrictor off
/// read, each joined with the folder of the script's earlier `cd`, if any.
fn built_folders(script: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut cd: Option<&str> = None;
    for command in script.split(['\n', ';', '|', '&']) {
        let words: Vec<&str> = command.split_whitespace().collect();
        if let [first, folder, ..] = words.as_slice()
            && *first == "cd"
        {
            cd = Some(folder);
            continue;
        }
        // `kustomize build DIR` (or `{{ kustomize }} build`), `kubectl kustomize DIR`.
        let Some(start) = words
            .iter()
            .position(|w| *w == "build")
            .or_else(|| words.iter().position(|w| *w == "kustomize"))
            .map(|at| at + 1)
        else {
            continue;
        };
        let mut lifted = false;
        let mut folder = None;
        let mut rest = words.iter().skip(start);
        while let Some(word) = rest.next() {
            if let Some(flag) = word.strip_prefix("--") {
                let (name, value) = match flag.split_once('=') {
                    Some((name, value)) => (name, Some(value)),
                    None => (flag, None),
                };
                if matches!(name, "load-restrictor" | "load_restrictor") {
                    lifted = lifting(value.or_else(|| rest.next().copied()).unwrap_or_default());
                } else if value.is_none() && takes_value(name) {
                    rest.next();
                }
            } else if word == &"-o" || word == &"-e" {
                rest.next();
            } else if !word.starts_with('-') && folder.is_none() {
                folder = Some(word.trim_matches(['\'', '"']));
            }
        }
        if lifted {
            found.push(normalise(cd.into_iter().chain([folder.unwrap_or(".")])));
        }
    }
    found
}

/// At most this many path literals of one program are read by
/// [`program_folders`].
const MAX_PROGRAM_PATHS: usize = 64;

/// What the folders a program builds (`folders`, from [`built_folders`] of
/// its commands `script`; `text`, its source) name:
/// - a folder given wholly by a variable (`path`: `*`) is each folder the
///   program writes as a literal (`"./hack/observability/%s/"`, a format
///   field a segment `*`): the program builds what it names, and dvmlint
///   does not follow its variables from one function to another;
/// - a program that changes its folder before it runs the command
///   (`os.chdir`, Go's `cmd.Dir =`, `cwd=`, `Chdir`) runs it from a folder
///   dvmlint does not know: a relative folder is read from any folder
///   (`*/manifests/*` for `../manifests/{name}`).
///
/// A variable alone names nothing, as before: a program holding no literal
/// path beside it lifts the restrictor for no root.
fn program_folders(folders: Vec<String>, script: &str, text: &str) -> Vec<String> {
    let moves = ["chdir", "Chdir", ".Dir =", "cwd="]
        .iter()
        .any(|m| text.contains(m));
    let mut out = Vec::new();
    for folder in folders {
        if folder == "*" {
            out.extend(program_paths(script));
        } else {
            out.push(folder);
        }
    }
    if moves {
        for folder in &mut out {
            if !folder.starts_with('/') {
                let rest: Vec<&str> = folder
                    .split('/')
                    .skip_while(|s| matches!(*s, ".." | "*"))
                    .collect();
                *folder = format!("*/{}", rest.join("/"));
            }
        }
    }
    out
}

/// The path literals of a program read as commands ([`crate::scripts::as_commands`]):
/// a word (not a variable, `$name`) with a `/` and no `:` (a URL, an
/// image), normalised; at most [`MAX_PROGRAM_PATHS`].
fn program_paths(script: &str) -> Vec<String> {
    script
        .split_whitespace()
        .filter(|w| !w.starts_with(['$', '-']) && w.contains('/') && !w.contains([':', '=']))
        .map(|w| normalise([w]))
        .filter(|path| path.split('/').any(|s| !matches!(s, "*" | ".." | "")))
        .take(MAX_PROGRAM_PATHS)
        .collect()
}

/// Kustomize's flags that take a value in the next word.
fn takes_value(name: &str) -> bool {
    matches!(
        name,
        "output" | "helm-command" | "env" | "mount" | "network-name" | "reorder" | "stack-trace"
    )
}

/// The path of `parts` joined: `/`-separated, `.` and empty segments gone,
/// `..` taking back a segment, a templated segment written `*`.
fn normalise<'p>(parts: impl IntoIterator<Item = &'p str>) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for part in parts {
        // A later absolute folder restarts the path.
        if part.starts_with('/') {
            segments.clear();
        }
        for segment in part.split('/') {
            match segment {
                "" | "." => {}
                // Kept when there is none: the folder is read from
                // another one (a script's), where it takes one back.
                ".." => {
                    if matches!(segments.last(), None | Some(&"..")) {
                        segments.push("..");
                    } else {
                        segments.pop();
                    }
                }
                templated if ["{{", "}}", "$"].iter().any(|t| templated.contains(t)) => {
                    segments.push("*");
                }
                plain => segments.push(plain),
            }
        }
    }
    segments.join("/")
}

/// Whether `folder` (from [`commands`], in the file `file`) names the root at
/// `dir`. A folder that starts with a template (`*/testing` for
/// `{{ config_dir }}/testing`: its value is not known) names a root its
/// other segments end; another templated segment stands for one folder
/// (`hack/observability/*` for `"./hack/observability/%s/"`). A folder is
/// taken from the project's root or from the file's own folder; one of
/// templates only names none.
fn builds(folder: &str, file: &str, dir: &str) -> bool {
    let dir = normalise([dir]);
    let beside = file.rsplit_once('/').map_or("", |(parent, _)| parent);
    // From the project's root a leading `..` takes nothing back.
    let from_root = normalise(folder.split('/').skip_while(|s| *s == ".."));
    let from_file = normalise([beside, folder]);
    if !folder.split('/').any(|s| s == "*") {
        return dir == from_root || dir == from_file;
    }
    let segments: Vec<&str> = folder.split('/').collect();
    let lead = segments.iter().take_while(|s| **s == "*").count();
    let candidates = if lead > 0 {
        let rest = segments.get(lead..).unwrap_or_default().join("/");
        vec![format!("*/{rest}")]
    } else {
        vec![from_root, from_file]
    };
    candidates.iter().any(|candidate| {
        let segments: Vec<&str> = candidate.split('/').filter(|s| !s.is_empty()).collect();
        let lead = segments.iter().take_while(|s| **s == "*").count();
        let rest = segments.get(lead..).unwrap_or_default();
        // A folder of templates only names none.
        if rest.iter().all(|s| matches!(*s, "*" | "..")) {
            return false;
        }
        let rest = rest
            .iter()
            .map(|s| {
                if *s == "*" {
                    "*".to_owned()
                } else {
                    globset::escape(s)
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let pattern = if lead > 0 { format!("**/{rest}") } else { rest };
        crate::glob::matcher(&pattern, true).is_ok_and(|m| m.is_match(&dir))
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn flux_objects_count_in_their_folder_and_below_only() {
        let unrestricted = Unrestricted {
            flux_files: vec![(
                Arc::from("apps/logging/loki/release.yaml"),
                "HelmRelease".into(),
            )],
            ..Unrestricted::default()
        };
        assert!(unrestricted.flux_object_below("apps/logging").is_some());
        assert!(unrestricted.flux_object_below("").is_some());
        assert!(unrestricted.flux_object_below("apps/log").is_none());
        assert!(unrestricted.flux_object_below("tools").is_none());
        let missing = "accumulating resources from './flux-system': evalsymlink failure on 'apps/flux-system' : lstat apps/flux-system: no such file or directory";
        assert!(unrestricted.bootstrap_limit("apps", missing).is_some());
        // Another folder missing, or no Flux object below the root: a fault.
        let other = missing.replace("'./flux-system'", "'./base'");
        assert!(unrestricted.bootstrap_limit("apps", &other).is_none());
        assert!(unrestricted.bootstrap_limit("tools", missing).is_none());
    }

    fn found(yaml: &str) -> Vec<String> {
        let parsed = crate::yaml::parse_chunk(yaml, 1, crate::yaml::Limits::default());
        assert!(parsed.error.is_none(), "{:?}", parsed.error);
        parsed.documents.iter().flat_map(commands).collect()
    }

    #[test]
    fn an_operator_sdk_molecule_task_builds_its_testing_overlay_unrestricted() {
        let task = "- name: Build kustomize testing overlay\n  command: '{{ kustomize }} build  --load-restrictor LoadRestrictionsNone .'\n  args:\n    chdir: '{{ config_dir }}/testing'\n  register: resources\n";
        assert_eq!(found(task), ["*/testing"]);
        assert!(builds(
            "*/testing",
            "molecule/default/kustomize.yml",
            "config/testing"
        ));
        assert!(!builds(
            "*/testing",
            "molecule/default/kustomize.yml",
            "config/default"
        ));
        assert!(!builds(
            "*/testing",
            "molecule/default/kustomize.yml",
            "config/e2e-testing"
        ));
        // The old flag.
        assert_eq!(
            found(
                "- shell: cd deploy/overlays/dev && kustomize build --load_restrictor none | kubectl apply -f -\n"
            ),
            ["deploy/overlays/dev"]
        );
    }

    #[test]
    fn ci_steps_and_container_arguments_name_their_folders() {
        let step = "steps:\n  - run: kustomize build --load-restrictor=LoadRestrictionsNone -o out.yaml overlays/prod\n  - run: kubectl kustomize --load-restrictor LoadRestrictionsNone apps/web\n    working-directory: clusters\n";
        assert_eq!(found(step), ["overlays/prod", "clusters/apps/web"]);
        let container =
            "args: [kustomize, build, --load-restrictor, LoadRestrictionsNone, ../base/app]\n";
        assert_eq!(found(container), ["../base/app"]);
        assert!(builds("../base/app", "deploy/job.yaml", "base/app"));
        assert!(builds("../base/app", "job.yaml", "base/app"));
        // Untemplated: from the project's root, or beside the file.
        assert!(builds(
            "overlays/prod",
            ".github/workflows/ci.yaml",
            "overlays/prod"
        ));
        assert!(builds("app", "deploy/build.yaml", "deploy/app"));
        assert!(!builds("overlays/prod", "ci.yaml", "apps/overlays/prod"));
    }

    #[test]
    fn a_program_builds_the_folders_it_names_and_no_variable_alone() {
        let py = "def build():\n    cmd = (\"kustomize build \"\n        \"--load-restrictor LoadRestrictionsNone ../manifests/local\")\n    subprocess.run(cmd, shell=True)\n";
        let folders = built_folders(&crate::scripts::as_commands(py, "bundle/tools/make.py"));
        assert_eq!(folders, ["../manifests/local"]);
        assert!(builds(
            &folders[0],
            "bundle/tools/make.py",
            "bundle/manifests/local"
        ));
        assert!(!builds(
            &folders[0],
            "bundle/tools/make.py",
            "bundle/manifests/other"
        ));
        // A folder given by a variable alone, as a script's `$DIR`, names
        // no root; the program's own path literals are what it builds.
        let go = "func t(path string) error {\n\treturn exec.CommandContext(ctx, kustomizePath, \"build\", path,\n\t\t\"--load-restrictor=LoadRestrictionsNone\").Run()\n}\n";
        let script = crate::scripts::as_commands(go, "hack/main.go");
        let folders = built_folders(&script);
        assert_eq!(folders, ["*"]);
        assert!(!builds(
            &folders[0],
            "hack/main.go",
            "hack/observability/alloy"
        ));
        assert!(program_folders(folders.clone(), &script, go).is_empty());
        let named = format!(
            "{go}func tasks() {{\n\tp := fmt.Sprintf(\"./hack/observability/%s/\", tool)\n\tt(p)\n\tt(\"https://example.com/x\")\n}}\n"
        );
        let script = crate::scripts::as_commands(&named, "hack/main.go");
        let folders = program_folders(built_folders(&script), &script, &named);
        assert_eq!(folders, ["hack/observability/*"]);
        assert!(builds(
            &folders[0],
            "hack/main.go",
            "hack/observability/alloy"
        ));
        assert!(!builds(
            &folders[0],
            "hack/main.go",
            "hack/observability/alloy/base"
        ));
        assert!(!builds(
            &folders[0],
            "hack/main.go",
            "config/observability/alloy"
        ));
        // A format field is one folder, read from the program's folder.
        let field =
            "c = f\"kustomize build --load-restrictor LoadRestrictionsNone ../manifests/{name}\"\n";
        let folders = built_folders(&crate::scripts::as_commands(field, "tools/b.py"));
        assert_eq!(folders, ["../manifests/*"]);
        assert!(builds(&folders[0], "tools/b.py", "manifests/local"));
        assert!(!builds(&folders[0], "tools/b.py", "deploy/manifests/local"));
        // A program that changes its folder first runs the command from a
        // folder not known: the folder's own segments end the root.
        let moved = format!("os.chdir(workspace)\n{field}");
        let script = crate::scripts::as_commands(&moved, "tools/b.py");
        let folders = program_folders(built_folders(&script), &script, &moved);
        assert_eq!(folders, ["*/manifests/*"]);
        assert!(builds(
            &folders[0],
            "tools/b.py",
            "deploy/kubernetes/manifests/local"
        ));
        assert!(!builds(
            &folders[0],
            "tools/b.py",
            "deploy/kubernetes/overlays/local"
        ));
    }

    #[test]
    fn a_restricted_build_or_another_word_lifts_nothing() {
        assert!(
            found(
                "run: kustomize build --load-restrictor LoadRestrictionsRootOnly overlays/prod\n"
            )
            .is_empty()
        );
        assert!(found("description: restricted access to kustomize build output\n").is_empty());
        assert!(found("run: kustomize build overlays/prod\n").is_empty());
        assert!(!may_hold(b"kind: ConfigMap\n"));
        assert!(may_hold(b"x: --load_restrictor none"));
        assert!(may_hold(b"x: LoadRestrictionsNone"));
    }
}
