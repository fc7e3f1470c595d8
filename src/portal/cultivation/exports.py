"""The review queue as an Excel workbook, for officials who work offline or report upward.

Every text cell is written as a string (never a formula), so an enterprise named "=HYPERLINK(…)"
cannot inject anything into the reviewer's spreadsheet.
"""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .views_common import frozen_tier, region_name, state_label, tier_label

COLUMNS = [
    (gettext_noop("企业名称"), 34),
    (gettext_noop("统一社会信用代码"), 22),
    (gettext_noop("所在地区"), 24),
    (gettext_noop("申报层级"), 22),
    (gettext_noop("批次"), 30),
    (gettext_noop("状态"), 16),
    (gettext_noop("提交时间"), 18),
    (gettext_noop("评价得分"), 10),
    (gettext_noop("是否达标"), 10),
    (gettext_noop("最近审核意见"), 40),
]


def _row(app) -> list:
    frozen = frozen_tier(app)
    submitted = timezone.localtime(app.submitted_at).strftime("%Y-%m-%d %H:%M") if app.submitted_at else ""
    score = frozen["score"]
    return [
        app.enterprise.name,
        app.enterprise.credit_code,
        region_name(app.enterprise.region),
        tier_label(app.tier),
        app.batch.name,
        state_label(app.state),
        submitted,
        score if isinstance(score, int | float) and not isinstance(score, bool) else "",
        frozen["label"] if frozen["known"] else "",
        app.last_reason,
    ]


def queue_workbook(applications) -> bytes:
    """One sheet, one row per application, header frozen; returns the .xlsx bytes."""
    wb = Workbook()
    ws = wb.active
    ws.title = gettext("审核队列")
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="FDE8E8")
    for col, (title, width) in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=col, value=gettext(title))
        cell.font = bold
        cell.fill = fill
        ws.column_dimensions[get_column_letter(col)].width = width
    wrap = Alignment(wrap_text=True, vertical="top")
    for r, app in enumerate(applications, start=2):
        for c, value in enumerate(_row(app), start=1):
            cell = ws.cell(row=r, column=c, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
            cell.alignment = wrap
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
