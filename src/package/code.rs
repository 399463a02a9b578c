//! Building one code archive: compress entries on all cores, write them in sorted order.
//!
//! One worker per core compresses the entries that need it, claimed in path order in small
//! batches, within a bounded budget of input bytes (so memory stays bounded whatever the tree).
//! The calling thread writes entries in path order, hashing the archive (SHA-256) as it goes.
//!
//! An entry whose content digest is in the archive last built for the same slot is not
//! compressed again: its bytes come from that archive. A run of such entries that sat side by
//! side there, under the same names, is copied as one range, local headers included (a local
//! header holds no offset, so it is the same bytes wherever it lands). Either way the output is
//! byte-identical to a fresh build: the cache never changes what is built.

use std::collections::HashMap;
use std::fs::File;
use std::hash::BuildHasherDefault;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, mpsc};
use std::time::Instant;

use super::cache::{ARCHIVE_META_VERSION, ArchiveEntry, ArchiveMeta, Cache, FxHasher, WrittenStat};
use super::compress::{self, Compressed, Data, EntryError};
use super::select::SelectedFile;
use super::sink::Sink;
use super::zip::{EntryHeader, ZipWriter};
use super::{PackageError, Progress};
use crate::digest::Digest;

/// At most this much input is being compressed or waiting to be written at once.
const WINDOW_BYTES: u64 = 64 << 20;
/// Workers claim entries in batches of about this much input (or [`BATCH_ENTRIES`]), so small
/// files do not cost a thread hand-off each.
const BATCH_BYTES: u64 = 1 << 20;
const BATCH_ENTRIES: usize = 64;

/// One file of the archive: where it comes from and its content digest.
pub struct Input<'a> {
    pub file: &'a SelectedFile,
    pub digest: Digest,
}

/// What building an archive did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct EntryCounts {
    /// Entries in the archive.
    pub entries: usize,
    /// Entries compressed (or stored) in this run.
    pub compressed: usize,
    /// Entries copied from a previous archive.
    pub reused: usize,
    /// The copies they took: neighbours there that stay neighbours here are one copy.
    pub copies: usize,
}

struct Budget {
    /// The next position in the list of entries to compress.
    next: usize,
    /// Input bytes claimed and not yet written.
    in_flight: u64,
    stop: bool,
}

/// A batch of compressed entries: the position of its first entry in the fresh list.
type Batch = (usize, Vec<Result<Compressed, EntryError>>);

