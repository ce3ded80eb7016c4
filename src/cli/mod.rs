//! The command line (docs/cli.md): argument parsing, exit codes, and wiring the
//! lint run to a reporter.

pub mod catalogue_cmd;
pub mod graph_cmd;
mod noproxy_cmd;
pub mod probe;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::finding::Severity;
use crate::lint::{self, LintError, LintOptions};
use crate::report::{self, Format, ReportOptions, Sources};

#[derive(Parser)]
#[command(
    name = "dvmlint",
    version,
    about = "Lint Kubernetes/OpenShift manifests for what breaks MTC Direct Volume Migration",
    override_usage = "dvmlint [check] [OPTIONS] [PATHS]...   (no command: check)\n       dvmlint <COMMAND> ...",
    after_help = "`dvmlint` without a command runs `check`: `dvmlint .` is `dvmlint check .`; \
                  `dvmlint check --help` lists its options. Documentation: docs/ in the source repository."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Lint the repository (the default subcommand)
    Check(CheckArgs),
    /// List every rule: id, name, default severity, summary (custom rules too)
    Rules {
        /// `markdown`: every rule's full documentation (docs/rules.md)
        #[arg(long, value_enum, default_value = "text")]
        format: catalogue_cmd::ListFormat,
        /// Configuration whose `custom-rules` to include (default: discovered from ".")
        #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
        config: Option<PathBuf>,
        /// Built-in rules only
        #[arg(long)]
        no_config: bool,
    },
    /// Print a rule's full documentation (by id or name)
    Explain {
        /// A rule id (DVM401) or name (duplicate-object)
        rule: String,
        /// Configuration whose `custom-rules` to search (default: discovered from ".")
        #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
        config: Option<PathBuf>,
        /// Built-in rules only
        #[arg(long)]
        no_config: bool,
    },
    /// Say, for each HOST[:PORT] (port default 443), whether LIST bypasses the proxy
    Noproxy {
        #[arg(required = true, value_name = "HOST[:PORT]")]
        hosts: Vec<String>,
        /// The noProxy list, as written in the Proxy or MigrationController
        #[arg(long = "no-proxy", value_name = "LIST", allow_hyphen_values = true)]
        no_proxy: String,
        #[arg(long, value_enum, default_value = "text")]
        format: noproxy_cmd::NoProxyFormat,
    },
    /// Language server on stdin/stdout (LSP 3.17)
    Lsp {
        /// Largest message accepted, in bytes; larger ones are answered with an
        /// error and skipped
        #[arg(long, default_value_t = crate::lsp::transport::DEFAULT_MAX_MESSAGE, value_parser = clap::value_parser!(usize))]
        max_message_size: usize,
    },
    /// Answer one reachability question from the repository's model
    Probe(probe::ProbeArgs),
    /// Draw each DVM path (rsync clients → policies → firewall → proxy → router → server) and where it is cut
    Graph(graph_cmd::GraphArgs),
    /// Write the fingerprints of today's findings to FILE; `check --baseline FILE` then reports only new ones
    Baseline(BaselineArgs),
    /// Print a shell completion script (e.g. `dvmlint completions bash > /etc/bash_completion.d/dvmlint`)
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page, in roff (e.g. `dvmlint man > ~/.local/share/man/man1/dvmlint.1`)
    Man,
}

