#!/usr/bin/env python3
"""Reference quantiles of the chi-square, t and F distributions for tally's dist tests.

Values from scipy.special (chdtri, stdtrit, fdtri: Cephes/Boost inverses), each refined
and checked with 40-digit mpmath root finding on the CDF; the CSV holds the mpmath value.
Run: /root/refvenv/bin/python tests/reference/gen_dist_reference.py
"""
import csv, os, sys
import mpmath as mp
import scipy, scipy.special as sp

mp.mp.dps = 40
HERE = os.path.dirname(os.path.abspath(__file__))
PS = [0.8, 0.9, 0.95, 0.975, 0.99, 0.995, 0.999, 0.9995, 0.9999, 0.05, 0.025, 0.005]
# df = 1e7 is left out: mpmath's hypergeometric series for the incomplete gamma does not converge there.
DFS = [1, 2, 3, 5, 10, 30, 100, 1000, 100000]


def chi2_q(p, k):
    f = lambda x: mp.gammainc(mp.mpf(k) / 2, 0, x / 2, regularized=True) - p
    x0 = mp.mpf(sp.chdtri(float(k), 1 - float(p)))
    return mp.findroot(f, x0, tol=mp.mpf(10) ** -35)


def t_q(p, v):
    v = mp.mpf(v)
    def cdf(t):
        x = v / (v + t * t)
        tail = mp.betainc(v / 2, mp.mpf(1) / 2, 0, x, regularized=True) / 2
        return 1 - tail if t > 0 else tail
    x0 = mp.mpf(sp.stdtrit(float(v), float(p)))
    return mp.findroot(lambda t: cdf(t) - p, x0, tol=mp.mpf(10) ** -35)


def f_q(p, d1, d2):
    d1, d2 = mp.mpf(d1), mp.mpf(d2)
    cdf = lambda x: mp.betainc(d1 / 2, d2 / 2, 0, d1 * x / (d1 * x + d2), regularized=True)
    x0 = mp.mpf(sp.fdtri(float(d1), float(d2), float(p)))
    return mp.findroot(lambda x: cdf(x) - p, x0, tol=mp.mpf(10) ** -35)


def main():
    rows = []
    worst = 0.0
    for p in PS:
        pm = mp.mpf(repr(p))
        for k in DFS:
            v = chi2_q(pm, k)
            worst = max(worst, abs(float((mp.mpf(sp.chdtri(float(k), 1 - p)) - v) / v)))
            rows.append(("chi-square", p, k, "", mp.nstr(v, 17)))
            v = t_q(pm, k)
            rows.append(("t", p, k, "", mp.nstr(v, 17)))
        for d1, d2 in [(1, 1), (1, 10), (2, 30), (5, 5), (10, 1000), (3, 100000), (40, 7)]:
            v = f_q(pm, d1, d2)
            rows.append(("f", p, d1, d2, mp.nstr(v, 17)))
    with open(os.path.join(HERE, "dist_reference.csv"), "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["dist", "p", "df1", "df2", "quantile"])
        w.writerows(rows)
    with open(os.path.join(HERE, "dist_reference.versions.txt"), "w") as fh:
        fh.write(f"python {sys.version.split()[0]}\nscipy {scipy.__version__}\nmpmath {mp.__version__}\n")
        fh.write(f"rows {len(rows)}\nworst scipy chdtri relative distance from mpmath: {worst:.2e}\n")


if __name__ == "__main__":
    main()
