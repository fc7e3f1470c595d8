"""Applying verified records to this installation's tables.

Why here and not in the other apps: a received record is not a user's action; it is another
installation's decision arriving. Each function runs inside the receiver's savepoint, locks the
rows it changes, moves states with claim() (so a concurrent local action loses cleanly), writes
one audit row as the system ("exchange.*", with the origin node) and notifies on commit. A record
that cannot be applied as it stands raises Refused: the receiver quarantines it and reports it.

Copies of another installation's rows (enterprise, batch, assessment, application, recognition)
are marked with an Origin row: the pages show them as read-only copies with their origin.
"""

from __future__ import annotations

import copy
import datetime as dt

from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from portal.accounts.models import User
from portal.accounts.roles import PREFIX_DIGITS, Role
from portal.accounts.scope import region_in_scope
from portal.actions import claim
from portal.assessments.models import Assessment
from portal.audit.record import record
from portal.cultivation.actions import close_reports_of_ended_title
from portal.cultivation.models import (
    LIVE_STATES,
    Application,
    ApplicationState,
    Batch,
    Recognition,
    RecognitionStatus,
    Tier,
)
from portal.enterprises.models import Enterprise
from portal.inbox.message import Label, Message, msg
from portal.inbox.message import label as choice_label
from portal.inbox.send import notify_enterprise, notify_user

from . import kinds, outbox
from .models import Forwarded, Origin, Relation
from .node import LEVEL_NAMES

S = ApplicationState
TOPIC = "exchange"
# The profile document names 科技和创新型 `innovative` (as cultivation.actions.PROFILE_TIER does).
PROFILE_TIER = {Tier.TECH_INNOVATIVE.value: "innovative"}


class Refused(Exception):
    """The record is genuine but cannot be applied here; `code` is stable, `message` is Chinese."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _dt(value):
    return dt.datetime.fromisoformat(value) if value else None


def _date(value):
    return dt.date.fromisoformat(value) if value else None


def _tier(tier: str) -> str:
    try:
        return Tier(tier).label
    except ValueError:
        return tier


def _state(state: str) -> str:
    try:
        return S(state).label
    except ValueError:
        return state


def _tier_param(tier: str) -> Label | str:
    """The tier for an inbox message: translated when shown (an unknown code as is)."""
    try:
        return choice_label(Tier(tier).label)
    except ValueError:
        return tier


def _state_param(state: str) -> Label | str:
    try:
        return choice_label(S(state).label)
    except ValueError:
        return state


def _copy_of(obj, peer) -> Origin | None:
    return Origin.objects.filter(local_type=obj._meta.label_lower, local_id=str(obj.pk), peer=peer).first()


def _mark(obj, peer, kind: str, remote_id) -> None:
    Origin.objects.get_or_create(
        local_type=obj._meta.label_lower,
        local_id=str(obj.pk),
        defaults={"peer": peer, "remote_kind": kind, "remote_id": str(remote_id)},
    )


def _local(peer, kind: str, remote_id, model):
    """The local copy made from (peer, kind, remote id), locked, or None."""
    origin = Origin.objects.filter(
        peer=peer, remote_kind=kind, remote_id=str(remote_id), local_type=model._meta.label_lower
    ).first()
    if origin is None:
        return None
    return model.objects.select_for_update().filter(pk=origin.local_id).first()


def node_officials(me) -> list[User]:
    """The officials of this installation's own level and area (who hear about arrivals and refusals)."""
    users = User.objects.filter(role=me.level, is_active=True).order_by("pk")
    return [u for u in users if region_in_scope(u, me.region or "")] if me.region else list(users)


def _notify_officials(me, region: str, title: Message, body: Message, url: str = "") -> None:
    for user in node_officials(me):
        if region_in_scope(user, region):
            notify_user(user, title, body, url=url, topic=TOPIC)


def _check_enterprise_region(payload: dict) -> None:
    region = payload["region"]
    ent = payload["enterprise"]
    if "region" in ent and ent["region"] != region:
        raise Refused(
            "inconsistent",
            f"记录的地区代码为 {region}，而其中企业“{ent['name']}”的注册地为 {ent['region']}：两者必须一致。",
        )


# --------------------------------------------------------------------------------------- enterprises


