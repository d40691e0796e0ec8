//! Text encodings of input files: detection from the first bytes, and a streaming decoder
//! to UTF-8 for the encodings that need one (UTF-16 with a byte-order mark, Windows-1252).
//! The decoding itself is `encoding_rs`, the WHATWG Encoding Standard implementation.
//!
//! Detection (when the pipeline says `encoding = "auto"`, the default):
//! 1. a UTF-8 byte-order mark: UTF-8;
//! 2. a UTF-16 byte-order mark (`FF FE` or `FE FF`): UTF-16 LE or BE;
//! 3. no mark, and a NUL byte in the first line or two in the first [`SAMPLE`] bytes: not a
//!    text file, an error (a single NUL later is a bad field, and rejects its row);
//! 4. the first [`SAMPLE`] bytes are valid UTF-8 (a sequence cut at the end of the sample is
//!    allowed): UTF-8. A later invalid byte rejects only its record ("invalid UTF-8");
//! 5. otherwise Windows-1252 (what Excel writes on Western-European Windows), with a warning,
//!    because every byte is a valid Windows-1252 character and the guess cannot be checked.

use std::io::{self, Read};

use encoding_rs::{Decoder, Encoding, UTF_16BE, UTF_16LE, WINDOWS_1252};

/// Bytes read ahead to detect the encoding and sniff the delimiter.
pub const SAMPLE: usize = 64 * 1024;

pub use crate::plan::EncodingChoice;

/// The encoding a file was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    Utf8,
    Utf16Le,
    Utf16Be,
    Windows1252,
}

impl TextEncoding {
    pub fn name(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Utf16Le => "UTF-16LE",
            TextEncoding::Utf16Be => "UTF-16BE",
            TextEncoding::Windows1252 => "Windows-1252",
        }
    }

    fn decoder(self) -> Option<&'static Encoding> {
        match self {
            TextEncoding::Utf8 => None,
            TextEncoding::Utf16Le => Some(UTF_16LE),
            TextEncoding::Utf16Be => Some(UTF_16BE),
            TextEncoding::Windows1252 => Some(WINDOWS_1252),
        }
    }
}

/// The outcome of detection on the sample.
#[derive(Debug, Clone, PartialEq)]
pub enum Detected {
    Text {
        encoding: TextEncoding,
        /// Set when the encoding was a guess the reader should hear about.
        warning: Option<String>,
    },
    /// NUL bytes and no UTF-16 mark: a binary file.
    Binary { offset: usize },
    /// `encoding = "utf-16"` but the file has no UTF-16 byte-order mark.
    NoUtf16Mark,
}

/// Decides the encoding from the first bytes of a file.
pub fn detect(sample: &[u8], choice: EncodingChoice) -> Detected {
    let text = |encoding| Detected::Text {
        encoding,
        warning: None,
    };
    let utf16 = if sample.starts_with(b"\xff\xfe") {
        Some(TextEncoding::Utf16Le)
    } else if sample.starts_with(b"\xfe\xff") {
        Some(TextEncoding::Utf16Be)
    } else {
        None
    };
    match choice {
        EncodingChoice::Utf8 => return text(TextEncoding::Utf8),
        EncodingChoice::Windows1252 => return text(TextEncoding::Windows1252),
        EncodingChoice::Utf16 => return utf16.map_or(Detected::NoUtf16Mark, text),
        EncodingChoice::Auto => {}
    }
    if sample.starts_with(b"\xef\xbb\xbf") {
        return text(TextEncoding::Utf8);
    }
    if let Some(e) = utf16 {
        return text(e);
    }
    // One NUL in a text file is a bad field (its row is rejected); a NUL in the first line,
    // or several, is a binary file.
    let mut nuls = sample
        .iter()
        .enumerate()
        .filter(|(_, &b)| b == 0)
        .map(|(i, _)| i);
    if let Some(offset) = nuls.next() {
        let first_line = sample
            .iter()
            .position(|&b| b == b'\n')
            .unwrap_or(sample.len());
        if offset < first_line || nuls.next().is_some() {
            return Detected::Binary { offset };
        }
    }
    match std::str::from_utf8(sample) {
        Ok(_) => text(TextEncoding::Utf8),
        // A multi-byte sequence cut by the end of the sample is not an error.
        Err(e) if e.error_len().is_none() => text(TextEncoding::Utf8),
        Err(e) => {
            let at = e.valid_up_to();
            let line = 1 + sample[..at].iter().filter(|&&b| b == b'\n').count();
            Detected::Text {
                encoding: TextEncoding::Windows1252,
                warning: Some(format!(
                    "not valid UTF-8 (byte 0x{:02X} on line {line}), so it was read as \
                     Windows-1252\nhint: if that is right, set `input.encoding = \
                     \"windows-1252\"` to say so; better, re-save the file as UTF-8 (in \
                     Excel: Save As > CSV UTF-8)",
                    sample[at]
                )),
            }
        }
    }
}

/// Wraps `inner` so that it yields UTF-8 (a no-op for UTF-8 input). A UTF-16 byte-order mark
/// is removed by the decoder; malformed sequences become U+FFFD, as the Encoding Standard
/// says.
pub fn to_utf8<'a, R: Read + Send + 'a>(
    inner: R,
    encoding: TextEncoding,
) -> Box<dyn Read + Send + 'a> {
    match encoding.decoder() {
        None => Box::new(inner),
        Some(e) => Box::new(DecodingReader {
            inner,
            decoder: e.new_decoder_with_bom_removal(),
            input: vec![0; 1 << 16],
            start: 0,
            end: 0,
            eof: false,
            output: Vec::new(),
            out_start: 0,
            finished: false,
        }),
    }
}

