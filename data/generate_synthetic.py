#!/usr/bin/env python3
"""Generate data/synthetic_survey.csv and data/synthetic_survey.expected.json.

SYNTHETIC DATA. No real patient answered this survey. Every row is made up.

Run from the repo root:   python3 data/generate_synthetic.py
Python 3 standard library only. The output is byte-identical on every run
and every Python 3 version:
  * randomness comes from a splitmix64 PRNG written out below (seed SEED),
    never from Python's `random` module;
  * CSV quoting is done by hand (RFC 4180: a field is quoted only if it holds
    a comma, a double quote, CR or LF, and inner quotes are doubled), not by
    the csv module;
  * LF line endings, UTF-8, no BOM.

The aggregate cell counts are fixed by design (DESIGN below). The PRNG only
decides row order, severity, comment text and where the imperfections fall.
After writing, the script re-reads the file with Python's csv module,
recounts everything from scratch, and stops with an error if anything differs
from the design or from the JSON it wrote.
"""
import csv
import json
import os
import sys

SEED = 20190512          # 12 May: international M.E. awareness day
MASK = (1 << 64) - 1

HERE = os.path.dirname(os.path.abspath(__file__))
CSV_PATH = os.path.join(HERE, "synthetic_survey.csv")
JSON_PATH = os.path.join(HERE, "synthetic_survey.expected.json")

COLUMNS = ["respondent_id", "severity",
           "get_tried", "get_provider", "get_outcome",
           "cbt_tried", "cbt_provider", "cbt_outcome",
           "pacing_tried", "pacing_provider", "pacing_outcome",
           "comments"]
THERAPIES = ["get", "cbt", "pacing"]

PROVIDER_LABEL = {
    "specialist": "An M.E. specialist",
    "non_specialist": "A health professional who does not specialise in M.E.",
    "not_stated": "Someone else / I don't know",
}
OUTCOME_LABEL = {
    "a_lot_better": "Made my symptoms a lot better",
    "a_little_better": "Made my symptoms a little better",
    "no_difference": "Made no difference",
    "a_little_worse": "Made my symptoms a little worse",
    "a_lot_worse": "Made my symptoms a lot worse",
}
OUTCOME5 = list(OUTCOME_LABEL)
RECODE = {"a_lot_better": "improved", "a_little_better": "improved",
          "no_difference": "no_change",
          "a_little_worse": "worsened", "a_lot_worse": "worsened"}
SEVERITIES = ["Mild", "Moderate", "Severe", "Very severe"]

N_WELL_FORMED = 4495     # unique respondents whose row has exactly 12 fields
# plus 5 malformed rows (3 too few, 2 too many fields) => ids 1..4500,
# plus 1 exact duplicate of one well-formed row => 4501 data records.

# Clean answers by therapy -> provider -> 5-level outcome (exact labels).
# GET is targeted at the Action for M.E. 2019 figures (see data/README.md):
# of all 4,495 respondents 270 (6.0%) improved, 584 (13.0%) no change,
# 1708 (38.0%) worse; specialist 190/400 = 47.5% worse ("almost half");
# non-specialist 40/1000 = 4.0% improved and 610/1000 = 61.0% worse; the rest
# of the worse share sits with "Someone else / I don't know" (908/1162 = 78.1%).
# Two named providers alone cannot give all of these at once.
DESIGN = {
    "get": {
        "specialist": {"a_lot_better": 24, "a_little_better": 48, "no_difference": 138,
                       "a_little_worse": 85, "a_lot_worse": 105},
        "non_specialist": {"a_lot_better": 10, "a_little_better": 30, "no_difference": 350,
                           "a_little_worse": 230, "a_lot_worse": 380},
        "not_stated": {"a_lot_better": 40, "a_little_better": 118, "no_difference": 96,
                       "a_little_worse": 330, "a_lot_worse": 578},
    },
    "cbt": {
        "specialist": {"a_lot_better": 45, "a_little_better": 135, "no_difference": 720,
                       "a_little_worse": 125, "a_lot_worse": 75},
        "non_specialist": {"a_lot_better": 25, "a_little_better": 95, "no_difference": 570,
                           "a_little_worse": 120, "a_lot_worse": 90},
        "not_stated": {"a_lot_better": 3, "a_little_better": 7, "no_difference": 40,
                       "a_little_worse": 8, "a_lot_worse": 7},
    },
    "pacing": {
        "specialist": {"a_lot_better": 330, "a_little_better": 570, "no_difference": 510,
                       "a_little_worse": 60, "a_lot_worse": 30},
        "non_specialist": {"a_lot_better": 300, "a_little_better": 650, "no_difference": 740,
                           "a_little_worse": 110, "a_lot_worse": 50},
        "not_stated": {"a_lot_better": 15, "a_little_better": 35, "no_difference": 40,
                       "a_little_worse": 5, "a_lot_worse": 5},
    },
}
# tried = "Yes", provider given, outcome left blank (about 2% of triers)
MISSING = {"get": {"specialist": 8, "non_specialist": 20, "not_stated": 22},
           "cbt": {"specialist": 22, "non_specialist": 17, "not_stated": 1},
           "pacing": {"specialist": 30, "non_specialist": 36, "not_stated": 1}}
