//! The throughput floor of docs/performance.md: a bare parallel read + parse of a corpus
//! with the same YAML parser dvmlint uses (saphyr-parser's events, through the
//! same compiled code: `dvmlint_yaml_events`), no tree, no rules, over the same
//! file list.
//!
//! `cargo run --release --example parse_floor -- DIR`

use rayon::prelude::*;

/// The same allocator as the `dvmlint` binary, so the floor differs from it only by the work.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use dvmlint_yaml_events::Events;

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: parse_floor DIR");
        std::process::exit(2);
    };
    let root = dvmlint::discovery::absolute(std::path::Path::new(&dir));
    let options = dvmlint::discovery::WalkOptions {
        exclude: Vec::new(),
        respect_gitignore: true,
    };
    let excluded = globset::GlobSet::empty();
    let (files, _) = dvmlint::discovery::walk(&root, &options, &excluded);
    let (bytes, events) = files
        .par_iter()
        .map(|file| {
            let Ok(text) = std::fs::read_to_string(&file.path) else {
                return (0, 0);
            };
            let mut parser = Events::new(&text);
            let mut events = 0usize;
            while let Some(Ok(_)) = parser.next_event() {
                events += 1;
            }
            (text.len(), events)
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    println!("{} files, {bytes} bytes, {events} events", files.len());
}
