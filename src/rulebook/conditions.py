"""Policy eligibility: a list of conditions in the rule language, checked, explained and compiled.

Why here and not in the portal: a policy's conditions ("上年度营业收入不低于 2000 万元", "持有专精特新
“小巨人”称号", "注册地在广州市") are the same kind of rule as the tier criteria, so they are read
by the same parser (`expr`), explained with the same gap solver (`gaps.solve`: "还需增加 500 万元")
and compiled for whole registries by the same compiler (`batch.Compiler`). Nothing is copied.

A condition is either a triple built by the condition builder —
``{fact: revenue, year: y0, op: ">=", value: 20000000}`` — or a raw expression
``{expr: "rd_ratio >= 4%"}``; either may carry a ``label``. `check()` turns a list of them into
one expression, refusing malformed or contradictory ones with a message that names the condition;
`explain()` evaluates them three-valued on one profile's facts; `compile_polars()` /
`match_frame()` evaluate them for every row of a table. The format is documented in
policies/README.md.

Facts beyond the catalogue (`EXTRA`): code prefixes of the region (province, city) and of the
industry (门类, 大类, 中类) so that "属于" conditions are prefix matches; `cluster`, the set of
中小企业特色产业集群 the enterprise is a member of (not a profile field: the caller passes it from
its cluster registry, see `facts_for(clusters=…)` and `Members`); and the year a title was first
held (`recognition_<tier>_since_year`) for "新认定" policies.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import cache
from typing import Any

from . import expr as E
from .errors import ProfileInvalid, RulebookError, RuleDataError
from .expr import UNKNOWN, Context
from .facts import CATALOGUE, MEMBER_ZH, FactSet, flatten, split_key
from .numbers import fmt_number, fmt_percent, fmt_wan, to_fraction
from .registry import Registry, default_registry
from .ruleset import RuleSet, vocabulary

# ---------------------------------------------------------------------------
# Vocabulary


@dataclass(frozen=True)
class Extra:
    """A fact policies read that the tier rules do not: derived from the profile here."""

    name: str
    kind: str  # text | count
    zh: str
    path: str
    source: str = ""  # region / industry: the code this is a prefix of
    length: int = 0  # prefix length


class Members(frozenset):
    """A set-valued fact: the exact names of the clusters an enterprise belongs to.

    Why a frozenset that equals a name it contains: the expression language compares one value
    with constants (`x in ("A", "B")` tests `x == "A" or x == "B"`, `x == "A"`, `x != "A"`), so a
    membership set that equals each of its members makes `cluster in ("A", "B")` true exactly when
    the set meets {A, B} and `not in` when it does not, with no change to the evaluator. An empty
    set is a known answer (a member of none: `in` is False); an unknown membership is UNKNOWN, as
    for any fact. The compiled path gets the same answers from a list column (`_compiler_class`).
    """

    __slots__ = ()

    def __eq__(self, other):
        if isinstance(other, str):
            return frozenset.__contains__(self, other)
        return frozenset.__eq__(self, other)

    def __ne__(self, other):
        same = self.__eq__(other)
        return same if same is NotImplemented else not same

    __hash__ = frozenset.__hash__

    def __repr__(self) -> str:
        return f"Members({sorted(self)!r})"


def members_text(value: Members) -> str:
    """The clusters as a person reads them: “A”、“B”, or that there are none."""
    return "、".join(f"“{name}”" for name in sorted(value)) if value else "未加入任何产业集群"


TIER_ZH = {
    "innovative": "创新型中小企业",
    "tech_sme": "科技型中小企业",
    "specialized": "专精特新中小企业",
    "little_giant": "专精特新“小巨人”企业",
}

EXTRA: dict[str, Extra] = {
    e.name: e
    for e in [
        Extra("region_province", "text", "注册地所在省份", "region", "region", 2),
        Extra("region_city", "text", "注册地所在地市", "region", "region", 4),
        Extra("industry_section", "text", "所属行业门类", "industry", "industry", 1),
        Extra("industry_division", "text", "所属行业大类", "industry", "industry", 3),
        Extra("industry_group", "text", "所属行业中类", "industry", "industry", 4),
        Extra("cluster", "members", "所属产业集群", "cluster"),
        *[
            Extra(f"recognition_{t}_since_year", "count", f"首次取得{zh}称号的年份", "recognitions")
            for t, zh in TIER_ZH.items()
        ],
    ]
}
PREFIX_FACTS = {
    "region": (("region_province", 2), ("region_city", 4), ("region", 6)),
    "industry": (("industry_section", 1), ("industry_division", 3), ("industry_group", 4), ("industry", 5)),
}

# Titles a condition can ask for: name → (fact keys, any of which held counts; Chinese name). The tiers' entries hold
# every title fact the rule sets' tiers of that id confer (`confers:`; a test checks it).
TITLES: dict[str, tuple[tuple[str, ...], str]] = {
    "innovative": (("recognition_innovative_until",), "创新型中小企业"),
    "tech_sme": (("recognition_tech_sme_until", "honour_tech_sme_until"), "科技型中小企业"),
    "specialized": (("recognition_specialized_until",), "专精特新中小企业"),
    "little_giant": (("recognition_little_giant_until",), "专精特新“小巨人”企业"),
    "high_tech_enterprise": (("honour_high_tech_enterprise_until",), "高新技术企业"),
    "national_tech_innovation_demo": (
        ("honour_national_tech_innovation_demo_until",),
        "国家级技术创新示范企业",
    ),
    "ip_advantage": (("honour_ip_advantage_until",), "知识产权优势企业"),
    "ip_demo": (("honour_ip_demo_until",), "知识产权示范企业"),
}

OP_ZH = {
    ">=": "≥",
    ">": ">",
    "<=": "≤",
    "<": "<",
    "==": "=",
    "!=": "≠",
    "in": "属于",
    "not in": "不属于",
    "prefix": "属于",
    "not prefix": "不属于",
    "held": "持有",
    "not held": "未持有",
    "is": "为",
}
NUMERIC_OPS = (">=", ">", "<=", "<", "==", "!=")
YEAR_ZH = {
    "y0": "上年度",
    "y1": "上年度之前 1 年",
    "y2": "上年度之前 2 年",
    "y3": "上年度之前 3 年",
    "cy": "本年度",
}
HIDDEN = {
    "is_review",
    "size_sector_derived",
    "size_sector",
    "region",
    "industry",
}  # not offered as plain facts


class ConditionError(RulebookError):
    """Conditions that cannot be used; `problems` lists (condition number, label, message), 1-based."""

    def __init__(self, problems: list[tuple[int, str, str]]):
        self.problems = problems
        super().__init__("；".join(_problem_text(p) for p in problems))

    @property
    def message(self) -> str:
        return str(self)


def _problem_text(p: tuple[int, str, str]) -> str:
    number, label, message = p
    return f"条件 {number}（{label}）：{message}" if label else f"条件 {number}：{message}"


@dataclass(frozen=True)
class Item:
    """One checked condition: its source, its expression, its node and what the user reads."""

    index: int  # 1-based position in the policy's list; 0 = the implicit issuer-area condition
    source: dict
    text: str
    node: E.Node
    label: str
    kind: str = "expr"  # numeric | prefix | set | cluster | title | bool | expr


@dataclass(frozen=True)
class Checked:
    """A policy's conditions, checked against the vocabulary of one rule set; `node` is their conjunction."""

    items: tuple[Item, ...]
    text: str
    node: E.Node
    rules: str
    issuer_prefix: str = ""

    @property
    def conditions(self) -> list[dict]:
        return [i.source for i in self.items if i.index]


