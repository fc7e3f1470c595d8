"""What the enterprise, official and public pages share: scoped loading, labels and the next step.

Region scope is enforced here by filtering querysets through portal.accounts.scope: an object
outside the user's scope is simply not found (404), whatever links the page did or did not show.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, gettext, gettext_noop

from portal.accounts.roles import OFFICIAL_ROLES, Role
from portal.accounts.scope import scope_enterprises
from portal.audit.record import trail
from portal.downloads import file_response

from .models import (
    Application,
    ApplicationState,
    Batch,
    ChangeReport,
    Evidence,
    Level,
    Recognition,
    RecognitionStatus,
    Tier,
)

S = ApplicationState

RESULT_TEMPLATE = "assessments/_result.html"

# Audit action names (without the "cultivation." prefix) → what a person reads in the timeline.
ACTION_LABELS = {
    "create_application": gettext_noop("创建申报"),
    "submit": gettext_noop("提交申报"),
    "withdraw": gettext_noop("撤回申报"),
    "return": gettext_noop("退回修改"),
    "reject": gettext_noop("不予通过"),
    "approve": gettext_noop("审核通过"),
    "close_notice": gettext_noop("公示期满"),
    "record_objection": gettext_noop("登记公示异议"),
    "dismiss_objection": gettext_noop("异议经核实不成立"),
    "uphold_objection": gettext_noop("异议成立，不予通过"),
    "recognise": gettext_noop("予以认定"),
    "attach_evidence": gettext_noop("上传佐证材料"),
    "remove_evidence": gettext_noop("删除佐证材料"),
    "issue_recognition": gettext_noop("颁发证书"),
    "expire_recognition": gettext_noop("有效期届满"),
    "revoke_recognition": gettext_noop("撤销认定"),
    "report_change": gettext_noop("报告重大变化"),
    "decide_change": gettext_noop("审核重大变化报告"),
    "open_batch": gettext_noop("开放申报批次"),
}

# Field names in action errors → the label on the page.
FIELD_LABELS = {
    "declaration_accepted": gettext_noop("真实性声明"),
    "evidence": gettext_noop("佐证材料"),
    "file": gettext_noop("文件"),
    "description": gettext_noop("说明"),
    "reason": gettext_noop("理由"),
    "text": gettext_noop("异议内容"),
    "resolution": gettext_noop("处理说明"),
    "outcome": gettext_noop("处理结果"),
    "note": gettext_noop("审核意见"),
    "kind": gettext_noop("变化类型"),
    "occurred_on": gettext_noop("变化发生日期"),
    "name": gettext_noop("批次名称"),
    "year": gettext_noop("年度"),
    "opens_on": gettext_noop("开始日期"),
    "closes_on": gettext_noop("截止日期"),
    "notice_days": gettext_noop("公示天数"),
    "review_level": gettext_noop("初审层级"),
    "tier": gettext_noop("层级"),
    "ruleset_id": gettext_noop("规则集"),
}


def today() -> dt.date:
    return timezone.localdate()


def is_official(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.role in OFFICIAL_ROLES


def require_official(user) -> None:
    if not is_official(user):
        raise PermissionDenied(gettext("此页面仅供主管部门工作人员使用。"))


def require_enterprise_user(user):
    """The signed-in enterprise user's enterprise, or 403 for anyone else."""
    if not (getattr(user, "is_authenticated", False) and user.role == Role.ENTERPRISE and user.enterprise_id):
        raise PermissionDenied(gettext("此页面仅供企业用户使用。请使用企业账户登录。"))
    return user.enterprise


def applications_for(user):
    """Applications this user may see at all: own enterprise, or the official's region.

    An official never sees an enterprise's unsubmitted draft.
    """
    qs = scope_enterprises(
        user, Application.objects.select_related("enterprise", "batch", "assessment"), "enterprise__"
    )
    return qs.exclude(state=S.DRAFT) if is_official(user) else qs


def get_application(user, pk: int) -> Application:
    return get_object_or_404(applications_for(user), pk=pk)


