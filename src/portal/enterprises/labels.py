"""Chinese names of the profile's sections, fields and enumerated values.

One table shared by the editor, the Excel template and the read-only view, so a field is
called the same thing on every page and in every error message. Values come from the
contract (portal.assessments.engine.profile_vocabulary); only the names live here.
"""

from __future__ import annotations

from functools import cache

from portal.assessments import engine

SECTIONS = {
    "basic": "基本信息",
    "financials": "财务数据",
    "equity_financing": "股权融资",
    "ip": "知识产权",
    "rd_institutions": "研发机构",
    "awards": "奖项",
    "honours": "荣誉资质",
    "standards": "主导制定标准",
    "quality": "质量与品牌",
    "main_product": "主导产品",
    "digital": "数字化水平",
    "development_score": "发展评价得分",
    "local_indicators": "地方特色指标",
    "compliance": "合规声明",
    "recognitions": "已获认定",
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
    "name": "企业名称",
    "credit_code": "统一社会信用代码",
    "region": "注册地行政区划代码",
    "industry": "国民经济行业代码",
    "size_sector": "划型行业（留空则按行业代码判定）",
    "established": "成立日期",
    "niche_since": "从事细分市场起始日期",
}

# Yearly financial facts in the order the editor and the template show them; "money" ones are in 万元.
FINANCIAL = {
    "employees": ("从业人员", "人"),
    "revenue": ("营业收入", "万元"),
    "main_revenue": ("主营业务收入", "万元"),
    "rd_staff": ("研发人员", "人"),
    "rd_expense": ("研发费用", "万元"),
    "total_assets": ("资产总额", "万元"),
    "total_liabilities": ("负债总额", "万元"),
    "net_profit": ("净利润", "万元"),
}
MONEY_FIELDS = ("revenue", "main_revenue", "rd_expense", "total_assets", "total_liabilities", "net_profit")
COUNT_FIELDS = ("employees", "rd_staff")

EQUITY = {"date": "融资日期", "amount": "金额（万元）", "qualified_investor": "合格机构投资者实缴"}

IP = {
    "type": "类型",
    "category": "类别",
    "name": "名称",
    "number": "证书号/登记号",
    "granted": "授权日期",
    "related_to_main_product": "与主导产品相关",
    "self_developed": "自主研发（非受让）",
    "high_value": "高价值",
    "applied_with_benefit": "已实际应用并产生经济效益",
}
IP_FLAGS = ("related_to_main_product", "self_developed", "high_value", "applied_with_benefit")
IP_CATEGORY = {"I": "Ⅰ类", "II": "Ⅱ类"}

RD = {"level": "级别", "kind": "类型", "name": "名称", "since": "认定日期"}
AWARD = {
    "kind": "奖项类别",
    "level": "级别",
    "rank": "排名（第几完成单位）",
    "group": "创客中国组别",
    "year": "获奖年度",
    "name": "奖项名称",
}
HONOUR = {"kind": "资质类别", "since": "取得日期", "valid_until": "有效期至"}
STANDARD = {"level": "标准级别", "role": "本企业角色", "year": "发布年度", "name": "标准号和名称"}
DEVELOPMENT_SCORE = "专精特新发展评价得分"

QUALITY = {
    "management_system_cert": "取得质量管理体系认证",
    "own_brand": "拥有自主品牌",
    "standards_participation": "参与制修订标准",
    "developed_market_product_cert": "产品通过发达国家和地区产品认证",
}
PRODUCT = {
    "name": "主导产品名称",
    "strategic_emerging": "属于战略性新兴产业",
    "field": "所属领域（专精特新）",
    "key_field": "所属领域（小巨人）",
    "supports_key_chain": "位于产业链关键环节/为龙头企业配套",
    "national_market_share": "全国细分市场占有率（%）",
    "international_market_share": "国际细分市场占有率（%）",
    "domestic_rank": "国内细分市场排名",
}
DIGITAL = {
    "digital_level": "数字化水平等级",
    "digital_score": "数字化水平评测得分",
    "core_business_on_information_system": "核心业务采用信息系统支撑",
}
COMPLIANCE = {
    "abnormal_operation_list": "列入经营异常名录",
    "seriously_dishonest": "列入严重失信主体名单",
    "prohibited_products": "产品（服务）属于国家禁止、限制或淘汰类",
    "major_incident_last_3_years": "近三年发生重大安全、质量、环境等事故或违法行为",
    "research_misconduct": "发生科研严重失信行为",
    "rd_deduction_excluded_industry": "属于不适用研发费用加计扣除的行业",
}

