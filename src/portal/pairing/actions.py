"""Every change in chain-leader pairing: leader flags, capability texts, needs, responses, shortlists.

Each function is one atomic change: it checks the actor (role, own enterprise, region through
portal.accounts.scope), claims the row on its `version`, writes one audit row and notifies on
commit through portal.inbox.send. Errors are portal.actions errors with a Chinese message that
names the object and the next step; field problems name the form field.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from portal.accounts.roles import OFFICIAL_ROLES, Role
from portal.accounts.scope import require_enterprise
from portal.actions import InvalidInput, NotAllowed, claim, too_long
from portal.assessments import engine
from portal.audit.record import record
from portal.inbox.message import Message, msg
from portal.inbox.send import notify_enterprise

from . import access, leaders
from .models import EnterpriseCapability, LeaderFlag, Need, NeedKind, NeedResponse, NeedState, ResponseState
from .scoring import TITLE_SHORT

TOPIC = "pairing"
R = ResponseState
PREFERRED_TITLES = ("innovative", "tech_innovative", "specialized", "little_giant")
MAX_DEADLINE_DAYS = 366
CAPABILITY_MAX = 2000
PROPOSAL_MAX = 2000
REASON_MAX = 2000


class Unchanged(NotAllowed):
    """An edit that changes nothing: no version bump, no audit row; the page says so."""

    code = "unchanged"


def need_url(need) -> str:
    try:
        return reverse("pairing:need", args=[need.pk])
    except NoReverseMatch:
        return ""


def _require_login(actor) -> None:
    if not getattr(actor, "is_authenticated", False):
        raise NotAllowed(gettext("请先登录，再办理融通对接事项。"))


def _who(actor) -> str:
    try:
        return Role(actor.role).label
    except ValueError:
        return actor.role


def _own_enterprise(actor, doing: str):
    _require_login(actor)
    if actor.role != Role.ENTERPRISE or actor.enterprise_id is None:
        raise NotAllowed(
            gettext("%(who)s不能%(doing)s：此操作由企业用户办理。") % {"who": _who(actor), "doing": doing}
        )
    return actor.enterprise


def _require_leader_user(actor, need: Need, doing: str) -> None:
    _require_login(actor)
    if not (actor.role == Role.ENTERPRISE and actor.enterprise_id == need.leader_id):
        raise NotAllowed(
            gettext("不能%(doing)s：需求“%(need)s”只能由发布企业“%(leader)s”的用户处理。")
            % {"doing": doing, "need": need.title, "leader": need.leader.name}
        )


def _flag_label(enterprise) -> str:
    return gettext("企业“%(enterprise)s”的链主标记") % {"enterprise": enterprise.name}


def _need_label(need) -> str:
    return gettext("需求“%(need)s”") % {"need": need.title}


def _response_label(need) -> str:
    return gettext("对需求“%(need)s”的响应") % {"need": need.title}


def _level_label(level: str) -> str:
    try:
        return str(Role(level).label)
    except ValueError:
        return level


def _text(value, field: str, label: str, limit: int, problems: list, required: bool = True) -> str:
    out = str(value or "").strip()
    if required and not out:
        problems.append((field, gettext("请填写%(label)s") % {"label": label}))
    elif len(out) > limit:
        problems.append(
            (field, gettext("%(label)s不能超过 %(limit)s 个字") % {"label": label, "limit": limit})
        )
    return out


# ------------------------------------------------------------------------------------------ leaders


def flag_leader(actor, enterprise, reason: str) -> LeaderFlag:
    """An official marks an enterprise in their region as 链主, so it may publish needs."""
    _require_login(actor)
    if actor.role not in OFFICIAL_ROLES and actor.role != Role.ADMIN:
        raise NotAllowed(gettext("%(who)s不能标记链主：由主管部门办理。") % {"who": _who(actor)})
    require_enterprise(actor, enterprise)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(
            gettext("请填写标记为链主的理由。"),
            [("reason", gettext("请填写标记理由（如“省级链主企业名单”）"))],
        )
    if len(reason) > REASON_MAX:
        what = gettext("企业“%(enterprise)s”的链主标记理由") % {"enterprise": enterprise.name}
        raise too_long(what, reason, REASON_MAX, "reason", gettext("标记理由"))
    level = access.acting_level(actor)
    with transaction.atomic():
        flag = LeaderFlag.objects.select_for_update().filter(enterprise=enterprise).first()
        if flag and flag.active:
            raise NotAllowed(
                gettext("企业“%(enterprise)s”已是链主，无需重复标记。") % {"enterprise": enterprise.name}
            )
        if flag:
            claim(
                flag,
                flag.version,
                _flag_label(enterprise),
                active=True,
                reason=reason,
                flagged_by=actor,
                flagged_level=level,
            )
        else:
            flag = LeaderFlag.objects.create(
                enterprise=enterprise, reason=reason, flagged_by=actor, flagged_level=level
            )
        record(
            actor,
            "pairing.flag_leader",
            flag,
            to_state="active",
            reason=reason,
            region_code=enterprise.region,
            enterprise=enterprise.pk,
            level=level,
        )
        notify_enterprise(
            enterprise,
            msg(gettext_noop("贵企业已被标记为链主企业")),
            msg(gettext_noop("可以在“融通对接”页面发布配套供应、揭榜挂帅和服务需求。")),
            topic=TOPIC,
        )
    return flag


def unflag_leader(actor, flag: LeaderFlag, reason: str, expected_version: int) -> LeaderFlag:
    """Withdraw a 链主 mark: by the level that set it or one above (access.can_withdraw_flag)."""
    _require_login(actor)
    if actor.role not in OFFICIAL_ROLES and actor.role != Role.ADMIN:
        raise NotAllowed(gettext("%(who)s不能取消链主标记：由主管部门办理。") % {"who": _who(actor)})
    enterprise = flag.enterprise
    require_enterprise(actor, enterprise)
    if not flag.active:
        raise NotAllowed(
            gettext("企业“%(enterprise)s”的链主标记已取消，无需重复操作。") % {"enterprise": enterprise.name}
        )
    if not access.can_withdraw_flag(actor, flag):
        raise NotAllowed(withdraw_refusal(actor, flag))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(gettext("请填写取消链主标记的理由。"), [("reason", gettext("请填写取消理由"))])
    if len(reason) > REASON_MAX:
        what = gettext("取消企业“%(enterprise)s”链主标记的理由") % {"enterprise": enterprise.name}
        raise too_long(what, reason, REASON_MAX, "reason", gettext("取消理由"))
    with transaction.atomic():
        claim(flag, expected_version, _flag_label(enterprise), active=False, reason=reason)
        record(
            actor,
            "pairing.unflag_leader",
            flag,
            from_state="active",
            to_state="inactive",
            reason=reason,
            region_code=enterprise.region,
            enterprise=enterprise.pk,
        )
        notify_enterprise(
            enterprise,
            msg(gettext_noop("贵企业的链主标记已取消")),
            msg(gettext_noop("理由：%(reason)s。已发布的需求不受影响。"), reason=reason),
            topic=TOPIC,
        )
    return flag


def withdraw_refusal(actor, flag: LeaderFlag) -> str:
    """Why `actor` may not withdraw the mark, naming the level that set it and who to ask."""
    enterprise = flag.enterprise.name
    if flag.flagged_level not in access.LEVEL_RANK:
        return gettext(
            "企业“%(enterprise)s”的链主标记无法确认由哪一层级设置，只能由平台管理员取消；请联系平台管理员。"
        ) % {"enterprise": enterprise}
    return gettext(
        "%(who)s不能取消企业“%(enterprise)s”的链主标记：该标记由%(setter)s设置，"
        "只能由设置层级或更高层级的主管部门取消；如需取消请联系该部门。"
    ) % {"who": _who(actor), "enterprise": enterprise, "setter": _level_label(flag.flagged_level)}


def flag_setter(flag: LeaderFlag) -> str:
    """Who set the mark, for the overview: '由省级主管部门标记' (or '' when unknown)."""
    if flag.flagged_level not in access.LEVEL_RANK:
        return ""
    return gettext("由%(setter)s标记") % {"setter": _level_label(flag.flagged_level)}


# ------------------------------------------------------------------------------------------ capability


def save_capability(actor, enterprise, text: str, expected_version: int | None) -> EnterpriseCapability:
    """The enterprise's own capability text (what it makes and can do), read by the suggestions."""
    own = _own_enterprise(actor, gettext("填写能力描述"))
    if own.pk != enterprise.pk:
        raise NotAllowed(
            gettext("不能修改企业“%(enterprise)s”的能力描述：只能修改本企业的。")
            % {"enterprise": enterprise.name}
        )
    problems: list = []
    text = _text(text, "text", gettext("能力描述"), CAPABILITY_MAX, problems, required=False)
    if problems:
        raise InvalidInput(gettext("能力描述需要修改后再保存。"), problems)
    with transaction.atomic():
        cap = EnterpriseCapability.objects.filter(enterprise=enterprise).first()
        if cap is None:
            if expected_version not in (None, 0):
                raise NotAllowed(gettext("能力描述已被删除，请刷新页面后重新填写。"))
            try:
                with transaction.atomic():
                    cap = EnterpriseCapability.objects.create(
                        enterprise=enterprise, text=text, updated_by=actor
                    )
            except IntegrityError:
                raise NotAllowed(gettext("能力描述已被他人先保存，请刷新页面后重新操作。")) from None
        else:
            label = gettext("企业“%(enterprise)s”的能力描述") % {"enterprise": enterprise.name}
            claim(cap, expected_version or 0, label, text=text, updated_by=actor)
        record(actor, "pairing.capability", cap, region_code=enterprise.region, length=len(text))
    return cap


