"""The self-test as data: item tables from criteria/cn-digital-level-2022, answers checked and scored.

Why here and not in templates or views: the questionnaire page, the stored result and the tests must
read the same tables and add up the same points. Points are Decimals (0.7, 1.875 …), never floats.
The score → level step is the engine's (portal.assessments.engine.digital_level_for_score); the 2024
"provisional level" is computed from parameters in the data (self_test.levels_2024) and is [C].

Texts are Chinese (`zh`, `note` …) with the platform's English beside them (`en`, `note_en` …, in the
same YAML). Pages read the `*_text` properties, which follow Django's active language; scoring, stored
results and the digest of a table read only the Chinese, so a translation never changes a result.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import cache

from django.utils.translation import get_language, gettext

from portal.assessments import engine

SCENARIO_MAX_LEVEL = 4


class SelfTestDataError(ValueError):
    """The item tables are inconsistent; the message names the variant, item and what is wrong."""


def english() -> bool:
    return (get_language() or "").startswith("en")


def _english_of(raw: dict, *keys: str) -> dict:
    """The English twins present in a YAML mapping: {'zh': raw['en'], 'note': raw['note_en'], …}."""
    out = {}
    for key in keys:
        value = raw.get("en" if key == "zh" else f"{key}_en")
        if value:
            out[key] = tuple(str(v).strip() for v in value) if isinstance(value, list) else str(value).strip()
    return out


class _Bilingual:
    """`shown(field)`: the field in the page's language (Chinese when there is no English)."""

    def shown(self, name: str):
        if english():
            value = self.en.get(name)
            if value:
                return for_readers(value)
        return for_readers(getattr(self, name))

    @property
    def text(self) -> str:
        return self.shown("zh")

    def __getattr__(self, name: str):
        """`<field>_text` (note_text, indicator_text…): that field in the page's language."""
        field_name = name.removesuffix("_text")
        if field_name != name and field_name in getattr(type(self), "__dataclass_fields__", {}):
            return self.shown(field_name)
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")


def _translations():
    return field(default_factory=dict, compare=False, hash=False, repr=False)


def without_translations(raw):
    """The YAML data without its English (`en`, `*_en`): what the digest of a table is taken over."""
    if isinstance(raw, dict):
        return {
            k: without_translations(v) for k, v in raw.items() if k != "en" and not str(k).endswith("_en")
        }
    if isinstance(raw, list):
        return [without_translations(v) for v in raw]
    return raw


# "（研究摘录 §0 第 6 条、§3.2）", "(research notes §4)": where the data's maintainers found a figure — for them, in the
# YAML; a finance manager reading a question cannot open those notes
_NOTES_REF = re.compile(
    r"\s?[（(][^（）()]*(?:研究摘录|research notes|§)[^（）()]*[）)]|(?:研究摘录|research notes) §[^，。；;\s]*"
)


def for_readers(value):
    """A text of the tables as shown on a page: without references to the research notes behind the data."""
    return _NOTES_REF.sub("", value) if isinstance(value, str) else value


def localized(raw):
    """A copy of YAML data for display: each `zh` / `key` replaced by its `en` / `key_en` when the page is
    English (used for the self_test notes the templates read directly)."""
    if isinstance(raw, list):
        return [localized(v) for v in raw]
    if not isinstance(raw, dict):
        return for_readers(raw)
    out = {k: localized(v) for k, v in raw.items()}
    if english():
        for key in list(out):
            twin = "en" if key == "zh" else f"{key}_en"
            if raw.get(twin):
                out[key] = localized(raw[twin])
    return out


@dataclass(frozen=True)
class Option(_Bilingual):
    id: str
    zh: str
    points: Decimal
    none: bool = False
    en: dict = _translations()


@dataclass(frozen=True)
class Item(_Bilingual):
    id: str
    no: int
    group: str
    indicator: str
    max: Decimal
    kind: str  # single | multi
    zh: str
    note: str
    grade: str
    disputed: str
    options: tuple[Option, ...]
    en: dict = _translations()

    def option(self, oid: str) -> Option | None:
        return next((o for o in self.options if o.id == oid), None)


