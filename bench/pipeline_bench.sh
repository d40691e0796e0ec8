#!/usr/bin/env bash
# Benchmark: `tally run` end to end on big survey CSVs, against the peers in ../shared/bench.
#
#   bash bench/pipeline_bench.sh                  # 1e5, 1e6 and 1e7 rows
#   bash bench/pipeline_bench.sh 1e5              # one size (quick check)
#   REPS=5 TOOLS="tally duckdb cat" bash bench/pipeline_bench.sh 1e6
#   TALLY=target/release/tally bash bench/pipeline_bench.sh
#
# For each size, on the same generated file and in the same run, it times (round-robin,
# REPS runs each, median reported) with `/usr/bin/time -f '%e %M %U %S'`:
#   tally   `tally run bench-<rows>.toml --reports-dir <tmp> --force`: bench/pipelines/survey-bench.toml
#           with the input path substituted (3 analyses, one per treatment, each with its own
#           CI method: wilson / clopper-pearson / jeffreys; by provider x severity; default
#           plots and HTML report)
#   tally-noid  the same pipeline without `id_column` (no duplicate-respondent-id check), to
#           show what that check costs
#   tally-rerun  NOT a full run: the tally pipeline is run once untimed, then timed a second
#           time with the same TALLY_CACHE_DIR, the same --reports-dir and no --force, so the
#           ingest stage comes from the cache and the report is "up to date"; shows what the
#           stage cache buys. Only at sizes >= RERUN_MIN rows.
# The stage cache: every timed full tally run (tally, tally-noid, the 4,000-row runs, each
# batch run) gets --force AND a fresh empty TALLY_CACHE_DIR (removed afterwards), so no run
# can be served from the cache of an earlier one. The tally output is checked after every
# timed run: "wrote" without "cached" for a full run, "up to date" for tally-rerun; anything
# else is recorded as a failure (rc=253).
#   duckdb  peer_duckdb.py   (DuckDB SQL, Wilson in SQL)
#   polars  peer_polars.py   (polars lazy scan; polars 2.x's default engine "auto" is the
#           streaming engine, pinned here with POLARS_ENGINE_AFFINITY=streaming and checked
#           with POLARS_VERBOSE; Wilson from scipy)
#   pandas  peer_pandas.py   (pandas + statsmodels; skipped above PANDAS_MAX rows)
#   cat     `cat FILE > /dev/null`, the I/O floor
# and on the same data as a Parquet file (written once per size from the CSV by DuckDB's
# `COPY ... (FORMAT parquet)`, default row groups, cached beside the CSV):
#   tally-parquet   the tally pipeline with the Parquet file as its input (`format` from the
#           extension); its estimates.csv is checked byte-identical to the CSV run's
#   duckdb-parquet, polars-parquet   bench/peer_parquet.py: the shared peers with their CSV
#           read swapped for `read_parquet` / `scan_parquet`, nothing else changed
# The ratio columns of a Parquet row are against tally-parquet.
# The peers do less work than the tally pipeline: they count treatment x provider x outcome
# and compute 27 Wilson intervals. tally's counts are checked against DuckDB's once per size.
# Then:
#   startup  4,000 rows end to end (process start to report written), STARTUP_RUNS runs with
#            hyperfine (installed with apt-get if missing) or a shell loop
#   batch    BATCH (50) copies of the 4,000-row pipeline, each with its own [report] dir:
#            `tally run <folder> --jobs 1` against `--jobs 2` (skipped with a message when
#            `tally run --help` has no --jobs), and `tally run <50 files>` as a baseline
# It prints markdown (versions, uptime, tables) and writes it to
# bench/results/pipeline-<UTC date-time>.md. A benchmark, not a test: it never fails on speed.
#
# Env overrides:
#   TALLY         tally binary (default /root/.cache/tally-target/release/tally, falling back
#                 to target/release/tally); timed from a snapshot copy, since a rebuild may
#                 replace it mid-run. Without a binary the peers are still timed.
#   BENCH_CACHE   venv, generated CSVs and pipelines, scratch (default /root/.cache/tally-bench)
#   SHARED_BENCH  folder with gen_survey.py, the peers and requirements.txt (default ../shared/bench)
#   REPS          timed runs per tool and size (default 3)
#   REPS_BIG      runs per tool at sizes >= BIG_ROWS (default: REPS, but only 1 when tally's
#                 first run there took more than SLOW seconds)
#   BIG_ROWS (1e7), SLOW (60), LIMIT (seconds per run before `timeout` kills it; 600)
#   PANDAS_MAX    largest size the pandas peer runs at (default 1e7)
#   TOOLS         subset/order of "tally tally-rerun tally-noid duckdb polars pandas cat
#                 tally-parquet duckdb-parquet polars-parquet"
#   RERUN_MIN     smallest size the tally-rerun row is timed at (default 1e6)
#   BUSY_SAMPLE   seconds of /proc/stat sampled before each run for "busy before %" (1; 0 = off)
#   STARTUP_RUNS (20), STARTUP_TOOLS ("tally duckdb polars pandas"; tally-noid also works), SKIP_STARTUP=1
#   BATCH (50), BATCH_REPS (REPS), SKIP_BATCH=1
#   NO_INSTALL=1  never apt-get install (`time`, `hyperfine`); NO_HYPERFINE=1: use the shell loop
#   RESULTS       output markdown file
set -euo pipefail
export LC_ALL=C   # "." decimals in $EPOCHREALTIME, awk and sort

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"

