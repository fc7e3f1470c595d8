"""What the service-network pages share: role gates, error display and labels."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from portal.accounts.roles import OFFICIAL_ROLES, Role
from portal.audit.record import trail

from .actions import membership_of

FIELD_LABELS = {
    "username": gettext_noop("用户名"),
    "password": gettext_noop("密码"),
    "full_name": gettext_noop("姓名"),
    "name": gettext_noop("机构名称"),
    "kind": gettext_noop("机构类型"),
    "level": gettext_noop("所在层级"),
    "region_code": gettext_noop("所在地区代码"),
    "credit_code": gettext_noop("统一社会信用代码"),
    "contact_name": gettext_noop("联系人"),
    "contact_phone": gettext_noop("联系电话"),
    "contact_email": gettext_noop("电子邮箱"),
    "description": gettext_noop("简介或内容"),
    "category": gettext_noop("类别"),
    "title": gettext_noop("标题"),
    "text": gettext_noop("内容"),
    "urgency": gettext_noop("紧急程度"),
    "price_band": gettext_noop("收费区间"),
    "regions": gettext_noop("服务地区"),
    "contact": gettext_noop("联系方式"),
    "decision": gettext_noop("审核结论"),
    "reason": gettext_noop("理由"),
    "rating": gettext_noop("满意度"),
    "comment": gettext_noop("评价内容"),
    "version": gettext_noop("版本"),
}

ACTION_LABELS = {
    "services.institution_registered": gettext_noop("申请入驻"),
    "services.institution_approve": gettext_noop("审核通过"),
    "services.institution_reject": gettext_noop("不予通过"),
    "services.institution_suspend": gettext_noop("暂停"),
    "services.institution_resubmitted": gettext_noop("修改后重新提交"),
    "services.demand_posted": gettext_noop("提出诉求"),
    "services.demand_answered": gettext_noop("回复"),
    "services.demand_closed": gettext_noop("办结并评价"),
    "services.demand_withdrawn": gettext_noop("撤回"),
}


def today():
    return timezone.localdate()


def is_official(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.role in OFFICIAL_ROLES


def require_official(user) -> None:
    if not is_official(user):
        raise PermissionDenied(gettext("此页面仅供主管部门工作人员使用。"))


def require_enterprise_user(user):
    if not (getattr(user, "is_authenticated", False) and user.role == Role.ENTERPRISE and user.enterprise_id):
        raise PermissionDenied(gettext("此页面仅供企业用户使用。请使用企业账户登录。"))
    return user.enterprise


def require_member(user):
    member = membership_of(user)
    if member is None:
        raise PermissionDenied(gettext("此页面仅供服务机构使用。请使用服务机构账户登录，或先登记服务机构。"))
    return member.institution


def add_problems(form, exc) -> None:
    """Put each (field, message) of an InvalidInput on the form field it names (else on the form)."""
    for field, message in getattr(exc, "problems", None) or []:
        form.add_error(field if field in form.fields else None, message)


def error_text(exc) -> str:
    message = getattr(exc, "message", None) or str(exc)
    extra = [
        gettext("%(field)s：%(problem)s")
        % {"field": gettext(FIELD_LABELS[f]) if f in FIELD_LABELS else f, "problem": m}
        for f, m in getattr(exc, "problems", None) or []
        if m not in message
    ]
    return message + ("" if not extra else " " + gettext("；").join(extra))


def show_error(request, exc) -> None:
    messages.error(request, error_text(exc))


def timeline(obj) -> list[dict]:
    rows = []
    for e in trail(obj).select_related("actor"):
        rows.append(
            {
                "at": e.at,
                "who": e.actor.display_name() if e.actor else gettext("系统"),
                "organisation": getattr(e.actor, "organisation", "") if e.actor else "",
                "action": gettext(ACTION_LABELS.get(e.action, e.action)),
                "reason": e.reason,
            }
        )
    return rows
