"""One row of a registry screened alone: its results and its gap plan, as the whole screening would give them.

Why: a screening plans only the rows closest to their next tier (`--gaps`, 1,000 by default); an official
looking at any other row wants its plan too, without screening the registry again. The row is copied into a
one-row file of the same format (CSV stays text, so that its cells are parsed as in the registry) and screened by
`zjtx.screen.screen` with one plan: plans are computed row by row, so this is the plan the row would have had
among the closest. `zjtx plan` (CLI) and the platform's "计算调整方案" call it.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from rulebook.registry import Registry
from rulebook.ruleset import RuleSet

from .screen import ScreenError, _first_line, check_input, registry_frame, screen


@dataclass
class ScreenedRow:
    """`result`: the output columns of the row (`row` is its number in the registry), None when the row has bad
    cells; `errors`: (field, message) of those cells; `rules`, `as_of`: what it was screened under."""

    row: int
    rules: str
    as_of: str
    result: dict[str, Any] | None
    errors: list[tuple[str, str]] = field(default_factory=list)

    @property
    def plan(self) -> list[str]:
        """The plan's changes, one per line (the `gap` column joins them with "；")."""
        gap = (self.result or {}).get("gap")
        return [part for part in gap.split("；") if part] if gap else []


def screen_row(
    input: Path | str,
    row: int,
    *,
    as_of: dt.date | str | None = None,
    rules: str | None = None,
    registry: Registry | None = None,
) -> ScreenedRow:
    """Screen row `row` (from 1, as the `row` column of a screening's output) of `input` alone, with its plan.

    Raises ScreenError (a Chinese message naming the file or the row) for a file that cannot be read or a row it
    does not have, UnknownRuleSet for a bad rule set id."""
    src = Path(input)
    if row < 1:
        raise ScreenError(f"--row: 行号从 1 开始（收到 {row}）")
    fmt = check_input(src)
    with tempfile.TemporaryDirectory(prefix="zjtx-row-") as tmp:
        one = Path(tmp) / f"row{'.csv' if fmt == '.csv' else '.parquet'}"
        try:
            lf = registry_frame(src, fmt)
            frame = lf.slice(row - 1, 1).collect()
            if frame.height != 1:
                total = lf.select(pl.len()).collect().item()
                raise ScreenError(f"{src}: 没有第 {row} 行（共 {total:,} 行数据）")
            if fmt == ".csv":
                frame.write_csv(one)
            else:
                frame.write_parquet(one)
        except pl.exceptions.PolarsError as exc:
            raise ScreenError(f"{src}: 无法读取（{_first_line(exc)}）") from None
        out, err = Path(tmp) / "out.parquet", Path(tmp) / "errors.csv"
        try:
            summary = screen(
                one, out, as_of=as_of, rules=rules, errors=err, gaps=1, progress=False, registry=registry
            )
        except ScreenError as exc:
            raise ScreenError([line.replace(str(one), f"{src} 第 {row} 行") for line in exc.lines]) from None
        with err.open(encoding="utf-8-sig", newline="") as fh:
            errors = [(e["field"], e["message"]) for e in csv.DictReader(fh)]
        result = pl.read_parquet(out).to_dicts()[0] if not errors else None
    if result is not None:
        result["row"] = row
    return ScreenedRow(row, summary["rules"], summary["as_of"], result, errors)


SIZE_ZH = {"micro": "微型企业", "small": "小型企业", "medium": "中型企业", "large": "大型企业"}


def _tier_line(result: dict[str, Any], tid: str, rs: RuleSet) -> str:
    """ "专精特新中小企业：不符合（评分 59 分）" — a tier's outcome as the screening's columns give it."""
    q = result.get(f"{tid}_qualified")
    state = "符合" if q is True else "不符合" if q is False else "待定（缺数据）"
    notes = []
    low, high = result.get(f"{tid}_score_min"), result.get(f"{tid}_score_max")
    if low is not None and high is not None:
        notes.append(f"评分 {low} 分" if low == high else f"评分 {low}–{high} 分，视待补充的数据而定")
    route = result.get(f"{tid}_route")
    if q is True and route and route not in ("score", "general"):
        via = rs.criteria.get(route) or rs.tiers.get(route)  # a direct route's criterion, or a tier held
        notes.append(f"经{via.zh if via else route}")
    return f"  {rs.tiers[tid].zh}：{state}" + (f"（{'；'.join(notes)}）" if notes else "")


def row_lines(one: ScreenedRow, rs: RuleSet) -> list[str]:
    """The human-readable report of one screened row (`zjtx plan`), in Chinese."""
    r = one.result
    if r is None:
        return [f"第 {one.row} 行：数据有误，未评估"] + [
            f"  {m}" for _f, m in one.errors
        ]  # each message names its field
    who = "，".join(str(r[k]) for k in ("name", "id", "credit_code") if r.get(k))
    names = {"none": "未达任何层次", **{tid: t.zh for tid, t in rs.tiers.items()}}
    lines = [
        f"第 {one.row} 行：{who or '（无名称）'}",
        f"  企业规模：{SIZE_ZH.get(r.get('size'), '待定（缺数据）')}",
    ]
    lines += [_tier_line(r, tid, rs) for tid in (rs.ladder or rs.tiers) if f"{tid}_qualified" in r]
    highest, nxt = r.get("highest_tier"), r.get("next_tier")
    lines.append(f"  最高层次：{names.get(highest, highest or '—')}")
    if not nxt:
        lines.append("  已达最高层次，没有下一层次需要规划")
        return lines
    lines.append(f"  下一层次：{names.get(nxt, nxt)}")
    if r.get("gap_missing"):
        lines.append(f"  差距：{r['gap_missing']}")
    if r.get("gap_reaches") is None:
        lines.append("  调整方案：下一层次尚待补充数据才能判定；请先补齐“差距”所列的数据")
        return lines
    verdict = (
        "按方案调整后经复算可达下一层次"
        if r["gap_reaches"]
        else "按方案调整后仍达不到下一层次：有的条件无法通过调整数据满足"
    )
    lines.append(f"  调整方案（{verdict}）：")
    lines += [f"    {i}. {change}" for i, change in enumerate(one.plan, 1)]
    return lines
