//! Columnar inputs (`input.format = "parquet"` / `"arrow"`): a Parquet or Arrow IPC file
//! written from a CSV fixture (here, with polars, the columns typed as a converter types
//! them: integers, floats, strings, nulls for empty cells) gives the same `estimates.csv`,
//! byte for byte, as the CSV; and each bad file is refused naming the file and column.

use std::fs::File;
use std::path::Path;

use polars::prelude::*;

use crate::support::{code, root, stderr, Scratch};

/// A CSV column's type as a converter would infer it.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Inferred {
    Int,
    Float,
    Text,
}

/// The CSV text as a DataFrame: each column an `i64` column if every non-empty cell is an
/// integer, else `f64` if every one is a number, else text; an empty cell is a null.
/// `floats` forces those columns to `f64` (as pandas stores integers with gaps).
fn frame(csv_text: &str, floats: &[&str]) -> DataFrame {
    let mut r = csv::Reader::from_reader(csv_text.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let rows: Vec<Vec<String>> = r
        .records()
        .map(|rec| rec.unwrap().iter().map(String::from).collect())
        .collect();
    let mut columns = Vec::new();
    for (j, name) in header.iter().enumerate() {
        let cells: Vec<Option<&str>> = rows
            .iter()
            .map(|row| Some(row[j].as_str()).filter(|c| !c.is_empty()))
            .collect();
        let all = |ok: &dyn Fn(&str) -> bool| cells.iter().flatten().all(|c| ok(c));
        let kind = if floats.contains(&name.as_str()) {
            Inferred::Float
        } else if all(&|c| c.parse::<i64>().is_ok()) {
            Inferred::Int
        } else if all(&|c| c.parse::<f64>().is_ok()) {
            Inferred::Float
        } else {
            Inferred::Text
        };
        let name = PlSmallStr::from(name.as_str());
        let series = match kind {
            Inferred::Int => Series::new(
                name,
                cells
                    .iter()
                    .map(|c| c.map(|c| c.parse::<i64>().unwrap()))
                    .collect::<Vec<_>>(),
            ),
            Inferred::Float => Series::new(
                name,
                cells
                    .iter()
                    .map(|c| c.map(|c| c.parse::<f64>().unwrap()))
                    .collect::<Vec<_>>(),
            ),
            Inferred::Text => Series::new(name, cells),
        };
        columns.push(series.into_column());
    }
    DataFrame::new(rows.len(), columns).unwrap()
}

fn write_parquet(df: &mut DataFrame, path: &Path) {
    let f = File::create(path).unwrap();
    // Small row groups, so that the scan goes over several.
    ParquetWriter::new(f)
        .with_row_group_size(Some(1000))
        .finish(df)
        .unwrap();
}

fn write_arrow(df: &mut DataFrame, path: &Path) {
    let f = File::create(path).unwrap();
    IpcWriter::new(f)
        .with_record_batch_size(Some(1000))
        .finish(df)
        .unwrap();
}

/// Runs `pipeline` (its input path `../data/<data>`) in `s`; returns its report directory.
fn run(s: &Scratch, name: &str, pipeline: &str) -> std::path::PathBuf {
    s.write(&format!("pipelines/{name}.toml"), pipeline);
    let o = s.run(&["run", &format!("pipelines/{name}.toml")]);
    assert_eq!(code(&o), 0, "{name}: {}", stderr(&o));
    s.path().join(format!("reports/{name}"))
}

/// The repository's pipeline `example`, its `name` line dropped (the report is named after
/// the file) and its input path changed to `data`, with `extra` keys added to `[input]`.
fn example(example: &str, csv: &str, data: &str, extra: &str) -> String {
    let text = std::fs::read_to_string(root().join(format!("pipelines/{example}.toml"))).unwrap();
    // The top-level `name` (before the first table), not the analyses' names.
    let first_table = text.find("\n[").unwrap();
    let (top, rest) = text.split_at(first_table);
    let top: String = top
        .lines()
        .filter(|l| !l.starts_with("name = "))
        .map(|l| format!("{l}\n"))
        .collect();
    let text = format!("{top}{rest}");
    let from = format!("path = \"../data/{csv}\"");
    assert!(text.contains(&from), "{example} reads {csv}");
    text.replacen(&from, &format!("path = \"../data/{data}\"{extra}"), 1)
}

/// Runs `example` on its CSV and on Parquet and Arrow files written from it: the three
/// `estimates.csv` (and `rejected.csv`, but for its first column's name) are the same
/// bytes.
fn same_estimates(example_name: &str, csv: &str, floats: &[&str]) {
    let s = Scratch::new();
    let text = std::fs::read_to_string(root().join("data").join(csv)).unwrap();
    s.write(&format!("data/{csv}"), &text);
    let mut df = frame(&text, floats);
    write_parquet(&mut df, &s.path().join("data/d.parquet"));
    write_arrow(&mut df, &s.path().join("data/d.arrow"));
    let from_csv = run(&s, "c", &example(example_name, csv, csv, ""));
    let base = std::fs::read(from_csv.join("estimates.csv")).unwrap();
    assert!(
        base.len() > 500,
        "{example_name}: estimates.csv has figures"
    );
    // By extension, then by `format`.
    let parquet = run(&s, "p", &example(example_name, csv, "d.parquet", ""));
    let arrow = run(
        &s,
        "a",
        &example(example_name, csv, "d.arrow", "\nformat = \"arrow\""),
    );
    for dir in [&parquet, &arrow] {
        let got = std::fs::read(dir.join("estimates.csv")).unwrap();
        assert!(
            got == base,
            "{example_name}: {} differs from the CSV's estimates.csv",
            dir.display()
        );
        let manifest = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
        let file = if dir == &parquet {
            "d.parquet"
        } else {
            "d.arrow"
        };
        let sha = sha256(&s.path().join("data").join(file));
        assert!(
            manifest.contains(&sha),
            "manifest.json keeps the file's SHA-256"
        );
    }
}

fn sha256(path: &Path) -> String {
    use sha2::{Digest, Sha256};
    let bytes = std::fs::read(path).unwrap();
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn a_weighted_survey_from_parquet_or_arrow_gives_the_csv_estimates_byte_for_byte() {
    same_estimates("weighted-survey", "weighted_survey.csv", &[]);
}

#[test]
fn a_counts_table_from_parquet_or_arrow_gives_the_csv_estimates_byte_for_byte() {
    same_estimates("ame-2019-get", "ame_2019_get.csv", &[]);
}

/// The pipeline of the coded tests: `code` recoded to better / same / worse, by `grp`.
fn coded_pipeline(data: &str) -> String {
    format!(
        "[input]\npath = \"../data/{data}\"\nid_column = \"id\"\nweight = \"w\"\n[recode.code]\n\"1\" = \"better\"\n\"2\" = \"same\"\n\"3\" = \"worse\"\n[disclosure]\nprotect = false\n[[analysis]]\nname = \"a\"\noutcome = \"code\"\nlevels = [\"better\", \"same\", \"worse\"]\nby = [\"grp\"]\n"
    )
}

/// Narrow integer columns, signed and unsigned (pandas' `int8`/`uint16`, R's small codes
/// through arrow), read as the CSV's integers: the same estimates, byte for byte.
#[test]
fn narrow_integer_columns_read_as_the_integers_of_the_csv() {
    let csv = "id,grp,code,w\n1,1,1,1.5\n2,1,2,2\n3,2,3,0.5\n4,2,3,1\n5,1,2,1.25\n6,2,1,3\n7,1,3,1\n8,2,2,2\n300,2,1,1\n";
    let s = Scratch::new();
    s.write("data/d.csv", csv);
    let c = run(&s, "c", &coded_pipeline("d.csv"));
    let base = std::fs::read_to_string(c.join("estimates.csv")).unwrap();
    assert!(base.contains("worse"), "{base}");
    for (i, types) in [
        [DataType::Int16, DataType::Int8, DataType::UInt8],
        [DataType::UInt16, DataType::UInt8, DataType::Int16],
    ]
    .into_iter()
    .enumerate()
    {
        let mut df = frame(csv, &[]);
        for (name, t) in ["id", "grp", "code"].into_iter().zip(&types) {
            let narrow = df.column(name).unwrap().cast(t).unwrap();
            df.with_column(narrow).unwrap();
            assert_eq!(df.column(name).unwrap().dtype(), t);
        }
        write_parquet(&mut df, &s.path().join(format!("data/n{i}.parquet")));
        write_arrow(&mut df, &s.path().join(format!("data/n{i}.arrow")));
        for data in [format!("n{i}.parquet"), format!("n{i}.arrow")] {
            let dir = run(&s, &format!("n{i}{}", data.len()), &coded_pipeline(&data));
            assert_eq!(
                base,
                std::fs::read_to_string(dir.join("estimates.csv")).unwrap(),
                "{data} ({types:?})"
            );
        }
    }
}

/// Integer codes stored as floats (as pandas stores integers with missing values): `2.0`
/// reads as the CSV's `2`, so its recodes apply, and a count stored as a float reads as
/// the whole number it is.
#[test]
fn integral_floats_read_as_the_integers_of_the_csv() {
    let csv = "id,grp,code,w\n1,1,1,1.5\n2,1,2,2\n3,2,,0.5\n4,2,3,1\n5,1,2,1.25\n6,2,1,3\n7,1,3,1\n8,2,2,2\n";
    let s = Scratch::new();
    s.write("data/d.csv", csv);
    let mut df = frame(csv, &["grp", "code", "id"]);
    assert_eq!(df.column("code").unwrap().dtype(), &DataType::Float64);
    write_parquet(&mut df, &s.path().join("data/d.parquet"));
    let c = run(&s, "c", &coded_pipeline("d.csv"));
    let p = run(&s, "p", &coded_pipeline("d.parquet"));
    let base = std::fs::read_to_string(c.join("estimates.csv")).unwrap();
    assert!(base.contains("better"), "{base}");
    assert_eq!(
        base,
        std::fs::read_to_string(p.join("estimates.csv")).unwrap()
    );
}

/// A bad value is rejected as in the CSV, with the same reason and detail, named by its
/// row (1-based) where the CSV names its line.
#[test]
fn rejected_rows_are_the_csvs_named_by_row() {
    let csv = "g,o,count\na,x,3\na,y,two\nb,x,1\nb,y,-1\nb,x,2\nb,y,4\na,y,1\n";
    let pipeline = |data: &str| {
        format!("[input]\npath = \"../data/{data}\"\nkind = \"counts\"\n[disclosure]\nprotect = false\n[[analysis]]\nname = \"a\"\noutcome = \"o\"\nlevels = [\"x\", \"y\"]\nby = [\"g\"]\n")
    };
    let s = Scratch::new();
    s.write("data/d.csv", csv);
    let mut df = frame(csv, &[]);
    assert_eq!(df.column("count").unwrap().dtype(), &DataType::String);
    write_parquet(&mut df, &s.path().join("data/d.parquet"));
    let c = run(&s, "c", &pipeline("d.csv"));
    s.write("pipelines/p.toml", pipeline("d.parquet"));
    let o = s.run(&["run", "pipelines/p.toml"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("column `count` holds numbers stored as text (string)"),
        "{}",
        stderr(&o)
    );
    let p = s.path().join("reports/p");
    let from_csv = std::fs::read_to_string(c.join("rejected.csv")).unwrap();
    let from_parquet = std::fs::read_to_string(p.join("rejected.csv")).unwrap();
    assert!(
        from_csv.starts_with("internal_run,line,reason,detail"),
        "{from_csv}"
    );
    assert!(
        from_parquet.starts_with("internal_run,row,reason,detail"),
        "{from_parquet}"
    );
    // Line 3 of the CSV is its data row 2 (the header is line 1).
    assert!(from_csv.contains(",3,invalid count,count `two` is not a number"));
    assert!(from_parquet.contains(",2,invalid count,count `two` is not a number"));
    assert!(from_parquet.contains(",4,invalid count,count `-1` is negative"));
    assert_eq!(
        std::fs::read(c.join("estimates.csv")).unwrap(),
        std::fs::read(p.join("estimates.csv")).unwrap()
    );
}

/// A duplicate respondent id names the row of its first use.
#[test]
fn a_duplicate_id_names_its_first_row() {
    let csv = "id,g,o\n1,a,x\n2,a,y\n1,b,x\n3,b,y\n";
    let s = Scratch::new();
    let mut df = frame(csv, &[]);
    std::fs::create_dir_all(s.path().join("data")).unwrap();
    write_parquet(&mut df, &s.path().join("data/d.parquet"));
    let p = run(
        &s,
        "p",
        "[input]\npath = \"../data/d.parquet\"\nid_column = \"id\"\n[disclosure]\nprotect = false\n[[analysis]]\nname = \"a\"\noutcome = \"o\"\nlevels = [\"x\", \"y\"]\nby = [\"g\"]\n",
    );
    let rejected = std::fs::read_to_string(p.join("rejected.csv")).unwrap();
    assert!(
        rejected.contains("3,duplicate respondent id,the id was first seen on row 1"),
        "{rejected}"
    );
}

/// Runs a one-analysis pipeline on `data/<file>` (written by `write`), which must fail
/// with exit 1; returns stderr.
fn refused(file: &str, extra: &str, write: impl FnOnce(&Path)) -> String {
    let s = Scratch::new();
    std::fs::create_dir_all(s.path().join("data")).unwrap();
    write(&s.path().join("data").join(file));
    s.write(
        "pipelines/p.toml",
        format!("[input]\npath = \"../data/{file}\"\n{extra}[[analysis]]\nname = \"a\"\noutcome = \"o\"\nlevels = [\"x\", \"y\"]\nby = [\"g\"]\n"),
    );
    let o = s.run(&["run", "pipelines/p.toml"]);
    let err = stderr(&o);
    assert_eq!(code(&o), 1, "{err}");
    assert!(err.contains(file), "names the file: {err}");
    assert!(
        !err.contains("panicked at") || err.contains("cannot read it as"),
        "{err}"
    );
    err
}

fn small() -> DataFrame {
    frame("g,o,n\na,x,1\nb,y,2\n", &[])
}

#[test]
fn a_missing_column_is_named_with_a_did_you_mean_from_the_schema() {
    let err = refused("d.parquet", "", |p| {
        let mut df = frame("grp,o\na,x\nb,y\n", &[]);
        write_parquet(&mut df, p);
    });
    assert!(err.contains("`g`"), "{err}");
    assert!(err.contains("grp"), "{err}");
}

#[test]
fn a_list_column_is_refused_naming_it_and_its_type() {
    let err = refused("d.parquet", "", |p| {
        let lists = Series::new(
            "o".into(),
            [
                Series::new("".into(), ["x", "y"]),
                Series::new("".into(), ["y"]),
            ],
        );
        let mut df = DataFrame::new(
            2,
            vec![
                Series::new("g".into(), ["a", "b"]).into_column(),
                lists.into_column(),
            ],
        )
        .unwrap();
        write_parquet(&mut df, p);
    });
    assert!(err.contains("column `o` has type list of string"), "{err}");
    assert!(err.contains("hint:"), "{err}");
}

#[test]
fn a_boolean_outcome_reads_as_true_and_false() {
    let s = Scratch::new();
    let mut df = DataFrame::new(
        4,
        vec![
            Series::new("g".into(), ["a", "a", "b", "b"]).into_column(),
            Series::new("o".into(), [true, false, true, true]).into_column(),
        ],
    )
    .unwrap();
    std::fs::create_dir_all(s.path().join("data")).unwrap();
    write_arrow(&mut df, &s.path().join("data/d.feather"));
    let p = run(
        &s,
        "p",
        "[input]\npath = \"../data/d.feather\"\n[disclosure]\nprotect = false\n[[analysis]]\nname = \"a\"\noutcome = \"o\"\nlevels = [\"true\", \"false\"]\nby = [\"g\"]\n",
    );
    let est = std::fs::read_to_string(p.join("estimates.csv")).unwrap();
    assert!(est.contains(",true,3,4,"), "{est}");
}

#[test]
fn a_truncated_file_is_refused_naming_it() {
    let err = refused("d.parquet", "", |p| {
        let mut df = small();
        write_parquet(&mut df, p);
        let bytes = std::fs::read(p).unwrap();
        std::fs::write(p, &bytes[..bytes.len() / 2]).unwrap();
    });
    assert!(err.contains("truncated or damaged"), "{err}");
}

#[test]
fn a_damaged_file_is_refused_naming_it() {
    let err = refused("d.parquet", "", |p| {
        let mut df = small();
        write_parquet(&mut df, p);
        let mut bytes = std::fs::read(p).unwrap();
        // Overwrite the middle (pages and footer), keeping both marks.
        let n = bytes.len();
        for b in &mut bytes[8..n - 8] {
            *b = 0x5a;
        }
        std::fs::write(p, &bytes).unwrap();
    });
    assert!(err.contains("cannot read it as a Parquet file"), "{err}");
}

#[test]
fn an_empty_file_is_refused_naming_it() {
    let err = refused("d.arrow", "", |p| std::fs::write(p, b"").unwrap());
    assert!(err.contains("the file is empty"), "{err}");
}

#[test]
fn a_csv_named_parquet_is_refused_with_a_hint() {
    let err = refused("d.parquet", "", |p| {
        std::fs::write(p, "g,o\na,x\nb,y\n").unwrap()
    });
    assert!(err.contains("not a Parquet file"), "{err}");
    assert!(err.contains("looks like text"), "{err}");
    assert!(err.contains("input.format = \"csv\""), "{err}");
}

#[test]
fn a_parquet_file_named_arrow_is_refused_with_its_format() {
    let err = refused("d.arrow", "", |p| {
        let mut df = small();
        write_parquet(&mut df, p);
    });
    assert!(err.contains("it is a Parquet file"), "{err}");
    assert!(err.contains("input.format = \"parquet\""), "{err}");
}

#[test]
fn a_file_with_no_rows_is_refused() {
    let err = refused("d.parquet", "", |p| {
        let mut df = frame("g,o\n", &[]);
        write_parquet(&mut df, p);
    });
    assert!(err.contains("no rows"), "{err}");
}

#[test]
fn a_weight_column_of_text_is_read_as_in_a_csv_and_its_bad_values_rejected() {
    let s = Scratch::new();
    let mut df = frame("g,o,w\na,x,1.5\na,y,heavy\nb,x,2\nb,y,1\n", &[]);
    assert_eq!(df.column("w").unwrap().dtype(), &DataType::String);
    std::fs::create_dir_all(s.path().join("data")).unwrap();
    write_parquet(&mut df, &s.path().join("data/d.parquet"));
    s.write("pipelines/p.toml", "[input]\npath = \"../data/d.parquet\"\nweight = \"w\"\n[disclosure]\nprotect = false\n[[analysis]]\nname = \"a\"\noutcome = \"o\"\nlevels = [\"x\", \"y\"]\nby = [\"g\"]\n");
    let o = s.run(&["run", "pipelines/p.toml"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("d.parquet: column `w` holds numbers stored as text"));
    let rejected = s.read("reports/p/rejected.csv");
    assert!(
        rejected.contains("2,invalid weight,weight `heavy` is not a number"),
        "{rejected}"
    );
}

#[test]
fn csv_keys_on_a_columnar_input_are_problems() {
    let s = Scratch::new();
    let mut df = small();
    std::fs::create_dir_all(s.path().join("data")).unwrap();
    write_parquet(&mut df, &s.path().join("data/d.parquet"));
    s.write("pipelines/p.toml", "[input]\npath = \"../data/d.parquet\"\ndelimiter = \";\"\n[[analysis]]\nname = \"a\"\noutcome = \"o\"\nlevels = [\"x\", \"y\"]\nby = [\"g\"]\n");
    let o = s.run(&["run", "pipelines/p.toml"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("input.delimiter"), "{}", stderr(&o));
}
