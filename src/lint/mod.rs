//! One lint run: discover → read and parse in parallel → model → project rules
//! → filtered, sorted findings. The CLI and the language server both call [`run`].

pub mod cache;
pub mod file;
pub mod read;
pub mod retained;
#[cfg(target_os = "linux")]
pub mod ring;
pub mod templates;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use crate::catalogue::{self, RuleMeta};
use crate::config::{Config, ConfigError};
use crate::discovery::{self, Found, SourceFile, WalkOptions};
use crate::finding::{Finding, Severity};
use crate::model::Project;
use crate::policy::{self, PolicyRule};
use crate::render::RenderIndex;
use crate::render::stage::Stage as RenderStage;
use crate::rules::{self, RuleSet};
use crate::suppress::{self, Suppression};
use crate::units::ApplyUnits;
use crate::yaml::Limits;

use crate::parsed::{FileResult, Reported, TakeParts};
use crate::render::stage::Answered;
use file::FileSettings;

/// Everything a run can be told (CLI flags override the configuration).
#[derive(Clone, Debug, Default)]
pub struct LintOptions {
    /// What to report on; the model always covers the whole project root.
    pub paths: Vec<PathBuf>,
    pub config_file: Option<PathBuf>,
    /// The text of `config_file` when an editor holds it unsaved: read
    /// instead of the file (which need not exist yet).
    pub config_text: Option<Arc<str>>,
    pub no_config: bool,
    pub select: Option<Vec<String>>,
    pub ignore: Vec<String>,
    pub exclude: Vec<String>,
    pub no_respect_gitignore: bool,
    pub jobs: Option<usize>,
    /// Unsaved editor buffers, by absolute path: they replace the file on disk.
    pub overlays: BTreeMap<PathBuf, Arc<str>>,
    /// Show a progress bar on stderr (the CLI sets it only when stderr is a terminal).
    pub progress: bool,
    /// Rule files under test (`check --rules-only`): loaded besides the config's
    /// `custom-rules`, and only their rules are reported.
    pub rules_only: Vec<PathBuf>,
    /// Reuse and update the per-file results in `.dvmlint-cache/` (the CLI's
    /// default; `--no-cache` turns it off). Off for the language server and tests.
    pub cache: bool,
    /// `--render`: render Kustomize roots and Helm charts (docs/rendering.md).
    pub render: crate::render::RenderMode,
    /// Keep render outputs in `.dvmlint-cache/` even when `cache` is off (the
    /// language server, which re-lints on every change).
    pub render_cache: bool,
    /// The process exits once the run is reported (the CLI): the model is
    /// left to the exit, which returns its memory at once, instead of being
    /// freed object by object while the report is written.
    pub exits_after: bool,
}

/// Runs shorter than this many files finish before a bar would be readable:
/// the bar is drawn once this many files are read.
const PROGRESS_MIN_FILES: usize = 2_000;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    /// Files whose per-file results came from `.dvmlint-cache/`.
    pub cached: usize,
    pub documents: usize,
    pub objects: usize,
}

pub struct LintRun {
    pub root: PathBuf,
    pub config: Config,
    /// Sorted by file, line, column, rule.
    pub findings: Vec<Finding>,
    pub summary: Summary,
    /// Every linted file (relative path), for reporters that list clean files.
    pub files: Vec<Arc<str>>,
    /// Strings that must never be printed (proxy passwords, Secret values).
    pub secrets: Vec<String>,
    /// Where they were read from (source snippets mask these scalars).
    pub secret_spans: Vec<crate::finding::Location>,
    /// The custom rules this run loaded (config `custom-rules`), sorted by id.
    pub custom_rules: Vec<&'static RuleMeta>,
    /// What the run had nothing to judge against, though the repository
    /// holds what rules would judge ([`unjudged_notes`]): `check` says each on
    /// stderr, so a clean result is not mistaken for a judged one.
    pub notes: Vec<String>,
}

#[derive(Debug)]
pub enum LintError {
    Config(ConfigError),
    Usage(String),
}

impl std::fmt::Display for LintError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LintError::Config(err) => write!(f, "invalid configuration: {err}"),
            LintError::Usage(message) => f.write_str(message),
        }
    }
}

/// A project read and modelled, before any project rule runs.
pub struct Loaded {
    pub root: PathBuf,
    pub project: Project,
    pub rule_set: RuleSet,
    /// Findings of the input and document rules.
    pub findings: Vec<Finding>,
    pub suppressions: Vec<Suppression>,
    pub secrets: BTreeSet<String>,
    pub secret_spans: Vec<crate::finding::Location>,
    pub summary: Summary,
    pub files: Vec<Arc<str>>,
    /// The custom rules this run loaded (docs/policy-as-code.md).
    pub custom_rules: Vec<&'static RuleMeta>,
    /// The renders whose objects are in the model: findings on them are put
    /// back on their sources ([`RenderIndex::remap`]).
    pub renders: RenderIndex,
}

/// The model of the project holding `options.paths`, with no rule run
/// (`dvmlint probe`).
pub fn load_model(options: &LintOptions) -> Result<Project, LintError> {
    load(options, Some(RuleSet::none())).map(|loaded| loaded.project)
}

