"""Supporting documents over the API, so an enterprise's own system can complete an application without the page.

Upload, removal and withdrawal go through portal.cultivation.actions (checks by content, audit, notices);
who may see a document is views_common.evidence_for, the rule the web download uses.
"""

from __future__ import annotations

from typing import Annotated

from django.urls import reverse
from ninja import File, Form, Router, Status, UploadedFile

from portal.cultivation import actions as cultivation
from portal.cultivation.models import Evidence
from portal.cultivation.views_common import evidence_for
from portal.downloads import FileMissing, file_response

from .applications import ERRORS, scoped_application
from .common import page, require_data_role
from .errors import ApiError, not_found
from .schemas import EvidenceList, EvidenceOut, Limit, Offset, PathId

router = Router(tags=["佐证材料 evidence"])

EVIDENCE_TYPES = ("application/pdf", "image/jpeg", "image/png")

UploadFile = Annotated[
    UploadedFile,
    File(
        description="PDF、JPEG 或 PNG 文件（按内容识别；文件名的扩展名须与内容一致，PDF 须能解析出页面），"
        "不超过平台上限（默认 10 MB）"
    ),
]
Description = Annotated[str, Form(description="材料说明，如“2025 年审计报告”（可不填，最多 200 字）")]

# The download answers with the file itself: document its real content types, so clients and the
# schemathesis check know that 200 is not JSON.
DOWNLOAD_DOC = {
    "responses": {
        200: {
            "description": "文件内容（Content-Disposition: attachment，类型为上传时按内容识别的类型）",
            "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in EVIDENCE_TYPES},
        }
    }
}


def evidence_out(ev: Evidence) -> dict:
    return {
        "id": ev.pk,
        "application_id": ev.application_id,
        "original_name": ev.original_name,
        "content_type": ev.content_type,
        "size": ev.size,
        "sha256": ev.sha256,
        "description": ev.description,
        "uploaded_at": ev.uploaded_at,
        "download_url": reverse("api:v1:evidence_file", args=[ev.pk]),
    }


def _evidence(user, pk: int) -> Evidence:
    """The document if this user may see it (the web download's rule); otherwise 404, existence unrevealed."""
    require_data_role(user)
    ev = evidence_for(user).filter(pk=pk).first()
    if ev is None:
        raise not_found(f"佐证材料（编号 {pk}）", f"Evidence {pk}")
    return ev


@router.get(
    "/applications/{application_id}/evidence",
    response={200: EvidenceList, **ERRORS},
    summary="一份申报的佐证材料",
)
def list_evidence(request, application_id: PathId, limit: Limit = 50, offset: Offset = 0):
    app = scoped_application(request.auth, application_id)
    qs = evidence_for(request.auth).filter(application=app).order_by("uploaded_at", "pk")
    limit, offset = page(limit, offset)
    return {
        "count": qs.count(),
        "limit": limit,
        "offset": offset,
        "items": [evidence_out(ev) for ev in qs[offset : offset + limit]],
    }


@router.post(
    "/applications/{application_id}/evidence",
    response={201: EvidenceOut, **ERRORS},
    summary="上传佐证材料（multipart/form-data：file + description；仅本企业用户，草稿或退回修改时）",
)
def upload_evidence(request, application_id: PathId, file: UploadFile, description: Description = ""):
    app = scoped_application(request.auth, application_id)
    ev = cultivation.attach_evidence(request.auth, app, file, description=description)
    return Status(201, evidence_out(ev))


@router.get(
    "/evidence/{evidence_id}",
    response={200: None, **ERRORS},
    url_name="evidence_file",
    openapi_extra=DOWNLOAD_DOC,
    summary="下载佐证材料文件",
)
def download_evidence(request, evidence_id: PathId):
    ev = _evidence(request.auth, evidence_id)
    try:
        return file_response(ev.file, ev.original_name, ev.content_type)
    except FileMissing:
        raise ApiError(
            404,
            "not_found",
            f"佐证材料“{ev.original_name}”（编号 {ev.pk}）的文件已不存在：请联系平台管理员，或由企业重新上传。",
            f"The file of evidence {ev.pk} is missing; contact the administrator or upload it again.",
        ) from None


@router.delete(
    "/evidence/{evidence_id}",
    response={204: None, **ERRORS},
    summary="删除佐证材料（仅本企业用户，草稿或退回修改时）",
)
def delete_evidence(request, evidence_id: PathId):
    cultivation.remove_evidence(request.auth, _evidence(request.auth, evidence_id))
    return Status(204, None)
