"""Evidence uploads are judged by their bytes and stored under random names, with their SHA-256."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
import weasyprint
from django.core.files.storage import default_storage
from pypdf import PdfWriter

from portal.actions import InvalidInput, NotAllowed
from portal.audit.record import trail
from portal.cultivation import actions
from portal.cultivation.models import Evidence

from .test_cultivation_helpers import (
    jpeg_bytes,
    media,  # noqa: F401  (fixture)
    open_batch,
    pdf_bytes,
    png_bytes,
    upload,
)
from .test_cultivation_pages import tiny_pdf

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


@pytest.fixture
def draft(gov, hz_enterprise, hz_owner):
    return actions.create_application(hz_owner, hz_enterprise, open_batch(gov))


def media_root() -> Path:
    return Path(default_storage.location)


def stored_path(evidence: Evidence) -> Path:
    return Path(evidence.file.path)


@pytest.mark.parametrize(
    ("name", "data", "content_type", "suffix"),
    [
        ("营业执照.pdf", pdf_bytes(), "application/pdf", ".pdf"),
        ("车间照片.jpg", jpeg_bytes(), "image/jpeg", ".jpg"),
        ("证书.png", png_bytes(), "image/png", ".png"),
    ],
)
def test_real_files_are_stored_with_random_names_and_their_hash(
    draft, hz_owner, name, data, content_type, suffix
):
    evidence = actions.attach_evidence(
        hz_owner, draft, upload(name, data, "application/octet-stream"), description="说明"
    )
    path = stored_path(evidence)
    assert path.is_file() and path.read_bytes() == data
    assert path.suffix == suffix and name.rsplit(".", 1)[0] not in path.name and media_root() in path.parents
    assert (evidence.original_name, evidence.content_type, evidence.size) == (name, content_type, len(data))
    assert evidence.sha256 == hashlib.sha256(data).hexdigest()
    assert evidence.uploaded_by == hz_owner and evidence.description == "说明"


def test_type_comes_from_the_content_not_from_the_browser(draft, hz_owner):
    evidence = actions.attach_evidence(hz_owner, draft, upload("扫描件.png", png_bytes(), "application/pdf"))
    assert evidence.content_type == "image/png" and stored_path(evidence).suffix == ".png"
    photo = actions.attach_evidence(hz_owner, draft, upload("车间照片.JPEG", jpeg_bytes(), "image/png"))
    assert photo.content_type == "image/jpeg" and photo.original_name == "车间照片.JPEG"


def refused(draft, owner, name: str, data: bytes) -> str:
    """The refusal a person reads for this upload; nothing may be kept of it."""
    with pytest.raises(InvalidInput) as err:
        actions.attach_evidence(owner, draft, upload(name, data))
    assert err.value.problems == [("file", err.value.message.removesuffix("。"))]
    assert Evidence.objects.filter(original_name=name).count() == 0
    assert not any(p.is_file() for p in media_root().rglob("*"))
    return err.value.message


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "x.pdf",
            png_bytes(),
            "文件“x.pdf”的内容是 PNG 图片，不是扩展名所示的 PDF 文件；请上传原始的 PDF 文件，或把扩展名改为 .png。",
        ),
        (
            "营业执照.png",
            jpeg_bytes(),
            "文件“营业执照.png”的内容是 JPEG 图片，不是扩展名所示的 PNG 图片；"
            "请上传原始的 PNG 图片，或把扩展名改为 .jpg。",
        ),
        (
            "审计报告.jpg",
            pdf_bytes(),
            "文件“审计报告.jpg”的内容是 PDF 文件，不是扩展名所示的 JPEG 图片；"
            "请上传原始的 JPEG 图片，或把扩展名改为 .pdf。",
        ),
    ],
)
def test_a_name_that_says_another_kind_than_the_content_is_refused(draft, hz_owner, name, data, message):
    """A reviewer downloads the file under its name: a PNG named .pdf would not open as a PDF."""
    assert refused(draft, hz_owner, name, data) == message


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "审计报告.exe",
            pdf_bytes(),
            "文件“审计报告.exe”的扩展名 .exe 不在接受之列（只接受 .pdf/.jpg/.jpeg/.png）；"
            "它的内容是 PDF 文件，请把扩展名改为 .pdf 后重新上传。",
        ),
        (
            "审计报告",
            pdf_bytes(),
            "文件“审计报告”没有扩展名（只接受 .pdf/.jpg/.jpeg/.png）；"
            "它的内容是 PDF 文件，请把扩展名改为 .pdf 后重新上传。",
        ),
        (
            "setup.exe",
            b"MZ\x90\x00" + b"\x00" * 200,
            "文件“setup.exe”的扩展名 .exe 不在接受之列：只接受 .pdf/.jpg/.jpeg/.png 文件，请上传扫描件或导出的 PDF。",
        ),
        (
            "报告.docx",
            b"PK\x03\x04" + b"\x00" * 60 + b"PK\x05\x06" + b"\x00" * 18,
            "文件“报告.docx”的扩展名 .docx 不在接受之列：只接受 .pdf/.jpg/.jpeg/.png 文件，请上传扫描件或导出的 PDF。",
        ),
    ],
)
def test_an_extension_outside_the_accepted_kinds_is_refused_naming_them(draft, hz_owner, name, data, message):
    assert refused(draft, hz_owner, name, data) == message


def test_a_pdf_must_parse_into_pages_not_only_start_and_end_like_one(draft, hz_owner):
    """`%PDF-` and `%%EOF` around an HTML page (67 bytes) are no PDF; neither is a PDF without pages."""
    html = b"%PDF-1.4\n<html><script>alert(document.cookie)</script></html>\n%%EOF"
    no_page = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        b"trailer<</Root 1 0 R>>\nstartxref\n0\n%%EOF\n"
    )
    damaged = "看起来是 PDF 文件，但内容不完整或已损坏，无法打开；请重新导出、扫描或从原处重新下载后再上传。"
    assert refused(draft, hz_owner, "审计报告.pdf", html) == f"文件“审计报告.pdf”{damaged}"
    assert refused(draft, hz_owner, "空白.pdf", no_page) == f"文件“空白.pdf”{damaged}"
    cut = pdf_bytes()[:400] + b"\n%%EOF\n"  # the first 400 bytes of a real PDF, an end marker added
    assert refused(draft, hz_owner, "截断.pdf", cut) == f"文件“截断.pdf”{damaged}"
    no_end = b"%PDF-1.7\n1 0 obj<<>>endobj\n"  # truncated: no %%EOF
    assert refused(draft, hz_owner, "未传完.pdf", no_end) == f"文件“未传完.pdf”{damaged}"


def locked_pdf(user_password: str) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password=user_password, owner_password="owner-secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_pdf_that_needs_a_password_to_open_is_refused_one_that_only_restricts_printing_is_kept(
    draft, hz_owner
):
    message = refused(draft, hz_owner, "加密.pdf", locked_pdf("123456"))
    assert message == "文件“加密.pdf”设有打开密码，审核人员无法打开；请取消密码后重新导出，再上传。"
    kept = actions.attach_evidence(hz_owner, draft, upload("禁止复制.pdf", locked_pdf("")))
    assert kept.content_type == "application/pdf"


def test_real_pdfs_from_other_writers_are_kept(draft, hz_owner):
    """The platform's own report PDF (WeasyPrint: compressed streams) and a tiny hand-written one."""
    report = weasyprint.HTML(string="<h1>自评报告</h1><p>杭州精工减速机有限公司</p>").write_pdf()
    kept = actions.attach_evidence(hz_owner, draft, upload("自评报告.pdf", report))
    assert kept.content_type == "application/pdf" and stored_path(kept).read_bytes() == report
    kept = actions.attach_evidence(hz_owner, draft, upload("营业执照.PDF", tiny_pdf()))
    assert kept.content_type == "application/pdf"