# Near-miss labels: (therapy, provider, 5-level outcome, column, raw text written)
NEAR_MISS = [
    ("get", "non_specialist", "a_lot_worse", "get_outcome", "Made my symptoms a lot worse "),
    ("get", "specialist", "no_difference", "get_outcome", "made no difference"),
    ("cbt", "non_specialist", "no_difference", "cbt_outcome", "made no difference"),
    ("pacing", "specialist", "a_little_better", "pacing_outcome", "Made my symptoms a little better "),
    ("pacing", "non_specialist", "no_difference", "pacing_tried", "yes"),
]

# P(severity | GET outcome group), integer weights: Mild, Moderate, Severe, Very severe
SEVERITY_WEIGHTS = {
    "improved": [40, 42, 14, 4],
    "no_change": [30, 45, 19, 6],
    "worsened": [15, 42, 29, 14],
    "other": [28, 46, 19, 7],      # not tried, missing, near-miss
}

COMMENTS_PLAIN = [
    "Pacing is the only thing that has helped me.",
    "GET made me much worse and I have never recovered to where I was.",
    "CBT was fine for coping but did nothing for the illness itself.",
    "I was discharged from the clinic when I could not increase my activity.",
    "My physiotherapist understood post-exertional malaise.",
    "Housebound for three years now.",
    "I use a heart rate monitor to stay within my energy envelope.",
    "No specialist service in my area.",
    "The specialist listened and adjusted the programme when I crashed.",
    "I stopped GET after two sessions.",
]
COMMENTS_COMMA = [
    "Pacing helped, GET did not.",
    "I tried CBT, GET and pacing over five years.",
    "Worse after GET, better after learning to pace, still mostly bedbound.",
    "Honestly, I don't know what helped.",
]
COMMENTS_QUOTE = [
    'My GP said "just push through it".',
    'Told it was "deconditioning", which it was not.',
]
COMMENTS_MULTILINE = [
    "GET made me bedbound.\nIt took two years to get back to where I was.",
    "Line one of my answer.\nLine two: pacing, rest and a good GP.",
    "I was told to add five minutes a week.\nBy week six I could not stand.",
    "CBT: no change.\nPacing: helped a lot.",
]
# Written raw (unquoted), so the comma splits the comment into extra fields.
COMMENTS_TOO_MANY = [
    "Pacing helped, GET did not",             # 13 fields
    "Tried GET, CBT, and pacing",             # 14 fields
]


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def below(self, n):
        """Uniform integer in [0, n), by rejection sampling (no modulo bias)."""
        limit = (1 << 64) - ((1 << 64) % n)
        while True:
            x = self.next()
            if x < limit:
                return x % n

    def shuffle(self, xs):
        for i in range(len(xs) - 1, 0, -1):
            j = self.below(i + 1)
            xs[i], xs[j] = xs[j], xs[i]

    def weighted(self, weights):
        r = self.below(sum(weights))
        for i, w in enumerate(weights):
            if r < w:
                return i
            r -= w
        raise AssertionError


def quote(field):
    if any(c in field for c in ',"\r\n'):
        return '"' + field.replace('"', '""') + '"'
    return field


