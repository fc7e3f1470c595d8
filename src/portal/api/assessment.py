"""Assessment endpoints: a stateless check of any profile, and the stored assessments of an enterprise."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from ninja import Body, Router, Status

from portal.accounts.scope import scope_enterprises
from portal.assessments import engine
from portal.assessments.actions import run_assessment, today_in_china
from portal.assessments.models import Assessment

from .common import assessment_out, lang_of, page, require_data_role, scoped_enterprise
from .errors import ApiError, field_error, not_found
from .schemas import (
    AsOfParam,
    AssessmentList,
    AssessmentOut,
    AssessmentRunIn,
    Error,
    Lang,
    Limit,
    Offset,
    PathId,
    RulesParam,
)

router = Router(tags=["评价 assessment"])

ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error}


def _unknown_rules(rules: str | None, as_of: dt.date) -> ApiError:
    if rules:
        known = "、".join(r["id"] for r in engine.measures_rulesets())
        zh, en = f"未知的规则集“{rules}”：可用 {known}", f"unknown rule set {rules!r}; use one of {known}"
        field = "rules"
    else:
        zh, en = (
            f"{as_of.isoformat()} 没有施行中的梯度培育办法：请改选评价基准日或指定规则集",
            f"no rules in force on {as_of}",
        )
        field = "as_of"
    return ApiError(422, "invalid", zh + "。", en, [field_error(field, zh, en)])


@router.post(
    "/assess",
    response={200: dict[str, Any], **ERRORS},
    summary="评价一份企业画像（不保存）",
    description="请求体为 zjtx.profile/1 文档；返回 zjtx.assessment/1。仅经 portal.assessments.engine 计算，不写数据库。",
)
def assess(
    request,
    payload: Annotated[dict[str, Any], Body(description="zjtx.profile/1 文档")],
    as_of: AsOfParam = None,
    rules: RulesParam = None,
    lang: Lang = "zh",
    is_review: bool = False,
):
    as_of = as_of or today_in_china()
    if rules:
        try:
            engine.ruleset(rules)
        except engine.UnknownRuleSet:
            raise _unknown_rules(rules, as_of) from None
    try:
        _outcome, result = engine.assess(payload, as_of, rules, is_review=is_review)
    except engine.UnknownRuleSet:
        raise _unknown_rules(rules, as_of) from None
    return result[lang_of(lang)]


@router.post(
    "/enterprises/{enterprise_id}/assessments",
    response={201: AssessmentOut, **ERRORS},
    summary="评价企业当前画像并保存",
)
def run(request, enterprise_id: PathId, payload: AssessmentRunIn, lang: Lang = "zh"):
    ent = scoped_enterprise(request.auth, enterprise_id)
    a = run_assessment(
        request.auth, ent, as_of=payload.as_of, rules=payload.rules, is_review=payload.is_review
    )
    return Status(201, assessment_out(a, lang_of(lang), with_result=True))


@router.get(
    "/enterprises/{enterprise_id}/assessments",
    response={200: AssessmentList, **ERRORS},
    summary="企业的评价记录（新的在前）",
)
def list_for_enterprise(
    request, enterprise_id: PathId, lang: Lang = "zh", limit: Limit = 50, offset: Offset = 0
):
    ent = scoped_enterprise(request.auth, enterprise_id)
    qs = Assessment.objects.filter(enterprise=ent).order_by("-created_at", "-pk")
    limit, offset = page(limit, offset)
    rows = qs[offset : offset + limit]
    return {
        "count": qs.count(),
        "limit": limit,
        "offset": offset,
        "items": [assessment_out(a, lang_of(lang), with_result=False) for a in rows],
    }


@router.get(
    "/assessments/{assessment_id}", response={200: AssessmentOut, **ERRORS}, summary="一次评价的完整结果"
)
def detail(request, assessment_id: PathId, lang: Lang = "zh"):
    require_data_role(request.auth)
    a = (
        scope_enterprises(request.auth, Assessment.objects.all(), "enterprise__")
        .filter(pk=assessment_id)
        .first()
    )
    if a is None:
        raise not_found(f"评价记录（编号 {assessment_id}）", f"Assessment {assessment_id}")
    return assessment_out(a, lang_of(lang), with_result=True)
