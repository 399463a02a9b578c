//! Building one code archive: compress entries on all cores, write them in sorted order.
//!
//! One worker per core compresses the entries that need it, claimed in path order in small
//! batches, within a bounded budget of input bytes (so memory stays bounded whatever the tree).
//! The calling thread writes entries in path order, hashing the archive (SHA-256) as it goes.
//!
//! An entry whose content digest is in an archive of the store (built with the same
//! compression settings) is not compressed again: its bytes come from that archive. The
//! archive last built for the same slot is looked in first, then the others the store holds,
//! most recently used first (another agent over the same dependencies, another checkout of the
//! project). A run of such entries that sat side by side there, under the same names, is copied
//! as one range, local headers included (a local header holds no offset, so it is the same
//! bytes wherever it lands). Either way the output is byte-identical to a fresh build: the
//! cache never changes what is built.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, mpsc};
use std::time::Instant;

use super::compress::{self, Compressed, Data, EntryError};
use super::error::BuildError;
use super::sink::Sink;
use super::store::{ARCHIVE_META_VERSION, ArchiveEntry, ArchiveMeta, MAX_SOURCES, SourceArchive, Store, WrittenStat};
use super::zip::{EntryHeader, Method, ZipWriter};
use crate::inputs::SelectedFile;
use crate::progress::Progress;
use crate::util::digest::Digest;
use crate::util::fx::FxHasher;

/// At most this much input is being compressed or waiting to be written at once.
const WINDOW_BYTES: u64 = 64 << 20;
/// Workers claim entries in batches of about this much input (or [`BATCH_ENTRIES`]), so small
/// files do not cost a thread hand-off each.
const BATCH_BYTES: u64 = 1 << 20;
const BATCH_ENTRIES: usize = 64;

/// One file of the archive: where it comes from and its content digest.
pub(crate) struct Input<'a> {
    pub file: &'a SelectedFile,
    pub digest: Digest,
}

/// What building an archive did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EntryCounts {
    /// Entries in the archive.
    pub entries: usize,
    /// Entries compressed (or stored) in this run.
    pub compressed: usize,
    /// Entries copied from an archive of the store: `from_previous + from_store`.
    pub reused: usize,
    /// Entries copied from the archive last built for this asset.
    pub from_previous: usize,
    /// Entries copied from another archive of the store (another agent's, another checkout's).
    pub from_store: usize,
    /// The copies they took: neighbours there that stay neighbours here are one copy.
    pub copies: usize,
}

impl EntryCounts {
    /// An archive of `entries` entries that nothing was done for (it was cached).
    pub(crate) fn cached(entries: usize) -> Self {
        EntryCounts { entries, ..EntryCounts::default() }
    }
}

