#!/usr/bin/env bash
# Benchmark: wall time of `tally ci --input FILE --method M` for every method.
#
#   bash bench/ci_methods.sh                 # 1,000,000 rows, 3 runs per method
#   ROWS=100000 REPS=5 bash bench/ci_methods.sh
#   TALLY=target/release/tally bash bench/ci_methods.sh
#
# Env overrides:
#   ROWS     rows in the generated input              (default 1000000)
#   TALLY    tally binary                             (default /root/.cache/tally-target/release/tally,
#                                                      falling back to target/release/tally)
#   REPS     timed runs per method, median reported   (default 3)
#   TIMEOUT  seconds before one run counts as a miss  (default 120)
#   SMALL    rows for the extrapolated re-run of a timed-out method (default ROWS/10)
#   LEVEL    confidence level passed to --level       (default 0.95)
#   SEED     generator seed                           (default 20240601)
#   METHODS  space-separated subset of methods        (default: all of `tally methods`)
#
# The input (header x,n; n log-uniform on 1..1e7, x uniform on 0..n) is generated
# deterministically by bench/gen_xn.py into bench/data/ (git-ignored) and reused.
# This is a benchmark, not a test: it prints a markdown table and never fails on speed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"

ROWS="${ROWS:-1000000}"
REPS="${REPS:-3}"
TIMEOUT="${TIMEOUT:-120}"
SMALL="${SMALL:-$(( ROWS / 10 > 0 ? ROWS / 10 : 1 ))}"
LEVEL="${LEVEL:-0.95}"
SEED="${SEED:-20240601}"
if [[ -z "${TALLY:-}" ]]; then
  TALLY=/root/.cache/tally-target/release/tally
  [[ -x "$TALLY" ]] || TALLY="$repo/target/release/tally"
fi
[[ -x "$TALLY" ]] || { echo "tally binary not found: $TALLY (set TALLY=...)" >&2; exit 1; }
command -v timeout >/dev/null || { echo "need coreutils timeout" >&2; exit 1; }

EXACT=" clopper-pearson jeffreys mid-p blaker likelihood-ratio "   # target: within 20x of wilson
TARGET_RATIO=20

datadir="$here/data"
mkdir -p "$datadir"

gen() { # gen ROWS -> path of the (cached) input file
  local rows="$1" f="$datadir/xn_${1}_s${SEED}.csv"
  if [[ ! -s "$f" ]]; then
    echo "generating $f ..." >&2
    python3 "$here/gen_xn.py" "$rows" "$SEED" > "$f.tmp" && mv "$f.tmp" "$f"
  fi
  printf '%s\n' "$f"
}

# time_once FILE CMD... : prints wall seconds (ms resolution), or "TIMEOUT" / "FAIL:rc".
time_once() {
  local t rc=0 tf
  tf="$(mktemp)"
  TIMEFORMAT=%3R
  { time timeout "$TIMEOUT" "$@" > /dev/null 2>"$tf.err"; } 2> "$tf" || rc=$?
  t="$(tail -n1 "$tf")"; rm -f "$tf"
  if [[ $rc -eq 124 ]]; then echo TIMEOUT
  elif [[ $rc -ne 0 ]]; then echo "FAIL:$rc $(head -c 200 "$tf.err" | tr '\n' ' ')"
  else echo "$t"; fi
  rm -f "$tf.err"
}

# median_of REPS CMD... : median wall seconds over REPS runs (or TIMEOUT/FAIL on first failure).
median_of() {
  local reps="$1"; shift
  local ts=() t i
  for (( i = 0; i < reps; i++ )); do
    t="$(time_once "$@")"
    case "$t" in TIMEOUT|FAIL*) echo "$t"; return;; esac
    ts+=("$t")
  done
  printf '%s\n' "${ts[@]}" | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'
}

FILE="$(gen "$ROWS")"
# Snapshot the binary: on a shared machine a rebuild may replace it mid-run.
snap="$(mktemp -d)"; trap 'rm -rf "$snap"' EXIT
cp "$TALLY" "$snap/tally"; BIN="$snap/tally"
bin_sum="$(sha256sum "$BIN" | cut -c1-12)"
if [[ -n "${METHODS:-}" ]]; then
  read -r -a methods <<< "$METHODS"
else
  mapfile -t methods < <("$BIN" methods | awk 'NF{print $1}')
fi

