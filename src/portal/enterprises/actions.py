"""State changes of an enterprise: registering it, and saving its profile.

Each function is one atomic step that checks the actor, validates with the engine, claims the
row (optimistic lock on Enterprise.version), writes one audit row, and raises ActionError
subclasses whose Chinese messages the views show as they are.
"""

from __future__ import annotations

import copy
import re

from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.accounts.scope import enterprise_in_scope
from portal.actions import InvalidInput, NotAllowed, claim
from portal.assessments import engine
from portal.audit.record import record

from . import identity, labels
from .models import Enterprise

NAME_MAX = Enterprise._meta.get_field("name").max_length

SCHEMA = "zjtx.profile/1"
PROFILE_LABEL = gettext_lazy("企业画像")
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$")
IDENTITY_KEYS = ("name", "credit_code", "region", "industry")


def duplicate_message(code: str) -> str:
    """The next step for a code already registered. It said "contact the enterprise's account administrator",
    a role the platform does not have: an enterprise cannot add its own users, the platform administrator does."""
    return gettext(
        "统一社会信用代码 %(code)s 已被注册。您属于该企业的，请联系平台管理员为您开设该企业的账户"
        "（企业不能自行增加账户）；代码填错的，请按营业执照核对。"
    ) % {"code": code}


def taken_message(username: str) -> str:
    return gettext("用户名 %(username)s 已被使用，请换一个") % {"username": username}


def _registration_problems(username, password, full_name, phone, name, code, region, industry):
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
                problems.append(("username", taken_message(username)))
    try:
        validate_password(password or "", User(username=username, first_name=full_name))
    except ValidationError as exc:
        for error in exc.error_list:
            if error.code == "password_too_short":  # Django's zh-hans catalogue lacks this plural form
                message = gettext("密码太短，至少需要 %(n)s 个字符。") % {"n": error.params["min_length"]}
                problems.append(("password", message))
            else:
                problems.extend(("password", str(m)) for m in error.messages)
    if not full_name:
        problems.append(("full_name", gettext("请填写联系人姓名")))
    if not PHONE_RE.match(phone or ""):
        problems.append(("phone", gettext("请填写 11 位手机号或带区号的固定电话（如 0571-88886666）")))
    if not name:
        problems.append(("name", gettext("请填写企业名称")))
    elif len(name) > 200:
        problems.append(("name", gettext("企业名称不能超过 200 个字")))
    for field, problem in (
        ("credit_code", identity.credit_code_problem(code)),
        ("region", identity.region_problem(region)),
        ("industry", identity.industry_problem(industry)),
    ):
        if problem:
            problems.append((field, problem))
    if (
        not any(f == "credit_code" for f, _ in problems)
        and Enterprise.objects.filter(credit_code=code).exists()
    ):
        problems.append(("credit_code", duplicate_message(code)))
    return problems


def register_enterprise(
    *,
    username: str,
    password: str,
    full_name: str,
    phone: str,
    name: str,
    credit_code: str,
    region: str,
    industry: str,
) -> User:
    """A visitor opens an account for a new enterprise; returns the new user (the view logs them in)."""
    username, full_name, phone, name = (v.strip() for v in (username, full_name, phone, name))
    code = identity.normalise_code(credit_code)
    industry = identity.normalise_code(industry)
    region = (region or "").strip()
    problems = _registration_problems(username, password, full_name, phone, name, code, region, industry)
    if problems:
        dup = [m for f, m in problems if f == "credit_code" and m == duplicate_message(code)]
        raise InvalidInput(dup[0] if dup else gettext("注册信息有误，请按提示修改后重新提交。"), problems)
    profile = {"schema": SCHEMA, "name": name, "credit_code": code, "region": region, "industry": industry}
    try:
        with transaction.atomic():
            enterprise = Enterprise.objects.create(
                name=name, credit_code=code, region=region, industry=industry, profile=profile
            )
            user = User.objects.create_user(
                username=username,
                password=password,
                role=Role.ENTERPRISE,
                enterprise=enterprise,
                first_name=full_name,
                phone=phone,
            )
            record(
                user,
                "enterprise.registered",
                enterprise,
                to_state="registered",
                region_code=region,
                credit_code=code,
                username=username,
            )
    except IntegrityError:
        # Someone registered the same code or username between our check and our insert.
        if Enterprise.objects.filter(credit_code=code).exists():
            raise InvalidInput(duplicate_message(code), [("credit_code", duplicate_message(code))]) from None
        raise InvalidInput(
            gettext("注册信息有误，请按提示修改后重新提交。"), [("username", taken_message(username))]
        ) from None
    return user


