"""Every state change of the cultivation ladder: batches, applications, notice, recognitions.

Why one module of small functions: the pages, the API and the daily job must change an application
in exactly one way each. Every function here is atomic, checks region through portal.accounts.scope
and role/state through the workflow table (workflow.STEPS), claims the row optimistically on its
`version`, writes one audit row (from state, to state, reason) and notifies on commit. Errors are
portal.actions errors (or scope.OutOfScope) whose Chinese message names the object and the next step.
"""

from __future__ import annotations

import copy
import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from portal.accounts.models import User
from portal.accounts.roles import PREFIX_DIGITS, Role
from portal.accounts.scope import (
    OutOfScope,
    enterprise_in_scope,
    region_in_scope,
    require_enterprise,
    scope_enterprises,
)
from portal.actions import ActionError, InvalidInput, NotAllowed, StaleObject, claim, stale, too_long
from portal.assessments import engine
from portal.audit.record import record
from portal.enterprises.models import Enterprise
from portal.inbox.message import Label, Message, msg
from portal.inbox.message import label as choice_label
from portal.inbox.send import notify_enterprise, notify_user

from . import certificates, workflow
from .evidence import check_upload
from .models import (
    LIVE_STATES,
    Application,
    ApplicationKind,
    ApplicationState,
    Batch,
    ChangeKind,
    ChangeReport,
    Evidence,
    Objection,
    Recognition,
    RecognitionStatus,
    Tier,
)

S = ApplicationState
TOPIC = "cultivation"

DECLARATION_TRUTH = (
    "真实性声明：本企业郑重声明，本次申报填报的企业信息、财务数据和上传的佐证材料均真实、准确、完整，"
    "不存在虚假记载、误导性陈述或重大遗漏；如有不实，本企业愿承担相应法律责任，并接受撤销认定、"
    "一定期限内不再受理申报等处理。"
)
DECLARATION_COMPLIANCE = (
    "合规经营承诺：本企业依法合规经营，未被列入经营异常名录或严重失信主体名单，提供的产品（服务）"
    "不属于国家禁止、限制或淘汰类，近三年未发生重大安全（含网络安全、数据安全）、质量、环境污染等事故"
    "以及偷漏税等违法违规行为；有效期内发生更名、合并、重组、跨省迁移、设立境外分支机构等重大变化的，"
    "将在变化后 {months} 个月内如实报告。"
)


def declaration_text(day: dt.date | None = None) -> str:
    """The one text an enterprise signs at submission (stored with the application as signed).

    The change-report period is procedure data of the measures in force on `day` (criteria/*/procedure.yaml),
    so a text signed earlier keeps the period it was signed with.
    """
    months = engine.procedure_on(_today(day)).change_report_months.value
    return DECLARATION_TRUTH + "\n" + DECLARATION_COMPLIANCE.format(months=months)


# The 2026 measures call 创新型 and 科技型 together 科技和创新型; the profile document keeps `innovative`.
PROFILE_TIER = {Tier.TECH_INNOVATIVE.value: "innovative"}
# A recognition of the left tier is renewed through a batch of the right tier.
RENEWED_BY = {Tier.INNOVATIVE.value: Tier.TECH_INNOVATIVE.value}


def ladder_rungs() -> dict[str, int]:
    """Each tier's rung, from the measures' `ladder` in the rule data (创新型 of 2022 and 科技和创新型 of 2026 share the
    first): a title in force on a higher rung makes a new application on a lower one pointless."""
    reg = engine.registry()
    rungs: dict[str, int] = {}
    for rule_id in reg.ids():
        for rung, tier in enumerate(reg.get(rule_id).ladder or ()):
            rungs[tier] = max(rungs.get(tier, rung), rung)
    return rungs


ACTION_ORDER = (
    "attach_evidence",
    "remove_evidence",
    "submit",
    "withdraw",
    "approve",
    "return",
    "reject",
    "record_objection",
    "resolve_objection",
    "close_notice",
    "recognise",
)


# ---------------------------------------------------------------------------------------------- helpers


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def _url(name: str, pk) -> str:
    """A page link for the inbox; an action never fails because a URL is not routed (then: no link)."""
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return ""


def application_url(application) -> str:
    return _url("cultivation:application", application.pk)


def recognition_url(recognition) -> str:
    return _url("cultivation:recognition", recognition.pk)


def _tier_param(tier: str) -> Label | str:
    """The tier for an inbox message: translated when shown (an unknown code as is)."""
    try:
        return choice_label(Tier(tier).label)
    except ValueError:
        return tier


def _tier(tier: str) -> str:
    """The tier's name in the page's language, for error messages."""
    try:
        return str(Tier(tier).label)
    except ValueError:
        return tier


def _level(level: str) -> str:
    """A workflow level ("市级主管部门") in the page's language."""
    return gettext(workflow.level_name(level))


def _region_name(code: str) -> str:
    if not code:
        return gettext("全国")
    hit = engine.region(code)
    return hit[0] if hit else code


def _require_login(actor) -> None:
    if not getattr(actor, "is_authenticated", False):
        raise NotAllowed(gettext("请先登录，再办理申报事项。"))


def _who(actor) -> str:
    try:
        return str(Role(actor.role).label)
    except ValueError:
        return actor.role


def _require_enterprise_user(actor, enterprise, doing: str) -> None:
    require_enterprise(actor, enterprise)
    if not (actor.role == Role.ENTERPRISE and actor.enterprise_id == enterprise.pk):
        raise NotAllowed(
            gettext("%(who)s不能%(doing)s：此操作只能由企业“%(enterprise)s”的用户办理。")
            % {"who": _who(actor), "doing": doing, "enterprise": enterprise.name}
        )


REASON_MAX = 2000  # the forms' maxlength; a browser counts a line break as one character, the post holds two


