"""Response targets for demands, counted in working days (data: services/data/*.yaml).

Why data: the target per category (1–3 working days) and the holiday list are an operator's
settings, not code. Saturdays and Sundays are never working days unless calendar.yaml lists
them as 调休 workdays; statutory holidays count only when calendar.yaml lists them (empty by default).
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

import yaml

DATA = Path(__file__).resolve().parent / "data"
MIN_DAYS, MAX_DAYS = 1, 3


class DeadlineDataError(ValueError):
    """The response-target or calendar data is wrong; the message names the file and the key."""


@cache
def targets() -> dict:
    """{'default': n, 'categories': {category: n}} with every n in 1–3."""
    path = DATA / "response_targets.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out = {"default": data.get("default", 2), "categories": dict(data.get("categories") or {})}
    for key, value in [("default", out["default"])] + [
        (f"categories.{k}", v) for k, v in out["categories"].items()
    ]:
        if not isinstance(value, int) or isinstance(value, bool) or not MIN_DAYS <= value <= MAX_DAYS:
            raise DeadlineDataError(f"{path.name}: {key} 应为 {MIN_DAYS}–{MAX_DAYS} 的整数（现为 {value!r}）")
    return out


def target_days(category: str) -> int:
    t = targets()
    return t["categories"].get(category, t["default"])


@cache
def calendar() -> tuple[frozenset[dt.date], frozenset[dt.date]]:
    """(holidays, extra workdays) from calendar.yaml."""
    path = DATA / "calendar.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}

    def dates(key):
        out = set()
        for value in data.get(key) or []:
            if isinstance(value, dt.date):
                out.add(value)
                continue
            try:
                out.add(dt.date.fromisoformat(str(value)))
            except ValueError:
                raise DeadlineDataError(f"{path.name}: {key} 中的 {value!r} 不是 YYYY-MM-DD 日期") from None
        return frozenset(out)

    return dates("holidays"), dates("workdays")


def is_working_day(day: dt.date) -> bool:
    holidays, workdays = calendar()
    if day in workdays:
        return True
    if day in holidays:
        return False
    return day.weekday() < 5


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The `days`-th working day after `start` (the day of posting itself never counts)."""
    day, left = start, days
    while left > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count
