"""The eligible list of a policy as an Excel workbook (openpyxl): one sheet of enterprises that fit,
one of those that cannot be judged yet (information missing, or a stored profile with errors), with
the reason."""

from __future__ import annotations

import io

from django.utils.translation import gettext, gettext_noop
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from portal.downloads import text_row

from . import matching
from .views_common import area_name

HEADER = [
    gettext_noop("序号"),
    gettext_noop("企业名称"),
    gettext_noop("统一社会信用代码"),
    gettext_noop("注册地代码"),
    gettext_noop("注册地"),
    gettext_noop("行业代码"),
]


def _sheet(ws, title: str, enterprises, note: str, reason=None) -> None:
    """One sheet of enterprises; with `reason` (enterprise → text) a last column says why."""
    header = [gettext(h) for h in HEADER] + ([gettext("原因")] if reason else [])
    ws.title = title
    ws.append(text_row(ws, [note]))
    ws["A1"].font = Font(bold=True)
    ws.append(header)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for i, e in enumerate(enterprises, start=1):
        row = [i, e.name, e.credit_code, e.region, area_name(e.region), e.industry]
        ws.append(text_row(ws, row + [reason(e)] if reason else row))
    for col, width in zip(range(1, len(header) + 1), (6, 36, 22, 10, 28, 10, 60), strict=False):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "A3"


def eligible_workbook(policy, result: matching.EligibleList, area: str) -> bytes:
    wb = Workbook()
    title = f"{policy.title}（{policy.document_number}）" if policy.document_number else policy.title
    _sheet(
        wb.active,
        gettext("符合条件"),
        result.eligible,
        gettext("%(title)s · %(area)s · 符合条件的企业 %(n)s 家 · 判断日期 %(day)s")
        % {"title": title, "area": area, "n": len(result.eligible), "day": matching.today().isoformat()},
    )
    _sheet(
        wb.create_sheet(),
        gettext("待补充信息"),
        result.undetermined,
        gettext("%(title)s · %(area)s · 画像信息不全或有误、暂无法判断的企业 %(n)s 家")
        % {"title": title, "area": area, "n": len(result.undetermined)},
        reason=result.reason,
    )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
