//! tally's CSV record reader (`tally::ingest::CsvReader`, the splitter every data file goes
//! through) against the `csv` crate, on generated input: a differential test.
//!
//! - Records written by `csv::Writer` (fields with delimiters, quotes, CR and LF, empty
//!   fields, non-ASCII text; LF, CRLF or CR line ends) read back by both readers give the
//!   records written, and the same start lines.
//! - Arbitrary short byte strings that tally reads without marking a record (no quote left
//!   open, no text after a closing quote) give the same records from both readers.
//!
//! Each case is read through buffers of several sizes, since the reader has a fast path for
//! a whole line in the buffer and a byte-by-byte one across buffer ends. The cases come from
//! the shared [`SplitMix`] with fixed seeds, so that a failure names a seed that repeats it.

use std::io::BufReader;

use tally::ingest::{without_bom, CsvReader, RawRecord};

use crate::support::SplitMix;

/// A record as read: its start line and its fields.
type Record = (u64, Vec<Vec<u8>>);

/// The records tally reads from `data` with a buffer of `cap` bytes, and whether any was
/// marked (a quote left open or text after a closing quote).
fn tally_reads(data: &[u8], delimiter: u8, cap: usize) -> (Vec<Record>, bool) {
    let inner = BufReader::with_capacity(cap, without_bom(data).unwrap());
    let mut reader = CsvReader::new(inner, delimiter);
    let mut rec = RawRecord::default();
    let mut out = Vec::new();
    let mut marked = false;
    while reader.read_record(&mut rec).unwrap() {
        marked |= rec.unterminated_quote || rec.stray_quote;
        out.push((rec.line, rec.fields().map(<[u8]>::to_vec).collect()));
    }
    (out, marked)
}

/// The records the `csv` crate reads from `data` (no header row, records of any length),
/// each with the byte offset it starts at.
fn csv_reads(data: &[u8], delimiter: u8) -> Vec<(u64, Vec<Vec<u8>>)> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(data);
    reader
        .byte_records()
        .map(|r| {
            let r = r.unwrap();
            let byte = r.position().unwrap().byte();
            (byte, r.iter().map(<[u8]>::to_vec).collect())
        })
        .collect()
}

/// The line a record starts on, from the offset where the csv crate began reading it
/// (which is before the line ends it skipped: the LF of a CRLF, blank lines), counting LFs
/// and lone CRs (for input whose record ends all have an LF).
fn line_at(data: &[u8], byte: u64) -> u64 {
    let skipped = data[byte as usize..]
        .iter()
        .take_while(|&&b| b == b'\r' || b == b'\n')
        .count();
    let first = byte as usize + skipped;
    let before = &data[..first];
    let lone_cr = |i: usize| before[i] == b'\r' && data.get(i + 1) != Some(&b'\n');
    1 + (0..before.len())
        .filter(|&i| before[i] == b'\n' || lone_cr(i))
        .count() as u64
}

/// Pieces fields are made of: the delimiters, quotes and line ends that need quoting, and
/// text of one to four bytes per character.
const PIECES: [&str; 14] = [
    "a", "b", "xyz", " ", ",", ";", "\"", "\"\"", "\r", "\n", "\r\n", "é", "€", "😀",
];

fn field(rng: &mut SplitMix) -> String {
    let len = rng.pick(&[3, 4, 3, 2, 1, 1]);
    (0..len)
        .map(|_| PIECES[rng.below(PIECES.len() as u64) as usize])
        .collect()
}

/// 1 to 6 records of 1 to 5 fields; a fifth of the fields empty.
fn records(rng: &mut SplitMix) -> Vec<Vec<String>> {
    let n = 1 + rng.below(6);
    (0..n)
        .map(|_| {
            let k = 1 + rng.below(5);
            (0..k)
                .map(|_| {
                    if rng.below(5) == 0 {
                        String::new()
                    } else {
                        field(rng)
                    }
                })
                .collect()
        })
        .collect()
}

/// The start line of each record of `data` as written: 1 plus the line ends before it.
/// Every LF, CRLF and lone CR is one line end, quoted or not (a file saved with CR line
/// ends, as Excel's "CSV (Macintosh)" is, has its multi-line answers on lines of their own
/// too). Records end at a line end outside quotes; the writer quotes whole fields, so a
/// quote toggles being inside.
fn start_lines(data: &[u8]) -> Vec<u64> {
    let (mut line, mut quoted, mut starts) = (1u64, false, vec![1u64]);
    for (i, &b) in data.iter().enumerate() {
        let lone_cr = b == b'\r' && data.get(i + 1) != Some(&b'\n');
        match b {
            b'"' => quoted = !quoted,
            b'\n' => line += 1,
            b'\r' if lone_cr => line += 1,
            _ => {}
        }
        let ends_record = !quoted && (b == b'\n' || lone_cr);
        if ends_record && i + 1 < data.len() {
            starts.push(line);
        }
    }
    starts
}