def may_edit_profile(actor, enterprise) -> bool:
    """Only the enterprise's own users (and platform admins) change a profile; officials read it."""
    if not enterprise_in_scope(actor, enterprise):
        return False
    return actor.role in (Role.ENTERPRISE, Role.ADMIN) or actor.is_superuser


def _meaning(value, key: str = ""):
    """A value with its "unknown" nulls and empty objects dropped (null main_product.field / key_field
    means "none": kept; an empty list is a known "none": kept)."""
    if isinstance(value, dict):
        return {
            k: _meaning(v, k)
            for k, v in value.items()
            if (v is not None or k in ("field", "key_field")) and v != {}
        }
    if isinstance(value, list):
        return [_meaning(v) for v in value]
    return value


def changed_sections(old: dict, new: dict) -> list[str]:
    """Editor sections (Chinese names) whose content differs between two documents, in page order."""
    old, new = _meaning(old or {}), _meaning(new or {})
    keys = {k for k in set(old) | set(new) if k != "schema" and old.get(k) != new.get(k)}
    found = {labels.KEY_SECTION.get(k, "") for k in keys}
    out = [label for sid, label in labels.SECTIONS.items() if sid in found]
    return out + ([gettext_noop("其他")] if "" in found else [])


def _identity_problems(doc: dict) -> list[tuple[str, str]]:
    problems = []
    if not str(doc.get("name") or "").strip():
        problems.append(("name", gettext("请填写企业名称")))
    for key, check in (("credit_code", identity.credit_code_problem), ("region", identity.region_problem)):
        problem = check(doc.get(key) or "")
        if problem:
            problems.append((key, problem))
    if doc.get("industry"):
        problem = identity.industry_problem(doc["industry"])
        if problem:
            problems.append(("industry", problem))
    return problems


def _identity_locks(enterprise: Enterprise, doc: dict) -> list[tuple[str, str]]:
    """Who the enterprise is may not change under a title or an application in hand: the 统一社会信用代码 while it
    holds a title in force or an application is being handled (a certificate and a review are about that legal
    entity), the region while an application is being handled (its region's officials review it; moving it would
    hand the file to another province's) or a 免申即享 payout awaits its region's decision. A real change of either goes
    through the authority (重大变化报告)."""
    from portal.cultivation.models import ApplicationState, RecognitionStatus

    handled = enterprise.applications.exclude(
        state__in=[
            ApplicationState.DRAFT,
            ApplicationState.REJECTED,
            ApplicationState.RECOGNISED,
            ApplicationState.WITHDRAWN,
        ]
    ).first()
    problems = []
    if doc.get("credit_code") and doc["credit_code"] != enterprise.credit_code:
        held = enterprise.recognitions.filter(
            status=RecognitionStatus.ACTIVE, valid_until__gte=timezone.localdate()
        ).first()
        if held is not None or handled is not None:
            why = (
                gettext("证书“%(no)s”在有效期内") % {"no": held.certificate_no}
                if held is not None
                else gettext("申报“%(app)s”正在办理") % {"app": handled}
            )
            problems.append(
                (
                    "credit_code",
                    gettext(
                        "%(why)s，统一社会信用代码不能修改；企业主体确有变化的，请联系主管部门（重大变化报告）"
                    )
                    % {"why": why},
                )
            )
    if doc.get("region") and doc["region"] != enterprise.region and handled is not None:
        problems.append(
            (
                "region",
                gettext(
                    "申报“%(app)s”正在由原注册地的主管部门办理，注册地暂不能修改；办结后再修改，或先撤回申报"
                )
                % {"app": handled},
            )
        )
    elif doc.get("region") and doc["region"] != enterprise.region:
        payout = enterprise.policy_grants.filter(status="pending").select_related("policy").first()
        if payout is not None:  # the old county pays it: moved, nobody could decide it any more
            problems.append(
                (
                    "region",
                    gettext(
                        "免申即享“%(policy)s”正在由原注册地的主管部门兑付，注册地暂不能修改；兑付办结后再修改"
                    )
                    % {"policy": payout.policy.title},
                )
            )
    return problems


