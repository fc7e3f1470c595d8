"""The daily jobs: enqueued by `manage.py cultivation_daily`, executed by the real database worker."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from portal.cultivation import actions
from portal.cultivation.models import ApplicationState, RecognitionStatus

from .test_cultivation_helpers import (
    media,  # noqa: F401  (fixture)
    open_batch,
    recognised,
    submitted,
    today,
    trail_rows,
)

S = ApplicationState
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("media")]


def due_notice_and_old_title(gov, owner, enterprise):
    """A title recognised 3 years and a month ago (now past its end) and an application whose notice ended."""
    then = today() - dt.timedelta(days=3 * 365 + 30)
    old = recognised(gov, owner, enterprise, open_batch(gov, day=then, name="往年批次"), day=then)
    assert old.valid_until < today()
    app = submitted(owner, enterprise, open_batch(gov, name="本年度批次"))
    app = actions.approve_application(
        gov["hz_city"], app, expected_version=app.version, today=today() - dt.timedelta(days=10)
    )
    assert app.notice_ends < today()
    return app, old


def test_db_worker_runs_the_daily_jobs(gov, hz_enterprise, hz_owner, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    app, old = due_notice_and_old_title(gov, hz_owner, hz_enterprise)

    out = io.StringIO()
    call_command("cultivation_daily", stdout=out)
    assert out.getvalue().count("enqueued") == 2
    queued = DBTaskResult.objects.order_by("enqueued_at")
    assert [r.task_path for r in queued] == [
        "portal.cultivation.tasks.close_due_notices",
        "portal.cultivation.tasks.expire_due_recognitions",
    ]
    assert {r.status for r in queued} == {"READY"}
    app.refresh_from_db()
    assert app.state == S.IN_NOTICE  # nothing happens until the worker runs

    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)

    assert [(r.status, r.return_value) for r in DBTaskResult.objects.order_by("enqueued_at")] == [
        ("SUCCESSFUL", 1),
        ("SUCCESSFUL", 1),
    ]
    app.refresh_from_db()
    old.refresh_from_db()
    assert (app.state, old.status) == (S.NOTICE_ENDED, RecognitionStatus.EXPIRED)
    assert trail_rows(app)[-1][:4] == (None, "cultivation.close_notice", "in_notice", "notice_ended")
    assert trail_rows(old)[-1][:4] == (None, "cultivation.expire_recognition", "active", "expired")


def test_daily_command_can_run_in_process_for_a_given_day(gov, hz_enterprise, hz_owner):
    app, old = due_notice_and_old_title(gov, hz_owner, hz_enterprise)
    out = io.StringIO()
    # As of the day the notice ended nothing is due yet …
    call_command("cultivation_daily", "--run-now", "--date", app.notice_ends.isoformat(), stdout=out)
    assert out.getvalue().splitlines() == ["close_due_notices: 0", "expire_due_recognitions: 1"]
    app.refresh_from_db()
    assert app.state == S.IN_NOTICE
    # … the next run (today) closes it; running again changes nothing.
    call_command("cultivation_daily", "--run-now", stdout=out)
    call_command("cultivation_daily", "--run-now", stdout=out)
    assert out.getvalue().splitlines()[2:] == [
        "close_due_notices: 1",
        "expire_due_recognitions: 0",
        "close_due_notices: 0",
        "expire_due_recognitions: 0",
    ]
    app.refresh_from_db()
    assert app.state == S.NOTICE_ENDED


def test_daily_command_rejects_a_malformed_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError) as err:
        call_command("cultivation_daily", "--date", "2026/11/27")
    assert str(err.value) == "--date '2026/11/27': 请使用 YYYY-MM-DD 格式的日期"