# ------------------------------------------------------------------------------------------ needs


def _codes(values) -> list[str]:
    if isinstance(values, str):
        values = values.replace("，", ",").replace("、", ",").replace(" ", ",").split(",")
    return [str(v).strip().upper() for v in values or [] if str(v).strip()]


def _clean_need(data: dict, current_deadline: dt.date | None = None) -> tuple[dict, list]:
    """The need's fields with every problem named by its field.

    `current_deadline`: the stored deadline of a need being edited; kept unchanged it is accepted even
    when already passed, so a leader can fix a typo without moving the deadline.
    """
    problems: list = []
    out: dict = {}
    kind = data.get("kind") or ""
    if kind not in NeedKind.values:
        problems.append(("kind", gettext("请选择需求类型（配套供应、揭榜挂帅或服务需求）")))
    out["kind"] = kind
    out["title"] = _text(data.get("title"), "title", gettext("需求标题"), 200, problems)
    out["description"] = _text(data.get("description"), "description", gettext("需求描述"), 4000, problems)
    codes = list(dict.fromkeys(_codes(data.get("industry_codes"))))
    bad = [c for c in codes if engine.industry_name(c) is None]
    if bad:
        problems.append(
            (
                "industry_codes",
                gettext("不是国民经济行业分类代码：%(codes)s（如 C34 或 C3484）")
                % {"codes": gettext("、").join(bad)},
            )
        )
    if len(codes) > 10:
        problems.append(("industry_codes", gettext("期望行业代码最多 10 个")))
    out["industry_codes"] = codes
    regions = list(dict.fromkeys(_codes(data.get("regions"))))
    bad = [c for c in regions if not (len(c) == 6 and c.isdigit() and engine.region(c))]
    if bad:
        problems.append(
            (
                "regions",
                gettext("不是 6 位行政区划代码：%(codes)s（如 330000、330100 或 330106）")
                % {"codes": gettext("、").join(bad)},
            )
        )
    if len(regions) > 10:
        problems.append(("regions", gettext("偏好地区最多 10 个")))
    out["regions"] = regions
    titles = [t for t in dict.fromkeys(data.get("titles") or []) if t]
    bad = [t for t in titles if t not in PREFERRED_TITLES]
    if bad:
        problems.append(("titles", gettext("请从列表中选择偏好称号")))
    out["titles"] = titles
    deadline = data.get("deadline")
    today = timezone.localdate()
    if not isinstance(deadline, dt.date):
        problems.append(("deadline", gettext("请填写响应截止日期")))
    elif deadline == current_deadline:
        pass
    elif deadline < today:
        problems.append(("deadline", gettext("响应截止日期不能早于今天")))
    elif deadline > today + dt.timedelta(days=MAX_DEADLINE_DAYS):
        problems.append(("deadline", gettext("响应截止日期不能晚于一年以后")))
    out["deadline"] = deadline
    return out, problems


