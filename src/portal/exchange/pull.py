"""Pulling a peer's feed page by page, resuming from the stored cursor after any interruption.

Why a page is one transaction: the records of a page and the new cursor commit together. If the
process dies, the network fails or the database stops in the middle, nothing of that page is kept
and the next pull reads it again from the old cursor; records already applied in an earlier page
are recognised by their version and skipped. Nothing is lost and nothing is applied twice.

The Peer row is locked while a page is applied, so two pulls of the same peer (the schedule and
an official's button) never apply the same page at once: the second one finds the cursor moved
and reads on from there.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from portal.inbox.message import msg
from portal.inbox.send import notify_user

from . import crypto, schemas
from . import node as node_mod
from .apply import node_officials
from .models import Peer
from .receive import APPLIED, DUPLICATE, QUARANTINED, receive

log = logging.getLogger(__name__)

DEFAULT_LIMIT = 50
TIMEOUT = 30
MAX_PAGE_BYTES = 64 * 1024 * 1024
# For drills and the end-to-end test: exit abruptly after this many records, mid-page, uncommitted.
CRASH_ENV = "ZJTX_EXCHANGE_CRASH_AFTER"


class PullError(Exception):
    """The page could not be read or is not a valid page; nothing of it was applied."""


@dataclass
class PullReport:
    peer: str
    pages: int = 0
    applied: int = 0
    duplicates: int = 0
    quarantined: list[str] = field(default_factory=list)
    cursor: int = 0
    error: str = ""
    more: bool = False  # stopped at max_pages with records still unread

    @property
    def ok(self) -> bool:
        return not self.error

    def summary(self) -> str:
        text = gettext(
            "%(peer)s：读取 %(pages)s 页，应用 %(applied)s 条，重复跳过 %(duplicates)s 条，"
            "隔离 %(quarantined)s 条，游标 %(cursor)s"
        ) % {
            "peer": self.peer,
            "pages": self.pages,
            "applied": self.applied,
            "duplicates": self.duplicates,
            "quarantined": len(self.quarantined),
            "cursor": self.cursor,
        }
        return text + (gettext("；出错：%(error)s") % {"error": self.error} if self.error else "")


def signed_headers(me, params: dict) -> dict:
    timestamp = int(time.time())
    message = crypto.request_message("GET", "feed", params, me.node_id, timestamp)
    return {
        "X-Zjtx-Node": me.node_id,
        "X-Zjtx-Timestamp": str(timestamp),
        "X-Zjtx-Signature": crypto.sign(me.private_key(), message),
        "Accept": "application/json",
    }


def feed_url(peer: Peer, params: dict) -> str:
    return f"{peer.url.rstrip('/')}/exchange/feed?{urllib.parse.urlencode(params)}"


def fetch(peer: Peer, me, after: int, limit: int) -> dict:
    """One page of the peer's feed for us, checked as a page (entries are checked one by one later)."""
    params = {"after": after, "limit": limit}
    request = urllib.request.Request(feed_url(peer, params), headers=signed_headers(me, params))
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as resp:
            raw = resp.read(MAX_PAGE_BYTES + 1)
    except urllib.error.HTTPError as exc:
        detail = ""
        with contextlib.suppress(ValueError, AttributeError, OSError):
            detail = json.loads(exc.read(65536)).get("error", {}).get("message", "")
        raise PullError(
            f"{peer.name} 拒绝了读取请求（HTTP {exc.code}）{('：' + detail) if detail else ''}"
        ) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise PullError(
            f"无法连接 {peer.name}（{peer.url}）：{reason}。请检查网络和对方地址后重试。"
        ) from None
    if len(raw) > MAX_PAGE_BYTES:
        raise PullError(
            f"{peer.name} 返回的一页超过 {MAX_PAGE_BYTES // (1024 * 1024)} MB，已放弃：请减小 --limit。"
        )
    try:
        page = json.loads(raw)
    except ValueError:
        raise PullError(f"{peer.name} 返回的不是 JSON：请确认地址 {peer.url} 指向 zjtx 系统。") from None
    problems = schemas.page_problems(page)
    if problems:
        raise PullError(f"{peer.name} 返回的页面格式不符合 zjtx.exchange.feed/1：" + "；".join(problems))
    origin = page["origin"]
    if origin["node"] != peer.node_id:
        raise PullError(f"对方节点标识为“{origin['node']}”，与登记的“{peer.node_id}”不符：请核对地址。")
    if origin["public_key"] != peer.public_key:
        raise PullError(
            f"{peer.name} 当前使用的公钥与登记的不一致（指纹 {node_mod.fingerprint(origin['public_key'])}）："
            "如对方确已更换密钥，请经电话等渠道核实指纹后更新登记的公钥。"
        )
    if not isinstance(page["entries"], list):
        raise PullError(f"{peer.name} 返回的 entries 不是数组。")
    previous = after
    for entry in page["entries"]:
        sequence = entry.get("sequence") if isinstance(entry, dict) else None
        if not isinstance(sequence, int) or isinstance(sequence, bool) or sequence <= previous:
            raise PullError(
                f"{peer.name} 返回的记录序号无效或未递增（在 {previous} 之后收到 {sequence!r}）。"
            )
        previous = sequence
    if page["next_after"] < previous or page["next_after"] < after:
        raise PullError(f"{peer.name} 返回的下一游标 {page['next_after']} 小于本页最后序号 {previous}。")
    return page


