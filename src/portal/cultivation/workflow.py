"""Who may do what at which state: the cultivation workflow as one table.

Why a table: the action functions, the buttons on the pages (allowed_actions) and the officials'
queues (queue_for) must agree on every step; they all read STEPS, so changing the process means
changing one row here (criteria notes §1.3; 2026 notes §1.4–1.5).

Actors: ENTERPRISE is a user of the applying enterprise; REVIEW is the batch's review level (the
city, or the county where the province delegates it: Batch.review_level); PROVINCE and NATIONAL
are those officials. Region is not decided here: every action asks portal.accounts.scope.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext, gettext_noop, pgettext_lazy

from portal.accounts.roles import Role

from .models import ApplicationState as S
from .models import Level, Tier

ENTERPRISE = "enterprise"
REVIEW = "review"
PROVINCE = Level.PROVINCE.value
NATIONAL = Level.NATIONAL.value

# 创新型 / 科技和创新型 / 专精特新: applied for in a provincial batch, reviewed locally, recognised by the province.
ORDINARY = frozenset({Tier.INNOVATIVE.value, Tier.TECH_INNOVATIVE.value, Tier.SPECIALIZED.value})
# 小巨人: national batch, the province reviews and recommends, the national level reviews and recognises.
GIANT = frozenset({Tier.LITTLE_GIANT.value})
ALL_TIERS = ORDINARY | GIANT


@dataclass(frozen=True)
class Step:
    action: str
    tiers: frozenset
    states: frozenset
    actor: str  # ENTERPRISE, REVIEW, PROVINCE or NATIONAL
    to_state: str | None  # None: the application's state does not change
    label: (
        str  # verb phrase for messages and buttons, in the page's language when str()-ed (context "workflow")
    )


def _s(*states) -> frozenset:
    return frozenset(s.value for s in states)


EDITABLE = _s(S.DRAFT, S.RETURNED)

STEPS: tuple[Step, ...] = (
    # The enterprise prepares, submits and may withdraw before a decision.
    Step("attach_evidence", ALL_TIERS, EDITABLE, ENTERPRISE, None, pgettext_lazy("workflow", "上传佐证材料")),
    Step("remove_evidence", ALL_TIERS, EDITABLE, ENTERPRISE, None, pgettext_lazy("workflow", "删除佐证材料")),
    Step("submit", ALL_TIERS, EDITABLE, ENTERPRISE, S.SUBMITTED, pgettext_lazy("workflow", "提交")),
    Step(
        "withdraw",
        ALL_TIERS,
        _s(S.DRAFT, S.SUBMITTED, S.RETURNED, S.RECOMMENDED),
        ENTERPRISE,
        S.WITHDRAWN,
        pgettext_lazy("workflow", "撤回"),
    ),
    # 创新型 / 科技和创新型 / 专精特新.
    Step(
        "approve", ORDINARY, _s(S.SUBMITTED), REVIEW, S.IN_NOTICE, pgettext_lazy("workflow", "审核通过并公示")
    ),
    Step("return", ORDINARY, _s(S.SUBMITTED), REVIEW, S.RETURNED, pgettext_lazy("workflow", "退回修改")),
    Step("reject", ORDINARY, _s(S.SUBMITTED), REVIEW, S.REJECTED, pgettext_lazy("workflow", "不予通过")),
    Step(
        "record_objection", ORDINARY, _s(S.IN_NOTICE), REVIEW, None, pgettext_lazy("workflow", "登记公示异议")
    ),
    Step(
        "resolve_objection",
        ORDINARY,
        _s(S.IN_NOTICE),
        REVIEW,
        None,
        pgettext_lazy("workflow", "处理公示异议"),
    ),
    Step(
        "uphold_objection",
        ORDINARY,
        _s(S.IN_NOTICE),
        REVIEW,
        S.REJECTED,
        pgettext_lazy("workflow", "认定异议成立"),
    ),
    Step(
        "close_notice",
        ORDINARY,
        _s(S.IN_NOTICE),
        REVIEW,
        S.NOTICE_ENDED,
        pgettext_lazy("workflow", "结束公示"),
    ),
    Step(
        "recognise", ORDINARY, _s(S.NOTICE_ENDED), PROVINCE, S.RECOGNISED, pgettext_lazy("workflow", "认定")
    ),
    # 专精特新“小巨人”: province first (recommend), then the national level.
    Step(
        "approve",
        GIANT,
        _s(S.SUBMITTED),
        PROVINCE,
        S.RECOMMENDED,
        pgettext_lazy("workflow", "审核通过并推荐"),
    ),
    Step("return", GIANT, _s(S.SUBMITTED), PROVINCE, S.RETURNED, pgettext_lazy("workflow", "退回修改")),
    Step("reject", GIANT, _s(S.SUBMITTED), PROVINCE, S.REJECTED, pgettext_lazy("workflow", "不予推荐")),
    Step(
        "approve",
        GIANT,
        _s(S.RECOMMENDED),
        NATIONAL,
        S.IN_NOTICE,
        pgettext_lazy("workflow", "审核通过并公示"),
    ),
    Step("return", GIANT, _s(S.RECOMMENDED), NATIONAL, S.RETURNED, pgettext_lazy("workflow", "退回修改")),
    Step("reject", GIANT, _s(S.RECOMMENDED), NATIONAL, S.REJECTED, pgettext_lazy("workflow", "不予通过")),
    Step(
        "record_objection", GIANT, _s(S.IN_NOTICE), NATIONAL, None, pgettext_lazy("workflow", "登记公示异议")
    ),
    Step(
        "resolve_objection", GIANT, _s(S.IN_NOTICE), NATIONAL, None, pgettext_lazy("workflow", "处理公示异议")
    ),
    Step(
        "uphold_objection",
        GIANT,
        _s(S.IN_NOTICE),
        NATIONAL,
        S.REJECTED,
        pgettext_lazy("workflow", "认定异议成立"),
    ),
    Step(
        "close_notice",
        GIANT,
        _s(S.IN_NOTICE),
        NATIONAL,
        S.NOTICE_ENDED,
        pgettext_lazy("workflow", "结束公示"),
    ),
    Step("recognise", GIANT, _s(S.NOTICE_ENDED), NATIONAL, S.RECOGNISED, pgettext_lazy("workflow", "认定")),
)

# resolve_objection with outcome "upheld" takes the uphold_objection row (the application is rejected).
# Steps whose label does not take the application as its object ("为申报“X”上传佐证材料" in messages).
FOR_APPLICATION = frozenset(
    {
        "attach_evidence",
        "remove_evidence",
        "record_objection",
        "resolve_objection",
        "uphold_objection",
        "close_notice",
    }
)

# The steps that put an application in an official's queue (a decision is awaited from them).
DECISIONS = ("approve", "recognise", "resolve_objection")

# Who opens batches and who recognises (and so may revoke, and decides change reports), per tier.
BATCH_OPENER = {**dict.fromkeys(ORDINARY, PROVINCE), **dict.fromkeys(GIANT, NATIONAL)}
RECOGNISER = dict(BATCH_OPENER)

# Where an official of each level may be asked to review ordinary tiers (Batch.review_level).
REVIEW_LEVELS = (Level.COUNTY.value, Level.CITY.value, Level.PROVINCE.value)

LEVEL_NAMES = {
    Role.COUNTY: gettext_noop("县级主管部门"),
    Role.CITY: gettext_noop("市级主管部门"),
    Role.PROVINCE: gettext_noop("省级主管部门"),
    Role.NATIONAL: gettext_noop("国家级主管部门"),
    ENTERPRISE: gettext_noop("申报企业"),
}


def steps_for(action: str, tier: str) -> list[Step]:
    return [s for s in STEPS if s.action == action and tier in s.tiers]


def step_for(action: str, application) -> Step | None:
    """The row allowing `action` on this application in its current state, or None."""
    for s in steps_for(action, application.tier):
        if application.state in s.states:
            return s
    return None


def level_of(step: Step, application) -> str:
    """The role that acts at this step: REVIEW resolves to the batch's review level."""
    return application.batch.review_level if step.actor == REVIEW else step.actor


