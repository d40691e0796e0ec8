#!/usr/bin/env python3
"""tally sql end to end (bench/sql_counts.sh runs it): a respondent CSV written as Parquet,
the counts query run where the data lives (DuckDB; Apache Spark in local mode), each result
fed to `tally run` with the counts pipeline `tally sql` writes, and estimates.csv compared
with the respondent run: byte for byte (unweighted), and to 1e-12 relative (weighted, whose
sums of weights round by the order of the additions).

    sql_counts.py --tally BIN --csv FILE --pipeline TOML --work DIR

Prints one markdown table of steps and times, and exits 1 if an unweighted estimates.csv
differs by a byte or a weighted one by more than 1e-12.
"""
import argparse
import csv
import filecmp
import os
import re
import subprocess
import sys
import time

import warnings

import duckdb

warnings.filterwarnings("ignore", category=FutureWarning)


def sh(args, **kw):
    r = subprocess.run(args, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"failed ({r.returncode}): {' '.join(args)}\n{r.stderr}")
    return r


def timed(label, rows, f):
    t = time.perf_counter()
    out = f()
    rows.append((label, time.perf_counter() - t))
    print(f"  {label}: {rows[-1][1]:.1f} s", file=sys.stderr, flush=True)
    return out


def pipeline_copy(template, out, name, data, weighted):
    """The bench pipeline with its name and input path replaced (one line each), and for the
    weighted variant `weight = "weight"` added to [input]."""
    text = open(template).read()
    text = re.sub(r'(?m)^name = .*$', f'name = "{name}"', text, count=1)
    text = re.sub(r'(?m)^path = .*$', f'path = "{data}"', text, count=1)
    if weighted:
        text = text.replace('[input]\n', '[input]\nweight = "weight"\n', 1)
    open(out, "w").write(text)


def sql_text(tally, pipeline, dialect, frm, counts_toml, counts_csv):
    r = sh([tally, "sql", pipeline, "--dialect", dialect, "--from", frm,
            "--counts-pipeline", counts_toml, "--counts-file", counts_csv])
    # One statement: the engines' APIs take it without the final semicolon.
    return r.stdout.rstrip().rstrip(";")


def compare(a, b, weighted):
    """None if the same (bytes, or 1e-12 relative when weighted), else the first difference."""
    if filecmp.cmp(a, b, shallow=False):
        return None
    if not weighted:
        return "bytes differ"
    ra, rb = list(csv.reader(open(a))), list(csv.reader(open(b)))
    if len(ra) != len(rb) or ra[0] != rb[0]:
        return "shape differs"
    worst = 0.0
    for x, y in zip(ra[1:], rb[1:]):
        for h, u, v in zip(ra[0], x, y):
            if u == v:
                continue
            if h in ("count", "n"):
                return f"{h}: {u} vs {v}"
            fu, fv = float(u), float(v)
            worst = max(worst, abs(fu - fv) / max(abs(fu), abs(fv)))
    compare.worst = worst
    return None if worst <= 1e-12 else f"relative difference {worst:.3g}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tally", required=True)
    ap.add_argument("--csv", required=True)
    ap.add_argument("--pipeline", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    work = os.path.abspath(a.work)
    os.makedirs(work, exist_ok=True)
    csv_path = os.path.abspath(a.csv)
    parquet = os.path.join(work, "survey.parquet")
    rows = []
    env = dict(os.environ, TALLY_CACHE_DIR=os.path.join(work, "cache"))

    # The data where it lives: DuckDB's own reading of the CSV (typed: the weight a DOUBLE,
    # the empty outcome NULL), as Parquet.
    con = duckdb.connect()
    timed("write Parquet (DuckDB COPY)", rows, lambda: con.execute(
        f"COPY (SELECT * FROM read_csv('{csv_path}', header = true)) TO '{parquet}' (FORMAT parquet)"))
    n_rows = con.execute(f"SELECT count(*) FROM read_parquet('{parquet}')").fetchone()[0]

    from pyspark.sql import SparkSession
    spark = timed("start Spark (local[2])", rows, lambda: SparkSession.builder
                  .master("local[2]").appName("tally-sql").config("spark.ui.enabled", "false")
                  .config("spark.ui.showConsoleProgress", "false")
                  .config("spark.driver.memory", "2g").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    spark.read.parquet(parquet).createOrReplaceTempView("survey")

    failures = []
    results = []
    for weighted in (False, True):
        tag = "weighted" if weighted else "unweighted"
        d = os.path.join(work, tag)
        os.makedirs(d, exist_ok=True)
        pipe = os.path.join(d, "respondents.toml")
        pipeline_copy(a.pipeline, pipe, f"sql-bench-{tag}", csv_path, weighted)
        timed(f"{tag}: tally run, respondent CSV", rows, lambda: sh(
            [a.tally, "run", pipe, "--reports-dir", os.path.join(d, "r-respondents"), "--force", "--quiet"], env=env))
        reference = os.path.join(d, "r-respondents", f"sql-bench-{tag}", "estimates.csv")

        for engine in ("duckdb", "spark"):
            counts_toml = os.path.join(d, f"{engine}.toml")
            counts_csv = os.path.join(d, f"{engine}.csv")
            for p in (counts_toml,):
                if os.path.exists(p):
                    os.remove(p)
            if engine == "duckdb":
                q = sql_text(a.tally, pipe, "duckdb", f"read_parquet('{parquet}')",
                             counts_toml, f"{engine}.csv")
                timed(f"{tag}: query on DuckDB -> CSV", rows, lambda: con.execute(
                    f"COPY ({q}\n) TO '{counts_csv}' (HEADER, DELIMITER ',')"))
            else:
                q = sql_text(a.tally, pipe, "spark", "survey", counts_toml, f"{engine}.csv")
                # Spark's CSV writer writes a folder of part files (and escapes quotes with a
                # backslash): the counts are small, so collect them and write one RFC 4180
                # CSV, NULL as an empty field.
                timed(f"{tag}: query on Spark -> CSV", rows,
                      lambda: spark.sql(q).toPandas().to_csv(counts_csv, index=False))
            with open(counts_csv) as f:
                tuples = sum(1 for _ in f) - 1
            timed(f"{tag}: tally run, {engine} counts ({tuples} rows)", rows, lambda: sh(
                [a.tally, "run", counts_toml, "--reports-dir", os.path.join(d, f"r-{engine}"), "--force", "--quiet"], env=env))
            got = os.path.join(d, f"r-{engine}", f"sql-bench-{tag}", "estimates.csv")
            diff = compare(reference, got, weighted)
            verdict = "byte-identical" if filecmp.cmp(reference, got, shallow=False) else (
                f"not byte-identical; largest relative difference {compare.worst:.2g}" if diff is None else f"DIFFERS: {diff}")
            results.append((tag, engine, tuples, verdict))
            if diff is not None:
                failures.append(f"{tag} {engine}: {diff}")
    spark.stop()

    print(f"\n{n_rows:,} respondent rows; DuckDB {duckdb.__version__}, "
          f"Spark {spark.version} (local[2]), tally: {sh([a.tally, '--version']).stdout.strip()}\n")
    print("| check | counts rows | estimates.csv vs the respondent run |\n|---|---|---|")
    for tag, engine, tuples, verdict in results:
        print(f"| {tag}, {engine} | {tuples} | {verdict} |")
    print("\n| step | seconds |\n|---|---|")
    for label, t in rows:
        print(f"| {label} | {t:.1f} |")
    if failures:
        sys.exit("\n".join(failures))


if __name__ == "__main__":
    main()
