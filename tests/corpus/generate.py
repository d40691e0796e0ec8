#!/usr/bin/env python3
"""Writes the bad-input corpus: one directory per case under tests/corpus/.

The committed files are the source of truth for the harness; this script is how they were
made (several are byte-exact: UTF-16, Windows-1252, NUL bytes, CR-only line ends, random
bytes), so that a case can be re-made or changed in one place. Run it from anywhere:

    python3 tests/corpus/generate.py

It rewrites every case directory it knows (and nothing else). Deterministic: the random
bytes come from a fixed seed. Every file it writes is under 100 KB.
"""

import os
import random
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))

# ---------------------------------------------------------------------------- helpers

BASE_ROWS = [
    ("1", "Alpha", "worsened"),
    ("2", "Alpha", "improved"),
    ("3", "Alpha", "no_change"),
    ("4", "Alpha", "worsened"),
    ("5", "Alpha", "improved"),
    ("6", "Beta", "worsened"),
    ("7", "Beta", "no_change"),
    ("8", "Beta", "improved"),
    ("9", "Beta", "worsened"),
    ("10", "Beta", "no_change"),
]

HEADER = "id,group,outcome"


def csv_text(rows, header=HEADER, sep=",", eol="\n"):
    lines = [header] + [sep.join(r) for r in rows]
    return eol.join(lines) + eol


BASE_CSV = csv_text(BASE_ROWS)

ANALYSIS = """
[[analysis]]
name = "effect"
outcome = "outcome"
levels = ["improved", "no_change", "worsened"]
by = ["group"]
"""

BASE_PIPELINE = """[input]
path = "data.csv"
id_column = "id"
""" + ANALYSIS

# A recode table whose raw labels are the clean ones: every value outside it is listed as
# unmapped (with a did-you-mean), which is what the near-miss cases look at.
IDENTITY_RECODE = """
[recode.outcome]
improved = "improved"
no_change = "no_change"
worsened = "worsened"
"""

COUNTS_PIPELINE = """[input]
path = "data.csv"
kind = "counts"

[[analysis]]
name = "effect"
outcome = "outcome"
levels = ["improved", "worsened"]
by = ["provider"]
"""

COUNTS_HEADER = "provider,outcome,count"
COUNTS_ROWS = [
    "specialist,improved,62",
    "specialist,worsened,161",
    "non_specialist,improved,36",
    "non_specialist,worsened,50",
]

CASES = []


def declare_empty(pipeline, values):
    """`pipeline` with `expect_empty = [values]` in its first analysis (after `levels`): for
    cases whose rows, once some are rejected, leave a level or recode target unused."""
    head, sep, rest = pipeline.partition("\nlevels = ")
    line, nl, tail = rest.partition("\n")
    listed = ", ".join(f'"{v}"' for v in values)
    return f"{head}{sep}{line}{nl}expect_empty = [{listed}]\n{tail}"


def case(slug, expect, files=None, pipeline=None, args=None):
    """Registers a case. `files` maps a file name to str (written as UTF-8) or bytes."""
    CASES.append((slug, expect, files or {}, pipeline, args))


def write_case(slug, expect, files, pipeline, args):
    d = os.path.join(HERE, slug)
    if os.path.isdir(d):
        shutil.rmtree(d)
    os.makedirs(d)
    if pipeline is not None:
        files = dict(files)
        files["pipeline.toml"] = pipeline
    if args is not None:
        files = dict(files)
        files["args"] = "\n".join(args) + "\n"
    files = dict(files)
    files["expect.toml"] = expect.lstrip("\n")
    for name, content in files.items():
        p = os.path.join(d, name)
        if name.endswith("/"):  # a directory (kept in git by a .keep file)
            os.makedirs(p, exist_ok=True)
            with open(os.path.join(p, ".keep"), "wb") as f:
                f.write(b"")
            continue
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        assert len(data) < 100_000, (slug, name, len(data))
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)


# ---------------------------------------------------------------------- the cases

# --- truncation --------------------------------------------------------------------

case("01-truncated-mid-field", """
# The last record is cut in its second field (no newline at the end): "5,Be" instead of
# "5,Beta,worsened". It has too few fields, so it is rejected; the rest is used.
exit = 0
stderr = []
[rejected]
"wrong number of fields" = 1
""", files={"data.csv": csv_text(BASE_ROWS[:4]).rstrip("\n") + "\n5,Be"},
    pipeline=BASE_PIPELINE)

case("02-truncated-mid-quoted-field", """
# The last record is cut inside a quoted field: the quote is still open at the end of the
# file. Only that record is lost, rejected as "unterminated quote".
exit = 0
stderr = []
[rejected]
"unterminated quote" = 1
""", files={"data.csv": (
    "id,group,outcome,comment\n"
    "1,Alpha,worsened,\"Much worse, for months\"\n"
    "2,Alpha,improved,\n"
    "3,Beta,no_change,\"No change\"\n"
    "4,Beta,worsened,\"It made me much wo"
)}, pipeline=BASE_PIPELINE)

# --- not text at all ---------------------------------------------------------------

def garbage(n, seed):
    rng = random.Random(seed)
    b = bytearray(rng.getrandbits(8) for _ in range(n))
    # No byte-order mark (not FF FE, FE FF, EF BB BF), and NUL bytes early and throughout.
    b[0], b[1], b[2] = 0x8B, 0x1F, 0x00
    for i in range(7, n, 97):
        b[i] = 0
    return bytes(b)


case("03-binary-garbage", """
# 4 KB of random bytes (with NUL bytes, no byte-order mark) in a file named .csv. Not a
# text file: the job fails naming the file (not "read as Windows-1252", not a panic).
exit = 1
stderr = ["data.csv"]
""", files={"data.csv": garbage(4096, 20241123)}, pipeline=BASE_PIPELINE)

case("04-nul-in-field", """
# One field holds a NUL byte (line 4). The file is otherwise text: a single NUL must not
# make the whole file "binary" or UTF-16; that record is rejected.
exit = 0
stderr = []
rejected_lines = [4]
[rejected]
"NUL byte in a field" = 1
""", files={"data.csv": (
    HEADER + "\n1,Alpha,worsened\n2,Alpha,improved\n3,Beta,wor\x00sened\n"
    "4,Beta,no_change\n5,Beta,improved\n").encode("utf-8")}, pipeline=BASE_PIPELINE)

# --- empty and header problems -----------------------------------------------------

case("05-empty-file", """
# A 0-byte data file.
exit = 1
stderr = ["data.csv", "empty"]
""", files={"data.csv": b""}, pipeline=BASE_PIPELINE)

case("06-header-only", """
# A header and no data rows.
exit = 1
stderr = ["data.csv", "no data rows"]
""", files={"data.csv": HEADER + "\n"}, pipeline=BASE_PIPELINE)

case("07-header-empty-column-name", """
# The header's second column has no name ("id,,group,outcome"); the pipeline does not use
# it, so the run goes ahead and nothing is rejected.
exit = 0
stderr = []
[rejected]
""", files={"data.csv": csv_text(
    [(i, "x", g, o) for i, g, o in BASE_ROWS], header="id,,group,outcome")},
    pipeline=BASE_PIPELINE)