SIZES=("$@"); [[ ${#SIZES[@]} -eq 0 ]] && SIZES=(1e5 1e6 1e7)
BENCH_CACHE="${BENCH_CACHE:-/root/.cache/tally-bench}"
SHARED_BENCH="${SHARED_BENCH:-$repo/../shared/bench}"
REPS="${REPS:-3}"
BIG_ROWS="${BIG_ROWS:-1e7}"
SLOW="${SLOW:-60}"
LIMIT="${LIMIT:-600}"
PANDAS_MAX="${PANDAS_MAX:-1e7}"
ALL_TOOLS="tally tally-rerun tally-noid duckdb polars pandas cat tally-parquet duckdb-parquet polars-parquet"
read -r -a TOOLS <<< "${TOOLS:-$ALL_TOOLS}"
RERUN_MIN="${RERUN_MIN:-1e6}"
BUSY_SAMPLE="${BUSY_SAMPLE:-1}"
STARTUP_RUNS="${STARTUP_RUNS:-20}"
read -r -a STARTUP_TOOLS <<< "${STARTUP_TOOLS:-tally duckdb polars pandas}"
BATCH="${BATCH:-50}"
BATCH_REPS="${BATCH_REPS:-$REPS}"
stamp="$(date -u +%Y-%m-%d-%H%M)"
RESULTS="${RESULTS:-$here/results/pipeline-$stamp.md}"
TEMPLATE="$here/pipelines/survey-bench.toml"

log() { echo "[pipeline_bench] $*" >&2; }
in_list() { local x="$1"; shift; local y; for y in "$@"; do [[ "$y" == "$x" ]] && return 0; done; return 1; }
die() { echo "pipeline_bench: $*" >&2; exit 1; }
to_int() { awk -v x="$1" 'BEGIN { if (x !~ /^[0-9.]+([eE][0-9]+)?$/) exit 1; printf "%d", x + 0 }'; }

# ---------------------------------------------------------------- prerequisites
[[ -d "$SHARED_BENCH" ]] || die "peer folder not found: $SHARED_BENCH (set SHARED_BENCH=...; it holds gen_survey.py, peer_*.py and requirements.txt)"
SHARED_BENCH="$(cd "$SHARED_BENCH" && pwd)"
for f in gen_survey.py peer_duckdb.py peer_polars.py peer_pandas.py requirements.txt; do
  [[ -f "$SHARED_BENCH/$f" ]] || die "$SHARED_BENCH/$f is missing; it comes with the peer harness (../shared/bench)"
done
[[ -f "$TEMPLATE" ]] || die "bench pipeline template missing: $TEMPLATE"
for s in "${SIZES[@]}"; do to_int "$s" >/dev/null || die "not a size: $s (use e.g. 4000, 1e6)"; done
big_rows="$(to_int "$BIG_ROWS")"; pandas_max="$(to_int "$PANDAS_MAX")"; rerun_min="$(to_int "$RERUN_MIN")"

apt_install() {  # apt_install PKG: true if installed
  [[ "${NO_INSTALL:-0}" == 1 ]] && return 1
  [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null || return 1
  log "installing $1 with apt-get ..."
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$1" >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$1" >/dev/null 2>&1; }
}
[[ -x /usr/bin/time ]] || apt_install time || die "need GNU time at /usr/bin/time (apt-get install time)"
command -v timeout >/dev/null || die "need coreutils timeout"
if [[ "${SKIP_STARTUP:-0}" != 1 && "${NO_HYPERFINE:-0}" != 1 ]] && ! command -v hyperfine >/dev/null; then
  apt_install hyperfine || log "hyperfine not available; timing the 4,000-row runs with a shell loop"
fi

mkdir -p "$BENCH_CACHE/data" "$BENCH_CACHE/pipelines"
BENCH_CACHE="$(cd "$BENCH_CACHE" && pwd)"
VENV="$BENCH_CACHE/venv"; PY="$VENV/bin/python"
req_sum="$(sha256sum "$SHARED_BENCH/requirements.txt" | cut -c1-16)"
if [[ ! -x "$PY" || "$(cat "$VENV/.requirements.sha256" 2>/dev/null)" != "$req_sum" ]]; then
  log "setting up $VENV from $SHARED_BENCH/requirements.txt ..."
  [[ -x "$PY" ]] || "${PYTHON:-python3}" -m venv "$VENV" || die "could not create a venv with ${PYTHON:-python3}"
  "$PY" -m pip install -q --disable-pip-version-check -r "$SHARED_BENCH/requirements.txt" ||
    die "pip install -r $SHARED_BENCH/requirements.txt failed"
  echo "$req_sum" > "$VENV/.requirements.sha256"
fi
"$PY" -c 'import duckdb, polars, scipy, pandas, statsmodels, numpy' 2>/dev/null ||
  die "$VENV lacks a peer library; delete $VENV/.requirements.sha256 and rerun"

work="$(mktemp -d "$BENCH_CACHE/run.XXXXXX")"
trap 'rm -rf "$work"' EXIT
RAW="$BENCH_CACHE/raw-$stamp-$$.tsv"; : > "$RAW"
rec() { local IFS=$'\t'; echo "$*" >> "$RAW"; }

gen_csv() {  # gen_csv ROWS -> path of the cached survey_<ROWS>.csv
  local f="$BENCH_CACHE/data/survey_$1.csv"
  if [[ ! -s "$f" ]]; then
    log "generating $f with gen_survey.py ..."
    "$PY" "$SHARED_BENCH/gen_survey.py" "$1" --out "$f.tmp" && mv "$f.tmp" "$f"
  fi
  printf '%s\n' "$f"
}
gen_parquet() {  # gen_parquet CSV -> path of the cached .parquet beside it (DuckDB COPY;
  # its output goes to stderr: on a big file DuckDB draws a progress bar on stdout, which
  # would end up in the path)
  local f="${1%.csv}.parquet"
  if [[ ! -s "$f" || "$f" -ot "$1" ]]; then
    log "writing $f from $1 with DuckDB ..."
    "$PY" -c 'import sys, duckdb
src, dst = sys.argv[1], sys.argv[2]
duckdb.connect(config={"enable_progress_bar": False}).execute("COPY (SELECT * FROM read_csv(?, header = true)) TO \x27" + dst.replace("\x27", "\x27\x27") + "\x27 (FORMAT parquet)", [src])' "$1" "$f.tmp" >&2
    mv "$f.tmp" "$f"
  fi
  printf '%s\n' "$f"
}
make_pipe() {  # make_pipe OUT CSV NAME [REPORT_DIR] [extra make-pipeline flags...]
  "$PY" "$here/pipeline_bench.py" make-pipeline "$TEMPLATE" "$1" --input "$2" --name "$3" ${4:+--report-dir "$4"} "${@:5}"
}

# ---------------------------------------------------------------- tally binary
if [[ -z "${TALLY:-}" ]]; then
  TALLY=/root/.cache/tally-target/release/tally
  [[ -x "$TALLY" ]] || TALLY="$repo/target/release/tally"
fi
BIN=""; bin_info="not found ($TALLY): tally rows skipped"
if [[ -x "$TALLY" ]]; then
  # Snapshot: on a shared machine a rebuild may replace the binary halfway through a run.
  if cp "$TALLY" "$work/tally" 2>/dev/null && "$work/tally" --version >/dev/null 2>&1; then
    BIN="$work/tally"
    bin_info="$TALLY ($("$BIN" --version), mtime $(stat -c %y "$TALLY" | cut -d. -f1), sha256 $(sha256sum "$BIN" | cut -c1-12)..., timed from a snapshot copy)"
  else
    bin_info="$TALLY could not be copied or run (being rebuilt?): tally rows skipped"
  fi
fi
[[ -n "$BIN" ]] || log "WARNING: tally binary $bin_info"
has_jobs=0
[[ -n "$BIN" ]] && "$BIN" run --help > "$work/run-help.txt" 2>&1 && grep -q -- '--jobs' "$work/run-help.txt" && has_jobs=1

check_pipe() {  # tally check, fatal: a broken bench pipeline would make every tally row a failure
  [[ -n "$BIN" ]] || return 0
  "$BIN" check "$1" > "$work/check.out" 2>&1 ||
    { cat "$work/check.out" >&2; die "tally check $1 failed (template: $TEMPLATE)"; }
}

# ---------------------------------------------------------------- timing helpers
busy_pct() {  # share of all cores busy over the last BUSY_SAMPLE seconds (anything, not just us)
  [[ "$BUSY_SAMPLE" == 0 ]] && { echo "?"; return; }
  local a b
  a=$(awk '/^cpu /{print $2+$3+$4+$7+$8, $5+$6}' /proc/stat); sleep "$BUSY_SAMPLE"
  b=$(awk '/^cpu /{print $2+$3+$4+$7+$8, $5+$6}' /proc/stat)
  awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " ");
    u = y[1] - x[1]; i = y[2] - x[2]; printf "%.0f", (u + i) ? 100 * u / (u + i) : 0 }'
}
# timed CMD...: runs CMD (stdout to /dev/null) under /usr/bin/time and timeout; sets
# T_WALL (s), T_RSS (KiB), T_CPU (user+sys s), T_RC; stderr kept in $work/last.err.
# /usr/bin/time's %e has 10 ms steps, so the wall time is taken from $EPOCHREALTIME around
# it instead (that adds the few ms of starting time and timeout).
timed() {
  local tf="$work/time.txt" line t0 t1
  rm -f "$tf"
  set +e
  t0="$EPOCHREALTIME"
  /usr/bin/time -f '%e %M %U %S' -o "$tf" timeout "$LIMIT" "$@" > /dev/null 2> "$work/last.err"
  T_RC=$?
  t1="$EPOCHREALTIME"
  set -e
  line="$(tail -n1 "$tf" 2>/dev/null || true)"
  if [[ "$line" =~ ^([0-9.]+)\ ([0-9]+)\ ([0-9.]+)\ ([0-9.]+)$ ]]; then
    T_WALL="$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b - a}')"; T_RSS="${BASH_REMATCH[2]}"
    T_CPU="$(awk -v u="${BASH_REMATCH[3]}" -v s="${BASH_REMATCH[4]}" 'BEGIN{printf "%.2f", u + s}')"
  else
    T_WALL=NA; T_RSS=0; T_CPU=0; [[ $T_RC == 0 ]] && T_RC=255
  fi
  if [[ $T_RC != 0 ]]; then
    log "  exit $T_RC: $(tail -c 300 "$work/last.err" | tr '\n' ' ')"
  fi
}

tool_cmd() {  # tool_cmd TOOL CSV PIPELINE -> fills CMD array
  case $1 in
    tally)  CMD=("$BIN" run "$3" --reports-dir "$work/reports.tally" --force) ;;
    tally-noid) CMD=("$BIN" run "${3%.toml}-noid.toml" --reports-dir "$work/reports.tally-noid" --force) ;;
    tally-rerun) CMD=("$BIN" run "$3" --reports-dir "$work/reports.tally-rerun") ;;   # no --force: see fresh_cache
    duckdb) CMD=("$PY" "$SHARED_BENCH/peer_duckdb.py" "$2" "$work/duckdb.csv") ;;
    polars) CMD=(env POLARS_ENGINE_AFFINITY=streaming "$PY" "$SHARED_BENCH/peer_polars.py" "$2" "$work/polars.csv") ;;
    pandas) CMD=("$PY" "$SHARED_BENCH/peer_pandas.py" "$2" "$work/pandas.csv") ;;
    cat)    CMD=(cat "$2") ;;
    tally-parquet) CMD=("$BIN" run "${3%.toml}-parquet.toml" --reports-dir "$work/reports.tally-parquet" --force) ;;
    duckdb-parquet) CMD=("$PY" "$here/peer_parquet.py" "$SHARED_BENCH" duckdb "$PQ" "$work/duckdb-parquet.csv") ;;
    polars-parquet) CMD=(env POLARS_ENGINE_AFFINITY=streaming "$PY" "$here/peer_parquet.py" "$SHARED_BENCH" polars "$PQ" "$work/polars-parquet.csv") ;;
    *) die "unknown tool: $1 (TOOLS: $ALL_TOOLS)" ;;
  esac
}

