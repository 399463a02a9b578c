//! A zip writer for reproducible archives: nothing in the bytes depends on the machine, the
//! time or the order work finished in.
//!
//! - Every entry is a regular file; there are no directory entries (unzip and Python create
//!   parent directories themselves), so the archive depends only on the files.
//! - Timestamps are fixed at 1980-01-01 00:00:00, the earliest DOS date.
//! - Unix modes are `0100644` or `0100755`; "made by" is Unix, so extractors apply them.
//! - No extra fields except ZIP64's, which carry no time, uid or gid.
//! - Names are UTF-8 (flag bit 11) with `/` separators.
//! - Sizes and CRCs are known before an entry is written (entries are compressed first), so
//!   there are no data descriptors.
//! - ZIP64 records appear exactly when a count, size or offset does not fit 16/32 bits.

use std::io::{self, Write};

/// How an entry's data is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Stored,
    Deflated,
}

impl Method {
    /// The method's number in zip headers.
    pub fn code(self) -> u16 {
        match self {
            Method::Stored => 0,
            Method::Deflated => 8,
        }
    }

    /// The method numbered `code`, if hangar writes it.
    pub fn from_code(code: u16) -> Option<Method> {
        [Method::Stored, Method::Deflated].into_iter().find(|m| m.code() == code)
    }
}

/// What the headers of one entry say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryHeader {
    pub name: String,
    pub executable: bool,
    pub method: Method,
    pub crc32: u32,
    pub compressed_size: u64,
    pub uncompressed_size: u64,
}

/// DOS time 00:00:00 and date 1980-01-01.
const DOS_TIME: u16 = 0;
const DOS_DATE: u16 = (1 << 5) | 1;
/// Bit 11: names are UTF-8.
const FLAGS: u16 = 1 << 11;
const VERSION_DEFAULT: u16 = 20;
const VERSION_ZIP64: u16 = 45;
/// "Made by" Unix (3), so the external attributes hold a Unix mode.
const MADE_BY_UNIX: u16 = 3 << 8;
const U32_MAX: u64 = 0xFFFF_FFFF;

struct Central {
    header: EntryHeader,
    offset: u64,
}

/// Writes entries in the order given, then the central directory.
pub struct ZipWriter<W: Write> {
    out: W,
    offset: u64,
    central: Vec<Central>,
}

impl<W: Write> ZipWriter<W> {
    pub fn new(out: W) -> Self {
        ZipWriter { out, offset: 0, central: Vec::new() }
    }