def _check_held_enterprise_area(peer, enterprise: Enterprise) -> None:
    """Refuse a child's record naming an enterprise held here outside that child's area.

    Why: the record's own region is checked against the child's area, but the enterprise is found by credit
    code; without this a county could attach applications and titles to another county's enterprise."""
    if not (enterprise.region or "").startswith(peer.prefix):
        raise Refused(
            "out_of_region",
            f"记录中的企业“{enterprise.name}”在本系统登记的注册地为 {enterprise.region}，"
            f"不在{peer.name}的管辖范围（{peer.prefix or '全国'}）内，记录未应用。",
        )


def _minimal_profile(ent: dict) -> dict:
    return {
        "schema": "zjtx.profile/1",
        "name": ent["name"],
        "credit_code": ent["credit_code"],
        "region": ent["region"],
        "industry": ent.get("industry", ""),
    }


def _enterprise(peer, kind: str, remote_id, ent: dict, profile: dict | None) -> Enterprise:
    """The local enterprise with this credit code; created as a copy when missing. A copy from the
    same peer follows the newest snapshot; an enterprise registered here is never overwritten."""
    enterprise = Enterprise.objects.select_for_update().filter(credit_code=ent["credit_code"]).first()
    if enterprise is not None:
        _check_held_enterprise_area(peer, enterprise)
    profile = copy.deepcopy(profile) if isinstance(profile, dict) and profile else _minimal_profile(ent)
    if enterprise is None:
        enterprise = Enterprise.objects.create(
            name=ent["name"],
            credit_code=ent["credit_code"],
            region=ent["region"],
            industry=ent.get("industry", ""),
            profile=profile,
        )
        _mark(enterprise, peer, kind, remote_id)
        return enterprise
    if _copy_of(enterprise, peer) is not None and isinstance(profile, dict) and "financials" in profile:
        keep = (enterprise.profile or {}).get("recognitions")
        if keep is not None:
            profile["recognitions"] = keep
        enterprise.name = ent["name"]
        enterprise.region = ent["region"]
        enterprise.industry = ent.get("industry", "")
        enterprise.profile = profile
        enterprise.version += 1
        enterprise.save(update_fields=["name", "region", "industry", "profile", "version", "updated_at"])
    return enterprise


def _update_profile_titles(enterprise_id: int, rec: Recognition) -> None:
    """Keep the profile's `recognitions` list in step with a copied title (assessments read it)."""
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise_id)
    profile = copy.deepcopy(enterprise.profile) or {}
    entry = {
        "tier": PROFILE_TIER.get(rec.tier, rec.tier),
        "since": rec.valid_from.isoformat(),
        "until": rec.valid_until.isoformat(),
    }
    items = [i for i in (profile.get("recognitions") or []) if isinstance(i, dict) and i != entry]
    if rec.status == RecognitionStatus.ACTIVE:
        items.append(entry)
    if items == (profile.get("recognitions") or []):
        return
    profile["recognitions"] = items
    enterprise.profile = profile
    enterprise.version += 1
    enterprise.save(update_fields=["profile", "version", "updated_at"])


# --------------------------------------------------------------------------------------- applications


def _check_batch_area(b: dict, region: str) -> None:
    """Refuse a batch whose organising area does not contain the enterprise's region.

    Why: a missing batch is created here and then offered to this installation's enterprises of its area;
    a child could otherwise open a batch for another province (or any area) on this installation."""
    prefix = (b["region_code"] or "")[: PREFIX_DIGITS[Role(b["level"])]]
    if not region.startswith(prefix):
        raise Refused(
            "inconsistent",
            f"申报所在批次“{b['name']}”由{LEVEL_NAMES.get(b['level'], b['level'])}"
            f"（{b['region_code'] or '全国'}）组织，不受理注册地为 {region} 的企业：记录前后矛盾，未应用。",
        )


def _batch(peer, remote_id, b: dict) -> Batch:
    batch = Batch.objects.filter(
        tier=b["tier"], year=b["year"], name=b["name"], level=b["level"], region_code=b["region_code"]
    ).first()
    if batch is None:
        batch = Batch.objects.create(
            tier=b["tier"],
            year=b["year"],
            name=b["name"],
            level=b["level"],
            region_code=b["region_code"],
            review_level=b["review_level"],
            opens_on=_date(b["opens_on"]),
            closes_on=_date(b["closes_on"]),
            notice_days=b["notice_days"],
            ruleset_id=b["ruleset_id"],
        )
        _mark(batch, peer, kinds.APPLICATION, remote_id)
    return batch


