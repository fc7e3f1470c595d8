"""Background jobs: pull every peer on a schedule (cron enqueues `exchange_pull --enqueue`)."""

from __future__ import annotations

import logging

from django_tasks import task

from . import pull as pull_mod
from .models import Peer

log = logging.getLogger(__name__)


@task()
def pull_peer(peer_id: int, limit: int = pull_mod.DEFAULT_LIMIT) -> dict:
    """Pull one peer's feed until it has no more; the report as a dict."""
    peer = Peer.objects.get(pk=peer_id)
    report = pull_mod.pull(peer, limit=limit)
    log.info("exchange: %s", report.summary())
    return {
        "peer": report.peer,
        "applied": report.applied,
        "duplicates": report.duplicates,
        "quarantined": len(report.quarantined),
        "cursor": report.cursor,
        "error": report.error,
    }


@task()
def pull_all(limit: int = pull_mod.DEFAULT_LIMIT) -> list[dict]:
    """Every enabled peer, children first, then the parent (its decisions for us)."""
    return [
        pull_peer.call(peer.pk, limit)
        for peer in Peer.objects.filter(enabled=True).order_by("relation", "name")
    ]
