//! A review pipeline file as written (serde mirror; `pipelines/README.md`, "Review
//! pipelines", is the user-facing version). A pipeline file is a review when it has a
//! top-level `[review]` table ([`is_review`]).

use serde::Deserialize;

/// A whole review pipeline file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewFile {
    /// Short machine name; default: the file name without `.toml`.
    pub name: Option<String>,
    pub review: ReviewSpec,
}

/// `[review]`: what is pooled and how.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewSpec {
    pub title: String,
    pub description: Option<String>,
    /// What the pooled proportion is of, for sentences: "reported that GET made them worse".
    pub outcome: String,
    /// Who the denominators are, for sentences: "respondents who tried GET".
    pub population: String,
    /// `logit` (default), `freeman-tukey`, `raw`, `log`.
    pub measure: Option<String>,
    /// `random` (default) or `common`.
    pub model: Option<String>,
    /// tau² estimator: `reml` (default), `dersimonian-laird`, `paule-mandel`, `ml`,
    /// `sidik-jonkman`, `hedges`.
    pub tau2: Option<String>,
    /// `hartung-knapp` (default) or `z`.
    pub interval: Option<String>,
    /// Confidence level, default 0.95.
    pub level: Option<f64>,
    /// Also fit the binomial-normal GLMM as a sensitivity analysis (default true).
    pub glmm: Option<bool>,
    /// What the subgroups are, for headings: "Who delivered GET".
    pub subgroup_title: Option<String>,
    /// Report directory under the reports root (default: the name).
    pub dir: Option<String>,
    #[serde(default)]
    pub caveats: Vec<String>,
    /// Surveys as rows of a counts CSV.
    pub counts: Option<CountsSpec>,
    /// Surveys as references to other tally pipelines (`[[review.survey]]`).
    #[serde(default)]
    pub survey: Vec<SurveyRefSpec>,
}

/// `[review.counts]`: a CSV with columns `survey, x, n` and optional `subgroup`, `year`,
/// `citation`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountsSpec {
    /// Relative to the pipeline file.
    pub path: String,
}

/// `[[review.survey]]`: one survey's figure taken from another tally pipeline's report.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurveyRefSpec {
    /// The survey's label in the review.
    pub name: String,
    /// The other pipeline file, relative to this one.
    pub pipeline: String,
    /// The analysis in that pipeline, and the outcome level whose proportion is pooled.
    pub analysis: String,
    pub level: String,
    /// The subgroup row of that analysis (a value of its `by` column); default: the
    /// analysis's overall row.
    pub group: Option<String>,
    pub subgroup: Option<String>,
    pub year: Option<i64>,
    pub citation: Option<String>,
}

/// Whether a pipeline file's text is a review (has a top-level `review` table).
pub fn is_review(text: &str) -> bool {
    toml::from_str::<toml::Table>(text)
        .map(|t| t.get("review").is_some_and(toml::Value::is_table))
        .unwrap_or(false)
}

/// Parses a review file; the message names the key or line.
pub fn parse(text: &str) -> Result<ReviewFile, String> {
    toml::from_str(text).map_err(|e| e.to_string())
}
