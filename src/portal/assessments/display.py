"""Turn a STORED assessment JSON into what the pages and the PDF show; nothing here re-evaluates.

Why a separate step: the templates stay simple (no JSON digging), and the same display dict
feeds the detail page, the PDF and the cultivation pages that show a frozen assessment
(`{% include "assessments/_result.html" with result=result_for_display(a, lang) %}`).
"""

from __future__ import annotations

import re

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from . import engine

SIZE_CLASSES = {
    "micro": gettext_noop("微型企业"),
    "small": gettext_noop("小型企业"),
    "medium": gettext_noop("中型企业"),
    "large": gettext_noop("大型企业"),
}


def _is_en(lang: str) -> bool:
    return (lang or "").lower().startswith("en")


def profile_editor_url() -> str | None:
    """The profile editor (enterprises app), or None while that page does not exist."""
    try:
        return reverse("enterprises:profile")
    except NoReverseMatch:
        return None


def field_url(path: str) -> str | None:
    """The profile editor scrolled to the section holding `path` (section anchors are the enterprises app's)."""
    url = profile_editor_url()
    if url is None:
        return None
    try:
        from portal.enterprises.labels import KEY_SECTION
    except ImportError:  # pragma: no cover - the editor without section anchors
        return url
    section = KEY_SECTION.get(path.split(".")[0])
    return f"{url}#section-{section}" if section else url


def verdict(qualified) -> dict:
    """✓ 已达标 / ✗ 未达标 / ？待定, with a CSS class."""
    if qualified is True:
        return {"css": "pass", "mark": "✓", "text": _("已达标")}
    if qualified is False:
        return {"css": "fail", "mark": "✗", "text": _("未达标")}
    return {"css": "unknown", "mark": "？", "text": _("待定")}


def _num(x) -> str:
    if isinstance(x, float) and x.is_integer():
        x = int(x)
    return str(x)


def _range(pair) -> str:
    lo, hi = pair
    return _num(lo) if lo == hi else f"{_num(lo)}–{_num(hi)}"


def route_text(tier: dict, tiers: dict) -> str:
    route = tier.get("route")
    if not route:
        return ""
    if route == "score":
        return _("评分达标")
    if route == "general":
        return _("满足一般性条件")
    if route in tiers:
        return _("通过“%(tier)s”") % {"tier": tiers[route]["label"]}
    crit = {c["id"]: c for c in tier.get("criteria", [])}
    label = crit[route]["label"] if route in crit else route
    return _("直通条件：%(label)s") % {"label": label}


def _clause(clause: dict | None) -> dict:
    clause = clause or {}
    return {
        "document": clause.get("document", ""),
        "where": "".join(x for x in (clause.get("annex", ""), clause.get("item", "")) if x),
        "grade": clause.get("grade", ""),
        "note": clause.get("note", ""),
        "unverified": clause.get("grade") == "C",
    }


def _issued(path) -> bool:
    """A title (`recognitions…`) is written into the profile when an official recognises it: the enterprise cannot
    enter it, so no "去填写" link to the read-only 已获认定 section (as on the policy pages)."""
    return str(path).startswith("recognitions")


def _missing(paths, lang: str) -> list[dict]:
    return [
        {"path": p, "label": engine.path_label(p, lang), "url": None if _issued(p) else field_url(p)}
        for p in paths or []
    ]


def _issued_text(text: str) -> str | None:
    """'补充填报：专精特新中小企业称号有效期至（recognitions）' → the sentence the policy pages use for a title."""
    m = re.fullmatch(r"\s*(?:补充填报：|fill in: )(.*?)\s*[（(]recognitions[^）)]*[）)]\s*", text or "")
    if m is None:
        return None
    return (
        _("称号由主管部门认定后记入企业画像，不能自行填报：")
        + m.group(1)
        + _("。在本平台以外取得的，请联系主管部门登记。")
    )


def _missing_text(missing: list[dict]) -> str:
    """What an undetermined criterion waits for: fields to fill in, and titles no official has recorded (the
    enterprise cannot 填写 those, so they are not said to be unfilled)."""
    fields = [m["label"] for m in missing if not _issued(m["path"])]
    titles = [m["label"] for m in missing if _issued(m["path"])]
    parts = []
    if fields:
        parts.append(_("未填写：") + _("、").join(fields))
    if titles:
        parts.append(_("平台上没有认定记录：") + _("、").join(titles))
    return _("；").join(parts)


