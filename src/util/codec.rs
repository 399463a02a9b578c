//! The little-endian binary codec of hangar's own files (the stat cache, the directory
//! listings, archive entry tables) and of zip headers: [`Put`] appends fields, [`Reader`] reads
//! them back, and [`seal`]/[`unseal`] add and check a CRC-32 over a whole file.

/// Appends little-endian fields.
pub(crate) trait Put {
    fn put_u8(&mut self, v: u8);
    fn put_u16(&mut self, v: u16);
    fn put_u32(&mut self, v: u32);
    fn put_u64(&mut self, v: u64);
    fn put_i128(&mut self, v: i128);
    fn put_bytes(&mut self, bytes: &[u8]);
    /// A `u32` length, then the bytes.
    fn put_len_prefixed(&mut self, bytes: &[u8]) {
        self.put_u32(u32::try_from(bytes.len()).expect("fields are shorter than 4 GiB"));
        self.put_bytes(bytes);
    }
}

impl Put for Vec<u8> {
    fn put_u8(&mut self, v: u8) {
        self.push(v);
    }

    fn put_u16(&mut self, v: u16) {
        self.extend_from_slice(&v.to_le_bytes());
    }

    fn put_u32(&mut self, v: u32) {
        self.extend_from_slice(&v.to_le_bytes());
    }

    fn put_u64(&mut self, v: u64) {
        self.extend_from_slice(&v.to_le_bytes());
    }

    fn put_i128(&mut self, v: i128) {
        self.extend_from_slice(&v.to_le_bytes());
    }

    fn put_bytes(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// Reads little-endian fields; `None` past the end.
pub(crate) struct Reader<'a>(pub &'a [u8]);

impl<'a> Reader<'a> {
    pub fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(head)
    }

    pub fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    pub fn u8(&mut self) -> Option<u8> {
        self.array::<1>().map(|[b]| b)
    }

    pub fn u32(&mut self) -> Option<u32> {
        self.array().map(u32::from_le_bytes)
    }

    pub fn u64(&mut self) -> Option<u64> {
        self.array().map(u64::from_le_bytes)
    }

    pub fn i128(&mut self) -> Option<i128> {
        self.array().map(i128::from_le_bytes)
    }

    /// What [`Put::put_len_prefixed`] wrote.
    pub fn len_prefixed(&mut self) -> Option<&'a [u8]> {
        let len = self.u32()? as usize;
        self.take(len)
    }

    /// The bytes not read yet.
    pub fn rest(&self) -> &'a [u8] {
        self.0
    }
}

/// Appends the CRC-32 of `bytes`. Files read on every run are sealed with a checksum that
/// costs microseconds, not SHA-256's milliseconds; it catches a damaged file.
pub(crate) fn seal(bytes: &mut Vec<u8>) {
    let crc = libdeflater::crc32(bytes);
    bytes.put_u32(crc);
}

/// Checks and removes what [`seal`] appended; `None` if it does not match.
pub(crate) fn unseal(bytes: &mut Vec<u8>) -> Option<()> {
    let body = bytes.len().checked_sub(4)?;
    let crc = u32::from_le_bytes(bytes[body..].try_into().ok()?);
    bytes.truncate(body);
    (libdeflater::crc32(bytes) == crc).then_some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_round_trip_and_seals_catch_damage() {
        let mut out = Vec::new();
        out.put_u8(7);
        out.put_u16(0x0102);
        out.put_u32(0x0304_0506);
        out.put_u64(u64::MAX - 1);
        out.put_i128(-5);
        out.put_len_prefixed(b"name");
        assert_eq!(&out[..3], &[7, 2, 1], "little-endian");
        seal(&mut out);
        let mut sealed = out.clone();
        unseal(&mut sealed).unwrap();
        let mut r = Reader(&sealed);
        assert_eq!(r.u8(), Some(7));
        assert_eq!(r.array::<2>(), Some([2, 1]));
        assert_eq!(r.u32(), Some(0x0304_0506));
        assert_eq!(r.u64(), Some(u64::MAX - 1));
        assert_eq!(r.i128(), Some(-5));
        assert_eq!(r.len_prefixed(), Some(&b"name"[..]));
        assert!(r.rest().is_empty() && r.u8().is_none());
        out[3] ^= 1;
        assert!(unseal(&mut out).is_none());
    }
}
