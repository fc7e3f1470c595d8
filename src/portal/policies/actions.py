"""Every state change of the policy library: authoring, publishing, 免申即享 grants, subscriptions.

Each function is one atomic step: it checks the actor (role and region through
portal.accounts.scope and the rules below), validates, claims the row on `version`, writes one
audit row, and notifies on commit. Who may do what:

- manage a policy (create, edit, publish, withdraw, attach): an official of the policy's level
  whose area is the policy's area (a county official its county's policies…), or an admin;
- see a policy's eligible list: an official whose area overlaps the policy's area — the list
  holds only enterprises inside both;
- confirm a 免申即享 list / decide a payout: an official whose area lies inside the policy's area,
  for enterprises in their own area.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from portal.accounts.roles import OFFICIAL_ROLES, Role
from portal.accounts.scope import OutOfScope, enterprise_in_scope
from portal.actions import InvalidInput, NotAllowed, claim
from portal.assessments import engine
from portal.audit.record import record
from portal.enterprises.models import Enterprise
from portal.inbox.message import msg
from portal.inbox.send import notify_enterprise
from portal.uploads import DAMAGED, KINDS, LOCKED, accepted_names, clean_name, read_upload

from . import matching, search
from .models import (
    LEVEL_DIGITS,
    Attachment,
    BenefitBasis,
    BenefitType,
    Grade,
    Grant,
    GrantStatus,
    Level,
    Policy,
    Status,
    Subscription,
    Topic,
)

log = logging.getLogger(__name__)

ROLE_LEVEL = {
    Role.NATIONAL: Level.NATIONAL,
    Role.PROVINCE: Level.PROVINCE,
    Role.CITY: Level.CITY,
    Role.COUNTY: Level.COUNTY,
}
POLICY_LABEL = gettext_lazy("该政策")
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
# Judged by content (portal.uploads): PDF, Word/Excel/OFD (zip or OLE2), PNG, JPEG.
ATTACHMENT_TYPES = ("application/pdf", "application/zip", "application/msword", "image/png", "image/jpeg")
FIELDS = (
    "title",
    "department",
    "document_number",
    "publish_date",
    "apply_from",
    "apply_until",
    "expires_on",
    "benefit_type",
    "benefit_basis",
    "benefit_amount",
    "benefit_text",
    "summary",
    "full_text",
    "sources",
    "topics",
    "conditions",
    "no_application",
    "grade",
    "is_example",
)


def _is_admin(user) -> bool:
    return bool(getattr(user, "is_superuser", False) or getattr(user, "role", None) == Role.ADMIN)


def _is_official(user) -> bool:
    """An official with a region: an account whose region code is missing has no area (region_prefix None),
    and the `or ""` below must not turn that into the whole country."""
    return (
        getattr(user, "is_authenticated", False)
        and getattr(user, "role", None) in OFFICIAL_ROLES
        and user.region_prefix is not None
    )


def official_level(user) -> tuple[str, str] | None:
    """(policy level, region code) an official publishes at; None for anyone else, and for an official whose
    account has no region (region_prefix None): their policies would otherwise cover the whole country."""
    if not _is_official(user) or user.region_prefix is None:
        return None
    return ROLE_LEVEL[Role(user.role)], user.region_code if user.role != Role.NATIONAL else ""


def may_manage(user, policy: Policy) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if _is_admin(user):
        return True
    mine = official_level(user)
    return mine is not None and mine[0] == policy.level and (user.region_prefix or "") == policy.region_prefix


def may_view(user, policy: Policy) -> bool:
    return policy.status != Status.DRAFT or may_manage(user, policy)


def list_prefix(user, policy: Policy) -> str:
    """The area whose enterprises the user may see on the policy's list; OutOfScope if none."""
    if _is_admin(user):
        return policy.region_prefix
    if not _is_official(user):
        raise OutOfScope(user, _list_label(policy))
    mine = user.region_prefix or ""
    if mine.startswith(policy.region_prefix):
        return mine
    if policy.region_prefix.startswith(mine):
        return policy.region_prefix
    raise OutOfScope(user, _list_label(policy))


