"""Facts: the flat, typed values every rule reads, derived from a validated profile.

Why flat: a rule says `rd_expense[y0] >= 1000000`, not "walk financials, find the
year". The same flat layout (per-year facts carry the year as a suffix,
`revenue_2023`) is the column layout of batch screening, so one profile and one row
of a registry are read by the same rules.

Lists are reduced here to counts, best levels and per-year best ranks. Which of
those a tier needs (Ⅰ类, 前三名, 近三年…) is the law and lives in the criteria files.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .profile import COMPLIANCE_FIELDS, QUALITY_FIELDS, Profile

NONE_RANK = Fraction(9999)  # "no such award that year": compares as worse than any real rank
NEVER = dt.date(1, 1, 1)  # "never held": an until-date before any as-of date
EVENT_YEARS_BACK = 15  # per-year event facts are filled this far back when their list is given

LEVEL_ORDER = {"none": 0, "below_municipal": 1, "municipal": 2, "provincial": 3, "national": 4}
STANDARD_ORDER = {"none": 0, "group": 1, "local": 2, "industry": 3, "national": 4, "international": 5}
SIZE_ORDER = {"micro": 1, "small": 2, "medium": 3, "large": 4}
MEMBER_ZH = {
    "none": "无",
    "below_municipal": "市级以下",
    "municipal": "市级",
    "provincial": "省级",
    "national": "国家级",
    "group": "团体标准",
    "local": "地方标准",
    "industry": "行业标准",
    "international": "国际标准",
    "micro": "微型",
    "small": "小型",
    "medium": "中型",
    "large": "大型",
    "chain_breakthrough": "产业链关键环节补短板/锻长板/填空白取得实效",
    "six_bases_or_laozihao_or_chain_leader_supplier": "工业“六基”/中华老字号/为龙头企业配套",
    "six_bases": "工业“六基”领域",
    "manufacturing_key_industries": "制造强国十大重点产业领域",
    "cyber_power": "网络强国建设领域",
}


@dataclass(frozen=True)
class FactSpec:
    """One fact: its type, where it comes from in the profile, and how a user can move it."""

    name: str
    kind: str  # money | count | ratio | bool | enum | date | score | number | text
    zh: str
    en: str
    yearly: bool = False
    path: str = ""  # profile path; {y} is replaced by the year
    lever: str | None = None  # "up" / "down": the direction a user can change it; None: not a lever
    enum: dict[str, int] | None = None


def _f(name, kind, zh, en, path, yearly=False, lever=None, enum=None):
    return FactSpec(name, kind, zh, en, yearly, path, lever, enum)


CATALOGUE: dict[str, FactSpec] = {
    s.name: s
    for s in [
        _f("employees", "count", "从业人员", "employees", "financials.{y}.employees", True, "up"),
        _f("rd_staff", "count", "研发人员", "R&D staff", "financials.{y}.rd_staff", True, "up"),
        _f(
            "tech_staff",
            "count",
            "科技人员",
            "science and technology staff",
            "financials.{y}.tech_staff",
            True,
            "up",
        ),
        _f("revenue", "money", "营业收入", "revenue", "financials.{y}.revenue", True, "up"),
        _f(
            "main_revenue",
            "money",
            "主营业务收入",
            "main business revenue",
            "financials.{y}.main_revenue",
            True,
            "up",
        ),
        _f("total_assets", "money", "资产总额", "total assets", "financials.{y}.total_assets", True, "up"),
        _f(
            "total_liabilities",
            "money",
            "负债总额",
            "total liabilities",
            "financials.{y}.total_liabilities",
            True,
            "down",
        ),
        _f("net_profit", "money", "净利润", "net profit", "financials.{y}.net_profit", True, "up"),
        _f("rd_expense", "money", "研发费用", "R&D expense", "financials.{y}.rd_expense", True, "up"),
        _f(
            "total_cost",
            "money",
            "成本费用总额",
            "total costs and expenses",
            "financials.{y}.total_cost",
            True,
            None,
        ),
        _f(
            "equity_qualified",
            "money",
            "合格机构投资者新增股权融资（实缴）",
            "new equity from qualified investors (paid in)",
            "equity_financing",
            True,
            "up",
        ),
        _f(
            "science_award_national_rank",
            "count",
            "国家级科技奖励最佳排名",
            "best rank in a national science award",
            "awards",
            True,
        ),
        _f(
            "science_award_provincial_rank",
            "count",
            "省级科技奖励最佳排名",
            "best rank in a provincial science award",
            "awards",
            True,
        ),
        _f(
            "maker_china_group",
            "count",
            "创客中国入围组别（50 强/500 强）",
            "Maker China group (top 50 / top 500)",
            "awards",
            True,
        ),
        _f(
            "standard_led_level",
            "enum",
            "主导制定标准的最高级别",
            "highest level of a standard led",
            "standards",
            True,
            enum=STANDARD_ORDER,
        ),
        _f(
            "development_score",
            "score",
            "专精特新发展评价得分",
            "specialised development evaluation score",
            "development_score.{y}",
            True,
        ),
        _f("established", "date", "成立日期", "date established", "established"),
        _f("niche_since", "date", "从事细分市场起始日期", "in the niche market since", "niche_since"),
        _f("industry", "text", "行业代码", "industry code", "industry"),
        _f("region", "text", "行政区划代码", "region code", "region"),
        _f("size_sector", "text", "划型行业", "size-rule sector", "size_sector"),
        _f(
            "ip_I_main",
            "count",
            "与主导产品相关的Ⅰ类知识产权",
            "class I IP related to the main product",
            "ip",
            lever="up",
        ),
        _f(
            "ip_I_main_self",
            "count",
            "自主研发的Ⅰ类知识产权（与主导产品相关）",
            "self-developed class I IP (main product)",
            "ip",
            lever="up",
        ),
        _f(
            "ip_I_main_high_value",
            "count",
            "Ⅰ类高价值知识产权（与主导产品相关）",
            "high-value class I IP (main product)",
            "ip",
            lever="up",
        ),
        _f(
            "ip_I_main_applied",
            "count",
            "已实际应用并产生经济效益的Ⅰ类知识产权（与主导产品相关）",
            "class I IP applied with economic benefit (main product)",
            "ip",
            lever="up",
        ),
        _f(
            "ip_I_main_self_applied",
            "count",
            "自主研发、已应用并产生效益的Ⅰ类知识产权（与主导产品相关）",
            "self-developed class I IP applied with benefit (main product)",
            "ip",
            lever="up",
        ),
        _f(
            "ip_II_main",
            "count",
            "与主导产品相关的Ⅱ类知识产权",
            "class II IP related to the main product",
            "ip",
            lever="up",
        ),
        _f(
            "rd_institution_level",
            "enum",
            "研发机构最高级别",
            "highest level of an R&D institution",
            "rd_institutions",
            lever="up",
            enum=LEVEL_ORDER,
        ),
        _f(
            "quality_award_level",
            "enum",
            "质量奖最高级别",
            "highest level of a quality award",
            "awards",
            enum=LEVEL_ORDER,
        ),
        *[
            _f(f"honour_{k}_until", "date", zh, en, "honours")
            for k, zh, en in [
                (
                    "high_tech_enterprise",
                    "高新技术企业证书有效期至",
                    "high-tech enterprise certificate valid until",
                ),
                (
                    "national_tech_innovation_demo",
                    "国家级技术创新示范企业有效期至",
                    "national technology innovation demonstration until",
                ),
                ("ip_advantage", "知识产权优势企业有效期至", "IP advantage enterprise until"),
                ("ip_demo", "知识产权示范企业有效期至", "IP demonstration enterprise until"),
                ("tech_sme", "科技型中小企业入库编号有效期至", "tech-based SME registration valid until"),
            ]
        ],
        *[
            _f(f"recognition_{k}_until", "date", zh, en, "recognitions")
            for k, zh, en in [
                ("innovative", "创新型中小企业称号有效期至", "innovative SME title valid until"),
                ("tech_sme", "科技型中小企业称号有效期至", "tech-based SME title valid until"),
                ("specialized", "专精特新中小企业称号有效期至", "specialised SME title valid until"),
                ("little_giant", "专精特新“小巨人”称号有效期至", "little giant title valid until"),
            ]
        ],
        _f(
            "management_system_cert",
            "bool",
            "取得质量管理体系认证",
            "certified quality management system",
            "quality.management_system_cert",
            lever="up",
        ),
        _f("own_brand", "bool", "拥有自主品牌", "owns its brand", "quality.own_brand", lever="up"),
        _f(
            "standards_participation",
            "bool",
            "参与制修订标准",
            "took part in drafting standards",
            "quality.standards_participation",
            lever="up",
        ),
        _f(
            "developed_market_product_cert",
            "bool",
            "产品通过发达国家和地区产品认证",
            "product certified in developed markets",
            "quality.developed_market_product_cert",
            lever="up",
        ),
        _f(
            "strategic_emerging",
            "bool",
            "主导产品属于战略性新兴产业",
            "main product in a strategic emerging industry",
            "main_product.strategic_emerging",
        ),
        _f(
            "product_field",
            "text",
            "主导产品所属领域（专精特新）",
            "main product field (specialised)",
            "main_product.field",
        ),
        _f(
            "product_key_field",
            "text",
            "主导产品所属领域（小巨人）",
            "main product key field (little giant)",
            "main_product.key_field",
        ),
        _f(
            "supports_key_chain",
            "bool",
            "位于产业链关键环节/为龙头企业配套",
            "at a key link of a key industrial chain",
            "main_product.supports_key_chain",
        ),
        _f(
            "national_market_share",
            "ratio",
            "主导产品全国细分市场占有率",
            "national niche market share",
            "main_product.national_market_share",
            lever="up",
        ),
        _f(
            "international_market_share",
            "ratio",
            "主导产品国际细分市场占有率",
            "international niche market share",
            "main_product.international_market_share",
            lever="up",
        ),
        _f(
            "domestic_rank",
            "count",
            "主导产品国内细分市场排名",
            "domestic rank of the main product",
            "main_product.domestic_rank",
            lever="down",
        ),
        _f("digital_level", "count", "数字化水平等级", "digital level", "digital_level", lever="up"),
        _f(
            "digital_score",
            "score",
            "数字化水平评测得分",
            "digital-level self-test score",
            "digital_score",
            lever="up",
        ),
        _f(
            "core_business_on_information_system",
            "bool",
            "核心业务采用信息系统支撑",
            "core business run on an information system",
            "core_business_on_information_system",
            lever="up",
        ),
        _f(
            "abnormal_operation_list",
            "bool",
            "列入经营异常名录",
            "on the abnormal-operation list",
            "compliance.abnormal_operation_list",
        ),
        _f(
            "seriously_dishonest",
            "bool",
            "列入严重失信主体名单",
            "on the serious-dishonesty list",
            "compliance.seriously_dishonest",
        ),
        _f(
            "prohibited_products",
            "bool",
            "产品（服务）属于国家禁止、限制或淘汰类",
            "products prohibited, restricted or obsolete",
            "compliance.prohibited_products",
        ),
        _f(
            "major_incident_last_3_years",
            "bool",
            "近三年发生重大安全、质量、环境等事故或违法行为",
            "major incident or violation in the last 3 years",
            "compliance.major_incident_last_3_years",
        ),
        _f(
            "research_misconduct",
            "bool",
            "发生科研严重失信行为",
            "serious research misconduct",
            "compliance.research_misconduct",
        ),
        _f(
            "rd_deduction_excluded_industry",
            "bool",
            "属于不适用研发费用加计扣除的行业",
            "in an industry excluded from the R&D super-deduction",
            "compliance.rd_deduction_excluded_industry",
        ),
        _f("is_review", "bool", "本次为复核", "this assessment is a re-review", "(assessment: --review)"),
        _f("size_class", "enum", "企业规模", "size class", "size.class", enum=SIZE_ORDER),
        _f("size_is_sme", "bool", "属于中小企业", "is an SME", "size.class"),
        _f("size_sector_derived", "text", "划型行业", "size-rule sector", "size.class"),
    ]
}


@dataclass
class FactSet:
    """Flat facts of one profile as of one date, and the profile path behind each key."""

    values: dict[str, Any]
    fiscal_year: int
    as_of: dt.date

    def path_of(self, key: str) -> str:
        """The profile field a user fills in to give this fact (financials.2023.revenue)."""
        name, year = split_key(key)
        if name.startswith("local_"):
            return f"local_indicators.{name[6:]}"
        spec = CATALOGUE.get(name)
        if spec is None:
            return key
        return spec.path.replace("{y}", str(year)) if year is not None else spec.path


def split_key(key: str) -> tuple[str, int | None]:
    head, _, tail = key.rpartition("_")
    if head and len(tail) == 4 and tail.isdigit() and CATALOGUE.get(head) and CATALOGUE[head].yearly:
        return head, int(tail)
    return key, None


def flatten(profile: Profile, as_of: dt.date, is_review: bool = False) -> FactSet:
    """Reduce a validated profile to flat facts as of `as_of` (the last fiscal year is as_of.year - 1)."""
    p = profile.data
    v: dict[str, Any] = {"is_review": is_review}
    event_years = range(as_of.year - EVENT_YEARS_BACK, as_of.year + 1)

    for key in (
        "established",
        "niche_since",
        "industry",
        "region",
        "size_sector",
        "digital_level",
        "digital_score",
        "core_business_on_information_system",
    ):
        if key in p:
            v[key] = p[key]
    for year, row in p.get("financials", {}).items():
        for key, value in row.items():
            v[f"{key}_{year}"] = value
    for year, score in p.get("development_score", {}).items():
        v[f"development_score_{year}"] = score

    if "equity_financing" in p:
        for y in event_years:
            v[f"equity_qualified_{y}"] = Fraction(0)
        for item in p["equity_financing"]:
            if (
                item.get("qualified_investor")
                and "date" in item
                and "amount" in item
                and item["date"] <= as_of
            ):
                key = f"equity_qualified_{item['date'].year}"
                v[key] = v.get(key, Fraction(0)) + item["amount"]

    if "ip" in p:
        valid = [
            i
            for i in p["ip"]
            if (i.get("granted") is None or i["granted"] <= as_of)
            and (i.get("expires") is None or i["expires"] >= as_of)
        ]
        main = [i for i in valid if i.get("related_to_main_product")]
        one = [i for i in main if i.get("category") == "I"]
        v["ip_I_main"] = Fraction(len(one))
        v["ip_I_main_self"] = Fraction(sum(1 for i in one if i.get("self_developed")))
        v["ip_I_main_high_value"] = Fraction(sum(1 for i in one if i.get("high_value")))
        v["ip_I_main_applied"] = Fraction(sum(1 for i in one if i.get("applied_with_benefit")))
        v["ip_I_main_self_applied"] = Fraction(
            sum(1 for i in one if i.get("applied_with_benefit") and i.get("self_developed"))
        )
        v["ip_II_main"] = Fraction(sum(1 for i in main if i.get("category") == "II"))

    if "rd_institutions" in p:
        v["rd_institution_level"] = Fraction(
            max([LEVEL_ORDER[i["level"]] for i in p["rd_institutions"] if "level" in i], default=0)
        )

    if "awards" in p:
        for y in event_years:
            v[f"science_award_national_rank_{y}"] = NONE_RANK
            v[f"science_award_provincial_rank_{y}"] = NONE_RANK
            v[f"maker_china_group_{y}"] = NONE_RANK
        ranks: dict[str, list] = {}
        best_quality = 0
        for a in p["awards"]:
            year = a.get("year")
            if year is None or year > as_of.year:
                continue
            if a["kind"] == "science_award" and a.get("level") in ("national", "provincial"):
                ranks.setdefault(f"science_award_{a['level']}_rank_{year}", []).append(a.get("rank"))
            elif a["kind"] == "maker_china" and a.get("group"):
                key = f"maker_china_group_{year}"
                v[key] = min(v.get(key, NONE_RANK), Fraction(50 if a["group"] == "top50" else 500))
            elif a["kind"] == "quality_award" and a.get("level"):
                best_quality = max(best_quality, LEVEL_ORDER[a["level"]])
        for key, listed in ranks.items():
            known = [r for r in listed if r is not None]
            # an award given without its rank leaves the best rank open, unless a first place is known
            v[key] = min(known) if known and (len(known) == len(listed) or min(known) == 1) else None
        v["quality_award_level"] = Fraction(best_quality)

    if "standards" in p:
        for y in event_years:
            v[f"standard_led_level_{y}"] = Fraction(0)
        for s in p["standards"]:
            if s.get("role") == "lead" and s.get("year", as_of.year + 1) <= as_of.year:
                key = f"standard_led_level_{s['year']}"
                v[key] = max(v.get(key, Fraction(0)), Fraction(STANDARD_ORDER[s["level"]]))

    if "honours" in p:
        for kind in (
            "high_tech_enterprise",
            "national_tech_innovation_demo",
            "ip_advantage",
            "ip_demo",
            "tech_sme",
        ):
            held = [
                h["valid_until"]
                for h in p["honours"]
                if h.get("kind") == kind
                and "valid_until" in h
                and (h.get("since") is None or h["since"] <= as_of)
            ]
            v[f"honour_{kind}_until"] = max(held, default=NEVER)

    if "recognitions" in p:
        for tier in ("innovative", "tech_sme", "specialized", "little_giant"):
            held = [
                r["until"]
                for r in p["recognitions"]
                if r.get("tier") == tier and "until" in r and r.get("since", NEVER) <= as_of
            ]
            v[f"recognition_{tier}_until"] = max(held, default=NEVER)

    for key, fields in (
        ("quality", QUALITY_FIELDS),
        ("compliance", COMPLIANCE_FIELDS),
    ):
        for f in fields:
            if f in p.get(key, {}):
                v[f] = p[key][f]

    mp = p.get("main_product", {})
    for src, dst in (
        ("strategic_emerging", "strategic_emerging"),
        ("field", "product_field"),
        ("key_field", "product_key_field"),
        ("supports_key_chain", "supports_key_chain"),
        ("national_market_share", "national_market_share"),
        ("international_market_share", "international_market_share"),
        ("domestic_rank", "domestic_rank"),
    ):
        if src in mp:
            v[dst] = mp[src]

    for key, value in p.get("local_indicators", {}).items():
        if value is not None:
            v[f"local_{key}"] = value

    return FactSet(v, as_of.year - 1, as_of)