case("08-duplicate-headers", """
# The column `group` appears twice in the header (columns 2 and 4): which one the analysis
# means is ambiguous, so the job fails naming the file, line 1 and the column.
exit = 1
stderr = ["data.csv", "line 1", "`group`", "twice"]
""", files={"data.csv": csv_text(
    [(i, g, o, g) for i, g, o in BASE_ROWS], header="id,group,outcome,group")},
    pipeline=BASE_PIPELINE)

# --- ragged rows, quotes -----------------------------------------------------------

case("09-ragged-too-few-fields", """
# Two rows have fewer fields than the header (lines 3 and 6).
exit = 0
stderr = []
rejected_lines = [3, 6]
[rejected]
"wrong number of fields" = 2
""", files={"data.csv": (
    HEADER + "\n1,Alpha,worsened\n2,Alpha\n3,Alpha,no_change\n4,Beta,improved\n5\n"
    "6,Beta,worsened\n")}, pipeline=BASE_PIPELINE)

case("10-ragged-too-many-fields", """
# Two rows have more fields than the header: an unquoted comma inside a comment
# (line 3) and a trailing extra field (line 5).
exit = 0
stderr = []
rejected_lines = [3, 5]
[rejected]
"wrong number of fields" = 2
""", files={"data.csv": (
    "id,group,outcome,comment\n"
    "1,Alpha,worsened,fine\n"
    "2,Alpha,improved,it was bad, really\n"
    "3,Beta,no_change,\n"
    "4,Beta,worsened,,\n"
    "5,Beta,improved,ok\n")}, pipeline=BASE_PIPELINE)

case("11-unterminated-quote-midfile", """
# A quote opens on line 4 and is never closed: the rest of the file (lines 4 to 7) is one
# record, rejected as "unterminated quote". Because that silently swallows 3 more rows, a
# good tool also says so on stderr, naming line 4. (`no_change` is only on a swallowed
# line, so the pipeline declares it empty.)
exit = 0
stderr = ["data.csv", "line 4", "unterminated"]
[rejected]
"unterminated quote" = 1
""", files={"data.csv": (
    "id,group,outcome,comment\n"
    "1,Alpha,worsened,\"fine\"\n"
    "2,Alpha,improved,\n"
    "3,Beta,worsened,\"it was bad\n"
    "4,Beta,no_change,ok\n"
    "5,Beta,improved,ok\n"
    "6,Alpha,worsened,ok\n")}, pipeline=declare_empty(BASE_PIPELINE, ["no_change"]))

# A published report lists only unmapped values given by at least `min_cell` respondents
# (a listed value is known to occur); the cases about the listing itself are internal runs.
LIST_ALL_UNMAPPED = """
[disclosure]
protect = false
"""

case("12-stray-quote-unquoted-field", """
# A quote inside an unquoted field (wor"sened, line 4) is kept as a literal character, as
# most CSV readers do; the value is then not a known label: listed in unmapped.csv with
# did-you-mean `worsened`, excluded from the analysis, not rejected.
exit = 0
stderr = []
[rejected]
[unmapped]
"wor\\"sened" = "worsened"
""", files={"data.csv": (
    HEADER + "\n1,Alpha,worsened\n2,Alpha,improved\n3,Beta,wor\"sened\n"
    "4,Beta,no_change\n5,Beta,worsened\n")},
    pipeline=BASE_PIPELINE + IDENTITY_RECODE + LIST_ALL_UNMAPPED)

# --- line ends, byte-order marks, encodings ------------------------------------------

cr_rows = ["1,Alpha,worsened", "2,Alpha,improved", "3,Beta,no_change", "4,Beta",
           "5,Beta,worsened", "6,Alpha,improved"]
case("13-cr-only-line-endings", """
# Old-Mac line ends: records separated by CR alone. Lines are still counted (the ragged
# record "4,Beta" is on line 5).
exit = 0
stderr = []
rejected_lines = [5]
[rejected]
"wrong number of fields" = 1
""", files={"data.csv": "\r".join([HEADER] + cr_rows) + "\r"}, pipeline=BASE_PIPELINE)

case("14-utf8-bom", """
# A UTF-8 byte-order mark before the header (Excel's "CSV UTF-8"), CRLF line ends. The mark
# must not become part of the first column name (`id`, the id_column).
exit = 0
stderr = []
[rejected]
""", files={"data.csv": b"\xef\xbb\xbf" + csv_text(BASE_ROWS, eol="\r\n").encode()},
    pipeline=BASE_PIPELINE)

UNICODE_ROWS = [(i, "Z\u00fcrich" if g == "Alpha" else "S\u00e3o Paulo", o)
                for i, g, o in BASE_ROWS]
UNICODE_PIPELINE = BASE_PIPELINE + IDENTITY_RECODE + """
[recode.group]
"Z\u00fcrich" = "Zurich"
"S\u00e3o Paulo" = "Sao Paulo"
"""

case("15-utf16le-bom", """
# UTF-16 LE with a byte-order mark, CRLF line ends, non-ASCII group names (Zürich,
# São Paulo). Detected from the mark and decoded: every value maps, nothing is rejected.
exit = 0
stderr = []
[rejected]
[unmapped]
""", files={"data.csv": b"\xff\xfe" + csv_text(UNICODE_ROWS, eol="\r\n").encode("utf-16-le")},
    pipeline=UNICODE_PIPELINE)

case("16-utf16be-bom", """
# UTF-16 BE with a byte-order mark, LF line ends, non-ASCII group names. Detected from the
# mark and decoded: every value maps, nothing is rejected.
exit = 0
stderr = []
[rejected]
[unmapped]
""", files={"data.csv": b"\xfe\xff" + csv_text(UNICODE_ROWS).encode("utf-16-be")},
    pipeline=UNICODE_PIPELINE)

CP1252_PIPELINE = """[input]
path = "data.csv"
id_column = "id"

[recode.outcome]
"Better" = "improved"
"Worse" = "worsened"
"Don\u2019t know" = "dont_know"

[recode.place]
"caf\u00e9" = "cafe"
"home" = "home"

[[analysis]]
name = "effect"
outcome = "outcome"
levels = ["improved", "worsened", "dont_know"]
by = ["place"]
"""

CP1252_ROWS = [
    ("1", "caf\u00e9", "Don\u2019t know"),
    ("2", "home", "Better"),
    ("3", "caf\u00e9", "Worse"),
    ("4", "home", "Don\u2019t know"),
    ("5", "caf\u00e9", "Better"),
    ("6", "home", "Worse"),
]
case("17-windows-1252", """
# An Excel "CSV" saved on Western-European Windows: Windows-1252, "Don’t know" with byte
# 0x92 and "café" with 0xE9 (line 2). Auto-detected, read as Windows-1252 with a warning
# naming the file and the encoding; decoded values match the (UTF-8) recode tables.
exit = 0
stderr = ["data.csv", "Windows-1252"]
[rejected]
[unmapped]
""", files={"data.csv": csv_text(CP1252_ROWS, header="id,place,outcome",
                                 eol="\r\n").encode("cp1252")},
    pipeline=CP1252_PIPELINE)


