"""Background jobs of the policy library, run by the django-tasks worker (`manage.py db_worker`).

push_policy: enqueued on commit when a policy is published (or a published one edited).
push_policies: enqueued on commit after a catalogue import, for all its published policies at once.
push_enterprise: enqueued on commit when an enterprise is saved or joins/leaves a cluster (signals.py).
push_cluster_members: enqueued on commit when a cluster is revoked or reinstated (signals.py).
expire_policies: daily (`manage.py policies_daily`), marks policies past their validity expired.
All are idempotent.
"""

from __future__ import annotations

import datetime as dt
import logging

from django_tasks import task

from . import actions, push

log = logging.getLogger(__name__)


@task()
def push_policy(policy_id: int) -> int:
    sent = push.push_policy(policy_id)
    log.info("policies: policy %s pushed to %d enterprise(s)", policy_id, sent)
    return sent


@task()
def push_policies(policy_ids: list[int]) -> int:
    sent = push.push_policies(policy_ids)
    log.info("policies: %d policies pushed, %d message(s)", len(policy_ids), sent)
    return sent


@task()
def push_enterprise(enterprise_id: int) -> int:
    sent = push.push_enterprise(enterprise_id)
    log.info("policies: enterprise %s told of %d policy(ies)", enterprise_id, sent)
    return sent


@task()
def push_cluster_members(cluster_id: int) -> int:
    sent = push.push_cluster_members(cluster_id)
    log.info("policies: members of cluster %s told of %d policy(ies)", cluster_id, sent)
    return sent


@task()
def expire_policies(today: str | None = None) -> int:
    return actions.expire_policies(dt.date.fromisoformat(today) if today else None)
