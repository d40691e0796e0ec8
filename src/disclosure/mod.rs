//! Disclosure control: no published report lets a reader recover a small count, or learn
//! that all (or all but a few) members of a small group gave one answer, from everything it
//! publishes taken together. Pure; runs after estimation and before rendering, so every
//! output (HTML, Markdown, CSV, JSON, spreadsheet, plots) sees the same protected numbers.
//!
//! What a report publishes about its respondents is a set of *facts* ([`facts`]): level
//! counts, group sizes, denominators, exclusion counts, the survey's size, unmapped values'
//! counts, each a sum of respondent classes ("atoms") across all analyses. The steps:
//!
//! 1. **Small counts** (primary suppression, the frequency rule of sdcTable's
//!    `primarySuppression(type = "freq")` with the OECD glossary's threshold): a fact from 1
//!    to `min_cell - 1` is hidden and shown as `<5`.
//! 2. **Zeros beside small counts** (attribute disclosure; ACRO's and ONS output-checking
//!    rules on zeros and full cells): in a group with a count hidden as `<5`, its zeros are
//!    hidden as `<5` too, so that the reader cannot tell which answers the few gave. A `<5`
//!    therefore means "0 to 4", and every hidden number is shown by its class alone: `<5`
//!    (below `min_cell`) or `suppressed` (at least `min_cell`).
//! 3. **Complements**, the row/column heuristic of tau-Argus and sdcTable: while a relation
//!    (a group's levels sum to its n; subgroups sum to their margin, for n and every level,
//!    in every direction; the denominator and exclusions sum to the respondents) has exactly
//!    one hidden member, one more is hidden: the smallest non-zero shown part, else the total.
//! 4. **The audit** ([`audit`]): for every number shown as `<5`, the smallest and largest
//!    value it can take over all non-negative integer tables of atoms that agree with every
//!    published number (exact values, rounded values as their ranges, `<5` as 0 to 4,
//!    `suppressed` as at least `min_cell`). The protection level: the attacker's interval
//!    for a `<5` must still hold at least `min_cell - 1` values (for `<5`: 0 to 3, or 1 to
//!    4; never fewer than 2), so that nobody can tell one respondent from four. And for
//!    every group of fewer than `min_group` respondents and the answer most of it gave, some
//!    agreeing table must have at least `min_cell - 1` of the group giving another answer
//!    (at least one, for a group of fewer than `min_cell`, whose size is itself `<5`), so
//!    that a small group is never shown to have answered all, or all but a few, alike. Where a number fails, one more cell is hidden (the group's n for a small
//!    group, else the smallest shown member, parts before totals, of a relation that holds
//!    it or a hidden number tied to it), then steps 2 to 4 run again.
//! 5. **Rounding** (optional, `round = 5`): shown counts are rounded to the base, and every
//!    proportion, interval, flag, comparison and test is then computed from the published
//!    (rounded) counts, so no output gives the exact counts back.
//! 6. **Derived statistics**: intervals, reliability flags and simultaneous intervals of a
//!    group with a hidden cell are withheld; comparisons that use a hidden cell are
//!    withheld; the test of independence (chi-square, G, Cramér's V, residuals) of a table
//!    with a hidden cell is withheld, since each is a function of the hidden cells.
//!
//! Every hidden number is listed with how it is shown (never its value) in
//! `suppression.csv`, with the same reason for every number of a class: which cell a
//! complement protects, or in which audit round it was chosen, would let a reader replay the
//! choices and narrow the hidden values down.
//!
//! References: Fischetti M, Salazar J-J (2000), JASA 95:916-928 (the attacker's problem);
//! de Wolf P-P, Hundepool A et al., *Statistical Disclosure Control* (Wiley 2012), ch. 4-5;
//! Meindl B, sdcTable (R); Eurostat / ONS guidelines for the checking of output based on
//! microdata research (2015-2019); ACRO (Ritchie et al., AI-SDC).

pub mod audit;
pub mod facts;

use crate::estimate::{group_label, AnalysisResult};
use crate::ingest::Table;
use crate::plan::{DisclosurePlan, Plan};
use crate::validate::Unmapped;
use audit::{Bound, System};
use facts::{Facts, Place};

