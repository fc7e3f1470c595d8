"""The daily background jobs of the ladder, run by the django-tasks database worker (`manage.py db_worker`).

Why jobs: public notices end and titles expire on a date, not when somebody happens to open a page.
`manage.py cultivation_daily` enqueues both once a day (cron or a systemd timer); both are idempotent.
"""

from __future__ import annotations

import datetime as dt
import logging

from django_tasks import task

from . import actions

log = logging.getLogger(__name__)


def _day(today: str | None) -> dt.date | None:
    return dt.date.fromisoformat(today) if today else None


@task()
def close_due_notices(today: str | None = None) -> int:
    """Close every notice whose last day has passed and that has no unresolved objection."""
    day = _day(today)
    closed = 0
    for app in actions.due_notices(day):
        if actions.close_notice(app, today=day):
            closed += 1
    log.info("cultivation: closed %d public notice(s)", closed)
    return closed


@task()
def expire_due_recognitions(today: str | None = None) -> int:
    """Mark recognitions past their validity as expired."""
    expired = actions.expire_recognitions(_day(today))
    log.info("cultivation: %d recognition(s) expired", expired)
    return expired
