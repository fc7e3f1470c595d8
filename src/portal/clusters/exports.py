"""The yearly cluster report as an Excel workbook: one summary row per cluster, then every member.

Text cells are written as strings (never formulas); money is written as exact 万元 numbers and
R&D intensity as a fraction formatted as a percent, so the numbers can be summed again in Excel.
The workbook is built from stats already restricted to the viewer (stats.cluster_stats(viewer=…)):
a member outside their region has its name and county only, and a withheld total says why.
"""

from __future__ import annotations

import io
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_noop
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from portal.enterprises.money import WAN

from .stats import MIN_OUTSIDE, ClusterStats

SUMMARY = [
    (gettext_noop("集群名称"), 34),
    (gettext_noop("集群层级"), 10),
    (gettext_noop("认定年度"), 10),
    (gettext_noop("所在地区"), 24),
    (gettext_noop("主导产业"), 28),
    (gettext_noop("运营管理机构"), 28),
    (gettext_noop("成员数"), 8),
    (gettext_noop("专精特新“小巨人”企业"), 12),
    (gettext_noop("专精特新中小企业"), 12),
    (gettext_noop("科技和创新型中小企业"), 12),
    (gettext_noop("创新型中小企业"), 12),
    (gettext_noop("无梯度培育称号"), 12),
    (gettext_noop("营业收入合计（万元）"), 18),
    (gettext_noop("有营业收入数据的成员数"), 12),
    (gettext_noop("缺营业收入数据的成员数"), 12),
    (gettext_noop("研发投入强度"), 12),
    (gettext_noop("计入研发投入强度的成员数"), 12),
    (gettext_noop("撤销日期"), 12),
]
MEMBERS = [
    (gettext_noop("集群名称"), 34),
    (gettext_noop("企业名称"), 34),
    (gettext_noop("统一社会信用代码"), 22),
    (gettext_noop("所在地区"), 24),
    (gettext_noop("成员角色"), 10),
    (gettext_noop("加入日期"), 12),
    (gettext_noop("移出日期"), 12),
    (gettext_noop("梯度培育称号"), 22),
    (gettext_noop("营业收入（万元）"), 16),
    (gettext_noop("研发费用（万元）"), 16),
    (gettext_noop("研发投入强度"), 12),
    (gettext_noop("缺失数据"), 24),
]
PERCENT_FORMAT = "0.00%"


def _sheet(ws, columns, rows, percent_cols=()) -> None:
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="FDE8E8")
    for col, (title, width) in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=col, value=gettext(title))
        cell.font, cell.fill = bold, fill
        ws.column_dimensions[get_column_letter(col)].width = width
    wrap = Alignment(wrap_text=True, vertical="top")
    for r, values in enumerate(rows, start=2):
        for c, value in enumerate(values, start=1):
            if isinstance(value, Promise):  # a lazily translated label
                value = str(value)
            cell = ws.cell(row=r, column=c, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
            if c in percent_cols and isinstance(value, Decimal):
                cell.number_format = PERCENT_FORMAT
            cell.alignment = wrap
    ws.freeze_panes = "B2"


def _fraction(value: Decimal | None):
    return "" if value is None else value.quantize(Decimal("0.000001"))


def _wan(yuan: Decimal | None):
    return "" if yuan is None else (yuan / WAN).normalize()


def _withheld() -> str:
    return gettext("不显示：管辖范围外的成员少于 %(n)s 家") % {"n": MIN_OUTSIDE}


def report_workbook(year: int, stats: list[ClusterStats], region_label) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = gettext("%(year)s年度集群汇总") % {"year": year}
    summary = []
    for s in stats:
        c = s.cluster
        counts = [n for _t, _label, n in s.by_tier]
        summary.append(
            [
                c.name,
                c.get_level_display(),
                c.year_recognised,
                region_label(c.region_code),
                f"{c.industry_code} {c.industry_text}",
                c.operator_name,
                s.member_count,
                *counts,
                _withheld() if s.revenue_withheld else (_wan(s.revenue_total) if s.revenue_count else ""),
                s.revenue_count,
                s.revenue_missing_count,
                _withheld() if s.intensity_withheld else _fraction(s.intensity),
                s.rd_count,
                c.revoked_on.isoformat() if c.revoked_on else "",
            ]
        )
    _sheet(ws, SUMMARY, summary, percent_cols=(16,))
    members = wb.create_sheet(gettext("成员明细"))
    rows = []
    for s in stats:
        for m in s.counted_members:
            missing = [
                label
                for label, v in ((gettext("营业收入"), m.revenue), (gettext("研发费用"), m.rd_expense))
                if v is None
            ]
            note = gettext("、").join(missing) if m.visible else gettext("不在您的管辖范围内，不显示其数据")
            rows.append(
                [
                    s.cluster.name,
                    m.name,
                    m.credit_code,
                    region_label(m.region),
                    m.membership.get_role_display(),
                    m.membership.joined.isoformat(),
                    m.left.isoformat() if m.left else "",
                    m.tier_label,
                    _wan(m.revenue),
                    _wan(m.rd_expense),
                    _fraction(m.intensity),
                    note,
                ]
            )
    _sheet(members, MEMBERS, rows, percent_cols=(11,))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
