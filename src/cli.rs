//! Command-line types (clap derive). No logic lives here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// How `tally run` reports progress and results on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// tally: patient-survey CSVs in, reproducible reports with confidence intervals out.
#[derive(Debug, Parser)]
#[command(name = "tally", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run pipelines and write their report directories.
    Run(RunArgs),
    /// Check pipeline files and their inputs' headers; writes nothing.
    Check(CheckArgs),
    /// Confidence interval for x successes out of n trials.
    Ci(CiArgs),
    /// Compare two proportions: x1 of n1 against x2 of n2.
    Compare(CompareArgs),
    /// Test independence in an r x c table of counts (CSV: row label, then one column per
    /// category).
    Test(TestArgs),
    /// List the confidence-interval methods.
    Methods,
    /// Re-derive a report from its recorded pipeline and input and compare every file; exit
    /// 0 when verified, 1 on any difference or changed input.
    Verify(VerifyArgs),
    /// Write a starter pipeline for a new survey from its data file (every line commented).
    Init(InitArgs),
    /// Print the GROUP BY query (DuckDB, Spark, BigQuery, Postgres) whose result, run where
    /// the data lives, is the pipeline's counts table.
    Sql(SqlArgs),
}

// The doc comments are the `--help` text, where `<DIR>` is a placeholder, not HTML.
#[allow(rustdoc::invalid_html_tags)]
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Pipeline files (TOML), or folders of them (every `*.toml` inside, in name order).
    #[arg(required = true, value_name = "PIPELINE")]
    pub pipelines: Vec<PathBuf>,
    /// Root directory for reports; each goes to <DIR>/<report.dir or pipeline name>.
    #[arg(long, value_name = "DIR", default_value = "reports")]
    pub reports_dir: PathBuf,
    /// Fail the job if any input row is rejected.
    #[arg(long)]
    pub strict: bool,
    /// Internal run: no disclosure control (small counts shown, rejected records kept);
    /// every output is marked "not for publication".
    #[arg(long)]
    pub internal: bool,
    /// Also write report.pdf, printed from index.html by a headless Chromium (found as
    /// $TALLY_CHROMIUM or chromium on PATH).
    #[arg(long)]
    pub pdf: bool,
    /// Print nothing but errors (no progress bars, no summary).
    #[arg(long, short)]
    pub quiet: bool,
    /// Threads (default: the number of cores): pipelines run at once, and each job's plots
    /// drawn in parallel on the same threads. Polars' own threads are capped so that jobs
    /// and threads together stay within the cores.
    #[arg(long, short, value_name = "N")]
    pub jobs: Option<usize>,
    /// Rerun every stage, ignoring the cache.
    #[arg(long)]
    pub force: bool,
    /// Print the plan and which stages would run (from the cache); run nothing.
    #[arg(long)]
    pub explain: bool,
    /// `text` (default) or `json`: one JSON object per line on stderr, for machines.
    #[arg(long, value_name = "FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Pipeline files (TOML), or folders of them.
    #[arg(required = true, value_name = "PIPELINE")]
    pub pipelines: Vec<PathBuf>,
    /// The reports root `tally run` would use: checks that no report directory would replace
    /// it, or a folder holding a pipeline file or an input.
    #[arg(long, value_name = "DIR", default_value = "reports")]
    pub reports_dir: PathBuf,
}

#[derive(Debug, Args)]
#[command(allow_negative_numbers = true)]
pub struct CiArgs {
    /// Number of successes (respondents giving the answer).
    #[arg(required_unless_present = "input", conflicts_with = "input")]
    pub x: Option<String>,
    /// Number of trials (the denominator).
    #[arg(required_unless_present = "input", conflicts_with = "input")]
    pub n: Option<String>,
    /// Interval method (`tally methods` lists them), or `all`.
    #[arg(long, short, default_value = "wilson")]
    pub method: String,
    /// Confidence level, strictly between 0 and 1.
    #[arg(long, short, default_value_t = 0.95)]
    pub level: f64,
    /// Which bounds: two (default), lower (a one-sided lower bound) or upper.
    #[arg(long, default_value = "two")]
    pub side: String,
    /// CSV with columns x,n (and optionally level); writes CSV
    /// x,n,level,method,estimate,lower,upper to stdout.
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,
}