def answer_list(therapy):
    """One entry per well-formed respondent: (kind, provider, outcome5, near_miss_index)."""
    out = []
    for prov, cells in DESIGN[therapy].items():
        for oc, n in cells.items():
            out += [("clean", prov, oc, None)] * n
    for prov, n in MISSING[therapy].items():
        out += [("missing", prov, None, None)] * n
    for i, nm in enumerate(NEAR_MISS):
        if nm[0] == therapy:
            out.append(("near_miss", nm[1], nm[2], i))
    n_not = N_WELL_FORMED - len(out)
    assert n_not > 0
    out += [("not_tried", None, None, None)] * n_not
    return out


def therapy_fields(ans):
    kind, prov, oc, nmi = ans
    if kind == "not_tried":
        return ["No", "", ""]
    f = ["Yes", PROVIDER_LABEL[prov], OUTCOME_LABEL[oc] if oc else ""]
    if kind == "near_miss":
        col = NEAR_MISS[nmi][3]
        idx = {"tried": 0, "provider": 1, "outcome": 2}[col.split("_", 1)[1]]
        f[idx] = NEAR_MISS[nmi][4]
    return f


def random_answers(rng):
    """Plausible answers for a malformed row (excluded from all aggregates)."""
    f = []
    for _ in THERAPIES:
        if rng.below(2) == 0:
            f += ["No", "", ""]
        else:
            f += ["Yes", PROVIDER_LABEL[["specialist", "non_specialist"][rng.below(2)]],
                  OUTCOME_LABEL[OUTCOME5[rng.below(5)]]]
    return f


def build(rng):
    per_therapy = {}
    for t in THERAPIES:
        lst = answer_list(t)
        rng.shuffle(lst)
        per_therapy[t] = lst

    rows = []   # dicts: fields (list[str]) + metadata
    for i in range(N_WELL_FORMED):
        answers = {t: per_therapy[t][i] for t in THERAPIES}
        g = answers["get"]
        group = RECODE[g[2]] if g[0] == "clean" else "other"
        sev = SEVERITIES[rng.weighted(SEVERITY_WEIGHTS[group])]
        fields = [None, sev]
        for t in THERAPIES:
            fields += therapy_fields(answers[t])
        r = rng.below(100)
        if r < 18:
            comment = COMMENTS_PLAIN[rng.below(len(COMMENTS_PLAIN))]
        elif r < 24:
            comment = COMMENTS_COMMA[rng.below(len(COMMENTS_COMMA))]
        elif r < 26:
            comment = COMMENTS_QUOTE[rng.below(len(COMMENTS_QUOTE))]
        else:
            comment = ""
        fields.append(comment)
        rows.append({"fields": fields, "answers": answers, "kind": "well_formed"})

    # 4 comments with an embedded newline, in the first third of the file, so
    # that the ragged rows later on have physical line != record number + 1.
    chosen = set()
    for text in COMMENTS_MULTILINE:
        while True:
            k = rng.below(1400)
            if k not in chosen:
                break
        chosen.add(k)
        rows[k]["fields"][11] = text

    # 5 malformed rows inserted at positions in [1500, 4400)
    malformed = []
    for n_fields in (11, 7, 4):
        f = [None, SEVERITIES[rng.below(4)]] + random_answers(rng) + [""]
        malformed.append({"fields": f[:n_fields], "kind": "too_few_columns"})
    for text in COMMENTS_TOO_MANY:
        f = [None, SEVERITIES[rng.below(4)]] + random_answers(rng) + [text]
        malformed.append({"fields": f, "kind": "too_many_columns", "raw_comment": True})
    positions = set()
    while len(positions) < len(malformed):
        positions.add(1500 + rng.below(2900))
    for pos, m in sorted(zip(sorted(positions), malformed), key=lambda x: x[0]):
        rows.insert(pos, m)

    for i, row in enumerate(rows):
        row["fields"][0] = str(i + 1)
    n_ids = len(rows)

    # 1 duplicate: an exact copy of a clean, single-line, well-formed row,
    # re-submitted 150..649 records later.
    while True:
        k = rng.below(3500)
        row = rows[k]
        if (row["kind"] == "well_formed" and "\n" not in row["fields"][11]
                and all(a[0] in ("clean", "not_tried") for a in row["answers"].values())):
            break
    dup = {"fields": list(row["fields"]), "answers": row["answers"], "kind": "duplicate"}
    rows.insert(k + 1 + 150 + rng.below(500), dup)
    return rows, n_ids


