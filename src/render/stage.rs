//! The rendering stage inside a lint run: roots are planned once the walk
//! has listed the project, rendered on the run's worker pool while the files
//! are still being parsed, and their outputs analysed like files; then the
//! rendered objects replace their inputs' objects.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use crate::config::{Config, ToolSetting};
use crate::finding::Finding;
use crate::lint::file::{self, FileSettings};
use crate::model::{self, Scope};
use crate::parsed::FileResult;
use crate::units::ApplyUnits;

use super::store::Store;
use super::tool::{self, Tools};
use super::{Outcome, RenderIndex, RenderMode, Rendered, Root, RootKind};

/// What the rendering stage hands to the stages after it.
pub struct Finished {
    /// How to map locations in outputs back to their sources.
    pub index: RenderIndex,
    /// Each output analysed as a file (`FileResult::unit` set), in no
    /// order: the caller puts them among the files' results by path.
    pub outputs: Vec<FileResult>,
    pub answered: Answered,
}

/// The files whose DVM002 (a template not rendered) the rendering answered:
/// the inputs of a rendered root, and the files of a chart not rendered for
/// want of Helm (its one DVM002 stands for every template in it).
pub struct Answered {
    replaced: BTreeSet<String>,
    unrendered: Vec<String>,
}

impl Answered {
    /// Drops the DVM002 findings of a file's own result (`findings`, taken
    /// from `result`) when the rendering answered them; an output's stay.
    pub fn settle(&self, result: &FileResult, findings: &mut Vec<Finding>) {
        let rel = &*result.rel;
        let in_unrendered = || {
            self.unrendered.iter().any(|dir| {
                dir.is_empty()
                    || rel
                        .strip_prefix(dir.as_str())
                        .is_some_and(|r| r.starts_with('/'))
            })
        };
        if result.unit.is_none() && (self.replaced.contains(rel) || in_unrendered()) {
            findings.retain(|f| f.rule != "DVM002");
        }
    }
}

/// A root rendered, with its output analysed.
struct Done {
    rendered: Rendered,
    result: Option<FileResult>,
}

pub struct Stage<'a> {
    project: &'a Path,
    config: &'a Config,
    mode: RenderMode,
    store: Option<Store>,
    done: Mutex<Vec<Done>>,
    /// DVM002 (missing tool) and DVM004 (configuration) findings.
    findings: Mutex<Vec<Finding>>,
    /// `--render require` with a tool missing.
    error: Mutex<Option<String>>,
    /// Charts not rendered for want of Helm: their one DVM002 stands for
    /// every template in them.
    unrendered_charts: Mutex<Vec<String>>,
}

impl<'a> Stage<'a> {
    /// `cache`: keep outputs in `.dvmlint-cache/`.
    pub fn new(project: &'a Path, config: &'a Config, mode: RenderMode, cache: bool) -> Self {
        Stage {
            project,
            config,
            mode,
            store: (cache && mode != RenderMode::Off).then(|| Store::open(project)),
            done: Mutex::new(Vec::new()),
            findings: Mutex::new(Vec::new()),
            error: Mutex::new(None),
            unrendered_charts: Mutex::new(Vec::new()),
        }
    }