def profile_problems(doc: dict) -> list[tuple[str, str]]:
    """Every problem of a document the portal would store: identity checks first, then the engine's."""
    mine = _identity_problems(doc)
    if len(str(doc.get("name") or "")) > NAME_MAX:  # the column's width (a longer name failed on PostgreSQL)
        mine.append(("name", gettext("企业名称不能超过 %(n)s 个字") % {"n": NAME_MAX}))
    seen = {path for path, _ in mine}
    theirs = [(p, m) for p, m in engine.profile_problems(doc, timezone.localdate()) if p not in seen]
    return mine + theirs


def update_profile(
    actor, enterprise: Enterprise, profile: dict, *, expected_version: int, source: str = "editor"
) -> Enterprise:
    """Replace the enterprise's profile document after validating it whole.

    Raises NotAllowed (not this enterprise's user), InvalidInput (problems as (path, message)),
    StaleObject (someone saved since `expected_version`). Recognitions are the platform's: the
    stored ones are kept whatever the document says.
    """
    if not may_edit_profile(actor, enterprise):
        raise NotAllowed(gettext("只有本企业的账户可以修改企业画像；主管部门可查看，不能修改。"))
    doc = copy.deepcopy(profile)
    doc["schema"] = SCHEMA
    for key in ("credit_code", "industry"):
        if doc.get(key) is not None:
            doc[key] = identity.normalise_code(doc[key])
    for key in ("name", "region"):
        if isinstance(doc.get(key), str):
            doc[key] = doc[key].strip()
    old = Enterprise.objects.filter(pk=enterprise.pk).values_list("profile", flat=True).get() or {}
    doc.pop("recognitions", None)
    if old.get("recognitions") is not None:
        doc["recognitions"] = copy.deepcopy(old["recognitions"])
    problems = profile_problems(doc) + _identity_locks(enterprise, doc)
    if problems:
        with translation.override("en"):  # the same checks, said in English too (the API's message_en)
            problems_en = profile_problems(doc) + _identity_locks(enterprise, doc)
            message_en = gettext("企业画像有 %(n)s 处需要修改，请按提示修改后再保存。") % {"n": len(problems)}
        raise InvalidInput(
            gettext("企业画像有 %(n)s 处需要修改，请按提示修改后再保存。") % {"n": len(problems)},
            problems,
            message_en=message_en,
            problems_en=problems_en,
        )
    code = doc["credit_code"]
    if Enterprise.objects.filter(credit_code=code).exclude(pk=enterprise.pk).exists():
        raise InvalidInput(duplicate_message(code), [("credit_code", duplicate_message(code))])
    sections = changed_sections(old, doc)
    old_region = enterprise.region
    try:
        with transaction.atomic():
            claim(
                enterprise,
                expected_version,
                PROFILE_LABEL,
                profile=doc,
                name=doc["name"],
                credit_code=code,
                region=doc["region"],
                industry=doc.get("industry") or "",
                updated_at=timezone.now(),
            )
            enterprise._history_user = actor if getattr(actor, "pk", None) else None
            enterprise.save()  # the claimed values again, so simple_history keeps a version of the document
            record(
                actor,
                "enterprise.profile_updated",
                enterprise,
                region_code=enterprise.region,
                sections=sections,
                source=source,
                version=enterprise.version,
                **({"from_region": old_region} if old_region != enterprise.region else {}),
            )
    except IntegrityError:  # the same code was taken by another enterprise a moment ago
        enterprise.refresh_from_db()
        raise InvalidInput(duplicate_message(code), [("credit_code", duplicate_message(code))]) from None
    return enterprise