    /// Bytes written so far.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    fn put(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.offset += bytes.len() as u64;
        Ok(())
    }

    /// Writes the local header of an entry; its data must follow, through [`write_data`].
    /// Returns the offset where the data starts.
    pub fn start_entry(&mut self, header: EntryHeader) -> io::Result<u64> {
        let zip64 = header.compressed_size >= U32_MAX || header.uncompressed_size >= U32_MAX;
        let mut h = Vec::with_capacity(30 + header.name.len() + 20);
        h.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        h.extend_from_slice(&(if zip64 { VERSION_ZIP64 } else { VERSION_DEFAULT }).to_le_bytes());
        h.extend_from_slice(&FLAGS.to_le_bytes());
        h.extend_from_slice(&header.method.code().to_le_bytes());
        h.extend_from_slice(&DOS_TIME.to_le_bytes());
        h.extend_from_slice(&DOS_DATE.to_le_bytes());
        h.extend_from_slice(&header.crc32.to_le_bytes());
        let (csize, usize_) = if zip64 {
            (U32_MAX as u32, U32_MAX as u32)
        } else {
            (header.compressed_size as u32, header.uncompressed_size as u32)
        };
        h.extend_from_slice(&csize.to_le_bytes());
        h.extend_from_slice(&usize_.to_le_bytes());
        h.extend_from_slice(&(header.name.len() as u16).to_le_bytes());
        h.extend_from_slice(&(if zip64 { 20u16 } else { 0 }).to_le_bytes());
        h.extend_from_slice(header.name.as_bytes());
        if zip64 {
            h.extend_from_slice(&0x0001u16.to_le_bytes());
            h.extend_from_slice(&16u16.to_le_bytes());
            h.extend_from_slice(&header.uncompressed_size.to_le_bytes());
            h.extend_from_slice(&header.compressed_size.to_le_bytes());
        }
        let offset = self.offset;
        self.put(&h)?;
        self.central.push(Central { header, offset });
        Ok(self.offset)
    }

    /// Writes (part of) the data of the entry last started, or raw bytes of entries copied
    /// whole from another archive (then [`record_entry`](Self::record_entry) each).
    pub fn write_data(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.put(bytes)
    }

    /// Appends `len` bytes through `write` directly on the output (copied entries); then
    /// [`record_entry`](Self::record_entry) each entry they hold.
    pub fn append_with(&mut self, len: u64, write: impl FnOnce(&mut W) -> io::Result<()>) -> io::Result<()> {
        write(&mut self.out)?;
        self.offset += len;
        Ok(())
    }

    /// Records an entry whose local header and data were written as raw bytes at
    /// `header_offset`.
    pub fn record_entry(&mut self, header: EntryHeader, header_offset: u64) {
        self.central.push(Central { header, offset: header_offset });
    }

    /// Writes the central directory and the end records; returns the writer and the size.
    pub fn finish(mut self) -> io::Result<(W, u64)> {
        let cd_start = self.offset;
        let central = std::mem::take(&mut self.central);
        let mut buf = Vec::with_capacity(64 * 1024);
        for c in &central {
            let h = &c.header;
            let mut extra = Vec::new();
            let usize_ = if h.uncompressed_size >= U32_MAX {
                extra.extend_from_slice(&h.uncompressed_size.to_le_bytes());
                U32_MAX as u32
            } else {
                h.uncompressed_size as u32
            };
            let csize = if h.compressed_size >= U32_MAX {
                extra.extend_from_slice(&h.compressed_size.to_le_bytes());
                U32_MAX as u32
            } else {
                h.compressed_size as u32
            };
            let offset = if c.offset >= U32_MAX {
                extra.extend_from_slice(&c.offset.to_le_bytes());
                U32_MAX as u32
            } else {
                c.offset as u32
            };
            let zip64 = !extra.is_empty();
            let version = if zip64 { VERSION_ZIP64 } else { VERSION_DEFAULT };
            let mode: u32 = if h.executable { 0o100755 } else { 0o100644 };
            buf.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
            buf.extend_from_slice(&(MADE_BY_UNIX | version).to_le_bytes());
            buf.extend_from_slice(&version.to_le_bytes());
            buf.extend_from_slice(&FLAGS.to_le_bytes());
            buf.extend_from_slice(&h.method.code().to_le_bytes());
            buf.extend_from_slice(&DOS_TIME.to_le_bytes());
            buf.extend_from_slice(&DOS_DATE.to_le_bytes());
            buf.extend_from_slice(&h.crc32.to_le_bytes());
            buf.extend_from_slice(&csize.to_le_bytes());
            buf.extend_from_slice(&usize_.to_le_bytes());
            buf.extend_from_slice(&(h.name.len() as u16).to_le_bytes());
            let extra_len = if zip64 { 4 + extra.len() } else { 0 };
            buf.extend_from_slice(&(extra_len as u16).to_le_bytes());
            buf.extend_from_slice(&0u16.to_le_bytes()); // comment length
            buf.extend_from_slice(&0u16.to_le_bytes()); // disk number
            buf.extend_from_slice(&0u16.to_le_bytes()); // internal attributes
            buf.extend_from_slice(&(mode << 16).to_le_bytes());
            buf.extend_from_slice(&offset.to_le_bytes());
            buf.extend_from_slice(h.name.as_bytes());
            if zip64 {
                buf.extend_from_slice(&0x0001u16.to_le_bytes());
                buf.extend_from_slice(&(extra.len() as u16).to_le_bytes());
                buf.extend_from_slice(&extra);
            }
            if buf.len() >= 60 * 1024 {
                self.put(&buf)?;
                buf.clear();
            }
        }
        self.put(&buf)?;
        let cd_size = self.offset - cd_start;
        let count = central.len() as u64;

        let zip64 = count >= 0xFFFF || cd_size >= U32_MAX || cd_start >= U32_MAX;
        let mut end = Vec::with_capacity(98);
        if zip64 {
            let record_offset = self.offset;
            end.extend_from_slice(&0x0606_4b50u32.to_le_bytes());
            end.extend_from_slice(&44u64.to_le_bytes()); // size of the rest of the record
            end.extend_from_slice(&(MADE_BY_UNIX | VERSION_ZIP64).to_le_bytes());
            end.extend_from_slice(&VERSION_ZIP64.to_le_bytes());
            end.extend_from_slice(&0u32.to_le_bytes()); // this disk
            end.extend_from_slice(&0u32.to_le_bytes()); // disk with the central directory
            end.extend_from_slice(&count.to_le_bytes());
            end.extend_from_slice(&count.to_le_bytes());
            end.extend_from_slice(&cd_size.to_le_bytes());
            end.extend_from_slice(&cd_start.to_le_bytes());
            end.extend_from_slice(&0x0706_4b50u32.to_le_bytes());
            end.extend_from_slice(&0u32.to_le_bytes());
            end.extend_from_slice(&record_offset.to_le_bytes());
            end.extend_from_slice(&1u32.to_le_bytes()); // total disks
        }
        let count16 = if count >= 0xFFFF { 0xFFFF } else { count as u16 };
        end.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        end.extend_from_slice(&0u16.to_le_bytes());
        end.extend_from_slice(&0u16.to_le_bytes());
        end.extend_from_slice(&count16.to_le_bytes());
        end.extend_from_slice(&count16.to_le_bytes());
        end.extend_from_slice(&(cd_size.min(U32_MAX) as u32).to_le_bytes());
        end.extend_from_slice(&(cd_start.min(U32_MAX) as u32).to_le_bytes());
        end.extend_from_slice(&0u16.to_le_bytes()); // comment length
        self.put(&end)?;
        self.out.flush()?;
        Ok((self.out, self.offset))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_entry_and_the_end_record() {
        let mut w = ZipWriter::new(Vec::new());
        let header = EntryHeader {
            name: "a".into(),
            executable: true,
            method: Method::Stored,
            crc32: 0,
            compressed_size: 0,
            uncompressed_size: 0,
        };
        assert_eq!(w.start_entry(header).unwrap(), 31);
        let (bytes, size) = w.finish().unwrap();
        assert_eq!(size as usize, bytes.len());
        assert_eq!(bytes.len(), 31 + 47 + 22);
        assert_eq!(&bytes[..4], b"PK\x03\x04");
        assert_eq!(&bytes[31..35], b"PK\x01\x02");
        // external attributes: regular file, 0755
        assert_eq!(u32::from_le_bytes(bytes[31 + 38..31 + 42].try_into().unwrap()), 0o100755 << 16);
        assert_eq!(&bytes[78..82], b"PK\x05\x06");
    }
}
