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

from portal.accounts.roles import OFFICIAL_ROLES, Role
from portal.accounts.scope import require_enterprise
from portal.actions import InvalidInput, NotAllowed, claim
from portal.assessments import engine
from portal.audit.record import record
from portal.inbox.send import notify_enterprise

from . import leaders
from .models import EnterpriseCapability, LeaderFlag, Need, NeedKind, NeedResponse, NeedState, ResponseState
from .scoring import TITLE_SHORT

TOPIC = "pairing"
R = ResponseState
PREFERRED_TITLES = ("innovative", "tech_innovative", "specialized", "little_giant")
MAX_DEADLINE_DAYS = 366
CAPABILITY_MAX = 2000
PROPOSAL_MAX = 2000


def need_url(need) -> str:
    try:
        return reverse("pairing:need", args=[need.pk])
    except NoReverseMatch:
        return ""


def _require_login(actor) -> None:
    if not getattr(actor, "is_authenticated", False):
        raise NotAllowed("请先登录，再办理融通对接事项。")


def _who(actor) -> str:
    try:
        return Role(actor.role).label
    except ValueError:
        return actor.role


def _own_enterprise(actor, doing: str):
    _require_login(actor)
    if actor.role != Role.ENTERPRISE or actor.enterprise_id is None:
        raise NotAllowed(f"{_who(actor)}不能{doing}：此操作由企业用户办理。")
    return actor.enterprise


def _require_leader_user(actor, need: Need, doing: str) -> None:
    _require_login(actor)
    if not (actor.role == Role.ENTERPRISE and actor.enterprise_id == need.leader_id):
        raise NotAllowed(f"不能{doing}：需求“{need.title}”只能由发布企业“{need.leader.name}”的用户处理。")


def _text(value, field: str, label: str, limit: int, problems: list, required: bool = True) -> str:
    out = str(value or "").strip()
    if required and not out:
        problems.append((field, f"请填写{label}"))
    elif len(out) > limit:
        problems.append((field, f"{label}不能超过 {limit} 个字"))
    return out


# ------------------------------------------------------------------------------------------ leaders


def flag_leader(actor, enterprise, reason: str) -> LeaderFlag:
    """An official marks an enterprise in their region as 链主, so it may publish needs."""
    _require_login(actor)
    if actor.role not in OFFICIAL_ROLES and actor.role != Role.ADMIN:
        raise NotAllowed(f"{_who(actor)}不能标记链主：由主管部门办理。")
    require_enterprise(actor, enterprise)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("请填写标记为链主的理由。", [("reason", "请填写标记理由（如“省级链主企业名单”）")])
    with transaction.atomic():
        flag = LeaderFlag.objects.select_for_update().filter(enterprise=enterprise).first()
        if flag and flag.active:
            raise NotAllowed(f"企业“{enterprise.name}”已是链主，无需重复标记。")
        if flag:
            claim(
                flag,
                flag.version,
                f"企业“{enterprise.name}”的链主标记",
                active=True,
                reason=reason,
                flagged_by=actor,
            )
        else:
            flag = LeaderFlag.objects.create(enterprise=enterprise, reason=reason, flagged_by=actor)
        record(
            actor,
            "pairing.flag_leader",
            flag,
            to_state="active",
            reason=reason,
            region_code=enterprise.region,
            enterprise=enterprise.pk,
        )
        notify_enterprise(
            enterprise,
            "贵企业已被标记为链主企业",
            "可以在“融通对接”页面发布配套供应、揭榜挂帅和服务需求。",
            topic=TOPIC,
        )
    return flag


def unflag_leader(actor, flag: LeaderFlag, reason: str, expected_version: int) -> LeaderFlag:
    _require_login(actor)
    if actor.role not in OFFICIAL_ROLES and actor.role != Role.ADMIN:
        raise NotAllowed(f"{_who(actor)}不能取消链主标记：由主管部门办理。")
    enterprise = flag.enterprise
    require_enterprise(actor, enterprise)
    if not flag.active:
        raise NotAllowed(f"企业“{enterprise.name}”的链主标记已取消，无需重复操作。")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("请填写取消链主标记的理由。", [("reason", "请填写取消理由")])
    with transaction.atomic():
        claim(flag, expected_version, f"企业“{enterprise.name}”的链主标记", active=False, reason=reason)
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
            enterprise, "贵企业的链主标记已取消", f"理由：{reason}。已发布的需求不受影响。", topic=TOPIC
        )
    return flag


# ------------------------------------------------------------------------------------------ capability


