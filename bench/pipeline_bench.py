#!/usr/bin/env python3
"""Helpers for bench/pipeline_bench.sh (stdlib only).

    pipeline_bench.py make-pipeline TEMPLATE OUT --input CSV --name NAME [--report-dir DIR] [--drop-id]
    pipeline_bench.py agree TALLY_REPORT_DIR DUCKDB_OUT.csv
    pipeline_bench.py table RAW.tsv [--section big|startup|batch] [--tools "tally duckdb ..."]

make-pipeline  copies the bench pipeline template, replacing `name`, `[input] path`
               (made absolute); --report-dir sets `[report] dir`, --drop-id removes
               `id_column`.
agree          one line: do tally's treatment x provider counts (severity margin) match
               the DuckDB peer's, and how far are the Wilson intervals of the GET analysis.
table          markdown tables from the raw timing records the shell script writes
               (tab-separated; see pipeline_bench.sh for the record kinds).
"""
import argparse
import csv
import math
import os
import re
import statistics
import sys

TREATMENT_ANALYSIS = {"GET": "get_by_provider_severity",
                      "CBT": "cbt_by_provider_severity",
                      "pacing": "pacing_by_provider_severity"}
PROVIDER_LABEL = {"specialist": "M.E. specialist", "non_specialist": "Non-specialist",
                  "ALL": "(all)"}


def toml_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def make_pipeline(a):
    text = open(a.template, encoding="utf-8").read()
    text, n_name = re.subn(r'(?m)^name\s*=\s*".*"$', "name = " + toml_str(a.name), text, count=1)
    # the first `path = ...` line after [input]
    m = re.search(r'(?ms)^\[input\]\s*$(.*?)^path\s*=\s*".*?"$', text)
    if not n_name or not m:
        sys.exit(f"{a.template}: needs a top-level `name = \"...\"` line and `path = \"...\"` "
                 "under [input]")
    start = m.start(0) + m.group(0).rfind("path")
    end = m.end(0)
    text = text[:start] + "path = " + toml_str(os.path.abspath(a.input)) + text[end:]
    if a.drop_id:
        text = re.sub(r'(?m)^id_column\s*=.*\n', "", text)
    if a.report_dir:
        if re.search(r"(?m)^\[report\]\s*$", text):
            text = re.sub(r"(?m)^\[report\]\s*$", "[report]\ndir = " + toml_str(a.report_dir),
                          text, count=1)
        else:
            text += "\n[report]\ndir = " + toml_str(a.report_dir) + "\n"
    tmp = a.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, a.out)


def agree(a):
    est = os.path.join(a.report_dir, "estimates.csv")
    try:
        with open(est, newline="", encoding="utf-8") as f:
            tally = {(r["analysis"], r["provider"], r["outcome"]): r
                     for r in csv.DictReader(f) if r.get("severity") == "(all)"}
        with open(a.peer, newline="", encoding="utf-8") as f:
            peer = list(csv.DictReader(f))
    except OSError as e:
        print(f"not checked ({e.strerror}: {e.filename})")
        return
    cells = bad = 0
    ci_diff = 0.0
    missing = []
    for r in peer:
        key = (TREATMENT_ANALYSIS[r["treatment"]], PROVIDER_LABEL[r["provider"]], r["outcome"])
        t = tally.get(key)
        if t is None:
            missing.append("/".join(key))
            continue
        cells += 1
        if int(t["count"]) != int(r["count"]) or int(t["n"]) != int(r["denominator"]):
            bad += 1
        if r["treatment"] == "GET" and t["ci_method"] == "wilson":
            for tk, pk in (("ci_lower", "ci_low"), ("ci_upper", "ci_high")):
                x, y = float(t[tk]), float(r[pk])
                if not (math.isnan(x) and math.isnan(y)):
                    ci_diff = max(ci_diff, abs(x - y))
    if missing:
        print(f"MISMATCH: {len(missing)} peer cells not in tally's estimates.csv "
              f"(e.g. {missing[0]})")
    elif bad:
        print(f"MISMATCH: {bad} of {cells} treatment x provider x outcome cells differ in count or n")
    else:
        print(f"counts and n same in all {cells} cells; GET Wilson CI max abs diff {ci_diff:.1e}")


# ---------------------------------------------------------------------------- tables

