//! `dvmlint graph` and `check --graph` (docs/graph.md): the DVM paths of the
//! project drawn from the model, each hop decided as the rules decide it
//! (`crate::graph`).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::graph::{self, Format, Graph, Selection};
use crate::lint::{self, LintOptions};
use crate::report::Redactor;
use crate::rules::RuleSet;

#[derive(clap::Args, Debug)]
pub struct GraphArgs {
    /// The repository (default "."); the graph covers its whole project
    pub paths: Vec<PathBuf>,
    /// Only the namespace pairs of this MigPlan (by name)
    #[arg(long, value_name = "NAME")]
    pub plan: Option<String>,
    /// Only the pairs with this namespace on their source or target side
    #[arg(long, value_name = "NS")]
    pub namespace: Option<String>,
    /// mermaid (renders in GitHub and GitLab Markdown), dot (Graphviz), svg (laid out by Graphviz's
    /// `dot`, which must be installed), json (nodes, edges, verdicts, locations)
    #[arg(long, value_enum, default_value = "mermaid")]
    pub format: Format,
    /// Use this configuration file (default: the nearest .dvmlint.yaml or dvmlint.yaml above the first path)
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Ignore every configuration file
    #[arg(long)]
    pub no_config: bool,
    /// Write the graph to FILE instead of stdout
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Builds the project's graph of `options`, its findings' locations put on
/// the files a user edits and every text masked as `check` masks reports.
pub fn load(options: &LintOptions, selection: &Selection) -> Result<Graph, String> {
    let loaded = lint::load(options, Some(RuleSet::none())).map_err(|err| err.to_string())?;
    let mut graph = graph::build(&loaded.project, selection);
    graph.remap(&loaded.root, &loaded.renders);
    // The two redactors of `report::redact::redact_findings`: texts know the
    // project's paths (a short secret inside one written whole is kept), and
    // a file's path is masked as a path (by secrets of 8 bytes and more only).
    let secrets: Vec<String> = loaded.secrets.into_iter().collect();
    let texts = Redactor::new(&secrets).with_paths(&loaded.files);
    let paths = Redactor::new(&secrets);
    graph.map_text(
        |text| {
            let masked: Vec<String> = text.split('\n').map(|line| texts.line(line)).collect();
            *text = masked.join("\n");
        },
        |file| {
            if let std::borrow::Cow::Owned(masked) = paths.path(file) {
                *file = masked;
            }
        },
    );
    Ok(graph)
}

/// `dvmlint graph`: exit 0, or 2 with a message.
pub fn run(args: GraphArgs) -> i32 {
    let options = LintOptions {
        paths: if args.paths.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            args.paths.clone()
        },
        config_file: args.config.clone(),
        no_config: args.no_config,
        ..LintOptions::default()
    };
    let selection = Selection {
        plan: args.plan.clone(),
        namespace: args.namespace.clone(),
    };
    let graph = match load(&options, &selection) {
        Ok(graph) => graph,
        Err(message) => return fail(&message),
    };
    if graph.paths.is_empty() && (args.plan.is_some() || args.namespace.is_some()) {
        eprintln!("dvmlint: note: no migrated namespace pair matches --plan/--namespace");
    }
    let bytes = match graph::write(&graph, args.format) {
        Ok(bytes) => bytes,
        Err(message) => return fail(&message),
    };
    match emit(args.output.as_deref(), &bytes) {
        Ok(()) => 0,
        Err(message) => fail(&message),
    }
}

/// `check --graph[=FILE]`: the Mermaid graph (in Markdown) of the paths that
/// carry a reported finding, appended to stdout (`-`) or written to FILE.
pub fn for_check(target: &Path, options: &LintOptions, run: &lint::LintRun) -> Result<(), String> {
    let graph = load(options, &Selection::default())?;
    let reported = |rule: &str, file: &str, line: u32| {
        run.findings.iter().any(|f| {
            f.rule == rule && &*f.location.file == file && f.location.span.start.line == line
        })
    };
    let mut kept = graph;
    kept.paths.retain(|p| {
        p.edges.iter().any(|e| {
            e.findings
                .iter()
                .any(|f| reported(&f.rule, &f.file, f.line))
        })
    });
    let markdown = if kept.paths.is_empty() {
        "### dvmlint: DVM paths\n\nNo DVM path has a finding.\n".to_owned()
    } else {
        graph::mermaid_markdown(&kept)
    };
    if target.as_os_str() == "-" {
        emit(None, format!("\n{markdown}").as_bytes())
    } else {
        emit(Some(target), markdown.as_bytes())
    }
}

fn emit(file: Option<&Path>, bytes: &[u8]) -> Result<(), String> {
    let written = match file {
        Some(path) => std::fs::write(path, bytes),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(bytes).and_then(|()| out.flush())
        }
    };
    match written {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => Err(match file {
            Some(path) => format!("cannot write the graph to {}: {err}", path.display()),
            None => format!("cannot write the graph: {err}"),
        }),
        _ => Ok(()),
    }
}

fn fail(message: &str) -> i32 {
    eprintln!("dvmlint: error: {message}");
    2
}
