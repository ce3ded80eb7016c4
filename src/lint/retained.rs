//! A project's per-file results kept between lints: what the language server
//! holds in memory (docs/decisions/design-notes.md, "Language server, incremental"). The results
//! are the ones the per-file stage makes for the CLI and `.dvmlint-cache/`
//! stores ([`FileResult`]); after a change only the changed file is read and
//! analysed again, and each lint then runs the stages after the per-file one
//! (apply units, rendering, the model, the project rules) on the kept
//! results, lent to it (`parsed::TakeParts`), exactly as [`super::run`] does
//! after its walk.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::catalogue::RuleMeta;
use crate::config::Config;
use crate::discovery::{self, Found, SourceFile, WalkError, WalkOptions};
use crate::parsed::FileResult;
use crate::policy::PolicyRule;
use crate::render::RenderMode;
use crate::render::stage::Stage as RenderStage;
use crate::rules::RuleSet;
use crate::units::ApplyUnits;

use crate::finding::Finding;
use crate::model::Project;
use crate::parsed::{Body, Object};

use super::{
    Assembly, ClusterNames, LintError, LintOptions, LintRun, Prepared, assemble, conclude_with,
    file, file_settings, parse_files, prepare, read_small, templates,
};

/// One kept file.
struct Kept {
    rel: Arc<str>,
    path: PathBuf,
    /// Found by the project walk (else linted only while an editor holds it).
    walked: bool,
    result: FileResult,
}

/// What a change did to the kept results.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Update {
    /// The file's results were replaced, added or removed.
    Changed,
    /// Not a manifest of this project (outside it, or not a YAML or JSON
    /// file, or the configuration): nothing kept changed.
    Ignored,
}

pub struct Retained {
    /// The options of the run, without overlays (buffers are applied by
    /// [`Retained::update`]).
    options: LintOptions,
    root: PathBuf,
    config: Config,
    rule_set: RuleSet,
    policies: Vec<PolicyRule>,
    custom_rules: Vec<&'static RuleMeta>,
    clusters: ClusterNames,
    /// Sorted by relative path.
    files: Vec<Kept>,
    walk_errors: Vec<WalkError>,
    /// The templates of manifests the walk listed, each scanned, by path
    /// (`super::templates`: never files of the run).
    templates: Vec<(SourceFile, templates::Scanned)>,
    /// The apply units of the kept files, found again only when a file
    /// comes or goes or a kustomization file changes (each lint takes a copy:
    /// the rendering stage marks the units it renders).
    units: std::sync::Mutex<Option<ApplyUnits>>,
    /// What the last lint made and what changed since: the next lint reuses
    /// the derivations and rule findings that the changes cannot affect.
    incremental: std::sync::Mutex<Incremental>,
}

/// The last lint's model and project-rule findings, and the changes since.
#[derive(Default)]
struct Incremental {
    previous: Option<Previous>,
    /// The files whose results were replaced since the last lint, with the
    /// objects they had then (the first replacement's, when a file changed twice).
    changed: BTreeMap<Arc<str>, Vec<Arc<Object>>>,
    /// A change the reuse does not follow (a file added or removed, the
    /// apply units found again, a new listing): the next lint starts afresh.
    invalid: bool,
    /// What the last lint reused (tests check the reuse is exercised).
    last: Reuse,
}

struct Previous {
    project: Project,
    /// Per project rule (index in `rules::REGISTRY`), its findings.
    findings: Vec<(usize, Vec<Finding>)>,
    /// Where each file's objects are in the model (`Project::file_ranges`):
    /// the same after every reuse, which keeps each object's index.
    ranges: Arc<std::collections::HashMap<Arc<str>, (usize, usize)>>,
}

/// What a lint took from the one before.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Reuse {
    /// Everything derived and run again.
    #[default]
    Nothing,
    /// The changed files' objects are the same as before (an edit in a
    /// comment, a file saved): every derivation and every rule's findings
    /// but those of the rules that read every object.
    Everything,
    /// Only NetworkPolicies changed (same identities and documents): the
    /// network model and its rules are made again.
    AllButNetwork,
    /// Only egress firewalls changed: the firewalls, their denials and
    /// their rules are made again.
    AllButFirewalls,
    /// Only NetworkPolicies and egress firewalls changed.
    AllButNetworkAndFirewalls,
}