def _text(text: str, field: str) -> str:
    """A reason or note as typed (line breaks as one character), refused over REASON_MAX: the page cut it before,
    and the enterprise read half a sentence."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(text) > REASON_MAX:
        raise too_long(gettext("理由或说明"), text, REASON_MAX, field, gettext("理由或说明"))
    return text


def _reason(reason: str, field: str, message: str) -> str:
    text = _text(reason, field)
    if not text:
        raise InvalidInput(message, [(field, message.rstrip("。"))])
    return text


def _officials(level: str, region: str) -> list[User]:
    """Active officials of `level` whose region holds the 6-digit `region`."""
    return [
        u
        for u in User.objects.filter(role=level, is_active=True).order_by("pk")
        if region_in_scope(u, region)
    ]


def _notify_officials(level: str, region: str, title: Message, body: Message, url: str) -> None:
    for user in _officials(level, region):
        notify_user(user, title, body, url=url, topic=TOPIC)


def _notify(application, title: Message, body: Message | str = "") -> None:
    notify_enterprise(application.enterprise, title, body, url=application_url(application), topic=TOPIC)


def _load(application) -> Application:
    """The row as it is now, locked for this transaction (PostgreSQL; SQLite writes one at a time)."""
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("enterprise", "batch", "renews")
        .get(pk=application.pk)
    )


def _label(application) -> str:
    return gettext("申报“%(application)s”") % {"application": application}


def _doing(action: str, label: str, app: Application) -> str:
    """The phrase for messages: 审核通过并公示申报“X” (a verb on the application) or 为申报“X”上传佐证材料."""
    values = {"application": _label(app), "action": str(label)}
    if action in workflow.FOR_APPLICATION:
        return gettext("为%(application)s%(action)s") % values
    return gettext("%(action)s%(application)s") % values


def _authorise(actor, app: Application, action: str, expected_version: int | None = None) -> workflow.Step:
    """Region (OutOfScope), version (StaleObject), then role and state from the workflow table (NotAllowed)."""
    _require_login(actor)
    require_enterprise(actor, app.enterprise)
    if expected_version is not None and app.version != expected_version:
        raise stale(_label(app), expected_version)
    steps = workflow.steps_for(action, app.tier)
    step = workflow.step_for(action, app)
    label = (step or steps[0]).label
    if not any(workflow.role_fits(actor, s, app) for s in steps):
        who = gettext("、").join(dict.fromkeys(_level(workflow.level_of(s, app)) for s in steps))
        raise NotAllowed(
            gettext("%(who)s不能%(doing)s：此操作由%(level)s办理。")
            % {"who": _who(actor), "doing": _doing(action, label, app), "level": who}
        )
    if step is None:
        raise NotAllowed(
            gettext("%(application)s当前状态为“%(state)s”，不能%(action)s。")
            % {"application": _label(app), "state": app.get_state_display(), "action": str(label)}
            + workflow.state_hint(app)
        )
    if not workflow.role_fits(actor, step, app):
        level = _level(workflow.level_of(step, app))
        raise NotAllowed(
            gettext("%(who)s不能%(doing)s：当前步骤由%(level)s办理。")
            % {"who": _who(actor), "doing": _doing(action, label, app), "level": level}
        )
    return step


def _move(
    actor,
    app: Application,
    step: workflow.Step,
    expected_version: int,
    action: str,
    *,
    reason: str = "",
    changes: dict | None = None,
    **data,
) -> None:
    """Claim the row into step.to_state and write the audit row."""
    from_state = app.state
    now = timezone.now()
    claim(app, expected_version, _label(app), state=str(step.to_state), updated_at=now, **(changes or {}))
    record(
        actor,
        f"cultivation.{action}",
        app,
        from_state=from_state,
        to_state=app.state,
        reason=reason,
        region_code=app.enterprise.region,
        **data,
    )


def _batch_covers(batch: Batch, region: str) -> bool:
    prefix = batch.region_code[: PREFIX_DIGITS[Role(batch.level)]]
    return region.startswith(prefix)


def _tier_offered(tier: str, day: dt.date) -> tuple[bool, str]:
    """Whether the measures in force on `day` have this tier, and a sentence saying what to do instead."""
    try:
        rules = engine.rules_in_force(day)
    except engine.UnknownRuleSet:
        return False, gettext("%(day)s 没有施行中的梯度培育办法。") % {"day": day.isoformat()}
    if tier in rules.ladder:
        return True, ""
    hint = ""
    if tier == Tier.INNOVATIVE and Tier.TECH_INNOVATIVE in rules.ladder:
        hint = gettext("2026 年 4 月 1 日起请申报“科技和创新型中小企业”。")
    elif tier == Tier.TECH_INNOVATIVE and Tier.INNOVATIVE in rules.ladder:
        hint = gettext("2026 年 4 月 1 日前请申报“创新型中小企业”。")
    title = rules.en if (translation.get_language() or "").startswith("en") else f"《{rules.zh}》"
    why = gettext("%(day)s 施行的%(rules)s不设“%(tier)s”层级。") % {
        "day": day.isoformat(),
        "rules": title,
        "tier": _tier(tier),
    }
    return False, why + hint


def _holds(enterprise: Enterprise, tier: str, day: dt.date) -> bool:
    """An active title of `tier` on `day`: a Recognition row or an entry of the profile's `recognitions`."""
    if Recognition.objects.filter(
        enterprise=enterprise,
        tier=tier,
        status=RecognitionStatus.ACTIVE,
        valid_from__lte=day,
        valid_until__gte=day,
    ).exists():
        return True
    iso = day.isoformat()
    ptier = PROFILE_TIER.get(tier, tier)
    for item in (enterprise.profile or {}).get("recognitions") or []:
        if (
            isinstance(item, dict)
            and item.get("tier") == ptier
            and str(item.get("since", "9999")) <= iso <= str(item.get("until", ""))
        ):
            return True
    return False


def _tier_qualified(assessment, tier: str):
    tiers = ((assessment.result or {}).get("zh") or {}).get("tiers") or {}
    return (tiers.get(tier) or {}).get("qualified")


# ---------------------------------------------------------------------------------------------- batches


def open_batch(
    actor,
    *,
    tier: str,
    year: int,
    name: str,
    opens_on: dt.date,
    closes_on: dt.date,
    notice_days: int | None = None,
    review_level: str = "city",
    ruleset_id: str = "",
) -> Batch:
    """Open an annual batch for the actor's region: provinces for the ordinary tiers, the nation for 小巨人.

    `notice_days` (公示天数) defaults to the procedure data of the measures in force on `opens_on`.
    """
    _require_login(actor)
    if getattr(actor, "is_official", False) and actor.region_prefix is None:
        raise NotAllowed(
            gettext("您的账户没有设置所属地区，不能开放申报批次；请联系平台管理员在管理后台填写地区代码。")
        )
    if tier not in Tier.values:
        raise InvalidInput(
            gettext("未知的申报层级“%(tier)s”，请从列表中选择。") % {"tier": tier},
            [("tier", gettext("请从列表中选择申报层级"))],
        )
    opener = workflow.BATCH_OPENER[tier]
    if actor.role != opener:
        raise NotAllowed(
            gettext("%(who)s不能开放“%(tier)s”申报批次：此类批次由%(level)s开放。")
            % {"who": _who(actor), "tier": _tier(tier), "level": _level(opener)}
        )
    name = (name or "").strip()
    problems: list[tuple[str, str]] = []
    if not name:
        problems.append(("name", gettext("请填写批次名称")))
    elif len(name) > 200:
        problems.append(("name", gettext("批次名称不能超过 200 个字")))
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        problems.append(("year", gettext("年度须为 2000 至 2100 之间的年份")))
    dates_ok = isinstance(opens_on, dt.date) and isinstance(closes_on, dt.date)
    if not isinstance(opens_on, dt.date):
        problems.append(("opens_on", gettext("请填写开始日期")))
    if not isinstance(closes_on, dt.date):
        problems.append(("closes_on", gettext("请填写截止日期")))
    if dates_ok and closes_on < opens_on:
        problems.append(("closes_on", gettext("截止日期不能早于开始日期")))
    if notice_days is None and isinstance(opens_on, dt.date):
        notice_days = engine.procedure_on(opens_on).notice_days.value
    if isinstance(notice_days, bool) or not isinstance(notice_days, int) or not 1 <= notice_days <= 30:
        problems.append(("notice_days", gettext("公示天数须为 1 至 30 天")))
    if tier in workflow.GIANT:
        review_level = workflow.PROVINCE  # the province reviews and recommends 小巨人
    elif review_level not in workflow.REVIEW_LEVELS:
        problems.append(("review_level", gettext("初审层级须为县级、市级或省级")))
    ruleset_id = (ruleset_id or "").strip()
    if ruleset_id:
        try:
            rules = engine.ruleset(ruleset_id)
            if tier not in rules.tiers:
                problems.append(
                    (
                        "ruleset_id",
                        gettext("规则集“%(rules)s”不设“%(tier)s”层级")
                        % {"rules": ruleset_id, "tier": _tier(tier)},
                    )
                )
        except engine.UnknownRuleSet:
            problems.append(
                ("ruleset_id", gettext("未知的规则集“%(rules)s”，请从列表中选择") % {"rules": ruleset_id})
            )
    if dates_ok:
        offered, why = _tier_offered(tier, opens_on)
        if not offered:
            problems.append(("tier", why.rstrip("。")))
    if problems:
        raise InvalidInput(
            gettext("申报批次“%(name)s”有 %(n)s 处需要修改，改好后再开放。")
            % {"name": name or gettext("（未命名）"), "n": len(problems)},
            problems,
        )
    with transaction.atomic():
        batch = Batch.objects.create(
            tier=tier,
            year=year,
            name=name,
            level=actor.role,
            region_code=actor.region_code,
            review_level=review_level,
            opens_on=opens_on,
            closes_on=closes_on,
            notice_days=notice_days,
            ruleset_id=ruleset_id,
            created_by=actor,
        )
        record(
            actor,
            "cultivation.open_batch",
            batch,
            to_state="open",
            region_code=actor.region_code,
            tier=tier,
            year=year,
            opens_on=opens_on.isoformat(),
            closes_on=closes_on.isoformat(),
            review_level=review_level,
            notice_days=notice_days,
            ruleset_id=ruleset_id,
        )
    return batch


# ---------------------------------------------------------------------------------------------- applications


def renewal_of(rec: Recognition) -> Recognition | None:
    """The title in force that a recognised re-review of `rec` issued, if any.

    Why: the old certificate stays active until its last day, so without this a second re-review of the same
    title could be opened and recognised, giving the enterprise two overlapping renewed certificates.
    """
    return (
        Recognition.objects.filter(application__renews=rec, status=RecognitionStatus.ACTIVE)
        .order_by("-valid_until", "-pk")
        .first()
    )