def mixed_encoding_file():
    """Valid UTF-8 (with multi-byte characters) for well over 64 KB, then one record with
    a Windows-1252 byte (0x92) in the outcome column, then more valid UTF-8."""
    out = ["id,place,outcome\n"]
    size = len(out[0])
    i = 0
    places = ["caf\u00e9", "home"]
    outcomes = ["Better", "Worse", "Don\u2019t know"]
    while size < 66 * 1024:
        i += 1
        line = f"{i},{places[i % 2]},{outcomes[i % 3]}\n"
        out.append(line)
        size += len(line.encode("utf-8"))
    good = "".join(out).encode("utf-8")
    bad_line_no = i + 2  # header is line 1, record k is on line k + 1
    i += 1
    bad = f"{i},home,Don".encode() + b"\x92" + b"t know\n"
    tail = "".join(f"{j},home,Better\n" for j in range(i + 1, i + 6)).encode()
    return good + bad + tail, bad_line_no


mixed, mixed_line = mixed_encoding_file()
case("18-mixed-encodings", f"""
# About 66 KB of valid UTF-8 (with "café" and "Don’t know" as UTF-8), then on line
# {mixed_line} a Windows-1252 byte (0x92) in the outcome column. The first 64 KB decide the
# encoding (UTF-8); the late bad byte rejects only its record, as "invalid UTF-8".
exit = 0
stderr = []
rejected_lines = [{mixed_line}]
[rejected]
"invalid UTF-8" = 1
""", files={"data.csv": mixed}, pipeline=CP1252_PIPELINE)

# --- delimiters ----------------------------------------------------------------------

case("19-semicolon-delimited", """
# A European export: semicolon-separated with decimal commas in a column the pipeline does
# not use ("3,5"). No `delimiter` key: the semicolon is sniffed. Nothing is rejected.
exit = 0
stderr = []
[rejected]
""", files={"data.csv": csv_text(
    [(i, g, o, f"{int(i) % 5},5") for i, g, o in BASE_ROWS],
    header="id;group;outcome;score", sep=";")}, pipeline=BASE_PIPELINE)

case("20-tab-delimited", """
# Tab-separated, with commas and semicolons inside the free-text column. No `delimiter`
# key: the tab is sniffed. Nothing is rejected.
exit = 0
stderr = []
[rejected]
""", files={"data.csv": csv_text(
    [(i, g, o, "tired, sore; worse") for i, g, o in BASE_ROWS],
    header="id\tgroup\toutcome\tcomment", sep="\t")}, pipeline=BASE_PIPELINE)

case("21-delimiter-explicit-but-wrong", """
# The pipeline says delimiter = ";" but the file is comma-separated, so the header is one
# column named "id,group,outcome". Nothing is sniffed when the delimiter is given. The job
# fails naming the file, a missing column, and the key to fix (input.delimiter).
exit = 1
stderr = ["data.csv", "`id`", "input.delimiter"]
""", files={"data.csv": BASE_CSV}, pipeline=BASE_PIPELINE.replace(
    'id_column = "id"\n', 'id_column = "id"\ndelimiter = ";"\n'))

# --- labels --------------------------------------------------------------------------

case("22-empty-labels", """
# Empty outcome values (unquoted on line 3, quoted "" on line 5): missing answers, excluded
# from the analysis and counted as missing; not rejected rows.
exit = 0
stderr = []
[rejected]
""", files={"data.csv": (
    HEADER + "\n1,Alpha,worsened\n2,Alpha,\n3,Alpha,improved\n4,Beta,\"\"\n"
    "5,Beta,no_change\n6,Beta,worsened\n")}, pipeline=BASE_PIPELINE + IDENTITY_RECODE)

case("23-whitespace-near-miss-labels", """
# "worsened " (trailing space, twice), " improved" (leading space) and "Worsened"
# (capital): not in the recode table, so listed in unmapped.csv with a did-you-mean and
# excluded from the analysis; nothing is rejected and the run succeeds.
exit = 0
stderr = []
[rejected]
[unmapped]
"worsened " = "worsened"
" improved" = "improved"
"Worsened" = "worsened"
""", files={"data.csv": (
    HEADER + "\n1,Alpha,worsened\n2,Alpha,worsened \n3,Alpha, improved\n"
    "4,Beta,Worsened\n5,Beta,no_change\n6,Beta,worsened \n7,Beta,improved\n")},
    pipeline=BASE_PIPELINE + IDENTITY_RECODE + LIST_ALL_UNMAPPED)

# --- counts tables -------------------------------------------------------------------

def counts_csv(rows, header=COUNTS_HEADER):
    return header + "\n" + "\n".join(rows) + "\n"


case("24-negative-count", """
# A counts table with a negative count (line 3).
exit = 0
stderr = []
rejected_lines = [3]
[rejected]
"invalid count" = 1
""", files={"data.csv": counts_csv([COUNTS_ROWS[0], "specialist,worsened,-3"] + COUNTS_ROWS[2:])},
    pipeline=COUNTS_PIPELINE)

case("25-non-integer-count", """
# Counts that are not whole numbers: 2.5 (line 3) and 0.1 (line 5). (They are the only
# `worsened` rows, so the pipeline declares it empty.)
exit = 0
stderr = []
rejected_lines = [3, 5]
[rejected]
"invalid count" = 2
""", files={"data.csv": counts_csv([
    COUNTS_ROWS[0], "specialist,worsened,2.5", COUNTS_ROWS[2], "non_specialist,worsened,0.1"])},
    pipeline=declare_empty(COUNTS_PIPELINE, ["worsened"]))

case("26-non-numeric-count", """
# Counts that are not numbers: "twelve" (line 3), "N/A" (line 4), a thousands separator
# "1,200" (quoted, line 5) and an empty count (line 6).
exit = 0
stderr = []
rejected_lines = [3, 4, 5, 6]
[rejected]
"invalid count" = 4
""", files={"data.csv": counts_csv([
    COUNTS_ROWS[0], "specialist,worsened,twelve", "non_specialist,improved,N/A",
    "non_specialist,worsened,\"1,200\"", "specialist,improved,", COUNTS_ROWS[3]])},
    pipeline=COUNTS_PIPELINE)

case("27-huge-count", """
# A count larger than the largest 64-bit integer (line 3): rejected, not wrapped or
# saturated, and no panic.
exit = 0
stderr = []
rejected_lines = [3]
[rejected]
"invalid count" = 1
""", files={"data.csv": counts_csv([
    COUNTS_ROWS[0], "specialist,worsened,99999999999999999999999"] + COUNTS_ROWS[2:])},
    pipeline=COUNTS_PIPELINE)

case("28-count-total-overflow", """
# Each count fits in 64 bits (10^19 < 2^64), but together they do not: the totals would
# overflow (wrap in release, panic in debug). The job fails naming the file and the count;
# exit 101 (a panic) or a report with wrapped totals are the failures this guards against.
exit = 1
stderr = ["data.csv", "count"]
""", files={"data.csv": counts_csv([
    "specialist,improved,10000000000000000000", "specialist,worsened,10000000000000000000",
    "non_specialist,improved,10000000000000000000", "non_specialist,worsened,5"])},
    pipeline=COUNTS_PIPELINE)

