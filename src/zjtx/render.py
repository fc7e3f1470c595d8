"""The human-readable assessment report for the terminal (rich), in Chinese by default.

Why separate from the CLI: the report reads only the assessment JSON, so what a user
sees in the terminal is exactly what `--json` and the portal carry.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

SIZE_ZH = {"micro": "微型企业", "small": "小型企业", "medium": "中型企业", "large": "大型企业", None: "待定"}
SIZE_EN = {"micro": "micro", "small": "small", "medium": "medium", "large": "large", None: "undetermined"}
STATUS = {
    "zh": {"met": "✔ 符合", "not_met": "✘ 不符合", "undetermined": "？待定", "scored": ""},
    "en": {"met": "✔ met", "not_met": "✘ not met", "undetermined": "? undetermined", "scored": ""},
}


def _t(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def verdict(tier: dict, lang: str) -> Text:
    q = tier["qualified"]
    if q is True:
        return Text(_t(lang, "✔ 符合", "✔ qualifies"), style="bold green")
    if q is False:
        text = Text(_t(lang, "✘ 未达到", "✘ not reached"), style="bold red")
        if tier.get("unverified"):
            text.append(_t(lang, "（依据含待核实条款）", " (rests on unverified clauses)"), style="yellow")
        return text
    return Text(_t(lang, "？待定（信息不全）", "? undetermined (facts missing)"), style="bold yellow")


def _route_text(tier: dict, lang: str, tiers: dict | None = None) -> str:
    route = tier.get("route")
    if not route:
        return ""
    if route == "score":
        return _t(lang, "途径：评分达标", "route: score")
    if route == "general":
        return _t(lang, "途径：一般性条件", "route: general conditions")
    crit = {c["id"]: c for c in tier["criteria"]}
    if tiers and route in tiers:
        return _t(lang, f"途径：{tiers[route]['label']}", f"route: {tiers[route]['label']}")
    label = crit[route]["label"] if route in crit else route
    return _t(lang, f"途径：直通条件——{label}", f"route: direct — {label}")


def tier_panel(tid: str, tier: dict, lang: str, tiers: dict | None = None) -> Panel:
    head = Text()
    head.append(verdict(tier, lang))
    if tier.get("score_range") is not None:
        lo, hi = tier["score_range"]
        score = f"{lo}" if lo == hi else f"{lo}–{hi}"
        head.append(
            _t(
                lang,
                f"    评分 {score} 分（达标线 {tier['threshold']} 分）",
                f"    score {score} (threshold {tier['threshold']})",
            )
        )
        groups = "；".join(
            f"{g['label']} {g['points_range'][0] if g['points_range'][0] == g['points_range'][1] else '–'.join(map(str, g['points_range']))}"
            + (_t(lang, f"（≥{g['minimum']}）", f" (≥{g['minimum']})") if g["minimum"] is not None else "")
            for g in tier["groups"].values()
        )
        head.append("\n" + groups, style="dim")
    route = _route_text(tier, lang, tiers)
    if route:
        head.append("\n" + route)

    table = Table(show_lines=False, expand=True, pad_edge=False)
    table.add_column(_t(lang, "条件/指标", "criterion"), ratio=5, overflow="fold")
    table.add_column(_t(lang, "企业数据", "value"), ratio=3, overflow="fold")
    table.add_column(_t(lang, "结果", "result"), ratio=2, overflow="fold")
    table.add_column(_t(lang, "依据条款", "clause"), ratio=3, style="dim", overflow="fold")
    for c in tier["criteria"]:
        label = Text(c["label"])
        if c["unverified"]:
            label.append(_t(lang, " 〔待核实〕", " [unverified]"), style="yellow")
        if c.get("manual"):
            label.append(_t(lang, " 〔需人工核验〕", " [reviewer judges]"), style="cyan")
        value = (
            c.get("value_display")
            or "；".join(f"{i['label']} {i['display']}" for i in c["inputs_labelled"][:3])
            or "—"
        )
        if c["status"] == "undetermined":
            value = _t(lang, "缺：", "missing: ") + "、".join(c["missing"])
        if c["kind"] == "indicator":
            pts = c["points"] if c["points"] is not None else "–".join(map(str, c["points_range"]))
            result = Text(f"{pts}/{c['max_points']} {_t(lang, '分', 'pts')}")
            if c.get("band"):
                result.append(f"\n{c['band']}", style="dim")
        else:
            style = {"met": "green", "not_met": "red", "undetermined": "yellow"}[c["status"]]
            result = Text(STATUS[lang][c["status"]], style=style)
        clause = c["clause"]
        cite = "".join(x for x in (clause["annex"], clause["item"]) if x) or c["cite"]
        table.add_row(label, value, result, f"{cite} [{clause['grade']}]")

    parts: list[Any] = [head, table]
    plan = tier.get("plan") or {}
    if tier["qualified"] is not True and plan.get("changes"):
        title = _t(lang, "要达到这一层次，需要：", "To reach this tier:")
        if plan.get("reaches") is None:
            title = _t(lang, "先补充以下信息才能判定：", "Fill in these facts to decide:")
        elif plan.get("reaches") is False:
            title = _t(lang, "尚无可行的调整方案，主要差距：", "No feasible plan found; main gaps:")
        lines = Text(title + "\n", style="bold")
        for i, ch in enumerate(plan["changes"], 1):
            lines.append(f"  {i}. {ch['text']}\n")
        if plan.get("via") and plan.get("reaches"):
            via = (
                _route_text({**tier, "route": plan["via"]}, lang, tiers).split("：", 1)[-1].split(": ", 1)[-1]
            )
            lines.append(
                _t(
                    lang,
                    f"  （已按上述调整重新测算，可达标；途径：{via}）",
                    f"  (re-checked with these changes: reached via {via})",
                ),
                style="dim",
            )
        parts.append(lines)
    elif tier["qualified"] is True:
        upgrades = [
            (c, f) for c in tier["criteria"] if c["kind"] == "indicator" and c["gap"] for f in c["gap"][:1]
        ]
        if upgrades and tier.get("score_range"):
            lines = Text(_t(lang, "还可提分：\n", "Points still available:\n"), style="bold")
            for c, f in upgrades[:4]:
                lines.append(
                    f"  · {c['label']}："
                    + "；".join(ch["text"] for ch in f["changes"])
                    + _t(lang, f"（+{f['points_gained']} 分）\n", f" (+{f['points_gained']})\n")
                )
            parts.append(lines)
    title = f"{tier['label']}  ({tid})"
    style = {True: "green", False: "red", None: "yellow"}[tier["qualified"]]
    return Panel(Group(*parts), title=title, title_align="left", border_style=style)


def render(result: dict, profile_name: str | None, console: Console, lang: str = "zh") -> None:
    name = profile_name or _t(lang, "（未填写企业名称）", "(no name)")
    console.print(
        Text(
            _t(
                lang,
                f"{name} — 优质中小企业梯度培育自评报告",
                f"{name} — gradient-cultivation self-assessment",
            ),
            style="bold",
        )
    )
    console.print(
        _t(
            lang,
            f"依据：《{result['rules_title']}》（{result['rules']}）",
            f"Rules: {result['rules_title']} ({result['rules']})",
        )
        + (f" + {result['overlay']}" if result.get("overlay") else "")
        + _t(
            lang,
            f" · 评估日期 {result['as_of']} · 上年度 = {result['fiscal_year']} 年",
            f" · as of {result['as_of']} · last fiscal year {result['fiscal_year']}",
        )
        + (_t(lang, " · 复核", " · re-review") if result.get("review") else "")
    )
    size = result.get("size")
    if size:
        cls = (SIZE_ZH if lang == "zh" else SIZE_EN)[size["class"]]
        basis = ("，" if lang == "zh" else ", ").join(
            f"{k.split('.')[-1]}={v}" for k, v in size["inputs"].items()
        )
        line = _t(
            lang,
            f"企业规模：{cls}（{size['sector_label'] or '行业未知'}；{basis}）",
            f"Size: {cls} ({size['sector_label']}; {basis})",
        )
        if size["class"] is None:
            line += _t(
                lang,
                f"，可能为：{'、'.join(SIZE_ZH[c] for c in size['possible'])}；缺：{'、'.join(size['missing'])}",
                f", possibly {', '.join(size['possible'])}; missing {', '.join(size['missing'])}",
            )
        console.print(line)
    highest = result["highest_tier"]
    if highest in result["tiers"]:
        label = result["tiers"][highest]["label"]
        headline = _t(lang, f"结论：最高可达 {label}", f"Highest tier reached: {label}")
    else:
        headline = _t(lang, "结论：目前尚未达到任何层次", "Highest tier reached: none yet")
    console.print(Text(headline, style="bold cyan"))
    for note in result.get("notes", []):
        console.print(Text(note, style="dim"))
    console.print()
    for tid, tier in result["tiers"].items():
        console.print(tier_panel(tid, tier, lang, result["tiers"]))
    console.print(
        Text(
            _t(
                lang,
                "〔待核实〕：该条款原文未能逐字核对（来源等级 C），结论仅供参考，以主管部门认定为准。",
                "[unverified]: the wording of this clause could not be checked against the official text (grade C).",
            ),
            style="dim",
        )
    )
