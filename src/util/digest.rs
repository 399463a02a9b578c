//! SHA-256 digests: content hashes of files and input hashes of assets.

use std::fmt;

use sha2::{Digest as _, Sha256};

/// A SHA-256 digest, shown as 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Digest(pub [u8; 32]);

impl Digest {
    /// The SHA-256 of `bytes`.
    pub fn of(bytes: &[u8]) -> Digest {
        Digest(Sha256::digest(bytes).into())
    }

    /// The 64 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }

    /// The first `n` hex digits, for names that must stay short.
    pub fn short(&self, n: usize) -> String {
        let mut s = self.to_hex();
        s.truncate(n);
        s
    }

    /// Parses 64 hex digits.
    pub fn from_hex(s: &str) -> Option<Digest> {
        if s.len() != 64 {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(Digest(out))
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({})", self.short(12))
    }
}

impl serde::Serialize for Digest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    s
}

/// Builds an input hash from framed fields, so that no two different inputs hash alike
/// (each field is length-prefixed).
pub struct Hasher {
    sha: Sha256,
    /// Fields are gathered here and hashed in large pieces: an input hash is thousands of
    /// small fields, and SHA-256 runs several times faster over many blocks at once.
    buf: Vec<u8>,
}

const HASHER_BUFFER: usize = 64 << 10;

impl Hasher {
    /// A hasher for one kind of input; `domain` keeps kinds apart (`hangar/code/v1`).
    pub fn new(domain: &str) -> Self {
        let mut h = Hasher { sha: Sha256::new(), buf: Vec::with_capacity(HASHER_BUFFER) };
        h.field(domain.as_bytes());
        h
    }

    pub fn field(&mut self, bytes: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        if self.buf.len() + bytes.len() > HASHER_BUFFER {
            self.sha.update(&self.buf);
            self.buf.clear();
            self.sha.update(bytes);
        } else {
            self.buf.extend_from_slice(bytes);
        }
        self
    }

    pub fn str(&mut self, s: &str) -> &mut Self {
        self.field(s.as_bytes())
    }

    pub fn finish(mut self) -> Digest {
        self.sha.update(&self.buf);
        Digest(self.sha.finalize().into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The buffering inside [`Hasher`] never changes a hash: it equals SHA-256 over the
    /// length-prefixed fields, whatever their sizes (small, and larger than the buffer).
    #[test]
    fn hasher_is_sha256_of_framed_fields() {
        let fields: Vec<Vec<u8>> =
            (0..5000usize).map(|i| vec![(i % 251) as u8; if i % 1000 == 7 { 100_000 } else { i % 97 }]).collect();
        let mut h = Hasher::new("test/v1");
        let mut framed = Vec::new();
        for part in std::iter::once(&b"test/v1"[..]).chain(fields.iter().map(Vec::as_slice)) {
            framed.extend_from_slice(&(part.len() as u64).to_le_bytes());
            framed.extend_from_slice(part);
        }
        for f in &fields {
            h.field(f);
        }
        assert_eq!(h.finish(), Digest::of(&framed));
    }
}
