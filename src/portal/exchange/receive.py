"""Receiving one record: verify, then apply exactly once, or quarantine.

The checks, in order (each failure quarantines the record with a reason an official can act on):
signature with the peer's configured key → origin is that peer → audience is us (`parent` from a
child, our node id from the parent) → JSON Schema → region inside the sender's area (a child) or
ours (the parent) → kind allowed in that direction → apply. A record whose version is not newer
than the one held is a duplicate and is skipped first: re-reading a page changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone

from . import crypto, kinds, schemas
from . import node as node_mod
from .apply import Refused, apply
from .models import Quarantine, Received, Relation

APPLIED = "applied"
DUPLICATE = "duplicate"
QUARANTINED = "quarantined"


@dataclass
class Outcome:
    status: str
    sequence: int
    kind: str = ""
    object_id: str = ""
    reason: str = ""


def check(peer, entry, me) -> None:
    """Raise Refused unless the record is authentic, addressed to us, well-formed and in region."""
    if not isinstance(entry, dict):
        raise Refused("malformed", "记录不是 JSON 对象。")
    signature = entry.get("signature")
    if not isinstance(signature, str) or not signature:
        raise Refused("unsigned", "记录没有签名。")
    try:
        message = crypto.entry_message(entry)
    except (TypeError, ValueError) as exc:
        raise Refused("malformed", f"记录无法规范化（{exc}）。") from None
    if not crypto.verify(node_mod.parse_public_key(peer.public_key), message, signature):
        raise Refused(
            "bad_signature",
            f"签名校验失败：该记录不是用{peer.name}（{peer.node_id}）登记的公钥签发的，或签发后内容被改动过。"
            "请联系对方核实；如对方确已更换密钥，请核实新指纹后用 exchange_children rekey（上级用 exchange_parent rekey）"
            "更新登记的公钥，再用 exchange_pull --from-start 重新读取。",
        )
    if entry.get("origin") != peer.node_id:
        raise Refused(
            "wrong_origin",
            f"记录自称来自“{entry.get('origin')}”，但它是从{peer.name}（{peer.node_id}）读取的。",
        )
    audience = "parent" if peer.relation == Relation.CHILD else me.node_id
    if entry.get("audience") != audience:
        raise Refused(
            "wrong_audience", f"记录的接收方为“{entry.get('audience')}”，不是本节点（应为“{audience}”）。"
        )
    problems = schemas.entry_problems(entry)
    if problems:
        raise Refused("schema", "格式不符合 zjtx.exchange.entry/1：" + "；".join(problems))
    region = entry["payload"]["region"]
    prefix = peer.prefix if peer.relation == Relation.CHILD else me.prefix
    area = peer.name if peer.relation == Relation.CHILD else "本节点"
    if not region or not region.startswith(prefix):
        raise Refused(
            "out_of_region",
            f"地区代码“{region or '（空）'}”不在{area}的管辖范围（{prefix or '全国'}）内，"
            f"{kinds.label(entry['kind'])}记录未应用。",
        )


def _quarantine(peer, entry, refused: Refused, sequence: int) -> Outcome:
    get = entry.get if isinstance(entry, dict) else (lambda key, default=None: default)
    payload = get("payload") if isinstance(get("payload"), dict) else {}
    region = payload.get("region") if isinstance(payload.get("region"), str) else ""
    version = get("version") if isinstance(get("version"), int) else None
    Quarantine.objects.get_or_create(
        peer=peer,
        sequence=sequence,
        defaults={
            "kind": str(get("kind") or "")[:40],
            "object_id": str(get("object_id") or "")[:64],
            "version": version,
            "region": region[:6],
            "code": refused.code,
            "reason": refused.message,
            "entry": json.dumps(entry, ensure_ascii=False, sort_keys=True),
        },
    )
    return Outcome(
        QUARANTINED, sequence, str(get("kind") or ""), str(get("object_id") or ""), refused.message
    )


def _already_held(peer, entry) -> bool:
    """True when a version at least as new of this record was applied from this peer before.

    Why before the checks: reading a feed again from the start (after the peer's key changed, as the docs
    advise) met every record signed with the old key and quarantined them all, alarming the officials about
    records applied long ago. Skipping changes nothing here, so it needs no verification."""
    if not isinstance(entry, dict):
        return False
    kind, object_id, version = entry.get("kind"), entry.get("object_id"), entry.get("version")
    if not (isinstance(kind, str) and isinstance(object_id, str) and type(version) is int):
        return False
    held = Received.objects.select_for_update().filter(peer=peer, kind=kind, object_id=object_id).first()
    return held is not None and version <= held.version


def _release(peer, entry: dict, sequence: int) -> None:
    """The record just applied settles its quarantined copies: the same one read again, and older versions.

    Why older versions: the docs tell officials that a sender corrects a refused record by publishing a new
    version; it was applied, but the refused version stayed listed (and counted) as unresolved for ever."""
    older = Q(kind=entry["kind"], object_id=entry["object_id"], version__lt=entry["version"])
    Quarantine.objects.filter(Q(sequence=sequence) | older, peer=peer, released_at__isnull=True).update(
        released_at=timezone.now()
    )


def receive(peer, entry, me, sequence: int) -> Outcome:
    """Verify and apply one record inside the caller's transaction (the page's)."""
    if _already_held(peer, entry):
        return Outcome(DUPLICATE, sequence, entry["kind"], entry["object_id"])
    try:
        check(peer, entry, me)
    except Refused as refused:
        return _quarantine(peer, entry, refused, sequence)
    kind, object_id, version = entry["kind"], entry["object_id"], entry["version"]
    try:
        with transaction.atomic():
            local = apply(peer, entry, me)
            defaults = {
                "version": version,
                "sequence": sequence,
                "region": entry["payload"]["region"],
                "payload": entry["payload"],
            }
            if local is not None:
                defaults["local_type"] = local._meta.label_lower
                defaults["local_id"] = str(local.pk)
            Received.objects.update_or_create(peer=peer, kind=kind, object_id=object_id, defaults=defaults)
            _release(peer, entry, sequence)
    except Refused as refused:
        return _quarantine(peer, entry, refused, sequence)
    except (OperationalError, InterfaceError):
        raise  # the database itself failed: stop the page, retry later, quarantine nothing
    except Exception as exc:  # noqa: BLE001 - a record that breaks the code is reported, not retried forever
        refused = Refused("apply_error", f"应用时出错（{exc.__class__.__name__}: {exc}），记录未应用。")
        return _quarantine(peer, entry, refused, sequence)
    return Outcome(APPLIED, sequence, kind, object_id)
