"""Supporting documents over the API: an enterprise's own system uploads a real PDF, submits, and the city
approves, all without a page; refusals name the field; downloads carry the stored type and are attachments."""

from __future__ import annotations

import hashlib
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from portal.audit.models import AuditEntry
from portal.cultivation.models import Application, Evidence

from . import test_api_scope

world = test_api_scope.world  # the shared fixture


def tiny_pdf(text: str = "zjtx evidence") -> bytes:
    """A small but well-formed one-page PDF (header, objects, xref table, trailer, %%EOF)."""
    content = f"BT /F1 12 Tf 20 50 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{off:010d} 00000 n \n".encode() for off in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, format="PNG")
    return buf.getvalue()


def upload(name: str, data: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def body_of(response) -> bytes:
    return b"".join(response.streaming_content)


def draft_of(world) -> Application:
    """A fresh draft of 杭州精工 in the open 科技和创新型 batch, created through the API."""
    r = world["apis"]["hz_owner"].post(
        "/api/applications",
        {"enterprise_id": world["hz"].pk, "batch_id": world["batches"]["zj_tech_innovative"].pk},
    )
    assert r.status_code == 201, r.content
    return Application.objects.get(pk=r.json()["id"])


def test_api_only_journey_create_upload_submit_approve(world):
    apis, users = world["apis"], world["users"]
    owner, city = apis["hz_owner"], apis["hz_city"]
    app = draft_of(world)
    data = tiny_pdf("2025 audit report")

    # Submitting without evidence is refused, naming what is missing.
    early = owner.post(
        f"/api/applications/{app.pk}/submit", {"expected_version": app.version, "declaration_accepted": True}
    )
    assert early.status_code == 422 and early.json()["errors"][0]["field"] == "evidence"

    up = owner.upload(
        f"/api/applications/{app.pk}/evidence", upload("2025年审计报告.pdf", data), "2025 年度审计报告"
    )
    assert up.status_code == 201, up.content
    ev = up.json()
    stored = Evidence.objects.get(pk=ev["id"])
    assert ev == {
        "id": stored.pk,
        "application_id": app.pk,
        "original_name": "2025年审计报告.pdf",
        "content_type": "application/pdf",
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "description": "2025 年度审计报告",
        "uploaded_at": ev["uploaded_at"],
        "download_url": f"/api/evidence/{stored.pk}",
    }
    assert stored.uploaded_by == users["hz_owner"]
    with stored.file.open("rb") as fh:  # the real bytes on disk, under a random name
        assert fh.read() == data
    assert "审计" not in stored.file.name and stored.file.name.endswith(".pdf")
    audit = AuditEntry.objects.get(action="cultivation.attach_evidence", data__evidence=stored.pk)
    assert audit.actor == users["hz_owner"] and audit.data["sha256"] == ev["sha256"]

    listed = owner.get(f"/api/applications/{app.pk}/evidence").json()
    assert listed["count"] == 1 and listed["items"] == [ev]
    # Before submission the city does not see the draft at all (as on the web).
    assert city.get(f"/api/applications/{app.pk}/evidence").status_code == 404
    assert city.get(ev["download_url"]).status_code == 404

    app.refresh_from_db()
    submitted = owner.post(
        f"/api/applications/{app.pk}/submit", {"expected_version": app.version, "declaration_accepted": True}
    )
    assert submitted.status_code == 200 and submitted.json()["state"] == "submitted", submitted.content
    assert "attach_evidence" not in submitted.json()["allowed_actions"]

    # The city reads the list and the file itself, exactly as uploaded.
    assert city.get(f"/api/applications/{app.pk}/evidence").json()["items"] == [ev]
    got = city.get(ev["download_url"])
    assert got.status_code == 200
    assert got["Content-Type"] == "application/pdf"
    assert got["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''2025%E5%B9%B4" in got["Content-Disposition"]
    assert got["X-Content-Type-Options"] == "nosniff" and got["Cache-Control"] == "private, no-store"
    assert body_of(got) == data

    # …but cannot add to it; the enterprise cannot change it once submitted.
    refused = city.upload(f"/api/applications/{app.pk}/evidence", upload("补充.pdf", data))
    assert refused.status_code == 403 and refused.json()["code"] == "not_allowed"
    assert "市级主管部门不能为申报" in refused.json()["message"]
    late = owner.upload(f"/api/applications/{app.pk}/evidence", upload("补充.pdf", data))
    assert late.status_code == 403 and "当前状态为“待审核”，不能上传佐证材料" in late.json()["message"]
    assert owner.delete(ev["download_url"]).status_code == 403
    assert Evidence.objects.filter(application=app).count() == 1

    version = submitted.json()["version"]
    approved = city.post(
        f"/api/applications/{app.pk}/decision",
        {"action": "approve", "reason": "材料齐全，审计报告已核对", "expected_version": version},
    )
    assert approved.status_code == 200, approved.content
    assert approved.json()["state"] == "in_notice" and approved.json()["state_label"] == "公示中"
    assert AuditEntry.objects.filter(action="cultivation.approve", actor=users["hz_city"]).exists()


def test_content_type_comes_from_the_bytes_not_the_declared_type(world):
    owner = world["apis"]["hz_owner"]
    app = draft_of(world)
    png = png_bytes()
    r = owner.upload(f"/api/applications/{app.pk}/evidence", upload("扫描件.png", png, "application/pdf"))
    assert r.status_code == 201, r.content
    assert r.json()["content_type"] == "image/png" and r.json()["original_name"] == "扫描件.png"
    got = owner.get(r.json()["download_url"])
    assert got["Content-Type"] == "image/png" and body_of(got) == png


def test_the_api_refuses_a_name_that_lies_about_the_content_and_a_pdf_that_is_not_one(world):
    """The same checks as the page: the client's system learns which file, what it is and what to do."""
    owner = world["apis"]["hz_owner"]
    app = draft_of(world)
    url = f"/api/applications/{app.pk}/evidence"

    def refusal(name: str, data: bytes) -> str:
        r = owner.upload(url, upload(name, data))
        assert r.status_code == 422, r.content
        assert r.json()["code"] == "invalid" and [e["field"] for e in r.json()["errors"]] == ["file"]
        return r.json()["errors"][0]["message"]

    assert refusal("扫描件.pdf", png_bytes()) == (
        "文件“扫描件.pdf”的内容是 PNG 图片，不是扩展名所示的 PDF 文件；请上传原始的 PDF 文件，或把扩展名改为 .png"
    )
    assert refusal("审计报告.exe", tiny_pdf()) == (
        "文件“审计报告.exe”的扩展名 .exe 不在接受之列（只接受 .pdf/.jpg/.jpeg/.png）；"
        "它的内容是 PDF 文件，请把扩展名改为 .pdf 后重新上传"
    )
    html = b"%PDF-1.4\n<html><script>alert(document.cookie)</script></html>\n%%EOF"
    assert refusal("审计报告.pdf", html) == (
        "文件“审计报告.pdf”看起来是 PDF 文件，但内容不完整或已损坏，无法打开；请重新导出、扫描或从原处重新下载后再上传"
    )
    assert not Evidence.objects.filter(application=app).exists()


def test_upload_refusals_name_the_field_and_store_nothing(world, settings):
    owner = world["apis"]["hz_owner"]
    app = draft_of(world)
    url = f"/api/applications/{app.pk}/evidence"

    fake = owner.upload(url, upload("审计报告.pdf", "这不是 PDF，只是一段文字".encode()))
    assert fake.status_code == 422
    assert fake.json()["code"] == "invalid"
    assert fake.json()["errors"] == [
        {
            "field": "file",
            "message": "文件“审计报告.pdf”不是有效的 PDF/JPEG/PNG 文件，请上传扫描件或导出的 PDF",
            "message_en": "",
        }
    ]

    empty = owner.upload(url, upload("空白.pdf", b""))
    assert empty.status_code == 422
    assert empty.json()["errors"][0] == {
        "field": "file",
        "message": "文件“空白.pdf”是空文件，请重新选择",
        "message_en": "",
    }

    missing = owner.upload(url, None, "只有说明")
    assert missing.status_code == 422
    assert missing.json()["errors"] == [
        {"field": "file", "message": "必填字段缺失", "message_en": "field required"}
    ]

    wordy = owner.upload(url, upload("a.pdf", tiny_pdf()), "长" * 201)
    assert wordy.status_code == 422
    assert wordy.json()["errors"] == [
        {"field": "description", "message": "材料说明不能超过 200 个字", "message_en": ""}
    ]

    settings.ZJTX = {**settings.ZJTX, "EVIDENCE_MAX_BYTES": 1024 * 1024}
    big = tiny_pdf() + b"%" + b"0" * (1024 * 1024) + b"\n%%EOF\n"
    too_large = owner.upload(url, upload("扫描件合集.pdf", big))
    assert too_large.status_code == 422
    assert too_large.json()["errors"] == [
        {
            "field": "file",
            "message": "文件“扫描件合集.pdf”超过 1 MB 的上限，请压缩或拆分后再上传",
            "message_en": "",
        }
    ]
    assert not Evidence.objects.filter(application=app).exists()
    assert not AuditEntry.objects.filter(action="cultivation.attach_evidence", target_id=str(app.pk)).exists()


def test_bad_multipart_and_nul_characters_are_client_errors(world):
    owner = world["apis"]["hz_owner"]
    app = draft_of(world)
    url = f"/api/applications/{app.pk}/evidence"

    broken = owner.client.post(
        url, b"--x\r\nnot a part", content_type="multipart/form-data", **owner._headers()
    )
    assert broken.status_code == 400 and broken.json()["code"] == "bad_request"
    assert "multipart/form-data" in broken.json()["message"]

    nul_text = owner.upload(url, upload("a.pdf", tiny_pdf()), "审计\x00报告")
    assert nul_text.status_code == 422 and nul_text.json()["errors"][0]["field"] == "description"
    assert not Evidence.objects.filter(application=app).exists()
    # Django drops non-printable characters from file names, so such a name is stored without them.
    nul_name = owner.upload(url, upload("审计\x00报告.pdf", tiny_pdf()))
    assert nul_name.status_code == 201 and nul_name.json()["original_name"] == "审计报告.pdf"

    as_json = owner.post(url, {"file": "JVBERi0xLjQK", "description": "base64 is not an upload"})
    assert as_json.status_code == 422 and as_json.json()["errors"][0]["field"] == "file"
    assert Evidence.objects.filter(application=app).count() == 1


def test_delete_removes_the_row_and_the_file(world, django_capture_on_commit_callbacks):
    owner = world["apis"]["hz_owner"]
    app = draft_of(world)
    ev = owner.upload(f"/api/applications/{app.pk}/evidence", upload("a.pdf", tiny_pdf())).json()
    stored = Evidence.objects.get(pk=ev["id"])
    storage, name = stored.file.storage, stored.file.name
    assert storage.exists(name)

    with django_capture_on_commit_callbacks(execute=True):
        gone = owner.delete(ev["download_url"])
    assert gone.status_code == 204 and gone.content == b""
    assert not Evidence.objects.filter(pk=ev["id"]).exists()
    assert not storage.exists(name)
    assert AuditEntry.objects.filter(action="cultivation.remove_evidence", data__evidence=ev["id"]).exists()
    assert owner.get(ev["download_url"]).status_code == 404
    assert owner.delete(ev["download_url"]).status_code == 404
    assert owner.get(f"/api/applications/{app.pk}/evidence").json() == {
        "count": 0,
        "limit": 50,
        "offset": 0,
        "items": [],
    }


def test_a_missing_file_is_404_naming_the_document(world):
    owner, app = world["apis"]["hz_owner"], world["hz_app"]
    ev = app.evidence.get()
    ev.file.storage.delete(ev.file.name)
    r = owner.get(f"/api/evidence/{ev.pk}")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert r.json()["message"].startswith(f"佐证材料“营业执照.pdf”（编号 {ev.pk}）的文件已不存在")


def test_withdraw_by_version_with_reason(world):
    apis, users = world["apis"], world["users"]
    app = world["hz_app"]
    app.refresh_from_db()
    url = f"/api/applications/{app.pk}/withdraw"

    city = apis["hz_city"].post(url, {"expected_version": app.version, "reason": "代企业撤回"})
    assert city.status_code == 403 and city.json()["code"] == "not_allowed"
    stale = apis["hz_owner"].post(url, {"expected_version": app.version - 1, "reason": "重复申报"})
    assert stale.status_code == 409 and stale.json()["code"] == "stale"
    missing = apis["hz_owner"].post(url, {"reason": "重复申报"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "expected_version"

    done = apis["hz_owner"].post(url, {"expected_version": app.version, "reason": "重复申报，撤回本次"})
    assert done.status_code == 200, done.content
    assert done.json()["state"] == "withdrawn" and done.json()["state_label"] == "已撤回"
    assert done.json()["version"] == app.version + 1 and done.json()["allowed_actions"] == []
    entry = AuditEntry.objects.get(action="cultivation.withdraw")
    assert entry.actor == users["hz_owner"] and entry.reason == "重复申报，撤回本次"

    again = apis["hz_owner"].post(url, {"expected_version": app.version + 1, "reason": ""})
    assert again.status_code == 403 and "当前状态为“已撤回”" in again.json()["message"]


def test_downloads_need_a_token(world):
    ev = world["hz_app"].evidence.get()
    r = Client().get(f"/api/evidence/{ev.pk}")
    assert r.status_code == 401 and r.json()["code"] == "token_missing"