/// Discover, read and parse in parallel, run the document rules of `rules`
/// (default: the options' and config's selection), and build the model: one
/// function per stage, in the order the data flows.
pub fn load(options: &LintOptions, rules: Option<RuleSet>) -> Result<Loaded, LintError> {
    let Prepared {
        root,
        config,
        rule_set,
        policies,
        custom_rules,
    } = prepare(options, rules)?;
    let clusters = ClusterNames::new(&config);
    let cluster_of = |rel: &str| clusters.of(&config, rel);
    let settings = file_settings(&config, &rule_set, &policies, &cluster_of);
    let cache = options
        .cache
        .then(|| {
            let key = cache::settings_key(&format!(
                "{config:?}\n{rule_set:?}\n{policies:?}\n{:?}",
                settings.limits
            ));
            cache::Cache::open(&root, key)
        })
        .flatten();
    // Rendering: roots are planned when the walk has listed the project and
    // rendered on the same pool while files are still being parsed.
    let render_stage = RenderStage::new(
        &root,
        &config,
        options.render,
        options.cache || options.render_cache,
    );
    let files_timing = crate::timings::stage("walk + files (parallel)");
    crate::alloc::walk_starts();
    let parsed = parse_files(
        options,
        &root,
        &config,
        &settings,
        cache.as_ref(),
        &render_stage,
    );
    crate::alloc::walk_ended();
    let mut parsed = parsed?;
    drop(files_timing);
    let merge_timing = crate::timings::stage("merge file results");
    let hits = parsed.hits;
    let scanned_templates: Vec<templates::Scanned> = std::mem::take(&mut parsed.templates)
        .into_iter()
        .map(|(_, scanned)| scanned)
        .collect();
    let (mut results, walk_errors, mut units) = merge(parsed, cache.as_ref());
    // Its decompressed shards are freed before the model is built.
    drop(cache);
    let mut render_findings = Vec::new();
    let rendered = render_stage
        .finish(&mut units, &mut render_findings, || {
            crate::render::unrestricted::Unrestricted::of(results.iter().map(|r| &**r))
        })
        .map_err(LintError::Usage)?;
    results.extend(rendered.outputs.into_iter().map(Box::new));
    results.sort_by(|a, b| a.rel.cmp(&b.rel));
    drop(merge_timing);
    let loaded = assemble(
        Assembly {
            root,
            config,
            rule_set,
            custom_rules,
            results,
            walk_errors,
            templates: scanned_templates,
            units,
            renders: rendered.index,
            answered: rendered.answered,
            render_findings,
            hits,
            model: None,
        },
        &options.paths,
    );
    // The model holds what it keeps of the per-file results, which are freed
    // (a language server keeps its results: its lints do not come here).
    crate::alloc::results_freed();
    Ok(loaded)
}

/// The settings of the per-file stage for this configuration and rules.
fn file_settings<'s>(
    config: &Config,
    rule_set: &'s RuleSet,
    policies: &'s [PolicyRule],
    cluster_of: &'s (dyn Fn(&str) -> Option<Arc<str>> + Sync),
) -> FileSettings<'s> {
    FileSettings {
        max_file_size: config.max_file_size,
        limits: Limits::default(),
        rules: rule_set,
        policies,
        cluster_of,
        configured_clusters: !config.clusters.is_empty(),
    }
}

/// The cluster of each file by its relative path: the configured cluster
/// that claims it, or the one default cluster when none is configured.
struct ClusterNames {
    names: Vec<Arc<str>>,
    default: Arc<str>,
}

impl ClusterNames {
    fn new(config: &Config) -> Self {
        ClusterNames {
            names: config
                .clusters
                .iter()
                .map(|c| Arc::from(c.name.as_str()))
                .collect(),
            default: Arc::from(crate::model::DEFAULT_CLUSTER),
        }
    }

    fn of(&self, config: &Config, rel: &str) -> Option<Arc<str>> {
        if config.clusters.is_empty() {
            Some(Arc::clone(&self.default))
        } else {
            config
                .cluster_of(rel)
                .and_then(|i| self.names.get(i).cloned())
        }
    }
}

/// What the per-file and rendering stages hand to the model, in file order:
/// the run's own results, or results the language server lends ([`TakeParts`]).
struct Assembly<R> {
    root: PathBuf,
    config: Config,
    rule_set: RuleSet,
    custom_rules: Vec<&'static RuleMeta>,
    results: Vec<R>,
    walk_errors: Vec<discovery::WalkError>,
    /// The templates of manifests the walk listed (`templates`), in path order.
    templates: Vec<templates::Scanned>,
    units: ApplyUnits,
    renders: RenderIndex,
    /// The files whose DVM002 the rendering answered.
    answered: Answered,
    render_findings: Vec<Finding>,
    hits: usize,
    /// A model of these results already made (the language server's
    /// incremental lint, `retained`): used instead of building one.
    model: Option<Project>,
}

/// The findings, suppressions and secrets gathered from the per-file
/// results, and the model built from their objects.
fn assemble<R: TakeParts + Send>(assembly: Assembly<R>, paths: &[PathBuf]) -> Loaded {
    let Assembly {
        root,
        config,
        rule_set,
        custom_rules,
        mut results,
        walk_errors,
        templates: scanned_templates,
        units,
        renders,
        answered,
        mut render_findings,
        hits,
        model,
    } = assembly;
    let merge_timing = crate::timings::stage("gather file results");
    // The summary and the file list are of what is reported on: `check shop`
    // says how many files under `shop` were read, though the model covers the
    // whole project.
    let reported = ReportScope::new(&root, paths);
    let Gathered {
        mut findings,
        mut suppressions,
        secrets,
        secret_spans,
        mut summary,
    } = gather(&mut results, &walk_errors, hits, &reported, &answered);
    findings.append(&mut render_findings);
    // Render outputs are not files of the project.
    summary.files = summary.files.saturating_sub(
        results
            .iter()
            .map(TakeParts::result)
            .filter(|r| renders.is_output(&r.rel) && reported.covers_file(&r.rel))
            .count(),
    );
    let mut files: Vec<Arc<str>> = results
        .iter()
        .map(TakeParts::result)
        .filter(|r| !renders.is_output(&r.rel))
        .map(|r| Arc::clone(&r.rel))
        .collect();
    // A file of `{{TOKEN}}`s a script fills in with `sed` is the tooling's
    // template, said per file before the templates are grouped by folder.
    rules::hygiene::template_placeholder::templates_filled_by_scripts(
        &root,
        &mut findings,
        |file| renders.is_output(file),
    );
    rules::input::unrendered_template::one_per_root(&mut findings, &files);
    let mut of_templates = templates::for_run(&scanned_templates, &files);
    findings.append(&mut of_templates.findings);
    suppressions.append(&mut of_templates.suppressions);
    files.retain(|f| reported.covers_file(f));
    drop(merge_timing);
    let _model_timing = crate::timings::stage("model");
    let project = match model {
        Some(mut project) => {
            project.units = units;
            project
        }
        None => Project::build(root.clone(), config, results, units),
    };
    Loaded {
        root,
        project,
        rule_set,
        findings,
        suppressions,
        secrets,
        secret_spans,
        summary,
        files,
        custom_rules,
        renders,
    }
}

/// What a run is told, resolved: the project root and its configuration, the
/// rules enabled, the declarative rules to run.
struct Prepared {
    root: PathBuf,
    config: Config,
    rule_set: RuleSet,
    policies: Vec<PolicyRule>,
    custom_rules: Vec<&'static RuleMeta>,
}

