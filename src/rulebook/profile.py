"""Validation of an enterprise profile (`zjtx.profile/1`, see shared/spec/profile.md).

Why here and not in the rules: these are the contract's types and ranges, not the law.
Every problem is collected (not just the first) and names its field path, in Chinese
and English, so the CLI and the portal can show all of them at once.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from . import codes
from .errors import FieldProblem, ProfileInvalid
from .numbers import MAX_MAGNITUDE, to_fraction

SCHEMA = "zjtx.profile/1"

MONEY_FIELDS = ("revenue", "main_revenue", "total_assets", "total_liabilities", "rd_expense", "total_cost")
SIGNED_MONEY_FIELDS = ("net_profit",)
COUNT_FIELDS = ("employees", "rd_staff", "tech_staff")
FINANCIAL_FIELDS = COUNT_FIELDS + MONEY_FIELDS + SIGNED_MONEY_FIELDS
# a year's part that cannot exceed its whole: (part, whole, 中文 part, 中文 whole); a screened registry checks the same
PARTS = (
    ("rd_staff", "employees", "研发人员", "从业人员"),
    ("tech_staff", "employees", "科技人员", "从业人员"),
    ("main_revenue", "revenue", "主营业务收入", "营业收入"),
)
# the scale of the digital level and of the scores a profile carries (a screened registry checks the same)
VALUE_RANGES = {"digital_level": (1, 4), "digital_score": (0, 100), "development_score": (0, 100)}

SIZE_SECTORS = [
    "agriculture",
    "industry",
    "construction",
    "wholesale",
    "retail",
    "transport",
    "warehousing",
    "postal",
    "accommodation",
    "catering",
    "information_transmission",
    "software_it",
    "real_estate_development",
    "property_management",
    "leasing_business",
    "other",
]
LEVELS = ("national", "provincial", "municipal", "below_municipal")
HONOUR_KINDS = (
    "high_tech_enterprise",
    "national_tech_innovation_demo",
    "ip_advantage",
    "ip_demo",
    "tech_sme",
)
TIERS = ("innovative", "tech_sme", "specialized", "little_giant")
AWARD_KINDS = ("science_award", "maker_china", "quality_award")
MAKER_GROUPS = ("top50", "top500")
PRODUCT_FIELDS = ("chain_breakthrough", "six_bases_or_laozihao_or_chain_leader_supplier")
KEY_FIELDS = ("six_bases", "manufacturing_key_industries", "cyber_power")
STANDARD_LEVELS = ("international", "national", "industry", "local", "group")
STANDARD_ROLES = ("lead", "participant")
RD_INSTITUTION_KINDS = [
    "enterprise_technology_center",
    "engineering_research_center",
    "engineering_technology_center",
    "key_laboratory",
    "academician_workstation",
    "postdoctoral_workstation",
    "research_institute",
    "industrial_design_center",
    "other",
]

KNOWN_TOP = {
    "schema",
    "name",
    "credit_code",
    "region",
    "industry",
    "size_sector",
    "established",
    "niche_since",
    "financials",
    "equity_financing",
    "ip",
    "rd_institutions",
    "awards",
    "honours",
    "quality",
    "main_product",
    "digital_level",
    "digital_score",
    "core_business_on_information_system",
    "compliance",
    "recognitions",
    "development_score",
    "local_indicators",
    "standards",
}
COMPLIANCE_FIELDS = (
    "abnormal_operation_list",
    "seriously_dishonest",
    "prohibited_products",
    "major_incident_last_3_years",
    "research_misconduct",
    "rd_deduction_excluded_industry",
)
QUALITY_FIELDS = (
    "management_system_cert",
    "own_brand",
    "standards_participation",
    "developed_market_product_cert",
)

_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_valid(code: str) -> bool:
    """GB 32100-2015 check character of the 统一社会信用代码."""
    if len(code) != 18 or any(c not in _CREDIT_CHARS for c in code):
        return False
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(code[:17], _CREDIT_WEIGHTS, strict=True))
    return _CREDIT_CHARS[(31 - total % 31) % 31] == code[17]


@dataclass
class Profile:
    """A validated profile: the original data with numbers as Fractions and dates as dates."""

    data: dict[str, Any]
    warnings: list[FieldProblem] = field(default_factory=list)


class _Checker:
    def __init__(self, today: dt.date):
        self.today = today
        self.problems: list[FieldProblem] = []
        self.warnings: list[FieldProblem] = []

    def bad(self, path: str, zh: str, en: str):
        self.problems.append(FieldProblem(path, zh, en))

    def warn(self, path: str, zh: str, en: str):
        self.warnings.append(FieldProblem(path, zh, en))

    # --- scalar helpers; each returns the clean value, or None after recording a problem

    def number(self, v, path, *, minimum=Fraction(0), maximum=None, whole=False):
        num = to_fraction(v)
        if num is None:
            self.bad(path, "必须为数字", "must be a number")
            return None
        if abs(num) > MAX_MAGNITUDE:
            self.bad(
                path,
                "数值过大（绝对值不能超过 10^15）；请检查单位与位数",
                "too large (at most 10^15 in absolute value): check the unit and the digits",
            )
            return None
        if whole and num.denominator != 1:
            self.bad(path, "必须为整数", "must be a whole number")
            return None
        if minimum is not None and num < minimum:
            if minimum == 0:
                self.bad(path, "必须为非负数", "must be a number ≥ 0")
            else:
                self.bad(path, f"不能小于 {minimum}", f"must be ≥ {minimum}")
            return None
        if maximum is not None and num > maximum:
            if maximum == 1 and minimum == 0:
                self.bad(
                    path,
                    "比例须在 0 到 1 之间（如 0.035 表示 3.5%）",
                    "must be a fraction between 0 and 1 (0.035 = 3.5%)",
                )
            else:
                self.bad(path, f"不能大于 {maximum}", f"must be ≤ {maximum}")
            return None
        return num

    def boolean(self, v, path):
        if not isinstance(v, bool):
            self.bad(path, "必须为 true 或 false", "must be true or false")
            return None
        return v

    def text(self, v, path):
        if not isinstance(v, str) or not v.strip():
            self.bad(path, "必须为非空文本", "must be non-empty text")
            return None
        return v.strip()

    def choice(self, v, path, options):
        if v not in options:
            self.bad(path, f"取值须为 {'、'.join(options)} 之一", f"must be one of {', '.join(options)}")
            return None
        return v

    def date(self, v, path, *, past=True):
        if not isinstance(v, str):
            self.bad(path, "必须为 YYYY-MM-DD 格式的日期", "must be a date YYYY-MM-DD")
            return None
        try:
            d = dt.date.fromisoformat(v)
        except ValueError:
            self.bad(path, "必须为 YYYY-MM-DD 格式的有效日期", "must be a valid date YYYY-MM-DD")
            return None
        if past and d > self.today:
            self.bad(
                path,
                f"日期不能晚于今天（{self.today.isoformat()}）",
                f"must not be after today ({self.today.isoformat()})",
            )
            return None
        return d

    def year(self, v, path):
        if isinstance(v, bool) or not isinstance(v, int | str):
            self.bad(path, "必须为四位年份", "must be a four-digit year")
            return None
        text = str(v)
        if not re.fullmatch(r"(19|20)\d\d", text):
            self.bad(path, "必须为四位年份", "must be a four-digit year")
            return None
        if int(text) > self.today.year:
            self.bad(path, "年份不能晚于今年", "must not be after this year")
            return None
        return int(text)

    def mapping(self, v, path):
        if not isinstance(v, dict):
            self.bad(path, "必须为对象（JSON object）", "must be an object")
            return None
        return v

    def listing(self, v, path):
        if not isinstance(v, list):
            self.bad(path, "必须为列表（JSON array）", "must be a list")
            return None
        return v

    def extra_keys(self, obj: dict, known, path: str):
        for key in obj:
            if key not in known:
                where = f"{path}.{key}" if path else str(key)
                self.warn(where, "未知字段，已忽略", "unknown field, ignored")

    def record(self, item, path, spec: dict):
        """Check one object against {key: (checker, required)}; return the cleaned dict or None."""
        obj = self.mapping(item, path)
        if obj is None:
            return None
        out = {}
        for key, (check, required) in spec.items():
            if key not in obj or obj[key] is None:
                if required:
                    self.bad(f"{path}.{key}", "必填", "is required")
                continue
            value = check(obj[key], f"{path}.{key}")
            if value is not None:
                out[key] = value
        self.extra_keys(obj, spec, path)
        return out


def validate(raw: Any, today: dt.date | None = None) -> Profile:
    """Check a parsed JSON profile; raise ProfileInvalid listing every problem."""
    c = _Checker(today or dt.date.today())
    if not isinstance(raw, dict):
        raise ProfileInvalid(
            [FieldProblem("(profile)", "企业档案必须是 JSON 对象", "the profile must be a JSON object")]
        )
    out: dict[str, Any] = {}
    schema = raw.get("schema")
    if schema is None:
        c.warn("schema", f"未声明 schema，按 {SCHEMA} 处理", f"no schema given; read as {SCHEMA}")
    elif schema != SCHEMA:
        c.bad(
            "schema",
            f"不支持的格式 {schema!r}，应为 {SCHEMA}",
            f"unsupported schema {schema!r}; expected {SCHEMA}",
        )
    c.extra_keys(raw, KNOWN_TOP, "")

    def opt(key, fn):
        if raw.get(key) is not None:
            value = fn(raw[key], key)
            if value is not None:
                out[key] = value

    opt("name", c.text)
    if raw.get("credit_code") is not None:
        code = raw["credit_code"]
        if not isinstance(code, str) or not credit_code_valid(code.strip().upper()):
            c.bad(
                "credit_code",
                "统一社会信用代码无效（应为 18 位且校验位正确）",
                "invalid unified social credit code (18 characters, GB 32100 check)",
            )
        else:
            out["credit_code"] = code.strip().upper()
    if raw.get("region") is not None:
        reg = raw["region"]
        if not isinstance(reg, str) or not re.fullmatch(r"\d{6}", reg) or codes.region(reg) is None:
            c.bad(
                "region",
                "未知的行政区划代码（应为 GB/T 2260 六位代码，如 330106）",
                "unknown region code (6-digit GB/T 2260, e.g. 330106)",
            )
        else:
            out["region"] = reg
    if raw.get("industry") is not None:
        ind = raw["industry"]
        if not isinstance(ind, str) or ind.strip().upper() not in codes.industries():
            c.bad(
                "industry",
                "未知的行业代码（应为 GB/T 4754-2017 代码，如 C3484）",
                "unknown industry code (GB/T 4754-2017, e.g. C3484)",
            )
        else:
            out["industry"] = ind.strip().upper()
    opt("size_sector", lambda v, p: c.choice(v, p, SIZE_SECTORS))
    opt("established", c.date)
    opt("niche_since", c.date)
    if "established" in out and "niche_since" in out and out["niche_since"] < out["established"]:
        c.warn("niche_since", "早于成立日期，请核对", "is before the date of establishment; please check")

    if raw.get("financials") is not None:
        fin = c.mapping(raw["financials"], "financials")
        if fin is not None:
            out["financials"] = {}
            for year, row in fin.items():
                path = f"financials.{year}"
                y = c.year(year, path)
                data = c.mapping(row, path)
                if y is None or data is None:
                    continue
                clean = {}
                for key, value in data.items():
                    if key not in FINANCIAL_FIELDS:
                        c.warn(f"{path}.{key}", "未知字段，已忽略", "unknown field, ignored")
                        continue
                    if value is None:
                        continue
                    fp = f"{path}.{key}"
                    if key in COUNT_FIELDS:
                        num = c.number(value, fp, whole=True)
                    elif key in SIGNED_MONEY_FIELDS:
                        num = c.number(value, fp, minimum=None)
                    else:
                        num = c.number(value, fp)
                    if num is not None:
                        clean[key] = num
                for part, whole_, part_zh, whole_zh in PARTS:
                    if part in clean and whole_ in clean and clean[part] > clean[whole_]:
                        c.bad(f"{path}.{part}", f"{part_zh}不能大于{whole_zh}", f"must not exceed {whole_}")
                out["financials"][y] = clean

    if raw.get("equity_financing") is not None:
        items = c.listing(raw["equity_financing"], "equity_financing")
        if items is not None:
            spec = {
                "date": (c.date, True),
                "amount": (c.number, True),
                "qualified_investor": (c.boolean, False),
            }
            out["equity_financing"] = [
                r
                for i, it in enumerate(items)
                if (r := c.record(it, f"equity_financing[{i}]", spec)) is not None
            ]

    if raw.get("ip") is not None:
        items = c.listing(raw["ip"], "ip")
        if items is not None:
            types = codes.ip_types()
            spec = {
                "type": (lambda v, p: c.choice(v, p, tuple(types)), True),
                "category": (lambda v, p: c.choice(v, p, ("I", "II")), False),
                "related_to_main_product": (c.boolean, False),
                "self_developed": (c.boolean, False),
                "high_value": (c.boolean, False),
                "applied_with_benefit": (c.boolean, False),
                "granted": (c.date, False),
                "name": (c.text, False),
                "number": (c.text, False),
                "expires": (lambda v, p: c.date(v, p, past=False), False),
            }
            out["ip"] = []
            for i, it in enumerate(items):
                r = c.record(it, f"ip[{i}]", spec)
                if r is None:
                    continue
                if "category" not in r and "type" in r:
                    r["category"] = types[r["type"]]["category"]
                out["ip"].append(r)

    if raw.get("rd_institutions") is not None:
        items = c.listing(raw["rd_institutions"], "rd_institutions")
        if items is not None:
            spec = {
                "level": (lambda v, p: c.choice(v, p, LEVELS), True),
                "kind": (lambda v, p: c.choice(v, p, RD_INSTITUTION_KINDS), False),
                "name": (c.text, False),
                "since": (c.date, False),
            }
            out["rd_institutions"] = [
                r
                for i, it in enumerate(items)
                if (r := c.record(it, f"rd_institutions[{i}]", spec)) is not None
            ]

    if raw.get("awards") is not None:
        items = c.listing(raw["awards"], "awards")
        if items is not None:
            spec = {
                "kind": (lambda v, p: c.choice(v, p, AWARD_KINDS), True),
                "level": (lambda v, p: c.choice(v, p, LEVELS), False),
                "rank": (lambda v, p: c.number(v, p, minimum=Fraction(1), whole=True), False),
                "group": (lambda v, p: c.choice(v, p, MAKER_GROUPS), False),
                "year": (c.year, True),
                "name": (c.text, False),
            }
            out["awards"] = []
            for i, it in enumerate(items):
                r = c.record(it, f"awards[{i}]", spec)
                if r is None:
                    continue
                if r.get("kind") in ("science_award", "quality_award") and "level" not in r:
                    c.bad(
                        f"awards[{i}].level",
                        "科技奖励、质量奖须注明级别",
                        "a science or quality award needs its level",
                    )
                if r.get("kind") == "maker_china" and "group" not in r:
                    c.bad(
                        f"awards[{i}].group",
                        "创客中国须注明 top50 或 top500",
                        "a maker_china entry needs group top50 or top500",
                    )
                out["awards"].append(r)

    def starts_ahead(r: dict, path: str, start: str, end: str) -> dict:
        """A title may be issued before it starts (a re-review renews from the old title's end): a start after
        today is accepted when the title ends on or after it. facts.py counts a title only from its start."""
        since = r.get(start)
        if since is None or since <= c.today or (end in r and r[end] >= since):
            return r
        del r[start]
        if end in r:
            until = r[end].isoformat()
            c.bad(
                f"{path}.{start}",
                f"开始日期不能晚于有效期截止日期（{until}）",
                f"must not be after the end of validity ({until})",
            )
        else:
            c.bad(
                f"{path}.{start}",
                f"日期不能晚于今天（{c.today.isoformat()}）",
                f"must not be after today ({c.today.isoformat()})",
            )
        return r

    if raw.get("honours") is not None:
        items = c.listing(raw["honours"], "honours")
        if items is not None:
            spec = {
                "kind": (lambda v, p: c.choice(v, p, HONOUR_KINDS), True),
                "valid_until": (lambda v, p: c.date(v, p, past=False), True),
                "since": (lambda v, p: c.date(v, p, past=False), False),
            }
            out["honours"] = [
                starts_ahead(r, f"honours[{i}]", "since", "valid_until")
                for i, it in enumerate(items)
                if (r := c.record(it, f"honours[{i}]", spec)) is not None
            ]

    if raw.get("recognitions") is not None:
        items = c.listing(raw["recognitions"], "recognitions")
        if items is not None:
            spec = {
                "tier": (lambda v, p: c.choice(v, p, TIERS), True),
                "since": (lambda v, p: c.date(v, p, past=False), True),
                "until": (lambda v, p: c.date(v, p, past=False), True),
                "level": (c.text, False),
            }
            out["recognitions"] = [
                starts_ahead(r, f"recognitions[{i}]", "since", "until")
                for i, it in enumerate(items)
                if (r := c.record(it, f"recognitions[{i}]", spec)) is not None
            ]

    if raw.get("standards") is not None:
        items = c.listing(raw["standards"], "standards")
        if items is not None:
            spec = {
                "level": (lambda v, p: c.choice(v, p, STANDARD_LEVELS), True),
                "role": (lambda v, p: c.choice(v, p, STANDARD_ROLES), True),
                "year": (c.year, True),
                "name": (c.text, False),
            }
            out["standards"] = [
                r for i, it in enumerate(items) if (r := c.record(it, f"standards[{i}]", spec)) is not None
            ]

    for key, fields in (("quality", QUALITY_FIELDS), ("compliance", COMPLIANCE_FIELDS)):
        if raw.get(key) is not None:
            spec = {f: (c.boolean, False) for f in fields}
            rec = c.record(raw[key], key, spec)
            if rec is not None:
                out[key] = rec

    if raw.get("main_product") is not None:
        share = lambda v, p: c.number(v, p, maximum=Fraction(1))  # noqa: E731
        spec = {
            "name": (c.text, False),
            "strategic_emerging": (c.boolean, False),
            "field": (lambda v, p: c.choice(v, p, PRODUCT_FIELDS), False),
            "key_field": (lambda v, p: c.choice(v, p, KEY_FIELDS), False),
            "supports_key_chain": (c.boolean, False),
            "national_market_share": (share, False),
            "international_market_share": (share, False),
            "domestic_rank": (lambda v, p: c.number(v, p, minimum=Fraction(1), whole=True), False),
        }
        rec = c.record(raw["main_product"], "main_product", spec)
        if rec is not None:
            # an explicit null for field/key_field means "none of these", which is a known answer
            for key in ("field", "key_field"):
                if (
                    isinstance(raw["main_product"], dict)
                    and key in raw["main_product"]
                    and raw["main_product"][key] is None
                ):
                    rec[key] = "none"
            out["main_product"] = rec

    low, high = VALUE_RANGES["digital_level"]
    opt(
        "digital_level",
        lambda v, p: c.number(v, p, minimum=Fraction(low), maximum=Fraction(high), whole=True),
    )
    opt("digital_score", lambda v, p: c.number(v, p, maximum=Fraction(VALUE_RANGES["digital_score"][1])))
    opt("core_business_on_information_system", c.boolean)

    if raw.get("development_score") is not None:
        scores = c.mapping(raw["development_score"], "development_score")
        if scores is not None:
            out["development_score"] = {}
            for year, value in scores.items():
                y = c.year(year, f"development_score.{year}")
                v = c.number(
                    value, f"development_score.{year}", maximum=Fraction(VALUE_RANGES["development_score"][1])
                )
                if y is not None and v is not None:
                    out["development_score"][y] = v

    if raw.get("local_indicators") is not None:
        local = c.mapping(raw["local_indicators"], "local_indicators")
        if local is not None:
            out["local_indicators"] = {}
            for key, value in local.items():
                if isinstance(value, bool) or value is None:
                    out["local_indicators"][key] = value
                else:
                    num = c.number(value, f"local_indicators.{key}", minimum=None)
                    if num is not None:
                        out["local_indicators"][key] = num

    if c.problems:
        raise ProfileInvalid(c.problems)
    return Profile(out, c.warnings)