case("29-count-column-missing", """
# kind = "counts" with the default count_column `count`, but the file calls it `counts`.
exit = 1
stderr = ["data.csv", "`count`", "did you mean `counts`", "input.count_column"]
""", files={"data.csv": counts_csv(COUNTS_ROWS, header="provider,outcome,counts")},
    pipeline=COUNTS_PIPELINE)

case("30-zero-total-count", """
# Every count is 0: the denominators are 0, there is nothing to estimate. The run still
# succeeds (each estimate says n = 0: no estimate), with no division by zero and no panic.
exit = 0
stderr = []
[rejected]
""", files={"data.csv": counts_csv([
    "specialist,improved,0", "specialist,worsened,0",
    "non_specialist,improved,0", "non_specialist,worsened,0"])}, pipeline=COUNTS_PIPELINE)

# --- ids -----------------------------------------------------------------------------

case("31-duplicate-respondent-ids", """
# Respondent 2 appears twice and respondent 3 three times: the repeats (lines 5, 6, 7) are
# rejected, the first use of each id is kept.
exit = 0
stderr = []
rejected_lines = [5, 6, 7]
[rejected]
"duplicate respondent id" = 3
""", files={"data.csv": (
    HEADER + "\n1,Alpha,worsened\n2,Alpha,improved\n3,Beta,no_change\n"
    "2,Beta,worsened\n3,Beta,worsened\n3,Alpha,improved\n4,Beta,improved\n")},
    pipeline=BASE_PIPELINE)

case("32-missing-id-column", """
# id_column = "respondent_id" but the file's id column is `id`.
exit = 1
stderr = ["data.csv", "respondent_id", "input.id_column"]
""", files={"data.csv": BASE_CSV},
    pipeline=BASE_PIPELINE.replace('id_column = "id"', 'id_column = "respondent_id"'))

# --- the pipeline file ---------------------------------------------------------------

case("33-toml-syntax-error", """
# A TOML syntax error on line 7 (an unquoted string value).
exit = 2
stderr = ["pipeline.toml", "line 7"]
""", files={"data.csv": BASE_CSV}, pipeline="""[input]
path = "data.csv"
id_column = "id"

[[analysis]]
name = "effect"
outcome = outcome
levels = ["improved", "no_change", "worsened"]
""")

case("34-unknown-key-typo", """
# `levles` for `levels` in the first analysis: an unknown key, with its key path and a
# did-you-mean (and `levels`, now missing, is reported too).
exit = 2
stderr = ["pipeline.toml", "analysis[0].levles", "did you mean `levels`"]
""", files={"data.csv": BASE_CSV}, pipeline=BASE_PIPELINE.replace("levels =", "levles ="))

case("35-wrong-type-for-key", """
# [ci] level = "0.95": a string where a number is expected (line 9).
exit = 2
stderr = ["pipeline.toml", "line 9", "level"]
""", files={"data.csv": BASE_CSV}, pipeline="""[input]
path = "data.csv"
id_column = "id"

[ci]
method = "wilson"
# the level as a string, not a number

level = "0.95"
""" + ANALYSIS)

case("36-missing-required-key", """
# The analysis has no `outcome`: named with the line of its [[analysis]] table (line 5).
exit = 2
stderr = ["pipeline.toml", "line 5", "outcome"]
""", files={"data.csv": BASE_CSV},
    pipeline=BASE_PIPELINE.replace('outcome = "outcome"\n', ""))

case("37-analysis-column-not-in-file", """
# outcome = "outcom": no such column in data.csv. The message names the column, the key
# and the nearest column.
exit = 1
stderr = ["data.csv", "`outcom`", "analysis[0].outcome", "did you mean `outcome`"]
""", files={"data.csv": BASE_CSV},
    pipeline=BASE_PIPELINE.replace('outcome = "outcome"', 'outcome = "outcom"'))

case("38-levels-empty", """
# levels = [].
exit = 2
stderr = ["pipeline.toml", "analysis[0].levels"]
""", files={"data.csv": BASE_CSV}, pipeline=BASE_PIPELINE.replace(
    'levels = ["improved", "no_change", "worsened"]', "levels = []"))

case("39-duplicate-analysis-names", """
# Two analyses named `effect`.
exit = 2
stderr = ["pipeline.toml", "analysis[1].name", "`effect`"]
""", files={"data.csv": BASE_CSV}, pipeline=BASE_PIPELINE + ANALYSIS.replace(
    'by = ["group"]', "by = []"))

case("40-filter-unknown-column", """
# filter = { group_tryed = [...] }: no such column (the file has `group_tried`).
exit = 1
stderr = ["data.csv", "`group_tryed`", "analysis[0].filter.group_tryed", "did you mean `group_tried`"]
""", files={"data.csv": csv_text([(i, g, o, "yes") for i, g, o in BASE_ROWS],
                                 header="id,group,outcome,group_tried")},
    pipeline=BASE_PIPELINE.replace('by = ["group"]',
                                   'by = ["group"]\nfilter = { group_tryed = ["yes"] }'))

case("41-input-path-does-not-exist", """
# input.path names a file that is not there.
exit = 1
stderr = ["nope.csv", "input.path"]
""", pipeline=BASE_PIPELINE.replace('path = "data.csv"', 'path = "nope.csv"'))

case("42-input-path-is-directory", """
# input.path names a directory (data.csv/ holds only a .keep file so that git keeps it).
exit = 1
stderr = ["data.csv", "directory"]
""", files={"data.csv/": None}, pipeline=BASE_PIPELINE)

case("43-report-dir-escapes-root", """
# report.dir climbs out of the reports root with `..`. Refused before anything is written.
exit = 2
stderr = ["pipeline.toml", "report.dir", ".."]
""", files={"data.csv": BASE_CSV}, pipeline=BASE_PIPELINE + """
[report]
dir = "../../tally-corpus-escaped"
""")

case("44-report-dir-absolute", """
# report.dir is an absolute path. Refused before anything is written.
exit = 2
stderr = ["pipeline.toml", "report.dir", "absolute"]
""", files={"data.csv": BASE_CSV}, pipeline=BASE_PIPELINE + """
[report]
dir = "/tmp/tally-corpus-absolute-report"
""")

case("45-recode-unknown-column", """
# [recode.outcom]: a recode table for a column that is in neither the file nor any
# analysis (a typo for `outcome`). It must not be silently ignored: the job fails naming
# the key and the nearest column. (Header-dependent, so exit 1 like the other
# column-not-in-file cases.)
exit = 1
stderr = ["recode.outcom", "did you mean `outcome`"]
""", files={"data.csv": BASE_CSV},
    pipeline=BASE_PIPELINE + IDENTITY_RECODE.replace("[recode.outcome]", "[recode.outcom]"))

case("46-ci-level-out-of-range", """
# [ci] level = 1.5.
exit = 2
stderr = ["pipeline.toml", "ci.level", "1.5"]
""", files={"data.csv": BASE_CSV}, pipeline=BASE_PIPELINE + """
[ci]
level = 1.5
""")

