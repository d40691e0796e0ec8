#!/usr/bin/env python3
"""The DuckDB and polars peers on a Parquet file.  peer_parquet.py SHARED_BENCH duckdb|polars IN.parquet OUT.csv

Runs the shared peer (SHARED_BENCH/peer_duckdb.py or peer_polars.py) unchanged but for its
read: DuckDB's `read_csv(...)` becomes `read_parquet($src)`, polars' `scan_csv` becomes
`scan_parquet`. Everything after the read (the filter, the group-by, the 27 Wilson intervals,
the output CSV) is the peer's own code, so the CSV and Parquet rows time the same job.
"""
import importlib.util
import os
import sys


def load(shared, name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(shared, name + ".py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main(shared, engine, src, dst):
    if engine == "duckdb":
        peer = load(shared, "peer_duckdb")
        csv_read = "read_csv($src, header = true, all_varchar = true)"
        if csv_read not in peer.SQL:
            sys.exit(f"peer_parquet: {shared}/peer_duckdb.py no longer reads with `{csv_read}`")
        peer.SQL = peer.SQL.replace(csv_read, "read_parquet($src)")
    elif engine == "polars":
        peer = load(shared, "peer_polars")
        pl = peer.pl
        pl.scan_csv = lambda path, **_options: pl.scan_parquet(path)
    else:
        sys.exit(f"peer_parquet: unknown engine {engine!r} (duckdb or polars)")
    peer.main(src, dst)


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__.splitlines()[0])
    main(*sys.argv[1:5])