def criterion_row(c: dict, lang: str) -> dict:
    status = c.get("status")
    missing = _missing(c.get("missing"), lang)
    value = c.get("value_display")
    if not value:
        value = _("；").join(
            _("%(label)s：%(value)s") % {"label": i["label"], "value": i["display"]}
            for i in c.get("inputs_labelled", [])[:3]
        )
    if status == "undetermined" and missing:
        value = _missing_text(missing)
    row = {
        "id": c.get("id"),
        "label": c.get("label", ""),
        "kind": c.get("kind"),
        "status": status,
        "value": value or "—",
        "note": c.get("note", ""),
        "clause": _clause(c.get("clause")),
        "unverified": bool(c.get("unverified")) or (c.get("clause") or {}).get("grade") == "C",
        "manual": bool(c.get("manual")),
        "missing": missing,
        "band": c.get("band") or "",
        "points": None,
    }
    if c.get("kind") == "indicator":
        pts = c.get("points")
        shown = _num(pts) if pts is not None else _range(c.get("points_range") or [0, 0])
        row["points"] = _("%(pts)s/%(max)s 分") % {"pts": shown, "max": _num(c.get("max_points", 0))}
        row["result"] = verdict(None if status == "undetermined" else True)
        row["result"]["text"] = row["points"]
        if status == "undetermined":
            row["result"]["text"] = row["points"] + " " + _("待定")
    else:
        row["result"] = {
            "met": {"css": "pass", "mark": "✓", "text": _("符合")},
            "not_met": {"css": "fail", "mark": "✗", "text": _("不符合")},
        }.get(status, {"css": "unknown", "mark": "？", "text": _("待定")})
    return row


def _provide_url(change: dict) -> str | None:
    """补充填报：研发费用（2025 年）（financials.2025.rd_expense） → the editor at that field's section."""
    m = re.search(r"[（(]([A-Za-z_][\w.]*)[）)]\s*$", change.get("text", ""))
    return field_url(m.group(1)) if m else profile_editor_url()


def plan_block(tier: dict, tiers: dict, lang: str) -> dict | None:
    """The checklist to reach a tier that is not (yet) reached; None when nothing to do or nothing found."""
    plan = tier.get("plan") or {}
    changes = plan.get("changes") or []
    if tier.get("qualified") is True or not changes:
        return None
    reaches = plan.get("reaches")
    if reaches is None:
        title = _("先补充以下信息，才能判断能否达到“%(tier)s”：")
    elif reaches is False:
        title = _("暂时找不到只靠调整数据就能达到“%(tier)s”的办法，主要差距：")
    else:
        title = _("要达到“%(tier)s”，需要做到：")
    items = []
    for ch in changes:
        provide = ch.get("kind") == "provide"
        issued = _issued_text(ch.get("text", "")) if provide else None
        items.append(
            {
                "text": issued or ch.get("text", ""),
                "kind": ch.get("kind", ""),
                "provide": provide and issued is None,
                "url": _provide_url(ch) if provide and issued is None else None,
                "blocked": ch.get("kind") == "blocked",
            }
        )
    via = ""
    if reaches and plan.get("via"):
        via = route_text({**tier, "route": plan["via"]}, tiers)
    return {
        "title": title % {"tier": tier.get("label", "")},
        "items": items,
        "reaches": reaches,
        "via": via,
        "missing": _missing(plan.get("missing"), lang),
    }


def upgrades(tier: dict) -> list[dict]:
    """For a scored tier already reached: where more points are still available."""
    if tier.get("qualified") is not True or tier.get("score_range") is None:
        return []
    out = []
    for c in tier.get("criteria", []):
        if c.get("kind") == "indicator" and c.get("gap"):
            fix = c["gap"][0]
            out.append(
                {
                    "label": c.get("label", ""),
                    "text": _("；").join(ch.get("text", "") for ch in fix.get("changes", [])),
                    "points": _num(fix.get("points_gained", 0)),
                }
            )
    return out[:4]


