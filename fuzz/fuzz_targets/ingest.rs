//! Any bytes, read as a survey export in every format and encoding setting, must give a table
//! or a clear error: never a panic. The first byte picks the settings; the rest is the file.
#![no_main]

use std::path::PathBuf;

use libfuzzer_sys::fuzz_target;
use tally::ingest::{decode::EncodingChoice, formats::Format};
use tally::plan::{InputKind, InputPlan, MultiSelect, Rule};

fuzz_target!(|data: &[u8]| {
    let Some((&knob, file)) = data.split_first() else {
        return;
    };
    let format = [
        Format::Csv,
        Format::Qualtrics,
        Format::SurveyMonkey,
        Format::GoogleForms,
        Format::LimeSurvey,
    ][usize::from(knob & 7) % 5];
    let encoding = [
        EncodingChoice::Auto,
        EncodingChoice::Utf8,
        EncodingChoice::Utf16,
        EncodingChoice::Windows1252,
    ][usize::from(knob >> 3 & 3)];
    let counts = knob & 0x20 != 0;
    let input = InputPlan {
        path: PathBuf::from("fuzz.csv"),
        written: "fuzz.csv".into(),
        kind: if counts { InputKind::Counts } else { InputKind::Respondents },
        delimiter: (knob & 0x40 != 0).then_some(b';'),
        missing: vec![String::new(), "NA".into()],
        id_column: (!counts && knob & 0x80 != 0).then(|| "id".into()),
        count_column: counts.then(|| "count".into()),
        format,
        encoding,
        rename: Default::default(),
        multi_select: vec![MultiSelect {
            name: "m".into(),
            choices: Some(vec!["a".into(), "b, c".into()]),
            separator: None,
            other: true,
        }],
        free_text: Vec::new(),
        complete_only: true,
        rules: vec![Rule {
            column: "o".into(),
            allowed: None,
            range: Some((0.0, 10.0)),
            integer: true,
            required: false,
        }],
    };
    let columns = vec!["o".to_string(), "m/a".to_string()];
    let check = |available: &[String]| -> Result<(), String> {
        let mut wanted: Vec<&String> = columns.iter().collect();
        wanted.extend(input.id_column.iter());
        wanted.extend(input.count_column.iter());
        match wanted.iter().find(|c| !available.contains(c)) {
            Some(c) => Err(format!("column `{c}` is missing")),
            None => Ok(()),
        }
    };
    let rules = tally::validate::rules::checks(&input.rules);
    if let Ok(t) = tally::ingest::read_from(file, &input, &columns, &rules, &check) {
        assert_eq!(t.records_kept + t.rejected.len() as u64, t.records_read);
    }
});
