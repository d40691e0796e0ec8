#!/usr/bin/env bash
# tally sql past one machine: the bench survey (../shared/bench/gen_survey.py, 1e7 rows by
# default) written as Parquet, `tally sql` run on DuckDB and on Apache Spark in local mode,
# each result run by tally as a counts table, and estimates.csv compared with the
# respondent-mode run (bench/sql_counts.py does the work; bench/README.md has a result).
#
#   bash bench/sql_counts.sh [N]        # N rows (default 1e7)
#
# Needs python3 with numpy, duckdb and pyspark (pip install numpy duckdb pyspark pandas
# pyarrow) and Java 17 for Spark. The generated CSV is cached in $BENCH_CACHE/data (default
# /root/.cache/tally-bench, shared with pipeline_bench.sh); the Parquet file, the counts
# and the reports go to a fresh folder under $BENCH_CACHE, removed at the end unless
# KEEP=1. Exit 1 if an estimates.csv differs.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
N="${1:-1e7}"
SHARED_BENCH="${SHARED_BENCH:-$repo/../shared/bench}"
BENCH_CACHE="${BENCH_CACHE:-/root/.cache/tally-bench}"
PY="${PYTHON:-python3}"
target="${CARGO_TARGET_DIR:-$repo/target}"
TALLY="${TALLY:-$target/release/tally}"

[[ -f "$SHARED_BENCH/gen_survey.py" ]] || { echo "gen_survey.py not found in $SHARED_BENCH (set SHARED_BENCH)" >&2; exit 2; }
"$PY" -c 'import numpy, duckdb, pyspark, pandas, pyarrow' 2>/dev/null || {
  echo "python3 needs numpy, duckdb, pyspark, pandas and pyarrow: pip install numpy duckdb pyspark pandas pyarrow" >&2; exit 2; }
if [[ -z "${TALLY_PREBUILT:-}" ]]; then
  (cd "$repo" && nice cargo build --release --quiet)
fi
rows="$("$PY" -c "print(int(float('$N')))")"
mkdir -p "$BENCH_CACHE/data"
data="$BENCH_CACHE/data/survey_$rows.csv"
if [[ ! -f "$data" ]]; then
  echo "generating $data with gen_survey.py ..." >&2
  "$PY" "$SHARED_BENCH/gen_survey.py" "$N" --out "$data.tmp" && mv "$data.tmp" "$data"
fi
work="$(mktemp -d "$BENCH_CACHE/sql.XXXXXX")"
[[ -n "${KEEP:-}" ]] || trap 'rm -rf "$work"' EXIT
nice "$PY" "$here/sql_counts.py" --tally "$TALLY" --csv "$data" \
  --pipeline "$here/pipelines/survey-bench.toml" --work "$work"
