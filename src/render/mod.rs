//! Render: estimate tables in, artifacts (named byte buffers) out. Pure: nothing here
//! touches the file system; [`crate::output`] writes what this returns.
//!
//! In the spine, after disclosure control and before the write. This module lists the
//! artifacts; one file makes each kind (`tables`: CSV and JSON, `html`, `markdown`, `xlsx`),
//! `prose` holds the sentences and labels the pages and the spreadsheet share (`findings`,
//! the key findings, built from structured parts), and `figures`
//! puts every analysis into the plain data of [`crate::plots`], which draws it. Text helpers
//! (escaping, numbers for people) come from [`crate::text`].
//!
//! The two pages are one report: [`model::build`] makes it once (every figure formatted,
//! every disclosure choice made), and `index.html` and `report.md` are that model laid out
//! by the templates `templates/report.html.j2` and `templates/report.md.j2` (embedded in
//! the binary; rendered in `templates`, which escapes every value for its format), so
//! they cannot drift apart.

pub mod figures;
pub mod findings;
pub mod html;
pub mod markdown;
pub mod model;
pub mod prose;
pub mod selection;
pub mod tables;
pub mod templates;
pub mod xlsx;

use crate::estimate::AnalysisResult;
use crate::ingest::Table;
use crate::plan::{DisclosurePlan, Plan};
use crate::validate::Unmapped;

pub use figures::PlotFile;

/// A file of the report directory: a relative path and its bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Artifact {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// Everything a report is made from.
pub struct ReportInput<'a> {
    pub plan: &'a Plan,
    /// The pipeline file's path as given on the command line, and its SHA-256.
    pub pipeline_written: String,
    pub pipeline_sha256: String,
    pub table: &'a Table,
    pub unmapped: &'a [Unmapped],
    /// Estimates after disclosure control.
    pub results: &'a [AnalysisResult],
    /// The disclosure settings in force (after any `--internal`).
    pub disclosure: DisclosurePlan,
    /// Every suppressed cell.
    pub suppression: &'a [crate::disclosure::LogEntry],
    /// Analyses left out whole by disclosure control: `(title, why)`.
    pub withheld: &'a [(String, String)],
}

/// Why an artifact could not be made. (None of these happen with valid results; each names
/// the file, so that a bug report says where.)
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("plots/{stem}: {message}")]
    Plot { stem: String, message: String },
    #[error("estimates.json: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{file}: laying out the report: {source}")]
    Template {
        file: &'static str,
        source: minijinja::Error,
    },
    #[error("writing tables.xlsx: {0}")]
    Workbook(#[from] xlsx::XlsxError),
}

/// Renders every artifact except the manifest (which needs the run's timings).
pub fn render(input: &ReportInput) -> Result<Vec<Artifact>, RenderError> {
    // The plots (most of a small run's time) on the pool, and beside them what does not
    // need them: the spreadsheet and the JSON.
    let (plots, (workbook, json)) = rayon::join(
        || figures::render_plots(input),
        || (xlsx::workbook(input), tables::estimates_json(input)),
    );
    let plots = plots?;
    let model = model::build(input, &plots);
    let internal = !input.disclosure.protect;
    let mut out = vec![
        Artifact {
            path: "estimates.csv".into(),
            bytes: tables::csv_bytes(tables::estimates_csv(input.results), internal),
        },
        Artifact {
            path: "estimates.json".into(),
            bytes: json?,
        },
        Artifact {
            path: "rejected.csv".into(),
            bytes: tables::csv_bytes(
                tables::rejected_csv(input.table, input.disclosure.protect),
                internal,
            ),
        },
        Artifact {
            path: "unmapped.csv".into(),
            bytes: tables::csv_bytes(
                tables::unmapped_csv(input.unmapped, &input.disclosure),
                internal,
            ),
        },
        Artifact {
            path: "suppression.csv".into(),
            bytes: tables::csv_bytes(tables::suppression_csv(input.suppression), internal),
        },
        Artifact {
            path: "index.html".into(),
            bytes: html::report(&model)?.into_bytes(),
        },
        Artifact {
            path: "report.md".into(),
            bytes: markdown::report(&model)?.into_bytes(),
        },
    ];
    out.push(Artifact {
        path: "tables.xlsx".into(),
        bytes: workbook?,
    });
    out.push(Artifact {
        path: "comparisons.csv".into(),
        bytes: tables::csv_bytes(tables::comparisons_csv(input.results), internal),
    });
    for p in plots {
        out.push(Artifact {
            path: format!("plots/{}.svg", p.stem),
            bytes: p.rendered.svg.into_bytes(),
        });
        out.push(Artifact {
            path: format!("plots/{}.png", p.stem),
            bytes: p.rendered.png,
        });
    }
    Ok(out)
}
