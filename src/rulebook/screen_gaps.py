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

import copy
import datetime as dt
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import polars as pl

from . import expr as E
from .assess import derive_facts
from .batch import SCALE, Compiler
from .evaluate import (
    CriterionResult,
    TierResult,
    criteria_of,
    decide,
    evaluate_all,
    evaluate_criterion,
    evaluate_tier,
    highest_of,
    make_context,
    score_of,
)
from .expr import UNKNOWN, Context
from .facts import CATALOGUE, FactSet, split_key
from .flat import spec_of
from .gaps import (
    COUPLED,
    MAX_ROUNDS,
    Change,
    Fix,
    Plan,
    _merge,
    _provide,
    _score_fix,
    _via,
    apply_changes,
    combine_fixes,
    criterion_gaps,
    realise_values,
    tier_plan,
)
from .registry import Registry
from .ruleset import Criterion, Req, RuleSet, Tier

UNFIXABLE = 100.0  # weight of a failed condition no figure can fix (size, compliance): such rows rank last
POINTS_PER_CONDITION = 10  # a score shortfall of 10 points ranks like one failed condition


# ---------------------------------------------------------------------------
# Normalized row → FactSet


_SKIP = -1
_COLUMN_READ: dict[tuple[str, tuple], int] = {}  # (column, local kinds) → _column_read(column)


def _column_read(column: str, kinds: dict[str, str] | None) -> int:
    """How `facts_from_row` reads a column: _SKIP, 0 = as it is, else the divisor of its integer (1, 100, 10^6…)."""
    if column.startswith("_"):
        return _SKIP
    name, _year = split_key(column)
    if name.startswith("size_") or column in ("size", "highest_tier"):
        return _SKIP
    info = spec_of(column, kinds)
    if info is None:
        return _SKIP
    kind, enum = info
    if kind in ("bool", "date", "text"):
        return 0
    if enum is not None or kind == "count":
        return 1
    return 10 ** SCALE.get(kind, 0)


def facts_from_row(row: dict[str, Any], as_of: dt.date, kinds: dict[str, str] | None = None) -> FactSet:
    """The FactSet of one normalized row (the columns `rulebook.flat.normalize` produced).

    Columns the rules do not read (id, name, results…) are skipped; nulls are left out
    (a missing fact is UNKNOWN, never 0). Size facts are not taken from the row: the
    single path derives them (`single_path`).
    """
    values: dict[str, Any] = {"is_review": False}
    local = tuple(sorted((kinds or {}).items()))
    for column, value in row.items():
        if value is None:
            continue
        how = _COLUMN_READ.get((column, local))
        if how is None:
            how = _COLUMN_READ[(column, local)] = _column_read(column, kinds)
        if how == _SKIP:
            continue
        if how == 0:
            values[column] = value
        elif how == 1:
            values[column] = Fraction(int(value))
        else:
            values[column] = Fraction(int(value), how)
    return FactSet(values, as_of.year - 1, as_of)


@dataclass
class SinglePath:
    rules: RuleSet  # the rule set as it applies to the row's region (overlay included)
    facts: FactSet
    results: dict[str, CriterionResult]
    tiers: dict[str, TierResult]
    size: str | None
    # the size and level rule sets the measures use (re-run after a plan's changes)
    classifiers: list[RuleSet]

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
    return tier_plan(
        sp.tiers[tier_id],
        rs,
        sp.results,
        sp.facts,
        derive=lambda changed: derive_facts(sp.classifiers, changed),
    )


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
# Many plans in one run: the same single-profile computation, remembered per criterion


