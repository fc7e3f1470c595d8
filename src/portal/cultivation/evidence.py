"""Upload checks for supporting documents: judged by their bytes, never by the name or the browser.

Why: evidence is read by officials at several levels; a renamed text file, a truncated scan or an
executable named .pdf must be refused at the door with a message the enterprise can act on. The
name's extension must also agree with the content: the file is served under that name, and a PNG
named .pdf (or a PDF named .exe) would reach the reviewer as a file their computer cannot open.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext, gettext_lazy

from portal.actions import InvalidInput
from portal.uploads import DAMAGED, KINDS, LOCKED, ReadFile, accepted_names, read_upload
from portal.uploads import clean_name as clean_name  # noqa: F401  (re-exported for the pages)
from portal.uploads import megabytes as _megabytes

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
CheckedFile = ReadFile

# What a person calls each accepted kind, in the refusals below.
LABELS = {PDF: gettext_lazy("PDF 文件"), JPEG: gettext_lazy("JPEG 图片"), PNG: gettext_lazy("PNG 图片")}


def _label(content_type: str | None) -> str:
    return str(LABELS.get(content_type, content_type or ""))


def _refuse(msg: str) -> InvalidInput:
    return InvalidInput(msg + gettext("。"), [("file", msg)])


def _values(checked: CheckedFile, accepted) -> dict:
    return {
        "name": checked.original_name,
        "ext": checked.name_extension,
        "exts": "/".join(accepted_names(accepted)),
        "kind": _label(checked.content_type),
        "right": KINDS[checked.content_type].names[0] if checked.content_type else "",
    }


def _unaccepted_extension(checked: CheckedFile, accepted) -> str | None:
    """Why a name whose extension is none of the accepted kinds' is refused; with the extension to
    use when the content itself is fine (a real PDF named .exe)."""
    if checked.name_extension in accepted_names(accepted):
        return None
    values = _values(checked, accepted)
    if checked.content_type and not values["ext"]:
        msg = gettext(
            "文件“%(name)s”没有扩展名（只接受 %(exts)s）；它的内容是 %(kind)s，请把扩展名改为 %(right)s 后重新上传"
        )
    elif checked.content_type:
        msg = gettext(
            "文件“%(name)s”的扩展名 %(ext)s 不在接受之列（只接受 %(exts)s）；它的内容是 %(kind)s，"
            "请把扩展名改为 %(right)s 后重新上传"
        )
    elif not values["ext"]:
        msg = gettext("文件“%(name)s”没有扩展名：只接受 %(exts)s 文件，请上传扫描件或导出的 PDF")
    else:
        msg = gettext(
            "文件“%(name)s”的扩展名 %(ext)s 不在接受之列：只接受 %(exts)s 文件，请上传扫描件或导出的 PDF"
        )
    return msg % values


def _mismatch(checked: CheckedFile, accepted) -> str | None:
    """Why an accepted extension that names another kind than the content is refused (a PNG named .pdf)."""
    if checked.content_type is None or checked.name_fits:
        return None
    claimed = next(t for t in accepted if t in KINDS and checked.name_extension in KINDS[t].names)
    return gettext(
        "文件“%(name)s”的内容是 %(kind)s，不是扩展名所示的 %(claimed)s；"
        "请上传原始的 %(claimed)s，或把扩展名改为 %(right)s"
    ) % {**_values(checked, accepted), "claimed": _label(claimed)}


def check_upload(uploaded_file) -> CheckedFile:
    """Read the upload once: size limit, type by magic bytes and structure, name agreeing with the
    content, SHA-256. Raises InvalidInput naming the file and what to do."""
    limit = settings.ZJTX["EVIDENCE_MAX_BYTES"]
    accepted = settings.ZJTX.get("EVIDENCE_TYPES", {PDF: ".pdf", JPEG: ".jpg", PNG: ".png"})
    checked = read_upload(uploaded_file, limit=limit, accepted=accepted)
    name = checked.original_name
    if checked.too_large:
        msg = gettext("文件“%(name)s”超过 %(limit)s 的上限，请压缩或拆分后再上传") % {
            "name": name,
            "limit": _megabytes(limit),
        }
        raise _refuse(msg)
    if checked.size == 0:
        raise _refuse(gettext("文件“%(name)s”是空文件，请重新选择") % {"name": name})
    if msg := _unaccepted_extension(checked, accepted):
        raise _refuse(msg)
    if checked.problem == LOCKED:
        raise _refuse(
            gettext("文件“%(name)s”设有打开密码，审核人员无法打开；请取消密码后重新导出，再上传")
            % {"name": name}
        )
    if checked.problem == DAMAGED:
        raise _refuse(
            gettext(
                "文件“%(name)s”看起来是 %(kind)s，但内容不完整或已损坏，无法打开；"
                "请重新导出、扫描或从原处重新下载后再上传"
            )
            % {"name": name, "kind": _label(checked.found)}
        )
    if checked.content_type is None:
        msg = gettext("文件“%(name)s”不是有效的 PDF/JPEG/PNG 文件，请上传扫描件或导出的 PDF") % {"name": name}
        raise InvalidInput(msg, [("file", msg)])
    if msg := _mismatch(checked, accepted):
        raise _refuse(msg)
    return checked