# The stage cache. fresh_cache: export TALLY_CACHE_DIR as a new empty directory (untimed);
# drop_cache: remove it and unset the variable.
fresh_cache() { CACHE_DIR="$(mktemp -d "$work/cache.XXXXXX")"; export TALLY_CACHE_DIR="$CACHE_DIR"; }
drop_cache() { [[ -n "${CACHE_DIR:-}" ]] && rm -rf "$CACHE_DIR"; CACHE_DIR=""; unset TALLY_CACHE_DIR; }
# check_full / check_uptodate: after a timed single-pipeline run, make sure it did what the
# row claims (tally prints "wrote <dir>: ... (ingest N s, ...)" for a full run and
# "up to date <dir>: ... (ingest 0.000 s cached)" when the cache served it); else T_RC=253.
check_full() {
  [[ $T_RC == 0 ]] || return 0
  if ! grep -q '^wrote ' "$work/last.err" || grep -q 'cached\|up to date' "$work/last.err"; then
    log "  not a full run: $(tail -c 300 "$work/last.err" | tr '\n' ' ')"; T_RC=253
  fi
}
check_uptodate() {
  [[ $T_RC == 0 ]] || return 0
  if ! grep -q '^up to date ' "$work/last.err"; then
    log "  not served from the cache: $(tail -c 300 "$work/last.err" | tr '\n' ' ')"; T_RC=253
  fi
}