/// Finds the project root and its configuration, loads the custom rules and
/// resolves which rules run (CLI over config; custom rules' names to ids).
fn prepare(options: &LintOptions, rules: Option<RuleSet>) -> Result<Prepared, LintError> {
    let first = options
        .paths
        .first()
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."));
    let (root, mut config) = match (&options.config_file, &options.config_text) {
        (Some(path), Some(text)) => {
            let path = discovery::absolute(path);
            let config = crate::config::from_text(&path, text).map_err(LintError::Config)?;
            let root = path
                .parent()
                .map_or_else(|| PathBuf::from("."), std::path::Path::to_path_buf);
            (root, config)
        }
        _ => discovery::project_root(&first, options.config_file.as_deref(), !options.no_config)
            .map_err(LintError::Config)?,
    };
    let mut select = options
        .select
        .clone()
        .unwrap_or_else(|| config.select.clone());
    let mut ignore = config.ignore.clone();
    ignore.extend(options.ignore.iter().cloned());
    let mut custom = policy::load(&config).map_err(LintError::Config)?;
    if !options.rules_only.is_empty() {
        let tested = policy::load_files(&options.rules_only).map_err(LintError::Config)?;
        select = tested.iter().map(|r| r.meta.id.clone()).collect();
        custom.retain(|r| !select.contains(&r.meta.id));
        custom.extend(tested);
    }
    // Names of custom rules become their ids, now that they are known.
    let canonical = |text: &mut String| {
        if let Some(rule) = custom.iter().find(|r| r.meta.name == *text) {
            text.clone_from(&rule.meta.id);
        }
    };
    select.iter_mut().for_each(canonical);
    ignore.iter_mut().for_each(canonical);
    config.severity.iter_mut().for_each(|(id, _)| canonical(id));
    config
        .per_file_ignores
        .iter_mut()
        .for_each(|p| p.rules.iter_mut().for_each(canonical));
    let custom_ids: Vec<&str> = custom.iter().map(|r| r.meta.id.as_str()).collect();
    let from_cli = RuleIdsFromCli {
        select: options.select.is_some() && options.rules_only.is_empty(),
        ignore_after: config.ignore.len(),
    };
    check_rule_ids(&config, &select, &ignore, &custom_ids, &from_cli)?;
    let rule_set = rules.unwrap_or_else(|| RuleSet::with_custom(&select, &ignore, &custom_ids));
    let custom_metas: Vec<RuleMeta> = custom.iter().map(|r| r.meta.clone()).collect();
    let custom_rules = catalogue::register_custom(&custom_metas);
    let policies: Vec<PolicyRule> = policy::builtin().iter().cloned().chain(custom).collect();
    Ok(Prepared {
        root,
        config,
        rule_set,
        policies,
        custom_rules,
    })
}

/// What the walk and the per-file stage hand over.
struct ParsedFiles {
    /// Each listed file's record at its place in the listing (files named on
    /// the command line first, then the walk's): `None` for a named file the
    /// walk found too.
    found: Vec<Option<Analyzed>>,
    /// The rank of each listed file among the project's files in path
    /// order ([`ApplyUnits::discover_ranked`]), by place in the listing.
    ranks: Vec<u32>,
    walk_errors: Vec<discovery::WalkError>,
    /// The templates of manifests the walk listed, each scanned
    /// (`templates`), in path order.
    templates: Vec<(SourceFile, templates::Scanned)>,
    /// Files whose results came from the cache.
    hits: usize,
    /// What is applied together, found from the file list as soon as the
    /// walk ends, while the per-file stage goes on.
    units: ApplyUnits,
}

/// Discovery and the per-file stage, overlapped: the walk runs on one worker
/// and hands each file to the pool as it finds it, so reading and parsing
/// start with the first file, not after the listing. Files named on the
/// command line and editor buffers the walk does not find are read after it.
/// Files the walk may have listed and not yet handed to a worker. When the
/// walk ends, its thread finds the apply units (~0.15 s at 100,000 files)
/// while the other workers parse what is queued: 4,096 small files keep one
/// core busy for ~0.25 s, so no core waits for the units (with 1,024 the
/// queue was empty before the units were found).
const MAX_QUEUED_FILES: usize = 4096;

/// Files the walk hands to a worker at once (`file::analyze_batch`).
const BATCH_FILES: usize = 16;

/// Spawns a task for `batch` on the pool; the files it leaves (past the
/// text one task reads at once) are spawned again before it analyses what
/// it read, so another worker may take them.
fn spawn_batch<'s, A>(
    scope: &rayon::Scope<'s>,
    batch: Vec<(usize, SourceFile)>,
    analyze: &'s A,
    found: &'s std::sync::Mutex<Vec<Option<Analyzed>>>,
    waiting: &'s AtomicUsize,
) where
    A: Fn(Vec<(usize, SourceFile)>, &dyn Fn(Vec<(usize, SourceFile)>)) -> Vec<(usize, Analyzed)>
        + Sync,
{
    let files = batch.len();
    waiting.fetch_add(files, Ordering::Relaxed);
    scope.spawn(move |scope| {
        waiting.fetch_sub(files, Ordering::Relaxed);
        let records = analyze(batch, &|left| {
            spawn_batch(scope, left, analyze, found, waiting);
        });
        let mut found = found
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for (at, record) in records {
            put_at(&mut found, at, record);
        }
    });
}

