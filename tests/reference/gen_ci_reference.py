#!/usr/bin/env python3
"""Reference values for tally's single-proportion confidence intervals.

Writes, next to this file:
  ci_reference.csv             method,x,n,level,lower,upper   (the reference, %.17g)
  ci_reference.versions.txt    library versions and date
  ci_reference.crosscheck.txt  how far each independent peer is from the reference

Run (see README.md):  bash tests/reference/generate.sh
or, with numpy/scipy/statsmodels/mpmath importable:
  python tests/reference/gen_ci_reference.py [--no-r] [--exactci-dir DIR]

Base R (Rscript) is used only for cross-checks (gen_ci_reference.R); without it the
reference CSV is identical, only the cross-check report is shorter.
"""
import argparse
import csv
import datetime
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile

import mpmath as mp
import numpy as np
import scipy
import scipy.special as sp
import scipy.stats as st
import statsmodels
from scipy.optimize import brentq
from statsmodels.stats.proportion import proportion_confint

HERE = os.path.dirname(os.path.abspath(__file__))
EPS = np.finfo(float).eps
XTOL = 1e-300
RTOL = 4 * EPS  # the smallest rtol brentq accepts
BLAKER_MAX_N = 100_000

METHODS = ["wald", "wald-cc", "wilson", "wilson-cc", "agresti-coull", "clopper-pearson",
           "jeffreys", "mid-p", "logit", "arcsine", "likelihood-ratio", "blaker"]
LEVELS = [0.8, 0.9, 0.95, 0.99, 0.999]
NS = [1, 2, 3, 5, 10, 17, 30, 50, 100, 170, 1000, 4038, 100000, 10000000]
EXTRA = [(139, 170), (47, 120), (3, 10), (1, 500)]