def role_fits(user, step: Step, application) -> bool:
    if step.actor == ENTERPRISE:
        return user.role == Role.ENTERPRISE and user.enterprise_id == application.enterprise_id
    return user.role == level_of(step, application)


def level_name(level: str) -> str:
    """The level's Chinese name (stored texts use it as is; messages on pages pass it through gettext)."""
    return LEVEL_NAMES.get(level, level)


def state_hint(application) -> str:
    """The next step from the application's current state, for error messages."""
    state = application.state
    tier = application.tier
    if state == S.DRAFT:
        return gettext("请企业完善材料后提交。")
    if state == S.SUBMITTED:
        level = application.batch.review_level if tier in ORDINARY else PROVINCE
        return gettext("申报正在等待%(level)s审核。") % {"level": gettext(level_name(level))}
    if state == S.RETURNED:
        return gettext("请企业按退回意见修改后重新提交。")
    if state == S.RECOMMENDED:
        return gettext("申报已推荐，正在等待国家级主管部门审核。")
    if state == S.IN_NOTICE:
        ends = application.notice_ends.isoformat() if application.notice_ends else ""
        return gettext("申报正在公示（至 %(end)s），请待公示期满后再办理。") % {"end": ends}
    if state == S.NOTICE_ENDED:
        return gettext("公示期已满，正在等待%(level)s认定。") % {
            "level": gettext(level_name(RECOGNISER[tier]))
        }
    if state == S.RECOGNISED:
        return gettext("申报已完成认定，请在“认定证书”中查看。")
    return gettext("如需再次申报，请在开放的批次中新建申报。")
