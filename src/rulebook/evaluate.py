"""Evaluating a rule set's criteria and tiers on one FactSet, with three-valued outcomes.

Why three values: a missing fact is not a zero. A criterion whose facts are missing is
undetermined; a tier is still decided when no value of the missing facts could change
it (a failed gate; a score that clears the threshold with 0 for every unknown item).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from . import expr
from .expr import UNKNOWN, Context
from .facts import FactSet
from .numbers import total
from .ruleset import Criterion, Option, Req, RuleSet, Tier


@dataclass
class CriterionResult:
    criterion: Criterion
    passed: Any  # condition: True / False / UNKNOWN; indicator: True when points are known
    value: Any = None
    inputs: dict[str, Any] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    option: Option | None = None
    points_min: Fraction = Fraction(0)
    points_max: Fraction = Fraction(0)
    gap: list = field(default_factory=list)  # list[gaps.Fix], filled by gaps.py

    @property
    def status(self) -> str:
        if self.criterion.kind == "indicator":
            return "scored" if self.points_min == self.points_max else "undetermined"
        return (
            {True: "met", False: "not_met"}.get(self.passed, "undetermined")
            if self.passed is not UNKNOWN
            else "undetermined"
        )

    @property
    def points(self) -> Fraction | None:
        return self.points_min if self.points_min == self.points_max else None


@dataclass
class ScoreResult:
    total_min: Fraction
    total_max: Fraction
    groups: dict[str, tuple[Fraction, Fraction]]
    passed: Any


@dataclass
class TierResult:
    tier: Tier
    qualified: Any  # True / False / UNKNOWN
    route: str | None
    score: ScoreResult | None
    routes: dict[str, Any] = field(default_factory=dict)  # route name → outcome
    missing: list[str] = field(default_factory=list)
    rests_on_unverified: bool = False  # the "no" would change if the 待核实 criteria held
    plan: Any = None  # gaps.Plan, filled by gaps.py


def make_context(rs: RuleSet, facts: FactSet) -> Context:
    return Context(facts.values, facts.fiscal_year, facts.as_of, rs.metrics)


def evaluate_criterion(c: Criterion, ctx: Context) -> CriterionResult:
    ctx.reads = {}
    if c.kind == "condition":
        passed = expr.truth(expr.evaluate(c.test, ctx))
        result = CriterionResult(c, passed)
    else:
        possible: list[Fraction] = []
        matched = None
        for option in c.options:
            hit = True if option.test is None else expr.truth(expr.evaluate(option.test, ctx))
            if hit is True:
                possible.append(option.points)
                matched = option if len(possible) == 1 else None
                break
            if hit is UNKNOWN:
                possible.append(option.points)
        result = CriterionResult(c, True, option=matched, points_min=min(possible), points_max=max(possible))
        if result.points_min != result.points_max:
            result.passed = UNKNOWN
    reads = dict(ctx.reads)
    if c.value is not None:
        ctx.reads = {}
        result.value = expr.evaluate(c.value, ctx)
        reads.update(ctx.reads)
    result.inputs = {k: v for k, v in reads.items() if v is not UNKNOWN}
    result.missing = sorted(k for k, v in reads.items() if v is UNKNOWN)
    if result.status != "undetermined":
        result.missing = []
    return result


def score_of(tier: Tier, results: dict[str, CriterionResult]) -> ScoreResult:
    s = tier.score
    assert s is not None
    lo = total(results[i].points_min for i in s.indicators)
    hi = total(results[i].points_max for i in s.indicators)
    groups, verdicts = {}, [_at_least(lo, hi, s.threshold)]
    for g in s.groups:
        glo = total(results[i].points_min for i in g.indicators)
        ghi = total(results[i].points_max for i in g.indicators)
        groups[g.id] = (glo, ghi)
        if g.minimum is not None:
            verdicts.append(_at_least(glo, ghi, g.minimum))
    return ScoreResult(lo, hi, groups, _all(verdicts))


def _at_least(lo: Fraction, hi: Fraction, threshold: Fraction):
    if lo >= threshold:
        return True
    if hi < threshold:
        return False
    return UNKNOWN


def _all(values):
    if False in values:
        return False
    return UNKNOWN if UNKNOWN in values else True


def _any(values):
    if True in values:
        return True
    return UNKNOWN if UNKNOWN in values else False


def decide(
    req: Req,
    results: dict[str, CriterionResult],
    score: ScoreResult | None,
    override: dict[str, Any] | None = None,
):
    """The outcome of a requirement tree; `override` forces some criteria (to test what a 'no' rests on)."""
    if req.op == "tier":
        ref = req.ref
        return decide(ref.require, results, score_of(ref, results) if ref.score else None, override)
    if req.op == "criterion":
        if override and req.criterion in override:
            return override[req.criterion]
        return results[req.criterion].passed
    if req.op == "score":
        return score.passed if score else False
    outcomes = [decide(c, results, score, override) for c in req.children]
    return _all(outcomes) if req.op == "all" else _any(outcomes)


def _route(req: Req, results, score) -> tuple[str | None, dict[str, Any]]:
    """The route that qualifies: the first passing branch of the top-most 'any', else the tier's own name."""
    routes: dict[str, Any] = {}
    chosen = None

    def walk(r: Req):
        nonlocal chosen
        if r.op == "any":
            for child in r.children:
                outcome = decide(child, results, score)
                routes[child.route or child.criterion or child.op] = outcome
                if outcome is True and chosen is None:
                    chosen = child.route or child.criterion or child.op
            return
        for child in r.children:
            walk(child)

    walk(req)
    return chosen, routes