def evidence_for(user):
    qs = scope_enterprises(
        user, Evidence.objects.select_related("application__enterprise"), "application__enterprise__"
    )
    return qs.exclude(application__state=S.DRAFT) if is_official(user) else qs


def serve_evidence(request, pk: int):
    """Send one evidence file to a user in scope; everyone else gets 404 (existence is not revealed)."""
    user = request.user
    if not getattr(user, "is_authenticated", False):
        raise Http404
    if not (
        user.role == Role.ENTERPRISE or is_official(user) or user.role == Role.ADMIN or user.is_superuser
    ):
        raise Http404
    ev = get_object_or_404(evidence_for(user), pk=pk)
    return file_response(ev.file, ev.original_name, ev.content_type)


# ---------------------------------------------------------------- labels


def state_label(state: str) -> str:
    """An application, recognition or change-report state in words ('' stays '')."""
    for choices in (S, RecognitionStatus, ChangeReport.State):
        try:
            return gettext(choices(state).label)
        except ValueError:
            continue
    return state or ""


def level_label(level: str) -> str:
    try:
        return gettext(Level(level).label)
    except ValueError:
        return level


def tier_label(tier: str) -> str:
    try:
        return gettext(Tier(tier).label)
    except ValueError:
        return tier


def recognising_level(app: Application) -> str:
    return Level.NATIONAL if app.tier == Tier.LITTLE_GIANT else Level.PROVINCE


def first_review_level(app: Application) -> str:
    """Who decides a submitted application first: the batch's review level, province for 小巨人."""
    if app.tier == Tier.LITTLE_GIANT:
        return Level.PROVINCE
    return app.batch.review_level or Level.CITY


def enterprise_next_step(app: Application) -> str:
    """One plain sentence: what happens next and what the enterprise should do."""
    state = app.state
    if state == S.DRAFT and not app.batch.is_open(today()):
        return gettext("批次已于 %(date)s 截止，本草稿不能再提交。请在下一个批次开放后重新申报。") % {
            "date": app.batch.closes_on.isoformat()
        }
    if state == S.DRAFT:
        return gettext("下一步：上传佐证材料，阅读并勾选真实性声明后点击“提交申报”。")
    if state == S.SUBMITTED:
        return gettext("下一步：等待%(level)s主管部门审核。审核前如需修改，可以撤回。") % {
            "level": level_label(first_review_level(app))
        }
    if state == S.RETURNED:
        return gettext("下一步：按退回意见修改企业画像或佐证材料，然后重新提交。")
    if state == S.REJECTED:
        return gettext("本次申报未通过。可以在下一个申报批次重新申报。")
    if state == S.RECOMMENDED:
        return gettext("下一步：等待国家级主管部门审核。")
    if state == S.IN_NOTICE:
        return gettext("下一步：公示期满（%(date)s）且无异议后，由%(level)s主管部门认定。") % {
            "date": app.notice_ends or "",
            "level": level_label(recognising_level(app)),
        }
    if state == S.NOTICE_ENDED:
        return gettext("下一步：等待%(level)s主管部门认定。") % {"level": level_label(recognising_level(app))}
    if state == S.RECOGNISED:
        return gettext("已认定。可在“认定证书”页面查看证书和有效期。")
    if state == S.WITHDRAWN:
        return gettext("申报已撤回。需要时可以重新申报。")
    return ""


OFFICIAL_STEP = {
    "approve": gettext_noop("可以审核通过、退回修改或不予通过。"),
    "recognise": gettext_noop("公示期满，可以予以认定。"),
    "record_objection": gettext_noop("公示期间可以登记和处理异议。"),
}


def official_next_step(app: Application, allowed: list[str]) -> str:
    for key in ("approve", "recognise", "record_objection"):
        if key in allowed:
            return gettext(OFFICIAL_STEP[key])
    if app.state == S.SUBMITTED:
        return gettext("等待%(level)s主管部门审核。") % {"level": level_label(first_review_level(app))}
    if app.state == S.RECOMMENDED:
        return gettext("等待国家级主管部门审核。")
    if app.state in (S.IN_NOTICE, S.NOTICE_ENDED):
        return gettext("公示结束后由%(level)s主管部门认定。") % {"level": level_label(recognising_level(app))}
    return gettext("当前无需您操作。")


