//! Turning one file into one zip entry's data: deflate (libdeflate, level 4) or store.
//!
//! libdeflate compresses a whole buffer at once, faster than zlib at a slightly better ratio;
//! its output depends only on the input and the level (not on the CPU), which reproducible
//! archives need. Files of [`STREAM_THRESHOLD`] or more are not held in memory: they are
//! deflated as a stream (flate2's pure-Rust miniz backend, also CPU-independent) into a
//! temporary file. A file is stored instead of deflated when its extension says it is already
//! compressed, or when deflating would not make it smaller.

use std::cell::RefCell;
use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, Write};
use std::path::Path;

use libdeflater::{CompressionLvl, Compressor, Crc};

use super::zip::Method;
use crate::inputs::{FileStat, SelectedFile};

/// libdeflate's level. Measured on a real vendored agent tree (6,300 files, 173 MB) against
/// Info-ZIP (zlib level 6, 55.49 MB in 6.5 s here): level 4 gives 55.94 MB (+0.8%) in 1.27 s
/// on 2 cores, level 5 55.25 MB in 1.45 s, level 6 54.99 MB in 1.49 s. Level 4 (greedy
/// parsing) is the fastest that stays well inside 2% of zlib's size.
pub(crate) const LEVEL: i32 = 4;

/// Files this large or larger are deflated as a stream instead of in memory.
pub(crate) const STREAM_THRESHOLD: u64 = 32 << 20;

/// Everything that decides an entry's bytes besides its content. A cached entry is reused only
/// when its archive was made with the same settings.
pub(crate) const SETTINGS: &str = "libdeflate-1.26/4; stream>=32MiB miniz/4; store-ext-v1; store-unless-smaller";

/// Extensions of formats that are already compressed: deflating them wastes time.
const STORED_EXTENSIONS: &[&str] = &[
    "7z", "bz2", "egg", "gif", "gz", "jar", "jpeg", "jpg", "lz4", "mp3", "mp4", "png", "tgz", "txz", "webp", "whl",
    "xz", "zip", "zst",
];

/// Whether `name`'s extension marks already-compressed data.
pub(crate) fn is_precompressed(name: &str) -> bool {
    name.rsplit_once('.').is_some_and(|(_, ext)| STORED_EXTENSIONS.iter().any(|s| s.eq_ignore_ascii_case(ext)))
}

/// An entry's data, ready to be written.
pub(crate) enum Data {
    Memory(Vec<u8>),
    /// Large files, compressed into a temporary file.
    File(tempfile::NamedTempFile),
}

/// One compressed (or stored) entry.
pub(crate) struct Compressed {
    pub method: Method,
    pub crc32: u32,
    pub uncompressed_size: u64,
    pub compressed_size: u64,
    pub data: Data,
}

/// Why an entry could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EntryError {
    /// The file was deleted after it was selected.
    #[error("{} vanished while being packaged", .0.display())]
    Vanished(std::path::PathBuf),
    /// The file changed after it was hashed: what would be packaged is not what was hashed.
    #[error("{} changed while being packaged (its size or times differ from when it was hashed); run again", .0.display())]
    Changed(std::path::PathBuf),
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// A large file's compressed data could not be written aside.
    #[error("cannot write a temporary file in {}: {source}", dir.display())]
    Temp {
        /// The directory of temporary files.
        dir: std::path::PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
}

thread_local! {
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    static INPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    static COMPRESSOR: RefCell<Compressor> =
        RefCell::new(Compressor::new(CompressionLvl::new(LEVEL).expect("a valid libdeflate level")));
}

fn open(file: &SelectedFile) -> Result<File, EntryError> {
    File::open(&file.path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => EntryError::Vanished(file.path.clone()),
        _ => EntryError::Read { path: file.path.clone(), source: e },
    })
}

/// After reading: the file must still be what the plan hashed.
fn check_unchanged(f: &File, file: &SelectedFile, read: u64) -> Result<(), EntryError> {
    let meta = f.metadata().map_err(|source| EntryError::Read { path: file.path.clone(), source })?;
    if read != file.stat.size || FileStat::of(&meta) != file.stat {
        return Err(EntryError::Changed(file.path.clone()));
    }
    Ok(())
}

/// Reads and compresses `file`; `tmp_dir` holds large files' temporary data.
pub(crate) fn compress_file(file: &SelectedFile, tmp_dir: &Path) -> Result<Compressed, EntryError> {
    let mut f = open(file)?;
    if file.stat.size >= STREAM_THRESHOLD {
        return compress_stream(&mut f, file, tmp_dir);
    }
    // A per-thread input buffer: fresh large allocations cost a page fault per 4 KiB.
    INPUT.with(|input| {
        let mut content = input.borrow_mut();
        content.clear();
        f.read_to_end(&mut content).map_err(|source| EntryError::Read { path: file.path.clone(), source })?;
        check_unchanged(&f, file, content.len() as u64)?;
        Ok(compress_bytes(&content, is_precompressed(&file.rel)))
    })
}

/// Compresses `content` in memory (stores it when asked, or when deflate does not shrink it).
pub(crate) fn compress_bytes(content: &[u8], store: bool) -> Compressed {
    let crc32 = libdeflater::crc32(content);
    let n = content.len() as u64;
    let stored = |content: &[u8]| Compressed {
        method: Method::Stored,
        crc32,
        uncompressed_size: n,
        compressed_size: n,
        data: Data::Memory(content.to_vec()),
    };
    if store || content.is_empty() {
        return stored(content);
    }
    // The output goes to a per-thread scratch buffer, and only its used part is copied out:
    // cheaper than zeroing a fresh worst-case-sized buffer per file.
    let deflated = COMPRESSOR.with(|c| {
        SCRATCH.with(|scratch| {
            let mut c = c.borrow_mut();
            let mut scratch = scratch.borrow_mut();
            let bound = c.deflate_compress_bound(content.len());
            if scratch.len() < bound {
                scratch.resize(bound, 0);
            }
            let len = c.deflate_compress(content, &mut scratch[..bound]).expect("the bound is always enough");
            (len < content.len()).then(|| scratch[..len].to_vec())
        })
    });
    let Some(deflated) = deflated else { return stored(content) };
    Compressed {
        method: Method::Deflated,
        crc32,
        uncompressed_size: n,
        compressed_size: deflated.len() as u64,
        data: Data::Memory(deflated),
    }
}

