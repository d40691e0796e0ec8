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
    /// The raw cells seen last ([`Interner::cell`]), missing tokens included, each with its
    /// code: a direct-mapped cache of [`Interner::SLOTS`] slots.
    cells: Vec<Cell>,
}

/// A raw cell and its code, by its [`key`] (and its bytes when longer than 16).
#[derive(Clone, Default)]
struct Cell {
    /// Its length plus one (0: an empty slot).
    len: usize,
    key: (u64, u64),
    long: Box<[u8]>,
    code: u32,
}

/// A cell as two numbers that, with its length, tell cells of up to 16 bytes apart: two
/// loads that overlap (the first and the last 8 bytes, or 4, or 3 single bytes).
fn key(v: &[u8]) -> (u64, u64) {
    let n = v.len();
    let w8 = |b: &[u8]| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[..8]);
        u64::from_le_bytes(w)
    };
    let w4 = |b: &[u8]| {
        let mut w = [0u8; 4];
        w.copy_from_slice(&b[..4]);
        u64::from(u32::from_le_bytes(w))
    };
    if n >= 8 {
        (w8(v), w8(&v[n - 8..]))
    } else if n >= 4 {
        (w4(v), w4(&v[n - 4..]))
    } else if n > 0 {
        (
            u64::from(v[0]) | u64::from(v[n / 2]) << 8 | u64::from(v[n - 1]) << 16,
            0,
        )
    } else {
        (0, 0)
    }
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

    /// The code of a plain cell: 0 when it is one of the `missing` tokens, else
    /// [`Interner::code`] of its bytes. The same code as that, found quicker for the few
    /// distinct cells a survey column has: a cell seen before is found in one slot of a
    /// small cache and told apart by its length and [`key`], with no byte comparison.
    pub(super) fn cell(&mut self, v: &[u8], missing: &[String]) -> Result<u32, layout::ValueError> {
        let k = key(v);
        let slot = ((k.0 ^ k.1.rotate_left(29) ^ v.len() as u64)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            >> (64 - Self::SLOTS.trailing_zeros())) as usize;
        if let Some(c) = self.cells.get(slot) {
            if c.len == v.len() + 1 && c.key == k && (v.len() <= 16 || *c.long == *v) {
                return Ok(c.code);
            }
        }
        let code = if missing.iter().any(|m| m.as_bytes() == v) {
            0
        } else {
            self.code(Some(v))?
        };
        if self.cells.is_empty() {
            self.cells = vec![Cell::default(); Self::SLOTS];
        }
        self.cells[slot] = Cell {
            len: v.len() + 1,
            key: k,
            long: if v.len() > 16 {
                v.into()
            } else {
                Box::default()
            },
            code,
        };
        Ok(code)
    }

    const SLOTS: usize = 64;

    /// The value a code stands for.
    pub(super) fn value(&self, code: u32) -> RawValue {
        (code > 0).then(|| self.values[code as usize - 1].to_string())
    }
}

/// The distinct tuples of codes, each with its index. A tuple of up to eight codes below
/// 2^16 (nearly every survey's) is one 128-bit number, hashed at once; any other, a slice.
#[derive(Default)]
pub(super) struct Tuples {
    packed: HashMap<u128, usize, FastHash>,
    slices: HashMap<Box<[u32]>, usize, FastHash>,
    /// The packed tuples seen last, with their indices: a direct-mapped cache of
    /// [`Tuples::SLOTS`] slots in front of `packed` (`usize::MAX`: an empty slot).
    recent: Vec<(u128, usize)>,
}

impl Tuples {
    fn pack(codes: &[u32]) -> Option<u128> {
        (codes.len() <= 8 && codes.iter().all(|&c| c < 1 << 16)).then(|| {
            codes
                .iter()
                .rev()
                .fold(0, |k, &c| (k << 16) | u128::from(c))
        })
    }

    const SLOTS: usize = 256;

    fn slot(k: u128) -> usize {
        ((k as u64 ^ (k >> 64) as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)
            >> (64 - Self::SLOTS.trailing_zeros())) as usize
    }

    /// The index of a tuple seen before.
    pub(super) fn get(&mut self, codes: &[u32]) -> Option<usize> {
        let Some(k) = Self::pack(codes) else {
            return self.slices.get(codes).copied();
        };
        let slot = Self::slot(k);
        if let Some(&(key, at)) = self.recent.get(slot) {
            if key == k && at != usize::MAX {
                return Some(at);
            }
        }
        let at = self.packed.get(&k).copied()?;
        self.remember(slot, k, at);
        Some(at)
    }

    fn remember(&mut self, slot: usize, k: u128, at: usize) {
        if self.recent.is_empty() {
            self.recent = vec![(0, usize::MAX); Self::SLOTS];
        }
        self.recent[slot] = (k, at);
    }

    /// Adds a new tuple with its index.
    pub(super) fn insert(&mut self, codes: &[u32], at: usize) {
        match Self::pack(codes) {
            Some(k) => {
                self.packed.insert(k, at);
                self.remember(Self::slot(k), k, at);
            }
            None => {
                self.slices.insert(codes.into(), at);
            }
        }
    }

    /// Every tuple (of `width` codes) with its index, in no order.
    pub(super) fn entries(&self, width: usize) -> Vec<(Vec<u32>, usize)> {
        let unpack = |k: u128| {
            (0..width)
                .map(|i| (k >> (16 * i)) as u32 & 0xffff)
                .collect()
        };
        self.packed
            .iter()
            .map(|(&k, &at)| (unpack(k), at))
            .chain(self.slices.iter().map(|(k, &at)| (k.to_vec(), at)))
            .collect()
    }
}