def publish_need(actor, data: dict) -> Need:
    """A leader publishes a need; SMEs that fit see it at once."""
    enterprise = _own_enterprise(actor, gettext("发布需求"))
    if not leaders.is_leader(enterprise):
        raise NotAllowed(
            gettext(
                "企业“%(enterprise)s”不是链主企业，不能发布需求：链主为评价划型为大型企业、"
                "或经主管部门标记为链主的企业。如有需要，请联系所在地主管部门标记。"
            )
            % {"enterprise": enterprise.name}
        )
    fields, problems = _clean_need(data)
    if problems:
        raise InvalidInput(
            gettext("需求“%(need)s”有 %(n)s 处需要修改，改好后再发布。")
            % {"need": fields["title"] or gettext("（未命名）"), "n": len(problems)},
            problems,
        )
    with transaction.atomic():
        need = Need.objects.create(leader=enterprise, created_by=actor, **fields)
        record(
            actor,
            "pairing.publish_need",
            need,
            to_state=need.state,
            region_code=enterprise.region,
            kind=need.kind,
            industry_codes=need.industry_codes,
        )
    return need


def update_need(actor, need: Need, data: dict, expected_version: int) -> Need:
    """The leader corrects an open need; an unchanged deadline is kept even when it has passed."""
    _require_leader_user(actor, need, gettext("修改需求"))
    if need.state != NeedState.OPEN:
        raise NotAllowed(
            gettext("需求“%(need)s”已关闭，不能修改；如需继续征集请发布新需求。") % {"need": need.title}
        )
    fields, problems = _clean_need(data, current_deadline=need.deadline)
    if problems:
        raise InvalidInput(
            gettext("需求“%(need)s”有 %(n)s 处需要修改，改好后再保存。")
            % {"need": need.title, "n": len(problems)},
            problems,
        )
    changed = {k: v for k, v in fields.items() if getattr(need, k) != v}
    if not changed:
        raise Unchanged(gettext("需求“%(need)s”没有修改，无需保存。") % {"need": need.title})
    with transaction.atomic():
        claim(need, expected_version, _need_label(need), **changed)
        record(actor, "pairing.update_need", need, region_code=need.leader.region, changed=sorted(changed))
    return need


