//! A project's per-file results kept between lints: what the language server
//! holds in memory (docs/architecture.md, "Language server"). The results
//! are the ones the per-file stage makes for the CLI and `.dvmlint-cache/`
//! stores ([`FileResult`]); after a change only the changed file is read and
//! analysed again, and each lint then runs the stages after the per-file one
//! (apply units, rendering, the model, the project rules) on copies of the
//! kept results, exactly as [`super::run`] does after its walk.

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

use super::{
    Assembly, ClusterNames, LintError, LintOptions, LintRun, Prepared, assemble, conclude, file,
    file_settings, parse_files, prepare, read_small,
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
    /// The apply units of the kept files, found again only when a file
    /// comes or goes or a kustomization file changes (each lint takes a copy:
    /// the rendering stage marks the units it renders).
    units: std::sync::Mutex<Option<ApplyUnits>>,
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
        let (found, walk_errors) = {
            let cluster_of = |rel: &str| clusters.of(&config, rel);
            let settings = file_settings(&config, &rule_set, &policies, &cluster_of);
            // Renders are made by each lint, from disk (`lint`).
            let no_render = RenderStage::new(&root, &config, RenderMode::Off, false);
            let parsed = parse_files(&options, &root, &config, &settings, None, &no_render)?;
            (parsed.found, parsed.walk_errors)
        };
        let mut files: Vec<Kept> = found
            .into_iter()
            .map(|analyzed| Kept {
                rel: analyzed.source.rel,
                path: analyzed.source.path,
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
            units: std::sync::Mutex::new(None),
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
        if !path.starts_with(&self.root) || !is_manifest(&path) {
            return Update::Ignored;
        }
        let rel: Arc<str> = Arc::from(discovery::relative(&self.root, &path));
        let at = self.files.binary_search_by(|k| k.rel.as_ref().cmp(&rel));
        let kustomization = crate::manifest::kustomization::is_kustomization_file(
            rel.rsplit('/').next().unwrap_or(&rel),
        );
        if at.is_err() || kustomization {
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
                    kept.result = result;
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
        let mut walk_errors = Vec::new();
        for item in discovery::walk_iter(&self.root, &walk_options, &excluded) {
            match item {
                Found::File(source) => listed.push(source),
                Found::Error(err) => walk_errors.push(err),
            }
        }
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
        let copy_timing = crate::timings::stage("copy kept file results");
        let mut results: Vec<FileResult> =
            self.files.par_iter().map(|k| k.result.clone()).collect();
        drop(copy_timing);
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
        let renders = render_stage
            .finish(&mut results, &mut units, &mut render_findings)
            .map_err(LintError::Usage)?;
        let loaded = assemble(
            Assembly {
                root: self.root.clone(),
                config: self.config.clone(),
                rule_set: self.rule_set.clone(),
                custom_rules: self.custom_rules.clone(),
                results,
                walk_errors: self.walk_errors.clone(),
                units,
                renders,
                render_findings,
                hits: 0,
            },
            &self.options.paths,
        );
        Ok(conclude(loaded, &self.options.paths))
    }

    fn forget_units(&mut self) {
        *self
            .units
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    }

    fn analyze(&self, rel: &Arc<str>, path: &Path, text: Option<&str>) -> FileResult {
        let cluster_of = |rel: &str| self.clusters.of(&self.config, rel);
        let settings = file_settings(&self.config, &self.rule_set, &self.policies, &cluster_of);
        file::analyze_path(rel, path, text, &settings)
    }
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