    /// Plans the roots of `units` and renders each on `scope`'s pool; each
    /// output is analysed with `settings` (its cluster is the root's).
    pub fn spawn<'s>(
        &'s self,
        scope: &rayon::Scope<'s>,
        units: &ApplyUnits,
        settings: &'s FileSettings<'s>,
    ) {
        if self.mode == RenderMode::Off {
            return;
        }
        let roots = super::plan(self.project, units, self.config);
        self.push_findings(super::unmatched_charts(self.config, &roots));
        if roots.is_empty() {
            return;
        }
        let tools = self.tools(&roots);
        let tools = Arc::new(tools);
        for root in roots {
            let missing = match root.kind {
                RootKind::Kustomize if tools.kustomize.is_none() => tools.kustomize_missing.clone(),
                RootKind::Helm(_) if tools.helm.is_none() => tools.helm_missing.clone(),
                _ => None,
            };
            if let Some(why) = missing {
                if matches!(root.kind, RootKind::Helm(_)) {
                    self.unrendered_charts
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(root.dir.clone());
                }
                self.push_findings(vec![super::missing_tool(&root, &why)]);
                continue;
            }
            let tools = Arc::clone(&tools);
            scope.spawn(move |_| {
                let Some(rendered) = super::render(
                    self.project,
                    &root,
                    &tools,
                    &self.config.render,
                    self.store.as_ref(),
                ) else {
                    return;
                };
                let result = match &rendered.outcome {
                    Outcome::Rendered(output) => Some(self.analyze(&root, &output.text, settings)),
                    Outcome::Failed { .. } => None,
                };
                // Stored sealed: an output holding a secret (a rendered
                // Secret's values, a proxy password) is kept too, encrypted.
                if let (Some(store), Some(key)) = (&self.store, rendered.store_key) {
                    store.put(key, &rendered.outcome);
                }
                self.done
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(Done { rendered, result });
            });
        }
    }

    /// The tools the roots need (a tool no root needs is not looked for: the
    /// look-up runs the binary). Versions are cached with the outputs.
    fn tools(&self, roots: &[Root]) -> Tools {
        let render = &self.config.render;
        // A path with a folder in it is relative to the project root (the
        // configuration's folder); a bare name is looked up on PATH.
        let resolve = |setting: &ToolSetting| match setting {
            ToolSetting::Path(path) if path.is_relative() && path.components().count() > 1 => {
                ToolSetting::Path(self.project.join(path))
            }
            ToolSetting::Path(path) if path.is_relative() => tool::on_path(&path.to_string_lossy())
                .map_or_else(|| setting.clone(), ToolSetting::Path),
            other => other.clone(),
        };
        let kustomize_setting = resolve(&render.kustomize);
        let helm_setting = resolve(&render.helm);
        let needs_kustomize = roots.iter().any(|r| r.kind == RootKind::Kustomize);
        let needs_helm = roots.iter().any(|r| matches!(r.kind, RootKind::Helm(_)));
        let mut tools = Tools::default();
        let off = |setting: &ToolSetting| *setting == ToolSetting::Off;
        // A configured binary is named as configured.
        let why = |setting: &ToolSetting, key: &str, found: String| match setting {
            ToolSetting::Path(path) => {
                format!("`{}` of `render.{key}` does not run", path.display())
            }
            _ => found,
        };
        if needs_kustomize && !off(&render.kustomize) {
            match tool::find_kustomize(&kustomize_setting, self.store.as_ref()) {
                Ok(found) => tools.kustomize = found.map(Arc::new),
                Err(found) => {
                    tools.kustomize_missing = Some(why(&render.kustomize, "kustomize", found));
                }
            }
        }
        if needs_helm && !off(&render.helm) {
            match tool::find_helm(&helm_setting, self.store.as_ref()) {
                Ok(found) => tools.helm = found.map(Arc::new),
                Err(found) => tools.helm_missing = Some(why(&render.helm, "helm", found)),
            }
        }
        if self.mode == RenderMode::Require
            && let Some(why) = tools
                .kustomize_missing
                .as_ref()
                .or(tools.helm_missing.as_ref())
        {
            *self.error.lock().unwrap_or_else(PoisonError::into_inner) = Some(format!(
                "--render require: {why}; install it, name it in `render:` of .dvmlint.yaml, or use --render auto"
            ));
        }
        tools
    }

    fn push_findings(&self, mut findings: Vec<Finding>) {
        self.findings
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .append(&mut findings);
    }

    /// The output analysed as a file of the root's cluster; a Helm release's
    /// namespace is where its unbound objects land.
    fn analyze(&self, root: &Root, text: &str, settings: &FileSettings<'_>) -> FileResult {
        let cluster: Option<Arc<str>> = if self.config.clusters.is_empty() {
            Some(Arc::from(model::DEFAULT_CLUSTER))
        } else {
            root.cluster.as_deref().map(Arc::from)
        };
        let cluster_of = move |_: &str| cluster.clone();
        let own = FileSettings {
            max_file_size: u64::MAX,
            limits: settings.limits,
            rules: settings.rules,
            policies: settings.policies,
            cluster_of: &cluster_of,
            // A render's output is manifests: its syntax errors are reported.
            configured_clusters: true,
        };
        let name = root.output_name();
        let mut result = file::analyze_bytes(&name, text.as_bytes(), &own);
        result.unit = Some(root.unit);
        if let RootKind::Helm(release) = &root.kind
            && let Some(namespace) = &release.namespace
        {
            for object in &mut result.objects {
                if object.scope == Scope::Unbound {
                    let object = Arc::make_mut(object);
                    object.scope = Scope::Namespace(crate::intern::Sym::new(namespace));
                    object.identity = model::identity(
                        result.cluster.as_deref(),
                        &object.meta,
                        &object.scope,
                        &object.meta.name.value,
                    );
                }
            }
        }
        result
    }

    /// After the parse: the rendered objects replace their unit's own
    /// (`ApplyUnits::mark_rendered`; a template that was rendered is no DVM002
    /// either, [`Answered`]); failures become DVM004. Returns the outputs and
    /// how to map locations back, or the `--render require` error.
    /// `unrestricted`: what the repository builds without Kustomize's load
    /// restrictor (Flux Kustomizations, commands), gathered only if a root
    /// failed: it reads every object of the project, on one thread (90 ms of
    /// a 7 s run at 1 GB, every run, when it was gathered up front).
    pub fn finish(
        self,
        units: &mut ApplyUnits,
        findings: &mut Vec<Finding>,
        unrestricted: impl FnOnce() -> super::unrestricted::Unrestricted,
    ) -> Result<Finished, String> {
        let unrestricted = std::cell::LazyCell::new(unrestricted);
        if let Some(error) = self
            .error
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner)
        {
            return Err(error);
        }
        findings.append(
            &mut self
                .findings
                .into_inner()
                .unwrap_or_else(PoisonError::into_inner),
        );
        let mut done = self
            .done
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        done.sort_by_key(|d| d.rendered.root.output_name());
        // The Applications the rendered roots write (an app-of-apps chart):
        // what they install a chart with counts as a plain one's does.
        let rendered_argo = super::argo::rendered_sources(
            done.iter()
                .filter_map(|d| Some((d.result.as_ref()?, &d.rendered.root.file))),
        );
        // The folders the Applications the rendered roots write sync (read
        // again from the outputs that hold one): a root an Argo CD without
        // the load restrictor builds (`unrestricted::argocd_lifts`).
        // Only when a build was refused so (the repository's files are read
        // for nothing else).
        let refused = done.iter().any(|d| {
            matches!(&d.rendered.outcome, Outcome::Failed { message, limit: None, .. }
                if matches!(d.rendered.root.kind, RootKind::Kustomize)
                    && super::kustomize::load_restricted(message))
        });
        let rendered_applications: Vec<String> = if !refused || unrestricted.argocd.is_empty() {
            Vec::new()
        } else {
            done.iter()
                .filter(|d| {
                    d.result.as_ref().is_some_and(|result| {
                        result.objects.iter().any(|o| {
                            o.meta.is(crate::manifest::argo::GROUP, "Application")
                                || o.meta.is(crate::manifest::argo::GROUP, "ApplicationSet")
                        })
                    })
                })
                .filter_map(|d| match &d.rendered.outcome {
                    Outcome::Rendered(output) => Some(output.text.as_str()),
                    Outcome::Failed { .. } => None,
                })
                .flat_map(super::unrestricted::applications_in)
                .collect()
        };
        let mut index = RenderIndex::default();
        let mut replaced: BTreeSet<String> = BTreeSet::new();
        let mut outputs = Vec::new();
        let mut failures = Vec::new();
        for Done { rendered, result } in done {
            match rendered.outcome {
                Outcome::Failed {
                    message,
                    help,
                    limit,
                } => {
                    let helm = matches!(rendered.root.kind, RootKind::Helm(_));
                    let message = if helm {
                        super::helm::tidy(&message)
                    } else {
                        message
                    };
                    let lifted = limit
                        .is_none()
                        .then(|| {
                            unrestricted.lift(
                                self.project,
                                &rendered.root,
                                &message,
                                &rendered_argo,
                                &rendered_applications,
                            )
                        })
                        .flatten();
                    let (limit, help) = match lifted {
                        Some(lifted) => (Some(lifted.why), lifted.help.to_owned()),
                        None => (limit, help),
                    };
                    let mut finding =
                        super::failure(&rendered.root, &message, &help, limit.as_deref());
                    // The finding stays at the chart (where a failed render
                    // is reported); the template and line Helm names is
                    // related, for an editor to open.
                    if helm
                        && finding.rule == "DVM004"
                        && let Some(at) =
                            super::helm::failed_template(self.project, &rendered.root, &message)
                    {
                        finding.related.push(crate::finding::Related {
                            location: at,
                            message: "where Helm says the render failed".to_owned(),
                        });
                    }
                    // A build that failed on an entry of the kustomization
                    // is reported at that entry.
                    if !helm
                        && finding.rule == "DVM004"
                        && let Some(span) =
                            super::kustomize::failed_entry(self.project, &rendered.root, &message)
                    {
                        finding.location.span = span;
                    }
                    if finding.rule == "DVM004" {
                        units.mark_failed(rendered.root.unit);
                    }
                    failures.push(finding);
                }
                Outcome::Rendered(output) => {
                    units.mark_rendered(rendered.root.unit);
                    replaced.extend(rendered.inputs.iter().cloned());
                    let values = match &rendered.root.kind {
                        RootKind::Helm(release) => {
                            super::helm::values_files(self.project, &rendered.root, release)
                        }
                        RootKind::Kustomize => Vec::new(),
                    };
                    index.insert(
                        rendered.root.output_name(),
                        rendered.root.clone(),
                        rendered.tool.clone(),
                        output,
                        values,
                    );
                    if let Some(result) = result {
                        outputs.push(result);
                    }
                }
            }
        }
        findings.extend(one_per_shared_cause(self.project, failures));
        let unrendered = self
            .unrendered_charts
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        Ok(Finished {
            index,
            outputs,
            answered: Answered {
                replaced,
                unrendered,
            },
        })
    }
}

