"""The Excel form of a profile: the template (blank or filled) and reading an upload back cell by cell.

Why a workbook: finance staff already keep these numbers in Excel. Money is in 万元 (as on their
statements) and becomes exact yuan; every value that cannot be read is reported with its sheet,
row and column, so a person can find it. Nothing here saves anything: the view shows a preview and
the confirm goes through enterprises.actions.update_profile.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import io
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from . import identity, labels, money

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNZIPPED_BYTES = 60 * 1024 * 1024
MAX_ROWS = 2000
# Cells and shared strings in the whole workbook: the template filled to MAX_ROWS in its longest sheets stays
# far below; openpyxl holds every cell in memory (about 20 µs and 0.5 KB each), so a 5 MB upload packed with
# millions of tiny cells would otherwise keep a web process busy for a minute and take a gigabyte.
MAX_CELLS = 150_000
_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:c|si)[\s/>]")
NONE_MARK = "无"
LISTS_SHEET = "可选值"
TEMPLATE_ROWS = 200  # rows that carry drop-down lists in the list sheets

NOT_XLSX = (
    "上传的文件不是 Excel 工作簿（.xlsx）：文件内容不符合 xlsx 格式。请下载模板，填写后保存为 .xlsx 再上传。"
)
OLD_XLS = "这是旧版 Excel（.xls）文件，请在 Excel 中“另存为” .xlsx 格式后再上传。"
MERGED = "是合并单元格的一部分，读不到数值：请取消合并，在每一格分别填写"
UNCALCULATED = "公式没有计算结果，请在 Excel 中打开并保存后再上传（或把公式改为数值）"


class NotAWorkbook(Exception):
    """The upload is not a readable workbook of our template; the message says what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str  # text code date year count wan percent score bool choice
    note: str = ""
    table: dict | None = None
    width: int = 16
    optional: bool = False  # added after the first templates: a workbook without it keeps the stored facts

    @property
    def label(self) -> str:
        return self.header.split("（")[0].strip()


@dataclass(frozen=True)
class Cell:
    sheet: str
    row: int
    column: str
    label: str

    def where(self) -> str:
        return f"{self.sheet} 第 {self.row} 行 {self.column} 列（{self.label}）"


@dataclass
class CellError:
    sheet: str
    row: int
    column: str
    label: str
    message: str

    @property
    def text(self) -> str:
        if not self.row:
            return f"{self.sheet}：{self.message}"
        if not self.column:  # a whole row (the headers): no column letter to name
            return f"{self.sheet} 第 {self.row} 行（{self.label}）：{self.message}"
        return f"{self.sheet} 第 {self.row} 行 {self.column} 列（{self.label}）：{self.message}"


@dataclass
class Parsed:
    profile: dict = field(default_factory=dict)  # only the keys the workbook covers
    cells: dict[str, Cell] = field(default_factory=dict)  # document path → where it came from
    errors: list[CellError] = field(default_factory=list)
    covered: tuple[str, ...] = ()  # the document keys this workbook speaks for (blank there = unknown)
    # the yearly facts 财务数据 has columns for (an older template lacks tech_staff and total_cost)
    financial_fields: tuple[str, ...] = tuple(labels.FINANCIAL)


# --- what the workbook holds -------------------------------------------------------------------------

WAN_NOTE = "单位：万元，最多 6 位小数（精确到分）。不知道请留空，不要填 0。"
BOOL_NOTE = "填“是”或“否”；不确定请留空。"
DATE_NOTE = "日期，如 2012-03-01。"

BASIC_ROWS: list[tuple[str, Column]] = [
    ("name", Column("name", "企业名称", "text", "与营业执照一致")),
    ("credit_code", Column("credit_code", "统一社会信用代码", "code", "营业执照上的 18 位代码")),
    (
        "region",
        Column("region", "注册地行政区划代码", "code", "6 位区县代码，如 330106（浙江省杭州市西湖区）"),
    ),
    ("industry", Column("industry", "国民经济行业代码", "code", "GB/T 4754-2017 代码，如 C3484")),
    (
        "size_sector",
        Column("size_sector", "划型行业", "choice", "一般留空：按行业代码判定", labels.SIZE_SECTOR),
    ),
    ("established", Column("established", "成立日期", "date", DATE_NOTE)),
    ("niche_since", Column("niche_since", "从事细分市场起始日期", "date", DATE_NOTE)),
    *[(f"quality.{k}", Column(k, f"质量与品牌：{v}", "bool", BOOL_NOTE)) for k, v in labels.QUALITY.items()],
    ("main_product.name", Column("name", "主导产品：名称", "text")),
    (
        "main_product.strategic_emerging",
        Column("strategic_emerging", "主导产品：属于战略性新兴产业", "bool", BOOL_NOTE),
    ),
    (
        "main_product.field",
        Column("field", "主导产品：所属领域（专精特新）", "choice", "从下拉列表选择", labels.PRODUCT_FIELD),
    ),
    (
        "main_product.key_field",
        Column("key_field", "主导产品：所属领域（小巨人）", "choice", "从下拉列表选择", labels.KEY_FIELD),
    ),
    (
        "main_product.supports_key_chain",
        Column("supports_key_chain", "主导产品：位于产业链关键环节/为龙头企业配套", "bool", BOOL_NOTE),
    ),
    (
        "main_product.national_market_share",
        Column("national_market_share", "主导产品：全国细分市场占有率", "percent", "百分数，如 15 表示 15%"),
    ),
    (
        "main_product.international_market_share",
        Column(
            "international_market_share", "主导产品：国际细分市场占有率", "percent", "百分数，如 15 表示 15%"
        ),
    ),
    (
        "main_product.domestic_rank",
        Column("domestic_rank", "主导产品：国内细分市场排名", "count", "整数，如 2"),
    ),
    (
        "digital_level",
        Column(
            "digital_level",
            "数字化水平等级",
            "choice",
            "中小企业数字化水平评测等级 1–4",
            {1: "1", 2: "2", 3: "3", 4: "4"},
        ),
    ),
    ("digital_score", Column("digital_score", "数字化水平评测得分", "score", "0–100")),
    (
        "core_business_on_information_system",
        Column("core_business_on_information_system", "核心业务采用信息系统支撑", "bool", BOOL_NOTE),
    ),
    *[
        (f"compliance.{k}", Column(k, f"合规声明：{v}", "bool", BOOL_NOTE))
        for k, v in labels.COMPLIANCE.items()
    ],
]