def tier_block(tid: str, tier: dict, tiers: dict, lang: str) -> dict:
    block = {
        "id": tid,
        "label": tier.get("label", tid),
        "qualified": tier.get("qualified"),
        "verdict": verdict(tier.get("qualified")),
        "route": route_text(tier, tiers),
        "score": None,
        "groups": [],
        "unverified": bool(tier.get("unverified")),
        "unverified_note": tier.get("unverified_note", ""),
        "clause": _clause(tier.get("clause")),
        "criteria": [criterion_row(c, lang) for c in tier.get("criteria", [])],
        "missing": _missing(tier.get("missing"), lang),
        "plan": plan_block(tier, tiers, lang),
        "upgrades": upgrades(tier),
    }
    if tier.get("score_range") is not None:
        block["score"] = {"value": _range(tier["score_range"]), "threshold": _num(tier.get("threshold", ""))}
        for g in (tier.get("groups") or {}).values():
            block["groups"].append(
                {
                    "label": g.get("label", ""),
                    "points": _range(g.get("points_range") or [0, 0]),
                    "minimum": None if g.get("minimum") is None else _num(g["minimum"]),
                }
            )
    block["failed"] = [r for r in block["criteria"] if r["status"] == "not_met"]
    return block


def _order(data: dict, tier_order: list[str] | None) -> list[str]:
    known = list(data.get("tiers") or {})
    order = [t for t in (tier_order or engine.tier_display_order(data.get("rules", ""))) if t in known]
    return order + [t for t in known if t not in order]


def _next_tier(blocks: list[dict], highest: str, ladder: list[str]) -> dict | None:
    """The tier to aim for: the first one above the highest reached that is not reached; else the first not reached."""
    steps = [b for b in blocks if b["id"] in ladder] or blocks
    ids = [b["id"] for b in steps]
    start = ids.index(highest) + 1 if highest in ids else 0
    for b in steps[start:] + steps[:start]:
        if b["qualified"] is not True:
            return b
    return None


def display_result(data: dict, lang: str = "zh", *, tier_order: list[str] | None = None) -> dict:
    """The display dict of one zjtx.assessment/1 JSON (already in the wanted language)."""
    tiers = data.get("tiers") or {}
    order = _order(data, tier_order)
    blocks = [tier_block(tid, tiers[tid], tiers, lang) for tid in order]
    highest = data.get("highest_tier") or "none"
    highest_label = tiers[highest]["label"] if highest in tiers else ""
    size = data.get("size") or {}
    size_class = size.get("class")
    paths = list(size.get("missing") or []) + [p for tid in order for p in tiers[tid].get("missing", [])]
    missing = _missing(list(dict.fromkeys(paths)), lang)
    ladder = [t for t in engine.tier_ladder(data.get("rules", "")) if t in tiers]
    nxt = _next_tier(blocks, highest, ladder)
    return {
        "rules": data.get("rules", ""),
        "rules_title": data.get("rules_title", ""),
        "overlay": data.get("overlay"),
        "overlay_label": engine.overlay_label(data.get("rules", ""), data.get("overlay"), lang),
        "as_of": data.get("as_of", ""),
        "fiscal_year": data.get("fiscal_year"),
        "review": bool(data.get("review")),
        "size": {
            "class": size_class,
            "label": _(SIZE_CLASSES[size_class]) if size_class in SIZE_CLASSES else _("待定"),
            "sector": size.get("sector_label") or _("行业未知"),
            "possible": [_(SIZE_CLASSES[c]) for c in size.get("possible") or [] if c in SIZE_CLASSES],
            "missing": _missing(size.get("missing"), lang),
            "clause": _clause(size.get("clause")),
        },
        "highest": highest,
        "highest_label": highest_label,
        "tiers": blocks,
        "next": nxt,
        "missing": missing,
        "any_unverified": any(b["unverified"] or any(r["unverified"] for r in b["criteria"]) for b in blocks),
        "warnings": data.get("warnings") or [],
        "notes": data.get("notes") or [],
        "profile_url": profile_editor_url(),
    }


def result_for_display(assessment, lang: str = "zh") -> dict:
    """The display dict of a stored Assessment in `lang` ('en…' uses the stored English JSON)."""
    data = assessment.result_in("en" if _is_en(lang) else "zh")
    out = display_result(data, lang, tier_order=assessment.tier_order or None)
    out["assessment"] = assessment
    return out