def _assessment(peer, remote_id, enterprise, a: dict | None) -> Assessment | None:
    if a is None:
        return None
    assessment = Assessment.objects.create(
        enterprise=enterprise,
        ruleset_id=a["ruleset_id"],
        ruleset_label=a.get("ruleset_label", ""),
        engine_version=a.get("engine_version", ""),
        as_of=_date(a["as_of"]),
        is_review=a["is_review"],
        profile_version=a.get("profile_version", 0),
        input_snapshot=a["input_snapshot"],
        result=a["result"],
        highest_tier=a["highest_tier"],
        tier_order=a["tier_order"],
    )
    _mark(assessment, peer, kinds.APPLICATION, remote_id)
    return assessment


def _frozen(a: dict) -> dict:
    declaration = a["declaration"]
    return {
        "submitted_at": _dt(a["submitted_at"]),
        "notice_starts": _date(a.get("notice_starts")),
        "notice_ends": _date(a.get("notice_ends")),
        "declaration_text": declaration["text"],
        "declaration_signed_at": _dt(declaration["signed_at"]),
    }


def _renewed_title(a: dict, enterprise: Enterprise) -> Recognition | None:
    """The local title a re-review renews (by certificate number, the enterprise's own), or None.

    Why: without the link the copy was recognised as a new title valid from the recognition day (overlapping
    the old certificate), the old title did not know its renewal, and revoking it left the re-review open."""
    number = a.get("renews") or ""
    if a["kind"] != "re_review" or not number:
        return None
    return Recognition.objects.filter(certificate_no=number, enterprise=enterprise).first()


def apply_application(peer, entry: dict, me) -> Application | None:
    """A child recommends an application: create (or update) the local copy in the state it asks for."""
    if peer.relation != Relation.CHILD:
        raise Refused("wrong_kind", f"推荐申报只能来自下级节点，{peer.name} 是上级节点。")
    p = entry["payload"]
    _check_enterprise_region(p)
    _check_batch_area(p["batch"], p["region"])
    a = p["application"]
    state = a["state"]
    ent = p["enterprise"]
    label = f"企业“{ent['name']}”的“{_tier(a['tier'])}”申报"
    note = (p["recommendations"][-1].get("note") or "").strip()
    app = _local(peer, kinds.APPLICATION, entry["object_id"], Application)
    data = {"origin": peer.node_id, "sequence": entry["sequence"], "remote_id": entry["object_id"]}

    if app is None:
        if state == S.WITHDRAWN:
            return None  # never held here: nothing to withdraw
        enterprise = _enterprise(peer, kinds.APPLICATION, entry["object_id"], ent, p["profile_snapshot"])
        batch = _batch(peer, entry["object_id"], p["batch"])
        assessment = _assessment(peer, entry["object_id"], enterprise, p["assessment"])
        try:
            with transaction.atomic():
                app = Application.objects.create(
                    enterprise=enterprise,
                    batch=batch,
                    tier=a["tier"],
                    kind=a["kind"],
                    state=state,
                    profile_snapshot=p["profile_snapshot"],
                    assessment=assessment,
                    renews=_renewed_title(a, enterprise),
                    **_frozen(a),
                )
        except IntegrityError:
            raise Refused(
                "conflict",
                f"{label}未接收：该企业在本系统已有一份进行中的同层级申报。请与{peer.name}核对后处理。",
            ) from None
        _mark(app, peer, kinds.APPLICATION, entry["object_id"])
        record(
            None,
            "exchange.receive_application",
            app,
            to_state=state,
            reason=note,
            region_code=enterprise.region,
            **data,
        )
        _announce(
            me, app, peer, msg(gettext_noop("收到下级推荐的申报：%(enterprise)s"), enterprise=enterprise.name)
        )
        return app

    from_state = app.state
    if state == S.WITHDRAWN:
        if from_state == S.WITHDRAWN:
            return app
        if from_state not in LIVE_STATES:
            raise Refused(
                "conflict",
                f"{label}在本系统已为“{_state(from_state)}”，不能再按{peer.name}的记录改为“已撤回”。",
            )
        claim(app, app.version, label, state=S.WITHDRAWN, updated_at=timezone.now())
        record(
            None,
            "exchange.apply_withdraw",
            app,
            from_state=from_state,
            to_state=S.WITHDRAWN,
            reason=f"企业已在{peer.name}撤回申报",
            region_code=app.enterprise.region,
            **data,
        )
        _notify_officials(
            me,
            app.enterprise.region,
            msg(gettext_noop("下级报送的申报已撤回：%(enterprise)s"), enterprise=app.enterprise.name),
            msg(gettext_noop("%(tier)s，企业已在%(peer)s撤回。"), tier=_tier_param(app.tier), peer=peer.name),
        )
        _relay_withdrawal(app, me)
        return app
    if from_state not in (S.RETURNED, state):
        raise Refused(
            "conflict",
            f"{label}在本系统为“{_state(from_state)}”，不能按{peer.name}的再次报送改为“{_state(state)}”。",
        )
    enterprise = _enterprise(peer, kinds.APPLICATION, entry["object_id"], ent, p["profile_snapshot"])
    assessment = _assessment(peer, entry["object_id"], enterprise, p["assessment"])
    claim(
        app,
        app.version,
        label,
        state=state,
        profile_snapshot=p["profile_snapshot"],
        assessment=assessment,
        renews=_renewed_title(a, enterprise),
        updated_at=timezone.now(),
        **_frozen(a),
    )
    record(
        None,
        "exchange.receive_application",
        app,
        from_state=from_state,
        to_state=state,
        reason=note,
        region_code=app.enterprise.region,
        **data,
    )
    _announce(
        me, app, peer, msg(gettext_noop("下级再次推荐的申报：%(enterprise)s"), enterprise=app.enterprise.name)
    )
    return app