@dataclass(frozen=True)
class Scenario(_Bilingual):
    id: str
    group: str
    zh: str
    binding: bool
    levels: tuple[str, ...]
    en: dict = _translations()

    @property
    def levels_text(self) -> tuple[str, ...]:
        return self.shown("levels")


@dataclass(frozen=True)
class DimensionTable(_Bilingual):
    id: str
    zh: str
    scored: bool
    max: Decimal | None
    grade: str
    note: str
    disputed: str
    items: tuple[Item, ...]
    scenarios: tuple[Scenario, ...]
    en: dict = _translations()


@dataclass(frozen=True)
class Variant(_Bilingual):
    id: str
    zh: str
    available: bool
    version: str
    edition: str
    grade: str
    source: str
    unavailable_reason: str
    dimensions: tuple[DimensionTable, ...]
    digest: str
    en: dict = _translations()

    @property
    def items(self) -> list[Item]:
        return [i for d in self.dimensions for i in d.items]

    @property
    def scenarios(self) -> list[Scenario]:
        return [s for d in self.dimensions for s in d.scenarios]

    @property
    def max_score(self) -> Decimal:
        return sum((d.max for d in self.dimensions if d.scored and d.max is not None), Decimal(0))


@dataclass(frozen=True)
class Sector(_Bilingual):
    id: str
    zh: str
    prefixes: tuple[str, ...]
    grade: str
    basis: str
    en: dict = _translations()


@dataclass(frozen=True)
class Tables:
    meta: dict
    sectors: tuple[Sector, ...]
    variants: dict[str, Variant]
    dimension_names: dict[str, str]
    dimension_names_en: dict[str, str] = field(default_factory=dict)


def _dec(value, where: str) -> Decimal:
    try:
        return Decimal(str(value))
    except ArithmeticError:
        raise SelfTestDataError(f"{where}: {value!r} 不是数字") from None


def _variant(vid: str, raw: dict) -> Variant:
    # over the Chinese data only: adding or correcting a translation does not orphan stored results
    digest = hashlib.sha256(
        json.dumps(without_translations(raw), sort_keys=True, ensure_ascii=False, default=str).encode()
    ).hexdigest()
    dims = []
    for d in raw.get("dimensions") or []:
        where = f"self_test_items.{vid}.{d.get('id')}"
        items = []
        for it in d.get("items") or []:
            iw = f"{where}.{it.get('id')}"
            options = tuple(
                Option(
                    str(o["id"]),
                    str(o["zh"]),
                    _dec(o["points"], f"{iw}.{o['id']}"),
                    bool(o.get("none")),
                    en=_english_of(o, "zh"),
                )
                for o in it.get("options") or []
            )
            item = Item(
                id=str(it["id"]),
                no=int(it.get("number", 0)),
                group=str(it.get("group", "")),
                indicator=str(it.get("indicator", "")),
                max=_dec(it["max"], f"{iw}.max"),
                kind=str(it["kind"]),
                zh=str(it["zh"]),
                note=str(it.get("note", "")),
                grade=str(it.get("grade", "")),
                disputed=str(it.get("disputed", "")),
                options=options,
                en=_english_of(it, "zh", "group", "indicator", "note", "disputed"),
            )
            _check_item(item, iw)
            items.append(item)
        scenarios = tuple(
            Scenario(
                str(s["id"]),
                str(s.get("group", "")),
                str(s["zh"]),
                bool(s.get("binding")),
                tuple(str(x) for x in s.get("levels") or []),
                en=_english_of(s, "zh", "group", "levels"),
            )
            for s in d.get("scenarios") or []
        )
        for s in scenarios:
            if len(s.levels) != SCENARIO_MAX_LEVEL:
                raise SelfTestDataError(
                    f"{where}.{s.id}: 应有 {SCENARIO_MAX_LEVEL} 级描述（现有 {len(s.levels)}）"
                )
            if "levels" in s.en and len(s.en["levels"]) != len(s.levels):
                raise SelfTestDataError(
                    f"{where}.{s.id}: levels_en 应与 levels 一样有 {len(s.levels)} 级描述"
                )
        dim = DimensionTable(
            id=str(d["id"]),
            zh=str(d["zh"]),
            scored=bool(d.get("scored")),
            max=_dec(d["max"], f"{where}.max") if d.get("max") is not None else None,
            grade=str(d.get("grade", "")),
            note=str(d.get("note", "")),
            disputed=str(d.get("disputed", "")),
            items=tuple(items),
            scenarios=scenarios,
            en=_english_of(d, "zh", "note", "disputed"),
        )
        if dim.scored:
            total = sum((i.max for i in dim.items), Decimal(0))
            if dim.max is None or total != dim.max:
                raise SelfTestDataError(f"{where}: 各题满分之和 {total} 不等于维度满分 {dim.max}")
        dims.append(dim)
    return Variant(
        id=vid,
        zh=str(raw.get("zh", vid)),
        available=bool(raw.get("available")),
        version=str(raw.get("version", "")),
        edition=str(raw.get("edition", "")),
        grade=str(raw.get("grade", "")),
        source=str(raw.get("source", "")),
        unavailable_reason=str(raw.get("unavailable_reason", "")),
        dimensions=tuple(dims),
        digest=digest[:16],
        en=_english_of(raw, "zh", "unavailable_reason"),
    )