case("47-ci-method-unknown", """
# [ci] method = "wilsen".
exit = 2
stderr = ["pipeline.toml", "ci.method", "wilsen", "did you mean `wilson`"]
""", files={"data.csv": BASE_CSV}, pipeline=BASE_PIPELINE + """
[ci]
method = "wilsen"
""")

# --- bulk commands -------------------------------------------------------------------

case("48-bulk-ci-x-greater-than-n", """
# tally ci --input: line 3 has x = 12 > n = 10. The bulk command reports that row (file,
# line, what is wrong), carries on with the others, and exits 1.
exit = 1
stderr = ["bulk.csv", "line 3", "x = 12", "n = 10"]
""", files={"bulk.csv": "x,n\n3,10\n12,10\n0,5\n"}, args=["ci", "--input", "bulk.csv"])

case("49-bulk-ci-negative-n-non-numeric-x", """
# tally ci --input: n = -5 on line 3, x = "seven" on line 5; lines 2 and 4 are fine. Each
# bad row is reported with its line, the good rows are computed, the exit is 1 with a
# count of unusable rows.
exit = 1
stderr = ["bulk.csv", "line 3", "negative", "line 5", "seven", "2 row(s)"]
""", files={"bulk.csv": "x,n\n1,10\n2,-5\n4,20\nseven,30\n"},
    args=["ci", "--input", "bulk.csv"])

case("50-compare-reference-group-missing", """
# compare.reference = "ME specialist", but the `provider` recode targets are
# "M.E. specialist" and "Non-specialist": the reference can never occur, which the
# pipeline alone shows, so it is a pipeline error with a did-you-mean (today the run
# succeeds with only a note in the report).
exit = 2
stderr = ["pipeline.toml", "analysis[0].compare.reference", "ME specialist", "did you mean `M.E. specialist`"]
""", files={"data.csv": counts_csv(COUNTS_ROWS)}, pipeline=COUNTS_PIPELINE + """
[analysis.compare]
reference = "ME specialist"

[recode.provider]
specialist = "M.E. specialist"
non_specialist = "Non-specialist"
""")

# --- hostile labels ------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
case("51-html-label-script", """
# A subgroup label (and the report title) containing <script>alert(1)</script>: the
# run succeeds and the HTML report shows it escaped, never as markup.
exit = 0
stderr = []
html_must_not_contain = ["<script>alert(1)</script>"]
html_must_contain = ["&lt;script&gt;"]
[rejected]
""", files={"data.csv": csv_text(
    [(i, SCRIPT if g == "Alpha" else g, o) for i, g, o in BASE_ROWS])},
    pipeline=BASE_PIPELINE + f"""
[report]
title = "Results {SCRIPT}"
""")

FORMULAS = ["=cmd|' /C calc'!A0", "@SUM(1+1)", "+1 plus", "-1 minus"]
formula_rows = [(str(k * 5 + j + 1), f, o)
                for k, f in enumerate(FORMULAS)
                for j, o in enumerate(["worsened", "improved", "no_change", "worsened", "improved"])]
case("52-csv-formula-label", """
# Subgroup labels that a spreadsheet would run as formulas (=cmd|' /C calc'!A0, @SUM(1+1),
# +1 plus, -1 minus), and a grouping column named `@group`: the run succeeds and no cell of
# estimates.csv starts with = + - or @.
exit = 0
stderr = []
csv_must_not_start_with = "="
[rejected]
""", files={"data.csv": csv_text(formula_rows, header="id,@group,outcome")},
    pipeline=BASE_PIPELINE.replace('by = ["group"]', 'by = ["@group"]'))

# --- [validate] rules ----------------------------------------------------------------

VALIDATE_HEADER = "id,age,consent,group,outcome"


def validate_csv(rows):
    return VALIDATE_HEADER + "\n" + "\n".join(rows) + "\n"


case("53-validate-outside-allowed", """
# [validate.consent] allowed = ["yes"]: "no" (line 3) and "YES" (line 5, the check is
# exact) are rejected; a missing consent passes (the rule is not `required`).
exit = 0
stderr = []
rejected_lines = [3, 5]
[rejected]
"outside allowed values" = 2
""", files={"data.csv": validate_csv([
    "1,30,yes,Alpha,worsened", "2,41,no,Alpha,improved", "3,52,yes,Beta,no_change",
    "4,63,YES,Beta,worsened", "5,25,,Beta,improved"])},
    pipeline=BASE_PIPELINE + """
[validate.consent]
allowed = ["yes"]
""")

case("54-validate-outside-range", """
# [validate.age] range = [16, 120], inclusive: 15 (line 3) and 121 (line 6) are rejected,
# 16 and 120 are kept. `age` is used by no analysis: rule columns are read anyway.
exit = 0
stderr = []
rejected_lines = [3, 6]
[rejected]
"outside range" = 2
""", files={"data.csv": validate_csv([
    "1,30,yes,Alpha,worsened", "2,15,yes,Alpha,improved", "3,16,yes,Beta,no_change",
    "4,120,yes,Beta,worsened", "5,121,yes,Beta,improved", "6,44.5,yes,Alpha,improved"])},
    pipeline=BASE_PIPELINE + """
[validate.age]
range = [16, 120]
""")

case("55-validate-not-a-number", """
# [validate.age] range = [16, 120]: "forty" (line 3) and "4O" (letter O, line 5) are not
# numbers.
exit = 0
stderr = []
rejected_lines = [3, 5]
[rejected]
"not a number" = 2
""", files={"data.csv": validate_csv([
    "1,30,yes,Alpha,worsened", "2,forty,yes,Alpha,improved", "3,52,yes,Beta,no_change",
    "4,4O,yes,Beta,worsened", "5,61,yes,Beta,improved"])},
    pipeline=BASE_PIPELINE + """
[validate.age]
range = [16, 120]
""")

case("56-validate-unknown-column", """
# [validate.agee]: no such column (the file has `age`).
exit = 1
stderr = ["data.csv", "`agee`", "validate.agee", "did you mean `age`"]
""", files={"data.csv": validate_csv(["1,30,yes,Alpha,worsened", "2,41,yes,Beta,improved"])},
    pipeline=BASE_PIPELINE + """
[validate.agee]
range = [16, 120]
""")

case("57-validate-range-reversed", """
# [validate.age] range = [120, 16]: low above high.
exit = 2
stderr = ["pipeline.toml", "validate.age.range"]
""", files={"data.csv": validate_csv(["1,30,yes,Alpha,worsened", "2,41,yes,Beta,improved"])},
    pipeline=BASE_PIPELINE + """
[validate.age]
range = [120, 16]
""")

case("58-validate-rule-key-typo", """
# [validate.age] rnage = [16, 120]: an unknown rule key, with a did-you-mean.
exit = 2
stderr = ["pipeline.toml", "validate.age.rnage", "did you mean `range`"]
""", files={"data.csv": validate_csv(["1,30,yes,Alpha,worsened", "2,41,yes,Beta,improved"])},
    pipeline=BASE_PIPELINE + """
[validate.age]
rnage = [16, 120]
""")

# --- encoding and delimiter keys -----------------------------------------------------