impl Reuse {
    fn network(self) -> bool {
        matches!(self, Reuse::Everything | Reuse::AllButFirewalls)
    }

    fn firewalls(self) -> bool {
        matches!(self, Reuse::Everything | Reuse::AllButNetwork)
    }
}

impl Retained {
    /// Reads and analyses every file of the project from disk (the walk, as
    /// `check` does), then applies `options.overlays` as editor buffers.
    pub fn load(options: &LintOptions) -> Result<Retained, LintError> {
        let overlays = options.overlays.clone();
        let options = LintOptions {
            overlays: BTreeMap::new(),
            progress: false,
            cache: false,
            ..options.clone()
        };
        let Prepared {
            root,
            config,
            rule_set,
            policies,
            custom_rules,
        } = prepare(&options, None)?;
        let clusters = ClusterNames::new(&config);
        let (found, walk_errors, scanned_templates) = {
            let cluster_of = |rel: &str| clusters.of(&config, rel);
            let settings = file_settings(&config, &rule_set, &policies, &cluster_of);
            // Renders are made by each lint, from disk (`lint`).
            let no_render = RenderStage::new(&root, &config, RenderMode::Off, false);
            let parsed = parse_files(&options, &root, &config, &settings, None, &no_render)?;
            (parsed.found, parsed.walk_errors, parsed.templates)
        };
        let mut files: Vec<Kept> = found
            .into_iter()
            .flatten()
            .map(|analyzed| Kept {
                path: analyzed
                    .own_path
                    .map_or_else(|| root.join(&*analyzed.rel), |path| *path),
                rel: analyzed.rel,
                walked: true,
                result: *analyzed.result,
            })
            .collect();
        files.sort_by(|a, b| a.rel.cmp(&b.rel));
        files.dedup_by(|later, earlier| later.rel == earlier.rel);
        let mut walk_errors = walk_errors;
        sort_errors(&mut walk_errors);
        let mut retained = Retained {
            options,
            root,
            config,
            rule_set,
            policies,
            custom_rules,
            clusters,
            files,
            walk_errors,
            templates: scanned_templates,
            units: std::sync::Mutex::new(None),
            incremental: std::sync::Mutex::new(Incremental::default()),
        };
        for (path, text) in &overlays {
            retained.update(path, Some(text));
        }
        Ok(retained)
    }

    /// The project root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The configuration the results were made with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// How many files are kept.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Analyses `path` again: from `text` (an editor buffer, which is linted
    /// even where the walk would not look, as `check` lints a named file),
    /// else from disk; a file the walk did not find and no buffer holds any
    /// more is dropped. `max-file-size` applies to buffers as to files.
    pub fn update(&mut self, path: &Path, text: Option<&str>) -> Update {
        let path = discovery::absolute(path);
        if let Some(at) = self.templates.iter().position(|(t, _)| t.path == path) {
            // A template the walk listed: its kinds are looked for again on disk.
            let boundary = crate::boundary::ProjectBoundary::new(&self.root);
            if let Some((source, scanned)) = self.templates.get_mut(at) {
                let cluster = self.clusters.of(&self.config, &source.rel);
                *scanned = templates::scan(
                    &boundary,
                    source,
                    self.config.max_file_size,
                    cluster.as_ref(),
                );
            }
            return Update::Changed;
        }
        if !path.starts_with(&self.root) || !is_manifest(&path) {
            return Update::Ignored;
        }
        let rel: Arc<str> = Arc::from(discovery::relative(&self.root, &path));
        let at = self.files.binary_search_by(|k| k.rel.as_ref().cmp(&rel));
        let kustomization = crate::manifest::kustomization::is_kustomization_file(
            rel.rsplit('/').next().unwrap_or(&rel),
        );
        // A kustomization, or a file one reads to build (a generator's
        // configuration names the inputs it wraps; a patch may delete an
        // object with `$patch: delete`: `units::ApplyUnits`), decides the
        // units.
        let read_by_units = self
            .units
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
            .is_some_and(|units| {
                units.of_file(&rel).any(|(_, m)| {
                    matches!(
                        m.role,
                        crate::units::Role::Input | crate::units::Role::Patch
                    )
                })
            });
        if at.is_err() || kustomization || read_by_units {
            self.forget_units();
        }
        if text.is_none() {
            match at {
                Ok(i) if !self.files.get(i).is_some_and(|k| k.walked) => {
                    self.files.remove(i);
                    self.forget_units();
                    return Update::Changed;
                }
                Ok(_) => {}
                Err(_) => return Update::Ignored,
            }
        }
        let result = self.analyze(&rel, &path, text);
        match at {
            Ok(i) => {
                if let Some(kept) = self.files.get_mut(i) {
                    let old = std::mem::replace(&mut kept.result, result);
                    let incremental = self
                        .incremental
                        .get_mut()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    if !old.install_configs().is_empty()
                        || !kept.result.install_configs().is_empty()
                    {
                        // Install configs are read beside the objects.
                        incremental.invalid = true;
                    }
                    incremental.changed.entry(rel).or_insert(old.objects);
                }
            }
            Err(i) => self.files.insert(
                i,
                Kept {
                    rel,
                    path,
                    walked: false,
                    result,
                },
            ),
        }
        Update::Changed
    }