def rules_for(as_of: dt.date, registry: Registry | None = None) -> RuleSet:
    """The measures rule set whose metrics and classifiers policies use on `as_of`."""
    return (registry or default_registry()).in_force(as_of)


def _vocab(rs: RuleSet) -> E.Vocabulary:
    v = vocabulary(rs.local_facts, set(rs.metrics))
    v.timeless |= set(EXTRA)
    return v


def _kind_of(name: str, rs: RuleSet) -> tuple[str, dict | None]:
    """(kind, enum order) of a fact or metric name."""
    if name in EXTRA:
        return EXTRA[name].kind, None
    spec = CATALOGUE.get(name)
    if spec is not None:
        return spec.kind, spec.enum
    if name in rs.metrics:
        unit = rs.metric_labels.get(name, ("", "", ""))[2]
        return {"percent": "ratio", "money": "money", "years": "count", "count": "count"}.get(
            unit, "number"
        ), None
    if name.startswith("local_"):
        return str(rs.local_facts.get(name[6:], {}).get("kind", "number")), None
    return "number", None


def fact_label(name: str, rs: RuleSet | None = None) -> str:
    if name in EXTRA:
        return EXTRA[name].zh
    if name in CATALOGUE:
        return CATALOGUE[name].zh
    if rs is not None and name in rs.metric_labels:
        return rs.metric_labels[name][0]
    if name == "title":
        return "称号"
    return name


def builder_fields(as_of: dt.date, registry: Registry | None = None) -> list[dict]:
    """What the condition builder offers: every fact and metric with its kind, operators and choices."""
    rs = rules_for(as_of, registry)
    out: list[dict] = [
        {
            "fact": "region",
            "zh": "注册地（行政区划）",
            "kind": "code",
            "group": "地区与行业",
            "yearly": False,
            "ops": ["prefix", "not prefix"],
            "choices": [],
        },
        {
            "fact": "industry",
            "zh": "所属行业（国民经济行业代码）",
            "kind": "code",
            "group": "地区与行业",
            "yearly": False,
            "ops": ["prefix", "not prefix"],
            "choices": [],
        },
        {
            "fact": "title",
            "zh": "持有称号（有效期内）",
            "kind": "title",
            "group": "称号",
            "yearly": False,
            "ops": ["held", "not held"],
            "choices": [(k, zh) for k, (_keys, zh) in TITLES.items()],
        },
        {
            # values are exact cluster names; the caller offers its registry's clusters as choices
            "fact": "cluster",
            "zh": EXTRA["cluster"].zh,
            "kind": "cluster",
            "group": "产业集群",
            "yearly": False,
            "ops": ["in", "not in"],
            "choices": [],
        },
    ]
    groups = {
        "money": "财务",
        "count": "人员与知识产权",
        "ratio": "财务",
        "score": "评价与数字化",
        "bool": "资质与合规",
        "enum": "规模与级别",
        "text": "其他",
    }
    for name, spec in CATALOGUE.items():
        if name in HIDDEN or spec.kind == "date" or name.endswith("_until"):
            continue
        kind = spec.kind
        ops = (
            ["is"]
            if kind == "bool"
            else (
                ["in", "not in", *NUMERIC_OPS]
                if spec.enum
                else ["in", "not in"]
                if kind == "text"
                else list(NUMERIC_OPS)
            )
        )
        choices = [(m, MEMBER_ZH.get(m, m)) for m in spec.enum] if spec.enum else []
        group = (
            "数字化"
            if name.startswith("digital") or name == "core_business_on_information_system"
            else groups.get(kind, "其他")
        )
        out.append(
            {
                "fact": name,
                "zh": spec.zh,
                "kind": "enum" if spec.enum else kind,
                "group": group,
                "yearly": spec.yearly,
                "ops": ops,
                "choices": choices,
            }
        )
    for name in rs.metrics:
        kind, _ = _kind_of(name, rs)
        out.append(
            {
                "fact": name,
                "zh": fact_label(name, rs),
                "kind": kind,
                "group": "指标",
                "yearly": False,
                "ops": list(NUMERIC_OPS),
                "choices": [],
            }
        )
    for t in TIER_ZH:
        name = f"recognition_{t}_since_year"
        out.append(
            {
                "fact": name,
                "zh": EXTRA[name].zh,
                "kind": "count",
                "group": "称号",
                "yearly": False,
                "ops": list(NUMERIC_OPS),
                "choices": [],
            }
        )
    return out


# ---------------------------------------------------------------------------
# Triples → expression text


def normalise_code(fact: str, raw: Any) -> str | None:
    """A region or industry code as the prefix it stands for (440000 → 44, 440100 → 4401, C34 → C34)."""
    code = str(raw).strip().upper()
    if fact == "region":
        if not code.isdigit() or len(code) not in (2, 4, 6):
            return None
        if len(code) == 6 and code.endswith("0000"):
            return code[:2]
        if len(code) == 6 and code.endswith("00"):
            return code[:4]
        return code
    if re.fullmatch(r"[A-T](\d{2}|\d{3}|\d{4})?", code):
        return code
    return None


def code_name(fact: str, prefix: str) -> str:
    """A person's name for a region or industry prefix (44 → 广东省, C34 → 通用设备制造业)."""
    from .codes import industry_name, region

    if fact in ("region", "region_province", "region_city"):
        full = prefix + "0" * (6 - len(prefix))
        hit = region(full)
        return hit[0] if hit else prefix
    return industry_name(prefix) or prefix


def _num_text(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    d = value.denominator
    while d % 2 == 0:
        d //= 2
    while d % 5 == 0:
        d //= 5
    if d == 1:
        text = format(Decimal(value.numerator) / Decimal(value.denominator), "f")
        return text
    return f"({value.numerator}/{value.denominator})"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "").replace('"', "") + '"'


