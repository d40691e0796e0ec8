#!/usr/bin/env python3
"""Reference values for tally's two-group comparisons, 2x2 tests, r x c tables,
simultaneous multinomial intervals and p-value adjustment.

Writes, next to this file:
  compare_reference.csv             measure,method,x1,n1,x2,n2,level,estimate,lower,upper
  tests2x2_reference.csv            test,x1,n1,x2,n2,statistic,p_value
  rxc_tables.csv                    table_id,row,col,count
  rxc_reference.csv                 table_id,quantity,row,col,value
  simultaneous_reference.csv        method,table_id,level,category,count,lower,upper
  padjust_reference.csv             set_id,method,index,p,adjusted
  compare_reference.versions.txt    library versions and date
  compare_reference.crosscheck.txt  how far each independent peer is from the reference

Run (see README.md):  bash tests/reference/generate.sh
or  python tests/reference/gen_compare_reference.py [--multinomialci-dir DIR]

Rscript (base R) is REQUIRED here: R is the reference for the 2x2 test statistics and
p-values, the r x c quantities and p.adjust (gen_compare_reference.R).
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
import warnings
from fractions import Fraction

import mpmath as mp
import numpy as np
import scipy
import scipy.special as sp
import scipy.stats as st
import statsmodels
from scipy.optimize import brentq
from statsmodels.stats.contingency_tables import Table2x2
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import (confint_proportions_2indep,
                                          multinomial_proportions_confint)

HERE = os.path.dirname(os.path.abspath(__file__))
EPS = np.finfo(float).eps
XTOL = 1e-300
RTOL = 4 * EPS
INF = math.inf

LEVELS = [0.9, 0.95, 0.99]
FIXED_TABLES = [
    (30, 50, 12, 40), (5, 20, 0, 15), (0, 10, 0, 10), (10, 10, 10, 10), (5, 5, 0, 5),
    (0, 5, 5, 5), (1, 2, 1, 2), (3, 1000000, 1, 1000000), (161, 342, 556, 912),
    (47, 120, 30, 110), (1, 10, 9, 10), (7, 25, 14, 30), (200, 1000, 150, 1000),
    (50000, 100000, 49000, 100000),
    # a few more edge shapes: x1 = 0 only, x1 = n1 only, x2 = n2 only
    (0, 8, 3, 12), (12, 12, 9, 15), (4, 9, 6, 6),
]
N_RANDOM = 6
RANDOM_SEED = 20261123


def grid_tables():
    rng = np.random.default_rng(RANDOM_SEED)
    tabs = list(FIXED_TABLES)
    while len(tabs) < len(FIXED_TABLES) + N_RANDOM:
        n1, n2 = (int(v) for v in rng.integers(3, 400, size=2))
        x1, x2 = int(rng.integers(0, n1 + 1)), int(rng.integers(0, n2 + 1))
        if (x1, n1, x2, n2) not in tabs:
            tabs.append((x1, n1, x2, n2))
    return tabs


def zval(level):
    return -sp.ndtri((1.0 - level) / 2.0)


def clip(v, lo, hi):
    return min(hi, max(lo, v))


def root(f, a, b):
    return brentq(f, a, b, xtol=XTOL, rtol=RTOL, maxiter=10_000)


# ===================================================================== A: diff
def wilson(x, n, z):
    """Wilson score interval (no cc); exact 0 at x = 0 and 1 at x = n (scipy's convention)."""
    p = x / n
    den = 1 + z * z / n
    c = (p + z * z / (2 * n)) / den
    d = z / den * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (0.0 if x == 0 else c - d), (1.0 if x == n else c + d)


def diff_newcombe(x1, n1, x2, n2, level):
    z = zval(level)
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson(x1, n1, z)
    l2, u2 = wilson(x2, n2, z)
    d = p1 - p2
    return d, d - math.hypot(p1 - l1, u2 - p2), d + math.hypot(u1 - p1, p2 - l2)


def diff_wald(x1, n1, x2, n2, level):
    z = zval(level)
    p1, p2 = x1 / n1, x2 / n2
    d = p1 - p2
    h = z * math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    return d, clip(d - h, -1.0, 1.0), clip(d + h, -1.0, 1.0)


def diff_agresti_caffo(x1, n1, x2, n2, level):
    z = zval(level)
    q1, q2 = (x1 + 1) / (n1 + 2), (x2 + 1) / (n2 + 2)
    c = q1 - q2
    h = z * math.sqrt(q1 * (1 - q1) / (n1 + 2) + q2 * (1 - q2) / (n2 + 2))
    return x1 / n1 - x2 / n2, clip(c - h, -1.0, 1.0), clip(c + h, -1.0, 1.0)


def _neg_or_pos_inf(count):
    return INF if count > 0 else 0.0


def mle_diff(x1, n1, x2, n2, delta):
    """Restricted MLE (p1~, p2~) under p1 - p2 = delta, |delta| < 1, by brentq on the
    (monotone decreasing) score in p2, S(p2) = x1/p1 - (n1-x1)/(1-p1) + x2/p2 - (n2-x2)/(1-p2),
    with terms whose count is 0 dropped; boundary maximum when S has one sign on the
    feasible range [max(0,-delta), min(1,1-delta)]. (Used to check/polish the cubic.)"""
    if delta == 0:
        p = (x1 + x2) / (n1 + n2)
        return p, p
    lo, hi = max(0.0, -delta), min(1.0, 1.0 - delta)

    def S(p2):
        p1 = p2 + delta
        s = 0.0
        for cnt, p in ((x1, p1), (x2, p2)):
            if cnt > 0:
                s += cnt / p if p > 0 else 1e300
        for cnt, p in ((n1 - x1, p1), (n2 - x2, p2)):
            if cnt > 0:
                s -= cnt / (1 - p) if p < 1 else 1e300
        return clip(s, -1e300, 1e300)

    # exact endpoint values: at lo one of p1, p2 is 0, at hi one of them is 1
    s_lo, s_hi = S(lo), S(hi)
    if s_lo <= 0:
        p2 = lo
    elif s_hi >= 0:
        p2 = hi
    else:
        p2 = root(S, lo, hi)
    return p2 + delta, p2


def mle_diff_cubic(x1, n1, x2, n2, delta):
    """Miettinen-Nurminen (1985) / Farrington-Manning closed form (the trigonometric cubic root)
    for p2~ (MN's group 0 = group 2 here): L3 p^3 + L2 p^2 + L1 p + L0 = 0 with
    L3 = N, L2 = (n1 + 2 n2) d - N - X, L1 = (n2 d - N - 2 x2) d + X, L0 = x2 d (1 - d).
    NB statsmodels <= 0.15 has count0 (x2) instead of nobs0 (n2) in L1: statsmodels issue #10269."""
    if delta == 0:
        p = (x1 + x2) / (n1 + n2)
        return p, p
    N, X = n1 + n2, x1 + x2
    t3 = N
    t2 = (n1 + 2 * n2) * delta - N - X
    t1 = (n2 * delta - N - 2 * x2) * delta + X
    t0 = x2 * delta * (1 - delta)
    qq = (t2 / (3 * t3)) ** 3 - t1 * t2 / (6 * t3 ** 2) + t0 / (2 * t3)
    pp = math.copysign(math.sqrt(max(0.0, (t2 / (3 * t3)) ** 2 - t1 / (3 * t3))), qq)
    if pp == 0:
        p0 = -t2 / (3 * t3)
    else:
        a = (math.pi + math.acos(clip(qq / pp ** 3, -1.0, 1.0))) / 3
        p0 = 2 * pp * math.cos(a) - t2 / (3 * t3)
    return p0 + delta, p0


def mn_var(x1, n1, x2, n2, delta, correction=True):
    if delta >= 1.0:
        v = 0.0
    elif delta <= -1.0:
        v = 0.0
    else:
        q1, q2 = mle_diff(x1, n1, x2, n2, delta)
        v = q1 * (1 - q1) / n1 + q2 * (1 - q2) / n2
    if correction:
        N = n1 + n2
        v *= N / (N - 1)
    return max(v, 0.0)


def diff_mn(x1, n1, x2, n2, level):
    """Miettinen-Nurminen: {delta : |p1 - p2 - delta| <= z sqrt(V(delta))},
    V = [p1~ q1~/n1 + p2~ q2~/n2] * N/(N-1), p~ the restricted MLE.
    upper = root of (d - delta) + z sqrt(V) on (d, 1]; lower = root of (d - delta) - z sqrt(V)
    on [-1, d). At delta = +-1, V = 0, so the function is d -+ 1 and the root is interior
    unless d = +-1 itself, in which case that bound is exactly +-1."""
    z = zval(level)
    d = x1 / n1 - x2 / n2
    gu = lambda t: (d - t) + z * math.sqrt(mn_var(x1, n1, x2, n2, t))
    gl = lambda t: (d - t) - z * math.sqrt(mn_var(x1, n1, x2, n2, t))
    if d >= 1.0:
        hi = 1.0
    else:
        a = d if gu(d) > 0 else d + 1e-12  # V(d) = 0 only when p1, p2 are 0/1; the root is far away
        assert gu(a) > 0
        hi = root(gu, a, 1.0)
    if d <= -1.0:
        lo = -1.0
    else:
        b = d if gl(d) < 0 else d - 1e-12
        assert gl(b) < 0
        lo = root(gl, -1.0, b)
    return d, float(lo), float(hi)


# ===================================================================== A: ratio
def mle_ratio(x1, n1, x2, n2, phi):
    """Restricted MLE under p1 = phi p2 (Koopman; MN): root of N phi p^2 - (n1 phi + x1 + n2 +
    x2 phi) p + (x1 + x2) = 0, the smaller root, written without cancellation."""
    N, X = n1 + n2, x1 + x2
    A = N * phi
    B = n1 * phi + x1 + n2 + x2 * phi
    disc = max(B * B - 4 * A * X, 0.0)
    p2 = 2 * X / (B + math.sqrt(disc)) if X > 0 else 0.0
    return phi * p2, p2


def koopman_var(x1, n1, x2, n2, phi):
    q1, q2 = mle_ratio(x1, n1, x2, n2, phi)
    return max(q1 * (1 - q1) / n1 + phi * phi * q2 * (1 - q2) / n2, 0.0)


def ratio_koopman(x1, n1, x2, n2, level):
    """Koopman score interval, {phi : |p1 - phi p2| <= z sqrt(p1~q1~/n1 + phi^2 p2~q2~/n2)},
    solved in s = log(phi). x1 = 0 -> lower 0; x2 = 0 -> upper inf (the statistic stays
    below z for all phi > p1/p2, checked in the cross-checks); both 0 -> undefined."""
    if x1 == 0 and x2 == 0:
        return None, None, None
    z = zval(level)
    p1, p2 = x1 / n1, x2 / n2
    est = INF if x2 == 0 else p1 / p2
    g = lambda s, sgn: (p1 - math.exp(s) * p2) + sgn * z * math.sqrt(koopman_var(x1, n1, x2, n2, math.exp(s)))
    if x1 == 0:
        lo = 0.0
    else:
        s_hi = math.log(est) if x2 > 0 else 0.0
        if x2 == 0:  # any phi works as a right end where g(-) < 0 ... find one
            while g(s_hi, -1) >= 0:
                s_hi += 1.0
        elif g(s_hi, -1) >= 0:  # V = 0 at the estimate (x1 = n1 and x2 = n2)
            s_hi = s_hi - 1e-6  # (not closer: the quadratic's discriminant cancels there)
            assert g(s_hi, -1) < 0
        s_lo = s_hi - 1.0
        while g(s_lo, -1) <= 0:
            s_lo -= 1.0
        lo = math.exp(root(lambda s: g(s, -1), s_lo, s_hi))
    if x2 == 0:
        hi = INF
    else:
        s_lo = math.log(est) if x1 > 0 else None
        if s_lo is None:
            s_lo = 0.0
            while g(s_lo, +1) <= 0:
                s_lo -= 1.0
        elif g(s_lo, +1) <= 0:
            s_lo = s_lo + 1e-6
            assert g(s_lo, +1) > 0
        s_hi = s_lo + 1.0
        while g(s_hi, +1) >= 0:
            s_hi += 1.0
        hi = math.exp(root(lambda s: g(s, +1), s_lo, s_hi))
    return est, lo, hi


def katz_counts(x1, n1, x2, n2):
    if x1 == 0 or x2 == 0:
        return x1 + 0.5, n1 + 0.5, x2 + 0.5, n2 + 0.5
    return float(x1), float(n1), float(x2), float(n2)


def ratio_katz(x1, n1, x2, n2, level):
    z = zval(level)
    a, m, c, k = katz_counts(x1, n1, x2, n2)
    r = (a / m) / (c / k)
    h = z * math.sqrt(1 / a - 1 / m + 1 / c - 1 / k)
    lr = math.log(r)
    return r, math.exp(lr - h), math.exp(lr + h)


# ===================================================================== A: odds ratio
def woolf_cells(x1, n1, x2, n2):
    cells = [x1, n1 - x1, x2, n2 - x2]
    if min(cells) == 0:
        return [v + 0.5 for v in cells]
    return [float(v) for v in cells]


def or_woolf(x1, n1, x2, n2, level):
    z = zval(level)
    a, b, c, d = woolf_cells(x1, n1, x2, n2)
    lor = math.log(a) - math.log(b) - math.log(c) + math.log(d)
    h = z * math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    return math.exp(lor), math.exp(lor - h), math.exp(lor + h)


class NCHyper:
    """Fisher's noncentral hypergeometric distribution of X = x1 given the margins
    (m = x1 + x2 successes, N - m failures, k = n1 drawn): weights C(m,u) C(N-m,k-u) t^u on
    support lo..hi. log C(m,u) C(N-m,k-u) - log C(m,x) C(N-m,k-x) is evaluated with 30-digit
    mpmath loggamma and rounded once to double, and the tilt is applied as (u - x) s, so each
    weight carries only a few ulp of error even at N = 2e6. (scipy's hypergeom.pmf is off by
    ~1e-10 relative at N = 2e6, which moves the bounds by ~1e-11.)"""

    def __init__(self, x1, n1, x2, n2):
        self.x = x1
        m, N, k = x1 + x2, n1 + n2, n1
        self.lo, self.hi = max(0, k - (N - m)), min(k, m)
        u = np.arange(self.lo, self.hi + 1)
        with mp.workdps(30):
            lg = lambda v: mp.loggamma(v + 1)
            c0 = lg(m) + lg(N - m)
            f = lambda uu: c0 - lg(uu) - lg(m - uu) - lg(k - uu) - lg(N - m - k + uu)
            fx = f(x1)
            self.logd = np.array([float(f(int(uu)) - fx) for uu in u])
        self.du = (u - x1).astype(float)
        self.x_lo_side = u <= x1
        self.x_hi_side = u >= x1

    def weights(self, s):
        e = self.logd + s * self.du
        e -= e.max()
        return np.exp(e)

    def mean_minus_x(self, s):
        w = self.weights(s)
        return float(np.dot(self.du, w) / w.sum())

    def lower_tail(self, s):  # P_t(X <= x)
        w = self.weights(s)
        return float(w[self.x_lo_side].sum() / w.sum())

    def upper_tail(self, s):  # P_t(X >= x)
        w = self.weights(s)
        return float(w[self.x_hi_side].sum() / w.sum())


def bracket_root(f, s0=0.0, step=1.0):
    """root of a monotone f(s) by brentq, bracket grown from s0 +- step, doubling the step"""
    a, b = s0 - step, s0 + step
    fa, fb = f(a), f(b)
    step *= 2.0
    while (fa > 0) == (fb > 0):
        a, b = a - step, b + step
        fa, fb = f(a), f(b)
        step *= 2
        if step > 1e4:
            raise RuntimeError("bracket_root: no sign change")
    return root(f, a, b)


def or_exact(x1, n1, x2, n2, level):
    """Conditional MLE and Cornfield exact interval, R fisher.test conventions:
    x == lo -> estimate 0 and lower 0; x == hi -> estimate inf and upper inf; the estimate
    test comes first, so a degenerate support (lo == hi) gives estimate 0, CI [0, inf].
    lower: P_t(X >= x) = alpha/2; upper: P_t(X <= x) = alpha/2; MLE: E_t[X] = x; all solved
    in s = log t by brentq to 4 eps."""
    h = NCHyper(x1, n1, x2, n2)
    a = (1 - level) / 2
    x = x1
    # start the bracket search at the Woolf (Haldane) log odds ratio, in steps of its SE
    # (far-off t would put the mass where scipy's hypergeom pmf has underflowed)
    cells = woolf_cells(x1, n1, x2, n2)
    s0 = math.log(cells[0]) - math.log(cells[1]) - math.log(cells[2]) + math.log(cells[3])
    se = math.sqrt(sum(1 / c for c in cells))
    s_or = s0
    if x == h.lo:
        est = 0.0
    elif x == h.hi:
        est = INF
    else:
        s_or = bracket_root(h.mean_minus_x, s0, se)
        est = math.exp(s_or)
    lo = 0.0 if x == h.lo else math.exp(bracket_root(lambda s: h.upper_tail(s) - a, s_or, se))
    hi = INF if x == h.hi else math.exp(bracket_root(lambda s: h.lower_tail(s) - a, s_or, se))
    return est, lo, hi


METHODS_A = [
    ("diff", "newcombe", diff_newcombe), ("diff", "wald", diff_wald),
    ("diff", "agresti-caffo", diff_agresti_caffo), ("diff", "miettinen-nurminen", diff_mn),
    ("ratio", "koopman", ratio_koopman), ("ratio", "katz", ratio_katz),
    ("odds-ratio", "woolf", or_woolf), ("odds-ratio", "exact", or_exact),
]


# ===================================================================== A: peers
_SM_PATCHED = None


def statsmodels_patched():
    """statsmodels.stats.proportion with the one-token fix of statsmodels issue #10269 / PR #10270
    (nobs0 instead of count0 in the linear coefficient of the MN cubic), loaded as a separate
    module. Used only as a cross-check peer for miettinen-nurminen."""
    global _SM_PATCHED
    if _SM_PATCHED is None:
        import inspect
        import types
        import statsmodels.stats.proportion as smp
        src = inspect.getsource(smp)
        bad = "tmp1 = (count0 * diff - nobs - 2 * count0) * diff + count"
        assert src.count(bad) == 1, "statsmodels source changed; revisit the patched peer"
        src = src.replace(bad, "tmp1 = (nobs0 * diff - nobs - 2 * count0) * diff + count")
        mod = types.ModuleType("statsmodels_proportion_patched")
        sys.modules[mod.__name__] = mod
        exec(compile(src, smp.__file__ + " (patched)", "exec"), mod.__dict__)
        _SM_PATCHED = mod
    return _SM_PATCHED


def peer_statsmodels_mn_patched(x1, n1, x2, n2, level):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            lo, hi = statsmodels_patched().confint_proportions_2indep(
                x1, n1, x2, n2, method="score", compare="diff", alpha=1 - level, correction=True)
            return float(lo), float(hi)
        except Exception as e:  # noqa: BLE001
            return ("error", type(e).__name__ + ": " + str(e)[:60])


def peer_statsmodels_a(measure, method, x1, n1, x2, n2, level):
    alpha = 1 - level
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if measure == "diff":
                sm = {"newcombe": "newcomb", "wald": "wald", "agresti-caffo": "agresti-caffo",
                      "miettinen-nurminen": "score"}[method]
                lo, hi = confint_proportions_2indep(x1, n1, x2, n2, method=sm, compare="diff",
                                                    alpha=alpha, correction=True)
                if method in ("wald", "agresti-caffo"):  # statsmodels does not clip
                    lo, hi = clip(float(lo), -1, 1), clip(float(hi), -1, 1)
                return float(lo), float(hi)
            if measure == "ratio":
                if method == "koopman":
                    lo, hi = confint_proportions_2indep(x1, n1, x2, n2, method="score", compare="ratio",
                                                        alpha=alpha, correction=False)
                else:
                    sm = "log-adjusted" if (x1 == 0 or x2 == 0) else "log"
                    lo, hi = confint_proportions_2indep(x1, n1, x2, n2, method=sm, compare="ratio", alpha=alpha)
                return float(np.real(lo)), float(np.real(hi))
            if measure == "odds-ratio" and method == "woolf":
                t = Table2x2(np.array(woolf_cells(x1, n1, x2, n2)).reshape(2, 2), shift_zeros=False)
                lo, hi = t.oddsratio_confint(alpha)
                return float(lo), float(hi)
        except Exception as e:  # noqa: BLE001
            return ("error", type(e).__name__ + ": " + str(e)[:60])
    return None


mp.mp.dps = 40


def mp_z(level):
    return mp.sqrt(2) * mp.erfinv(mp.mpf(level))


def mp_bisect_bracket(f, a, b, iters=150):
    a, b = mp.mpf(a), mp.mpf(b)
    fa = f(a)
    fb = f(b)
    if fa == 0:
        return a
    if fb == 0:
        return b
    assert mp.sign(fa) != mp.sign(fb), ("mp_bisect_bracket", a, b, fa, fb)
    for _ in range(iters):
        m = (a + b) / 2
        fm = f(m)
        if fm == 0:
            return m
        if mp.sign(fm) == mp.sign(fa):
            a, fa = m, fm
        else:
            b = m
    return (a + b) / 2


def mp_near(f, guess, lo_lim, hi_lim, w0=1e-10, floor=1e-3):
    """bisection root of f in a bracket grown around a double-precision guess
    (half-width w * max(|guess|, floor))"""
    g = mp.mpf(guess)
    w = mp.mpf(w0)
    while True:
        a = max(mp.mpf(lo_lim), g - w * max(abs(g), mp.mpf(floor)))
        b = min(mp.mpf(hi_lim), g + w * max(abs(g), mp.mpf(floor)))
        fa, fb = f(a), f(b)
        if fa == 0 or fb == 0 or mp.sign(fa) != mp.sign(fb):
            return mp_bisect_bracket(f, a, b)
        w *= 100
        if w > 10:
            raise RuntimeError("mp_near: no bracket near %r" % guess)


def mp_mle_diff(x1, n1, x2, n2, delta):
    """restricted MLE under p1 - p2 = delta by bisection on the log-likelihood score (40 digits),
    independent of the cubic"""
    delta = mp.mpf(delta)
    if delta == 0:
        p = mp.mpf(x1 + x2) / (n1 + n2)
        return p, p
    lo, hi = max(mp.mpf(0), -delta), min(mp.mpf(1), 1 - delta)

    def S(p2):
        p1 = p2 + delta
        s = mp.mpf(0)
        big = mp.mpf(10) ** 200
        for cnt, p in ((x1, p1), (x2, p2)):
            if cnt > 0:
                s += cnt / p if p > 0 else big
        for cnt, p in ((n1 - x1, p1), (n2 - x2, p2)):
            if cnt > 0:
                s -= cnt / (1 - p) if p < 1 else big
        return s

    if S(lo) <= 0:
        p2 = lo
    elif S(hi) >= 0:
        p2 = hi
    else:
        p2 = mp_bisect_bracket(S, lo, hi, iters=140)
    return p2 + delta, p2


def mp_diff(method, x1, n1, x2, n2, level, ref):
    z = mp_z(level)
    N1, N2 = mp.mpf(n1), mp.mpf(n2)
    p1, p2 = x1 / N1, x2 / N2
    d = p1 - p2
    c = lambda v: min(mp.mpf(1), max(mp.mpf(-1), v))
    if method == "wald":
        h = z * mp.sqrt(p1 * (1 - p1) / N1 + p2 * (1 - p2) / N2)
        return d, c(d - h), c(d + h)
    if method == "agresti-caffo":
        q1, q2 = (x1 + 1) / (N1 + 2), (x2 + 1) / (N2 + 2)
        h = z * mp.sqrt(q1 * (1 - q1) / (N1 + 2) + q2 * (1 - q2) / (N2 + 2))
        return d, c(q1 - q2 - h), c(q1 - q2 + h)
    if method == "newcombe":
        def w(x, n):
            n = mp.mpf(n)
            p = x / n
            den = 1 + z * z / n
            cc = (p + z * z / (2 * n)) / den
            dd = z / den * mp.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
            return cc - dd, cc + dd
        l1, u1 = w(x1, n1)
        l2, u2 = w(x2, n2)
        return d, d - mp.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + mp.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    if method == "miettinen-nurminen":
        NN = mp.mpf(n1 + n2)

        def V(t):
            if abs(t) >= 1:
                return mp.mpf(0)
            q1, q2 = mp_mle_diff(x1, n1, x2, n2, t)
            return (q1 * (1 - q1) / N1 + q2 * (1 - q2) / N2) * NN / (NN - 1)
        _, rlo, rhi = ref
        lo = mp.mpf(-1) if rlo == -1 else mp_near(lambda t: (d - t) - z * mp.sqrt(V(t)), rlo, -1, d)
        hi = mp.mpf(1) if rhi == 1 else mp_near(lambda t: (d - t) + z * mp.sqrt(V(t)), rhi, d, 1)
        return d, lo, hi
    return None


def mp_mle_ratio(x1, n1, x2, n2, phi):
    """restricted MLE under p1 = phi p2 by bisection on the score (40 digits)"""
    phi = mp.mpf(phi)
    hi = min(mp.mpf(1), 1 / phi)

    def S(p):
        s = mp.mpf(0)
        big = mp.mpf(10) ** 200
        if x1 + x2 > 0:
            s += (x1 + x2) / p if p > 0 else big
        if n1 - x1 > 0:
            s -= (n1 - x1) * phi / (1 - phi * p) if phi * p < 1 else big
        if n2 - x2 > 0:
            s -= (n2 - x2) / (1 - p) if p < 1 else big
        return s

    if S(hi) >= 0:
        p = hi
    else:
        p = mp_bisect_bracket(S, 0, hi, iters=140)
    return phi * p, p


def mp_ratio(method, x1, n1, x2, n2, level, ref):
    z = mp_z(level)
    if method == "katz":
        a, m, c, k = (mp.mpf(v) for v in katz_counts(x1, n1, x2, n2))
        r = (a / m) / (c / k)
        h = z * mp.sqrt(1 / a - 1 / m + 1 / c - 1 / k)
        return r, r * mp.exp(-h), r * mp.exp(h)
    if method == "koopman":
        if x1 == 0 and x2 == 0:
            return None
        # Koopman's own chi-square form: U(phi) = sum (x_i - n_i p_i~)^2 / (n_i p_i~ q_i~) <= z^2
        def U(phi):
            q1, q2 = mp_mle_ratio(x1, n1, x2, n2, phi)
            u = mp.mpf(0)
            for x, n, q in ((x1, n1, q1), (x2, n2, q2)):
                v = n * q * (1 - q)
                if v == 0:
                    if x != n * q:
                        return mp.inf
                    continue
                u += (x - n * q) ** 2 / v
            return u - z * z
        est, rlo, rhi = ref
        lo = mp.mpf(0) if rlo == 0 else mp_near(U, rlo, mp.mpf(10) ** -300, est if est != INF else 10 ** 300, floor=1e-300)
        hi = mp.inf if rhi == INF else mp_near(U, rhi, est, mp.mpf(10) ** 300, floor=1e-300)
        return est, lo, hi
    return None


def mp_or(method, x1, n1, x2, n2, level, ref):
    z = mp_z(level)
    if method == "woolf":
        a, b, c, d = (mp.mpf(v) for v in woolf_cells(x1, n1, x2, n2))
        r = a * d / (b * c)
        h = z * mp.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
        return r, r * mp.exp(-h), r * mp.exp(h)
    if method == "exact":
        m, N, k = x1 + x2, n1 + n2, n1
        lo_s, hi_s = max(0, k - (N - m)), min(k, m)
        if hi_s - lo_s > 5000:
            return None
        us = list(range(lo_s, hi_s + 1))
        # log C(m,u) + log C(N-m, k-u), 50 digits (loggamma is exact enough at this precision)
        with mp.workdps(50):
            lc = [mp.loggamma(m + 1) - mp.loggamma(u + 1) - mp.loggamma(m - u + 1)
                  + mp.loggamma(N - m + 1) - mp.loggamma(k - u + 1) - mp.loggamma(N - m - k + u + 1) for u in us]
        top = max(lc)
        lc = [v - top for v in lc]
        x = x1
        alpha2 = (1 - mp.mpf(level)) / 2

        def wts(s):
            e = [l + s * u for l, u in zip(lc, us)]
            t = max(e)
            return [mp.exp(v - t) for v in e]

        def mean_minus_x(s):
            w = wts(s)
            return mp.fsum((u - x) * wi for u, wi in zip(us, w)) / mp.fsum(w)

        def upper(s):
            w = wts(s)
            return mp.fsum(wi for u, wi in zip(us, w) if u >= x) / mp.fsum(w) - alpha2

        def lower(s):
            w = wts(s)
            return mp.fsum(wi for u, wi in zip(us, w) if u <= x) / mp.fsum(w) - alpha2
        est, rlo, rhi = ref
        e = est if est in (0.0, INF) else mp.exp(mp_near(mean_minus_x, math.log(est), -800, 800, 1e-9, floor=1.0))
        lo = mp.mpf(0) if rlo == 0 else mp.exp(mp_near(upper, math.log(rlo), -800, 800, 1e-9, floor=1.0))
        hi = mp.inf if rhi == INF else mp.exp(mp_near(lower, math.log(rhi), -800, 800, 1e-9, floor=1.0))
        return e, lo, hi
    return None


def peer_nchypergeom(x1, n1, x2, n2, level):
    """scipy.stats.nchypergeom_fisher (BiasedUrn code) with brentq; a different pmf/cdf."""
    m, N, k = x1 + x2, n1 + n2, n1
    lo_s, hi_s = max(0, k - (N - m)), min(k, m)
    x = x1
    a = (1 - level) / 2
    d = lambda s: st.nchypergeom_fisher(N, m, k, math.exp(s))
    if lo_s == hi_s:
        return 0.0, 0.0, INF
    est = 0.0 if x == lo_s else INF if x == hi_s else math.exp(bracket_root(lambda s: d(s).mean() - x))
    lo = 0.0 if x == lo_s else math.exp(bracket_root(lambda s: d(s).sf(x - 1) - a))
    hi = INF if x == hi_s else math.exp(bracket_root(lambda s: d(s).cdf(x) - a))
    return est, lo, hi


def koopman_scan(x1, n1, x2, n2, level, est, lo, hi):
    """Sanity of the score interval: |Z| <= z inside (30 log-spaced points), > z just outside;
    for x2 = 0 check phi up to 1e12 * est-ish is accepted. Returns #violations."""
    z = zval(level)
    p1, p2 = x1 / n1, x2 / n2
    Z = lambda phi: abs(p1 - phi * p2) / math.sqrt(koopman_var(x1, n1, x2, n2, phi)) if koopman_var(x1, n1, x2, n2, phi) > 0 else 0.0
    bad = 0
    a = lo if lo > 0 else (hi if hi != INF else 1.0) * 1e-12
    b = hi if hi != INF else a * 1e24
    for phi in np.geomspace(a * (1 + 1e-9), b * (1 - 1e-9), 30):
        if Z(phi) > z * (1 + 1e-9):
            bad += 1
    if lo > 0 and Z(lo * (1 - 1e-6)) <= z:
        bad += 1
    if hi != INF and Z(hi * (1 + 1e-6)) <= z:
        bad += 1
    return bad


def mn_scan(x1, n1, x2, n2, level, lo, hi):
    z = zval(level)
    d = x1 / n1 - x2 / n2
    bad = 0
    for t in np.linspace(lo, hi, 41)[1:-1]:
        v = mn_var(x1, n1, x2, n2, t)
        if abs(d - t) > z * math.sqrt(v) * (1 + 1e-9) + 1e-15:
            bad += 1
    for t, inside in ((lo - 1e-6, False), (hi + 1e-6, False)):
        if -1 < t < 1 and abs(d - t) <= z * math.sqrt(mn_var(x1, n1, x2, n2, t)):
            bad += 1
    return bad


# ===================================================================== B: 2x2 tests (peers)
def exact_chisq(x1, n1, x2, n2, yates):
    """Pearson X^2 in exact rationals; Yates: |O-E| reduced by min(1/2, |O-E|)."""
    O = [[x1, n1 - x1], [x2, n2 - x2]]
    R = [n1, n2]
    C = [x1 + x2, n1 + n2 - x1 - x2]
    N = n1 + n2
    if 0 in C:
        return None
    X = Fraction(0)
    for i in range(2):
        for j in range(2):
            E = Fraction(R[i] * C[j], N)
            dlt = abs(O[i][j] - E)
            if yates:
                dlt -= min(Fraction(1, 2), dlt)
            X += dlt * dlt / E
    return X


def mp_chisq_p1(X):
    with mp.workdps(40):
        return mp.erfc(mp.sqrt(mp.mpf(X.numerator) / X.denominator / 2))


def exact_fisher_p(x1, n1, x2, n2):
    """two-sided Fisher p as R: sum of P(u) over u with P(u) <= P(x) (1 + 1e-7), exact integers"""
    m, N, k = x1 + x2, n1 + n2, n1
    lo, hi = max(0, k - (N - m)), min(k, m)
    if hi - lo > 20000 or N > 300000:
        return None
    w = {u: math.comb(m, u) * math.comb(N - m, k - u) for u in range(lo, hi + 1)}
    thr = Fraction(w[x1]) * (1 + Fraction(1, 10 ** 7))
    num = sum(v for v in w.values() if v <= thr)
    return Fraction(num, math.comb(N, k))


# ===================================================================== C: r x c
RXC_TABLES = {
    "treatment-3x3": [[270, 584, 1708], [310, 1330, 425], [1900, 1290, 260]],
    "site-3x2": [[12, 38], [25, 25], [30, 20]],
    "zero-cell-2x4": [[0, 5, 12, 8], [4, 9, 6, 11]],
    "small-4x3": [[1, 3, 2], [0, 2, 4], [3, 1, 1], [2, 2, 0]],
    "same-as-2x2": [[30, 20], [12, 28]],
}


def mp_rxc(tab):
    """exact-rational Pearson / expected / stdres, 40-digit G and tail probabilities"""
    r, c = len(tab), len(tab[0])
    R = [sum(row) for row in tab]
    C = [sum(tab[i][j] for i in range(r)) for j in range(c)]
    N = sum(R)
    X = Fraction(0)
    out = {}
    with mp.workdps(40):
        G = mp.mpf(0)
        for i in range(r):
            for j in range(c):
                E = Fraction(R[i] * C[j], N)
                X += (tab[i][j] - E) ** 2 / E
                if tab[i][j] > 0:
                    G += 2 * tab[i][j] * mp.log(tab[i][j] / (mp.mpf(E.numerator) / E.denominator))
                V = E * (1 - Fraction(R[i], N)) * (1 - Fraction(C[j], N))
                out[("stdres", i + 1, j + 1)] = (tab[i][j] - E) / mp.sqrt(mp.mpf(V.numerator) / V.denominator)
        df = (r - 1) * (c - 1)
        Xm = mp.mpf(X.numerator) / X.denominator
        out[("pearson_statistic", "", "")] = Xm
        out[("pearson_df", "", "")] = mp.mpf(df)
        out[("pearson_p", "", "")] = mp.gammainc(mp.mpf(df) / 2, Xm / 2, mp.inf, regularized=True)
        out[("g_statistic", "", "")] = G
        out[("g_p", "", "")] = mp.gammainc(mp.mpf(df) / 2, G / 2, mp.inf, regularized=True)
        out[("cramers_v", "", "")] = mp.sqrt(Xm / (N * (min(r, c) - 1)))
    return out


def scipy_rxc(tab):
    t = np.array(tab)
    res = st.chi2_contingency(t, correction=False)
    g = st.chi2_contingency(t, correction=False, lambda_="log-likelihood")
    out = {("pearson_statistic", "", ""): res.statistic, ("pearson_df", "", ""): res.dof,
           ("pearson_p", "", ""): res.pvalue, ("g_statistic", "", ""): g.statistic,
           ("g_p", "", ""): g.pvalue,
           ("cramers_v", "", ""): st.contingency.association(t, method="cramer", correction=False)}
    E = res.expected_freq
    N = t.sum()
    rs, cs = t.sum(1), t.sum(0)
    for i in range(t.shape[0]):
        for j in range(t.shape[1]):
            out[("stdres", i + 1, j + 1)] = (t[i, j] - E[i, j]) / math.sqrt(E[i, j] * (1 - rs[i] / N) * (1 - cs[j] / N))
    return out


# ===================================================================== D: simultaneous
SIM_TABLES = {
    "treatment-3": [270, 584, 1708],
    "small-3": [5, 10, 20],
    "zero-3": [0, 3, 7],
    "skewed-3": [1, 1, 98],
    "survey-3": [40, 350, 610],
}


def sim_ref(method, counts, level):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = multinomial_proportions_confint(counts, alpha=1 - level, method=method)
    return [(float(a), float(b)) for a, b in r]


def mp_goodman(counts, level):
    k = len(counts)
    n = sum(counts)
    with mp.workdps(40):
        a = 1 - mp.mpf(level)
        chi2 = (mp.sqrt(2) * mp.erfinv(1 - a / k)) ** 2  # chi2_1 quantile at 1 - a/k
        out = []
        for x in counts:
            p = mp.mpf(x) / n
            dl = mp.sqrt(chi2 ** 2 + 4 * n * p * chi2 * (1 - p))
            out.append(((2 * n * p + chi2 - dl) / (2 * (chi2 + n)), (2 * n * p + chi2 + dl) / (2 * (chi2 + n))))
        return out


def mp_sison_glaz(counts, level, dps=40):
    """statsmodels' Sison-Glaz algorithm step for step, in `dps` digits (tells how much of
    the double result is rounding). Poisson cdf from the regularized upper gamma."""
    with mp.workdps(dps):
        n = sum(counts)
        alpha = 1 - mp.mpf(level)

        def cdf(a, lam):
            if a < 0:
                return mp.mpf(0)
            if lam == 0:
                return mp.mpf(1)
            return mp.gammainc(a + 1, lam, mp.inf, regularized=True)

        def pint(b, a, lam):
            return cdf(a, lam) - cdf(b - 1, lam)

        def fmom(b, a, r, lam):
            return mp.mpf(lam) ** r * (1 - (pint(a - r + 1, a, lam) - pint(b - r, b - 1, lam)) / pint(b, a, lam))

        def nu(c):
            iv = [(max(x - c, 0), min(x + c, n)) for x in counts]
            mus = [[fmom(b, a, r, x) for (b, a), x in zip(iv, counts)] for r in range(1, 5)]
            m1, m2, m3, m4 = mus
            mu = m1
            mu2 = [m2[i] + mu[i] - mu[i] ** 2 for i in range(len(counts))]
            mu3 = [m3[i] + m2[i] * (3 - 3 * mu[i]) + mu[i] - 3 * mu[i] ** 2 + 2 * mu[i] ** 3 for i in range(len(counts))]
            mu4 = [m4[i] + m3[i] * (6 - 4 * mu[i]) + m2[i] * (7 - 12 * mu[i] + 6 * mu[i] ** 2) + mu[i]
                   - 4 * mu[i] ** 2 + 6 * mu[i] ** 3 - 3 * mu[i] ** 4 for i in range(len(counts))]
            s2 = mp.fsum(mu2)
            g1 = mp.fsum(mu3) / s2 ** 1.5
            g2 = (mp.fsum(mu4) - 3 * mp.fsum(v ** 2 for v in mu2)) / s2 ** 2
            x = (n - mp.fsum(mu)) / mp.sqrt(s2)
            phi = mp.exp(-x ** 2 / 2) / mp.sqrt(2 * mp.pi)
            H3, H4, H6 = x ** 3 - 3 * x, x ** 4 - 6 * x ** 2 + 3, x ** 6 - 15 * x ** 4 + 45 * x ** 2 - 15
            f = phi * (1 + g1 * H3 / 6 + g2 * H4 / 24 + g1 ** 2 * H6 / 72) / mp.sqrt(s2)
            prod = mp.mpf(1)
            for (b, a), x_ in zip(iv, counts):
                prod *= pint(b, a, x_)
            pmf_nn = mp.exp(n * mp.log(n) - n - mp.loggamma(n + 1))
            return prod * f / pmf_nn

        c = 0
        nuc = mp.mpf(0)
        nucp1 = nu(c + 1) if c + 1 < n else mp.mpf(1)
        while not (nuc <= 1 - alpha < nucp1):
            c += 1
            nuc = nucp1
            nucp1 = nu(c + 1) if c + 1 < n else mp.mpf(1)
        g = (1 - alpha - nuc) / (nucp1 - nuc)
        out = [(max(mp.mpf(x) / n - mp.mpf(c) / n, 0), min(mp.mpf(x) / n + (c + 2 * g) / n, 1)) for x in counts]
        return out, c, g


# ===================================================================== E: p.adjust
PADJUST_SETS = {
    "increasing-5": [0.01, 0.02, 0.03, 0.04, 0.05],
    "ties": [0.01, 0.01, 0.03, 0.03, 0.2, 0.01],
    "ones": [1.0, 1.0, 0.5, 0.04],
    "tiny": [1e-300, 5e-10, 2.2e-16, 0.3, 0.0],
    "single": [0.03],
    "unsorted-7": [0.2, 0.001, 0.04, 0.5, 0.04, 0.01, 0.9],
    "all-large": [0.6, 0.7, 0.8, 0.95],
    "bh-step-up": [0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216],
}


def padjust_sets():
    sets = dict(PADJUST_SETS)
    rng = np.random.default_rng(RANDOM_SEED)
    sets["random-20"] = [float(v) for v in np.round(rng.beta(0.5, 3.0, size=20), 6)]
    return sets


def own_padjust(p, method):
    """straight transcription of R's p.adjust in exact rationals (then rounded once)"""
    n = len(p)
    P = [Fraction(v) for v in p]
    if method == "bonferroni":
        return [min(Fraction(1), n * v) for v in P]
    if method == "holm":
        o = sorted(range(n), key=lambda i: (P[i], i))
        out = [None] * n
        run = Fraction(0)
        for rank, i in enumerate(o, start=1):
            run = max(run, (n - rank + 1) * P[i])
            out[i] = min(Fraction(1), run)
        return out
    if method == "BH":
        o = sorted(range(n), key=lambda i: (P[i], i), reverse=True)
        out = [None] * n
        run = None
        for j, i in enumerate(o):
            rank = n - j
            v = Fraction(n, rank) * P[i]
            run = v if run is None else min(run, v)
            out[i] = min(Fraction(1), run)
        return out
    raise ValueError(method)


# ===================================================================== output helpers
def fmt(v):
    if v is None:
        return ""
    v = float(v)
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if math.isnan(v):
        return ""
    return "{:.17g}".format(v)


def rparse(s):
    if s in ("NA", "NaN", ""):
        return None
    if s == "Inf":
        return INF
    if s == "-Inf":
        return -INF
    return float(s)


class Stats:
    def __init__(self):
        self.s = {}

    def add(self, group, peer, key, want, got):
        s = self.s.setdefault((group, peer), [0, 0.0, 0.0, None, 0])
        if want is None and got is None:
            s[0] += 1
            return
        if want is None or got is None:
            s[0] += 1
            s[4] += 1
            if s[2] != INF:
                s[2] = INF
                s[3] = key + ("ref" if want is None else "peer", "undefined", want, got)
            return
        want, got = float(want), float(got)
        s[0] += 1
        if want == got:
            return
        if math.isinf(want) or math.isinf(got) or math.isnan(got):
            d, r = INF, INF
        else:
            d = abs(want - got)
            r = d / abs(want) if want != 0 else INF
        if d > s[1]:
            s[1] = d
        if r > s[2] or s[3] is None:
            s[2] = max(s[2], r)
            s[3] = key + (want, got)

    def write(self, fh, order=None):
        fh.write(f"{'quantity':34} {'peer':28} {'values':>6} {'max_abs':>10} {'max_rel':>10}  worst\n")
        for (g, peer), (cnt, mabs, mrel, worst, und) in sorted(self.s.items(), key=lambda kv: (order(kv[0][0]) if order else kv[0][0], kv[0][1])):
            u = f" [{und} undefined-vs-defined]" if und else ""
            fh.write(f"{g:34} {peer:28} {cnt:6d} {mabs:10.3g} {mrel:10.3g}  {worst if worst else ''}{u}\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--multinomialci-dir", default=os.environ.get("MULTINOMIALCI_R_DIR", ""),
                    help="directory with MultinomialCI's R sources (optional Sison-Glaz peer)")
    ap.add_argument("--no-mp", action="store_true", help="skip the (slow) mpmath cross-checks")
    args = ap.parse_args()
    if not shutil.which("Rscript"):
        sys.exit("Rscript is required (apt-get install -y --no-install-recommends r-base-core)")

    tables = grid_tables()
    st_ = Stats()
    notes = []

    # ------------------------------------------------------------ R
    td = tempfile.mkdtemp(prefix="tally-ref-")
    with open(os.path.join(td, "grid2x2.csv"), "w") as fh:
        fh.write("x1,n1,x2,n2\n")
        for t in tables:
            fh.write("%d,%d,%d,%d\n" % t)
    with open(os.path.join(td, "levels.csv"), "w") as fh:
        fh.write("level\n" + "".join(f"{lv!r}\n" for lv in LEVELS))
    with open(os.path.join(td, "rxc.csv"), "w") as fh:
        fh.write("table_id,row,col,count\n")
        for tid, tab in RXC_TABLES.items():
            for i, row in enumerate(tab, 1):
                for j, v in enumerate(row, 1):
                    fh.write(f"{tid},{i},{j},{v}\n")
    psets = padjust_sets()
    with open(os.path.join(td, "padjust.csv"), "w") as fh:
        fh.write("set_id,index,p\n")
        for sid, ps in psets.items():
            for i, p in enumerate(ps, 1):
                fh.write(f"{sid},{i},{p!r}\n")
    with open(os.path.join(td, "sg.csv"), "w") as fh:
        fh.write("table_id,category,count\n")
        for tid, cs in SIM_TABLES.items():
            for j, v in enumerate(cs, 1):
                fh.write(f"{tid},{j},{v}\n")
    cmd = ["Rscript", os.path.join(HERE, "gen_compare_reference.R"), td, td]
    if args.multinomialci_dir:
        cmd.append(args.multinomialci_dir)
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    r_version = out.stdout.strip().splitlines()[-1].strip()
    rd = lambda name: list(csv.DictReader(open(os.path.join(td, name))))
    r2x2 = {(int(r["x1"]), int(r["n1"]), int(r["x2"]), int(r["n2"])): r for r in rd("r_2x2.csv")}
    rfish = {}
    for r in rd("r_fisher_ci.csv"):
        rfish[(r["peer"], int(r["x1"]), int(r["n1"]), int(r["x2"]), int(r["n2"]), float(r["level"]))] = \
            (rparse(r["estimate"]), rparse(r["lower"]), rparse(r["upper"]))
    rrxc = rd("r_rxc.csv")
    rpadj = rd("r_padjust.csv")
    rsg = rd("r_sg.csv") if args.multinomialci_dir else []

    # ------------------------------------------------------------ A
    rowsA = []
    refA = {}
    scan_bad = {"miettinen-nurminen": 0, "koopman": 0}
    scan_n = {"miettinen-nurminen": 0, "koopman": 0}
    for measure, method, fn in METHODS_A:
        for t in tables:
            for level in LEVELS:
                est, lo, hi = fn(*t, level)
                refA[(measure, method) + t + (level,)] = (est, lo, hi)
                rowsA.append((measure, method) + t + (level, est, lo, hi))
                if lo is not None:
                    assert lo <= hi, (measure, method, t, level, lo, hi)
                    if est is not None and method != "agresti-caffo":
                        assert lo <= est <= hi, (measure, method, t, level, est, lo, hi)
    with open(os.path.join(HERE, "compare_reference.csv"), "w") as fh:
        fh.write("measure,method,x1,n1,x2,n2,level,estimate,lower,upper\n")
        for (ms, m, x1, n1, x2, n2, lv, e, lo, hi) in rowsA:
            fh.write(f"{ms},{m},{x1},{n1},{x2},{n2},{lv!r},{fmt(e)},{fmt(lo)},{fmt(hi)}\n")

    # peers for A
    for key, (est, lo, hi) in refA.items():
        measure, method, x1, n1, x2, n2, level = key
        t = (x1, n1, x2, n2)
        g = f"{measure}/{method}"
        kk = t + (level,)
        # internal consistency: the cubic restricted MLE vs the brentq one at the bounds
        if method == "miettinen-nurminen":
            for side, b in (("lower", lo), ("upper", hi)):
                if abs(b) < 1:
                    q = mle_diff(*t, b)
                    c = mle_diff_cubic(*t, b)
                    st_.add(g + " (restricted MLE p2~)", "closed-form-cubic", kk + (side,), q[1], c[1])
            scan_n[method] += 1
            scan_bad[method] += mn_scan(*t, level, lo, hi)
        if method == "koopman" and lo is not None:
            scan_n[method] += 1
            scan_bad[method] += koopman_scan(*t, level, est, lo, hi)
        v = peer_statsmodels_a(measure, method, *t, level)
        if v is not None:
            if v[0] == "error":
                notes.append(f"statsmodels {g} {t} level={level}: raises {v[1]}")
                st_.add(g, "statsmodels", kk + ("raises",), lo, None)
            else:
                if lo is None:
                    st_.add(g, "statsmodels", kk + ("lower",), None, v[0] if math.isfinite(v[0]) else None)
                    st_.add(g, "statsmodels", kk + ("upper",), None, v[1] if math.isfinite(v[1]) else None)
                else:
                    st_.add(g, "statsmodels", kk + ("lower",), lo, v[0])
                    st_.add(g, "statsmodels", kk + ("upper",), hi, v[1])
        if method == "miettinen-nurminen":
            v = peer_statsmodels_mn_patched(*t, level)
            if v[0] == "error":
                notes.append(f"statsmodels-patched {g} {t} level={level}: raises {v[1]}")
                st_.add(g, "statsmodels-patched-#10270", kk + ("raises",), lo, None)
            else:
                st_.add(g, "statsmodels-patched-#10270", kk + ("lower",), lo, v[0])
                st_.add(g, "statsmodels-patched-#10270", kk + ("upper",), hi, v[1])
        if measure == "odds-ratio" and method == "woolf" and min(x1, n1 - x1, x2, n2 - x2) == 0:
            tt = Table2x2(np.array([[x1, n1 - x1], [x2, n2 - x2]]), shift_zeros=True)
            sl, sh = tt.oddsratio_confint(1 - level)
            st_.add(g, "statsmodels-Table2x2-shift", kk + ("estimate",), est, float(tt.oddsratio))
            st_.add(g, "statsmodels-Table2x2-shift", kk + ("lower",), lo, float(sl))
            st_.add(g, "statsmodels-Table2x2-shift", kk + ("upper",), hi, float(sh))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                al, ah = confint_proportions_2indep(x1, n1, x2, n2, compare="odds-ratio",
                                                    method="logit-adjusted", alpha=1 - level)
            st_.add(g, "statsmodels-logit-adjusted", kk + ("lower",), lo, float(al))
            st_.add(g, "statsmodels-logit-adjusted", kk + ("upper",), hi, float(ah))
        if method == "exact":
            for peer in ("r-fisher.test", "r-dnhyper-tight"):
                rv = rfish.get((peer,) + t + (level,))
                if rv is not None:
                    for side, w, gv in zip(("estimate", "lower", "upper"), (est, lo, hi), rv):
                        st_.add(g, peer, kk + (side,), w, gv)
            if min(n1, x1 + x2, n2 + n1 - x1 - x2, n2) <= 5000:  # BiasedUrn is O(support) per call
                pv = peer_nchypergeom(*t, level)
                for side, w, gv in zip(("estimate", "lower", "upper"), (est, lo, hi), pv):
                    st_.add(g, "scipy-nchypergeom_fisher", kk + (side,), w, gv)
        if not args.no_mp:
            mpv = None
            if measure == "diff":
                mpv = mp_diff(method, *t, level, (est, lo, hi))
            elif measure == "ratio":
                mpv = mp_ratio(method, *t, level, (est, lo, hi))
            else:
                mpv = mp_or(method, *t, level, (est, lo, hi))
            if mpv is not None:
                for side, w, gv in zip(("estimate", "lower", "upper"), (est, lo, hi), mpv):
                    st_.add(g, "mpmath-40-digits", kk + (side,), w, float(gv) if gv is not None else None)

    # ------------------------------------------------------------ B
    rowsB = []
    for t in tables:
        r = r2x2[t]
        for test, sk, pk in (("chisq", "chisq_stat", "chisq_p"), ("chisq-yates", "yates_stat", "yates_p"),
                             ("fisher", None, "fisher_p")):
            sv = rparse(r[sk]) if sk else None
            pv = rparse(r[pk])
            rowsB.append((test,) + t + (sv, pv))
            g = f"tests2x2/{test}"
            # peers
            x1, n1, x2, n2 = t
            tab = np.array([[x1, n1 - x1], [x2, n2 - x2]])
            if test in ("chisq", "chisq-yates"):
                pk2 = "prop" if test == "chisq" else "propcc"
                st_.add(g + " statistic", "r-prop.test", t, sv, rparse(r[pk2 + "_stat"]))
                st_.add(g + " p", "r-prop.test", t, pv, rparse(r[pk2 + "_p"]))
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    try:
                        res = st.chi2_contingency(tab, correction=(test == "chisq-yates"))
                        ss, sp_ = float(res.statistic), float(res.pvalue)
                    except ValueError:
                        ss, sp_ = None, None
                st_.add(g + " statistic", "scipy-chi2_contingency", t, sv, ss)
                st_.add(g + " p", "scipy-chi2_contingency", t, pv, sp_)
                X = exact_chisq(*t, yates=(test == "chisq-yates"))
                st_.add(g + " statistic", "exact-rational", t, sv, None if X is None else float(X))
                st_.add(g + " p", "mpmath-40-digits", t, pv, None if X is None else float(mp_chisq_p1(X)))
            else:
                st_.add(g + " p", "scipy-fisher_exact", t, pv, float(st.fisher_exact(tab).pvalue))
                P = exact_fisher_p(*t)
                if P is not None:
                    st_.add(g + " p", "exact-integers", t, pv, float(P))
    with open(os.path.join(HERE, "tests2x2_reference.csv"), "w") as fh:
        fh.write("test,x1,n1,x2,n2,statistic,p_value\n")
        for (test, x1, n1, x2, n2, sv, pv) in rowsB:
            fh.write(f"{test},{x1},{n1},{x2},{n2},{fmt(sv)},{fmt(pv)}\n")

    # ------------------------------------------------------------ C
    with open(os.path.join(HERE, "rxc_tables.csv"), "w") as fh:
        fh.write("table_id,row,col,count\n")
        for tid, tab in RXC_TABLES.items():
            for i, row in enumerate(tab, 1):
                for j, v in enumerate(row, 1):
                    fh.write(f"{tid},{i},{j},{v}\n")
    rowsC = []
    for r in rrxc:
        rowsC.append((r["table_id"], r["quantity"], r["row"], r["col"], rparse(r["value"])))
    with open(os.path.join(HERE, "rxc_reference.csv"), "w") as fh:
        fh.write("table_id,quantity,row,col,value\n")
        for (tid, qn, rr, cc, v) in rowsC:
            fh.write(f"{tid},{qn},{rr},{cc},{fmt(v)}\n")
    for tid, tab in RXC_TABLES.items():
        mpv = mp_rxc(tab)
        scv = scipy_rxc(tab)
        for (t_, qn, rr, cc, v) in rowsC:
            if t_ != tid:
                continue
            key = (qn, int(rr) if rr else "", int(cc) if cc else "")
            grp = "rxc/" + qn
            st_.add(grp, "mpmath-exact", (tid,) + key[1:], v, float(mpv[key]))
            st_.add(grp, "scipy", (tid,) + key[1:], v, float(scv[key]))
    # 2x2 table in C equals the 2x2 chisq of B
    cB = [r for r in rowsB if r[0] == "chisq" and r[1:5] == (30, 50, 12, 40)][0]
    cC = [r for r in rowsC if r[0] == "same-as-2x2" and r[1] == "pearson_statistic"][0]
    notes.append(f"rxc same-as-2x2 pearson {cC[4]!r} vs tests2x2 chisq (30,50,12,40) {cB[5]!r}")

    # ------------------------------------------------------------ D
    rowsD = []
    for method in ("goodman", "sison-glaz"):
        for tid, counts in SIM_TABLES.items():
            for level in LEVELS:
                ci = sim_ref(method, counts, level)
                for j, (lo, hi) in enumerate(ci, 1):
                    rowsD.append((method, tid, level, j, counts[j - 1], lo, hi))
                if method == "goodman":
                    mpv = mp_goodman(counts, level)
                    for j, ((lo, hi), (ml, mh)) in enumerate(zip(ci, mpv), 1):
                        st_.add("simultaneous/goodman", "mpmath-40-digits", (tid, level, j, "lower"), lo, float(ml))
                        st_.add("simultaneous/goodman", "mpmath-40-digits", (tid, level, j, "upper"), hi, float(mh))
                else:
                    mpv, c, g = mp_sison_glaz(counts, level)
                    notes.append(f"sison-glaz {tid} level={level}: c={c}, gamma={float(g):.17g}")
                    for j, ((lo, hi), (ml, mh)) in enumerate(zip(ci, mpv), 1):
                        st_.add("simultaneous/sison-glaz", "mpmath-40-digits-same-algo", (tid, level, j, "lower"), lo, float(ml))
                        st_.add("simultaneous/sison-glaz", "mpmath-40-digits-same-algo", (tid, level, j, "upper"), hi, float(mh))
    for r in rsg:
        lv = float(r["level"])
        j = int(r["category"])
        ref = [x for x in rowsD if x[0] == "sison-glaz" and x[1] == r["table_id"] and x[2] == lv and x[3] == j][0]
        st_.add("simultaneous/sison-glaz", "r-MultinomialCI-1.2", (r["table_id"], lv, j, "lower"), ref[5], rparse(r["lower"]))
        st_.add("simultaneous/sison-glaz", "r-MultinomialCI-1.2", (r["table_id"], lv, j, "upper"), ref[6], rparse(r["upper"]))
    with open(os.path.join(HERE, "simultaneous_reference.csv"), "w") as fh:
        fh.write("method,table_id,level,category,count,lower,upper\n")
        for (m, tid, lv, j, cnt, lo, hi) in rowsD:
            fh.write(f"{m},{tid},{lv!r},{j},{cnt},{fmt(lo)},{fmt(hi)}\n")

    # ------------------------------------------------------------ E
    rmap = {"holm": "holm", "bonferroni": "bonferroni", "BH": "benjamini-hochberg"}
    smmap = {"holm": "holm", "bonferroni": "bonferroni", "BH": "fdr_bh"}
    rowsE = []
    radj = {(r["set_id"], r["method"], int(r["index"])): rparse(r["adjusted"]) for r in rpadj}
    for sid, ps in psets.items():
        for m in ("holm", "bonferroni", "BH"):
            own = own_padjust(ps, m)
            sm = multipletests(ps, method=smmap[m])[1]
            for i, p in enumerate(ps, 1):
                v = radj[(sid, m, i)]
                rowsE.append((sid, rmap[m], i, p, v))
                st_.add("padjust/" + rmap[m], "exact-rational", (sid, i), v, float(own[i - 1]))
                st_.add("padjust/" + rmap[m], "statsmodels-multipletests", (sid, i), v, float(sm[i - 1]))
    with open(os.path.join(HERE, "padjust_reference.csv"), "w") as fh:
        fh.write("set_id,method,index,p,adjusted\n")
        for (sid, m, i, p, v) in rowsE:
            fh.write(f"{sid},{m},{i},{p!r},{fmt(v)}\n")

    # ------------------------------------------------------------ reports
    counts = {}
    for r in rowsA:
        counts[f"A {r[0]}/{r[1]}"] = counts.get(f"A {r[0]}/{r[1]}", 0) + 1
    summary = {"compare_reference.csv": len(rowsA), "tests2x2_reference.csv": len(rowsB),
               "rxc_reference.csv": len(rowsC), "rxc_tables.csv": sum(len(t) * len(t[0]) for t in RXC_TABLES.values()),
               "simultaneous_reference.csv": len(rowsD), "padjust_reference.csv": len(rowsE)}
    with open(os.path.join(HERE, "compare_reference.crosscheck.txt"), "w") as fh:
        fh.write("# Distance of each independent peer from the reference files (compare_reference.csv,\n")
        fh.write("# tests2x2_reference.csv, rxc_reference.csv, simultaneous_reference.csv, padjust_reference.csv).\n")
        fh.write("# rel = |peer - ref| / |ref|; inf = ref exactly 0/inf/undefined and the peer is not (or vice versa).\n")
        fh.write("# worst = (key..., ref, peer) at the largest rel. Generated by gen_compare_reference.py; see README.md.\n\n")
        st_.write(fh)
        fh.write(f"\nmiettinen-nurminen scan (|d-delta| <= z sqrt(V) at 39 interior points, > just outside): "
                 f"{scan_n['miettinen-nurminen']} intervals, {scan_bad['miettinen-nurminen']} violations\n")
        fh.write(f"koopman scan (|Z| <= z at 30 log-spaced interior points, > just outside; x2 = 0: up to 1e24 x): "
                 f"{scan_n['koopman']} intervals, {scan_bad['koopman']} violations\n\n")
        for nline in notes:
            fh.write("note: " + nline + "\n")
        fh.write("\nrows: " + ", ".join(f"{k}={v}" for k, v in summary.items()) + "\n")
        fh.write("rows in compare_reference.csv per measure/method: " + ", ".join(f"{k[2:]}={v}" for k, v in counts.items()) + "\n")

    with open(os.path.join(HERE, "compare_reference.versions.txt"), "w") as fh:
        fh.write(f"date: {datetime.date.today().isoformat()}\n")
        fh.write(f"python: {platform.python_version()}\n")
        fh.write(f"numpy: {np.__version__}\n")
        fh.write(f"scipy: {scipy.__version__}\n")
        fh.write(f"statsmodels: {statsmodels.__version__}\n")
        fh.write(f"mpmath: {mp.__version__} (cross-check only)\n")
        fh.write(f"R: {r_version} (reference for tests2x2, rxc, padjust; cross-check for the exact OR)\n")
        if args.multinomialci_dir:
            fh.write("MultinomialCI: R sources of MultinomialCI 1.2 (cross-check only)\n")
        fh.write("rows: " + ", ".join(f"{k}={v}" for k, v in summary.items()) + "\n")
    shutil.rmtree(td, ignore_errors=True)
    print("wrote " + ", ".join(f"{k}={v}" for k, v in summary.items()))
    print(open(os.path.join(HERE, "compare_reference.crosscheck.txt")).read())


if __name__ == "__main__":
    main()