# ---------------------------------------------------------------- header
uptime_start="$(uptime)"
pyver() { "$PY" - <<'EOF'
import sys
from importlib.metadata import version
pk = ["duckdb", "polars", "polars-runtime-32", "scipy", "pandas", "statsmodels", "numpy", "pyarrow"]
out = []
for p in pk:
    try:
        out.append(f"{p} {version(p)}")
    except Exception:
        pass
print(f"Python {sys.version.split()[0]}; " + ", ".join(out))
EOF
}
polars_engine="not checked"
if in_list polars "${TOOLS[@]}"; then
  env POLARS_ENGINE_AFFINITY=streaming POLARS_VERBOSE=1 "$PY" "$SHARED_BENCH/peer_polars.py" \
    "$(gen_csv 4000)" "$work/polars.csv" > "$work/polars-verbose.txt" 2>&1 || true
  if grep -q 'polars-stream: running group-by' "$work/polars-verbose.txt"; then
    polars_engine="streaming (POLARS_VERBOSE shows the polars-stream group-by)"
  else
    polars_engine="NOT confirmed streaming (no polars-stream group-by in POLARS_VERBOSE output)"
  fi
fi
header() {
  echo "# tally run: end-to-end pipeline benchmark against the peers"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- uptime at start: $uptime_start"
  echo "- host: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(free -m | awk '/Mem:/ {print $2}') MiB RAM, $(uname -sr), $(. /etc/os-release; echo "$PRETTY_NAME")"
  echo "- tally: $bin_info"
  echo "- repo: $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$repo" diff --quiet 2>/dev/null || echo ' (dirty tree)')"
  echo "- peers: $SHARED_BENCH; $(pyver)"
  echo "- polars engine: $polars_engine"
  echo "- tools: $(/usr/bin/time --version 2>&1 | head -1), $(command -v hyperfine >/dev/null && hyperfine --version || echo 'no hyperfine'), $(cat --version | head -1)"
  echo "- settings: REPS=$REPS (REPS_BIG=${REPS_BIG:-auto} at >= $big_rows rows, SLOW=${SLOW}s), LIMIT=${LIMIT}s per run, PANDAS_MAX=$pandas_max, page cache warmed before each size, runs round-robin"
  echo "- pipeline (tally): bench/pipelines/survey-bench.toml with the input path substituted: 3 analyses (GET wilson, CBT clopper-pearson, pacing jeffreys) x by provider, severity (crossed, with margins), id_column duplicate check, reliability flags, default plots + HTML; tally-noid: the same without id_column"
  echo "- stage cache: every timed full tally run has --force and its own fresh, empty TALLY_CACHE_DIR (removed after the run), and its output is checked to say \"wrote\" with nothing \"cached\". tally-rerun (sizes >= $rerun_min rows) is NOT a full run: the pipeline is run once untimed with a fresh cache, then timed again with the same cache and reports directory and no --force (the report is up to date; its output is checked to say \"up to date\")."
  echo "- raw records: $RAW"
}