def criteria_of(req: Req, rs: RuleSet, tier: Tier) -> list[str]:
    """Every criterion a tier reads, in the order the standard lists them."""
    out: list[str] = []

    def walk(r: Req):
        if r.op == "criterion" and r.criterion not in out:
            out.append(r.criterion)
        if r.op == "tier":
            ref = rs.tiers[r.criterion]
            for cid in criteria_of(ref.require, rs, ref):
                if cid not in out:
                    out.append(cid)
        if r.op == "score" and tier.score:
            for i in tier.score.indicators:
                if i not in out:
                    out.append(i)
        for c in r.children:
            walk(c)

    walk(req)
    return out


def evaluate_tier(
    tier: Tier, rs: RuleSet, results: dict[str, CriterionResult], flag_unverified: bool = True
) -> TierResult:
    """`flag_unverified=False`: skip asking whether a "no" rests on 待核实 criteria (a screening's gap plans never
    show it, and asking re-decides the tier once more per row)."""
    score = score_of(tier, results) if tier.score else None
    qualified = decide(tier.require, results, score)
    route, routes = _route(tier.require, results, score) if qualified is True else (None, {})
    if qualified is True and route is None:
        route = "general" if tier.score is None else "score"
    if qualified is True and route is None:
        route = "general"
    missing: list[str] = []
    if qualified is UNKNOWN:
        for cid in criteria_of(tier.require, rs, tier):
            for key in results[cid].missing:
                if key not in missing:
                    missing.append(key)
    rests = flag_unverified and qualified is not True and _rests_on_unverified(tier, rs, results)
    return TierResult(tier, qualified, route, score, routes, missing, rests)


def _rests_on_unverified(tier: Tier, rs: RuleSet, results: dict[str, CriterionResult]) -> bool:
    """Would the tier be reached (or open) if every [C]-graded criterion went the enterprise's way?"""
    import copy

    ids = criteria_of(tier.require, rs, tier)
    unverified = [cid for cid in ids if rs.criteria[cid].clause.unverified]
    if not unverified:
        return False
    best = dict(results)
    for cid in unverified:
        r = copy.copy(results[cid])
        if r.criterion.kind == "condition":
            r.passed = True
        else:
            r.points_min = r.points_max = r.criterion.max_points
        best[cid] = r
    return decide(tier.require, best, score_of(tier, best) if tier.score else None) is not False


def highest_of(rs: RuleSet, tiers: dict[str, TierResult]) -> str:
    """The highest ladder step whose tier is qualified, or 'none'."""
    best = "none"
    for tid in rs.ladder or tuple(tiers):
        if tiers[tid].qualified is True:
            best = tid
    return best


def evaluate_all(rs: RuleSet, facts: FactSet) -> tuple[dict[str, CriterionResult], dict[str, TierResult]]:
    ctx = make_context(rs, facts)
    needed: list[str] = []
    for tier in rs.tiers.values():
        for cid in criteria_of(tier.require, rs, tier):
            if cid not in needed:
                needed.append(cid)
    results = {cid: evaluate_criterion(rs.criteria[cid], ctx) for cid in needed}
    tiers = {tid: evaluate_tier(t, rs, results) for tid, t in rs.tiers.items()}
    return results, tiers