#[derive(Args, Default)]
struct CheckArgs {
    /// Files or folders to report on (default: "."); the model always covers the whole project.
    /// `-` reads one file from standard input (see --stdin-filename)
    paths: Vec<PathBuf>,
    /// Output format; `FORMAT:PATH` writes that report to PATH. Repeatable:
    /// `--format human --format sarif:dvmlint.sarif` [default: human on a terminal, concise otherwise]
    #[arg(long, value_name = "FORMAT[:PATH]", value_parser = FormatTargetParser)]
    format: Vec<FormatTarget>,
    /// With `-` as a path: the file the standard input stands for (its folder finds the configuration,
    /// its path the cluster and what is reported)
    #[arg(long, value_name = "PATH", default_value = "stdin.yaml")]
    stdin_filename: PathBuf,
    #[command(flatten)]
    scope: ScopeArgs,
    /// Exit 1 when a finding is at least this severe (default: warning)
    #[arg(long, value_parser = ["error", "warning", "info"])]
    fail_on: Option<String>,
    /// Exit 0 whatever is found
    #[arg(long)]
    exit_zero: bool,
    /// Apply the certain fixes (DVM301 casing, DVM404 repeated spelling, DVM201 noProxy workers;
    /// DVM101/DVM102 allow policy as a new file), print what changed on stderr, then report what
    /// remains. Files that do not parse are not touched
    #[arg(long, conflicts_with = "diff")]
    fix: bool,
    /// Print the fixes --fix would apply as a unified diff, change nothing (exit 1 if there are any)
    #[arg(long)]
    diff: bool,
    /// Report only findings not in this baseline (written by `dvmlint baseline`)
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Write the report to FILE instead of stdout (the one --format given without a PATH)
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Render Kustomize roots and Helm charts: auto (with the tools installed),
    /// off, or require (exit 2 when a tool is missing); see docs/rendering.md
    #[arg(long, value_name = "MODE", value_parser = ["auto", "off", "require"], default_value = "auto")]
    render: String,
    /// Worker threads (default: all cores; more than 256 is taken as 256, with a note)
    #[arg(long, value_name = "N", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    jobs: Option<usize>,
    /// Only findings, no summary
    #[arg(long, short)]
    quiet: bool,
    /// Counts per rule instead of the findings
    #[arg(long)]
    statistics: bool,
    /// Show the source snippet under each finding (human format; the default)
    #[arg(long, overrides_with = "no_show_source")]
    show_source: bool,
    /// Leave the source snippets out of the human format
    #[arg(long, overrides_with = "show_source")]
    no_show_source: bool,
    /// Also draw the DVM paths that have findings, as a Mermaid graph in Markdown: appended to the
    /// report on stdout, or with `--graph=FILE` written to FILE (for a pull-request comment; docs/graph.md)
    #[arg(long, value_name = "FILE", num_args = 0..=1, require_equals = true, default_missing_value = "-")]
    graph: Option<PathBuf>,
    /// Test these rule files: load them (besides `custom-rules`) and report only their rules
    #[arg(long, value_name = "RULE_FILE")]
    rules_only: Vec<PathBuf>,
}

#[derive(Args)]
struct BaselineArgs {
    /// Files or folders whose findings to record (default: "."); the model covers the whole project
    paths: Vec<PathBuf>,
    /// The baseline file to write (JSON; commit it)
    #[arg(long, value_name = "FILE", default_value = crate::baseline::DEFAULT_FILE)]
    output: PathBuf,
    #[command(flatten)]
    scope: ScopeArgs,
}

/// What is linted and with which rules: the options `check` and `baseline`
/// share (a baseline must be recorded the way `check` will lint).
#[derive(Args, Clone, Default)]
struct ScopeArgs {
    /// Use this configuration file (default: the nearest .dvmlint.yaml or dvmlint.yaml above the first path)
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    config: Option<PathBuf>,
    /// Ignore every configuration file: built-in defaults, one cluster playing both roles
    #[arg(long)]
    no_config: bool,
    /// Only these rules (ids or names, comma-separated)
    #[arg(long, value_delimiter = ',', value_name = "ID,..")]
    select: Option<Vec<String>>,
    /// Not these rules (ids or names, comma-separated)
    #[arg(long, value_delimiter = ',', value_name = "ID,..")]
    ignore: Vec<String>,
    /// Skip paths matching this glob (repeatable)
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Also read files that .gitignore files ignore
    #[arg(long)]
    no_respect_gitignore: bool,
    /// Neither read nor write the per-file results cache (.dvmlint-cache/)
    #[arg(long)]
    no_cache: bool,
}

