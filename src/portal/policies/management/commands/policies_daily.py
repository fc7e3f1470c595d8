"""`manage.py policies_daily [--run-now]`: mark policies past their validity as expired (cron, daily)."""

from django.core.management.base import BaseCommand

from portal.policies import actions, tasks


class Command(BaseCommand):
    help = "Expire published policies whose validity has ended."

    def add_arguments(self, parser):
        parser.add_argument("--run-now", action="store_true", help="run here instead of enqueueing the job")

    def handle(self, *args, **options):
        if options["run_now"]:
            self.stdout.write(f"expired: {actions.expire_policies()}")
        else:
            result = tasks.expire_policies.enqueue()
            self.stdout.write(f"{tasks.expire_policies.name}: enqueued {result.id}")