def close_need(actor, need: Need, note: str, expected_version: int) -> Need:
    """The leader stops collecting responses; responders still waiting are told."""
    _require_leader_user(actor, need, gettext("关闭需求"))
    if need.state != NeedState.OPEN:
        raise NotAllowed(gettext("需求“%(need)s”已关闭，无需重复操作。") % {"need": need.title})
    note = (note or "").strip()
    if len(note) > REASON_MAX:
        what = gettext("需求“%(need)s”的关闭说明") % {"need": need.title}
        raise too_long(what, note, REASON_MAX, "note", gettext("关闭说明"))
    with transaction.atomic():
        claim(need, expected_version, _need_label(need), state=NeedState.CLOSED, close_note=note)
        record(
            actor,
            "pairing.close_need",
            need,
            from_state=NeedState.OPEN,
            to_state=NeedState.CLOSED,
            reason=note,
            region_code=need.leader.region,
        )
        for resp in need.responses.filter(state__in=[R.SUBMITTED, R.SHORTLISTED]).select_related(
            "enterprise"
        ):
            notify_enterprise(
                resp.enterprise,
                msg(gettext_noop("需求“%(need)s”已停止征集"), need=need.title),
                note or msg(gettext_noop("发布企业已关闭该需求。")),
                url=need_url(need),
                topic=TOPIC,
            )
    return need


# ------------------------------------------------------------------------------------------ responses


def respond(actor, need: Need, proposal: str) -> NeedResponse:
    """An enterprise answers an open need with a short proposal; the leader is told."""
    enterprise = _own_enterprise(actor, gettext("响应需求"))
    if enterprise.pk == need.leader_id:
        raise NotAllowed(gettext("不能响应本企业发布的需求“%(need)s”。") % {"need": need.title})
    if need.state != NeedState.OPEN:
        raise NotAllowed(gettext("需求“%(need)s”已停止征集，不能再响应。") % {"need": need.title})
    if need.deadline < timezone.localdate():
        raise NotAllowed(
            gettext("需求“%(need)s”已于 %(day)s 截止响应。")
            % {"need": need.title, "day": need.deadline.isoformat()}
        )
    problems: list = []
    proposal = _text(proposal, "proposal", gettext("响应方案"), PROPOSAL_MAX, problems)
    if problems and proposal:  # too long: say so, not "please fill in"
        what = gettext("对需求“%(need)s”的响应方案") % {"need": need.title}
        raise too_long(what, proposal, PROPOSAL_MAX, "proposal", gettext("响应方案"))
    if problems:
        raise InvalidInput(gettext("请填写响应方案（能提供什么、交付周期、报价区间等）后再提交。"), problems)
    with transaction.atomic():
        resp = NeedResponse.objects.select_for_update().filter(need=need, enterprise=enterprise).first()
        if resp and resp.state != R.WITHDRAWN:
            raise NotAllowed(
                gettext("贵企业已响应需求“%(need)s”，可在“我的响应”中查看进展。") % {"need": need.title}
            )
        if resp:
            before = resp.state
            claim(
                resp,
                resp.version,
                _response_label(need),
                proposal=proposal,
                state=R.SUBMITTED,
                leader_note="",
                created_by=actor,
            )
        else:
            before = ""
            try:
                with transaction.atomic():
                    resp = NeedResponse.objects.create(
                        need=need, enterprise=enterprise, proposal=proposal, created_by=actor
                    )
            except IntegrityError:
                raise NotAllowed(
                    gettext("贵企业已响应需求“%(need)s”，请刷新页面。") % {"need": need.title}
                ) from None
        record(
            actor,
            "pairing.respond",
            resp,
            from_state=before,
            to_state=R.SUBMITTED,
            region_code=enterprise.region,
            need=need.pk,
            leader=need.leader_id,
        )
        notify_enterprise(
            need.leader,
            msg(
                gettext_noop("“%(enterprise)s”响应了您的需求“%(need)s”"),
                enterprise=enterprise.name,
                need=need.title,
            ),
            proposal[:200],
            url=need_url(need),
            topic=TOPIC,
        )
    return resp


