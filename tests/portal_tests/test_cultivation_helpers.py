"""Shared steps for the cultivation tests (no tests here): real files, real batches, the ladder step by step.

Every step goes through portal.cultivation.actions, as a user of the pages would.
"""

from __future__ import annotations

import datetime as dt
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from portal.audit.models import AuditEntry
from portal.cultivation import actions
from portal.cultivation.models import Application, Tier
from portal.inbox.models import Notification
from portal.web.demo.files import make_pdf


def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def media(settings, tmp_path):
    """Evidence files go to a temporary directory, never into the repository's var/."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    return tmp_path / "media"


def credit_code(first17: str) -> str:
    """A 统一社会信用代码 with its GB 32100-2015 check character, for extra test enterprises."""
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    total = sum(chars.index(c) * w for c, w in zip(first17, weights, strict=True))
    return first17 + chars[(31 - total % 31) % 31]


def pdf_bytes(text: str = "营业执照") -> bytes:
    """A real one-page PDF (uploads are parsed: a header and %%EOF around anything are refused)."""
    return make_pdf(text, [])


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def png_bytes() -> bytes:
    """A real 1×1 white PNG."""
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def jpeg_bytes() -> bytes:
    return (
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 32 + b"\xff\xd9"
    )


def upload(name: str, data: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def pdf(name: str = "审计报告.pdf") -> SimpleUploadedFile:
    return upload(name, pdf_bytes(name))


def open_batch(
    gov,
    tier: str = Tier.SPECIALIZED,
    *,
    day: dt.date | None = None,
    review_level: str = "city",
    notice_days: int = 5,
    **kw,
):
    day = day or today()
    opener = gov["national"] if tier == Tier.LITTLE_GIANT else gov["zj_province"]
    return actions.open_batch(
        opener,
        tier=tier,
        year=day.year,
        name=kw.pop("name", f"{day.year} 年度{tier}批次"),
        opens_on=kw.pop("opens_on", day - dt.timedelta(days=10)),
        closes_on=kw.pop("closes_on", day + dt.timedelta(days=20)),
        notice_days=notice_days,
        review_level=review_level,
        **kw,
    )


def submitted(owner, enterprise, batch, *, day: dt.date | None = None, renews=None) -> Application:
    """Create, attach one PDF and submit."""
    if renews is not None:
        app = actions.start_re_review(owner, renews, batch, today=day)
    else:
        app = actions.create_application(owner, enterprise, batch, today=day)
    actions.attach_evidence(owner, app, pdf(), description="上年度审计报告")
    app.refresh_from_db()
    return actions.submit_application(
        owner, app, expected_version=app.version, declaration_accepted=True, today=day
    )


def recognised(gov, owner, enterprise, batch, *, day: dt.date | None = None, renews=None):
    """The whole 专精特新 ladder on `day`: submit, city approval, notice, province recognition."""
    day = day or today()
    app = submitted(owner, enterprise, batch, day=day, renews=renews)
    actions.approve_application(gov["hz_city"], app, expected_version=app.version, today=day)
    app.refresh_from_db()
    assert actions.close_notice(app, today=app.notice_ends + dt.timedelta(days=1))
    app.refresh_from_db()
    return actions.recognise_application(
        gov["zj_province"], app, expected_version=app.version, today=app.notice_ends + dt.timedelta(days=1)
    )


def trail_rows(obj) -> list[tuple]:
    """(actor, action, from, to, reason) of an object's audit rows, oldest first."""
    rows = AuditEntry.objects.filter(target_type=obj._meta.label_lower, target_id=str(obj.pk)).order_by(
        "at", "id"
    )
    return [
        (r.actor.username if r.actor else None, r.action, r.from_state, r.to_state, r.reason) for r in rows
    ]


def inbox_titles(*, enterprise=None, user=None) -> list[str]:
    qs = Notification.objects.all()
    if enterprise is not None:
        qs = qs.filter(enterprise=enterprise)
    if user is not None:
        qs = qs.filter(user=user)
    return list(qs.order_by("created_at", "id").values_list("title", flat=True))
