"""Chinese names of the profile's sections, fields and enumerated values.

One table shared by the editor, the Excel template and the read-only view, so a field is
called the same thing on every page and in every error message. Values come from the
contract (portal.assessments.engine.profile_vocabulary); only the names live here.
The names stay Chinese strings (the Excel template and its parser match them); gettext_noop only
marks them for makemessages, and pages translate them when they show them.
"""

from __future__ import annotations

from functools import cache

from django.utils.translation import get_language, gettext_lazy, gettext_noop

from portal.assessments import engine

SECTIONS = {
    "basic": gettext_noop("基本信息"),
    "financials": gettext_noop("财务数据"),
    "equity_financing": gettext_noop("股权融资"),
    "ip": gettext_noop("知识产权"),
    "rd_institutions": gettext_noop("研发机构"),
    "awards": gettext_noop("奖项"),
    "honours": gettext_noop("荣誉资质"),
    "standards": gettext_noop("主导制定标准"),
    "quality": gettext_noop("质量与品牌"),
    "main_product": gettext_noop("主导产品"),
    "digital": gettext_noop("数字化水平"),
    "development_score": gettext_noop("发展评价得分"),
    "local_indicators": gettext_noop("地方特色指标"),
    "compliance": gettext_noop("合规声明"),
    "recognitions": gettext_noop("已获认定"),
}

# Top-level document key → editor section (used to say which section an edit changed).
KEY_SECTION = {
    "name": "basic",
    "credit_code": "basic",
    "region": "basic",
    "industry": "basic",
    "size_sector": "basic",
    "established": "basic",
    "niche_since": "basic",
    "financials": "financials",
    "equity_financing": "equity_financing",
    "ip": "ip",
    "rd_institutions": "rd_institutions",
    "awards": "awards",
    "honours": "honours",
    "standards": "standards",
    "quality": "quality",
    "main_product": "main_product",
    "digital_level": "digital",
    "digital_score": "digital",
    "core_business_on_information_system": "digital",
    "development_score": "development_score",
    "local_indicators": "local_indicators",
    "compliance": "compliance",
    "recognitions": "recognitions",
}

BASIC = {
    "name": gettext_noop("企业名称"),
    "credit_code": gettext_noop("统一社会信用代码"),
    "region": gettext_noop("注册地行政区划代码"),
    "industry": gettext_noop("国民经济行业代码"),
    "size_sector": gettext_noop("划型行业（留空则按行业代码判定）"),
    "established": gettext_noop("成立日期"),
    "niche_since": gettext_noop("从事细分市场起始日期"),
}

# Yearly financial facts in the order the editor and the template show them; "money" ones are in 万元.
# tech_staff and total_cost come last: only the 科技型中小企业 evaluation reads them, and older
# workbooks (matched by header, not position) simply lack those two columns.
FINANCIAL = {
    "employees": (gettext_noop("从业人员"), gettext_noop("人")),
    "revenue": (gettext_noop("营业收入"), gettext_noop("万元")),
    "main_revenue": (gettext_noop("主营业务收入"), gettext_noop("万元")),
    "rd_staff": (gettext_noop("研发人员"), gettext_noop("人")),
    "rd_expense": (gettext_noop("研发费用"), gettext_noop("万元")),
    "total_assets": (gettext_noop("资产总额"), gettext_noop("万元")),
    "total_liabilities": (gettext_noop("负债总额"), gettext_noop("万元")),
    "net_profit": (gettext_noop("净利润"), gettext_noop("万元")),
    "tech_staff": (gettext_noop("科技人员"), gettext_noop("人")),
    "total_cost": (gettext_noop("成本费用支出总额"), gettext_noop("万元")),
}
MONEY_FIELDS = (
    "revenue",
    "main_revenue",
    "rd_expense",
    "total_assets",
    "total_liabilities",
    "net_profit",
    "total_cost",
)
COUNT_FIELDS = ("employees", "rd_staff", "tech_staff")

EQUITY = {
    "date": gettext_noop("融资日期"),
    "amount": gettext_noop("金额（万元）"),
    "qualified_investor": gettext_noop("合格机构投资者实缴"),
}

IP = {
    "type": gettext_noop("类型"),
    "category": gettext_noop("类别"),
    "name": gettext_noop("名称"),
    "number": gettext_noop("证书号/登记号"),
    "granted": gettext_noop("授权日期"),
    "related_to_main_product": gettext_noop("与主导产品相关"),
    "self_developed": gettext_noop("自主研发（非受让）"),
    "high_value": gettext_noop("高价值"),
    "applied_with_benefit": gettext_noop("已实际应用并产生经济效益"),
}
IP_FLAGS = ("related_to_main_product", "self_developed", "high_value", "applied_with_benefit")
IP_CATEGORY = {"I": gettext_noop("Ⅰ类"), "II": gettext_noop("Ⅱ类")}

