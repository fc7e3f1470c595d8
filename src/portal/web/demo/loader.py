"""Load the demo once: staff, enterprises, self-assessments, batches and the stories; print who to log in as.

Idempotent: a database that already holds the demo (its admin account is the marker, written
last) is left alone. `reset=True` empties the database first — allowed only on a demo database
(or an empty one) unless `force=True`, so it cannot wipe a real installation by accident.
"""

from __future__ import annotations

import collections
import datetime as dt
import random
import unicodedata
from dataclasses import dataclass, field

from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from faker import Faker

from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.assessments import engine
from portal.assessments.actions import run_assessment
from portal.cultivation.models import Application, Evidence, Recognition, Tier

from . import catalogue, people
from .clock import StoryClock
from .stories import Teller, story_list

DEMO_PASSWORD = "zjtx-demo-2026"
SEED = 20261127


class DemoError(Exception):
    """The demo cannot be loaded as asked; the message says what to do."""


@dataclass
class Summary:
    enterprises: int = 0
    users: int = 0
    batches: int = 0
    applications: dict[str, int] = field(default_factory=dict)
    recognitions: dict[str, int] = field(default_factory=dict)
    evidence: int = 0
    highest_now: dict[str, int] = field(default_factory=dict)
    highest_any: dict[str, int] = field(default_factory=dict)


def staff_usernames() -> list[str]:
    return [p.username for p in (*catalogue.OFFICIALS, catalogue.PROVIDER, catalogue.ADMIN)]


def is_loaded() -> bool:
    a = catalogue.ADMIN
    return User.objects.filter(username=a.username, organisation=a.organisation).exists()


def _partial() -> bool:
    return (
        User.objects.filter(username__in=staff_usernames()).exists()
        or User.objects.filter(username="ent-01").exists()
    )


def reset_database(*, force: bool = False) -> None:
    """Empty every table (and delete evidence files) so the demo can be built again."""
    if not (is_loaded() or _partial() or not User.objects.exists()) and not force:
        raise DemoError(
            "这个数据库里有不属于演示数据的账户：--reset 会清空整个数据库，已拒绝执行。"
            "确认要清空，请加 --force。"
        )
    for ev in Evidence.objects.all():
        ev.file.storage.delete(ev.file.name)
    call_command("flush", interactive=False, verbosity=0)


def load_demo(
    *, today: dt.date | None = None, reset: bool = False, force: bool = False, log=print
) -> Summary | None:
    """Build the demo; returns its summary, or None when the database already holds it."""
    today = today or timezone.localdate()
    if reset:
        reset_database(force=force)
    elif is_loaded():
        log("演示数据已存在，未重复加载（重建请运行 manage.py load_demo --reset）。")
        return None
    elif _partial():
        raise DemoError("数据库里有上次未加载完的演示数据，请运行 manage.py load_demo --reset 重建。")

    rng = random.Random(SEED)
    fake = Faker("zh_CN")
    fake.seed_instance(SEED)
    hashed = people.password_hash(DEMO_PASSWORD)
    log(f"生成演示数据（今天 = {today.isoformat()}，随机种子 {SEED}）……")
    staff = people.make_staff(hashed, include_admin=False)
    enterprises = people.make_enterprises(rng, fake, today, hashed)
    log(f"  {len(enterprises)} 家企业，{len(staff)} 个主管部门 / 服务机构账户")

    teller = Teller(today, staff, enterprises, log)
    teller.open_batches()
    for story, when, ent in teller.cast(story_list(today)):
        teller.tell(story, when, ent)
    teller.epilogue()
    log(f"  {len(teller.batches)} 个申报批次，{len(teller.told)} 份申报（另有复核申报）")

    clock = StoryClock(today)
    for i, ent in enumerate(enterprises):
        with clock.on(today - dt.timedelta(days=1 + (i * 7) % 30)):
            run_assessment(ent.user, ent.enterprise, as_of=today)

    people.make_admin(hashed)  # the marker: written last, so an interrupted load is recognised
    summary = summarise(today)
    log(format_summary(summary))
    return summary