def _quote_exact(text: str) -> str:
    """A string literal that reads back as exactly `text` (cluster names are compared exactly)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def cluster_names(raw: Any) -> list[str]:
    """The cluster names of a condition's value: a list of exact names, or one name as a string
    (never split: a name may itself contain “、” or a comma)."""
    items = raw if isinstance(raw, list | tuple | set | frozenset) else ([] if raw is None else [raw])
    out: list[str] = []
    for item in items:
        name = str(item).strip()
        if name and name not in out:
            out.append(name)
    return out


def _money_value(raw: Any) -> Fraction | None:
    """Yuan, or a string in 万元 ("2000万", "2000 万元")."""
    if isinstance(raw, str):
        text = raw.strip().replace(",", "")
        for suffix in ("万元", "万"):
            if text.endswith(suffix):
                number = to_fraction(text[: -len(suffix)])
                return None if number is None else number * 10000
        text = text.removesuffix("元")
        return to_fraction(text)
    return to_fraction(raw)


def _show(kind: str, value: Any, enum: dict | None = None) -> str:
    """A value as a user reads it."""
    if (value is UNKNOWN or value is None) and kind == "members":
        return "未知（未接入产业集群名录）"
    if value is UNKNOWN or value is None:
        return "未填报"
    if value is E.UNDEFINED:
        return "无法计算（分母为零）"
    if isinstance(value, Members):
        return members_text(value)
    if enum is not None and isinstance(value, Fraction):
        names = {v: k for k, v in enum.items()}
        member = names.get(int(value), str(value))
        return MEMBER_ZH.get(member, member)
    if enum is not None and isinstance(value, str):
        return MEMBER_ZH.get(value, value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.date):
        return "未持有" if value.year <= 1900 else value.isoformat()
    if isinstance(value, Fraction):
        if kind == "money":
            return fmt_wan(value)
        if kind == "ratio":
            return fmt_percent(value)
        return fmt_number(value)
    return str(value)


def _values(raw: Any) -> list:
    if raw is None:
        return []
    if isinstance(raw, list | tuple | set):
        return list(raw)
    if isinstance(raw, str) and ("," in raw or "，" in raw or "、" in raw):
        return [p.strip() for p in re.split(r"[,，、]", raw) if p.strip()]
    return [raw]


def triple_expression(cond: Mapping, rs: RuleSet) -> tuple[str, str, str]:
    """(expression text, label, kind) of a builder triple; ValueError with a Chinese message when malformed."""
    fact = str(cond.get("fact") or "").strip()
    op = str(cond.get("op") or "").strip()
    raw = cond.get("value")
    if not fact:
        raise ValueError("缺少 fact（要判断的指标）")
    if op not in OP_ZH:
        raise ValueError(f"不支持的运算符 “{op}”（可用：{'、'.join(OP_ZH)}）")

    if fact in ("region", "industry"):
        if op not in ("prefix", "not prefix", "in", "not in"):
            raise ValueError(
                f"{'地区' if fact == 'region' else '行业'}条件只能用“属于/不属于”（prefix / not prefix）"
            )
        codes = _values(raw)
        if not codes:
            raise ValueError("至少要给出一个代码")
        prefixes = []
        for code in codes:
            p = normalise_code(fact, code)
            if p is None:
                what = (
                    "行政区划代码须为 2、4 或 6 位数字（如 44、4401、440106 或 440000）"
                    if fact == "region"
                    else "行业代码须为门类字母加 0、2、3 或 4 位数字（如 C、C34、C348、C3484）"
                )
                raise ValueError(f"“{code}”不是有效代码：{what}")
            if code_name(fact, p) == p:
                raise ValueError(
                    f"“{code}”不是已知的{'行政区划' if fact == 'region' else '国民经济行业'}代码"
                )
            prefixes.append(p)
        by_fact: dict[str, list[str]] = {}
        lengths = dict((n, length) for n, length in PREFIX_FACTS[fact])
        for p in sorted(set(prefixes)):
            name = next(n for n, length in lengths.items() if length == len(p))
            by_fact.setdefault(name, []).append(p)
        parts = [f"{name} in ({', '.join(_quote(p) for p in ps)},)" for name, ps in by_fact.items()]
        text = parts[0] if len(parts) == 1 else "(" + " or ".join(parts) + ")"
        negative = op in ("not prefix", "not in")
        label = f"{'注册地' if fact == 'region' else '所属行业'}{'不' if negative else ''}属于{'、'.join(code_name(fact, p) for p in sorted(set(prefixes)))}"
        return (f"not {text}" if negative else text), label, "prefix"

    if fact == "cluster":
        if op not in ("in", "not in", "==", "!="):
            raise ValueError("产业集群条件只能用“属于/不属于”（in / not in）")
        names = cluster_names(raw)
        if not names:
            raise ValueError("至少要选择一个产业集群（按集群名录中的名称）")
        bad = next((n for n in names if any(ord(ch) < 32 for ch in n)), None)
        if bad is not None:
            raise ValueError(f"集群名称含有换行等控制字符：{bad!r}")
        negative = op in ("not in", "!=")
        text = f"cluster {'not in' if negative else 'in'} ({', '.join(_quote_exact(n) for n in names)},)"
        shown = "或".join(f"“{n}”" for n in names)
        return text, f"{'不是' if negative else '为'}产业集群{shown}的成员企业", "cluster"

    if fact == "title":
        if op not in ("held", "not held"):
            raise ValueError("称号条件只能用“持有/未持有”（held / not held）")
        names = [str(v).strip() for v in _values(raw)]
        if not names:
            raise ValueError("至少要选择一个称号")
        for n in names:
            if n not in TITLES:
                raise ValueError(f"未知的称号 “{n}”（可用：{'、'.join(TITLES)}）")
        helds = [f"held({key})" for n in names for key in TITLES[n][0]]
        zh = "或".join(TITLES[n][1] for n in names)
        if op == "held":
            return " or ".join(helds) if len(helds) > 1 else helds[0], f"持有{zh}称号（有效期内）", "title"
        return " and ".join(f"not {h}" for h in helds), f"未持有{zh}称号", "title"

    vocab = _vocab(rs)
    if fact not in vocab.timeless and fact not in vocab.yearly and fact not in vocab.metrics:
        raise ValueError(f"未知的指标 “{fact}”")
    kind, enum = _kind_of(fact, rs)
    if kind == "date":
        raise ValueError(f"“{fact_label(fact, rs)}”是日期，请改用称号条件（title）")
    year = str(cond.get("year") or "").strip()
    if fact in vocab.yearly:
        year = year or "y0"
        if not re.fullmatch(r"y\d|cy", year):
            raise ValueError(f"年份须为 y0（上年度）、y1、y2… 或 cy（本年度），而不是 “{year}”")
        ref = f"{fact}[{year}]"
        name_zh = f"{YEAR_ZH.get(year, year)}{fact_label(fact, rs)}"
    else:
        if year:
            raise ValueError(f"“{fact_label(fact, rs)}”不按年度取值，不能指定年份")
        ref = fact
        name_zh = fact_label(fact, rs)

    if kind == "bool":
        if op not in ("is", "==", "!="):
            raise ValueError("是/否类指标只能用“为”（is）")
        truth_value = _bool_value(raw)
        if truth_value is None:
            raise ValueError("取值须为 是/否（true/false）")
        if op == "!=":
            truth_value = not truth_value
        return (ref if truth_value else f"not {ref}"), f"{name_zh}：{'是' if truth_value else '否'}", "bool"

    if kind == "text":
        if op not in ("in", "not in", "==", "!="):
            raise ValueError("文字类指标只能用“属于/不属于”（in / not in）")
        values = [str(v).strip() for v in _values(raw) if str(v).strip()]
        if not values:
            raise ValueError("至少要给出一个取值")
        negative = op in ("not in", "!=")
        text = f"{ref} {'not in' if negative else 'in'} ({', '.join(_quote(v) for v in values)},)"
        return text, f"{name_zh}{'不' if negative else ''}属于 {'、'.join(values)}", "set"

    if enum is not None:
        values = [str(v).strip() for v in _values(raw)]
        bad = [v for v in values if v not in enum]
        if not values or bad:
            raise ValueError(f"取值须为 {'、'.join(enum)} 之一" + (f"，而不是 “{bad[0]}”" if bad else ""))
        shown = "、".join(MEMBER_ZH.get(v, v) for v in values)
        if op in ("in", "not in"):
            return (
                f"{ref} {op} ({', '.join(_quote(v) for v in values)},)",
                f"{name_zh}{'不' if op == 'not in' else ''}属于 {shown}",
                "set",
            )
        if len(values) != 1:
            raise ValueError(f"“{OP_ZH[op]}”只能跟一个取值")
        return f"{ref} {op} {_quote(values[0])}", f"{name_zh} {OP_ZH[op]} {shown}", "numeric"

    if op not in NUMERIC_OPS:
        raise ValueError(f"数值类指标只能用比较运算（{'、'.join(NUMERIC_OPS)}）")
    if isinstance(raw, list | tuple):
        raise ValueError("比较运算只能跟一个数值")
    number = _money_value(raw) if kind == "money" else to_fraction(raw)
    if number is None:
        raise ValueError(
            f"取值 “{raw}” 不是数字" + ("（金额以元为单位，或写作“2000万”）" if kind == "money" else "")
        )
    if (
        kind == "ratio"
        and not (0 <= number <= 1)
        and not (isinstance(raw, str) and raw.strip().endswith("%"))
    ):
        raise ValueError(f"比例须在 0 到 1 之间（或写作百分数，如 “3%”），而不是 {raw}")
    if number < 0 and kind in ("count", "score"):
        raise ValueError("取值不能为负数")
    return f"{ref} {op} {_num_text(number)}", f"{name_zh} {OP_ZH[op]} {_show(kind, number)}", "numeric"


def _bool_value(raw: Any) -> bool | None:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    return {
        "true": True,
        "1": True,
        "是": True,
        "yes": True,
        "false": False,
        "0": False,
        "否": False,
        "no": False,
    }.get(text)


# ---------------------------------------------------------------------------
# Checking


_EN_ZH = [
    (re.compile(r"unknown name '([^']+)'"), "未知的指标或事实 “{0}”"),
    (re.compile(r"per-year fact '([^']+)' needs a year"), "“{0}”按年度取值，须写年份，例如 {0}[y0]"),
    (re.compile(r"fact '([^']+)' has no years"), "“{0}”不按年度取值，不能写年份"),
    (re.compile(r"unknown function '([^']+)'"), "未知的函数 “{0}”"),
    (re.compile(r"cannot parse expression"), "表达式语法错误"),
    (
        re.compile(r"'([^']+)' is not one of ([^(]+) \(values of ([^)]+)\)"),
        "“{0}”不是 {2} 的取值（可用：{1}）",
    ),
]


def _rule_error_zh(exc: Exception) -> str:
    text = str(exc)
    for pattern, zh in _EN_ZH:
        m = pattern.search(text)
        if m:
            return zh.format(*m.groups())
    return f"表达式无法使用（{text.split(': ', 1)[-1]}）"


def _type_of(node: E.Node, rs: RuleSet) -> str:
    """num | bool | text | date | tuple | cagr; ValueError with a Chinese message on a mismatch."""
    t = lambda n: _type_of(n, rs)  # noqa: E731
    if isinstance(node, E.Const):
        v = node.value
        if isinstance(v, bool):
            return "bool"
        if isinstance(v, Fraction):
            return "num"
        if isinstance(v, str):
            return "text"
        if isinstance(v, tuple):
            return "tuple"
        raise ValueError(f"不支持的常量 {v!r}")
    if isinstance(node, E.Fact):
        kind, enum = _kind_of(node.name, rs)
        if enum is not None:
            return "num"
        return {"bool": "bool", "text": "text", "members": "text", "date": "date"}.get(kind, "num")
    if isinstance(node, E.Ref):
        return t(rs.metrics[node.name])
    if isinstance(node, E.BinOp | E.Neg):
        for part in (node.left, node.right) if isinstance(node, E.BinOp) else (node.operand,):
            if t(part) != "num":
                raise ValueError("只有数值可以做加减乘除")
        return "num"
    if isinstance(node, E.Compare):
        left, right = t(node.left), t(node.right)
        if node.op in ("in", "not in"):
            if right != "tuple":
                raise ValueError('“in” 右边须为取值列表，如 ("a", "b")')
            return "bool"
        if left == "cagr" and right == "num":
            return "bool"
        if left != right or left in ("tuple", "cagr"):
            raise ValueError(f"不能比较{_TYPE_ZH.get(left, left)}与{_TYPE_ZH.get(right, right)}")
        if left in ("text", "bool") and node.op not in ("==", "!="):
            raise ValueError(f"{_TYPE_ZH[left]}只能比较相等或不等")
        if left == "date":
            raise ValueError("日期请用 held(…) 判断是否在有效期内")
        return "bool"
    if isinstance(node, E.BoolOp):
        for v in node.values:
            if t(v) != "bool":
                raise ValueError("“and/or” 两边须为判断（如 revenue[y0] >= 1000000）")
        return "bool"
    if isinstance(node, E.Not):
        if t(node.operand) != "bool":
            raise ValueError("“not” 后面须为判断")
        return "bool"
    if isinstance(node, E.Call):
        fn = node.fn
        if fn == "held":
            if len(node.args) != 1 or t(node.args[0]) != "date":
                raise ValueError("held(…) 须跟一个有效期日期，如 held(recognition_little_giant_until)")
            return "bool"
        if fn in ("known",):
            return "bool"
        if fn in ("any_years", "all_years"):
            if t(node.args[0]) != "bool":
                raise ValueError(f"{fn}(…) 的第一个参数须为判断")
            return "bool"
        if fn == "cagr":
            return "cagr"
        if fn == "coalesce":
            return t(node.args[0])
        if fn == "count_true":
            return "num"
        if fn == "full_years":
            return "num"
        for a in node.args[:1] if fn in E.YEAR_FUNCTIONS else node.args:
            if t(a) != "num":
                raise ValueError(f"{fn}(…) 的参数须为数值")
        return "num"
    raise ValueError("不支持的写法")


_TYPE_ZH = {"num": "数值", "bool": "是/否", "text": "文字", "date": "日期", "tuple": "列表", "cagr": "增长率"}


def issuer_item(prefix: str) -> Item | None:
    """The implicit condition of a regional policy: registered inside the issuer's area."""
    if not prefix:
        return None
    source = {"fact": "region", "op": "prefix", "value": [prefix]}
    name = next(n for n, length in PREFIX_FACTS["region"] if length == len(prefix))
    text = f"{name} in ({_quote(prefix)},)"
    node = E.parse(text, E.Vocabulary(set(EXTRA) | {"region"}, set(), set()), "issuer")
    return Item(0, source, text, node, f"注册地在发布机关辖区内（{code_name('region', prefix)}）", "prefix")