def _relay_withdrawal(app: Application, me) -> None:
    """A withdrawn copy that this installation recommended further up: tell that level too.

    Why: the withdrawal reached only the level directly above the enterprise's; the copy one level higher
    stayed pending and could still be approved or recognised there (小巨人 goes county → city → province →
    national), its decision then refused on the way back."""
    forwarded = outbox.latest_forwarded(app)
    if forwarded is not None:
        outbox.publish_application(app, forwarded, node=me)


def _announce(me, app: Application, peer, title: Message) -> None:
    body = msg(
        gettext_noop("%(tier)s，由%(peer)s推荐，当前状态“%(state)s”。"),
        tier=_tier_param(app.tier),
        peer=peer.name,
        state=_state_param(app.state),
    )
    _notify_officials(me, app.enterprise.region, title, body, _app_url(app))


# --------------------------------------------------------------------------------------- decisions

DECIDING_ACTIONS = (
    "cultivation.approve",
    "cultivation.return",
    "cultivation.reject",
    "cultivation.uphold_objection",
)


def _decision_message(state: str, tier: Label | str, level: str, p: dict) -> tuple[Message, Message]:
    who = msg(
        gettext_noop("%(level)s主管部门"), level=choice_label(LEVEL_NAMES.get(level, gettext_noop("上级")))
    )
    reason = str(p["reason"] or "")
    if state == S.IN_NOTICE:
        return (
            msg(gettext_noop("申报已通过%(who)s审核，进入公示：%(tier)s"), who=who, tier=tier),
            msg(
                gettext_noop("公示期 %(starts)s 至 %(ends)s；公示期满无异议后予以认定。"),
                starts=str(p["notice_starts"]),
                ends=str(p["notice_ends"]),
            ),
        )
    if state == S.RETURNED:
        return (
            msg(gettext_noop("申报被%(who)s退回修改：%(tier)s"), who=who, tier=tier),
            msg(gettext_noop("退回理由：%(reason)s。请修改后重新提交。"), reason=reason),
        )
    if state == S.REJECTED:
        return (
            msg(gettext_noop("申报未通过：%(tier)s"), tier=tier),
            msg(gettext_noop("%(who)s意见：%(reason)s"), who=who, reason=reason),
        )
    if state == S.NOTICE_ENDED:
        return msg(gettext_noop("公示期满：%(tier)s"), tier=tier), msg(gettext_noop("请等待认定。"))
    if state == S.RECOMMENDED:
        return (
            msg(gettext_noop("申报已通过省级审核并推荐：%(tier)s"), tier=tier),
            msg(gettext_noop("请等待国家级主管部门审核。")),
        )
    if state == S.RECOGNISED:
        return (
            msg(gettext_noop("申报已获认定：%(tier)s"), tier=tier),
            msg(gettext_noop("认定证书信息将随后同步到本系统。")),
        )
    return (
        msg(gettext_noop("申报状态更新：%(tier)s"), tier=tier),
        msg(gettext_noop("当前状态：%(state)s。%(reason)s"), state=_state_param(state), reason=reason),
    )


