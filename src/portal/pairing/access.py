"""Who sees which needs and responses, decided in one place (pages and actions both ask here).

Needs: an enterprise user sees its own needs, every open need (so SMEs can find work) and closed
needs it responded to; an official sees the needs of leaders in their region; admins see all.
Responses: the leader sees every response to its own needs (never another leader's); a responder
sees only its own; an official sees responses to needs of leaders in their region.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from portal.accounts.roles import OFFICIAL_ROLES, Role
from portal.accounts.scope import enterprise_in_scope, scope_enterprises

from .models import Need, NeedResponse, NeedState


def is_admin(user) -> bool:
    return getattr(user, "is_authenticated", False) and (user.role == Role.ADMIN or user.is_superuser)


def is_official(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.role in OFFICIAL_ROLES


def own_enterprise_id(user) -> int | None:
    if getattr(user, "is_authenticated", False) and user.role == Role.ENTERPRISE:
        return user.enterprise_id
    return None


def needs_for(user) -> QuerySet:
    qs = Need.objects.select_related("leader")
    if is_admin(user):
        return qs
    if is_official(user):
        return scope_enterprises(user, qs, "leader__")
    own = own_enterprise_id(user)
    if own is None:
        return qs.none()
    responded = NeedResponse.objects.filter(enterprise_id=own).values("need_id")
    return qs.filter(Q(leader_id=own) | Q(state=NeedState.OPEN) | Q(pk__in=responded))


def is_leader_user(user, need: Need) -> bool:
    return own_enterprise_id(user) == need.leader_id and need.leader_id is not None


def sees_all_responses(user, need: Need) -> bool:
    """The leader itself, officials whose region holds the leader, admins."""
    if is_admin(user) or is_leader_user(user, need):
        return True
    return is_official(user) and enterprise_in_scope(user, need.leader)


def responses_for(user, need: Need) -> QuerySet:
    qs = need.responses.select_related("enterprise")
    if sees_all_responses(user, need):
        return qs
    own = own_enterprise_id(user)
    return qs.filter(enterprise_id=own) if own else qs.none()
