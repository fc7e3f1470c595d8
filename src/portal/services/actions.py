"""Every state change of the service network: institutions, offerings and demands (诉求).

One function per transition, each inside transaction.atomic(): it checks the actor's role and
region through portal.accounts.scope, claims the row on its `version`, writes one audit row and
notifies on commit. Errors are portal.actions errors whose Chinese message names the object and
the next step; `problems` name the field. `now` is injectable so tests never sleep.
"""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from portal.accounts.models import User
from portal.accounts.roles import OFFICIAL_ROLES, PREFIX_DIGITS, Role
from portal.accounts.scope import enterprise_in_scope, region_in_scope, require_enterprise
from portal.actions import InvalidInput, NotAllowed, claim, too_long
from portal.assessments import engine
from portal.audit.record import record
from portal.enterprises import identity
from portal.inbox.message import Message, label, msg
from portal.inbox.send import notify_enterprise, notify_user

from . import deadlines
from .models import (
    NATIONWIDE,
    Category,
    Demand,
    DemandMatch,
    DemandResponse,
    DemandState,
    InstitutionKind,
    InstitutionState,
    Level,
    Offering,
    PriceBand,
    ProviderMembership,
    ServiceInstitution,
    Urgency,
    pad_tokens,
)

TOPIC = "services"
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$")
I = InstitutionState  # noqa: E741 - short alias like S in cultivation
D = DemandState
LEVEL_DIGITS = PREFIX_DIGITS  # the same rule as officials' scope (portal.accounts.roles)
TEXT_MAX = 4000
REPOST_WINDOW = dt.timedelta(minutes=10)  # an identical submission this soon is the same click twice


