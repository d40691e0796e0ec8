//! The input's identity: its SHA-256 and size, computed from the bytes as the reader reads
//! them (the file is read once), and the same digest of byte buffers (the pipeline file as
//! planned, the cache's keys, a report's artifacts).

use std::io::{self, Read};

use sha2::{Digest, Sha256};

/// Hex SHA-256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Hex SHA-256 and size of a file, read through (for `tally verify`: has the input
/// changed since a report was written?).
pub fn sha256_file(path: &std::path::Path) -> io::Result<(String, u64)> {
    let file = crate::files::open_regular(path)?;
    let mut reader = HashingReader::new(io::BufReader::with_capacity(1 << 18, file), &|_| {});
    io::copy(&mut reader, &mut io::sink())?;
    Ok(reader.finish())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A reader that hashes and counts what passes through it, reporting progress every 4 MB.
pub(super) struct HashingReader<'p, R> {
    inner: R,
    hasher: Sha256,
    bytes: u64,
    on_bytes: &'p (dyn Fn(u64) + Sync),
    reported: u64,
}

impl<'p, R: Read> HashingReader<'p, R> {
    pub(super) fn new(inner: R, on_bytes: &'p (dyn Fn(u64) + Sync)) -> Self {
        HashingReader {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
            on_bytes,
            reported: 0,
        }
    }

    /// The hex SHA-256 of everything read, and its size in bytes.
    pub(super) fn finish(self) -> (String, u64) {
        (hex(&self.hasher.finalize()), self.bytes)
    }
}

impl<R: Read> Read for HashingReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        if self.bytes - self.reported >= 4 << 20 {
            self.reported = self.bytes;
            (self.on_bytes)(self.bytes);
        }
        Ok(n)
    }
}