fn parse_files(
    options: &LintOptions,
    root: &std::path::Path,
    config: &Config,
    settings: &FileSettings<'_>,
    cache: Option<&cache::Cache>,
    render_stage: &RenderStage<'_>,
) -> Result<ParsedFiles, LintError> {
    let mut exclude = config.exclude.clone();
    exclude.extend(options.exclude.iter().cloned());
    let excluded = discovery::exclude_set(&exclude).map_err(LintError::Usage)?;
    let walk_options = WalkOptions {
        exclude,
        respect_gitignore: !options.no_respect_gitignore,
    };
    let (explicit, explicit_errors) =
        discovery::explicit_files(root, &options.paths, options.overlays.keys().cloned());
    let bar = options.progress.then(progress_bar);
    let bar_shown = std::sync::atomic::AtomicBool::new(false);
    let hits = AtomicUsize::new(0);
    // A file's record, from its result and what its cache entry is stored with.
    let record = |source: SourceFile, result: Box<FileResult>, seen: Option<cache::Seen>| {
        if let Some(bar) = &bar {
            bar.inc(1);
            if bar.position() >= PROGRESS_MIN_FILES as u64
                && !bar_shown.swap(true, Ordering::Relaxed)
            {
                bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            }
        }
        // Nearly every file is `root/rel`; one whose name is not (a name that
        // is not UTF-8, a file named outside the root) keeps its path.
        let is_root_rel = is_root_rel(&source.path, root, &source.rel);
        Analyzed {
            path: path_key(&source.path),
            own_path: (!is_root_rel).then(|| Box::new(source.path)),
            rel: source.rel,
            result,
            seen: seen.map(Box::new),
        }
    };
    // A batch of files (`BATCH_FILES`, each with its place in the listing),
    // analysed together (`file::analyze_batch`) up to `file::BATCH_BYTES` of
    // text read: the records of the files answered; the files past that are
    // handed to `leave` (another task, `spawn_batch`).
    let analyze = |batch: Vec<(usize, SourceFile)>,
                   leave: &dyn Fn(Vec<(usize, SourceFile)>)|
     -> Vec<(usize, Analyzed)> {
        let mut done: Vec<Option<(Box<FileResult>, Option<cache::Seen>)>> =
            batch.iter().map(|_| None).collect();
        let mut stamps: Vec<Option<u128>> = vec![None; batch.len()];
        let mut unread = Vec::with_capacity(batch.len());
        for (at, (_, source)) in batch.iter().enumerate() {
            let overlay = options.overlays.get(&source.path).map(AsRef::as_ref);
            let (Some(slot), Some(stamp)) = (done.get_mut(at), stamps.get_mut(at)) else {
                continue;
            };
            match (cache, overlay) {
                (Some(cache), None) => {
                    // An unchanged file (its stamp the stored one) is not
                    // opened; its stamp is taken before it is read, so an
                    // edit made while it is read makes the next run read it
                    // again.
                    *stamp = cache.stamp(&source.path);
                    match stamp.and_then(|stamp| cache.get_stamped(&source.rel, stamp)) {
                        Some((result, seen)) => {
                            hits.fetch_add(1, Ordering::Relaxed);
                            *slot = Some((result, Some(seen)));
                        }
                        None => unread.push(at),
                    }
                }
                (None, None) => unread.push(at),
                (_, Some(_)) => {
                    let result = file::analyze_path(&source.rel, &source.path, overlay, settings);
                    *slot = Some((Box::new(result), None));
                }
            }
        }
        let sources: Vec<(&Arc<str>, &std::path::Path)> = unread
            .iter()
            .filter_map(|&at| batch.get(at))
            .map(|(_, s)| (&s.rel, s.path.as_path()))
            .collect();
        read::first_group(
            &sources,
            settings.max_file_size,
            file::BATCH_BYTES,
            |texts| {
                // What the group did not read goes to another task before
                // this one analyses what it read: large files are shared
                // between the workers.
                let left: Vec<(usize, SourceFile)> = unread
                    .iter()
                    .skip(texts.len())
                    .filter_map(|&at| batch.get(at))
                    .cloned()
                    .collect();
                if !left.is_empty() {
                    leave(left);
                }
                let mut parse = Vec::with_capacity(texts.len());
                for (&at, text) in unread.iter().zip(texts) {
                    let (Some((_, source)), Some(slot)) = (batch.get(at), done.get_mut(at)) else {
                        continue;
                    };
                    let stamp = stamps.get(at).copied().flatten();
                    match (text, cache) {
                        (Err(result), _) => *slot = Some((result, None)),
                        (Ok(bytes), Some(cache)) => {
                            let hash = cache::content_hash(bytes);
                            match cache.get(&source.rel, hash) {
                                Some(result) => {
                                    hits.fetch_add(1, Ordering::Relaxed);
                                    *slot = Some((result, Some(cache::Seen { hash, stamp })));
                                }
                                None => parse.push((at, bytes, Some(cache::Seen { hash, stamp }))),
                            }
                        }
                        (Ok(bytes), None) => parse.push((at, bytes, None)),
                    }
                }
                let inputs: Vec<(&Arc<str>, &[u8])> = parse
                    .iter()
                    .filter_map(|&(at, bytes, _)| Some((&batch.get(at)?.1.rel, bytes)))
                    .collect();
                let results = file::analyze_batch(&inputs, settings);
                for ((at, _, seen), result) in parse.into_iter().zip(results) {
                    if let Some(slot) = done.get_mut(at) {
                        *slot = Some((Box::new(result), seen));
                    }
                }
            },
        );
        // The files left to another task have no record here.
        batch
            .into_iter()
            .zip(done)
            .filter_map(|((place, source), done)| {
                let (result, seen) = done?;
                Some((place, record(source, result, seen)))
            })
            .collect()
    };
    let walk_and_analyze = || -> WalkedFiles {
        let found = std::sync::Mutex::new(Vec::new());
        let mut walk_errors = explicit_errors;
        let mut listed: Vec<Arc<str>> = explicit.iter().map(|s| Arc::clone(&s.rel)).collect();
        let mut template_sources: Vec<SourceFile> = Vec::new();
        let scanned_templates = std::sync::Mutex::new(Vec::new());
        let mut units = ApplyUnits::default();
        let mut ranks = Vec::new();
        let waiting = AtomicUsize::new(0);
        let (waiting, found_ref, analyze) = (&waiting, &found, &analyze);
        let mut batch: Vec<(usize, SourceFile)> = Vec::with_capacity(BATCH_FILES);
        rayon::scope(|scope| {
            let spawn = |batch| spawn_batch(scope, batch, analyze, found_ref, waiting);
            for item in discovery::walk_iter(root, &walk_options, &excluded) {
                match item {
                    Found::File(source) => {
                        batch.push((listed.len(), source));
                        if let Some((_, source)) = batch.last() {
                            listed.push(Arc::clone(&source.rel));
                        }
                        if batch.len() < BATCH_FILES {
                            continue;
                        }
                        // The walk finds files far faster than they are
                        // parsed: past a bound, the walk's thread parses
                        // queued files itself before listing more, so the
                        // queue (a task and two paths per file) stays small
                        // whatever the project's size (docs/performance.md).
                        while waiting.load(Ordering::Relaxed) >= MAX_QUEUED_FILES {
                            if rayon::yield_now() != Some(rayon::Yield::Executed) {
                                std::thread::yield_now();
                            }
                        }
                        spawn(std::mem::replace(
                            &mut batch,
                            Vec::with_capacity(BATCH_FILES),
                        ));
                    }
                    Found::Template(source) => template_sources.push(source),
                    Found::Error(err) => walk_errors.push(err),
                }
            }
            if !batch.is_empty() {
                spawn(std::mem::replace(
                    &mut batch,
                    Vec::with_capacity(BATCH_FILES),
                ));
            }
            let boundary = crate::boundary::ProjectBoundary::new(root);
            // Templates of manifests, on the pool: a file named on the
            // command line is read as a manifest, as any named file is.
            template_sources.retain(|t| !explicit.iter().any(|named| named.path == t.path));
            if !template_sources.is_empty() {
                let (boundary, scanned) = (boundary.clone(), &scanned_templates);
                let sources = std::mem::take(&mut template_sources);
                scope.spawn(move |_| {
                    let found = templates::scan_all(
                        &boundary,
                        sources,
                        settings.max_file_size,
                        settings.cluster_of,
                    );
                    *scanned
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner) = found;
                });
            }
            // The apply units stage, on the walk's thread while the pool parses.
            let timing = crate::timings::stage("apply units");
            (units, ranks) = ApplyUnits::discover_ranked(&listed, &|rel| {
                read_small(&boundary, rel, &options.overlays, settings.max_file_size)
            });
            drop(timing);
            // Rendering: each Kustomize root and Helm chart on the same pool.
            render_stage.spawn(scope, &units, settings);
        });
        let mut found = found
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !explicit.is_empty() {
            let seen: std::collections::HashSet<u64> =
                found.iter().flatten().map(|item| item.path).collect();
            // A named file keeps its place at the head of the listing.
            let extra: Vec<(usize, SourceFile)> = explicit
                .iter()
                .enumerate()
                .filter(|(_, s)| !seen.contains(&path_key(&s.path)))
                .map(|(at, s)| (at, s.clone()))
                .collect();
            let analyzed: Vec<(usize, Analyzed)> = extra
                .into_par_iter()
                // (One file: a group reads at least one, so none is left.)
                .flat_map_iter(|(at, source)| analyze(vec![(at, source)], &|_| {}))
                .collect();
            for (at, item) in analyzed {
                put_at(&mut found, at, item);
            }
        }
        WalkedFiles {
            found,
            ranks,
            walk_errors,
            templates: scanned_templates
                .into_inner()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
            units,
        }
    };
    let WalkedFiles {
        found,
        ranks,
        walk_errors,
        templates,
        units,
    } = match options.jobs {
        Some(jobs) => rayon::ThreadPoolBuilder::new()
            .num_threads(jobs.max(1))
            .build()
            .map_err(|err| LintError::Usage(format!("cannot start {jobs} worker threads: {err}")))?
            .install(walk_and_analyze),
        None => walk_and_analyze(),
    };
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(ParsedFiles {
        found,
        ranks,
        walk_errors,
        templates,
        hits: hits.into_inner(),
        units,
    })
}