RD = {
    "level": gettext_noop("级别"),
    "kind": gettext_noop("类型"),
    "name": gettext_noop("名称"),
    "since": gettext_noop("认定日期"),
}
AWARD = {
    "kind": gettext_noop("奖项类别"),
    "level": gettext_noop("级别"),
    "rank": gettext_noop("排名（第几完成单位）"),
    "group": gettext_noop("创客中国组别"),
    "year": gettext_noop("获奖年度"),
    "name": gettext_noop("奖项名称"),
}
HONOUR = {
    "kind": gettext_noop("资质类别"),
    "since": gettext_noop("取得日期"),
    "valid_until": gettext_noop("有效期至"),
}
STANDARD = {
    "level": gettext_noop("标准级别"),
    "role": gettext_noop("本企业角色"),
    "year": gettext_noop("发布年度"),
    "name": gettext_noop("标准号和名称"),
}
DEVELOPMENT_SCORE = gettext_noop("专精特新发展评价得分")

QUALITY = {
    "management_system_cert": gettext_noop("取得质量管理体系认证"),
    "own_brand": gettext_noop("拥有自主品牌"),
    "standards_participation": gettext_noop("参与制修订标准"),
    "developed_market_product_cert": gettext_noop("产品通过发达国家和地区产品认证"),
}
PRODUCT = {
    "name": gettext_noop("主导产品名称"),
    "strategic_emerging": gettext_noop("属于战略性新兴产业"),
    "field": gettext_noop("所属领域（专精特新）"),
    "key_field": gettext_noop("所属领域（小巨人）"),
    "supports_key_chain": gettext_noop("位于产业链关键环节/为龙头企业配套"),
    "national_market_share": gettext_noop("全国细分市场占有率（%）"),
    "international_market_share": gettext_noop("国际细分市场占有率（%）"),
    "domestic_rank": gettext_noop("国内细分市场排名"),
}
DIGITAL = {
    "digital_level": gettext_noop("数字化水平等级"),
    "digital_score": gettext_noop("数字化水平评测得分"),
    "core_business_on_information_system": gettext_noop("核心业务采用信息系统支撑"),
}
COMPLIANCE = {
    "abnormal_operation_list": gettext_noop("列入经营异常名录"),
    "seriously_dishonest": gettext_noop("列入严重失信主体名单"),
    "prohibited_products": gettext_noop("产品（服务）属于国家禁止、限制或淘汰类"),
    "major_incident_last_3_years": gettext_noop("近三年发生重大安全、质量、环境等事故或违法行为"),
    "research_misconduct": gettext_noop("发生科研严重失信行为"),
    "rd_deduction_excluded_industry": gettext_noop("属于不适用研发费用加计扣除的行业"),
}