pub use crate::suppression::Suppression;

/// One logged suppression.
#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    pub analysis: String,
    /// The group, in words.
    pub group: String,
    /// The outcome level, `n` for the group size, or the accounting line.
    pub cell: String,
    pub rule: Suppression,
}

impl LogEntry {
    /// Why, in words. The same for every number of a class: which cell a complement
    /// protects, or in which round of the audit it was chosen, would let a reader replay the
    /// choices and narrow the hidden values down (an outsider did, on an earlier version).
    pub fn reason(&self) -> String {
        match self.rule {
            Suppression::Small(t) => format!(
                "a count below {t} (0 to {}), or a zero in a group with one",
                t - 1
            ),
            Suppression::Complementary => {
                "hidden so that no small count can be worked out from what the report publishes"
                    .into()
            }
        }
    }
}

/// Disclosure control could not protect the report.
#[derive(Debug, Clone, PartialEq)]
pub struct Unprotectable(pub String);

/// The state of every fact during suppression.
struct State<'a> {
    facts: &'a Facts,
    plan: &'a DisclosurePlan,
    hidden: Vec<Option<Suppression>>,
    /// Analyses left out of the report, with why.
    withheld: Vec<Option<String>>,
}

impl State<'_> {
    /// Whether the report still publishes a fact: in an analysis that is not withheld, or
    /// the survey's own numbers.
    fn published(&self, f: usize) -> bool {
        self.facts.facts[f]
            .places
            .iter()
            .any(|p| match p.analysis() {
                Some(a) => self.withheld[a].is_none(),
                None => true,
            })
    }

    /// Whether a fact is published by an analysis that is not withheld.
    fn in_analysis(&self, f: usize) -> bool {
        self.facts.facts[f]
            .places
            .iter()
            .any(|p| p.analysis().is_some_and(|a| self.withheld[a].is_none()))
    }

    /// Whether a number is published and so audited when small: in an analysis that is
    /// not withheld, or in `unmapped.csv` (which lists every unmapped value).
    fn audited(&self, f: usize) -> bool {
        self.in_analysis(f)
            || self.facts.facts[f]
                .places
                .iter()
                .any(|p| matches!(p, Place::Unmapped(_)))
    }

    fn hide(&mut self, f: usize) {
        if self.hidden[f].is_some() || !self.facts.facts[f].hideable() {
            return;
        }
        let t = self.plan.min_cell;
        let class = if self.facts.facts[f].value < t {
            Suppression::Small(t)
        } else {
            Suppression::Complementary
        };
        self.hidden[f] = Some(class);
    }

    fn is_hidden(&self, f: usize) -> bool {
        self.hidden[f].is_some()
    }

    fn is_small(&self, f: usize) -> bool {
        matches!(self.hidden[f], Some(Suppression::Small(_)))
    }

    /// Step 2: zeros of a group with a small hidden count or size are hidden too.
    fn hide_zeros_beside_small(&mut self) -> bool {
        let mut changed = false;
        for af in &self.facts.of_analysis {
            for (total, parts) in self.group_relations(af) {
                if !(self.is_small(total) || parts.iter().any(|&p| self.is_small(p))) {
                    continue;
                }
                for &p in &parts {
                    if self.facts.facts[p].value == 0 && !self.is_hidden(p) {
                        self.hide(p);
                        changed |= self.is_hidden(p);
                    }
                }
            }
        }
        changed
    }

    /// `(size, level counts)` of every group of an analysis.
    fn group_relations(&self, af: &facts::AnalysisFacts) -> Vec<(usize, Vec<usize>)> {
        self.facts
            .relations
            .iter()
            .filter(|(t, parts)| af.sizes.contains(t) && parts.iter().all(|p| af.rows.contains(p)))
            .cloned()
            .collect()
    }

    /// Step 3: no relation keeps exactly one hidden member.
    fn complete_relations(&mut self) -> bool {
        let mut changed = false;
        loop {
            let mut again = false;
            for ri in 0..self.facts.relations.len() {
                let (total, parts) = &self.facts.relations[ri];
                let mut shut = parts.iter().chain([total]).filter(|&&m| self.is_hidden(m));
                let (Some(_), None) = (shut.next(), shut.next()) else {
                    continue;
                };
                let pick = parts
                    .iter()
                    .copied()
                    .filter(|&p| {
                        !self.is_hidden(p) && self.facts.facts[p].hideable() && self.published(p)
                    })
                    .min_by_key(|&p| (self.facts.facts[p].value == 0, self.facts.facts[p].value, p))
                    .or_else(|| {
                        (!self.is_hidden(*total)
                            && self.facts.facts[*total].hideable()
                            && self.published(*total))
                        .then_some(*total)
                    });
                if let Some(p) = pick {
                    self.hide(p);
                    again = true;
                    changed = true;
                }
            }
            if !again {
                return changed;
            }
        }
    }
}