enum Pump {
    Read(io::Error),
    Write(io::Error),
}

/// Copies the rest of `from` into `to` in 1 MiB chunks, updating `crc`; returns the bytes copied.
fn pump(from: &mut File, to: &mut impl Write, crc: &mut Crc) -> Result<u64, Pump> {
    let mut buf = vec![0u8; 1 << 20];
    let mut copied = 0u64;
    loop {
        let n = from.read(&mut buf).map_err(Pump::Read)?;
        if n == 0 {
            return Ok(copied);
        }
        crc.update(&buf[..n]);
        copied += n as u64;
        to.write_all(&buf[..n]).map_err(Pump::Write)?;
    }
}

fn compress_stream(f: &mut File, file: &SelectedFile, tmp_dir: &Path) -> Result<Compressed, EntryError> {
    let temp_err = |source| EntryError::Temp { dir: tmp_dir.to_path_buf(), source };
    let read_err = |source| EntryError::Read { path: file.path.clone(), source };
    let store = is_precompressed(&file.rel);
    let tmp = tempfile::NamedTempFile::new_in(tmp_dir).map_err(temp_err)?;
    let mut crc = Crc::new();
    let pump_err = |e: Pump| match e {
        Pump::Read(e) => read_err(e),
        Pump::Write(e) => temp_err(e),
    };
    let w = BufWriter::with_capacity(1 << 20, tmp);
    let (method, read, tmp) = if store {
        let mut w = w;
        let read = pump(f, &mut w, &mut crc).map_err(pump_err)?;
        (Method::Stored, read, w.into_inner().map_err(|e| temp_err(e.into_error()))?)
    } else {
        let mut enc = flate2::write::DeflateEncoder::new(w, flate2::Compression::new(LEVEL as u32));
        let read = pump(f, &mut enc, &mut crc).map_err(pump_err)?;
        let w = enc.finish().map_err(temp_err)?;
        (Method::Deflated, read, w.into_inner().map_err(|e| temp_err(e.into_error()))?)
    };
    check_unchanged(f, file, read)?;
    let mut tmp = tmp;
    let compressed_size = tmp.as_file().metadata().map_err(temp_err)?.len();
    if method == Method::Deflated && compressed_size >= read {
        // Deflate did not help: store the bytes instead (read again, and checked again).
        tmp.as_file_mut().set_len(0).map_err(temp_err)?;
        tmp.as_file_mut().rewind().map_err(temp_err)?;
        f.rewind().map_err(read_err)?;
        let copied = io::copy(f, tmp.as_file_mut()).map_err(read_err)?;
        check_unchanged(f, file, copied)?;
        return Ok(Compressed {
            method: Method::Stored,
            crc32: crc.sum(),
            uncompressed_size: read,
            compressed_size: read,
            data: Data::File(tmp),
        });
    }
    Ok(Compressed { method, crc32: crc.sum(), uncompressed_size: read, compressed_size, data: Data::File(tmp) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::select;
    use crate::patterns::Selector;

    /// Faults name the path: a file that vanished or changed after it was hashed, one that
    /// cannot be read.
    #[test]
    fn faults_name_the_path() {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in [("a.py", "A = 1\n"), ("b.py", "B = 2\n"), ("c.py", "C = 3\n")] {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let files = select(dir.path(), &Selector::package(None).unwrap()).unwrap();
        let tmp = dir.path();

        std::fs::remove_file(dir.path().join("a.py")).unwrap();
        let e = compress_file(&files[0], tmp).err().expect("a vanished file is an error");
        assert!(
            matches!(e, EntryError::Vanished(_))
                && e.to_string().contains("a.py")
                && e.to_string().contains("vanished"),
            "{e}"
        );

        std::fs::write(dir.path().join("b.py"), "B = 22222\n").unwrap();
        let e = compress_file(&files[1], tmp).err().expect("a changed file is an error");
        assert!(
            matches!(e, EntryError::Changed(_)) && e.to_string().contains("b.py") && e.to_string().contains("changed"),
            "{e}"
        );

        // A directory where the file was: reading it fails (root reads anything, so chmod 000
        // would not).
        std::fs::remove_file(dir.path().join("c.py")).unwrap();
        std::fs::create_dir(dir.path().join("c.py")).unwrap();
        let e = compress_file(&files[2], tmp).err().expect("an unreadable file is an error");
        assert!(e.to_string().contains("cannot read") && e.to_string().contains("c.py"), "{e}");
    }

    #[test]
    fn stores_what_does_not_shrink() {
        assert_eq!(compress_bytes(b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false).method, Method::Deflated);
        assert_eq!(compress_bytes(b"ab", false).method, Method::Stored, "two bytes cannot shrink");
        assert_eq!(compress_bytes(b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", true).method, Method::Stored);
        assert_eq!(compress_bytes(b"", false).method, Method::Stored);
        assert!(is_precompressed("pkg/numpy-2.0-cp313-cp313-manylinux2014_aarch64.whl"));
        assert!(is_precompressed("static/logo.PNG"));
        assert!(!is_precompressed("agent.py"));
    }
}
