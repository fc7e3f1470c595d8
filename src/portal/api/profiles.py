"""Enterprise endpoints: the scoped directory, one enterprise, and its profile document (read and replace)."""

from __future__ import annotations

from django.db.models import Q
from ninja import Router

from portal.accounts.scope import scope_enterprises
from portal.enterprises.actions import update_profile
from portal.enterprises.models import Enterprise

from .common import enterprise_out, page, require_data_role, scoped_enterprise
from .schemas import (
    EnterpriseList,
    EnterpriseOut,
    Error,
    Limit,
    Offset,
    PathId,
    ProfileIn,
    ProfileOut,
    RegionPrefix,
    SearchText,
)

router = Router(tags=["企业 enterprises"])

ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error}


@router.get("/enterprises", response={200: EnterpriseList, **ERRORS}, summary="您管辖范围内的企业")
def list_enterprises(
    request, region: RegionPrefix = None, q: SearchText = None, limit: Limit = 50, offset: Offset = 0
):
    require_data_role(request.auth)
    qs = scope_enterprises(request.auth, Enterprise.objects.all())
    if region:
        qs = qs.filter(region__startswith=region.strip())
    if q and q.strip():
        qs = qs.filter(Q(name__icontains=q.strip()) | Q(credit_code__icontains=q.strip()))
    limit, offset = page(limit, offset)
    return {
        "count": qs.count(),
        "limit": limit,
        "offset": offset,
        "items": [enterprise_out(e) for e in qs.order_by("name", "pk")[offset : offset + limit]],
    }


@router.get("/enterprises/{enterprise_id}", response={200: EnterpriseOut, **ERRORS}, summary="一家企业")
def get_enterprise(request, enterprise_id: PathId):
    return enterprise_out(scoped_enterprise(request.auth, enterprise_id))


@router.get(
    "/enterprises/{enterprise_id}/profile",
    response={200: ProfileOut, **ERRORS},
    summary="企业画像（zjtx.profile/1）",
)
def get_profile(request, enterprise_id: PathId):
    ent = scoped_enterprise(request.auth, enterprise_id)
    return {"enterprise_id": ent.pk, "version": ent.version, "profile": ent.profile}


@router.put(
    "/enterprises/{enterprise_id}/profile",
    response={200: ProfileOut, **ERRORS},
    summary="替换企业画像（仅本企业用户；版本不符返回 409）",
)
def put_profile(request, enterprise_id: PathId, payload: ProfileIn):
    ent = scoped_enterprise(request.auth, enterprise_id)
    ent = update_profile(
        request.auth, ent, payload.profile, expected_version=payload.expected_version, source="api"
    )
    ent.refresh_from_db()
    return {"enterprise_id": ent.pk, "version": ent.version, "profile": ent.profile}
