//! The reader end to end: bytes in, a [`Table`] out, every record kept or rejected.

use std::path::PathBuf;

use super::*;
use crate::plan::InputKind;
use formats::Format;

fn input(kind: InputKind) -> InputPlan {
    InputPlan {
        path: PathBuf::from("t.csv"),
        written: "t.csv".into(),
        kind,
        delimiter: None,
        missing: vec!["".into(), "NA".into()],
        id_column: (kind == InputKind::Respondents).then(|| "id".into()),
        count_column: (kind == InputKind::Counts).then(|| "count".into()),
        table_column: None,
        respondents: None,
        percentages: None,
        design: None,
        format: Format::Csv,
        encoding: decode::EncodingChoice::Auto,
        rename: Default::default(),
        multi_select: Vec::new(),
        free_text: Vec::new(),
        complete_only: true,
        rules: Vec::new(),
    }
}

fn ok(_: &[String]) -> Result<(), String> {
    Ok(())
}

#[test]
fn every_record_is_kept_or_rejected_with_its_line() {
    let data: &[u8] = b"\xef\xbb\xbfid,o,g\r\n1,a,x\r\n2,b\r\n3,\"multi\nline\",x\r\n1,a,y\r\n4,NA,x\r\n5,a,\xff\r\n";
    let cols = vec!["o".to_string(), "g".to_string()];
    let t = read_from(data, &input(InputKind::Respondents), &cols, &[], &ok).unwrap();
    assert_eq!(t.header, ["id", "o", "g"]);
    assert_eq!(t.records_read, 6);
    let rej: Vec<(u64, &str)> = t
        .rejected
        .iter()
        .map(|r| (r.line, r.reason.as_ref()))
        .collect();
    assert_eq!(
        rej,
        [
            (3, "wrong number of fields"),
            (6, "duplicate respondent id"),
            (8, "invalid UTF-8")
        ]
    );
    assert_eq!(t.records_kept + t.rejected.len() as u64, t.records_read);
    assert_eq!(t.respondents, 3);
    assert!(t.rows.contains(&(vec![None, Some("x".into())], 1)));
}

#[test]
fn counts_are_validated() {
    let data = "o,count\na,5\nb,-1\nc,2.5\nd,\na,7\n";
    let cols = vec!["o".to_string()];
    let t = read_from(data.as_bytes(), &input(InputKind::Counts), &cols, &[], &ok).unwrap();
    assert_eq!(t.respondents, 12);
    assert_eq!(t.rows, vec![(vec![Some("a".into())], 12)]);
    let details: Vec<&str> = t.rejected.iter().map(|r| r.detail.as_str()).collect();
    assert_eq!(
        details,
        [
            "count `-1` is negative",
            "count `2.5` is not a whole number",
            "the count is empty"
        ]
    );
}

fn survey(format: Format) -> InputPlan {
    InputPlan {
        format,
        id_column: None,
        ..input(InputKind::Respondents)
    }
}

#[test]
fn encodings_and_delimiters_are_detected() {
    let cols = vec!["o".to_string(), "g".to_string()];
    // Windows-1252 with semicolons, as Excel saves it in European locales.
    let t = read_from(
        &b"id;o;g\r\n1;Don\x92t know;caf\xe9\r\n2;a;b\r\n"[..],
        &input(InputKind::Respondents),
        &cols,
        &[],
        &ok,
    )
    .unwrap();
    assert_eq!((t.encoding.as_ref(), t.delimiter), ("Windows-1252", b';'));
    assert!(t.warnings[0].contains("t.csv: not valid UTF-8 (byte 0x92 on line 2)"));
    assert_eq!(
        t.rows[0].0,
        [Some("Don\u{2019}t know".into()), Some("caf\u{e9}".into())]
    );
    // UTF-16 LE with a mark, tab-separated.
    let bytes: Vec<u8> = b"\xff\xfe"
        .iter()
        .copied()
        .chain(
            "id\to\tg\n1\t\u{e9}\tx\n"
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        )
        .collect();
    let t = read_from(&bytes[..], &input(InputKind::Respondents), &cols, &[], &ok).unwrap();
    assert_eq!((t.encoding.as_ref(), t.delimiter), ("UTF-16LE", b'\t'));
    assert_eq!(t.rows[0].0, [Some("\u{e9}".into()), Some("x".into())]);
    // Binary data is refused with its offset.
    let e = read_from(
        &b"PK\x03\x04\0\0"[..],
        &input(InputKind::Respondents),
        &cols,
        &[],
        &ok,
    )
    .unwrap_err();
    assert!(e.to_string().contains("NUL byte at byte 4"), "{e}");
}

