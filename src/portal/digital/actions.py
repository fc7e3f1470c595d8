"""State changes of the digital app: submitting a self-test, writing it to the profile, listing solutions.

Each is atomic, checks the actor (portal.accounts.scope; providers through services membership),
writes one audit row and raises portal.actions errors with Chinese messages naming the field.
The profile is changed only through portal.enterprises.actions.update_profile (validated whole,
optimistic on Enterprise.version); a self-test that cannot be written is kept with the reason.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from portal.accounts.scope import require_enterprise
from portal.actions import ActionError, InvalidInput, NotAllowed, claim
from portal.assessments import engine
from portal.audit.record import record
from portal.enterprises.actions import may_edit_profile, update_profile
from portal.enterprises.models import Enterprise
from portal.services.actions import REPOST_WINDOW, membership_of
from portal.services.models import PriceBand, ServiceInstitution, pad_tokens

from . import scoring
from .models import DigitalSelfTest, Dimension, Solution

ALL_INDUSTRIES = "*"
TEXT_MAX = 4000
MAX_DEPLOYMENT_DAYS = 365


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _json_number(value: Decimal):
    """Exact JSON number for the profile: int when whole, else a float that prints back as the same decimal."""
    if value == value.to_integral_value():
        return int(value)
    as_float = float(value)
    if Decimal(repr(as_float)) != value:  # every table point has at most 3 decimals, so this cannot happen
        raise InvalidInput(
            gettext("自测总分 %(value)s 无法精确保存。") % {"value": value},
            [("total_score", gettext("位数过多"))],
        )
    return as_float


def error_text(exc: ActionError) -> str:
    """The error with each field problem named by its profile label (as the profile editor names it)."""
    parts = [exc.message]
    for path, message in getattr(exc, "problems", None) or []:
        parts.append(f"{engine.path_label(path)}（{path}）：{message}")
    return " ".join(parts)


# ---------------------------------------------------------------------------------------------- self-test


def submit_self_test(
    actor, enterprise: Enterprise, data, *, now: dt.datetime | None = None
) -> DigitalSelfTest:
    """Score the answers, store the self-test, then write the score and level to the profile.

    Raises NotAllowed (not this enterprise's user, or no item table for its sector) or InvalidInput
    (problems per question). When the profile cannot take the result (another field of the profile
    is invalid, or it changed meanwhile), the self-test is still stored with `apply_error` set.
    """
    if not getattr(actor, "is_authenticated", False):
        raise NotAllowed(gettext("请先登录，再进行数字化水平自测。"))
    require_enterprise(actor, enterprise)
    if not may_edit_profile(actor, enterprise):
        raise NotAllowed(gettext("只有本企业的账户可以填报数字化水平自测；主管部门可查看结果。"))
    sector = scoring.sector_for(enterprise.industry)
    if sector is None:
        raise InvalidInput(
            gettext(
                "企业画像还没有填写行业代码，无法确定评测口径（制造业 / 生产性服务业 / 其他行业）。"
                "请先在企业画像中填写行业。"
            ),
            [("industry", gettext("请在企业画像中填写国民经济行业代码"))],
        )
    variant = scoring.tables().variants[sector.id]
    if not variant.available:
        raise NotAllowed(
            variant.unavailable_reason_text
            or gettext("本平台尚未收录%(sector)s评测表。") % {"sector": sector.text}
        )
    answers, problems = scoring.parse_answers(variant, data)
    if problems:
        raise InvalidInput(
            gettext("还有 %(n)s 处未答或答案无效，请按提示补充后再提交。") % {"n": len(problems)}, problems
        )
    result = scoring.score(variant, answers)
    level = engine.digital_level_for_score(result["total"])
    provisional = scoring.level_2024(result["total"], result["scenarios"])
    with transaction.atomic():
        test = DigitalSelfTest.objects.create(
            enterprise=enterprise,
            created_by=actor,
            created_at=_now(now),
            sector=sector.id,
            industry=enterprise.industry,
            items_version=variant.version,
            items_digest=variant.digest,
            answers=answers,
            dimensions=result["dimensions"],
            total_score=result["total"],
            level=level["level"],
            level_label=level["label"],
            level_ruleset=level["ruleset"],
            level_2024=provisional,
            scenario_summary=result["scenarios"],
            weakest=result["weakest"],
        )
        record(
            actor,
            "digital.self_test_submitted",
            test,
            to_state=f"level_{level['level']}",
            region_code=enterprise.region,
            enterprise=enterprise.pk,
            total=result["total_text"],
            items_version=variant.version,
            items_digest=variant.digest,
            level_2024=provisional,
        )
    try:
        apply_self_test(actor, test, now=now)
    except ActionError:
        test.refresh_from_db()
    return test


def profile_with_result(profile: dict, test: DigitalSelfTest) -> dict:
    """The profile document with digital_score and digital_level from the self-test (level removed below 一级)."""
    doc = copy.deepcopy(profile or {})
    doc["digital_score"] = _json_number(Decimal(test.total_score).normalize())
    if test.level >= 1:
        doc["digital_level"] = test.level
    else:
        doc.pop("digital_level", None)  # the profile allows 1–4 only; the engine derives 0 from the score
    return doc


def apply_self_test(actor, test: DigitalSelfTest, *, now: dt.datetime | None = None) -> DigitalSelfTest:
    """Write the latest self-test's score and level into the enterprise profile (through update_profile)."""
    if not getattr(actor, "is_authenticated", False):
        raise NotAllowed(gettext("请先登录。"))
    enterprise = Enterprise.objects.get(pk=test.enterprise_id)
    require_enterprise(actor, enterprise)
    if not may_edit_profile(actor, enterprise):
        raise NotAllowed(gettext("只有本企业的账户可以把自测结果写入企业画像；主管部门可查看，不能修改。"))
    latest = DigitalSelfTest.objects.filter(enterprise=enterprise).order_by("-created_at", "-id").first()
    if latest is not None and latest.pk != test.pk:
        raise NotAllowed(
            gettext("这不是本企业最近一次自测，不能写入企业画像；请写入最近一次的结果，或重新自测。")
        )
    try:
        with transaction.atomic():
            doc = profile_with_result(enterprise.profile, test)
            enterprise = update_profile(
                actor, enterprise, doc, expected_version=enterprise.version, source="digital_self_test"
            )
            moment = _now(now)
            DigitalSelfTest.objects.filter(pk=test.pk).update(
                profile_applied_at=moment, profile_version=enterprise.version, apply_error=""
            )
            record(
                actor,
                "digital.self_test_applied",
                test,
                to_state="applied",
                region_code=enterprise.region,
                enterprise=enterprise.pk,
                profile_version=enterprise.version,
                digital_score=doc["digital_score"],
                digital_level=doc.get("digital_level"),
            )
    except ActionError as exc:
        DigitalSelfTest.objects.filter(pk=test.pk).update(apply_error=error_text(exc)[:4000])
        test.refresh_from_db()
        raise
    test.refresh_from_db()
    return test


# ---------------------------------------------------------------------------------------------- solutions


def parse_industries(text) -> tuple[list[str], list[str]]:
    """'C34 C3484' / '全部' → tokens (GB/T 4754 codes, '*' = all industries); (tokens, problems)."""
    raw = text if isinstance(text, list | tuple) else re.split(r"[\s,，、;；]+", str(text or "").strip())
    tokens, problems = [], []
    for item in (str(t).strip().upper() for t in raw):
        if not item:
            continue
        if item in ("全部", "全部行业", ALL_INDUSTRIES):
            tokens.append(ALL_INDUSTRIES)
            continue
        if engine.industry_name(item) is None:
            problems.append(
                gettext(
                    "未知的行业代码 %(code)s（应为 GB/T 4754-2017 门类、大类、中类或小类代码，如 C、C34、C3484）"
                )
                % {"code": item}
            )
            continue
        tokens.append(item)
    if not tokens and not problems:
        problems.append(gettext("请填写至少一个适用行业代码，或“全部”"))
    return sorted(set(tokens)), problems


def _solution_just_created(institution, fields: dict, moment) -> Solution | None:
    """The identical solution this institution listed minutes ago: a second click on 保存 must not list it twice."""
    ServiceInstitution.objects.select_for_update().filter(pk=institution.pk).first()  # one at a time
    same = {k: v for k, v in fields.items() if k != "updated_at"}
    return Solution.objects.filter(
        institution=institution, created_at__gte=moment - REPOST_WINDOW, created_at__lte=moment, **same
    ).first()


def save_solution(
    actor,
    *,
    solution: Solution | None = None,
    expected_version: int | None = None,
    title: str,
    description: str,
    dimension: str,
    industries,
    price_band: str,
    deployment_days,
    contact: str,
    active: bool = True,
    now: dt.datetime | None = None,
) -> Solution:
    """A provider lists (solution=None) or changes a 小快轻准 solution of its institution.

    Solutions of an institution that is not approved are stored but not shown to enterprises.
    """
    if not getattr(actor, "is_authenticated", False):
        raise NotAllowed(gettext("请先登录，再发布方案。"))
    member = membership_of(actor)
    if member is None:
        raise NotAllowed(
            gettext("只有服务机构的账户可以发布小快轻准方案。请用服务机构账户登录，或先登记服务机构。")
        )
    institution = member.institution
    if solution is not None and solution.institution_id != institution.pk:
        raise NotAllowed(gettext("方案“%(title)s”属于其他服务机构，您不能修改。") % {"title": solution.title})
    title, description, contact = (str(v or "").strip() for v in (title, description, contact))
    tokens, industry_problems = parse_industries(industries)
    problems: list[tuple[str, str]] = []
    if not title:
        problems.append(("title", gettext("请填写方案名称")))
    elif len(title) > 200:
        problems.append(("title", gettext("方案名称不能超过 200 个字")))
    if not description:
        problems.append(("description", gettext("请填写方案介绍")))
    elif len(description) > TEXT_MAX:
        problems.append(("description", gettext("方案介绍不能超过 %(n)s 个字") % {"n": TEXT_MAX}))
    if dimension not in Dimension.values:
        problems.append(("dimension", gettext("请选择方案提升的维度")))
    problems += [("industries", p) for p in industry_problems]
    if price_band not in PriceBand.values:
        problems.append(("price_band", gettext("请选择收费区间")))
    try:
        days = int(str(deployment_days).strip())
    except (TypeError, ValueError):
        days = -1
    if not 1 <= days <= MAX_DEPLOYMENT_DAYS:
        problems.append(
            (
                "deployment_days",
                gettext("部署周期应为 1–%(max)s 之间的整数（天）") % {"max": MAX_DEPLOYMENT_DAYS},
            )
        )
    if not contact:
        problems.append(("contact", gettext("请填写联系方式")))
    elif len(contact) > 200:
        problems.append(("contact", gettext("联系方式不能超过 200 个字")))
    if problems:
        raise InvalidInput(gettext("方案信息有误，请按提示修改后再保存。"), problems)
    fields = {
        "title": title,
        "description": description,
        "dimension": dimension,
        "industries": pad_tokens(tokens),
        "price_band": price_band,
        "deployment_days": days,
        "contact": contact,
        "active": bool(active),
        "updated_at": _now(now),
    }
    with transaction.atomic():
        if solution is None:
            same = _solution_just_created(institution, fields, _now(now))
            if same is not None:
                return same
            solution = Solution.objects.create(institution=institution, created_at=_now(now), **fields)
            record(
                actor,
                "digital.solution_created",
                solution,
                to_state="active" if active else "inactive",
                region_code=institution.region_code,
                institution=institution.pk,
                dimension=dimension,
            )
        else:
            if expected_version is None:
                raise InvalidInput(
                    gettext("缺少版本号，请刷新页面后重新保存。"), [("version", gettext("缺少版本号"))]
                )
            claim(
                solution, expected_version, gettext("方案“%(title)s”") % {"title": solution.title}, **fields
            )
            record(
                actor,
                "digital.solution_updated",
                solution,
                to_state="active" if active else "inactive",
                region_code=institution.region_code,
                institution=institution.pk,
                dimension=dimension,
            )
    return solution