case("59-encoding-utf8-forced-on-windows-1252", """
# encoding = "utf-8" on the Windows-1252 file of case 17: no detection, so the records
# whose needed columns hold 0x92 or 0xE9 are rejected as invalid UTF-8 (lines 2, 4, 5
# and 6; lines 3 and 7, "home,Better" and "home,Worse", are pure ASCII and kept). No
# Windows-1252 guess. (`dont_know` and `cafe` are only on rejected lines, so the pipeline
# declares them empty.)
exit = 0
stderr = []
rejected_lines = [2, 4, 5, 6]
[rejected]
"invalid UTF-8" = 4
""", files={"data.csv": csv_text(CP1252_ROWS, header="id,place,outcome",
                                 eol="\r\n").encode("cp1252")},
    pipeline=declare_empty(CP1252_PIPELINE.replace('id_column = "id"\n', 'id_column = "id"\nencoding = "utf-8"\n'),
                           ["dont_know", "cafe"]))

case("60-encoding-unknown", """
# encoding = "utf-9".
exit = 2
stderr = ["pipeline.toml", "input.encoding", "utf-9", "did you mean `utf-8`"]
""", files={"data.csv": BASE_CSV},
    pipeline=BASE_PIPELINE.replace('id_column = "id"\n', 'id_column = "id"\nencoding = "utf-9"\n'))

case("61-delimiter-two-characters", """
# delimiter = ";;": not one character.
exit = 2
stderr = ["pipeline.toml", "input.delimiter", ";;"]
""", files={"data.csv": BASE_CSV},
    pipeline=BASE_PIPELINE.replace('id_column = "id"\n', 'id_column = "id"\ndelimiter = ";;"\n'))

case("62-pipeline-not-utf8", """
# The pipeline file itself is Windows-1252 (a title with byte 0x92): TOML must be UTF-8.
exit = 2
stderr = ["pipeline.toml", "UTF-8"]
""", files={"data.csv": BASE_CSV},
    pipeline=(BASE_PIPELINE + '\n[report]\ntitle = "Don\u2019t know"\n').encode("cp1252"))

case("63-only-blank-lines", """
# The data file holds only line ends (LF, CRLF, CR): no header, as good as empty.
exit = 1
stderr = ["data.csv", "empty"]
""", files={"data.csv": b"\n\r\n\r\n\n"}, pipeline=BASE_PIPELINE)

case("64-name-path-traversal", """
# name = "../../escape": the name is the default report directory, so a name that is not a
# machine name could climb out of the reports root. Refused before anything is written.
exit = 2
stderr = ["pipeline.toml", "name"]
""", files={"data.csv": BASE_CSV}, pipeline='name = "../../escape"\n' + BASE_PIPELINE)

case("65-test-table-ragged", """
# tally test --input: line 3 of the table has one count too few. A data error: exit 1
# (today this exits 2, as if it were a bad invocation).
exit = 1
stderr = ["table.csv", "line 3"]
""", files={"table.csv": "group,improved,no_change,worsened\nA,10,20,30\nB,5,7\nC,1,2,3\n"},
    args=["test", "--input", "table.csv"])

case("66-bulk-compare-bad-rows", """
# tally compare --input: x1 = 11 > n1 = 10 on line 3. Reported with its line, other rows
# computed, exit 1.
exit = 1
stderr = ["pairs.csv", "line 3"]
""", files={"pairs.csv": "x1,n1,x2,n2\n3,10,4,12\n11,10,4,12\n5,20,6,20\n"},
    args=["compare", "--input", "pairs.csv"])

case("67-multiline-field-line-numbers-strict", """
# tally run --strict: a quoted comment spans lines 2 to 4, so the ragged record after it
# is on line 6 (not line 4). --strict makes the rejection fatal, naming that line.
exit = 1
stderr = ["data.csv", "line 6", "--strict"]
""", files={"data.csv": (
    "id,group,outcome,comment\n"
    "1,Alpha,worsened,\"first line\nsecond line\nthird line\"\n"
    "2,Alpha,improved,\n"
    "3,Beta,no_change\n"
    "4,Beta,worsened,ok\n")}, pipeline=BASE_PIPELINE,
    args=["run", "pipeline.toml", "--strict"])

case("68-excel-unicode-text", """
# Excel's "Unicode Text" export: UTF-16 LE with a byte-order mark, tab-separated, CRLF, with
# commas inside values. Both the encoding and the delimiter are detected; nothing is
# rejected or unmapped.
exit = 0
stderr = []
[rejected]
[unmapped]
""", files={"data.csv": b"\xff\xfe" + csv_text(
    [(i, g, o, "tired, sore") for i, g, o in UNICODE_ROWS],
    header="id\tgroup\toutcome\tcomment", sep="\t", eol="\r\n").encode("utf-16-le")},
    pipeline=UNICODE_PIPELINE)

case("69-utf16-forced-without-mark", """
# encoding = "utf-16" on a plain UTF-8 file (no UTF-16 byte-order mark): without a mark
# the byte order is unknown, so the job fails naming the file and the key.
exit = 1
stderr = ["data.csv", "UTF-16"]
""", files={"data.csv": BASE_CSV},
    pipeline=BASE_PIPELINE.replace('id_column = "id"\n', 'id_column = "id"\nencoding = "utf-16"\n'))

# --- data safety: a run never destroys what tally did not write ------------------------
# These run in a copy of the case directory; `unchanged = true` checks that the run left
# every file of it as it was. FIFOs and dangling links are made by [setup] (git cannot hold
# them).

case("80-report-dir-dot", """
# report.dir = "." is the reports root itself: writing the report would replace the whole
# root (other reports, and whatever else lives there). Refused before anything is written.
exit = 2
stderr = ["pipeline.toml", "report.dir", "reports root itself"]
unchanged = true
""", files={"data.csv": BASE_CSV}, pipeline=BASE_PIPELINE + '\n[report]\ndir = "."\n',
    args=["run", "pipeline.toml", "--reports-dir", "."])

case("81-report-dir-holds-the-input", """
# The reported case: a pipeline named `data` run with --reports-dir . would replace the
# folder data/, which holds its input (and the user's other files). Refused, naming the
# key that chose the directory (`name`, as report.dir is not set); nothing changes.
exit = 2
stderr = ["pipeline.toml", "key `name`", "holding the input", "hint:"]
unchanged = true
""", files={"data/data.csv": BASE_CSV, "data/notes.txt": "the user's own notes\n"},
    pipeline='name = "data"\n' + BASE_PIPELINE.replace('path = "data.csv"', 'path = "data/data.csv"'),
    args=["run", "pipeline.toml", "--reports-dir", "."])

case("82-report-path-is-a-user-folder", """
# out/pipeline (the report path) is a folder of the user's, not a tally report (no
# manifest.json written by tally). The job fails naming it; the folder is untouched.
exit = 1
stderr = ["out/pipeline", "not a tally report", "\\"tool\\": \\"tally\\""]
unchanged = true
""", files={"data.csv": BASE_CSV, "out/pipeline/thesis.txt": "years of work\n"},
    pipeline=BASE_PIPELINE, args=["run", "pipeline.toml", "--reports-dir", "out"])