/// Builds the archive of `inputs` (sorted by path) into the store as `input_hash`.
pub(crate) fn build_archive(
    store: &Store,
    input_hash: &Digest,
    inputs: &[Input<'_>],
    slot: &str,
    progress: &dyn Progress,
) -> Result<(ArchiveMeta, EntryCounts), BuildError> {
    let started = Instant::now();
    let tmp_dir = store.tmp_dir().map_err(|source| BuildError::Cache { path: store.dir().join("tmp"), source })?;

    // Which entries the store's archives have (by content), and which must be compressed: the
    // previous archive first, then others one at a time while what is missing is worth more
    // than reading another entry table (a one-file change is compressed faster than that).
    let mut sources: Vec<SourceArchive> = store.previous(slot, compress::SETTINGS).into_iter().collect();
    let mut reuse: Vec<Found> = vec![None; inputs.len()];
    if let Some(previous) = sources.first() {
        match_source(inputs, previous, 0, &mut reuse);
    }
    if unmatched_bytes(inputs, &reuse) > OTHER_ARCHIVES_AFTER {
        let except = sources.first().map(|a| a.input_hash.clone());
        for hash in store.other_archives(except.as_deref()) {
            let Some(source) = store.source(&hash, compress::SETTINGS, false) else { continue };
            match_source(inputs, &source, sources.len() as u32, &mut reuse);
            sources.push(source);
            if sources.len() > MAX_SOURCES || unmatched_bytes(inputs, &reuse) <= OTHER_ARCHIVES_AFTER {
                break;
            }
        }
    }
    for (s, source) in sources.iter().enumerate() {
        if reuse.iter().any(|r| r.is_some_and(|(from, _)| from as usize == s)) {
            store.mark_used(&source.input_hash);
        }
    }
    let fresh: Vec<usize> = (0..inputs.len()).filter(|&i| reuse[i].is_none()).collect();

    let out = tempfile::NamedTempFile::new_in(&tmp_dir)
        .map_err(|source| BuildError::Write { path: tmp_dir.clone(), source })?;
    let out_path = out.path().to_path_buf();
    let (file, temp_path) = out.into_parts();
    // Archives are ordinary readable files (temporary files start as 0600).
    file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644))
        .map_err(|source| BuildError::Write { path: out_path.clone(), source })?;
    let mut writer = Writer {
        zip: ZipWriter::new(Sink::new(file)),
        entries: Vec::with_capacity(inputs.len()),
        counts: EntryCounts { entries: inputs.len(), ..EntryCounts::default() },
        progress,
        out_path,
    };
    let pool = Compressing::new(inputs, &fresh);
    std::thread::scope(|s| {
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(fresh.len().max(1));
        let (tx, rx) = mpsc::channel::<Batch>();
        for _ in 0..workers {
            let (tx, pool, tmp_dir) = (tx.clone(), &pool, &tmp_dir);
            s.spawn(move || pool.work(&tx, tmp_dir));
        }
        drop(tx);
        let mut compressed = Handout { rx, ready: HashMap::new() };
        let result = writer.write_all(inputs, &reuse, &sources, &pool, &mut compressed);
        if result.is_err() {
            pool.stop();
        }
        result
    })?;

    let Writer { zip, entries, counts, out_path, .. } = writer;
    let write_err = |source| BuildError::Write { path: out_path.clone(), source };
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
    let meta = store
        .commit_code(temp_path, meta, input_hash)
        .map_err(|source| BuildError::Cache { path: store.code_path(input_hash), source })?;
    let _ = store.set_previous(slot, input_hash);
    tracing::debug!(
        "built {input_hash}: {} entries ({} compressed, {} from the previous archive, {} from {} other archives) in {:?}",
        counts.entries,
        counts.compressed,
        counts.from_previous,
        counts.from_store,
        sources.iter().filter(|s| !s.previous).count(),
        started.elapsed()
    );
    Ok((meta, counts))
}

/// Input bytes the previous archive lacks above which the store's other archives are looked
/// in too: below it, compressing them costs less than reading more entry tables.
const OTHER_ARCHIVES_AFTER: u64 = 1 << 20;

/// Where an input's entry is copied from: (source, entry) positions.
type Found = Option<(u32, u32)>;

fn unmatched_bytes(inputs: &[Input<'_>], reuse: &[Found]) -> u64 {
    inputs.iter().zip(reuse).filter(|(_, r)| r.is_none()).map(|(i, _)| i.file.stat.size).sum()
}

/// Finds in `source` (number `s`) the entries of the inputs not found yet: under their own
/// name first, so that files of equal content (empty `__init__.py`s, licenses) do not break
/// runs of neighbours into separate copies (both lists are sorted by name: one merge), then by
/// content, with a digest map built only for what remains.
fn match_source(inputs: &[Input<'_>], source: &SourceArchive, s: u32, reuse: &mut [Found]) {
    let old = &source.meta.entries;
    let mut k = 0;
    for (input, reused) in inputs.iter().zip(reuse.iter_mut()) {
        if reused.is_some() {
            continue;
        }
        let name = input.file.rel.as_bytes();
        while k < old.len() && old[k].name.as_bytes() < name {
            k += 1;
        }
        if k < old.len() && old[k].name.as_bytes() == name && old[k].digest == input.digest {
            *reused = Some((s, k as u32));
        }
    }
    if !old.is_empty() && reuse.contains(&None) {
        let by_digest: HashMap<Digest, u32, BuildHasherDefault<FxHasher>> =
            old.iter().enumerate().map(|(k, e)| (e.digest, k as u32)).collect();
        for (input, reused) in inputs.iter().zip(reuse.iter_mut()).filter(|(_, r)| r.is_none()) {
            *reused = by_digest.get(&input.digest).map(|&k| (s, k));
        }
    }
}

/// A batch of compressed entries: the position of its first entry in the fresh list.
type Batch = (usize, Vec<Result<Compressed, EntryError>>);

struct Budget {
    /// The next position in the list of entries to compress.
    next: usize,
    /// Input bytes claimed and not yet written.
    in_flight: u64,
    stop: bool,
}

/// The fresh entries (those no previous archive has), compressed by workers in path order
/// within [`WINDOW_BYTES`] of input.
struct Compressing<'a> {
    inputs: &'a [Input<'a>],
    /// Positions in `inputs` of the entries to compress.
    fresh: &'a [usize],
    budget: Mutex<Budget>,
    freed: Condvar,
}