def _list_label(policy: Policy) -> str:
    return gettext("政策“%(title)s”的企业名单") % {"title": policy.title}


def may_confirm(user, policy: Policy) -> bool:
    return _is_official(user) and (user.region_prefix or "").startswith(policy.region_prefix)


def policy_url(policy: Policy) -> str:
    return reverse("policies:detail", args=[policy.pk])


# ---------------------------------------------------------------- validation


def _money(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value).replace(",", ""))
    except ArithmeticError:
        return None
    return amount if amount.is_finite() else None


def policy_problems(
    data: dict, *, as_of: dt.date, issuer_prefix: str, actor=None
) -> tuple[list[tuple[str, str]], object | None]:
    """Every problem of a policy's fields as (field, Chinese message), and the checked conditions.

    With an `actor` (an official saving or publishing), clusters named by the conditions must be
    in the cluster registry and visible to them; a catalogue import (no actor) may name clusters
    not registered yet (they match nobody until they are: docs/policies.md)."""
    problems: list[tuple[str, str]] = []
    for name, label in (("title", gettext("政策名称")), ("department", gettext("发文机关"))):
        if not str(data.get(name) or "").strip():
            problems.append((name, gettext("%(label)s：必填") % {"label": label}))
    if data.get("benefit_type") not in BenefitType.values:
        problems.append(
            (
                "benefit_type",
                gettext("支持方式：须为 %(values)s 之一") % {"values": "、".join(BenefitType.values)},
            )
        )
    basis = data.get("benefit_basis") or BenefitBasis.NONE
    if basis not in BenefitBasis.values:
        problems.append(
            (
                "benefit_basis",
                gettext("金额方式：须为 %(values)s 之一") % {"values": "、".join(BenefitBasis.values)},
            )
        )
    amount = data.get("benefit_amount")
    if amount is not None and (
        not isinstance(amount, Decimal) or amount < 0 or amount != amount.quantize(Decimal("0.01"))
    ):
        problems.append(("benefit_amount", gettext("金额：须为非负数，最多两位小数（元）")))
    if basis in (BenefitBasis.FIXED, BenefitBasis.CAP) and amount is None:
        problems.append(("benefit_amount", gettext("金额：固定金额或最高金额的政策须填写金额")))
    for name, label in (
        ("publish_date", gettext("发布日期")),
        ("apply_from", gettext("申报开始")),
        ("apply_until", gettext("申报截止")),
        ("expires_on", gettext("有效期至")),
    ):
        if data.get(name) is not None and not isinstance(data[name], dt.date):
            problems.append((name, gettext("%(label)s：须为 YYYY-MM-DD 格式的日期") % {"label": label}))
    dates_ok = not any(p[0] in ("apply_from", "apply_until") for p in problems)
    if (
        dates_ok
        and data.get("apply_from")
        and data.get("apply_until")
        and data["apply_from"] > data["apply_until"]
    ):
        problems.append(("apply_until", gettext("申报截止：不能早于申报开始")))
    if not any(p[0] in DATE_FIELDS for p in problems):
        problems += _expiry_problems(data)
    if data.get("grade", Grade.B) not in Grade.values:
        problems.append(("grade", gettext("可信度：须为 A、B 或 C")))
    bad_topics = [t for t in data.get("topics") or [] if t not in Topic.values]
    if bad_topics:
        problems.append(
            (
                "topics",
                gettext("主题：未知的主题 %(bad)s（可用：%(values)s）")
                % {"bad": "、".join(map(str, bad_topics)), "values": "、".join(Topic.values)},
            )
        )
    sources = data.get("sources") or []
    if not isinstance(sources, list) or any(not isinstance(s, str) for s in sources):
        problems.append(("sources", gettext("来源网址：须为网址列表")))
    else:
        problems += [
            (
                "sources",
                gettext(
                    "来源网址：第 %(n)s 行“%(value)s”不是网址，请填写以 http:// 或 https:// 开头的完整网址"
                )
                % {"n": n, "value": s},
            )
            for n, s in enumerate(sources, start=1)
            if not is_web_address(s)
        ]
    conditions = data.get("conditions") or []
    checked = None
    if not isinstance(conditions, list):
        problems.append(("conditions", gettext("申报条件：须为条件列表")))
    else:
        try:
            checked = engine.policy_check(conditions, issuer_region=issuer_prefix, as_of=as_of)
        except engine.PolicyConditionError as exc:
            problems += [("conditions", _condition_text(p)) for p in exc.problems]
        else:
            if actor is not None:
                problems += _cluster_problems(checked, actor)
    return problems, checked


