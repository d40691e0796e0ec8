#!/usr/bin/env bash
# Runs each fuzz target for a bounded time (default 120 s each), seeded with the bad-input
# corpus, the survey fixtures and the example pipelines.
#
#   bash fuzz/run.sh            # both targets, 120 s each
#   SECONDS_EACH=600 bash fuzz/run.sh ingest
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`). It runs on the stable toolchain through
# RUSTC_BOOTSTRAP, without a sanitizer (tally has no unsafe code of its own; panics are what
# is hunted). The first build instruments polars too and takes about 30 minutes on 2 cores.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
each="${SECONDS_EACH:-120}"
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(ingest pipeline)
command -v cargo-fuzz >/dev/null || { echo "cargo-fuzz is not installed: cargo install cargo-fuzz" >&2; exit 2; }

seeds="${FUZZ_WORK:-/tmp/tally-fuzz}"
mkdir -p "$seeds/ingest" "$seeds/pipeline"
i=0
for f in "$root"/tests/corpus/*/*.csv "$root"/tests/fixtures/surveys/*/*.csv "$root"/data/*.csv; do
  [ -f "$f" ] || continue
  # The first byte is the fuzz target's settings knob; vary it over the seeds.
  { printf "\\x$(printf %02x $((i % 256)))"; head -c 65536 "$f"; } > "$seeds/ingest/seed-$i"
  i=$((i + 37))
done
for f in "$root"/pipelines/*.toml "$root"/tests/corpus/*/pipeline.toml "$root"/tests/fixtures/surveys/*/*.toml; do
  cp "$f" "$seeds/pipeline/$(echo "$f" | sha256sum | cut -c1-16).toml"
done

cd "$root"
for t in "${targets[@]}"; do
  echo "== fuzzing $t for ${each} s"
  RUSTC_BOOTSTRAP=1 cargo fuzz run "$t" --fuzz-dir fuzz --target-dir "${FUZZ_TARGET_DIR:-/root/.cache/tally-fuzz}" --sanitizer none -O "$seeds/$t" -- \
    -max_total_time="$each" -max_len=65536 -rss_limit_mb=4096 -timeout=20 -print_final_stats=1
done
