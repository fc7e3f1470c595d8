"""Signal receivers: thin, all logic is in outbox.py."""

from __future__ import annotations

from . import kinds, outbox


def audit_written(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        outbox.on_audit(instance)


def model_kinds_present() -> list[kinds.ModelKind]:
    return [k for k in kinds.MODEL_KINDS if k.available()]


def model_saved(sender, instance, created=False, raw=False, **kwargs):
    if raw:
        return
    kind = kinds.model_kind_for_label(sender._meta.label_lower)
    if kind is not None:
        outbox.on_model_saved(kind, instance)