DATE_FIELDS = ("publish_date", "apply_from", "apply_until", "expires_on")


def _expiry_problems(data: dict) -> list[tuple[str, str]]:
    """A policy cannot expire before it was issued or before its application window closes."""
    expires = data.get("expires_on")
    if expires is None:
        return []
    problems = []
    for name, label in (
        ("publish_date", gettext("发布日期")),
        ("apply_from", gettext("申报开始")),
        ("apply_until", gettext("申报截止")),
    ):
        day = data.get(name)
        if day is not None and expires < day and not (name == "apply_from" and data.get("apply_until")):
            problems.append(
                (
                    "expires_on",
                    gettext("有效期至：不能早于%(label)s（%(day)s）")
                    % {"label": label, "day": day.isoformat()},
                )
            )
    return problems


def is_web_address(text: str) -> bool:
    """http(s) with a host: the only sources shown as links (a “javascript:” one would run script)."""
    parts = urlsplit(str(text).strip())
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def _cluster_problems(checked, actor) -> list[tuple[str, str]]:
    """Clusters are named exactly as in the registry, and only those the official can see."""
    from portal.clusters.access import clusters_for
    from portal.clusters.models import Cluster

    named = engine.policy_clusters_named(checked)
    wanted = {name for _n, _label, names in named for name in names}
    if not wanted:
        return []
    visible = set(clusters_for(actor).filter(name__in=wanted).values_list("name", flat=True))
    registered = set(Cluster.objects.filter(name__in=wanted).values_list("name", flat=True))
    problems = []
    for number, label, names in named:
        for name in names:
            if name in visible:
                continue
            message = (
                gettext("产业集群“%(name)s”不在您的管辖范围内，请从本地区的集群名录中选择")
                if name in registered
                else gettext("产业集群“%(name)s”未在集群名录中登记（名称须与名录完全一致），请从名录中选择")
            ) % {"name": name}
            problems.append(("conditions", _condition_text((number, label, message))))
    return problems


def _condition_text(p: tuple[int, str, str]) -> str:
    number, label, message = p
    if label:
        return gettext("条件 %(n)s（%(label)s）：%(error)s") % {"n": number, "label": label, "error": message}
    return gettext("条件 %(n)s：%(error)s") % {"n": number, "error": message}


def _clean(data: dict) -> dict:
    out = {k: data.get(k) for k in FIELDS if k in data}
    for key in ("title", "department", "document_number", "benefit_text", "summary", "full_text"):
        if key in out:
            out[key] = str(out[key] or "").strip()
    out.setdefault("benefit_basis", BenefitBasis.NONE)
    out["topics"] = list(out.get("topics") or [])
    out["sources"] = list(out.get("sources") or [])
    out["conditions"] = list(out.get("conditions") or [])
    return out


# ---------------------------------------------------------------- authoring


