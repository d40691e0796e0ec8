//! `tally sql`: the one `GROUP BY` query, in an engine's dialect, whose result is a
//! pipeline's counts table, and the counts pipeline that reads that result. Pure: a
//! [`Plan`] and the pipeline's text in, SQL and TOML text out ([`crate::cmd::sql`] prints
//! and writes them).
//!
//! Past one machine the rows stay where they live (DuckDB, Spark, BigQuery, Postgres); the
//! query reduces them to what tally's ingest keeps anyway ([`crate::ingest`]: the distinct
//! tuples of the needed columns, each with its count, and Σw, Σw² for a weighted survey),
//! and `tally run` on the result with `kind = "counts"` gives the same estimates as the
//! respondent run.
//!
//! What the query does, and why:
//!
//! - It groups by the **raw** values of every column the pipeline reads: the analysed
//!   columns (outcomes, subgroups, filters), the design's strata, cluster and fpc, and the
//!   `[validate]` columns. Nothing is recoded in SQL: tally recodes, filters, applies the
//!   missing-answer policies and checks the `[validate]` rules on the counts table exactly
//!   as on respondents. A tuple that fails a rule is rejected whole, with its count, for
//!   the reason a respondent row would be.
//! - Values are cast to text (`CAST(c AS VARCHAR)` and the like) and an empty text is made
//!   NULL (`NULLIF(..., '')`), so that `''` and NULL are one group; the result is saved as
//!   CSV with NULL as an empty field, which tally reads as a respondent file's empty cell
//!   (missing under the default `missing = ["", "NA"]`; other missing markers such as `NA`
//!   stay text and are read as the pipeline says). A column kept as text where the data
//!   lives gives back the respondent file's values byte for byte; a typed column prints
//!   as its engine prints it (a DOUBLE 1 is `1.0` in DuckDB and Spark), which recode
//!   tables and filters must then name.
//! - `COUNT(*) AS n` is the count column. A weighted survey adds `SUM(w) AS sum_w` and
//!   `SUM(w * w) AS sum_w2` (the `[input] sum_w_column` and `sum_w2_column` of a counts
//!   table), over the weight read as a number (`TRY_CAST`; Postgres: `CAST`, which fails on
//!   a non-number). Respondents whose weight is missing, not a number, not positive or not
//!   finite are grouped apart, with empty sums: tally rejects that tuple as "invalid
//!   weight", as it rejects each such respondent row.
//! - Rows are ordered by every column, NULLs first, so that one engine gives the same
//!   bytes each time (tally's results do not depend on the order of the rows).
//!
//! What cannot be done on aggregated data: the respondent-id duplicate check
//! (`input.id_column`; the ids must be unique where the data lives), and the checks of a
//! record's shape (field count, quotes, encoding), which are the loader's where the data
//! lives. Survey-tool exports (`input.format`) and multi-select expansions are tally's own
//! readings of a CSV, so their pipelines are refused: load the export and write a plain
//! pipeline over the loaded table. Rejected tuples are one line each in `rejected.csv`
//! (with their count), not one line per respondent.

use crate::plan::{InputKind, Plan, WeightSource};
use crate::registry::{self, Entry, Unknown};

/// An SQL dialect (`tally sql --dialect`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    DuckDb,
    Spark,
    BigQuery,
    Postgres,
}

/// A dialect's registry entry: how it quotes a name, casts to text and reads a number.
#[derive(Debug)]
pub struct DialectInfo {
    pub dialect: Dialect,
    pub name: &'static str,
    pub title: &'static str,
    /// The type a value is cast to (`CAST(c AS <text>)`).
    pub text: &'static str,
    /// A cast to a double that gives NULL for a non-number (`{}` is the expression).
    pub number: &'static str,
    /// How a name is quoted.
    pub quoting: Quoting,
}

