"""Gap analysis: the smallest change that passes a criterion, and the cheapest plan to reach a tier.

Why: a finance manager needs "研发费用还需增加 32.5 万元" rather than "不符合". Each test is
solved exactly for one fact at a time (the expression is affine in that fact), then a
tier plan combines the cheapest fixes — for scored tiers, the cheapest set of band
upgrades that reaches the threshold and every sub-score minimum. A plan is only
reported as reaching the tier after it has been applied to the facts and re-evaluated.

Cost is a heuristic to rank alternatives (documented in docs/gap-analysis.md): relative
change for amounts, one unit per title or certificate, two per year of waiting.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

from . import expr
from .evaluate import CriterionResult, TierResult, decide, evaluate_criterion, make_context, score_of
from .expr import UNKNOWN, Context, NonLinear
from .facts import CATALOGUE, FactSet, split_key
from .numbers import ceil_fraction, fmt_number, fmt_percent, fmt_wan, fmt_yuan
from .numbers import total as exact_total
from .ruleset import Req, RuleSet, Tier

BLOCKED_COST = 1000.0
TITLE_COST = 3.0
TITLE_IN_REACH_COST = 2.9  # a title whose standard is met now: ahead of the others, and nothing else moves
COUPLED = {
    "main_revenue": "revenue",
    "rd_staff": "employees",
    "tech_staff": "employees",
}  # raising one raises the other
MAX_ROUNDS = 4


@dataclass
class Change:
    key: str  # fact key (rd_expense_2023)
    kind: str  # amount | flag | level | obtain | wait | blocked | provide
    current: Any
    target: Any
    zh: str
    en: str
    cost: float

    @property
    def delta(self):
        if isinstance(self.current, Fraction) and isinstance(self.target, Fraction):
            return self.target - self.current
        return None


@dataclass
class Fix:
    changes: list[Change]
    gain: Fraction = Fraction(0)  # points gained (indicators)
    target_zh: str = ""
    target_en: str = ""

    @property
    def cost(self) -> float:
        return sum(c.cost for c in self.changes)

    @property
    def feasible(self) -> bool:
        return all(c.kind not in ("blocked",) for c in self.changes)


@dataclass
class Plan:
    changes: list[Change]
    reaches: Any  # True when verified; UNKNOWN when facts are still missing; False when no plan was found
    via: str | None = None  # the route the plan takes
    missing: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------
# Phrasing


def _label(key: str) -> tuple[str, str]:
    name, year = split_key(key)
    spec = CATALOGUE.get(name)
    zh, en = (spec.zh, spec.en) if spec else (key, key)
    if year is not None:
        return f"{zh}（{year} 年）", f"{en} ({year})"
    return zh, en


def _fmt(key: str, value: Fraction, lang: str = "zh") -> str:
    spec = CATALOGUE.get(split_key(key)[0])
    kind = spec.kind if spec else "number"
    if kind == "money":
        return fmt_wan(value) if lang == "zh" else fmt_yuan(value)
    if kind == "ratio":
        return fmt_percent(value)
    if kind == "count":
        return fmt_number(value)
    return fmt_number(value)


def _amount_change(key: str, current: Fraction, target: Fraction) -> Change:
    """An amount moved from `current` to `target`, costed now (the search ranks by cost) and phrased when read."""
    spec = CATALOGUE.get(split_key(key)[0])
    kind = spec.kind if spec else "number"
    floor = {"money": Fraction(100000), "ratio": Fraction(1, 100)}.get(kind, Fraction(1))
    cost = 0.3 + min(float(abs(target - current) / max(abs(current), floor)), 20.0)
    return _AmountChange(key, current, target, cost)


def _amount_text(key: str, current: Fraction, target: Fraction) -> tuple[str, str]:
    """The Chinese and English line of an amount change: exact figures, so that what is entered reaches the tier."""
    zh_name, en_name = _label(key)
    delta = target - current
    up = delta > 0
    name = split_key(key)[0]
    spec = CATALOGUE.get(name)
    if name.startswith("ip_") and spec is not None and spec.kind == "count":
        return (
            f"{zh_name}需新增 {fmt_number(delta)} 项（现有 {fmt_number(current)} 项）",
            f"{en_name}: add {fmt_number(delta)} (now {fmt_number(current)})",
        )
    verb_zh = "需增加" if up else "需减少"
    verb_en = "increase by" if up else "reduce by"
    return (
        f"{zh_name}{verb_zh} {_fmt(key, abs(delta))}（由 {_fmt(key, current)} {'增至' if up else '降至'} {_fmt(key, target)}）",
        f"{en_name}: {verb_en} {_fmt(key, abs(delta), 'en')} (from {_fmt(key, current, 'en')} to {_fmt(key, target, 'en')})",
    )


class _AmountChange(Change):
    """A change of an amount, phrased when first read: the search weighs hundreds of candidate changes per plan and
    shows a few, and the phrasing (exact decimals) costs more than the weighing."""

    def __init__(self, key: str, current: Fraction, target: Fraction, cost: float):
        self.key, self.kind, self.current, self.target, self.cost = key, "amount", current, target, cost
        self._text: tuple[str, str] | None = None

    def _phrased(self) -> tuple[str, str]:
        if self._text is None:
            self._text = _amount_text(self.key, self.current, self.target)
        return self._text

    @property
    def zh(self) -> str:  # type: ignore[override]
        return self._phrased()[0]

    @property
    def en(self) -> str:  # type: ignore[override]
        return self._phrased()[1]


def _blocked(zh: str, en: str, key: str = "") -> Change:
    return Change(key, "blocked", None, None, zh, en, BLOCKED_COST)


# ---------------------------------------------------------------------------
# Solving one test


def _lever_keys(reads: dict[str, Any], ctx: Context) -> list[str]:
    keys = []
    for key, value in reads.items():
        name, year = split_key(key)
        spec = CATALOGUE.get(name)
        if spec is None or spec.lever is None or value is UNKNOWN or not isinstance(value, Fraction):
            continue
        if year is not None and year != ctx.fiscal_year:
            continue  # past years are history, not levers
        keys.append(key)
    return keys


def _coupling(key: str, ctx: Context) -> dict[str, Fraction]:
    name, year = split_key(key)
    other = COUPLED.get(name)
    if other is None:
        return {}
    okey = f"{other}_{year}" if year is not None else other
    if okey in ctx.facts and isinstance(ctx.facts[okey], Fraction):
        return {okey: ctx.facts[okey] - ctx.facts[key]}
    return {}


def apply_changes(facts: dict[str, Any], changes: list[Change]) -> dict[str, Any]:
    """Facts after the changes (with coupled facts moved along), for re-evaluation."""
    out = dict(facts)
    for c in changes:
        if c.kind in ("blocked", "provide", "wait") or not c.key:
            continue
        if c.kind == "amount":
            name, year = split_key(c.key)
            other = COUPLED.get(name)
            if other:
                okey = f"{other}_{year}" if year is not None else other
                if isinstance(out.get(okey), Fraction):
                    out[okey] = out[okey] + (c.target - out[c.key])
        out[c.key] = c.target
    return out


def _solve_compare(node: expr.Compare, ctx: Context, probe: Context | None = None) -> list[Fix]:
    """`probe`: a fork of `ctx` that has evaluated `node` (to false) and holds what it read."""
    if probe is None:
        probe = ctx.fork()
        if expr.truth(expr.evaluate(node, probe)) is True:  # the one evaluation that also records its reads
            return [Fix([])]
    fixes: list[Fix] = []
    left = node.left
    while isinstance(left, expr.Ref):  # a metric such as niche_years = full_years(niche_since, y0)
        left = ctx.metrics[left.name]
    if isinstance(left, expr.Call) and left.fn == "full_years":
        node = expr.Compare(node.op, left, node.right)
    if isinstance(left, expr.Call) and left.fn == "held":
        return [_held_fix(left, node, ctx)]
    if isinstance(left, expr.Call) and left.fn == "full_years":
        return [_wait_fix(left, node, ctx)]
    for key in _lever_keys(probe.reads, ctx):
        current = ctx.facts[key]
        spec = CATALOGUE[split_key(key)[0]]
        sym = ctx.fork(solve_for=key, coupled=_coupling(key, ctx))
        try:
            ineq = expr.compare(node.op, expr.evaluate(node.left, sym), expr.evaluate(node.right, sym))
        except (NonLinear, TypeError):
            continue
        if not isinstance(ineq, expr.Inequality):
            continue
        target = _target(ineq, current, spec.kind, spec.enum is not None)
        if target is None:
            continue
        if (
            (spec.lever == "up" and target <= current)
            or (spec.lever == "down" and target >= current)
            or target < 0
        ):
            continue
        if spec.kind == "ratio" and target > 1:
            continue
        trial = ctx.fork(facts=apply_changes(ctx.facts, [Change(key, "amount", current, target, "", "", 0)]))
        if expr.truth(expr.evaluate(node, trial)) is not True:
            continue
        if spec.enum is not None:
            fixes.append(_level_fix(key, current, target, spec.enum))
        elif spec.kind == "bool":
            continue
        else:
            fixes.append(Fix([_amount_change(key, current, target)]))
    for key, value in probe.reads.items():
        spec = CATALOGUE.get(split_key(key)[0])
        if spec and spec.kind == "bool" and spec.lever == "up" and value is False:
            trial = ctx.fork(facts={**ctx.facts, key: True})
            if expr.truth(expr.evaluate(node, trial)) is True:
                zh, en = _label(key)
                fixes.append(Fix([Change(key, "flag", False, True, f"需做到：{zh}", f"needed: {en}", 1.0)]))
    return fixes


# yuan: an amount is planned in whole 0.01 万元, the precision a finance manager plans in
MONEY_STEP = Fraction(100)


def _target(ineq: expr.Inequality, current: Fraction, kind: str, integral_enum: bool) -> Fraction | None:
    """The value nearest to `current` that satisfies the inequality, rounded to the fact's unit (towards the side that
    holds): counts and levels whole, ratios to 0.01 %, amounts to 0.01 万元 — "增至 350.14 万元", not to the fen."""
    edge = ineq.boundary()
    if edge is None:
        return None
    if kind == "money":
        step = MONEY_STEP
    elif kind in ("count", "score") or integral_enum:
        step = Fraction(1)
    else:
        step = Fraction(1, 10000)
    # the side of the edge that holds
    going_up = ineq.a > 0 if ineq.op in (">=", ">") else ineq.a < 0
    units = edge / step
    target = (
        Fraction(ceil_fraction(units)) if going_up else Fraction(units.numerator // units.denominator)
    ) * step
    if not ineq.holds(target):
        target += step if going_up else -step
    return target if ineq.holds(target) else None


def _level_fix(key: str, current: Fraction, target: Fraction, order: dict[str, int]) -> Fix:
    names = {v: k for k, v in order.items()}
    zh_name, en_name = _label(key)
    member = names.get(int(target), str(target))
    level_zh = {
        "national": "国家级",
        "provincial": "省级",
        "municipal": "市级",
        "below_municipal": "市级以下",
        "international": "国际标准",
        "industry": "行业标准",
        "local": "地方标准",
        "group": "团体标准",
    }.get(member, member)
    return Fix(
        [
            Change(
                key,
                "level",
                current,
                target,
                f"{zh_name}需达到{level_zh}",
                f"{en_name}: reach {member}",
                2.0 * float(target - current),
            )
        ]
    )


_HELD_ZH = {
    "honour_high_tech_enterprise_until": "高新技术企业认定",
    "honour_national_tech_innovation_demo_until": "国家级技术创新示范企业",
    "honour_ip_advantage_until": "知识产权优势企业",
    "honour_ip_demo_until": "知识产权示范企业",
    "honour_tech_sme_until": "科技型中小企业入库",
    "recognition_innovative_until": "创新型中小企业称号",
    "recognition_tech_sme_until": "科技型中小企业称号",
    "recognition_specialized_until": "专精特新中小企业称号",
    "recognition_little_giant_until": "专精特新“小巨人”称号",
}


_HELD_EN = {
    "honour_high_tech_enterprise_until": "high-tech enterprise recognition",
    "honour_national_tech_innovation_demo_until": "national technology innovation demonstration enterprise",
    "honour_ip_advantage_until": "IP advantage enterprise",
    "honour_ip_demo_until": "IP demonstration enterprise",
    "honour_tech_sme_until": "technology-based SME registration",
    "recognition_innovative_until": "the innovative SME title",
    "recognition_tech_sme_until": "the technology-based SME title",
    "recognition_specialized_until": "the specialised SME title",
    "recognition_little_giant_until": "the little giant title",
}


def _held_fix(call: expr.Call, node: expr.Compare, ctx: Context) -> Fix:
    """Obtaining a title: a title whose standard the enterprise already meets (`ctx.titles_in_reach`) is said so and
    costs a little less, so that of several titles that would do, the plan asks for one it can apply for."""
    fact = call.args[0]
    key = fact.name if isinstance(fact, expr.Fact) else ""
    title = _HELD_ZH.get(key, key)
    en = _HELD_EN.get(key) or (CATALOGUE[key].en if key in CATALOGUE else key)
    if key in ctx.titles_in_reach:
        zh, en, cost = (
            f"需申请取得：{title}（按所填数据已符合其认定条件）",
            f"apply for: {en} (its standard is met on the figures given)",
            TITLE_IN_REACH_COST,
        )
    else:
        zh, en, cost = f"需取得（并在有效期内）：{title}", f"obtain and hold: {en}", TITLE_COST
    return Fix([Change(key, "obtain", ctx.facts.get(key), ctx.as_of, zh, en, cost)])


def titles_in_reach(tiers: dict[str, TierResult]) -> frozenset[str]:
    """The title facts the tiers the enterprise qualifies for now confer (each tier's `confers:` in the rule data)."""
    return frozenset(key for tr in tiers.values() if tr.qualified is True for key in tr.tier.confers)


def titles_of(rs: RuleSet, qualified: dict[str, Any]) -> frozenset[str]:
    """`titles_in_reach` from each tier's outcome alone (tier id → True / False / UNKNOWN or None)."""
    return frozenset(
        key for tid, q in qualified.items() if q is True and tid in rs.tiers for key in rs.tiers[tid].confers
    )


def gap_context(rs: RuleSet, facts: FactSet, reach: frozenset[str] = frozenset()) -> Context:
    """The evaluation context of a gap search: `make_context`, knowing which titles are within reach."""
    return replace(make_context(rs, facts), titles_in_reach=reach)


def _wait_fix(call: expr.Call, node: expr.Compare, ctx: Context) -> Fix:
    since = expr.evaluate(call.args[0], ctx.fork())
    needed = expr.evaluate(node.right, ctx.fork())
    if not isinstance(since, dt.date) or not isinstance(needed, Fraction):
        return Fix([_blocked("从事细分市场年限不足", "not long enough in the niche market")])
    years = int(needed) + (1 if node.op == ">" else 0)
    year = ctx.fiscal_year
    while True:
        trial = replace(ctx, fiscal_year=year, reads={}, metric_cache={})
        if expr.truth(expr.evaluate(node, trial)) is True or year > ctx.fiscal_year + 60:
            break
        year += 1
    wait = year - ctx.fiscal_year
    key = call.args[0].name if isinstance(call.args[0], expr.Fact) else ""
    return Fix(
        [
            Change(
                key,
                "wait",
                since,
                Fraction(year),
                f"从事细分市场满 {years} 年：自 {since.isoformat()} 起算，{year} 年末方可满足（还需 {wait} 年）",
                f"{years} years in the niche market: counted from {since.isoformat()}, reached at the end of {year} ({wait} more years)",
                2.0 * wait,
            )
        ]
    )


def solve(node: expr.Node, ctx: Context, label_zh: str = "", label_en: str = "") -> list[Fix]:
    """Alternative fixes, cheapest first, each enough to make `node` true; [] if it already holds."""
    probe = ctx.fork()
    state = expr.truth(expr.evaluate(node, probe))
    if state is True:
        return []
    if state is UNKNOWN:
        return []
    fixes = _solve_compare(node, ctx, probe) if isinstance(node, expr.Compare) else _solve(node, ctx)
    if not fixes:
        fixes = [
            Fix(
                [
                    _blocked(
                        f"无法通过调整填报数据满足：{label_zh}" if label_zh else "无法通过调整当年数据满足",
                        f"cannot be met by changing this year's figures: {label_en}"
                        if label_en
                        else "cannot be met by changing this year's figures",
                    )
                ]
            )
        ]
    fixes.sort(key=lambda f: f.cost)
    return fixes


def _solve(node: expr.Node, ctx: Context) -> list[Fix]:
    if isinstance(node, expr.Compare):
        return _solve_compare(node, ctx)
    if expr.truth(expr.evaluate(node, ctx.fork())) is True:
        return [Fix([])]
    if isinstance(node, expr.BoolOp):
        parts = [_solve(v, ctx) for v in node.values]
        if node.op == "or":
            return [f for p in parts for f in p]
        combined: list[Change] = []
        for p in parts:
            if not p:
                return []
            combined = _merge(combined, min(p, key=lambda f: f.cost).changes)
        fix = Fix(combined)
        trial = ctx.fork(facts=apply_changes(ctx.facts, combined))
        return [fix] if expr.truth(expr.evaluate(node, trial)) is True else []
    if isinstance(node, expr.Call) and node.fn in ("any_years", "all_years"):
        years = [ctx.year_of(node.args[2].value) - i for i in range(int(node.args[1].value))]
        inner = [_bind_year(node.args[0], y) for y in years]
        return _solve(expr.BoolOp("or" if node.fn == "any_years" else "and", tuple(inner)), ctx)
    if isinstance(node, expr.Call) and node.fn == "held":
        return [_held_fix(node, expr.Compare("==", node, expr.Const(True)), ctx)]
    if isinstance(node, expr.Fact):
        spec = CATALOGUE.get(node.name)
        if spec and spec.kind == "bool" and spec.lever == "up":
            zh, en = _label(node.name)
            return [Fix([Change(node.name, "flag", False, True, f"需做到：{zh}", f"needed: {en}", 1.0)])]
        return []
    if isinstance(node, expr.Not):
        inner = node.operand
        if isinstance(inner, expr.Fact):
            zh, en = _label(inner.name)
            return [
                Fix(
                    [
                        _blocked(
                            f"须不存在：{zh}（不能通过调整数据解决）",
                            f"must not apply: {en} (not fixable by figures)",
                            inner.name,
                        )
                    ]
                )
            ]
        return []
    if isinstance(node, expr.Ref):
        return _solve(ctx.metrics[node.name], ctx)
    return []


def _bind_year(node: expr.Node, year: int) -> expr.Node:
    """Replace 'the loop year' in a year function's body with a concrete year."""
    if isinstance(node, expr.Fact) and node.year == "*":
        return expr.Fact(node.name, year)
    if isinstance(node, expr.BinOp | expr.Compare):
        return type(node)(node.op, _bind_year(node.left, year), _bind_year(node.right, year))
    if isinstance(node, expr.BoolOp):
        return expr.BoolOp(node.op, tuple(_bind_year(v, year) for v in node.values))
    if isinstance(node, expr.Not | expr.Neg):
        return type(node)(_bind_year(node.operand, year))
    if isinstance(node, expr.Call) and node.fn not in expr.YEAR_FUNCTIONS:
        return expr.Call(node.fn, tuple(_bind_year(a, year) for a in node.args))
    return node


def _merge(a: list[Change], b: list[Change]) -> list[Change]:
    """Changes of both lists; where both move one fact, keep the bigger move, or, where the second starts from the
    first's target (a later round of `tier_plan`), the two as one move (then `_coupled_first`)."""
    out = {(c.key or c.zh): c for c in a}
    for c in b:
        k = c.key or c.zh
        old = out.get(k)
        if old is None or old.kind != c.kind or c.kind != "amount":
            out[k] = c if old is None or c.cost >= old.cost else old
        elif c.current == old.target:
            # a later round's change, solved on the facts with `old` made: the two are one move
            out[k] = _amount_change(k, old.current, c.target)
        else:
            out[k] = c if abs(c.target - c.current) > abs(old.target - old.current) else old
    return _coupled_first(list(out.values()))


def _partner(key: str) -> str | None:
    """The fact a change of `key` moves along (`COUPLED`: main revenue → revenue), as a key of the same year."""
    name, year = split_key(key)
    other = COUPLED.get(name)
    if other is None:
        return None
    return f"{other}_{year}" if year is not None else other


def _coupled_first(changes: list[Change]) -> list[Change]:
    """A change of a fact that another change moves along (revenue, with main revenue) goes after that change, so
    that its target is the total the fact reaches; it is left out where the move along already gets there.

    Why: "主营业务收入需增加 428 万元" raises revenue by as much (the guide says so), so a line "营业收入需增加 140 万元
    （增至 1,500 万元）" beside it reads as a second increase, and was applied as one when it came first."""
    along: dict[str, Fraction] = {}
    for c in changes:
        partner = _partner(c.key) if c.kind == "amount" and c.key else None
        if partner is not None and isinstance(c.target, Fraction) and isinstance(c.current, Fraction):
            along[partner] = along.get(partner, Fraction(0)) + (c.target - c.current)
    if not along:
        return changes
    kept: list[Change] = []
    for c in changes:
        moved = along.get(c.key) if c.kind == "amount" else None
        if moved is not None and isinstance(c.target, Fraction) and isinstance(c.current, Fraction):
            own = c.target - c.current
            if (own > 0 and moved >= own) or (own < 0 and moved <= own):
                continue  # the move along reaches the target
        kept.append(c)
    out: list[Change] = [c for c in kept if not (c.kind == "amount" and c.key in along)]
    for c in kept:
        if c.kind == "amount" and c.key in along:
            leaders = [
                i for i, x in enumerate(out) if x.kind == "amount" and x.key and _partner(x.key) == c.key
            ]
            out.insert(leaders[-1] + 1 if leaders else len(out), c)
    return out


# ---------------------------------------------------------------------------
# Per criterion


def criterion_gaps(result: CriterionResult, ctx: Context) -> list[Fix]:
    c = result.criterion
    if result.status == "undetermined":
        return []
    if c.kind == "condition":
        if result.passed is True:
            return []
        return solve(c.test, ctx, c.zh, c.en)[:3]
    fixes = []
    current = result.points_min
    for option in c.options:
        if option.points <= current or option.test is None:
            continue
        found = solve(option.test, ctx, option.zh, option.en)
        if found and found[0].feasible:
            best = found[0]
            fixes.append(Fix(best.changes, option.points - current, option.zh, option.en))
    fixes.sort(key=lambda f: f.cost / float(f.gain))
    return fixes


# ---------------------------------------------------------------------------
# Per tier


def _provide(keys: list[str], facts: FactSet) -> list[Change]:
    """One 'fill in' line per profile field (a missing list is asked for once, not once per year)."""
    by_path: dict[str, list[tuple[str, str, str]]] = {}
    for key in keys:
        name, year = split_key(key)
        spec = CATALOGUE.get(name)
        per_year_field = spec is not None and "{y}" in spec.path
        zh, en = _label(key) if per_year_field or spec is None else (spec.zh, spec.en)
        by_path.setdefault(facts.path_of(key), []).append((key, zh, en))
    out = []
    for path, items in by_path.items():
        # several facts read from one list (recognitions: 专精特新 or 小巨人 title) are named together,
        # not as whichever sorts first
        zh = "、".join(dict.fromkeys(z for _, z, _ in items))
        en = ", ".join(dict.fromkeys(e for _, _, e in items))
        key = items[0][0]
        out.append(
            Change(key, "provide", None, None, f"补充填报：{zh}（{path}）", f"fill in: {en} ({path})", 0.0)
        )
    return out


def _req_fix(
    req: Req, tier: Tier, rs: RuleSet, results: dict[str, CriterionResult], facts: FactSet, ctx: Context
) -> Fix | None:
    score = score_of(tier, results) if tier.score else None
    state = decide(req, results, score)
    if state is True:
        return Fix([])
    if req.op == "criterion":
        r = results[req.criterion]
        if r.status == "undetermined":
            return Fix(_provide(r.missing, facts))
        feasible = [f for f in r.gap if f.feasible] or r.gap
        return feasible[0] if feasible else None
    if req.op == "score":
        return _score_fix(tier, results, ctx)
    if req.op == "tier":
        ref = rs.tiers[req.criterion]
        return _req_fix(ref.require, ref, rs, results, facts, ctx)
    return combine_fixes(req.op, [_req_fix(c, tier, rs, results, facts, ctx) for c in req.children])


def combine_fixes(op: str, children: list[Fix | None]) -> Fix | None:
    """The fix of an any/all requirement from its parts' fixes: the cheapest feasible option, or all merged."""
    if op == "any":
        options = [f for f in children if f is not None]
        if not options:
            return None
        return min(options, key=lambda f: (not f.feasible, f.cost))
    merged: list[Change] = []
    for f in children:
        if f is None:
            return None
        merged = _merge(merged, f.changes)
    return Fix(merged)


def _score_fix(tier: Tier, results: dict[str, CriterionResult], ctx: Context) -> Fix | None:
    """Cheapest set of band upgrades reaching the threshold and every group minimum (a small knapsack)."""
    s = tier.score
    need_total = max(s.threshold - exact_total(results[i].points_min for i in s.indicators), Fraction(0))
    needs = []
    for g in s.groups:
        have = exact_total(results[i].points_min for i in g.indicators)
        needs.append(max((g.minimum or Fraction(0)) - have, Fraction(0)))
    group_of = {i: [k for k, g in enumerate(s.groups) if i in g.indicators] for i in s.indicators}
    options = [(ind, [(f, f.gain, f.cost) for f in results[ind].gap if f.feasible]) for ind in s.indicators]
    # points are whole in every published standard: the states are then tuples of ints (hashing a Fraction costs
    # a modular inverse, and the search looks states up thousands of times a screening); the same sums either way
    whole = all(v.denominator == 1 for v in (need_total, *needs)) and all(
        g.denominator == 1 for _i, ups in options for _f, g, _c in ups
    )
    zero = 0 if whole else Fraction(0)
    if whole:
        need_total, needs = int(need_total), [int(n) for n in needs]
        options = [(i, [(f, int(g), c) for f, g, c in ups]) for i, ups in options]
    states: dict[tuple, tuple[float, list[Fix]]] = {(zero,) + tuple(zero for _ in needs): (0.0, [])}
    for ind, upgrades in options:
        if not upgrades:
            continue
        nxt = dict(states)
        for key, (cost, chosen) in states.items():
            for up, gain, up_cost in upgrades:
                gains = list(key)
                gains[0] = min(gains[0] + gain, need_total)
                for k in group_of[ind]:
                    gains[k + 1] = min(gains[k + 1] + gain, needs[k])
                state = tuple(gains)
                total = cost + up_cost
                if state not in nxt or nxt[state][0] > total:
                    nxt[state] = (total, chosen + [up])
        states = nxt
    goal = (need_total,) + tuple(needs)
    if goal not in states:
        return None
    changes: list[Change] = []
    for f in states[goal][1]:
        changes = _merge(changes, f.changes)
    return Fix(changes)


def tier_plan(
    tr: TierResult,
    rs: RuleSet,
    results: dict[str, CriterionResult],
    facts: FactSet,
    derive=None,
    reach: frozenset[str] = frozenset(),
) -> Plan:
    """The shortest list of changes that reaches the tier, verified by re-evaluating with them applied.

    `derive(FactSet)` recomputes derived facts (size class, digital level) after the changes:
    hiring R&D staff can make an enterprise large, and the plan must notice. `reach`: `titles_in_reach`.
    """
    if tr.qualified is True:
        return Plan([], True)
    tier = tr.tier
    if tr.qualified is UNKNOWN:
        provide = _provide(tr.missing, facts)
        return Plan(provide, UNKNOWN, missing=tr.missing)
    all_changes: list[Change] = []
    current_facts = facts.values
    current_results = results
    for _ in range(MAX_ROUNDS):
        ctx = gap_context(rs, FactSet(current_facts, facts.fiscal_year, facts.as_of), reach)
        fix = _req_fix(tier.require, tier, rs, current_results, facts, ctx)
        if fix is None or not fix.changes:
            break
        all_changes = _merge(all_changes, fix.changes)
        if not all(c.kind in ("amount", "flag", "level", "obtain", "wait") for c in all_changes):
            break
        current_facts = realise_values(apply_changes(facts.values, all_changes), all_changes, facts)
        changed = FactSet(current_facts, facts.fiscal_year, facts.as_of)
        if derive is not None:
            derive(changed)
            current_facts = changed.values
        current_results = _reevaluate(rs, tier, changed, reach)
        state = decide(tier.require, current_results, score_of(tier, current_results) if tier.score else None)
        if state is True:
            return Plan(all_changes, True, via=_via(tier, current_results))
    return Plan(all_changes, False)


def realise_values(values: dict[str, Any], changes: list[Change], facts: FactSet) -> dict[str, Any]:
    """Facts as they would be after obtaining titles and waiting, so the plan can be re-checked."""
    out = dict(values)
    for c in changes:
        if c.kind == "obtain" and c.key:
            out[c.key] = dt.date(facts.as_of.year + 3, 12, 31)
        if c.kind == "wait" and c.key and isinstance(out.get(c.key), dt.date):
            shift = int(c.target) - facts.fiscal_year
            since = out[c.key]
            out[c.key] = (
                since.replace(year=since.year - shift)
                if not (since.month == 2 and since.day == 29)
                else since.replace(year=since.year - shift, day=28)
            )
    return out


def _reevaluate(rs: RuleSet, tier: Tier, facts: FactSet, reach: frozenset[str]) -> dict[str, CriterionResult]:
    from .evaluate import criteria_of

    ctx = gap_context(rs, facts, reach)
    out = {}
    for cid in criteria_of(tier.require, rs, tier):
        r = evaluate_criterion(rs.criteria[cid], ctx)
        r.gap = criterion_gaps(r, ctx)
        out[cid] = r
    return out


def _via(tier: Tier, results: dict[str, CriterionResult]) -> str | None:
    from .evaluate import _route

    score = score_of(tier, results) if tier.score else None
    route, _ = _route(tier.require, results, score)
    return route or ("score" if tier.score else "general")


def fill_gaps(
    rs: RuleSet,
    facts: FactSet,
    results: dict[str, CriterionResult],
    tiers: dict[str, TierResult],
    derive=None,
) -> None:
    reach = titles_in_reach(tiers)
    ctx = gap_context(rs, facts, reach)
    for r in results.values():
        r.gap = criterion_gaps(r, ctx)
    for tr in tiers.values():
        tr.plan = tier_plan(tr, rs, results, facts, derive, reach)