#[test]
fn qualtrics_header_rows_completeness_and_breakout_multi_select() {
    let data = "Finished,Status,ResponseId,Q4_1,Q4_2,Q4_3_TEXT,Q5\n\
        Finished,Response Type,Response ID,Which got worse? - Selected Choice - Fatigue,Which got worse? - Selected Choice - Pain,Which got worse? - Other - Text,Severity\n\
        \"{\"\"ImportId\"\":\"\"finished\"\"}\",x,x,x,x,x,x\n\
        1,IP Address,R_1,1,,my words,Mild\n\
        1,IP Address,R_2,,1,,Severe\n\
        1,IP Address,R_3,,,,Severe\n\
        0,IP Address,R_4,1,1,,Mild\n\
        1,Survey Preview,R_5,1,,,Mild\n";
    let mut plan = survey(Format::Qualtrics);
    plan.rename.insert("Q4".into(), "worse".into());
    plan.multi_select.push(crate::plan::MultiSelect {
        name: "worse".into(),
        choices: None,
        separator: None,
        other: false,
    });
    let cols = vec![
        "worse/Fatigue".to_string(),
        "worse/Pain".to_string(),
        "Q5".to_string(),
    ];
    let t = read_from(data.as_bytes(), &plan, &cols, &[], &ok).unwrap();
    assert_eq!(t.records_read, 5);
    let rej: Vec<(u64, &str)> = t
        .rejected
        .iter()
        .map(|r| (r.line, r.reason.as_ref()))
        .collect();
    assert_eq!(rej, [(7, "incomplete response"), (8, "survey preview")]);
    let s = |v: &str| Some(v.to_string());
    assert_eq!(
        t.rows,
        [
            (vec![s("1"), s("0"), s("Mild")], 1),
            (vec![s("0"), s("1"), s("Severe")], 1),
            (vec![None, None, s("Severe")], 1),
        ]
    );
    // Free text is refused by name, and withheld from verbatim records.
    let e = read_from(data.as_bytes(), &plan, &["Q4_3_TEXT".to_string()], &[], &ok).unwrap_err();
    assert!(e.to_string().contains("is free text"), "{e}");
    assert!(t.rejected[0].record.contains("[withheld: free text]"));
}

#[test]
fn google_forms_joined_cells_and_value_checks() {
    let data = "Timestamp,Which got worse?,Age\n\
        t,\"Fatigue, Brain fog, memory or concentration\",30\n\
        t,\"Pain, walking hurts, a lot\",41\n\
        t,,52\n\
        t,Pain,15\n\
        t,Pain,abc\n";
    let mut plan = survey(Format::GoogleForms);
    plan.rename
        .insert("Which got worse?".into(), "worse".into());
    plan.multi_select.push(crate::plan::MultiSelect {
        name: "worse".into(),
        choices: Some(vec![
            "Fatigue".into(),
            "Brain fog, memory or concentration".into(),
            "Pain".into(),
        ]),
        separator: None,
        other: true,
    });
    // A value check on a column that is not analysed (as `[validate]` rules are).
    let adult = ValueCheck {
        column: "Age",
        check: Box::new(|v: Option<&str>| match v.map(str::parse::<u32>) {
            Some(Ok(age)) if age < 16 => Some(("outside range", "too young".into())),
            Some(Err(_)) => Some(("not a number", "not an age".into())),
            _ => None,
        }),
    };
    let cols: Vec<String> = [
        "worse/Brain fog, memory or concentration",
        "worse/Pain",
        "worse/Other",
    ]
    .map(String::from)
    .to_vec();
    let t = read_from(data.as_bytes(), &plan, &cols, &[adult], &ok).unwrap();
    let s = |v: &str| Some(v.to_string());
    assert_eq!(
        t.rows,
        [
            (vec![s("1"), s("0"), s("0")], 1),
            (vec![s("0"), s("1"), s("1")], 1),
            (vec![None, None, None], 1),
        ]
    );
    let rej: Vec<(u64, &str)> = t
        .rejected
        .iter()
        .map(|r| (r.line, r.reason.as_ref()))
        .collect();
    assert_eq!(rej, [(5, "outside range"), (6, "not a number")]);
    assert_eq!(t.rejected[0].detail, "too young");
}