def _check_item(item: Item, where: str) -> None:
    if item.kind not in ("single", "multi"):
        raise SelfTestDataError(f"{where}: kind 应为 single 或 multi")
    if len({o.id for o in item.options}) != len(item.options) or not item.options:
        raise SelfTestDataError(f"{where}: 选项编号为空或重复")
    if item.kind == "single":
        top = max(o.points for o in item.options)
        if top != item.max:
            raise SelfTestDataError(f"{where}: 最高选项分值 {top} 不等于题目满分 {item.max}")
    else:
        nones = [o for o in item.options if o.none]
        total = sum((o.points for o in item.options if not o.none), Decimal(0))
        if len(nones) != 1 or nones[0].points != 0:
            raise SelfTestDataError(f"{where}: 多选题应有且只有一个 0 分的“无”选项")
        if total != item.max:
            raise SelfTestDataError(f"{where}: 各选项分值之和 {total} 不等于题目满分 {item.max}")


@cache
def tables() -> Tables:
    data = engine.digital_self_test_data()
    meta, raw_items = data["meta"], data["items"]
    sectors = tuple(
        Sector(
            str(s["id"]),
            str(s["zh"]),
            tuple(str(p) for p in s.get("industry_prefixes") or []),
            str(s.get("grade", "")),
            str(s.get("basis", "")).strip(),
            en=_english_of(s, "zh", "basis"),
        )
        for s in meta.get("sectors") or []
    )
    variants = {vid: _variant(vid, raw) for vid, raw in raw_items.items()}
    for s in sectors:
        if s.id not in variants:
            raise SelfTestDataError(f"self_test.sectors: 行业口径 {s.id} 没有对应的 self_test_items")
    names = {str(d["id"]): str(d["zh"]) for d in meta.get("dimensions") or []}
    names_en = {str(d["id"]): str(d["en"]) for d in meta.get("dimensions") or [] if d.get("en")}
    return Tables(
        meta=meta, sectors=sectors, variants=variants, dimension_names=names, dimension_names_en=names_en
    )


def sector_for(industry: str) -> Sector | None:
    """The first sector whose prefix starts the industry code; the catch-all (no prefixes) last; None if no code."""
    code = (industry or "").strip().upper()
    if not code:
        return None
    fallback = None
    for sector in tables().sectors:
        if not sector.prefixes:
            fallback = fallback or sector
        elif any(code.startswith(p) for p in sector.prefixes):
            return sector
    return fallback


# ---------------------------------------------------------------------------------------------- answers