/// `dvmlint baseline`: lint as `check` would, write the findings' fingerprints.
fn baseline(args: BaselineArgs) -> i32 {
    let check_args = CheckArgs {
        paths: args.paths,
        scope: args.scope,
        quiet: true,
        ..CheckArgs::default()
    };
    let run = match lint_project(&check_args) {
        Ok((_, run)) => run,
        Err(code) => return code,
    };
    match crate::baseline::write(&run, &args.output) {
        Ok(count) => {
            eprintln!(
                "dvmlint: wrote {count} finding{} to {}",
                if count == 1 { "" } else { "s" },
                args.output.display()
            );
            0
        }
        Err(message) => fail(&message),
    }
}

const SUBCOMMANDS: &[&str] = &[
    "check",
    "rules",
    "explain",
    "noproxy",
    "lsp",
    "probe",
    "graph",
    "baseline",
    "completions",
    "man",
    "help",
    "-h",
    "--help",
    "-V",
    "--version",
];

/// Runs the CLI and returns the process exit code.
pub fn main() -> i32 {
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // `check` is the default subcommand: `dvmlint .` means `dvmlint check .`.
    let first = args.get(1).and_then(|a| a.to_str()).map(str::to_owned);
    if first.as_deref().is_none_or(|a| !SUBCOMMANDS.contains(&a)) {
        args.insert(1.min(args.len()), "check".into());
    }
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            let code = if err.use_stderr() { 2 } else { 0 };
            let _ = err.print();
            return code;
        }
    };
    match cli.command {
        Command::Check(args) => check(args),
        Command::Rules {
            format,
            config,
            no_config,
        } => catalogue_cmd::list(format, config.as_deref(), no_config),
        Command::Explain {
            rule,
            config,
            no_config,
        } => catalogue_cmd::explain(&rule, config.as_deref(), no_config),
        Command::Noproxy {
            hosts,
            no_proxy,
            format,
        } => noproxy_cmd::run(&hosts, &no_proxy, format),
        Command::Lsp { max_message_size } => crate::lsp::serve(max_message_size),
        Command::Probe(args) => probe::run(args),
        Command::Graph(args) => graph_cmd::run(args),
        Command::Baseline(args) => baseline(args),
        Command::Completions { shell } => completions(shell, &mut std::io::stdout().lock()),
        Command::Man => man_page(&mut std::io::stdout().lock()),
    }
}

/// `dvmlint completions SHELL`: the script clap_complete generates from the
/// same definition the parser uses, so it never lists a stale option.
fn completions(shell: clap_complete::Shell, out: &mut dyn Write) -> i32 {
    let mut command = <Cli as clap::CommandFactory>::command();
    // Generated into memory first: `generate` panics when its writer fails
    // (`dvmlint completions bash | head -1` exited 101).
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "dvmlint", &mut script);
    match out.write_all(&script).and_then(|()| out.flush()) {
        Ok(()) => 0,
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(err) => fail(&format!("cannot write the completions: {err}")),
    }
}

/// `dvmlint man`: the manual page of dvmlint (its commands listed) and, after
/// it, one section per command with its synopsis and options.
fn man_page(out: &mut dyn Write) -> i32 {
    let mut command = <Cli as clap::CommandFactory>::command().disable_help_subcommand(true);
    command.build();
    let mut page = Vec::new();
    let mut written = clap_mangen::Man::new(command.clone()).render(&mut page);
    for sub in command.get_subcommands() {
        if written.is_err() {
            break;
        }
        written = command_section(sub, &mut page);
    }
    let written = written
        .and_then(|()| out.write_all(&page))
        .and_then(|()| out.flush());
    match written {
        Ok(()) => 0,
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(err) => fail(&format!("cannot write the manual page: {err}")),
    }
}

