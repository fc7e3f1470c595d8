"""What the screening pages show: progress text, summary lines, labelled candidate rows, filter options.

Why apart from the views: the same labels (tier names, county names, counts with thousands
separators) appear on the run page, the pool page and in the Excel export.
"""

from __future__ import annotations

from functools import cache

from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from portal.assessments import engine

from .actions import region_label
from .models import RunState

SORTS = {
    "row": ("row", "pk"),
    "tier": ("-tier_rank", "row", "pk"),
    "name": ("name", "pk"),
    "county": ("region", "row", "pk"),
}
SORT_LABELS = [
    ("row", _("按行号")),
    ("tier", _("按层次（高→低）")),
    ("name", _("按企业名称")),
    ("county", _("按区县")),
]
POOL_SORT_LABELS = SORT_LABELS[1:]


def n(value) -> str:
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return "0"


def progress(run) -> dict:
    """{text, done, total, active} for the progress fragment."""
    if run.state == RunState.QUEUED:
        return {"text": gettext("排队中，等待后台任务开始……"), "active": True, "done": 0, "total": 0}
    if run.state == RunState.FAILED:
        return {"text": run.error_message, "active": False, "done": 0, "total": 0}
    if run.state == RunState.DONE:
        rows = run.rows_total
        return {
            "text": gettext("已处理 %(done)s / %(total)s 行") % {"done": n(rows), "total": n(rows)},
            "active": False,
            "done": rows,
            "total": rows,
        }
    phase, done, total = run.phase, run.phase_done, run.phase_total
    if phase == "筛查":
        text = gettext("已处理 %(done)s / %(total)s 行") % {
            "done": n(run.rows_done),
            "total": n(run.rows_total),
        }
        done, total = run.rows_done, run.rows_total
    elif phase == "差距分析":
        text = gettext(
            "已处理 %(rows)s 行；正在为最接近下一层次的企业计算差距清单：%(done)s / %(total)s 家"
        ) % {"rows": n(run.rows_total), "done": n(done), "total": n(total)}
    elif phase == "写出结果":
        text = gettext("正在写出结果文件……")
    elif phase == "载入候选企业":
        text = gettext("正在整理候选企业名单……")
    else:
        text = gettext("正在读取文件……")
    return {"text": text, "active": True, "done": done, "total": total}


def _lang() -> str:
    """The page's language, as the engine names it ("zh" / "en")."""
    return "en" if (get_language() or "").startswith("en") else "zh"


@cache
def _tier_label(rule_id: str, tier: str, lang: str) -> str:
    return engine.tier_label(rule_id, tier, lang)


def tier_label(rule_id: str, tier: str) -> str:
    """The tier's name as the rule set words it, in the page's language."""
    if not tier or tier == "none":
        return gettext("未达任何层次")
    return _tier_label(rule_id or "", tier, _lang())


@cache
def county_label(code: str) -> str:
    found = engine.region(code) if code else None
    return found[0] if found else (code or "—")


@cache
def industry_label(code: str) -> str:
    return (engine.industry_name(code) or "") if code else ""


def rules_label(rule_id: str) -> str:
    try:
        rs = engine.ruleset(rule_id)
        return f"{rs.zh}（{rule_id}）" if _lang() == "zh" else f"{rs.en} ({rule_id})"
    except engine.UnknownRuleSet:
        return rule_id


def summary(run) -> dict:
    """The finished run's summary, labelled: tier counts, error rows, ignored rows, notes."""
    s = run.summary or {}
    ladder = engine.tier_ladder(run.rules)
    counts = s.get("highest_tier", {})
    tiers = [(tier_label(run.rules, t), n(counts.get(t, 0))) for t in [*reversed(ladder), "none"]]
    outside = int(s.get("outside_region") or 0)
    return {
        "rows": n(s.get("rows", 0)),
        "input_rows": n(s.get("input_rows", s.get("rows", 0))),
        "error_rows": int(s.get("error_rows") or 0),
        "error_rows_text": n(s.get("error_rows", 0)),
        "error_cells": n(s.get("error_cells", 0)),
        "tiers": tiers,
        "gaps": n(s.get("gaps", 0)),
        "gaps_reaching": n(s.get("gaps_reaching", 0)),
        "candidates": n(s.get("candidates", 0)),
        "outside": outside,
        "outside_text": (
            gettext("%(n)s 行不在本辖区（%(region)s）内，已忽略。")
            % {"n": n(outside), "region": region_label(run.region_code)}
        )
        if outside
        else "",
        "notes": s.get("notes", []),
        "seconds": s.get("seconds"),
    }


def candidate_rows(candidates, rule_id: str | None) -> list:
    """Candidates with labels attached (tier names by each run's rule set when `rule_id` is None)."""
    out = []
    for c in candidates:
        rid = rule_id or c.run.rules
        c.tier_text = tier_label(rid, c.highest_tier)
        c.next_text = tier_label(rid, c.next_tier) if c.next_tier else ""
        c.county_text = county_label(c.region)
        c.industry_text = industry_label(c.industry)
        out.append(c)
    return out


def filter_options(qs, rule_ids) -> dict:
    """Choices for the tier, county and industry (门类) filters, from what the list really contains."""
    tiers = [("none", gettext("未达层次（差距可达）"))]
    qs = qs.order_by()  # with the default order (run, row) DISTINCT returned every candidate: 20,000 rows x 3
    seen = set(qs.values_list("highest_tier", flat=True).distinct())
    for rid in rule_ids:
        for t in reversed(engine.tier_ladder(rid)):
            if t in seen and t not in [x for x, _ in tiers]:
                tiers.insert(len(tiers) - 1, (t, tier_label(rid, t)))
    counties = sorted(set(qs.values_list("region", flat=True).distinct()))
    sections = sorted({code[:1] for code in qs.values_list("industry", flat=True).distinct() if code})
    return {
        "tiers": tiers,
        "counties": [(c, county_label(c)) for c in counties],
        "industries": [(s, f"{s} {industry_label(s)}") for s in sections],
    }