def withdraw_response(actor, response: NeedResponse, expected_version: int) -> NeedResponse:
    need = response.need
    enterprise = _own_enterprise(actor, gettext("撤回响应"))
    if enterprise.pk != response.enterprise_id:
        raise NotAllowed(gettext("只能撤回本企业的响应。"))
    if response.state not in (R.SUBMITTED, R.SHORTLISTED):
        raise NotAllowed(
            gettext("对需求“%(need)s”的响应当前为“%(state)s”，不能撤回。")
            % {"need": need.title, "state": response.get_state_display()}
        )
    with transaction.atomic():
        before = response.state
        claim(response, expected_version, _response_label(need), state=R.WITHDRAWN)
        record(
            actor,
            "pairing.withdraw_response",
            response,
            from_state=before,
            to_state=R.WITHDRAWN,
            region_code=enterprise.region,
            need=need.pk,
        )
        notify_enterprise(
            need.leader,
            msg(
                gettext_noop("“%(enterprise)s”撤回了对需求“%(need)s”的响应"),
                enterprise=enterprise.name,
                need=need.title,
            ),
            url=need_url(need),
            topic=TOPIC,
        )
    return response


def _decide(
    actor,
    response: NeedResponse,
    to_state: str,
    note: str,
    expected_version: int,
    allowed_from: tuple,
    doing: str,
    title: Message,
) -> NeedResponse:
    need = response.need
    _require_leader_user(actor, need, doing)
    if response.state not in allowed_from:
        raise NotAllowed(
            gettext("“%(enterprise)s”的响应当前为“%(state)s”，不能%(doing)s。")
            % {"enterprise": response.enterprise.name, "state": response.get_state_display(), "doing": doing}
        )
    with transaction.atomic():
        before = response.state
        claim(
            response,
            expected_version,
            gettext("“%(enterprise)s”的响应") % {"enterprise": response.enterprise.name},
            state=to_state,
            leader_note=note,
        )
        record(
            actor,
            f"pairing.{to_state}",
            response,
            from_state=before,
            to_state=to_state,
            reason=note,
            region_code=need.leader.region,
            need=need.pk,
            enterprise=response.enterprise_id,
        )
        notify_enterprise(response.enterprise, title, note, url=need_url(need), topic=TOPIC)
    return response


def shortlist(actor, response: NeedResponse, note: str, expected_version: int) -> NeedResponse:
    """The leader puts a response on its shortlist (入围), optionally with a note; the SME is told."""
    note = (note or "").strip()
    if len(note) > 2000:
        raise InvalidInput(gettext("意见不能超过 2000 个字。"), [("note", gettext("意见不能超过 2000 个字"))])
    need = response.need
    return _decide(
        actor,
        response,
        R.SHORTLISTED,
        note,
        expected_version,
        (R.SUBMITTED, R.DECLINED),
        gettext("列入入围名单"),
        msg(gettext_noop("贵企业对需求“%(need)s”的响应已入围"), need=need.title),
    )


def decline(actor, response: NeedResponse, note: str, expected_version: int) -> NeedResponse:
    """The leader declines a response with a note saying why; the SME is told."""
    note = (note or "").strip()
    if not note:
        raise InvalidInput(
            gettext("请填写未入围的说明，便于企业改进。"), [("note", gettext("请填写未入围的说明"))]
        )
    if len(note) > 2000:
        raise InvalidInput(gettext("说明不能超过 2000 个字。"), [("note", gettext("说明不能超过 2000 个字"))])
    need = response.need
    return _decide(
        actor,
        response,
        R.DECLINED,
        note,
        expected_version,
        (R.SUBMITTED, R.SHORTLISTED),
        gettext("标记为未入围"),
        msg(gettext_noop("贵企业对需求“%(need)s”的响应未入围"), need=need.title),
    )


def title_labels(codes: list[str]) -> list[str]:
    return [TITLE_SHORT.get(c, c) for c in codes]
