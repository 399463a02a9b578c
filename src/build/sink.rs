//! Where an archive is written: positioned writes, in-kernel copies of ranges from another
//! archive, and a SHA-256 that can resume from a checkpoint.
//!
//! Rebuilding an archive after one file changed copies almost all of it from the previous one.
//! The copy goes through `copy_file_range` (no trip through user space), and the hash does not
//! start from zero: the previous archive recorded the SHA-256 state at every
//! [`CHECKPOINT_EVERY`] bytes, and its unchanged prefix is byte-identical at the same offsets, so
//! hashing resumes at the last checkpoint inside that prefix.

use std::fs::File;
use std::io::{self, Write};
use std::os::unix::fs::FileExt;

use sha2::digest::generic_array::GenericArray;
use sha2::digest::typenum::U64;

use crate::util::digest::Digest;

/// A SHA-256 state is recorded after every this many bytes (a multiple of the 64-byte block).
pub(crate) const CHECKPOINT_EVERY: u64 = 1 << 20;

/// SHA-256's internal state: the eight words after some whole number of blocks.
pub(crate) type ShaState = [u32; 8];

const H0: ShaState = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

/// Streaming SHA-256 (SHA-NI through `sha2::compress256`) that records its state at every
/// [`CHECKPOINT_EVERY`] bytes and can start from such a state.
pub(crate) struct Sha256Stream {
    state: ShaState,
    /// Bytes compressed so far (a multiple of 64).
    compressed: u64,
    buf: [u8; 64],
    buf_len: usize,
    checkpoints: Vec<ShaState>,
}

fn compress(state: &mut ShaState, blocks: &[u8]) {
    debug_assert_eq!(blocks.len() % 64, 0);
    // SAFETY: `GenericArray<u8, U64>` is `#[repr(transparent)]` over `[u8; 64]` (size 64,
    // alignment 1), and `blocks` holds exactly `len / 64` of them.
    let blocks: &[GenericArray<u8, U64>] =
        unsafe { std::slice::from_raw_parts(blocks.as_ptr().cast(), blocks.len() / 64) };
    sha2::compress256(state, blocks);
}

impl Sha256Stream {
    pub fn new() -> Self {
        Sha256Stream { state: H0, compressed: 0, buf: [0; 64], buf_len: 0, checkpoints: Vec::new() }
    }

    /// A stream that has already hashed `checkpoints.len() * CHECKPOINT_EVERY` bytes, whose
    /// states were `checkpoints`.
    pub fn resume(checkpoints: &[ShaState]) -> Self {
        let state = checkpoints.last().copied().unwrap_or(H0);
        Sha256Stream {
            state,
            compressed: checkpoints.len() as u64 * CHECKPOINT_EVERY,
            buf: [0; 64],
            buf_len: 0,
            checkpoints: checkpoints.to_vec(),
        }
    }

    /// Bytes hashed so far.
    pub fn bytes_hashed(&self) -> u64 {
        self.compressed + self.buf_len as u64
    }

    pub fn update(&mut self, mut data: &[u8]) {
        if self.buf_len > 0 {
            let n = (64 - self.buf_len).min(data.len());
            self.buf[self.buf_len..self.buf_len + n].copy_from_slice(&data[..n]);
            self.buf_len += n;
            data = &data[n..];
            if self.buf_len < 64 {
                return;
            }
            let block = self.buf;
            self.blocks(&block);
            self.buf_len = 0;
        }
        let whole = data.len() / 64 * 64;
        self.blocks(&data[..whole]);
        let rest = &data[whole..];
        self.buf[..rest.len()].copy_from_slice(rest);
        self.buf_len = rest.len();
    }