/// The attacker's knowledge under the current state.
fn system(facts: &Facts, state: &State, round: Option<u64>) -> System {
    let total = facts.atoms.iter().sum::<u64>() as f64;
    let t = state.plan.min_cell as f64;
    let mut upper = vec![total; facts.atoms.len()];
    let mut ranges = Vec::with_capacity(facts.facts.len());
    for (f, fact) in facts.facts.iter().enumerate() {
        if !state.published(f) {
            continue;
        }
        let unmapped = fact.places.iter().any(|p| matches!(p, Place::Unmapped(_)));
        let (lo, hi) = match &state.hidden[f] {
            // `unmapped.csv` lists only values that occur.
            Some(Suppression::Small(_)) if unmapped => (1.0, t - 1.0),
            Some(Suppression::Small(_)) => (0.0, t - 1.0),
            Some(Suppression::Complementary) => (t, f64::INFINITY),
            None if unmapped => (fact.value as f64, fact.value as f64),
            None => match round.filter(|_| fact.hideable()) {
                Some(b) => {
                    let r = round_to(fact.value, b);
                    let lo = r.saturating_sub(b / 2);
                    let hi = r + (b - 1 - b / 2);
                    (lo as f64, hi as f64)
                }
                None => (fact.value as f64, fact.value as f64),
            },
        };
        if hi.is_finite() {
            for &a in &fact.atoms {
                upper[a as usize] = upper[a as usize].min(hi);
            }
        }
        ranges.push((fact.atoms.clone(), lo, hi));
    }
    System { upper, ranges }
}

/// A number the audit checks, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Target {
    /// A fact shown as `<t` must range over all of 0..t-1.
    Small(usize),
    /// In a small group (`size`), some table must have at least [`attribute_need`] members
    /// outside the level count `count`, the answer most of the group gave.
    Group { size: usize, count: usize },
}

fn targets(facts: &Facts, state: &State) -> Vec<Target> {
    let mut out: Vec<Target> = (0..facts.facts.len())
        // Every `<5` the report publishes, exclusion counts and `unmapped.csv` included: the
        // report promises the same of each. (Two unmapped values shown as `<5` beside their
        // column's exclusion count of 2 would each be exactly 1.)
        .filter(|&f| state.is_small(f) && state.audited(f))
        .map(Target::Small)
        .collect();
    for (a, af) in facts.of_analysis.iter().enumerate() {
        if state.withheld[a].is_some() {
            continue;
        }
        for (size, parts) in state.group_relations(af) {
            let n = facts.facts[size].value;
            if n == 0 || n >= state.plan.min_group {
                continue;
            }
            for count in parts {
                let t = Target::Group { size, count };
                // Only the answer most of the group gave can be "all, or all but a few".
                if 2 * facts.facts[count].value > n && !out.contains(&t) {
                    out.push(t);
                }
            }
        }
    }
    out
}

/// The width the attacker's interval for a `<t` must keep: `t - 2`, so that at least
/// `t - 1` values stay possible (for `<5`: 1 to 4, or 0 to 3), and never less than 1. Not
/// `t - 1` (all of 0 to `t - 1`): two small groups that make up a group of at least `t`
/// always show that one of them is not empty, and no suppression can change that.
fn small_width(min_cell: u64) -> i64 {
    (min_cell as i64 - 2).max(1)
}

