"""The small expression language that criteria files are written in.

Why a language of our own: the same text must be (1) evaluated on one profile with
a trace of every fact it read, (2) solved for one fact to tell a user how far a
threshold is ("研发费用还需增加 32.5 万元"), and (3) compiled to whole-column
expressions for batch screening. A restricted subset of Python syntax, parsed with
`ast`, gives all three without `eval`.

Values: Fraction numbers, bools, strings (enum members), dates, UNKNOWN (a fact is
missing) and UNDEFINED (e.g. a ratio over zero). Logic is three-valued (Kleene):
`False and UNKNOWN` is False, `True or UNKNOWN` is True.

Year-indexed facts are written `revenue[y0]` (y0 = last fiscal year, y1 the year
before, …; cy = the as-of year). Inside a year function (`sum_years`, `all_years`,
`any_years`, `mean_years`) a bare year-indexed fact means "that year".
"""

from __future__ import annotations

import ast
import datetime as dt
import operator
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from .errors import RuleDataError
from .numbers import to_fraction


class _Marker:
    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name

    def __bool__(self) -> bool:
        raise TypeError(f"{self.name} has no truth value; use the three-valued helpers")


UNKNOWN = _Marker("UNKNOWN")
UNDEFINED = _Marker("UNDEFINED")
_ZERO, _ONE = Fraction(0), Fraction(1)  # Fractions are immutable: shared, not rebuilt at every step
_ORDER = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}
_TEST = {**_ORDER, "==": operator.eq, "!=": operator.ne}


class NonLinear(Exception):
    """The expression is not affine in the fact being solved for."""


# ---------------------------------------------------------------------------
# Symbolic values used only when solving for one fact (gap analysis).


@dataclass(frozen=True)
class Affine:
    """a·x + b in the one unknown x being solved for."""

    a: Fraction
    b: Fraction


@dataclass(frozen=True)
class AffineRatio:
    """num / den where both are affine in x; compared as num - t·den against 0 (den > 0)."""

    num: Affine
    den: Affine


@dataclass(frozen=True)
class Cagr:
    """Compound annual growth from `start` to `end` over `years`; compared exactly.

    cagr ≥ r  ⇔  end ≥ start·(1+r)^years  (start > 0), so no root is ever taken.
    """

    end: Any
    start: Any
    years: int

    def approx(self) -> float | None:
        if (
            isinstance(self.end, Fraction)
            and isinstance(self.start, Fraction)
            and self.start > 0
            and self.end >= 0
        ):
            return float(self.end / self.start) ** (1 / self.years) - 1
        return None


# ---------------------------------------------------------------------------
# Parsed tree


@dataclass(frozen=True)
class Node:
    pass


@dataclass(frozen=True)
class Const(Node):
    value: Any


@dataclass(frozen=True)
class Fact(Node):
    """A fact; `year` is None (timeless), 'y0'…'y9', 'cy', or '*' (the year of an enclosing year function)."""

    name: str
    year: str | int | None


@dataclass(frozen=True)
class Ref(Node):
    """A named metric of the rule set."""

    name: str


@dataclass(frozen=True)
class BinOp(Node):
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Neg(Node):
    operand: Node


@dataclass(frozen=True)
class Compare(Node):
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class BoolOp(Node):
    op: str  # 'and' | 'or'
    values: tuple[Node, ...]


@dataclass(frozen=True)
class Not(Node):
    operand: Node


@dataclass(frozen=True)
class Call(Node):
    fn: str
    args: tuple[Node, ...]


YEAR_FUNCTIONS = {"sum_years", "mean_years", "all_years", "any_years", "min_years", "max_years"}
PLAIN_FUNCTIONS = {"ratio", "min", "max", "coalesce", "full_years", "held", "cagr", "known", "count_true"}
_CMP = {
    ast.GtE: ">=",
    ast.Gt: ">",
    ast.LtE: "<=",
    ast.Lt: "<",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.In: "in",
    ast.NotIn: "not in",
}
_BIN = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}


