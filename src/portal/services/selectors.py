"""Who sees what in the service network, and the response-time figures officials read.

Every list starts here. Unapproved institutions and their offerings are seen only by their own
members and by the official who reviews them; demands follow portal.accounts.scope for
enterprises and officials, and the routing table (DemandMatch) for providers.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from portal.accounts.roles import LEVELS, OFFICIAL_ROLES, PREFIX_DIGITS, Role
from portal.accounts.scope import scope_enterprises
from portal.assessments import engine

from . import deadlines
from .actions import is_reviewer, membership_of, official_seats
from .models import (
    NATIONWIDE,
    Demand,
    DemandResponse,
    DemandState,
    InstitutionState,
    Offering,
    ServiceInstitution,
)

D = DemandState


def area_prefix(code: str) -> str:
    """A 6-digit code of any level → the prefix of its area (330000 → 33, 330100 → 3301, 330106 → 330106)."""
    found = engine.region(code or "")
    if found is None:
        return code or ""
    return code[: PREFIX_DIGITS.get(found[1], 6)]


def serves_q(region: str, field: str = "regions") -> Q:
    """Rows whose region tokens include county `region`: nationwide, its province, city or the county itself."""
    q = Q(**{f"{field}__contains": f" {NATIONWIDE} "})
    for prefix in {region[:2], region[:4], region[:6]}:
        if prefix:
            q |= Q(**{f"{field}__contains": f" {prefix} "})
    return q


def available_in_q(code: str, field: str = "regions") -> Q:
    """Rows serving anywhere in the area `code` (any level): nationwide, an enclosing area, or a part of it."""
    prefix = area_prefix(code)
    q = Q(**{f"{field}__contains": f" {NATIONWIDE} "}) | Q(**{f"{field}__contains": f" {prefix}"})
    for parent in {prefix[:2], prefix[:4]} - {prefix}:
        if parent:
            q |= Q(**{f"{field}__contains": f" {parent} "})
    return q


# ---------------------------------------------------------------------------------------------- institutions


def public_institutions() -> QuerySet:
    return ServiceInstitution.objects.filter(state=InstitutionState.APPROVED)


def public_offerings() -> QuerySet:
    """The catalogue: active offerings of approved institutions, whoever is looking."""
    return Offering.objects.filter(active=True, institution__state=InstitutionState.APPROVED).select_related(
        "institution"
    )


def reviewable_q(user) -> Q | None:
    """Institutions `user` reviews (actions.review_seat: their own level inside their region, or a level below
    that has no department on the platform); None when none."""
    if not getattr(user, "is_authenticated", False):
        return None
    if user.role == Role.ADMIN or user.is_superuser:
        return Q()
    if user.role not in OFFICIAL_ROLES:
        return None
    prefix = user.region_prefix
    if prefix is None:  # an official account without its region reviews nothing
        return None
    seats = official_seats()
    below = LEVELS[: LEVELS.index(Role(user.role)) + 1]
    candidates = ServiceInstitution.objects.filter(level__in=below, region_code__startswith=prefix)
    return Q(
        pk__in=[i.pk for i in candidates.only("pk", "level", "region_code") if is_reviewer(user, i, seats)]
    )


def institutions_for(user) -> QuerySet:
    """Institutions `user` may open: approved ones, plus their own (members) or those they review (officials)."""
    q = Q(state=InstitutionState.APPROVED)
    review = reviewable_q(user)
    if review is not None:
        q |= review
    member = membership_of(user)
    if member is not None:
        q |= Q(pk=member.institution_id)
    return ServiceInstitution.objects.filter(q)


def offerings_for(user) -> QuerySet:
    """Offerings `user` may open: the public catalogue plus those of institutions they own or review."""
    q = Q(active=True, institution__state=InstitutionState.APPROVED)
    review = reviewable_q(user)
    if review is not None:
        q |= Q(institution__in=ServiceInstitution.objects.filter(review))
    member = membership_of(user)
    if member is not None:
        q |= Q(institution_id=member.institution_id)
    return Offering.objects.filter(q).select_related("institution")


# ---------------------------------------------------------------------------------------------- demands


def demands_for(user) -> QuerySet:
    """Demands `user` may see: own enterprise, the official's region, or routed to the provider's institution."""
    qs = Demand.objects.select_related("enterprise")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if user.role == Role.PROVIDER:
        member = membership_of(user)
        if member is None or member.institution.state != InstitutionState.APPROVED:
            return qs.none()
        return qs.filter(matches__institution_id=member.institution_id)
    return scope_enterprises(user, qs, "enterprise__")


def responses_visible(user, demand: Demand) -> QuerySet:
    """All replies for the enterprise and officials; a provider sees officials' replies and its own institution's."""
    qs = DemandResponse.objects.filter(demand=demand).select_related("author", "institution")
    if getattr(user, "role", None) == Role.PROVIDER:
        member = membership_of(user)
        return qs.filter(
            Q(institution__isnull=True) | Q(institution_id=getattr(member, "institution_id", None))
        )
    return qs


def is_overdue(demand: Demand, today: dt.date) -> bool:
    """Still waiting for a first reply after its last allowed working day."""
    return demand.state == D.OPEN and demand.first_response_at is None and today > demand.due_on


def answered_late(demand: Demand) -> bool:
    return (
        demand.first_response_at is not None and timezone.localdate(demand.first_response_at) > demand.due_on
    )


def deadline_status(demand: Demand, today: dt.date) -> tuple[str, str]:
    """(css class, Chinese text) of a demand against its response target."""
    if demand.first_response_at is not None:
        if answered_late(demand):
            return "fail", gettext("逾期响应")
        return "pass", gettext("按时响应")
    if demand.state == D.WITHDRAWN:
        return "muted", gettext("已撤回（未响应）")
    day = demand.due_on.isoformat()
    if today > demand.due_on:
        late = deadlines.working_days_between(demand.due_on, today)
        return (
            "fail",
            gettext("已逾期（应于 %(day)s 前响应，已超 %(late)s 个工作日）") % {"day": day, "late": late}
            if late
            else gettext("已逾期（应于 %(day)s 前响应）") % {"day": day},
        )
    if today == demand.due_on:
        return "unknown", gettext("今天到期")
    return "", gettext("%(day)s 前响应") % {"day": day}


def _hours(delta: dt.timedelta) -> Decimal:
    return (Decimal(delta.total_seconds()) / Decimal(3600)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def response_stats(demands, today: dt.date) -> dict:
    """Counts, overdue and average first-response time (hours) over `demands` (an iterable or queryset)."""
    rows = list(demands)
    answered = [d for d in rows if d.first_response_at is not None]
    rated = [d.rating for d in rows if d.rating]
    total_delta = sum((d.first_response_at - d.created_at for d in answered), dt.timedelta())
    return {
        "total": len(rows),
        "open": sum(1 for d in rows if d.state == D.OPEN),
        "overdue": sum(1 for d in rows if is_overdue(d, today)),
        "answered": len(answered),
        "on_time": sum(1 for d in answered if not answered_late(d)),
        "late": sum(1 for d in answered if answered_late(d)),
        "avg_hours": _hours(total_delta / len(answered)) if answered else None,
        "closed": sum(1 for d in rows if d.state == D.CLOSED),
        "avg_rating": (Decimal(sum(rated)) / Decimal(len(rated))).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )
        if rated
        else None,
    }


def stats_by_area(demands, today: dt.date, digits: int) -> list[dict]:
    """response_stats per sub-area (the first `digits` digits of the enterprise's county code), by code."""
    groups: dict[str, list] = defaultdict(list)
    for d in demands:
        groups[d.enterprise.region[:digits]].append(d)
    out = []
    for prefix in sorted(groups):
        code = prefix.ljust(6, "0")
        found = engine.region(code)
        out.append(
            {"code": code, "name": found[0] if found else code, **response_stats(groups[prefix], today)}
        )
    return out
