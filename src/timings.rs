//! Opt-in stage timings for performance work: with `DVMLINT_TIMINGS=1` in the
//! environment each timed stage prints its wall time to stderr when it ends,
//! with the process's resident memory then where Linux tells it
//! and the CPU time the whole process spent during the stage (`cpu`: near the
//! wall time for a serial stage, up to the thread count times it for a parallel
//! one; `docs/performance.md` uses them for the serial tail). Off, a stage
//! costs one relaxed load of a cached flag.

use std::sync::OnceLock;
use std::time::Instant;

fn enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var_os("DVMLINT_TIMINGS").is_some_and(|v| v != "0"))
}

/// A running stage; it reports when dropped.
pub struct Stage {
    name: &'static str,
    start: Instant,
    cpu: Option<std::time::Duration>,
}

/// Starts timing `name` when timings are on.
#[must_use = "a stage reports when it is dropped"]
pub fn stage(name: &'static str) -> Option<Stage> {
    enabled().then(|| Stage {
        name,
        start: Instant::now(),
        cpu: process_cpu(),
    })
}

impl Drop for Stage {
    fn drop(&mut self) {
        let ms = self.start.elapsed().as_secs_f64() * 1e3;
        let cpu = match (self.cpu, process_cpu()) {
            (Some(start), Some(now)) => {
                format!(
                    "  cpu {:>9.1} ms",
                    now.saturating_sub(start).as_secs_f64() * 1e3
                )
            }
            _ => String::new(),
        };
        let rss = resident_kb("VmRSS:").map_or(String::new(), |kb| {
            format!("  rss {:>7.1} MB", kb as f64 / 1024.0)
        });
        let peak = resident_kb("VmHWM:").map_or(String::new(), |kb| {
            format!("  peak {:>7.1} MB", kb as f64 / 1024.0)
        });
        eprintln!(
            "dvmlint: timing: {:<28} {ms:>9.1} ms{cpu}{rss}{peak}",
            self.name
        );
    }
}

/// The CPU time of every thread of the process so far.
fn process_cpu() -> Option<std::time::Duration> {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `clock_gettime` writes only the `timespec` it is given.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut now) };
    (status == 0).then(|| {
        std::time::Duration::new(
            u64::try_from(now.tv_sec).unwrap_or(0),
            u32::try_from(now.tv_nsec).unwrap_or(0),
        )
    })
}

/// A field of `/proc/self/status` (`VmRSS:`, the resident memory now;
/// `VmHWM:`, its peak so far), in KiB.
fn resident_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