def save_policy(
    actor,
    data: dict,
    *,
    policy: Policy | None = None,
    expected_version: int | None = None,
    level: str | None = None,
    region_code: str | None = None,
) -> Policy:
    """Create (policy None) or edit a policy. Officials publish at their own level and area; an admin
    may pass `level` and `region_code`. Raises NotAllowed, InvalidInput (problems per field), StaleObject."""
    mine = official_level(actor)
    if policy is None:
        if _is_admin(actor) and level:
            lvl, code = level, region_code or ""
        elif mine is not None:
            lvl, code = mine
        else:
            raise NotAllowed(gettext("只有主管部门（或平台管理员）可以发布政策。"))
    else:
        if not may_manage(actor, policy):
            raise NotAllowed(
                gettext("政策“%(title)s”由%(level)s主管部门（%(area)s）维护，您无权修改。")
                % {
                    "title": policy.title,
                    "level": policy.get_level_display(),
                    "area": _area_name(policy.region_prefix),
                }
            )
        lvl, code = policy.level, policy.region_code
    if lvl not in Level.values:
        raise InvalidInput(
            gettext("发布层级无效"),
            [("level", gettext("发布层级：须为 %(values)s 之一") % {"values": "、".join(Level.values)})],
        )
    prefix = (code or "")[: LEVEL_DIGITS[Level(lvl)]]
    if len(prefix) != LEVEL_DIGITS[Level(lvl)]:
        raise InvalidInput(
            gettext("发布机关地区代码与层级不符"),
            [
                (
                    "region_code",
                    gettext("发布机关地区代码：%(level)s 级政策须给出 6 位地区代码") % {"level": lvl},
                )
            ],
        )
    clean = _clean(data)
    problems, checked = policy_problems(clean, as_of=matching.today(), issuer_prefix=prefix, actor=actor)
    if problems:
        raise InvalidInput(
            gettext("政策有 %(n)s 处需要修改，请按提示修改后再保存。") % {"n": len(problems)}, problems
        )
    clean["expression"] = engine.policy_expression(checked)
    with transaction.atomic():
        if policy is None:
            policy = Policy.objects.create(
                level=lvl, region_code=code or "", region_prefix=prefix, created_by=actor, **clean
            )
            record(
                actor,
                "policies.created",
                policy,
                to_state=policy.status,
                region_code=policy.region_code,
                conditions=len(clean["conditions"]),
            )
        else:
            claim(
                policy,
                expected_version if expected_version is not None else policy.version,
                POLICY_LABEL,
                **clean,
                updated_at=timezone.now(),
            )
            record(
                actor,
                "policies.updated",
                policy,
                region_code=policy.region_code,
                version=policy.version,
                fields=sorted(clean),
            )
            if policy.status == Status.PUBLISHED:
                _push_on_commit(policy.pk)
        search.reindex(policy)
    return policy


def _area_name(prefix: str) -> str:
    if not prefix:
        return gettext("全国")
    return engine.policy_code_name("region", prefix)


def _push_on_commit(policy_id: int) -> None:
    from . import tasks

    transaction.on_commit(lambda: enqueue(tasks.push_policy, policy_id))


def enqueue(task, *args) -> None:
    try:
        task.enqueue(*args)
    except Exception:  # noqa: BLE001 - a push that cannot be queued must never undo the user's action
        log.exception("policies: could not enqueue %s%r", task.name, args)


def publish_policy(actor, policy: Policy, *, expected_version: int) -> Policy:
    """DRAFT → PUBLISHED; enterprises that fit are notified in the background (once per policy)."""
    if not may_manage(actor, policy):
        raise NotAllowed(gettext("您无权发布该政策。"))
    if policy.status != Status.DRAFT:
        raise NotAllowed(
            gettext("该政策当前为“%(state)s”，只有草稿可以发布。") % {"state": policy.get_status_display()}
        )
    data = {k: getattr(policy, k) for k in FIELDS}
    problems, _checked = policy_problems(
        data, as_of=matching.today(), issuer_prefix=policy.region_prefix, actor=actor
    )
    if policy.expires_on is not None and policy.expires_on < matching.today():
        problems.append(
            (
                "expires_on",
                gettext("有效期至：%(day)s 已过，过期的政策不能发布；如政策仍然有效，请先修改有效期")
                % {"day": policy.expires_on.isoformat()},
            )
        )
    if problems:
        raise InvalidInput(gettext("政策有需要修改的地方，修改后才能发布。"), problems)
    with transaction.atomic():
        claim(policy, expected_version, POLICY_LABEL, status=Status.PUBLISHED, published_at=timezone.now())
        record(
            actor,
            "policies.published",
            policy,
            from_state=Status.DRAFT,
            to_state=Status.PUBLISHED,
            region_code=policy.region_code,
        )
        _push_on_commit(policy.pk)
    return policy