def check(
    conditions: Iterable[Mapping],
    *,
    as_of: dt.date,
    issuer_region: str = "",
    registry: Registry | None = None,
) -> Checked:
    """Parse and check a policy's conditions; raise ConditionError naming every bad condition.

    `issuer_region` is the issuing authority's area as a code prefix ('' national, 44 province,
    4401 city, 440106 county): every enterprise must be registered inside it, and a region
    condition outside it is refused as contradictory.
    """
    rs = rules_for(as_of, registry)
    vocab = _vocab(rs)
    issuer = normalise_code("region", issuer_region) if issuer_region else ""
    if issuer_region and issuer is None:
        raise ConditionError([(0, "发布机关辖区", f"“{issuer_region}”不是有效的行政区划代码")])
    items: list[Item] = []
    problems: list[tuple[int, str, str]] = []
    for number, cond in enumerate(conditions, start=1):
        if not isinstance(cond, Mapping):
            problems.append((number, "", "每个条件须为一个对象（fact/op/value，或 expr）"))
            continue
        label = str(cond.get("label") or "").strip()
        try:
            if cond.get("expr") not in (None, ""):
                if cond.get("fact"):
                    raise ValueError("一个条件只能是 fact/op/value 或 expr 之一")
                text, auto, kind = str(cond["expr"]).strip(), str(cond["expr"]).strip(), "expr"
            else:
                text, auto, kind = triple_expression(cond, rs)
            label = label or auto
            try:
                node = E.parse(text, vocab, f"条件 {number}")
            except RuleDataError as exc:
                raise ValueError(_rule_error_zh(exc)) from None
            _powers_bounded(node)
            _no_zero_divisor(node)
            if _type_of(node, rs) != "bool":
                raise ValueError("条件须为一个判断（结果为是/否），如 revenue[y0] >= 20000000")
            _compilable(node, rs, as_of)
        except ValueError as exc:
            problems.append((number, label or _source_text(cond), str(exc)))
            continue
        items.append(Item(number, dict(cond), text, node, label, kind))
    if not problems:
        problems += _contradictions(items, issuer or "", rs)
    if problems:
        raise ConditionError(problems)
    implicit = issuer_item(issuer or "")
    all_items = ([implicit] if implicit else []) + items
    if not all_items:
        node: E.Node = E.Const(True)
        text = "True"
    elif len(all_items) == 1:
        node, text = all_items[0].node, all_items[0].text
    else:
        node = E.BoolOp("and", tuple(i.node for i in all_items))
        text = " and ".join(f"({i.text})" for i in all_items)
    return Checked(tuple(all_items), text, node, rs.id, issuer or "")


