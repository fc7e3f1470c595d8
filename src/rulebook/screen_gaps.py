"""Gap plans for rows of a screened table: back from the batch layout to the single path.

Why: batch screening (`rulebook.flat`) says who qualifies; officials also want to know
who is *within reach* of the next tier and what it would take. The plan itself is the
single-profile gap analysis (`rulebook.gaps.tier_plan`), which is exact but costs
milliseconds per row, so screening ranks the rows by a cheap column measure
(`Reach`) and computes plans only for the closest few.

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
from .batch import SCALE, Compiler, NotCompilable
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
    gap_context,
    realise_values,
    tier_plan,
    titles_in_reach,
    titles_of,
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
    # the titles whose tier the row meets now (`gaps.titles_in_reach`; for `single_path_for`, from the screening)
    reach: frozenset[str] = frozenset()

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
    size = size_result.size_class if size_result else None
    return SinglePath(rs, facts, results, tiers, size, classifiers, titles_in_reach(tiers))


def plan_for(sp: SinglePath, tier_id: str) -> Plan:
    """The verified cheapest plan to reach `tier_id` (gaps computed only for the criteria that tier reads)."""
    rs, tier = sp.rules, sp.rules.tiers[tier_id]
    ctx = gap_context(rs, sp.facts, sp.reach)
    for cid in criteria_of(tier.require, rs, tier):
        sp.results[cid].gap = criterion_gaps(sp.results[cid], ctx)
    return tier_plan(
        sp.tiers[tier_id],
        rs,
        sp.results,
        sp.facts,
        derive=lambda changed: derive_facts(sp.classifiers, changed),
        reach=sp.reach,
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
    them (`gaps.COUPLED`: revenue with main revenue, employees with R&D and technical staff); a
    criterion's fixes are keyed by the titles within reach as well (`Context.titles_in_reach`: a title
    the row can apply for is asked for first). The single-profile functions read nothing else, so a
    remembered answer is the answer they give.
    """

    def __init__(self) -> None:
        self._names: dict[tuple[int, int], tuple[Criterion, dict, tuple[str, ...]]] = {}
        self._results: dict[tuple, CriterionResult] = {}
        self._fixes: dict[tuple, list] = {}
        self._grouped: tuple[dict | None, dict[str, tuple]] = (None, {})
        self._fact_names: dict[str, str] = {}  # fact key → fact name (revenue_2023 → revenue)
        self._keys: dict[tuple, tuple] = {}  # criterion keys for the facts `_grouped` holds

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
            self._keys = {}
        return self._grouped[1]

    def key(self, c: Criterion, ctx: Context) -> tuple:
        groups = self._by_name(ctx.facts)
        # a criterion's key is built once per set of facts
        short = (id(c), id(ctx.metrics), ctx.fiscal_year, ctx.as_of)
        hit = self._keys.get(short)
        if hit is None:
            hit = self._keys[short] = (*short, *(groups.get(n, ()) for n in self._names_of(c, ctx.metrics)))
        return hit

    def evaluate(self, c: Criterion, ctx: Context) -> CriterionResult:
        """`evaluate.evaluate_criterion(c, ctx)` (a copy: callers set its `gap`)."""
        key = self.key(c, ctx)
        result = self._results.get(key)
        if result is None:
            result = self._results[key] = evaluate_criterion(c, ctx)
        # copy.copy, without its generic protocol (called ~50 times a plan)
        clone = object.__new__(CriterionResult)
        clone.__dict__.update(result.__dict__)
        return clone

    def gaps(self, result: CriterionResult, ctx: Context) -> list:
        """`gaps.criterion_gaps(result, ctx)` for a result evaluated on `ctx`'s facts (and titles within reach)."""
        key = (self.key(result.criterion, ctx), ctx.titles_in_reach)
        fixes = self._fixes.get(key)
        if fixes is None:
            fixes = self._fixes[key] = criterion_gaps(result, ctx)
        return fixes


def tier_outcomes(row: dict[str, Any]) -> dict[str, Any]:
    """A screening result row's tier outcomes (`<tier>_qualified` columns), by tier id: `single_path_for`'s
    `qualified`."""
    return {k.removesuffix("_qualified"): v for k, v in row.items() if k.endswith("_qualified")}


