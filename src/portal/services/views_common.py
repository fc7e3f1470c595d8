"""What the service-network pages share: role gates, error display and labels."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext

from portal.accounts.roles import OFFICIAL_ROLES, Role
from portal.audit.record import trail

from .actions import membership_of

FIELD_LABELS = {
    "username": "用户名",
    "password": "密码",
    "full_name": "姓名",
    "name": "机构名称",
    "kind": "机构类型",
    "level": "所在层级",
    "region_code": "所在地区代码",
    "credit_code": "统一社会信用代码",
    "contact_name": "联系人",
    "contact_phone": "联系电话",
    "contact_email": "电子邮箱",
    "description": "简介或内容",
    "category": "类别",
    "title": "标题",
    "text": "内容",
    "urgency": "紧急程度",
    "price_band": "收费区间",
    "regions": "服务地区",
    "contact": "联系方式",
    "decision": "审核结论",
    "reason": "理由",
    "rating": "满意度",
    "comment": "评价",
    "version": "版本",
}

ACTION_LABELS = {
    "services.institution_registered": "申请入驻",
    "services.institution_approve": "审核通过",
    "services.institution_reject": "不予通过",
    "services.institution_suspend": "暂停",
    "services.institution_resubmitted": "修改后重新提交",
    "services.demand_posted": "提出诉求",
    "services.demand_answered": "回复",
    "services.demand_closed": "办结并评价",
    "services.demand_withdrawn": "撤回",
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
        f"{FIELD_LABELS.get(f, f)}：{m}" for f, m in getattr(exc, "problems", None) or [] if m not in message
    ]
    return message + ("" if not extra else " " + "；".join(extra))


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