def median(xs):
    return statistics.median(xs) if xs else None


def fnum(x, fmt):
    return "NA" if x is None else format(x, fmt)


def fsig(x, digits=3):
    if x is None:
        return "NA"
    if x == 0:
        return "0"
    return f"{x:.{digits}g}" if abs(x) >= 1e-3 and abs(x) < 1e6 else f"{x:.{digits - 1}e}"


def ratio(x, y):
    return None if x is None or y is None or y == 0 else x / y


def read_raw(path):
    recs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line:
                recs.append(line.split("\t"))
    return recs


def status_of(rc):
    return {"0": "ok", "124": "TIMEOUT", "253": "FAIL: unexpected cache state (rc=253)",
            "254": "FAIL: reports missing (rc=254)"}.get(rc, f"FAIL rc={rc}")


def big_table(recs, tool_order):
    # run <size> <rows> <bytes> <tool> <rep> <wall> <rss_kb> <cpu_s> <rc> <busy%>
    # skip <size> <rows> <bytes> <tool> <reason>
    # agree <size> <text>
    # agreepq <size> <text>
    sizes, info, runs, skips, agreement, agreement_pq = [], {}, {}, {}, {}, {}
    for r in recs:
        if r[0] in ("run", "skip") and r[1] not in info:
            sizes.append(r[1])
            info[r[1]] = (int(r[2]), int(r[3]))
        if r[0] == "run":
            runs.setdefault((r[1], r[4]), []).append(r)
        elif r[0] == "skip":
            skips[(r[1], r[4])] = r[5]
        elif r[0] == "agree":
            agreement[r[1]] = r[2]
        elif r[0] == "agreepq":
            agreement_pq[r[1]] = r[2]
    if not sizes:
        return []
    out = ["| rows | tool | median wall s | rows/s | MB/s | peak RSS MiB | CPU s (user+sys) "
           "| wall / tally | RSS / tally | runs: wall s | busy before % | note |",
           "|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---|"]
    for size in sizes:
        rows, nbytes = info[size]
        med = {}
        for tool in tool_order:
            rs = runs.get((size, tool), [])
            ok = [r for r in rs if r[9] == "0"]
            if ok:
                med[tool] = (median([float(r[6]) for r in ok]),
                             median([int(r[7]) / 1024 for r in ok]),
                             median([float(r[8]) for r in ok]))
        for tool in tool_order:
            rs = runs.get((size, tool), [])
            if not rs:
                if (size, tool) in skips:
                    out.append(f"| {rows:,} | {tool} | – | – | – | – | – | – | – | – | – "
                               f"| skipped: {skips[(size, tool)]} |")
                continue
            notes = sorted({status_of(r[9]) for r in rs} - {"ok"})
            if tool == "tally" and size in agreement:
                notes.append("vs duckdb: " + agreement[size])
            if tool == "tally-parquet" and size in agreement_pq:
                notes.append(agreement_pq[size])
            base = "tally-parquet" if tool.endswith("-parquet") else "tally"
            t_wall, t_rss = (med[base][0], med[base][1]) if base in med else (None, None)
            if tool == "tally-rerun":
                notes.append("NOT a full run: warm rerun, same cache, no --force (report up to date)")
            walls = ", ".join(r[6] if r[9] == "0" else status_of(r[9]) for r in rs)
            busy = max(int(r[10]) for r in rs) if all(r[10].isdigit() for r in rs) else "?"
            if tool not in med:
                out.append(f"| {rows:,} | {tool} | NA | NA | NA | NA | NA | NA | NA | {walls} "
                           f"| {busy} | {'; '.join(notes)} |")
                continue
            wall, rss, cpu = med[tool]
            rps = rows / wall if wall > 0 else None
            mbs = nbytes / 1e6 / wall if wall > 0 else None
            rw = "1 (base)" if tool == base else fnum(ratio(wall, t_wall), ".2f")
            rr = "1 (base)" if tool == base else fnum(ratio(rss, t_rss), ".2f")
            out.append(f"| {rows:,} | {tool} | {wall:.3f} | {fsig(rps)} | {fnum(mbs, '.0f')} "
                       f"| {rss:.0f} | {cpu:.2f} | {rw} | {rr} | {walls} | {busy} "
                       f"| {'; '.join(notes)} |")
    return out


