//! The allocator's housekeeping around the per-file stage
//! (docs/performance.md, "Memory: the allocator after the walk").
//!
//! mimalloc returns pages freed by a thread to the system only after a purge
//! delay (10 ms), and only when that thread calls into the allocator again.
//! During the walk that delay spares the workers from zeroing again the pages
//! of each file's tree, freed and taken back at once. After it, the workers
//! sleep while the main thread builds the model and frees the per-file results
//! they allocated: their pages would stay resident until the process ends. So
//! once the walk is over, freed pages are purged at once, and once the model
//! holds what it needs, every worker returns what its heap has freed.
//!
//! Without mimalloc as the global allocator (`examples/sysalloc_dvmlint`)
//! these calls find mimalloc's heaps empty and do nothing.

use libmimalloc_sys as mi;

/// mimalloc v2's `mi_option_purge_delay` (`mimalloc.h`: the option after
/// `mi_option_eager_commit_delay`, 14), which this binding does not name.
const PURGE_DELAY: mi::mi_option_t = 15;

/// mimalloc's purge delay in milliseconds, as the process started with it
/// (10 unless `MIMALLOC_PURGE_DELAY` says otherwise).
fn started_with() -> std::os::raw::c_long {
    static STARTED: std::sync::OnceLock<std::os::raw::c_long> = std::sync::OnceLock::new();
    // SAFETY: reads an option; mimalloc initialises its options on first use.
    *STARTED.get_or_init(|| unsafe { mi::mi_option_get(PURGE_DELAY) })
}

/// Before the walk: freed pages wait the purge delay the process started
/// with (a language server lints again and again).
pub fn walk_starts() {
    let delay = started_with();
    // SAFETY: sets an option, which mimalloc reads on its next purge.
    unsafe { mi::mi_option_set(PURGE_DELAY, delay) };
}

/// After the walk: freed pages are returned at once.
pub fn walk_ended() {
    started_with();
    // SAFETY: as in `walk_starts`.
    unsafe { mi::mi_option_set(PURGE_DELAY, 0) };
}

/// Once the per-file results are freed: every thread of the pool, and this
/// one, collects what its heap has freed and returns it to the system.
pub fn results_freed() {
    // SAFETY: `mi_collect` works on the calling thread's own heap.
    rayon::broadcast(|_| unsafe { mi::mi_collect(true) });
    unsafe { mi::mi_collect(true) };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The option this module sets is the purge delay: its default is 10 ms,
    /// and setting it is read back.
    #[test]
    fn the_purge_delay_option_is_the_one_set() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            return;
        }
        assert_eq!(started_with(), 10);
        walk_ended();
        // SAFETY: reads an option.
        assert_eq!(unsafe { mi::mi_option_get(PURGE_DELAY) }, 0);
        walk_starts();
        assert_eq!(unsafe { mi::mi_option_get(PURGE_DELAY) }, 10);
    }
}