def save_capability(actor, enterprise, text: str, expected_version: int | None) -> EnterpriseCapability:
    """The enterprise's own capability text (what it makes and can do), read by the suggestions."""
    own = _own_enterprise(actor, "填写能力描述")
    if own.pk != enterprise.pk:
        raise NotAllowed(f"不能修改企业“{enterprise.name}”的能力描述：只能修改本企业的。")
    problems: list = []
    text = _text(text, "text", "能力描述", CAPABILITY_MAX, problems, required=False)
    if problems:
        raise InvalidInput("能力描述需要修改后再保存。", problems)
    with transaction.atomic():
        cap = EnterpriseCapability.objects.filter(enterprise=enterprise).first()
        if cap is None:
            if expected_version not in (None, 0):
                raise NotAllowed("能力描述已被删除，请刷新页面后重新填写。")
            try:
                with transaction.atomic():
                    cap = EnterpriseCapability.objects.create(
                        enterprise=enterprise, text=text, updated_by=actor
                    )
            except IntegrityError:
                raise NotAllowed("能力描述已被他人先保存，请刷新页面后重新操作。") from None
        else:
            claim(
                cap, expected_version or 0, f"企业“{enterprise.name}”的能力描述", text=text, updated_by=actor
            )
        record(actor, "pairing.capability", cap, region_code=enterprise.region, length=len(text))
    return cap


# ------------------------------------------------------------------------------------------ needs


def _codes(values) -> list[str]:
    if isinstance(values, str):
        values = values.replace("，", ",").replace("、", ",").replace(" ", ",").split(",")
    return [str(v).strip().upper() for v in values or [] if str(v).strip()]


def _clean_need(data: dict) -> tuple[dict, list]:
    problems: list = []
    out: dict = {}
    kind = data.get("kind") or ""
    if kind not in NeedKind.values:
        problems.append(("kind", "请选择需求类型（配套供应、揭榜挂帅或服务需求）"))
    out["kind"] = kind
    out["title"] = _text(data.get("title"), "title", "需求标题", 200, problems)
    out["description"] = _text(data.get("description"), "description", "需求描述", 4000, problems)
    codes = list(dict.fromkeys(_codes(data.get("industry_codes"))))
    bad = [c for c in codes if engine.industry_name(c) is None]
    if bad:
        problems.append(("industry_codes", f"不是国民经济行业分类代码：{'、'.join(bad)}（如 C34 或 C3484）"))
    if len(codes) > 10:
        problems.append(("industry_codes", "期望行业代码最多 10 个"))
    out["industry_codes"] = codes
    regions = list(dict.fromkeys(_codes(data.get("regions"))))
    bad = [c for c in regions if not (len(c) == 6 and c.isdigit() and engine.region(c))]
    if bad:
        problems.append(
            ("regions", f"不是 6 位行政区划代码：{'、'.join(bad)}（如 330000、330100 或 330106）")
        )
    if len(regions) > 10:
        problems.append(("regions", "偏好地区最多 10 个"))
    out["regions"] = regions
    titles = [t for t in dict.fromkeys(data.get("titles") or []) if t]
    bad = [t for t in titles if t not in PREFERRED_TITLES]
    if bad:
        problems.append(("titles", "请从列表中选择偏好称号"))
    out["titles"] = titles
    deadline = data.get("deadline")
    today = timezone.localdate()
    if not isinstance(deadline, dt.date):
        problems.append(("deadline", "请填写响应截止日期"))
    elif deadline < today:
        problems.append(("deadline", "响应截止日期不能早于今天"))
    elif deadline > today + dt.timedelta(days=MAX_DEADLINE_DAYS):
        problems.append(("deadline", "响应截止日期不能晚于一年以后"))
    out["deadline"] = deadline
    return out, problems


def publish_need(actor, data: dict) -> Need:
    """A leader publishes a need; SMEs that fit see it at once."""
    enterprise = _own_enterprise(actor, "发布需求")
    if not leaders.is_leader(enterprise):
        raise NotAllowed(
            f"企业“{enterprise.name}”不是链主企业，不能发布需求：链主为评价划型为大型企业、"
            "或经主管部门标记为链主的企业。如有需要，请联系所在地主管部门标记。"
        )
    fields, problems = _clean_need(data)
    if problems:
        raise InvalidInput(
            f"需求“{fields['title'] or '（未命名）'}”有 {len(problems)} 处需要修改，改好后再发布。", problems
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
    _require_leader_user(actor, need, "修改需求")
    if need.state != NeedState.OPEN:
        raise NotAllowed(f"需求“{need.title}”已关闭，不能修改；如需继续征集请发布新需求。")
    fields, problems = _clean_need(data)
    if problems:
        raise InvalidInput(f"需求“{need.title}”有 {len(problems)} 处需要修改，改好后再保存。", problems)
    changed = {k: v for k, v in fields.items() if getattr(need, k) != v}
    with transaction.atomic():
        claim(need, expected_version, f"需求“{need.title}”", **changed)
        record(actor, "pairing.update_need", need, region_code=need.leader.region, changed=sorted(changed))
    return need


def close_need(actor, need: Need, note: str, expected_version: int) -> Need:
    """The leader stops collecting responses; responders still waiting are told."""
    _require_leader_user(actor, need, "关闭需求")
    if need.state != NeedState.OPEN:
        raise NotAllowed(f"需求“{need.title}”已关闭，无需重复操作。")
    note = (note or "").strip()
    with transaction.atomic():
        claim(need, expected_version, f"需求“{need.title}”", state=NeedState.CLOSED, close_note=note)
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
                f"需求“{need.title}”已停止征集",
                note or "发布企业已关闭该需求。",
                url=need_url(need),
                topic=TOPIC,
            )
    return need


