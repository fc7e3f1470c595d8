"""What the policy pages share: role checks, loading a policy the user may see, display helpers."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext

from portal.accounts.roles import OFFICIAL_ROLES, Role
from portal.accounts.scope import OutOfScope
from portal.actions import ActionError, InvalidInput
from portal.assessments import engine

from . import actions, matching
from .models import Policy


def is_official(user) -> bool:
    """Officials with a region (see User.region_prefix) and admins: the official pages widen a missing prefix to ''."""
    return getattr(user, "is_authenticated", False) and (
        (user.role in OFFICIAL_ROLES and user.region_prefix is not None)
        or user.role == Role.ADMIN
        or user.is_superuser
    )


def require_official(user) -> None:
    if not is_official(user):
        raise PermissionDenied(gettext("此页面仅供主管部门工作人员使用。"))


def require_enterprise_user(user):
    if not (getattr(user, "is_authenticated", False) and user.role == Role.ENTERPRISE and user.enterprise_id):
        raise PermissionDenied(gettext("此页面仅供企业用户使用。请使用企业账户登录。"))
    return user.enterprise


def get_policy(user, pk: int) -> Policy:
    """A policy the user may see (drafts only for those who manage them; others get 404)."""
    policy = get_object_or_404(Policy, pk=pk)
    if not actions.may_view(user, policy):
        raise Http404(gettext("没有这项政策。"))
    return policy


def show_error(request, exc) -> None:
    if isinstance(exc, InvalidInput) and exc.problems:
        messages.error(request, exc.message + " " + "；".join(m for _f, m in exc.problems))
    elif isinstance(exc, ActionError):
        messages.error(request, exc.message)
    elif isinstance(exc, OutOfScope):
        messages.error(request, str(exc))
    else:
        raise exc


def wan(amount) -> str:
    """Yuan → “100 万元”."""
    if amount is None:
        return ""
    value = (Decimal(amount) / Decimal(10000)).quantize(Decimal("0.000001")).normalize()
    return gettext("%(amount)s 万元") % {"amount": f"{value:,f}"}


def benefit_line(policy: Policy) -> str:
    amount = wan(policy.benefit_amount)
    head = str(policy.get_benefit_type_display())
    if policy.benefit_basis == "cap" and amount:
        head += gettext(" · 最高 %(amount)s") % {"amount": amount}
    elif policy.benefit_basis == "fixed" and amount:
        head += f" · {amount}"
    return head


def area_name(prefix: str) -> str:
    return engine.policy_code_name("region", prefix) if prefix else gettext("全国")


def condition_labels(policy: Policy) -> tuple[list[tuple[int, str]], str]:
    """(number, label) of the policy's conditions, and an error text when they no longer parse."""
    try:
        return engine.policy_condition_labels(matching.checked(policy)), ""
    except engine.PolicyConditionError as exc:
        return [], str(exc)