/// The failed builds of several roots that fail in one folder they all
/// include (a shared base or component), for one cause: one DVM004 at that
/// folder's kustomization, naming the roots (each a related location),
/// rather than one per root at its first line. Other failures are kept.
fn one_per_shared_cause(project: &std::path::Path, failures: Vec<Finding>) -> Vec<Finding> {
    const FAILED_IN: &str = "`kustomize build` failed: in `";
    let shared = |finding: &Finding| -> Option<(String, String)> {
        if finding.rule != "DVM004" {
            return None;
        }
        let (folder, cause) = finding.message.strip_prefix(FAILED_IN)?.split_once("`: ")?;
        Some((folder.to_owned(), cause.to_owned()))
    };
    let mut groups: std::collections::BTreeMap<(String, String), Vec<usize>> =
        std::collections::BTreeMap::new();
    for (at, finding) in failures.iter().enumerate() {
        if let Some(key) = shared(finding) {
            groups.entry(key).or_default().push(at);
        }
    }
    let mut merged: Vec<Option<Finding>> = failures.into_iter().map(Some).collect();
    let mut out = Vec::new();
    for ((folder, cause), members) in groups {
        if members.len() < 2 {
            continue;
        }
        let inside = std::path::Path::new(&folder)
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
        let Some(file) = inside
            .then(|| super::kustomize::kustomization_in(&project.join(&folder)))
            .flatten()
            .and_then(|path| {
                path.file_name()
                    .map(|n| Arc::<str>::from(super::join(&folder, &n.to_string_lossy())))
            })
        else {
            continue;
        };
        let roots: Vec<Finding> = members
            .iter()
            .filter_map(|&at| merged.get_mut(at)?.take())
            .collect();
        let Some(first) = roots.first() else {
            continue;
        };
        let mut finding = Finding::new(
            "DVM004",
            crate::finding::Location::new(&file, crate::yaml::Span::line_start(1)),
            format!(
                "`kustomize build` failed in `{folder}`, for the {} roots that include it: {cause}",
                roots.len()
            ),
        )
        .help(first.help.clone().unwrap_or_default());
        for root in &roots {
            finding = finding.related(root.location.clone(), "a root whose build fails there");
        }
        out.push(finding);
    }
    out.extend(merged.into_iter().flatten());
    out
}