def _check_renewal(enterprise: Enterprise, batch: Batch, renews: Recognition) -> None:
    if renews.enterprise_id != enterprise.pk:
        raise NotAllowed(
            gettext("认定“%(certificate)s”不属于企业“%(enterprise)s”，不能据此申请复核。")
            % {"certificate": renews.certificate_no, "enterprise": enterprise.name}
        )
    if renews.status != RecognitionStatus.ACTIVE:
        raise NotAllowed(
            gettext("认定“%(certificate)s”%(status)s，不能申请复核；如仍符合条件，请按新申请办理。")
            % {"certificate": renews.certificate_no, "status": renews.get_status_display()}
        )
    if batch.tier not in (renews.tier, RENEWED_BY.get(renews.tier)):
        raise NotAllowed(
            gettext("批次“%(batch)s”受理“%(tier)s”申报，不能用于复核“%(renews)s”认定；请选择对应层级的批次。")
            % {"batch": batch.name, "tier": _tier(batch.tier), "renews": _tier(renews.tier)}
        )
    renewal = renewal_of(renews)
    if renewal is not None:
        raise NotAllowed(
            gettext(
                "认定“%(certificate)s”已经复核通过（新证书编号 %(new)s，有效期 %(from)s 至 %(until)s），"
                "不能再次申请复核。"
            )
            % {
                "certificate": renews.certificate_no,
                "new": renewal.certificate_no,
                "from": renewal.valid_from.isoformat(),
                "until": renewal.valid_until.isoformat(),
            }
        )


def _check_higher_title(enterprise: Enterprise, tier: str, today: dt.date) -> None:
    """Refuse a new application below a title the platform issued that is still in force.

    Why: a 小巨人 (or 专精特新) enterprise is already counted on the lower rungs; a county official would turn
    such an application away, naming the title held, rather than review and recognise it again.
    """
    rungs = ladder_rungs()
    if tier not in rungs:
        return
    higher = [t for t, rung in rungs.items() if rung > rungs[tier]]
    held = (
        Recognition.objects.filter(
            enterprise=enterprise, tier__in=higher, status=RecognitionStatus.ACTIVE, valid_until__gte=today
        )
        .order_by("-valid_until", "-pk")
        .first()
    )
    if held is None:
        return
    raise NotAllowed(
        gettext(
            "企业“%(enterprise)s”持有有效期内的“%(tier)s”认定（证书编号 %(certificate)s，有效期 %(from)s 至 "
            "%(until)s），层级高于“%(applied)s”，无需再申报较低层级；请在该认定期满前申请复核。"
        )
        % {
            "enterprise": enterprise.name,
            "tier": _tier(held.tier),
            "certificate": held.certificate_no,
            "from": held.valid_from.isoformat(),
            "until": held.valid_until.isoformat(),
            "applied": _tier(tier),
        }
    )


def create_application(actor, enterprise, batch, *, renews=None, today: dt.date | None = None) -> Application:
    """Start a draft in an open batch: one live application per enterprise and tier."""
    today = _today(today)
    _require_login(actor)
    _require_enterprise_user(actor, enterprise, gettext("发起申报"))
    with transaction.atomic():
        enterprise = Enterprise.objects.get(pk=enterprise.pk)
        batch = Batch.objects.get(pk=batch.pk)
        if not batch.is_open(today):
            raise NotAllowed(
                gettext(
                    "批次“%(batch)s”的申报时间为 %(opens)s 至 %(closes)s，今天（%(today)s）不在申报期内，"
                    "请选择正在开放的批次或等待下一批次。"
                )
                % {
                    "batch": batch.name,
                    "opens": batch.opens_on.isoformat(),
                    "closes": batch.closes_on.isoformat(),
                    "today": today.isoformat(),
                }
            )
        if not _batch_covers(batch, enterprise.region):
            raise NotAllowed(
                gettext(
                    "批次“%(batch)s”只受理%(area)s的企业，企业“%(enterprise)s”注册在%(region)s，请选择本地的批次。"
                )
                % {
                    "batch": batch.name,
                    "area": _region_name(batch.region_code),
                    "enterprise": enterprise.name,
                    "region": _region_name(enterprise.region),
                }
            )
        offered, why = _tier_offered(batch.tier, today)
        if not offered:
            raise NotAllowed(
                gettext("批次“%(batch)s”不能再受理申报：%(why)s") % {"batch": batch.name, "why": why}
            )
        if renews is not None:
            renews = Recognition.objects.get(pk=renews.pk)
            _check_renewal(enterprise, batch, renews)
        live = Application.objects.filter(
            enterprise=enterprise, tier=batch.tier, state__in=LIVE_STATES
        ).first()
        duplicate = gettext(
            "企业“%(enterprise)s”已有一份进行中的“%(tier)s”申报，同一层级同一时间只能有一份；"
            "请继续办理该申报，或先撤回后再新建。"
        ) % {"enterprise": enterprise.name, "tier": _tier(batch.tier)}
        if live is not None:
            raise NotAllowed(duplicate)
        # A title of this tier still in force (or one this tier renews, 创新型 → 科技和创新型) is kept by a
        # re-review (复核) near its end, not by applying again. Only certificates the platform issued count:
        # a title declared in the profile has no certificate here to re-review.
        held = renews is None and (
            Recognition.objects.filter(
                enterprise=enterprise,
                tier__in=[t for t in Tier.values if batch.tier in (t, RENEWED_BY.get(t))],
                status=RecognitionStatus.ACTIVE,
                valid_until__gte=today,
            )
            .order_by("-valid_until", "-pk")
            .first()
        )
        if held:
            raise NotAllowed(
                gettext(
                    "企业“%(enterprise)s”持有有效期内的“%(tier)s”认定（证书编号 %(certificate)s，有效期至 "
                    "%(until)s），不能再新申报“%(applied)s”。认定期满前可申请复核：在有效期最后一年"
                    "（%(start)s 起）或到期当年的批次中开放。"
                )
                % {
                    "enterprise": enterprise.name,
                    "tier": _tier(held.tier),
                    "certificate": held.certificate_no,
                    "until": held.valid_until.isoformat(),
                    "applied": _tier(batch.tier),
                    "start": certificates.last_year_starts(held.valid_until).isoformat(),
                }
            )
        if renews is None:
            _check_higher_title(enterprise, batch.tier, today)
        if (
            batch.tier == Tier.LITTLE_GIANT
            and renews is None
            and not _holds(enterprise, Tier.SPECIALIZED, today)
        ):
            raise NotAllowed(
                gettext(
                    "企业“%(enterprise)s”没有有效期内的专精特新中小企业认定，不能申报专精特新“小巨人”企业；"
                    "请先取得省级专精特新中小企业认定。"
                )
                % {"enterprise": enterprise.name}
            )
        kind = ApplicationKind.RE_REVIEW if renews is not None else ApplicationKind.NEW
        try:
            with transaction.atomic():
                app = Application.objects.create(
                    enterprise=enterprise,
                    batch=batch,
                    tier=batch.tier,
                    kind=kind,
                    renews=renews,
                    state=S.DRAFT,
                )
        except IntegrityError:  # a concurrent request created one first
            raise NotAllowed(duplicate) from None
        record(
            actor,
            "cultivation.create_application",
            app,
            to_state=S.DRAFT,
            region_code=enterprise.region,
            batch=batch.pk,
            kind=str(kind),
            renews=renews.pk if renews else None,
        )
        _notify(
            app,
            msg(
                gettext_noop("已创建复核申报草稿：%(tier)s")
                if renews
                else gettext_noop("已创建申报草稿：%(tier)s"),
                tier=_tier_param(app.tier),
            ),
            msg(
                gettext_noop("批次“%(batch)s”，申报截止 %(closes)s。请上传佐证材料并在截止前提交。"),
                batch=batch.name,
                closes=batch.closes_on.isoformat(),
            ),
        )
    return app


