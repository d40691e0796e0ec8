#!/usr/bin/env python3
"""Derive data/ame_2019_get.csv: assumed counts behind the published
Action for M.E. 2019 "Big Survey" figures on graded exercise therapy (GET).

Run from the repo root:  python3 data/solve_ame_counts.py
Python 3 standard library only. Output is deterministic.

Only PERCENTAGES were published. The real denominators are unknown, so every
count written here is an ASSUMPTION (see data/README.md). The seven published
figures, as given in the project brief:

  all respondents (>4,000): GET helped 6%, no difference 13%, worse 38%,
                            so 57% tried and 43% did not           (4 figures)
  GET with an M.E. specialist:                  "almost half" got worse   (1)
  GET with a non-specialist health professional: 4% helped, 61% worse     (2)

Step 1 proves that the seven figures CANNOT all hold if everyone who tried GET
did so with one of those two providers. 38% of everyone got worse but only
about 57% tried, so about two thirds (>= 65.2%) of triers got worse. A mix of a
group with a worse-rate under 50% and one under 61.5% can never reach 65.2%.
So the published breakdown must leave out a third group of triers, whose
provider was not stated or could not be classified, and who fared worse than
both named groups.

Step 2 builds the three-group table written to the CSV. The provider values are
`specialist`, `non_specialist` and `not_stated` (blank for not_tried).

Step 3 checks all seven figures after rounding and writes the CSV.
"""
import math
import os
import sys

# ---------------------------------------------------------------- published
OVERALL = {"improved": 6, "no_change": 13, "worsened": 38, "not_tried": 43}
SPEC_WORSE_BAND = (45.0, 49.0)   # "almost half": 45-49%, rounds to 45..49, below 50
NS_IMPROVED = 4                  # non-specialist: helped 4%
NS_WORSE = 61                    # non-specialist: worse 61%

# A rounded figure counts as reproduced only if the exact percentage is within
# this many points of the published integer. That keeps every value away from
# the x.5 rounding edge, so any rounding rule in any language gives the same
# integer.
CENTRAL = 0.25

# ---------------------------------------------------------------- ASSUMED
N_MIN = 4001                     # "more than 4,000": take the smallest such N
# Shares of GET triers by provider (specialist, non_specialist, not_stated).
# Not published. Step 1b shows not_stated must be at least ~20% of triers
# (at 100% worse); 45% gives it a worse-rate of about 78%, "worse than both"
# named groups without being extreme.
SHARES = (0.15, 0.40, 0.45)
# Rates inside the named groups (fractions). Published where stated;
# the specialist helped-rate is NOT published and is assumed.
SPEC_WORSE_RATE = 0.47           # "almost half" (assumed point value)
SPEC_IMPROVED_RATE = 0.18        # ASSUMED (no published figure)
NS_IMPROVED_RATE = 0.04          # published 4%
NS_WORSE_RATE = 0.61             # published 61%

PROVIDERS = ("specialist", "non_specialist", "not_stated")
OUTCOMES = ("improved", "no_change", "worsened")


def pct(x, n):
    return 100.0 * x / n


def rnd(x):
    """Round half up (deterministic; never hits a tie for the inputs here)."""
    return math.floor(x + 0.5)


def step1_two_providers_infeasible(n_lo=4001, n_hi=20000):
    """Exact integer check over N: can two providers give all 7 figures?
    Returns the list of N where they can (expected: empty)."""
    feasible = []
    for n in range(n_lo, n_hi + 1):
        nt_min = math.ceil(0.425 * n)            # not_tried rounds to 43
        t_max = n - nt_min                       # most people who could have tried
        w_min = math.ceil(0.375 * n)             # worsened rounds to 38
        # Best case for two providers: everyone with the higher-risk one,
        # whose worse-rate still rounds to 61, i.e. is below 61.5%.
        w_max = math.floor(0.615 * t_max)
        if w_min <= w_max:
            feasible.append(n)
    return feasible


def build(n):
    """Counts for total N = n. Each count is the stated rate times its base,
    rounded to the nearest integer; the not_stated group takes the remainders."""
    tot = {k: rnd(v / 100.0 * n) for k, v in OVERALL.items() if k != "no_change"}
    tot["no_change"] = n - tot["improved"] - tot["worsened"] - tot["not_tried"]
    t = n - tot["not_tried"]
    s = rnd(SHARES[0] * t)
    m = rnd(SHARES[1] * t)
    o = t - s - m
    s_imp, s_w = rnd(SPEC_IMPROVED_RATE * s), rnd(SPEC_WORSE_RATE * s)
    spec = {"improved": s_imp, "no_change": s - s_imp - s_w, "worsened": s_w}
    m_imp, m_w = rnd(NS_IMPROVED_RATE * m), rnd(NS_WORSE_RATE * m)
    ns = {"improved": m_imp, "no_change": m - m_imp - m_w, "worsened": m_w}
    other = {oc: tot[oc] - spec[oc] - ns[oc] for oc in OUTCOMES}
    table = {"specialist": spec, "non_specialist": ns, "not_stated": other}
    if any(v < 0 for g in table.values() for v in g.values()):
        return None
    assert sum(other.values()) == o
    return {"N": n, "not_tried": tot["not_tried"], "groups": table}


