"""One dashboard panel as an Excel workbook: the same rows the chart is drawn from.

Every text cell is written as a string (never a formula), so a policy titled "=HYPERLINK(…)" cannot
inject anything into the official's spreadsheet.
"""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

HEADER_ROW = 5  # title, region, 统计时间, note, then the table


def _text(ws, row: int, col: int, value):
    cell = ws.cell(row=row, column=col, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def panel_workbook(panel: dict, *, region: str, refreshed: str) -> bytes:
    """Title, region and 统计时间 on top, then the panel's table with its header frozen."""
    wb = Workbook()
    ws = wb.active
    ws.title = panel["key"][:31]
    _text(ws, 1, 1, panel["title"]).font = Font(bold=True, size=13)
    _text(ws, 2, 1, _("地区：%(region)s") % {"region": region})
    _text(ws, 3, 1, _("统计时间：%(time)s") % {"time": refreshed})
    if panel.get("note"):
        _text(ws, 4, 1, panel["note"])
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="FDE8E8")
    for col, title in enumerate(panel["columns"], start=1):
        cell = _text(ws, HEADER_ROW, col, title)
        cell.font, cell.fill = bold, fill
        ws.column_dimensions[get_column_letter(col)].width = max(12, min(48, 2 * len(str(title)) + 4))
    for r, row in enumerate(panel["rows"], start=HEADER_ROW + 1):
        for c, value in enumerate(row, start=1):
            _text(ws, r, c, "" if value is None else value)
    if not panel["rows"]:
        _text(ws, HEADER_ROW + 1, 1, _("暂无数据"))
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=1)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