/// How many members of a small group some agreeing table must have outside its majority
/// answer: `t - 1` ("all but a few" is then never certain), and for a group of fewer than
/// `t` (whose size is itself shown as `<t`), 1 ("all of them" is never certain).
pub fn attribute_need(n: u64, min_cell: u64) -> u64 {
    if n < min_cell {
        1
    } else {
        min_cell - 1
    }
}

/// Tables of the attacker's found so far: the true one, and every integral optimum the
/// audit's programs reached. Hiding more only relaxes the attacker's constraints, so each
/// stays an agreeing table for the rest of the run, and two of them that differ enough in a
/// target prove it protected without solving anything.
struct Witnesses(Vec<Vec<u64>>);

impl Witnesses {
    fn range(&self, atoms: &[u32]) -> (u64, u64) {
        self.0.iter().fold((u64::MAX, 0), |(lo, hi), x| {
            let v: u64 = atoms.iter().map(|&a| x[a as usize]).sum();
            (lo.min(v), hi.max(v))
        })
    }

    /// The optimum of a sum of atoms, keeping the table that attains it.
    fn optimum(&mut self, sys: &System, atoms: &[u32], maximize: bool) -> Option<i64> {
        let objective: Vec<(u32, f64)> = atoms.iter().map(|&a| (a, 1.0)).collect();
        match sys.optimum(&objective, maximize) {
            (Bound::Value(v), Some(table)) => {
                self.0.push(table);
                Some(v)
            }
            _ => None,
        }
    }
}

/// Whether the attacker's view leaves a target protected: first from the tables already
/// found, then by solving for the bounds that are still needed.
fn protected(
    facts: &Facts,
    sys: &System,
    target: Target,
    min_cell: u64,
    w: &mut Witnesses,
) -> bool {
    match target {
        Target::Small(f) => {
            let atoms = &facts.facts[f].atoms;
            let width = small_width(min_cell);
            let (lo, hi) = w.range(atoms);
            if (hi - lo) as i64 >= width {
                return true;
            }
            let Some(hi) = w.optimum(sys, atoms, true) else {
                return false;
            };
            if hi - lo as i64 >= width {
                return true;
            }
            w.optimum(sys, atoms, false)
                .is_some_and(|lo| hi - lo >= width)
        }
        Target::Group { size, count } => {
            let inside = &facts.facts[count].atoms;
            let outside: Vec<u32> = facts.facts[size]
                .atoms
                .iter()
                .copied()
                .filter(|a| inside.binary_search(a).is_err())
                .collect();
            let need = attribute_need(facts.facts[size].value, min_cell);
            w.range(&outside).1 >= need
                || w.optimum(sys, &outside, true)
                    .is_some_and(|v| v >= need as i64)
        }
    }
}

/// The next cell to hide for a failing target, or `None` when nothing more can be hidden.
fn complement_for(facts: &Facts, state: &State, target: Target) -> Option<usize> {
    let start = match target {
        Target::Small(f) => f,
        Target::Group { size, count } => {
            if !state.is_hidden(size) && facts.facts[size].hideable() && state.published(size) {
                return Some(size);
            }
            count
        }
    };
    // The hidden numbers tied to the target through relations with hidden members.
    let mut tied = vec![false; facts.facts.len()];
    tied[start] = true;
    let mut touched = vec![false; facts.relations.len()];
    loop {
        let mut grew = false;
        for (ri, (total, parts)) in facts.relations.iter().enumerate() {
            if touched[ri] || !parts.iter().chain([total]).any(|&m| tied[m]) {
                continue;
            }
            touched[ri] = true;
            for &m in parts.iter().chain([total]) {
                if state.is_hidden(m) && !tied[m] {
                    tied[m] = true;
                }
            }
            grew = true;
        }
        if !grew {
            break;
        }
    }
    // Shown members of those relations: parts before totals, non-zero before zero,
    // smallest first.
    let mut best: Option<((bool, bool, u64, usize), usize)> = None;
    for (ri, (total, parts)) in facts.relations.iter().enumerate() {
        if !touched[ri] {
            continue;
        }
        for (&m, is_total) in parts.iter().map(|p| (p, false)).chain([(total, true)]) {
            let fact = &facts.facts[m];
            if state.is_hidden(m) || !fact.hideable() || !state.published(m) {
                continue;
            }
            let key = (is_total, fact.value == 0, fact.value, m);
            if best.as_ref().is_none_or(|(k, _)| key < *k) {
                best = Some((key, m));
            }
        }
    }
    if let Some((_, m)) = best {
        return Some(m);
    }
    // Nothing shown in those relations: any shown number sharing respondents with the
    // target, smallest first.
    let atoms = &facts.facts[start].atoms;
    (0..facts.facts.len())
        .filter(|&f| !state.is_hidden(f) && facts.facts[f].hideable() && state.published(f))
        .filter(|&f| {
            facts.facts[f]
                .atoms
                .iter()
                .any(|a| atoms.binary_search(a).is_ok())
        })
        .min_by_key(|&f| (facts.facts[f].value, f))
}

