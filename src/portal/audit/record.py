"""Write an audit row; called by action functions inside their transaction."""

from __future__ import annotations

from .models import AuditEntry


def record(actor, action: str, target, *, from_state: str = "", to_state: str = "", reason: str = "",
           region_code: str = "", **data) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_label=str(target)[:300],
        region_code=region_code,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        data=data,
    )


def trail(target):
    """The audit rows of one object, oldest first."""
    return AuditEntry.objects.filter(target_type=target._meta.label_lower, target_id=str(target.pk)).order_by("at", "id")