/// Builds the archive of `inputs` (sorted by path) into the cache as `input_hash`.
pub fn build_archive(
    cache: &Cache,
    input_hash: &Digest,
    inputs: &[Input<'_>],
    slot: &str,
    progress: &dyn Progress,
) -> Result<(ArchiveMeta, EntryCounts), PackageError> {
    let started = Instant::now();
    let tmp_dir = cache.tmp_dir().map_err(|source| PackageError::Cache { path: cache.dir().join("tmp"), source })?;

    // Which entries the previous archive has (by content), and which must be compressed.
    let previous = cache.previous(slot);
    let previous_file = previous.as_ref().and_then(|(path, _)| File::open(path).ok().map(|f| (path.clone(), f)));
    let old: &[ArchiveEntry] = match (&previous, &previous_file) {
        (Some((_, meta)), Some(_)) => &meta.entries,
        _ => &[],
    };
    // An entry is found under its own name first, so that files of equal content (empty
    // `__init__.py`s, licenses) do not break runs of neighbours into separate copies. Both lists
    // are sorted by name: one merge finds them.
    let mut reuse: Vec<Option<usize>> = vec![None; inputs.len()];
    let mut k = 0;
    for (input, reused) in inputs.iter().zip(&mut reuse) {
        let name = input.file.rel.as_bytes();
        while k < old.len() && old[k].name.as_bytes() < name {
            k += 1;
        }
        if k < old.len() && old[k].name.as_bytes() == name && old[k].digest == input.digest {
            *reused = Some(k);
        }
    }
    if !old.is_empty() && reuse.contains(&None) {
        let by_digest: HashMap<Digest, usize, BuildHasherDefault<FxHasher>> =
            old.iter().enumerate().map(|(k, e)| (e.digest, k)).collect();
        for (input, reused) in inputs.iter().zip(&mut reuse).filter(|(_, r)| r.is_none()) {
            *reused = by_digest.get(&input.digest).copied();
        }
    }
    let fresh: Vec<usize> = (0..inputs.len()).filter(|&i| reuse[i].is_none()).collect();
    let cost = |p: usize| inputs[fresh[p]].file.stat.size.clamp(1, WINDOW_BYTES);

    let out = tempfile::NamedTempFile::new_in(&tmp_dir)
        .map_err(|source| PackageError::Write { path: tmp_dir.clone(), source })?;
    let out_path = out.path().to_path_buf();
    let write_err = |source| PackageError::Write { path: out_path.clone(), source };
    let (file, temp_path) = out.into_parts();
    // Archives are ordinary readable files (temporary files start as 0600).
    file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644)).map_err(write_err)?;
    let mut zip = ZipWriter::new(Sink::new(file));
    let checkpoints = previous.as_ref().map(|(_, meta)| meta.checkpoints.as_slice());
    let mut entries: Vec<ArchiveEntry> = Vec::with_capacity(inputs.len());
    let mut counts = EntryCounts { entries: inputs.len(), ..EntryCounts::default() };

    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(fresh.len().max(1));
    let budget = Mutex::new(Budget { next: 0, in_flight: 0, stop: false });
    let freed = Condvar::new();
    let (tx, rx) = mpsc::channel::<Batch>();
    let written: Result<(), PackageError> = std::thread::scope(|s| {
        for _ in 0..workers {
            let tx = tx.clone();
            let (budget, freed, fresh, tmp_dir, cost) = (&budget, &freed, &fresh, &tmp_dir, &cost);
            s.spawn(move || {
                loop {
                    // Claim a batch in order; its budget is reserved before any later batch's,
                    // so the entry the writer waits for always has its budget.
                    let (start, end) = {
                        let mut b = budget.lock().expect("budget lock");
                        loop {
                            if b.stop || b.next >= fresh.len() {
                                return;
                            }
                            if b.in_flight == 0 || b.in_flight + cost(b.next) <= WINDOW_BYTES {
                                break;
                            }
                            b = freed.wait(b).expect("budget lock");
                        }
                        let start = b.next;
                        let (mut end, mut bytes) = (start, 0);
                        while end < fresh.len()
                            && end - start < BATCH_ENTRIES
                            && (end == start || (bytes < BATCH_BYTES && b.in_flight + cost(end) <= WINDOW_BYTES))
                        {
                            bytes += cost(end);
                            b.in_flight += cost(end);
                            end += 1;
                        }
                        b.next = end;
                        (start, end)
                    };
                    let results =
                        (start..end).map(|p| compress::compress_file(inputs[fresh[p]].file, tmp_dir)).collect();
                    if tx.send((start, results)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(tx);
        let stop = || {
            budget.lock().expect("budget lock").stop = true;
            freed.notify_all();
        };
        let mut ready: HashMap<usize, Result<Compressed, EntryError>> = HashMap::new();
        let mut next_fresh = 0;
        let mut i = 0;
        let result = (|| -> Result<(), PackageError> {
            while i < inputs.len() {
                if let Some(k) = reuse[i] {
                    // The longest run of entries that sat side by side, under the same names.
                    let mut j = i + 1;
                    while j < inputs.len()
                        && reuse[j] == Some(k + (j - i))
                        && old[k + (j - i)].name == inputs[j].file.rel
                    {
                        j += 1;
                    }
                    let (path, f) = previous_file.as_ref().expect("reuse needs the previous archive");
                    if old[k].name == inputs[i].file.rel {
                        let run = &old[k..k + (j - i)];
                        let from = run[0].header_offset;
                        let to = run[run.len() - 1].data_offset + run[run.len() - 1].compressed_size;
                        let new_start = zip.offset();
                        zip.append_with(to - from, |sink| sink.copy_range(f, from, to - from, checkpoints))
                            .map_err(|e| copy_err(e, path, &write_err))?;
                        for (input, e) in inputs[i..j].iter().zip(run) {
                            let header = header_of(input, e.method, e.crc32, e.compressed_size, e.uncompressed_size);
                            zip.record_entry(header, new_start + (e.header_offset - from));
                            entries.push(ArchiveEntry {
                                header_offset: new_start + (e.header_offset - from),
                                data_offset: new_start + (e.data_offset - from),
                                ..e.clone()
                            });
                            progress.advance(e.uncompressed_size);
                        }
                        counts.reused += j - i;
                        counts.copies += 1;
                        i = j;
                    } else {
                        // Same content under another name: a new header, the old data.
                        let e = &old[k];
                        let header_offset = zip.offset();
                        let header = header_of(&inputs[i], e.method, e.crc32, e.compressed_size, e.uncompressed_size);
                        let data_offset = zip.start_entry(header).map_err(write_err)?;
                        zip.append_with(e.compressed_size, |sink| {
                            sink.copy_range(f, e.data_offset, e.compressed_size, None)
                        })
                        .map_err(|e| copy_err(e, path, &write_err))?;
                        entries.push(ArchiveEntry {
                            name: inputs[i].file.rel.clone(),
                            header_offset,
                            data_offset,
                            ..e.clone()
                        });
                        progress.advance(e.uncompressed_size);
                        counts.reused += 1;
                        counts.copies += 1;
                        i += 1;
                    }
                    continue;
                }
                let c = loop {
                    if let Some(c) = ready.remove(&next_fresh) {
                        break c;
                    }
                    let (start, results) = rx.recv().expect("workers stop only when told to or when all is sent");
                    ready.extend(results.into_iter().enumerate().map(|(n, r)| (start + n, r)));
                }?;
                let header_offset = zip.offset();
                let header = header_of(&inputs[i], c.method, c.crc32, c.compressed_size, c.uncompressed_size);
                let data_offset = zip.start_entry(header).map_err(write_err)?;
                entries.push(ArchiveEntry {
                    name: inputs[i].file.rel.clone(),
                    digest: inputs[i].digest,
                    method: c.method,
                    crc32: c.crc32,
                    compressed_size: c.compressed_size,
                    uncompressed_size: c.uncompressed_size,
                    header_offset,
                    data_offset,
                });
                progress.advance(c.uncompressed_size);
                write_data(c.data, &mut zip, &write_err)?;
                budget.lock().expect("budget lock").in_flight -= cost(next_fresh);
                freed.notify_all();
                counts.compressed += 1;
                next_fresh += 1;
                i += 1;
            }
            Ok(())
        })();
        if result.is_err() {
            stop();
        }
        result
    });
    written?;
    let (sink, size) = zip.finish().map_err(write_err)?;
    let (file, sha, checkpoints) = sink.finish().map_err(write_err)?;
    drop(file);
    let meta = ArchiveMeta {
        version: ARCHIVE_META_VERSION,
        input_hash: input_hash.to_hex(),
        settings: compress::SETTINGS.to_owned(),
        sha256: sha.to_hex(),
        size,
        written: WrittenStat::default(),
        entry_count: entries.len(),
        entries,
        checkpoints,
        detail_sha256: String::new(),
    };
    let meta = cache
        .commit_code(temp_path, meta, input_hash)
        .map_err(|source| PackageError::Cache { path: cache.code_path(input_hash), source })?;
    let _ = cache.set_previous(slot, input_hash);
    tracing::debug!(
        "built {input_hash}: {} entries ({} compressed, {} reused) in {:?}",
        counts.entries,
        counts.compressed,
        counts.reused,
        started.elapsed()
    );
    Ok((meta, counts))
}

fn header_of(
    input: &Input<'_>,
    method: super::zip::Method,
    crc32: u32,
    compressed: u64,
    uncompressed: u64,
) -> EntryHeader {
    EntryHeader {
        name: input.file.rel.clone(),
        executable: input.file.executable,
        method,
        crc32,
        compressed_size: compressed,
        uncompressed_size: uncompressed,
    }
}

fn write_data(
    data: Data,
    zip: &mut ZipWriter<Sink>,
    write_err: &dyn Fn(io::Error) -> PackageError,
) -> Result<(), PackageError> {
    match data {
        Data::Memory(bytes) => zip.write_data(&bytes).map_err(write_err),
        Data::File(tmp) => {
            let len = tmp.as_file().metadata().map_err(write_err)?.len();
            zip.append_with(len, |sink| sink.copy_range(tmp.as_file(), 0, len, None)).map_err(write_err)
        }
    }
}

/// A failed copy from a cached archive: blame the cache when reading it failed, else the output.
fn copy_err(e: io::Error, from: &Path, write_err: &dyn Fn(io::Error) -> PackageError) -> PackageError {
    if e.kind() == io::ErrorKind::UnexpectedEof {
        PackageError::Cache { path: from.to_path_buf(), source: e }
    } else {
        write_err(e)
    }
}

/// Puts the cached archive at `out` (a hard link when the file systems allow, else a copy),
/// atomically; an existing identical file is left alone.
pub fn place_output(cached: &Path, out: &Path) -> io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    if let (Ok(a), Ok(b)) = (std::fs::metadata(cached), std::fs::metadata(out))
        && a.ino() == b.ino()
        && a.dev() == b.dev()
    {
        return Ok(());
    }
    let dir = out.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp: PathBuf = dir.join(format!(".hangar-tmp-{}", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    if std::fs::hard_link(cached, &tmp).is_err() {
        std::fs::copy(cached, &tmp)?;
    }
    std::fs::rename(&tmp, out).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}
