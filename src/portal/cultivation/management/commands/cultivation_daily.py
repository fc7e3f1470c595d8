"""Enqueue the daily cultivation jobs: close due public notices, expire recognitions.

Run once a day shortly after midnight (China time), next to a running `manage.py db_worker`:

    # crontab of the service user
    10 0 * * *  cd /srv/zjtx && .venv/bin/python manage.py cultivation_daily

    # or a systemd timer: zjtx-daily.service (Type=oneshot, ExecStart=… manage.py cultivation_daily)
    # with zjtx-daily.timer: [Timer] OnCalendar=*-*-* 00:10 Asia/Shanghai, Persistent=true

`--run-now` runs both jobs in this process instead of enqueueing them (no worker needed);
`--date YYYY-MM-DD` treats that day as today (catching up after an outage).
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from portal.cultivation import tasks


class Command(BaseCommand):
    help = "Enqueue (or run) the daily cultivation jobs: close due public notices and expire recognitions."

    def add_arguments(self, parser):
        parser.add_argument(
            "--run-now", action="store_true", help="run the jobs here instead of enqueueing them"
        )
        parser.add_argument("--date", help="treat this day (YYYY-MM-DD) as today")

    def handle(self, *args, run_now=False, date=None, **options):
        if date:
            try:
                dt.date.fromisoformat(date)
            except ValueError:
                raise CommandError(f"--date {date!r}: 请使用 YYYY-MM-DD 格式的日期") from None
        jobs = (tasks.close_due_notices, tasks.expire_due_recognitions)
        for job in jobs:
            if run_now:
                count = job.call(today=date)
                self.stdout.write(f"{job.name}: {count}")
            else:
                result = job.enqueue(today=date)
                self.stdout.write(f"{job.name}: enqueued {result.id}")