#[test]
fn empty_and_header_only_files_are_errors() {
    let cols = vec![];
    let e = read_from("".as_bytes(), &input(InputKind::Counts), &cols, &[], &ok).unwrap_err();
    assert!(e.to_string().contains("is empty"));
    let e = read_from(
        "o,count\n".as_bytes(),
        &input(InputKind::Counts),
        &cols,
        &[],
        &ok,
    )
    .unwrap_err();
    assert!(e.to_string().contains("no data rows"));
    let e = read_from(
        "o,o\n1,2\n".as_bytes(),
        &input(InputKind::Counts),
        &cols,
        &[],
        &ok,
    )
    .unwrap_err();
    assert!(e.to_string().contains("appears twice"));
}

#[test]
fn layout_problems_are_all_given_with_their_keys() {
    let data = "Finished,ResponseId,Q4_1,Q4_2,Q4_3_TEXT,Q5\n\
        Finished,Response ID,Which got worse? - Selected Choice - Fatigue,Which got worse? - Selected Choice - Pain,Which got worse? - Other - Text,Severity\n\
        1,R_1,1,,,Mild\n";
    let mut plan = survey(Format::Qualtrics);
    plan.rename.insert("Qzz".into(), "zz".into());
    plan.free_text.push("nope".into());
    let multi = |name: &str, choices: Option<Vec<String>>, other| crate::plan::MultiSelect {
        name: name.into(),
        choices,
        separator: None,
        other,
    };
    plan.multi_select.push(multi(
        "Q4",
        Some(vec!["Fatigue".into(), "Pian".into()]),
        true,
    ));
    plan.multi_select.push(multi("Q5", None, false));
    plan.multi_select.push(multi("Q6", None, false));
    let e = read_from(data.as_bytes(), &plan, &[], &[], &ok).unwrap_err();
    assert_eq!(
        e.to_string(),
        "t.csv: key `input.rename`: `Qzz` is not a column or question of the file\n\
         key `input.free_text`: column `nope` is not in the file\n\
         key `input.multi_select.Q4.choices`: `Pian` is not an option of `Q4` (its options: Fatigue, Pain)\n\
         hint: did you mean `Pain`?\n\
         key `input.multi_select.Q4.other`: `other` applies to answers joined in one cell; here each option has its own column\n\
         key `input.multi_select.Q5`: `Q5` is one column with the ticked options joined in a cell, so tally needs the list of options\n\
         hint: add `choices = [\"...\", ...]` as the options are written in the export\n\
         key `input.multi_select.Q6`: no question of the file is called `Q6` (questions with options in columns: Q4)"
    );
}

/// The data-parallel path ([`parallel`]) gives exactly the serial path's table.
mod parallel_matches_serial {
    use super::*;

    /// A fixed 64-bit LCG (Knuth's MMIX constants), so that every run makes the same files.
    struct Lcg(u64);