    /// Lists the project again (files created or deleted outside the editor,
    /// a changed `.gitignore`): new files are analysed, vanished ones dropped
    /// unless a buffer holds them; files still there are not read again.
    pub fn rewalk(&mut self, buffers: &BTreeSet<PathBuf>) -> Result<(), LintError> {
        self.forget_units();
        let mut exclude = self.config.exclude.clone();
        exclude.extend(self.options.exclude.iter().cloned());
        let excluded = discovery::exclude_set(&exclude).map_err(LintError::Usage)?;
        let walk_options = WalkOptions {
            exclude,
            respect_gitignore: !self.options.no_respect_gitignore,
        };
        let mut listed: Vec<SourceFile> = Vec::new();
        let mut template_sources: Vec<SourceFile> = Vec::new();
        let mut walk_errors = Vec::new();
        for item in discovery::walk_iter(&self.root, &walk_options, &excluded) {
            match item {
                Found::File(source) => listed.push(source),
                Found::Template(source) => template_sources.push(source),
                Found::Error(err) => walk_errors.push(err),
            }
        }
        let cluster_of = |rel: &str| self.clusters.of(&self.config, rel);
        self.templates = templates::scan_all(
            &crate::boundary::ProjectBoundary::new(&self.root),
            template_sources,
            self.config.max_file_size,
            &cluster_of,
        );
        listed.sort_by(|a, b| a.rel.cmp(&b.rel));
        listed.dedup_by(|later, earlier| later.rel == earlier.rel);
        let on_disk: BTreeSet<&str> = listed.iter().map(|s| s.rel.as_ref()).collect();
        self.files
            .retain(|k| on_disk.contains(k.rel.as_ref()) || buffers.contains(&k.path));
        for kept in &mut self.files {
            kept.walked = on_disk.contains(kept.rel.as_ref());
        }
        let new: Vec<SourceFile> = listed
            .into_iter()
            .filter(|s| {
                self.files
                    .binary_search_by(|k| k.rel.as_ref().cmp(&s.rel))
                    .is_err()
            })
            .collect();
        let analyzed: Vec<Kept> = new
            .into_par_iter()
            .map(|source| Kept {
                result: self.analyze(&source.rel, &source.path, None),
                rel: source.rel,
                path: source.path,
                walked: true,
            })
            .collect();
        self.files.extend(analyzed);
        self.files.sort_by(|a, b| a.rel.cmp(&b.rel));
        sort_errors(&mut walk_errors);
        self.walk_errors = walk_errors;
        Ok(())
    }