    /// Compresses whole blocks, stopping at each checkpoint boundary to record the state.
    fn blocks(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            let to_boundary = CHECKPOINT_EVERY - self.compressed % CHECKPOINT_EVERY;
            let n = (data.len() as u64).min(to_boundary) as usize;
            compress(&mut self.state, &data[..n]);
            self.compressed += n as u64;
            data = &data[n..];
            if self.compressed % CHECKPOINT_EVERY == 0 {
                self.checkpoints.push(self.state);
            }
        }
    }

    /// The digest, and the checkpoints recorded on the way.
    pub fn finish(mut self) -> (Digest, Vec<ShaState>) {
        let bits = self.bytes_hashed() * 8;
        let checkpoints = std::mem::take(&mut self.checkpoints);
        let mut tail = [0u8; 128];
        tail[..self.buf_len].copy_from_slice(&self.buf[..self.buf_len]);
        tail[self.buf_len] = 0x80;
        let total = if self.buf_len < 56 { 64 } else { 128 };
        tail[total - 8..total].copy_from_slice(&bits.to_be_bytes());
        compress(&mut self.state, &tail[..total]);
        let mut out = [0u8; 32];
        for (chunk, word) in out.chunks_exact_mut(4).zip(self.state) {
            chunk.copy_from_slice(&word.to_be_bytes());
        }
        (Digest(out), checkpoints)
    }
}

impl Default for Sha256Stream {
    fn default() -> Self {
        Self::new()
    }
}

/// The archive being written: buffered positioned writes plus copied ranges, all hashed in
/// order.
pub(crate) struct Sink {
    file: File,
    buf: Vec<u8>,
    /// Bytes in the file (not counting `buf`).
    flushed: u64,
    hasher: Sha256Stream,
    scratch: Vec<u8>,
}

const BUFFER: usize = 1 << 20;
/// Ranges are read back for hashing in chunks that stay in L2: the read's copy and the hash
/// then touch memory once, which halves the cost on a machine with little bandwidth.
const HASH_CHUNK: usize = 128 << 10;
/// Copied ranges at least this large are hashed on a second thread while the kernel copies.
const PARALLEL_HASH: u64 = 8 << 20;

impl Sink {
    pub fn new(file: File) -> Self {
        Sink {
            file,
            buf: Vec::with_capacity(BUFFER),
            flushed: 0,
            hasher: Sha256Stream::new(),
            scratch: vec![0; HASH_CHUNK],
        }
    }

    fn flush_buf(&mut self) -> io::Result<()> {
        self.file.write_all_at(&self.buf, self.flushed)?;
        self.flushed += self.buf.len() as u64;
        self.buf.clear();
        Ok(())
    }