#[derive(Debug, Args)]
#[command(allow_negative_numbers = true)]
pub struct CompareArgs {
    /// Group 1: successes.
    #[arg(required_unless_present = "input", conflicts_with = "input")]
    pub x1: Option<String>,
    /// Group 1: trials.
    #[arg(required_unless_present = "input", conflicts_with = "input")]
    pub n1: Option<String>,
    /// Group 2: successes.
    #[arg(required_unless_present = "input", conflicts_with = "input")]
    pub x2: Option<String>,
    /// Group 2: trials.
    #[arg(required_unless_present = "input", conflicts_with = "input")]
    pub n2: Option<String>,
    /// What to compare: diff (p1 - p2), ratio (p1 / p2) or odds-ratio.
    #[arg(long, default_value = "diff")]
    pub measure: String,
    /// Interval method for the measure (default: newcombe, koopman or woolf).
    #[arg(long, short)]
    pub method: Option<String>,
    /// Confidence level, strictly between 0 and 1.
    #[arg(long, short, default_value_t = 0.95)]
    pub level: f64,
    /// The test for the p-value: chisq (the score test), chisq-yates or fisher.
    #[arg(long, default_value = "chisq")]
    pub test: String,
    /// CSV with columns x1,n1,x2,n2; writes CSV
    /// x1,n1,x2,n2,measure,method,level,estimate,lower,upper,p_value to stdout.
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct TestArgs {
    /// CSV table: a header row of column labels (the first cell names the rows), then one
    /// row per group: its label and its counts.
    #[arg(long, value_name = "FILE")]
    pub input: PathBuf,
}

// The doc comments are the `--help` text, where `<name>` is a placeholder, not HTML.
#[allow(rustdoc::invalid_html_tags)]
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A report directory written by `tally run` (it holds manifest.json).
    #[arg(value_name = "REPORT_DIR")]
    pub report_dir: PathBuf,
    /// The pipeline file the report was made from. Default: the file name manifest.json
    /// records, looked for in pipelines/ of the current directory, then in pipelines/ beside
    /// the reports root (REPORT_DIR/../../pipelines/<name>).
    #[arg(long, value_name = "PIPELINE")]
    pub pipeline: Option<PathBuf>,
    /// `text` (default) or `json`: one JSON object on stdout, for machines.
    #[arg(long, value_name = "FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub format: LogFormat,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The survey's data file (CSV, or a survey tool's CSV export).
    #[arg(value_name = "DATA")]
    pub data: PathBuf,
    /// Write the pipeline to this new file (never replacing one) instead of standard output;
    /// the data path in it is then relative to this file's folder.
    #[arg(long, short, value_name = "PIPELINE")]
    pub output: Option<PathBuf>,
    /// The survey tool that exported the file: csv (default), qualtrics, surveymonkey,
    /// google-forms or limesurvey.
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
}

#[derive(Debug, Args)]
pub struct SqlArgs {
    /// A respondent pipeline (TOML).
    #[arg(value_name = "PIPELINE")]
    pub pipeline: PathBuf,
    /// The engine's SQL dialect: duckdb, spark, bigquery or postgres.
    #[arg(long, value_name = "DIALECT")]
    pub dialect: String,
    /// What the query reads, as SQL: a table name or a table function (e.g.
    /// "read_parquet('survey.parquet')"). Default: for duckdb the pipeline's input file
    /// (read_csv, every column as text), else the placeholder `<table>`.
    #[arg(long, value_name = "SQL")]
    pub from: Option<String>,
    /// Also write the counts pipeline that reads the query's result (a new file).
    #[arg(long, value_name = "FILE")]
    pub counts_pipeline: Option<PathBuf>,
    /// The result's path as the counts pipeline names it, relative to its folder (default:
    /// the counts pipeline's name with .csv).
    #[arg(long, value_name = "PATH", requires = "counts_pipeline")]
    pub counts_file: Option<String>,
}
