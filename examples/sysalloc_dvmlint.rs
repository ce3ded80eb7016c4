//! `dvmlint` with the system allocator, for heap profilers that cannot see
//! mimalloc (`heaptrack`): what is live at the peak, by the code that
//! allocated it (docs/performance-history.md, "Memory per object").
//!
//! ```sh
//! cargo build --profile profiling --example sysalloc_dvmlint
//! heaptrack target/profiling/examples/sysalloc_dvmlint check DIR --no-cache --format json --quiet --output /dev/null
//! ```

fn main() {
    std::process::exit(dvmlint::cli::main());
}