class PlanCache:
    """Criterion outcomes and their gap fixes, remembered across the rows of one screening run.

    Why: a screening computes hundreds of plans, and each plan re-evaluates every criterion of the
    tier and solves every band above the current one, several times over (once per round of
    `gaps.tier_plan`). Most criteria read a handful of facts (a flag, an IP count, a level, a
    date) whose values repeat from row to row and from round to round, so their outcome and their
    fixes are computed once per distinct combination of those values.

    Exactness: the key is the criterion (with the metric definitions of its rule set), the fiscal
    year, the as-of date and the exact values of every fact the criterion can read — its test, its
    options and its value, through metrics — plus the facts that move with them when a plan changes
    them (`gaps.COUPLED`: revenue with main revenue, employees with R&D and technical staff). The
    single-profile functions read nothing else, so a remembered answer is the answer they give.
    """

    def __init__(self) -> None:
        self._names: dict[tuple[int, int], tuple[Criterion, dict, tuple[str, ...]]] = {}
        self._results: dict[tuple, CriterionResult] = {}
        self._fixes: dict[tuple, list] = {}
        self._grouped: tuple[dict | None, dict[str, tuple]] = (None, {})
        self._fact_names: dict[str, str] = {}  # fact key → fact name (revenue_2023 → revenue)

    def _names_of(self, c: Criterion, metrics: dict) -> tuple[str, ...]:
        hit = self._names.get((id(c), id(metrics)))
        if hit is None:
            names: set[str] = set()
            for node in (c.test, c.value, *(o.test for o in c.options)):
                if node is not None:
                    names |= E.facts_used(node, metrics)
            names |= {COUPLED[n] for n in names if n in COUPLED}
            hit = self._names[(id(c), id(metrics))] = (
                c,
                metrics,
                tuple(sorted(names)),
            )  # holds c and metrics: ids stay theirs
        return hit[2]

    def _by_name(self, facts: dict[str, Any]) -> dict[str, tuple]:
        """The facts grouped by name ((key, value) pairs; Fractions as integer pairs, which hash fast)."""
        if self._grouped[0] is not facts:
            groups: dict[str, list] = {}
            names = self._fact_names
            for key, value in facts.items():
                if isinstance(value, Fraction):
                    value = (Fraction, value.numerator, value.denominator)
                name = names.get(key)
                if name is None:
                    name = names[key] = split_key(key)[0]
                groups.setdefault(name, []).append((key, value))
            self._grouped = (facts, {n: tuple(v) for n, v in groups.items()})
        return self._grouped[1]

    def key(self, c: Criterion, ctx: Context) -> tuple:
        groups = self._by_name(ctx.facts)
        return (
            id(c),
            id(ctx.metrics),
            ctx.fiscal_year,
            ctx.as_of,
            *(groups.get(n, ()) for n in self._names_of(c, ctx.metrics)),
        )

    def evaluate(self, c: Criterion, ctx: Context) -> CriterionResult:
        """`evaluate.evaluate_criterion(c, ctx)` (a copy: callers set its `gap`)."""
        key = self.key(c, ctx)
        result = self._results.get(key)
        if result is None:
            result = self._results[key] = evaluate_criterion(c, ctx)
        return copy.copy(result)

    def gaps(self, result: CriterionResult, ctx: Context) -> list:
        """`gaps.criterion_gaps(result, ctx)` for a result evaluated on `ctx`'s facts."""
        key = self.key(result.criterion, ctx)
        fixes = self._fixes.get(key)
        if fixes is None:
            fixes = self._fixes[key] = criterion_gaps(result, ctx)
        return fixes


def single_path_for(
    facts: FactSet, base: RuleSet, registry: Registry, tier_id: str, cache: PlanCache
) -> SinglePath:
    """`single_path`, evaluating only what `tier_id` reads (its `tiers` holds that tier alone)."""
    classifiers = [registry.get(u) for u in base.uses]
    size_result, _notes = derive_facts(classifiers, facts)
    rs = registry.for_region(base.id, facts.values.get("region"))
    ctx = make_context(rs, facts)
    tier = rs.tiers[tier_id]
    results = {cid: cache.evaluate(rs.criteria[cid], ctx) for cid in criteria_of(tier.require, rs, tier)}
    return SinglePath(
        rs,
        facts,
        results,
        {tier_id: evaluate_tier(tier, rs, results)},
        size_result.size_class if size_result else None,
        classifiers,
    )


def cached_plan_for(sp: SinglePath, tier_id: str, cache: PlanCache) -> Plan:
    """`plan_for`, with criterion outcomes and fixes taken from `cache` (the same plan, verified the same way).

    A criterion's fixes are solved only when the search reads them (a criterion that does not hold, or every
    indicator when the score falls short), not for every criterion of the tier up front and again after
    every round: the fixes nobody reads change nothing in the plan.
    """
    rs = sp.rules
    return _tier_plan(
        sp.tiers[tier_id],
        rs,
        sp.results,
        sp.facts,
        lambda changed: derive_facts(sp.classifiers, changed),
        cache,
    )


def _req_fix(
    req: Req,
    tier: Tier,
    rs: RuleSet,
    results: dict[str, CriterionResult],
    facts: FactSet,
    ctx: Context,
    scores: dict[str, Any],
    cache: PlanCache,
) -> Fix | None:
    """`gaps._req_fix`, with each tier's score computed once per call (`scores`, by tier id) instead of at every
    node, and a criterion's fixes solved (through `cache`) when they are read."""
    if tier.score and tier.id not in scores:
        scores[tier.id] = score_of(tier, results)
    state = decide(req, results, scores.get(tier.id) if tier.score else None)
    if state is True:
        return Fix([])
    if req.op == "criterion":
        r = results[req.criterion]
        if r.status == "undetermined":
            return Fix(_provide(r.missing, facts))
        r.gap = cache.gaps(r, ctx)
        feasible = [f for f in r.gap if f.feasible] or r.gap
        return feasible[0] if feasible else None
    if req.op == "score":
        for i in tier.score.indicators:  # type: ignore[union-attr]
            results[i].gap = cache.gaps(results[i], ctx)
        return _score_fix(tier, results, ctx)
    if req.op == "tier":
        ref = rs.tiers[req.criterion]
        return _req_fix(ref.require, ref, rs, results, facts, ctx, scores, cache)
    return combine_fixes(
        req.op, [_req_fix(c, tier, rs, results, facts, ctx, scores, cache) for c in req.children]
    )


