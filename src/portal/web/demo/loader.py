"""Load the demo once: staff, enterprises, batches and stories, then the service network, digital
self-tests, self-assessments, clusters, chain-leader pairing and the policy catalogue.

Order matters: demands are routed to the offerings that exist when they are posted, self-tests
change profiles before the day's self-assessments, and the leader publishes once it is flagged.
The accounts table (who to log in as) is in accounts.py.

Idempotent: a database that already holds the demo (its admin account is the marker, written
last) is left alone. `reset=True` empties the database first — allowed only on a demo database
(or an empty one) unless `force=True`, so it cannot wipe a real installation by accident.
"""

from __future__ import annotations

import collections
import datetime as dt
import random
from dataclasses import dataclass, field

from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from faker import Faker

from portal.accounts.models import User
from portal.assessments.actions import run_assessment
from portal.cultivation.models import Application, Evidence, Recognition, Tier

from . import catalogue, people
from .chains import build_pairing
from .clock import StoryClock
from .clusters import build_clusters
from .network import Network
from .selftests import take_self_tests
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
    return [p.username for p in (*catalogue.OFFICIALS, *catalogue.PROVIDERS, catalogue.ADMIN)]


def is_loaded() -> bool:
    a = catalogue.ADMIN
    return User.objects.filter(username=a.username, organisation=a.organisation).exists()


def _partial() -> bool:
    return (
        User.objects.filter(username__in=staff_usernames()).exists()
        or User.objects.filter(username="ent-01").exists()
    )


def _accounts_since_the_demo() -> list[str]:
    """Accounts made after the demo was loaded (its admin account is written last): someone's real work, which a
    reset would destroy — a registered enterprise, an administrator made with createsuperuser."""
    marker = (
        User.objects.filter(username=catalogue.ADMIN.username).values_list("date_joined", flat=True).first()
    )
    if marker is None:
        return []
    return list(
        User.objects.filter(date_joined__gt=marker).order_by("date_joined").values_list("username", flat=True)
    )


def reset_database(*, force: bool = False) -> None:
    """Empty every table (and delete evidence files) so the demo can be built again."""
    if not force:
        if not (is_loaded() or _partial() or not User.objects.exists()):
            raise DemoError(
                "这个数据库里有不属于演示数据的账户：--reset 会清空整个数据库，已拒绝执行。"
                "确认要清空，请加 --force。"
            )
        later = _accounts_since_the_demo()
        if later:
            shown = "、".join(later[:5]) + (f" 等 {len(later)} 个" if len(later) > 5 else "")
            raise DemoError(
                f"演示数据加载之后又建了账户（{shown}）：--reset 会清空整个数据库，连同这些账户和它们的数据，"
                "已拒绝执行。确认要清空，请加 --force。"
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
    log(f"  {len(enterprises)} 家企业，{len(staff)} 个主管部门账户")

    teller = Teller(today, staff, enterprises, log)
    teller.open_batches()
    for story, when, ent in teller.cast(story_list(today)):
        teller.tell(story, when, ent)
    teller.epilogue()
    log(f"  {len(teller.batches)} 个申报批次，{len(teller.told)} 份申报（另有复核申报）")

    # The newer apps, from a second seeded generator so the enterprises and stories above stay as they were.
    extra = random.Random(SEED + 1)
    clock = StoryClock(today)
    net = Network(today, staff, enterprises, clock, extra)
    providers = net.register(DEMO_PASSWORD)
    solutions = net.list_solutions()
    demands = net.post_demands()
    log(f"  {len(providers)} 家服务机构，{solutions} 个小快轻准方案，{len(demands)} 条企业诉求")
    leader = people.make_leader(extra, fake, today, hashed)
    tests = take_self_tests(enterprises, today, clock, extra)
    log(f"  {len(tests)} 份数字化水平自测")

    for i, ent in enumerate([*enterprises, leader]):
        ent.enterprise.refresh_from_db()  # the workflow wrote titles and self-test results into profiles
        with clock.on(today - dt.timedelta(days=1 + (i * 7) % 30)):
            run_assessment(ent.user, ent.enterprise, as_of=today)

    groups = build_clusters(today, staff, enterprises, leader, clock)
    chain = build_pairing(today, staff, enterprises, leader, clock)
    log(
        f"  {len(groups)} 个产业集群，链主“{leader.enterprise.name}”发布 {len(chain['needs'])} 项需求，"
        f"{len(chain['responses'])} 家企业响应，{chain['capabilities']} 家企业填写了能力描述"
    )
    import_policies(log)

    people.make_admin(hashed)  # the marker: written last, so an interrupted load is recognised
    summary = summarise(today)
    log(format_summary(summary))
    return summary


def import_policies(log) -> int:
    """The policies app's demo catalogue (policies/demo/*.yaml), when that app ships one."""
    try:
        from portal.policies.importer import CatalogueError, load_demo_catalogue
    except ImportError:
        log("  政策库尚无演示目录，跳过政策导入")
        return 0
    try:
        result = load_demo_catalogue()
    except CatalogueError as exc:
        log(f"  政策演示目录有误，未导入（{len(exc.problems)} 处）：{'；'.join(exc.problems[:3])}")
        return 0
    count = len(result.created) + len(result.updated)
    log(f"  政策库：导入 {count} 条演示政策")
    return count


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


def database_label() -> str:
    settings = connection.settings_dict
    return f"{connection.vendor}:{settings.get('NAME')}"
