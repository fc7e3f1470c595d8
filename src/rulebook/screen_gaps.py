"""Gap plans for rows of a screened table: back from the batch layout to the single path.

Why: batch screening (`rulebook.flat`) says who qualifies; officials also want to know
who is *within reach* of the next tier and what it would take. The plan itself is the
single-profile gap analysis (`rulebook.gaps.tier_plan`), which is exact but costs
milliseconds per row, so screening ranks the rows by a cheap column measure
(`distance_expr`) and computes plans only for the closest few.

`facts_from_row` inverts `rulebook.flat.normalize` (integer fen → yuan, millionths →
fractions, enum order numbers, rank 9999 = none) so that a normalized row is evaluated
by exactly the code that assesses one profile.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import polars as pl

from . import expr as E
from .assess import derive_facts
from .batch import SCALE, Compiler
from .evaluate import CriterionResult, TierResult, criteria_of, evaluate_all, highest_of, make_context
from .expr import UNKNOWN
from .facts import CATALOGUE, FactSet, split_key
from .flat import spec_of
from .gaps import Change, Plan, apply_changes, criterion_gaps, realise_values, tier_plan
from .registry import Registry
from .ruleset import Req, RuleSet, Tier

UNFIXABLE = 100.0  # weight of a failed condition no figure can fix (size, compliance): such rows rank last
POINTS_PER_CONDITION = 10  # a score shortfall of 10 points ranks like one failed condition


# ---------------------------------------------------------------------------
# Normalized row → FactSet


def facts_from_row(row: dict[str, Any], as_of: dt.date, kinds: dict[str, str] | None = None) -> FactSet:
    """The FactSet of one normalized row (the columns `rulebook.flat.normalize` produced).

    Columns the rules do not read (id, name, results…) are skipped; nulls are left out
    (a missing fact is UNKNOWN, never 0). Size facts are not taken from the row: the
    single path derives them (`single_path`).
    """
    values: dict[str, Any] = {"is_review": False}
    for column, value in row.items():
        if value is None or column.startswith("_"):
            continue
        name, _year = split_key(column)
        if name.startswith("size_") or column in ("size", "highest_tier"):
            continue
        info = spec_of(column, kinds)
        if info is None:
            continue
        kind, enum = info
        if kind in ("bool", "date", "text"):
            values[column] = value
        elif enum is not None or kind == "count":
            values[column] = Fraction(int(value))
        else:
            values[column] = Fraction(int(value), 10 ** SCALE.get(kind, 0))
    return FactSet(values, as_of.year - 1, as_of)


@dataclass
class SinglePath:
    rules: RuleSet  # the rule set as it applies to the row's region (overlay included)
    facts: FactSet
    results: dict[str, CriterionResult]
    tiers: dict[str, TierResult]
    size: str | None
    classifiers: list[RuleSet]  # the size and level rule sets the measures use (re-run after a plan's changes)

    @property
    def highest_tier(self) -> str:
        return highest_of(self.rules, self.tiers)

    def qualified(self, tid: str) -> bool | None:
        q = self.tiers[tid].qualified
        return None if q is UNKNOWN else q


def single_path(facts: FactSet, base: RuleSet, registry: Registry) -> SinglePath:
    """Evaluate one row's facts with the single-profile engine (size and digital level derived as `assess` does)."""
    classifiers = [registry.get(u) for u in base.uses]
    size_result, _notes = derive_facts(classifiers, facts)
    rs = registry.for_region(base.id, facts.values.get("region"))
    results, tiers = evaluate_all(rs, facts)
    return SinglePath(rs, facts, results, tiers, size_result.size_class if size_result else None, classifiers)


def plan_for(sp: SinglePath, tier_id: str) -> Plan:
    """The verified cheapest plan to reach `tier_id` (gaps computed only for the criteria that tier reads)."""
    rs, tier = sp.rules, sp.rules.tiers[tier_id]
    ctx = make_context(rs, sp.facts)
    for cid in criteria_of(tier.require, rs, tier):
        sp.results[cid].gap = criterion_gaps(sp.results[cid], ctx)
    return tier_plan(sp.tiers[tier_id], rs, sp.results, sp.facts, derive=lambda changed: derive_facts(sp.classifiers, changed))