def grid_points():
    pts = []
    for n in NS:
        xs = sorted({x for x in (0, 1, 2, n // 3, n // 2, n - 1, n) if 0 <= x <= n})
        pts += [(x, n) for x in xs]
    for p in EXTRA:
        if p not in pts:
            pts.append(p)
    return pts


def zval(level):
    # alpha/2 = (1 - level)/2 is exact in binary64 for level in [0.5, 1) (Sterbenz),
    # and ndtri is accurate in relative terms in the lower tail.
    return -sp.ndtri((1.0 - level) / 2.0)


def clip01(v):
    return min(1.0, max(0.0, v))


# --------------------------------------------------------------------- binomial tails
def upper_tail(k, n, p):
    """P(X >= k), X ~ Bin(n, p)."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    return sp.betainc(k, n - k + 1, p)


def lower_tail(k, n, p):
    """P(X <= k), X ~ Bin(n, p)."""
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    return sp.betaincc(k + 1, n - k, p)


def pmf(x, n, p):
    return st.binom.pmf(x, n, p)


def root(f, a, b):
    return brentq(f, a, b, xtol=XTOL, rtol=RTOL, maxiter=10_000)


# --------------------------------------------------------------------- methods
def m_wald(x, n, level):
    lo, hi = proportion_confint(x, n, alpha=1 - level, method="normal")
    return float(lo), float(hi)


def m_wald_cc(x, n, level):
    z = zval(level)
    p = x / n
    d = z * math.sqrt(p * (1 - p) / n) + 1 / (2 * n)
    return clip01(p - d), clip01(p + d)


def m_wilson(x, n, level):
    ci = st.binomtest(x, n).proportion_ci(confidence_level=level, method="wilson")
    return float(ci.low), float(ci.high)


def m_wilson_cc(x, n, level):
    ci = st.binomtest(x, n).proportion_ci(confidence_level=level, method="wilsoncc")
    return float(ci.low), float(ci.high)


def m_agresti_coull(x, n, level):
    lo, hi = proportion_confint(x, n, alpha=1 - level, method="agresti_coull")
    return float(lo), float(hi)


def beta_lower_q(h, a, b):
    """p with I_p(a, b) = h: scipy's beta.ppf (boost ibeta_inv), then polished by brentq on
    scipy.special.betainc itself. The polish matters: boost's inverse is off by up to
    1.5e-10 relative for Beta(2, 1e7 - 1), while the forward function is ~1e-14 accurate."""
    g = float(st.beta.ppf(h, a, b))
    f = lambda p: sp.betainc(a, b, p) - h
    return polish(f, g, increasing=True)


def beta_upper_q(h, a, b):
    """p with 1 - I_p(a, b) = h (computed as betaincc, no cancellation); see beta_lower_q."""
    g = float(st.beta.isf(h, a, b))
    f = lambda p: sp.betaincc(a, b, p) - h
    return polish(f, g, increasing=False)


def polish(f, g, increasing):
    w = 1e-12
    while True:
        lo, hi = g * (1 - w), min(g * (1 + w), 1.0)
        flo, fhi = f(lo), f(hi)
        if flo == 0:
            return lo
        if fhi == 0:
            return hi
        if (flo < 0) != (fhi < 0):
            return root(f, lo, hi)
        w *= 10
        if w > 1:
            raise RuntimeError("polish: no bracket")


def m_clopper_pearson(x, n, level):
    h = (1 - level) / 2
    lo = 0.0 if x == 0 else beta_lower_q(h, x, n - x + 1)
    hi = 1.0 if x == n else beta_upper_q(h, x + 1, n - x)
    return float(lo), float(hi)


def m_jeffreys(x, n, level):
    h = (1 - level) / 2
    lo = 0.0 if x == 0 else beta_lower_q(h, x + 0.5, n - x + 0.5)
    hi = 1.0 if x == n else beta_upper_q(h, x + 0.5, n - x + 0.5)
    return float(lo), float(hi)


def m_mid_p(x, n, level):
    a = 1 - level
    h = a / 2
    if x == 0:
        lo = 0.0
    elif x == n:  # 0.5 * p^n = alpha/2
        lo = math.exp(math.log(a) / n)
    else:  # P(X > x) + 0.5 P(X = x) = alpha/2, increasing in p; bracket by CP(x), CP(x+1)
        f = lambda p: upper_tail(x + 1, n, p) + 0.5 * pmf(x, n, p) - h
        lo = root(f, st.beta.ppf(h, x, n - x + 1), st.beta.ppf(h, x + 1, n - x))
    if x == n:
        hi = 1.0
    elif x == 0:  # 0.5 * (1-p)^n = alpha/2
        hi = -math.expm1(math.log(a) / n)
    else:  # P(X < x) + 0.5 P(X = x) = alpha/2, decreasing in p
        f = lambda p: lower_tail(x - 1, n, p) + 0.5 * pmf(x, n, p) - h
        hi = root(f, st.beta.isf(h, x, n - x + 1), st.beta.isf(h, x + 1, n - x))
    return float(lo), float(hi)


def m_logit(x, n, level):
    a = 1 - level
    if x == 0:
        return 0.0, -math.expm1(math.log(a / 2) / n)
    if x == n:
        return math.exp(math.log(a / 2) / n), 1.0
    z = zval(level)
    l = math.log(x / (n - x))
    se = math.sqrt(n / (x * (n - x)))
    expit = lambda t: 1.0 / (1.0 + math.exp(-t))
    return expit(l - z * se), expit(l + z * se)


def m_arcsine(x, n, level):
    z = zval(level)
    t = math.asin(math.sqrt(x / n))
    d = z / (2 * math.sqrt(n))
    lo = min(max(t - d, 0.0), math.pi / 2)
    hi = min(max(t + d, 0.0), math.pi / 2)
    return math.sin(lo) ** 2, math.sin(hi) ** 2


def m_likelihood_ratio(x, n, level):
    c = st.chi2.ppf(level, 1)
    if x == 0:
        return 0.0, -math.expm1(-c / (2 * n))
    if x == n:
        return math.exp(-c / (2 * n)), 1.0
    ph = x / n

    def D(p):  # 2[l(ph) - l(p)] - c, written with log1p of the small relative deviations
        # x log(ph/p) = -x log1p((p-ph)/ph);  (n-x) log((1-ph)/(1-p)) = (n-x) log1p((p-ph)/(1-p))
        # (log1p only while its argument is small; far from ph the plain log is better conditioned)
        d = p - ph
        u, v = d / ph, d / (1 - p)
        t1 = math.log1p(u) if abs(u) < 0.5 else math.log(p / ph)
        t2 = math.log1p(v) if abs(v) < 0.5 else math.log1p(-ph) - math.log1p(-p)
        return 2 * ((n - x) * t2 - x * t1) - c

    lo = root(D, ph * 1e-15, ph)  # D(ph*1e-15) >= 2x*34.5 - c > 0 for every level used
    hi = root(D, ph, 1 - EPS / 2)
    return lo, hi


def m_blaker(x, n, level):
    """Blaker (2000): lower = inf{p : a(x,p) > alpha}, upper = sup{p : a(x,p) > alpha},
    a(x,p) = P_p(gamma(X,p) <= gamma(x,p)), gamma(k,p) = min(P_p(X>=k), P_p(X<=k)).

    Lower side (p below the CP lower bound pl: a <= 2 P(X>=x) <= alpha, so not in the set):
      on [pl, x/n) a(x,p) = P(X>=x) + P(X<=k*(p)), k*(p) = max{k < x : P(X<=k) <= P(X>=x)},
      which steps up at the breakpoints b_k where P(X<=k) = P(X>=x); at every breakpoint
      beyond pl, a = 2 P(X>=x) > alpha. So the infimum is in [pl, b_{k0+1}], where
      k0 = k*(pl), and there a = P(X>=x) + P(X<=k0) - whose derivative
      n[b(x-1;n-1,p) - b(k0;n-1,p)] changes sign at most once (- then +), so it crosses
      alpha at most once. lower = that crossing if a(b-) > alpha, else b. The upper side
      is the mirror image, solved directly in p (no 1 - (...) cancellation).
    """
    a = 1 - level
    h = a / 2
    lo = 0.0
    if x > 0:
        pl = st.beta.ppf(h, x, n - x + 1)
        ks = np.arange(0, x)
        F = sp.betaincc(ks + 1.0, n - ks + 0.0, pl)
        ok = np.nonzero(F <= h)[0]
        k0 = int(ks[ok[-1]]) if len(ok) else -1
        k1 = k0 + 1
        b = root(lambda p: lower_tail(k1, n, p) - upper_tail(x, n, p), pl, x / n)
        g = lambda p: upper_tail(x, n, p) + lower_tail(k0, n, p) - a
        lo = root(g, pl, b) if g(b) > 0 else b
    hi = 1.0
    if x < n:
        pu = st.beta.isf(h, x + 1, n - x)
        js = np.arange(x + 1, n + 1)
        U = sp.betainc(js + 0.0, n - js + 1.0, pu)
        ok = np.nonzero(U <= h)[0]
        j0 = int(js[ok[0]]) if len(ok) else n + 1
        j1 = j0 - 1
        b = root(lambda p: upper_tail(j1, n, p) - lower_tail(x, n, p), x / n, pu)
        g = lambda p: lower_tail(x, n, p) + upper_tail(j0, n, p) - a
        hi = root(g, b, pu) if g(b) > 0 else b
    return float(lo), float(hi)


IMPL = {
    "wald": m_wald, "wald-cc": m_wald_cc, "wilson": m_wilson, "wilson-cc": m_wilson_cc,
    "agresti-coull": m_agresti_coull, "clopper-pearson": m_clopper_pearson,
    "jeffreys": m_jeffreys, "mid-p": m_mid_p, "logit": m_logit, "arcsine": m_arcsine,
    "likelihood-ratio": m_likelihood_ratio, "blaker": m_blaker,
}


def applies(method, n):
    return not (method == "blaker" and n > BLAKER_MAX_N)


# --------------------------------------------------------------------- peers (cross-checks)
def peer_statsmodels(method, x, n, level):
    name = {"wald": "normal", "agresti-coull": "agresti_coull", "wilson": "wilson",
            "clopper-pearson": "beta", "jeffreys": "jeffreys"}.get(method)
    if name is None:
        return None
    lo, hi = proportion_confint(x, n, alpha=1 - level, method=name)
    lo, hi = float(lo), float(hi)
    if method == "jeffreys":  # statsmodels has no boundary rule; compare the interior only
        if x == 0:
            lo = 0.0
        if x == n:
            hi = 1.0
    return lo, hi


mp.mp.dps = 40


def mp_z(level):
    return mp.sqrt(2) * mp.erfinv(mp.mpf(level))


def peer_mpmath(method, x, n, level):
    """40-digit evaluation of the closed forms and of the likelihood-ratio roots."""
    L = mp.mpf(level)
    a = 1 - L
    z = mp_z(level)
    N = mp.mpf(n)
    p = mp.mpf(x) / N
    q = 1 - p
    c01 = lambda v: min(mp.mpf(1), max(mp.mpf(0), v))
    if method == "wald":
        d = z * mp.sqrt(p * q / N)
        return c01(p - d), c01(p + d)
    if method == "wald-cc":
        d = z * mp.sqrt(p * q / N) + 1 / (2 * N)
        return c01(p - d), c01(p + d)
    if method == "wilson":
        c = (p + z**2 / (2 * N)) / (1 + z**2 / N)
        d = z / (1 + z**2 / N) * mp.sqrt(p * q / N + z**2 / (4 * N**2))
        return (0 if x == 0 else c - d), (1 if x == n else c + d)
    if method == "wilson-cc":
        den = 2 * (N + z**2)
        lo = 0 if x == 0 else (2 * N * p + z**2 - 1 - z * mp.sqrt(z**2 - 2 - 1 / N + 4 * p * (N * q + 1))) / den
        hi = 1 if x == n else (2 * N * p + z**2 + 1 + z * mp.sqrt(z**2 + 2 - 1 / N + 4 * p * (N * q - 1))) / den
        return lo, hi
    if method == "agresti-coull":
        nt = N + z**2
        pt = (x + z**2 / 2) / nt
        d = z * mp.sqrt(pt * (1 - pt) / nt)
        return c01(pt - d), c01(pt + d)
    if method == "logit":
        if x == 0:
            return 0, 1 - (a / 2) ** (1 / N)
        if x == n:
            return (a / 2) ** (1 / N), 1
        l = mp.log(p / q)
        se = 1 / mp.sqrt(N * p * q)
        return 1 / (1 + mp.exp(-(l - z * se))), 1 / (1 + mp.exp(-(l + z * se)))
    if method == "arcsine":
        t = mp.asin(mp.sqrt(p))
        d = z / (2 * mp.sqrt(N))
        cl = lambda v: min(mp.pi / 2, max(mp.mpf(0), v))
        return mp.sin(cl(t - d)) ** 2, mp.sin(cl(t + d)) ** 2
    if method == "likelihood-ratio":
        c = z**2
        if x == 0:
            return 0, 1 - mp.exp(-c / (2 * N))
        if x == n:
            return mp.exp(-c / (2 * N)), 1
        X = mp.mpf(x)
        D = lambda t: 2 * (X * mp.log(p / t) + (N - X) * mp.log(q / (1 - t))) - c
        lo_d, hi_d = m_likelihood_ratio(x, n, level)
        return mp_bisect(D, lo_d), mp_bisect(D, hi_d)
    return None


def mp_F(k, n, p):
    """P(X <= k) by a finite sum over the shorter side (exact to working precision)."""
    if k < 0:
        return mp.mpf(0)
    if k >= n:
        return mp.mpf(1)
    q = 1 - p
    if k + 1 <= n - k:
        return mp.fsum(mp.binomial(n, i) * p**i * q**(n - i) for i in range(0, k + 1))
    return 1 - mp.fsum(mp.binomial(n, i) * p**i * q**(n - i) for i in range(k + 1, n + 1))


def mp_U(k, n, p):
    """P(X >= k)."""
    return 1 - mp_F(k - 1, n, p)


def mp_pmf(k, n, p):
    return mp.binomial(n, k) * p**k * (1 - p)**(n - k)


def mp_small_enough(method, x, n):
    if method == "blaker":
        return n <= 170
    return n <= 170 or min(x, n - x) <= 2


def peer_mpmath_exact(method, x, n, level):
    """Clopper-Pearson, mid-p and Blaker from 30-digit finite binomial sums
    (n <= 170, or x / n - x within 2 of the boundary; Blaker n <= 170 only)."""
    if method not in ("clopper-pearson", "mid-p", "blaker") or not mp_small_enough(method, x, n):
        return None
    with mp.workdps(30):
        a = 1 - mp.mpf(level)
        h = a / 2
        d_lo, d_hi = IMPL[method](x, n, level)
        lo, hi = mp.mpf(0), mp.mpf(1)
        if method == "clopper-pearson":
            if x > 0:
                lo = mp_bisect(lambda p: mp_U(x, n, p) - h, d_lo, 40)
            if x < n:
                hi = mp_bisect(lambda p: mp_F(x, n, p) - h, d_hi, 40)
        elif method == "mid-p":
            if x > 0:
                lo = mp_bisect(lambda p: mp_U(x + 1, n, p) + mp_pmf(x, n, p) / 2 - h, d_lo, 40)
            if x < n:
                hi = mp_bisect(lambda p: mp_F(x - 1, n, p) + mp_pmf(x, n, p) / 2 - h, d_hi, 40)
        else:  # blaker: same piece structure as m_blaker, all in 30 digits
            if x > 0:
                pl = mp_bisect(lambda p: mp_U(x, n, p) - h, st.beta.ppf(float(h), x, n - x + 1), 40)
                k0 = max([k for k in range(x) if mp_F(k, n, pl) <= h], default=-1)
                bd = root(lambda p: lower_tail(k0 + 1, n, p) - upper_tail(x, n, p), float(pl), x / n)
                b = mp_bisect(lambda p: mp_F(k0 + 1, n, p) - mp_U(x, n, p), bd, 40)
                g = lambda p: mp_U(x, n, p) + mp_F(k0, n, p) - a
                lo = mp_bisect(g, d_lo, 40) if g(b) > 0 else b
            if x < n:
                pu = mp_bisect(lambda p: mp_F(x, n, p) - h, st.beta.isf(float(h), x + 1, n - x), 40)
                j0 = min([j for j in range(x + 1, n + 1) if mp_U(j, n, pu) <= h], default=n + 1)
                bd = root(lambda p: upper_tail(j0 - 1, n, p) - lower_tail(x, n, p), x / n, float(pu))
                b = mp_bisect(lambda p: mp_U(j0 - 1, n, p) - mp_F(x, n, p), bd, 40)
                g = lambda p: mp_F(x, n, p) + mp_U(j0, n, p) - a
                hi = mp_bisect(g, d_hi, 40) if g(b) > 0 else b
        return float(lo), float(hi)


def mp_bisect(f, guess, iters=130):
    g = mp.mpf(guess)
    w = mp.mpf("1e-12")
    while True:
        lo, hi = g * (1 - w), min(g * (1 + w), 1 - mp.mpf(10) ** -(mp.mp.dps - 5))
        if mp.sign(f(lo)) != mp.sign(f(hi)) or f(lo) == 0 or f(hi) == 0:
            break
        w *= 100
        if w > 0.5:
            raise RuntimeError("mp_bisect: no bracket near %r" % guess)
    flo = f(lo)
    for _ in range(iters):
        mid = (lo + hi) / 2
        fm = f(mid)
        if mp.sign(fm) == mp.sign(flo):
            lo, flo = mid, fm
        else:
            hi = mid
    return (lo + hi) / 2


def blaker_accept(x, n, p):
    """Blaker's acceptability function straight from the definition (full pmf)."""
    k = np.arange(n + 1)
    F = st.binom.cdf(k, n, p)
    U = st.binom.sf(k - 1, n, p)
    gam = np.minimum(F, U)
    f = st.binom.pmf(k, n, p)
    return float(f[gam <= gam[x] * (1 + 1e-12)].sum())


def blaker_definition_check(x, n, level, lo, hi):
    """Just inside each bound the point is accepted, just outside (and on a scan from the
    CP bound) it is not. Returns the number of violations."""
    a = 1 - level
    bad = 0
    if x > 0:
        pl = st.beta.ppf(a / 2, x, n - x + 1)
        if blaker_accept(x, n, lo * (1 + 1e-9)) <= a:
            bad += 1
        for p in np.linspace(pl, lo * (1 - 1e-9), 400):
            if p > 0 and blaker_accept(x, n, p) > a:
                bad += 1
                break
    if x < n:
        pu = st.beta.isf(a / 2, x + 1, n - x)
        if blaker_accept(x, n, hi * (1 - 1e-9)) <= a:
            bad += 1
        for p in np.linspace(hi * (1 + 1e-9), pu, 400):
            if p < 1 and blaker_accept(x, n, p) > a:
                bad += 1
                break
    return bad


# --------------------------------------------------------------------- main
def fmt(v):
    return "{:.17g}".format(float(v))


def rel(ref, other):
    ref, other = float(ref), float(other)
    d = abs(ref - other)
    if d == 0:
        return 0.0, 0.0
    return d, (d / abs(ref) if ref != 0 else math.inf)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-r", action="store_true", help="skip the base-R cross-check")
    ap.add_argument("--exactci-dir", default=os.environ.get("EXACTCI_R_DIR", ""),
                    help="directory with exactci's R sources (optional Blaker cross-check)")
    args = ap.parse_args()

    pts = grid_points()
    ref = {}  # (method, x, n, level) -> (lo, hi)
    rows = []
    for method in METHODS:
        for level in LEVELS:
            for (x, n) in pts:
                if not applies(method, n):
                    continue
                lo, hi = IMPL[method](x, n, level)
                assert 0.0 <= lo <= hi <= 1.0, (method, x, n, level, lo, hi)
                ref[(method, x, n, level)] = (lo, hi)
                rows.append((method, x, n, level, lo, hi))
    # stable order: method, n, x, level
    order = {m: i for i, m in enumerate(METHODS)}
    rows.sort(key=lambda r: (order[r[0]], r[2], r[1], r[3]))
    with open(os.path.join(HERE, "ci_reference.csv"), "w", newline="") as fh:
        fh.write("method,x,n,level,lower,upper\n")
        for (m, x, n, lv, lo, hi) in rows:
            fh.write(f"{m},{x},{n},{lv!r},{fmt(lo)},{fmt(hi)}\n")

    # ---- cross-checks
    stats = {}  # (method, peer) -> [count, max_abs, max_rel, worst]

    def record(method, peer, key, lo, hi):
        s = stats.setdefault((method, peer), [0, 0.0, 0.0, None])
        for side, got, want in (("lower", lo, ref[key][0]), ("upper", hi, ref[key][1])):
            s[0] += 1
            d, r = rel(want, got)
            if d > s[1]:
                s[1] = d
            if r > s[2]:
                s[2] = r
                s[3] = (key[1], key[2], key[3], side, float(want), float(got))

    for key in ref:
        method, x, n, level = key
        v = peer_statsmodels(method, x, n, level)
        if v is not None:
            record(method, "statsmodels-" + method, key, *v)
        v = peer_mpmath(method, x, n, level)
        if v is not None:
            record(method, "mpmath-40-digits", key, float(v[0]), float(v[1]))
        v = peer_mpmath_exact(method, x, n, level)
        if v is not None:
            record(method, "mpmath-finite-sums", key, *v)
        if method == "clopper-pearson":
            h = (1 - level) / 2
            record(method, "scipy-beta.ppf/isf", key, 0.0 if x == 0 else st.beta.ppf(h, x, n - x + 1),
                   1.0 if x == n else st.beta.isf(h, x + 1, n - x))
            record(method, "scipy-betaincinv",
                   key, 0.0 if x == 0 else sp.betaincinv(x, n - x + 1, h),
                   1.0 if x == n else sp.betainccinv(x + 1, n - x, h))

    blaker_bad = 0
    blaker_checked = 0
    for key in ref:
        method, x, n, level = key
        if method == "blaker" and n <= 4038:
            blaker_checked += 1
            blaker_bad += blaker_definition_check(x, n, level, *ref[key])

    r_version = None
    if not args.no_r and shutil.which("Rscript"):
        with tempfile.TemporaryDirectory() as td:
            gpath = os.path.join(td, "grid.csv")
            opath = os.path.join(td, "r.csv")
            with open(gpath, "w") as fh:
                fh.write("x,n,level\n")
                for level in LEVELS:
                    for (x, n) in pts:
                        fh.write(f"{x},{n},{level!r}\n")
            cmd = ["Rscript", os.path.join(HERE, "gen_ci_reference.R"), gpath, opath]
            if args.exactci_dir:
                cmd.append(args.exactci_dir)
            out = subprocess.run(cmd, check=True, capture_output=True, text=True)
            r_version = out.stdout.strip().splitlines()[-1]
            with open(opath) as fh:
                for r in csv.DictReader(fh):
                    key = (r["method"], int(r["x"]), int(r["n"]), float(r["level"]))
                    if key not in ref:
                        continue
                    record(r["method"], r["peer"], key, float(r["lower"]), float(r["upper"]))

    counts = {}
    for r in rows:
        counts[r[0]] = counts.get(r[0], 0) + 1

    with open(os.path.join(HERE, "ci_reference.crosscheck.txt"), "w") as fh:
        fh.write("# Distance of each independent peer from ci_reference.csv (both bounds compared).\n")
        fh.write("# rel = |peer - ref| / |ref|; inf means ref is exactly 0/1-clipped and the peer is not.\n")
        fh.write("# worst = (x, n, level, side, ref, peer) at the largest rel.\n")
        fh.write("# Generated by gen_ci_reference.py; see README.md for what each peer is.\n\n")
        fh.write(f"{'method':18} {'peer':26} {'values':>6} {'max_abs':>10} {'max_rel':>10}  worst\n")
        for (m, peer), (cnt, mabs, mrel, worst) in sorted(stats.items(), key=lambda kv: (order[kv[0][0]], kv[0][1])):
            fh.write(f"{m:18} {peer:26} {cnt:6d} {mabs:10.3g} {mrel:10.3g}  {worst if worst else ''}\n")
        fh.write(f"\nblaker definition check (n <= 4038, brute-force acceptability function at bound*(1±1e-9)"
                 f" and a 400-point scan from the CP bound): {blaker_checked} intervals, {blaker_bad} violations\n")
        fh.write("\nrows per method: " + ", ".join(f"{m}={counts.get(m, 0)}" for m in METHODS) + "\n")

    with open(os.path.join(HERE, "ci_reference.versions.txt"), "w") as fh:
        fh.write(f"date: {datetime.date.today().isoformat()}\n")
        fh.write(f"python: {platform.python_version()}\n")
        fh.write(f"numpy: {np.__version__}\n")
        fh.write(f"scipy: {scipy.__version__}\n")
        fh.write(f"statsmodels: {statsmodels.__version__}\n")
        fh.write(f"mpmath: {mp.__version__} (cross-check only)\n")
        fh.write(f"R: {r_version if r_version else 'not run'} (cross-check only)\n")
        if args.exactci_dir and r_version:
            fh.write("exactci: R sources from exactci 1.4-5 (cross-check only)\n")
        fh.write(f"rows: {len(rows)}\n")

    print(f"wrote {len(rows)} rows; " + ", ".join(f"{m}={counts.get(m, 0)}" for m in METHODS))
    print(open(os.path.join(HERE, "ci_reference.crosscheck.txt")).read())


if __name__ == "__main__":
    main()
