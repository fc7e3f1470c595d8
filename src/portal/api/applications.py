"""Application endpoints (create, submit, decide) and the public certificate check, all through cultivation.actions."""

from __future__ import annotations

from django.utils import timezone
from ninja import Router, Status

from portal.accounts.scope import scope_enterprises
from portal.cultivation import actions as cultivation
from portal.cultivation.models import (
    Application,
    ApplicationState,
    Batch,
    Recognition,
    RecognitionStatus,
    Tier,
)
from portal.cultivation.views_common import applications_for

from .common import page, require_data_role, scoped_enterprise
from .errors import ApiError, field_error, not_found
from .schemas import (
    ApplicationCreateIn,
    ApplicationDetail,
    ApplicationList,
    BatchFilter,
    CertificateOut,
    DecisionIn,
    Error,
    Limit,
    Offset,
    PathId,
    StateFilter,
    SubmitIn,
    TierFilter,
    WithdrawIn,
)

router = Router(tags=["申报 applications"])
public = Router(tags=["证书验证 certificates"])

ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error}


def scoped_applications(user):
    """What the web shows this user (views_common.applications_for): own enterprise, or the official's
    region without the enterprises' unsubmitted drafts."""
    require_data_role(user)
    return applications_for(user).select_related("recognition")


def scoped_application(user, pk: int) -> Application:
    app = scoped_applications(user).filter(pk=pk).first()
    if app is None:
        raise not_found(f"申报（编号 {pk}）", f"Application {pk}")
    return app


def _recognition(app: Application) -> dict | None:
    try:
        rec = app.recognition
    except Recognition.DoesNotExist:
        return None
    if rec is None:
        return None
    return {
        "certificate_no": rec.certificate_no,
        "verification_code": rec.verification_code,
        "status": rec.status,
        "valid_from": rec.valid_from,
        "valid_until": rec.valid_until,
    }


def application_out(user, app: Application, *, detail: bool = False) -> dict:
    out = {
        "id": app.pk,
        "enterprise_id": app.enterprise_id,
        "enterprise_name": app.enterprise.name,
        "region": app.enterprise.region,
        "batch_id": app.batch_id,
        "batch_name": app.batch.name,
        "tier": app.tier,
        "tier_label": str(Tier(app.tier).label) if app.tier in Tier.values else app.tier,
        "kind": app.kind,
        "state": app.state,
        "state_label": str(ApplicationState(app.state).label)
        if app.state in ApplicationState.values
        else app.state,
        "version": app.version,
        "created_at": app.created_at,
        "submitted_at": app.submitted_at,
        "decided_at": app.decided_at,
        "last_reason": app.last_reason,
        "notice_starts": app.notice_starts,
        "notice_ends": app.notice_ends,
        "assessment_id": app.assessment_id,
        "allowed_actions": list(cultivation.allowed_actions(user, app)),
        "recognition": _recognition(app),
    }
    if detail:
        # the text to sign while the application can be (re)submitted, else the text as signed
        signable = "submit" in out["allowed_actions"] or not app.declaration_text
        out["declaration_text"] = cultivation.declaration_text() if signable else app.declaration_text
    return out


@router.get("/applications", response={200: ApplicationList, **ERRORS}, summary="您管辖范围内的申报")
def list_applications(
    request,
    state: StateFilter = None,
    tier: TierFilter = None,
    batch: BatchFilter = None,
    limit: Limit = 50,
    offset: Offset = 0,
):
    qs = scoped_applications(request.auth)
    if state:
        qs = qs.filter(state=state)
    if tier:
        qs = qs.filter(tier=tier)
    if batch is not None:
        qs = qs.filter(batch_id=batch)
    limit, offset = page(limit, offset)
    rows = qs.order_by("-updated_at", "-id")[offset : offset + limit]
    return {
        "count": qs.count(),
        "limit": limit,
        "offset": offset,
        "items": [application_out(request.auth, a) for a in rows],
    }


@router.get("/applications/{application_id}", response={200: ApplicationDetail, **ERRORS}, summary="一份申报")
def get_application(request, application_id: PathId):
    return application_out(request.auth, scoped_application(request.auth, application_id), detail=True)


