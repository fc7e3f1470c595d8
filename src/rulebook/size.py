"""SME size classification (划型) from a `size-classification` rule set.

Why a separate interpreter: the size rules are a table (sector × class × lower bounds),
read the same way for all 16 sectors: a class needs every lower bound of its row, else
the enterprise drops one class; micro is what is left (it needs only one bound).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from .errors import RuleDataError
from .expr import UNKNOWN
from .facts import SIZE_ORDER, FactSet
from .numbers import to_fraction
from .ruleset import Clause, RuleSet, _clause, _label

CLASSES = ("large", "medium", "small")  # checked in this order; micro is the remainder
MEASURES = ("employees", "revenue", "total_assets")


@dataclass(frozen=True)
class Sector:
    id: str
    zh: str
    en: str
    industries: tuple[str, ...]
    exclude: tuple[str, ...]
    classes: dict[str, dict[str, Fraction]]
    clause: Clause


@dataclass
class SizeResult:
    size_class: str | None  # None: undetermined
    possible: list[str]
    sector: Sector | None
    inputs: dict[str, Any] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    rule_set: str = ""


def sectors(rs: RuleSet) -> dict[str, Sector]:
    cached = rs.raw.get("_sectors")
    if cached is not None:
        return cached
    out: dict[str, Sector] = {}
    for sid, spec in (rs.raw.get("sectors") or {}).items():
        where = f"{rs.path}: sectors.{sid}"
        zh, en = _label(spec, where)
        classes: dict[str, dict[str, Fraction]] = {}
        for cls in CLASSES:
            bounds = (spec.get("classes") or {}).get(cls)
            if not isinstance(bounds, dict) or not bounds:
                raise RuleDataError(f"{where}.classes.{cls}: lower bounds are required (e.g. employees: 300)")
            clean = {}
            for measure, value in bounds.items():
                num = to_fraction(value)
                if measure not in MEASURES or num is None:
                    raise RuleDataError(
                        f"{where}.classes.{cls}.{measure}: a bound is employees/revenue/total_assets: number"
                    )
                clean[measure] = num
            classes[cls] = clean
        out[sid] = Sector(
            sid,
            zh,
            en,
            tuple(spec.get("industries") or ()),
            tuple(spec.get("exclude") or ()),
            classes,
            _clause(spec.get("clause"), where, rs.document),
        )
    rs.raw["_sectors"] = out
    return out


def sector_of(rs: RuleSet, industry: str | None, override: str | None) -> Sector | None:
    """The sector named by `override`, else the one whose industry prefix is the longest match."""
    table = sectors(rs)
    if override:
        return table.get(override)
    if not industry:
        return None
    best, best_len = None, -1
    for sector in table.values():
        if any(industry.startswith(x) for x in sector.exclude):
            continue
        for prefix in sector.industries:
            if industry.startswith(prefix) and len(prefix) > best_len:
                best, best_len = sector, len(prefix)
    if best is None:
        best = table.get(rs.raw.get("fallback_sector", "other"))
    return best


def classify(rs: RuleSet, facts: FactSet) -> SizeResult:
    v = facts.values
    sector = sector_of(rs, v.get("industry"), v.get("size_sector"))
    result = SizeResult(None, [], sector, rule_set=rs.id)
    if sector is None:
        result.possible = ["micro", "small", "medium", "large"]
        result.missing = ["industry"]
        return result
    fy = facts.fiscal_year

    def bound_met(measure: str, bound: Fraction):
        key = f"{measure}_{fy}"
        value = v.get(key)
        if value is None:
            if key not in result.missing:
                result.missing.append(key)
            return UNKNOWN
        result.inputs[key] = value
        return value >= bound

    for cls in CLASSES:
        checks = [bound_met(m, b) for m, b in sector.classes[cls].items()]
        met = False if False in checks else (UNKNOWN if UNKNOWN in checks else True)
        if met is True:
            result.possible.append(cls)
            break
        if met is UNKNOWN:
            result.possible.append(cls)
    else:
        result.possible.append("micro")
    if len(result.possible) == 1:
        result.size_class = result.possible[0]
        result.missing = []
    return result


def add_size_facts(result: SizeResult, facts: FactSet) -> None:
    v = facts.values
    v["size_class"] = Fraction(SIZE_ORDER[result.size_class]) if result.size_class else None
    if "large" not in result.possible:
        v["size_is_sme"] = True
    elif result.possible == ["large"]:
        v["size_is_sme"] = False
    else:
        v["size_is_sme"] = None
    v["size_sector_derived"] = result.sector.id if result.sector else None