# ------------------------------------------------------------------------------------------ responses


def respond(actor, need: Need, proposal: str) -> NeedResponse:
    """An enterprise answers an open need with a short proposal; the leader is told."""
    enterprise = _own_enterprise(actor, "响应需求")
    if enterprise.pk == need.leader_id:
        raise NotAllowed(f"不能响应本企业发布的需求“{need.title}”。")
    if need.state != NeedState.OPEN:
        raise NotAllowed(f"需求“{need.title}”已停止征集，不能再响应。")
    if need.deadline < timezone.localdate():
        raise NotAllowed(f"需求“{need.title}”已于 {need.deadline.isoformat()} 截止响应。")
    problems: list = []
    proposal = _text(proposal, "proposal", "响应方案", PROPOSAL_MAX, problems)
    if problems:
        raise InvalidInput("请填写响应方案（能提供什么、交付周期、报价区间等）后再提交。", problems)
    with transaction.atomic():
        resp = NeedResponse.objects.select_for_update().filter(need=need, enterprise=enterprise).first()
        if resp and resp.state != R.WITHDRAWN:
            raise NotAllowed(f"贵企业已响应需求“{need.title}”，可在“我的响应”中查看进展。")
        if resp:
            before = resp.state
            claim(
                resp,
                resp.version,
                f"对需求“{need.title}”的响应",
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
                raise NotAllowed(f"贵企业已响应需求“{need.title}”，请刷新页面。") from None
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
            f"“{enterprise.name}”响应了您的需求“{need.title}”",
            proposal[:200],
            url=need_url(need),
            topic=TOPIC,
        )
    return resp


def withdraw_response(actor, response: NeedResponse, expected_version: int) -> NeedResponse:
    need = response.need
    enterprise = _own_enterprise(actor, "撤回响应")
    if enterprise.pk != response.enterprise_id:
        raise NotAllowed("只能撤回本企业的响应。")
    if response.state not in (R.SUBMITTED, R.SHORTLISTED):
        raise NotAllowed(f"对需求“{need.title}”的响应当前为“{response.get_state_display()}”，不能撤回。")
    with transaction.atomic():
        before = response.state
        claim(response, expected_version, f"对需求“{need.title}”的响应", state=R.WITHDRAWN)
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
            f"“{enterprise.name}”撤回了对需求“{need.title}”的响应",
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
    title: str,
) -> NeedResponse:
    need = response.need
    _require_leader_user(actor, need, doing)
    if response.state not in allowed_from:
        raise NotAllowed(
            f"“{response.enterprise.name}”的响应当前为“{response.get_state_display()}”，不能{doing}。"
        )
    with transaction.atomic():
        before = response.state
        claim(
            response,
            expected_version,
            f"“{response.enterprise.name}”的响应",
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
        raise InvalidInput("意见不能超过 2000 个字。", [("note", "意见不能超过 2000 个字")])
    need = response.need
    return _decide(
        actor,
        response,
        R.SHORTLISTED,
        note,
        expected_version,
        (R.SUBMITTED, R.DECLINED),
        "列入入围名单",
        f"贵企业对需求“{need.title}”的响应已入围",
    )


def decline(actor, response: NeedResponse, note: str, expected_version: int) -> NeedResponse:
    """The leader declines a response with a note saying why; the SME is told."""
    note = (note or "").strip()
    if not note:
        raise InvalidInput("请填写未入围的说明，便于企业改进。", [("note", "请填写未入围的说明")])
    if len(note) > 2000:
        raise InvalidInput("说明不能超过 2000 个字。", [("note", "说明不能超过 2000 个字")])
    need = response.need
    return _decide(
        actor,
        response,
        R.DECLINED,
        note,
        expected_version,
        (R.SUBMITTED, R.SHORTLISTED),
        "标记为未入围",
        f"贵企业对需求“{need.title}”的响应未入围",
    )


def title_labels(codes: list[str]) -> list[str]:
    return [TITLE_SHORT.get(c, c) for c in codes]