COUNT_NOTE = "单位：人，整数。不知道请留空。"
# Columns only the 科技型中小企业 evaluation reads: their own notes, and optional for older workbooks.
FIN_NOTES = {
    "tech_staff": "单位：人，整数。科技型中小企业评价用：直接从事研发和技术创新活动，以及专门为此提供管理和"
    "直接服务的人员，含全年累计工作 6 个月以上的兼职、临时聘用人员。不知道请留空（按研发人员计，得分可能偏低）。",
    "total_cost": WAN_NOTE + "\n科技型中小企业评价用（研发费用占成本费用支出总额的比重）。",
}
FIN_COLUMNS = [Column("year", "年度", "year", "四位年份，如 2025；每个年度一行", width=10)] + [
    Column(
        k,
        f"{label}（{unit}）",
        "wan" if unit == "万元" else "count",
        FIN_NOTES.get(k) or (WAN_NOTE if unit == "万元" else COUNT_NOTE),
        width=18 if k in FIN_NOTES else 16,
        optional=k in FIN_NOTES,
    )
    for k, (label, unit) in labels.FINANCIAL.items()
]

LIST_SHEETS: dict[str, tuple[str, list[Column]]] = {
    "股权融资": (
        "equity_financing",
        [
            Column("date", "融资日期", "date", DATE_NOTE),
            Column("amount", "金额（万元）", "wan", WAN_NOTE),
            Column("qualified_investor", "合格机构投资者实缴", "bool", BOOL_NOTE, width=20),
        ],
    ),
    "知识产权": (
        "ip",
        [
            Column("type", "类型", "choice", "从下拉列表选择", None, 24),
            Column("category", "类别", "choice", "一般留空：按类型判定为Ⅰ类或Ⅱ类", labels.IP_CATEGORY, 10),
            Column("name", "名称", "text", width=28),
            Column("number", "证书号", "text", "专利号或登记号"),
            Column("granted", "授权日期", "date", DATE_NOTE),
            Column("expires", "有效期至", "date", DATE_NOTE),
            *[Column(k, labels.IP[k], "bool", BOOL_NOTE, width=18) for k in labels.IP_FLAGS],
        ],
    ),
    "研发机构": (
        "rd_institutions",
        [
            Column("level", "级别", "choice", "从下拉列表选择", labels.LEVEL, 12),
            Column("kind", "类型", "choice", "从下拉列表选择", labels.RD_KIND, 20),
            Column("name", "名称", "text", width=28),
            Column("since", "认定日期", "date", DATE_NOTE),
        ],
    ),
    "奖项": (
        "awards",
        [
            Column("kind", "奖项类别", "choice", "从下拉列表选择", labels.AWARD_KIND),
            Column("level", "级别", "choice", "科技奖励、质量奖须填级别", labels.LEVEL, 12),
            Column("rank", "排名", "count", "科技奖励中本企业为第几完成单位，整数", width=10),
            Column("group", "创客中国组别", "choice", "创客中国须填", labels.MAKER_GROUP),
            Column("year", "获奖年度", "year", "四位年份", width=10),
            Column("name", "奖项名称", "text", width=28),
        ],
    ),
    "荣誉资质": (
        "honours",
        [
            Column("kind", "资质类别", "choice", "从下拉列表选择", labels.HONOUR_KIND, 24),
            Column("since", "取得日期", "date", DATE_NOTE),
            Column("valid_until", "有效期至", "date", DATE_NOTE),
        ],
    ),
    "主导制定标准": (
        "standards",
        [
            Column("level", "标准级别", "choice", "从下拉列表选择", labels.STANDARD_LEVEL, 12),
            Column("role", "本企业角色", "choice", "主导制定或参与制定", labels.STANDARD_ROLE, 12),
            Column("year", "发布年度", "year", "四位年份", width=10),
            Column("name", "标准号和名称", "text", "如 GB/T 12345-2024 精密行星减速器", width=36),
        ],
    ),
}
SCORE_SHEET = "发展评价得分"
SCORE_COLUMNS = [
    Column("year", "年度", "year", "四位年份，如 2026；每个年度一行", width=10),
    Column(
        "score",
        "得分",
        "score",
        "专精特新发展评价得分，0–100；在优质中小企业梯度培育平台（zjtx.miit.gov.cn）查询后照填",
        width=12,
    ),
]
LOCAL_SHEET = "地方特色指标"
LOCAL_KEY = Column("key", "指标编号", "text", "请勿修改本列（本省规则定义的指标编号）", width=24)
LOCAL_NAME = Column("name", "指标名称", "text", "仅供阅读", width=48)
LOCAL_VALUE = Column(
    "value", "填写内容", "local", "是/否题填“是”或“否”；数值题填数字；不确定请留空", width=14
)
LOCAL_NOTE = Column("note", "说明", "text", width=60)
LOCAL_KINDS = {"bool": "bool", "count": "count", "number": "score", "money": "wan", "ratio": "percent"}
LOCAL_ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
# Sheets added after the first templates: a workbook without them leaves those sections as stored.
OPTIONAL_SHEETS = {
    "主导制定标准": "standards",
    SCORE_SHEET: "development_score",
    LOCAL_SHEET: "local_indicators",
}
REQUIRED_SHEETS = ("基本信息", "财务数据", "知识产权", "研发机构", "奖项", "荣誉资质")
SHEET_ORDER = (
    "基本信息",
    "财务数据",
    "股权融资",
    "知识产权",
    "研发机构",
    "奖项",
    "荣誉资质",
    "主导制定标准",
    SCORE_SHEET,
    LOCAL_SHEET,
)
COVERED_KEYS = (
    "name",
    "credit_code",
    "region",
    "industry",
    "size_sector",
    "established",
    "niche_since",
    "quality",
    "main_product",
    "digital_level",
    "digital_score",
    "core_business_on_information_system",
    "compliance",
    "financials",
    "equity_financing",
    "ip",
    "rd_institutions",
    "awards",
    "honours",
    *OPTIONAL_SHEETS.values(),
)