def _crash_after() -> int | None:
    value = os.environ.get(CRASH_ENV, "").strip()
    return int(value) if value.isdigit() else None


def _quarantine_url() -> str:
    try:
        return reverse("exchange:quarantine")
    except NoReverseMatch:
        return ""


def pull(
    peer: Peer, *, limit: int = DEFAULT_LIMIT, max_pages: int | None = None, crash_after: int | None = None
) -> PullReport:
    """Read the peer's feed from its cursor until it has no more (or max_pages), applying every record."""
    me = node_mod.require()
    report = PullReport(peer=peer.name, cursor=peer.cursor)
    processed = 0
    while max_pages is None or report.pages < max_pages:
        after = Peer.objects.values_list("cursor", flat=True).get(pk=peer.pk)
        try:
            page = fetch(peer, me, after, limit)
        except PullError as exc:
            report.error = str(exc)
            Peer.objects.filter(pk=peer.pk).update(
                last_pull_at=timezone.now(), last_pull_ok=False, last_error=str(exc)
            )
            log.warning("exchange: pull from %s failed: %s", peer.node_id, exc)
            break
        # Quarantine reasons, inbox messages and audit rows are records: Chinese whoever pressed the button.
        with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
            locked = Peer.objects.select_for_update().get(pk=peer.pk)
            if locked.cursor != after:
                continue  # another pull committed this page meanwhile: read on from its cursor
            quarantined = []
            for entry in page["entries"]:
                outcome = receive(locked, entry, me, entry["sequence"])
                if outcome.status == APPLIED:
                    report.applied += 1
                elif outcome.status == DUPLICATE:
                    report.duplicates += 1
                elif outcome.status == QUARANTINED:
                    quarantined.append(
                        f"#{outcome.sequence} {outcome.kind} {outcome.object_id}：{outcome.reason}"
                    )
                processed += 1
                if crash_after is not None and processed >= crash_after:
                    os._exit(75)  # simulated crash: the page's transaction is never committed
            locked.cursor = page["next_after"]
            locked.last_pull_at = timezone.now()
            locked.last_pull_ok = True
            locked.last_error = ""
            locked.save(update_fields=["cursor", "last_pull_at", "last_pull_ok", "last_error"])
            if quarantined:
                for user in node_officials(me):
                    notify_user(
                        user,
                        msg(
                            gettext_noop("互联互通：来自%(peer)s的 %(count)s 条记录未通过校验，已隔离"),
                            peer=peer.name,
                            count=len(quarantined),
                        ),
                        "\n".join(quarantined[:10]),  # the records' reasons, kept in Chinese (as quarantined)
                        url=_quarantine_url(),
                        topic="exchange",
                    )
        report.quarantined.extend(quarantined)
        report.pages += 1
        report.cursor = page["next_after"]
        report.more = bool(page["has_more"])
        if not page["has_more"]:
            break
    return report


def pull_all(
    *, limit: int = DEFAULT_LIMIT, max_pages: int | None = None, crash_after: int | None = None
) -> list[PullReport]:
    """Every enabled peer: children (their feeds) and the parent (its decisions for us)."""
    return [
        pull(peer, limit=limit, max_pages=max_pages, crash_after=crash_after)
        for peer in Peer.objects.filter(enabled=True).order_by("relation", "name")
    ]
