"""Publish the current state of what this installation shares (titles, withdrawals, service
institutions, policies) into its feed: after joining the network late, or after a period with a
broken node setting. Unchanged records are skipped, so it is safe to run again.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from portal.exchange import node as node_mod
from portal.exchange import outbox


class Command(BaseCommand):
    help = "Re-publish the current state of every shared record (idempotent)."

    def handle(self, *args, **options):
        try:
            node_mod.require()
        except node_mod.NodeError as exc:
            raise CommandError(str(exc)) from None
        count = outbox.republish_all()
        self.stdout.write(f"新发布 {count} 条变更记录，当前序号 {outbox.head_sequence()}。")
