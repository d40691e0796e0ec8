//! `[weighting] margins_file`: the population margins (or post-stratification cells) read
//! from a CSV instead of written into the pipeline. Registries and membership lists come as
//! spreadsheets; copying their figures into TOML by hand is where a transcription slip gets in.
//!
//! Two shapes, told apart by the header (names trimmed, any case):
//!
//! - **margins** (`rake`, `linear`, `raking`, `logit`, or `poststratify` on one column):
//!   `column,level,share` or `column,level,count`, one row per level of each margin column,
//!   the columns in order of first appearance;
//! - **cells** (`poststratify` on a cross-classification): one column per margin column, then
//!   `share` or `count`, one row per cell (e.g. `sex,severity,share`).
//!
//! The figures go where `[weighting.margins]` / `[[weighting.cell]]` would have put them, so
//! every check of `[weighting]` (shares summing to 1, counts to one N, empty cells) applies
//! unchanged. Reading is here, at the edge ([`load`]); the parse ([`parse`]) is pure. The
//! file's SHA-256 goes into the report's cache key and into `manifest.json`'s inputs
//! ([`MarginsFile`]).

use std::path::{Path, PathBuf};

use indexmap::IndexMap;

use super::problems::Problem;
use crate::spec::WeightingSpec;

/// The margins file a plan was made with, for the cache key, the manifest and `tally verify`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarginsFile {
    /// Resolved path (pipeline directory joined with the written path).
    pub path: PathBuf,
    /// The path as written in the pipeline (absolute paths by file name only, as for the
    /// input: artifacts never carry the user's folders).
    pub written: String,
    pub sha256: String,
    pub bytes: u64,
}

/// What a margins file holds, in the spec's own form.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    /// `[weighting.margins]`: per column, level -> share or count.
    Margins(IndexMap<String, IndexMap<String, f64>>),
    /// `[[weighting.cell]]`: each cell's column levels and its `share` or `count`.
    Cells(Vec<IndexMap<String, toml::Value>>),
}

/// Reads `[weighting] margins_file` (if given) into `spec`, relative to the pipeline at
/// `pipeline`; the problems name the pipeline key or the margins file with its line.
pub fn load(
    spec: &mut WeightingSpec,
    pipeline: &Path,
) -> Result<Option<MarginsFile>, Vec<Problem>> {
    let Some(written) = spec.margins_file.clone() else {
        return Ok(None);
    };
    let at_key = |message: String| Problem {
        file: pipeline.to_path_buf(),
        key: "weighting.margins_file".into(),
        message,
    };
    if !spec.margins.is_empty() || !spec.cells.is_empty() {
        return Err(vec![at_key(
            "give the population either in margins_file or as [weighting.margins] / [[weighting.cell]] tables, not both\nhint: move every margin into the file, or remove margins_file".into(),
        )]);
    }
    let base = pipeline.parent().unwrap_or(Path::new(""));
    let path = base.join(&written);
    let bytes = crate::files::read_regular(&path).map_err(|e| {
            let hint = if e.kind() == std::io::ErrorKind::NotFound {
                "\nhint: the path is relative to the pipeline file's folder (e.g. \"../data/population.csv\" for a pipeline in pipelines/)"
            } else {
                ""
            };
            vec![at_key(format!(
                "cannot read the margins file {}: {e}{hint}",
                path.display()
            ))]
        })?;
    let in_file = |message: String| Problem {
        file: path.clone(),
        key: String::new(),
        message,
    };
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        vec![in_file(format!(
            "the margins file is not UTF-8 text (byte {} is not)\nhint: in Excel, save it as \"CSV UTF-8 (Comma delimited)\"",
            e.valid_up_to() + 1
        ))]
    })?;
    match parse(text).map_err(|ps| ps.into_iter().map(in_file).collect::<Vec<_>>())? {
        Parsed::Margins(m) => spec.margins = m,
        Parsed::Cells(c) => spec.cells = c,
    }
    let shown = if Path::new(&written).is_absolute() {
        Path::new(&written)
            .file_name()
            .map_or_else(|| written.clone(), |n| n.to_string_lossy().into_owned())
    } else {
        written.clone()
    };
    Ok(Some(MarginsFile {
        path,
        written: shown,
        sha256: crate::ingest::sha256_hex(&bytes),
        bytes: bytes.len() as u64,
    }))
}

