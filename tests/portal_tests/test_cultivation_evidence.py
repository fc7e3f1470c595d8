"""Evidence uploads are judged by their bytes and stored under random names, with their SHA-256."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.core.files.storage import default_storage

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


def test_type_comes_from_the_content_not_from_the_name_or_browser(draft, hz_owner):
    evidence = actions.attach_evidence(hz_owner, draft, upload("扫描件.pdf", png_bytes(), "application/pdf"))
    assert evidence.content_type == "image/png" and stored_path(evidence).suffix == ".png"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("x.pdf", "这不是 PDF，只是一段文字".encode()),
        ("x.pdf", b"%PDF-1.7\n1 0 obj<<>>endobj\n"),  # truncated: no %%EOF
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
