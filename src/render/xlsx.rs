//! `tables.xlsx`: the report's tables for people who live in Excel. The only user of
//! `rust_xlsxwriter`.
//!
//! - A "Read me" sheet (title, input and pipeline with SHA-256, row accounting, disclosure
//!   control), then one sheet per analysis, then "Comparisons" when there are any.
//! - Counts, n and intervals are stored as numbers; proportions and bounds are numbers shown
//!   as percentages (`0.0%`), so they sort and sum as numbers. A suppressed count is the text
//!   `<5` or `suppressed`, never a number.
//! - Every label is written as a string cell (`t="s"`), never as a formula, so an answer such
//!   as `=HYPERLINK(...)` is shown, not run.
//! - Reproducible: the document's creation date is fixed (the run date is in the manifest),
//!   and the zip entries carry the constant 1980-01-01 time.

pub use rust_xlsxwriter::XlsxError;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet};

use super::tables::ALL;
use super::ReportInput;
use crate::estimate::AnalysisResult;

/// Builds the workbook (the only rust_xlsxwriter code).
pub fn workbook(input: &ReportInput) -> Result<Vec<u8>, XlsxError> {
    build(input)
}

struct Styles {
    bold: Format,
    pct: Format,
    wrap: Format,
}

fn build(input: &ReportInput) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let fixed = ExcelDateTime::from_ymd(2000, 1, 1)?;
    wb.set_properties(
        &DocProperties::new()
            .set_title(&input.plan.report.title)
            .set_creation_datetime(&fixed),
    );
    let st = Styles {
        bold: Format::new().set_bold(),
        pct: Format::new().set_num_format("0.0%"),
        wrap: Format::new().set_text_wrap(),
    };
    read_me(wb.add_worksheet(), input, &st)?;
    let mut used: Vec<String> = vec!["Read me".into(), "Comparisons".into()];
    for r in input.results {
        let name = sheet_name(&r.plan.name, &used);
        used.push(name.clone());
        let ws = wb.add_worksheet();
        ws.set_name(&name)?;
        analysis_sheet(ws, r, &st)?;
    }
    if input.results.iter().any(|r| !r.comparisons.is_empty()) {
        let ws = wb.add_worksheet();
        ws.set_name("Comparisons")?;
        comparisons_sheet(ws, input.results, &st)?;
    }
    wb.save_to_buffer()
}

/// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`, unique.
fn sheet_name(name: &str, used: &[String]) -> String {
    let clean: String = name
        .chars()
        .map(|c| if "[]:*?/\\'".contains(c) { '_' } else { c })
        .take(31)
        .collect();
    let mut candidate = clean.clone();
    let mut k = 2;
    while used.iter().any(|u| u.eq_ignore_ascii_case(&candidate)) {
        let suffix = format!(" ({k})");
        let keep: String = clean.chars().take(31 - suffix.len()).collect();
        candidate = format!("{keep}{suffix}");
        k += 1;
    }
    candidate
}

fn read_me(ws: &mut Worksheet, input: &ReportInput, st: &Styles) -> Result<(), XlsxError> {
    ws.set_name("Read me")?;
    ws.set_column_width(0, 34)?;
    ws.set_column_width(1, 90)?;
    let t = input.table;
    let d = &input.disclosure;
    ws.write_string_with_format(0, 0, &input.plan.report.title, &st.bold)?;
    let mut rows: Vec<(String, String)> = vec![
        ("Input".into(), t.source.written.clone()),
        ("Input SHA-256".into(), t.source.sha256.clone()),
        ("Pipeline".into(), input.pipeline_written.clone()),
        ("Pipeline SHA-256".into(), input.pipeline_sha256.clone()),
    ];
    if let Some(f) = super::model::margins_file(input) {
        rows.push(("Population margins file".into(), f.written.clone()));
        rows.push(("Population margins SHA-256".into(), f.sha256.clone()));
    }
    rows.extend([
        ("Tool".into(), format!("tally {}", env!("CARGO_PKG_VERSION"))),
        ("Rows read".into(), t.records_read.to_string()),
        ("Rows used".into(), t.records_kept.to_string()),
        ("Rows rejected".into(), t.rejected.len().to_string()),
        (
            "Disclosure control".into(),
            if d.protect {
                super::prose::disclosure_statement(input)
            } else {
                "OFF: internal run, not for publication".into()
            },
        ),
        (
            "Sheets".into(),
            "one per analysis: each row is a subgroup (\"(all)\" = every group) and answer, with its count, denominator n, proportion and confidence interval".into(),
        ),
    ]);
    for (i, (k, v)) in rows.iter().enumerate() {
        let row = i as u32 + 2;
        ws.write_string_with_format(row, 0, k, &st.bold)?;
        ws.write_string_with_format(row, 1, v, &st.wrap)?;
    }
    Ok(())
}

