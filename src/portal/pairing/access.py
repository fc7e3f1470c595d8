"""Who sees which needs and responses, decided in one place (pages and actions both ask here).

Needs: an enterprise user sees its own needs, every open need (so SMEs can find work) and closed
needs it responded to; an official sees the needs of leaders in their region; admins see all.
Responses: the leader sees every response to its own needs (never another leader's); a responder
sees only its own; an official sees responses to needs of leaders in their region.
链主 marks: an official of the enterprise's region at the level that set the mark or above may
withdraw it (like clusters, a level does not undo what a higher level decided); admins always.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from portal.accounts.roles import LEVELS, OFFICIAL_ROLES, Role
from portal.accounts.scope import enterprise_in_scope, scope_enterprises

from .models import LeaderFlag, Need, NeedResponse, NeedState

# County < city < province < national < platform administrator.
LEVEL_RANK = {role.value: i for i, role in enumerate(LEVELS)} | {Role.ADMIN.value: len(LEVELS)}


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


def acting_level(user) -> str:
    """The level a user acts at when setting a 链主 mark: their official role, or 'admin'."""
    return Role.ADMIN.value if is_admin(user) else user.role


def can_withdraw_flag(user, flag: LeaderFlag) -> bool:
    """True when `user` may withdraw the mark: admin, or an official of its region at its level or above.

    A mark whose level is unknown (set before levels were kept, by an account since deleted) is
    withdrawn by an administrator only.
    """
    if is_admin(user):
        return True
    if not is_official(user) or not enterprise_in_scope(user, flag.enterprise):
        return False
    needed = LEVEL_RANK.get(flag.flagged_level)
    return needed is not None and LEVEL_RANK[user.role] >= needed