def parse_answers(variant: Variant, data) -> tuple[dict, list[tuple[str, str]]]:
    """Form data (QueryDict or dict of lists) → {'items': {id: 'B' | ['B', 'C']}, 'scenarios': {id: 0–4}}.

    Problems name the question: ('items.network', '第 1 题 网络建设：…'). What was answered is kept
    even when other questions are missing, so the form shows it again.
    """

    def values(key):
        if hasattr(data, "getlist"):
            return [v for v in data.getlist(key) if v != ""]
        v = data.get(key)
        if v is None or v == "":
            return []
        return [str(x) for x in v] if isinstance(v, list | tuple) else [str(v)]

    answers: dict = {"items": {}, "scenarios": {}}
    problems: list[tuple[str, str]] = []
    for item in variant.items:
        label = {
            "item": gettext("第 %(no)s 题 %(indicator)s") % {"no": item.no, "indicator": item.indicator_text}
        }
        chosen = values(item.id)
        known = [c for c in chosen if item.option(c) is not None]
        if len(known) != len(chosen):
            problems.append((f"items.{item.id}", gettext("%(item)s：选项无效，请重新选择") % label))
        if not known:
            if not chosen:
                problems.append(
                    (
                        f"items.{item.id}",
                        gettext("%(item)s：请选择一项") % label
                        if item.kind == "single"
                        else gettext("%(item)s：请至少选择一项（没有请选“无”）") % label,
                    )
                )
            continue
        if item.kind == "single":
            if len(known) > 1:
                problems.append((f"items.{item.id}", gettext("%(item)s：只能选择一项") % label))
            answers["items"][item.id] = known[0]
            continue
        ordered = [o.id for o in item.options if o.id in set(known)]
        if any(item.option(c).none for c in ordered) and len(ordered) > 1:
            problems.append((f"items.{item.id}", gettext("%(item)s：“无”不能与其他选项同时选择") % label))
        answers["items"][item.id] = ordered
    for scenario in variant.scenarios:
        label = {"scenario": scenario.text}
        chosen = values(f"scenario_{scenario.id}")
        if not chosen:
            problems.append(
                (
                    f"scenarios.{scenario.id}",
                    gettext("经营场景“%(scenario)s”：请选择 0–4 级（未开展选 0）") % label,
                )
            )
            continue
        try:
            level = int(chosen[0])
        except ValueError:
            level = -1
        if not 0 <= level <= SCENARIO_MAX_LEVEL:
            problems.append(
                (f"scenarios.{scenario.id}", gettext("经营场景“%(scenario)s”：等级应为 0–4") % label)
            )
            continue
        answers["scenarios"][scenario.id] = level
    return answers, problems


def _fmt(value: Decimal) -> str:
    """12.500 → '12.5', 10 → '10'."""
    text = format(value.normalize(), "f")
    return text


def score(variant: Variant, answers: dict) -> dict:
    """Points per item and dimension, the total (scored dimensions only), scenario counts and the weakest dimensions.

    `answers` must be complete (parse_answers without problems).
    """
    dims = []
    total = Decimal(0)
    scen_levels = answers.get("scenarios") or {}
    for dim in variant.dimensions:
        if dim.scored:
            rows = []
            got = Decimal(0)
            for item in dim.items:
                chosen = answers["items"][item.id]
                ids = chosen if isinstance(chosen, list) else [chosen]
                points = sum((item.option(i).points for i in ids), Decimal(0))
                got += points
                rows.append({"id": item.id, "points": _fmt(points), "max": _fmt(item.max)})
            total += got
            ratio = Fraction(got) / Fraction(dim.max) if dim.max else Fraction(0)
            dims.append(
                {
                    "id": dim.id,
                    "zh": dim.zh,
                    "scored": True,
                    "score": _fmt(got),
                    "max": _fmt(dim.max),
                    "ratio": str(ratio),
                    "items": rows,
                }
            )
        else:
            levels = [int(scen_levels.get(s.id, 0)) for s in dim.scenarios]
            top = len(dim.scenarios) * SCENARIO_MAX_LEVEL
            ratio = Fraction(sum(levels), top) if top else Fraction(0)
            dims.append(
                {
                    "id": dim.id,
                    "zh": dim.zh,
                    "scored": False,
                    "score": str(sum(levels)),
                    "max": str(top),
                    "ratio": str(ratio),
                    "items": [],
                }
            )
    lowest = min((Fraction(d["ratio"]) for d in dims), default=None)
    weakest = [d["id"] for d in dims if lowest is not None and Fraction(d["ratio"]) == lowest]
    binding = {s.id for s in variant.scenarios if s.binding}
    summary = {
        "count": len(variant.scenarios),
        "binding": len(binding),
        "reached": {
            str(n): sum(1 for s in variant.scenarios if int(scen_levels.get(s.id, 0)) >= n)
            for n in range(1, SCENARIO_MAX_LEVEL + 1)
        },
        "binding_reached": {
            str(n): sum(
                1 for s in variant.scenarios if s.id in binding and int(scen_levels.get(s.id, 0)) >= n
            )
            for n in range(1, SCENARIO_MAX_LEVEL + 1)
        },
    }
    return {
        "dimensions": dims,
        "total": total,
        "total_text": _fmt(total),
        "max": _fmt(variant.max_score),
        "scenarios": summary,
        "weakest": weakest,
    }


