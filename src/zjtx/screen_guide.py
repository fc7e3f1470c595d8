"""The screening result as an Excel workbook: the results, and a sheet that says in Chinese what each column means.

Why: the result columns keep their machine names (`specialized_qualified`, `gap_missing`) so that the file can be
read back by programs, but a county official opens it in Excel; the second sheet ("列说明") explains every column
of the first one, with the tiers named as the rule set names them.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from rulebook.ruleset import RuleSet

RESULTS_SHEET = "screening"
GUIDE_SHEET = "列说明"

_FIXED = {
    "row": "数据行号（表头之后的第 1 行为 1，与错误清单一致）",
    "id": "企业编号（输入中的标识列，原样带出）",
    "name": "企业名称（原样带出）",
    "credit_code": "统一社会信用代码（原样带出）",
    "region": "注册地行政区划代码（GB/T 2260，原样带出）",
    "industry": "行业代码（GB/T 4754-2017，原样带出）",
    "size": "企业规模：micro 微型、small 小型、medium 中型、large 大型；空 = 待定（缺少划型所需数据）或该行数据有误",
    "highest_tier": "已确定符合的最高层次（层次编号见本表末尾）；none = 均未确定符合",
    "next_tier": "最高层次之上的下一层次（已是最高层次时为空）",
    "gap_missing": "离下一层次还差什么：未满足的条件（缺数据而待定的注“待补充数据”）和评分差几分，每项在【】中",
    "gap_distance": "与下一层次的距离（越小越近，只用于排序）",
    "gap": "差距清单：达到下一层次的最省力调整，各项以“；”连接（只对最接近下一层次的若干家计算，其余为空；"
    "其余企业的清单可用 zjtx plan 名录文件 --row 行号 逐家计算，结果相同）",
    "gap_reaches": "true = 差距清单代入后经重新评估确认可达下一层次；false = 找不到可达的清单",
}
_PER_TIER = {
    "qualified": "{tier}：是否符合（true 符合 / false 不符合 / 空 = 待定或该行数据有误）",
    "score": "{tier}：评分（数据齐全、得分确定时）",
    "score_min": "{tier}：缺数据时得分可能的最低值",
    "score_max": "{tier}：缺数据时得分可能的最高值",
    "route": "{tier}：符合时所走的路径（score = 评分达标；其余为直通条件或命名路径的编号）",
}


def column_guide(columns: list[str], rules: RuleSet) -> pl.DataFrame:
    """列名 → 含义 for every result column, then the tier ids and their names."""
    rows = []
    for column in columns:
        meaning = _FIXED.get(column)
        if meaning is None:
            for tid, tier in rules.tiers.items():
                suffix = column.removeprefix(f"{tid}_")
                if suffix != column and suffix in _PER_TIER:
                    meaning = _PER_TIER[suffix].format(tier=tier.zh)
                    break
        rows.append((column, meaning or ""))
    rows.append(("", ""))
    rows += [(f"层次编号 {tid}", tier.zh) for tid, tier in rules.tiers.items()]
    rows.append(("规则集", f"{rules.zh}（{rules.id}）"))
    return pl.DataFrame(rows, schema={"列名": pl.String, "含义": pl.String}, orient="row")


def write_workbook(results: pl.DataFrame, path: Path | str, rules: RuleSet) -> None:
    """The results on the first sheet (filters, the header frozen), the column guide on the second."""
    import xlsxwriter

    with xlsxwriter.Workbook(str(path)) as workbook:
        results.write_excel(workbook, worksheet=RESULTS_SHEET, autofilter=True, freeze_panes="B2")
        column_guide(results.columns, rules).write_excel(
            workbook, worksheet=GUIDE_SHEET, autofilter=False, column_widths={"列名": 200, "含义": 720}
        )