/// `v` rounded to the nearest multiple of `base` (halves up).
pub fn round_to(v: u64, base: u64) -> u64 {
    (v + base / 2) / base * base
}

/// Applies the plan to every analysis; returns the log. With `protect = false` nothing is
/// changed and the log is empty.
pub fn protect(
    results: &mut [AnalysisResult],
    plan: &Plan,
    table: &Table,
    unmapped: &[Unmapped],
    d: &DisclosurePlan,
) -> Result<Protection, Unprotectable> {
    if !d.protect {
        return Ok(Protection {
            log: Vec::new(),
            withheld: vec![None; results.len()],
        });
    }
    let facts = facts::build(plan, table, results, unmapped);
    let mut state = State {
        facts: &facts,
        plan: d,
        hidden: vec![None; facts.facts.len()],
        withheld: vec![None; results.len()],
    };
    for f in 0..facts.facts.len() {
        let fact = &facts.facts[f];
        let v = fact.value;
        if v > 0 && v < d.min_cell && fact.describes_answers() {
            state.hide(f);
        }
        // (A published report lists only unmapped values of at least `min_cell`
        // respondents: see `published_unmapped`.)
    }
    // Hiding more only widens the attacker's intervals, so a target that passed stays passed.
    let mut passed: std::collections::HashSet<Target> = std::collections::HashSet::new();
    let mut witnesses = Witnesses(vec![facts.atoms.clone()]);
    loop {
        while state.hide_zeros_beside_small() | state.complete_relations() {}
        let sys = system(&facts, &state, d.round);
        let mut failing: Vec<Target> = Vec::new();
        for t in targets(&facts, &state) {
            if passed.contains(&t) {
                continue;
            }
            if protected(&facts, &sys, t, d.min_cell, &mut witnesses) {
                passed.insert(t);
            } else {
                failing.push(t);
            }
        }
        if failing.is_empty() {
            break;
        }
        for t in failing {
            let still = match t {
                Target::Small(f) => state.audited(f),
                Target::Group { size, count } => state.published(size) && state.published(count),
            };
            if !still {
                continue; // its analysis was withheld in this round
            }
            let Some(f) = complement_for(&facts, &state, t) else {
                // Nothing left to hide: the analysis cannot be published at all (typically a
                // handful of respondents, whose number the survey's size gives away).
                let fact = match t {
                    Target::Small(f) | Target::Group { count: f, .. } => f,
                };
                let Some(a) = facts.facts[fact]
                    .places
                    .iter()
                    .filter_map(|p| p.analysis())
                    .find(|&a| state.withheld[a].is_none())
                else {
                    let what = match place_label(facts.facts[fact].places[0], results) {
                        Some((analysis, group, cell)) => {
                            format!("`{cell}` of {group} in `{analysis}`")
                        }
                        None => "a number of the survey".into(),
                    };
                    return Err(Unprotectable(format!(
                        "disclosure control cannot protect {what}"
                    )));
                };
                // Said in general words: which number could not be protected would say
                // something about it.
                state.withheld[a] = Some(
                    "withheld: it has too few respondents for any table of it to be published without narrowing down a small count, even with every number that could be hidden hidden".into(),
                );
                continue;
            };
            state.hide(f);
        }
    }
    let log = apply(results, &facts, &state);
    if let Some(base) = d.round {
        round_shown(results, base);
    }
    for r in results.iter_mut() {
        crate::estimate::derive(r);
    }
    Ok(Protection {
        log,
        withheld: state.withheld,
    })
}