/// Whether `path` is `root` joined with `rel`: by bytes (`root/rel`, a
/// tenth of the cost of comparing the paths' components, which showed in
/// the profile of 100,000 small files), else by components.
fn is_root_rel(path: &std::path::Path, root: &std::path::Path, rel: &str) -> bool {
    let joined = path
        .as_os_str()
        .as_encoded_bytes()
        .strip_prefix(root.as_os_str().as_encoded_bytes())
        .and_then(|rest| rest.strip_prefix(b"/"));
    joined == Some(rel.as_bytes()) || path.strip_prefix(root) == Ok(std::path::Path::new(rel))
}

/// What the walk and the per-file stage give back from the pool.
struct WalkedFiles {
    found: Vec<Option<Analyzed>>,
    ranks: Vec<u32>,
    walk_errors: Vec<discovery::WalkError>,
    templates: Vec<(SourceFile, templates::Scanned)>,
    units: ApplyUnits,
}

/// Puts `item` at place `at` of `slots`, growing it with empty places: each
/// file's record goes where the listing put the file, whichever worker
/// finished it first.
fn put_at<T>(slots: &mut Vec<Option<T>>, at: usize, item: T) {
    if slots.len() <= at {
        slots.resize_with(at + 1, || None);
    }
    if let Some(slot) = slots.get_mut(at) {
        *slot = Some(item);
    }
}

/// The text of `rel` for the apply units stage (an editor buffer first):
/// `None` when it cannot be read, lies outside the project, is no regular
/// file or is over the size limit (read through the project boundary, like
/// every reader: `docs/security.md`).
fn read_small(
    boundary: &crate::boundary::ProjectBoundary,
    rel: &str,
    overlays: &BTreeMap<PathBuf, Arc<str>>,
    max_size: u64,
) -> Option<String> {
    let path = boundary.root().join(rel);
    if let Some(text) = overlays.get(&path) {
        return Some(text.to_string());
    }
    String::from_utf8(boundary.open_bounded(&path, max_size).ok()?).ok()
}

/// The per-file results back in a fixed order, files by path (the same file
/// found twice counts once), walk errors by path, so every later stage sees the
/// same order whatever the thread count; stored in the cache when there is one.
/// The results stay in the boxes the per-file stage made them in (moved out
/// into one vector, they were a copy at the peak: see the body).
#[allow(clippy::vec_box)]
fn merge(
    parsed: ParsedFiles,
    cache: Option<&cache::Cache>,
) -> (Vec<Box<FileResult>>, Vec<discovery::WalkError>, ApplyUnits) {
    let ParsedFiles {
        found,
        ranks,
        mut walk_errors,
        units,
        ..
    } = parsed;
    let order = path_order(&found, &ranks);
    walk_errors.sort_by(|a, b| (&a.rel, &a.message).cmp(&(&b.rel, &b.message)));
    walk_errors.dedup_by(|a, b| (&a.rel, &a.message) == (&b.rel, &b.message));
    // The content hashes only with a cache (a vector of nothing is fresh
    // memory all the same).
    let seen: Option<Vec<Option<cache::Seen>>> = cache.map(|_| {
        order
            .iter()
            .map(|&at| {
                found
                    .get(at)
                    .and_then(Option::as_ref)
                    .and_then(|item| item.seen.as_deref().copied())
            })
            .collect()
    });
    // The boxes in path order (8 bytes a file: the records are freed
    // first). They stay boxed: the model takes their objects out and frees
    // each as it goes. Moved out of their boxes into one vector, the results
    // were a new 10 MB at 1 GB, alive while the model's objects were placed
    // beside them: the peak of the run (docs/performance.md).
    let mut boxes: Vec<Option<Box<FileResult>>> = found
        .into_iter()
        .map(|item| item.map(|item| item.result))
        .collect();
    let results: Vec<Box<FileResult>> = order
        .iter()
        .filter_map(|&at| boxes.get_mut(at).and_then(Option::take))
        .collect();
    drop(boxes);
    if let (Some(cache), Some(seen)) = (cache, seen) {
        cache.store(&results, &seen);
    }
    (results, walk_errors, units)
}