case("83-report-path-is-a-file", """
# A regular file sits at the report path. The job fails naming it; the file is neither
# replaced nor hidden (it used to be left renamed as .pipeline.tally-tmp-PID).
exit = 1
stderr = ["out/pipeline", "is a file"]
unchanged = true
""", files={"data.csv": BASE_CSV, "out/pipeline": "a file of the user's\n"},
    pipeline=BASE_PIPELINE, args=["run", "pipeline.toml", "--reports-dir", "out"])

case("84-report-path-is-a-symlink", """
# A symbolic link sits at the report path (made by [setup]; it points nowhere). The job
# fails naming it; the link stays as it was.
exit = 1
stderr = ["out/pipeline", "symbolic link"]
unchanged = true
[setup]
symlink = [["out/pipeline", "../elsewhere"]]
""", files={"data.csv": BASE_CSV}, pipeline=BASE_PIPELINE,
    args=["run", "pipeline.toml", "--reports-dir", "out"])

case("85-stale-temporary-name-on-a-file", """
# A regular file bears the name of a stale temporary of a dead process
# (.pipeline.tally-tmp-999999999). Stale-temporary cleanup removes only directories tally
# made, so the file is kept; the report is written beside it.
exit = 0
stderr = []
kept = ["out/.pipeline.tally-tmp-999999999"]
reports_written = ["pipeline"]
[rejected]
""", files={"data.csv": BASE_CSV, "out/.pipeline.tally-tmp-999999999": "not a temporary\n"},
    pipeline=BASE_PIPELINE, args=["run", "pipeline.toml", "--reports-dir", "out"])

# --- no panic, abort or hang -----------------------------------------------------------

case("86-input-is-a-fifo", """
# data.csv is a named pipe (made by [setup]). Opening it would block until a writer came;
# it is refused at once as not a regular file.
exit = 1
stderr = ["data.csv", "named pipe (FIFO)", "input.path"]
[setup]
fifo = ["data.csv"]
""", pipeline=BASE_PIPELINE)

case("87-compare-fisher-huge-counts", """
# tally compare with counts near 1e12 and --test fisher: the exact test would enumerate
# 2e12 tables (it asked for 16 TB and aborted). Refused at once with the limit and the
# alternative.
exit = 2
stderr = ["--test fisher", "limit of 1000000", "--test chisq"]
""", args=["compare", "1000000000000", "2000000000000", "999999999999", "2000000000000",
           "--test", "fisher"])

case("88-counts-fisher-near-1e9", """
# A counts table with counts near 1e9 and test = "fisher" (it grew by 80 MB/s): the job
# fails at once naming the analysis key, the limit and the alternative.
exit = 1
stderr = ["analysis[0].compare.test", "limit of 1000000", "test = \\"chisq\\""]
""", files={"data.csv": counts_csv([
    "specialist,improved,100000000", "specialist,worsened,900000000",
    "non_specialist,improved,200000000", "non_specialist,worsened,800000000"])},
    pipeline=COUNTS_PIPELINE + 'compare = { reference = "specialist", test = "fisher" }\n')

case("89-folder-with-one-bad-pipeline", """
# tally run on a folder where one pipeline file has a TOML error: the good ones still run,
# the bad one is reported and listed as not run; exit 2 (a bad pipeline file).
exit = 2
stderr = ["b.toml", "NOT RUN", "3 pipeline(s): 2 ok, 0 failed, 1 not run"]
reports_written = ["a", "c"]
""", files={
    "data.csv": BASE_CSV,
    "pipelines/a.toml": BASE_PIPELINE.replace('path = "data.csv"', 'path = "../data.csv"'),
    "pipelines/b.toml": '[input]\npath = "../data.csv"\n\n[[analysis]]\nname =\n',
    "pipelines/c.toml": BASE_PIPELINE.replace('path = "data.csv"', 'path = "../data.csv"'),
}, args=["run", "pipelines"])

case("90-methods-stdout-closed", """
# tally methods | head -0: stdout is a pipe whose reader has gone. Ends quietly, exit 0
# (it used to panic: "failed printing to stdout", exit 101).
exit = 0
stderr = []
stdout = "closed"
""", args=["methods"])

case("91-bulk-ci-stdout-full", """
# tally ci --input bulk.csv > /dev/full: the disk is full. Exit 1 with a message naming
# where stdout goes and why, not a panic.
exit = 1
stderr = ["/dev/full", "No space left"]
stdout = "full"
""", files={"bulk.csv": "x,n\n1,2\n3,4\n"}, args=["ci", "--input", "bulk.csv"])

case("92-bulk-ci-stdout-closed", """
# tally ci --input bulk.csv --method all | head -1, with the reader gone before the first
# row: ends quietly, exit 0.
exit = 0
stderr = []
stdout = "closed"
""", files={"bulk.csv": "x,n\n" + "".join(f"{i % 40},{40 + i % 9}\n" for i in range(2000))},
    args=["ci", "--input", "bulk.csv", "--method", "all"])


# --- identifying labels ------------------------------------------------------------

EMAIL_ROWS = [(str(i + 1), f"person{i % 4}@example.org", o)
              for i, o in enumerate(["worsened", "improved", "no_change"] * 4)]

case("93-identifying-email-as-by", """
# A subgroup column `contact` holds e-mail addresses (its name says nothing): every address
# would be published as a subgroup label. Refused after reading, naming the key, the column
# and the rule with counts, never an address. A data problem: exit 1.
exit = 1
stderr = ["analysis[0].by", "`contact`", "e-mail addresses", "12 of 12", "allow_identifying"]
""", files={"data.csv": csv_text(EMAIL_ROWS, header="id,contact,outcome")},
    pipeline=BASE_PIPELINE.replace('by = ["group"]', 'by = ["contact"]'))

case("94-identifying-id-name-as-by", """
# The respondent id column used as a subgroup: each respondent would be a group of one with
# its id as the label. The name says so, so the pipeline is refused when planned: exit 2.
exit = 2
stderr = ["pipeline.toml", "analysis[0].by", "`id`", "a respondent identifier"]
""", files={"data.csv": BASE_CSV},
    pipeline=BASE_PIPELINE.replace('by = ["group"]', 'by = ["id"]'))

COMMENTS = [f"Respondent story {i}: the exercise left me in bed for {i + 2} days afterwards"
            for i in range(30)] + ["none"] * 10

case("95-identifying-free-text-outcome", """
# A free-text column as the outcome: 31 distinct values among 40 respondents, the median
# over 40 characters. Refused with the rule and its counts (no text quoted): exit 1.
exit = 1
stderr = ["analysis[0].outcome", "`comment`", "free text", "31 distinct values among 40"]
""", files={"data.csv": csv_text([(str(i + 1), "Alpha", c) for i, c in enumerate(COMMENTS)],
                                 header="id,group,comment")},
    pipeline=BASE_PIPELINE.replace('outcome = "outcome"', 'outcome = "comment"'))

