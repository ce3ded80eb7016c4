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
/// bytes to `budget` (at least one file; fewer where the ring's guess of
/// how many the budget holds fell short), and `with` gets each one's bytes or
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
    #[cfg(target_os = "linux")]
    let ring = ring_group(files, max_file_size, budget, &mut buffers);
    #[cfg(not(target_os = "linux"))]
    let ring = None;
    let lengths = match ring {
        Some(lengths) => lengths,
        None => plain_group(files, max_file_size, budget, &mut buffers),
    };
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

/// [`first_group`]'s reads, one file after the other: each one's length in
/// its buffer of `buffers`, or why it was not read.
fn plain_group(
    files: &[(&Arc<str>, &Path)],
    max_file_size: u64,
    budget: usize,
    buffers: &mut Vec<Vec<u8>>,
) -> Vec<Result<usize, Box<FileResult>>> {
    let mut lengths = Vec::new();
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
    lengths
}

thread_local! {
    /// The mean size of the files this thread read in groups lately: how
    /// many files of the budget [`ring_group`] opens at once.
    #[cfg(target_os = "linux")]
    static MEAN_SIZE: Cell<usize> = const { Cell::new(0) };
}

/// [`plain_group`] through this thread's io_uring (`super::ring`): the same
/// files, the same results, with the opens of the group one submission and
/// its reads and closes another. `None` where no ring can be had (the
/// caller reads the group the plain way).
#[cfg(target_os = "linux")]
fn ring_group(
    files: &[(&Arc<str>, &Path)],
    max_file_size: u64,
    budget: usize,
    buffers: &mut Vec<Vec<u8>>,
) -> Option<Vec<Result<usize, Box<FileResult>>>> {
    // As many as the budget likely holds: a file opened past it is closed
    // unread, and opened again by the task that reads it.
    let mean = MEAN_SIZE.get().max(1);
    let count = (budget / mean)
        .saturating_add(1)
        .min(files.len())
        .min(group_cap());
    // A lone file gains nothing from a ring.
    let group = files.get(..count).filter(|group| group.len() >= 2)?;
    let paths: Vec<&Path> = group.iter().map(|(_, path)| *path).collect();
    let opened = super::ring::open_all(&paths)?;
    let mut lengths: Vec<Result<usize, Box<FileResult>>> = Vec::with_capacity(count);
    // Each read's slot in `lengths` and its file.
    let mut reads: Vec<(usize, std::fs::File)> = Vec::with_capacity(count);
    let mut closes = Vec::new();
    // Files whose open found no descriptor free (the group's others hold
    // some): read the plain way once the group's are closed.
    let mut again = Vec::new();
    let mut bytes = 0usize;
    for ((rel, _), open) in group.iter().zip(opened) {
        if !lengths.is_empty() && bytes >= budget {
            closes.extend(open.ok());
            continue;
        }
        if let Err(err) = &open
            && matches!(err.raw_os_error(), Some(libc::EMFILE | libc::ENFILE))
        {
            again.push(lengths.len());
            lengths.push(Ok(0));
            continue;
        }
        let open = open
            .map_err(|err| crate::boundary::open_refusal(err, false))
            .and_then(crate::boundary::regular);
        match checked(rel, open, max_file_size) {
            Ok((file, size)) => {
                let size = usize::try_from(size).unwrap_or(usize::MAX);
                bytes = bytes.saturating_add(size);
                reads.push((lengths.len(), file));
                lengths.push(Ok(size));
            }
            Err(result) => lengths.push(Err(result)),
        }
    }
    if buffers.len() < lengths.len() {
        buffers.resize_with(lengths.len(), Vec::new);
    }
    // One byte of room past each size: a read that fills it found the file
    // longer than its size said, and is redone below.
    let mut lent = Vec::with_capacity(reads.len());
    let mut next = reads.into_iter().peekable();
    for (slot, buffer) in buffers.iter_mut().enumerate() {
        let Some((_, file)) = next.next_if(|(at, _)| *at == slot) else {
            continue;
        };
        let room = match lengths.get(slot) {
            Some(Ok(size)) => size.saturating_add(1),
            _ => 1,
        };
        if buffer.len() < room {
            buffer.resize(room, 0);
        }
        lent.push((slot, file, buffer.get_mut(..room).unwrap_or_default()));
    }
    let slots: Vec<usize> = lent.iter().map(|(slot, _, _)| *slot).collect();
    let counts = super::ring::read_and_close(
        lent.into_iter()
            .map(|(_, file, buffer)| (file, buffer))
            .collect(),
        closes,
    );
    let counts = match counts {
        Ok(counts) => counts,
        Err(super::ring::Failed::Unavailable) => return None,
        Err(super::ring::Failed::InFlight) => {
            // Reads may still land in these buffers: never freed or reused.
            std::mem::forget(std::mem::take(buffers));
            return None;
        }
    };
    for (slot, count) in slots.into_iter().zip(counts) {
        let (Some(length), Some(buffer), Some((rel, path))) = (
            lengths.get_mut(slot),
            buffers.get_mut(slot),
            group.get(slot),
        ) else {
            continue;
        };
        // Anything but a read that ended exactly at the size (an error, a
        // file that grew or shrank since) is read again, the plain way.
        if !matches!((&*length, count), (Ok(size), Ok(read)) if *size == read) {
            *length = read_into(rel, path, max_file_size, buffer);
        }
    }
    for slot in again {
        if let (Some(length), Some(buffer), Some((rel, path))) = (
            lengths.get_mut(slot),
            buffers.get_mut(slot),
            group.get(slot),
        ) {
            *length = read_into(rel, path, max_file_size, buffer);
        }
    }
    let read = lengths.iter().filter_map(|length| length.as_ref().ok());
    let (total, files_read) = read.fold((0usize, 0usize), |(total, n), size| {
        (total.saturating_add(*size), n + 1)
    });
    if let Some(group_mean) = total.checked_div(files_read) {
        MEAN_SIZE.set((mean.saturating_mul(3).saturating_add(group_mean)) / 4);
    }
    Some(lengths)
}

