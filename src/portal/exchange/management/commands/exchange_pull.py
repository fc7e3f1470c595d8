"""Pull the change feeds of this installation's peers now, or enqueue the job for the worker.

    manage.py exchange_pull                   # every enabled peer, until each has no more
    manage.py exchange_pull --peer 西湖区      # one peer
    manage.py exchange_pull --enqueue         # hand it to the django-tasks worker (cron, every 5 minutes)
    manage.py exchange_pull --limit 20        # records per page
    manage.py exchange_pull --peer 西湖区 --from-start   # read everything again (after a key change):
                                              # held records are skipped, quarantined ones re-checked

Schedule (crontab of the service user, next to a running `manage.py db_worker`):

    */5 * * * *  cd /srv/zjtx && .venv/bin/python manage.py exchange_pull --enqueue

Exit status: 0 when every peer was read, 1 when a peer could not be read (its cursor is kept; the
next run resumes there). Quarantined records do not change the exit status; they are listed.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from portal.exchange import actions, tasks
from portal.exchange import node as node_mod
from portal.exchange import pull as pull_mod
from portal.exchange.models import Peer


class Command(BaseCommand):
    help = "Pull (or enqueue pulling) the feeds of the registered child and parent installations."

    def add_arguments(self, parser):
        parser.add_argument("--peer", help="only this peer (its name or node id)")
        parser.add_argument(
            "--limit", type=int, default=pull_mod.DEFAULT_LIMIT, help="records per page (1–200)"
        )
        parser.add_argument(
            "--enqueue", action="store_true", help="enqueue the job instead of running it here"
        )
        parser.add_argument(
            "--from-start", action="store_true", help="with --peer: reset its cursor to 0 first"
        )

    def handle(
        self, *args, peer=None, limit=pull_mod.DEFAULT_LIMIT, enqueue=False, from_start=False, **options
    ):
        if not 1 <= limit <= 200:
            raise CommandError("--limit 须为 1 至 200 之间的整数。")
        try:
            node_mod.require()
        except node_mod.NodeError as exc:
            raise CommandError(str(exc)) from None
        peers = Peer.objects.filter(enabled=True).order_by("relation", "name")
        if peer:
            peers = [p for p in peers if peer in (p.name, p.node_id)]
            if not peers:
                raise CommandError(
                    f"没有名为“{peer}”的已启用节点：用 exchange_children list / exchange_parent show 查看。"
                )
        if from_start:
            if not peer:
                raise CommandError("--from-start 须与 --peer 一起使用。")
            for p in peers:
                actions.rewind_peer(p)
        if enqueue:
            for p in peers:
                result = tasks.pull_peer.enqueue(p.pk, limit)
                self.stdout.write(f"{p.name}: enqueued {result.id}")
            return
        failed = False
        crash_after = pull_mod._crash_after()
        for p in peers:
            report = pull_mod.pull(p, limit=limit, crash_after=crash_after)
            self.stdout.write(report.summary())
            for line in report.quarantined:
                self.stdout.write(f"  隔离 {line}")
            failed = failed or not report.ok
        if failed:
            raise CommandError("有节点未能读取，游标已保留，下次运行将从断点继续。")
