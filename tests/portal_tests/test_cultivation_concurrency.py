"""Two officials deciding the same application at the same moment: exactly one wins.

Real threads with their own database connections, each action committing for real. On PostgreSQL
the loser waits on the row lock and then finds a newer version. SQLite's in-memory test database
(shared cache) reports "table is locked" instead of waiting, which production never sees; so on
SQLite the same race runs in a child process against a fresh file database with the production
settings (WAL, BEGIN IMMEDIATE): the loser's transaction waits for the winner's commit.
Either way: one winner, one StaleObject, one audit row.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from portal.accounts.roles import Role
from portal.actions import StaleObject
from portal.audit.models import AuditEntry
from portal.cultivation import actions
from portal.cultivation.models import Application, ApplicationState

from .factories import make_enterprise, make_user, officials
from .test_cultivation_helpers import (
    credit_code,
    media,  # noqa: F401  (fixture)
    open_batch,
    submitted,
)

S = ApplicationState
ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("media")]


def in_parallel(*calls) -> list:
    """Run the calls at the same instant in separate threads; each result is "ok" or the exception raised."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=10)
            call()
            results[i] = "ok"
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread got
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return results


def race(rounds: int = 3) -> list[dict]:
    """The scenario, on whatever database is configured: a city official approves while a second returns."""
    gov = officials()
    second = make_user("gov-hz-2", Role.CITY, "330100", full_name="杭州市经信局 吴科员")
    out = []
    for n in range(rounds):
        enterprise = make_enterprise(
            f"杭州并发测试{n}号有限公司", credit_code=credit_code(f"91330106MA2RC{n:03d}X")
        )
        owner = make_user(f"ent-race-{n}", Role.ENTERPRISE, enterprise=enterprise)
        batch = open_batch(gov, name=f"并发批次{n}")
        app = submitted(owner, enterprise, batch)
        seen = app.version  # both officials opened the page at this version
        results = in_parallel(
            lambda app=app, seen=seen: actions.approve_application(
                gov["hz_city"], app, expected_version=seen
            ),
            lambda app=app, seen=seen: actions.return_application(
                second, app, expected_version=seen, reason="请补充材料"
            ),
        )
        app.refresh_from_db()
        decisions = AuditEntry.objects.filter(
            target_type="cultivation.application",
            target_id=str(app.pk),
            action__in=["cultivation.approve", "cultivation.return"],
        )
        out.append(
            {
                "outcomes": sorted("ok" if r == "ok" else type(r).__name__ for r in results),
                "stale_messages": [r.message for r in results if isinstance(r, StaleObject)],
                "expected_message": f"申报“{app}”已有更新（您看到的是第 {seen} 版；可能已由他人处理，或您已在别处提交过），请刷新页面后再操作。",
                "version_step": app.version - seen,
                "state": app.state,
                "audit": [(d.action, d.actor.username) for d in decisions],
            }
        )
    return out


def _in_memory_sqlite() -> bool:
    db = settings.DATABASES["default"]
    return db["ENGINE"].endswith("sqlite3") and not (db.get("TEST") or {}).get("NAME")


def _race_in_child(tmp_path) -> list[dict]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        ZJTX_DATA_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="config.settings.test",
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    )
    code = (
        "import json, django; django.setup(); from django.core.management import call_command; "
        "call_command('migrate', verbosity=0); "
        "from tests.portal_tests.test_cultivation_concurrency import race; "
        "print('RESULT ' + json.dumps(race(), ensure_ascii=False))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (tmp_path / "zjtx.sqlite3").is_file()  # it really ran on a file database
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))
    return json.loads(line[len("RESULT ") :])


def test_approve_and_return_at_once_exactly_one_wins(tmp_path):
    rounds = _race_in_child(tmp_path) if _in_memory_sqlite() else race()
    assert len(rounds) == 3
    for r in rounds:
        assert r["outcomes"] == ["StaleObject", "ok"]
        assert r["stale_messages"] == [r["expected_message"]]
        assert r["version_step"] == 1
        assert len(r["audit"]) == 1
        action, actor = r["audit"][0]
        assert (action, actor, r["state"]) in {
            ("cultivation.approve", "gov-hz", S.IN_NOTICE),
            ("cultivation.return", "gov-hz-2", S.RETURNED),
        }


def test_bulk_approve_reports_each_item_and_a_stale_one_does_not_stop_the_rest(gov, hz_enterprise, hz_owner):
    batch = open_batch(gov)
    apps = [submitted(hz_owner, hz_enterprise, batch)]
    for i, region in enumerate(("330106", "330110")):
        ent = make_enterprise(
            f"杭州第{i + 2}家企业有限公司", region=region, credit_code=credit_code(f"9133010{i}MA2CD0E1X")
        )
        apps.append(submitted(make_user(f"ent-{i}", Role.ENTERPRISE, enterprise=ent), ent, batch))
    # Someone returned the second one after the official loaded the list.
    actions.return_application(gov["hz_city"], apps[1], expected_version=apps[1].version, reason="请补充")
    # One from another province slipped into the list (a forged form): refused by region scope.
    sichuan = make_enterprise(
        "成都某某科技有限公司", region="510107", credit_code=credit_code("91510107MA6C3X1Y2")
    )
    sc_batch = actions.open_batch(
        gov["sc_province"],
        tier=batch.tier,
        year=batch.year,
        name="四川省批次",
        opens_on=batch.opens_on,
        closes_on=batch.closes_on,
    )
    foreign = submitted(make_user("ent-cd", Role.ENTERPRISE, enterprise=sichuan), sichuan, sc_batch)
    items = [(a, 2) for a in apps] + [(foreign, 2)]

    results = actions.bulk_approve(gov["hz_city"], items, reason="批量审核通过")

    assert [(a.pk, ok) for a, ok, _ in results] == [
        (apps[0].pk, True),
        (apps[1].pk, False),
        (apps[2].pk, True),
        (foreign.pk, False),
    ]
    messages = [m for _, _, m in results]
    notice = Application.objects.get(pk=apps[0].pk)
    assert messages[0] == (
        f"申报“{apps[0]}”已审核通过，公示期 {notice.notice_starts} 至 {notice.notice_ends}。"
    )
    assert (
        messages[1]
        == f"申报“{apps[1]}”已有更新（您看到的是第 2 版；可能已由他人处理，或您已在别处提交过），请刷新页面后再操作。"
    )
    assert messages[3] == "gov-hz 无权访问 企业“成都某某科技有限公司”：不在其管辖范围内"
    states = dict(Application.objects.values_list("pk", "state"))
    assert [states[a.pk] for a in [*apps, foreign]] == [S.IN_NOTICE, S.RETURNED, S.IN_NOTICE, S.SUBMITTED]
    assert AuditEntry.objects.filter(action="cultivation.approve", reason="批量审核通过").count() == 2