def attach_evidence(actor, application, uploaded_file, *, description: str = "") -> Evidence:
    """Store a checked upload (PDF/JPEG/PNG by content) under a random name; drafts and returned ones only."""
    description = (description or "").strip()
    if len(description) > 200:
        raise InvalidInput(
            gettext("材料说明不能超过 200 个字，请精简后再上传。"),
            [("description", gettext("材料说明不能超过 200 个字"))],
        )
    with transaction.atomic():
        app = _load(application)
        _authorise(actor, app, "attach_evidence")  # who may upload is decided before the file is judged
        checked = check_upload(uploaded_file)
        evidence = Evidence(
            application=app,
            original_name=checked.original_name,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            description=description,
            uploaded_by=actor,
        )
        evidence.file.save(checked.stored_name(), uploaded_file, save=False)
        try:
            evidence.save()
            record(
                actor,
                "cultivation.attach_evidence",
                app,
                from_state=app.state,
                to_state=app.state,
                region_code=app.enterprise.region,
                evidence=evidence.pk,
                file=checked.original_name,
                sha256=checked.sha256,
                size=checked.size,
                content_type=checked.content_type,
            )
        except Exception:
            evidence.file.storage.delete(evidence.file.name)
            raise
    return evidence


def remove_evidence(actor, evidence) -> None:
    """Delete a document from a draft or returned application; the file goes when the deletion commits."""
    with transaction.atomic():
        evidence = Evidence.objects.get(pk=evidence.pk)
        app = _load(evidence.application)
        _authorise(actor, app, "remove_evidence")
        storage, name = evidence.file.storage, evidence.file.name
        record(
            actor,
            "cultivation.remove_evidence",
            app,
            from_state=app.state,
            to_state=app.state,
            region_code=app.enterprise.region,
            evidence=evidence.pk,
            file=evidence.original_name,
            sha256=evidence.sha256,
        )
        evidence.delete()
        transaction.on_commit(lambda: storage.delete(name))


def submit_application(
    actor, application, *, expected_version: int, declaration_accepted: bool, today: dt.date | None = None
) -> Application:
    """DRAFT/RETURNED → SUBMITTED: signs the declaration, freezes the profile and its assessment."""
    from portal.assessments.actions import run_assessment

    today = _today(today)
    with transaction.atomic():
        app = _load(application)
        step = _authorise(actor, app, "submit", expected_version)
        if declaration_accepted is not True:
            raise InvalidInput(
                gettext("提交%(application)s前，请阅读并勾选真实性声明和合规经营承诺。")
                % {"application": _label(app)},
                [("declaration_accepted", gettext("请阅读并勾选真实性声明和合规经营承诺"))],
            )
        if app.state == S.DRAFT and not app.batch.is_open(today):
            raise NotAllowed(
                gettext("批次“%(batch)s”已于 %(closes)s 截止，%(application)s不能再提交；请等待下一批次。")
                % {
                    "batch": app.batch.name,
                    "closes": app.batch.closes_on.isoformat(),
                    "application": _label(app),
                }
            )
        if not app.evidence.exists():
            raise InvalidInput(
                gettext("%(application)s还没有佐证材料，请至少上传一份 PDF/JPEG/PNG 文件后再提交。")
                % {"application": _label(app)},
                [("evidence", gettext("请至少上传一份佐证材料"))],
            )
        enterprise = Enterprise.objects.select_for_update().get(pk=app.enterprise_id)
        snapshot = copy.deepcopy(enterprise.profile)
        is_review = app.kind == ApplicationKind.RE_REVIEW
        # A batch naming its rule set decides; otherwise the measures in force today, save the re-reviews that the
        # transition data (`review_under:`) keeps under an older standard (2026 little-giant re-reviews: 2022).
        rules = app.batch.ruleset_id or (
            engine.review_rules(app.tier, app.batch.year, today) if is_review else None
        )
        try:
            assessment = run_assessment(actor, enterprise, as_of=today, rules=rules, is_review=is_review)
        except InvalidInput as exc:
            raise InvalidInput(
                gettext("%(application)s未能提交：%(problem)s请在“企业画像”中改好后再提交。")
                % {"application": _label(app), "problem": exc.message},
                exc.problems,
            ) from None
        qualified = _tier_qualified(assessment, app.tier)
        now = timezone.now()
        _move(
            actor,
            app,
            step,
            expected_version,
            "submit",
            changes={
                "profile_snapshot": snapshot,
                "assessment": assessment,
                "declaration_text": declaration_text(today),
                "declaration_signed_by": actor,
                "declaration_signed_at": now,
                "submitted_at": now,
            },
            assessment=assessment.pk,
            ruleset=assessment.ruleset_id,
            qualified=qualified,
            evidence_count=app.evidence.count(),
        )
        review = app.batch.review_level if app.tier in workflow.ORDINARY else workflow.PROVINCE
        verdict = msg(
            {
                True: gettext_noop("自评结果：符合"),
                False: gettext_noop("自评结果：暂不符合（仍可提交，由主管部门审核决定）"),
            }.get(qualified, gettext_noop("自评结果：部分指标待核实"))
        )
        tier = _tier_param(app.tier)
        _notify(
            app,
            msg(gettext_noop("申报已提交：%(tier)s"), tier=tier),
            msg(
                gettext_noop("%(verdict)s。请等待%(level)s审核。"),
                verdict=verdict,
                level=choice_label(workflow.level_name(review)),
            ),
        )
        _notify_officials(
            review,
            enterprise.region,
            msg(gettext_noop("新的待审申报：%(enterprise)s"), enterprise=enterprise.name),
            msg(
                gettext_noop("%(tier)s（%(batch)s）。%(verdict)s。"),
                tier=tier,
                batch=app.batch.name,
                verdict=verdict,
            ),
            application_url(app),
        )
    return app


def withdraw_application(actor, application, *, expected_version: int, reason: str = "") -> Application:
    with transaction.atomic():
        app = _load(application)
        step = _authorise(actor, app, "withdraw", expected_version)
        reason = _text(reason, "reason")
        _move(actor, app, step, expected_version, "withdraw", reason=reason)
        _notify(app, msg(gettext_noop("申报已撤回：%(tier)s"), tier=_tier_param(app.tier)), reason)
    return app


def return_application(actor, application, *, expected_version: int, reason: str) -> Application:
    """Back to the enterprise for correction; the reason tells them what to fix."""
    with transaction.atomic():
        app = _load(application)
        step = _authorise(actor, app, "return", expected_version)
        reason = _reason(reason, "reason", gettext("请填写退回理由，写明企业需要修改或补充的内容。"))
        _move(
            actor,
            app,
            step,
            expected_version,
            "return",
            reason=reason,
            changes={"decided_at": timezone.now(), "last_reason": reason},
        )
        _notify(
            app,
            msg(gettext_noop("申报被退回修改：%(tier)s"), tier=_tier_param(app.tier)),
            msg(gettext_noop("退回理由：%(reason)s。请修改后重新提交。"), reason=reason),
        )
    return app


def reject_application(actor, application, *, expected_version: int, reason: str) -> Application:
    with transaction.atomic():
        app = _load(application)
        step = _authorise(actor, app, "reject", expected_version)
        reason = _reason(reason, "reason", gettext("请填写不予通过的理由。"))
        _move(
            actor,
            app,
            step,
            expected_version,
            "reject",
            reason=reason,
            changes={"decided_at": timezone.now(), "last_reason": reason},
        )
        _notify(
            app,
            msg(gettext_noop("申报未通过：%(tier)s"), tier=_tier_param(app.tier)),
            msg(gettext_noop("理由：%(reason)s"), reason=reason),
        )
    return app


def approve_application(
    actor, application, *, expected_version: int, reason: str = "", today: dt.date | None = None
) -> Application:
    """SUBMITTED → IN_NOTICE (or, for 小巨人 at the province, → RECOMMENDED; then national → IN_NOTICE)."""
    today = _today(today)
    with transaction.atomic():
        app = _load(application)
        step = _authorise(actor, app, "approve", expected_version)
        reason = _text(reason, "reason")
        changes = {"decided_at": timezone.now(), "last_reason": reason}
        if step.to_state == S.IN_NOTICE:
            changes["notice_starts"] = today
            changes["notice_ends"] = today + dt.timedelta(days=app.batch.notice_days - 1)
        _move(actor, app, step, expected_version, "approve", reason=reason, changes=changes)
        if app.state == S.RECOMMENDED:
            _notify(
                app,
                msg(gettext_noop("申报已通过省级审核并推荐：%(tier)s"), tier=_tier_param(app.tier)),
                msg(gettext_noop("请等待国家级主管部门审核。")),
            )
            _notify_officials(
                workflow.NATIONAL,
                app.enterprise.region,
                msg(gettext_noop("新的推荐申报：%(enterprise)s"), enterprise=app.enterprise.name),
                msg(
                    gettext_noop("%(tier)s（%(batch)s），省级已推荐。"),
                    tier=_tier_param(app.tier),
                    batch=app.batch.name,
                ),
                application_url(app),
            )
        else:
            _notify(
                app,
                msg(gettext_noop("申报已通过审核，进入公示：%(tier)s"), tier=_tier_param(app.tier)),
                msg(
                    gettext_noop("公示期 %(starts)s 至 %(ends)s；公示期满无异议后予以认定。"),
                    starts=app.notice_starts.isoformat(),
                    ends=app.notice_ends.isoformat(),
                ),
            )
    return app


