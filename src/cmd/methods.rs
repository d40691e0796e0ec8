//! `tally methods`: the interval methods, one line each, from the registry; then the
//! design-based methods of weighted surveys, each with the R `survey` call that computes it;
//! the simultaneous intervals; the calibrations of `[weighting]`; and the design-based
//! comparisons and tests.

use std::io::Write;

use super::{stdout_failed, Outcome};
use crate::plan::WEIGHTING_METHODS;
use crate::stats::ci::{Method, DEFAULT_METHOD};
use crate::stats::simultaneous::SIMULTANEOUS;
use crate::stats::survey::SurveyCi;

pub fn run() -> Outcome {
    let mut out = std::io::stdout().lock();
    match write_all(&mut out).and_then(|()| out.flush()) {
        Ok(()) => Outcome::Success,
        Err(e) => stdout_failed(&e),
    }
}

/// Every section, in order.
fn write_all(out: &mut impl Write) -> std::io::Result<()> {
    let width = Method::all().map(|m| m.name().len()).max().unwrap_or(0);
    for m in Method::all() {
        let default = if m == DEFAULT_METHOD {
            " [default]"
        } else {
            ""
        };
        writeln!(out, "{:width$}  {}{default}", m.name(), m.info().summary)?;
    }
    writeln!(
        out,
        "\nweighted surveys (input.weight): design-based, as R survey computes them"
    )?;
    let width = SurveyCi::ALL
        .iter()
        .map(|m| m.name().len())
        .max()
        .unwrap_or(0);
    for m in SurveyCi::ALL {
        let r = match m.r_name() {
            Some(r) => format!("svyciprop(method = \"{r}\")"),
            None => "no svyciprop method: the closed form on Korn-Graubard's effective n".into(),
        };
        let default = if m == SurveyCi::KornGraubard {
            " [default]"
        } else {
            ""
        };
        writeln!(out, "{:width$}  {}; R: {r}{default}", m.name(), m.title())?;
    }
    writeln!(
        out,
        "\nsimultaneous intervals (analysis simultaneous = ...): every level of a group at once"
    )?;
    let width = SIMULTANEOUS.iter().map(|m| m.name.len()).max().unwrap_or(0);
    for m in SIMULTANEOUS {
        let design = match m.design_title {
            Some(t) => format!("weighted: {t}"),
            None => "no design-based form (refused for a weighted survey)".into(),
        };
        writeln!(out, "{:width$}  {}; {design}", m.name, m.title)?;
    }
    writeln!(
        out,
        "\ncalibration to population margins ([weighting] method = ...)"
    )?;
    let width = WEIGHTING_METHODS
        .iter()
        .map(|(n, _)| n.len())
        .max()
        .unwrap_or(0)
        .max("trim".len());
    for (name, title) in WEIGHTING_METHODS {
        writeln!(out, "{name:width$}  {title}")?;
    }
    writeln!(
        out,
        "{:width$}  trim = [lower, upper]: weights trimmed to bounds (R survey::trimWeights)",
        "trim"
    )?;
    writeln!(
        out,
        "\ndesign-based comparisons and tests (analysis compare, weighted survey)"
    )?;
    for (name, what) in [
        ("diff", "measure: difference of two domain proportions, Wald t on the design df; R: svyby(~y, ~group, covmat = TRUE) + svycontrast"),
        ("ratio", "measure: their ratio (delta method), Wald t on the design df; R: svycontrast(quote(a / b))"),
        ("odds-ratio", "measure: their odds ratio, exp of the Wald t interval of the log odds ratio; R: svycontrast"),
        ("test", "Rao-Scott corrected chi-square of outcome by group, second order (F) and first order; R: svychisq(statistic = \"F\"), svychisq(statistic = \"Chisq\")"),
    ] {
        writeln!(out, "{name:10}  {what}")?;
    }
    Ok(())
}
