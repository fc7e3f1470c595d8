"""What goes into a record of each kind (schemas/exchange/<kind>.schema.json), built from local rows.

Payloads are complete snapshots, never diffs: a receiver that missed version 2 still applies
version 3 correctly, and a record carries everything needed to act on it at the next level.
"""

from __future__ import annotations

from django.utils import timezone

from .models import Origin, Received


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def enterprise_part(enterprise) -> dict:
    return {
        "name": enterprise.name,
        "credit_code": enterprise.credit_code,
        "region": enterprise.region,
        "industry": enterprise.industry or "",
    }


def origin_of(obj) -> Origin | None:
    """The Origin row when `obj` is a copy of another installation's record."""
    return (
        Origin.objects.select_related("peer")
        .filter(local_type=obj._meta.label_lower, local_id=str(obj.pk))
        .first()
    )


def received_for(origin: Origin | None) -> Received | None:
    if origin is None:
        return None
    return Received.objects.filter(
        peer=origin.peer, kind=origin.remote_kind, object_id=origin.remote_id
    ).first()


def assessment_part(assessment) -> dict | None:
    if assessment is None:
        return None
    return {
        "ruleset_id": assessment.ruleset_id,
        "ruleset_label": assessment.ruleset_label,
        "engine_version": assessment.engine_version,
        "as_of": assessment.as_of.isoformat(),
        "is_review": assessment.is_review,
        "profile_version": assessment.profile_version,
        "input_snapshot": assessment.input_snapshot,
        "result": assessment.result,
        "highest_tier": assessment.highest_tier,
        "tier_order": list(assessment.tier_order or []),
        "created_at": _iso(assessment.created_at),
    }


def application_payload(app, *, node, forwarded) -> dict:
    """An application recommended upward: frozen profile and assessment, evidence list, recommendations."""
    batch = app.batch
    signer = app.declaration_signed_by
    upstream = received_for(origin_of(app))
    previous = (upstream.payload if upstream else {}) or {}
    evidence = list(previous.get("evidence") or []) + [
        {
            "name": ev.original_name,
            "content_type": ev.content_type,
            "size": ev.size,
            "sha256": ev.sha256,
            "description": ev.description,
            "uploaded_at": _iso(ev.uploaded_at),
        }
        for ev in app.evidence.all().order_by("uploaded_at", "id")
    ]
    declaration = (previous.get("application") or {}).get("declaration") or {
        "text": app.declaration_text,
        "signed_by": signer.display_name() if signer else "",
        "signed_at": _iso(app.declaration_signed_at),
    }
    by = forwarded.by
    recommendations = list(previous.get("recommendations") or []) + [
        {
            "node": node.node_id,
            "level": node.level,
            "region": node.region,
            "official": by.display_name() if by else "",
            "organisation": (by.organisation if by else "") or "",
            "at": _iso(forwarded.at or timezone.now()),
            "note": forwarded.note,
            "state": forwarded.state,
        }
    ]
    return {
        "region": app.enterprise.region,
        "application": {
            "id": str(app.pk),
            "tier": app.tier,
            "kind": app.kind,
            "state": app.state,
            "submitted_at": _iso(app.submitted_at),
            "decided_at": _iso(app.decided_at),
            "last_reason": app.last_reason,
            "notice_starts": _iso(app.notice_starts),
            "notice_ends": _iso(app.notice_ends),
            "declaration": declaration,
            "renews": app.renews.certificate_no if app.renews_id else None,
        },
        "batch": {
            "tier": batch.tier,
            "year": batch.year,
            "name": batch.name,
            "level": batch.level,
            "region_code": batch.region_code,
            "review_level": batch.review_level,
            "opens_on": batch.opens_on.isoformat(),
            "closes_on": batch.closes_on.isoformat(),
            "notice_days": batch.notice_days,
            "ruleset_id": batch.ruleset_id,
        },
        "enterprise": enterprise_part(app.enterprise),
        "profile_snapshot": app.profile_snapshot,
        "assessment": assessment_part(app.assessment),
        "evidence": evidence,
        "recommendations": recommendations,
    }


def decision_payload(app, *, node, remote_id: str, action: str, reason: str, actor, decided_by=None) -> dict:
    """The parent's copy changed state: tell the child that recommended it (`decided_by`: relayed)."""
    return {
        "region": app.enterprise.region,
        "application_id": remote_id,
        "state": app.state,
        "action": action,
        "reason": reason or "",
        "decided_at": _iso(app.decided_at),
        "notice_starts": _iso(app.notice_starts),
        "notice_ends": _iso(app.notice_ends),
        "decided_by": decided_by
        or {
            "node": node.node_id,
            "level": node.level,
            "region": node.region,
            "organisation": (getattr(actor, "organisation", "") or "") if actor else "",
        },
        "enterprise": {"name": app.enterprise.name, "credit_code": app.enterprise.credit_code},
    }


def recognition_payload(rec, *, application_id: str | None = None) -> dict:
    out = {
        "region": rec.enterprise.region,
        "certificate_no": rec.certificate_no,
        "verification_code": rec.verification_code,
        "tier": rec.tier,
        "status": rec.status,
        "valid_from": rec.valid_from.isoformat(),
        "valid_until": rec.valid_until.isoformat(),
        "issued_by_level": rec.issued_by_level,
        "issued_by_region": rec.issued_by_region,
        "revoked_at": _iso(rec.revoked_at),
        "revoked_reason": rec.revoked_reason,
        "enterprise": enterprise_part(rec.enterprise),
    }
    if application_id is not None:
        out["application_id"] = application_id
    return out
