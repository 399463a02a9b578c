//! Content hashing: SHA-256 of files, streamed, in parallel across files.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use sha2::{Digest as _, Sha256};

use super::select::SelectedFile;
use crate::digest::Digest;

/// Read size for hashing: large enough that syscalls vanish next to SHA-256, small enough to
/// stay in L2.
const CHUNK: usize = 256 * 1024;

/// A file that could not be hashed.
#[derive(Debug, thiserror::Error)]
#[error("cannot read {}: {source}", path.display())]
pub struct HashError {
    pub path: PathBuf,
    #[source]
    pub source: io::Error,
}

/// SHA-256 of a file's content, streamed in fixed-size chunks.
pub fn hash_file(path: &Path) -> Result<Digest, HashError> {
    let err = |source| HashError { path: path.to_path_buf(), source };
    let mut file = File::open(path).map_err(err)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(err(e)),
        }
    }
    Ok(Digest(hasher.finalize().into()))
}

/// Hashes `files` on all cores; the result is in the same order.
pub fn hash_files(files: &[SelectedFile]) -> Result<Vec<Digest>, HashError> {
    files.par_iter().map(|f| hash_file(&f.path)).collect()
}