def clusters_named(checked: Checked) -> list[tuple[int, str, list[str]]]:
    """(condition number, label, cluster names) of every condition that names clusters, so that a
    caller can check the names against its registry (the engine cannot: it has no registry)."""
    out = []
    for item in checked.items:
        names: list[str] = []
        stack = [item.node]
        while stack:
            node = stack.pop()
            if isinstance(node, E.Compare):
                sides = (node.left, node.right)
                if any(isinstance(s, E.Fact) and s.name == "cluster" for s in sides):
                    for s in sides:
                        if isinstance(s, E.Const):
                            values = s.value if isinstance(s.value, tuple) else (s.value,)
                            names += [v for v in values if isinstance(v, str) and v not in names]
            elif isinstance(node, E.BoolOp):
                stack += list(node.values)
            elif isinstance(node, E.Not):
                stack.append(node.operand)
            elif isinstance(node, E.Call):
                stack += list(node.args)
        if names:
            out.append((item.index, item.label, names))
    return out


def _source_text(cond: Mapping) -> str:
    if cond.get("expr"):
        return str(cond["expr"])
    return " ".join(str(cond.get(k, "")) for k in ("fact", "op", "value")).strip()


MAX_EXPONENT = 10


def _children(node: E.Node) -> list[E.Node]:
    out = []
    for value in vars(node).values():
        values = value if isinstance(value, tuple) else (value,)
        out += [v for v in values if isinstance(v, E.Node)]
    return out


def _small_exponent(node: E.Node) -> bool:
    """A whole constant such as 3 or -2, at most MAX_EXPONENT in size (a fractional power is not
    something the checks can reason about: use cagr())."""
    if isinstance(node, E.Neg):
        return _small_exponent(node.operand)
    value = node.value if isinstance(node, E.Const) else None
    return isinstance(value, Fraction) and value.denominator == 1 and abs(value) <= MAX_EXPONENT


def _has_power(node: E.Node) -> bool:
    return (isinstance(node, E.BinOp) and node.op == "**") or any(_has_power(c) for c in _children(node))


def _powers_bounded(node: E.Node) -> None:
    """Refuse a power whose exponent is not a small constant, and a power of a power: the checks
    compute with exact fractions, so 10**10**10 would never finish (and hold the request)."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, E.BinOp) and n.op == "**" and (not _small_exponent(n.right) or _has_power(n.left)):
            raise ValueError(
                f"乘方的指数须为不超过 {MAX_EXPONENT} 的整数常数，且不能连续乘方，如 (1 + x) ** 3"
            )
        stack += _children(n)


def _no_zero_divisor(node: E.Node) -> None:
    """Refuse a division by the constant 0: nothing is defined over it, so the condition would silently fail for
    every enterprise (a typo such as revenue[y0] / 0 > 1)."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, E.BinOp) and n.op == "/" and _is_zero(n.right):
            raise ValueError("除数不能为 0（这样的条件对任何企业都不成立）；请检查除号后的数值")
        stack += _children(n)


def _is_zero(n: E.Node) -> bool:
    while isinstance(n, E.Neg):
        n = n.operand
    return isinstance(n, E.Const) and not isinstance(n.value, bool) and n.value == 0


def _compilable(node: E.Node, rs: RuleSet, as_of: dt.date) -> None:
    """Refuse what the batch compiler cannot evaluate exactly (the same conditions must run on tables)."""
    from polars.exceptions import InvalidOperationError

    from .batch import NotCompilable

    comp = _compiler(rs, as_of, _all_columns(rs, as_of.year - 1, as_of))
    try:
        comp.boolean(comp.compile(node))
    except (NotCompilable, TypeError, AttributeError) as exc:
        raise ValueError(f"该表达式无法用于批量匹配（{exc}）") from None
    except (OverflowError, InvalidOperationError):  # a constant beyond 64-bit columns (10**30, 2**65536)
        raise ValueError("该表达式无法用于批量匹配（数值过大，超出可比较的范围）") from None


def _all_columns(rs: RuleSet, fiscal_year: int, as_of: dt.date) -> set[str]:
    cols = {n for n, s in CATALOGUE.items() if not s.yearly} | set(EXTRA)
    for n, s in CATALOGUE.items():
        if s.yearly:
            cols |= {f"{n}_{y}" for y in range(fiscal_year - 10, as_of.year + 1)}
    return cols | {f"local_{k}" for k in rs.local_facts}


# --- contradictions: per fact, the values every condition allows must overlap ---------------------


