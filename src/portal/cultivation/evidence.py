"""Upload checks for supporting documents: judged by their bytes, never by the name or the browser.

Why: evidence is read by officials at several levels; a renamed text file, a truncated scan or an
executable named .pdf must be refused at the door with a message the enterprise can act on.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext

from portal.actions import InvalidInput
from portal.uploads import ReadFile, read_upload
from portal.uploads import clean_name as clean_name  # noqa: F401  (re-exported for the pages)
from portal.uploads import megabytes as _megabytes

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
CheckedFile = ReadFile


def check_upload(uploaded_file) -> CheckedFile:
    """Read the upload once: size limit, type by magic bytes and structure, SHA-256. Raises InvalidInput."""
    limit = settings.ZJTX["EVIDENCE_MAX_BYTES"]
    accepted = settings.ZJTX.get("EVIDENCE_TYPES", {PDF: ".pdf", JPEG: ".jpg", PNG: ".png"})
    checked = read_upload(uploaded_file, limit=limit, accepted=accepted)
    name = checked.original_name
    if checked.too_large:
        msg = gettext("文件“%(name)s”超过 %(limit)s 的上限，请压缩或拆分后再上传") % {
            "name": name,
            "limit": _megabytes(limit),
        }
        raise InvalidInput(msg + gettext("。"), [("file", msg)])
    if checked.size == 0:
        msg = gettext("文件“%(name)s”是空文件，请重新选择") % {"name": name}
        raise InvalidInput(msg + gettext("。"), [("file", msg)])
    if checked.content_type is None:
        msg = gettext("文件“%(name)s”不是有效的 PDF/JPEG/PNG 文件，请上传扫描件或导出的 PDF") % {"name": name}
        raise InvalidInput(msg, [("file", msg)])
    return checked