/// One command's section of the manual page: `.SH "DVMLINT CHECK"`, what it
/// does, its synopsis, its options (clap_mangen's section, one level down).
fn command_section(sub: &clap::Command, page: &mut Vec<u8>) -> std::io::Result<()> {
    let name = sub.get_name();
    writeln!(page, ".SH \"DVMLINT {}\"", name.to_ascii_uppercase())?;
    if let Some(about) = sub.get_long_about().or(sub.get_about()) {
        writeln!(page, "{}", roff_text(&about.to_string()))?;
    }
    let usage = sub
        .clone()
        .bin_name(format!("dvmlint {name}"))
        .render_usage()
        .to_string();
    writeln!(
        page,
        ".PP\n.B Usage:\n{}",
        roff_text(usage.trim_start_matches("Usage: "))
    )?;
    if sub.get_arguments().any(|a| !a.is_hide_set()) {
        let mut options = Vec::new();
        clap_mangen::Man::new(sub.clone()).render_options_section(&mut options)?;
        let options = String::from_utf8_lossy(&options).replacen(".SH OPTIONS", ".SS Options", 1);
        page.extend_from_slice(options.as_bytes());
    }
    Ok(())
}

/// Text safe in a roff line: backslashes doubled, a leading `.` or `'` escaped.
fn roff_text(text: &str) -> String {
    let text = text.replace('\\', "\\\\");
    if text.starts_with(['.', '\'']) {
        format!("\\&{text}")
    } else {
        text
    }
}

/// Prints `value` as pretty JSON on stdout: exit code 0, or 2 if it cannot.
fn print_json(value: &impl serde::Serialize) -> i32 {
    match serde_json::to_string_pretty(value) {
        Ok(text) => {
            println!("{text}");
            0
        }
        Err(err) => fail(&err.to_string()),
    }
}

fn fail(message: &str) -> i32 {
    eprintln!("dvmlint: error: {message}");
    2
}

/// Texts that replace files (by absolute path), as `LintOptions::overlays`.
type Overlays = std::collections::BTreeMap<PathBuf, std::sync::Arc<str>>;

/// `-` among the paths: standard input is read as the file `stdin_filename`
/// (an overlay over the file on disk, if any), which replaces `-`, so the
/// project, its configuration and what is reported are found from that path.
fn stdin_input(
    paths: &[PathBuf],
    stdin_filename: &std::path::Path,
) -> Result<(Vec<PathBuf>, Overlays), String> {
    let mut overlays = std::collections::BTreeMap::new();
    // `/dev/stdin` (and its other names) typed on the command line means
    // standard input, as `-` does: opened as a path, it would be a pipe in
    // `/dev`, which dvmlint never reads (docs/security.md).
    let paths: Vec<PathBuf> = paths
        .iter()
        .map(|p| {
            if ["/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"]
                .iter()
                .any(|name| p.as_os_str() == *name)
            {
                PathBuf::from("-")
            } else {
                p.clone()
            }
        })
        .collect();
    let paths = paths.as_slice();
    if !paths.iter().any(|p| p.as_os_str() == "-") {
        return Ok((paths.to_vec(), overlays));
    }
    if paths.iter().filter(|p| p.as_os_str() == "-").count() > 1 {
        return Err("`-` (standard input) can be given once".to_owned());
    }
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut bytes)
        .map_err(|err| format!("cannot read standard input: {err}"))?;
    // Invalid UTF-8 becomes U+FFFD: the document is still linted (the
    // language server's buffers are text too).
    let text = String::from_utf8_lossy(&bytes);
    overlays.insert(crate::discovery::absolute(stdin_filename), text.into());
    let paths = paths
        .iter()
        .map(|p| {
            if p.as_os_str() == "-" {
                stdin_filename.to_owned()
            } else {
                p.clone()
            }
        })
        .collect();
    Ok((paths, overlays))
}

/// One `--format` argument: a format, and the file its report goes to.
#[derive(Clone, Debug)]
struct FormatTarget {
    format: Format,
    path: Option<PathBuf>,
}

/// Parses `--format` values with [`parse_format_target`], and lists the format
/// names for `--help` and the shell completions.
#[derive(Clone)]
struct FormatTargetParser;

impl clap::builder::TypedValueParser for FormatTargetParser {
    type Value = FormatTarget;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<FormatTarget, clap::Error> {
        let text = value.to_str().ok_or_else(|| {
            clap::Error::raw(
                clap::error::ErrorKind::InvalidUtf8,
                "--format: the value is not valid UTF-8\n",
            )
            .with_cmd(cmd)
        })?;
        parse_format_target(text).map_err(|message| {
            clap::Error::raw(
                clap::error::ErrorKind::InvalidValue,
                format!("--format: {message}\n"),
            )
            .with_cmd(cmd)
        })
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        use clap::ValueEnum;
        Some(Box::new(
            Format::all().iter().filter_map(|f| f.to_possible_value()),
        ))
    }
}