fn analysis_sheet(ws: &mut Worksheet, r: &AnalysisResult, st: &Styles) -> Result<(), XlsxError> {
    let p = &r.plan;
    ws.write_string_with_format(0, 0, &p.title, &st.bold)?;
    ws.write_string(
        1,
        0,
        format!(
            "Denominator: {}. {} {} confidence intervals.",
            p.denominator,
            p.ci_title(),
            crate::text::level_pct(p.level)
        ),
    )?;
    let mut header: Vec<&str> = p.by.iter().map(String::as_str).collect();
    header.extend([
        "answer",
        "count",
        "n",
        "proportion",
        "CI lower",
        "CI upper",
        "reliability",
        "note",
    ]);
    // A weighted survey: the proportion and interval are weighted; its design-based figures
    // follow (count and n stay unweighted).
    let weighted = p.survey_method.is_some();
    if weighted {
        header.extend([
            "SE",
            "design effect",
            "Kish design effect",
            "effective n",
            "design df",
            "sum of weights",
        ]);
    }
    // Simultaneous intervals, when the analysis asks for them (design-based when weighted).
    let sim_col = (p.by.len() + 8 + if weighted { 6 } else { 0 }) as u16;
    if p.simultaneous.is_some() {
        header.extend(["simultaneous lower", "simultaneous upper"]);
    }
    let top = 3u32;
    for (c, h) in header.iter().enumerate() {
        ws.write_string_with_format(top, c as u16, *h, &st.bold)?;
        ws.set_column_width(c as u16, if c < p.by.len() + 1 { 22 } else { 12 })?;
    }
    ws.set_freeze_panes(top + 1, 0)?;
    for (i, e) in r.rows.iter().enumerate() {
        let row = top + 1 + i as u32;
        let mut c = 0u16;
        for g in &e.group {
            ws.write_string(row, c, g.as_deref().map_or(ALL, |g| p.labels.show(g)))?;
            c += 1;
        }
        ws.write_string(row, c, p.labels.show(&e.outcome))?;
        for (k, (v, hidden)) in [(e.count, e.hidden_count), (e.n, e.hidden_n)]
            .iter()
            .enumerate()
        {
            let col = c + 1 + k as u16;
            match hidden {
                None => ws.write_number(row, col, *v as f64)?,
                Some(_) => ws.write_string(
                    row,
                    col,
                    super::prose::count_text(*v, *hidden, |x| x.to_string()),
                )?,
            };
        }
        if let Some(i) = e.interval {
            for (k, v) in [i.estimate, i.lower, i.upper].into_iter().enumerate() {
                ws.write_number_with_format(row, c + 3 + k as u16, v, &st.pct)?;
            }
        }
        if let Some(f) = &e.flag {
            ws.write_string(row, c + 6, f.code())?;
            if !f.reason().is_empty() {
                ws.write_string(row, c + 7, f.reason())?;
            }
        } else if e.is_hidden() {
            ws.write_string(row, c + 7, "suppressed (disclosure control)")?;
        } else if e.n == 0 {
            ws.write_string(row, c + 7, "n = 0: no estimate")?;
        }
        if let Some(w) = e.weighted.filter(|_| weighted) {
            if e.interval.is_none() {
                ws.write_number_with_format(row, c + 3, w.p, &st.pct)?;
            }
            let figures = [w.se, w.deff, w.deff_kish, w.n_eff, w.df as f64, w.sum_w];
            for (k, v) in figures.into_iter().enumerate() {
                if v.is_finite() {
                    ws.write_number(row, c + 8 + k as u16, v)?;
                }
            }
        }
        if let Some((lo, hi)) = e.simultaneous {
            ws.write_number_with_format(row, sim_col, lo, &st.pct)?;
            ws.write_number_with_format(row, sim_col + 1, hi, &st.pct)?;
        }
    }
    Ok(())
}

fn comparisons_sheet(
    ws: &mut Worksheet,
    results: &[AnalysisResult],
    st: &Styles,
) -> Result<(), XlsxError> {
    let header = [
        "analysis",
        "by",
        "answer",
        "group 1",
        "x1",
        "n1",
        "group 2",
        "x2",
        "n2",
        "measure",
        "method",
        "estimate",
        "CI lower",
        "CI upper",
        "test",
        "p",
        "adjust",
        "p adjusted",
        "note",
    ];
    for (c, h) in header.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &st.bold)?;
    }
    ws.set_freeze_panes(1, 0)?;
    let mut row = 1u32;
    for r in results {
        let Some(cp) = &r.plan.compare else { continue };
        for c in &r.comparisons {
            ws.write_string(row, 0, &r.plan.name)?;
            ws.write_string(row, 1, &r.plan.by[cp.by])?;
            let shown = |code: &str| r.plan.labels.show(code).to_string();
            ws.write_string(row, 2, shown(&c.level))?;
            ws.write_string(row, 3, shown(&c.group1))?;
            ws.write_string(row, 6, shown(&c.group2))?;
            if !c.withheld {
                for (col, v) in [
                    (4, c.pair.x1),
                    (5, c.pair.n1),
                    (7, c.pair.x2),
                    (8, c.pair.n2),
                ] {
                    ws.write_number(row, col, v as f64)?;
                }
            }
            ws.write_string(row, 9, cp.method.measure().name())?;
            ws.write_string(row, 10, cp.method_name())?;
            if let Some(x) = c.result {
                for (k, v) in [x.estimate, x.lower, x.upper].into_iter().enumerate() {
                    ws.write_number(row, 11 + k as u16, v)?;
                }
            }
            ws.write_string(row, 14, cp.test_name())?;
            if let Some(p) = c.p_value {
                ws.write_number(row, 15, p)?;
            }
            ws.write_string(row, 16, cp.adjust.name())?;
            if let Some(p) = c.p_adjusted {
                ws.write_number(row, 17, p)?;
            }
            if c.withheld {
                ws.write_string(row, 18, "withheld: a compared cell is suppressed")?;
            }
            row += 1;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::sheet_name;

    #[test]
    fn sheet_names_are_valid_and_unique() {
        let used = vec!["Read me".to_string(), "a".to_string()];
        assert_eq!(sheet_name("A", &used), "A (2)");
        assert_eq!(sheet_name("x/y[1]", &used), "x_y_1_");
        assert_eq!(sheet_name(&"n".repeat(40), &used).chars().count(), 31);
    }
}