def _table(column: Column) -> dict:
    if column.key == "type" and column.table is None:
        return labels.ip_type()
    return column.table or {}


# --- reading one cell --------------------------------------------------------------------------------


class CellValueError(ValueError):
    pass


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _code_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return identity.normalise_code(value)


def _date(value) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        text = value.strip()
        m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text)
        if m:
            try:
                return dt.date(int(m[1]), int(m[2]), int(m[3])).isoformat()
            except ValueError:
                pass
    raise CellValueError("必须为有效日期（如 2012-03-01）")


def _count(value) -> int:
    try:
        number = money.parse_decimal(value)
    except money.NumberError:
        raise CellValueError("必须为整数") from None
    if number is None or number != number.to_integral_value():
        raise CellValueError("必须为整数")
    return int(number)


def _choice(value, table: dict):
    text = str(int(value) if isinstance(value, float) and value.is_integer() else value).strip()
    for key, label in table.items():
        if text in (label, str(key)) or text.lower() == str(key).lower():
            return key
    options = "、".join(str(v) for v in table.values())
    raise CellValueError(f"取值须为 {options} 之一")


def read_value(value, column: Column, number_format: str = "General"):
    """The document value of one non-blank cell; raises CellValueError with a Chinese message."""
    kind = column.kind
    try:
        if kind == "text":
            return str(value).strip()
        if kind == "code":
            return _code_text(value)
        if kind == "date":
            return _date(value)
        if kind == "year":
            text = (
                str(int(value))
                if isinstance(value, int | float) and float(value).is_integer()
                else str(value).strip()
            )
            if not re.fullmatch(r"(19|20)\d\d", text):
                raise CellValueError("必须为四位年份（如 2025）")
            return int(text)
        if kind == "count":
            return _count(value)
        if kind == "wan":
            wan = money.parse_wan(value)
            return money.wan_to_yuan(wan)
        if kind == "percent":
            if isinstance(value, int | float) and "%" in (number_format or ""):
                value = money.parse_decimal(value) * 100  # a cell formatted as % holds 0.15 for 15%
            return money.json_number(money.parse_percent(value))
        if kind == "score":
            return money.json_number(money.parse_decimal(value))
        if kind == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("是", "true", "yes", "y", "1"):
                return True
            if text in ("否", "false", "no", "n", "0"):
                return False
            raise CellValueError("须填“是”或“否”（不确定请留空）")
        if kind == "choice":
            return _choice(value, _table(column))
        if kind == "local":
            return _local_value(value)
    except money.NumberError as exc:
        raise CellValueError(str(exc)) from None
    raise CellValueError(f"无法读取（{kind}）")