@dataclass
class Vocabulary:
    """What names an expression may use: facts (timeless or per-year) and metrics."""

    timeless: set[str] = field(default_factory=set)
    yearly: set[str] = field(default_factory=set)
    metrics: set[str] = field(default_factory=set)
    enums: dict[str, dict[str, int]] = field(default_factory=dict)  # ordered facts: name → {member: rank}


_PERCENT = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)%")  # 3% → (3/100), exact


def _percent_outside_quotes(text: str) -> str:
    """3% → (3/100) in the expression itself; a quoted "3%" stays a string and is read as 3% later."""
    parts = re.split(r"""("[^"]*"|'[^']*')""", text)
    return "".join(p if p[:1] in "\"'" else _PERCENT.sub(lambda m: f"({m.group(1)}/100)", p) for p in parts)


def parse(text: str, vocab: Vocabulary, where: str) -> Node:
    """Parse `text`; `where` names the file and key for the error message."""
    if isinstance(text, bool):
        return Const(text)
    if isinstance(text, int | float):
        return Const(to_fraction(text))
    if not isinstance(text, str) or not text.strip():
        raise RuleDataError(f"{where}: expected an expression, got {text!r}")
    source = _percent_outside_quotes(text.strip())
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise RuleDataError(f"{where}: cannot parse expression {text!r}: {exc.msg}") from None
    return _Builder(vocab, where, text).build(tree.body, in_year_fn=False)


