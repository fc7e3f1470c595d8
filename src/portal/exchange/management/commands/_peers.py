"""What exchange_children and exchange_parent share: printing peers and turning errors into CommandError."""

from __future__ import annotations

from django.core.management.base import CommandError

from portal.actions import InvalidInput
from portal.exchange import actions
from portal.exchange import node as node_mod


def add(command, *, name, url, public_key, level, region, relation):
    try:
        peer = actions.add_peer(
            name=name, url=url, public_key=public_key, level=level, region=region, relation=relation
        )
    except InvalidInput as exc:
        lines = [exc.message] + [f"  {field}: {message}" for field, message in exc.problems]
        raise CommandError("\n".join(lines)) from None
    command.stdout.write(
        f"已登记：{peer.name}（{peer.node_id}），公钥指纹 {node_mod.fingerprint(peer.public_key)}"
    )
    return peer


def show(command, peers) -> None:
    if not peers:
        command.stdout.write("（无）")
    for p in peers:
        state = "启用" if p.enabled else "停用"
        command.stdout.write(
            f"{p.name}\t{p.node_id}\t{p.url}\t游标 {p.cursor}\t{state}\t指纹 {node_mod.fingerprint(p.public_key)}"
        )


def rekey(command, peer, public_key) -> None:
    try:
        actions.change_peer_key(peer, public_key)
    except InvalidInput as exc:
        raise CommandError("\n".join([exc.message] + [f"  {f}: {m}" for f, m in exc.problems])) from None
    command.stdout.write(
        f"已更新 {peer.name} 的公钥，新指纹 {node_mod.fingerprint(peer.public_key)}。"
        f"如需重新核验已隔离的记录：exchange_pull --peer {peer.name} --from-start"
    )


def remove(command, peer) -> None:
    if actions.remove_peer(peer):
        command.stdout.write(f"已移除：{peer.name}")
    else:
        command.stdout.write(f"{peer.name} 已有交换记录，保留记录并停用。")