/// The places of `found` (indexes into it, its empty places left out) in
/// path order, the same file found twice (the same absolute path) once. The
/// records are sorted by their file's rank in the listing's path order
/// (`ranks`, by place), then absolute path (two files whose names are not
/// UTF-8 may share a relative path): integers, so no step of the sort reads a
/// path.
fn path_order(found: &[Option<Analyzed>], ranks: &[u32]) -> Vec<usize> {
    let mut keys: Vec<(u32, u64, usize)> = found
        .iter()
        .zip(ranks)
        .enumerate()
        .filter_map(|(at, (item, &rank))| Some((rank, item.as_ref()?.path, at)))
        .collect();
    keys.par_sort_unstable();
    keys.dedup_by(|later, earlier| (later.0, later.1) == (earlier.0, earlier.1));
    keys.into_iter().map(|(_, _, at)| at).collect()
}

/// What the run keeps of the per-file results besides their objects.
struct Gathered {
    findings: Vec<Finding>,
    suppressions: Vec<Suppression>,
    secrets: BTreeSet<String>,
    secret_spans: Vec<crate::finding::Location>,
    summary: Summary,
}

/// Takes the findings, suppressions and secrets out of the per-file results
/// (moved out of the run's own: the model keeps only the objects) and counts
/// those in the reported scope. Runs of files are taken on every worker, then
/// joined in file order.
fn gather<R: TakeParts + Send>(
    results: &mut [R],
    walk_errors: &[discovery::WalkError],
    cached: usize,
    reported: &ReportScope,
    answered: &Answered,
) -> Gathered {
    let take_run = |run: &mut [R]| {
        // Kept in a list: the set is built once, of all the runs' (sets
        // joined run by run cost more than the rest of the gathering).
        let mut secrets_of_run = Vec::new();
        let mut gathered = Gathered {
            findings: Vec::new(),
            suppressions: Vec::new(),
            secrets: BTreeSet::new(),
            secret_spans: Vec::new(),
            summary: Summary::default(),
        };
        for result in run {
            let Reported {
                mut findings,
                mut suppressions,
                secrets,
                secret_spans,
            } = result.take_reported();
            let result = result.result();
            if reported.covers_file(&result.rel) {
                gathered.summary.files += 1;
                gathered.summary.documents += result.documents;
                gathered.summary.objects += result.objects.len();
            }
            answered.settle(result, &mut findings);
            gathered.findings.append(&mut findings);
            gathered.suppressions.append(&mut suppressions);
            secrets_of_run.extend(secrets);
            gathered.secret_spans.extend(
                secret_spans
                    .into_iter()
                    .map(|span| crate::finding::Location::new(&result.rel, span)),
            );
        }
        (gathered, secrets_of_run)
    };
    let runs: Vec<(Gathered, Vec<String>)> =
        results.par_chunks_mut(GATHERED_RUN).map(take_run).collect();
    let mut gathered = Gathered {
        findings: walk_errors
            .iter()
            .map(|err| rules::input::unreadable_input::walk_error(&err.rel, &err.message))
            .collect(),
        suppressions: Vec::new(),
        secrets: BTreeSet::new(),
        secret_spans: Vec::new(),
        summary: Summary {
            cached,
            ..Summary::default()
        },
    };
    let mut secrets = Vec::new();
    for (mut run, mut secrets_of_run) in runs {
        secrets.append(&mut secrets_of_run);
        gathered.summary.files += run.summary.files;
        gathered.summary.documents += run.summary.documents;
        gathered.summary.objects += run.summary.objects;
        gathered.findings.append(&mut run.findings);
        gathered.suppressions.append(&mut run.suppressions);
        gathered.secret_spans.append(&mut run.secret_spans);
    }
    gathered.secrets = secrets.into_iter().collect();
    gathered
}

/// Files gathered in one run on a worker ([`gather`]).
const GATHERED_RUN: usize = 1024;

pub fn run(options: &LintOptions) -> Result<LintRun, LintError> {
    load(options, None).map(|loaded| conclude(loaded, &options.paths, options.exits_after))
}

/// The project rules on a loaded project, then suppressions, the reported
/// scope, severities and the order of the findings.
fn conclude(loaded: Loaded, paths: &[PathBuf], exits_after: bool) -> LintRun {
    let (run, project) = conclude_with(loaded, paths, &mut |rule_set, project| {
        rules::run_project_rules(rule_set, project)
    });
    if exits_after {
        // Freeing it would take a core from the redaction and the report
        // (~20 ms of one core at 100,000 small files) for memory the exit
        // returns anyway.
        std::mem::forget(project);
        return run;
    }
    // Freeing hundreds of thousands of objects takes a while (0.2 s for 1 GB
    // of manifests): a helper thread does it while the findings are reported.
    // If it cannot start, the closure is dropped here, and the model with it.
    let _ = std::thread::Builder::new()
        .name("dvmlint-free".to_owned())
        .spawn(move || drop(project));
    run
}

/// [`conclude`] with the project rules run by `project_rules`, giving the
/// model back (the language server keeps it for the next lint).
fn conclude_with(
    loaded: Loaded,
    paths: &[PathBuf],
    project_rules: &mut dyn FnMut(&RuleSet, &Project) -> Vec<Finding>,
) -> (LintRun, Project) {
    let Loaded {
        root,
        project,
        rule_set,
        mut findings,
        suppressions,
        secrets,
        secret_spans,
        summary,
        files,
        custom_rules,
        renders,
    } = loaded;
    let rules_timing = crate::timings::stage("project rules");
    findings.extend(project_rules(&rule_set, &project));
    drop(rules_timing);
    renders.remap(&root, &mut findings);
    let mut suppressions = suppressions;
    renders.remap_suppressions(&root, &mut suppressions);
    crate::render::locate::drop_raw_twins(&mut findings);
    crate::render::locate::drop_build_failure_of_a_syntax_error(&mut findings);
    crate::render::locate::drop_duplicates_of_one_place(&mut findings);
    crate::render::locate::drop_judged_on_outputs(&mut findings, &project.units);
    rules::input::unrendered_template::drop_unmodelled_of_unapplied(&mut findings, &project.units);
    rules::hygiene::template_placeholder::filled_by_scripts(&root, &mut findings);
    let _finish_timing = crate::timings::stage("suppress, filter, sort");
    let unused = suppress::apply(&mut findings, &suppressions, &|id| rule_set.is_enabled(id));
    findings.extend(unused);

    let reported = ReportScope::new(&root, paths);
    let config = project.config.clone();
    // What the configuration's own findings say (DVM406: a cluster whose
    // `paths` match nothing) holds for any path linted: never left out.
    let config_file = project.config_file();
    findings.retain(|f| {
        rule_set.is_enabled(&f.rule)
            && (reported.includes(f) || config_file.as_deref() == Some(&*f.location.file))
            && !per_file_ignored(&config, f)
    });
    for finding in &mut findings {
        if let Some((_, level)) = config.severity.iter().find(|(id, _)| *id == finding.rule) {
            finding.severity = *level;
        }
    }
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    // One statement once: the same finding from each build that applies a
    // file (a firewall of a component two overlays include) differs only in
    // the build it names among its related locations; the first is kept.
    findings.dedup_by(|later, first| later.same_statement(first));
    let mut notes = unjudged_notes(&project, &rule_set);
    notes.extend(proxy_variant_notes(&project, &rule_set));
    let run = LintRun {
        root,
        config,
        findings,
        summary,
        files,
        secrets: secrets.into_iter().filter(|s| is_maskable(s)).collect(),
        secret_spans,
        custom_rules,
        notes,
    };
    (run, project)
}