def checks(sol):
    """The seven published figures: (label, exact %, published, ok)."""
    n, g = sol["N"], sol["groups"]
    out = []
    for oc in OUTCOMES + ("not_tried",):
        c = sol["not_tried"] if oc == "not_tried" else sum(g[p][oc] for p in PROVIDERS)
        v = pct(c, n)
        out.append((f"all respondents: {oc}", c, n, v, f"{OVERALL[oc]}%",
                    abs(v - OVERALL[oc]) <= CENTRAL))
    s = sum(g["specialist"].values())
    v = pct(g["specialist"]["worsened"], s)
    out.append(("specialist: worsened", g["specialist"]["worsened"], s, v, '"almost half"',
                SPEC_WORSE_BAND[0] + CENTRAL <= v <= SPEC_WORSE_BAND[1] + 0.5 - CENTRAL))
    m = sum(g["non_specialist"].values())
    for oc, target in (("improved", NS_IMPROVED), ("worsened", NS_WORSE)):
        v = pct(g["non_specialist"][oc], m)
        out.append((f"non_specialist: {oc}", g["non_specialist"][oc], m, v, f"{target}%",
                    abs(v - target) <= CENTRAL))
    return out


def plausible(sol):
    """The leftover group must fare worse than both named groups."""
    g = sol["groups"]
    rate = {p: pct(g[p]["worsened"], sum(g[p].values())) for p in PROVIDERS}
    return rate["not_stated"] > max(rate["specialist"], rate["non_specialist"])


def main():
    bad = step1_two_providers_infeasible()
    print("Step 1: N in 4001..20000 where TWO providers can reproduce all 7 "
          "published figures:", len(bad), "(none)" if not bad else bad[:10])
    print("  reason: >=37.5% of everyone worse, <=57.5% tried => >=65.2% of triers worse;")
    print("  two groups with worse-rates <50% and <61.5% cannot average that high.")

    sol = None
    for n in range(N_MIN, N_MIN + 1000):
        cand = build(n)
        if cand and all(c[-1] for c in checks(cand)) and plausible(cand):
            sol = cand
            break
    assert sol is not None, "no N found"
    n, g = sol["N"], sol["groups"]
    t = n - sol["not_tried"]

    # Step 1b: how big must the third group be? With the specialist share
    # fixed, solve W = 0.47*s + 0.61*(T - s - o) + r*o for o at worse-rate r.
    w_tot = sum(g[p]["worsened"] for p in PROVIDERS)
    s_share = SHARES[0]
    need = w_tot / t - SPEC_WORSE_RATE * s_share - NS_WORSE_RATE * (1 - s_share)
    print(f"\n  triers T = {t}, worsened W = {w_tot} = {pct(w_tot, t):.2f}% of triers")
    for r in (1.00, 0.90, 0.80, 0.78):
        print(f"  third-group share of triers needed if its worse-rate were {r:.0%}: "
              f"{100 * need / (r - NS_WORSE_RATE):.1f}%")

    print(f"\nStep 2: three-provider counts (N = {n}, smallest N > 4,000 that works;"
          f" triers split {'/'.join(f'{x:.0%}' for x in SHARES)} ASSUMED)")
    rows = []
    for p in PROVIDERS:
        for oc in OUTCOMES:
            rows.append((p, oc, g[p][oc]))
    rows.append(("", "not_tried", sol["not_tried"]))
    assert sum(r[2] for r in rows) == n
    for p, oc, c in rows:
        print(f"  {p or '(blank)':15s} {oc:10s} {c:5d}")
    print(f"  total N = {n}")
    for p in PROVIDERS:
        sub = g[p]; m = sum(sub.values())
        print(f"  {p:15s} n={m:5d} ({pct(m, t):.1f}% of triers)  " + "  ".join(
            f"{oc} {pct(c, m):.2f}%" for oc, c in sub.items()))

    print("\nStep 3: the seven published figures")
    ok = True
    for label, c, base, v, pub, good in checks(sol):
        ok &= good
        print(f"  {label:28s} {c:5d}/{base:5d} = {v:6.2f}%  rounds to {rnd(v):3d}%"
              f"  published {pub:15s} {'OK' if good else 'FAIL'}")
    assert ok and plausible(sol)

    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ame_2019_get.csv")
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        f.write("provider,outcome,count\n")
        for p, oc, c in rows:
            f.write(f"{p},{oc},{c}\n")
    print("\nwrote", out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