    /// One lint of the kept results, `buffers` being the editor's (they hold
    /// the kustomization files the apply units are read from; charts and
    /// Kustomize roots render from disk, their outputs kept in
    /// `.dvmlint-cache/` until an input changes on disk).
    pub fn lint(&self, buffers: &BTreeMap<PathBuf, Arc<str>>) -> Result<LintRun, LintError> {
        let cluster_of = |rel: &str| self.clusters.of(&self.config, rel);
        let settings = file_settings(&self.config, &self.rule_set, &self.policies, &cluster_of);
        let units_timing = crate::timings::stage("apply units");
        let mut units = {
            let mut kept = self
                .units
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            kept.get_or_insert_with(|| {
                let listed: Vec<Arc<str>> = self.files.iter().map(|k| Arc::clone(&k.rel)).collect();
                let boundary = crate::boundary::ProjectBoundary::new(&self.root);
                ApplyUnits::discover(&listed, &|rel| {
                    read_small(&boundary, rel, buffers, settings.max_file_size)
                })
            })
            .clone()
        };
        drop(units_timing);
        let render_stage = RenderStage::new(
            &self.root,
            &self.config,
            self.options.render,
            self.options.cache || self.options.render_cache,
        );
        let run_renders = || {
            rayon::scope(|scope| render_stage.spawn(scope, &units, &settings));
        };
        match self.options.jobs {
            Some(jobs) => rayon::ThreadPoolBuilder::new()
                .num_threads(jobs.max(1))
                .build()
                .map_err(|err| {
                    LintError::Usage(format!("cannot start {jobs} worker threads: {err}"))
                })?
                .install(run_renders),
            None => run_renders(),
        }
        let mut render_findings = Vec::new();
        let rendered = render_stage
            .finish(&mut units, &mut render_findings, || {
                crate::render::unrestricted::Unrestricted::of(self.files.iter().map(|k| &k.result))
            })
            .map_err(LintError::Usage)?;
        // The kept results are lent, not copied: the run copies out of them
        // only what it keeps (findings, suppressions, secrets), and the
        // model shares their objects. The outputs of this lint's renders
        // go among them by path.
        let mut results: Vec<&FileResult> = self.files.iter().map(|k| &k.result).collect();
        if !rendered.outputs.is_empty() {
            results.extend(&rendered.outputs);
            results.sort_by(|a, b| a.rel.cmp(&b.rel));
        }
        let mut incremental = self
            .incremental
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let changed = std::mem::take(&mut incremental.changed);
        let invalid = std::mem::take(&mut incremental.invalid);
        let previous = incremental.previous.take();
        // Rendered objects are analysed afresh by every lint: no reuse while
        // the model holds any.
        let mut reuse = match &previous {
            Some(_) if !invalid && rendered.outputs.is_empty() => self.reusable(&changed),
            _ => Reuse::Nothing,
        };
        // Reusing: the last model, with the changed files' objects put in
        // the places of their earlier readings (same number, identity and
        // scope, so the same placement), and the derivations that read none
        // of them.
        let mut reused: Vec<(usize, Vec<Finding>)> = Vec::new();
        let mut model = None;
        let mut ranges = None;
        if let Some(mut previous) = previous.filter(|_| reuse != Reuse::Nothing) {
            let mut derivations = previous.project.take_derivations();
            let mut project = previous.project;
            let mut replaced: Vec<usize> = Vec::new();
            let mut placed = true;
            for rel in changed.keys() {
                let Some(&range) = previous.ranges.get(rel) else {
                    continue; // none of its objects is in the model
                };
                replaced.extend(range.0..range.1);
                let objects = self
                    .files
                    .binary_search_by(|k| k.rel.as_ref().cmp(rel))
                    .ok()
                    .and_then(|at| self.files.get(at))
                    .map_or(&[][..], |kept| kept.result.objects.as_slice());
                placed &= project.replace_objects(range, objects);
            }
            if placed {
                if !reuse.network()
                    && let Some(network) = derivations.network.take()
                {
                    // Only the changed files' policies are read again.
                    replaced.sort_unstable();
                    project.adopt_network_except(network, replaced);
                }
                if !reuse.firewalls() {
                    derivations.firewalls = None;
                    derivations.egress_denials = None;
                }
                project.adopt(derivations);
                model = Some(project);
                reused = previous.findings;
                ranges = Some(previous.ranges);
            } else {
                reuse = Reuse::Nothing;
            }
        }
        let loaded = assemble(
            Assembly {
                root: self.root.clone(),
                config: self.config.clone(),
                rule_set: self.rule_set.clone(),
                custom_rules: self.custom_rules.clone(),
                results,
                walk_errors: self.walk_errors.clone(),
                templates: self.templates.iter().map(|(_, s)| s.clone()).collect(),
                units,
                renders: rendered.index,
                answered: rendered.answered,
                render_findings,
                hits: 0,
                model,
            },
            &self.options.paths,
        );
        let ranges = ranges.unwrap_or_else(|| Arc::new(loaded.project.file_ranges()));
        let mut findings: Vec<(usize, Vec<Finding>)> = Vec::new();
        let (run, project) = conclude_with(loaded, &self.options.paths, &mut |set, project| {
            findings = crate::rules::run_project_rules_reusing(set, project, &mut |index, id| {
                if reuse == Reuse::Nothing {
                    return None;
                }
                let at = reused.iter().position(|(i, _)| *i == index)?;
                let before = std::mem::take(&mut reused.get_mut(at)?.1);
                if id == crate::rules::hygiene::template_placeholder::NAMES_RULE {
                    // Each object's names alone decide its findings: those
                    // of the changed files' objects are found again.
                    let mut out: Vec<Finding> = before
                        .into_iter()
                        .filter(|f| !changed.contains_key(&f.location.file))
                        .collect();
                    let objects = changed
                        .keys()
                        .filter_map(|rel| ranges.get(rel))
                        .filter_map(|&(start, end)| project.objects.get(start..end))
                        .flatten();
                    crate::rules::hygiene::template_placeholder::check_names_of(
                        project, objects, &mut out,
                    );
                    return Some(out);
                }
                let keep = !crate::rules::READ_EVERY_OBJECT.contains(&id)
                    && (reuse.network() || !crate::rules::reads_network(id))
                    && (reuse.firewalls() || !crate::rules::reads_firewalls(id));
                keep.then_some(before)
            });
            findings
                .iter()
                .flat_map(|(_, out)| out.iter().cloned())
                .collect()
        });
        incremental.previous = Some(Previous {
            project,
            findings,
            ranges,
        });
        incremental.last = reuse;
        Ok(run)
    }

