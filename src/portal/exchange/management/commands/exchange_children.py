"""Register the child installations this one pulls from (a parent knows its children's keys).

    manage.py exchange_children add <name> <url> <public-key> <level> <region>
    manage.py exchange_children list
    manage.py exchange_children remove <name>      # disables it when it has exchanged records
    manage.py exchange_children rekey <name> <new-public-key>

Example, on the city of Hangzhou's installation:

    manage.py exchange_children add 西湖区 https://xihu.example.gov.cn/ <key> county 330106
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from portal.exchange.models import Peer, Relation

from . import _peers


class Command(BaseCommand):
    help = "Add, list or remove child installations (name, URL, public key, level, region)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="op", required=True)
        add = sub.add_parser("add")
        for arg in ("name", "url", "public_key", "level", "region"):
            add.add_argument(arg)
        sub.add_parser("list")
        rm = sub.add_parser("remove")
        rm.add_argument("name")
        rk = sub.add_parser("rekey")
        rk.add_argument("name")
        rk.add_argument("public_key")

    def handle(self, *args, op=None, **o):
        if op == "add":
            _peers.add(
                self,
                name=o["name"],
                url=o["url"],
                public_key=o["public_key"],
                level=o["level"],
                region=o["region"],
                relation=Relation.CHILD,
            )
        elif op == "list":
            _peers.show(self, list(Peer.objects.filter(relation=Relation.CHILD).order_by("name")))
        else:
            peer = Peer.objects.filter(relation=Relation.CHILD, name=o["name"]).first()
            if peer is None:
                raise CommandError(f"没有名为“{o['name']}”的下级节点：用 `exchange_children list` 查看。")
            if op == "rekey":
                _peers.rekey(self, peer, o["public_key"])
            else:
                _peers.remove(self, peer)
