"""Notify after the surrounding transaction commits, so a rolled-back action never announces itself.

Title and body are Messages (portal.inbox.message: msgid + parameters, shown in the reader's
language) or, for older callers, plain strings shown as they are.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from . import message as m
from .models import Notification

Text = m.Message | m.Lines | str


def notify_enterprise(enterprise, title: Text, body: Text = "", url: str = "", topic: str = "") -> None:
    fields = stored(title, body)
    transaction.on_commit(
        lambda: Notification.objects.create(enterprise=enterprise, url=url, topic=topic, **fields)
    )


def notify_user(user, title: Text, body: Text = "", url: str = "", topic: str = "") -> None:
    fields = stored(title, body)
    transaction.on_commit(lambda: Notification.objects.create(user=user, url=url, topic=topic, **fields))


def stored(title: Text, body: Text = "") -> dict:
    """The Notification fields: the Chinese text, and the message to render it later in any language."""
    message = {}
    if isinstance(title, m.Message | m.Lines) or isinstance(body, m.Message | m.Lines):
        message = {"title": m.dump(title), "body": m.dump(body)}
    return {
        "title": m.render(title, settings.LANGUAGE_CODE)[:200],
        "body": m.render(body, settings.LANGUAGE_CODE),
        "message": message,
    }


def inbox_for(user):
    """What this user sees: messages to them and to their enterprise."""
    cond = Q(user=user)
    if getattr(user, "enterprise_id", None):
        cond |= Q(enterprise_id=user.enterprise_id)
    return Notification.objects.filter(cond)
