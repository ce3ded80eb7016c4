//! Reading one file for the per-file stage: the size limit of docs/input.md (DVM003),
//! only regular files (`crate::boundary::open_regular`), and one buffer per worker thread reused for every
//! file it reads.
//!
//! A regular file costs `open`, one `fstat` (size and type), one `read` of the
//! whole file and `close`: one system call fewer than `std::fs::read`, whose
//! second `read` only sees the end the first one's short count already showed.
//! `File::read_to_end` would ask the kernel for the size again and for the
//! position (`fstat` + `lseek`), two system calls per file; and a fresh vector per
//! file would be fresh memory for every large file.

use std::cell::Cell;
use std::io::Read as _;
use std::path::Path;
use std::sync::Arc;

use super::file::only;
use crate::finding::Finding;
use crate::parsed::FileResult;
use crate::rules;

/// A worker keeps at most this much buffer between files: one huge file does
/// not pin its size for the rest of the run.
const KEPT_CAPACITY: usize = 1 << 20;

thread_local! {
    /// Initialised up to its length, which only grows (zero-filled) when a file
    /// is larger than any this thread has read. Taken out while in use, so a
    /// nested call (nothing makes one) would simply get a fresh one.
    static BUFFER: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// Calls `with` on the bytes of `path`, read into this thread's buffer, or
/// returns the result of a file that cannot be read or is larger than
/// `max_file_size` (DVM003).
pub fn with_source<T>(
    rel: &Arc<str>,
    path: &Path,
    max_file_size: u64,
    with: impl FnOnce(&[u8]) -> T,
) -> Result<T, Box<FileResult>> {
    let mut buffer = BUFFER.take();
    let result = read_into(rel, path, max_file_size, &mut buffer)
        .map(|len| with(buffer.get(..len).unwrap_or_default()));
    if buffer.len() <= KEPT_CAPACITY {
        BUFFER.set(buffer);
    }
    result
}

/// Reads `path` into `buffer` (whose contents are all initialised and may be
/// overwritten) and returns how many of its first bytes are the file.
/// The largest buffer [`with_sources`] keeps (a batch holds several).
const KEPT_IN_BATCH: usize = 1 << 18;

thread_local! {
    /// The buffers of [`first_group`], one per file of a group.
    static BUFFERS: Cell<Vec<Vec<u8>>> = const { Cell::new(Vec::new()) };
}

/// [`with_source`] for several files: the first of `files` are read, each
/// into a buffer of this thread's pool, up to the file that brings their
/// bytes to `budget` (at least one file), and `with` gets each one's bytes or
/// the result that reports why it could not be read. Returns how many were
/// read: at most `budget` plus one file is held at once, whatever the files'
/// sizes.
pub fn first_group<T>(
    files: &[(&Arc<str>, &Path)],
    max_file_size: u64,
    budget: usize,
    with: impl FnOnce(Vec<Result<&[u8], Box<FileResult>>>) -> T,
) -> (usize, T) {
    let mut buffers = BUFFERS.take();
    let mut lengths: Vec<Result<usize, Box<FileResult>>> = Vec::new();
    let mut bytes = 0usize;
    for (slot, (rel, path)) in files.iter().enumerate() {
        if buffers.len() <= slot {
            buffers.push(Vec::new());
        }
        let Some(buffer) = buffers.get_mut(slot) else {
            break;
        };
        let read = read_into(rel, path, max_file_size, buffer);
        bytes = bytes.saturating_add(*read.as_ref().unwrap_or(&0));
        lengths.push(read);
        if bytes >= budget {
            break;
        }
    }
    let count = lengths.len();
    let texts = lengths
        .into_iter()
        .zip(buffers.iter())
        .map(|(read, buffer)| read.map(|len| buffer.get(..len).unwrap_or_default()))
        .collect();
    let out = with(texts);
    for buffer in &mut buffers {
        if buffer.len() > KEPT_IN_BATCH {
            *buffer = Vec::new();
        }
    }
    BUFFERS.set(buffers);
    (count, out)
}

fn read_into(
    rel: &Arc<str>,
    path: &Path,
    max_file_size: u64,
    buffer: &mut Vec<u8>,
) -> Result<usize, Box<FileResult>> {
    let unreadable = |finding: Finding| Box::new(only(rel, finding));
    let io_error =
        |err: std::io::Error| unreadable(rules::input::unreadable_input::io_error(rel, &err));
    let too_large = |size: u64| {
        unreadable(rules::input::unreadable_input::too_large(
            rel,
            size,
            max_file_size,
        ))
    };
    // One path lookup: the size comes from the open file, not from the path.
    // The walk hands over real files or canonical paths: a final link here was
    // put there since, and is not followed; a device or FIFO is never read.
    let (mut file, metadata) = crate::boundary::open_regular(path, false)
        .map_err(|refusal| unreadable(rules::input::unreadable_input::refused(rel, &refusal)))?;
    let size = metadata.len();
    if size > max_file_size {
        return Err(too_large(size));
    }
    // One byte of room past the size seen. A read that stops short of the
    // room, at exactly that size, has met the end of this regular file: a
    // regular file's read returns less than asked only there (a system call
    // costs ~1.3 µs on a host with the kernel's speculation mitigations,
    // docs/performance.md). A file that grew since is read on, and its length
    // checked below; one that shrank is read to the 0 that ends it.
    let room = usize::try_from(size)
        .unwrap_or(usize::MAX)
        .saturating_add(1);
    if buffer.len() < room {
        buffer.resize(room, 0);
    }
    let mut filled = 0;
    let len = loop {
        let Some(free) = buffer.get_mut(filled..).filter(|free| !free.is_empty()) else {
            // Longer than its size said (growing, or a size-0 `/proc`
            // file): read on, one byte past the limit at most.
            buffer.truncate(filled);
            let rest = max_file_size
                .saturating_add(1)
                .saturating_sub(filled as u64);
            (&mut file)
                .take(rest)
                .read_to_end(buffer)
                .map_err(io_error)?;
            break buffer.len();
        };
        let asked = free.len();
        match file.read(free) {
            Ok(0) => break filled,
            Ok(n) => {
                filled += n;
                if n < asked && filled as u64 == size {
                    break filled;
                }
            }
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
            Err(err) => return Err(io_error(err)),
        }
    };
    if len as u64 > max_file_size {
        return Err(too_large(len as u64));
    }
    Ok(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_source(rel: &Arc<str>, path: &Path, limit: u64) -> Result<Vec<u8>, Box<FileResult>> {
        with_source(rel, path, limit, <[u8]>::to_vec)
    }

    #[test]
    fn a_regular_file_is_read_whole_and_checked_against_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.yaml");
        std::fs::write(&path, "a: 1\n".repeat(5_000)).unwrap();
        let rel: Arc<str> = Arc::from("a.yaml");
        assert_eq!(read_source(&rel, &path, u64::MAX).unwrap().len(), 25_000);
        let too_large = read_source(&rel, &path, 24_999).unwrap_err();
        assert_eq!(too_large.findings[0].rule, "DVM003");
    }

    #[test]
    fn the_thread_buffer_holds_each_file_alone() {
        let dir = tempfile::tempdir().unwrap();
        let long = dir.path().join("long.yaml");
        let short = dir.path().join("short.yaml");
        std::fs::write(&long, "a: 1\n".repeat(1_000)).unwrap();
        std::fs::write(&short, "b: 2\n").unwrap();
        let rel: Arc<str> = Arc::from("x.yaml");
        let read = |path: &Path| read_source(&rel, path, u64::MAX).unwrap();
        assert_eq!(read(&long).len(), 5_000);
        // The longer file's bytes are still in the buffer past the short one.
        assert_eq!(read(&short), b"b: 2\n");
        assert_eq!(read(&long), "a: 1\n".repeat(1_000).as_bytes());
    }

    /// The read system calls of this thread so far (Linux's per-task
    /// `syscr`, which counts `read` and its kin).
    #[cfg(target_os = "linux")]
    fn reads_so_far() -> u64 {
        let io = std::fs::read_to_string("/proc/thread-self/io").unwrap();
        io.lines()
            .find_map(|line| line.strip_prefix("syscr: "))
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    }

    /// A regular file is read by one `read`: the short count at its size is
    /// its end, not asked again (the system call the floor's `std::fs::read`
    /// spends); a file longer than its buffer is still read whole.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_small_regular_file_costs_one_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.yaml");
        std::fs::write(&path, "a: 1\n".repeat(100)).unwrap();
        let rel: Arc<str> = Arc::from("a.yaml");
        // What reading the counter itself costs between two readings.
        let start = reads_so_far();
        let counting = reads_so_far() - start;
        let start = reads_so_far();
        assert_eq!(read_source(&rel, &path, u64::MAX).unwrap().len(), 500);
        assert_eq!(reads_so_far() - start - counting, 1);
        std::fs::write(&path, "").unwrap();
        let start = reads_so_far();
        assert!(read_source(&rel, &path, u64::MAX).unwrap().is_empty());
        assert_eq!(reads_so_far() - start - counting, 1);
    }

    /// Files are read up to the one that brings their bytes to the budget,
    /// each with its own bytes; a file that cannot be read is its finding;
    /// no buffer larger than a batch keeps stays in the pool.
    #[test]
    fn files_are_read_in_groups_of_at_most_the_budget_and_one_file() {
        let dir = tempfile::tempdir().unwrap();
        let sizes = [10usize, 10, 50, 10, 200, 10];
        let rels: Vec<Arc<str>> = (0..sizes.len())
            .map(|i| Arc::from(format!("f{i}.yaml")))
            .collect();
        let mut paths: Vec<std::path::PathBuf> = Vec::new();
        for (i, size) in sizes.iter().enumerate() {
            let path = dir.path().join(format!("f{i}.yaml"));
            std::fs::write(&path, vec![b'a' + i as u8; *size]).unwrap();
            paths.push(path);
        }
        paths[3] = dir.path().join("missing.yaml");
        let files: Vec<(&Arc<str>, &Path)> = rels
            .iter()
            .zip(&paths)
            .map(|(r, p)| (r, p.as_path()))
            .collect();
        let describe = |texts: Vec<Result<&[u8], Box<FileResult>>>| -> Vec<String> {
            texts
                .iter()
                .map(|t| match t {
                    Ok(bytes) => format!("{}x{}", bytes.len(), bytes[0] as char),
                    Err(result) => result.findings[0].rule.to_string(),
                })
                .collect()
        };
        let mut groups = Vec::new();
        let mut first = 0;
        while first < files.len() {
            let (count, described) = first_group(&files[first..], u64::MAX, 60, describe);
            groups.push((first, described));
            first += count;
        }
        assert_eq!(
            groups,
            [
                (
                    0,
                    vec!["10xa".to_owned(), "10xb".to_owned(), "50xc".to_owned()]
                ),
                (3, vec!["DVM003".to_owned(), "200xe".to_owned()]),
                (5, vec!["10xf".to_owned()]),
            ]
        );
        let big = dir.path().join("big.yaml");
        std::fs::write(&big, vec![b'#'; KEPT_IN_BATCH + 1]).unwrap();
        let rel: Arc<str> = Arc::from("big.yaml");
        first_group(&[(&rel, big.as_path())], u64::MAX, 60, |_| ());
        let kept = BUFFERS.take();
        assert!(kept.iter().all(|b| b.len() <= KEPT_IN_BATCH));
    }

    #[test]
    fn a_huge_file_does_not_stay_in_the_thread_buffer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huge.yaml");
        std::fs::write(&path, vec![b'#'; KEPT_CAPACITY + 10]).unwrap();
        let rel: Arc<str> = Arc::from("huge.yaml");
        let len = with_source(&rel, &path, u64::MAX, <[u8]>::len).unwrap();
        assert_eq!(len, KEPT_CAPACITY + 10);
        assert_eq!(BUFFER.take().len(), 0);
    }

    #[test]
    fn a_file_longer_than_its_size_is_still_cut_at_the_limit() {
        // `/proc` files report size 0 and hold more.
        let status = Path::new("/proc/self/status");
        if !status.exists() {
            return; // not Linux: nothing to check
        }
        let rel: Arc<str> = Arc::from("status");
        assert!(read_source(&rel, status, u64::MAX).unwrap().len() > 1);
        let result = read_source(&rel, status, 8).unwrap_err();
        assert_eq!(result.findings[0].rule, "DVM003");
    }

    #[test]
    fn a_device_is_never_read() {
        let rel: Arc<str> = Arc::from("zero.yaml");
        let result = read_source(&rel, Path::new("/dev/zero"), u64::MAX).unwrap_err();
        assert_eq!(result.findings[0].rule, "DVM003");
        assert!(result.findings[0].message.contains("device"));
    }
}