class _Builder:
    def __init__(self, vocab: Vocabulary, where: str, text: str):
        self.vocab, self.where, self.text = vocab, where, text

    def fail(self, why: str):
        raise RuleDataError(f"{self.where}: {why} in expression {self.text!r}")

    def build(self, n: ast.AST, in_year_fn: bool) -> Node:
        b = self.build
        if isinstance(n, ast.Constant):
            if isinstance(n.value, bool) or n.value is None:
                return Const(n.value)
            if isinstance(n.value, int | float):
                return Const(to_fraction(n.value))
            if isinstance(n.value, str):
                num = to_fraction(n.value) if n.value.endswith("%") else None
                return Const(num if num is not None else n.value)
            self.fail(f"unsupported constant {n.value!r}")
        if isinstance(n, ast.Tuple | ast.List):
            return Const(tuple(self._const(e) for e in n.elts))
        if isinstance(n, ast.Name):
            return self._name(n.id, None, in_year_fn)
        if isinstance(n, ast.Subscript):
            if not isinstance(n.value, ast.Name):
                self.fail("only a fact name may be indexed by a year")
            idx = n.slice
            if not (
                isinstance(idx, ast.Name) and (idx.id == "cy" or (idx.id[0] == "y" and idx.id[1:].isdigit()))
            ):
                self.fail("a year index must be y0, y1, … or cy")
            return self._name(n.value.id, idx.id, in_year_fn)
        if isinstance(n, ast.BinOp) and type(n.op) in _BIN:
            return BinOp(_BIN[type(n.op)], b(n.left, in_year_fn), b(n.right, in_year_fn))
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub):
            return Neg(b(n.operand, in_year_fn))
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.Not):
            return Not(b(n.operand, in_year_fn))
        if isinstance(n, ast.BoolOp):
            return BoolOp(
                "and" if isinstance(n.op, ast.And) else "or", tuple(b(v, in_year_fn) for v in n.values)
            )
        if isinstance(n, ast.Compare):
            parts, left = [], b(n.left, in_year_fn)
            for op, comp in zip(n.ops, n.comparators, strict=True):
                if type(op) not in _CMP:
                    self.fail("unsupported comparison")
                right = b(comp, in_year_fn)
                parts.append(self._enum_compare(_CMP[type(op)], left, right))
                left = right
            return parts[0] if len(parts) == 1 else BoolOp("and", tuple(parts))
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and not n.keywords:
            fn = n.func.id
            if fn in YEAR_FUNCTIONS:
                if len(n.args) not in (2, 3):
                    self.fail(f"{fn}(expr, years[, anchor]) takes 2 or 3 arguments")
                inner = b(n.args[0], in_year_fn=True)
                years = self._const(n.args[1])
                if not isinstance(years, Fraction) or years.denominator != 1 or years < 1:
                    self.fail(f"{fn}: the number of years must be a whole number ≥ 1")
                anchor = n.args[2].id if len(n.args) == 3 and isinstance(n.args[2], ast.Name) else "y0"
                if anchor != "cy" and not (anchor[0] == "y" and anchor[1:].isdigit()):
                    self.fail(f"{fn}: the anchor must be y0, y1, … or cy")
                return Call(fn, (inner, Const(years), Const(anchor)))
            if fn in PLAIN_FUNCTIONS:
                if fn == "cagr":
                    if len(n.args) != 2 or not isinstance(n.args[0], ast.Name):
                        self.fail("cagr(fact, years) takes a per-year fact and a number of years")
                    if n.args[0].id not in self.vocab.yearly:
                        self.fail(f"cagr: {n.args[0].id!r} is not a per-year fact")
                    return Call(fn, (Const(n.args[0].id), Const(self._const(n.args[1]))))
                if fn == "full_years":
                    if len(n.args) != 2 or not isinstance(n.args[1], ast.Name):
                        self.fail("full_years(date_fact, y0|cy) takes a date fact and a year anchor")
                    return Call(fn, (b(n.args[0], in_year_fn), Const(n.args[1].id)))
                return Call(fn, tuple(b(a, in_year_fn) for a in n.args))
            self.fail(f"unknown function {fn!r}")
        self.fail(f"unsupported syntax {type(n).__name__}")

    def _enum_compare(self, op: str, left: Node, right: Node) -> Compare:
        """`rd_institution_level >= "provincial"` compares ranks; the member name is checked here."""
        for fact, other in ((left, right), (right, left)):
            if isinstance(fact, Fact) and fact.name in self.vocab.enums and isinstance(other, Const):
                order = self.vocab.enums[fact.name]

                def rank(v, order=order, name=fact.name):
                    if v not in order:
                        self.fail(f"{v!r} is not one of {', '.join(order)} (values of {name})")
                    return Fraction(order[v])

                if isinstance(other.value, str):
                    other = Const(rank(other.value))
                elif isinstance(other.value, tuple):
                    other = Const(tuple(rank(v) for v in other.value))
                return Compare(op, fact, other) if fact is left else Compare(op, other, fact)
        return Compare(op, left, right)

    def _const(self, n: ast.AST):
        node = self.build(n, in_year_fn=False)
        if not isinstance(node, Const):
            self.fail("a list may hold only constants")
        return node.value

    def _name(self, name: str, year: str | None, in_year_fn: bool) -> Node:
        if name in ("True", "False"):
            return Const(name == "True")
        if name in self.vocab.metrics and year is None:
            return Ref(name)
        if name in self.vocab.yearly:
            if year is None:
                if not in_year_fn:
                    self.fail(f"per-year fact {name!r} needs a year, e.g. {name}[y0]")
                return Fact(name, "*")
            return Fact(name, year)
        if name in self.vocab.timeless:
            if year is not None:
                self.fail(f"fact {name!r} has no years")
            return Fact(name, None)
        self.fail(f"unknown name {name!r}")


# ---------------------------------------------------------------------------
# Evaluation


@dataclass
class Context:
    """What an evaluation needs besides the expression: facts, dates, metrics, and a trace."""

    facts: dict[str, Any]
    fiscal_year: int
    as_of: dt.date
    metrics: dict[str, Node] = field(default_factory=dict)
    reads: dict[str, Any] = field(default_factory=dict)
    solve_for: str | None = None  # fact key replaced by x when solving
    coupled: dict[str, Fraction] = field(default_factory=dict)  # keys that move with x: key → value - x₀
    metric_cache: dict[str, Any] = field(default_factory=dict)
    # title facts whose tier the enterprise meets now (`gaps.titles_in_reach`): the gap search asks for these first
    titles_in_reach: frozenset[str] = frozenset()

    def year_of(self, anchor: str | int, loop_year: int | None = None) -> int:
        if isinstance(anchor, int):
            return anchor
        if anchor == "*":
            assert loop_year is not None
            return loop_year
        if anchor == "cy":
            return self.as_of.year
        return self.fiscal_year - int(anchor[1:])

    def fork(
        self,
        solve_for: str | None = None,
        coupled: dict[str, Fraction] | None = None,
        facts: dict | None = None,
    ) -> Context:
        """A context for another evaluation: its own trace; the metrics' values are shared while the facts are the
        same (the gap search evaluates one test several times on the same facts). Never change a fork's facts or
        dates in place: fork with new `facts`, or `dataclasses.replace` with a fresh `metric_cache`."""
        same = facts is None and solve_for is None and not coupled
        return Context(
            self.facts if facts is None else facts,
            self.fiscal_year,
            self.as_of,
            self.metrics,
            {},
            solve_for,
            coupled or {},
            self.metric_cache if same else {},
            self.titles_in_reach,
        )


