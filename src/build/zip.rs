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

use crate::util::codec::Put;

/// How an entry's data is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
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
pub(crate) struct EntryHeader {
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
pub(crate) struct ZipWriter<W: Write> {
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
        h.put_u32(0x0403_4b50);
        h.put_u16(if zip64 { VERSION_ZIP64 } else { VERSION_DEFAULT });
        h.put_u16(FLAGS);
        h.put_u16(header.method.code());
        h.put_u16(DOS_TIME);
        h.put_u16(DOS_DATE);
        h.put_u32(header.crc32);
        if zip64 {
            h.put_u32(U32_MAX as u32);
            h.put_u32(U32_MAX as u32);
        } else {
            h.put_u32(header.compressed_size as u32);
            h.put_u32(header.uncompressed_size as u32);
        }
        h.put_u16(header.name.len() as u16);
        h.put_u16(if zip64 { 20 } else { 0 });
        h.put_bytes(header.name.as_bytes());
        if zip64 {
            h.put_u16(0x0001);
            h.put_u16(16);
            h.put_u64(header.uncompressed_size);
            h.put_u64(header.compressed_size);
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
            // ZIP64 fields, in the order the format lists them, for what does not fit 32 bits.
            let mut extra = Vec::new();
            let mut fit = |v: u64| {
                if v >= U32_MAX {
                    extra.put_u64(v);
                    U32_MAX as u32
                } else {
                    v as u32
                }
            };
            let (usize_, csize, offset) = (fit(h.uncompressed_size), fit(h.compressed_size), fit(c.offset));
            let zip64 = !extra.is_empty();
            let version = if zip64 { VERSION_ZIP64 } else { VERSION_DEFAULT };
            let mode: u32 = if h.executable { 0o100755 } else { 0o100644 };
            buf.put_u32(0x0201_4b50);
            buf.put_u16(MADE_BY_UNIX | version);
            buf.put_u16(version);
            buf.put_u16(FLAGS);
            buf.put_u16(h.method.code());
            buf.put_u16(DOS_TIME);
            buf.put_u16(DOS_DATE);
            buf.put_u32(h.crc32);
            buf.put_u32(csize);
            buf.put_u32(usize_);
            buf.put_u16(h.name.len() as u16);
            buf.put_u16(if zip64 { 4 + extra.len() as u16 } else { 0 });
            buf.put_u16(0); // comment length
            buf.put_u16(0); // disk number
            buf.put_u16(0); // internal attributes
            buf.put_u32(mode << 16);
            buf.put_u32(offset);
            buf.put_bytes(h.name.as_bytes());
            if zip64 {
                buf.put_u16(0x0001);
                buf.put_u16(extra.len() as u16);
                buf.put_bytes(&extra);
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
            end.put_u32(0x0606_4b50);
            end.put_u64(44); // size of the rest of the record
            end.put_u16(MADE_BY_UNIX | VERSION_ZIP64);
            end.put_u16(VERSION_ZIP64);
            end.put_u32(0); // this disk
            end.put_u32(0); // disk with the central directory
            end.put_u64(count);
            end.put_u64(count);
            end.put_u64(cd_size);
            end.put_u64(cd_start);
            end.put_u32(0x0706_4b50);
            end.put_u32(0);
            end.put_u64(record_offset);
            end.put_u32(1); // total disks
        }
        let count16 = if count >= 0xFFFF { 0xFFFF } else { count as u16 };
        end.put_u32(0x0605_4b50);
        end.put_u16(0);
        end.put_u16(0);
        end.put_u16(count16);
        end.put_u16(count16);
        end.put_u32(cd_size.min(U32_MAX) as u32);
        end.put_u32(cd_start.min(U32_MAX) as u32);
        end.put_u16(0); // comment length
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
