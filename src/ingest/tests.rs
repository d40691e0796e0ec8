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