def action_text(action: str) -> str:
    key = action.removeprefix("cultivation.")
    return gettext(ACTION_LABELS[key]) if key in ACTION_LABELS else action


def timeline(obj) -> list[dict]:
    """The audit trail as rows a person can read: when, who, what, from → to, why."""
    rows = []
    for e in trail(obj).select_related("actor"):
        rows.append(
            {
                "at": e.at,
                "who": (e.actor.display_name() if e.actor else gettext("系统")),
                "organisation": getattr(e.actor, "organisation", "") if e.actor else "",
                "action": action_text(e.action),
                "from": state_label(e.from_state) if e.from_state else "",
                "to": state_label(e.to_state) if e.to_state else "",
                "reason": e.reason,
            }
        )
    return rows


def frozen_result(app: Application) -> dict | None:
    """The assessment frozen at submission, in the UI language."""
    if app.assessment_id is None:
        return None
    lang = get_language() or "zh-hans"
    try:
        from portal.assessments.display import result_for_display
    except ImportError:  # the assessments app's presenter is optional; the stored JSON also renders
        return app.assessment.result_in(lang)
    return result_for_display(app.assessment, lang)


def _json_bool(value):
    """A JSON boolean read as text by the database: 'true'/'false' (PostgreSQL) or 1/0 (SQLite)."""
    if value is None:
        return None
    return str(value).lower() in ("true", "1")


def _annotated_tier(app: Application) -> dict | None:
    """The applied tier's verdict annotated by views_official.with_frozen_summary, if it was."""
    if "frozen_label" not in app.__dict__:
        return None
    if app.frozen_label is None:
        return {}
    score = app.__dict__.get("score")
    return {
        "qualified": _json_bool(app.frozen_qualified),
        "unverified": _json_bool(app.frozen_unverified),
        "score": int(score) if score is not None and score == int(score) else score,
    }


def frozen_tier(app: Application) -> dict:
    """{'qualified': True/False/None, 'score': int|None} for the applied tier, from the frozen result."""
    tier = _annotated_tier(app)
    if tier is None:
        result = (app.assessment.result or {}).get("zh") if app.assessment_id else None
        tier = ((result or {}).get("tiers") or {}).get(app.tier) or {}
    qualified, unverified = tier.get("qualified"), bool(tier.get("unverified"))
    css = "pass" if qualified is True else ("fail" if qualified is False and not unverified else "unknown")
    return {
        "qualified": qualified,
        "score": tier.get("score"),
        "known": bool(tier),
        "unverified": unverified,
        "css": css,
        "label": qualified_label(qualified, unverified),
    }


def qualified_label(value, unverified: bool = False) -> str:
    if value is True:
        return gettext("达标")
    if value is False:
        return gettext("未达标（依据含待核实条款）") if unverified else gettext("未达标")
    return gettext("待核实")


def result_template_available() -> bool:
    try:
        get_template(RESULT_TEMPLATE)
    except TemplateDoesNotExist:
        return False
    return True


def region_name(code: str) -> str:
    from portal.assessments import engine

    found = engine.region(code or "")
    return found[0] if found else (code or "")


def procedure_terms(day: dt.date | None = None) -> dict:
    """The procedure periods of the measures in force on `day` (default today), for the pages.

    {recognition_years | change_report_months | notice_days: {value, unverified (grade C: 待核实), cite}}.
    """
    from portal.assessments import engine

    proc = engine.procedure_on(day or today())
    return {
        name: {"value": term.value, "unverified": term.unverified, "cite": term.clause.cite()}
        for name, term in proc.terms().items()
    }


def validity_unverified(rec) -> bool:
    """Whether a title's validity rests on a grade-C rule: that of the measures in force the day it was issued.

    The day it was decided is no later than the record's creation here (a renewal starts later) nor than its first
    day of validity (a title received through the exchange, or loaded from an older register, is created later)."""
    from portal.assessments import engine

    created = timezone.localdate(rec.created_at) if rec.created_at else rec.valid_from
    issued = min(created, rec.valid_from)
    return engine.procedure_on(issued).recognition_years.unverified


