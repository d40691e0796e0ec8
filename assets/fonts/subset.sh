#!/usr/bin/env bash
# Regenerates the embedded plot font: DejaVu Sans (Bitstream Vera licence, see LICENSE-DejaVu.txt)
# subset to Latin-1, Latin Extended-A, general punctuation and the few symbols tally prints.
# Needs Debian's fonts-dejavu-core and fonttools (pip install fonttools==4.*).
set -euo pipefail
cd "$(dirname "$0")"
src=${DEJAVU:-/usr/share/fonts/truetype/dejavu}
for face in DejaVuSans DejaVuSans-Bold; do
  pyftsubset "$src/$face.ttf" \
    --unicodes="U+0020-007E,U+00A0-00FF,U+0100-017F,U+2010-2027,U+2030-203A,U+2122,U+2190-2193,U+2212,U+2248,U+2260,U+2264,U+2265,U+00D7,U+25A0-25CF,U+FFFD" \
    --layout-features='kern,liga' --no-hinting --desubroutinize \
    --output-file="$face-subset.ttf"
done
