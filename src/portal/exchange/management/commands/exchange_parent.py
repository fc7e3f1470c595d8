"""Register the parent installation: where recommendations go and whose decisions we pull.

    manage.py exchange_parent set <name> <url> <public-key> <level> <region>
    manage.py exchange_parent show
    manage.py exchange_parent remove      # disables it when it has exchanged records
    manage.py exchange_parent rekey <new-public-key>

The parent must register this installation as its child too (exchange_children add …), with
this installation's public key (exchange_keygen --show): each side checks the other's signatures.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from portal.exchange.models import Peer, Relation

from . import _peers


class Command(BaseCommand):
    help = "Set, show or remove the parent installation (name, URL, public key, level, region)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="op", required=True)
        add = sub.add_parser("set")
        for arg in ("name", "url", "public_key", "level", "region"):
            add.add_argument(arg)
        sub.add_parser("show")
        sub.add_parser("remove")
        sub.add_parser("rekey").add_argument("public_key")

    def handle(self, *args, op=None, **o):
        current = Peer.objects.filter(relation=Relation.PARENT).first()
        if op == "set":
            _peers.add(
                self,
                name=o["name"],
                url=o["url"],
                public_key=o["public_key"],
                level=o["level"],
                region=o["region"],
                relation=Relation.PARENT,
            )
        elif op == "show":
            _peers.show(self, [current] if current else [])
        else:
            if current is None:
                raise CommandError("未登记上级节点。")
            if op == "rekey":
                _peers.rekey(self, current, o["public_key"])
            else:
                _peers.remove(self, current)