SIZE_SECTOR = {
    "agriculture": gettext_noop("农、林、牧、渔业"),
    "industry": gettext_noop("工业"),
    "construction": gettext_noop("建筑业"),
    "wholesale": gettext_noop("批发业"),
    "retail": gettext_noop("零售业"),
    "transport": gettext_noop("交通运输业"),
    "warehousing": gettext_noop("仓储业"),
    "postal": gettext_noop("邮政业"),
    "accommodation": gettext_noop("住宿业"),
    "catering": gettext_noop("餐饮业"),
    "information_transmission": gettext_noop("信息传输业"),
    "software_it": gettext_noop("软件和信息技术服务业"),
    "real_estate_development": gettext_noop("房地产开发经营"),
    "property_management": gettext_noop("物业管理"),
    "leasing_business": gettext_noop("租赁和商务服务业"),
    "other": gettext_noop("其他未列明行业"),
}
LEVEL = {
    "national": gettext_noop("国家级"),
    "provincial": gettext_noop("省级"),
    "municipal": gettext_noop("市级"),
    "below_municipal": gettext_noop("市级以下"),
}
HONOUR_KIND = {
    "high_tech_enterprise": gettext_noop("高新技术企业"),
    "national_tech_innovation_demo": gettext_noop("国家技术创新示范企业"),
    "ip_advantage": gettext_noop("国家知识产权优势企业"),
    "ip_demo": gettext_noop("国家知识产权示范企业"),
    "tech_sme": gettext_noop("科技型中小企业（入库）"),
}
TIER = {
    "innovative": gettext_noop("创新型中小企业"),
    "tech_sme": gettext_noop("科技型中小企业"),
    "specialized": gettext_noop("专精特新中小企业"),
    "little_giant": gettext_noop("专精特新“小巨人”企业"),
}
STANDARD_LEVEL = {
    "international": gettext_noop("国际标准"),
    "national": gettext_noop("国家标准"),
    "industry": gettext_noop("行业标准"),
    "local": gettext_noop("地方标准"),
    "group": gettext_noop("团体标准"),
}
STANDARD_ROLE = {"lead": gettext_noop("主导制定"), "participant": gettext_noop("参与制定")}
AWARD_KIND = {
    "science_award": gettext_noop("科技奖励"),
    "maker_china": gettext_noop("创客中国大赛"),
    "quality_award": gettext_noop("质量奖"),
}
MAKER_GROUP = {"top50": gettext_noop("全国 50 强"), "top500": gettext_noop("全国 500 强")}
PRODUCT_FIELD = {
    "chain_breakthrough": gettext_noop("补短板、锻长板、填空白并取得成果"),
    "six_bases_or_laozihao_or_chain_leader_supplier": gettext_noop(
        "工业“六基”、中华老字号或为产业链龙头企业配套"
    ),
    "none": gettext_noop("不属于上述领域"),
}
KEY_FIELD = {
    "six_bases": gettext_noop("工业“六基”"),
    "manufacturing_key_industries": gettext_noop("制造强国战略十大重点产业"),
    "cyber_power": gettext_noop("网络强国建设领域"),
    "none": gettext_noop("不属于上述领域"),
}
RD_KIND = {
    "enterprise_technology_center": gettext_noop("企业技术中心"),
    "engineering_research_center": gettext_noop("工程研究中心"),
    "engineering_technology_center": gettext_noop("工程技术研究中心"),
    "key_laboratory": gettext_noop("重点实验室"),
    "academician_workstation": gettext_noop("院士工作站"),
    "postdoctoral_workstation": gettext_noop("博士后科研工作站"),
    "research_institute": gettext_noop("研究院（所）"),
    "industrial_design_center": gettext_noop("工业设计中心"),
    "other": gettext_noop("其他"),
}
DIGITAL_LEVEL = {
    1: gettext_noop("一级"),
    2: gettext_noop("二级"),
    3: gettext_noop("三级"),
    4: gettext_noop("四级"),
}
BOOL = {True: gettext_noop("是"), False: gettext_noop("否")}


@cache
def ip_type() -> dict[str, str]:
    """IP type id → Chinese name, from criteria/common/ip-types.yaml (the engine's own list)."""
    return {key: str(spec.get("zh") or key) for key, spec in engine.ip_types().items()}


def english() -> bool:
    return (get_language() or "").startswith("en")


def shown(spec: dict) -> str:
    """A name from the rule data ({"zh": …, "en": …}) in the page's language (Chinese when no English)."""
    return str((spec.get("en") if english() else None) or spec.get("zh") or "")


def ip_type_shown() -> dict[str, str]:
    """IP type id → name in the page's language (ip_type() stays Chinese for the Excel template)."""
    return {key: shown(spec) or key for key, spec in engine.ip_types().items()} if english() else ip_type()


@cache
def local_fact_names() -> dict[str, str]:
    """local_indicators id → Chinese name, from the rule data (every province's overlay and the national default)."""
    return engine.local_fact_names()


def local_fact_name(key: str) -> str:
    return local_fact_names().get(key, key)


def choices(table: dict, blank: str | None = gettext_noop("未填写")) -> list[tuple[str, str]]:
    """Form choices from a label table, with a leading blank meaning "unknown" (shown in the page's language)."""
    out = [("", gettext_lazy(blank))] if blank is not None else []
    return out + [(str(k), gettext_lazy(v)) for k, v in table.items()]


def check_vocabulary() -> list[str]:
    """Values the engine accepts that have no Chinese name here (a test keeps this empty)."""
    vocab = {**engine.profile_vocabulary(), **engine.standard_vocabulary()}
    tables = {
        "size_sector": SIZE_SECTOR,
        "level": LEVEL,
        "honour_kind": HONOUR_KIND,
        "tier": TIER,
        "award_kind": AWARD_KIND,
        "maker_group": MAKER_GROUP,
        "product_field": PRODUCT_FIELD,
        "key_field": KEY_FIELD,
        "rd_institution_kind": RD_KIND,
        "quality": QUALITY,
        "compliance": COMPLIANCE,
        "standard_level": STANDARD_LEVEL,
        "standard_role": STANDARD_ROLE,
    }
    return [f"{name}.{v}" for name, table in tables.items() for v in vocab[name] if v not in table]