def _local_value(value):
    """A 地方特色指标 value whose kind the rules do not say: 是/否, or a number (which may be negative)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("是", "true", "yes"):
        return True
    if text in ("否", "false", "no"):
        return False
    try:
        return money.json_number(money.parse_decimal(value))
    except money.NumberError:
        raise CellValueError("须填“是”“否”或数字（不确定请留空）") from None


# --- opening an upload -------------------------------------------------------------------------------


def _too_many_cells(data: bytes, limit: int = MAX_CELLS) -> bool:
    """Count cell and shared-string elements in the XML parts by scanning the inflated bytes (no parsing),
    stopping past `limit`: cheap enough to run before openpyxl builds every cell in memory."""
    seen = 0
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            if not info.filename.lower().endswith(".xml"):
                continue
            with zf.open(info) as part:
                carry = b""
                while chunk := part.read(1 << 20):
                    text = carry + chunk
                    cut = max(
                        0, len(text) - 64
                    )  # a tag starting in the last bytes is counted with the next chunk
                    seen += sum(1 for m in _CELL_TAG.finditer(text) if m.start() < cut)
                    carry = text[cut:]
                    if seen > limit:
                        return True
                seen += len(_CELL_TAG.findall(carry))
            if seen > limit:
                return True
    return False


def open_upload(data: bytes):
    """The workbook inside `data`, checked by content (zip signature, parts, sheets), never by file name."""
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise NotAWorkbook(OLD_XLS)
    if not data.startswith(b"PK\x03\x04"):
        raise NotAWorkbook(NOT_XLSX)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            unzipped = sum(info.file_size for info in zf.infolist())
    except zipfile.BadZipFile:
        raise NotAWorkbook(NOT_XLSX) from None
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        raise NotAWorkbook(NOT_XLSX)
    if unzipped > MAX_UNZIPPED_BYTES:
        raise NotAWorkbook("工作簿解压后过大（超过 60 MB），请删除多余的工作表或行后再上传。")
    if _too_many_cells(data):
        raise NotAWorkbook(
            f"工作簿的单元格过多（超过 {MAX_CELLS:,} 个），请删除多余的工作表、行或列后再上传，或下载模板重新填写。"
        )
    try:
        wb = load_workbook(io.BytesIO(data), data_only=True)
    except Exception:  # noqa: BLE001 - any failure to read is the same answer for the person
        raise NotAWorkbook("无法读取该 Excel 工作簿（文件可能已损坏）。请下载模板重新填写后上传。") from None
    missing = [name for name in REQUIRED_SHEETS if name not in wb.sheetnames]
    if missing:
        raise NotAWorkbook(f"工作簿缺少工作表：{'、'.join(missing)}。请使用本页提供的模板填写。")
    return wb


def uncalculated(data: bytes, wb) -> frozenset[tuple[str, int, int]]:
    """(sheet, row, column) of every formula in our sheets that has no calculated value.

    Why: a workbook written by a program (openpyxl, some exporters) and never opened in Excel keeps
    formulas without results, and `wb` (read for values) sees those cells as blank: a revenue typed as
    =3000+200 would silently become "unknown". A formula whose result is the empty text is a result.
    """
    try:
        formulas = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # noqa: BLE001 - `wb` was read; without formulas nothing more can be said
        return frozenset()
    found = set()
    try:
        for name in SHEET_ORDER:
            if name not in formulas.sheetnames or name not in wb.sheetnames:
                continue
            values = wb[name]
            for row in formulas[name].iter_rows(max_row=MAX_ROWS + 1):
                for c in row:
                    if getattr(c, "data_type", None) != "f":
                        continue
                    cached = values.cell(row=c.row, column=c.column)
                    if cached.value is None and cached.data_type != "str":
                        found.add((name, c.row, c.column))
    finally:
        formulas.close()
    return frozenset(found)


# --- parsing the sheets ------------------------------------------------------------------------------


class _Reader:
    def __init__(self, uncalculated=frozenset()):
        self.out = Parsed()
        self.uncalculated = uncalculated  # (sheet, row, column) of formulas without a value

    def error(self, sheet, row, column, label, message):
        self.out.errors.append(CellError(sheet, row, column, label, message))

    def pending(self, ws, row: int, col: int) -> bool:
        """True for a formula cell that was never calculated (it reads as blank but is not)."""
        return (ws.title, row, col) in self.uncalculated

    def cell(self, ws, row: int, col: int, column: Column, path: str):
        """Read one cell into the path map; returns (value, ok). Blank → (None, True)."""
        c = ws.cell(row=row, column=col)
        letter = get_column_letter(col)
        self.out.cells[path] = Cell(ws.title, row, letter, column.label)
        if self.pending(ws, row, col):
            self.error(ws.title, row, letter, column.label, UNCALCULATED)
            return None, False
        if isinstance(c, MergedCell):  # covered by a merged range: it reads as blank (unknown) but was filled
            self.error(ws.title, row, letter, column.label, MERGED)
            return None, False
        if _blank(c.value):
            return None, True
        try:
            return read_value(c.value, column, c.number_format), True
        except CellValueError as exc:
            self.error(ws.title, row, letter, column.label, str(exc))
            return None, False

    def too_long(self, ws) -> bool:
        if ws.max_row > MAX_ROWS + 1:
            self.error(ws.title, 0, "", "", f"行数过多（最多 {MAX_ROWS} 行数据），请删除空行或多余内容")
            return True
        return False

    def headers(self, ws, columns: list[Column]) -> dict[str, int] | None:
        found, wrong_unit = {}, False
        for col in range(1, ws.max_column + 1):
            text = ws.cell(row=1, column=col).value
            if _blank(text):
                continue
            text = str(text).strip().replace("(", "（").replace(")", "）")
            label, _, unit = text.partition("（")
            label, unit = label.strip(), unit.rstrip("）").strip()
            for column in columns:
                if column.label == label and column.key not in found:
                    found[column.key] = col
                    if column.kind == "wan" and "元" in unit and "万元" not in unit:
                        # 营业收入（元） read as 万元 would store 10 000 times the amount without a word
                        self.error(
                            ws.title,
                            1,
                            get_column_letter(col),
                            column.label,
                            f"表头写的单位是“{unit}”，本列按万元读取：请把本列金额换算为万元，"
                            f"并把表头改为“{column.header}”",
                        )
                        wrong_unit = True
        missing = [c.header for c in columns if c.key not in found and not c.optional]
        if missing:
            below = self._header_row_below(ws, columns)
            if below:
                self.error(
                    ws.title, 1, "", "表头", f"表头应在第 1 行，本表在第 {below} 行：请删除表头上方的标题行"
                )
            else:
                self.error(ws.title, 1, "", "表头", f"缺少列：{'、'.join(missing)}（请使用平台提供的模板）")
            return None
        return None if wrong_unit else found

    @staticmethod
    def _header_row_below(ws, columns: list[Column]) -> int | None:
        """The row (2–5) holding the template's headers when a title row was added above them, else None."""
        wanted = {c.label for c in columns if not c.optional}
        for row in range(2, min(ws.max_row, 5) + 1):
            labels = {
                str(ws.cell(row=row, column=col).value).replace("(", "（").split("（")[0].strip()
                for col in range(1, ws.max_column + 1)
                if not _blank(ws.cell(row=row, column=col).value)
            }
            if wanted <= labels:
                return row
        return None

    def row_blank(self, ws, row: int, cols) -> bool:
        return all(_blank(ws.cell(row=row, column=c).value) and not self.pending(ws, row, c) for c in cols)

    def basic(self, ws) -> dict:
        doc: dict = {}
        by_label = {col.header: (path, col) for path, col in BASIC_ROWS}
        if self.too_long(ws):
            return doc
        for row in range(2, ws.max_row + 1):
            label_cell = ws.cell(row=row, column=1).value
            if self.pending(ws, row, 1):
                self.error(ws.title, row, "A", "项目", UNCALCULATED)
                continue
            if _blank(label_cell):
                continue
            label = str(label_cell).strip()
            if label not in by_label:
                if not _blank(ws.cell(row=row, column=2).value):
                    self.error(ws.title, row, "A", "项目", f"无法识别的项目“{label}”，请使用模板中的项目名称")
                continue
            path, column = by_label[label]
            value, _ok = self.cell(ws, row, 2, column, path)
            if value is None:
                continue
            if path in ("main_product.field", "main_product.key_field") and value == "none":
                value = None
            parts = path.split(".")
            if len(parts) == 2:
                doc.setdefault(parts[0], {})[parts[1]] = value
            else:
                doc[path] = value
        return doc

    def financials(self, ws) -> dict:
        if self.too_long(ws):
            return {}
        cols = self.headers(ws, FIN_COLUMNS)
        if cols is None:
            return {}
        self.out.financial_fields = tuple(c.key for c in FIN_COLUMNS[1:] if c.key in cols)
        out: dict[str, dict] = {}
        for row in range(2, ws.max_row + 1):
            if self.row_blank(ws, row, cols.values()):
                continue
            year_col = FIN_COLUMNS[0]
            year, ok = self.cell(ws, row, cols["year"], year_col, f"financials.（第 {row} 行）")
            if ok and year is None:
                self.error(ws.title, row, get_column_letter(cols["year"]), year_col.label, "请填写年度")
            if year is not None and str(year) in out:
                self.error(
                    ws.title, row, get_column_letter(cols["year"]), year_col.label, f"年度 {year} 重复填写"
                )
                year = None
            key = str(year) if year is not None else f"（第 {row} 行）"
            self.out.cells[f"financials.{key}"] = Cell(
                ws.title, row, get_column_letter(cols["year"]), year_col.label
            )
            values = {}
            for column in FIN_COLUMNS[1:]:
                if column.key not in cols:
                    continue
                value, _ok = self.cell(ws, row, cols[column.key], column, f"financials.{key}.{column.key}")
                if value is not None:
                    values[column.key] = value
            if year is not None:
                out[str(year)] = values
        return dict(sorted(out.items(), reverse=True))

    def scores(self, ws) -> dict:
        """发展评价得分: one row per year → {"2026": 66}."""
        if self.too_long(ws):
            return {}
        cols = self.headers(ws, SCORE_COLUMNS)
        if cols is None:
            return {}
        year_col, score_col = SCORE_COLUMNS
        out: dict[str, int | float] = {}
        for row in range(2, ws.max_row + 1):
            if self.row_blank(ws, row, cols.values()):
                continue
            year, ok = self.cell(ws, row, cols["year"], year_col, f"development_score.（第 {row} 行）")
            letter = get_column_letter(cols["year"])
            if ok and year is None:
                self.error(ws.title, row, letter, year_col.label, "请填写年度")
            if year is not None and str(year) in out:
                self.error(ws.title, row, letter, year_col.label, f"年度 {year} 重复填写")
                year = None
            key = str(year) if year is not None else f"（第 {row} 行）"
            value, _ok = self.cell(ws, row, cols["score"], score_col, f"development_score.{key}")
            if year is not None and value is not None:
                out[key] = value
        return dict(sorted(out.items(), reverse=True))

    def local(self, ws, local_fields) -> dict:
        """地方特色指标: rows of (指标编号, 填写内容); a value is read by its fact's kind when the region's rules know it."""
        if self.too_long(ws):
            return {}
        cols = self.headers(ws, [LOCAL_KEY, LOCAL_VALUE])
        if cols is None:
            return {}
        kinds = {f["key"]: f["kind"] for f in local_fields or ()}
        by_name = {f["zh"]: f["key"] for f in local_fields or ()}
        out: dict = {}
        key_letter = get_column_letter(cols["key"])
        for row in range(2, ws.max_row + 1):
            if self.row_blank(ws, row, cols.values()):
                continue
            raw = ws.cell(row=row, column=cols["key"]).value
            if self.pending(ws, row, cols["key"]):
                self.error(ws.title, row, key_letter, LOCAL_KEY.label, UNCALCULATED)
                continue
            key = by_name.get(str(raw).strip(), str(raw).strip()) if not _blank(raw) else ""
            if not key:
                self.error(ws.title, row, key_letter, LOCAL_KEY.label, "请填写指标编号")
                continue
            if not LOCAL_ID_RE.match(key):
                self.error(
                    ws.title,
                    row,
                    key_letter,
                    LOCAL_KEY.label,
                    f"无法识别的指标编号“{key}”：应为字母、数字和下划线（如 sc_modern_system），请使用模板中的编号",
                )
                continue
            if key in out:
                self.error(ws.title, row, key_letter, LOCAL_KEY.label, f"指标 {key} 重复填写")
                continue
            kind = LOCAL_KINDS.get(kinds.get(key, ""), "local")
            column = Column("value", LOCAL_VALUE.header, kind)
            value, _ok = self.cell(ws, row, cols["value"], column, f"local_indicators.{key}")
            if value is not None:
                out[key] = value
        return out

    def items(self, ws, key: str, columns: list[Column]) -> list | None:
        """The rows of a list sheet; [] when the first data row says 无; None when the sheet has no rows."""
        if self.too_long(ws):
            return None
        cols = self.headers(ws, columns)
        if cols is None:
            return None
        items, none_row = [], 0
        for row in range(2, ws.max_row + 1):
            if self.row_blank(ws, row, cols.values()):
                continue
            first = ws.cell(row=row, column=cols[columns[0].key]).value
            others = [c for k, c in cols.items() if k != columns[0].key]
            if isinstance(first, str) and first.strip() == NONE_MARK and self.row_blank(ws, row, others):
                none_row = row
                continue
            n = len(items)
            item = {}
            for column in columns:
                value, _ok = self.cell(ws, row, cols[column.key], column, f"{key}[{n}].{column.key}")
                if value is not None:
                    item[column.key] = value
            self.out.cells[f"{key}[{n}]"] = Cell(
                ws.title, row, get_column_letter(cols[columns[0].key]), columns[0].label
            )
            items.append(item)
        first_letter = get_column_letter(cols[columns[0].key])
        self.out.cells[key] = Cell(ws.title, none_row or 2, first_letter, columns[0].label)
        if items and none_row:
            self.error(
                ws.title,
                none_row,
                first_letter,
                columns[0].label,
                f"已填“{NONE_MARK}”，但本表又填写了条目：请删除“{NONE_MARK}”或删除条目",
            )
        if items:
            return items
        return [] if none_row else None