/// The network rules that judge policies and egress firewalls against DVM's
/// traffic, and the kinds they read.
const NETWORK_RULES: [&str; 9] = [
    "DVM101", "DVM102", "DVM103", "DVM104", "DVM105", "DVM110", "DVM111", "DVM112", "DVM113",
];
const NETWORK_KINDS: [(&str, &str); 5] = [
    ("networking.k8s.io", "NetworkPolicy"),
    ("policy.networking.k8s.io", "AdminNetworkPolicy"),
    ("policy.networking.k8s.io", "BaselineAdminNetworkPolicy"),
    ("network.openshift.io", "EgressNetworkPolicy"),
    ("k8s.ovn.org", "EgressFirewall"),
];

/// A note when the network rules had no migrated namespace to judge the
/// repository's policies against: without MigPlans or `namespaces:` only a
/// namespace holding a volume claim counts (docs/model.md), and a
/// repository of policies without claims would otherwise read "No findings".
fn unjudged_notes(project: &Project, rule_set: &RuleSet) -> Vec<String> {
    if !NETWORK_RULES.iter().any(|id| rule_set.is_enabled(id)) {
        return Vec::new();
    }
    let migration = project.migration();
    if migration.scope_source != crate::model::migration::ScopeSource::EveryNamespace
        || !migration.pairs.is_empty()
    {
        return Vec::new();
    }
    let policies: usize = NETWORK_KINDS
        .iter()
        .map(|(group, kind)| project.modelled_kind(group, kind).count())
        .sum();
    if policies == 0 {
        return Vec::new();
    }
    let (count, verb) = if policies == 1 {
        ("one network policy".to_owned(), "was")
    } else {
        (format!("{policies} network policies"), "were")
    };
    vec![format!(
        "no namespace counts as migrated (no MigPlan, no `namespaces:` in the configuration, and no namespace \
         holds a volume claim), so the network rules judged nothing: {count} (NetworkPolicies, admin network \
         policies, egress firewalls) {verb} read but had no DVM traffic to be judged against; list the \
         namespaces to migrate under `namespaces:` in .dvmlint.yaml"
    )]
}

/// A note for each cluster holding several cluster Proxies that apply
/// (alternative folders judged as one cluster: `tests/golden/defaults/` and
/// `tests/golden/proxy/`): the proxy rules judge one Proxy a cluster, the
/// first, and the others would otherwise pass unjudged without a word
/// (trial 29).
fn proxy_variant_notes(project: &Project, rule_set: &RuleSet) -> Vec<String> {
    let proxy_rules = rules::REGISTRY
        .iter()
        .any(|(id, _)| id.starts_with("DVM2") && rule_set.is_enabled(id));
    if !proxy_rules {
        return Vec::new();
    }
    (0..project.clusters.len())
        .filter_map(|cluster| {
            // One file a unit includes (a base's Proxy in each overlay) is one.
            let mut files: Vec<String> = Vec::new();
            for (_, o) in crate::model::proxy::cluster_proxies(project, cluster) {
                let file = format!("`{}`", o.object.file);
                if !files.contains(&file) {
                    files.push(file);
                }
            }
            let (judged, others) = files.split_first()?;
            if others.is_empty() {
                return None;
            }
            let name = project.cluster_name(Some(cluster)).map_or("", |n| &**n);
            Some(format!(
                "cluster `{name}` holds {} cluster Proxies (Proxy `cluster`) in different apply units; the proxy rules judged the one in {judged} only, not {}: give each folder its own cluster under `clusters:` in .dvmlint.yaml to judge each",
                files.len(),
                crate::finding::bounded_list(others)
            ))
        })
        .collect()
}

/// Which of the rule ids came from the command line, so that an unknown one
/// is blamed on the option, not on the configuration file.
struct RuleIdsFromCli {
    /// `--select` replaced the configuration's `select`.
    select: bool,
    /// `ignore` holds the configuration's, then `--ignore`'s from this index.
    ignore_after: usize,
}

/// Rule ids in the configuration and on the command line were checked for
/// their form when read; once the custom rules are loaded, each must name one.
fn check_rule_ids(
    config: &Config,
    select: &[String],
    ignore: &[String],
    custom: &[&str],
    from_cli: &RuleIdsFromCli,
) -> Result<(), LintError> {
    let named = select
        .iter()
        .map(|id| ("select", from_cli.select, id))
        .chain(
            ignore
                .iter()
                .enumerate()
                .map(|(i, id)| ("ignore", i >= from_cli.ignore_after, id)),
        )
        .chain(
            config
                .severity
                .iter()
                .map(|(id, _)| ("severity", false, id)),
        )
        .chain(
            config
                .per_file_ignores
                .iter()
                .flat_map(|p| p.rules.iter().map(|id| ("per-file-ignores", false, id))),
        );
    for (setting, cli, id) in named {
        let known = catalogue::rules().iter().any(|r| r.id == *id) || custom.contains(&id.as_str());
        if !known {
            let candidates = catalogue::rules()
                .iter()
                .flat_map(|r| [r.id.as_str(), r.name.as_str()])
                .chain(custom.iter().copied());
            let unknown = format!(
                "unknown rule `{id}`: no built-in rule and no custom rule \
                 (`custom-rules`) has this id{}",
                crate::suggest::hint(id, candidates)
            );
            if cli {
                return Err(LintError::Usage(format!("--{setting}: {unknown}")));
            }
            return Err(LintError::Config(ConfigError {
                path: config
                    .path
                    .clone()
                    .unwrap_or_else(|| PathBuf::from("command line")),
                pos: None,
                message: format!("{setting}: {unknown}"),
            }));
        }
    }
    Ok(())
}

