//! Codes for values. Each needed column's distinct values get a code (0 = missing), and a
//! record is a tuple of codes, so that the row loop allocates nothing for a tuple it has seen
//! before and checks each distinct value's text only once.

use std::collections::HashMap;

use super::layout;
use super::RawValue;

/// The hasher of the row loop's tables: fast, and seeded per process.
pub(super) type FastHash = foldhash::fast::RandomState;

/// Codes for one column's distinct values (0 = missing).
#[derive(Default)]
pub(super) struct Interner {
    codes: HashMap<Box<[u8]>, u32, FastHash>,
    values: Vec<Box<str>>,
}

impl Interner {
    /// The code of a raw value; a value seen for the first time is checked (UTF-8, no NUL)
    /// before it gets one, so later rows with it skip the check.
    ///
    /// Survey answers have few distinct values: up to [`Interner::SCAN`] of them are found by
    /// comparing with each in turn, which is quicker than hashing; beyond that, by hash.
    pub(super) fn code(&mut self, v: Option<&[u8]>) -> Result<u32, layout::ValueError> {
        let Some(v) = v else { return Ok(0) };
        if self.values.len() <= Self::SCAN {
            if let Some(i) = self.values.iter().position(|x| x.as_bytes() == v) {
                return Ok(i as u32 + 1);
            }
        } else if let Some(&c) = self.codes.get(v) {
            return Ok(c);
        }
        let text = layout::text(v)?;
        self.values.push(text.into());
        let c = self.values.len() as u32;
        self.codes.insert(v.into(), c);
        Ok(c)
    }

    const SCAN: usize = 8;

    /// The value a code stands for.
    pub(super) fn value(&self, code: u32) -> RawValue {
        (code > 0).then(|| self.values[code as usize - 1].to_string())
    }
}