def _tier_plan(
    tr: TierResult, rs: RuleSet, results: dict[str, CriterionResult], facts: FactSet, derive, cache: PlanCache
) -> Plan:
    """`gaps.tier_plan` step for step; the re-evaluation after each round and the fixes go through `cache`."""
    if tr.qualified is True:
        return Plan([], True)
    tier = tr.tier
    if tr.qualified is UNKNOWN:
        return Plan(_provide(tr.missing, facts), UNKNOWN, missing=tr.missing)
    all_changes: list[Change] = []
    current_facts = facts.values
    current_results = results
    for _ in range(MAX_ROUNDS):
        ctx = make_context(rs, FactSet(current_facts, facts.fiscal_year, facts.as_of))
        fix = _req_fix(tier.require, tier, rs, current_results, facts, ctx, {}, cache)
        if fix is None or not fix.changes:
            break
        all_changes = _merge(all_changes, fix.changes)
        if not all(c.kind in ("amount", "flag", "level", "obtain", "wait") for c in all_changes):
            break
        current_facts = realise_values(apply_changes(facts.values, all_changes), all_changes, facts)
        changed = FactSet(current_facts, facts.fiscal_year, facts.as_of)
        derive(changed)
        current_facts = changed.values
        ctx = make_context(rs, changed)
        current_results = {
            cid: cache.evaluate(rs.criteria[cid], ctx) for cid in criteria_of(tier.require, rs, tier)
        }
        state = decide(tier.require, current_results, score_of(tier, current_results) if tier.score else None)
        if state is True:
            return Plan(all_changes, True, via=_via(tier, current_results))
    return Plan(all_changes, False)


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
    return _reach(rs, tier_id, comp, columns)[0]


def missing_expr(rs: RuleSet, tier_id: str, comp: Compiler, columns: set[str]) -> pl.Expr:
    """A String column: what stands between each row and `tier_id`, for every row (the plans are for the closest few).

    The criteria of the closest branch that fail (by their Chinese names; "（待补充数据）" where a missing figure
    leaves one undetermined) and the score shortfall, each in 【】 — the same walk as `distance_expr`, so the
    list names exactly what the distance counted.
    """
    return _reach(rs, tier_id, comp, columns)[1]


def _reach(rs: RuleSet, tier_id: str, comp: Compiler, columns: set[str]) -> tuple[pl.Expr, pl.Expr]:
    """(distance, missing) for `tier_id`: the requirement tree walked once for both."""
    cache: dict[str, tuple[pl.Expr, pl.Expr]] = {}
    none = pl.lit(None, dtype=pl.String)

    def condition(cid: str) -> tuple[pl.Expr, pl.Expr]:
        if cid not in cache:
            c = rs.criteria[cid]
            if c.kind != "condition":
                cache[cid] = (pl.lit(0.0), none)
            else:
                passed = comp.boolean(comp.compile(c.test))
                w = _fixability(c.test, rs)
                dist = pl.when(passed).then(0.0).when(passed.not_()).then(w).otherwise(0.5)
                text = (
                    pl.when(passed)
                    .then(none)
                    .when(passed.not_())
                    .then(pl.lit(f"【{c.zh}】"))
                    .otherwise(pl.lit(f"【{c.zh}（待补充数据）】"))
                )
                cache[cid] = (dist, text)
        return cache[cid]

    def score(tier: Tier) -> tuple[pl.Expr, pl.Expr]:
        col = f"{tier.id}_score_max"
        if tier.score is None or col not in columns:
            return pl.lit(0.0), none
        points = (pl.lit(float(tier.score.threshold)) - pl.col(col).cast(pl.Float64)).clip(lower_bound=0)
        short = points / POINTS_PER_CONDITION
        q = (
            pl.col(f"{tier.id}_qualified")
            if f"{tier.id}_qualified" in columns
            else pl.lit(None, dtype=pl.Boolean)
        )
        # the total can clear the line while a group minimum fails: still half a step away
        dist = pl.when(short > 0).then(short).when(q.fill_null(False)).then(0.0).otherwise(0.5)
        text = (
            pl.when(short > 0)
            .then(pl.format("【评分差 {} 分】", points.cast(pl.Int64)))
            .when(q.fill_null(False))
            .then(none)
            .otherwise(pl.lit("【评分总分达标，但有分项未达最低分】"))
        )
        return dist, text

    def walk(req: Req, tier: Tier) -> tuple[pl.Expr, pl.Expr]:
        if req.op == "criterion":
            return condition(req.criterion)
        if req.op == "score":
            return score(tier)
        if req.op == "tier":
            return walk(req.ref.require, req.ref)
        parts = [walk(ch, tier) for ch in req.children]
        if req.op == "any":
            dist = pl.min_horizontal([d for d, _ in parts])
            text = none
            for d, t in reversed(parts):  # the first of the closest branches
                text = pl.when(d == dist).then(t).otherwise(text)
            return dist, text
        dist = pl.sum_horizontal([d for d, _ in parts])
        return dist, pl.concat_str([t for _, t in parts], separator="", ignore_nulls=True)

    tier = rs.tiers[tier_id]
    dist, text = walk(tier.require, tier)
    return dist.cast(pl.Float64), pl.when(text == "").then(none).otherwise(text)