impl<'a> Compressing<'a> {
    fn new(inputs: &'a [Input<'a>], fresh: &'a [usize]) -> Self {
        Compressing {
            inputs,
            fresh,
            budget: Mutex::new(Budget { next: 0, in_flight: 0, stop: false }),
            freed: Condvar::new(),
        }
    }

    /// What the fresh entry at position `p` counts against the budget.
    fn cost(&self, p: usize) -> u64 {
        self.inputs[self.fresh[p]].file.stat.size.clamp(1, WINDOW_BYTES)
    }

    /// A worker: claims batches in order and sends them compressed, until all are claimed or
    /// the writer stops.
    fn work(&self, tx: &mpsc::Sender<Batch>, tmp_dir: &Path) {
        while let Some((start, end)) = self.claim() {
            let results =
                (start..end).map(|p| compress::compress_file(self.inputs[self.fresh[p]].file, tmp_dir)).collect();
            if tx.send((start, results)).is_err() {
                return;
            }
        }
    }

    /// The next batch, once the budget has room for it. Its budget is reserved before any
    /// later batch's, so the entry the writer waits for always has its budget.
    fn claim(&self) -> Option<(usize, usize)> {
        let mut b = self.budget.lock().expect("budget lock");
        loop {
            if b.stop || b.next >= self.fresh.len() {
                return None;
            }
            if b.in_flight == 0 || b.in_flight + self.cost(b.next) <= WINDOW_BYTES {
                break;
            }
            b = self.freed.wait(b).expect("budget lock");
        }
        let start = b.next;
        let (mut end, mut bytes) = (start, 0);
        while end < self.fresh.len()
            && end - start < BATCH_ENTRIES
            && (end == start || (bytes < BATCH_BYTES && b.in_flight + self.cost(end) <= WINDOW_BYTES))
        {
            bytes += self.cost(end);
            b.in_flight += self.cost(end);
            end += 1;
        }
        b.next = end;
        Some((start, end))
    }

    /// The fresh entry at position `p` is written: its budget is free.
    fn release(&self, p: usize) {
        self.budget.lock().expect("budget lock").in_flight -= self.cost(p);
        self.freed.notify_all();
    }

    /// Tells the workers to stop claiming.
    fn stop(&self) {
        self.budget.lock().expect("budget lock").stop = true;
        self.freed.notify_all();
    }
}

/// Compressed entries as the workers send them, handed out in order.
struct Handout {
    rx: mpsc::Receiver<Batch>,
    ready: HashMap<usize, Result<Compressed, EntryError>>,
}

impl Handout {
    /// The fresh entry at position `p`, waiting for its batch.
    fn take(&mut self, p: usize) -> Result<Compressed, EntryError> {
        loop {
            if let Some(c) = self.ready.remove(&p) {
                return c;
            }
            let (start, results) = self.rx.recv().expect("workers stop only when told to or when all is sent");
            self.ready.extend(results.into_iter().enumerate().map(|(n, r)| (start + n, r)));
        }
    }
}

/// The archive being written, in path order.
struct Writer<'p> {
    zip: ZipWriter<Sink>,
    entries: Vec<ArchiveEntry>,
    counts: EntryCounts,
    progress: &'p dyn Progress,
    out_path: PathBuf,
}

