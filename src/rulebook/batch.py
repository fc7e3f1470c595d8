"""Whole-table evaluation: the same rule data compiled to Polars expressions.

Why a compiler and not a loop: screening a province's registry (millions of rows) must
take seconds. Every expression of the rule language is translated once per run into a
Polars expression over the flat fact columns (the layout `rulebook.facts` produces), so
there is no second copy of any threshold.

Exactness: amounts are integer fen (yuan × 100), shares integer millionths, and every
comparison of ratios is made by cross-multiplying in integers (Int64, or Int128 when the
magnitudes need it) — never by dividing. Missing values are nulls, and Polars' Kleene
logic on nullable booleans is exactly the engine's three-valued logic.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import polars as pl

from . import expr as E
from .errors import RuleDataError
from .facts import CATALOGUE, SIZE_ORDER
from .ruleset import Req, RuleSet, Tier

SCALE = {"money": 2, "ratio": 6, "score": 2, "number": 4}  # decimal places kept per fact kind
# magnitude bounds (bits) of scaled values
BITS = {"money": 50, "ratio": 24, "score": 17, "number": 50, "count": 32}
INT64_BITS = 62
INT128_BITS = 126
RANK_NONE = 9999


class NotCompilable(RuleDataError):
    """An expression the batch compiler cannot translate exactly."""


@dataclass(frozen=True)
class Num:
    """A scaled rational column: value = num / (den · 10^k); `den` None means 1.

    `ok` is False where the value is undefined (a zero denominator); `bits` bounds |num|, |den|.
    """

    num: pl.Expr
    den: pl.Expr | None
    k: int
    bits: int
    den_bits: int = 0
    ok: pl.Expr | None = None


def _big(e: pl.Expr, bits: int) -> pl.Expr:
    return e.cast(pl.Int128) if bits > INT64_BITS else e


def _check(bits: int, what: str) -> int:
    if bits > INT128_BITS:
        raise NotCompilable(f"{what}: magnitudes exceed 128-bit integers")
    return bits


def _and_ok(a: pl.Expr | None, b: pl.Expr | None) -> pl.Expr | None:
    if a is None:
        return b
    if b is None:
        return a
    return a & b


def _const_num(c: Fraction) -> Num:
    return Num(
        pl.lit(c.numerator, dtype=pl.Int64),
        pl.lit(c.denominator, dtype=pl.Int64) if c.denominator != 1 else None,
        0,
        max(c.numerator.bit_length(), 1),
        c.denominator.bit_length(),
    )


def _mul_pow10(n: Num, extra: int) -> tuple[pl.Expr, int]:
    """num · 10^extra with its new magnitude."""
    if extra == 0:
        return n.num, n.bits
    bits = _check(n.bits + int(extra * 3.33) + 1, "scaling")
    return _big(n.num, bits) * (10**extra), bits


def _num_add(a: Num, b: Num, sign: int) -> Num:
    k = max(a.k, b.k)
    an, abits = _mul_pow10(a, k - a.k)
    bn, bbits = _mul_pow10(b, k - b.k)
    if a.den is None and b.den is None:
        bits = _check(max(abits, bbits) + 1, "sum")
        an, bn = _big(an, bits), _big(bn, bits)
        return Num(an + bn if sign > 0 else an - bn, None, k, bits, 0, _and_ok(a.ok, b.ok))
    ad = a.den if a.den is not None else pl.lit(1, dtype=pl.Int64)
    bd = b.den if b.den is not None else pl.lit(1, dtype=pl.Int64)
    bits = _check(max(abits + b.den_bits, bbits + a.den_bits) + 1, "sum of ratios")
    dbits = _check(a.den_bits + b.den_bits, "sum of ratios")
    left = _big(an, bits) * _big(bd, bits)
    right = _big(bn, bits) * _big(ad, bits)
    return Num(
        left + right if sign > 0 else left - right,
        _big(ad, dbits) * _big(bd, dbits),
        k,
        bits,
        dbits,
        _and_ok(a.ok, b.ok),
    )


def _num_mul(a: Num, b: Num) -> Num:
    bits = _check(a.bits + b.bits, "product")
    dbits = _check(a.den_bits + b.den_bits, "product")
    num = _big(a.num, bits) * _big(b.num, bits)
    if a.den is None and b.den is None:
        den = None
    elif a.den is None:
        den = b.den
    elif b.den is None:
        den = a.den
    else:
        den = _big(a.den, dbits) * _big(b.den, dbits)
    return Num(num, den, a.k + b.k, bits, dbits, _and_ok(a.ok, b.ok))


def _num_div(a: Num, b: Num) -> Num:
    """a / b = (na · db · 10^kb) / (da · nb · 10^ka); undefined where nb = 0.

    The common power of ten cancels exactly: only 10^|kb − ka| is kept (on the numerator, or as the
    result's scale), so a ratio of two amounts of the same kind is a plain na·db / (da·nb), k = 0, and
    its comparisons stay within Int64.
    """
    up = max(b.k - a.k, 0)
    n_scaled, nbits = _mul_pow10(Num(a.num, None, 0, a.bits), up)
    bits = _check(nbits + b.den_bits, "ratio")
    num = _big(n_scaled, bits) * _big(b.den, bits) if b.den is not None else n_scaled
    dbits = _check(a.den_bits + b.bits, "ratio")
    den = _big(b.num, dbits) * _big(a.den, dbits) if a.den is not None else b.num
    return Num(num, den, max(a.k - b.k, 0), bits, dbits, _and_ok(_and_ok(a.ok, b.ok), b.num != 0))


def _cmp_nums(op: str, a: Num, b: Num) -> pl.Expr:
    """a OP b by cross-multiplication: na·db·10^(kb−m) OP nb·da·10^(ka−m), m = min(ka, kb) (denominators are ≥ 0 by the profile rules)."""
    m = min(a.k, b.k)
    left_num, lbits = _mul_pow10(Num(a.num, None, 0, a.bits), b.k - m)
    right_num, rbits = _mul_pow10(Num(b.num, None, 0, b.bits), a.k - m)
    bits = _check(max(lbits + b.den_bits, rbits + a.den_bits) + 1, "comparison")
    left = _big(left_num, bits) * _big(b.den, bits) if b.den is not None else _big(left_num, bits)
    right = _big(right_num, bits) * _big(a.den, bits) if a.den is not None else _big(right_num, bits)
    result = {
        ">=": left >= right,
        ">": left > right,
        "<=": left <= right,
        "<": left < right,
        "==": left == right,
        "!=": left != right,
    }[op]
    ok = _and_ok(a.ok, b.ok)
    # an undefined ratio passes no comparison; `& ok` is exact in Kleene logic because `ok` is unknown only where a
    # denominator is unknown, and then `result` (which multiplies by it) is unknown too
    return result if ok is None else result & ok


@dataclass
class Compiler:
    """Translates one rule set's expressions for one fiscal year and as-of date."""

    rs: RuleSet
    fiscal_year: int
    as_of: dt.date
    columns: set[str]
    # When set (by tier_stages), a metric referenced outside a year function is computed once, as staged
    # temporary columns named "<prefix><metric>…", instead of being repeated in every expression using it.
    stage_prefix: str | None = None
    # metric → its value, referring to the staged columns; and the expressions that compute those
    staged: dict[str, Any] = field(default_factory=dict)
    stage_exprs: list[pl.Expr] = field(default_factory=list)
    # Columns known to hold no null (an in-memory batch's null counts). An expression reading only those — and
    # no column the table lacks — is two-valued, and the criterion stages skip their "unknown" branches.
    known: frozenset[str] = frozenset()
    _depth: int = 0
    _absent: int = 0  # facts read that the table lacks (compiled to a null literal), counted to spot them
    _absent_metrics: set[str] = field(default_factory=set)

    def surely_known(self, node: E.Node) -> tuple[pl.Expr, bool]:
        """The compiled Boolean of `node`, and whether it can never be unknown (every column it reads is in
        `known`, directly or through staged metrics that are; none is missing from the table)."""
        before = self._absent
        value = self.boolean(self.compile(node))
        return value, self._absent == before and set(value.meta.root_names()) <= self.known

    def metric(self, name: str, loop_year: int | None):
        if self.stage_prefix is None or loop_year is not None or self._depth:
            self._depth += 1
            try:
                return self.compile(self.rs.metrics[name], loop_year)
            finally:
                self._depth -= 1
        if name not in self.staged:
            self._depth += 1
            outer, self._absent = self._absent, 0
            try:
                value = self.compile(self.rs.metrics[name], None)
            finally:
                self._depth -= 1
                inner, self._absent = self._absent, outer
            if inner:
                self._absent_metrics.add(name)
            count = len(self.stage_exprs)
            self.staged[name] = self._stage(f"{self.stage_prefix}{name}", value)
            made = self.stage_exprs[count:]
            if not inner and all(set(e.meta.root_names()) <= self.known for e in made):
                self.known = self.known | {e.meta.output_name() for e in made}
        if name in self._absent_metrics:
            self._absent += 1  # reading the staged columns reads what the metric lacked
        return self.staged[name]

    def _stage(self, col: str, value):
        if isinstance(value, Num):
            parts = [(value.num, f"{col}_n"), (value.den, f"{col}_d"), (value.ok, f"{col}_ok")]
            self.stage_exprs += [e.alias(c) for e, c in parts if e is not None]
            return Num(
                pl.col(f"{col}_n"),
                None if value.den is None else pl.col(f"{col}_d"),
                value.k,
                value.bits,
                value.den_bits,
                None if value.ok is None else pl.col(f"{col}_ok"),
            )
        if isinstance(value, pl.Expr):
            self.stage_exprs.append(value.alias(col))
            return pl.col(col)
        return value  # constants and cagr() values are used as they are

    def fact(self, name: str, year: int | None):
        key = name if year is None else f"{name}_{year}"
        spec = CATALOGUE.get(name)
        kind = (
            spec.kind
            if spec
            else (
                self.rs.local_facts.get(name[6:], {}).get("kind", "number")
                if name.startswith("local_")
                else "number"
            )
        )
        if key not in self.columns:
            self._absent += 1
            if kind in ("bool",):
                return pl.lit(None, dtype=pl.Boolean)
            if kind in ("text",):
                return pl.lit(None, dtype=pl.String)
            if kind == "date":
                return pl.lit(None, dtype=pl.Date)
            return Num(pl.lit(None, dtype=pl.Int64), None, 0, 1)
        col = pl.col(key)
        if kind in ("bool", "text", "date"):
            return col
        if spec is not None and spec.enum is not None:
            return Num(col, None, 0, 8)
        scale = SCALE.get(kind, 0)
        return Num(col, None, scale, BITS.get(kind, 40))

    def compile(self, node: E.Node, loop_year: int | None = None) -> Any:
        c = self.compile
        if isinstance(node, E.Const):
            return node.value
        if isinstance(node, E.Fact):
            if node.year is None:
                return self.fact(node.name, None)
            if node.year == "*":
                return self.fact(node.name, loop_year)
            year = (
                node.year
                if isinstance(node.year, int)
                else (self.as_of.year if node.year == "cy" else self.fiscal_year - int(node.year[1:]))
            )
            return self.fact(node.name, year)
        if isinstance(node, E.Ref):
            return self.metric(node.name, loop_year)
        if isinstance(node, E.Neg):
            return self.arith("-", Fraction(0), c(node.operand, loop_year))
        if isinstance(node, E.BinOp):
            return self.arith(node.op, c(node.left, loop_year), c(node.right, loop_year))
        if isinstance(node, E.Not):
            return self.boolean(c(node.operand, loop_year)).not_()
        if isinstance(node, E.BoolOp):
            parts = [self.boolean(c(v, loop_year)) for v in node.values]
            return pl.all_horizontal(parts) if node.op == "and" else pl.any_horizontal(parts)
        if isinstance(node, E.Compare):
            return self.compare(node.op, c(node.left, loop_year), c(node.right, loop_year))
        if isinstance(node, E.Call):
            return self.call(node, loop_year)
        raise NotCompilable(f"cannot compile {node!r}")

    def boolean(self, v) -> pl.Expr:
        if isinstance(v, bool):
            return pl.lit(v)
        if isinstance(v, pl.Expr):
            return v
        raise NotCompilable(f"not a truth value: {v!r}")

    def num(self, v) -> Num:
        if isinstance(v, Num):
            return v
        if isinstance(v, Fraction):
            return _const_num(v)
        if isinstance(v, int) and not isinstance(v, bool):
            return _const_num(Fraction(v))
        raise NotCompilable(f"not a number: {v!r}")

    def arith(self, op: str, a, b):
        if isinstance(a, Fraction) and isinstance(b, Fraction):
            return E.arith(op, a, b)
        a, b = self.num(a), self.num(b)
        if op == "+":
            return _num_add(a, b, 1)
        if op == "-":
            return _num_add(a, b, -1)
        if op == "*":
            return _num_mul(a, b)
        if op == "/":
            return _num_div(a, b)
        raise NotCompilable(f"operator {op} on columns")

    def compare(self, op: str, a, b):
        if op in ("in", "not in"):
            values = list(b)
            hit = a.num.is_in([int(v) for v in values]) if isinstance(a, Num) else a.is_in(values)
            hit = pl.when(a.num.is_null() if isinstance(a, Num) else a.is_null()).then(None).otherwise(hit)
            return hit if op == "in" else hit.not_()
        if isinstance(a, _Cagr):
            return a.compare(op, b, self)
        if (
            isinstance(a, bool | str)
            or isinstance(b, bool | str)
            or (isinstance(a, pl.Expr) and not isinstance(a, Num))
        ):
            left = pl.lit(a) if isinstance(a, bool | str) else a
            right = pl.lit(b) if isinstance(b, bool | str) else b
            return {
                "==": left == right,
                "!=": left != right,
                ">=": left >= right,
                ">": left > right,
                "<=": left <= right,
                "<": left < right,
            }[op]
        if isinstance(a, Fraction) and isinstance(b, Fraction):
            return pl.lit(E.compare(op, a, b))
        return _cmp_nums(op, self.num(a), self.num(b))

    def years(self, node: E.Call) -> list[int]:
        n = int(node.args[1].value)
        anchor = node.args[2].value
        end = self.as_of.year if anchor == "cy" else self.fiscal_year - int(anchor[1:])
        return [end - i for i in range(n)]

    def call(self, node: E.Call, loop_year: int | None):
        fn, args = node.fn, node.args
        if fn in ("any_years", "all_years"):
            parts = [self.boolean(self.compile(args[0], y)) for y in self.years(node)]
            return pl.all_horizontal(parts) if fn == "all_years" else pl.any_horizontal(parts)
        if fn in ("sum_years", "mean_years"):
            total: Any = Fraction(0)
            years = self.years(node)
            for y in years:
                total = self.arith("+", total, self.compile(args[0], y))
            return self.arith("/", total, Fraction(len(years))) if fn == "mean_years" else total
        if fn == "ratio":
            return self.arith("/", self.compile(args[0], loop_year), self.compile(args[1], loop_year))
        if fn == "held":
            until = self.compile(args[0], loop_year)
            return until >= pl.lit(self.as_of)
        if fn == "full_years":
            since = self.compile(args[0], loop_year)
            anchor = args[1].value
            end_year = self.as_of.year if anchor == "cy" else self.fiscal_year - int(anchor[1:])
            jan1 = (since.dt.ordinal_day() == 1).cast(pl.Int64)  # 1 January
            years = (pl.lit(end_year, dtype=pl.Int64) - since.dt.year().cast(pl.Int64) + jan1).clip(
                lower_bound=0
            )
            return Num(years, None, 0, 16)
        if fn == "cagr":
            name, n = args[0].value, int(args[1].value)
            return _Cagr(
                self.num(self.fact(name, self.fiscal_year)),
                self.num(self.fact(name, self.fiscal_year - n)),
                n,
            )
        if fn == "count_true":
            parts = [self.boolean(self.compile(a, loop_year)) for a in args]
            any_null = pl.any_horizontal([p.is_null() for p in parts])
            total = pl.sum_horizontal([p.cast(pl.Int64) for p in parts])
            return Num(pl.when(any_null).then(None).otherwise(total), None, 0, 8)
        if fn == "known":
            parts = [self.compile(a, loop_year) for a in args]
            return pl.all_horizontal([(p.num if isinstance(p, Num) else p).is_not_null() for p in parts])
        if fn == "coalesce":
            parts = [self.compile(a, loop_year) for a in args]
            if (
                all(isinstance(p, Num) for p in parts)
                and len({(p.k, p.den is None) for p in parts}) == 1
                and parts[0].den is None
            ):
                return Num(pl.coalesce([p.num for p in parts]), None, parts[0].k, max(p.bits for p in parts))
            if all(isinstance(p, pl.Expr) and not isinstance(p, Num) for p in parts):
                return pl.coalesce(parts)
            raise NotCompilable("coalesce over values of different kinds")
        if fn in ("min", "max"):
            parts = [self.num(self.compile(a, loop_year)) for a in args]
            if all(p.den is None and p.k == parts[0].k for p in parts):
                op = pl.min_horizontal if fn == "min" else pl.max_horizontal
                any_null = pl.any_horizontal([p.num.is_null() for p in parts])
                return Num(
                    pl.when(any_null).then(None).otherwise(op([p.num for p in parts])),
                    None,
                    parts[0].k,
                    max(p.bits for p in parts),
                )
            raise NotCompilable(f"{fn} over ratios")
        raise NotCompilable(f"function {fn}")


@dataclass(frozen=True)
class _Cagr:
    end: Num
    start: Num
    years: int

    def compare(self, op: str, b, compiler: Compiler) -> pl.Expr:
        if not isinstance(b, Fraction):
            raise NotCompilable("cagr compared with a column")
        factor = (1 + b) ** self.years
        rhs = compiler.arith("*", self.start, factor)
        result = _cmp_nums(op, self.end, compiler.num(rhs))
        positive = _cmp_nums(">", self.start, _const_num(Fraction(0)))
        return pl.when(positive.not_()).then(pl.lit(False)).otherwise(result)


# ---------------------------------------------------------------------------
# Criteria, scores, tiers


def _points_int(p: Fraction) -> int:
    if p.denominator != 1:
        raise NotCompilable("fractional points")
    return int(p)


def _at_least(lo: pl.Expr, hi: pl.Expr, threshold: Fraction) -> pl.Expr:
    t = pl.lit(_points_int(threshold))
    return (
        pl.when(lo >= t)
        .then(pl.lit(True))
        .when(hi < t)
        .then(pl.lit(False))
        .otherwise(pl.lit(None, dtype=pl.Boolean))
    )


# Every criterion, score and decision is computed once, as a temporary column (prefix "_z"), and later
# stages refer to those columns by name. Inlining them instead makes the plan grow with every reuse.
def _c(cid: str) -> str:
    return f"_zc_{cid}"


def _t(cid: str, i: int) -> str:
    return f"_zt_{cid}_{i}"


def _lo(cid: str) -> str:
    return f"_zlo_{cid}"


def _hi(cid: str) -> str:
    return f"_zhi_{cid}"


def _sv(tid: str, variant: int) -> str:
    return f"_zs_{variant}_{tid}"


def _first_possible(options: list[tuple[int, int, pl.Expr]]) -> pl.Expr:
    """The points of the first option (in the given order) whose condition holds; null if none does."""
    pts, _i, cond = options[0]
    if len(options) == 1:
        return pl.when(cond).then(pl.lit(pts)).otherwise(None)
    chain = pl.when(cond).then(pl.lit(pts))
    for pts, _i, cond in options[1:]:
        chain = chain.when(cond).then(pl.lit(pts))
    return chain.otherwise(None)


def _same_subject(options) -> bool:
    """Every option but the fallback compares the same expression with a constant (bands, yes/no options).

    Their tests are then unknown together — exactly where that expression is unknown — so a row either
    knows every test (one option applies: its points) or none (any option may: the lowest and highest
    points), and the point range is read from two short tables instead of two chains over the options.
    """
    tests = [o.test for o in options[:-1]]
    if not tests or options[-1].test is not None:
        return False
    first = tests[0]
    return all(
        isinstance(t, E.Compare)
        and isinstance(t.right, E.Const)
        and t.left == first.left
        and t.op not in ("in", "not in")
        for t in tests
    )


def _band_index(tests: list[pl.Expr], two_valued: bool = False) -> pl.Expr:
    """The first option whose test holds (the fallback, len(tests), when none does), or len(tests) + 1 where the tests
    are unknown (they are unknown together: `_same_subject`; never, when they are `two_valued`)."""
    n = len(tests) + 1
    idx: pl.Expr = pl.lit(n - 1, dtype=pl.UInt32)
    for i in reversed(range(n - 1)):
        idx = pl.when(tests[i]).then(pl.lit(i, dtype=pl.UInt32)).otherwise(idx)
    return idx if two_valued else pl.when(tests[0].is_null()).then(pl.lit(n, dtype=pl.UInt32)).otherwise(idx)


def _band_points(cid: str, options, two_valued: bool = False) -> list[pl.Expr]:
    points = [_points_int(o.points) for o in options]
    idx = pl.col(f"_zft_{cid}")
    lo = pl.lit(pl.Series([*points, min(points)], dtype=pl.Int32)).gather(idx)
    if two_valued:  # one option applies: its points are the lowest and the highest
        return [lo.alias(_lo(cid)), lo.alias(_hi(cid))]
    hi = pl.lit(pl.Series([*points, max(points)], dtype=pl.Int32)).gather(idx)
    return [lo.alias(_lo(cid)), hi.alias(_hi(cid))]


def criterion_stage(
    rs: RuleSet, comp: Compiler, done: set[str], two_valued: set[str] | None = None
) -> tuple[list[pl.Expr], list[pl.Expr], list[pl.Expr]]:
    """Stage 1: condition outcomes and option tests; 2: the first option that surely holds; 3: point ranges.

    Indicators whose tests can never be unknown (`Compiler.known`) are added to `two_valued`: one option applies,
    found by one chain, and their point range is a single value.
    """
    two_valued = set() if two_valued is None else two_valued
    from .evaluate import criteria_of

    first: list[pl.Expr] = []
    second: list[pl.Expr] = []
    third: list[pl.Expr] = []
    for tier in rs.tiers.values():
        for cid in criteria_of(tier.require, rs, tier):
            if cid in done:
                continue
            done.add(cid)
            c = rs.criteria[cid]
            if c.kind == "condition":
                first.append(comp.boolean(comp.compile(c.test)).alias(_c(cid)))
                continue
            compiled = [
                (pl.lit(True), True) if o.test is None else comp.surely_known(o.test) for o in c.options[:-1]
            ]
            if all(known for _e, known in compiled):
                two_valued.add(cid)
                first.append(_band_index([e for e, _k in compiled], True).alias(f"_zft_{cid}"))
                third += _band_points(cid, c.options, True)
                continue
            if _same_subject(c.options):
                first.append(_band_index([e for e, _k in compiled]).alias(f"_zft_{cid}"))
                third += _band_points(cid, c.options)
                continue
            for i, option in enumerate(c.options[:-1]):  # the last option is the fallback, without a test
                if option.test is not None:
                    first.append(compiled[i][0].alias(_t(cid, i)))
            # the first option that surely holds; options after it cannot apply, options before it may (if unknown)
            first_true: pl.Expr = pl.lit(len(c.options) - 1)
            for i in reversed(range(len(c.options))):
                if c.options[i].test is not None:
                    first_true = (
                        pl.when(pl.col(_t(cid, i)).fill_null(False)).then(pl.lit(i)).otherwise(first_true)
                    )
            # option i is possible when no earlier option surely holds (i <= first sure option) and its own test
            # is not surely false; the lowest and highest points of the possible options, each as one chain
            # over the options sorted by points (the first possible option in that order wins)
            ft = pl.col(f"_zft_{cid}")
            possible = []
            for i, option in enumerate(c.options):
                cond = ft >= i if i else pl.lit(True)
                if option.test is not None:
                    cond = (
                        cond & pl.col(_t(cid, i)).fill_null(True) if i else pl.col(_t(cid, i)).fill_null(True)
                    )
                possible.append((_points_int(option.points), i, cond))
            second.append(first_true.alias(f"_zft_{cid}"))
            third.append(_first_possible(sorted(possible, key=lambda p: (p[0], p[1]))).alias(_lo(cid)))
            third.append(_first_possible(sorted(possible, key=lambda p: (-p[0], p[1]))).alias(_hi(cid)))
    return first, second, third


def _decision(req: Req, rs: RuleSet, variant: int, tier_id: str) -> pl.Expr:
    """A requirement tree over the stage-1 and stage-3 columns (small: its leaves are column names)."""
    if req.op == "criterion":
        return pl.col(_c(req.criterion)) if rs.criteria[req.criterion].kind == "condition" else pl.lit(True)
    if req.op == "score":
        return pl.col(_sv(tier_id, variant))
    if req.op == "tier":
        return _decision(req.ref.require, rs, variant, req.ref.id)
    parts = [_decision(ch, rs, variant, tier_id) for ch in req.children]
    return pl.all_horizontal(parts) if req.op == "all" else pl.any_horizontal(parts)


def _route(tier: Tier, rs: RuleSet, variant: int, names: list[str]) -> pl.Expr:
    """The first passing branch of the first 'any', named as the single path names it — as its position in
    `names` (appended to as new names are met), so that the strings are made once, by one gather."""
    branches: list[tuple[str, pl.Expr]] = []

    def walk(r: Req):
        if r.op == "any":
            for ch in r.children:
                branches.append((ch.route or ch.criterion or ch.op, _decision(ch, rs, variant, tier.id)))
            return
        for ch in r.children:
            walk(ch)

    def index(name: str) -> pl.Expr:
        if name not in names:
            names.append(name)
        return pl.lit(names.index(name), dtype=pl.UInt32)

    walk(tier.require)
    expr = index("score" if tier.score else "general")
    for name, ok in reversed(branches):
        expr = pl.when(ok.fill_null(False)).then(index(name)).otherwise(expr)
    return expr


def _named(names: list[str], index: pl.Expr) -> pl.Expr:
    """names[index] (null where the index is null)."""
    return pl.lit(pl.Series(names, dtype=pl.String)).gather(index)


def tier_stages(variants: list[tuple[str | None, RuleSet, Compiler]], region: pl.Expr) -> list[list[pl.Expr]]:
    """Stages of column expressions for every tier; `variants` = (region prefix or None for the base, rule set, compiler).

    Output columns: <tier>_qualified, <tier>_score_min/_max/_score, <tier>_route, highest_tier (plus _z* temporaries).
    """
    done: set[str] = set()
    two_valued: set[str] = set()  # indicators whose point range is a single value (see criterion_stage)
    stage0: list[pl.Expr] = []
    stage1: list[pl.Expr] = []
    stage2: list[pl.Expr] = []
    stage2b: list[pl.Expr] = []
    for v, (_prefix, rs, comp) in enumerate(variants):
        saved = comp.stage_prefix, comp.staged, comp.stage_exprs
        comp.stage_prefix, comp.staged, comp.stage_exprs = f"_zm{v}_", {}, []
        try:
            a, b, c = criterion_stage(rs, comp, done, two_valued)
            stage0 += comp.stage_exprs
        finally:
            comp.stage_prefix, comp.staged, comp.stage_exprs = saved
        stage1 += a
        stage2 += b
        stage2b += c
    base = variants[0][1]
    # which overlay applies to a row, once per overlay
    stage0 += [
        region.str.starts_with(prefix).alias(f"_zreg_{v}")
        for v, (prefix, _rs, _comp) in enumerate(variants[1:], start=1)
    ]

    def pick(make) -> pl.Expr:
        """The base variant's expression, replaced by an overlay's where the region matches its prefix."""
        expr = make(0, base)
        for v, (_prefix, rs, _comp) in enumerate(variants[1:], start=1):
            expr = pl.when(pl.col(f"_zreg_{v}")).then(make(v, rs)).otherwise(expr)
        return expr

    stage3: list[pl.Expr] = []
    for v, (_prefix, rs, _comp) in enumerate(variants):
        for tid, tier in rs.tiers.items():
            if tier.score is None:
                continue
            sc = tier.score

            def at_least(indicators, threshold) -> pl.Expr:
                low = pl.sum_horizontal([pl.col(_lo(i)) for i in indicators])
                if set(indicators) <= two_valued:  # a single total: the verdict is known
                    return low >= pl.lit(_points_int(threshold))
                return _at_least(low, pl.sum_horizontal([pl.col(_hi(i)) for i in indicators]), threshold)

            lo = pl.sum_horizontal([pl.col(_lo(i)) for i in sc.indicators])
            hi = (
                lo
                if set(sc.indicators) <= two_valued
                else pl.sum_horizontal([pl.col(_hi(i)) for i in sc.indicators])
            )
            verdicts = [at_least(sc.indicators, sc.threshold)]
            for g in sc.groups:
                if g.minimum is not None:
                    verdicts.append(at_least(g.indicators, g.minimum))
            stage3.append(pl.all_horizontal(verdicts).alias(_sv(tid, v)))
            stage3.append(lo.alias(f"_zmin_{v}_{tid}"))
            stage3.append(hi.alias(f"_zmax_{v}_{tid}"))
    stage4: list[pl.Expr] = []
    for tid, tier in base.tiers.items():
        stage4.append(
            pick(lambda v, rs, tid=tid: _decision(rs.tiers[tid].require, rs, v, tid)).alias(
                f"{tid}_qualified"
            )
        )
        if tier.score is not None:
            stage4.append(pick(lambda v, rs, tid=tid: pl.col(f"_zmin_{v}_{tid}")).alias(f"{tid}_score_min"))
            stage4.append(pick(lambda v, rs, tid=tid: pl.col(f"_zmax_{v}_{tid}")).alias(f"{tid}_score_max"))
    stage5: list[pl.Expr] = []
    for tid, tier in base.tiers.items():
        if tier.score is not None:
            lo, hi = pl.col(f"{tid}_score_min"), pl.col(f"{tid}_score_max")
            stage5.append(pl.when(lo == hi).then(lo).otherwise(None).alias(f"{tid}_score"))
        names: list[str] = []
        route = pick(lambda v, rs, tid=tid, names=names: _route(rs.tiers[tid], rs, v, names))
        route = pl.when(pl.col(f"{tid}_qualified").fill_null(False)).then(route).otherwise(None)
        stage5.append(_named(names, route).alias(f"{tid}_route"))
    ladder = list(base.ladder or tuple(base.tiers))
    highest = pl.lit(0, dtype=pl.UInt32)
    for k, tid in enumerate(ladder, start=1):
        highest = (
            pl.when(pl.col(f"{tid}_qualified").fill_null(False))
            .then(pl.lit(k, dtype=pl.UInt32))
            .otherwise(highest)
        )
    stage5.append(_named(["none", *ladder], highest).alias("highest_tier"))
    return [stage0, stage1, stage2, stage2b, stage3, stage4, stage5]


# ---------------------------------------------------------------------------
# Size classification and the digital level, as columns


def size_columns(size_rs: RuleSet, fiscal_year: int, columns: set[str]) -> list[list[pl.Expr]]:
    """Size class per row, three-valued as in the single path, in stages.

    Stage 1 turns the sector into a small integer once (the 1,972 industry codes looked up a single
    time); stage 2 reads each class's lower bounds for that sector by position in a 16-entry list
    (a gather, not a string lookup per class and measure) and compares; stage 3 names the class.
    A sector id in `size_sector` that the rules do not know leaves the class undetermined, as in the
    single path (`size.sector_of` finds no sector).
    """
    from .codes import industries
    from .size import CLASSES, MEASURES, sector_of, sectors

    table = sectors(size_rs)
    ids = list(table)
    index = {sid: i for i, sid in enumerate(ids)}
    mapping = {code: index[sector_of(size_rs, code, None).id] for code in industries()}
    code = pl.col("industry") if "industry" in columns else pl.lit(None, dtype=pl.String)
    idx = code.replace_strict(mapping, default=None, return_dtype=pl.UInt8)
    if "size_sector" in columns:
        given = pl.col("size_sector")
        idx = (
            pl.when(given.is_null())
            .then(idx)
            .otherwise(given.replace_strict(index, default=None, return_dtype=pl.UInt8))
        )
    derived = _named(ids, pl.col("_zsz_sector"))
    sector = pl.col("_zsz_sector")

    def measure(m: str) -> pl.Expr:
        key = f"{m}_{fiscal_year}"
        return pl.col(key) if key in columns else pl.lit(None, dtype=pl.Int64)

    def met(cls: str) -> pl.Expr:
        checks = []
        for m in MEASURES:
            scale = 10 ** SCALE.get(CATALOGUE[m].kind, 0)
            bounds = [
                int(sec.classes[cls][m] * scale) if m in sec.classes[cls] else None for sec in table.values()
            ]
            if all(b is None for b in bounds):
                continue
            check = measure(m) >= pl.lit(pl.Series(bounds, dtype=pl.Int64)).gather(sector)
            if any(b is None for b in bounds):
                # no bound for this sector: met, even where the measure is unknown
                check = check | pl.lit(pl.Series([b is None for b in bounds])).gather(sector)
            checks.append(check)
        return (
            pl.when(sector.is_null())
            .then(pl.lit(None, dtype=pl.Boolean))
            .otherwise(pl.all_horizontal(checks))
        )

    large, medium, small = (pl.col(f"_zsize_{c}") for c in CLASSES)
    order = ["large", "medium", "small", "micro"]  # the first class that holds, as in the single path
    u = pl.UInt32
    which = (
        pl.when(large)
        .then(pl.lit(0, dtype=u))
        .when(large.not_() & medium)
        .then(pl.lit(1, dtype=u))
        .when(large.not_() & medium.not_() & small)
        .then(pl.lit(2, dtype=u))
        .when(large.not_() & medium.not_() & small.not_())
        .then(pl.lit(3, dtype=u))
        .otherwise(pl.lit(None, dtype=u))
    )
    name = _named(order, pl.col("_zsz_class"))
    size_order = pl.lit(pl.Series([SIZE_ORDER[c] for c in order], dtype=pl.Int64)).gather(
        pl.col("_zsz_class")
    )
    is_sme = (
        pl.when(large.not_())
        .then(pl.lit(True))
        .when(large)
        .then(pl.lit(False))
        .otherwise(pl.lit(None, dtype=pl.Boolean))
    )
    return [
        [idx.alias("_zsz_sector")],
        [derived.alias("size_sector_derived"), *(met(c).alias(f"_zsize_{c}") for c in CLASSES)],
        [which.alias("_zsz_class")],
        [name.alias("size"), size_order.alias("size_class"), is_sme.alias("size_is_sme")],
    ]


def digital_level_column(level_rs: RuleSet, columns: set[str]) -> pl.Expr | None:
    source, target = level_rs.raw.get("input"), level_rs.raw.get("output")
    if source not in columns:
        return None
    from .numbers import to_fraction

    score = pl.col(source)
    derived: pl.Expr = pl.lit(int(level_rs.raw.get("below", {}).get("level", 0)))
    for band in reversed(level_rs.raw.get("levels", [])):
        edge = to_fraction(band["from"]) * 100
        derived = pl.when(score >= pl.lit(int(edge))).then(pl.lit(int(band["level"]))).otherwise(derived)
    derived = pl.when(score.is_null()).then(None).otherwise(derived)
    if target in columns:
        return pl.coalesce([pl.col(target), derived]).alias(target)
    return derived.alias(target)