def fact_key(name: str, year: int | None) -> str:
    return name if year is None else f"{name}_{year}"


def truth(v) -> Any:
    """Normalise to True / False / UNKNOWN."""
    if v is True or v is False or v is UNKNOWN:
        return v
    if v is UNDEFINED:
        return False
    raise TypeError(f"not a truth value: {v!r}")


def evaluate(node: Node, ctx: Context, loop_year: int | None = None):
    # dispatch on the exact node class (none is subclassed), most frequent first: the gap search calls this
    # hundreds of times per plan
    ev = evaluate
    t = type(node)
    if t is Fact:
        year = None if node.year is None else ctx.year_of(node.year, loop_year)
        key = node.name if year is None else f"{node.name}_{year}"
        if ctx.solve_for == key:
            return Affine(_ONE, _ZERO)
        if key in ctx.coupled:
            return Affine(_ONE, ctx.coupled[key])
        value = ctx.facts.get(key, UNKNOWN)
        if value is None:
            value = UNKNOWN
        ctx.reads[key] = value
        return value
    if t is Const:
        return node.value
    if t is Compare:
        return compare(node.op, ev(node.left, ctx, loop_year), ev(node.right, ctx, loop_year), ctx, node)
    if t is BinOp:
        return arith(node.op, ev(node.left, ctx, loop_year), ev(node.right, ctx, loop_year))
    if t is Ref:
        if ctx.solve_for is None and node.name in ctx.metric_cache:
            value, reads = ctx.metric_cache[node.name]
            ctx.reads.update(reads)
            return value
        outer = ctx.reads
        ctx.reads = {}
        value = ev(ctx.metrics[node.name], ctx, loop_year)
        reads, ctx.reads = ctx.reads, outer
        ctx.reads.update(reads)
        if ctx.solve_for is None:
            ctx.metric_cache[node.name] = (value, reads)
        return value
    if t is Call:
        return _call(node, ctx, loop_year)
    if t is BoolOp:
        results = [truth(ev(v, ctx, loop_year)) for v in node.values]
        stop = node.op == "or"
        if stop in results:
            return stop
        return UNKNOWN if UNKNOWN in results else (not stop)
    if t is Not:
        v = truth(ev(node.operand, ctx, loop_year))
        return v if v is UNKNOWN else not v
    if t is Neg:
        return arith("-", _ZERO, ev(node.operand, ctx, loop_year))
    raise TypeError(node)


def _years(node: Call, ctx: Context) -> list[int]:
    n = int(node.args[1].value)
    end = ctx.year_of(node.args[2].value)
    return [end - i for i in range(n)]