def render(row):
    if row.get("raw_comment"):
        return ",".join(row["fields"])
    return ",".join(quote(f) for f in row["fields"])


def expected_from_design():
    agg = {}
    for t in THERAPIES:
        agg[t] = {}
        for prov, cells in DESIGN[t].items():
            d = {"improved": 0, "no_change": 0, "worsened": 0}
            for oc, n in cells.items():
                d[RECODE[oc]] += n
            agg[t][prov] = d
    return agg


def main():
    rng = SplitMix64(SEED)
    rows, n_ids = build(rng)

    line = 2
    text_parts = [",".join(COLUMNS) + "\n"]
    for row in rows:
        s = render(row)
        row["line"] = line
        line += 1 + s.count("\n")
        text_parts.append(s + "\n")
    physical_lines = line - 1
    with open(CSV_PATH, "w", encoding="utf-8", newline="") as f:
        f.write("".join(text_parts))

    # ---------- expected figures, from the generator's own bookkeeping ----------
    design_agg = expected_from_design()
    five = {t: {p: dict(c) for p, c in DESIGN[t].items()} for t in THERAPIES}
    not_tried = {t: sum(1 for r in rows if r["kind"] == "well_formed"
                        and r["answers"][t][0] == "not_tried") for t in THERAPIES}
    sev_get = {s: {"improved": 0, "no_change": 0, "worsened": 0} for s in SEVERITIES}
    for r in rows:
        if r["kind"] == "well_formed" and r["answers"]["get"][0] == "clean":
            sev_get[r["fields"][1]][RECODE[r["answers"]["get"][2]]] += 1
    sev_count = {s: sum(1 for r in rows if r["kind"] == "well_formed" and r["fields"][1] == s)
                 for s in SEVERITIES}

    nm_rows = []
    for r in rows:
        if r["kind"] != "well_formed":
            continue
        for t in THERAPIES:
            a = r["answers"][t]
            if a[0] == "near_miss":
                nm = NEAR_MISS[a[3]]
                col = nm[3]
                canon = {"tried": "Yes", "outcome": OUTCOME_LABEL[nm[2]]}[col.split("_", 1)[1]]
                nm_rows.append({"line": r["line"], "respondent_id": int(r["fields"][0]),
                                "column": col, "raw": nm[4], "canonical": canon,
                                "therapy": t, "provider": nm[1], "outcome": RECODE[nm[2]]})
    ragged = [{"line": r["line"], "respondent_id": int(r["fields"][0]),
               "fields": len(r["fields"])} for r in rows if r["kind"] == "too_few_columns"]
    toomany = [{"line": r["line"], "respondent_id": int(r["fields"][0]),
                "fields": len(render(r).split(","))} for r in rows if r["kind"] == "too_many_columns"]
    dup_row = next(r for r in rows if r["kind"] == "duplicate")
    dup_id = int(dup_row["fields"][0])
    first = next(r for r in rows if r["kind"] == "well_formed" and int(r["fields"][0]) == dup_id)
    multiline = [{"line": r["line"], "respondent_id": int(r["fields"][0]), "physical_lines": 2}
                 for r in rows if r["kind"] == "well_formed" and "\n" in r["fields"][11]]

    def pct(x, n):
        return round(100.0 * x / n, 2)

    totals = {}
    for t in THERAPIES:
        a = design_agg[t]
        imp = sum(a[p]["improved"] for p in a)
        nc = sum(a[p]["no_change"] for p in a)
        wor = sum(a[p]["worsened"] for p in a)
        miss = sum(MISSING[t].values())
        nm = sum(1 for x in NEAR_MISS if x[0] == t)
        totals[t] = {
            "improved": imp, "no_change": nc, "worsened": wor,
            "not_tried": not_tried[t], "missing_outcome": miss, "near_miss_excluded": nm,
            "base_well_formed_unique_respondents": N_WELL_FORMED,
            "percent_of_base": {"improved": pct(imp, N_WELL_FORMED),
                                "no_change": pct(nc, N_WELL_FORMED),
                                "worsened": pct(wor, N_WELL_FORMED),
                                "not_tried": pct(not_tried[t], N_WELL_FORMED),
                                "missing_outcome": pct(miss, N_WELL_FORMED),
                                "near_miss_excluded": pct(nm, N_WELL_FORMED)},
            "percent_within_provider": {
                p: {k: pct(v, sum(a[p].values())) for k, v in a[p].items()} for p in a},
        }
    assert all(sum(v for k, v in totals[t].items() if k in (
        "improved", "no_change", "worsened", "not_tried", "missing_outcome",
        "near_miss_excluded")) == N_WELL_FORMED for t in THERAPIES)

    expected = {
        "_note": "SYNTHETIC data, not real patients. Generated by data/generate_synthetic.py.",
        "file": "synthetic_survey.csv",
        "generator": "data/generate_synthetic.py",
        "prng": "splitmix64", "seed": SEED,
        "encoding": "UTF-8, no BOM, LF line endings",
        "columns": COLUMNS,
        "physical_lines_including_header": physical_lines,
        "data_records": len(rows),
        "distinct_respondent_ids": n_ids,
        "well_formed_records": sum(1 for r in rows if r["kind"] in ("well_formed", "duplicate")),
        "well_formed_unique_respondents": N_WELL_FORMED,
        "counting_rules": (
            "Aggregates count a therapy answer when: the record has exactly 12 fields; it is the "
            "first record with its respondent_id (the later duplicate is dropped); and that "
            "therapy's tried/provider/outcome cells are exact canonical labels with a non-blank "
            "outcome. A near-miss label excludes only that therapy's answer for that row; the "
            "row's other therapies still count. Recode: 'a lot better'/'a little better' -> "
            "improved, 'Made no difference' -> no_change, 'a little worse'/'a lot worse' -> "
            "worsened. not_tried = well-formed unique rows with tried exactly 'No'."),
        "aggregates": design_agg,
        "aggregates_5level": five,
        "totals": totals,
        "get_by_severity": sev_get,
        "severity_counts_well_formed_unique": sev_count,
        "imperfections": {
            "too_few_columns": {"count": len(ragged), "rows": ragged},
            "too_many_columns": {"count": len(toomany), "rows": toomany},
            "duplicate_respondent_id": {
                "count": 1, "respondent_id": dup_id, "first_line": first["line"],
                "duplicate_line": dup_row["line"], "identical_to_first": True,
                "effect_if_not_dropped": "adds 1 to the cells of the first record's answers"},
            "near_miss_labels": {
                "count": len(nm_rows), "rows": nm_rows,
                "note": "each one becomes its canonical label after strip() + case-insensitive match; "
                        "counted in NO aggregate cell above (add them yourself if you normalise)"},
            "missing_outcome": {"count": sum(sum(v.values()) for v in MISSING.values()),
                                "by_therapy": MISSING},
            "multiline_comments": {"count": len(multiline), "rows": multiline},
            "comments_with_comma_quoted": sum(1 for r in rows if r["kind"] == "well_formed"
                                              and "," in r["fields"][11]),
            "comments_with_double_quote": sum(1 for r in rows if r["kind"] == "well_formed"
                                              and '"' in r["fields"][11]),
        },
    }
    with open(JSON_PATH, "w", encoding="utf-8", newline="\n") as f:
        f.write(json.dumps(expected, indent=2, ensure_ascii=False) + "\n")

    verify(expected)
    report(expected)
    return 0


