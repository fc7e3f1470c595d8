"""Enqueue (or run) the recomputation of the officials' dashboards.

Run nightly after `cultivation_daily` (titles expire at midnight), next to a running `manage.py db_worker`:

    # crontab of the service user
    10 0 * * *  cd /srv/zjtx && .venv/bin/python manage.py cultivation_daily
    40 0 * * *  cd /srv/zjtx && .venv/bin/python manage.py refresh_dashboard

    # or a systemd timer: zjtx-dashboard.service (Type=oneshot, ExecStart=… manage.py refresh_dashboard)
    # with zjtx-dashboard.timer: [Timer] OnCalendar=*-*-* 00:40 Asia/Shanghai, Persistent=true

`--run-now` recomputes in this process instead of enqueueing (no worker needed) and prints the time.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from portal.dashboard import actions, tasks
from portal.dashboard.models import RefreshState


class Command(BaseCommand):
    help = "Enqueue (or run with --run-now) the recomputation of the dashboards' pre-aggregated figures."

    def add_arguments(self, parser):
        parser.add_argument("--run-now", action="store_true", help="recompute here instead of enqueueing")

    def handle(self, *args, run_now=False, **options):
        if not run_now:
            result = tasks.refresh_stats.enqueue()
            self.stdout.write(f"{tasks.refresh_stats.name}: enqueued {result.id}")
            return
        run = actions.begin_refresh(None)
        outcome = actions.run_refresh(run)
        if outcome["state"] != RefreshState.DONE:
            run.refresh_from_db()
            raise CommandError(run.error)
        self.stdout.write(f"refresh_dashboard: {outcome['rows']} rows in {outcome['ms']} ms")