/// Decodes text to UTF-8 (for sniffing a sample that is not UTF-8 already).
pub fn decode_sample(sample: &[u8], encoding: TextEncoding) -> String {
    match encoding.decoder() {
        None => String::from_utf8_lossy(sample).into_owned(),
        Some(e) => e.decode_with_bom_removal(sample).0.into_owned(),
    }
}

struct DecodingReader<R> {
    inner: R,
    decoder: Decoder,
    input: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    /// Decoded bytes not yet handed out (a caller may ask for fewer than one character).
    output: Vec<u8>,
    out_start: usize,
    /// The decoder has seen the end; it must not be called again (found by fuzzing).
    finished: bool,
}

impl<R: Read> DecodingReader<R> {
    /// Decodes the next chunk into `output`; false at the end of the input.
    fn fill(&mut self) -> io::Result<bool> {
        if self.finished {
            return Ok(false);
        }
        self.output.clear();
        self.out_start = 0;
        self.output.resize(self.input.len() * 3 + 16, 0);
        loop {
            if self.start == self.end && !self.eof {
                let n = loop {
                    match self.inner.read(&mut self.input) {
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        r => break r?,
                    }
                };
                self.start = 0;
                self.end = n;
                self.eof = n == 0;
            }
            let (_, read, written, _) = self.decoder.decode_to_utf8(
                &self.input[self.start..self.end],
                &mut self.output,
                self.eof,
            );
            self.start += read;
            if self.eof && self.start == self.end {
                self.finished = true;
            }
            if written > 0 || self.finished {
                self.output.truncate(written);
                return Ok(written > 0);
            }
        }
    }
}

impl<R: Read> Read for DecodingReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.out_start == self.output.len() && !self.fill()? {
            return Ok(0);
        }
        let n = out.len().min(self.output.len() - self.out_start);
        out[..n].copy_from_slice(&self.output[self.out_start..self.out_start + n]);
        self.out_start += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(bytes: &[u8], e: TextEncoding, chunk: usize) -> String {
        let mut r = to_utf8(io::Cursor::new(bytes.to_vec()), e);
        let mut out = Vec::new();
        let mut buf = vec![0u8; chunk];
        loop {
            let n = r.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn detects_marks_binary_and_windows_1252() {
        let t = |e| Detected::Text {
            encoding: e,
            warning: None,
        };
        assert_eq!(
            detect(b"\xef\xbb\xbfa,b", EncodingChoice::Auto),
            t(TextEncoding::Utf8)
        );
        assert_eq!(
            detect(b"\xff\xfea\0", EncodingChoice::Auto),
            t(TextEncoding::Utf16Le)
        );
        assert_eq!(
            detect(b"\xfe\xff\0a", EncodingChoice::Auto),
            t(TextEncoding::Utf16Be)
        );
        assert_eq!(
            detect(b"a,b\n\xc3", EncodingChoice::Auto),
            t(TextEncoding::Utf8)
        );
        assert_eq!(
            detect(b"a,b\n\x01\0\x02\0", EncodingChoice::Auto),
            Detected::Binary { offset: 5 }
        );
        assert_eq!(
            detect(b"a\0,b\n", EncodingChoice::Auto),
            Detected::Binary { offset: 1 }
        );
        assert_eq!(
            detect(b"a,b\n1,\0\n", EncodingChoice::Auto),
            t(TextEncoding::Utf8)
        );
        match detect(b"a,b\nDon\x92t know,1\n", EncodingChoice::Auto) {
            Detected::Text {
                encoding: TextEncoding::Windows1252,
                warning: Some(w),
            } => assert!(w.contains("0x92 on line 2"), "{w}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(detect(b"a", EncodingChoice::Utf16), Detected::NoUtf16Mark);
    }

    #[test]
    fn reading_past_the_end_is_harmless() {
        // Found by fuzzing: a read after the end called the finished decoder again.
        let mut r = to_utf8(
            io::Cursor::new(b"\xff\xfea\0".to_vec()),
            TextEncoding::Utf16Le,
        );
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        assert_eq!(out, b"a");
        for _ in 0..3 {
            assert_eq!(r.read(&mut [0u8; 16]).unwrap(), 0);
        }
    }

    #[test]
    fn decodes_in_any_chunking() {
        let le: Vec<u8> = b"\xff\xfe"
            .iter()
            .copied()
            .chain(
                "caf\u{e9},\u{2019}\n"
                    .encode_utf16()
                    .flat_map(u16::to_le_bytes),
            )
            .collect();
        let be: Vec<u8> = b"\xfe\xff"
            .iter()
            .copied()
            .chain(
                "caf\u{e9},\u{2019}\n"
                    .encode_utf16()
                    .flat_map(u16::to_be_bytes),
            )
            .collect();
        for chunk in [1, 3, 4, 7, 4096] {
            assert_eq!(
                decode_all(&le, TextEncoding::Utf16Le, chunk),
                "caf\u{e9},\u{2019}\n"
            );
            assert_eq!(
                decode_all(&be, TextEncoding::Utf16Be, chunk),
                "caf\u{e9},\u{2019}\n"
            );
            assert_eq!(
                decode_all(b"caf\xe9,\x92\n", TextEncoding::Windows1252, chunk),
                "caf\u{e9},\u{2019}\n"
            );
        }
    }
}