    fn forget_units(&mut self) {
        *self
            .units
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
        self.incremental
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .invalid = true;
    }

    /// What the last lint took from the one before it.
    pub fn last_reuse(&self) -> Reuse {
        self.incremental
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .last
    }

    /// What the changes since the last lint leave reusable: compares each
    /// changed file's objects before and after. Same number of objects per
    /// file (so every object keeps its index in the model), and each changed
    /// object a NetworkPolicy or an egress firewall before and after, with
    /// the same identity and document (so duplicates, which derivations skip
    /// as replaced, are the same); anything else is derived again.
    fn reusable(&self, changed: &BTreeMap<Arc<str>, Vec<Arc<Object>>>) -> Reuse {
        let (mut network, mut firewalls) = (false, false);
        for (rel, old) in changed {
            let Ok(at) = self.files.binary_search_by(|k| k.rel.as_ref().cmp(rel)) else {
                return Reuse::Nothing;
            };
            let Some(kept) = self.files.get(at) else {
                return Reuse::Nothing;
            };
            let new = &kept.result.objects;
            if new.len() != old.len() {
                return Reuse::Nothing;
            }
            for (a, b) in old.iter().zip(new) {
                if Arc::ptr_eq(a, b) || a == b {
                    continue;
                }
                if !same_identity_and_document(a, b) {
                    return Reuse::Nothing;
                }
                match (a.body.as_deref(), b.body.as_deref()) {
                    // Kinds no derivation reads: only the rules that read
                    // every object see them.
                    (None, None) => {}
                    (Some(Body::NetworkPolicy(p)), Some(Body::NetworkPolicy(q)))
                        // Duplicates compare the policy types (DVM401).
                        if p.policy.effective_types() == q.policy.effective_types() =>
                    {
                        network = true;
                    }
                    (Some(Body::Firewall(_)), Some(Body::Firewall(_))) => firewalls = true,
                    _ => return Reuse::Nothing,
                }
            }
        }
        match (network, firewalls) {
            (false, false) => Reuse::Everything,
            (true, false) => Reuse::AllButNetwork,
            (false, true) => Reuse::AllButFirewalls,
            (true, true) => Reuse::AllButNetworkAndFirewalls,
        }
    }

    fn analyze(&self, rel: &Arc<str>, path: &Path, text: Option<&str>) -> FileResult {
        let cluster_of = |rel: &str| self.clusters.of(&self.config, rel);
        let settings = file_settings(&self.config, &self.rule_set, &self.policies, &cluster_of);
        file::analyze_path(rel, path, text, &settings)
    }
}

/// Whether two readings of an object are the same object in the same place
/// for everything that is not its body: what the duplicates, the apply
/// units' placement and the migration view read of every object.
fn same_identity_and_document(a: &Object, b: &Object) -> bool {
    a.identity == b.identity
        && a.doc_line == b.doc_line
        // The Template duplicates are compared within, and whether a
        // StatefulSet makes its namespace migrated (the migration view).
        && a.template == b.template
        && a.without_volumes == b.without_volumes
        && a.scope == b.scope
        && a.file == b.file
        && a.meta.group() == b.meta.group()
        && a.meta.kind.value == b.meta.kind.value
        && a.meta.name.value == b.meta.name.value
}

