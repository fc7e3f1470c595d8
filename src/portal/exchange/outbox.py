"""Writing the signed change feed: one function appends, the others decide what to publish.

Why hooks on the audit table: other apps change state through conditional UPDATEs (claim()),
which send no post_save; but every change writes exactly one AuditEntry in the same transaction.
A receiver on AuditEntry therefore sees every change of applications and recognitions, and the
feed entry commits or rolls back together with the change (a transactional outbox). Model kinds
also listen to their model's post_save. Unchanged payloads are not published again, so both hooks
firing, or a full re-publication, add nothing.

Nothing is published by an installation without a node identity (node.current() is None).
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from . import crypto, kinds, payloads
from . import node as node_mod
from .models import FeedEntry, FeedHead, Forwarded, Relation

log = logging.getLogger(__name__)

PARENT = "parent"


def _head() -> FeedHead:
    """The FeedHead row, locked until the transaction ends: appends commit in sequence order."""
    try:
        return FeedHead.objects.select_for_update().get(pk=1)
    except FeedHead.DoesNotExist:
        try:
            with transaction.atomic():
                FeedHead.objects.create(pk=1, last_sequence=0)
        except IntegrityError:
            pass
        return FeedHead.objects.select_for_update().get(pk=1)


def append(kind: str, object_id, audience: str, payload: dict, *, node=None) -> FeedEntry | None:
    """Sign and append one record; None when the object's latest record already says the same."""
    node = node or node_mod.require()
    object_id = str(object_id)
    with transaction.atomic():
        head = _head()
        last = (
            FeedEntry.objects.filter(audience=audience, kind=kind, object_id=object_id)
            .order_by("-version")
            .first()
        )
        if last is not None and last.payload() == payload:
            return None
        sequence = head.last_sequence + 1
        envelope = {
            "schema": crypto.ENTRY_SCHEMA,
            "origin": node.node_id,
            "sequence": sequence,
            "audience": audience,
            "kind": kind,
            "object_id": object_id,
            "version": (last.version + 1) if last else 1,
            "created": timezone.now().isoformat(),
            "payload": payload,
        }
        body, signature = crypto.sign_entry(node.private_key(), envelope)
        entry = FeedEntry.objects.create(
            sequence=sequence,
            audience=audience,
            kind=kind,
            object_id=object_id,
            version=envelope["version"],
            region=payload.get("region", ""),
            body=body,
            signature=signature,
        )
        FeedHead.objects.filter(pk=1).update(last_sequence=sequence)
    return entry


def head_sequence() -> int:
    return FeedHead.objects.filter(pk=1).values_list("last_sequence", flat=True).first() or 0


def _in_area(node, region: str) -> bool:
    if node.level == "national":
        return True
    return bool(region) and region.startswith(node.prefix)


# --------------------------------------------------------------------------------------- applications


def publish_application(app, forwarded: Forwarded, *, node=None) -> FeedEntry | None:
    node = node or node_mod.require()
    payload = payloads.application_payload(app, node=node, forwarded=forwarded)
    return append(kinds.APPLICATION, app.pk, PARENT, payload, node=node)


def publish_decision(app, *, action: str, reason: str, actor, decided_by=None, node=None) -> FeedEntry | None:
    """If `app` is a copy of a child's application, tell that child its new state."""
    node = node or node_mod.require()
    origin = payloads.origin_of(app)
    if origin is None or origin.peer.relation != Relation.CHILD:
        return None
    payload = payloads.decision_payload(
        app,
        node=node,
        remote_id=origin.remote_id,
        action=action,
        reason=reason,
        actor=actor,
        decided_by=decided_by,
    )
    return append(kinds.DECISION, origin.remote_id, origin.peer.node_id, payload, node=node)


def latest_forwarded(app) -> Forwarded | None:
    return (
        Forwarded.objects.select_related("peer", "by").filter(application=app).order_by("-at", "-id").first()
    )


# --------------------------------------------------------------------------------------- recognitions


