//! The allocator's settings. `main.rs` makes mimalloc the global allocator
//! (faster than the system's for the many small blocks of trees, objects and
//! findings); this tunes one of its options before the first lint.
//!
//! **Purge delay, 10 ms → 1 s.** mimalloc gives freed memory back to the
//! system 10 ms after it is freed. A lint frees and allocates in waves (each
//! file's tree is built and dropped, cached results are decoded while shard
//! bodies are freed), so memory given back was asked for again a few
//! milliseconds later, and the kernel zeroed it again on every new fault:
//! with transparent huge pages (on by default on most Linux distributions) a
//! fault zeroes 2 MiB. On a warm pre-commit run over 100,000 small files
//! that was 0.5–0.7 s of system time out of 1.9 s of CPU, and 9,000–11,000
//! page faults; with 1 s, 1,000 faults and 0.4 s of system time, for 5% more
//! peak memory (docs/performance.md, "Warm pre-commit runs"). A language
//! server idle for a second still gives its freed memory back. A
//! `MIMALLOC_PURGE_DELAY` set in the environment is left as it is.

/// `mi_option_purge_delay` in the `mimalloc.h` that `libmimalloc-sys` builds
/// (the crate names no constant for it).
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
/// mimalloc's default purge delay: the option is taken to be the purge delay
/// only if it reads this (another version's numbering changes nothing).
const DEFAULT_PURGE_DELAY_MS: std::ffi::c_long = 10;
pub const PURGE_DELAY_MS: std::ffi::c_long = 1000;

/// Sets the purge delay (see the module's documentation).
pub fn configure() {
    // SAFETY: both functions read or write one entry of mimalloc's table of
    // options, for any option index, and may be called at any time.
    unsafe {
        if libmimalloc_sys::mi_option_get(PURGE_DELAY) == DEFAULT_PURGE_DELAY_MS {
            libmimalloc_sys::mi_option_set(PURGE_DELAY, PURGE_DELAY_MS);
        }
    }
}

/// The purge delay in effect.
pub fn purge_delay() -> std::ffi::c_long {
    // SAFETY: as in `configure`.
    unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_purge_delay_is_one_second_unless_the_environment_sets_it() {
        super::configure();
        let expected = std::env::var("MIMALLOC_PURGE_DELAY")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(super::PURGE_DELAY_MS);
        assert_eq!(super::purge_delay(), expected);
    }
}