/// How a dialect quotes an identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quoting {
    /// `"name"`, an embedded `"` doubled (SQL standard: DuckDB, Postgres).
    Double,
    /// `` `name` ``, an embedded backtick doubled (Spark SQL).
    BacktickDoubled,
    /// `` `name` ``, an embedded backtick or backslash escaped with a backslash (BigQuery).
    BacktickEscaped,
}

/// The dialects, in the order `--help` and messages list them.
pub static DIALECTS: &[DialectInfo] = &[
    DialectInfo {
        dialect: Dialect::DuckDb,
        name: "duckdb",
        title: "DuckDB",
        text: "VARCHAR",
        number: "TRY_CAST({} AS DOUBLE)",
        quoting: Quoting::Double,
    },
    DialectInfo {
        dialect: Dialect::Spark,
        name: "spark",
        title: "Apache Spark SQL",
        text: "STRING",
        number: "TRY_CAST({} AS DOUBLE)",
        quoting: Quoting::BacktickDoubled,
    },
    DialectInfo {
        dialect: Dialect::BigQuery,
        name: "bigquery",
        title: "Google BigQuery (GoogleSQL)",
        text: "STRING",
        number: "SAFE_CAST({} AS FLOAT64)",
        quoting: Quoting::BacktickEscaped,
    },
    DialectInfo {
        dialect: Dialect::Postgres,
        name: "postgres",
        title: "PostgreSQL",
        text: "text",
        number: "CAST({} AS double precision)",
        quoting: Quoting::Double,
    },
];

impl Entry for DialectInfo {
    type Handle = Dialect;
    fn name(&self) -> &'static str {
        self.name
    }
    fn handle(&'static self) -> Dialect {
        self.dialect
    }
}

impl Dialect {
    pub fn info(self) -> &'static DialectInfo {
        registry::entry(DIALECTS, self)
    }

    /// The dialect of this name (exact), or the unknown name with the known ones.
    pub fn parse(s: &str) -> Result<Dialect, Unknown> {
        registry::lookup(DIALECTS, "SQL dialect", s)
    }

    /// `name` as an identifier of this dialect.
    pub fn quote(self, name: &str) -> String {
        match self.info().quoting {
            Quoting::Double => format!("\"{}\"", name.replace('"', "\"\"")),
            Quoting::BacktickDoubled => format!("`{}`", name.replace('`', "``")),
            Quoting::BacktickEscaped => {
                format!("`{}`", name.replace('\\', "\\\\").replace('`', "\\`"))
            }
        }
    }

    /// The table a query reads when `--from` is not given: for DuckDB the pipeline's own
    /// input file (`read_csv`, every column as text), elsewhere a placeholder to replace.
    pub fn default_from(self, input: &str) -> String {
        match self {
            Dialect::DuckDb => format!(
                "read_csv('{}', header = true, all_varchar = true)",
                input.replace('\'', "''")
            ),
            Dialect::Spark | Dialect::BigQuery | Dialect::Postgres => PLACEHOLDER.into(),
        }
    }
}

/// The table of a query where the dialect cannot read the pipeline's file itself: not valid
/// SQL, so that a query run without replacing it fails at once.
pub const PLACEHOLDER: &str = "<table>";

/// The names of the result's columns beside the grouped ones.
#[derive(Debug, Clone, PartialEq)]
pub struct CountsColumns {
    /// `COUNT(*)`.
    pub n: String,
    /// `SUM(w)` and `SUM(w * w)`, for a weighted survey.
    pub sums: Option<(String, String)>,
}

/// A query and what it needs the reader to know.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// The SQL text, with its header comment, ending in a newline.
    pub text: String,
    /// The grouped columns, as the pipeline names them (the result's first columns).
    pub columns: Vec<String>,
    pub counts: CountsColumns,
    /// Warnings for stderr (each also in the query's header comment).
    pub warnings: Vec<String>,
}

/// Why a pipeline has no query.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