def apply_decision(peer, entry: dict, me) -> Application:
    """The parent decided on an application this installation recommended: follow it here."""
    if peer.relation != Relation.PARENT:
        raise Refused("wrong_kind", f"上级决定只能来自上级节点，{peer.name} 是下级节点。")
    p = entry["payload"]
    app_id = p["application_id"]
    app = (
        Application.objects.select_for_update(of=("self",))
        .select_related("enterprise")
        .filter(pk=app_id)
        .first()
        if app_id.isdigit()
        else None
    )
    forwarded = (
        Forwarded.objects.filter(application=app, peer=peer).order_by("-at", "-id").first() if app else None
    )
    if forwarded is None:
        raise Refused(
            "unknown_application", f"上级决定针对的申报 #{app_id} 不是本系统向{peer.name}推荐的申报。"
        )
    if app.enterprise.region != p["region"] or app.enterprise.credit_code != p["enterprise"]["credit_code"]:
        raise Refused(
            "inconsistent", f"上级决定中的企业与本系统申报 #{app_id}（{app.enterprise.name}）不一致。"
        )
    state = p["state"]
    from_state = app.state
    label = f"申报“{app}”"
    if from_state == S.WITHDRAWN and state != S.WITHDRAWN:
        raise Refused("conflict", f"{label}已由企业撤回，{peer.name}的决定（{_state(state)}）未应用。")
    changes = {
        "state": state,
        "notice_starts": _date(p["notice_starts"]),
        "notice_ends": _date(p["notice_ends"]),
        "updated_at": timezone.now(),
    }
    if p["decided_at"]:
        changes["decided_at"] = _dt(p["decided_at"])
    if p["action"] in DECIDING_ACTIONS:
        changes["last_reason"] = p["reason"]
    claim(app, app.version, label, **changes)
    record(
        None,
        "exchange.apply_decision",
        app,
        from_state=from_state,
        to_state=state,
        reason=p["reason"],
        region_code=app.enterprise.region,
        origin=peer.node_id,
        sequence=entry["sequence"],
        decided_action=p["action"],
        decided_by=p["decided_by"],
    )
    Forwarded.objects.filter(pk=forwarded.pk).update(
        decision_state=state,
        decision_reason=p["reason"],
        decided_at=changes.get("decided_at") or timezone.now(),
    )
    if from_state != state:
        title, body = _decision_message(state, _tier_param(app.tier), p["decided_by"]["level"], p)
        notify_enterprise(app.enterprise, title, body, url=_app_url(app), topic="cultivation")
    # A copy of a child's application: pass the decision on down.
    outbox.publish_decision(
        app, action=p["action"], reason=p["reason"], actor=None, decided_by=p["decided_by"], node=me
    )
    return app


def _app_url(app) -> str:
    try:
        return reverse("cultivation:application", args=[app.pk])
    except NoReverseMatch:
        return ""


# --------------------------------------------------------------------------------------- recognitions


