//! Image layers made reproducible: the tar of a layer a build added rewritten in one canonical
//! form, and every layer compressed the same way on every machine.
//!
//! BuildKit's layers carry the build's clock (the directories a step touched, the files a RUN
//! wrote) and the header dialect of the engine's tar writer. [`canonical`] keeps the order of
//! the entries (whiteouts stay where the engine put them) and what they are (path, type, mode,
//! owner, size, content, link target, device numbers, extended attributes) and rewrites the rest:
//! file times clamped to the epoch, access and change times dropped, no user or group names,
//! headers written by one writer. [`compress`] is gzip with a fixed header (no name, no time),
//! one member, level 6, so a layer's blob digest is a function of its tar alone.

use std::io::{self, Read, Write};
use std::path::Path;

use flate2::{Compression, GzBuilder};
use sha2::{Digest as _, Sha256};

use crate::util::digest::Digest;

/// A writer that hashes what passes through it and counts it.
pub(crate) struct Hashing<W> {
    inner: W,
    sha: Sha256,
    len: u64,
}

impl<W: Write> Hashing<W> {
    pub(crate) fn new(inner: W) -> Self {
        Hashing { inner, sha: Sha256::new(), len: 0 }
    }

    /// The writer, the SHA-256 and the length of what was written.
    pub(crate) fn finish(self) -> (W, Digest, u64) {
        (self.inner, Digest(self.sha.finalize().into()), self.len)
    }
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.sha.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A layer written as a blob: the digest of its tar (the config's `diff_id`), and the digest
/// and size of its compressed form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Written {
    pub diff_id: Digest,
    pub digest: Digest,
    pub size: u64,
}

/// Compresses the tar `layer` into `out` as it is.
pub(crate) fn compress(mut layer: impl Read, out: impl Write) -> io::Result<Written> {
    let mut tar = Hashing::new(gzip(Hashing::new(out)));
    io::copy(&mut layer, &mut tar)?;
    finish(tar)
}

/// Rewrites the tar `layer` into its canonical form (times clamped to `epoch`) and compresses
/// it into `out`.
pub(crate) fn canonical(layer: impl Read, out: impl Write, epoch: u64) -> io::Result<Written> {
    let mut builder = tar::Builder::new(Hashing::new(gzip(Hashing::new(out))));
    let mut archive = tar::Archive::new(layer);
    for entry in archive.entries()? {
        let mut entry = entry?;
        let kind = entry.header().entry_type();
        if matches!(kind, tar::EntryType::XGlobalHeader) {
            continue;
        }
        // Extended attributes (file capabilities among them) are content; the other records
        // (times, names, sizes) are the writer's and are written anew below.
        let mut xattrs: Vec<(String, Vec<u8>)> = Vec::new();
        let (mut uid, mut gid) = (entry.header().uid()?, entry.header().gid()?);
        if let Some(pax) = entry.pax_extensions()? {
            for record in pax {
                let record = record?;
                let Ok(key) = record.key() else { continue };
                match key {
                    "uid" => uid = parse_or(record.value_bytes(), uid),
                    "gid" => gid = parse_or(record.value_bytes(), gid),
                    k if k.starts_with("SCHILY.xattr.") || k.starts_with("LIBARCHIVE.xattr.") => {
                        xattrs.push((k.to_owned(), record.value_bytes().to_vec()));
                    }
                    _ => {}
                }
            }
        }
        xattrs.sort();
        let path = bytes_path(&entry.path_bytes()).to_path_buf();
        let link = entry.link_name_bytes().map(|l| bytes_path(&l).to_path_buf());
        let header = entry.header();
        let mut out = tar::Header::new_gnu();
        out.set_entry_type(kind);
        out.set_mode(header.mode()?);
        out.set_uid(uid);
        out.set_gid(gid);
        out.set_mtime(header.mtime()?.min(epoch));
        if matches!(kind, tar::EntryType::Char | tar::EntryType::Block) {
            out.set_device_major(header.device_major()?.unwrap_or(0))?;
            out.set_device_minor(header.device_minor()?.unwrap_or(0))?;
        }
        if !xattrs.is_empty() {
            builder.append_pax_extensions(xattrs.iter().map(|(k, v)| (k.as_str(), v.as_slice())))?;
        }
        match (kind, link) {
            (tar::EntryType::Link | tar::EntryType::Symlink, Some(target)) => {
                out.set_size(0);
                builder.append_link(&mut out, &path, &target)?;
            }
            _ => {
                out.set_size(entry.size());
                builder.append_data(&mut out, &path, &mut entry)?;
            }
        }
    }
    builder.finish()?;
    finish(builder.into_inner()?)
}

fn gzip<W: Write>(out: W) -> flate2::write::GzEncoder<W> {
    // No file name, time 0, "unknown" OS: the header says nothing about this machine.
    GzBuilder::new().mtime(0).operating_system(255).write(out, Compression::new(6))
}

fn finish<W: Write>(tar: Hashing<flate2::write::GzEncoder<Hashing<W>>>) -> io::Result<Written> {
    let (gz, diff_id, _) = tar.finish();
    let (mut out, digest, size) = gz.finish()?.finish();
    out.flush()?;
    Ok(Written { diff_id, digest, size })
}

fn parse_or(value: &[u8], default: u64) -> u64 {
    std::str::from_utf8(value).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[cfg(unix)]
fn bytes_path(bytes: &[u8]) -> &Path {
    use std::os::unix::ffi::OsStrExt;
    Path::new(std::ffi::OsStr::from_bytes(bytes))
}

#[cfg(not(unix))]
fn bytes_path(bytes: &[u8]) -> &Path {
    Path::new(std::str::from_utf8(bytes).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A layer as an engine would write it: PAX times with fractions, names, a long path, a
    /// symlink, a hard link, a whiteout and an extended attribute.
    fn layer(mtime: u64, atime: &str) -> Vec<u8> {
        let header = |mut h: tar::Header, kind, mode, size| {
            h.set_entry_type(kind);
            h.set_mode(mode);
            h.set_uid(0);
            h.set_gid(0);
            h.set_mtime(mtime);
            h.set_size(size);
            h
        };
        let mut b = tar::Builder::new(Vec::new());
        let mut dir = header(tar::Header::new_ustar(), tar::EntryType::Directory, 0o755, 0);
        dir.set_username("root").unwrap();
        b.append_pax_extensions([("mtime", format!("{mtime}.123").as_bytes()), ("atime", atime.as_bytes())]).unwrap();
        b.append_data(&mut dir, "app/", io::empty()).unwrap();
        let long = format!("app/{}/x.py", "d".repeat(120));
        let mut file = header(tar::Header::new_gnu(), tar::EntryType::Regular, 0o644, 5);
        b.append_pax_extensions([("SCHILY.xattr.security.capability", &b"\x01\x02"[..])]).unwrap();
        b.append_data(&mut file, &long, &b"hello"[..]).unwrap();
        let mut link = header(tar::Header::new_gnu(), tar::EntryType::Symlink, 0o777, 0);
        b.append_link(&mut link, "app/latest", "x.py").unwrap();
        let mut hard = header(tar::Header::new_gnu(), tar::EntryType::Link, 0o644, 0);
        b.append_link(&mut hard, "app/same.py", &long).unwrap();
        let mut wh = header(tar::Header::new_gnu(), tar::EntryType::Regular, 0o644, 0);
        b.append_data(&mut wh, "etc/.wh.motd", io::empty()).unwrap();
        b.into_inner().unwrap()
    }

    /// Each entry's path, mtime and PAX records.
    type Entry = (String, u64, Vec<(String, Vec<u8>)>);

    fn entries(tar: &[u8]) -> Vec<Entry> {
        let mut archive = tar::Archive::new(tar);
        archive
            .entries()
            .unwrap()
            .map(|e| {
                let mut e = e.unwrap();
                let pax = e
                    .pax_extensions()
                    .unwrap()
                    .map(|p| {
                        p.map(|r| r.unwrap()).map(|r| (r.key().unwrap().to_owned(), r.value_bytes().to_vec())).collect()
                    })
                    .unwrap_or_default();
                (String::from_utf8_lossy(&e.path_bytes()).into_owned(), e.header().mtime().unwrap(), pax)
            })
            .collect()
    }

    fn gunzip(blob: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(blob).read_to_end(&mut out).unwrap();
        out
    }

    #[test]
    fn build_times_do_not_reach_the_blob() {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let wa = canonical(&layer(1_700_000_000, "1700000001.5")[..], &mut a, 0).unwrap();
        let wb = canonical(&layer(1_800_000_000, "1800000009.25")[..], &mut b, 0).unwrap();
        assert_eq!(wa, wb, "two builds at different times give one blob");
        assert_eq!(a, b);
        assert_eq!(wa.digest, Digest::of(&a));
        assert_eq!(wa.size, a.len() as u64);
        let tar = gunzip(&a);
        assert_eq!(wa.diff_id, Digest::of(&tar));
        let found = entries(&tar);
        let long = format!("app/{}/x.py", "d".repeat(120));
        let names: Vec<_> = found.iter().map(|e| e.0.as_str()).collect();
        assert_eq!(names, ["app/", long.as_str(), "app/latest", "app/same.py", "etc/.wh.motd"], "order kept");
        assert!(found.iter().all(|e| e.1 == 0), "times clamped: {found:?}");
        assert_eq!(found[1].2, [("SCHILY.xattr.security.capability".to_owned(), vec![1, 2])], "xattrs kept");
        assert!(found[0].2.is_empty(), "atime and fractional mtime dropped");
    }

    #[test]
    fn times_before_the_epoch_are_kept() {
        let mut out = Vec::new();
        canonical(&layer(1_000, "1")[..], &mut out, 5_000).unwrap();
        assert!(entries(&gunzip(&out)).iter().take(3).all(|e| e.1 == 1_000));
        let mut later = Vec::new();
        canonical(&layer(9_000, "1")[..], &mut later, 5_000).unwrap();
        assert!(entries(&gunzip(&later)).iter().take(3).all(|e| e.1 == 5_000));
    }

    #[test]
    fn compression_is_a_function_of_the_tar() {
        let tar = layer(1, "1");
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let wa = compress(&tar[..], &mut a).unwrap();
        compress(&tar[..], &mut b).unwrap();
        assert_eq!(a, b);
        assert_eq!(wa.diff_id, Digest::of(&tar));
        assert_eq!(&a[..10], &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255], "no name, no time, unknown OS");
        assert_eq!(gunzip(&a), tar);
    }
}