load_before="$(uptime)"
echo "# tally ci benchmark"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "- host: $(nproc) cores, $(uname -sr)"
echo "- binary: $TALLY (mtime $(stat -c %y "$TALLY" | cut -d. -f1), sha256 $bin_sum..., timed from a snapshot copy)"
echo "- repo: $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$repo" diff --quiet 2>/dev/null || echo ' (dirty tree)')"
echo "- input: $FILE ($ROWS rows, $(du -h "$FILE" | cut -f1)), level $LEVEL, median of $REPS round-robin runs, timeout ${TIMEOUT}s per run"
echo "- load before: ${load_before#*load average: } (uptime: $load_before)"
echo

declare -A secs note runs
# Round-robin: rep 1 of every method, then rep 2, ... so that a burst of load from other
# processes (shared machine) is spread over all methods instead of hitting one of them.
all=(cat wald)
for m in "${methods[@]}"; do [[ "$m" == wald ]] || all+=("$m"); done
for (( rep = 1; rep <= REPS; rep++ )); do
  for m in "${all[@]}"; do
    [[ -n "${note[$m]:-}" ]] && continue          # timed out or failed earlier
    echo "rep $rep/$REPS: $m ..." >&2
    if [[ "$m" == cat ]]; then t="$(time_once cat "$FILE")"
    else t="$(time_once "$BIN" ci --input "$FILE" --method "$m" --level "$LEVEL")"; fi
    case "$t" in
      TIMEOUT)
        small="$(gen "$SMALL")"
        echo "  $m timed out (>${TIMEOUT}s); timing it on $SMALL rows instead ..." >&2
        ts="$(median_of "$REPS" "$BIN" ci --input "$small" --method "$m" --level "$LEVEL")"
        case "$ts" in
          TIMEOUT|FAIL*) secs[$m]=NA; note[$m]="MISS: >${TIMEOUT}s at $ROWS rows, $ts at $SMALL rows";;
          *) secs[$m]="$(awk -v t="$ts" -v r="$ROWS" -v s="$SMALL" 'BEGIN{printf "%.3f", t*r/s}')"
             note[$m]="MISS: >${TIMEOUT}s at $ROWS rows; ${ts}s at $SMALL rows, EXTRAPOLATED x$(awk -v r="$ROWS" -v s="$SMALL" 'BEGIN{printf "%g", r/s}')";;
        esac;;
      FAIL*) secs[$m]=NA; note[$m]="error ($t)";;
      *) runs[$m]="${runs[$m]:-} $t";;
    esac
  done
done
for m in "${all[@]}"; do
  [[ -n "${note[$m]:-}" ]] && continue
  secs[$m]="$(printf '%s\n' ${runs[$m]} | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')"
  note[$m]=""
done
load_after="$(uptime)"

wil="${secs[wilson]:-NA}"; wald="${secs[wald]}"
row() { # row LABEL SECONDS NOTE
  awk -v lab="$1" -v t="$2" -v n="$ROWS" -v w="$wil" -v f="$wald" -v note="$3" 'BEGIN{
    if (t == "NA") { printf "| %s | NA | NA | NA | NA | %s |\n", lab, note; exit }
    rps = (t > 0) ? sprintf("%.3g", n / t) : "inf"
    rat = (w != "NA" && w > 0) ? sprintf("%.1f", t / w) : "NA"
    ns  = (f != "NA") ? sprintf("%.0f", (t - f) / n * 1e9) : "NA"
    printf "| %s | %.3f | %s | %s | %s | %s |\n", lab, t, rps, rat, ns, note }'
}

echo "| method | median s | rows/s | x wilson | ns/row above wald | note |"
echo "|---|---:|---:|---:|---:|---|"
row '`cat FILE` (I/O floor)' "${secs[cat]}" "floor"
row 'wald (parse+print floor)' "$wald" "floor"
for m in "${methods[@]}"; do
  n="${note[$m]:-}"
  [[ "$m" == wald && -z "$n" ]] && n="same runs as the floor"
  if [[ "$EXACT" == *" $m "* && "${secs[$m]}" != NA && "$wil" != NA ]]; then
    verdict="$(awk -v t="${secs[$m]}" -v w="$wil" -v k="$TARGET_RATIO" 'BEGIN{print (t <= k*w) ? "met" : "MISSED"}')"
    n="exact, target <= ${TARGET_RATIO}x wilson: $verdict${n:+; $n}"
  fi
  row "$m" "${secs[$m]}" "$n"
done
echo
echo "- load after: ${load_after#*load average: }"
echo "- ns/row above wald = (median - wald median) / rows; x wilson = median / wilson median (whole command, incl. parse+print)."
