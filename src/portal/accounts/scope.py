"""Region scope, decided in one place: every queryset and action function asks here.

An official sees the enterprises whose county code starts with their region prefix
(national: everything). An enterprise user sees only its own enterprise. Nobody else
sees enterprise data. Hiding links is never the protection; these checks are.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext

from .roles import Role


class OutOfScope(PermissionError):
    """The actor may not see or act on this object (wrong region, wrong enterprise or wrong role)."""

    def __init__(self, actor, obj_label: str):
        super().__init__(
            gettext("%(user)s 无权访问 %(object)s：不在其管辖范围内")
            % {"user": actor.username, "object": obj_label}
        )
        self.code = "out_of_scope"


def region_in_scope(user, region_code: str) -> bool:
    """True when an official's subtree contains this 6-digit region code."""
    prefix = getattr(user, "region_prefix", None)
    return prefix is not None and (region_code or "").startswith(prefix)


def enterprise_in_scope(user, enterprise) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.role == Role.ADMIN or user.is_superuser:
        return True
    if user.role == Role.ENTERPRISE:
        return user.enterprise_id is not None and user.enterprise_id == enterprise.pk
    return region_in_scope(user, enterprise.region)


def scope_enterprises(user, qs: QuerySet, field: str = "") -> QuerySet:
    """Filter any queryset reaching an Enterprise (via `field`, e.g. 'enterprise__') to what `user` may see."""
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if user.role == Role.ADMIN or user.is_superuser:
        return qs
    if user.role == Role.ENTERPRISE:
        if user.enterprise_id is None:
            return qs.none()
        return qs.filter(Q(**{f"{field}pk" if field else "pk": user.enterprise_id}))
    prefix = user.region_prefix
    if prefix is None:
        return qs.none()
    return qs.filter(**{f"{field}region__startswith": prefix}) if prefix else qs


def require_enterprise(user, enterprise) -> None:
    """Raise OutOfScope unless `user` may see `enterprise`."""
    if not enterprise_in_scope(user, enterprise):
        raise OutOfScope(user, gettext("企业“%(name)s”") % {"name": enterprise.name})
