#!/usr/bin/env bash
# Regenerate tests/reference/ci_reference.csv (+ .versions.txt, .crosscheck.txt) and the
# two-group / tests / r x c / simultaneous / p.adjust references (gen_compare_reference.py).
# Usage (from anywhere):  bash tests/reference/generate.sh
#   REFVENV      python venv to use/create          (default /root/refvenv)
#   EXACTCI_R_DIR  optional dir with exactci's R/ sources (exactbinomCI.R, exactbinomPvals.R)
#                  for the coarse Blaker cross-check; skipped when unset.
#   MULTINOMIALCI_R_DIR  optional dir with MultinomialCI's R/ sources (sison.R, aux-fn.R) for the
#                  Sison-Glaz cross-check; skipped when unset.
#   ONLY         "ci" or "compare" to run just one of the two generators.
# Needs: python3 (venv); Rscript (Debian r-base-core) is optional for ci_reference (cross-checks
# only) but REQUIRED for gen_compare_reference.py (R is the reference for the tests / r x c / p.adjust).
# Does not touch anything outside tests/reference/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${REFVENV:-/root/refvenv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q numpy==2.4.6 scipy==1.17.1 statsmodels==0.15.0 mpmath==1.4.1
fi
args=()
if [ -n "${EXACTCI_R_DIR:-}" ]; then args+=(--exactci-dir "$EXACTCI_R_DIR"); fi
if [ "${ONLY:-}" != "compare" ]; then
  nice "$venv/bin/python" "$here/gen_ci_reference.py" "${args[@]}"
fi
cargs=()
if [ -n "${MULTINOMIALCI_R_DIR:-}" ]; then cargs+=(--multinomialci-dir "$MULTINOMIALCI_R_DIR"); fi
if [ "${ONLY:-}" != "ci" ]; then
  nice "$venv/bin/python" "$here/gen_compare_reference.py" "${cargs[@]}"
fi