def _call(node: Call, ctx: Context, loop_year: int | None):
    fn, args = node.fn, node.args
    if fn in YEAR_FUNCTIONS:
        values = [evaluate(args[0], ctx, year) for year in _years(node, ctx)]
        if fn in ("all_years", "any_years"):
            return evaluate(
                BoolOp("and" if fn == "all_years" else "or", tuple(Const(truth(v)) for v in values)), ctx
            )
        if fn in ("sum_years", "mean_years"):
            total = Fraction(0)
            for v in values:
                total = arith("+", total, v)
            return arith("/", total, Fraction(len(values))) if fn == "mean_years" else total
        return _extreme(values, fn == "max_years")
    values = [evaluate(a, ctx, loop_year) for a in args] if fn not in ("cagr", "full_years") else None
    if fn == "ratio":
        return arith("/", values[0], values[1])
    if fn in ("min", "max"):
        return _extreme(values, fn == "max")
    if fn == "coalesce":
        for v in values:
            if v is not UNKNOWN:
                return v
        return UNKNOWN
    if fn == "known":
        return all(v is not UNKNOWN for v in values)
    if fn == "count_true":
        states = [truth(v) for v in values]
        return UNKNOWN if UNKNOWN in states else Fraction(sum(1 for v in states if v is True))
    if fn == "held":
        until = values[0]
        if until is UNKNOWN:
            return UNKNOWN
        return isinstance(until, dt.date) and until >= ctx.as_of
    if fn == "full_years":
        since = evaluate(args[0], ctx, loop_year)
        if since is UNKNOWN:
            return UNKNOWN
        end = dt.date(ctx.year_of(args[1].value), 12, 31)
        years = end.year - since.year - ((end.month, end.day) < (since.month, since.day))
        # A whole year is reached on the day before the anniversary's date, e.g. 2021-01-01 → 2022-12-31 is 2 years.
        anniversary_eve = _add_years(since, years + 1) - dt.timedelta(days=1)
        if anniversary_eve <= end:
            years += 1
        return Fraction(max(years, 0))
    if fn == "cagr":
        name, n = args[0].value, int(args[1].value)
        end = evaluate(Fact(name, "y0"), ctx, loop_year)
        start = evaluate(Fact(name, f"y{n}"), ctx, loop_year)
        if end is UNKNOWN or start is UNKNOWN:
            return UNKNOWN
        return Cagr(end, start, n)
    raise TypeError(fn)


