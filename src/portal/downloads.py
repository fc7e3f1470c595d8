"""One way to hand a stored file to a browser or an API client: `file_response`.

Why one helper: evidence, policy attachments and screening results were each sent a little
differently (headers, the download name, what happens when the file is gone from disk). Every kept
file is now an attachment under the name the user knows (FileResponse writes RFC 6266/5987
`filename*=utf-8''…` for Chinese names), is never sniffed or cached by the browser, and a file that
has vanished from disk is a 404 naming it and saying what to do, logged for the operator — not a 500.
Who may download what stays in each view: call this only after the view's own access check.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.utils.translation import gettext

logger = logging.getLogger(__name__)

XLSX_MIME = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"  # every .xlsx the platform sends
)


class FileMissing(Http404):
    """The record exists and the user may see it, but its bytes are gone from disk.

    An Http404, so a page shows the not-found page; the API catches it to answer in its own JSON form.
    """

    def __init__(self, message: str, download_name: str):
        super().__init__(message)
        self.download_name = download_name


def file_response(
    source: FieldFile | Path | str,
    download_name: str,
    content_type: str,
    *,
    missing_message: str | None = None,
) -> FileResponse:
    """The stored file (a model's FieldFile or a file system path) as a download called `download_name`.

    `missing_message` replaces the default text of the 404 when the file is gone (a screening result is
    re-made by running the screening again, not re-uploaded).
    """
    try:  # FileResponse closes the handle when the response is done
        handle = source.open("rb") if isinstance(source, FieldFile) else Path(source).open("rb")  # noqa: SIM115
    except (FileNotFoundError, IsADirectoryError, ValueError) as exc:  # ValueError: a FieldFile with no file
        stored = source.name if isinstance(source, FieldFile) else str(source)
        logger.warning("stored file missing on disk: %s (download name %r)", stored, download_name)
        message = missing_message or gettext("文件不存在或已被删除：%(name)s；请联系上传人重新上传") % {
            "name": download_name
        }
        raise FileMissing(message, download_name) from exc
    response = FileResponse(handle, as_attachment=True, filename=download_name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def text_row(ws, values) -> list:
    """A worksheet row whose texts are strings, never formulas: an enterprise named "=HYPERLINK(…)" (its own profile,
    or a registry's cell) must not run in the official's spreadsheet program (CSV/formula injection)."""
    from openpyxl.cell import WriteOnlyCell

    out = []
    for value in values:
        if isinstance(value, str):
            cell = WriteOnlyCell(ws, value=value)
            cell.data_type = "s"
            out.append(cell)
        else:
            out.append(value)
    return out