fn sort_errors(errors: &mut Vec<WalkError>) {
    errors.sort_by(|a, b| (&a.rel, &a.message).cmp(&(&b.rel, &b.message)));
    errors.dedup_by(|a, b| (&a.rel, &a.message) == (&b.rel, &b.message));
}

/// The names the project walk lints (`discovery`): YAML and JSON files other
/// than the configuration.
pub fn is_manifest(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let lower = name.to_ascii_lowercase();
    (lower.ends_with(".yaml") || lower.ends_with(".yml") || lower.ends_with(".json"))
        && !crate::config::FILE_NAMES.contains(&name)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use super::*;

    fn json(run: &LintRun) -> String {
        serde_json::to_string(&run.findings).unwrap()
    }

    /// On every fixture, a lint of the kept results finds what `check` finds;
    /// after a buffer changes one file, what `check` finds with that buffer.
    #[test]
    fn kept_results_lint_as_a_whole_run_does_before_and_after_a_change() {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut checked = 0;
        for entry in std::fs::read_dir(&fixtures).unwrap() {
            let dir = entry.unwrap().path();
            if !dir.is_dir() {
                continue;
            }
            let options = LintOptions {
                paths: vec![dir.clone()],
                render: RenderMode::Off,
                ..LintOptions::default()
            };
            let Ok(whole) = super::super::run(&options) else {
                continue; // a fixture of an invalid configuration
            };
            let mut kept = Retained::load(&options).unwrap();
            assert_eq!(
                json(&kept.lint(&BTreeMap::new()).unwrap()),
                json(&whole),
                "{}",
                dir.display()
            );
            // The first manifest, and the first kustomization (whose text
            // decides the apply units), each get a second copy of its text.
            let first = kept.files.iter().find(|k| k.walked).map(|k| k.path.clone());
            let kustomization = kept
                .files
                .iter()
                .find(|k| k.rel.ends_with("kustomization.yaml"))
                .map(|k| k.path.clone());
            for path in first.into_iter().chain(kustomization) {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                let buffer: Arc<str> = Arc::from(format!("{text}\n---\n{text}"));
                let buffers = BTreeMap::from([(path.clone(), Arc::clone(&buffer))]);
                assert_eq!(kept.update(&path, Some(&buffer)), Update::Changed);
                let changed = super::super::run(&LintOptions {
                    overlays: buffers.clone(),
                    ..options.clone()
                })
                .unwrap();
                assert_eq!(
                    json(&kept.lint(&buffers).unwrap()),
                    json(&changed),
                    "{}",
                    path.display()
                );
                // The buffer closed: the disk's text again.
                kept.update(&path, None);
                assert_eq!(
                    json(&kept.lint(&BTreeMap::new()).unwrap()),
                    json(&whole),
                    "{}",
                    dir.display()
                );
            }
            checked += 1;
        }
        assert!(checked > 20, "{checked} fixtures");
    }

    /// One random edit of a manifest's text, and what it was.
    fn mutate(text: &str, rng: &mut fastrand::Rng) -> (String, &'static str) {
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        if lines.is_empty() {
            return (format!("{text}# empty\n"), "comment in an empty file");
        }
        let at = rng.usize(..lines.len());
        let what = match rng.u8(..10) {
            0 => {
                lines[at].push_str(" # typed");
                "comment at a line's end"
            }
            1 | 2 => {
                // A digit changed: ports, CIDRs, priorities, replicas.
                let digits: Vec<usize> = text
                    .lines()
                    .enumerate()
                    .filter(|(_, l)| l.bytes().any(|b| b.is_ascii_digit()))
                    .map(|(i, _)| i)
                    .collect();
                let Some(&line) = digits.get(rng.usize(..digits.len().max(1))) else {
                    return (text.to_owned(), "nothing");
                };
                let bytes: Vec<char> = lines[line].chars().collect();
                let places: Vec<usize> = (0..bytes.len())
                    .filter(|&i| bytes[i].is_ascii_digit())
                    .collect();
                let place = places[rng.usize(..places.len())];
                let mut changed = bytes.clone();
                changed[place] = char::from(b'0' + rng.u8(..10));
                lines[line] = changed.into_iter().collect();
                "a digit"
            }
            3 | 4 => {
                // A plain value changed: labels, selectors, names, namespaces.
                let values: Vec<usize> = lines
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| {
                        l.trim_start().split_once(": ").is_some_and(|(k, v)| {
                            !k.is_empty()
                                && !v.is_empty()
                                && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                        })
                    })
                    .map(|(i, _)| i)
                    .collect();
                let Some(&line) = values.get(rng.usize(..values.len().max(1))) else {
                    return (text.to_owned(), "nothing");
                };
                lines[line].push(if rng.bool() { 'x' } else { '2' });
                "a plain value"
            }
            5 => {
                lines.remove(at);
                "a line deleted"
            }
            6 => {
                lines.insert(0, String::new());
                "a line inserted above everything"
            }
            7 => {
                let first = text.split("\n---").next().unwrap_or(text).to_owned();
                return (format!("{text}\n---\n{first}\n"), "first document repeated");
            }
            8 => {
                let line = lines[at].clone();
                lines.insert(at, line);
                "a line repeated"
            }
            _ => return (text.to_owned(), "the same text again"),
        };
        (lines.join("\n") + "\n", what)
    }

    /// The incremental lint (derivations and rule findings reused when the
    /// changed objects cannot affect them) finds what a whole run finds,
    /// after random edits of random files of every fixture; the reuse is
    /// exercised (each kind of reuse happens).
    #[test]
    fn random_edits_lint_incrementally_as_a_whole_run_does() {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut rng = fastrand::Rng::with_seed(27);
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(&fixtures)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        for dir in dirs {
            let options = LintOptions {
                paths: vec![dir.clone()],
                render: RenderMode::Off,
                ..LintOptions::default()
            };
            let Ok(mut kept) = Retained::load(&options) else {
                continue; // a fixture of an invalid configuration
            };
            let manifests: Vec<PathBuf> = kept
                .files
                .iter()
                .filter(|k| k.walked)
                .map(|k| k.path.clone())
                .collect();
            if manifests.is_empty() {
                continue;
            }
            kept.lint(&BTreeMap::new()).unwrap();
            let mut buffers: BTreeMap<PathBuf, Arc<str>> = BTreeMap::new();
            let mut done = Vec::new();
            for step in 0..8 {
                // One file edited, sometimes two, before a lint.
                for _ in 0..if rng.u8(..4) == 0 { 2 } else { 1 } {
                    let path = &manifests[rng.usize(..manifests.len())];
                    let text = match buffers.get(path) {
                        Some(text) => text.to_string(),
                        None => std::fs::read_to_string(path).unwrap_or_default(),
                    };
                    let (edited, what) = mutate(&text, &mut rng);
                    let edited: Arc<str> = Arc::from(edited);
                    kept.update(path, Some(&edited));
                    buffers.insert(path.clone(), edited);
                    done.push(format!("{}: {what}", path.display()));
                }
                let incremental = json(&kept.lint(&buffers).unwrap());
                *seen.entry(format!("{:?}", kept.last_reuse())).or_default() += 1;
                let whole = super::super::run(&LintOptions {
                    overlays: buffers.clone(),
                    ..options.clone()
                })
                .unwrap();
                assert_eq!(
                    incremental,
                    json(&whole),
                    "{} step {step} ({:?}) after: {done:#?}",
                    dir.display(),
                    kept.last_reuse()
                );
            }
        }
        for reuse in ["Everything", "AllButNetwork", "AllButFirewalls", "Nothing"] {
            assert!(seen.get(reuse).is_some_and(|&n| n >= 5), "{seen:?}");
        }
    }

    #[test]
    fn a_buffer_the_walk_does_not_find_is_linted_while_open_then_dropped() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        std::fs::write(dir.path().join("a.yaml"), "a: 1\n").unwrap();
        let options = LintOptions {
            paths: vec![dir.path().to_path_buf()],
            ..LintOptions::default()
        };
        let mut kept = Retained::load(&options).unwrap();
        assert_eq!(kept.len(), 1);
        let new = dir.path().join("new.yaml");
        let broken = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [\n";
        assert_eq!(kept.update(&new, Some(broken)), Update::Changed);
        let run = kept.lint(&BTreeMap::new()).unwrap();
        assert!(
            run.findings
                .iter()
                .any(|f| f.rule == "DVM001" && &*f.location.file == "new.yaml")
        );
        assert_eq!(kept.update(&new, None), Update::Changed);
        assert_eq!(kept.len(), 1);
        // Not manifests of the project: ignored.
        assert_eq!(
            kept.update(&dir.path().join("notes.txt"), Some("x")),
            Update::Ignored
        );
        assert_eq!(
            kept.update(Path::new("/elsewhere/x.yaml"), Some("x")),
            Update::Ignored
        );
        // Created on disk, found by a new walk.
        std::fs::write(dir.path().join("b.yaml"), "b: 1\n").unwrap();
        kept.rewalk(&BTreeSet::new()).unwrap();
        assert_eq!(kept.len(), 2);
        std::fs::remove_file(dir.path().join("a.yaml")).unwrap();
        kept.rewalk(&BTreeSet::new()).unwrap();
        assert_eq!(kept.len(), 1);
    }

    /// A manifest's template is no kept file: its DVM002 follows its text on
    /// disk when it is changed, and a new walk finds new templates.
    #[test]
    fn a_template_of_manifests_is_scanned_again_when_it_changes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        std::fs::write(dir.path().join("a.yaml"), "a: 1\n").unwrap();
        let template = dir.path().join("deny.yaml.tpl");
        let policy = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n";
        std::fs::write(&template, policy).unwrap();
        let options = LintOptions {
            paths: vec![dir.path().to_path_buf()],
            ..LintOptions::default()
        };
        let templates = |kept: &Retained| -> Vec<String> {
            kept.lint(&BTreeMap::new())
                .unwrap()
                .findings
                .iter()
                .filter(|f| f.rule == "DVM002")
                .map(|f| f.location.file.to_string())
                .collect()
        };
        let mut kept = Retained::load(&options).unwrap();
        assert_eq!(kept.len(), 1);
        assert_eq!(templates(&kept), ["deny.yaml.tpl"]);
        std::fs::write(&template, "apiVersion: v1\nkind: ConfigMap\n").unwrap();
        assert_eq!(kept.update(&template, None), Update::Changed);
        assert!(templates(&kept).is_empty());
        std::fs::write(dir.path().join("new.yml.j2"), policy).unwrap();
        kept.rewalk(&BTreeSet::new()).unwrap();
        assert_eq!(kept.len(), 1);
        assert_eq!(templates(&kept), ["new.yml.j2"]);
    }

    /// A StatefulSet that gains a claim template makes its namespace
    /// migrated: the network findings there are found again, not reused.
    #[test]
    fn a_statefulset_gaining_a_claim_is_linted_again() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        std::fs::write(
            dir.path().join("deny.yaml"),
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: db}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n",
        )
        .unwrap();
        let sts = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: pg, namespace: db}\nspec:\n  template:\n    spec:\n      containers: [{name: pg, image: pg}]\n";
        let path = dir.path().join("sts.yaml");
        std::fs::write(&path, sts).unwrap();
        let options = LintOptions {
            paths: vec![dir.path().to_path_buf()],
            ..LintOptions::default()
        };
        let mut kept = Retained::load(&options).unwrap();
        assert!(kept.lint(&BTreeMap::new()).unwrap().findings.is_empty());
        let claimed: Arc<str> = Arc::from(format!(
            "{sts}  volumeClaimTemplates:\n    - metadata: {{name: data}}\n"
        ));
        kept.update(&path, Some(&claimed));
        let buffers = BTreeMap::from([(path.clone(), Arc::clone(&claimed))]);
        let incremental = kept.lint(&buffers).unwrap();
        assert!(
            incremental.findings.iter().any(|f| f.rule == "DVM102"),
            "{:?}: {:#?}",
            kept.last_reuse(),
            incremental.findings
        );
    }

    #[test]
    fn max_file_size_applies_to_buffers() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".dvmlint.yaml"), "max-file-size: 64\n").unwrap();
        std::fs::write(dir.path().join("a.yaml"), "a: 1\n").unwrap();
        let options = LintOptions {
            paths: vec![dir.path().to_path_buf()],
            ..LintOptions::default()
        };
        let mut kept = Retained::load(&options).unwrap();
        let path = dir.path().join("a.yaml");
        kept.update(&path, Some(&"# long\n".repeat(20)));
        let run = kept.lint(&BTreeMap::new()).unwrap();
        assert!(
            run.findings.iter().any(|f| f.rule == "DVM003"),
            "{:?}",
            run.findings
        );
    }
}