# ---------------------------------------------------------------------------------------------- helpers


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _url(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def region_label(code: str) -> str:
    if not code:
        return gettext("全国")
    found = engine.region(code)
    return found[0] if found else code


def level_region_label(level: str, code: str) -> str:
    """'浙江省杭州市（市级）' / '全国（国家级）'."""
    try:
        level_name = Level(level).label
    except ValueError:
        level_name = level
    return gettext("%(region)s（%(level)s）") % {"region": region_label(code), "level": level_name}


def _region_param(code: str):
    """A region in a stored message: the place name as is, 全国 translated when shown."""
    if not code:
        return label(gettext_noop("全国"))
    found = engine.region(code)
    return found[0] if found else code


def _level_region_message(level: str, code: str) -> Message:
    """level_region_label() for a stored message: rendered in the reader's language."""
    try:
        level_name = label(Level(level).label)
    except ValueError:
        level_name = level
    return msg(gettext_noop("%(region)s（%(level)s）"), region=_region_param(code), level=level_name)


def _zh(text) -> str:
    """Stored texts stay Chinese whatever language the acting user's pages are in."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(text)


def membership_of(user) -> ProviderMembership | None:
    if not getattr(user, "is_authenticated", False) or user.role != Role.PROVIDER:
        return None
    return ProviderMembership.objects.select_related("institution").filter(user=user).first()


def _require_login(actor, doing: str) -> None:
    if not getattr(actor, "is_authenticated", False):
        raise NotAllowed(gettext("请先登录，再%(doing)s。") % {"doing": doing})


def _is_admin(actor) -> bool:
    return actor.role == Role.ADMIN or actor.is_superuser


def official_seats() -> set[tuple[str, str]]:
    """(level, region code) of every active official below national: where the platform has a department."""
    levels = (Level.COUNTY, Level.CITY, Level.PROVINCE)
    return set(User.objects.filter(role__in=levels, is_active=True).values_list("role", "region_code"))


def review_seat(level: str, region_code: str, seats: set | None = None) -> tuple[str, str]:
    """(level, region code) of the department that reviews an institution registered at (level, region_code).

    Its own level's department when the platform has one there; else, as demands are routed, the nearest
    level above that has one, else national: a county institution where no county bureau has an account
    is reviewed by the city, not left pending with nobody able to see it.
    """
    seats = official_seats() if seats is None else seats
    ladder = [Level.COUNTY, Level.CITY, Level.PROVINCE]
    start = ladder.index(level) if level in ladder else len(ladder)
    for step in ladder[start:]:
        code = (region_code or "")[: LEVEL_DIGITS[step]].ljust(6, "0")
        if (step, code) in seats:
            return step, code
    return Level.NATIONAL, ""


def is_reviewer(actor, institution: ServiceInstitution, seats: set | None = None) -> bool:
    """The official of the department that reviews the institution (see review_seat), or an admin."""
    if not getattr(actor, "is_authenticated", False):
        return False
    if _is_admin(actor):
        return True
    if actor.role not in OFFICIAL_ROLES:
        return False
    level, code = review_seat(institution.level, institution.region_code, seats)
    return actor.role == level and region_in_scope(actor, code)


def reviewers_of(level: str, region_code: str):
    """Active officials who review institutions registered at (level, region)."""
    level, code = review_seat(level, region_code)
    digits = LEVEL_DIGITS.get(Level(level), 6)
    qs = User.objects.filter(role=level, is_active=True)
    return qs.filter(region_code__startswith=code[:digits]) if digits else qs


def _member_users(institution):
    return User.objects.filter(provider_membership__institution=institution, is_active=True)


def _notify_members(institution, title: Message, body: Message | str, url: str = "") -> None:
    for user in _member_users(institution):
        notify_user(user, title, body, url, TOPIC)


def parse_regions(text) -> tuple[list[str], list[str]]:
    """Codes typed by a person → prefix tokens ('330000' → '33', '330100' → '3301', '全国' → '*'); (tokens, problems)."""
    raw = text if isinstance(text, list | tuple) else re.split(r"[\s,，、;；]+", str(text or "").strip())
    tokens, problems = [], []
    for item in (str(t).strip() for t in raw):
        if not item:
            continue
        if item in ("全国", NATIONWIDE):
            tokens.append(NATIONWIDE)
            continue
        if not (len(item) == 6 and item.isdigit()):
            problems.append(
                gettext("“%(item)s”不是 6 位行政区划代码（如 330000、330100、330106）或“全国”")
                % {"item": item}
            )
            continue
        found = engine.region(item)
        if found is None:
            problems.append(gettext("未知的行政区划代码 %(code)s") % {"code": item})
            continue
        digits = PREFIX_DIGITS.get(found[1], 6)
        tokens.append(item[:digits])
    if not tokens and not problems:
        problems.append(gettext("请填写至少一个服务地区（行政区划代码）或“全国”"))
    return sorted(set(tokens)), problems


def region_tokens_label(tokens) -> str:
    """Tokens as place names: '*' → 全国, '3301' → 浙江省杭州市."""
    out = []
    for t in tokens:
        if t == NATIONWIDE:
            out.append(gettext("全国"))
        else:
            out.append(region_label(t.ljust(6, "0")))
    return gettext("、").join(out)


# ---------------------------------------------------------------------------------------------- institutions


def _institution_problems(
    name,
    kind,
    level,
    region_code,
    credit_code,
    contact_name,
    contact_phone,
    contact_email,
    description,
    *,
    exclude_pk=None,
) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if not name:
        problems.append(("name", gettext("请填写机构名称")))
    elif len(name) > 200:
        problems.append(("name", gettext("机构名称不能超过 200 个字")))
    if kind not in InstitutionKind.values:
        problems.append(("kind", gettext("请选择机构类型（公共服务机构或市场化服务机构）")))
    if level not in Level.values:
        problems.append(("level", gettext("请选择所在层级（国家级、省级、市级或县级）")))
    elif level == Level.NATIONAL:
        if region_code:
            problems.append(("region_code", gettext("国家级机构不填写地区代码")))
    else:
        found = engine.region(region_code) if region_code else None
        if not region_code:
            problems.append(
                (
                    "region_code",
                    gettext("请填写%(level)s行政区划代码（6 位）") % {"level": Level(level).label},
                )
            )
        elif found is None:
            problems.append(("region_code", gettext("未知的行政区划代码 %(code)s") % {"code": region_code}))
        elif found[1] != level:
            problems.append(
                (
                    "region_code",
                    gettext("%(region)s不是%(level)s行政区；请填写与所在层级一致的代码")
                    % {"region": found[0], "level": Level(level).label},
                )
            )
    code_problem = identity.credit_code_problem(credit_code)
    if code_problem:
        problems.append(("credit_code", code_problem))
    elif ServiceInstitution.objects.filter(credit_code=credit_code).exclude(pk=exclude_pk).exists():
        problems.append(("credit_code", _code_taken(credit_code)))
    if not contact_name:
        problems.append(("contact_name", gettext("请填写联系人")))
    if not PHONE_RE.match(contact_phone or ""):
        problems.append(
            ("contact_phone", gettext("请填写 11 位手机号或带区号的固定电话（如 0571-88886666）"))
        )
    if contact_email:
        try:
            validate_email(contact_email)
        except ValidationError:
            problems.append(("contact_email", gettext("电子邮箱格式不正确")))
    if len(description or "") > TEXT_MAX:
        problems.append(("description", gettext("机构简介不能超过 %(n)s 个字") % {"n": TEXT_MAX}))
    return problems


def _code_taken(code: str) -> str:
    return gettext(
        "统一社会信用代码 %(code)s 的机构已登记。您属于该机构的，请联系平台管理员把您的账户加入该机构"
        "（机构不能自行增加账户）；代码填错的，请核对。"
    ) % {"code": code}


def _account_problems(username, password, full_name) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if not username:
        problems.append(("username", gettext("请填写用户名")))
    else:
        try:
            UnicodeUsernameValidator()(username)
        except ValidationError:
            problems.append(("username", gettext("用户名只能包含字母、数字和 @ . + - _")))
        else:
            if User.objects.filter(username__iexact=username).exists():
                problems.append(
                    ("username", gettext("用户名 %(username)s 已被使用，请换一个") % {"username": username})
                )
    try:
        validate_password(password or "", User(username=username, first_name=full_name))
    except ValidationError as exc:
        for error in exc.error_list:
            if error.code == "password_too_short":
                problems.append(
                    (
                        "password",
                        gettext("密码太短，至少需要 %(n)s 个字符。") % {"n": error.params["min_length"]},
                    )
                )
            else:
                problems.extend(("password", str(m)) for m in error.messages)
    if not full_name:
        problems.append(("full_name", gettext("请填写您的姓名")))
    return problems


def register_provider(
    *,
    username: str,
    password: str,
    full_name: str,
    name: str,
    kind: str,
    level: str,
    region_code: str,
    credit_code: str,
    contact_name: str,
    contact_phone: str,
    contact_email: str = "",
    description: str = "",
    now: dt.datetime | None = None,
) -> User:
    """A visitor registers an institution and its first user; the institution waits for review (待审核)."""
    username, full_name, name = (str(v or "").strip() for v in (username, full_name, name))
    contact_name, contact_phone, contact_email = (
        str(v or "").strip() for v in (contact_name, contact_phone, contact_email)
    )
    region_code = "" if level == Level.NATIONAL else str(region_code or "").strip()
    code = identity.normalise_code(credit_code)
    problems = _account_problems(username, password, full_name) + _institution_problems(
        name, kind, level, region_code, code, contact_name, contact_phone, contact_email, description
    )
    if problems:
        raise InvalidInput(gettext("登记信息有误，请按提示修改后重新提交。"), problems)
    try:
        with transaction.atomic():
            institution = ServiceInstitution.objects.create(
                name=name,
                kind=kind,
                level=level,
                region_code=region_code,
                credit_code=code,
                contact_name=contact_name,
                contact_phone=contact_phone,
                contact_email=contact_email,
                description=(description or "").strip(),
                created_at=_now(now),
            )
            user = User.objects.create_user(
                username=username,
                password=password,
                role=Role.PROVIDER,
                first_name=full_name,
                organisation=name,
                region_code=region_code,
                phone=contact_phone,
            )
            ProviderMembership.objects.create(user=user, institution=institution, created_at=_now(now))
            record(
                user,
                "services.institution_registered",
                institution,
                to_state=I.PENDING,
                region_code=region_code,
                level=level,
                credit_code=code,
                username=username,
            )
            title = msg(gettext_noop("服务机构“%(name)s”申请入驻，待您审核"), name=name)
            body = msg(
                gettext_noop("%(where)s%(kind)s。审核通过前，企业和其他部门看不到该机构及其服务。"),
                where=_level_region_message(level, region_code),
                kind=label(InstitutionKind(kind).label),
            )
            for official in reviewers_of(level, region_code):
                notify_user(official, title, body, _url("services:institution", institution.pk), TOPIC)
    except IntegrityError:
        raise InvalidInput(
            gettext("登记信息有误，请按提示修改后重新提交。"), [("credit_code", _code_taken(code))]
        ) from None
    return user


REVIEW_MOVES = {
    # decision: (states it may start from, state it ends in, reason required)
    "approve": ((I.PENDING, I.SUSPENDED), I.APPROVED, False),
    "reject": ((I.PENDING,), I.REJECTED, True),
    "suspend": ((I.APPROVED,), I.SUSPENDED, True),
}
REVIEW_WORDS = {
    "approve": gettext_noop("审核通过"),
    "reject": gettext_noop("不予通过"),
    "suspend": gettext_noop("暂停"),
}


def allowed_reviews(actor, institution) -> list[str]:
    if not is_reviewer(actor, institution):
        return []
    return [d for d, (start, _end, _r) in REVIEW_MOVES.items() if institution.state in start]


def review_institution(
    actor,
    institution: ServiceInstitution,
    *,
    decision: str,
    reason: str = "",
    expected_version: int,
    now: dt.datetime | None = None,
) -> ServiceInstitution:
    """The reviewing official approves, rejects (reason required) or suspends (reason required) an institution."""
    _require_login(actor, gettext("审核服务机构"))
    if decision not in REVIEW_MOVES:
        raise InvalidInput(
            gettext("请选择审核结论。"), [("decision", gettext("请选择：审核通过、不予通过或暂停"))]
        )
    if not is_reviewer(actor, institution):
        raise NotAllowed(
            gettext("服务机构“%(name)s”由%(authority)s主管部门审核，您无权审核。")
            % {
                "name": institution.name,
                "authority": level_region_label(*review_seat(institution.level, institution.region_code)),
            }
        )
    start, end, needs_reason = REVIEW_MOVES[decision]
    reason = (reason or "").strip()
    if needs_reason and not reason:
        raise InvalidInput(
            gettext("%(decision)s须说明理由。") % {"decision": gettext(REVIEW_WORDS[decision])},
            [("reason", gettext("请填写理由，机构会看到这段文字"))],
        )
    if len(reason) > TEXT_MAX:
        raise InvalidInput(
            gettext("理由过长。"), [("reason", gettext("理由不能超过 %(n)s 个字") % {"n": TEXT_MAX})]
        )
    with transaction.atomic():
        current = ServiceInstitution.objects.get(pk=institution.pk)
        if current.state not in start:
            raise NotAllowed(
                gettext("服务机构“%(name)s”当前为“%(state)s”，不能%(decision)s。请刷新页面查看最新状态。")
                % {
                    "name": institution.name,
                    "state": InstitutionState(current.state).label,
                    "decision": gettext(REVIEW_WORDS[decision]),
                }
            )
        old = current.state
        claim(
            institution,
            expected_version,
            _institution_label(institution),
            state=end,
            reason=reason,
            reviewed_by=actor,
            reviewed_at=_now(now),
        )
        record(
            actor,
            f"services.institution_{decision}",
            institution,
            from_state=old,
            to_state=end,
            reason=reason,
            region_code=institution.region_code,
        )
        title = {
            "approve": gettext_noop("服务机构“%(name)s”已通过审核，机构及其服务已对企业公开"),
            "reject": gettext_noop("服务机构“%(name)s”未通过审核"),
            "suspend": gettext_noop("服务机构“%(name)s”已被暂停，机构及其服务暂不对企业公开"),
        }[decision]
        _notify_members(
            institution, msg(title, name=institution.name), reason, _url("services:provider_home")
        )
    return institution


def resubmit_institution(
    actor,
    institution: ServiceInstitution,
    *,
    expected_version: int,
    name: str,
    kind: str,
    level: str,
    region_code: str,
    contact_name: str,
    contact_phone: str,
    contact_email: str = "",
    description: str = "",
    now: dt.datetime | None = None,
) -> ServiceInstitution:
    """A member corrects a rejected institution and sends it back for review (未通过 → 待审核)."""
    _require_login(actor, gettext("修改机构信息"))
    member = membership_of(actor)
    if member is None or member.institution_id != institution.pk:
        raise NotAllowed(
            gettext("只有服务机构“%(name)s”的账户可以修改其登记信息。") % {"name": institution.name}
        )
    if institution.state != I.REJECTED:
        raise NotAllowed(
            gettext("服务机构“%(name)s”当前为“%(state)s”，只有未通过审核的登记可以修改后重新提交。")
            % {"name": institution.name, "state": InstitutionState(institution.state).label}
        )
    name, contact_name, contact_phone, contact_email = (
        str(v or "").strip() for v in (name, contact_name, contact_phone, contact_email)
    )
    region_code = "" if level == Level.NATIONAL else str(region_code or "").strip()
    problems = _institution_problems(
        name,
        kind,
        level,
        region_code,
        institution.credit_code,
        contact_name,
        contact_phone,
        contact_email,
        description,
        exclude_pk=institution.pk,
    )
    if problems:
        raise InvalidInput(gettext("登记信息有误，请按提示修改后重新提交。"), problems)
    with transaction.atomic():
        claim(
            institution,
            expected_version,
            _institution_label(institution),
            name=name,
            kind=kind,
            level=level,
            region_code=region_code,
            contact_name=contact_name,
            contact_phone=contact_phone,
            contact_email=contact_email,
            description=(description or "").strip(),
            state=I.PENDING,
            reason="",
            reviewed_by=None,
            reviewed_at=None,
        )
        User.objects.filter(pk=actor.pk).update(organisation=name, region_code=region_code)
        record(
            actor,
            "services.institution_resubmitted",
            institution,
            from_state=I.REJECTED,
            to_state=I.PENDING,
            region_code=region_code,
        )
        for official in reviewers_of(level, region_code):
            notify_user(
                official,
                msg(gettext_noop("服务机构“%(name)s”修改后重新申请入驻，待您审核"), name=name),
                "",
                _url("services:institution", institution.pk),
                TOPIC,
            )
    return institution


# ---------------------------------------------------------------------------------------------- offerings


def _require_member(actor, institution=None) -> ServiceInstitution:
    _require_login(actor, gettext("管理服务产品"))
    member = membership_of(actor)
    if member is None:
        raise NotAllowed(
            gettext("只有服务机构的账户可以发布服务产品。请用服务机构账户登录，或先登记服务机构。")
        )
    if institution is not None and member.institution_id != institution.pk:
        raise NotAllowed(
            gettext("只有服务机构“%(name)s”的账户可以修改它的服务产品。") % {"name": institution.name}
        )
    return member.institution


def save_offering(
    actor,
    *,
    offering: Offering | None = None,
    expected_version: int | None = None,
    category: str,
    title: str,
    description: str,
    price_band: str,
    regions,
    contact: str,
    active: bool = True,
    now: dt.datetime | None = None,
) -> Offering:
    """Create (offering=None) or change an offering of the actor's institution.

    Offerings of an institution that is not approved are stored but shown to nobody outside it.
    """
    institution = _require_member(actor, offering.institution if offering else None)
    title, description, contact = (str(v or "").strip() for v in (title, description, contact))
    tokens, region_problems = parse_regions(regions)
    problems: list[tuple[str, str]] = []
    if category not in Category.values:
        problems.append(("category", gettext("请选择服务类别")))
    if not title:
        problems.append(("title", gettext("请填写服务名称")))
    elif len(title) > 200:
        problems.append(("title", gettext("服务名称不能超过 200 个字")))
    if not description:
        problems.append(("description", gettext("请填写服务内容")))
    elif len(description) > TEXT_MAX:
        problems.append(("description", gettext("服务内容不能超过 %(n)s 个字") % {"n": TEXT_MAX}))
    if price_band not in PriceBand.values:
        problems.append(("price_band", gettext("请选择收费区间")))
    problems += [("regions", p) for p in region_problems]
    if not contact:
        problems.append(("contact", gettext("请填写联系方式（联系人和电话）")))
    elif len(contact) > 200:
        problems.append(("contact", gettext("联系方式不能超过 200 个字")))
    if problems:
        raise InvalidInput(gettext("服务产品信息有误，请按提示修改后再保存。"), problems)
    fields = {
        "category": category,
        "title": title,
        "description": description,
        "price_band": price_band,
        "regions": pad_tokens(tokens),
        "contact": contact,
        "active": bool(active),
        "updated_at": _now(now),
    }
    with transaction.atomic():
        if offering is None:
            same = _offering_just_created(institution, fields, _now(now))
            if same is not None:
                return same
            offering = Offering.objects.create(institution=institution, created_at=_now(now), **fields)
            record(
                actor,
                "services.offering_created",
                offering,
                to_state="active" if active else "inactive",
                region_code=institution.region_code,
                institution=institution.pk,
                category=category,
            )
        else:
            if expected_version is None:
                raise InvalidInput(
                    gettext("缺少版本号，请刷新页面后重新保存。"), [("version", gettext("缺少版本号"))]
                )
            claim(
                offering,
                expected_version,
                gettext("服务产品“%(title)s”") % {"title": offering.title},
                **fields,
            )
            record(
                actor,
                "services.offering_updated",
                offering,
                to_state="active" if active else "inactive",
                region_code=institution.region_code,
                institution=institution.pk,
                category=category,
            )
    return offering


def _offering_just_created(institution, fields: dict, moment) -> Offering | None:
    """The identical offering this institution listed minutes ago: a second click on 保存 must not list it twice
    (offerings cannot be deleted, only taken down)."""
    ServiceInstitution.objects.select_for_update().filter(pk=institution.pk).first()  # one at a time
    same = {k: v for k, v in fields.items() if k != "updated_at"}
    return Offering.objects.filter(
        institution=institution, created_at__gte=moment - REPOST_WINDOW, created_at__lte=moment, **same
    ).first()


# ---------------------------------------------------------------------------------------------- demands


def responsible_for(region: str) -> tuple[str, str, list]:
    """(level, region code at that level, officials) answerable for an enterprise in county `region`.

    The county official of the enterprise's county when the platform has one, else the city's,
    else the province's, else the national level. Officials above always see the demand too.
    """
    county, city, province = region, region[:4] + "00", region[:2] + "0000"
    for level, code in ((Level.COUNTY, county), (Level.CITY, city), (Level.PROVINCE, province)):
        users = list(User.objects.filter(role=level, region_code=code, is_active=True))
        if users:
            return level, code, users
    return Level.NATIONAL, "", list(User.objects.filter(role=Role.NATIONAL, is_active=True))


def matching_institutions(category: str, region: str):
    """Approved institutions with an active offering in `category` that serves county `region`."""
    from .selectors import serves_q

    offerings = Offering.objects.filter(active=True, category=category, institution__state=I.APPROVED).filter(
        serves_q(region)
    )
    return ServiceInstitution.objects.filter(pk__in=offerings.values("institution_id")).order_by("name")


def _demand_label(demand) -> str:
    return gettext("诉求“%(title)s”") % {"title": demand.title}


def _institution_label(institution) -> str:
    return gettext("服务机构“%(name)s”") % {"name": institution.name}


def post_demand(
    actor,
    enterprise,
    *,
    category: str,
    title: str,
    text: str,
    urgency: str = Urgency.NORMAL,
    now: dt.datetime | None = None,
) -> Demand:
    """An enterprise user posts a need; it is routed to the responsible level and to matching providers."""
    _require_login(actor, gettext("提出诉求"))
    require_enterprise(actor, enterprise)
    if actor.role != Role.ENTERPRISE:
        raise NotAllowed(gettext("只有企业账户可以提出诉求。"))
    title, text = str(title or "").strip(), str(text or "").strip()
    problems: list[tuple[str, str]] = []
    if category not in Category.values:
        problems.append(("category", gettext("请选择诉求类别")))
    if not title:
        problems.append(("title", gettext("请填写标题")))
    elif len(title) > 200:
        problems.append(("title", gettext("标题不能超过 200 个字")))
    if not text:
        problems.append(("text", gettext("请写明需要什么帮助")))
    elif len(text) > TEXT_MAX:
        problems.append(("text", gettext("诉求内容不能超过 %(n)s 个字") % {"n": TEXT_MAX}))
    if urgency not in Urgency.values:
        problems.append(("urgency", gettext("请选择紧急程度")))
    if problems:
        raise InvalidInput(gettext("诉求信息有误，请按提示修改后再提交。"), problems)
    moment = _now(now)
    days = deadlines.target_days(category)
    due = deadlines.add_working_days(timezone.localdate(moment), days)
    level, code, officials = responsible_for(enterprise.region)
    with transaction.atomic():
        same = _just_posted(enterprise, category, title, text, moment)
        if same is not None:
            return same
        demand = Demand.objects.create(
            enterprise=enterprise,
            created_by=actor,
            category=category,
            title=title,
            text=text,
            urgency=urgency,
            routed_level=level,
            routed_region=code,
            target_days=days,
            created_at=moment,
            due_on=due,
        )
        matched = list(matching_institutions(category, enterprise.region))
        DemandMatch.objects.bulk_create([DemandMatch(demand=demand, institution=i) for i in matched])
        record(
            actor,
            "services.demand_posted",
            demand,
            to_state=D.OPEN,
            region_code=enterprise.region,
            enterprise=enterprise.pk,
            category=category,
            routed_level=level,
            routed_region=code,
            providers=[i.pk for i in matched],
            due_on=due.isoformat(),
        )
        url = _url("services:demand", demand.pk)
        need = label(Category(category).label)
        body = msg(
            gettext_noop("%(enterprise)s（%(region)s）：%(category)s。请在 %(due)s 前首次响应。"),
            enterprise=enterprise.name,
            region=_region_param(enterprise.region),
            category=need,
            due=due.isoformat(),
        )
        for official in officials:
            notify_user(official, msg(gettext_noop("新诉求待响应：%(title)s"), title=title), body, url, TOPIC)
        for institution in matched:
            title_msg = msg(gettext_noop("有企业需要%(category)s：%(title)s"), category=need, title=title)
            _notify_members(institution, title_msg, body, url)
    return demand


def _just_posted(enterprise, category, title, text, moment) -> Demand | None:
    """The same demand (category, title, text) this enterprise posted minutes ago and nobody has answered yet:
    a second click on 提交 or a resent form must not route it, notify everyone and count it twice."""
    type(enterprise).objects.select_for_update().filter(pk=enterprise.pk).first()  # one posting at a time
    return Demand.objects.filter(
        enterprise=enterprise,
        category=category,
        title=title,
        text=text,
        state=D.OPEN,
        created_at__gte=moment - REPOST_WINDOW,
        created_at__lte=moment,
    ).first()


def may_respond(actor, demand: Demand) -> bool:
    """Officials whose region holds the enterprise, and members of an approved institution it was routed to."""
    if not getattr(actor, "is_authenticated", False) or demand.state not in (D.OPEN, D.ANSWERED):
        return False
    if actor.role in OFFICIAL_ROLES:
        return enterprise_in_scope(actor, demand.enterprise)
    member = membership_of(actor)
    return (
        member is not None
        and member.institution.state == I.APPROVED
        and demand.matches.filter(institution_id=member.institution_id).exists()
    )


def respond_to_demand(
    actor, demand: Demand, *, text: str, expected_version: int | None = None, now: dt.datetime | None = None
) -> DemandResponse:
    """An official or a routed provider replies; the first reply stamps the response time (待响应 → 已响应).

    With `expected_version` (the page's), a second click or a page older than another reply is refused
    as stale instead of sending the same reply twice or answering without having seen the latest one.
    """
    _require_login(actor, gettext("回复诉求"))
    text = str(text or "").strip()
    if not text:
        raise InvalidInput(gettext("请填写回复内容。"), [("text", gettext("请填写回复内容"))])
    if len(text) > TEXT_MAX:
        raise too_long(gettext("回复内容"), text, TEXT_MAX, "text", gettext("回复内容"))
    moment = _now(now)
    with transaction.atomic():
        current = Demand.objects.select_for_update().select_related("enterprise").get(pk=demand.pk)
        if actor.role in OFFICIAL_ROLES and not enterprise_in_scope(actor, current.enterprise):
            raise NotAllowed(
                gettext("%(demand)s不在您的管辖范围内，不能回复。") % {"demand": _demand_label(current)}
            )
        if not may_respond(actor, current):
            if current.state not in (D.OPEN, D.ANSWERED):
                raise NotAllowed(
                    gettext("%(demand)s当前为“%(state)s”，不能再回复；企业如仍有需要，可以重新提出诉求。")
                    % {"demand": _demand_label(current), "state": DemandState(current.state).label}
                )
            raise NotAllowed(
                gettext("%(demand)s没有派送给您的机构，不能回复。") % {"demand": _demand_label(current)}
            )
        member = membership_of(actor)
        old = current.state
        changes = {"state": D.ANSWERED}
        first = current.first_response_at is None
        if first:
            changes["first_response_at"] = moment
        seen = current.version if expected_version is None else expected_version
        claim(current, seen, _demand_label(current), **changes)
        response = DemandResponse.objects.create(
            demand=current,
            author=actor,
            institution=member.institution if member else None,
            organisation=(  # stored: the role's Chinese name whatever the page language
                member.institution.name if member else (actor.organisation or _zh(Role(actor.role).label))
            ),
            text=text,
            created_at=moment,
        )
        late = first and timezone.localdate(moment) > current.due_on
        record(
            actor,
            "services.demand_answered",
            current,
            from_state=old,
            to_state=D.ANSWERED,
            region_code=current.enterprise.region,
            response=response.pk,
            first=first,
            late=late,
        )
        notify_enterprise(
            current.enterprise,
            msg(
                gettext_noop("您的诉求“%(title)s”有新回复（%(organisation)s）"),
                title=current.title,
                organisation=response.organisation,
            ),
            text[:200],
            _url("services:demand", current.pk),
            TOPIC,
        )
    for key in ("state", "first_response_at", "version"):
        setattr(demand, key, getattr(current, key))
    return response


def close_demand(
    actor, demand: Demand, *, rating, comment: str = "", expected_version: int, now: dt.datetime | None = None
) -> Demand:
    """The enterprise closes an answered demand with a 1–5 rating (已响应 → 已办结)."""
    _require_login(actor, gettext("办结诉求"))
    require_enterprise(actor, demand.enterprise)
    if actor.role != Role.ENTERPRISE:
        raise NotAllowed(gettext("只有提出诉求的企业可以办结并评价。"))
    try:
        stars = int(str(rating).strip())
    except (TypeError, ValueError):
        stars = 0
    comment = str(comment or "").strip()
    problems = []
    if not 1 <= stars <= 5:
        problems.append(("rating", gettext("请选择 1–5 星的满意度")))
    if problems:
        raise InvalidInput(gettext("评价信息有误，请按提示修改。"), problems)
    if len(comment) > TEXT_MAX:
        raise too_long(gettext("评价内容"), comment, TEXT_MAX, "comment", gettext("评价内容"))
    if demand.state != D.ANSWERED:
        raise _not_closable(demand)
    with transaction.atomic():
        claim(
            demand,
            expected_version,
            _demand_label(demand),
            state=D.CLOSED,
            rating=stars,
            comment=comment,
            closed_at=_now(now),
        )
        record(
            actor,
            "services.demand_closed",
            demand,
            from_state=D.ANSWERED,
            to_state=D.CLOSED,
            reason=comment,
            region_code=demand.enterprise.region,
            rating=stars,
        )
        authors = User.objects.filter(pk__in=demand.responses.values("author_id"))
        for user in authors:
            notify_user(
                user,
                msg(
                    gettext_noop("诉求“%(title)s”已办结，企业评价 %(stars)s 星"),
                    title=demand.title,
                    stars=stars,
                ),
                comment,
                _url("services:demand", demand.pk),
                TOPIC,
            )
    return demand


def _not_closable(demand) -> NotAllowed:
    """Why a demand cannot be closed now: still waiting for a reply (withdrawing is the way out), or already ended."""
    labels = {"demand": _demand_label(demand), "state": DemandState(demand.state).label}
    if demand.state == D.OPEN:
        return NotAllowed(
            gettext("%(demand)s当前为“%(state)s”，收到回复后才能办结评价；不再需要可以撤回。") % labels
        )
    return NotAllowed(gettext("%(demand)s当前为“%(state)s”，不能再办结评价。") % labels)


def withdraw_demand(
    actor, demand: Demand, *, expected_version: int, reason: str = "", now: dt.datetime | None = None
) -> Demand:
    """The enterprise withdraws a demand it no longer needs (待响应/已响应 → 已撤回)."""
    _require_login(actor, gettext("撤回诉求"))
    require_enterprise(actor, demand.enterprise)
    if actor.role != Role.ENTERPRISE:
        raise NotAllowed(gettext("只有提出诉求的企业可以撤回。"))
    if demand.state not in (D.OPEN, D.ANSWERED):
        raise NotAllowed(
            gettext("%(demand)s当前为“%(state)s”，不能再撤回。")
            % {"demand": _demand_label(demand), "state": DemandState(demand.state).label}
        )
    reason = str(reason or "").strip()[:TEXT_MAX]
    old = demand.state
    with transaction.atomic():
        claim(demand, expected_version, _demand_label(demand), state=D.WITHDRAWN, closed_at=_now(now))
        record(
            actor,
            "services.demand_withdrawn",
            demand,
            from_state=old,
            to_state=D.WITHDRAWN,
            reason=reason,
            region_code=demand.enterprise.region,
        )
        for user in User.objects.filter(pk__in=demand.responses.values("author_id")):
            notify_user(
                user,
                msg(gettext_noop("诉求“%(title)s”已由企业撤回"), title=demand.title),
                reason,
                _url("services:demand", demand.pk),
                TOPIC,
            )
    return demand