@router.post("/applications", response={201: ApplicationDetail, **ERRORS}, summary="创建申报（草稿）")
def create(request, payload: ApplicationCreateIn):
    ent = scoped_enterprise(request.auth, payload.enterprise_id)
    batch = Batch.objects.filter(pk=payload.batch_id).first()
    if batch is None:
        raise ApiError(
            422,
            "invalid",
            f"申报批次（编号 {payload.batch_id}）不存在：请选择正在开放的批次。",
            "No such batch.",
            [field_error("batch_id", "批次不存在", "no such batch")],
        )
    if payload.renews_id is None:
        app = cultivation.create_application(request.auth, ent, batch)
    else:
        renews = (
            scope_enterprises(request.auth, Recognition.objects.all(), "enterprise__")
            .filter(pk=payload.renews_id)
            .first()
        )
        if renews is None:
            raise ApiError(
                422,
                "invalid",
                f"被复核的认定（编号 {payload.renews_id}）不存在。",
                "No such recognition.",
                [field_error("renews_id", "认定不存在", "no such recognition")],
            )
        if renews.enterprise_id != ent.pk:
            # create_application says so, naming the certificate and the enterprise
            app = cultivation.create_application(request.auth, ent, batch, renews=renews)
        else:
            # as on the web: a re-review only from the title's last year (or in its final year's batch)
            app = cultivation.start_re_review(request.auth, renews, batch)
    return Status(201, application_out(request.auth, scoped_application(request.auth, app.pk), detail=True))


@router.post(
    "/applications/{application_id}/submit",
    response={200: ApplicationDetail, **ERRORS},
    summary="提交申报（须同意真实性声明）",
)
def submit(request, application_id: PathId, payload: SubmitIn):
    app = scoped_application(request.auth, application_id)
    cultivation.submit_application(
        request.auth,
        app,
        expected_version=payload.expected_version,
        declaration_accepted=payload.declaration_accepted,
    )
    return application_out(request.auth, scoped_application(request.auth, app.pk), detail=True)


@router.post(
    "/applications/{application_id}/decision",
    response={200: ApplicationDetail, **ERRORS},
    summary="审核：通过 / 退回 / 不予通过 / 认定",
)
def decide(request, application_id: PathId, payload: DecisionIn):
    user = request.auth
    app = scoped_application(user, application_id)
    version, reason = payload.expected_version, payload.reason.strip()
    if payload.action == "approve":
        cultivation.approve_application(user, app, expected_version=version, reason=reason)
    elif payload.action == "return":
        cultivation.return_application(user, app, expected_version=version, reason=reason)
    elif payload.action == "reject":
        cultivation.reject_application(user, app, expected_version=version, reason=reason)
    else:
        cultivation.recognise_application(user, app, expected_version=version)
    return application_out(user, scoped_application(user, app.pk), detail=True)


@router.post(
    "/applications/{application_id}/withdraw",
    response={200: ApplicationDetail, **ERRORS},
    summary="撤回申报（仅本企业用户；草稿、已提交、退回修改或已推荐时）",
)
def withdraw(request, application_id: PathId, payload: WithdrawIn):
    app = scoped_application(request.auth, application_id)
    cultivation.withdraw_application(
        request.auth, app, expected_version=payload.expected_version, reason=payload.reason
    )
    return application_out(request.auth, scoped_application(request.auth, app.pk), detail=True)


@public.get(
    "/certificates/{code}",
    response={200: CertificateOut, 404: Error},
    auth=None,
    summary="证书验证（公开，无需令牌）",
)
def verify(request, code: str):
    """code：证书上的 10 位验证码（不区分大小写，可含空格或连字符）。"""
    rec = None if "\x00" in code else cultivation.verify_certificate(code.strip())
    if rec is None:
        raise ApiError(
            404,
            "not_found",
            f"未找到验证码为“{code}”的证书：请核对证书上的 10 位验证码。",
            "No certificate with this verification code.",
        )
    today = timezone.localdate()
    name, credit_code = rec.certified()
    status = rec.status
    if status == RecognitionStatus.ACTIVE and rec.valid_until < today:
        status = RecognitionStatus.EXPIRED
    return {
        "valid": status == RecognitionStatus.ACTIVE and rec.valid_from <= today,
        "status": status,
        "status_label": str(RecognitionStatus(status).label),
        "certificate_no": rec.certificate_no,
        "enterprise_name": name,
        "credit_code": credit_code,
        "tier": rec.tier,
        "tier_label": str(Tier(rec.tier).label) if rec.tier in Tier.values else rec.tier,
        "valid_from": rec.valid_from,
        "valid_until": rec.valid_until,
        "issued_by_level": rec.issued_by_level,
    }