def publish_recognition(rec, *, node=None) -> list[FeedEntry]:
    """To the parent when issued here; to the child whose recommended application it answers."""
    node = node or node_mod.require()
    out = []
    own = payloads.origin_of(rec) is None
    if own and _in_area(node, rec.enterprise.region) and node.level != "national":
        entry = append(kinds.RECOGNITION, rec.pk, PARENT, payloads.recognition_payload(rec), node=node)
        out.append(entry)
    if rec.application_id:
        origin = payloads.origin_of(rec.application)
        if origin is not None and origin.peer.relation == Relation.CHILD:
            payload = payloads.recognition_payload(rec, application_id=origin.remote_id)
            out.append(append(kinds.RECOGNITION, rec.pk, origin.peer.node_id, payload, node=node))
    return [e for e in out if e is not None]


# --------------------------------------------------------------------------------------- model kinds


def publish_model(kind: kinds.ModelKind, obj, *, node=None) -> FeedEntry | None:
    node = node or node_mod.require()
    if node.level == "national" or not kind.include(obj):
        return None
    if not _in_area(node, kind.region_of(obj)):
        return None
    return append(kind.name, obj.pk, PARENT, kind.payload(obj), node=node)


# --------------------------------------------------------------------------------------- hooks


def _usable_node():
    current, problem = node_mod.status()
    if current is None:
        return None
    if problem:
        log.error("exchange: not publishing, the node is misconfigured: %s", problem)
        return None
    return current


def on_audit(entry) -> None:
    """Called for every new AuditEntry (inside the acting transaction)."""
    if entry.action.startswith("exchange."):
        return  # this app publishes its own changes explicitly
    node = _usable_node()
    if node is None:
        return
    target = entry.target_type
    if target == "cultivation.application":
        _application_changed(entry, node)
    elif target == "cultivation.recognition":
        from portal.cultivation.models import Recognition

        rec = (
            Recognition.objects.select_related("enterprise", "application").filter(pk=entry.target_id).first()
        )
        if rec is not None:
            publish_recognition(rec, node=node)
    else:
        kind = kinds.model_kind_for_label(target)
        if kind is not None and kind.available():
            obj = kind.model().objects.filter(pk=entry.target_id).first()
            if obj is not None:
                publish_model(kind, obj, node=node)


def _application_changed(entry, node) -> None:
    from portal.cultivation.models import Application

    app = (
        Application.objects.select_related("enterprise", "batch", "assessment")
        .filter(pk=entry.target_id)
        .first()
    )
    if app is None:
        return
    if entry.action == "cultivation.withdraw":
        forwarded = latest_forwarded(app)
        if forwarded is not None:
            publish_application(app, forwarded, node=node)
    if entry.from_state != entry.to_state:
        publish_decision(app, action=entry.action, reason=entry.reason, actor=entry.actor, node=node)


def on_model_saved(kind: kinds.ModelKind, obj) -> None:
    node = _usable_node()
    if node is not None:
        publish_model(kind, obj, node=node)


# --------------------------------------------------------------------------------------- re-publication


def republish_all(*, node=None) -> int:
    """Publish the current state of what this node shares on its own: titles, withdrawals of
    recommended applications, and the model kinds (after joining late, or after an outage with a
    broken node setting). Recommendations and decisions are published as they happen and stay in
    the feed. Unchanged records are skipped, so running it twice adds nothing.
    """
    from portal.cultivation.models import Application, ApplicationState, Recognition

    node = node or node_mod.require()
    count = 0
    for rec in Recognition.objects.select_related("enterprise", "application").order_by("pk"):
        count += len(publish_recognition(rec, node=node))
    forwarded_apps = Forwarded.objects.values_list("application_id", flat=True).distinct()
    withdrawn = Application.objects.filter(pk__in=forwarded_apps, state=ApplicationState.WITHDRAWN)
    for app in withdrawn.select_related("enterprise", "batch").order_by("pk"):
        if publish_application(app, latest_forwarded(app), node=node):
            count += 1
    for kind in kinds.MODEL_KINDS:
        if not kind.available():
            continue
        for obj in kind.model().objects.order_by("pk"):
            if publish_model(kind, obj, node=node):
                count += 1
    return count