def parse_workbook(data: bytes, local_fields=None) -> Parsed:
    """Read an upload (raises NotAWorkbook); errors of every cell are collected, none is fatal.

    `local_fields` (assessments.engine.local_fact_fields for the enterprise's region) says how to
    read each 地方特色指标 value (是/否, 万元, %); other ids are read as 是/否 or a plain number.
    """
    wb = open_upload(data)
    reader = _Reader(uncalculated(data, wb))
    doc = reader.basic(wb["基本信息"])
    financials = reader.financials(wb["财务数据"])
    if financials:
        doc["financials"] = financials
    for sheet, (key, columns) in LIST_SHEETS.items():
        if sheet not in wb.sheetnames:
            continue
        items = reader.items(wb[sheet], key, columns)
        if items is not None:
            doc[key] = items
    if SCORE_SHEET in wb.sheetnames:
        scores = reader.scores(wb[SCORE_SHEET])
        if scores:
            doc["development_score"] = scores
    if LOCAL_SHEET in wb.sheetnames:
        local = reader.local(wb[LOCAL_SHEET], local_fields)
        if local:
            doc["local_indicators"] = local
    reader.out.profile = doc
    optional = set(OPTIONAL_SHEETS.values())
    present = {key for sheet, key in OPTIONAL_SHEETS.items() if sheet in wb.sheetnames}
    reader.out.covered = tuple(k for k in COVERED_KEYS if k not in optional or k in present)
    return reader.out