@dataclass
class _Range:
    lo: Fraction | None = None
    lo_in: bool = True
    hi: Fraction | None = None
    hi_in: bool = True
    allowed: set | None = None
    excluded: set = field(default_factory=set)
    by: list[int] = field(default_factory=list)

    def add(self, op: str, value, number: int) -> None:
        self.by.append(number)
        if op in ("in", "=="):
            vals = set(value) if isinstance(value, tuple) else {value}
            self.allowed = vals if self.allowed is None else self.allowed & vals
        elif op in ("not in", "!="):
            self.excluded |= set(value) if isinstance(value, tuple) else {value}
        elif op in (">=", ">"):
            if self.lo is None or value > self.lo or (value == self.lo and op == ">"):
                self.lo, self.lo_in = value, op == ">="
        elif op in ("<=", "<") and (self.hi is None or value < self.hi or (value == self.hi and op == "<")):
            self.hi, self.hi_in = value, op == "<="

    def inside(self, v) -> bool:
        if not isinstance(v, Fraction):
            return True
        if self.lo is not None and (v < self.lo or (v == self.lo and not self.lo_in)):
            return False
        return not (self.hi is not None and (v > self.hi or (v == self.hi and not self.hi_in)))

    def empty(self) -> bool:
        if (
            self.lo is not None
            and self.hi is not None
            and (self.lo > self.hi or (self.lo == self.hi and not (self.lo_in and self.hi_in)))
        ):
            return True
        if self.allowed is not None:
            return not any(self.inside(v) for v in self.allowed - self.excluded)
        return False


def _atoms(node: E.Node) -> list[tuple[str, str, Any]] | None:
    """(fact key, op, constant) of a conjunction of simple comparisons, else None."""
    if isinstance(node, E.BoolOp) and node.op == "and":
        out = []
        for v in node.values:
            part = _atoms(v)
            if part is None:
                return None
            out += part
        return out
    if isinstance(node, E.Compare):
        left, right, op = node.left, node.right, node.op
        if (
            isinstance(left, E.Const)
            and isinstance(right, E.Fact | E.Ref)
            and op in (">=", ">", "<=", "<", "==", "!=")
        ):
            left, right = right, left
            op = {">=": "<=", ">": "<", "<=": ">=", "<": ">"}.get(op, op)
        value = _fold(right)
        if isinstance(left, E.Fact) and left.year != "*":
            key = left.name if left.year is None else f"{left.name}[{left.year}]"
        elif isinstance(left, E.Ref):
            key = left.name
        else:
            return []
        if value is None:
            return []
        return [(key, op, value)]
    return []


def _fold(node: E.Node):
    if isinstance(node, E.Const):
        return node.value
    if isinstance(node, E.BinOp):
        a, b = _fold(node.left), _fold(node.right)
        if isinstance(a, Fraction) and isinstance(b, Fraction):
            v = E.arith(node.op, a, b)
            return v if isinstance(v, Fraction) else None
    return None


def _code_prefixes(item: Item) -> tuple[str, bool, list[str]] | None:
    """(region | industry, negated, prefixes) of a builder prefix condition."""
    src = item.source
    if item.kind != "prefix" or src.get("fact") not in PREFIX_FACTS:
        return None
    fact = src["fact"]
    return (
        fact,
        src.get("op") in ("not prefix", "not in"),
        [normalise_code(fact, v) or "" for v in _values(src.get("value"))],
    )


def _overlap(a: str, b: str) -> bool:
    return a.startswith(b) or b.startswith(a)


def _contradictions(items: list[Item], issuer: str, rs: RuleSet) -> list[tuple[int, str, str]]:
    problems: list[tuple[int, str, str]] = []
    labels = {i.index: i.label for i in items}
    # region conditions against the issuer's area and against each other
    positives: dict[str, list[tuple[Item, list[str]]]] = {"region": [], "industry": []}
    for item in items:
        got = _code_prefixes(item)
        if got is None:
            continue
        fact, negative, prefixes = got
        if fact == "industry":
            if not negative:
                positives[fact].append((item, prefixes))
            continue
        if negative:
            if issuer and any(issuer.startswith(p) for p in prefixes):
                problems.append(
                    (
                        item.index,
                        item.label,
                        f"排除了发布机关的整个辖区（{code_name('region', issuer)}），没有企业能满足",
                    )
                )
            continue
        outside = [p for p in prefixes if issuer and not _overlap(p, issuer)]
        if outside and len(outside) == len(prefixes):
            problems.append(
                (
                    item.index,
                    item.label,
                    f"地区 {'、'.join(code_name('region', p) for p in outside)} 不在发布机关辖区（{code_name('region', issuer)}）内",
                )
            )
        elif outside:
            problems.append(
                (
                    item.index,
                    item.label,
                    f"地区 {'、'.join(code_name('region', p) for p in outside)} 不在发布机关辖区（{code_name('region', issuer)}）内，请删去",
                )
            )
        positives[fact].append((item, prefixes))
    for fact, found in positives.items():
        what = "地区" if fact == "region" else "行业"
        for i, (a, pa) in enumerate(found):
            for b, pb in found[i + 1 :]:
                if not any(_overlap(x, y) for x in pa for y in pb):
                    problems.append(
                        (b.index, b.label, f"与条件 {a.index}（{a.label}）互相矛盾：没有同时属于两者的{what}")
                    )
    # numeric ranges and value sets per fact
    ranges: dict[str, _Range] = {}
    sets: dict[str, list[tuple[int, str, frozenset]]] = {}
    for item in items:
        atoms = _atoms(item.node)
        for key, op, value in atoms or []:
            if EXTRA.get(key) is not None and EXTRA[key].kind == "members":
                sets.setdefault(key, []).append(
                    (item.index, op, frozenset(value if isinstance(value, tuple) else (value,)))
                )
            else:
                ranges.setdefault(key, _Range()).add(op, value, item.index)
    problems += _membership_contradictions(sets, labels, rs)
    for key, r in ranges.items():
        if r.empty() and len(set(r.by)) > 1:
            first, *rest = sorted(set(r.by))
            name = key.split("[")[0]
            problems.append(
                (
                    rest[-1],
                    labels[rest[-1]],
                    f"与条件 {'、'.join(str(n) for n in [first, *rest[:-1]])}（{labels[first]}）互相矛盾：“{fact_label(name, rs)}”没有能同时满足的取值",
                )
            )
        elif r.empty():
            n = r.by[0]
            problems.append((n, labels[n], "条件本身无法满足（没有任何取值能通过）"))
    return problems


def _membership_contradictions(
    sets: dict[str, list[tuple[int, str, frozenset]]], labels: dict[int, str], rs: RuleSet
) -> list[tuple[int, str, str]]:
    """A set-valued fact (cluster) may meet several value lists at once, so two "in" conditions never
    contradict each other; an "in" list contradicts the "not in" conditions that exclude all of it."""
    problems = []
    for key, atoms in sets.items():
        excluded = [(n, values) for n, op, values in atoms if op in ("not in", "!=")]
        for number, op, values in atoms:
            if op not in ("in", "=="):
                continue
            against = sorted({n for n, ex in excluded if values & ex})
            if not against or not values <= frozenset().union(*(ex for _n, ex in excluded)):
                continue
            involved = sorted({number, *against})
            last, others = involved[-1], involved[:-1]
            problems.append(
                (
                    last,
                    labels[last],
                    f"与条件 {'、'.join(str(n) for n in others)}（{labels[others[0]]}）互相矛盾："
                    f"“{fact_label(key, rs)}”没有能同时满足的取值",
                )
            )
    return problems