def bulk_approve(
    actor, items: list[tuple[Application, int]], *, reason: str = "", today: dt.date | None = None
) -> list[tuple[Application, bool, str]]:
    """Approve many, each in its own transaction (savepoint): one failure never stops the others."""
    results: list[tuple[Application, bool, str]] = []
    for application, version in items:
        try:
            app = approve_application(
                actor, application, expected_version=version, reason=reason, today=today
            )
        except ActionError as exc:
            results.append((application, False, exc.message))
            continue
        except OutOfScope as exc:
            results.append((application, False, str(exc)))
            continue
        if app.state == S.RECOMMENDED:
            results.append(
                (
                    app,
                    True,
                    gettext("%(application)s已审核通过并推荐至国家级主管部门。")
                    % {"application": _label(app)},
                )
            )
        else:
            results.append(
                (
                    app,
                    True,
                    gettext("%(application)s已审核通过，公示期 %(start)s 至 %(end)s。")
                    % {
                        "application": _label(app),
                        "start": app.notice_starts.isoformat(),
                        "end": app.notice_ends.isoformat(),
                    },
                )
            )
    return results


# ---------------------------------------------------------------------------------------------- notice


def record_objection(actor, application, *, objector: str, text: str) -> Objection:
    """Register an objection received during 公示; the notice cannot end while it is unresolved."""
    with transaction.atomic():
        app = _load(application)
        _authorise(actor, app, "record_objection")
        text = _reason(text, "text", gettext("请填写异议内容。"))
        objector = (objector or "").strip()[:200]
        objection = Objection.objects.create(application=app, objector=objector, text=text, recorded_by=actor)
        record(
            actor,
            "cultivation.record_objection",
            app,
            from_state=app.state,
            to_state=app.state,
            reason=text,
            region_code=app.enterprise.region,
            objection=objection.pk,
            objector=objector,
        )
        _notify(
            app,
            msg(gettext_noop("公示期间收到异议：%(tier)s"), tier=_tier_param(app.tier)),
            msg(gettext_noop("主管部门正在核实，核实结果将另行通知。")),
        )
    return objection


def _close(actor, app: Application) -> None:
    step = workflow.step_for("close_notice", app)
    reason = f"公示期 {app.notice_starts.isoformat()} 至 {app.notice_ends.isoformat()} 已满，无未处理的异议"
    _move(actor, app, step, app.version, "close_notice", reason=reason)
    recogniser = workflow.RECOGNISER[app.tier]
    tier = _tier_param(app.tier)
    _notify(
        app,
        msg(gettext_noop("公示期满：%(tier)s"), tier=tier),
        msg(gettext_noop("请等待%(level)s认定。"), level=choice_label(workflow.level_name(recogniser))),
    )
    _notify_officials(
        recogniser,
        app.enterprise.region,
        msg(gettext_noop("公示期满，待认定：%(enterprise)s"), enterprise=app.enterprise.name),
        msg(gettext_noop("%(tier)s（%(batch)s）。"), tier=tier, batch=app.batch.name),
        application_url(app),
    )


def resolve_objection(
    actor, objection, *, outcome: str, resolution: str, today: dt.date | None = None
) -> Objection:
    """Upheld → the application is rejected with the resolution as reason; dismissed → the notice goes on."""
    today = _today(today)
    with transaction.atomic():
        objection = Objection.objects.get(pk=objection.pk)
        app = _load(objection.application)
        _authorise(actor, app, "resolve_objection")
        if outcome not in Objection.Outcome.values:
            raise InvalidInput(
                gettext("请选择异议处理结果：异议成立或异议不成立。"),
                [("outcome", gettext("请选择异议处理结果"))],
            )
        resolution = _reason(resolution, "resolution", gettext("请填写异议处理说明。"))
        now = timezone.now()
        done = Objection.objects.filter(pk=objection.pk, outcome="").update(
            outcome=outcome, resolution=resolution, resolved_by=actor, resolved_at=now
        )
        if done != 1:
            raise StaleObject(
                gettext("对%(application)s的异议（%(day)s 登记）已由他人处理，请刷新页面查看处理结果。")
                % {"application": _label(app), "day": f"{timezone.localtime(objection.recorded_at):%Y-%m-%d}"}
            )
        objection.refresh_from_db()
        if outcome == Objection.Outcome.UPHELD:
            step = workflow.step_for("uphold_objection", app)
            _move(
                actor,
                app,
                step,
                app.version,
                "uphold_objection",
                reason=resolution,
                changes={"decided_at": now, "last_reason": resolution},
                objection=objection.pk,
            )
            _notify(
                app,
                msg(gettext_noop("公示异议成立，申报未通过：%(tier)s"), tier=_tier_param(app.tier)),
                msg(gettext_noop("处理说明：%(resolution)s"), resolution=resolution),
            )
        else:
            record(
                actor,
                "cultivation.dismiss_objection",
                app,
                from_state=app.state,
                to_state=app.state,
                reason=resolution,
                region_code=app.enterprise.region,
                objection=objection.pk,
            )
            _notify(
                app,
                msg(gettext_noop("公示异议经核实不成立：%(tier)s"), tier=_tier_param(app.tier)),
                msg(gettext_noop("处理说明：%(resolution)s"), resolution=resolution),
            )
            if app.notice_ends < today and not app.objections.filter(outcome="").exists():
                _close(actor, app)
    return objection


def close_notice(application, *, today: dt.date | None = None, actor=None) -> bool:
    """IN_NOTICE past its last day with no unresolved objection → NOTICE_ENDED. Idempotent; actor None = system."""
    today = _today(today)
    with transaction.atomic():
        app = _load(application)
        if actor is not None:
            _require_login(actor)
            require_enterprise(actor, app.enterprise)
        if app.state != S.IN_NOTICE or app.notice_ends is None or app.notice_ends >= today:
            return False
        if actor is not None:
            _authorise(actor, app, "close_notice")
        if app.objections.filter(outcome="").exists():
            return False
        _close(actor, app)
    return True


def due_notices(today: dt.date | None = None) -> QuerySet:
    """Applications whose notice may close today (the daily job closes them)."""
    return Application.objects.filter(state=S.IN_NOTICE, notice_ends__lt=_today(today)).order_by("pk")


# ---------------------------------------------------------------------------------------------- recognitions


def _profile_recognitions(enterprise_id: int, change) -> None:
    """Rewrite the profile's `recognitions` list (a direct save, bumping the version) so assessments see it."""
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise_id)
    profile = copy.deepcopy(enterprise.profile) or {}
    items = [i for i in (profile.get("recognitions") or []) if isinstance(i, dict)]
    profile["recognitions"] = change(items)
    enterprise.profile = profile
    enterprise.version += 1  # the row is locked: a concurrent profile edit with the old version goes stale
    enterprise.save(update_fields=["profile", "version", "updated_at"])


def _entry(rec: Recognition) -> dict:
    return {
        "tier": PROFILE_TIER.get(rec.tier, rec.tier),
        "since": rec.valid_from.isoformat(),
        "until": rec.valid_until.isoformat(),
    }


def _add_to_profile(rec: Recognition) -> None:
    entry = _entry(rec)

    def change(items):
        kept = [i for i in items if not (i.get("tier") == entry["tier"] and i.get("since") == entry["since"])]
        return [*kept, entry]

    _profile_recognitions(rec.enterprise_id, change)


def _remove_from_profile(rec: Recognition) -> None:
    entry = _entry(rec)
    _profile_recognitions(rec.enterprise_id, lambda items: [i for i in items if i != entry])