/// The unmapped values a report lists: with disclosure control on, only those given by at
/// least `min_cell` respondents. A value listed is known to have been given at least once,
/// so listing rare ones would pin their column's small exclusion count from below (two
/// listed values make it at least 2), and would publish answers of one to four people.
/// Internal runs list every value, for cleaning the data.
pub fn published_unmapped(unmapped: &[Unmapped], d: &DisclosurePlan) -> Vec<Unmapped> {
    unmapped
        .iter()
        .filter(|u| !d.protect || u.respondents >= d.min_cell)
        .cloned()
        .collect()
}

/// What disclosure control did.
#[derive(Debug, Clone, Default)]
pub struct Protection {
    /// Every hidden number, in rounds.
    pub log: Vec<LogEntry>,
    /// Per analysis: `Some(why)` when it is left out of the report whole.
    pub withheld: Vec<Option<String>>,
}

/// `(analysis, group, cell)` in words: where a number is published. `None` for the
/// survey's own numbers, which are never hidden.
fn place_label(place: Place, results: &[AnalysisResult]) -> Option<(String, String, String)> {
    let (a, group, cell) = match place {
        Place::Count { a, row } => {
            let e = &results[a].rows[row];
            (
                a,
                group_label(&results[a].plan.by, &e.group),
                e.outcome.clone(),
            )
        }
        Place::Size { a, group } => {
            let g = &results[a].groups()[group];
            (a, group_label(&results[a].plan.by, g), "n".into())
        }
        Place::Included { a } => (a, "the denominator".into(), "respondents included".into()),
        Place::Excluded { a, i } => (
            a,
            "the exclusions".into(),
            results[a].data.exclusions[i].reason.to_string(),
        ),
        Place::Available | Place::Unmapped(_) => return None,
    };
    Some((results[a].plan.name.clone(), group, cell))
}

/// Hides every place of every hidden fact, and logs each place.
fn apply(results: &mut [AnalysisResult], facts: &Facts, state: &State) -> Vec<LogEntry> {
    let mut log = Vec::new();
    for (f, fact) in facts.facts.iter().enumerate() {
        let Some(rule) = &state.hidden[f] else {
            continue;
        };
        for place in &fact.places {
            if place
                .analysis()
                .is_some_and(|a| state.withheld[a].is_some())
            {
                continue;
            }
            let Some((analysis, group, cell)) = place_label(*place, results) else {
                continue;
            };
            match *place {
                Place::Count { a, row } => results[a].rows[row].hide_count(*rule),
                Place::Size { a, group } => {
                    let r = &mut results[a];
                    let key = r.groups()[group].clone();
                    for row in r.rows.iter_mut().filter(|x| x.group == key) {
                        row.hide_n(*rule);
                    }
                }
                Place::Included { a } => {
                    results[a].data.hidden_included = Some(*rule);
                    results[a].data.included = 0;
                }
                Place::Excluded { a, i } => {
                    let x = &mut results[a].data.exclusions[i];
                    x.hidden = Some(*rule);
                    x.respondents = 0;
                }
                Place::Available | Place::Unmapped(_) => {}
            }
            log.push(LogEntry {
                analysis,
                group,
                cell,
                rule: *rule,
            });
        }
    }
    log
}

/// Rounds every shown count, n and accounting figure to the base.
fn round_shown(results: &mut [AnalysisResult], base: u64) {
    for r in results.iter_mut() {
        for row in &mut r.rows {
            if row.hidden_count.is_none() {
                row.count = round_to(row.count, base);
            }
            if row.hidden_n.is_none() {
                row.n = round_to(row.n, base);
            }
        }
        if r.data.hidden_included.is_none() {
            r.data.included = round_to(r.data.included, base);
        }
        for x in &mut r.data.exclusions {
            if x.hidden.is_none() {
                x.respondents = round_to(x.respondents, base);
            }
        }
    }
}

#[cfg(test)]
mod tests;
