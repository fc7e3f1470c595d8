"""GET /exchange/feed: this installation's change feed, for its parent and its children only.

Authentication is a signature, not a shared secret: the caller names its node (X-Zjtx-Node),
signs "zjtx-exchange-request/1, GET, feed, after=…&limit=…, node, unix time" with its own Ed25519
key (X-Zjtx-Signature, X-Zjtx-Timestamp) and we check it with the public key registered for that
peer; requests older or newer than five minutes are refused. The parent receives the records
addressed to `parent`; a child receives the records addressed to its node id.
"""

from __future__ import annotations

import time

from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from . import crypto, outbox
from . import node as node_mod
from .models import FeedEntry, Peer, Relation

MAX_SKEW = 300
MAX_LIMIT = 200


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(
        {"error": {"code": code, "message": message}},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


def _int(value: str | None, name: str, low: int, high: int) -> tuple[int | None, str]:
    if value is None or not value.isdigit():
        return None, f"{name}: 必须为 {low} 至 {high} 之间的整数"
    number = int(value)
    if not low <= number <= high:
        return None, f"{name}: 必须为 {low} 至 {high} 之间的整数"
    return number, ""


def authenticate(request, params: dict) -> tuple[Peer | None, JsonResponse | None]:
    node = request.headers.get("X-Zjtx-Node", "")
    stamp = request.headers.get("X-Zjtx-Timestamp", "")
    signature = request.headers.get("X-Zjtx-Signature", "")
    if not (node and stamp and signature):
        return None, _error(
            401, "unsigned", "请求未签名：需要 X-Zjtx-Node、X-Zjtx-Timestamp 和 X-Zjtx-Signature 请求头。"
        )
    peer = Peer.objects.filter(node_id=node).first()
    if peer is None:
        return None, _error(
            403, "unknown_node", f"节点“{node}”未在本系统登记：请对方管理员联系本系统管理员登记。"
        )
    if not peer.enabled:
        return None, _error(403, "disabled", f"节点“{node}”已被本系统停用。")
    # At most 12 digits: a longer number overflows the float comparison (a 500 for anyone naming a peer).
    if not stamp.lstrip("-").isdigit() or len(stamp) > 12 or abs(time.time() - int(stamp)) > MAX_SKEW:
        return None, _error(401, "stale", "请求时间与本系统时间相差超过 5 分钟：请校准服务器时钟后重试。")
    message = crypto.request_message("GET", "feed", params, node, int(stamp))
    if not crypto.verify(node_mod.parse_public_key(peer.public_key), message, signature):
        return None, _error(401, "bad_signature", f"请求签名无效：与本系统登记的“{node}”公钥不符。")
    return peer, None


@require_GET
def feed(request):
    me, problem = node_mod.status()
    if me is None or problem:
        return _error(503, "no_node", problem or "本系统未设置节点身份，不提供变更流。")
    raw_after, raw_limit = request.GET.get("after"), request.GET.get("limit")
    after, bad_after = _int(raw_after, "after", 0, 2**62)
    limit, bad_limit = _int(raw_limit, "limit", 1, MAX_LIMIT)
    if bad_after or bad_limit:
        return _error(400, "invalid", "；".join(m for m in (bad_after, bad_limit) if m))
    peer, refusal = authenticate(request, {"after": raw_after, "limit": raw_limit})
    if refusal is not None:
        return refusal
    Peer.objects.filter(pk=peer.pk).update(last_seen_at=timezone.now())
    audience = "parent" if peer.relation == Relation.PARENT else peer.node_id
    head = outbox.head_sequence()
    rows = list(
        FeedEntry.objects.filter(audience=audience, sequence__gt=after, sequence__lte=head).order_by(
            "sequence"
        )[: limit + 1]
    )
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_after = rows[-1].sequence if has_more else max(head, after)
    page = {
        "schema": crypto.PAGE_SCHEMA,
        "origin": {
            "node": me.node_id,
            "level": me.level,
            "region": me.region,
            "public_key": me.public_key_text(),
        },
        "audience": audience,
        "after": after,
        "next_after": next_after,
        "head": head,
        "has_more": has_more,
        "entries": [row.as_entry() for row in rows],
    }
    return JsonResponse(page, json_dumps_params={"ensure_ascii": False})


@require_GET
def identity(request):
    """Public: who this installation is, to compare fingerprints when registering it as a peer."""
    me, problem = node_mod.status()
    if me is None or problem:
        return _error(503, "no_node", problem or "本系统未设置节点身份。")
    key = me.public_key_text()
    return JsonResponse(
        {
            "node": me.node_id,
            "level": me.level,
            "region": me.region,
            "public_key": key,
            "fingerprint": node_mod.fingerprint(key),
        },
        json_dumps_params={"ensure_ascii": False},
    )
