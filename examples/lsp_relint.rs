//! What `dvmlint lsp` pays after one keystroke: a whole-project `lint::run` with
//! one unsaved buffer as an overlay (issue 7: "well under a second" for 1,000 files).
//!
//! ```sh
//! cargo build --release --example gen_corpus --example lsp_relint
//! ./target/release/examples/gen_corpus --files 1000 --out /tmp/dvmlint-lsp-corpus
//! ./target/release/examples/lsp_relint /tmp/dvmlint-lsp-corpus [RUNS]
//! ```
//!
//! The buffer is a NetworkPolicy file of the corpus (a kind cross-file rules
//! read), changed by one character per run, as typing does. The first lint (cold
//! page cache, no overlay) is reported apart.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use dvmlint::lint::{self, LintOptions};

fn main() {
    if let Err(err) = run() {
        eprintln!("lsp_relint: {err}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let root = dvmlint::discovery::absolute(Path::new(
        &args.next().ok_or("usage: lsp_relint CORPUS [RUNS]")?,
    ));
    let runs: usize = match args.next() {
        Some(n) => n.parse().map_err(|e| format!("RUNS: {e}"))?,
        None => 20,
    };
    let edited = pick_file(&root).ok_or("no NetworkPolicy file in the corpus")?;
    let text =
        std::fs::read_to_string(&edited).map_err(|e| format!("{}: {e}", edited.display()))?;
    let mut options = LintOptions {
        paths: vec![root.clone()],
        ..LintOptions::default()
    };

    let started = Instant::now();
    let cold = lint::run(&options).map_err(|e| e.to_string())?;
    println!(
        "corpus: {} ({} files, {} findings); first lint {:.0} ms",
        root.display(),
        cold.summary.files,
        cold.findings.len(),
        ms(started.elapsed())
    );
    let mut times = Vec::with_capacity(runs);
    for i in 0..runs {
        // One keystroke: a character typed at the end of the buffer's first line.
        let buffer = text.replacen('\n', &format!(" #{}\n", i % 10), 1);
        options.overlays = BTreeMap::from([(edited.clone(), Arc::<str>::from(buffer))]);
        let started = Instant::now();
        let run = lint::run(&options).map_err(|e| e.to_string())?;
        times.push(started.elapsed());
        std::hint::black_box(run.findings.len());
    }
    times.sort();
    let pick = |q: f64| times.get(((times.len() - 1) as f64 * q) as usize).copied();
    if let (Some(min), Some(median), Some(max)) = (pick(0.0), pick(0.5), pick(1.0)) {
        println!(
            "re-lint after one keystroke ({} runs, edited {}): min {:.0} ms, median {:.0} ms, max {:.0} ms",
            runs,
            edited.strip_prefix(&root).unwrap_or(&edited).display(),
            ms(min),
            ms(median),
            ms(max)
        );
    }
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The first file (in path order) holding a NetworkPolicy.
fn pick_file(root: &Path) -> Option<PathBuf> {
    let mut stack = vec![root.to_path_buf()];
    let mut files = Vec::new();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).ok()?.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
        .into_iter()
        .find(|p| std::fs::read_to_string(p).is_ok_and(|t| t.contains("kind: NetworkPolicy")))
}