case("96-identifying-declared-safe", """
# `clinic_id` holds clinic codes, not respondents: its name matches the id rule, and
# `[disclosure] allow_identifying` declares it safe, so the run goes ahead: exit 0.
exit = 0
stderr = []
[rejected]
""", files={"data.csv": csv_text([(i, "C1" if int(i) % 2 else "C2", o) for i, _, o in BASE_ROWS],
                                 header="id,clinic_id,outcome")},
    pipeline=BASE_PIPELINE.replace('by = ["group"]', 'by = ["clinic_id"]')
    + '\n[disclosure]\nallow_identifying = ["clinic_id"]\n')


# --- values that occur in no row ---------------------------------------------------

case("97-level-typo-occurs-nowhere", """
# `levels = ["improved", "no_change", "worsend"]`: the typo occurs in no row, so the report
# would say 0% answered it. A data problem found after reading: exit 1, naming the key, the
# value, the file and the level that does occur.
exit = 1
stderr = ["analysis[0].levels", "`worsend`", "occurs in no row of data.csv", "did you mean `worsened`", "expect_empty"]
""", files={"data.csv": BASE_CSV},
    pipeline=BASE_PIPELINE.replace('"worsened"]', '"worsend"]'))

YES_NO_ROWS = [(r[0], "Yes" if int(r[0]) % 3 else "No", r[2]) for r in BASE_ROWS]

case("98-filter-value-case-near-miss", """
# `filter = { tried = ["yes"] }` on a column (no recode table) holding `Yes` and `No`: the
# filter keeps nobody, n = 0. Refused: exit 1, with the did-you-mean `Yes`.
exit = 1
stderr = ["analysis[0].filter.tried", "`yes`", "occurs in no row of data.csv", "did you mean `Yes`", "expect_empty"]
""", files={"data.csv": csv_text(YES_NO_ROWS, header="id,tried,outcome")},
    pipeline=BASE_PIPELINE.replace('by = ["group"]', 'filter = { tried = ["yes"] }'))

case("99-compare-group-occurs-nowhere", """
# `compare.reference = "Alfa"` on a `by` column without a recode table (values Alpha,
# Beta): the plan cannot know the groups, the data can. Refused after reading: exit 1.
exit = 1
stderr = ["analysis[0].compare.reference", "`Alfa`", "occurs in no row of data.csv", "did you mean `Alpha`"]
""", files={"data.csv": BASE_CSV},
    pipeline=BASE_PIPELINE + 'compare = { reference = "Alfa" }\n')

case("100-recode-target-never-produced", """
# `[recode.group]` maps "Gamma " (a trailing space) to `Gamma`, but the file says "Gamma":
# no row maps to the target, which would silently drop the group (and list "Gamma" as
# unmapped). Refused: exit 1, naming the recode table, the target and the near miss.
exit = 1
stderr = ["recode.group", "target `Gamma`", "occurs in no row of data.csv", "`Gamma` occurs with no recode entry", "declare it in analysis[0]", 'expect_empty = ["Gamma"]']
""", files={"data.csv": csv_text(BASE_ROWS + [("11", "Gamma", "improved")])},
    pipeline=BASE_PIPELINE + '\n[recode.group]\nAlpha = "Alpha"\nBeta = "Beta"\n"Gamma " = "Gamma"\n')

case("101-expect-empty-declared", """
# A level nobody gave (`much_worse`) and a recode target no row maps to (`Not stated`),
# both declared in `expect_empty`: the run goes ahead, exit 0, the level reported as 0.
exit = 0
stderr = []
[rejected]
""", files={"data.csv": BASE_CSV},
    pipeline=BASE_PIPELINE.replace('"worsened"]', '"worsened", "much_worse"]\nexpect_empty = ["much_worse", "Not stated"]')
    + '\n[recode.group]\nAlpha = "Alpha"\nBeta = "Beta"\n"I don\'t know" = "Not stated"\n')

# --- display labels ------------------------------------------------------------------

case("102-label-for-no-level", """
# `[labels]` names `worsend`, which is no level of any analysis (the levels are improved
# and worsened; the groups, from the recode table, M.E. specialist and Non-specialist):
# the label could never be shown, which the pipeline alone shows, so it is a pipeline
# error with a did-you-mean (a silent typo would leave the code in the report).
exit = 2
stderr = ["pipeline.toml", "labels.worsend", "not an outcome level or a subgroup of any analysis", "did you mean `worsened`"]
""", files={"data.csv": counts_csv(COUNTS_ROWS)}, pipeline=COUNTS_PIPELINE + """
[recode.provider]
specialist = "M.E. specialist"
non_specialist = "Non-specialist"

[labels]
improved = "Improved"
worsend = "Worsened"
""")

case("103-hostile-display-labels", """
# Display labels a page would run as markup (<script>alert(1)</script>) or a spreadsheet
# as a formula (=HYPERLINK(...)): the run succeeds, the HTML shows them escaped, and the
# CSV files keep the codes (no cell starts with =).
exit = 0
stderr = []
html_must_not_contain = ["<script>alert(1)</script>"]
html_must_contain = ["&lt;script&gt;alert(1)&lt;/script&gt;", "=HYPERLINK(&quot;http://x&quot;)"]
csv_must_not_start_with = "="
[rejected]
""", files={"data.csv": counts_csv(COUNTS_ROWS)}, pipeline=COUNTS_PIPELINE + """
[labels]
improved = "<script>alert(1)</script>"
worsened = '=HYPERLINK("http://x")'
""")

# --- key findings ------------------------------------------------------------------

case("120-headline-level-typo", """
# `headline` names `worsend`, which is no level of the analysis (improved, worsened): the
# key findings would leave the level out without a word, so it is a pipeline error naming
# the key, with a did-you-mean.
exit = 2
stderr = ["pipeline.toml", "headline", "`worsend` is not one of the levels (improved, worsened)", "did you mean `worsened`"]
""", files={"data.csv": counts_csv(COUNTS_ROWS)}, pipeline=COUNTS_PIPELINE.replace('by = ["provider"]', 'by = ["provider"]\nheadline = ["worsend"]'))

case("121-findings-denominator-with-all", """
# A denominator written with "all" and a number ("all 309 respondents") is not spliced
# after "of the 309" ("of the 309 all 309 respondents"): the finding reads "of all 309
# respondents (n = 309)", states the declared headline level only, and gives every
# provider's figure for it.
exit = 0
stderr = []
html_must_contain = ["of all 309 respondents (n = 309), 68.3% (95% CI 62.9% to 73.2%; 211 of 309) answered \u201cworsened\u201d. By provider: non_specialist 58.1% (95% CI 47.6% to 68.0%; 50 of 86), specialist 72.2% (95% CI"]
html_must_not_contain = ["the 309 all", "answered \u201cimproved\u201d"]
[rejected]
""", files={"data.csv": counts_csv(COUNTS_ROWS)}, pipeline=COUNTS_PIPELINE.replace('by = ["provider"]', 'by = ["provider"]\ndenominator = "all 309 respondents"\nheadline = ["worsened"]'))

def main():
    for c in CASES:
        write_case(*c)
    slugs = [c[0] for c in CASES]
    assert len(set(s.split("-")[0] for s in slugs)) == len(slugs), "numbers must be unique"
    print(f"wrote {len(CASES)} cases under {HERE}")


if __name__ == "__main__":
    main()
