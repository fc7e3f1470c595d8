"""Files the screening pages hand out: the registry template, the pool as Excel, the format guide.

Why: a county official works in Excel. The template is a CSV (UTF-8 with BOM, so Excel shows the
Chinese) with the flat layout's header and one example row; the pool export is a plain workbook.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from urllib.parse import quote

from django.conf import settings
from django.utils import timezone

from portal.assessments import engine
from portal.downloads import text_row

from . import display


def attachment(filename: str) -> str:
    """A Content-Disposition value that keeps a Chinese file name (RFC 6266 filename*)."""
    ascii_name = filename.encode("ascii", "ignore").decode() or "download"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def _example_region(region_code: str) -> str:
    """A county inside the official's region for the example row (their own code when it is a county)."""
    if len(region_code) == 6 and not region_code.endswith("00"):
        return region_code
    prefix = region_code.rstrip("0")
    for code, (_name, level) in engine.regions().items():
        if level == "county" and code.startswith(prefix):
            return code
    return region_code or "330106"


def template_csv(region_code: str, today: dt.date | None = None) -> bytes:
    today = today or timezone.localdate()
    rule_id = engine.rules_in_force(today).id
    header, row = engine.screen_template_row(rule_id, today, _example_region(region_code))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerow(
        [
            ""
            if v is None
            else (
                v.isoformat()
                if isinstance(v, dt.date)
                else ("true" if v is True else "false" if v is False else v)
            )
            for v in row
        ]
    )
    return buf.getvalue().encode("utf-8-sig")


def format_doc() -> str:
    path = settings.REPO_ROOT / "docs" / "screening.md"
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return "（未找到 docs/screening.md；请查看项目源代码中的该文件。）"


POOL_COLUMNS = [
    "企业名称",
    "统一社会信用代码",
    "注册地",
    "注册地代码",
    "行业代码",
    "行业",
    "最高层次",
    "下一层次",
    "差距清单",
    "差距清单可达",
    "规则集",
    "评估日期",
    "筛查批次",
    "名录行号",
    "备注",
    "加入人",
    "加入时间",
]


def pool_workbook(candidates) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("培育库")
    ws.freeze_panes = "B2"
    header = []
    for title in POOL_COLUMNS:
        cell = WriteOnlyCell(ws, value=title)
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    for c in candidates.iterator(chunk_size=1000):
        rid = c.run.rules
        ws.append(
            text_row(
                ws,
                [
                    c.name,
                    c.credit_code,
                    display.county_label(c.region),
                    c.region,
                    c.industry,
                    display.industry_label(c.industry),
                    display.tier_label(rid, c.highest_tier),
                    display.tier_label(rid, c.next_tier) if c.next_tier else "",
                    c.gap,
                    {True: "是", False: "否"}.get(c.gap_reaches, ""),
                    rid,
                    c.run.as_of.isoformat(),
                    c.run_id,
                    c.row,
                    c.pool_note,
                    c.pooled_by.display_name() if c.pooled_by else "",
                    timezone.localtime(c.pooled_at).strftime("%Y-%m-%d %H:%M") if c.pooled_at else "",
                ],
            )
        )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