def plan_text(plan: Plan) -> str:
    """The plan's changes in Chinese, joined by "；"."""
    if not plan.changes:
        return "未找到可达的调整方案" if plan.reaches is not True else ""
    return "；".join(c.zh for c in plan.changes)


def realise(facts: FactSet, changes: list[Change]) -> FactSet:
    """The facts after a plan: amounts, flags and levels changed, titles obtained, the waiting done.

    The size facts are dropped: `single_path` on the result derives them again from the
    changed figures (a plan that grows revenue or staff may change the size class).
    """
    values = realise_values(apply_changes(facts.values, changes), changes, facts)
    for key in ("size_class", "size_is_sme", "size_sector_derived"):
        values.pop(key, None)
    return FactSet(values, facts.fiscal_year, facts.as_of)


# ---------------------------------------------------------------------------
# Ranking rows by closeness to a tier (Polars expressions)


def _fixability(node: E.Node, rs: RuleSet) -> float:
    """Weight of failing this test: 1 for figures a user can move, 2 for a title or waiting, else UNFIXABLE."""
    calls: set[str] = set()

    def walk(n: E.Node) -> None:
        if isinstance(n, E.Ref):
            walk(rs.metrics[n.name])
        elif isinstance(n, E.Call):
            calls.add(n.fn)
            for a in n.args:
                walk(a)
        elif isinstance(n, E.BinOp | E.Compare):
            walk(n.left)
            walk(n.right)
        elif isinstance(n, E.Neg | E.Not):
            walk(n.operand)
        elif isinstance(n, E.BoolOp):
            for v in n.values:
                walk(v)

    walk(node)
    names = E.facts_used(node, rs.metrics)
    if any(CATALOGUE[f].lever for f in names if f in CATALOGUE):
        return 1.0
    if calls & {"held", "full_years"}:
        return 2.0
    return UNFIXABLE


def distance_expr(rs: RuleSet, tier_id: str, comp: Compiler, columns: set[str]) -> pl.Expr:
    """A Float64 column: how far each row is from `tier_id` (0 = there), for ranking only.

    Failed conditions count their fixability weight (unknown ones half), a score shortfall
    counts one per POINTS_PER_CONDITION points below the threshold (from the
    `<tier>_score_max` result column), `any` takes its closest branch, `all` adds up.
    """
    cache: dict[str, pl.Expr] = {}

    def condition(cid: str) -> pl.Expr:
        if cid not in cache:
            c = rs.criteria[cid]
            if c.kind != "condition":
                cache[cid] = pl.lit(0.0)
            else:
                passed = comp.boolean(comp.compile(c.test))
                w = _fixability(c.test, rs)
                cache[cid] = pl.when(passed).then(0.0).when(passed.not_()).then(w).otherwise(0.5)
        return cache[cid]

    def score(tier: Tier) -> pl.Expr:
        col = f"{tier.id}_score_max"
        if tier.score is None or col not in columns:
            return pl.lit(0.0)
        short = (pl.lit(float(tier.score.threshold)) - pl.col(col).cast(pl.Float64)).clip(lower_bound=0) / POINTS_PER_CONDITION
        q = pl.col(f"{tier.id}_qualified") if f"{tier.id}_qualified" in columns else pl.lit(None, dtype=pl.Boolean)
        # the total can clear the line while a group minimum fails: still half a step away
        return pl.when(short > 0).then(short).when(q.fill_null(False)).then(0.0).otherwise(0.5)

    def walk(req: Req, tier: Tier) -> pl.Expr:
        if req.op == "criterion":
            return condition(req.criterion)
        if req.op == "score":
            return score(tier)
        if req.op == "tier":
            return walk(req.ref.require, req.ref)
        parts = [walk(ch, tier) for ch in req.children]
        if req.op == "any":
            return pl.min_horizontal(parts)
        return pl.sum_horizontal(parts)

    tier = rs.tiers[tier_id]
    return walk(tier.require, tier).cast(pl.Float64)
