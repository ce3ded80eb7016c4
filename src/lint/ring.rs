//! A group of files opened, read and closed through one io_uring per worker
//! thread (Linux): two submissions for the whole group instead of three
//! system calls per file.
//!
//! On the host of docs/performance.md a system call costs about 1.3 µs (the
//! kernel's speculation mitigations at every entry and exit), and a small
//! file costs four of them (`open`, `fstat`, `read`, `close`): a fifth of the
//! CPU a file of a few hundred bytes takes to read and parse. Here the opens
//! of a group are one submission and its reads, each linked to its file's
//! close, another; the `fstat` that refuses anything but a regular file stays
//! a system call (`boundary::regular`): io_uring hands `statx` to a worker
//! thread, which costs more than it saves.
//!
//! Everything about what is read is `read.rs`'s: the same flags
//! (`boundary::open_flags`), the same regular-file test and size limit. A
//! read that does not end exactly at the size `fstat` gave (the file grew or
//! shrank since) is redone by the caller, the plain way. Where io_uring
//! cannot be had (an older kernel, `kernel.io_uring_disabled`, a seccomp
//! profile that refuses it: containers' default ones do), every group is read
//! the plain way, as on other systems.

use std::cell::RefCell;
use std::ffi::CString;
use std::fs::File;
use std::os::fd::{AsRawFd as _, FromRawFd as _, IntoRawFd as _};
use std::os::unix::ffi::OsStrExt as _;
use std::path::Path;

use io_uring::{IoUring, opcode, squeue, types};

/// The most files one group opens (the walk hands files over 16 at a time).
pub const MAX_FILES: usize = 16;

/// Room for a group's reads and closes, each file two entries.
const ENTRIES: u32 = 2 * MAX_FILES as u32;

// (One per worker thread, for the whole run: not worth boxing.)
#[allow(clippy::large_enum_variant)]
enum State {
    Untried,
    Ready(IoUring),
    /// Not available here, or set aside after an error.
    Unavailable,
}

thread_local! {
    static RING: RefCell<State> = const { RefCell::new(State::Untried) };
}

/// Runs `with` on this thread's ring, set up on first use:
/// [`Failed::Unavailable`] when there is none (`with` did not run),
/// [`Failed::InFlight`] when `with` failed.
fn with_ring<T>(with: impl FnOnce(&mut IoUring) -> Result<T, Fatal>) -> Result<T, Failed> {
    RING.with(|cell| {
        let mut state = cell.try_borrow_mut().map_err(|_| Failed::Unavailable)?;
        if matches!(*state, State::Untried) {
            *state = IoUring::new(ENTRIES).map_or(State::Unavailable, State::Ready);
        }
        let State::Ready(ring) = &mut *state else {
            return Err(Failed::Unavailable);
        };
        with(ring).map_err(|Fatal| {
            // Operations may still be in flight, writing into memory the
            // caller lent them (`Fatal`'s note): the ring is kept, never
            // freed, and not used again on this thread.
            if let State::Ready(ring) = std::mem::replace(&mut *state, State::Unavailable) {
                std::mem::forget(ring);
            }
            Failed::InFlight
        })
    })
}

/// The ring failed with operations perhaps still in flight: what they were
/// given (paths, buffers) must never be freed or reused, and is leaked by the
/// caller.
pub struct Fatal;

/// Submits what is queued and waits until `want` completions have come, each
/// handed to `each`. An interrupted wait is resumed; any other error is
/// [`Fatal`].
fn complete(ring: &mut IoUring, want: usize, mut each: impl FnMut(u64, i32)) -> Result<(), Fatal> {
    let mut seen = 0;
    while seen < want {
        match ring.submit_and_wait(want - seen) {
            Ok(_) => {}
            Err(err)
                if matches!(
                    err.raw_os_error(),
                    Some(libc::EINTR | libc::EAGAIN | libc::EBUSY)
                ) => {}
            Err(_) => return Err(Fatal),
        }
        for entry in ring.completion() {
            each(entry.user_data(), entry.result());
            seen += 1;
        }
    }
    Ok(())
}