def startup_table(recs):
    # startup <tool> <median_ms> <mean_ms> <min_ms> <max_ms> <runs> <how>
    rs = [r for r in recs if r[0] == "startup"]
    if not rs:
        return []
    base = next((float(r[2]) for r in rs if r[1] == "tally"), None)
    out = ["| tool (4,000 rows, whole process) | median ms | mean ms | min ms | max ms "
           "| / tally | runs | timed with |",
           "|---|---:|---:|---:|---:|---:|---:|---|"]
    for r in rs:
        if r[2] == "NA":
            out.append(f"| {r[1]} | NA | NA | NA | NA | NA | {r[6]} | {r[7]} |")
            continue
        rel = "1 (base)" if r[1] == "tally" else fnum(ratio(float(r[2]), base), ".1f")
        out.append(f"| {r[1]} | {float(r[2]):.1f} | {float(r[3]):.1f} | {float(r[4]):.1f} "
                   f"| {float(r[5]):.1f} | {rel} | {r[6]} | {r[7]} |")
    return out


def batch_table(recs, batch):
    # batch <label> <rep> <wall> <rss_kb> <cpu_s> <rc> [<complete reports written>]
    # batchskip <text>
    out = [f"Skipped: {r[1]}" for r in recs if r[0] == "batchskip"]
    rs = [r for r in recs if r[0] == "batch"]
    if not rs:
        return out
    if out:
        out.append("")
    labels = list(dict.fromkeys(r[1] for r in rs))
    med = {}
    for lab in labels:
        ok = [r for r in rs if r[1] == lab and r[6] == "0"]
        if ok:
            med[lab] = (median([float(r[3]) for r in ok]), median([int(r[4]) / 1024 for r in ok]),
                        median([float(r[5]) for r in ok]))
    out += [f"| command ({batch} pipelines x 4,000 rows) | median wall s | ms / pipeline "
            "| peak RSS MiB | CPU s | runs: wall s | reports written per run |",
            "|---|---:|---:|---:|---:|---|---|"]
    for lab in labels:
        walls = ", ".join(r[3] if r[6] == "0" else status_of(r[6]) for r in rs if r[1] == lab)
        written = ", ".join(r[7] if len(r) > 7 else "?" for r in rs if r[1] == lab)
        if lab in med:
            w, m, c = med[lab]
            out.append(f"| `{lab}` | {w:.3f} | {w / batch * 1000:.0f} | {m:.0f} | {c:.2f} | {walls} "
                       f"| {written} |")
        else:
            out.append(f"| `{lab}` | NA | NA | NA | NA | {walls} | {written} |")
    j1 = next((med[l][0] for l in labels if "--jobs 1" in l and l in med), None)
    j2 = next((med[l][0] for l in labels if "--jobs 2" in l and l in med), None)
    if j1 is not None and j2 is not None:
        out += ["", f"--jobs 1 / --jobs 2 = {j1:.2f} / {j2:.2f} = **{j1 / j2:.2f}x** "
                    "(2.00 would be perfect scaling on 2 cores)"]
    return out


def table(a):
    recs = read_raw(a.raw)
    lines = {"big": lambda: big_table(recs, a.tools.split()),
             "startup": lambda: startup_table(recs),
             "batch": lambda: batch_table(recs, a.batch)}[a.section]()
    print("\n".join(lines) if lines else "(nothing measured)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("make-pipeline")
    p.add_argument("template")
    p.add_argument("out")
    p.add_argument("--input", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--report-dir")
    p.add_argument("--drop-id", action="store_true", help="remove `id_column` (no duplicate-id check)")
    p.set_defaults(fn=make_pipeline)
    p = sub.add_parser("agree")
    p.add_argument("report_dir")
    p.add_argument("peer")
    p.set_defaults(fn=agree)
    p = sub.add_parser("table")
    p.add_argument("raw")
    p.add_argument("--section", choices=["big", "startup", "batch"], default="big")
    p.add_argument("--tools", default="tally tally-rerun tally-noid duckdb polars pandas cat "
                   "tally-parquet duckdb-parquet polars-parquet")
    p.add_argument("--batch", type=int, default=50, help="pipelines per batch run")
    p.set_defaults(fn=table)
    a = ap.parse_args()
    a.fn(a)


if __name__ == "__main__":
    main()
