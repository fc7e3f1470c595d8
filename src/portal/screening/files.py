"""Where screening files live, and the door check of an uploaded registry: judged by its bytes.

Why: a county official may upload an Excel sheet renamed .csv, a GBK-encoded CSV or an old .xls;
each must be refused at once with a message saying what to do, before a background job starts.
The file is stored under DATA_DIR/media/screening/ with a random name; the user's name is shown only.
"""

from __future__ import annotations

import codecs
import os
import secrets
import shutil
import zipfile
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext

from portal.actions import InvalidInput

DEFAULT_MAX_BYTES = 1024 * 1024 * 1024  # 1 GB: a province's registry extract as Parquet is far smaller
HEAD = 64 * 1024


def media_root() -> Path:
    return Path(settings.DATA_DIR) / "media"


def screening_root() -> Path:
    return media_root() / "screening"


def absolute(relative: str) -> Path:
    """The file system path of a stored relative path; refuses anything outside the screening folder."""
    path = (media_root() / relative).resolve()
    if not relative or screening_root().resolve() not in path.parents:
        raise FileNotFoundError(relative)
    return path


def relative(path: Path) -> str:
    return path.resolve().relative_to(media_root().resolve()).as_posix()


def run_dir(run_id: int) -> Path:
    return screening_root() / str(run_id)


def upload_rows(run_id: int) -> Path:
    """An Excel upload's rows as Parquet (kept by the screening, deleted with the run's folder): a plan on request
    reads one row, which in a workbook means parsing the whole sheet."""
    return run_dir(run_id) / "upload-rows.parquet"


def max_bytes() -> int:
    return int(getattr(settings, "ZJTX", {}).get("SCREENING_MAX_BYTES", DEFAULT_MAX_BYTES))


def clean_name(name: str) -> str:
    base = os.path.basename((name or "").replace("\\", "/")).strip()
    return (base or "未命名文件")[:255]


def _read_ends(uploaded) -> tuple[bytes, bytes, int]:
    uploaded.seek(0)
    head = uploaded.read(HEAD)
    size = getattr(uploaded, "size", None)
    if size is None:
        uploaded.seek(0, 2)
        size = uploaded.tell()
    uploaded.seek(max(size - 8, 0))
    tail = uploaded.read(8)
    uploaded.seek(0)
    return head, tail, size


def sniff(head: bytes, tail: bytes, size: int) -> str:
    """'parquet', 'xlsx' or 'csv' by content; InvalidInput naming the problem otherwise."""
    if head[:4] == b"PAR1":
        if not tail.endswith(b"PAR1") or size < 12:
            raise InvalidInput(
                gettext("文件：Parquet 文件不完整（文件尾没有 PAR1 标记），可能上传中断；请重新导出后上传"),
                [("file", gettext("Parquet 文件不完整"))],
            )
        return "parquet"
    if head[:4] == b"PK\x03\x04":
        return "xlsx"  # confirmed to be a workbook by check_xlsx once stored
    if head[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise InvalidInput(
            gettext("文件：这是旧版 Excel（.xls）文件；请在 Excel 中“另存为” .xlsx 或“CSV UTF-8”后上传"),
            [("file", gettext("不支持 .xls"))],
        )
    if b"\x00" in head:
        raise InvalidInput(
            gettext("文件：不是 Parquet、Excel（.xlsx）或 CSV 文件；请上传名录导出文件或下载模板填写"),
            [("file", gettext("无法识别的文件类型"))],
        )
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=len(head) == size)
    except UnicodeDecodeError:
        raise InvalidInput(
            gettext(
                "文件：CSV 不是 UTF-8 编码（可能是 GBK）；请在 Excel 中“另存为”→“CSV UTF-8（逗号分隔）”后上传"
            ),
            [("file", gettext("CSV 须为 UTF-8 编码"))],
        ) from None
    return "csv"


def check_xlsx(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except zipfile.BadZipFile:
        raise InvalidInput(
            gettext("文件：Excel 文件已损坏（不是完整的 .xlsx 压缩包）；请重新保存后上传"),
            [("file", gettext("Excel 文件已损坏"))],
        ) from None
    if "xl/workbook.xml" not in names:
        raise InvalidInput(
            gettext(
                "文件：这是 zip 压缩包，但不是 Excel 工作簿（.xlsx）；请上传 .xlsx、.csv 或 .parquet 文件"
            ),
            [("file", gettext("不是 Excel 工作簿"))],
        )


def store_upload(uploaded) -> tuple[Path, str, int, str]:
    """Check and save an uploaded registry; returns (path, format, size, original name). Raises InvalidInput."""
    name = clean_name(getattr(uploaded, "name", ""))
    head, tail, size = _read_ends(uploaded)
    if size == 0:
        raise InvalidInput(
            gettext("文件：“%(name)s”是空文件；请重新导出后上传") % {"name": name},
            [("file", gettext("文件为空"))],
        )
    limit = max_bytes()
    if size > limit:
        raise InvalidInput(
            gettext(
                "文件：“%(name)s”有 %(size)s MB，超过上限 %(limit)s MB；请按地区拆分，或导出为 Parquet（体积更小）后上传"
            )
            % {"name": name, "size": f"{size / 2**20:.0f}", "limit": f"{limit / 2**20:.0f}"},
            [("file", gettext("文件过大"))],
        )
    fmt = sniff(head, tail, size)
    root = screening_root()
    root.mkdir(parents=True, exist_ok=True)
    path = root / f"{secrets.token_hex(16)}.{fmt}"
    uploaded.seek(0)
    with path.open("wb") as fh:
        if hasattr(uploaded, "chunks"):
            for chunk in uploaded.chunks():
                fh.write(chunk)
        else:
            shutil.copyfileobj(uploaded, fh)
    if fmt == "xlsx":
        try:
            check_xlsx(path)
        except InvalidInput:
            path.unlink(missing_ok=True)
            raise
    return path, fmt, size, name