def withdraw_policy(actor, policy: Policy, *, expected_version: int, reason: str) -> Policy:
    if not may_manage(actor, policy):
        raise NotAllowed(gettext("您无权撤回该政策。"))
    if policy.status != Status.PUBLISHED:
        raise NotAllowed(
            gettext("该政策当前为“%(state)s”，只有已发布的政策可以撤回。")
            % {"state": policy.get_status_display()}
        )
    if not (reason or "").strip():
        raise InvalidInput(gettext("请填写撤回理由。"), [("reason", gettext("撤回理由：必填"))])
    with transaction.atomic():
        claim(policy, expected_version, POLICY_LABEL, status=Status.WITHDRAWN)
        record(
            actor,
            "policies.withdrawn",
            policy,
            from_state=Status.PUBLISHED,
            to_state=Status.WITHDRAWN,
            reason=reason.strip(),
            region_code=policy.region_code,
        )
    return policy


def expire_policies(day: dt.date | None = None) -> int:
    """PUBLISHED policies whose validity ended before `day` become EXPIRED (idempotent, audited)."""
    day = day or matching.today()
    count = 0
    for policy in Policy.objects.filter(status=Status.PUBLISHED, expires_on__lt=day):
        with transaction.atomic():
            updated = Policy.objects.filter(pk=policy.pk, status=Status.PUBLISHED).update(
                status=Status.EXPIRED
            )
            if updated:
                record(
                    None,
                    "policies.expired",
                    policy,
                    from_state=Status.PUBLISHED,
                    to_state=Status.EXPIRED,
                    region_code=policy.region_code,
                    expires_on=policy.expires_on.isoformat(),
                )
                count += 1
    return count