def ladder_note(rec, day: dt.date | None = None) -> str:
    """What a title in force is under measures whose ladder no longer has its tier ("" otherwise).

    Why: a 创新型 certificate of the 2022 measures stays valid after 2026-04-01, but the 2026 ladder names the rung
    科技和创新型; without a word the enterprise does not know that its title counts there (e.g. as the title held for
    专精特新) nor which batch renews it. The rung and the measures come from the rule data (`ladder`, the tier names).
    """
    from portal.assessments import engine

    from . import actions

    day = day or today()
    renewed = actions.RENEWED_BY.get(rec.tier)
    if renewed is None or rec.status != RecognitionStatus.ACTIVE or rec.valid_until < day:
        return ""
    try:
        rules = engine.rules_in_force(day)
    except engine.UnknownRuleSet:
        return ""
    if rec.tier in rules.ladder or renewed not in rules.ladder:
        return ""
    english = (get_language() or "").startswith("en")
    return gettext(
        "%(rules)s自 %(since)s 起施行，将有效期内的%(tier)s与科技型中小企业统称为“%(renewed)s”：本证书有效期内，"
        "持证企业即属于%(renewed)s（如申报专精特新中小企业时作为已获得的称号）；期满前请在“%(renewed)s”批次中申请复核。"
    ) % {
        "rules": rules.en if english else f"《{rules.zh}》",
        "since": rules.effective_from.isoformat(),
        "tier": Tier(rec.tier).label,
        "renewed": Tier(renewed).label,
    }


