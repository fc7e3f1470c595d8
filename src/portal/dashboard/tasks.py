"""The background job that recomputes the dashboards' figures (django-tasks, `manage.py db_worker`).

Why a job: recomputing a million enterprises takes seconds to a minute, too long for a page view.
It runs nightly (`manage.py refresh_dashboard` from cron) and whenever an official asks for it.
"""

from __future__ import annotations

import logging

from django_tasks import task

from . import actions

log = logging.getLogger(__name__)


@task()
def refresh_stats(refresh_id: int | None = None) -> dict:
    """Recompute every RegionStat row; `refresh_id` is the StatsRefresh an official requested (None: cron)."""
    run = actions.begin_refresh(refresh_id)
    if run is None:
        return {"refresh": refresh_id, "state": "skipped"}
    return actions.run_refresh(run)
