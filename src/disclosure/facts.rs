//! Everything a report publishes about its respondents, as sums of *atoms*.
//!
//! An atom is a class of respondents that every published number treats alike: for each
//! analysis, the same subgroup cell and level (or the same reason for exclusion), and the same
//! unmapped value where `unmapped.csv` lists one. Every published number (a level count, a
//! group size `n`, an analysis's denominator, an exclusion count, the respondents in the used
//! rows, an unmapped value's respondents) is the number of respondents in a set of atoms: a
//! *fact*. Two places that publish the same set of atoms publish one fact (an analysis's
//! provider margin and another analysis's provider row over the same respondents), so they
//! are hidden or shown together.
//!
//! Atoms are built from the distinct tuples that ingest keeps, never from rows, so this
//! costs nothing on big files. The unknowns of the audit are the atoms that occur, plus, for
//! every subgroup cell and level that nobody gave, an empty atom of respondents like those of
//! the cell but with that answer (so that a zero hidden as `<5` is not taken to be known).
//! An attacker who does not know which other combinations are empty can only do worse, so
//! every interval the audit computes lies inside the attacker's.

use std::collections::HashMap;

use indexmap::IndexSet;

use crate::estimate::AnalysisResult;
use crate::ingest::{RawValue, Table};
use crate::plan::{MissingPolicy, Plan, MISSING_LABEL};
use crate::validate::{classify, Exclusion, Indices, Unmapped};

/// Where a published number appears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// Row `row` of analysis `a`: a level count.
    Count { a: usize, row: usize },
    /// The size `n` of group `group` of analysis `a` (an index into its `groups()`).
    Size { a: usize, group: usize },
    /// Respondents in analysis `a`'s denominator.
    Included { a: usize },
    /// Respondents left out of analysis `a` for its `i`-th reason.
    Excluded { a: usize, i: usize },
    /// Respondents in the used rows (the same for every analysis).
    Available,
    /// Respondents with the `i`-th unmapped value.
    Unmapped(usize),
}

impl Place {
    /// The analysis it belongs to (`None` for the survey's own numbers).
    pub fn analysis(self) -> Option<usize> {
        match self {
            Place::Count { a, .. }
            | Place::Size { a, .. }
            | Place::Included { a }
            | Place::Excluded { a, .. } => Some(a),
            Place::Available | Place::Unmapped(_) => None,
        }
    }

    /// Whether disclosure control may hide it. The survey's size is always published, and
    /// an unmapped value's count follows its own rule (shown, or `<5`).
    pub fn hideable(self) -> bool {
        !matches!(self, Place::Available | Place::Unmapped(_))
    }
}

/// One published number.
#[derive(Debug, Clone)]
pub struct Fact {
    /// Sorted atom ids.
    pub atoms: Vec<u32>,
    /// The true number of respondents.
    pub value: u64,
    /// Every place the report publishes it, first the first.
    pub places: Vec<Place>,
}

impl Fact {
    pub fn hideable(&self) -> bool {
        self.places.iter().all(|p| p.hideable())
    }

    /// Whether it counts respondents by their answers, and so is protected when small:
    /// a table cell, a group's n, a denominator, and an exclusion count too ("outside the
    /// denominator: `severity` not in {Mild}" counts the respondents with another severity;
    /// "missing" and "unmapped" count those who gave no usable answer). Only the survey's
    /// size is published as it is.
    pub fn describes_answers(&self) -> bool {
        self.places.iter().any(|p| {
            matches!(
                p,
                Place::Count { .. }
                    | Place::Size { .. }
                    | Place::Included { .. }
                    | Place::Excluded { .. }
            )
        })
    }
}

/// The report's published numbers and their additive relations.
#[derive(Debug, Clone)]
pub struct Facts {
    /// Respondents in each atom.
    pub atoms: Vec<u64>,
    pub facts: Vec<Fact>,
    /// `(total, parts)`: the fact `total` is the sum of the facts `parts`.
    pub relations: Vec<(usize, Vec<usize>)>,
    /// For each analysis: each row's fact, each group's size fact, the denominator's fact,
    /// and each exclusion's fact.
    pub of_analysis: Vec<AnalysisFacts>,
}

#[derive(Debug, Clone, Default)]
pub struct AnalysisFacts {
    pub rows: Vec<usize>,
    pub sizes: Vec<usize>,
    pub included: usize,
    pub excluded: Vec<usize>,
}

/// Where one respondent class goes in one analysis (owned, to be interned).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Class {
    In(Vec<String>, String),
    Out(Exclusion),
}

