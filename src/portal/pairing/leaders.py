"""Who counts as a chain leader (链主) and what an enterprise holds: size class and titles.

A leader is an enterprise whose latest stored assessment sizes it as large (大型企业), or one an
official has flagged (LeaderFlag). Titles held are read from the profile's `recognitions` and from
the platform's Recognition rows, both valid today.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext

from portal.assessments.models import Assessment
from portal.cultivation.models import Recognition, RecognitionStatus

from .models import LeaderFlag

LARGE = "large"


def latest_size_classes(enterprise_ids) -> dict[int, str]:
    """enterprise id → size class ('micro', 'small', 'medium', 'large') of its latest assessment."""
    from portal.enterprises.models import Enterprise

    latest = Assessment.objects.filter(enterprise=OuterRef("pk")).order_by("-created_at", "-id")
    rows = Enterprise.objects.filter(pk__in=list(enterprise_ids)).annotate(
        size=Subquery(latest.values("result__zh__size__class")[:1])
    )
    return {pk: size for pk, size in rows.values_list("pk", "size") if isinstance(size, str)}


def leader_basis(enterprise) -> str:
    """Why the enterprise is a leader, in one Chinese phrase; '' when it is not one."""
    flag = LeaderFlag.objects.filter(enterprise=enterprise, active=True).first()
    if flag:
        if flag.reason:
            return gettext("主管部门标记为链主（%(reason)s）") % {"reason": flag.reason}
        return gettext("主管部门标记为链主")
    latest = Assessment.objects.filter(enterprise=enterprise).order_by("-created_at", "-id").first()
    if latest and ((latest.result or {}).get("zh") or {}).get("size", {}).get("class") == LARGE:
        return gettext("最近一次评价（%(day)s）划型为大型企业") % {"day": latest.as_of.isoformat()}
    return ""


def is_leader(enterprise) -> bool:
    return enterprise is not None and bool(leader_basis(enterprise))


def titles_held(enterprises, day: dt.date | None = None) -> dict[int, set[str]]:
    """enterprise id → tiers held on `day`: profile recognitions plus platform recognitions."""
    day = day or timezone.localdate()
    out: dict[int, set[str]] = {}
    for ent in enterprises:
        held = out.setdefault(ent.pk, set())
        for rec in (ent.profile or {}).get("recognitions") or []:
            if not isinstance(rec, dict) or not isinstance(rec.get("tier"), str):
                continue
            since, until = _date(rec.get("since")), _date(rec.get("until"))
            if (since is None or since <= day) and (until is None or until >= day):
                held.add(rec["tier"])
    rows = Recognition.objects.filter(
        enterprise_id__in=[e.pk for e in enterprises], valid_from__lte=day, valid_until__gte=day
    ).exclude(status=RecognitionStatus.REVOKED)
    for rec in rows:
        out.setdefault(rec.enterprise_id, set()).add(rec.tier)
    return out


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