def merge(stored: dict, parsed: dict, covered=COVERED_KEYS, financial_fields=tuple(labels.FINANCIAL)) -> dict:
    """The document to save: the workbook's sections replace the stored ones; the rest is kept.

    Blank in the workbook means unknown, so a key the workbook covers but leaves blank is dropped;
    `covered` (Parsed.covered) leaves out sections whose sheet an older template does not have.
    Yearly facts the workbook has no column for (`financial_fields`, Parsed.financial_fields: an
    older template lacks tech_staff and total_cost) are kept for the years it still has.
    """
    doc = copy.deepcopy(stored or {})
    old_fin = doc.get("financials") if isinstance(doc.get("financials"), dict) else {}
    for key in covered:
        doc.pop(key, None)
    doc["schema"] = "zjtx.profile/1"
    new = copy.deepcopy(parsed)
    if "financials" in new:
        for year, row in new["financials"].items():
            extra = {k: v for k, v in (old_fin.get(year) or {}).items() if k not in financial_fields}
            new["financials"][year] = {**extra, **row}
    doc.update(new)
    return doc


def locate(parsed: Parsed, problems) -> list[CellError]:
    """Engine problems (path, message) placed on the cells they came from."""
    out = []
    for path, message in problems:
        probe, cell = path, None
        while probe and cell is None:
            cell = parsed.cells.get(probe)
            cut = max(probe.rfind("."), probe.rfind("["))
            probe = probe[:cut] if cut > 0 else ""
        if cell is None:
            out.append(CellError(sheet_for(path), 0, "", "", f"{path}：{message}"))
        else:
            out.append(CellError(cell.sheet, cell.row, cell.column, cell.label, message))
    return out