def _issue(actor, app: Application, valid_from: dt.date, valid_until: dt.date, today: dt.date) -> Recognition:
    for _attempt in range(8):
        try:
            with transaction.atomic():
                return Recognition.objects.create(
                    enterprise=app.enterprise,
                    tier=app.tier,
                    application=app,
                    certificate_no=certificates.next_certificate_no(
                        app.tier, today.year, app.enterprise.region
                    ),
                    verification_code=certificates.new_verification_code(),
                    valid_from=valid_from,
                    valid_until=valid_until,
                    status=RecognitionStatus.ACTIVE,
                    issued_by_level=actor.role,
                    issued_by_region=actor.region_code,
                    recognised_by=actor,
                )
        except IntegrityError:  # a number or code taken concurrently: draw again
            continue
    raise ActionError(
        gettext("%(application)s的证书编号生成失败，请稍后重试。") % {"application": _label(app)}
    )


def recognise_application(
    actor, application, *, expected_version: int, today: dt.date | None = None
) -> Recognition:
    """NOTICE_ENDED → RECOGNISED: issues the certificate (re-review: valid from the old end).

    The validity in years is the one the measures in force on the recognition day give (procedure data).
    """
    today = _today(today)
    validity = engine.procedure_on(today).recognition_years
    with transaction.atomic():
        app = _load(application)
        step = _authorise(actor, app, "recognise", expected_version)
        start = today
        if app.kind == ApplicationKind.RE_REVIEW and app.renews is not None:
            start = app.renews.valid_until + dt.timedelta(days=1)
        valid_from, valid_until = certificates.validity(start, validity.value)
        _move(actor, app, step, expected_version, "recognise", changes={"decided_at": timezone.now()})
        rec = _issue(actor, app, valid_from, valid_until, today)
        _add_to_profile(rec)
        record(
            actor,
            "cultivation.issue_recognition",
            rec,
            to_state=RecognitionStatus.ACTIVE,
            region_code=app.enterprise.region,
            application=app.pk,
            certificate_no=rec.certificate_no,
            valid_from=valid_from.isoformat(),
            valid_until=valid_until.isoformat(),
            renews=app.renews_id,
            validity_years=validity.value,
            validity_grade=validity.clause.grade,
        )
        _notify(
            app,
            msg(gettext_noop("已认定为%(tier)s"), tier=_tier_param(app.tier)),
            msg(
                gettext_noop("证书编号 %(number)s，有效期 %(starts)s 至 %(ends)s。"),
                number=str(rec.certificate_no),
                starts=valid_from.isoformat(),
                ends=valid_until.isoformat(),
            ),
        )
    return rec


def _require_recogniser(actor, rec: Recognition, doing: str) -> None:
    """The level that issued the title (in whose region the enterprise is) revokes it and judges its changes."""
    _require_login(actor)
    require_enterprise(actor, rec.enterprise)
    if actor.role != rec.issued_by_level:
        raise NotAllowed(
            gettext("%(who)s不能%(doing)s：此操作由%(level)s办理。")
            % {"who": _who(actor), "doing": doing, "level": _level(rec.issued_by_level)}
        )


def _close_change_reports(actor, rec: Recognition, reason: str) -> int:
    """A revoked title's pending change reports: nothing is left to confirm, so they close with it (audited).

    Returns how many were closed. Called inside the revocation's transaction, with the title locked.
    """
    at = rec.revoked_at or timezone.now()  # a revocation received from another installation may lack its time
    day = timezone.localdate(at)
    note = f"认定已于 {day.isoformat()} 撤销（撤销理由：{reason}），本报告不再审核。"
    return _close_pending_reports(
        actor,
        rec,
        ChangeReport.State.REVOKED,
        note,
        at,
        "cultivation.decide_change",
        closed_by_revocation=True,
    )


def _close_pending_reports(actor, rec: Recognition, state: str, note: str, at, action: str, **extra) -> int:
    """Close every still-pending change report of the title as `state` with `note`, one audit row each; a report
    decided meanwhile is left alone. Returns how many were closed."""
    closed = 0
    for report in rec.change_reports.filter(state=ChangeReport.State.SUBMITTED).order_by("pk"):
        done = ChangeReport.objects.filter(pk=report.pk, state=ChangeReport.State.SUBMITTED).update(
            state=state, decided_by=actor, decided_at=at, decision_note=note
        )
        if done != 1:
            continue
        record(
            actor,
            action,
            report,
            from_state=ChangeReport.State.SUBMITTED,
            to_state=state,
            reason=note,
            region_code=rec.enterprise.region,
            recognition=rec.pk,
            **extra,
        )
        closed += 1
    return closed


def _close_re_reviews(actor, rec: Recognition) -> int:
    """A revoked title's re-reviews still in progress are rejected (audited), the enterprise told.

    Why: the revocation left them in the queue, and recognising one issued a renewed certificate for a title
    revoked for cause. Called inside the revocation's transaction, with the title locked. Returns how many.
    """
    day = timezone.localdate(rec.revoked_at or timezone.now())
    said = msg(
        gettext_noop(
            "复核的认定“%(certificate)s”已于 %(day)s 撤销（撤销理由：%(reason)s），本复核申报不再审核。"
        ),
        certificate=rec.certificate_no,
        day=day,
        reason=rec.revoked_reason,
    )
    reason = said.render(settings.LANGUAGE_CODE)  # the application's recorded reason, in the site's language
    closed = 0
    for app in rec.re_reviews.filter(state__in=LIVE_STATES).order_by("pk"):
        app = _load(app)
        from_state = app.state
        claim(
            app,
            app.version,
            _label(app),
            state=S.REJECTED,
            updated_at=timezone.now(),
            decided_at=timezone.now(),
            last_reason=reason,
        )
        record(
            actor,
            "cultivation.close_re_review",
            app,
            from_state=from_state,
            to_state=app.state,
            reason=reason,
            region_code=app.enterprise.region,
            recognition=rec.pk,
        )
        _notify(app, msg(gettext_noop("复核申报已关闭：%(tier)s"), tier=_tier_param(app.tier)), said)
        closed += 1
    return closed


def _revoke(actor, rec: Recognition, expected_version: int, reason: str, action: str, **data) -> None:
    """ACTIVE → REVOKED: out of the profile, its pending change reports closed, the enterprise told."""
    label = gettext("认定“%(certificate)s”") % {"certificate": rec.certificate_no}
    claim(
        rec,
        expected_version,
        label,
        status=RecognitionStatus.REVOKED,
        revoked_at=timezone.now(),
        revoked_reason=reason,
    )
    _remove_from_profile(rec)
    record(
        actor,
        f"cultivation.{action}",
        rec,
        from_state=RecognitionStatus.ACTIVE,
        to_state=rec.status,
        reason=reason,
        region_code=rec.enterprise.region,
        **data,
    )
    body = msg(
        gettext_noop("证书编号 %(number)s。撤销理由：%(reason)s"),
        number=str(rec.certificate_no),
        reason=reason,
    )
    closed = _close_change_reports(actor, rec, reason)
    if closed:
        body = msg(
            gettext_noop(
                "证书编号 %(number)s。撤销理由：%(reason)s。尚未审核的 %(count)s 份重大变化报告随认定撤销一并关闭，不再审核。"
            ),
            number=str(rec.certificate_no),
            reason=reason.rstrip("。"),
            count=closed,
        )
    notify_enterprise(
        rec.enterprise,
        msg(gettext_noop("认定已撤销：%(tier)s"), tier=_tier_param(rec.tier)),
        body,
        url=recognition_url(rec),
        topic=TOPIC,
    )
    _close_re_reviews(actor, rec)


def close_reports_of_ended_title(rec: Recognition) -> int:
    """A title revoked or expired elsewhere (received through the exchange): its local pending change reports
    (and, revoked, its re-reviews in progress) close as they would here, audited as the system, and the enterprise
    is told once. Returns how many reports were closed.

    Why: the exchange copies the title's new status but no decision on the reports, which stayed pending
    forever (refused whenever somebody tried to decide them). Called inside the receiving transaction.
    """
    if rec.status == RecognitionStatus.EXPIRED:
        return _close_expired_reports(rec)
    if rec.status != RecognitionStatus.REVOKED:
        return 0
    _close_re_reviews(None, rec)
    closed = _close_change_reports(None, rec, rec.revoked_reason)
    if closed:
        _tell_reports_closed(
            rec,
            msg(
                gettext_noop(
                    "证书编号 %(certificate)s 已撤销，尚未审核的 %(n)s 份重大变化报告随认定撤销一并关闭。"
                ),
                certificate=rec.certificate_no,
                n=closed,
            ),
        )
    return closed