def apply_recognition(peer, entry: dict, me) -> Recognition:
    """A title issued above (for an application we recommended) or below (issued in a child's area)."""
    p = entry["payload"]
    _check_enterprise_region(p)
    ent = p["enterprise"]
    app = None
    if peer.relation == Relation.PARENT:
        app_id = p.get("application_id") or ""
        app = (
            Application.objects.select_related("enterprise").filter(pk=app_id).first()
            if app_id.isdigit()
            else None
        )
        if app is None or not Forwarded.objects.filter(application=app, peer=peer).exists():
            raise Refused(
                "unknown_application",
                f"上级认定“{p['certificate_no']}”针对的申报 #{app_id} 不是本系统推荐的申报。",
            )
        if app.enterprise.credit_code != ent["credit_code"]:
            raise Refused(
                "inconsistent", f"上级认定“{p['certificate_no']}”的企业与本系统申报 #{app_id} 不一致。"
            )
        enterprise = app.enterprise
    else:
        enterprise = _enterprise(peer, kinds.RECOGNITION, entry["object_id"], ent, None)
    fields = {
        "tier": p["tier"],
        "valid_from": _date(p["valid_from"]),
        "valid_until": _date(p["valid_until"]),
        "status": p["status"],
        "issued_by_level": p["issued_by_level"],
        "issued_by_region": p["issued_by_region"],
        "revoked_at": _dt(p["revoked_at"]),
        "revoked_reason": p["revoked_reason"],
    }
    rec = _local(peer, kinds.RECOGNITION, entry["object_id"], Recognition)
    label = f"认定“{p['certificate_no']}”"
    if rec is None:
        clash = (
            Recognition.objects.filter(certificate_no=p["certificate_no"]).exists()
            or Recognition.objects.filter(verification_code=p["verification_code"]).exists()
        )
        if clash:
            raise Refused("conflict", f"{label}未接收：本系统已有相同证书编号或验证码的认定。")
        if app is not None and Recognition.objects.filter(application=app).exists():
            raise Refused("conflict", f"{label}未接收：本系统申报 #{app.pk} 已有认定。")
        from_state = ""
        rec = Recognition.objects.create(
            enterprise=enterprise,
            application=app,
            certificate_no=p["certificate_no"],
            verification_code=p["verification_code"],
            recognised_by=None,
            **fields,
        )
        _mark(rec, peer, kinds.RECOGNITION, entry["object_id"])
    else:
        from_state = rec.status
        claim(rec, rec.version, label, **fields)
    _update_profile_titles(enterprise.pk, rec)
    record(
        None,
        "exchange.apply_recognition",
        rec,
        from_state=from_state,
        to_state=rec.status,
        reason=rec.revoked_reason,
        region_code=enterprise.region,
        origin=peer.node_id,
        sequence=entry["sequence"],
        certificate_no=rec.certificate_no,
    )
    if app is not None and from_state != rec.status:
        tier = _tier_param(rec.tier)
        number, until = str(rec.certificate_no), str(rec.valid_until)
        if rec.status == RecognitionStatus.ACTIVE:
            title, body = (
                msg(gettext_noop("认定证书已同步：%(tier)s"), tier=tier),
                msg(
                    gettext_noop("证书编号 %(number)s，有效期 %(starts)s 至 %(ends)s。"),
                    number=number,
                    starts=str(rec.valid_from),
                    ends=until,
                ),
            )
        elif rec.status == RecognitionStatus.REVOKED:
            title, body = (
                msg(gettext_noop("认定已撤销：%(tier)s"), tier=tier),
                msg(
                    gettext_noop("证书编号 %(number)s。撤销理由：%(reason)s"),
                    number=number,
                    reason=str(rec.revoked_reason),
                ),
            )
        else:
            title, body = (
                msg(gettext_noop("认定已到期：%(tier)s"), tier=tier),
                msg(gettext_noop("证书编号 %(number)s，有效期至 %(ends)s。"), number=number, ends=until),
            )
        notify_enterprise(enterprise, title, body, topic="cultivation")
    if from_state != rec.status:
        close_reports_of_ended_title(rec)  # revoked or expired there: nothing is left to decide here
    outbox.publish_recognition(rec, node=me)
    return rec


# --------------------------------------------------------------------------------------- dispatch

FROM_CHILD = {kinds.APPLICATION, kinds.RECOGNITION} | {k.name for k in kinds.MODEL_KINDS}
FROM_PARENT = {kinds.DECISION, kinds.RECOGNITION}


def apply(peer, entry: dict, me):
    """Apply one verified record; the local object it became (or None for replicas)."""
    kind = entry["kind"]
    allowed = FROM_CHILD if peer.relation == Relation.CHILD else FROM_PARENT
    if kind not in allowed:
        raise Refused(
            "wrong_kind", f"{peer.get_relation_display()}{peer.name}不应发送“{kinds.label(kind)}”记录。"
        )
    if kind == kinds.APPLICATION:
        return apply_application(peer, entry, me)
    if kind == kinds.DECISION:
        return apply_decision(peer, entry, me)
    if kind == kinds.RECOGNITION:
        return apply_recognition(peer, entry, me)
    return None  # model kinds: kept as replicas in Received