def test_a_long_name_keeps_its_extension(draft, hz_owner):
    name = "长" * 300 + ".pdf"
    evidence = actions.attach_evidence(hz_owner, draft, upload(name, pdf_bytes()))
    assert len(evidence.original_name) == 255 and evidence.original_name.endswith("长.pdf")


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("x.pdf", "这不是 PDF，只是一段文字".encode()),
        ("x.pdf", b"MZ\x90\x00" + b"\x00" * 200),  # an executable renamed
        ("x.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40),  # a PNG signature without IHDR/IEND
    ],
)
def test_fake_or_broken_files_are_refused_with_a_message_to_act_on(draft, hz_owner, name, data):
    with pytest.raises(InvalidInput) as err:
        actions.attach_evidence(hz_owner, draft, upload(name, data))
    assert err.value.message == "文件“x.pdf”不是有效的 PDF/JPEG/PNG 文件，请上传扫描件或导出的 PDF"
    assert err.value.problems == [("file", err.value.message)]
    assert Evidence.objects.count() == 0
    assert not any(p.is_file() for p in media_root().rglob("*"))


def test_size_limit_and_empty_files(draft, hz_owner, settings):
    settings.ZJTX = {**settings.ZJTX, "EVIDENCE_MAX_BYTES": 1024 * 1024}
    big = pdf_bytes() + b" " * (1024 * 1024)
    with pytest.raises(InvalidInput) as err:
        actions.attach_evidence(hz_owner, draft, upload("大文件.pdf", big))
    assert err.value.message == "文件“大文件.pdf”超过 1 MB 的上限，请压缩或拆分后再上传。"
    with pytest.raises(InvalidInput) as err:
        actions.attach_evidence(hz_owner, draft, upload("空.pdf", b""))
    assert err.value.message == "文件“空.pdf”是空文件，请重新选择。"


def test_path_in_the_user_file_name_is_dropped(draft, hz_owner):
    evidence = actions.attach_evidence(hz_owner, draft, upload("..\\..\\etc\\报告.pdf", pdf_bytes()))
    assert evidence.original_name == "报告.pdf"


def test_only_the_enterprise_and_only_before_submission(gov, draft, hz_owner):
    with pytest.raises(NotAllowed) as err:
        actions.attach_evidence(gov["hz_city"], draft, upload("a.pdf", pdf_bytes()))
    assert err.value.message == f"市级主管部门不能为申报“{draft}”上传佐证材料：此操作由申报企业办理。"
    evidence = actions.attach_evidence(hz_owner, draft, upload("a.pdf", pdf_bytes()))
    app = actions.submit_application(hz_owner, draft, expected_version=1, declaration_accepted=True)
    with pytest.raises(NotAllowed) as err:
        actions.attach_evidence(hz_owner, app, upload("b.pdf", pdf_bytes()))
    assert err.value.message == (
        f"申报“{app}”当前状态为“待审核”，不能上传佐证材料。申报正在等待市级主管部门审核。"
    )
    with pytest.raises(NotAllowed):
        actions.remove_evidence(hz_owner, evidence)
    assert stored_path(evidence).is_file()


@pytest.mark.django_db(transaction=True)
def test_removal_deletes_the_file_on_commit(draft, hz_owner):
    evidence = actions.attach_evidence(hz_owner, draft, upload("a.pdf", pdf_bytes()))
    path = stored_path(evidence)
    actions.remove_evidence(hz_owner, evidence)
    assert not path.exists() and Evidence.objects.count() == 0
    assert [e.action for e in trail(draft)][-1] == "cultivation.remove_evidence"