def _load_recognition(recognition) -> Recognition:
    return (
        Recognition.objects.select_for_update(of=("self",))
        .select_related("enterprise")
        .get(pk=recognition.pk)
    )


def revoke_recognition(actor, recognition, *, expected_version: int, reason: str) -> Recognition:
    with transaction.atomic():
        rec = _load_recognition(recognition)
        _require_recogniser(
            actor, rec, gettext("撤销认定“%(certificate)s”") % {"certificate": rec.certificate_no}
        )
        label = gettext("认定“%(certificate)s”") % {"certificate": rec.certificate_no}
        if rec.version != expected_version:
            raise stale(label, expected_version)
        if rec.status != RecognitionStatus.ACTIVE:
            raise NotAllowed(
                gettext("%(label)s%(status)s，无需撤销。")
                % {"label": label, "status": rec.get_status_display()}
            )
        reason = _reason(reason, "reason", gettext("请填写撤销理由。"))
        _revoke(actor, rec, expected_version, reason, "revoke_recognition")
    return rec


def start_re_review(actor, recognition, batch, *, today: dt.date | None = None) -> Application:
    """A re-review (复核) application for a title in its last year or expiring in the batch's year."""
    today = _today(today)
    _require_login(actor)
    rec = Recognition.objects.select_related("enterprise").get(pk=recognition.pk)
    _require_enterprise_user(actor, rec.enterprise, gettext("申请复核"))
    batch = Batch.objects.get(pk=batch.pk)
    _check_renewal(rec.enterprise, batch, rec)
    last_year_from = certificates.last_year_starts(rec.valid_until)
    if rec.valid_until.year > batch.year and today < last_year_from:
        raise NotAllowed(
            gettext(
                "认定“%(certificate)s”有效期至 %(until)s，尚未到复核时间；请在 %(start)s 起或到期当年的批次中申请复核。"
            )
            % {
                "certificate": rec.certificate_no,
                "until": rec.valid_until.isoformat(),
                "start": last_year_from.isoformat(),
            }
        )
    return create_application(actor, rec.enterprise, batch, renews=rec, today=today)


def _refuse_duplicate_report(rec: Recognition, kind: str, occurred_on: dt.date, description: str) -> None:
    """The same change already waiting on this title (a double click, a re-sent form) is not filed twice."""
    if rec.change_reports.filter(
        state=ChangeReport.State.SUBMITTED, kind=kind, occurred_on=occurred_on, description=description
    ).exists():
        raise NotAllowed(
            gettext(
                "认定“%(certificate)s”已有一份相同的重大变化报告（%(day)s，%(kind)s）正在等待审核，无需重复提交。"
            )
            % {
                "certificate": rec.certificate_no,
                "day": occurred_on.isoformat(),
                "kind": ChangeKind(kind).label,
            }
        )


def report_change(
    actor, recognition, *, kind: str, occurred_on: dt.date, description: str, today: dt.date | None = None
) -> ChangeReport:
    """A major-change report; `late` when filed after the deadline the measures in force on the change day give."""
    today = _today(today)
    _require_login(actor)
    with transaction.atomic():
        rec = _load_recognition(recognition)
        _require_enterprise_user(actor, rec.enterprise, gettext("填报重大变化"))
        if rec.status != RecognitionStatus.ACTIVE:
            raise NotAllowed(
                gettext("认定“%(certificate)s”%(status)s，无需再填报重大变化。")
                % {"certificate": rec.certificate_no, "status": rec.get_status_display()}
            )
        if rec.valid_until < today:  # past its end, before the daily job marks it expired
            raise NotAllowed(
                gettext("认定“%(certificate)s”有效期已于 %(day)s 届满，无需再填报重大变化。")
                % {"certificate": rec.certificate_no, "day": rec.valid_until.isoformat()}
            )
        problems = []
        if kind not in ChangeKind.values:
            problems.append(("kind", gettext("请从列表中选择变化类型")))
        if not isinstance(occurred_on, dt.date):
            problems.append(("occurred_on", gettext("请填写变化发生日期")))
        elif occurred_on > today:
            problems.append(("occurred_on", gettext("变化发生日期不能晚于今天")))
        description = (description or "").strip()
        if not description:
            problems.append(("description", gettext("请填写变化情况说明")))
        if problems:
            raise InvalidInput(
                gettext("认定“%(certificate)s”的重大变化报告有 %(n)s 处需要修改。")
                % {"certificate": rec.certificate_no, "n": len(problems)},
                problems,
            )
        _refuse_duplicate_report(rec, kind, occurred_on, description)
        months = engine.procedure_on(occurred_on).change_report_months.value
        deadline = certificates.add_months(occurred_on, months)
        late = today > deadline
        report = ChangeReport.objects.create(
            recognition=rec,
            kind=kind,
            occurred_on=occurred_on,
            description=description,
            filed_by=actor,
            late=late,
        )
        record(
            actor,
            "cultivation.report_change",
            report,
            to_state=report.state,
            region_code=rec.enterprise.region,
            recognition=rec.pk,
            kind=kind,
            occurred_on=occurred_on.isoformat(),
            late=late,
            deadline=deadline.isoformat(),
        )
        late_note = (
            msg(gettext_noop("（逾期：应在 %(deadline)s 前填报）"), deadline=deadline.isoformat())
            if late
            else ""
        )
        what = choice_label(ChangeKind(kind).label)
        notify_enterprise(
            rec.enterprise,
            msg(gettext_noop("重大变化报告已提交%(late)s"), late=late_note),
            msg(gettext_noop("认定“%(number)s”：%(kind)s。"), number=str(rec.certificate_no), kind=what),
            url=recognition_url(rec),
            topic=TOPIC,
        )
        _notify_officials(
            rec.issued_by_level,
            rec.enterprise.region,
            msg(
                gettext_noop("重大变化报告待审核：%(enterprise)s%(late)s"),
                enterprise=rec.enterprise.name,
                late=late_note,
            ),
            msg(gettext_noop("%(kind)s，发生于 %(date)s。"), kind=what, date=occurred_on.isoformat()),
            recognition_url(rec),
        )
    return report


def _not_in_force(rec: Recognition, today: dt.date) -> str:
    """Why a title is no longer in force ("" while it is): revoked (with day and reason) or past its end."""
    if rec.status == RecognitionStatus.REVOKED:
        day = timezone.localdate(rec.revoked_at) if rec.revoked_at else None
        return gettext("该认定已于 %(day)s 撤销（撤销理由：%(reason)s），不再有效") % {
            "day": day.isoformat() if day else gettext("（日期未记录）"),
            "reason": rec.revoked_reason or gettext("未记录"),
        }
    if rec.status != RecognitionStatus.ACTIVE or rec.valid_until < today:
        return gettext("该认定有效期已于 %(day)s 届满，不再有效") % {"day": rec.valid_until.isoformat()}
    return ""