SIZE_SECTOR = {
    "agriculture": "农、林、牧、渔业",
    "industry": "工业",
    "construction": "建筑业",
    "wholesale": "批发业",
    "retail": "零售业",
    "transport": "交通运输业",
    "warehousing": "仓储业",
    "postal": "邮政业",
    "accommodation": "住宿业",
    "catering": "餐饮业",
    "information_transmission": "信息传输业",
    "software_it": "软件和信息技术服务业",
    "real_estate_development": "房地产开发经营",
    "property_management": "物业管理",
    "leasing_business": "租赁和商务服务业",
    "other": "其他未列明行业",
}
LEVEL = {"national": "国家级", "provincial": "省级", "municipal": "市级", "below_municipal": "市级以下"}
HONOUR_KIND = {
    "high_tech_enterprise": "高新技术企业",
    "national_tech_innovation_demo": "国家技术创新示范企业",
    "ip_advantage": "国家知识产权优势企业",
    "ip_demo": "国家知识产权示范企业",
    "tech_sme": "科技型中小企业（入库）",
}
TIER = {
    "innovative": "创新型中小企业",
    "tech_sme": "科技型中小企业",
    "specialized": "专精特新中小企业",
    "little_giant": "专精特新“小巨人”企业",
}
STANDARD_LEVEL = {
    "international": "国际标准",
    "national": "国家标准",
    "industry": "行业标准",
    "local": "地方标准",
    "group": "团体标准",
}
STANDARD_ROLE = {"lead": "主导制定", "participant": "参与制定"}
AWARD_KIND = {"science_award": "科技奖励", "maker_china": "创客中国大赛", "quality_award": "质量奖"}
MAKER_GROUP = {"top50": "全国 50 强", "top500": "全国 500 强"}
PRODUCT_FIELD = {
    "chain_breakthrough": "补短板、锻长板、填空白并取得成果",
    "six_bases_or_laozihao_or_chain_leader_supplier": "工业“六基”、中华老字号或为产业链龙头企业配套",
    "none": "不属于上述领域",
}
KEY_FIELD = {
    "six_bases": "工业“六基”",
    "manufacturing_key_industries": "制造强国战略十大重点产业",
    "cyber_power": "网络强国建设领域",
    "none": "不属于上述领域",
}
RD_KIND = {
    "enterprise_technology_center": "企业技术中心",
    "engineering_research_center": "工程研究中心",
    "engineering_technology_center": "工程技术研究中心",
    "key_laboratory": "重点实验室",
    "academician_workstation": "院士工作站",
    "postdoctoral_workstation": "博士后科研工作站",
    "research_institute": "研究院（所）",
    "industrial_design_center": "工业设计中心",
    "other": "其他",
}
DIGITAL_LEVEL = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}
BOOL = {True: "是", False: "否"}


@cache
def ip_type() -> dict[str, str]:
    """IP type id → Chinese name, from criteria/common/ip-types.yaml (the engine's own list)."""
    return {key: str(spec.get("zh") or key) for key, spec in engine.ip_types().items()}


@cache
def local_fact_names() -> dict[str, str]:
    """local_indicators id → Chinese name, from the rule data (every province's overlay and the national default)."""
    return engine.local_fact_names()


def local_fact_name(key: str) -> str:
    return local_fact_names().get(key, key)


def choices(table: dict, blank: str | None = "未填写") -> list[tuple[str, str]]:
    """Form choices from a label table, with a leading blank meaning "unknown"."""
    out = [("", blank)] if blank is not None else []
    return out + [(str(k), v) for k, v in table.items()]


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
