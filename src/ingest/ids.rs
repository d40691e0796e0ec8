//! Respondent ids seen so far, with the line each was first used on: a duplicate id rejects
//! its record, and the rejection names the line of the first use.

use std::collections::HashMap;

use super::intern::FastHash;

/// Respondent ids seen so far, with the line of each one's first use.
///
/// Ids written as plain decimal numbers (no sign, no leading zero) that stay dense (below
/// four times the table so far, or four million) are kept as a table indexed by the number: four
/// bytes per possible id and no hashing. Any other id moves the set to a hash map.
pub(super) enum IdSet {
    Dense(Vec<u32>),
    Sparse(HashMap<Box<[u8]>, u64, FastHash>),
}

impl Default for IdSet {
    fn default() -> Self {
        IdSet::Dense(Vec::new())
    }
}

impl IdSet {
    /// [`IdSet::insert`] of the id written as the plain decimal `n` (one that
    /// [`dense_number`] reads as `n`), without the bytes while the set is a table.
    pub(super) fn insert_number(&mut self, n: u64, line: u64) -> Option<u64> {
        if let IdSet::Dense(lines) = self {
            if n < (lines.len() as u64).max(1 << 20).saturating_mul(4) && line < u64::from(u32::MAX)
            {
                let n = n as usize;
                if n >= lines.len() {
                    lines.resize((n + 1).max(lines.len() * 2), 0);
                }
                return match lines[n] {
                    0 => {
                        lines[n] = line as u32;
                        None
                    }
                    first => Some(u64::from(first)),
                };
            }
        }
        self.insert(n.to_string().as_bytes(), line)
    }

    /// Adds an id first used on `line`; if it was seen before, the line of its first use.
    pub(super) fn insert(&mut self, id: &[u8], line: u64) -> Option<u64> {
        if let IdSet::Dense(lines) = self {
            let n = dense_number(id).filter(|&n| {
                n < (lines.len() as u64).max(1 << 20).saturating_mul(4)
                    && line < u64::from(u32::MAX)
            });
            match n {
                Some(n) => {
                    let n = n as usize;
                    if n >= lines.len() {
                        lines.resize((n + 1).max(lines.len() * 2), 0);
                    }
                    return match lines[n] {
                        0 => {
                            lines[n] = line as u32;
                            None
                        }
                        first => Some(u64::from(first)),
                    };
                }
                None => {
                    let map = lines
                        .iter()
                        .enumerate()
                        .filter(|(_, &l)| l > 0)
                        .map(|(i, &l)| {
                            (i.to_string().into_bytes().into_boxed_slice(), u64::from(l))
                        })
                        .collect();
                    *self = IdSet::Sparse(map);
                }
            }
        }
        let IdSet::Sparse(map) = self else {
            unreachable!("the dense case returned above")
        };
        if let Some(&first) = map.get(id) {
            return Some(first);
        }
        map.insert(id.into(), line);
        None
    }
}

/// The number an id is, if it is written as a plain decimal (`0`, `17`; not `017`, `+1`, ` 1`).
pub(super) fn dense_number(id: &[u8]) -> Option<u64> {
    if id.is_empty() || id.len() > 18 || (id.len() > 1 && id[0] == b'0') {
        return None;
    }
    id.iter().try_fold(0u64, |n, &b| {
        b.is_ascii_digit().then(|| n * 10 + u64::from(b - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::IdSet;

    #[test]
    fn ids_dense_and_sparse_find_their_first_line() {
        let mut ids = IdSet::default();
        assert_eq!(ids.insert(b"7", 2), None);
        assert_eq!(ids.insert(b"0", 3), None);
        assert_eq!(ids.insert(b"7", 4), Some(2));
        assert!(matches!(ids, IdSet::Dense(_)));
        // "07" is not "7": a non-canonical id moves the set to the map, keeping every line.
        assert_eq!(ids.insert(b"07", 5), None);
        assert!(matches!(ids, IdSet::Sparse(_)));
        assert_eq!(ids.insert(b"7", 6), Some(2));
        assert_eq!(ids.insert(b"0", 7), Some(3));
        assert_eq!(ids.insert(b"R_1x", 8), None);
        assert_eq!(ids.insert(b"R_1x", 9), Some(8));
        let mut big = IdSet::default();
        assert_eq!(
            big.insert(b"99999999999", 2),
            None,
            "far beyond the dense range"
        );
        assert_eq!(big.insert(b"99999999999", 3), Some(2));
        // By number: the same answers as by bytes, before and after the move to the map.
        let mut by_number = IdSet::default();
        assert_eq!(by_number.insert_number(7, 2), None);
        assert_eq!(by_number.insert_number(7, 3), Some(2));
        assert_eq!(by_number.insert_number(99999999999, 4), None);
        assert!(matches!(by_number, IdSet::Sparse(_)));
        assert_eq!(by_number.insert(b"7", 5), Some(2));
        assert_eq!(by_number.insert_number(99999999999, 6), Some(4));
    }
}
