"""`manage.py screening_maintenance`: fail screening runs whose worker died; delete files past retention.

Run once a day (cron or a systemd timer, next to `cultivation_daily`):

    30 0 * * *  cd /srv/zjtx && .venv/bin/python manage.py screening_maintenance

It runs in this process, not through the task queue: its first job is to notice that the queue's
worker died. Both steps are idempotent. Settings: ZJTX_SCREENING_STALE_MINUTES (default 30) and
ZJTX_SCREENING_KEEP_DAYS (default 90).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from portal.screening import actions


class Command(BaseCommand):
    help = "Fail screening runs with no progress for ZJTX_SCREENING_STALE_MINUTES; delete files older than ZJTX_SCREENING_KEEP_DAYS."

    def handle(self, *args, **options):
        stale = actions.fail_stale_runs()
        self.stdout.write(
            f"stale runs failed (no progress for {actions.stale_minutes()} min): {len(stale)}"
            + (f" {stale}" if stale else "")
        )
        expired = actions.expire_old_files()
        self.stdout.write(
            f"runs whose files were deleted (older than {actions.keep_days()} days): {len(expired)}"
            + (f" {expired}" if expired else "")
        )