def canon_outcome(s):
    for k, v in OUTCOME_LABEL.items():
        if s == v:
            return RECODE[k]
    return None


def verify(exp):
    """Independent recount from the written file using the csv module."""
    with open(CSV_PATH, "rb") as fb:
        raw = fb.read()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r" not in raw
    assert raw.count(b"\n") == exp["physical_lines_including_header"]
    with open(CSV_PATH, encoding="utf-8", newline="") as f:
        rd = csv.reader(f)
        header = next(rd)
        assert header == COLUMNS
        seen = set()
        agg = {t: {p: {"improved": 0, "no_change": 0, "worsened": 0}
                   for p in PROVIDER_LABEL} for t in THERAPIES}
        nt = {t: 0 for t in THERAPIES}
        miss = {t: {p: 0 for p in PROVIDER_LABEL} for t in THERAPIES}
        few, many, dups, odd = [], [], [], 0
        records = 0
        inv_prov = {v: k for k, v in PROVIDER_LABEL.items()}
        while True:
            start = rd.line_num + 1
            try:
                rec = next(rd)
            except StopIteration:
                break
            records += 1
            if len(rec) < 12:
                few.append(start); continue
            if len(rec) > 12:
                many.append(start); continue
            if rec[0] in seen:
                dups.append(start); continue
            seen.add(rec[0])
            for i, t in enumerate(THERAPIES):
                tr, pv, oc = rec[2 + 3 * i: 5 + 3 * i]
                if tr == "No" and pv == "" and oc == "":
                    nt[t] += 1
                elif tr == "Yes" and pv in inv_prov and oc == "":
                    miss[t][inv_prov[pv]] += 1
                elif tr == "Yes" and pv in inv_prov and canon_outcome(oc):
                    agg[t][inv_prov[pv]][canon_outcome(oc)] += 1
                else:
                    odd += 1
    im = exp["imperfections"]
    assert records == exp["data_records"], records
    assert agg == exp["aggregates"], agg
    assert nt == {t: exp["totals"][t]["not_tried"] for t in THERAPIES}
    assert miss == im["missing_outcome"]["by_therapy"]
    assert few == [r["line"] for r in im["too_few_columns"]["rows"]], few
    assert many == [r["line"] for r in im["too_many_columns"]["rows"]], many
    assert dups == [im["duplicate_respondent_id"]["duplicate_line"]], dups
    assert odd == im["near_miss_labels"]["count"], odd
    assert len(seen) == exp["well_formed_unique_respondents"]