/// How many files one worker's group may hold open at once: a quarter of
/// the process's descriptors shared between the workers, at most
/// `ring::MAX_FILES` (plain reads hold one file at a time; a process allowed
/// 1,024 descriptors and 64 workers opens groups of 4).
#[cfg(target_os = "linux")]
fn group_cap() -> usize {
    static CAP: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CAP.get_or_init(|| {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: `getrlimit` writes the struct it is given, nothing else.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &raw mut limit) } != 0 {
            return 0;
        }
        let descriptors = usize::try_from(limit.rlim_cur).unwrap_or(usize::MAX);
        (descriptors / 4 / rayon::current_num_threads().max(1)).min(super::ring::MAX_FILES)
    })
}

/// The file `open` gave and its size, if it may be read: no larger than
/// `max_file_size` (DVM003), else the result that reports why not.
fn checked(
    rel: &Arc<str>,
    open: Result<(std::fs::File, std::fs::Metadata), crate::boundary::Refusal>,
    max_file_size: u64,
) -> Result<(std::fs::File, u64), Box<FileResult>> {
    let (file, metadata) = open.map_err(|refusal| {
        Box::new(only(
            rel,
            rules::input::unreadable_input::refused(rel, &refusal),
        ))
    })?;
    let size = metadata.len();
    if size > max_file_size {
        return Err(Box::new(only(
            rel,
            rules::input::unreadable_input::too_large(rel, size, max_file_size),
        )));
    }
    Ok((file, size))
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
    let (mut file, size) = checked(
        rel,
        crate::boundary::open_regular(path, false),
        max_file_size,
    )?;
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

    /// A group read through the ring is the group read plainly: the same
    /// files, cut at the same budget, with the same bytes and the same
    /// findings for what is refused (missing, too large, a link, a FIFO, a
    /// device).
    #[cfg(target_os = "linux")]
    #[test]
    fn a_group_read_through_the_ring_is_the_group_read_plainly() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: String| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            path
        };
        let mut paths = vec![
            write("a.yaml", "a: 1\n".repeat(30)),
            write("empty.yaml", String::new()),
            dir.path().join("missing.yaml"),
            write("large.yaml", "b: 2\n".repeat(400)),
            write("c.yaml", "c: 3\n".repeat(7)),
        ];
        let link = dir.path().join("link.yaml");
        std::os::unix::fs::symlink(&paths[0], &link).unwrap();
        paths.push(link);
        let fifo = dir.path().join("fifo.yaml");
        let name = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
        paths.push(fifo);
        paths.push(std::path::PathBuf::from("/dev/zero"));
        paths.push(write("d.yaml", "d: 4\n".repeat(50)));
        let rels: Vec<Arc<str>> = paths
            .iter()
            .map(|p| Arc::from(p.file_name().unwrap().to_string_lossy().as_ref()))
            .collect();
        let files: Vec<(&Arc<str>, &Path)> = rels
            .iter()
            .zip(&paths)
            .map(|(r, p)| (r, p.as_path()))
            .collect();
        let describe = |lengths: Vec<Result<usize, Box<FileResult>>>, buffers: &[Vec<u8>]| {
            lengths
                .into_iter()
                .zip(buffers)
                .map(|(length, buffer)| match length {
                    Ok(len) => String::from_utf8(buffer[..len].to_vec()).unwrap(),
                    Err(result) => {
                        format!("{} {}", result.findings[0].rule, result.findings[0].message)
                    }
                })
                .collect::<Vec<_>>()
        };
        let available = io_uring::IoUring::new(4).is_ok();
        // Every file, then a budget the last file reaches.
        for budget in [usize::MAX, 400] {
            let (mut plain_buffers, mut ring_buffers) = (Vec::new(), Vec::new());
            let plain = plain_group(&files, 1_000, budget, &mut plain_buffers);
            // (No guess from earlier groups of how many files the budget holds.)
            MEAN_SIZE.set(0);
            let Some(ring) = ring_group(&files, 1_000, budget, &mut ring_buffers) else {
                assert!(!available, "io_uring can be had here, and was not used");
                continue;
            };
            let plain = describe(plain, &plain_buffers);
            assert_eq!(describe(ring, &ring_buffers), plain);
            assert_eq!(plain.len(), paths.len());
            assert!(plain[3].starts_with("DVM003"), "{plain:?}");
            assert!(plain[6].contains("FIFO"), "{plain:?}");
        }
        // A guess of fewer files than the budget holds reads fewer: the
        // caller hands the rest to another task.
        MEAN_SIZE.set(100);
        let mut buffers = Vec::new();
        if let Some(ring) = ring_group(&files, 1_000, 200, &mut buffers) {
            assert_eq!(ring.len(), 3);
        }
        // A thread without a ring reads the same group plainly.
        std::thread::spawn({
            let files: Vec<(Arc<str>, std::path::PathBuf)> =
                rels.iter().cloned().zip(paths.iter().cloned()).collect();
            move || {
                super::super::ring::set_unavailable();
                let files: Vec<(&Arc<str>, &Path)> =
                    files.iter().map(|(r, p)| (r, p.as_path())).collect();
                let mut buffers = Vec::new();
                assert!(ring_group(&files, 1_000, usize::MAX, &mut buffers).is_none());
                let (count, _) = first_group(&files, 1_000, usize::MAX, |texts| {
                    assert!(texts[0].is_ok() && texts[3].is_err());
                });
                assert_eq!(count, files.len());
            }
        })
        .join()
        .unwrap();
        // Nothing was left open.
        let open = std::fs::read_dir("/proc/self/fd").unwrap().count();
        let (mut buffers, mut again) = (Vec::new(), Vec::new());
        for _ in 0..50 {
            let _ = ring_group(&files, 1_000, usize::MAX, &mut buffers);
            let _ = plain_group(&files, 1_000, usize::MAX, &mut again);
        }
        assert!(std::fs::read_dir("/proc/self/fd").unwrap().count() <= open + 2);
    }
}