# ---------------------------------------------------------------- 1. big files
notes=()
for label in "${SIZES[@]}"; do
  rows="$(to_int "$label")"
  csv="$(gen_csv "$rows")"
  nbytes="$(stat -c %s "$csv")"
  pipe="$BENCH_CACHE/pipelines/bench-$rows.toml"
  make_pipe "$pipe" "$csv" "bench-$rows"
  make_pipe "${pipe%.toml}-noid.toml" "$csv" "bench-$rows-noid" "" --drop-id
  check_pipe "$pipe"; check_pipe "${pipe%.toml}-noid.toml"
  PQ=""
  for t in "${TOOLS[@]}"; do [[ $t == *-parquet ]] && PQ=1; done
  if [[ -n "$PQ" ]]; then
    PQ="$(gen_parquet "$csv")"
    make_pipe "${pipe%.toml}-parquet.toml" "$PQ" "bench-$rows"
    check_pipe "${pipe%.toml}-parquet.toml"
    cat "$PQ" > /dev/null
    notes+=("$rows rows as Parquet: $(( $(stat -c %s "$PQ") / 1000000 )) MB")
  fi
  log "== $rows rows: $csv ($(( nbytes / 1000000 )) MB); warming the page cache"
  cat "$csv" > /dev/null
  notes+=("load before $rows rows: $(uptime | sed 's/.*load average: //')")
  tools=()
  for t in "${TOOLS[@]}"; do
    if [[ $t == tally* && -z "$BIN" ]]; then rec skip "$rows" "$rows" "$nbytes" "$t" "no tally binary"; continue; fi
    if [[ $t == pandas ]] && (( rows > pandas_max )); then rec skip "$rows" "$rows" "$nbytes" pandas "above PANDAS_MAX=$pandas_max rows"; continue; fi
    [[ $t == tally-rerun ]] && (( rows < rerun_min )) && continue   # no row at all below RERUN_MIN
    tools+=("$t")
  done
  reps="$REPS"; (( rows >= big_rows )) && reps="${REPS_BIG:-$REPS}"
  for (( rep = 1; rep <= reps; rep++ )); do
    for t in "${tools[@]}"; do
      tool_cmd "$t" "$csv" "$pipe"
      if [[ $t == tally* ]]; then
        rm -rf "$work/reports.$t"
        fresh_cache
        if [[ $t == tally-rerun ]]; then   # the untimed first run that fills the cache and writes the report
          log "rep $rep/$reps: $t: untimed first run"
          "${CMD[@]}" > /dev/null 2> "$work/prime.err" || { cat "$work/prime.err" >&2; die "tally-rerun: first run failed"; }
          grep -q '^wrote ' "$work/prime.err" || die "tally-rerun: first run did not write the report: $(cat "$work/prime.err")"
        fi
      fi
      busy="$(busy_pct)"
      log "rep $rep/$reps: $t (busy before: $busy %)"
      timed "${CMD[@]}"
      case $t in tally|tally-noid) check_full ;; tally-rerun) check_uptodate ;; esac
      [[ $t == tally* ]] && drop_cache
      rec run "$rows" "$rows" "$nbytes" "$t" "$rep" "$T_WALL" "$T_RSS" "$T_CPU" "$T_RC" "$busy"
      log "  $T_WALL s, $(( T_RSS / 1024 )) MiB"
      if [[ $rep == 1 && $t == tally && $T_RC == 0 && -z "${REPS_BIG:-}" ]] && (( rows >= big_rows )) &&
         awk -v w="$T_WALL" -v s="$SLOW" 'BEGIN{exit !(w > s)}'; then
        reps=1; log "  tally took more than ${SLOW}s: one run per tool at this size"
      fi
    done
    if [[ $rep == 1 ]] && in_list duckdb "${tools[@]}" && in_list tally "${tools[@]}"; then
      rec agree "$rows" "$("$PY" "$here/pipeline_bench.py" agree "$work/reports.tally/bench-$rows" "$work/duckdb.csv")"
    fi
    if [[ $rep == 1 ]] && in_list tally-parquet "${tools[@]}" && in_list tally "${tools[@]}"; then
      if cmp -s "$work/reports.tally/bench-$rows/estimates.csv" "$work/reports.tally-parquet/bench-$rows/estimates.csv"; then
        rec agreepq "$rows" "estimates.csv byte-identical to the CSV run's"
      else
        rec agreepq "$rows" "estimates.csv DIFFERS from the CSV run's"
      fi
    fi
  done