def add_attachment(actor, policy: Policy, upload) -> Attachment:
    """Attach a file, checked by its content (PDF, Word/Excel/OFD, images), at most 20 MB."""
    if not may_manage(actor, policy):
        raise NotAllowed(gettext("您无权为该政策上传附件。"))
    checked = read_upload(upload, limit=ATTACHMENT_MAX_BYTES, accepted=ATTACHMENT_TYPES)
    if checked.too_large:
        raise InvalidInput(
            gettext("附件过大"),
            [("file", gettext("附件：不能超过 %(mb)s MB") % {"mb": ATTACHMENT_MAX_BYTES // 1024 // 1024})],
        )
    name, size = clean_name(upload.name, "附件")[-200:], checked.size
    values = {"name": name, "ext": checked.name_extension, "exts": "/".join(accepted_names(ATTACHMENT_TYPES))}
    if checked.name_extension not in accepted_names(ATTACHMENT_TYPES):
        # Served under this name: an extension no program of the accepted kinds opens is refused.
        msg = (
            gettext(
                "附件“%(name)s”的扩展名 %(ext)s 不在接受之列：只接受 %(exts)s 文件，"
                "且扩展名须与文件内容相符；请另存为这些格式之一后重新上传"
            )
            if values["ext"]
            else gettext(
                "附件“%(name)s”没有扩展名：只接受 %(exts)s 文件，且扩展名须与文件内容相符；"
                "请加上与内容相符的扩展名后重新上传"
            )
        )
        raise InvalidInput(gettext("附件类型不支持"), [("file", msg % values)])
    if checked.problem in (DAMAGED, LOCKED):
        msg = (
            gettext("附件“%(name)s”设有打开密码，公众无法打开；请取消密码后重新导出，再上传")
            if checked.problem == LOCKED
            else gettext("附件“%(name)s”内容不完整或已损坏，无法打开；请重新导出或从原处重新下载后再上传")
        )
        raise InvalidInput(gettext("附件无法打开"), [("file", msg % values)])
    if checked.content_type is None:
        raise InvalidInput(
            gettext("附件类型不支持"),
            [("file", gettext("附件：只接受 PDF、Word、Excel、OFD、PNG、JPEG 文件（按文件内容判断）"))],
        )
    if not checked.name_fits:
        right = "/".join(KINDS[checked.content_type].names)
        raise InvalidInput(
            gettext("附件的扩展名与内容不符"),
            [
                (
                    "file",
                    gettext(
                        "附件“%(name)s”的扩展名 %(ext)s 与文件内容不符（按内容应为 %(right)s）；"
                        "请上传原始文件，或改正扩展名后重新上传"
                    )
                    % {**values, "right": right},
                )
            ],
        )
    with transaction.atomic():
        att = Attachment(
            policy=policy, original_name=name, content_type=checked.content_type, size=size, uploaded_by=actor
        )
        att.file.save(checked.stored_name(), upload, save=False)  # a random name on disk, never the user's
        att.save()
        record(
            actor, "policies.attachment_added", policy, region_code=policy.region_code, file=name, size=size
        )
    return att


# ---------------------------------------------------------------- 免申即享


class Confirmation(list):
    """The grants a confirmation created (a list, as before) and the enterprises it left out:
    `already` were on the list before, `not_eligible` do not (or can no longer be shown to) fit now."""

    def __init__(self, grants=(), *, already=(), not_eligible=()):
        super().__init__(grants)
        self.already: list[Enterprise] = list(already)
        self.not_eligible: list[Enterprise] = list(not_eligible)


def confirm_grants(actor, policy: Policy, enterprise_ids: list[int]) -> Confirmation:
    """Confirm the 免申即享 list the official saw: enterprises still eligible, in the official's area,
    not yet granted, get a pending grant and a notification. One audit row lists them; a
    confirmation that adds nobody changes nothing and writes no audit row."""
    if not policy.no_application:
        raise NotAllowed(gettext("该政策不是“免申即享”政策，需由企业申报。"))
    if policy.status != Status.PUBLISHED or not policy.in_force(matching.today()):
        raise NotAllowed(gettext("只有已发布且在有效期内的政策可以确认兑现名单。"))
    if policy.unverified:
        raise NotAllowed(gettext("该政策内容待核实（C 级来源），请先核对官方原文并更新可信度后再确认名单。"))
    if not may_confirm(actor, policy):
        raise NotAllowed(
            gettext("只有%(area)s范围内的主管部门可以确认该政策的兑现名单。")
            % {"area": _area_name(policy.region_prefix)}
        )
    prefix = actor.region_prefix or ""
    wanted = set(int(i) for i in enterprise_ids)
    inside = Enterprise.objects.filter(pk__in=wanted, region__startswith=prefix)
    outside = wanted - set(inside.values_list("pk", flat=True))
    if outside:
        raise NotAllowed(gettext("名单中有 %(n)s 家企业不在您的辖区内，不能由您确认。") % {"n": len(outside)})
    candidates = inside.exclude(policy_grants__policy=policy)
    result = matching.eligible_list(matching.checked(policy), candidates.order_by("region", "name"))
    chosen = {e.pk for e in result.eligible}
    skipped = inside.exclude(pk__in=chosen).order_by("region", "name")
    granted_before = set(
        Grant.objects.filter(policy=policy, enterprise__in=skipped).values_list("enterprise_id", flat=True)
    )
    already = [e for e in skipped if e.pk in granted_before]
    not_eligible = [e for e in skipped if e.pk not in granted_before]
    if not result.eligible:
        return Confirmation(already=already, not_eligible=not_eligible)
    amount = policy.benefit_amount if policy.benefit_basis in (BenefitBasis.FIXED, BenefitBasis.CAP) else None
    with transaction.atomic():
        grants = []
        for e in result.eligible:
            grant = _new_grant(policy, e, amount, actor)
            if grant is None:
                already.append(e)
            else:
                grants.append(grant)
        if not grants:
            return Confirmation(already=already, not_eligible=not_eligible)
        record(
            actor,
            "policies.grants_confirmed",
            policy,
            region_code=actor.region_code,
            to_state=GrantStatus.PENDING,
            enterprises=[g.enterprise_id for g in grants],
            count=len(grants),
            skipped=sorted(wanted - {g.enterprise_id for g in grants}),
        )
        for g in grants:
            notify_enterprise(
                g.enterprise,
                msg(gettext_noop("免申即享：%(policy)s"), policy=policy.title),
                msg(
                    gettext_noop(
                        "贵企业已列入“%(policy)s”免申即享兑现名单，无需申报，兑付进度可在“我的政策”中查看。"
                    ),
                    policy=policy.title,
                ),
                url=reverse("policies:mine"),
                topic="policy_grant",
            )
    return Confirmation(grants, already=already, not_eligible=not_eligible)


def _new_grant(policy: Policy, enterprise: Enterprise, amount, actor) -> Grant | None:
    """A pending grant; None when another official confirmed the same enterprise a moment ago
    (one grant per policy and enterprise), so a second confirmation never fails with an error."""
    try:
        with transaction.atomic():
            return Grant.objects.create(
                policy=policy,
                enterprise=enterprise,
                region=enterprise.region,
                amount=amount,
                confirmed_by=actor,
            )
    except IntegrityError:
        return None


@dataclass(frozen=True)
class PayoutCheck:
    """Why a pending grant should not be marked paid now: `blocks` when it may not be (the policy was
    withdrawn or is unverified, or the enterprise no longer meets a condition), a warning otherwise
    (its fit cannot be shown today: information missing, a profile with errors, conditions that no
    longer parse)."""

    kind: str  # withdrawn, unverified, not_eligible (these block); unparseable, undetermined (warnings)
    message: str

    @property
    def blocks(self) -> bool:
        return self.kind in ("withdrawn", "unverified", "not_eligible")


def payout_checks(policy: Policy, grants, as_of: dt.date | None = None) -> dict[int, PayoutCheck]:
    """{grant id: PayoutCheck} for the pending grants among `grants` that should not simply be paid:
    the policy and each enterprise re-checked against the policy's conditions as they are today.
    Grants that may be paid are absent."""
    pending = [g for g in grants if g.status == GrantStatus.PENDING]
    if not pending:
        return {}
    as_of = as_of or matching.today()
    if policy.status == Status.WITHDRAWN:
        return {
            g.pk: PayoutCheck(
                "withdrawn",
                gettext(
                    "政策“%(policy)s”已撤回，%(enterprise)s的兑付不能再标记为“已兑付”；"
                    "请标记为“不予兑付”并写明理由（如“政策已撤回”）。"
                )
                % {"policy": policy.title, "enterprise": g.enterprise.name},
            )
            for g in pending
        }
    if policy.unverified:
        message = gettext(
            "政策“%(policy)s”内容待核实（C 级来源），不能标记兑付；请先核对官方原文并更新可信度。"
        ) % {"policy": policy.title}
        return {g.pk: PayoutCheck("unverified", message) for g in pending}
    try:
        checked = matching.checked(policy, as_of)
    except engine.PolicyConditionError:
        message = gettext(
            "政策“%(policy)s”的条件已无法按现行规则判断，不能确认企业仍符合条件；请先修改政策条件，或核实后再标记兑付。"
        ) % {"policy": policy.title}
        return {g.pk: PayoutCheck("unparseable", message) for g in pending}
    by_enterprise = {g.enterprise_id: g for g in pending}
    result = matching.eligible_list(checked, Enterprise.objects.filter(pk__in=by_enterprise), as_of)
    eligible = {e.pk for e in result.eligible}
    undetermined = {e.pk for e in result.undetermined}
    out = {}
    for enterprise_id, g in by_enterprise.items():
        names = {"policy": policy.title, "enterprise": g.enterprise.name}
        if enterprise_id in eligible:
            continue
        if enterprise_id in undetermined:
            out[g.pk] = PayoutCheck(
                "undetermined",
                gettext(
                    "%(enterprise)s目前信息不全或画像有误，无法确认仍符合“%(policy)s”的条件；请核实后再标记兑付。"
                )
                % names,
            )
            continue
        out[g.pk] = PayoutCheck(
            "not_eligible",
            gettext(
                "%(enterprise)s目前已不符合“%(policy)s”的条件：%(unmet)s。不能标记为“已兑付”；"
                "核实后可标记为“不予兑付”并写明理由。"
            )
            % {**names, "unmet": _unmet(checked, g.enterprise, as_of)},
        )
    return out


def _unmet(checked, enterprise: Enterprise, as_of: dt.date) -> str:
    """The conditions the enterprise does not meet, with the values read: “上年度营业收入 ≥ 2,000 万元（…）”."""
    fresh = Enterprise.objects.filter(pk=enterprise.pk).first() or enterprise
    f = matching.facts(fresh, as_of)
    if f is None:
        return ""
    parts = []
    for o in engine.policy_explain(checked, f)["outcomes"]:
        if o["status"] != "not_met":
            continue
        shown = "；".join(f"{what}：{value}" for what, value in o["values"])
        parts.append(f"“{o['label']}”（{shown}）" if shown else f"“{o['label']}”")
    return "、".join(parts)


def decide_grant(actor, grant: Grant, *, status: str, reason: str = "", expected_version: int) -> Grant:
    """PENDING → PAID or REFUSED (a refusal needs its reason); audited, the enterprise is told.

    Paying re-checks what confirming checked, as things are today: a withdrawn or unverified policy,
    or an enterprise that no longer meets the policy's conditions (a threshold edited, a title
    revoked, a move out of the area), is refused naming the enterprise, the policy and the unmet
    condition — the official may mark it refused instead. A payout whose fit cannot be shown today
    (information missing) may still be paid; the audit row keeps the warning."""
    if status not in (GrantStatus.PAID, GrantStatus.REFUSED):
        raise InvalidInput(
            gettext("兑付状态无效"), [("status", gettext("兑付状态：须为“已兑付”或“不予兑付”"))]
        )
    if not (may_confirm(actor, grant.policy) and enterprise_in_scope(actor, grant.enterprise)):
        raise NotAllowed(gettext("您无权处理该企业的兑付。"))
    if grant.status != GrantStatus.PENDING:
        raise NotAllowed(
            gettext("该兑付已是“%(state)s”，不能再次处理。") % {"state": grant.get_status_display()}
        )
    reason = (reason or "").strip()
    if status == GrantStatus.REFUSED and not reason:
        raise InvalidInput(gettext("请填写不予兑付的理由。"), [("reason", gettext("理由：不予兑付时必填"))])
    policy = Policy.objects.filter(pk=grant.policy_id).first() or grant.policy  # as it is now
    check = payout_checks(policy, [grant]).get(grant.pk)
    if status == GrantStatus.PAID and check is not None and check.blocks:
        raise NotAllowed(check.message)
    with transaction.atomic():
        claim(
            grant,
            expected_version,
            gettext("该兑付记录"),
            status=status,
            reason=reason,
            decided_by=actor,
            decided_at=timezone.now(),
        )
        record(
            actor,
            "policies.grant_decided",
            grant,
            from_state=GrantStatus.PENDING,
            to_state=status,
            reason=reason,
            region_code=grant.region,
            policy=grant.policy_id,
            check=check.kind if check is not None else "",
        )
        body = (
            msg(gettext_noop("资金已拨付。"))
            if status == GrantStatus.PAID
            else msg(gettext_noop("不予兑付，理由：%(reason)s"), reason=reason)
        )
        notify_enterprise(
            grant.enterprise,
            msg(gettext_noop("免申即享兑付：%(policy)s"), policy=grant.policy.title),
            body,
            url=reverse("policies:mine"),
            topic="policy_grant",
        )
    return grant


# ---------------------------------------------------------------- subscriptions


def set_subscription(
    actor, enterprise: Enterprise, *, topics: list[str], levels: list[str], email: bool
) -> Subscription:
    if getattr(actor, "enterprise_id", None) != enterprise.pk or actor.role != Role.ENTERPRISE:
        raise NotAllowed(gettext("只有本企业的账户可以设置政策订阅。"))
    problems = [
        ("topics", gettext("主题：未知的主题 %(value)s") % {"value": t})
        for t in topics
        if t not in Topic.values
    ]
    problems += [
        ("levels", gettext("层级：未知的层级 %(value)s") % {"value": v})
        for v in levels
        if v not in Level.values
    ]
    if problems:
        raise InvalidInput(gettext("订阅设置有误"), problems)
    with transaction.atomic():
        sub, _ = Subscription.objects.update_or_create(
            enterprise=enterprise, defaults={"topics": topics, "levels": levels, "email": email}
        )
        record(
            actor,
            "policies.subscription_set",
            enterprise,
            region_code=enterprise.region,
            topics=topics,
            levels=levels,
            email=email,
        )
    return sub