    /// Appends `len` bytes of `from` at `offset`, copied in the kernel. `checkpoints`: when
    /// this is the archive's first range and it is the start of `from` (so the bytes and their
    /// offsets are the same), the SHA-256 states `from` recorded; hashing resumes from the last
    /// one inside the range instead of reading the range again.
    pub fn copy_range(
        &mut self,
        from: &File,
        offset: u64,
        len: u64,
        checkpoints: Option<&[ShaState]>,
    ) -> io::Result<()> {
        self.flush_buf()?;
        let start = self.flushed;
        // What to hash: from the last usable checkpoint when the range is the archive's prefix.
        let mut hash_from = offset;
        if let Some(cps) = checkpoints
            && start == 0
            && offset == 0
            && self.hasher.bytes_hashed() == 0
        {
            let usable = ((len / CHECKPOINT_EVERY) as usize).min(cps.len());
            self.hasher = Sha256Stream::resume(&cps[..usable]);
            hash_from = usable as u64 * CHECKPOINT_EVERY;
        }
        let end = offset + len;
        let hash = |hasher: &mut Sha256Stream, scratch: &mut [u8]| -> io::Result<()> {
            let mut at = hash_from;
            while at < end {
                let n = (end - at).min(scratch.len() as u64) as usize;
                from.read_exact_at(&mut scratch[..n], at)?;
                hasher.update(&scratch[..n]);
                at += n as u64;
            }
            Ok(())
        };
        let copy = |file: &File| -> io::Result<Option<()>> {
            let mut copied = 0u64;
            while copied < len {
                let (mut off_in, mut off_out) = (offset + copied, start + copied);
                let want = (len - copied).min(1 << 30) as usize;
                match rustix::fs::copy_file_range(from, Some(&mut off_in), file, Some(&mut off_out), want) {
                    Ok(0) => return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the source range ended early")),
                    Ok(n) => copied += n as u64,
                    // Another file system, or an old kernel: copy through user space.
                    Err(e)
                        if copied == 0
                            && [rustix::io::Errno::XDEV, rustix::io::Errno::NOSYS, rustix::io::Errno::INVAL]
                                .contains(&e) =>
                    {
                        return Ok(None);
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            Ok(Some(()))
        };
        // Large ranges are copied (in the kernel) and hashed (reading them back) on two cores.
        let copied = if end - hash_from >= PARALLEL_HASH {
            let (hasher, scratch, file) = (&mut self.hasher, &mut self.scratch, &self.file);
            std::thread::scope(|s| {
                let hashing = s.spawn(|| hash(hasher, scratch));
                let copied = copy(file);
                hashing.join().expect("the hashing thread does not panic")?;
                copied
            })?
        } else {
            let copied = copy(&self.file)?;
            hash(&mut self.hasher, &mut self.scratch)?;
            copied
        };
        if copied.is_none() {
            // Write through user space, without hashing again.
            let mut chunk = vec![0u8; BUFFER];
            let mut done = 0u64;
            while done < len {
                let n = (len - done).min(chunk.len() as u64) as usize;
                from.read_exact_at(&mut chunk[..n], offset + done)?;
                self.file.write_all_at(&chunk[..n], start + done)?;
                done += n as u64;
            }
        }
        self.flushed += len;
        Ok(())
    }

    /// Flushes and returns the file, the archive's SHA-256 and the checkpoints.
    pub fn finish(mut self) -> io::Result<(File, Digest, Vec<ShaState>)> {
        self.flush_buf()?;
        let (digest, checkpoints) = self.hasher.finish();
        Ok((self.file, digest, checkpoints))
    }
}

impl Write for Sink {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.hasher.update(data);
        if self.buf.len() + data.len() > BUFFER {
            self.flush_buf()?;
        }
        if data.len() >= BUFFER {
            self.file.write_all_at(data, self.flushed)?;
            self.flushed += data.len() as u64;
        } else {
            self.buf.extend_from_slice(data);
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.flush_buf()
    }
}

#[cfg(test)]
mod tests {
    use sha2::{Digest as _, Sha256};

    use super::*;

    fn data(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 7 + i / 3) as u8).collect()
    }

    #[test]
    fn matches_sha2_in_any_chunking() {
        for len in [0, 1, 55, 56, 63, 64, 65, 1000, (3 << 20) + 17] {
            let d = data(len);
            let expected = Digest(Sha256::digest(&d).into());
            for chunk in [1, 63, 64, 4096, 1 << 20] {
                let mut s = Sha256Stream::new();
                for c in d.chunks(chunk.max(1)) {
                    s.update(c);
                }
                let (got, checkpoints) = s.finish();
                assert_eq!(got, expected, "len {len}, chunk {chunk}");
                assert_eq!(checkpoints.len() as u64, len as u64 / CHECKPOINT_EVERY);
            }
        }
    }

    #[test]
    fn resumes_from_a_checkpoint() {
        let d = data((5 << 20) + 123);
        let mut full = Sha256Stream::new();
        full.update(&d);
        let (expected, checkpoints) = full.finish();
        let mut resumed = Sha256Stream::resume(&checkpoints[..3]);
        resumed.update(&d[3 << 20..]);
        assert_eq!(resumed.finish().0, expected);
    }

    #[test]
    fn copies_hash_like_writes() {
        let dir = tempfile::tempdir().unwrap();
        let d = data((3 << 20) + 500);
        let src_path = dir.path().join("src");
        std::fs::write(&src_path, &d).unwrap();
        let (_, checkpoints) = {
            let mut s = Sha256Stream::new();
            s.update(&d);
            s.finish()
        };
        let src = File::open(&src_path).unwrap();
        let mut sink = Sink::new(File::create(dir.path().join("out")).unwrap());
        sink.copy_range(&src, 0, (2 << 20) + 10, Some(&checkpoints)).unwrap();
        sink.write_all(b"fresh bytes").unwrap();
        sink.copy_range(&src, 100, 1000, None).unwrap();
        let (_, digest, _) = sink.finish().unwrap();
        let mut expected = d[..(2 << 20) + 10].to_vec();
        expected.extend_from_slice(b"fresh bytes");
        expected.extend_from_slice(&d[100..1100]);
        assert_eq!(std::fs::read(dir.path().join("out")).unwrap(), expected);
        assert_eq!(digest, Digest(Sha256::digest(&expected).into()));
    }
}
