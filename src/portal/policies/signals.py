"""Hooks into other apps without editing them: an enterprise saved, or made a member of a cluster
or taken off one → recompute its policy pushes.

Connected in PoliciesConfig.ready(). A save that touches only other columns (update_fields
without profile, region, industry) is ignored, and so is a save when no published policy that
could apply to the enterprise is left unannounced; titles reach us too, because the cultivation
app writes recognised titles into the profile and saves it. A ClusterMembership created or deleted
(portal.clusters.actions add_member / remove_member, or a cascade) changes the `cluster` fact the
policies read, so it queues the same job; pushes stay at most once per policy (PushRecord).
A whole cluster revoked or reinstated (clusters.signals.cluster_state_changed, sent by
clusters.actions.set_state) changes that fact for every member at once: one background job
re-evaluates all of them through the batch engine (tasks.push_cluster_members).
"""

from __future__ import annotations

import logging

from django.db import transaction

log = logging.getLogger(__name__)
WATCHED = {"profile", "region", "industry"}


def enterprise_saved(sender, instance, created=False, update_fields=None, raw=False, **kwargs):
    if raw or instance.pk is None:
        return
    if update_fields is not None and not (WATCHED & set(update_fields)):
        return
    pk = instance.pk
    transaction.on_commit(lambda: _enqueue(pk))


def membership_changed(sender, instance, raw=False, **kwargs):
    """post_save / post_delete of portal.clusters' ClusterMembership: the member's facts changed."""
    if raw or instance.enterprise_id is None:
        return
    pk = instance.enterprise_id
    transaction.on_commit(lambda: _enqueue(pk))


def cluster_state_changed(sender, cluster, **kwargs):
    """A cluster revoked or reinstated: queue one job for all its members, on commit."""
    pk = cluster.pk
    transaction.on_commit(lambda: _enqueue_cluster(pk))


def _enqueue_cluster(pk: int) -> None:
    from .models import Grade, Policy, Status
    from .tasks import push_cluster_members

    try:
        if not Policy.objects.filter(status=Status.PUBLISHED).exclude(grade=Grade.C).exists():
            return
        push_cluster_members.enqueue(pk)
    except Exception:  # noqa: BLE001 - never break the revocation that triggered us
        log.exception("policies: could not enqueue push_cluster_members(%s)", pk)


def _enqueue(pk: int) -> None:
    """Queue the push job, unless no published policy could apply to the enterprise at all."""
    from portal.enterprises.models import Enterprise

    from .models import Grade, Policy, Status
    from .tasks import push_enterprise

    try:
        region = Enterprise.objects.filter(pk=pk).values_list("region", flat=True).first()
        if region is None:
            return
        prefixes = {"", region[:2], region[:4], region}
        candidates = Policy.objects.filter(status=Status.PUBLISHED, region_prefix__in=prefixes).exclude(
            grade=Grade.C
        )
        if not candidates.exclude(pushes__enterprise_id=pk).exists():
            return
        push_enterprise.enqueue(pk)
    except Exception:  # noqa: BLE001 - never break the save that triggered us
        log.exception("policies: could not enqueue push_enterprise(%s)", pk)
