//! Delimiter sniffing: which of comma, semicolon and tab splits the first records of a file
//! into the same number of fields, most of the time, and into the most fields.
//!
//! Each candidate parses up to `RECORDS` records of the sample with the real CSV reader
//! (so quoted delimiters and newlines count correctly). The score of a candidate is the share
//! of records with as many fields as the first (header) record, then that field count; a
//! candidate that gives the header a single field scores nothing. Ties go to the earlier
//! candidate (comma, then semicolon, then tab). A file where no candidate splits the header
//! is read as comma-separated (a one-column file).
//!
//! The last record of the sample may be cut by the end of the sample, so it is not scored.

use super::csvread::{CsvReader, RawRecord};

/// Candidates, in order of preference on a tie.
pub const CANDIDATES: [u8; 3] = [b',', b';', b'\t'];

/// Records parsed per candidate.
const RECORDS: usize = 50;

/// The delimiter the sample looks like, or `None` when no candidate splits its first record.
pub fn sniff(sample: &[u8]) -> Option<u8> {
    let mut best: Option<(u8, (u64, usize))> = None;
    for &d in &CANDIDATES {
        let mut rdr = CsvReader::new(sample, d);
        let mut rec = RawRecord::default();
        let mut widths = Vec::new();
        while widths.len() <= RECORDS {
            match rdr.read_record(&mut rec) {
                Ok(true) => widths.push(rec.len()),
                _ => break,
            }
        }
        // The last record may be cut by the end of the sample.
        if widths.len() > 2 {
            widths.pop();
        }
        let Some(&header) = widths.first() else {
            continue;
        };
        if header < 2 {
            continue;
        }
        let same = widths.iter().filter(|&&w| w == header).count() as u64;
        // Share as a fixed-point number, to compare without floats.
        let score = (same * 1_000_000 / widths.len() as u64, header);
        if best.is_none_or(|(_, s)| score > s) {
            best = Some((d, score));
        }
    }
    best.map(|(d, _)| d)
}

/// How a delimiter is named in messages.
pub fn name(d: u8) -> String {
    match d {
        b'\t' => "tab".into(),
        b',' => "comma".into(),
        b';' => "semicolon".into(),
        other => format!("`{}`", other as char),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_delimiter_that_splits_records_evenly() {
        assert_eq!(sniff(b"a,b,c\n1,2,3\n4,5,6\n"), Some(b','));
        assert_eq!(sniff(b"a;b;c\n1,5;2;3\n4;5,5;6\n"), Some(b';'));
        assert_eq!(sniff(b"a\tb\n\"x;y\"\t2\n"), Some(b'\t'));
        // Commas inside quotes do not count.
        assert_eq!(
            sniff(b"q;r\n\"Brain fog, memory\";1\n\"a, b, c\";2\n"),
            Some(b';')
        );
        assert_eq!(sniff(b"single\n1\n2\n"), None);
        assert_eq!(sniff(b""), None);
    }
}