/// The figure column's scale, from its header name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Figure {
    Share,
    Count,
}

impl Figure {
    fn key(self) -> &'static str {
        match self {
            Figure::Share => "share",
            Figure::Count => "count",
        }
    }
}

/// Parses a margins file's text; every problem is a message naming its line and column.
pub fn parse(text: &str) -> Result<Parsed, Vec<String>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let delimiter = sniff(text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(str::to_string).collect(),
        Err(e) => return Err(vec![format!("line 1: cannot read the header: {e}")]),
    };
    if header.iter().all(String::is_empty) {
        return Err(vec![
            "the margins file is empty: it needs a header and a row per level\nhint: e.g.\ncolumn,level,share\nsex,female,0.75\nsex,male,0.25".into(),
        ]);
    }
    let lower: Vec<String> = header.iter().map(|h| h.to_lowercase()).collect();
    let figures: Vec<(usize, Figure)> = lower
        .iter()
        .enumerate()
        .filter_map(|(i, h)| match h.as_str() {
            "share" => Some((i, Figure::Share)),
            "count" => Some((i, Figure::Count)),
            _ => None,
        })
        .collect();
    let (fig_at, figure) = match figures.as_slice() {
        [one] => *one,
        [] => {
            return Err(vec![format!(
                "line 1: the header ({}) has no `share` or `count` column\nhint: name the column of population figures `share` (fractions summing to 1) or `count`",
                header.join(", ")
            )])
        }
        _ => {
            return Err(vec![
                "line 1: the header has both `share` and `count`: give one of them".into(),
            ])
        }
    };
    if let Some((i, _)) = lower.iter().enumerate().find(|(_, h)| h.is_empty()) {
        return Err(vec![format!(
            "line 1: column {} of the header has no name",
            i + 1
        )]);
    }
    for (i, h) in lower.iter().enumerate() {
        if let Some(j) = lower[..i].iter().position(|e| e == h) {
            return Err(vec![format!(
                "line 1: the header names `{}` twice (columns {} and {})",
                header[i],
                j + 1,
                i + 1
            )]);
        }
    }
    let others: Vec<usize> = (0..header.len()).filter(|&i| i != fig_at).collect();
    let long = others.len() == 2 && lower[others[0]] == "column" && lower[others[1]] == "level";
    let mut problems = Vec::new();
    let mut margins: IndexMap<String, IndexMap<String, (f64, u64)>> = IndexMap::new();
    let mut cells: Vec<(Vec<String>, f64, u64)> = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                problems.push(match e.kind() {
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => format!("line {line}: {len} fields where the header has {expected_len}"),
                    _ => format!("line {line}: {e}"),
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(str::is_empty) {
            continue;
        }
        let raw = record.get(fig_at).unwrap_or("");
        let Some(value) = number(raw, figure, line, &header[fig_at], &mut problems) else {
            continue;
        };
        let texts: Vec<String> = others
            .iter()
            .map(|&i| record.get(i).unwrap_or("").to_string())
            .collect();
        if let Some(k) = texts.iter().position(String::is_empty) {
            problems.push(format!(
                "line {line}, column `{}`: empty; every row names {}",
                header[others[k]],
                if long {
                    "its margin column and level"
                } else {
                    "the level of each cell column"
                }
            ));
            continue;
        }
        if long {
            let levels = margins.entry(texts[0].clone()).or_default();
            if let Some((_, first)) = levels.get(&texts[1]) {
                problems.push(format!(
                    "line {line}: `{}` level `{}` is given twice (first on line {first})",
                    texts[0], texts[1]
                ));
                continue;
            }
            levels.insert(texts[1].clone(), (value, line));
        } else {
            if let Some((_, _, first)) = cells.iter().find(|c| c.0 == texts) {
                problems.push(format!(
                    "line {line}: the cell {} is given twice (first on line {first})",
                    describe(
                        &others
                            .iter()
                            .map(|&i| header[i].clone())
                            .collect::<Vec<_>>(),
                        &texts
                    )
                ));
                continue;
            }
            cells.push((texts, value, line));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    if long {
        if margins.is_empty() {
            return Err(vec!["the margins file has a header but no rows".into()]);
        }
        Ok(Parsed::Margins(
            margins
                .into_iter()
                .map(|(c, ls)| (c, ls.into_iter().map(|(l, (v, _))| (l, v)).collect()))
                .collect(),
        ))
    } else {
        if cells.is_empty() {
            return Err(vec!["the margins file has a header but no rows".into()]);
        }
        Ok(Parsed::Cells(
            cells
                .into_iter()
                .map(|(texts, v, _)| {
                    let mut cell: IndexMap<String, toml::Value> = others
                        .iter()
                        .zip(texts)
                        .map(|(&i, t)| (header[i].clone(), toml::Value::String(t)))
                        .collect();
                    cell.insert(figure.key().into(), toml::Value::Float(v));
                    cell
                })
                .collect(),
        ))
    }
}

/// `sex = "female", severity = "mild"`.
fn describe(columns: &[String], levels: &[String]) -> String {
    columns
        .iter()
        .zip(levels)
        .map(|(c, l)| format!("{c} = \"{l}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A population figure: a number of at least 0 (negative and non-finite values are left to
/// the `[weighting]` checks, which say what a share or count must be).
fn number(
    raw: &str,
    figure: Figure,
    line: u64,
    column: &str,
    problems: &mut Vec<String>,
) -> Option<f64> {
    if raw.is_empty() {
        problems.push(format!(
            "line {line}, column `{column}`: empty\nhint: a level nobody in the population has is given as 0"
        ));
        return None;
    }
    match raw.parse::<f64>() {
        Ok(v) if figure == Figure::Share && v > 1.0 => {
            problems.push(format!(
                "line {line}, column `{column}`: a share is a fraction of 1, found `{raw}`\nhint: {} for {raw}%, or name the column `count` for population counts",
                v / 100.0
            ));
            None
        }
        Ok(v) => Some(v),
        Err(_) => {
            let hint = if raw.ends_with('%') {
                format!(
                    "\nhint: give shares as fractions of 1 ({} for {raw})",
                    raw.trim_end_matches('%')
                        .trim()
                        .parse::<f64>()
                        .map_or_else(|_| "0.25 for 25%".to_string(), |p| format!("{}", p / 100.0))
                )
            } else if raw.contains(',') {
                "\nhint: write decimals with a point (0.25, not 0,25)".into()
            } else {
                String::new()
            };
            problems.push(format!(
                "line {line}, column `{column}`: expected a number (the population {}), found `{raw}`{hint}",
                figure.key()
            ));
            None
        }
    }
}

/// The delimiter of the header line: `,`, `;` or tab, whichever it has most of (`,` when
/// none): Excel in many European locales saves "CSV" with semicolons.
fn sniff(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| {
            (
                header.bytes().filter(|b| b == d).count(),
                // Ties (none of them): the comma.
                u8::from(*d == b','),
            )
        })
        .unwrap_or(b',')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn margins(p: Parsed) -> IndexMap<String, IndexMap<String, f64>> {
        match p {
            Parsed::Margins(m) => m,
            Parsed::Cells(_) => panic!("cells, not margins"),
        }
    }

    #[test]
    fn long_form_gives_the_margins_in_order_of_first_appearance() {
        let m = margins(
            parse("\u{feff}Column,Level,Share\nsex,female,0.75\nseverity,mild,0.25\nsex,male,0.25\nseverity,severe,0.75\n")
                .unwrap(),
        );
        assert_eq!(m.keys().collect::<Vec<_>>(), ["sex", "severity"]);
        assert_eq!(m["sex"]["female"], 0.75);
        assert_eq!(m["sex"]["male"], 0.25);
        assert_eq!(m["severity"].keys().collect::<Vec<_>>(), ["mild", "severe"]);
    }

    #[test]
    fn semicolons_and_spaces_are_read() {
        let m =
            margins(parse("column ; level ; count\nsex ; female ; 300\nsex;male;100\n").unwrap());
        assert_eq!(m["sex"]["female"], 300.0);
    }

    #[test]
    fn wide_form_gives_cells_with_their_figure() {
        let Parsed::Cells(c) =
            parse("sex,severity,count\nf,mild,10\nf,severe,20\nm,mild,5\n").unwrap()
        else {
            panic!("margins, not cells")
        };
        assert_eq!(c.len(), 3);
        assert_eq!(c[1]["sex"], toml::Value::String("f".into()));
        assert_eq!(c[1]["severity"], toml::Value::String("severe".into()));
        assert_eq!(c[1]["count"], toml::Value::Float(20.0));
    }

    #[test]
    fn every_bad_row_is_named_by_its_line() {
        let e = parse(
            "column,level,share\nsex,female,75%\nsex,,0.2\nsex,male,0,05\nsex,female,0.1\nsex,x\n",
        )
        .unwrap_err();
        assert_eq!(e.len(), 4, "{e:?}");
        assert!(
            e[0].starts_with("line 2, column `share`: expected a number"),
            "{}",
            e[0]
        );
        assert!(e[0].contains("fractions of 1 (0.75 for 75%)"), "{}", e[0]);
        assert!(
            e[1].starts_with("line 3, column `level`: empty"),
            "{}",
            e[1]
        );
        assert!(
            e[2].starts_with("line 4: 4 fields where the header has 3"),
            "{}",
            e[2]
        );
        assert!(e[3].starts_with("line 6: 2 fields"), "{}", e[3]);
    }

    #[test]
    fn a_share_above_one_is_refused_as_a_percentage() {
        let e = parse("column,level,share\nsex,female,75\nsex,male,25\n").unwrap_err();
        assert_eq!(e.len(), 2, "{e:?}");
        assert_eq!(
            e[0],
            "line 2, column `share`: a share is a fraction of 1, found `75`\nhint: 0.75 for 75%, or name the column `count` for population counts"
        );
        // The same figures as counts are counts.
        let m = margins(parse("column,level,count\nsex,female,75\nsex,male,25\n").unwrap());
        assert_eq!(m["sex"]["female"], 75.0);
    }

    #[test]
    fn a_level_given_twice_names_both_lines() {
        let e = parse("column,level,share\nsex,female,0.5\nsex,male,0.5\nsex,female,0.5\n")
            .unwrap_err();
        assert_eq!(
            e,
            ["line 4: `sex` level `female` is given twice (first on line 2)"]
        );
    }

    #[test]
    fn headers_without_a_figure_or_with_both_are_refused() {
        let e = parse("column,level,pct\nsex,f,1\n").unwrap_err();
        assert!(e[0].contains("no `share` or `count` column"), "{e:?}");
        let e = parse("sex,share,count\nf,1,2\n").unwrap_err();
        assert!(e[0].contains("both `share` and `count`"), "{e:?}");
        let e = parse("").unwrap_err();
        assert!(e[0].contains("empty"), "{e:?}");
        let e = parse("column,level,share\n").unwrap_err();
        assert!(e[0].contains("no rows"), "{e:?}");
    }
}