def decide_change(actor, report, *, accept: bool, note: str, today: dt.date | None = None) -> ChangeReport:
    """Accepted: the title stays; not accepted: the title is revoked with the note as reason.

    Only while the title is in force: a revoked or expired title has nothing left to confirm or revoke.
    """
    today = _today(today)
    with transaction.atomic():
        rec = _load_recognition(ChangeReport.objects.get(pk=report.pk).recognition)
        report = ChangeReport.objects.get(pk=report.pk)  # as it is now that its title is locked
        _require_recogniser(
            actor,
            rec,
            gettext("审核认定“%(certificate)s”的重大变化报告") % {"certificate": rec.certificate_no},
        )
        label = gettext("认定“%(certificate)s”的重大变化报告（%(day)s）") % {
            "certificate": rec.certificate_no,
            "day": report.occurred_on.isoformat(),
        }
        why = _not_in_force(rec, today)
        if why:
            raise NotAllowed(
                gettext("%(label)s不能再审核：%(why)s，无需确认或撤销。") % {"label": label, "why": why}
            )
        if report.state != ChangeReport.State.SUBMITTED:
            raise NotAllowed(
                gettext("%(label)s已处理（%(state)s），请刷新页面查看。")
                % {"label": label, "state": report.get_state_display()}
            )
        note = (note or "").strip()
        if not accept:
            note = _reason(note, "note", gettext("不予确认将撤销认定，请填写理由。"))
        to_state = ChangeReport.State.ACCEPTED if accept else ChangeReport.State.REVOKED
        done = ChangeReport.objects.filter(pk=report.pk, state=ChangeReport.State.SUBMITTED).update(
            state=to_state, decided_by=actor, decided_at=timezone.now(), decision_note=note
        )
        if done != 1:
            raise StaleObject(gettext("%(label)s已由他人处理，请刷新页面查看。") % {"label": label})
        report.refresh_from_db()
        record(
            actor,
            "cultivation.decide_change",
            report,
            from_state=ChangeReport.State.SUBMITTED,
            to_state=to_state,
            reason=note,
            region_code=rec.enterprise.region,
            recognition=rec.pk,
        )
        if accept:
            notify_enterprise(
                rec.enterprise,
                msg(gettext_noop("重大变化报告已确认，认定继续有效")),
                note,
                url=recognition_url(rec),
                topic=TOPIC,
            )
        else:
            _revoke(actor, rec, rec.version, note, "revoke_recognition", change_report=report.pk)
    return report


def expire_recognitions(today: dt.date | None = None) -> int:
    """ACTIVE titles past valid_until → EXPIRED (audited as the system). Returns how many."""
    today = _today(today)
    count = 0
    for rec in Recognition.objects.filter(
        status=RecognitionStatus.ACTIVE, valid_until__lt=today
    ).select_related("enterprise"):
        with transaction.atomic():
            done = Recognition.objects.filter(pk=rec.pk, status=RecognitionStatus.ACTIVE).update(
                status=RecognitionStatus.EXPIRED, version=F("version") + 1
            )
            if not done:
                continue
            record(
                None,
                "cultivation.expire_recognition",
                rec,
                from_state=RecognitionStatus.ACTIVE,
                to_state=RecognitionStatus.EXPIRED,
                reason=f"有效期已于 {rec.valid_until.isoformat()} 届满",
                region_code=rec.enterprise.region,
            )
            notify_enterprise(
                rec.enterprise,
                msg(gettext_noop("认定已到期：%(tier)s"), tier=_tier_param(rec.tier)),
                msg(
                    gettext_noop("证书编号 %(number)s，有效期至 %(ends)s。"),
                    number=str(rec.certificate_no),
                    ends=rec.valid_until.isoformat(),
                ),
                url=recognition_url(rec),
                topic=TOPIC,
            )
            count += 1
    _close_reports_of_expired_titles()
    return count


def _tell_reports_closed(rec: Recognition, body: Message) -> None:
    """The enterprise is told once that its pending change reports closed with the title (`body` says why)."""
    notify_enterprise(
        rec.enterprise,
        msg(gettext_noop("重大变化报告不再审核：%(tier)s"), tier=_tier_param(rec.tier)),
        body,
        url=recognition_url(rec),
        topic=TOPIC,
    )


def _close_expired_reports(rec: Recognition) -> int:
    """An expired title's pending change reports: nothing is left to confirm or revoke, so they leave the
    officials' queue as 'expired' (audited as the system) and the enterprise is told once. Returns how many."""
    note = f"认定有效期已于 {rec.valid_until.isoformat()} 届满，本报告不再审核。"
    closed = _close_pending_reports(
        None, rec, ChangeReport.State.EXPIRED, note, timezone.now(), "cultivation.close_change_report"
    )
    if closed:
        _tell_reports_closed(
            rec,
            msg(
                gettext_noop(
                    "证书编号 %(certificate)s 有效期已于 %(day)s 届满，尚未审核的 %(n)s 份重大变化报告随认定到期关闭。"
                ),
                certificate=rec.certificate_no,
                day=rec.valid_until,
                n=closed,
            ),
        )
    return closed


def _close_reports_of_expired_titles() -> int:
    """Every expired title still holding pending reports (expired today, or before this closing existed)."""
    closed = 0
    for rec in (
        Recognition.objects.filter(
            status=RecognitionStatus.EXPIRED, change_reports__state=ChangeReport.State.SUBMITTED
        )
        .distinct()
        .select_related("enterprise")
        .order_by("pk")
    ):
        with transaction.atomic():
            closed += _close_expired_reports(_load_recognition(rec))
    return closed


def verify_certificate(code: str) -> Recognition | None:
    """Public check of a certificate by its verification code (any case, spaces ignored)."""
    code = certificates.normalise_code(code)
    if len(code) != certificates.CODE_LENGTH:
        return None
    return Recognition.objects.select_related("enterprise").filter(verification_code=code).first()


# ---------------------------------------------------------------------------------------------- reading


def queue_for(official) -> QuerySet:
    """Applications awaiting this official's decision: state and level from workflow.STEPS, region from scope."""
    if not getattr(official, "is_official", False):
        return Application.objects.none()
    open_objection = Exists(Objection.objects.filter(application=OuterRef("pk"), outcome=""))
    cond = Q(pk__in=[])
    for step in workflow.STEPS:
        if step.action not in workflow.DECISIONS:
            continue
        if step.actor == workflow.REVIEW:
            level = Q(batch__review_level=official.role)
        elif step.actor == official.role:
            level = Q()
        else:
            continue
        here = Q(tier__in=step.tiers, state__in=step.states) & level
        if step.action == "resolve_objection":
            here &= Q(open_objection)
        cond |= here
    qs = Application.objects.filter(cond).select_related("enterprise", "batch")
    return scope_enterprises(official, qs, "enterprise__").order_by("submitted_at", "pk")


def allowed_actions(user, application, *, today: dt.date | None = None) -> list[str]:
    """The workflow actions `user` may take on the application now (names as in workflow.STEPS)."""
    if not getattr(user, "is_authenticated", False) or not enterprise_in_scope(user, application.enterprise):
        return []
    today = _today(today)
    out = []
    for action in ACTION_ORDER:
        step = workflow.step_for(action, application)
        if step is None or not workflow.role_fits(user, step, application):
            continue
        if action == "submit" and application.state == S.DRAFT and not application.batch.is_open(today):
            continue
        if action == "resolve_objection" and not application.objections.filter(outcome="").exists():
            continue
        if action == "close_notice" and (
            application.notice_ends is None
            or application.notice_ends >= today
            or application.objections.filter(outcome="").exists()
        ):
            continue
        out.append(action)
    return out


def action_label(action: str, application) -> str:
    """The button text for an action on this application ("审核通过并推荐", "退回修改" …)."""
    step = workflow.step_for(action, application) or next(
        iter(workflow.steps_for(action, application.tier)), None
    )
    return str(step.label) if step else action


def allowed_recognition_actions(user, recognition, *, today: dt.date | None = None) -> list[str]:
    """What `user` may do with a recognition: report_change, start_re_review (enterprise), revoke,
    decide_change (the recognising level)."""
    if not getattr(user, "is_authenticated", False) or not enterprise_in_scope(user, recognition.enterprise):
        return []
    if recognition.status != RecognitionStatus.ACTIVE:
        return []
    today = _today(today)
    out = []
    if user.role == Role.ENTERPRISE and user.enterprise_id == recognition.enterprise_id:
        if recognition.valid_until >= today:
            out.append("report_change")
        if (
            today >= certificates.last_year_starts(recognition.valid_until)
            and renewal_of(recognition) is None
        ):
            out.append("start_re_review")
    if user.role == recognition.issued_by_level:
        out.append("revoke")
        if recognition.valid_until >= today and _change_pending(recognition):
            out.append("decide_change")
    return out


def _change_pending(recognition) -> bool:
    """A submitted change report awaits a decision; a list annotates it (with_change_pending) so
    that its rows do not ask one query each."""
    if hasattr(recognition, "change_pending"):
        return bool(recognition.change_pending)
    return recognition.change_reports.filter(state=ChangeReport.State.SUBMITTED).exists()


def with_change_pending(recognitions: QuerySet) -> QuerySet:
    """Recognitions annotated for allowed_recognition_actions: one subquery instead of a query per row."""
    pending = ChangeReport.objects.filter(recognition=OuterRef("pk"), state=ChangeReport.State.SUBMITTED)
    return recognitions.annotate(change_pending=Exists(pending))