    impl Lcg {
        fn below(&mut self, n: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 33) % n
        }
        fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
            xs[self.below(xs.len() as u64) as usize]
        }
    }

    /// A respondents file with every kind of record the reader treats apart: quoted fields
    /// with delimiters, doubled quotes and line ends inside, stray quotes, blank lines, LF,
    /// CRLF and lone-CR line ends, too few and too many fields, missing values, invalid
    /// UTF-8, NUL bytes, duplicate and non-numeric ids, and sometimes a quote left open at
    /// the end.
    fn random_csv(rng: &mut Lcg, rows: usize, quotes: bool) -> Vec<u8> {
        let ends: &[&str] = if rng.below(3) == 0 {
            &["\n"]
        } else {
            &["\n", "\r\n", "\n", "\r"]
        };
        let end = rng.pick(ends);
        let mut out = format!("id,o,g,age{end}").into_bytes();
        for _ in 0..rows {
            let end = rng.pick(ends);
            if rng.below(12) == 0 {
                out.extend_from_slice(end.as_bytes());
                continue;
            }
            let id = match rng.below(10) {
                0 => format!("R_{}", rng.below(50)),
                1 => format!("0{}", rng.below(9)),
                _ => rng.below(400).to_string(),
            };
            let mut o = rng.pick(&["a", "b", "c", "NA", "", "b b"]).to_string();
            if quotes {
                o = match rng.below(12) {
                    0 => format!("\"{o},x\""),
                    1 => format!("\"multi{}line\"", rng.pick(&["\n", "\r\n", "\r", "\n\n"])),
                    2 => "\"say \"\"hi\"\"\"".to_string(),
                    3 => "ab\"c".to_string(),
                    4 => "\"q\"tail".to_string(),
                    _ => o,
                };
            }
            let g = rng.pick(&["x", "y", "z", "NA"]);
            let age = rng.pick(&["30", "15", "abc", "44", ""]);
            let mut rec = format!("{id},{o},{g},{age}").into_bytes();
            match rng.below(30) {
                0 => rec = format!("{id},{o}").into_bytes(),
                1 => rec.extend_from_slice(b",extra"),
                2 => rec.extend_from_slice(b"\xff"),
                3 => rec = format!("{id},a\0b,{g},{age}").into_bytes(),
                _ => {}
            }
            out.extend_from_slice(&rec);
            out.extend_from_slice(end.as_bytes());
        }
        if quotes && rng.below(8) == 0 {
            out.extend_from_slice(b"9,\"open to the end,x,30\n1,a,x,30\n");
        }
        out
    }

    fn adult() -> ValueCheck<'static> {
        ValueCheck {
            column: "age",
            check: Box::new(|v: Option<&str>| match v.map(str::parse::<u32>) {
                Some(Ok(age)) if age < 16 => Some(("outside range", "too young".into())),
                Some(Err(_)) => Some(("not a number", "not an age".into())),
                _ => None,
            }),
        }
    }

    /// The table as the later stages see it (every field), for comparing.
    fn shown(t: &Table) -> String {
        format!("{t:?}")
    }

    /// Both paths on `data`; `true` when the parallel one kept to its path (did not ask for
    /// a serial read).
    fn same(data: &[u8], plan: &InputPlan, block: usize) -> bool {
        let cols = vec!["o".to_string(), "g".to_string()];
        let checks = [adult()];
        let serial = read_from(data, plan, &cols, &checks, &ok);
        let par = parallel::Plan { block, workers: 3 };
        let parallel = ingest(data, plan, &cols, &checks, &ok, Some(par));
        match (serial, parallel) {
            (Ok(s), Ok(Some(p))) => {
                assert_eq!(
                    shown(&s),
                    shown(&p),
                    "block {block}:\n{}",
                    String::from_utf8_lossy(data)
                );
                true
            }
            (Ok(_), Ok(None)) => false,
            (Err(s), Err(p)) => {
                assert_eq!(s.to_string(), p.to_string());
                true
            }
            (s, p) => panic!("serial {s:?}, parallel {:?}", p.map(|t| t.is_some())),
        }
    }

    #[test]
    fn on_random_files_cut_into_many_blocks() {
        let mut rng = Lcg(20261202);
        let (mut kept, mut again) = (0, 0);
        for case in 0..400 {
            let quotes = case % 4 != 0;
            let rows = 1 + rng.below(120) as usize;
            let data = random_csv(&mut rng, rows, quotes);
            let mut plan = input(InputKind::Respondents);
            if case % 5 == 0 {
                plan.id_column = None;
            }
            for block in [1, 7, 64, 301, 1 << 20] {
                if same(&data, &plan, block) {
                    kept += 1;
                } else {
                    again += 1;
                }
            }
        }
        // Most cuts are good; the others fell back (and were compared above as serial).
        assert!(kept > 4 * again, "kept {kept}, again {again}");
    }

    #[test]
    fn a_file_without_quotes_never_falls_back() {
        let mut rng = Lcg(7);
        for _ in 0..50 {
            let rows = 1 + rng.below(300) as usize;
            let data = random_csv(&mut rng, rows, false);
            for block in [1, 5, 33, 256] {
                assert!(same(&data, &input(InputKind::Respondents), block));
            }
        }
    }

    #[test]
    fn duplicate_ids_across_blocks_keep_their_first_lines() {
        // The first record of tuple (b, y) is a duplicate: its tuple first appears later.
        let data = b"id,o,g,age\n1,a,x,30\n2,a,x,30\n1,b,y,30\n3,c,z,30\n4,b,y,30\n2,c,z,30\n";
        for block in [1, 12, 20, 40] {
            assert!(same(data, &input(InputKind::Respondents), block));
        }
        let cols = vec!["o".to_string(), "g".to_string()];
        let par = parallel::Plan {
            block: 1,
            workers: 3,
        };
        let t = ingest(
            &data[..],
            &input(InputKind::Respondents),
            &cols,
            &[],
            &ok,
            Some(par),
        )
        .unwrap()
        .unwrap();
        let details: Vec<(u64, &str)> = t
            .rejected
            .iter()
            .map(|r| (r.line, r.detail.as_str()))
            .collect();
        assert_eq!(
            details,
            [
                (4, "the id was first seen on line 2"),
                (7, "the id was first seen on line 3")
            ]
        );
        assert_eq!(t.rows.len(), 3);
        assert_eq!(t.rows[1], (vec![Some("c".into()), Some("z".into())], 1));
    }
}