/// `sarif` or `sarif:out/dvmlint.sarif`.
fn parse_format_target(text: &str) -> Result<FormatTarget, String> {
    use clap::ValueEnum;
    let (name, path) = match text.split_once(':') {
        Some((name, path)) => (name, Some(path)),
        None => (text, None),
    };
    let format = Format::from_str(name, true).map_err(|_| {
        let names: Vec<String> = Format::all()
            .iter()
            .filter_map(|f| f.to_possible_value().map(|v| v.get_name().to_owned()))
            .collect();
        format!(
            "unknown format `{name}` (expected {}, optionally followed by `:PATH`)",
            names.join(", ")
        )
    })?;
    match path {
        Some("") => Err(format!("`{text}`: no path after `:`")),
        Some(path) => Ok(FormatTarget {
            format,
            path: Some(PathBuf::from(path)),
        }),
        None => Ok(FormatTarget { format, path: None }),
    }
}

/// Said when no file was read in the reported scope: the paths searched and
/// what dvmlint reads, so an empty result is not mistaken for a clean one.
fn nothing_read_hint(paths: &[PathBuf]) -> String {
    let searched = if paths.is_empty() {
        "`.`".to_owned()
    } else {
        paths
            .iter()
            .map(|p| format!("`{}`", p.display()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "dvmlint: note: no manifest read under {searched}: dvmlint reads files ending in .yaml, .yml or .json \
         that are not excluded (`exclude`, --exclude) or ignored by .gitignore (--no-respect-gitignore reads those)"
    )
}

/// Most worker threads a run starts: more only costs memory and start-up time
/// (`--jobs 100000` spent minutes creating threads before linting anything).
pub const MAX_JOBS: usize = 256;

/// `--jobs N` within [`MAX_JOBS`], saying so when it was not.
fn clamp_jobs(jobs: usize) -> usize {
    if jobs > MAX_JOBS {
        eprintln!(
            "dvmlint: note: --jobs {jobs} is more than {MAX_JOBS}; using {MAX_JOBS} worker threads"
        );
    }
    jobs.min(MAX_JOBS)
}

fn resolve_ids(ids: &[String]) -> Result<Vec<String>, String> {
    ids.iter()
        .map(|id| crate::catalogue::resolve(id.trim()))
        .collect()
}

fn check(args: CheckArgs) -> i32 {
    if args.format.iter().filter(|t| t.path.is_none()).count() > 1 {
        return fail(
            "several --format without a PATH: only one report can go to stdout (or --output); \
             give the others a file, e.g. `--format sarif:dvmlint.sarif`",
        );
    }
    let known = match args
        .baseline
        .as_deref()
        .map(crate::baseline::load)
        .transpose()
    {
        Ok(known) => known,
        Err(message) => return fail(&message),
    };
    if let Some(message) = graph_on_machine_stdout(&args) {
        return fail(&message);
    }
    let (options, mut run) = match lint_project(&args) {
        Ok(lint) => lint,
        Err(code) => return code,
    };
    if args.fix && args.paths.iter().any(|p| p.as_os_str() == "-") {
        return fail("--fix cannot write standard input back: use --diff, or lint the file itself");
    }
    if args.diff {
        let (fixes, skipped) = crate::fix::plan(&run);
        for skip in &skipped {
            eprintln!("dvmlint: not fixed: {}: {}", skip.file, skip.reason);
        }
        let redactor = report::Redactor::new(&run.secrets).with_spans(&run.secret_spans);
        let mut out = std::io::stdout().lock();
        for fix in &fixes {
            let diff = crate::fix::unified_diff(fix);
            if let Err(err) = write!(out, "{}", redactor.apply(&diff))
                && err.kind() != std::io::ErrorKind::BrokenPipe
            {
                return fail(&format!("cannot write the diff: {err}"));
            }
        }
        return i32::from(!fixes.is_empty());
    }
    // Rounds: each applies what is certain, then lints the fixed files again
    // (a value fix can change which allow policy is right).
    for _round in 0..3 {
        if !args.fix {
            break;
        }
        let (fixes, skipped) = crate::fix::plan(&run);
        if fixes.is_empty() {
            for skip in &skipped {
                eprintln!("dvmlint: not fixed: {}: {}", skip.file, skip.reason);
            }
            break;
        }
        if let Err(message) = crate::fix::apply(&fixes) {
            return fail(&message);
        }
        let redactor = report::Redactor::new(&run.secrets);
        for fix in &fixes {
            for change in &fix.changes {
                eprintln!("dvmlint: fixed {}: {}", fix.file, redactor.line(change));
            }
        }
        (_, run) = match lint_project(&args) {
            Ok(lint) => lint,
            Err(code) => return code,
        };
    }
    let in_baseline = known
        .as_ref()
        .map_or(0, |known| crate::baseline::filter(&mut run, known));
    if in_baseline > 0 && !args.quiet {
        eprintln!(
            "dvmlint: note: {in_baseline} finding{} of the baseline not reported",
            if in_baseline == 1 { "" } else { "s" }
        );
    }
    let code = report_run(&args, &options, &run);
    let code = match &args.graph {
        Some(target) if code != 2 => match graph_cmd::for_check(target, &options, &run) {
            Ok(()) => code,
            Err(message) => fail(&message),
        },
        _ => code,
    };
    // The process exits next, and its memory goes with it: freeing the run
    // one file name and finding at a time took ~10 ms at 100,000 files.
    std::mem::forget(run);
    code
}

/// `--graph` without a FILE appends Markdown to the report on stdout: only
/// to a text report (human, concise, github), never into JSON or XML.
fn graph_on_machine_stdout(args: &CheckArgs) -> Option<String> {
    if args.graph.as_deref().is_none_or(|g| g.as_os_str() != "-") || args.output.is_some() {
        return None;
    }
    let on_stdout = args
        .format
        .iter()
        .find(|t| t.path.is_none())
        .map(|t| t.format);
    match on_stdout {
        Some(format @ (Format::Json | Format::Sarif | Format::Junit | Format::Gitlab)) => {
            Some(format!(
                "--graph without a FILE appends to the report on stdout, which is {format:?} here: write the graph to a file, e.g. `--graph=dvm-graph.md`"
            ))
        }
        _ => None,
    }
}

/// Reads, models and lints the project of `args` (exit code on failure).
fn lint_project(args: &CheckArgs) -> Result<(LintOptions, lint::LintRun), i32> {
    let catalogue_timing = crate::timings::stage("catalogue");
    if let Some(err) = crate::catalogue::load_error() {
        return Err(fail(&format!(
            "internal error: the rule catalogue is invalid: {err}"
        )));
    }
    if let Some(err) = crate::policy::builtin_error() {
        return Err(fail(&format!(
            "internal error: the rule catalogue is invalid: {err}"
        )));
    }
    drop(catalogue_timing);
    let select = args
        .scope
        .select
        .as_deref()
        .map(resolve_ids)
        .transpose()
        .map_err(|message| fail(&format!("--select: {message}")))?;
    let ignore =
        resolve_ids(&args.scope.ignore).map_err(|message| fail(&format!("--ignore: {message}")))?;
    let (paths, overlays) =
        stdin_input(&args.paths, &args.stdin_filename).map_err(|message| fail(&message))?;
    let options = LintOptions {
        paths,
        config_file: args.scope.config.clone(),
        config_text: None,
        no_config: args.scope.no_config,
        select,
        ignore,
        exclude: args.scope.exclude.clone(),
        no_respect_gitignore: args.scope.no_respect_gitignore,
        jobs: args.jobs.map(clamp_jobs),
        overlays,
        progress: !args.quiet
            && std::io::stderr().is_terminal()
            && std::env::var_os("CI").is_none(),
        rules_only: args.rules_only.clone(),
        cache: !args.scope.no_cache,
        render: match args.render.as_str() {
            "off" => crate::render::RenderMode::Off,
            "require" => crate::render::RenderMode::Require,
            _ => crate::render::RenderMode::Auto,
        },
        render_cache: false,
        exits_after: true,
    };
    for path in &options.paths {
        if !path.exists()
            && !options
                .overlays
                .contains_key(&crate::discovery::absolute(path))
        {
            return Err(fail(&format!("{}: no such file or folder", path.display())));
        }
    }
    match lint::run(&options) {
        Ok(mut run) => {
            // One redaction pass over everything printed (docs/security.md).
            let _timing = crate::timings::stage("redact");
            let files_listed = args.format.iter().any(|t| t.format == Format::Junit);
            report::redact::redact_run(&mut run, files_listed);
            Ok((options, run))
        }
        Err(err @ (LintError::Config(_) | LintError::Usage(_))) => Err(fail(&err.to_string())),
    }
}

/// Writes every report of `run` and returns the exit code.
fn report_run(args: &CheckArgs, options: &LintOptions, run: &lint::LintRun) -> i32 {
    let stdout_is_terminal = std::io::stdout().is_terminal();
    let mut targets = args.format.clone();
    if targets.is_empty() {
        let to_terminal = args.output.is_none() && stdout_is_terminal;
        targets.push(FormatTarget {
            format: if to_terminal {
                Format::Human
            } else {
                Format::Concise
            },
            path: None,
        });
    }
    let _report_timing = crate::timings::stage("report");
    let sources = if !args.no_show_source && targets.iter().any(|t| t.format == Format::Human) {
        // Snippets of standard input come from the text read, by relative path.
        let texts = options
            .overlays
            .iter()
            .map(|(path, text)| {
                let rel: std::sync::Arc<str> = crate::discovery::relative(&run.root, path).into();
                (rel, std::sync::Arc::clone(text))
            })
            .collect();
        Sources::load_bounded(&run.root, &run.findings, &texts, run.config.max_file_size)
    } else {
        Sources::default()
    };
    for target in &targets {
        let file = target.path.as_ref().or(args.output.as_ref());
        let to_terminal = file.is_none() && stdout_is_terminal;
        let report_options = ReportOptions {
            width: report::width_for(std::env::var("COLUMNS").ok().as_deref(), to_terminal),
            color: to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
            show_source: !args.no_show_source,
            statistics: args.statistics,
            quiet: args.quiet,
            paths: std::env::current_dir()
                .map(|cwd| report::ShownPaths::new(&run.root, &cwd))
                .unwrap_or_default(),
        };
        let written = match file {
            Some(path) => std::fs::File::create(path).and_then(|file| {
                let mut out = std::io::BufWriter::new(file);
                report::write(target.format, run, &sources, &report_options, &mut out)?;
                out.flush()
            }),
            None => {
                let stdout = std::io::stdout();
                let mut out = stdout.lock();
                report::write(target.format, run, &sources, &report_options, &mut out)
                    .and_then(|()| out.flush())
            }
        };
        if let Err(err) = written
            && err.kind() != std::io::ErrorKind::BrokenPipe
        {
            return fail(&match file {
                Some(path) => format!("cannot write the report to {}: {err}", path.display()),
                None => format!("cannot write the report: {err}"),
            });
        }
    }
    if run.summary.files == 0 && !args.quiet {
        eprintln!("{}", nothing_read_hint(&args.paths));
    }
    if !args.quiet {
        // Masked and escaped as every output is: a note may quote file names.
        let redactor = crate::report::redact::Redactor::new(&run.secrets);
        for note in &run.notes {
            eprintln!("dvmlint: note: {}", redactor.line(note));
        }
    }
    if args.exit_zero {
        return 0;
    }
    let fail_on = args
        .fail_on
        .as_deref()
        .and_then(Severity::parse)
        .or(run.config.fail_on)
        .unwrap_or(Severity::Warning);
    lint::exit_code(&run.findings, fail_on)
}