/// Builds the facts of a report from the ingested tuples.
pub fn build(
    plan: &Plan,
    table: &Table,
    results: &[AnalysisResult],
    unmapped: &[Unmapped],
) -> Facts {
    let k = results.len();
    let classes = Atoms::new(plan, table, unmapped);
    let mut b = Builder {
        atoms: &classes.atoms,
        facts: Vec::new(),
        index: HashMap::new(),
    };
    let mut of_analysis = Vec::with_capacity(k);
    let mut relations = Vec::new();
    let available = b.fact((0..classes.atoms.len() as u32).collect(), Place::Available);
    for (ai, r) in results.iter().enumerate() {
        let af = analysis_facts(&mut b, &classes, ai, r);
        // An analysis of one table of several: its respondents are that table's base
        // (published, like the survey's total), not every row's.
        let available = if r.plan.table.is_some() {
            let set = classes.where_(ai, &|c| !matches!(c, Class::Out(Exclusion::OtherTable)));
            b.fact(set, Place::Available)
        } else {
            available
        };
        relations.extend(analysis_relations(r, &af, available));
        of_analysis.push(af);
    }
    for i in 0..unmapped.len() {
        let set: Vec<u32> = (0..classes.atoms.len() as u32)
            .filter(|&a| classes.signatures[a as usize][k + i] == 1)
            .collect();
        b.fact(set, Place::Unmapped(i));
    }
    Facts {
        facts: b.facts,
        atoms: classes.atoms,
        relations,
        of_analysis,
    }
}

/// The atoms: respondent classes that every analysis treats alike, with their sizes.
struct Atoms {
    /// Respondents in each atom (0 for a phantom).
    atoms: Vec<u64>,
    /// Each atom's signature: its class in every analysis, then one flag per listed
    /// unmapped value.
    signatures: Vec<Vec<u32>>,
    /// For each analysis, its classes (interned).
    classes: Vec<IndexSet<Class>>,
    /// For each analysis and class, the atoms in that class.
    by_class: Vec<Vec<Vec<u32>>>,
}

impl Atoms {
    /// Interns each tuple's signature (phantom empty tuples included).
    fn new(plan: &Plan, table: &Table, unmapped: &[Unmapped]) -> Atoms {
        let k = plan.analyses.len();
        let indices: Vec<Indices> = plan
            .analyses
            .iter()
            .map(|a| Indices::new(plan, a, table))
            .collect();
        let unmapped_at: Vec<Option<usize>> = unmapped
            .iter()
            .map(|u| table.columns.iter().position(|c| c == &u.column))
            .collect();
        let mut classes: Vec<IndexSet<Class>> = vec![IndexSet::new(); k];
        let mut atom_of: HashMap<Vec<u32>, u32> = HashMap::new();
        let mut atoms: Vec<u64> = Vec::new();
        let mut signatures: Vec<Vec<u32>> = Vec::new();
        let phantoms = phantom_tuples(plan, table, &indices);
        let tuples = table
            .rows
            .iter()
            .map(|(v, c)| (v, *c))
            .chain(phantoms.iter().map(|v| (v, 0)));
        for (values, count) in tuples {
            let mut sig = Vec::with_capacity(k + unmapped.len());
            for (ai, a) in plan.analyses.iter().enumerate() {
                let class = match classify(plan, a, &indices[ai], values) {
                    Ok((group, outcome)) => Class::In(
                        group.into_iter().map(str::to_string).collect(),
                        outcome.to_string(),
                    ),
                    Err(reason) => Class::Out(reason),
                };
                sig.push(classes[ai].insert_full(class).0 as u32);
            }
            for (u, at) in unmapped.iter().zip(&unmapped_at) {
                let hit = at.is_some_and(|i| values[i].as_deref() == Some(u.value.as_str()));
                sig.push(u32::from(hit));
            }
            let id = *atom_of.entry(sig.clone()).or_insert_with(|| {
                atoms.push(0);
                signatures.push(sig);
                (atoms.len() - 1) as u32
            });
            atoms[id as usize] += count;
        }
        let mut by_class: Vec<Vec<Vec<u32>>> =
            classes.iter().map(|c| vec![Vec::new(); c.len()]).collect();
        for (id, sig) in signatures.iter().enumerate() {
            for ai in 0..k {
                by_class[ai][sig[ai] as usize].push(id as u32);
            }
        }
        Atoms {
            atoms,
            signatures,
            classes,
            by_class,
        }
    }

    /// The atoms of analysis `ai` whose class passes `keep`, in order.
    fn where_(&self, ai: usize, keep: &dyn Fn(&Class) -> bool) -> Vec<u32> {
        let mut v: Vec<u32> = self.classes[ai]
            .iter()
            .zip(&self.by_class[ai])
            .filter(|(c, _)| keep(c))
            .flat_map(|(_, a)| a.iter().copied())
            .collect();
        v.sort_unstable();
        v
    }
}

/// Whether a full group (one value per `by` column) falls in a key (`None`: any value).
fn in_key(full: &[String], key: &[Option<String>]) -> bool {
    full.iter()
        .zip(key)
        .all(|(v, k)| k.as_ref().is_none_or(|k| k == v))
}