# ---------------------------------------------------------------------------
# Facts of one profile


def extra_facts(
    values: dict[str, Any], raw_profile: Mapping | None, clusters: Iterable[str] | None = None
) -> None:
    """Add the EXTRA facts to flat facts: code prefixes, cluster membership, first year of each title.

    `clusters` (exact names; empty = a member of none) comes from the caller's cluster registry;
    None leaves membership unknown. A profile has no cluster field: it is not the enterprise's to
    declare, the registry records it."""
    for source, names in PREFIX_FACTS.items():
        code = values.get(source)
        for name, length in names:
            if name == source:
                continue
            values[name] = code[:length] if isinstance(code, str) and len(code) >= length else None
    raw = raw_profile or {}
    if clusters is not None:
        values["cluster"] = Members(cluster_names(list(clusters)))
    recs = raw.get("recognitions")
    if isinstance(recs, list):
        for tier in TIER_ZH:
            years = [
                str(r.get("since"))[:4]
                for r in recs
                if isinstance(r, dict) and r.get("tier") == tier and r.get("since")
            ]
            years = [int(y) for y in years if y.isdigit()]
            values[f"recognition_{tier}_since_year"] = Fraction(min(years)) if years else Fraction(0)


def facts_for(
    profile: Mapping,
    as_of: dt.date,
    registry: Registry | None = None,
    *,
    clusters: Iterable[str] | None = None,
) -> FactSet:
    """Flat facts of a profile as policies read them: the catalogue's, the derived size class and
    digital level, and the EXTRA facts; `clusters` are the names of the clusters the enterprise is a
    member of (None = unknown). Raises ProfileInvalid when the profile cannot be read."""
    from .assess import derive_facts
    from .profile import Profile, validate

    reg = registry or default_registry()
    valid = (
        profile
        if isinstance(profile, Profile)
        else validate(dict(profile), today=max(as_of, dt.date.today()))
    )
    facts = flatten(valid, as_of)
    rs = rules_for(as_of, reg)
    derive_facts([reg.get(u) for u in rs.uses], facts)
    extra_facts(facts.values, profile.data if isinstance(profile, Profile) else profile, clusters)
    return facts


def context_for(facts: FactSet, registry: Registry | None = None) -> Context:
    """One evaluation context for many policies (metric values are computed once and shared)."""
    rs = rules_for(facts.as_of, registry)
    return Context(facts.values, facts.fiscal_year, facts.as_of, rs.metrics)


# ---------------------------------------------------------------------------
# Evaluating and explaining on one profile


def decide(checked: Checked, ctx: Context):
    """True / False / UNKNOWN for the whole list (fast: no explanation)."""
    ctx.reads = {}
    return E.truth(E.evaluate(checked.node, ctx))


@dataclass
class Outcome:
    """One condition on one profile: met / not_met / unknown, the values read and the gap."""

    index: int
    label: str
    status: str  # met | not_met | unknown
    values: list[tuple[str, str]] = field(default_factory=list)  # (what, shown value)
    gap: str = ""
    missing: list[tuple[str, str]] = field(default_factory=list)  # (profile path, what to fill in)


@dataclass
class Verdict:
    status: str  # eligible | not_eligible | undetermined
    outcomes: list[Outcome]

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "not_met"]

    @property
    def missing(self) -> list[tuple[str, str]]:
        seen, out = set(), []
        for o in self.outcomes:
            if o.status != "unknown":
                continue
            for path, label in o.missing:
                if path not in seen:
                    seen.add(path)
                    out.append((path, label))
        return out


def _key_label(key: str, rs: RuleSet) -> str:
    name, year = split_key(key)
    zh = fact_label(name, rs)
    return f"{zh}（{year} 年）" if year is not None else zh


def _key_kind(key: str, rs: RuleSet) -> tuple[str, dict | None]:
    return _kind_of(split_key(key)[0], rs)


def _path_of(key: str, facts: FactSet) -> str:
    name, _ = split_key(key)
    if name in EXTRA:
        return EXTRA[name].path
    return facts.path_of(key)


def explain(checked: Checked, facts: FactSet, registry: Registry | None = None) -> Verdict:
    """Every condition evaluated three-valued, with the values it read, and for a failed one the gap."""
    from .gaps import solve

    rs = rules_for(facts.as_of, registry)
    outcomes = []
    for item in checked.items:
        ctx = Context(facts.values, facts.fiscal_year, facts.as_of, rs.metrics)
        state = E.truth(E.evaluate(item.node, ctx))
        reads = dict(ctx.reads)
        shown = []
        for key, value in reads.items():
            kind, enum = _key_kind(key, rs)
            if key.endswith("_until"):
                title = next((zh for (keys, zh) in TITLES.values() if key in keys), _key_label(key, rs))
                shown.append(
                    (
                        title,
                        "未填报"
                        if value is UNKNOWN
                        else (
                            "未持有"
                            if value.year <= 1900
                            else f"有效期至 {value.isoformat()}"
                            + ("（已过期）" if value < facts.as_of else "")
                        ),
                    )
                )
            elif (
                kind == "text"
                and isinstance(value, str)
                and split_key(key)[0] in ("region", "industry", *EXTRA)
            ):
                name = split_key(key)[0]
                shown.append(
                    (
                        _key_label(key, rs),
                        f"{value}（{code_name(name, value)}）",
                    )
                )
            else:
                shown.append((_key_label(key, rs), _show(kind, value, enum)))
        status = {True: "met", False: "not_met"}.get(state, "unknown") if state is not UNKNOWN else "unknown"
        outcome = Outcome(item.index, item.label, status, shown)
        if status == "unknown":
            seen = set()
            for key, value in reads.items():
                if value is UNKNOWN:
                    path = _path_of(key, facts)
                    if path not in seen:
                        seen.add(path)
                        outcome.missing.append((path, _key_label(key, rs)))
        elif status == "not_met":
            outcome.gap = _gap_text(item, ctx, facts, rs, solve)
        outcomes.append(outcome)
    states = [o.status for o in outcomes]
    overall = (
        "not_eligible" if "not_met" in states else ("undetermined" if "unknown" in states else "eligible")
    )
    return Verdict(overall, outcomes)


def _gap_text(item: Item, ctx: Context, facts: FactSet, rs: RuleSet, solve) -> str:
    if item.kind == "prefix":
        src = item.source
        what = "注册地" if src.get("fact") == "region" else "所属行业"
        code = facts.values.get(src.get("fact"))
        allowed = "、".join(
            code_name(src.get("fact"), normalise_code(src.get("fact"), v) or str(v))
            for v in _values(src.get("value"))
        )
        if src.get("op") in ("not prefix", "not in"):
            return f"{what}为 {code}（{code_name(src.get('fact'), code)}），属于不适用范围：{allowed}"
        return f"{what}为 {code}（{code_name(src.get('fact'), code)}），不在适用范围内：{allowed}"
    if item.kind == "cluster":
        named = "或".join(f"“{n}”" for n in cluster_names(item.source.get("value")))
        if item.source.get("op") in ("not in", "!="):
            return f"已是产业集群{named}的成员企业，不适用本政策"
        return f"尚未列为产业集群{named}的成员企业（成员由集群的认定部门登记）"
    if item.kind == "title":
        return (
            "需取得（并在有效期内）："
            + "或".join(zh for n, (_k, zh) in TITLES.items() if n in _values(item.source.get("value")))
            if item.source.get("op") == "held"
            else "持有该称号的企业不适用本政策"
        )
    try:
        fixes = solve(item.node, ctx.fork(), item.label, item.label)
    except (E.NonLinear, TypeError):
        fixes = []
    for fix in fixes:
        if fix.feasible and fix.changes:
            return "；".join(c.zh for c in fix.changes)
    return "不满足，且无法通过调整填报数据满足"


