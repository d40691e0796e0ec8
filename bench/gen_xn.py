#!/usr/bin/env python3
"""Deterministic (x, n) generator for bench/ci_methods.sh.

Usage: python3 bench/gen_xn.py ROWS [SEED] > FILE

Writes a CSV with header `x,n` and ROWS rows, where
  n is log-uniform on 1..10,000,000   (n = floor(10^(7u)), clamped to [1, 1e7])
  x is uniform on 0..n (inclusive)    (x = floor(v * (n + 1)))
u, v come from a fixed 64-bit LCG (Knuth's MMIX constants), top 53 bits,
so the output is byte-identical on every machine and Python 3 version.
Only the standard library is used.
"""
import sys

A = 6364136223846793005
C = 1442695040888963407
MASK = (1 << 64) - 1
SCALE = 1.0 / (1 << 53)
NMAX = 10_000_000


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    state = int(sys.argv[2]) if len(sys.argv) > 2 else 20240601
    out = sys.stdout
    buf = ["x,n\n"]
    for _ in range(rows):
        state = (A * state + C) & MASK
        u = (state >> 11) * SCALE
        state = (A * state + C) & MASK
        v = (state >> 11) * SCALE
        n = int(10.0 ** (7.0 * u))
        n = 1 if n < 1 else (NMAX if n > NMAX else n)
        x = int(v * (n + 1))
        if x > n:
            x = n
        buf.append(f"{x},{n}\n")
        if len(buf) >= 65536:
            out.write("".join(buf))
            buf.clear()
    out.write("".join(buf))


if __name__ == "__main__":
    main()
