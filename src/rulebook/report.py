"""The assessment as JSON (`zjtx.assessment/1`, shared/spec/profile.md), with every trace and gap.

Money stays in yuan, ratios as fractions; each value also has a display string in the
user's language, so a UI or report never formats numbers on its own.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from . import expr
from .facts import CATALOGUE, MEMBER_ZH, NEVER, NONE_RANK, split_key
from .gaps import Change, Fix, Plan
from .numbers import fmt_number, fmt_percent, fmt_wan, fmt_yuan, to_json_number

if TYPE_CHECKING:
    from .assess import Assessment
    from .evaluate import CriterionResult, TierResult

SCHEMA = "zjtx.assessment/1"
UNVERIFIED_ZH = "待核实"


def jsonable(value: Any) -> Any:
    if value is expr.UNKNOWN:
        return None
    if value is expr.UNDEFINED:
        return None
    if isinstance(value, Fraction):
        return to_json_number(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, expr.Cagr):
        approx = value.approx()
        return None if approx is None else round(approx, 6)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def display(value: Any, unit: str, lang: str) -> str:
    zh = lang == "zh"
    if value is expr.UNKNOWN or value is None:
        return "未填报" if zh else "not given"
    if value is expr.UNDEFINED:
        return "无法计算（分母为 0）" if zh else "not computable (zero denominator)"
    if isinstance(value, bool):
        return ("是" if value else "否") if zh else ("yes" if value else "no")
    if isinstance(value, expr.Cagr):
        approx = value.approx()
        return "无法计算" if approx is None else f"{approx * 100:.2f}%"
    if isinstance(value, Fraction):
        if unit == "percent":
            return fmt_percent(value)
        if unit == "money":
            return fmt_wan(value) if zh else fmt_yuan(value)
        if unit == "years":
            return f"{fmt_number(value)} 年" if zh else f"{fmt_number(value)} years"
        return fmt_number(value)
    if isinstance(value, dt.date):
        return "无" if value.year == 1 else value.isoformat()
    return str(value)


def fact_display(key: str, value: Any, lang: str) -> str:
    spec = CATALOGUE.get(split_key(key)[0])
    if spec is None:
        return display(value, "", lang)
    if spec.enum is not None and isinstance(value, Fraction):
        names = {v: k for k, v in spec.enum.items()}
        member = names.get(int(value), str(value))
        return MEMBER_ZH.get(member, member) if lang == "zh" else member
    if (
        (spec.name.endswith("_rank") or spec.name == "maker_china_group")
        and isinstance(value, Fraction)
        and value >= 9999
    ):
        return "无" if lang == "zh" else "none"
    if spec.kind == "text" and isinstance(value, str) and lang == "zh":
        return MEMBER_ZH.get(value, value)
    unit = {"money": "money", "ratio": "percent"}.get(spec.kind, "")
    return display(value, unit, lang)


def _is_nothing(key: str, value: Any) -> bool:
    """An event fact that says "none that year" (no award, never held): noise in a short summary."""
    name, _ = split_key(key)
    if name in ("science_award_national_rank", "science_award_provincial_rank", "maker_china_group"):
        return isinstance(value, Fraction) and value >= NONE_RANK
    return value == NEVER


def input_key(key: str, facts) -> str:
    """The profile path of a fact, made unique for facts derived from one list (awards:maker_china_group_2023)."""
    path = facts.path_of(key)
    name, year = split_key(key)
    spec = CATALOGUE.get(name)
    if spec is not None and ("{y}" in spec.path or spec.path.endswith(name) or "." in spec.path):
        return path
    return f"{path}:{key}"


def missing_paths(keys: list[str], facts) -> list[str]:
    """Profile fields to fill in, each once (a missing list is one field, not one per year)."""
    out: list[str] = []
    for key in keys:
        path = facts.path_of(key)
        if path not in out:
            out.append(path)
    return out


def inputs_labelled(r: CriterionResult, facts, lang: str) -> list[dict]:
    """The facts a criterion read, labelled for people; years with nothing to report are left out."""
    items = [(k, v) for k, v in r.inputs.items() if not _is_nothing(k, v)]
    out = []
    for key, value in items:
        name, year = split_key(key)
        spec = CATALOGUE.get(name)
        label = (spec.zh if lang == "zh" else spec.en) if spec else key
        if year is not None:
            label += f"（{year}）" if lang == "zh" else f" ({year})"
        out.append(
            {
                "fact": key,
                "path": facts.path_of(key),
                "label": label,
                "display": fact_display(key, value, lang),
            }
        )
    return out


def change_json(c: Change, lang: str) -> dict:
    out = {
        "fact": c.key,
        "kind": c.kind,
        "text": c.zh if lang == "zh" else c.en,
        "text_zh": c.zh,
        "text_en": c.en,
    }
    if c.current is not None:
        out["current"] = jsonable(c.current)
    if c.target is not None:
        out["target"] = jsonable(c.target)
    if c.delta is not None:
        out["change"] = jsonable(c.delta)
    return out


def fix_json(f: Fix, lang: str) -> dict:
    out = {"changes": [change_json(c, lang) for c in f.changes], "feasible": f.feasible}
    if f.gain:
        out["points_gained"] = jsonable(f.gain)
        out["reaches_band"] = f.target_zh if lang == "zh" else f.target_en
    return out


def _value_display(r: CriterionResult, lang: str) -> str | None:
    c = r.criterion
    if c.value is None:
        return None
    if isinstance(c.value, expr.Fact):
        return fact_display(c.value.name, r.value, lang)
    return display(r.value, c.unit, lang)


def criterion_json(r: CriterionResult, facts, lang: str) -> dict:
    c = r.criterion
    out: dict[str, Any] = {
        "id": c.id,
        "kind": c.kind,
        "label": c.zh if lang == "zh" else c.en,
        "label_zh": c.zh,
        "label_en": c.en,
        "status": r.status,
        "passed": None if r.passed is expr.UNKNOWN else r.passed,
        "value": jsonable(r.value),
        "value_display": _value_display(r, lang),
        "inputs_labelled": inputs_labelled(r, facts, lang),
        "inputs": {input_key(k, facts): jsonable(v) for k, v in r.inputs.items()},
        "inputs_display": {input_key(k, facts): fact_display(k, v, lang) for k, v in r.inputs.items()},
        "missing": missing_paths(r.missing, facts),
        "clause": c.clause.as_json(),
        "cite": c.clause.cite(),
        "unverified": c.clause.unverified,
        "manual": c.manual,
    }
    if c.kind == "indicator":
        out["points"] = jsonable(r.points)
        out["points_range"] = [jsonable(r.points_min), jsonable(r.points_max)]
        out["max_points"] = jsonable(c.max_points)
        out["band"] = (r.option.zh if lang == "zh" else r.option.en) if r.option else None
    note = c.note_zh if lang == "zh" else c.note_en
    if note:
        out["note"] = note
    out["gap"] = [fix_json(f, lang) for f in r.gap]
    return out


def plan_json(p: Plan | None, facts, lang: str) -> dict | None:
    if p is None:
        return None
    return {
        "reaches": None if p.reaches is expr.UNKNOWN else p.reaches,
        "via": p.via,
        "changes": [change_json(c, lang) for c in p.changes],
        "missing": missing_paths(p.missing, facts),
    }


def tier_json(tr: TierResult, a: Assessment, lang: str) -> dict:
    from .evaluate import criteria_of

    t = tr.tier
    score = None
    out: dict[str, Any] = {
        "label": t.zh if lang == "zh" else t.en,
        "label_zh": t.zh,
        "label_en": t.en,
        "qualified": None if tr.qualified is expr.UNKNOWN else tr.qualified,
        "score": None,
        "route": tr.route,
    }
    if tr.score is not None:
        if tr.score.total_min == tr.score.total_max:
            score = jsonable(tr.score.total_min)
        out["score"] = score
        out["score_range"] = [jsonable(tr.score.total_min), jsonable(tr.score.total_max)]
        out["threshold"] = jsonable(t.score.threshold)
        out["groups"] = {
            g.id: {
                "label": g.zh if lang == "zh" else g.en,
                "points_range": [jsonable(lo) for lo in tr.score.groups[g.id]],
                "minimum": jsonable(g.minimum) if g.minimum is not None else None,
            }
            for g in t.score.groups
        }
    out["routes"] = {k: (None if v is expr.UNKNOWN else v) for k, v in tr.routes.items()}
    out["clause"] = t.clause.as_json()
    out["missing"] = missing_paths(tr.missing, a.facts)
    out["unverified"] = tr.rests_on_unverified
    if tr.rests_on_unverified:
        out["unverified_note"] = (
            "结论依赖待核实（[C] 级）条款，不能作为“不符合”的唯一依据"
            if lang == "zh"
            else "the outcome rests on a criterion graded C (unverified); not a sole basis for refusal"
        )
    out["criteria"] = [
        criterion_json(a.criteria[cid], a.facts, lang) for cid in criteria_of(t.require, a.rules, t)
    ]
    out["plan"] = plan_json(tr.plan, a.facts, lang)
    return out


def _tier_order(a: Assessment) -> list[str]:
    """The ladder from the lowest tier up, then any other tiers (e.g. tech_sme) before their ladder step."""
    ladder = list(a.rules.ladder) or list(a.tiers)
    rest = [t for t in a.tiers if t not in ladder]
    return rest + ladder if a.rules.ladder else ladder


def assessment_json(a: Assessment, lang: str = "zh") -> dict:
    size = None
    if a.size is not None:
        s = a.size
        size = {
            "class": s.size_class,
            "sector": s.sector.id if s.sector else None,
            "sector_label": (s.sector.zh if lang == "zh" else s.sector.en) if s.sector else None,
            "possible": s.possible,
            "rules": s.rule_set,
            "clause": s.sector.clause.as_json() if s.sector else None,
            "inputs": {a.facts.path_of(k): jsonable(v) for k, v in s.inputs.items()},
            "missing": [a.facts.path_of(k) for k in s.missing],
        }
    return {
        "schema": SCHEMA,
        "rules": a.rules.id,
        "rules_title": a.rules.zh if lang == "zh" else a.rules.en,
        "overlay": a.rules.overlay,
        "as_of": a.facts.as_of.isoformat(),
        "fiscal_year": a.facts.fiscal_year,
        "review": bool(a.facts.values.get("is_review")),
        "size": size,
        "tiers": {tid: tier_json(a.tiers[tid], a, lang) for tid in _tier_order(a)},
        "highest_tier": a.highest_tier,
        "warnings": [w.zh() if lang == "zh" else w.en() for w in a.profile.warnings],
        "notes": [zh if lang == "zh" else en for zh, en in a.notes],
    }