def summarise(today: dt.date) -> Summary:
    from portal.assessments.models import Assessment
    from portal.cultivation.models import Batch
    from portal.enterprises.models import Enterprise

    latest: dict[int, str] = {}
    for a in Assessment.objects.filter(as_of=today, is_review=False).order_by("created_at", "pk"):
        latest[a.enterprise_id] = a.highest_tier
    return Summary(
        enterprises=Enterprise.objects.count(),
        users=User.objects.count(),
        batches=Batch.objects.count(),
        applications=dict(collections.Counter(Application.objects.values_list("state", flat=True))),
        recognitions=dict(collections.Counter(Recognition.objects.values_list("status", flat=True))),
        evidence=Evidence.objects.count(),
        highest_now=dict(collections.Counter(latest.values())),
        highest_any=dict(collections.Counter(Assessment.objects.values_list("highest_tier", flat=True))),
    )


def _tier_name(tier: str) -> str:
    return "未达到任何层级" if tier == "none" else Tier(tier).label if tier in Tier.values else tier


def format_summary(s: Summary) -> str:
    from portal.cultivation.models import ApplicationState, RecognitionStatus

    states = "、".join(f"{ApplicationState(k).label} {v}" for k, v in sorted(s.applications.items()))
    recs = "、".join(f"{RecognitionStatus(k).label} {v}" for k, v in sorted(s.recognitions.items()))
    now = "、".join(f"{_tier_name(k)} {v}" for k, v in sorted(s.highest_now.items()))
    return (
        f"演示数据已生成：{s.enterprises} 家企业，{s.users} 个账户，{s.batches} 个批次，{s.evidence} 份佐证材料\n"
        f"  申报：{states}\n  认定：{recs}\n  今日自评的最高层级分布（现行办法）：{now}"
    )


# ---------------------------------------------------------------------------------------------- accounts


@dataclass
class Account:
    username: str
    role: str
    region: str
    who: str
    note: str = ""


def _region_name(code: str) -> str:
    if not code:
        return "全国"
    hit = engine.region(code)
    return hit[0] if hit else code


def demo_accounts() -> list[Account]:
    """Staff accounts, then one enterprise account per (tier, state) of its latest application, then two without."""
    out = []
    by_name = {u.username: u for u in User.objects.filter(username__in=staff_usernames())}
    for username in staff_usernames():
        u = by_name.get(username)
        if u is not None:
            out.append(
                Account(
                    u.username,
                    Role(u.role).label,
                    _region_name(u.region_code) if u.role != Role.ADMIN else "—",
                    u.organisation,
                )
            )
    seen: set[tuple[str, str]] = set()
    users = (
        User.objects.filter(role=Role.ENTERPRISE, username__startswith="ent-", enterprise__isnull=False)
        .select_related("enterprise")
        .order_by("username")
    )
    without = []
    for u in users:
        app = u.enterprise.applications.order_by("-updated_at", "-pk").first()
        if app is None:
            if len(without) < 2:
                without.append(
                    Account(
                        u.username,
                        Role.ENTERPRISE.label,
                        _region_name(u.enterprise.region),
                        u.enterprise.name,
                        "尚无申报，可试用企业画像和自评",
                    )
                )
            continue
        key = (app.tier, app.state)
        if key in seen:
            continue
        seen.add(key)
        out.append(
            Account(
                u.username,
                Role.ENTERPRISE.label,
                _region_name(u.enterprise.region),
                u.enterprise.name,
                f"{app.get_tier_display()} · {app.get_state_display()}",
            )
        )
    return out + without


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def format_accounts(accounts: list[Account], password: str = DEMO_PASSWORD) -> str:
    """A plain-text table (CJK-aware widths) of the demo accounts."""
    head = ("用户名", "密码", "角色", "地区", "单位 / 企业", "说明")
    rows = [(a.username, password, a.role, a.region, a.who, a.note) for a in accounts]
    widths = [max(_width(r[i]) for r in [head, *rows]) for i in range(len(head))]
    line = "  ".join("─" * w for w in widths)
    body = ["  ".join(_pad(c, w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    last = (
        User.objects.filter(role=Role.ENTERPRISE, username__startswith="ent-")
        .order_by("-username")
        .values_list("username", flat=True)
        .first()
    )
    rest = f"；企业账户 ent-01 … {last} 都可登录" if last else ""
    title = f"演示账户（密码都是 {password}{rest}）"
    return "\n".join(
        [
            title,
            line,
            "  ".join(_pad(c, w) for c, w in zip(head, widths, strict=True)).rstrip(),
            line,
            *body,
            line,
        ]
    )


def database_label() -> str:
    settings = connection.settings_dict
    return f"{connection.vendor}:{settings.get('NAME')}"
