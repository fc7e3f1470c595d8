"""Digital self-tests for about ten demo manufacturers, answered so each lands on its profile's level.

Answers are built from the real item tables (portal.digital.scoring) and submitted through
portal.digital.actions.submit_self_test, which scores them and writes score and level into the
profile (apply_self_test). Each firm keeps the digital level its archetype gave it, so the
assessments (and every story built on them) stay as they were; one dimension is made the weakest
in turn, so the suggested 小快轻准 solutions differ from firm to firm. One firm has an older,
lower self-test too, so the history shows progress.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from portal.assessments import engine
from portal.digital import actions as digital
from portal.digital import scoring
from portal.digital.models import DigitalSelfTest
from portal.enterprises.models import Enterprise

from .clock import StoryClock
from .people import DemoEnterprise

SECTOR = "manufacturing"  # the only sector with published item tables
PER_LEVEL = {4: 3, 3: 3, 2: 2, 1: 2}
TARGET = {0: Decimal("12"), 1: Decimal("30"), 2: Decimal("50"), 3: Decimal("70"), 4: Decimal("88")}
WEAK_CYCLE = ("operations", "management", "outcomes", "foundation")
STEP = Decimal("0.02")


def _variant():
    return scoring.tables().variants[SECTOR]


def _clamp(x: Decimal) -> Decimal:
    return min(Decimal(1), max(Decimal(0), x))


def form_data(base: Decimal, weak: str, rng: random.Random) -> dict:
    """Form answers scoring about `base` (0–1) of every dimension, with `weak` a quarter lower."""
    variant = _variant()
    share = {d.id: base for d in variant.dimensions}
    delta = Decimal("0.25")
    share[weak] = _clamp(base - delta)
    scored = {d.id: d.max for d in variant.dimensions if d.scored}
    if weak in scored:  # keep the total: the other scored dimensions make up what `weak` lost
        lost = (base - share[weak]) * scored[weak]
        rest = sum(v for k, v in scored.items() if k != weak)
        for k in scored:
            if k != weak:
                share[k] = _clamp(base + lost / rest)
    data: dict = {}
    for dim in variant.dimensions:
        f = share[dim.id]
        for item in dim.items:
            if item.kind == "single":
                target = f * item.max
                best = min(item.options, key=lambda o, t=target: (abs(o.points - t), o.points))
                data[item.id] = [best.id]
            else:
                real = [o for o in item.options if not o.none]
                k = int((f * len(real)).to_integral_value())
                data[item.id] = [o.id for o in real[:k]] or [next(o.id for o in item.options if o.none)]
        for s in dim.scenarios:
            level = int((f * 4).to_integral_value()) + rng.choice((-1, 0, 0, 1))
            data[f"scenario_{s.id}"] = [str(min(4, max(0, level)))]
    return data


def answers_for_level(level: int, weak: str, rng: random.Random) -> dict:
    """Form data whose score maps to `level` (searching from the band's middle)."""
    variant = _variant()
    base = TARGET[level] / 100
    for _ in range(40):
        data = form_data(base, weak, rng)
        answers, problems = scoring.parse_answers(variant, data)
        if problems:
            raise RuntimeError(f"演示数据：自测答案无效：{problems[:3]}")
        got = engine.digital_level_for_score(scoring.score(variant, answers)["total"])["level"]
        if got == level:
            return data
        base = _clamp(base + (STEP if got < level else -STEP))
    raise RuntimeError(f"演示数据：凑不出数字化水平 {level} 级的自测答案，请检查 demo/selftests.py")


def choose(enterprises: list[DemoEnterprise]) -> list[tuple[DemoEnterprise, int]]:
    """Manufacturers (the sector with item tables) by the level their profile states, PER_LEVEL of each."""
    taken: dict[int, int] = {}
    out = []
    for ent in enterprises:
        e = Enterprise.objects.get(pk=ent.enterprise.pk)
        level = e.profile.get("digital_level")
        sector = scoring.sector_for(e.industry)
        if sector is None or sector.id != SECTOR or level not in PER_LEVEL:
            continue
        if taken.get(level, 0) < PER_LEVEL[level]:
            taken[level] = taken.get(level, 0) + 1
            out.append((ent, level))
    return out


def _submit(ent: DemoEnterprise, data: dict, level: int, day: dt.date, clock: StoryClock) -> DigitalSelfTest:
    now = None if day >= clock.today else clock.moment(day)
    with clock.on(day):
        enterprise = Enterprise.objects.get(pk=ent.enterprise.pk)
        test = digital.submit_self_test(ent.user, enterprise, data, now=now)
    if test.level != level or test.apply_error or test.profile_applied_at is None:
        raise RuntimeError(
            f"演示数据：“{enterprise.name}”的自测为 {test.level_label}（应为 {level} 级），"
            f"写入画像：{test.apply_error or '未写入'}"
        )
    return test


def take_self_tests(
    enterprises: list[DemoEnterprise], today: dt.date, clock: StoryClock, rng: random.Random
) -> list[DigitalSelfTest]:
    out = []
    history_done = False
    for i, (ent, level) in enumerate(choose(enterprises)):
        weak = WEAK_CYCLE[i % len(WEAK_CYCLE)]
        if level >= 2 and not history_done:  # a year ago, one level lower
            history_done = True
            earlier = answers_for_level(level - 1, "foundation", rng)
            out.append(_submit(ent, earlier, level - 1, today - dt.timedelta(days=330), clock))
        data = answers_for_level(level, weak, rng)
        out.append(_submit(ent, data, level, today - dt.timedelta(days=4 + 5 * i), clock))
    return out
