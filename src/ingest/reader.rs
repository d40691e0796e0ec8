//! The reading thread. One thread reads the file (hashing it, decoding it and splitting it
//! into records, [`super::csvread`]); the caller's thread checks, extracts and counts the
//! records ([`super::builder`]). Batches of records go over a bounded channel and come back
//! for reuse, so memory stays at a few batches whatever the file's size.

use std::io::{self, BufRead};
use std::sync::mpsc;

use super::csvread::{CsvReader, RawRecord};

/// Records per batch.
const BATCH: usize = 4096;

/// Passes every record of `rdr`, in order, to `process` on this thread, while another thread
/// reads ahead; returns the blank lines skipped. The first error ends the reading: one of
/// `process`, or a read error (after the records read before it), through `read_error`.
pub(super) fn for_each_record<B, E>(
    mut rdr: CsvReader<B>,
    read_error: impl Fn(io::Error) -> E,
    mut process: impl FnMut(&RawRecord) -> Result<(), E>,
) -> Result<u64, E>
where
    B: BufRead + Send,
{
    let (full_tx, full_rx) = mpsc::sync_channel::<io::Result<Vec<RawRecord>>>(4);
    let (empty_tx, empty_rx) = mpsc::channel::<Vec<RawRecord>>();
    std::thread::scope(|scope| -> Result<u64, E> {
        let reader = scope.spawn(move || {
            loop {
                let mut batch = empty_rx
                    .try_recv()
                    .unwrap_or_else(|_| Vec::with_capacity(BATCH));
                let failed = read_batch(&mut rdr, &mut batch).err();
                let last = batch.len() < BATCH || failed.is_some();
                if full_tx.send(Ok(batch)).is_err() {
                    break;
                }
                if let Some(e) = failed {
                    let _ = full_tx.send(Err(e));
                }
                if last {
                    break;
                }
            }
            rdr.blank_lines
        });
        // Owned here, so that an early return (an error) drops it and the reading thread's
        // next send fails and ends it, rather than blocking the scope's join forever.
        let full_rx = full_rx;
        for batch in full_rx {
            let batch = batch.map_err(&read_error)?;
            for record in &batch {
                process(record)?;
            }
            let _ = empty_tx.send(batch);
        }
        reader
            .join()
            .map_err(|_| read_error(io::Error::other("the reading thread failed")))
    })
}

/// Fills `batch` with up to [`BATCH`] records, reusing the buffers of the records it holds;
/// fewer only at the end of the input. On a read error, `batch` holds the records before it.
fn read_batch<B: BufRead>(rdr: &mut CsvReader<B>, batch: &mut Vec<RawRecord>) -> io::Result<()> {
    let mut n = 0;
    let mut result = Ok(());
    while n < BATCH {
        if n == batch.len() {
            batch.push(RawRecord::default());
        }
        match rdr.read_record(&mut batch[n]) {
            Ok(true) => n += 1,
            Ok(false) => break,
            Err(e) => {
                result = Err(e);
                break;
            }
        }
    }
    batch.truncate(n);
    result
}