def single_path_for(
    facts: FactSet,
    base: RuleSet,
    registry: Registry,
    tier_id: str,
    cache: PlanCache,
    qualified: dict[str, Any] | None = None,
) -> SinglePath:
    """`single_path`, evaluating only what `tier_id` reads (its `tiers` holds that tier alone). `qualified`: every
    tier's outcome from the screening (`<tier>_qualified`), for the titles within reach that `single_path` derives
    from its own evaluation of every tier (the two agree: the parity tests)."""
    classifiers = [registry.get(u) for u in base.uses]
    size_result, _notes = derive_facts(classifiers, facts)
    rs = registry.for_region(base.id, facts.values.get("region"))
    ctx = make_context(rs, facts)
    tier = rs.tiers[tier_id]
    results = {cid: cache.evaluate(rs.criteria[cid], ctx) for cid in criteria_of(tier.require, rs, tier)}
    reach = titles_of(rs, qualified or {})
    return SinglePath(
        rs,
        facts,
        results,
        {tier_id: evaluate_tier(tier, rs, results, flag_unverified=False)},
        size_result.size_class if size_result else None,
        classifiers,
        reach,
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
        sp.reach,
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
    tr: TierResult,
    rs: RuleSet,
    results: dict[str, CriterionResult],
    facts: FactSet,
    derive,
    cache: PlanCache,
    reach: frozenset[str],
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
        ctx = gap_context(rs, FactSet(current_facts, facts.fiscal_year, facts.as_of), reach)
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


class Reach:
    """How far each row is from its next tier, and what stands in the way: per row only integers, words once.

    Per row (Polars): a bit per condition of the ladder's tiers that fails (`failed`) or is undetermined by a
    missing figure (`unknown`) — read from the tier stages' `_zc_*` outcomes — and per scored tier the points
    its score falls short (`short`: -1 where the total is reached but a group minimum is not). Per distinct
    combination of those for a row's next tier (`decode`, in Python, remembered): the requirement tree is walked
    once for both answers —
    - the distance, for ranking the rows that get a plan: a failed condition counts its fixability weight
      (1 for figures a user can move, 2 for a title or waiting, UNFIXABLE otherwise), an undetermined one
      half, a score one per POINTS_PER_CONDITION points short (half when only a group minimum fails);
      `any` takes its closest branch (the first of equals), `all` adds up;
    - `gap_missing`: the failed conditions (by their Chinese names) and score shortfalls of exactly that
      branch, each in 【】.
    Strings built row by row in Polars cost more than evaluating every tier; the combinations are few.
    """

    def __init__(self, rs: RuleSet, ladder: list[str], comp: Compiler, columns: set[str]) -> None:
        from .evaluate import criteria_of

        self.rs, self.ladder, self.columns = rs, ladder, columns
        cids: list[str] = []
        for t in ladder:
            tier = rs.tiers[t]
            cids += [c for c in criteria_of(tier.require, rs, tier) if rs.criteria[c].kind == "condition"]
        self.bits = {cid: i for i, cid in enumerate(dict.fromkeys(cids))}
        if len(self.bits) > 63:
            raise NotCompilable(
                f"{rs.id}：各层次共有 {len(self.bits)} 条条件，超过 gap_missing 可编码的 63 条；"
                "请用 --gaps 0 筛查（不计算差距），或在 rulebook/screen_gaps.py 的 Reach 中改用多列编码"
            )
        self.weight = {cid: _fixability(rs.criteria[cid].test, rs) for cid in self.bits}
        # per condition: its bit, its weight and its two items (failed; undetermined), for `_leaf`
        self.leaves = {
            cid: (
                bit,
                self.weight[cid],
                f"【{rs.criteria[cid].zh}】",
                f"【{rs.criteria[cid].zh}（待补充数据）】",
            )
            for cid, bit in self.bits.items()
        }
        self.masks = {
            t: sum(
                1 << self.bits[c]
                for c in set(criteria_of(rs.tiers[t].require, rs, rs.tiers[t]))
                if c in self.bits
            )
            for t in ladder
        }
        self.scored = [t for t in rs.tiers if rs.tiers[t].score is not None and f"{t}_score_max" in columns]
        # which scores each tier's tree reads (its own, and those of the tiers it requires)
        self.reads = {
            t: {s for s in self.scored if self._reads_score(rs.tiers[t].require, rs.tiers[t], s)}
            for t in ladder
        }

        def passed(cid: str) -> pl.Expr:
            staged = f"_zc_{cid}"  # the outcome the tier stages computed, while the frame still holds it
            return pl.col(staged) if staged in columns else comp.boolean(comp.compile(rs.criteria[cid].test))

        zero = pl.lit(0, dtype=pl.Int64)
        outcomes = {cid: passed(cid) for cid in self.bits}
        self.failed = pl.sum_horizontal(
            [
                pl.when(p.not_()).then(pl.lit(1 << self.bits[c], dtype=pl.Int64)).otherwise(zero)
                for c, p in outcomes.items()
            ]
        )
        self.unknown = pl.sum_horizontal(
            [
                pl.when(p.is_null()).then(pl.lit(1 << self.bits[c], dtype=pl.Int64)).otherwise(zero)
                for c, p in outcomes.items()
            ]
        )
        self.short = {}
        for t in self.scored:
            points = (
                pl.lit(int(rs.tiers[t].score.threshold), dtype=pl.Int32)
                - pl.col(f"{t}_score_max").cast(pl.Int32)
            ).clip(lower_bound=0)
            q = pl.col(f"{t}_qualified") if f"{t}_qualified" in columns else pl.lit(None, dtype=pl.Boolean)
            self.short[t] = (
                pl.when(points > 0).then(points).when(q.fill_null(False)).then(0).otherwise(-1).cast(pl.Int32)
            )
        self._decoded: dict[tuple, tuple[float, str | None]] = {}
        self._scopes: dict[tuple, tuple[int, tuple[str, ...]]] = {}
        self._subtrees: dict[tuple, tuple[float, list[str]]] = {}
        self._kids: dict[
            int, tuple
        ] = {}  # a node's children: a condition's `leaves` entry (() without a bit), or the Req

    def _reads_score(self, req: Req, tier: Tier, score_tier: str) -> bool:
        if req.op == "score":
            return tier.id == score_tier
        if req.op == "tier":
            return self._reads_score(req.ref.require, req.ref, score_tier)
        return any(self._reads_score(ch, tier, score_tier) for ch in req.children)

    def code_columns(self, next_tier: pl.Expr, missed: pl.Expr) -> list[list[pl.Expr]]:
        """Two `with_columns` stages: every failed and undetermined condition once (`_zgf`, `_zgu`), then `_gf`, `_gu`,
        `_gs_<tier>`: the row's codes, limited to what its next tier reads (null where it is not missed)."""
        mask = next_tier.replace_strict(self.masks, default=None, return_dtype=pl.Int64)
        zero = pl.lit(0, dtype=pl.Int64)

        def short(s: str) -> pl.Expr:
            reading = [t for t in self.ladder if s in self.reads[t]]
            return (
                pl.when(next_tier.is_in(reading))
                .then(self.short[s].cast(pl.Int64))
                .when(next_tier.is_in(self.ladder))
                .then(zero)
            )

        return [
            [self.failed.alias("_zgf"), self.unknown.alias("_zgu")],
            [
                pl.when(missed).then(pl.col("_zgf") & mask).alias("_gf"),
                pl.when(missed).then(pl.col("_zgu") & mask).alias("_gu"),
                *(pl.when(missed).then(short(s)).alias(f"_gs_{s}") for s in self.scored),
            ],
        ]

    def code_names(self) -> list[str]:
        return ["_gf", "_gu", *(f"_gs_{s}" for s in self.scored)]

    def decode(self, tier_id: str, failed: int, unknown: int, *short: int) -> tuple[float, str | None]:
        """(distance, gap_missing) of one combination of codes for rows whose next tier is `tier_id`."""
        key = (tier_id, failed, unknown, *short)
        hit = self._decoded.get(key)
        if hit is None:
            shorts = dict(zip(self.scored, short, strict=True))
            tier = self.rs.tiers[tier_id]
            dist, items = self._walk(tier.require, tier, failed, unknown, shorts)
            hit = self._decoded[key] = (dist, "".join(items) or None)
        return hit

    def _scope(self, req: Req, tier: Tier) -> tuple[int, tuple[str, ...]]:
        """The condition bits and the scores a subtree reads (its answer depends on nothing else)."""
        key = (id(req), tier.id)
        hit = self._scopes.get(key)
        if hit is None:
            if req.op == "criterion":
                bit = self.bits.get(req.criterion)
                hit = (0 if bit is None else 1 << bit, ())
            elif req.op == "score":
                hit = (0, (tier.id,))
            elif req.op == "tier":
                hit = self._scope(req.ref.require, req.ref)
            else:
                parts = [self._scope(ch, tier) for ch in req.children]
                mask = 0
                for m, _s in parts:
                    mask |= m
                hit = (mask, tuple(sorted({x for _m, sc in parts for x in sc})))
            self._scopes[key] = hit
        return hit

    def _walk(self, req: Req, tier: Tier, failed: int, unknown: int, shorts: dict) -> tuple[float, list[str]]:
        """A subtree's (distance, items), remembered per the codes it reads: combinations share most subtrees."""
        if req.op in ("criterion", "score"):  # a leaf: cheaper to answer than to look up
            return self._walk_node(req, tier, failed, unknown, shorts)
        mask, scores = self._scope(req, tier)
        key = (id(req), tier.id, failed & mask, unknown & mask, tuple(shorts.get(x) for x in scores))
        hit = self._subtrees.get(key)
        if hit is None:
            hit = self._subtrees[key] = self._walk_node(req, tier, failed, unknown, shorts)
        return hit

    def _leaf(self, cid: str, failed: int, unknown: int) -> tuple[float, list[str]]:
        """A condition's (distance, items): its weight when it fails, half when a figure is missing."""
        leaf = self.leaves.get(cid)
        if leaf is None:
            return 0.0, []
        bit, weight, failed_item, unknown_item = leaf
        if unknown >> bit & 1:
            return 0.5, [unknown_item]
        if failed >> bit & 1:
            return weight, [failed_item]
        return 0.0, []

    def _walk_node(
        self, req: Req, tier: Tier, failed: int, unknown: int, shorts: dict
    ) -> tuple[float, list[str]]:
        if req.op == "criterion":
            return self._leaf(req.criterion, failed, unknown)
        if req.op == "score":
            points = shorts.get(tier.id)
            if points is None or points == 0:
                return 0.0, []
            if points < 0:
                return 0.5, ["【评分总分达标，但有分项未达最低分】"]
            return points / POINTS_PER_CONDITION, [f"【评分差 {points} 分】"]
        if req.op == "tier":
            return self._walk(req.ref.require, req.ref, failed, unknown, shorts)
        # conditions among the children (most children are) are answered inline: a call per child cost more than
        # the rest of the walk. A child at distance 0 has no items; it adds nothing to `all` and ends an `any`.
        kids = self._kids.get(id(req))
        if kids is None:
            kids = self._kids[id(req)] = tuple(
                (self.leaves.get(ch.criterion, ()) if ch.op == "criterion" else ch) for ch in req.children
            )
        if req.op == "any":
            best: tuple[float, list[str]] | None = None
            for kid in kids:
                if type(kid) is tuple:
                    part = (
                        (0.0, [])
                        if not kid
                        else (0.5, [kid[3]])
                        if unknown >> kid[0] & 1
                        else (kid[1], [kid[2]])
                        if failed >> kid[0] & 1
                        else (0.0, [])
                    )
                else:
                    part = self._walk(kid, tier, failed, unknown, shorts)
                if best is None or part[0] < best[0]:  # the first of the closest branches
                    best = part
                    if not best[0]:
                        break
            return best if best is not None else (0.0, [])
        total, items = 0.0, []
        for kid in kids:
            if type(kid) is tuple:
                if not kid:
                    continue
                bit, weight, failed_item, unknown_item = kid
                if unknown >> bit & 1:
                    total += 0.5
                    items.append(unknown_item)
                elif failed >> bit & 1:
                    total += weight
                    items.append(failed_item)
            else:
                d, its = self._walk(kid, tier, failed, unknown, shorts)
                total += d
                items.extend(its)
        return total, items