def url_or_empty(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def evidence_limit_label() -> str:
    limit = settings.ZJTX["EVIDENCE_MAX_BYTES"]
    mb = Decimal(limit) / Decimal(1024 * 1024)
    return f"{mb.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP).normalize():f} MB"


def field_label(field: str) -> str:
    return gettext(FIELD_LABELS[field]) if field in FIELD_LABELS else field


def error_text(exc) -> str:
    """ActionError (or OutOfScope) as one sentence, each field problem named by its label."""
    message = getattr(exc, "message", None) or str(exc)
    extra = []
    for field, text in getattr(exc, "problems", None) or []:
        if text.rstrip("。") in message:
            continue
        extra.append(f"{field_label(field)}：{text}" if field else text)
    return message + ("" if not extra else " " + "；".join(extra))


def show_error(request, exc) -> None:
    messages.error(request, error_text(exc))


def wan_yuan(value) -> str:
    """Yuan (exact JSON number) → 万元 text with at most 2 decimals; '—' when unknown."""
    if value is None or isinstance(value, bool):
        return "—"
    try:
        amount = Decimal(str(value)) / Decimal(10000)
    except ArithmeticError:
        return "—"
    return f"{amount.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,f}".rstrip("0").rstrip(".")


def percent(numerator, denominator) -> str:
    try:
        n, d = Decimal(str(numerator)), Decimal(str(denominator))
    except (ArithmeticError, TypeError, ValueError):
        return "—"
    if numerator is None or denominator is None or d == 0:
        return "—"
    return f"{(n * 100 / d).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


def profile_figures(profile: dict | None) -> list[tuple[str, str]]:
    """Key figures of a profile snapshot for a reviewer: latest fiscal year, IP, R&D, product."""
    if not profile:
        return []
    fin = profile.get("financials") or {}
    years = sorted((y for y in fin if str(y).isdigit()), reverse=True)
    rows: list[tuple[str, str]] = []
    rows.append((gettext("统一社会信用代码"), profile.get("credit_code") or "—"))
    rows.append((gettext("成立日期"), profile.get("established") or "—"))
    if years:
        y = years[0]
        cur = fin.get(y) or {}
        rows.append((gettext("最近年度"), y))
        rows.append((gettext("从业人员（人）"), str(cur.get("employees", "—"))))
        rows.append((gettext("营业收入（万元）"), wan_yuan(cur.get("revenue"))))
        rows.append((gettext("主营业务收入（万元）"), wan_yuan(cur.get("main_revenue"))))
        rows.append((gettext("研发费用（万元）"), wan_yuan(cur.get("rd_expense"))))
        rows.append((gettext("研发费用占营业收入比重"), percent(cur.get("rd_expense"), cur.get("revenue"))))
        rows.append((gettext("净利润（万元）"), wan_yuan(cur.get("net_profit"))))
        rows.append((gettext("资产负债率"), percent(cur.get("total_liabilities"), cur.get("total_assets"))))
        rows.append((gettext("研发人员（人）"), str(cur.get("rd_staff", "—"))))
    ip = profile.get("ip") or []
    patents = sum(1 for i in ip if isinstance(i, dict) and i.get("type") == "invention_patent")
    rows.append((gettext("知识产权（项）"), str(len(ip))))
    rows.append((gettext("其中发明专利（项）"), str(patents)))
    product = (profile.get("main_product") or {}).get("name")
    if product:
        rows.append((gettext("主导产品"), product))
    return rows


def covers(batch: Batch, region_code: str) -> bool:
    """True when the batch's organising region contains this county code ('' = national)."""
    from portal.accounts.roles import PREFIX_DIGITS

    try:
        digits = PREFIX_DIGITS[Role(batch.level)]
    except (ValueError, KeyError):
        digits = 6
    prefix = (batch.region_code or "")[:digits]
    return (region_code or "").startswith(prefix)


def open_batches_for(enterprise, tier: str | None = None) -> list[Batch]:
    day = today()
    qs = Batch.objects.filter(opens_on__lte=day, closes_on__gte=day).order_by("tier", "closes_on", "name")
    if tier:
        qs = qs.filter(tier=tier)
    return [b for b in qs if covers(b, enterprise.region)]


def recognition_status(rec, day: dt.date | None = None) -> tuple[str, str]:
    """(css class, Chinese text) of a title's real status today; an overdue 'active' row reads 已过期."""
    day = day or today()
    if rec.status == RecognitionStatus.REVOKED:
        when = timezone.localtime(rec.revoked_at).date() if rec.revoked_at else None
        text = gettext("已撤销")
        if when:
            text = gettext("已撤销（%(date)s）") % {"date": when.isoformat()}
        return "fail", text
    if rec.status == RecognitionStatus.EXPIRED or rec.valid_until < day:
        return "unknown", gettext("已过期（%(date)s 到期）") % {"date": rec.valid_until.isoformat()}
    if rec.valid_from > day:  # a re-review's certificate before the old one ends: not yet the one in force
        return "unknown", gettext("尚未生效（%(date)s 起有效）") % {"date": rec.valid_from.isoformat()}
    return "pass", gettext("有效")


def back(request, default: str, *args):
    """Redirect to the posted `next` when it is a path on this site under /cultivation/, else to `default`."""
    nxt = request.POST.get("next") or ""
    if nxt.startswith("/cultivation/") and url_has_allowed_host_and_scheme(
        nxt, allowed_hosts={request.get_host()}
    ):
        return redirect(nxt)
    return redirect(default, *args)


def recognitions_for(user):
    return scope_enterprises(
        user, Recognition.objects.select_related("enterprise", "application"), "enterprise__"
    )


def re_review_context(user, rec) -> dict:
    """Whether the enterprise may start a re-review now, the batches it could use, and one in progress."""
    from . import actions

    allowed = actions.allowed_recognition_actions(user, rec)
    pending = rec.re_reviews.exclude(state__in=[S.WITHDRAWN, S.REJECTED, S.RECOGNISED]).first()
    tiers = {rec.tier, actions.RENEWED_BY.get(rec.tier) or rec.tier}
    batches = []
    if "start_re_review" in allowed and pending is None:
        batches = [b for t in sorted(tiers) for b in open_batches_for(rec.enterprise, t)]
    return {
        "re_review": pending,
        "can_re_review": "start_re_review" in allowed and pending is None,
        "re_review_batches": batches,
        "can_report": "report_change" in allowed,
        "can_revoke": "revoke" in allowed,
        "can_decide": "decide_change" in allowed,
    }