# ---------------------------------------------------------------------------
# Tables: the same conditions as Polars expressions


@cache
def _compiler_class():
    """batch.Compiler extended with the EXTRA facts; built on first use so importing this module does not load Polars."""
    import polars as pl

    from .batch import Compiler, NotCompilable, Num

    members_type = pl.List(pl.String)

    class PolicyCompiler(Compiler):
        def fact(self, name: str, year: int | None):
            extra = EXTRA.get(name)
            if extra is None:
                return super().fact(name, year)
            if extra.kind == "text":
                return pl.col(name) if name in self.columns else pl.lit(None, dtype=pl.String)
            if extra.kind == "members":
                return pl.col(name) if name in self.columns else pl.lit(None, dtype=members_type)
            return Num(pl.col(name) if name in self.columns else pl.lit(None, dtype=pl.Int64), None, 0, 32)

        def compile(self, node: E.Node, loop_year: int | None = None):
            if isinstance(node, E.Compare):
                members = self._membership(node)
                if members is not None:
                    return members
            return super().compile(node, loop_year)

        def _membership(self, node: E.Compare):
            """`cluster in (…)` / `not in` / `==` / `!=` on a list column: true when the list meets
            the names (as Members does on one profile); null when the list is (unknown)."""
            sides = [node.left, node.right]
            fact = next(
                (
                    s
                    for s in sides
                    if isinstance(s, E.Fact) and getattr(EXTRA.get(s.name), "kind", "") == "members"
                ),
                None,
            )
            if fact is None:
                return None
            other = node.right if fact is node.left else node.left
            if not isinstance(other, E.Const):
                raise NotCompilable("产业集群只能与集群名称比较")
            names = other.value if isinstance(other.value, tuple) else (other.value,)
            if node.op in ("in", "not in") and fact is not node.left:
                raise NotCompilable("产业集群须写在 in 的左边")
            if node.op not in ("in", "not in", "==", "!=") or not all(isinstance(n, str) for n in names):
                raise NotCompilable("产业集群只能用 in / not in 与集群名称比较")
            col = self.fact(fact.name, None)
            hit = col.list.eval(pl.element().is_in(list(names))).list.any()
            return hit.not_() if node.op in ("not in", "!=") else hit

    return PolicyCompiler


def _compiler(rs: RuleSet, as_of: dt.date, columns: set[str]):
    return _compiler_class()(rs, as_of.year - 1, as_of, columns)


def compile_polars(checked: Checked, columns: set[str], as_of: dt.date, registry: Registry | None = None):
    """One nullable Boolean Polars expression for the whole list (null = undetermined)."""
    rs = rules_for(as_of, registry)
    comp = _compiler(rs, as_of, columns)
    return comp.boolean(comp.compile(checked.node))


def row_for(facts: FactSet) -> dict[str, Any]:
    """One table row (external layout of rulebook.flat) with the EXTRA facts that come from the profile."""
    from .flat import row_from_facts

    row = row_from_facts(facts)
    for name in EXTRA:
        if name in facts.values and EXTRA[name].source == "":
            value = facts.values[name]
            if isinstance(value, Members):
                row[name] = sorted(value)
            else:
                row[name] = int(value) if isinstance(value, Fraction) else value
    return row


def frame_from_rows(rows: list[dict[str, Any]]):
    """A LazyFrame of rows from `row_for` (or a registry extract with the same columns).

    `cluster` is a list of exact cluster names per row (an empty list: a member of none; null:
    unknown); a text cell in an extract is read as the one cluster it names."""
    import polars as pl

    from .flat import frame_from_rows as _frame

    frame = _frame(rows)
    casts = []
    for n in EXTRA:
        if n not in frame.columns:
            continue
        kind = EXTRA[n].kind
        if kind == "members":
            col = pl.col(n)
            if frame.schema[n] == pl.String:
                col = pl.when(col.is_null()).then(None).otherwise(pl.concat_list([col.str.strip_chars()]))
            casts.append(col.cast(pl.List(pl.String), strict=False).alias(n))
        else:
            casts.append(pl.col(n).cast(pl.String if kind == "text" else pl.Int64, strict=False))
    return (frame.with_columns(casts) if casts else frame).lazy()


def prepare_frame(lf, as_of: dt.date, registry: Registry | None = None):
    """Normalise a table (rulebook.flat.normalize), add the size class and digital level the rules
    derive, and the EXTRA code-prefix columns; ready for compile_polars()."""
    import polars as pl

    from .batch import digital_level_column, size_columns
    from .flat import normalize

    reg = registry or default_registry()
    rs = rules_for(as_of, reg)
    lf = normalize(lf)
    columns = set(lf.collect_schema().names())
    for used_id in rs.uses:
        used = reg.get(used_id)
        if used.kind == "size-classification":
            for stage in size_columns(used, as_of.year - 1, columns):
                lf = lf.with_columns(stage)
            columns |= {"size", "size_class", "size_is_sme", "size_sector_derived"}
        elif used.kind == "level-mapping":
            col = digital_level_column(used, columns)
            if col is not None:
                lf = lf.with_columns(col)
    derived = []
    for source, names in PREFIX_FACTS.items():
        for name, length in names:
            if name == source or name in columns:
                continue
            if source in columns:
                code = pl.col(source)
                derived.append(
                    pl.when(code.str.len_chars() >= length)
                    .then(code.str.slice(0, length))
                    .otherwise(None)
                    .alias(name)
                )
            else:
                derived.append(pl.lit(None, dtype=pl.String).alias(name))
    return lf.with_columns(derived) if derived else lf


def match_frame(
    lf, policies: Mapping[str, Checked], as_of: dt.date, registry: Registry | None = None, chunk: int = 250
):
    """Every policy for every row of a prepared frame: one nullable Boolean column per policy key."""
    columns = set(lf.collect_schema().names())
    keys = list(policies)
    for start in range(0, len(keys), chunk):
        part = keys[start : start + chunk]
        lf = lf.with_columns([compile_polars(policies[k], columns, as_of, registry).alias(k) for k in part])
    return lf


__all__ = [
    "EXTRA",
    "TITLES",
    "Checked",
    "ConditionError",
    "Item",
    "Members",
    "Outcome",
    "ProfileInvalid",
    "Verdict",
    "builder_fields",
    "check",
    "cluster_names",
    "clusters_named",
    "code_name",
    "compile_polars",
    "context_for",
    "decide",
    "explain",
    "facts_for",
    "frame_from_rows",
    "match_frame",
    "normalise_code",
    "prepare_frame",
    "row_for",
    "rules_for",
    "triple_expression",
]