def sheet_for(path: str) -> str:
    top = re.split(r"[.\[]", path, maxsplit=1)[0]
    if top == "financials":
        return "财务数据"
    if top == "development_score":
        return SCORE_SHEET
    if top == "local_indicators":
        return LOCAL_SHEET
    for sheet, (key, _cols) in LIST_SHEETS.items():
        if key == top:
            return sheet
    return "基本信息"


def combine(cell_errors: list[CellError], engine_errors: list[CellError]) -> list[CellError]:
    """Every problem once: a cell that could not be read is not also reported by the engine."""
    bad_cells = {(e.sheet, e.row, e.column) for e in cell_errors if e.row}
    out = list(cell_errors)
    for e in engine_errors:
        if (e.sheet, e.row, e.column) in bad_cells and e.row:
            continue
        if all((o.sheet, o.row, o.column, o.message) != (e.sheet, e.row, e.column, e.message) for o in out):
            out.append(e)
    return out


def sort_errors(errors: list[CellError]) -> list[CellError]:
    order = {name: i for i, name in enumerate(SHEET_ORDER)}
    return sorted(errors, key=lambda e: (order.get(e.sheet, 99), e.row, len(e.column), e.column))


# --- writing the template ----------------------------------------------------------------------------

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="FDE2E2")
NOTE_AUTHOR = "专精特新平台"


def _display(value, column: Column):
    """A document value as the cell shows it (万元, labels, dates)."""
    if value is None and column.kind != "choice":
        return None
    kind = column.kind
    if kind in ("wan", "percent", "score"):
        text = {"wan": money.yuan_to_wan, "percent": money.percent_text, "score": money.number_text}[kind](
            value
        )
        if not text:
            return str(value)  # not a number: shown as it is, and the import will say so
        number = Decimal(text)
        return int(number) if number == number.to_integral_value() else number
    if kind == "date":
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            return str(value)
    if kind == "bool":
        return labels.BOOL.get(value, str(value))
    if kind == "choice":
        return _table(column).get(value, value)
    return value


def _note(cell, text: str):
    if text:
        cell.comment = Comment(text, NOTE_AUTHOR, height=90 if len(text) <= 60 else 160, width=220)


def _header(ws, columns: list[Column]):
    for i, column in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=i, value=column.header)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        _note(cell, column.note)
        ws.column_dimensions[get_column_letter(i)].width = column.width
    ws.freeze_panes = "A2"


class _Lists:
    """The hidden sheet of allowed values that drop-down lists refer to."""

    def __init__(self, wb):
        self.ws = wb.create_sheet(LISTS_SHEET)
        self.ws.sheet_state = "hidden"
        self.refs: dict[str, str] = {}

    def ref(self, column: Column) -> str:
        name = column.header
        if name not in self.refs:
            col = len(self.refs) + 1
            values = [str(v) for v in _table(column).values()]
            self.ws.cell(row=1, column=col, value=name)
            for i, value in enumerate(values, start=2):
                self.ws.cell(row=i, column=col, value=value)
            letter = get_column_letter(col)
            self.refs[name] = f"'{LISTS_SHEET}'!${letter}$2:${letter}${len(values) + 1}"
        return self.refs[name]


def _validation(ws, lists: _Lists, column: Column, cells: str):
    if column.kind == "bool":
        dv = DataValidation(type="list", formula1='"是,否"', allow_blank=True)
    elif column.kind == "choice":
        dv = DataValidation(type="list", formula1=f"={lists.ref(column)}", allow_blank=True)
    else:
        return
    dv.error, dv.errorTitle, dv.showErrorMessage = "请从下拉列表中选择", "取值无效", True
    ws.add_data_validation(dv)
    dv.add(cells)


def _write(cell, value, column: Column):
    cell.value = value
    if column.kind == "date" and isinstance(value, dt.date):
        cell.number_format = "yyyy-mm-dd"
    elif column.kind == "code":
        cell.number_format = "@"


def _local_display(value):
    """A local_indicators value of an id the region's rules do not describe: 是/否 or the number as stored."""
    if isinstance(value, bool):
        return labels.BOOL[value]
    return _display(value, Column("value", "", "score"))


