"""Notify after the surrounding transaction commits, so a rolled-back action never announces itself."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from .models import Notification


def notify_enterprise(enterprise, title: str, body: str = "", url: str = "", topic: str = "") -> None:
    transaction.on_commit(
        lambda: Notification.objects.create(
            enterprise=enterprise, title=title, body=body, url=url, topic=topic
        )
    )


def notify_user(user, title: str, body: str = "", url: str = "", topic: str = "") -> None:
    transaction.on_commit(
        lambda: Notification.objects.create(user=user, title=title, body=body, url=url, topic=topic)
    )


def inbox_for(user):
    """What this user sees: messages to them and to their enterprise."""
    cond = Q(user=user)
    if getattr(user, "enterprise_id", None):
        cond |= Q(enterprise_id=user.enterprise_id)
    return Notification.objects.filter(cond)