/// The columns a counts table of `plan` must have, grouped: every column the analyses and
/// the design read ([`Plan::columns_needed`]), then the `[validate]` columns, each once.
pub fn grouped_columns(plan: &Plan) -> Vec<String> {
    let mut cols = plan.columns_needed();
    for r in &plan.input.rules {
        if !cols.contains(&r.column) {
            cols.push(r.column.clone());
        }
    }
    cols
}

/// A name not among `taken`: `base`, else `base_2`, `base_3`, ...
fn fresh(base: &str, taken: &[String]) -> String {
    let mut name = base.to_string();
    let mut i = 2;
    while taken.iter().any(|t| t == &name) {
        name = format!("{base}_{i}");
        i += 1;
    }
    name
}

/// A comment line's text: control characters (a newline in a column name) shown escaped,
/// so that nothing from the pipeline ends the comment.
fn comment(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

/// The query of `plan` in `dialect`, reading `from` (SQL text: a table name or a table
/// function, inserted as written). `pipeline` names the pipeline in the header comment.
pub fn query(plan: &Plan, dialect: Dialect, from: &str, pipeline: &str) -> Result<Query, Refused> {
    let input = &plan.input;
    if input.kind != InputKind::Respondents {
        return Err(Refused(format!(
            "{pipeline}: input.kind = \"{}\": the input is a table of {} already; `tally sql` aggregates a respondent file (kind = \"respondents\")",
            input.kind.name(),
            input.kind.name()
        )));
    }
    if input.format != crate::plan::Format::Csv {
        return Err(Refused(format!(
            "{pipeline}: input.format = \"{}\": a survey tool's export is tally's own reading of its CSV (header rows, completeness, fenced columns), which a query cannot repeat\nhint: load the export where the data lives and write a pipeline over the loaded table (format = \"csv\")",
            input.format.name()
        )));
    }
    if let Some(m) = input.multi_select.first() {
        return Err(Refused(format!(
            "{pipeline}: input.multi_select.{}: tally expands a multi-select answer while reading the file, which a query cannot repeat\nhint: make one 0/1 column per choice where the data lives and analyse those",
            m.name
        )));
    }
    let columns = grouped_columns(plan);
    let n = fresh("n", &columns);
    let weight = match input.design.as_ref().map(|d| &d.weight) {
        Some(WeightSource::Column(w)) => Some(w.clone()),
        // Unit base weights (a calibrated sample without a weight column): the count is Σw.
        Some(WeightSource::Sums { .. } | WeightSource::Unit) | None => None,
    };
    let sums = weight.as_ref().map(|_| {
        let w = fresh("sum_w", &columns);
        let w2 = fresh("sum_w2", &columns);
        (w, w2)
    });
    let q = |c: &str| dialect.quote(c);
    // The export's name of a column the pipeline renames.
    let source = |c: &str| -> String {
        input
            .rename
            .iter()
            .find(|(_, to)| to.as_str() == c)
            .map_or_else(|| c.to_string(), |(from, _)| from.clone())
    };
    let info = dialect.info();

    let mut warnings = Vec::new();
    if let Some(id) = &input.id_column {
        warnings.push(format!(
            "input.id_column = \"{id}\": the duplicate-id check cannot run on aggregated data; the ids must be unique where the data lives (a primary key), and the counts pipeline has no id_column"
        ));
    }
    let mut out = String::new();
    let mut line = |s: &str| {
        out.push_str(s);
        out.push('\n');
    };
    line(&comment(&format!(
        "-- tally sql: the counts table of pipeline `{}` ({pipeline}), {} dialect.",
        plan.name, info.title
    )));
    line(
        "-- One row per distinct combination of the raw values of the columns the pipeline reads;",
    );
    line(&comment(&format!(
        "-- `{n}` counts its rows (respondents)."
    )));
    if let Some((w, w2)) = &sums {
        line(&comment(&format!(
            "-- `{w}` and `{w2}` sum their weights and squared weights; a weight that is missing, not a"
        )));
        line("-- number, not positive or not finite is summed apart, as NULL (tally rejects that row).");
    }
    line("-- Nothing is recoded here: tally recodes, filters and checks the [validate] rules on this");
    line("-- table as on the respondent file.");
    line("-- Save the result as CSV (header row, comma-separated, NULL as an empty field) and run");
    line("-- `tally run` on it with the counts pipeline (`tally sql ... --counts-pipeline FILE`).");
    line(&comment(&format!(
        "-- Values are grouped as text (CAST AS {}): a column kept as text gives the respondent",
        info.text
    )));
    line("-- file's values; a typed column prints as this engine prints it (e.g. 1.0 for 1).");
    if let Some(id) = &input.id_column {
        line(&comment(&format!(
            "-- The duplicate-id check (input.id_column = \"{id}\") cannot run on aggregated data:"
        )));
        line("-- the ids must be unique where the data lives (a primary key).");
    }
    if from == PLACEHOLDER {
        line("-- Replace <table> with the table (or pass --from).");
    }

    let select: Vec<String> = columns.iter().map(|c| q(c)).collect();
    let mut outer: Vec<String> = select.clone();
    outer.push(format!("COUNT(*) AS {}", q(&n)));
    let (w, ok) = (fresh("tally_w", &columns), fresh("tally_w_ok", &columns));
    if let Some((sw, sw2)) = &sums {
        outer.push(format!(
            "CASE WHEN {ok} = 1 THEN SUM({w}) END AS {}",
            q(sw),
            ok = q(&ok),
            w = q(&w)
        ));
        outer.push(format!(
            "CASE WHEN {ok} = 1 THEN SUM({w} * {w}) END AS {}",
            q(sw2),
            ok = q(&ok),
            w = q(&w)
        ));
    }
    line("SELECT");
    line(&indent_list(&outer));
    line("FROM (");
    line("  SELECT");
    let mut inner: Vec<String> = columns
        .iter()
        .map(|c| {
            format!(
                "NULLIF(CAST({} AS {}), '') AS {}",
                q(&source(c)),
                info.text,
                q(c)
            )
        })
        .collect();
    if let Some(wc) = &weight {
        let number = info.number.replace("{}", &q(&source(wc)));
        inner.push(format!("{number} AS {}", q(&w)));
        inner.push(format!(
            "CASE WHEN {number} > 0 AND {number} <= 1.7976931348623157e308 THEN 1 ELSE 0 END AS {}",
            q(&ok)
        ));
    }
    for l in indent_list(&inner).lines() {
        line(&format!("  {l}"));
    }
    line(&format!("  FROM {from}"));
    line(") AS t");
    let mut group = select.clone();
    if sums.is_some() {
        group.push(q(&ok));
    }
    line(&format!("GROUP BY {}", group.join(", ")));
    let mut order: Vec<String> = select.iter().map(|c| format!("{c} NULLS FIRST")).collect();
    if let Some((sw, _)) = &sums {
        order.push(format!("{} NULLS FIRST", q(sw)));
    }
    line(&format!("ORDER BY {};", order.join(", ")));
    Ok(Query {
        text: out,
        columns,
        counts: CountsColumns { n, sums },
        warnings,
    })
}

/// `items` one a line, indented two spaces, comma-separated.
fn indent_list(items: &[String]) -> String {
    items
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let comma = if i + 1 < items.len() { "," } else { "" };
            format!("  {s}{comma}")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The `[input]` keys a counts pipeline drops: what reads a respondent file (survey-tool
/// format, encoding, renames, multi-select, free text, completeness) and what aggregated
/// data cannot have (the id column, the weight column, replaced by Σw and Σw²).
const DROPPED_INPUT_KEYS: &[&str] = &[
    "id_column",
    "weight",
    "format",
    "encoding",
    "rename",
    "multi_select",
    "free_text",
    "complete_only",
];

/// The counts pipeline: the pipeline `text` (as its file holds it) with `[input]` reading
/// `counts_path` (relative to the counts pipeline's folder) as the counts table the query
/// makes: `kind = "counts"`, `count_column`, `sum_w_column` and `sum_w2_column` for a
/// weighted survey, comma-separated, the respondent file's keys dropped; recode tables of
/// columns the query does not give dropped too. Everything else is as written (comments
/// are not kept: the file is written again from its TOML).
pub fn counts_pipeline(
    text: &str,
    query: &Query,
    counts_path: &str,
    pipeline: &str,
) -> Result<String, Refused> {
    let mut doc: toml::Table = text
        .parse()
        .map_err(|e| Refused(format!("{pipeline}: cannot read the pipeline again: {e}")))?;
    let Some(toml::Value::Table(input)) = doc.get_mut("input") else {
        return Err(Refused(format!("{pipeline}: no [input] table")));
    };
    let mut dropped: Vec<String> = Vec::new();
    for k in DROPPED_INPUT_KEYS {
        if input.remove(*k).is_some() {
            dropped.push(format!("input.{k}"));
        }
    }
    input.insert("path".into(), counts_path.into());
    input.insert("kind".into(), "counts".into());
    input.insert("delimiter".into(), ",".into());
    input.insert("count_column".into(), query.counts.n.clone().into());
    if let Some((w, w2)) = &query.counts.sums {
        input.insert("sum_w_column".into(), w.clone().into());
        input.insert("sum_w2_column".into(), w2.clone().into());
    }
    if let Some(toml::Value::Table(recode)) = doc.get_mut("recode") {
        let unused: Vec<String> = recode
            .keys()
            .filter(|k| !query.columns.contains(k))
            .cloned()
            .collect();
        for k in unused {
            recode.remove(&k);
            dropped.push(format!("recode.{k} (a column no analysis reads)"));
        }
    }
    let body = toml::to_string(&doc)
        .map_err(|e| Refused(format!("{pipeline}: cannot write the counts pipeline: {e}")))?;
    let mut out = String::new();
    let file = std::path::Path::new(pipeline).file_name().map_or_else(
        || pipeline.to_string(),
        |f| f.to_string_lossy().into_owned(),
    );
    out.push_str(&format!(
        "# The counts pipeline of {}, written by `tally sql`.\n",
        comment(&file)
    ));
    out.push_str(&format!(
        "# It reads {} (the saved result of the query) as a counts table; otherwise the\n",
        comment(counts_path)
    ));
    out.push_str("# pipeline is as written (its comments are not kept).\n");
    if !dropped.is_empty() {
        out.push_str(&format!("# Dropped: {}.\n", comment(&dropped.join(", "))));
    }
    out.push('\n');
    out.push_str(&body);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_dialect_is_in_the_registry() {
        for d in DIALECTS {
            assert_eq!(Dialect::parse(d.name), Ok(d.dialect));
            assert_eq!(d.dialect.info().name, d.name);
        }
        assert!(Dialect::parse("duck").is_err());
    }

    #[test]
    fn identifiers_are_quoted_per_dialect() {
        assert_eq!(Dialect::DuckDb.quote(r#"a"b"#), r#""a""b""#);
        assert_eq!(Dialect::Postgres.quote("x y"), r#""x y""#);
        assert_eq!(Dialect::Spark.quote("a`b"), "`a``b`");
        assert_eq!(Dialect::BigQuery.quote(r"a`b\c"), r"`a\`b\\c`");
    }

    #[test]
    fn fresh_names_avoid_columns() {
        let taken = vec!["n".to_string(), "n_2".to_string()];
        assert_eq!(fresh("n", &taken), "n_3");
        assert_eq!(fresh("sum_w", &taken), "sum_w");
    }

    #[test]
    fn comments_cannot_be_ended_by_a_name() {
        assert_eq!(comment("-- a\nb"), "-- a\\nb");
    }
}
