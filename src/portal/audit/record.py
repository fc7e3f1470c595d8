"""Write an audit row; called by action functions inside their transaction.

The trail is a record, not a page: its texts (the object's name) are stored in the platform's language
(settings.LANGUAGE_CODE, Chinese) whatever language the acting user's pages are in.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation

from .models import AuditEntry


def record(
    actor,
    action: str,
    target,
    *,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    region_code: str = "",
    **data,
) -> AuditEntry:
    with translation.override(settings.LANGUAGE_CODE):
        target_label = str(target)[:300]
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_label=target_label,
        region_code=region_code,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        data=data,
    )


def trail(target):
    """The audit rows of one object, oldest first."""
    return AuditEntry.objects.filter(target_type=target._meta.label_lower, target_id=str(target.pk)).order_by(
        "at", "id"
    )