impl Writer<'_> {
    fn write_err(&self, source: io::Error) -> BuildError {
        BuildError::Write { path: self.out_path.clone(), source }
    }

    /// A failed copy from a cached archive: blame the cache when reading it failed, else the
    /// output.
    fn copy_err(&self, e: io::Error, from: &Path) -> BuildError {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            BuildError::Cache { path: from.to_path_buf(), source: e }
        } else {
            self.write_err(e)
        }
    }

    /// Writes every entry: reused ones copied from their source, fresh ones as `compressed`
    /// hands them out.
    fn write_all(
        &mut self,
        inputs: &[Input<'_>],
        reuse: &[Found],
        sources: &[SourceArchive],
        pool: &Compressing<'_>,
        compressed: &mut Handout,
    ) -> Result<(), BuildError> {
        let mut next_fresh = 0;
        let mut i = 0;
        while i < inputs.len() {
            let Some((s, k)) = reuse[i] else {
                let c = compressed.take(next_fresh)?;
                self.write_fresh(&inputs[i], c)?;
                pool.release(next_fresh);
                next_fresh += 1;
                i += 1;
                continue;
            };
            let (source, k) = (&sources[s as usize], k as usize);
            let old = &source.meta.entries;
            if old[k].name != inputs[i].file.rel {
                self.copy_renamed(&inputs[i], &old[k], source)?;
                i += 1;
                continue;
            }
            // The longest run of entries that sat side by side there, under the same names.
            let mut j = i + 1;
            while j < inputs.len()
                && reuse[j] == Some((s, (k + (j - i)) as u32))
                && old[k + (j - i)].name == inputs[j].file.rel
            {
                j += 1;
            }
            self.copy_run(&inputs[i..j], &old[k..k + (j - i)], source)?;
            i = j;
        }
        Ok(())
    }

    fn count_reused(&mut self, n: usize, source: &SourceArchive) {
        self.counts.reused += n;
        if source.previous {
            self.counts.from_previous += n;
        } else {
            self.counts.from_store += n;
        }
        self.counts.copies += 1;
    }

    /// Copies a run of entries, local headers included, as one range.
    fn copy_run(
        &mut self,
        inputs: &[Input<'_>],
        run: &[ArchiveEntry],
        source: &SourceArchive,
    ) -> Result<(), BuildError> {
        let from = run[0].header_offset;
        let to = run[run.len() - 1].data_offset + run[run.len() - 1].compressed_size;
        let new_start = self.zip.offset();
        self.zip
            .append_with(to - from, |sink| {
                sink.copy_range(&source.file, from, to - from, Some(&source.meta.checkpoints))
            })
            .map_err(|e| self.copy_err(e, &source.path))?;
        for (input, e) in inputs.iter().zip(run) {
            let header = header_of(input, e.method, e.crc32, e.compressed_size, e.uncompressed_size);
            self.zip.record_entry(header, new_start + (e.header_offset - from));
            self.entries.push(ArchiveEntry {
                header_offset: new_start + (e.header_offset - from),
                data_offset: new_start + (e.data_offset - from),
                ..e.clone()
            });
            self.progress.advance(e.uncompressed_size);
        }
        self.count_reused(inputs.len(), source);
        Ok(())
    }

    /// Same content under another name: a new header, the old data.
    fn copy_renamed(&mut self, input: &Input<'_>, e: &ArchiveEntry, source: &SourceArchive) -> Result<(), BuildError> {
        let header_offset = self.zip.offset();
        let header = header_of(input, e.method, e.crc32, e.compressed_size, e.uncompressed_size);
        let data_offset = self.zip.start_entry(header).map_err(|e| self.write_err(e))?;
        self.zip
            .append_with(e.compressed_size, |sink| {
                sink.copy_range(&source.file, e.data_offset, e.compressed_size, None)
            })
            .map_err(|err| self.copy_err(err, &source.path))?;
        self.entries.push(ArchiveEntry { name: input.file.rel.clone(), header_offset, data_offset, ..e.clone() });
        self.progress.advance(e.uncompressed_size);
        self.count_reused(1, source);
        Ok(())
    }

    /// An entry compressed in this run.
    fn write_fresh(&mut self, input: &Input<'_>, c: Compressed) -> Result<(), BuildError> {
        let header_offset = self.zip.offset();
        let header = header_of(input, c.method, c.crc32, c.compressed_size, c.uncompressed_size);
        let data_offset = self.zip.start_entry(header).map_err(|e| self.write_err(e))?;
        self.entries.push(ArchiveEntry {
            name: input.file.rel.clone(),
            digest: input.digest,
            method: c.method,
            crc32: c.crc32,
            compressed_size: c.compressed_size,
            uncompressed_size: c.uncompressed_size,
            header_offset,
            data_offset,
        });
        self.progress.advance(c.uncompressed_size);
        match c.data {
            Data::Memory(bytes) => self.zip.write_data(&bytes).map_err(|e| self.write_err(e))?,
            Data::File(tmp) => {
                let len = tmp.as_file().metadata().map_err(|e| self.write_err(e))?.len();
                self.zip
                    .append_with(len, |sink| sink.copy_range(tmp.as_file(), 0, len, None))
                    .map_err(|e| self.write_err(e))?;
            }
        }
        self.counts.compressed += 1;
        Ok(())
    }
}

fn header_of(input: &Input<'_>, method: Method, crc32: u32, compressed: u64, uncompressed: u64) -> EntryHeader {
    EntryHeader {
        name: input.file.rel.clone(),
        executable: input.file.executable,
        method,
        crc32,
        compressed_size: compressed,
        uncompressed_size: uncompressed,
    }
}