def _add_years(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def _extreme(values, largest: bool):
    if any(v is UNDEFINED for v in values):
        return UNDEFINED
    known = [v for v in values if v is not UNKNOWN]
    if len(known) < len(values):
        return UNKNOWN
    if any(isinstance(v, Affine | AffineRatio) for v in known):
        raise NonLinear("min/max over the unknown")
    return max(known) if largest else min(known)


def _lift(v) -> Any:
    if isinstance(v, Fraction):
        return Affine(_ZERO, v)
    return v


def arith(op: str, a, b):
    if a is UNDEFINED or b is UNDEFINED:
        return UNDEFINED
    if op == "/" and isinstance(b, Fraction) and b == 0:
        return UNDEFINED  # over a known zero nothing is defined, whatever the numerator
    if a is UNKNOWN or b is UNKNOWN:
        return UNKNOWN
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            return UNDEFINED if b == 0 else a / b
        if op == "**":
            if b.denominator != 1:
                raise NonLinear("fractional power")
            return a ** int(b)
    if isinstance(a, Cagr) or isinstance(b, Cagr):
        raise NonLinear("arithmetic on a compound growth rate")
    return _symbolic(op, a, b)


def _symbolic(op: str, a, b):
    """Arithmetic where at least one side involves the unknown x."""
    if not all(isinstance(v, Fraction | Affine | AffineRatio) for v in (a, b)):
        raise TypeError(f"cannot compute {a!r} {op} {b!r}")
    if isinstance(a, AffineRatio) or isinstance(b, AffineRatio):
        ra = a if isinstance(a, AffineRatio) else AffineRatio(_lift(a), Affine(Fraction(0), Fraction(1)))
        rb = b if isinstance(b, AffineRatio) else AffineRatio(_lift(b), Affine(Fraction(0), Fraction(1)))
        if op in ("+", "-"):
            if rb.den.a == 0:
                k = rb.den.b
                num = _aff(op, _aff("*", ra.num, Affine(Fraction(0), k)), _aff("*", rb.num, ra.den))
                return AffineRatio(num, _aff("*", ra.den, Affine(Fraction(0), k)))
            if ra.den.a == 0:
                k = ra.den.b
                num = _aff(op, _aff("*", ra.num, rb.den), _aff("*", rb.num, Affine(Fraction(0), k)))
                return AffineRatio(num, _aff("*", rb.den, Affine(Fraction(0), k)))
            raise NonLinear("sum of two ratios over the unknown")
        if op == "*" and rb.den.a == 0 and rb.num.a == 0:
            return AffineRatio(_aff("*", ra.num, rb.num), _aff("*", ra.den, rb.den))
        if op == "*" and ra.den.a == 0 and ra.num.a == 0:
            return AffineRatio(_aff("*", ra.num, rb.num), _aff("*", ra.den, rb.den))
        if op == "/" and rb.num.a == 0 and rb.den.a == 0:
            return AffineRatio(_aff("*", ra.num, rb.den), _aff("*", ra.den, rb.num))
        raise NonLinear(f"{op} on a ratio over the unknown")
    la, lb = _lift(a), _lift(b)
    if op in ("+", "-", "*"):
        return _aff(op, la, lb)
    if op == "/":
        if lb.a == 0:
            if lb.b == 0:
                return UNDEFINED
            return Affine(la.a / lb.b, la.b / lb.b)
        return AffineRatio(la, lb)
    raise NonLinear(op)


def _aff(op: str, a: Affine, b: Affine) -> Affine:
    if op == "+":
        return Affine(a.a + b.a, a.b + b.b)
    if op == "-":
        return Affine(a.a - b.a, a.b - b.b)
    if op == "*":
        if a.a != 0 and b.a != 0:
            raise NonLinear("product of the unknown with itself")
        return Affine(a.a * b.b + b.a * a.b, a.b * b.b)
    raise NonLinear(op)


def compare(op: str, a, b, ctx: Context | None = None, node: Node | None = None):
    """Three-valued comparison; UNDEFINED (e.g. a ratio over zero) never passes."""
    if op in ("in", "not in"):
        if a is UNKNOWN:
            return UNKNOWN
        hit = a in b
        return hit if op == "in" else not hit
    if a is UNDEFINED or b is UNDEFINED:
        return False
    if a is UNKNOWN or b is UNKNOWN:
        return UNKNOWN
    if isinstance(a, Cagr):
        if (
            isinstance(a.end, Fraction | Affine)
            and isinstance(a.start, Fraction | Affine)
            and isinstance(b, Fraction)
        ):
            if isinstance(a.start, Fraction) and a.start <= 0:
                return False
            factor = (1 + b) ** a.years
            return compare(op, arith("-", a.end, arith("*", a.start, factor)), Fraction(0))
        raise NonLinear("compound growth compared with a non-constant")
    if isinstance(a, Affine | AffineRatio) or isinstance(b, Affine | AffineRatio):
        return Inequality.of(op, a, b)
    if op == "==":
        return a == b
    if op == "!=":
        return a != b
    try:
        return _ORDER[op](a, b)
    except TypeError:
        return False


@dataclass(frozen=True)
class Inequality:
    """a·x + b OP 0, the result of comparing while solving for x."""

    op: str
    a: Fraction
    b: Fraction

    @classmethod
    def of(cls, op: str, left, right) -> Inequality:
        diff = arith("-", left, right)
        if isinstance(diff, AffineRatio):
            # num/den OP 0 with den > 0 at the solution ⇔ num OP 0
            diff = diff.num
        if isinstance(diff, Fraction):
            diff = Affine(Fraction(0), diff)
        if not isinstance(diff, Affine):
            raise NonLinear("comparison does not reduce to a line")
        return cls(op, diff.a, diff.b)

    def boundary(self) -> Fraction | None:
        if self.a == 0:
            return None
        return -self.b / self.a

    def holds(self, x: Fraction) -> bool:
        return _TEST[self.op](self.a * x + self.b, 0)


def facts_used(node: Node, metrics: dict[str, Node]) -> set[str]:
    """Names of facts an expression may read (through metrics too), for documentation and levers."""
    out: set[str] = set()

    def walk(n: Node):
        if isinstance(n, Fact):
            out.add(n.name)
        elif isinstance(n, Ref):
            walk(metrics[n.name])
        elif isinstance(n, Call):
            if n.fn == "cagr":
                out.add(n.args[0].value)
            for a in n.args:
                walk(a)
        elif isinstance(n, BinOp | Compare):
            walk(n.left)
            walk(n.right)
        elif isinstance(n, Neg | Not):
            walk(n.operand)
        elif isinstance(n, BoolOp):
            for v in n.values:
                walk(v)

    walk(node)
    return out
