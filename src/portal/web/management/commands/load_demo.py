"""`manage.py load_demo`: fill the database with the demo (idempotent); `--reset` rebuilds it from scratch."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from portal.web.demo import DemoError, demo_accounts, format_accounts, load_demo


class Command(BaseCommand):
    help = (
        "Load the demo data (enterprises, officials, batches, applications in every state, service "
        "institutions and demands, digital self-tests, clusters, chain-leader pairing, policies). Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help="empty the database first, then load (only on a demo or empty database)",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="with --reset: empty the database even if it holds non-demo accounts",
        )
        parser.add_argument("--today", help="build the demo as if today were YYYY-MM-DD (default: today)")
        parser.add_argument(
            "--accounts",
            action="store_true",
            help="print the demo accounts table (and which account shows what) afterwards",
        )

    def handle(self, *args, reset=False, force=False, today=None, accounts=False, **options):
        day = None
        if today:
            try:
                day = dt.date.fromisoformat(today)
            except ValueError:
                raise CommandError(f"--today {today!r}: 请使用 YYYY-MM-DD 格式的日期") from None
        try:
            load_demo(today=day, reset=reset, force=force, log=self.stdout.write)
        except DemoError as exc:
            raise CommandError(str(exc)) from None
        if accounts:
            self.stdout.write(format_accounts(demo_accounts()))