def level_2024(total: Decimal, scenarios: dict) -> int:
    """The provisional 2024 level from the third-party rules in self_test.levels_2024 [C]; 0 = below level 1."""
    rules = (tables().meta.get("levels_2024") or {}).get("rules") or []
    for rule in sorted(rules, key=lambda r: -int(r["level"])):
        n = str(rule["scenario_level"])
        if (
            total >= Decimal(str(rule["min_score"]))
            and int(scenarios["reached"].get(n, 0)) >= int(rule["min_scenarios"])
            and int(scenarios["binding_reached"].get(n, 0)) >= int(rule["min_binding"])
        ):
            return int(rule["level"])
    return 0


def level_2024_label(level: int | None) -> str:
    if level is None:
        return ""
    meta = localized(tables().meta.get("levels_2024") or {})
    for rule in meta.get("rules") or []:
        if int(rule["level"]) == level:
            return str(rule.get("zh", level))
    return str(meta["below"]) if "below" in meta else gettext("未达一级")


def dimension_name(dim: dict) -> str:
    """A stored dimension's name in the page's language (the stored result keeps the Chinese)."""
    if english():
        return tables().dimension_names_en.get(dim["id"]) or dim["zh"]
    return dim["zh"]


def dimension_text(dim: dict) -> str:
    """'数字化管理得分 12/30' or '数字化经营场景等级合计 10/64（该维度不计分）'."""
    values = {"dimension": dimension_name(dim), "score": dim["score"], "max": dim["max"]}
    if dim["scored"]:
        return gettext("%(dimension)s得分 %(score)s/%(max)s") % values
    return gettext("%(dimension)s场景等级合计 %(score)s/%(max)s（该维度不计分）") % values


def level_uses(day=None) -> tuple[str, list[str]]:
    """How the recognition measures in force on `day` (default today) score the digital level: (their name, one line
    per criterion that reads it, "专精特新中小企业 · 数字化水平：A. 三级以上 5 分、…") in the page's language.

    Why from the rule data: the 2022 measures scored it (附件2 指标 5), the 2026 measures list no such indicator; a
    sentence written into the page stayed true for one of them only."""
    import datetime as dt

    from rulebook.evaluate import criteria_of
    from rulebook.expr import facts_used

    en = (get_language() or "").startswith("en")
    rs = engine.registry().in_force(day or dt.date.today())
    lines, seen = [], set()
    for tid in rs.ladder or tuple(rs.tiers):
        tier = rs.tiers[tid]
        for cid in criteria_of(tier.require, rs, tier):
            c = rs.criteria[cid]
            nodes = [n for n in (c.value, c.test, *(o.test for o in c.options)) if n is not None]
            if cid in seen or c.kind != "indicator":
                continue
            if not any("digital_level" in facts_used(n, rs.metrics) for n in nodes):
                continue
            seen.add(cid)
            if en:
                bands = "; ".join(f"{o.en}: {o.points} points" for o in c.options)
                lines.append(f"{tier.en} · {c.en}: {bands}")
            else:
                bands = "、".join(f"{o.zh} {o.points} 分" for o in c.options)
                lines.append(f"{tier.zh} · {c.zh}：{bands}")
    return (rs.en if en else rs.zh), lines