#[test]
fn records_written_by_the_csv_crate_read_back_the_same() {
    let caps = [1, 2, 3, 7, 64, 8192];
    for seed in 0..4000u64 {
        let mut rng = SplitMix(seed);
        let written = records(&mut rng);
        let (delimiter, terminator, cr_ends) = match rng.below(4) {
            0 => (b',', csv::Terminator::CRLF, false),
            1 => (b',', csv::Terminator::Any(b'\n'), false),
            2 => (b';', csv::Terminator::Any(b'\n'), false),
            _ => (b',', csv::Terminator::Any(b'\r'), true),
        };
        let mut w = csv::WriterBuilder::new()
            .flexible(true)
            .delimiter(delimiter)
            .terminator(terminator)
            .from_writer(Vec::new());
        for r in &written {
            w.write_record(r).unwrap();
        }
        let data = w.into_inner().unwrap();
        let want: Vec<Vec<Vec<u8>>> = written
            .iter()
            .map(|r| r.iter().map(|f| f.as_bytes().to_vec()).collect())
            .collect();
        let theirs = csv_reads(&data, delimiter);
        let shown = String::from_utf8_lossy(&data);
        let their_fields: Vec<_> = theirs.iter().map(|(_, f)| f.clone()).collect();
        assert_eq!(
            their_fields, want,
            "seed {seed}: the csv crate on {shown:?}"
        );
        let lines = start_lines(&data);
        assert_eq!(lines.len(), want.len(), "seed {seed}: {shown:?}");
        for cap in caps {
            let (ours, marked) = tally_reads(&data, delimiter, cap);
            assert!(!marked, "seed {seed}, buffer {cap}: marked {shown:?}");
            let our_fields: Vec<_> = ours.iter().map(|(_, f)| f.clone()).collect();
            assert_eq!(our_fields, want, "seed {seed}, buffer {cap}: {shown:?}");
            let our_lines: Vec<u64> = ours.iter().map(|(l, _)| *l).collect();
            assert_eq!(our_lines, lines, "seed {seed}, buffer {cap}: {shown:?}");
        }
        // Where every line end has an LF, the line of each record's first byte as the csv
        // crate finds it agrees.
        if !cr_ends {
            let their_lines: Vec<u64> = theirs.iter().map(|(b, _)| line_at(&data, *b)).collect();
            assert_eq!(
                their_lines, lines,
                "seed {seed}: the csv crate on {shown:?}"
            );
        }
    }
}

/// Bytes arbitrary input is made of: mostly the ones that mean something to a CSV reader.
const BYTES: [u8; 10] = [
    b'a', b'b', b',', b'"', b'"', b'\r', b'\n', b'\n', b' ', 0xC3,
];

#[test]
fn arbitrary_bytes_that_tally_accepts_split_as_the_csv_crate_splits_them() {
    let mut compared = 0;
    for seed in 0..20_000u64 {
        let mut rng = SplitMix(1 << 32 | seed);
        let len = rng.below(24) as usize;
        let data: Vec<u8> = (0..len)
            .map(|_| BYTES[rng.below(BYTES.len() as u64) as usize])
            .collect();
        let (ours, marked) = tally_reads(&data, b',', 8192);
        for cap in [1, 2, 5] {
            assert_eq!(
                tally_reads(&data, b',', cap),
                (ours.clone(), marked),
                "seed {seed}, buffer {cap}: {:?}",
                String::from_utf8_lossy(&data)
            );
        }
        if marked {
            continue;
        }
        compared += 1;
        let theirs = csv_reads(&data, b',');
        let fields =
            |r: &[(u64, Vec<Vec<u8>>)]| r.iter().map(|(_, f)| f.clone()).collect::<Vec<_>>();
        assert_eq!(
            fields(&ours),
            fields(&theirs),
            "seed {seed}: {:?}",
            String::from_utf8_lossy(&data)
        );
        // Where every CR is in a CRLF, each record starts on the line of its first byte.
        let lone_cr = data
            .iter()
            .enumerate()
            .any(|(i, &b)| b == b'\r' && data.get(i + 1) != Some(&b'\n'));
        if !lone_cr {
            let ours: Vec<u64> = ours.iter().map(|(l, _)| *l).collect();
            let theirs: Vec<u64> = theirs.iter().map(|(b, _)| line_at(&data, *b)).collect();
            assert_eq!(
                ours,
                theirs,
                "seed {seed}: {:?}",
                String::from_utf8_lossy(&data)
            );
        }
    }
    assert!(compared > 10_000, "only {compared} inputs compared");
}