done

# ---------------------------------------------------------------- 2. 4,000 rows, start to finish
small_csv="$(gen_csv 4000)"
small_pipe="$BENCH_CACHE/pipelines/bench-4000.toml"
make_pipe "$small_pipe" "$small_csv" "bench-4000"
make_pipe "${small_pipe%.toml}-noid.toml" "$small_csv" "bench-4000-noid" "" --drop-id
check_pipe "$small_pipe"
cat "$small_csv" > /dev/null
if [[ "${SKIP_STARTUP:-0}" != 1 ]]; then
  log "== 4,000 rows end to end, $STARTUP_RUNS runs per tool"
  names=(); cmds=()
  for t in "${STARTUP_TOOLS[@]}"; do
    [[ $t == tally* && -z "$BIN" ]] && continue
    [[ $t == cat ]] && continue
    [[ $t == tally-rerun ]] && { log "tally-rerun is not timed at 4,000 rows"; continue; }
    tool_cmd "$t" "$small_csv" "$small_pipe"
    names+=("$t"); cmds+=("${CMD[*]}")
  done
  # Every run (warm-up runs included) starts with no reports and an empty TALLY_CACHE_DIR
  # (the tally commands also carry --force); the peers ignore the variable.
  scache="$work/cache.startup"
  export TALLY_CACHE_DIR="$scache"
  if (( ${#names[@]} > 0 )); then
    if [[ "${NO_HYPERFINE:-0}" != 1 ]] && command -v hyperfine >/dev/null; then
      hf=(hyperfine -N --style basic --warmup 3 --runs "$STARTUP_RUNS" --export-json "$work/hf.json"
          --prepare "sh -c 'rm -rf $work/reports.tally $work/reports.tally-noid $scache && mkdir $scache'")
      for i in "${!names[@]}"; do hf+=(-n "${names[$i]}" "${cmds[$i]}"); done
      if "${hf[@]}" > "$work/hf.out" 2>&1; then
        "$PY" - "$work/hf.json" "$STARTUP_RUNS" >> "$RAW" <<'EOF'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    ms = [1000 * x for x in (r["median"], r["mean"], r["min"], r["max"])]
    print("\t".join(["startup", r["command"], *(f"{x:.2f}" for x in ms), sys.argv[2], "hyperfine -N, 3 warm-up runs"]))
EOF
      else
        tail -20 "$work/hf.out" >&2; log "hyperfine failed"
        for nm in "${names[@]}"; do rec startup "$nm" NA NA NA NA "$STARTUP_RUNS" "hyperfine failed"; done
      fi
    else
      for i in "${!names[@]}"; do
        read -r -a CMD <<< "${cmds[$i]}"
        ts=(); fail=""
        for (( r = -2; r <= STARTUP_RUNS; r++ )); do   # r <= 0: warm-up
          rm -rf "$work/reports.tally" "$work/reports.tally-noid" "$scache"; mkdir "$scache"
          t0="${EPOCHREALTIME/./}"
          "${CMD[@]}" > /dev/null 2> "$work/last.err" || { fail=1; break; }
          t1="${EPOCHREALTIME/./}"
          (( r > 0 )) && ts+=("$(( t1 - t0 ))")
        done
        if [[ -n "$fail" ]]; then
          rec startup "${names[$i]}" NA NA NA NA "$STARTUP_RUNS" "failed: $(tail -c 200 "$work/last.err" | tr '\n\t' '  ')"
        else
          rec startup "${names[$i]}" $(printf '%s\n' "${ts[@]}" | sort -n | awk '{a[NR] = $1 / 1000; s += a[NR]}
            END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2;
                  printf "%.2f %.2f %.2f %.2f", m, s / NR, a[1], a[NR] }') "$STARTUP_RUNS" "shell loop (EPOCHREALTIME), 3 warm-up runs"
        fi
      done
    fi
  fi
  # The same tally command once more, outside the timing, to show that it does the full work
  # from an empty cache (and that the cache directory is the one tally uses).
  if in_list tally "${names[@]}"; then
    tool_cmd tally "$small_csv" "$small_pipe"
    rm -rf "$work/reports.tally" "$scache"; mkdir "$scache"
    timed "${CMD[@]}"; check_full
    if [[ $T_RC != 0 ]]; then
      rec startupnote "check run of the tally command FAILED (rc=$T_RC): $(tail -c 200 "$work/last.err" | tr '\n\t' '  ')"
    elif [[ -z "$(ls -A "$scache" 2>/dev/null)" ]]; then
      rec startupnote "check run: tally left $scache empty, so TALLY_CACHE_DIR was not the cache it used"
    else
      rec startupnote "Each timed run (warm-up runs too) started with no report directory and an empty TALLY_CACHE_DIR, and the tally command has --force. A check run of the same command, outside the timing, printed \"$(grep -m1 '^wrote ' "$work/last.err" | sed 's/^wrote [^:]*: //')\" (a full run: nothing from the cache) and filled the cache directory."
    fi
  fi
  rm -rf "$scache"; unset TALLY_CACHE_DIR
fi

# ---------------------------------------------------------------- 3. a batch of small pipelines
if [[ "${SKIP_BATCH:-0}" != 1 && -n "$BIN" ]]; then
  bdir="$BENCH_CACHE/batch"
  rm -rf "$bdir"; mkdir -p "$bdir"
  for (( i = 1; i <= BATCH; i++ )); do
    n="$(printf 'batch-%02d' "$i")"
    make_pipe "$bdir/$n.toml" "$small_csv" "$n" "$n"
  done
  check_pipe "$bdir/batch-01.toml"
  bfiles=("$bdir"/*.toml)
  declare -A bcmd=()
  labels=()
  if (( has_jobs )); then
    labels+=("tally run batch/ --jobs 1" "tally run batch/ --jobs 2")
    bcmd["tally run batch/ --jobs 1"]="$BIN run $bdir --jobs 1 --force --reports-dir $work/reports.batch"
    bcmd["tally run batch/ --jobs 2"]="$BIN run $bdir --jobs 2 --force --reports-dir $work/reports.batch"
  else
    rec batchskip "\`tally run --help\` does not mention --jobs (folder mode / --jobs not in this build), so --jobs 1 vs --jobs 2 was not timed; only the file list below."
  fi
  labels+=("tally run batch/*.toml")
  bcmd["tally run batch/*.toml"]="$BIN run ${bfiles[*]} --force --reports-dir $work/reports.batch"
  log "== $BATCH pipelines of 4,000 rows: ${labels[*]}"
  for (( rep = 1; rep <= BATCH_REPS; rep++ )); do
    for lab in "${labels[@]}"; do
      read -r -a CMD <<< "${bcmd[$lab]}"
      rm -rf "$work/reports.batch"
      fresh_cache   # one fresh, empty cache for the whole run; with --force no stage is read from it
      log "rep $rep/$BATCH_REPS: $lab"
      timed "${CMD[@]}"
      drop_cache
      # a report counts when its directory has all of these (the directory was empty before the run)
      n_out=0
      for (( i = 1; i <= BATCH; i++ )); do
        d="$work/reports.batch/$(printf 'batch-%02d' "$i")"
        [[ -s $d/index.html && -s $d/estimates.csv && -s $d/tables.xlsx && -s $d/manifest.json ]] && n_out=$(( n_out + 1 ))
      done
      if [[ $T_RC == 0 && $n_out != "$BATCH" ]]; then
        log "  wrote $n_out complete reports, expected $BATCH"; T_RC=254
      fi
      if [[ $T_RC == 0 ]] && ! grep -q "^$BATCH pipeline(s): $BATCH ok, 0 failed" "$work/last.err"; then
        log "  summary line not \"$BATCH ok\": $(tail -c 200 "$work/last.err" | tr '\n' ' ')"; T_RC=254
      fi
      rec batch "$lab" "$rep" "$T_WALL" "$T_RSS" "$T_CPU" "$T_RC" "$n_out"
      log "  $T_WALL s, $n_out/$BATCH reports"
    done
  done
elif [[ -z "$BIN" ]]; then
  rec batchskip "no tally binary"
fi

# ---------------------------------------------------------------- report
mkdir -p "$(dirname "$RESULTS")"
{
  header
  echo
  echo "## Big files"
  echo
  echo "Median over the runs listed; rows/s and MB/s (10^6 bytes) from the file's data rows and"
  echo "bytes (the CSV's, for the Parquet rows too). wall / tally > 1 means tally is faster;"
  echo "RSS / tally > 1 means tally uses less memory; a Parquet row (*-parquet) is against"
  echo "tally-parquet, the same pipeline reading the Parquet file. Peak RSS from \`/usr/bin/time %M\`, in MiB; wall time includes the few ms of"
  echo "starting \`/usr/bin/time\` and \`timeout\`. \"busy before %\" is the most the $(nproc) cores"
  echo "were busy (any process) in the ${BUSY_SAMPLE}s before one of the runs (? = not sampled):"
  echo "well above 0 means another process competed and the wall times are inflated."
  echo
  "$PY" "$here/pipeline_bench.py" table "$RAW" --section big --tools "${TOOLS[*]}"
  echo
  for n in "${notes[@]}"; do echo "- $n"; done
  echo "- uptime at end: $(uptime)"
  echo
  echo "## 4,000 rows, process start to report written"
  echo
  if [[ "${SKIP_STARTUP:-0}" == 1 ]]; then echo "Skipped (SKIP_STARTUP=1)."
  else "$PY" "$here/pipeline_bench.py" table "$RAW" --section startup
       awk -F'\t' '$1 == "startupnote" { print ""; print $2 }' "$RAW"; fi
  echo
  echo "## $BATCH pipelines of 4,000 rows in one \`tally run\`"
  echo
  echo "Each pipeline is a copy of bench-4000.toml with its own name and \`[report] dir\`. Every"
  echo "run has --force and its own fresh, empty TALLY_CACHE_DIR, and starts with no reports; a run"
  echo "that did not write all $BATCH reports (index.html, estimates.csv, tables.xlsx, manifest.json"
  echo "each) or whose summary is not \"$BATCH ok, 0 failed\" counts as failed (rc=254). The file-list"
  echo "row gives no --jobs, so it runs with the default (the number of cores, $(nproc) here)."
  echo
  if [[ "${SKIP_BATCH:-0}" == 1 ]]; then echo "Skipped (SKIP_BATCH=1)."
  else "$PY" "$here/pipeline_bench.py" table "$RAW" --section batch --batch "$BATCH"; fi
} > "$work/results.md"
cp "$work/results.md" "$RESULTS"
cat "$RESULTS"
log "written: $RESULTS (raw records: $RAW)"