def _local_sheet(wb, lists: _Lists, p: dict, local_fields) -> None:
    from .forms_profile import clause_text

    ws = wb.create_sheet(LOCAL_SHEET)
    _header(ws, [LOCAL_KEY, LOCAL_NAME, LOCAL_VALUE, LOCAL_NOTE])
    stored = p.get("local_indicators") if isinstance(p.get("local_indicators"), dict) else {}
    row = 1
    for spec in local_fields or ():
        row += 1
        column = Column("value", LOCAL_VALUE.header, LOCAL_KINDS.get(spec["kind"], "score"))
        unit = {"wan": "单位：万元。", "percent": "百分数，如 15 表示 15%。", "bool": "填“是”或“否”。"}
        ws.cell(row=row, column=1, value=spec["key"])
        ws.cell(row=row, column=2, value=spec["zh"] + ("（待核实）" if spec.get("unverified") else ""))
        value = stored.get(spec["key"])
        if value is None:
            shown = None
        elif isinstance(value, bool) == (spec["kind"] == "bool"):
            shown = _display(value, column)
        else:  # a value of the wrong kind is written as it is; the import will name it
            shown = _local_display(value)
        _write(ws.cell(row=row, column=3), shown, column)
        ws.cell(row=row, column=4, value=unit.get(column.kind, "") + clause_text(spec))
        _validation(ws, lists, column, f"C{row}")
    described = {spec["key"] for spec in local_fields or ()}
    for key, value in stored.items():
        if key in described or value is None:
            continue
        row += 1
        ws.cell(row=row, column=1, value=key)
        ws.cell(row=row, column=2, value=labels.local_fact_name(key))
        ws.cell(row=row, column=3, value=_local_display(value))
        ws.cell(row=row, column=4, value="是/否或数字，按本省规则填写")


def build_workbook(profile: dict | None = None, local_fields=None) -> Workbook:
    """The import template; filled with `profile` when given (the same layout the import reads).

    `local_fields` (assessments.engine.local_fact_fields) lists the region's own indicators in 地方特色指标.
    """
    p = profile or {}
    wb = Workbook()
    ws = wb.active
    ws.title = "基本信息"
    lists = _Lists(wb)
    head = [
        Column("item", "项目", "text", "请勿修改本列", width=40),
        Column("value", "填写内容", "text", "在本列填写；留空表示未知", width=36),
        Column("note", "说明", "text", width=48),
    ]
    _header(ws, head)
    for row, (path, column) in enumerate(BASIC_ROWS, start=2):
        ws.cell(row=row, column=1, value=column.header)
        ws.cell(row=row, column=3, value=column.note)
        parts = path.split(".")
        value = (p.get(parts[0]) or {}).get(parts[1]) if len(parts) == 2 else p.get(path)
        if (
            path in ("main_product.field", "main_product.key_field")
            and parts[1] in (p.get("main_product") or {})
            and value is None
        ):
            value = "none"
        shown = _display(value, column) if value is not None else None
        _write(ws.cell(row=row, column=2), shown, column)
        _validation(ws, lists, column, f"B{row}")

    fin_ws = wb.create_sheet("财务数据")
    _header(fin_ws, FIN_COLUMNS)
    fin = p.get("financials") or {}
    for row, year in enumerate(sorted(fin, reverse=True), start=2):
        values = {"year": int(year), **(fin[year] or {})}
        for col, column in enumerate(FIN_COLUMNS, start=1):
            _write(fin_ws.cell(row=row, column=col), _display(values.get(column.key), column), column)

    for sheet, (key, columns) in LIST_SHEETS.items():
        lws = wb.create_sheet(sheet)
        _header(lws, columns)
        items = p.get(key)
        if items == []:
            lws.cell(row=2, column=1, value=NONE_MARK)
        for row, item in enumerate(items or [], start=2):
            for col, column in enumerate(columns, start=1):
                value = item.get(column.key)
                _write(
                    lws.cell(row=row, column=col),
                    _display(value, column) if value is not None else None,
                    column,
                )
        for col, column in enumerate(columns, start=1):
            letter = get_column_letter(col)
            _validation(lws, lists, column, f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
        _note(
            lws.cell(row=1, column=1),
            f"{columns[0].note}\n没有任何{labels.SECTIONS[key]}时，在第 2 行本列填“{NONE_MARK}”；"
            "留空表示未填写。".strip(),
        )
    score_ws = wb.create_sheet(SCORE_SHEET)
    _header(score_ws, SCORE_COLUMNS)
    scores = p.get("development_score") if isinstance(p.get("development_score"), dict) else {}
    for row, year in enumerate(sorted(scores, key=str, reverse=True), start=2):
        _write(score_ws.cell(row=row, column=1), int(year) if str(year).isdigit() else year, SCORE_COLUMNS[0])
        _write(score_ws.cell(row=row, column=2), _display(scores[year], SCORE_COLUMNS[1]), SCORE_COLUMNS[1])
    _local_sheet(wb, lists, p, local_fields)
    wb.move_sheet(LISTS_SHEET, offset=len(wb.sheetnames))
    return wb


@functools.cache
def template_sheets() -> tuple[str, ...]:
    """The sheets a person sees in the template, in order (the import page lists them from here)."""
    return tuple(ws.title for ws in build_workbook().worksheets if ws.sheet_state == "visible")


def _bytes(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def template_xlsx(local_fields=None) -> bytes:
    return _bytes(build_workbook(None, local_fields))


def export_profile_xlsx(profile: dict, local_fields=None) -> bytes:
    """A profile written in the import template's layout (import it back to get the same document)."""
    return _bytes(build_workbook(profile, local_fields))