/// The facts one analysis publishes: each row's count, each group's n, the denominator and
/// each exclusion.
fn analysis_facts(b: &mut Builder, atoms: &Atoms, ai: usize, r: &AnalysisResult) -> AnalysisFacts {
    let mut af = AnalysisFacts::default();
    for (row, e) in r.rows.iter().enumerate() {
        let set = atoms.where_(
            ai,
            &|c| matches!(c, Class::In(full, o) if o == &e.outcome && in_key(full, &e.group)),
        );
        af.rows.push(b.fact(set, Place::Count { a: ai, row }));
    }
    for (group, key) in r.groups().iter().enumerate() {
        let set = atoms.where_(
            ai,
            &|c| matches!(c, Class::In(full, _) if in_key(full, key)),
        );
        af.sizes.push(b.fact(set, Place::Size { a: ai, group }));
    }
    af.included = b.fact(
        atoms.where_(ai, &|c| matches!(c, Class::In(..))),
        Place::Included { a: ai },
    );
    for (i, x) in r.data.exclusions.iter().enumerate() {
        let set = atoms.where_(
            ai,
            &|c| matches!(c, Class::Out(reason) if reason == &x.reason),
        );
        af.excluded.push(b.fact(set, Place::Excluded { a: ai, i }));
    }
    af
}

/// The relations a reader can see in one analysis: the levels of a group add up to its n,
/// a margin adds up its children (for n and for every level), and everyone available is
/// in the denominator or excluded for one reason.
fn analysis_relations(
    r: &AnalysisResult,
    af: &AnalysisFacts,
    available: usize,
) -> Vec<(usize, Vec<usize>)> {
    let mut relations = Vec::new();
    let groups = r.groups();
    let row_of = |key: &[Option<String>], level: &str| {
        r.rows
            .iter()
            .position(|x| x.group == key && x.outcome == level)
    };
    for (gi, g) in groups.iter().enumerate() {
        let parts: Vec<usize> = (0..r.rows.len())
            .filter(|&i| &r.rows[i].group == g)
            .map(|i| af.rows[i])
            .collect();
        relations.push((af.sizes[gi], parts));
        for c in 0..g.len() {
            if g[c].is_some() {
                continue;
            }
            let children: Vec<usize> = (0..groups.len())
                .filter(|&h| {
                    groups[h][c].is_some()
                        && groups[h]
                            .iter()
                            .zip(g)
                            .enumerate()
                            .all(|(j, (x, y))| j == c || x == y)
                })
                .collect();
            if children.is_empty() {
                continue;
            }
            relations.push((
                af.sizes[gi],
                children.iter().map(|&h| af.sizes[h]).collect(),
            ));
            for level in &r.plan.levels {
                let Some(total) = row_of(g, level) else {
                    continue;
                };
                let parts = children
                    .iter()
                    .filter_map(|&h| row_of(&groups[h], level).map(|i| af.rows[i]))
                    .collect();
                relations.push((af.rows[total], parts));
            }
        }
    }
    let mut parts = vec![af.included];
    parts.extend(&af.excluded);
    relations.push((available, parts));
    relations
}

struct Builder<'a> {
    atoms: &'a [u64],
    facts: Vec<Fact>,
    index: HashMap<Vec<u32>, usize>,
}

impl Builder<'_> {
    /// The fact of a set of atoms, created on first sight; `place` is added to its places.
    fn fact(&mut self, atoms: Vec<u32>, place: Place) -> usize {
        let id = match self.index.get(&atoms) {
            Some(&id) => id,
            None => {
                let value = atoms.iter().map(|&a| self.atoms[a as usize]).sum();
                self.facts.push(Fact {
                    atoms: atoms.clone(),
                    value,
                    places: Vec::new(),
                });
                self.index.insert(atoms, self.facts.len() - 1);
                self.facts.len() - 1
            }
        };
        self.facts[id].places.push(place);
        id
    }
}

/// One tuple per (analysis, subgroup cell, level) that no respondent gave: a respondent of
/// that cell with the outcome changed to the level (the first raw answer that recodes to it).
fn phantom_tuples(plan: &Plan, table: &Table, indices: &[Indices]) -> Vec<Vec<RawValue>> {
    let mut out = Vec::new();
    for (ai, a) in plan.analyses.iter().enumerate() {
        let Some(oi) = table.columns.iter().position(|c| c == &a.outcome) else {
            continue;
        };
        // Per full subgroup cell: one tuple of it and the levels seen.
        let mut cells: indexmap::IndexMap<Vec<&str>, (usize, Vec<&str>)> =
            indexmap::IndexMap::new();
        for (t, (values, count)) in table.rows.iter().enumerate() {
            if let Ok((group, outcome)) = classify(plan, a, &indices[ai], values) {
                let e = cells.entry(group).or_insert((t, Vec::new()));
                if *count > 0 {
                    e.1.push(outcome);
                }
            }
        }
        for (template, seen) in cells.values() {
            for level in a.levels.iter().filter(|l| !seen.contains(&l.as_str())) {
                let raw: RawValue = if level == MISSING_LABEL && a.missing == MissingPolicy::Level {
                    None
                } else {
                    match plan.recode.get(&a.outcome) {
                        Some(map) => match map.iter().find(|(_, clean)| *clean == level) {
                            Some((raw, _)) => Some(raw.clone()),
                            None => continue,
                        },
                        None => Some(level.clone()),
                    }
                };
                let mut values = table.rows[*template].0.clone();
                values[oi] = raw;
                out.push(values);
            }
        }
    }
    out
}