def report(exp):
    print(f"wrote {CSV_PATH}")
    print(f"wrote {JSON_PATH}")
    print(f"SYNTHETIC data; splitmix64 seed {SEED}")
    print(f"physical lines {exp['physical_lines_including_header']} (incl. header), "
          f"data records {exp['data_records']}, respondent ids {exp['distinct_respondent_ids']}, "
          f"well-formed unique respondents {exp['well_formed_unique_respondents']}")
    for t in THERAPIES:
        tt = exp["totals"][t]
        print(f"\n{t.upper()}: not_tried {tt['not_tried']}, missing outcome {tt['missing_outcome']}, "
              f"near-miss excluded {tt['near_miss_excluded']}")
        for p in PROVIDER_LABEL:
            a = exp["aggregates"][t][p]
            print(f"  {p:15s} improved {a['improved']:5d}  no_change {a['no_change']:5d}  "
                  f"worsened {a['worsened']:5d}   (%: {tt['percent_within_provider'][p]})")
        print(f"  all respondents (base {N_WELL_FORMED}): {tt['percent_of_base']}")
    im = exp["imperfections"]
    print("\nimperfections:")
    for k in ("too_few_columns", "too_many_columns"):
        print(f"  {k}: {im[k]['count']}  " +
              ", ".join(f"line {r['line']} (id {r['respondent_id']}, {r['fields']} fields)"
                        for r in im[k]["rows"]))
    d = im["duplicate_respondent_id"]
    print(f"  duplicate respondent_id: 1  id {d['respondent_id']} at lines "
          f"{d['first_line']} and {d['duplicate_line']}")
    print(f"  near-miss labels: {im['near_miss_labels']['count']}")
    for r in im["near_miss_labels"]["rows"]:
        print(f"    line {r['line']} id {r['respondent_id']} {r['column']} = {r['raw']!r}")
    print(f"  missing outcome (tried=Yes, blank outcome): {im['missing_outcome']['count']} "
          f"{im['missing_outcome']['by_therapy']}")
    print(f"  multi-line comments: {im['multiline_comments']['count']} starting at lines "
          f"{[r['line'] for r in im['multiline_comments']['rows']]}")
    print("verification against csv module re-parse: OK")


if __name__ == "__main__":
    sys.exit(main())