/// Opens each of `paths` for reading with [`crate::boundary::open_flags`]:
/// each one's file or the error of its open. `None` where io_uring cannot be
/// had, or after the ring failed (the caller opens them itself; the paths
/// are then leaked here, as a failed ring may still read them).
pub fn open_all(paths: &[&Path]) -> Option<Vec<std::io::Result<File>>> {
    let unavailable = RING.with(|cell| {
        cell.try_borrow()
            .map_or(true, |state| matches!(*state, State::Unavailable))
    });
    if unavailable || paths.is_empty() || paths.len() > MAX_FILES {
        return None;
    }
    let names: Vec<CString> = paths
        .iter()
        .map(|path| CString::new(path.as_os_str().as_bytes()))
        .collect::<Result<_, _>>()
        .ok()?;
    let flags = libc::O_RDONLY | crate::boundary::open_flags(false);
    let mut results: Vec<i32> = vec![-libc::ECANCELED; names.len()];
    let done = with_ring(|ring| {
        {
            let mut queue = ring.submission();
            for (at, name) in names.iter().enumerate() {
                let open = opcode::OpenAt::new(types::Fd(libc::AT_FDCWD), name.as_ptr())
                    .flags(flags)
                    .build()
                    .user_data(at as u64);
                // SAFETY: `name` outlives the operation: `complete` below
                // waits for every completion, and after a `Fatal` error the
                // names are leaked, never freed.
                if unsafe { queue.push(&open) }.is_err() {
                    // Cannot happen (the queue is empty, and has room for
                    // `MAX_FILES`); what was queued would then be submitted
                    // with the rest, so it is the ring's end.
                    return Err(Fatal);
                }
            }
        }
        complete(ring, names.len(), |at, result| {
            if let Some(slot) = usize::try_from(at).ok().and_then(|at| results.get_mut(at)) {
                *slot = result;
            }
        })
    });
    match done {
        Ok(()) => {}
        Err(Failed::Unavailable) => return None,
        Err(Failed::InFlight) => {
            // Leaked: opens may still be in flight that read them.
            std::mem::forget(names);
            return None;
        }
    }
    Some(
        results
            .into_iter()
            .map(|result| {
                if result < 0 {
                    Err(std::io::Error::from_raw_os_error(-result))
                } else {
                    // SAFETY: a descriptor the kernel just opened for this
                    // call, owned by nothing else.
                    Ok(unsafe { File::from_raw_fd(result) })
                }
            })
            .collect(),
    )
}

/// Why [`read_and_close`] read nothing.
pub enum Failed {
    /// No ring on this thread (nothing was submitted; the files are closed).
    Unavailable,
    /// The ring failed after the reads were submitted: they may still write
    /// into the buffers, which the caller must leak, never free or reuse.
    InFlight,
}

/// Reads into each buffer of `reads` from the start of its file and closes
/// the file, and closes each of `closes`: each read's count or error, in
/// order.
pub fn read_and_close(
    reads: Vec<(File, &mut [u8])>,
    closes: Vec<File>,
) -> Result<Vec<std::io::Result<usize>>, Failed> {
    let wanted = 2 * reads.len() + closes.len();
    if wanted > ENTRIES as usize || reads.iter().any(|(_, b)| u32::try_from(b.len()).is_err()) {
        return Err(Failed::Unavailable);
    }
    let mut results: Vec<i32> = vec![-libc::ECANCELED; reads.len()];
    let mut submitted = false;
    let done = with_ring(|ring| {
        {
            let mut queue = ring.submission();
            if queue.capacity() - queue.len() < wanted {
                return Err(Fatal);
            }
            let mut entries = Vec::with_capacity(wanted);
            for (at, (file, buffer)) in reads.iter().enumerate() {
                let fd = types::Fd(file.as_raw_fd());
                #[allow(clippy::cast_possible_truncation)] // checked above
                let len = buffer.len() as u32;
                // A hard link: the close runs whatever the read returned (a
                // plain link would cancel it after a short read).
                entries.push(
                    opcode::Read::new(fd, buffer.as_ptr().cast_mut(), len)
                        .offset(0)
                        .build()
                        .flags(squeue::Flags::IO_HARDLINK)
                        .user_data(at as u64),
                );
                entries.push(opcode::Close::new(fd).build().user_data(u64::MAX));
            }
            for file in &closes {
                entries.push(
                    opcode::Close::new(types::Fd(file.as_raw_fd()))
                        .build()
                        .user_data(u64::MAX),
                );
            }
            // SAFETY: every buffer outlives its read (`complete` waits for
            // all of them; after a `Fatal` error the caller leaks them:
            // `Failed::InFlight`), and each descriptor stays
            // open until its own close, which the ring now owns.
            if unsafe { queue.push_multiple(&entries) }.is_err() {
                return Err(Fatal);
            }
        }
        submitted = true;
        complete(ring, wanted, |at, result| {
            if let Some(slot) = usize::try_from(at).ok().and_then(|at| results.get_mut(at)) {
                *slot = result;
            }
        })
    });
    if submitted {
        // The ring closes them (or, after a `Fatal` error, may still):
        // their descriptors are no longer this program's to close.
        for (file, _) in reads {
            let _ = file.into_raw_fd();
        }
        for file in closes {
            let _ = file.into_raw_fd();
        }
    }
    match done {
        Ok(()) => Ok(results
            .into_iter()
            .map(|result| {
                usize::try_from(result)
                    .map_err(|_| std::io::Error::from_raw_os_error(result.saturating_neg()))
            })
            .collect()),
        // (Failed before anything was submitted: nothing in flight.)
        Err(Failed::InFlight) if !submitted => Err(Failed::Unavailable),
        Err(failed) => Err(failed),
    }
}

/// This thread reads plainly from now on, as where io_uring cannot be had.
#[cfg(test)]
pub fn set_unavailable() {
    RING.with(|cell| *cell.borrow_mut() = State::Unavailable);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Without a ring nothing is opened or submitted: the caller reads the
    /// plain way, and files handed over are closed as usual.
    #[test]
    fn without_a_ring_nothing_is_done() {
        set_unavailable();
        assert!(open_all(&[Path::new("/dev/null")]).is_none());
        let file = File::open("/dev/null").unwrap();
        assert!(matches!(
            read_and_close(Vec::new(), vec![file]),
            Err(Failed::Unavailable)
        ));
    }
}