/// Too short or too common to mask without garbling every message.
fn is_maskable(secret: &str) -> bool {
    secret.len() >= 4 && !matches!(secret, "password" | "pass" | "passwd")
}

/// One item of the parallel stage. Its absolute path is kept only as a hash
/// ([`path_key`]): a path per file, alive until the merge, was ~100 bytes a
/// file of the peak on a repository of small files.
struct Analyzed {
    rel: Arc<str>,
    path: u64,
    /// Its absolute path when that is not `root/rel` (boxed, as `seen`: the
    /// records of all files grow one vector, 48 bytes a file instead of 128).
    own_path: Option<Box<std::path::PathBuf>>,
    result: Box<FileResult>,
    /// With a cache: what its entry is stored with.
    seen: Option<Box<cache::Seen>>,
}

/// What tells two absolute paths apart: a 64-bit hash of their bytes.
fn path_key(path: &std::path::Path) -> u64 {
    xxhash_rust::xxh3::xxh3_64(path.as_os_str().as_encoded_bytes())
}

/// A bar drawn only once the run has met enough files to be worth one.
fn progress_bar() -> indicatif::ProgressBar {
    let bar =
        indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::hidden());
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{spinner} linting: {pos} files read {elapsed}")
    {
        bar.set_style(style);
    }
    bar
}

fn per_file_ignored(config: &Config, finding: &Finding) -> bool {
    config.per_file_ignores.iter().any(|p| {
        p.rules.iter().any(|r| *r == finding.rule)
            && p.matcher.is_match(finding.location.file.as_ref())
    })
}

/// docs/cli.md: PATHS restrict which findings are reported — those whose primary or
/// a related location is in a named file or under a named folder.
struct ReportScope {
    /// Relative paths; empty means everything.
    prefixes: Vec<String>,
}

impl ReportScope {
    fn new(root: &std::path::Path, paths: &[PathBuf]) -> ReportScope {
        let mut prefixes = Vec::new();
        for path in paths {
            let rel = discovery::relative(root, &discovery::absolute(path));
            if rel == "." {
                return ReportScope {
                    prefixes: Vec::new(),
                };
            }
            prefixes.push(rel);
        }
        ReportScope { prefixes }
    }

    fn covers(&self, file: &str) -> bool {
        self.prefixes.iter().any(|p| {
            file == p
                || (file.starts_with(p.as_str()) && file.as_bytes().get(p.len()) == Some(&b'/'))
        })
    }

    /// Whether a file is in the reported scope (every file when no path narrows it).
    fn covers_file(&self, file: &str) -> bool {
        self.prefixes.is_empty() || self.covers(file)
    }

    fn includes(&self, finding: &Finding) -> bool {
        self.prefixes.is_empty()
            || self.covers(&finding.location.file)
            || finding
                .related
                .iter()
                .any(|r| self.covers(&r.location.file))
    }
}

/// The exit code of docs/cli.md for these findings.
pub fn exit_code(findings: &[Finding], fail_on: Severity) -> i32 {
    i32::from(findings.iter().any(|f| f.severity >= fail_on))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One record per file grows a single vector through the parallel stage
    /// (docs/performance-history.md, "Small files"): what few files need is boxed.
    #[test]
    fn a_file_record_of_the_parallel_stage_stays_compact() {
        assert_eq!(std::mem::size_of::<Analyzed>(), 48);
        assert_eq!(std::mem::size_of::<Option<Analyzed>>(), 48);
    }

    #[test]
    fn a_path_is_root_relative_by_bytes_or_by_components() {
        use std::path::Path;
        let root = Path::new("/p/root");
        assert!(is_root_rel(Path::new("/p/root/a/b.yaml"), root, "a/b.yaml"));
        // Not the bytes of `root/rel`, the same components.
        assert!(is_root_rel(
            Path::new("/p/root//a/./b.yaml"),
            root,
            "a/b.yaml"
        ));
        assert!(is_root_rel(
            Path::new("/p/root/a/b.yaml"),
            Path::new("/p/root/"),
            "a/b.yaml"
        ));
        assert!(!is_root_rel(
            Path::new("/p/rootx/a/b.yaml"),
            root,
            "a/b.yaml"
        ));
        assert!(!is_root_rel(
            Path::new("/p/root/a/c.yaml"),
            root,
            "a/b.yaml"
        ));
        assert!(!is_root_rel(
            Path::new("/elsewhere/a/b.yaml"),
            root,
            "a/b.yaml"
        ));
    }

    #[test]
    fn records_are_put_at_their_place_in_the_listing() {
        let mut slots: Vec<Option<&str>> = Vec::new();
        put_at(&mut slots, 2, "c");
        put_at(&mut slots, 0, "a");
        put_at(&mut slots, 4, "e");
        assert_eq!(slots, [Some("a"), None, Some("c"), None, Some("e")]);
    }

    fn record(rel: &str, path: u64) -> Analyzed {
        Analyzed {
            rel: Arc::from(rel),
            path,
            own_path: None,
            result: Box::default(),
            seen: None,
        }
    }

    #[test]
    fn records_come_in_path_order_by_rank_each_file_once() {
        // Listed: a named file (found by the walk too, so its place is
        // empty), then the walk's files, one of them a second file with the
        // same relative path (a name that is not UTF-8).
        let found = vec![
            None,
            Some(record("b.yaml", 7)),
            Some(record("a/x.yaml", 3)),
            Some(record("a.yaml", 9)),
            Some(record("b.yaml", 5)),
            Some(record("a.yaml", 9)),
        ];
        let ranks = [2, 2, 1, 0, 2, 0];
        let order = path_order(&found, &ranks);
        let keys: Vec<(&str, u64)> = order
            .iter()
            .filter_map(|&at| found.get(at)?.as_ref())
            .map(|item| (item.rel.as_ref(), item.path))
            .collect();
        assert_eq!(
            keys,
            [("a.yaml", 9), ("a/x.yaml", 3), ("b.yaml", 5), ("b.yaml", 7)]
        );
    }
}
