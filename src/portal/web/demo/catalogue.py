"""The fixed facts the demo is built from: where enterprises sit, what they make, who reviews them.

Region codes are real GB/T 2260 codes and industry codes real GB/T 4754-2017 codes; the loader
checks each against portal.assessments.engine before using it, so a code-list update that drops
one fails loudly instead of writing a profile the engine refuses.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.accounts.roles import Role

# County → how many demo enterprises are registered there. The two provincial hierarchies the
# tests use (浙江 330000 → 杭州 330100 → 西湖区 330106 / 余杭区 330110; 四川 510000 → 成都 510100 →
# 武侯区 510107; 德阳 510600) carry most of them; a few other provinces show the national view.
COUNTIES: dict[str, int] = {
    # 浙江
    "330106": 7,  # 杭州市西湖区
    "330110": 6,  # 杭州市余杭区
    "330108": 5,  # 杭州市滨江区
    "330102": 2,  # 杭州市上城区
    "330212": 5,  # 宁波市鄞州区
    "330206": 3,  # 宁波市北仑区
    # 四川
    "510107": 6,  # 成都市武侯区
    "510104": 4,  # 成都市锦江区
    "510116": 3,  # 成都市双流区
    "510603": 5,  # 德阳市旌阳区
    "510681": 2,  # 德阳市广汉市
    # other provinces
    "440305": 3,  # 深圳市南山区
    "320505": 3,  # 苏州市虎丘区
    "110108": 2,  # 北京市海淀区
    "310115": 2,  # 上海市浦东新区
    "420111": 2,  # 武汉市洪山区
}

# City name used at the front of a company name, by the first 4 digits of the county code.
CITY_SHORT = {
    "3301": "杭州",
    "3302": "宁波",
    "5101": "成都",
    "5106": "德阳",
    "4403": "深圳",
    "3205": "苏州",
    "1101": "北京",
    "3101": "上海",
    "4201": "武汉",
}


@dataclass(frozen=True)
class Line:
    """An industry line: GB/T 4754 code, the word in company names, suffix, main products."""

    code: str
    word: str
    suffix: str
    products: tuple[str, ...]
    patents: tuple[str, ...] = ()


# Lines by archetype (see profiles.py). Company names come out like 杭州恒拓精密机械有限公司.
LINES: dict[str, tuple[Line, ...]] = {
    "little_giant": (
        Line(
            "C3484",
            "精密机械",
            "有限公司",
            ("精密行星减速器", "谐波减速器"),
            ("一种精密行星减速器", "谐波减速器柔轮加工方法"),
        ),
        Line(
            "C3491",
            "智能装备",
            "股份有限公司",
            ("六轴工业机器人", "协作机器人关节模组"),
            ("一种协作机器人关节力矩控制方法",),
        ),
        Line("C3444", "液压", "科技有限公司", ("高压柱塞泵", "电液比例阀"), ("一种高压轴向柱塞泵配流结构",)),
        Line(
            "C3562", "半导体装备", "有限公司", ("晶圆清洗设备", "刻蚀机腔体部件"), ("一种单片晶圆清洗装置",)
        ),
        Line(
            "C3985",
            "电子材料",
            "股份有限公司",
            ("高纯溅射靶材", "电子级氢氟酸"),
            ("一种高纯钼溅射靶材的制备方法",),
        ),
        Line(
            "C4011", "自动化", "技术有限公司", ("分布式控制系统", "伺服驱动器"), ("一种多轴伺服同步控制方法",)
        ),
    ),
    "specialized": (
        Line("I6513", "软件", "有限公司", ("工业数据中台", "智能排产系统"), ("一种工业时序数据压缩方法",)),
        Line("I6520", "微电子", "科技有限公司", ("电源管理芯片", "MCU 芯片"), ("一种低功耗带隙基准电路",)),
        Line(
            "C3976",
            "光电",
            "科技有限公司",
            ("激光雷达光学模组", "红外探测器"),
            ("一种激光雷达光学窗口镀膜方法",),
        ),
        Line("C3525", "模具", "有限公司", ("汽车覆盖件模具", "精密注塑模具"), ("一种汽车覆盖件冲压模具",)),
        Line(
            "C3841",
            "新能源",
            "科技有限公司",
            ("储能电池模组", "动力电池管理系统"),
            ("一种储能电池热管理结构",),
        ),
        Line(
            "C3983",
            "传感技术",
            "有限公司",
            ("MEMS 压力传感器", "温湿度传感器"),
            ("一种 MEMS 压阻式压力传感器",),
        ),
        Line(
            "C2761",
            "生物医药",
            "有限公司",
            ("重组蛋白药物", "诊断用抗体原料"),
            ("一种重组人源化单克隆抗体的纯化方法",),
        ),
    ),
    "tech_innovative": (
        Line(
            "I6513",
            "信息技术",
            "有限公司",
            ("中小企业财务云平台", "门店数字化系统"),
            ("一种票据图像识别方法",),
        ),
        Line("I6511", "数据科技", "有限公司", ("嵌入式数据库", "国产化中间件"), ("一种时序数据库存储引擎",)),
        Line(
            "M7320", "检测技术", "有限公司", ("材料检测服务", "失效分析服务"), ("一种金属疲劳裂纹检测方法",)
        ),
        Line("C3581", "医疗器械", "有限公司", ("便携式监护仪", "超声探头"), ("一种便携式多参数监护装置",)),
        Line("C3982", "电子", "科技有限公司", ("柔性电路板", "高频电路板"), ("一种柔性电路板补强结构",)),
        Line("M7340", "生物科技", "有限公司", ("细胞治疗技术服务", "类器官模型"), ("一种肿瘤类器官培养基",)),
    ),
    "none": (
        Line("F5123", "农产品贸易", "有限公司", ("时令果蔬批发",)),
        Line("H6210", "餐饮管理", "有限公司", ("连锁中餐",)),
        Line("C1830", "服饰", "有限公司", ("男士衬衫",)),
        Line("C1713", "印染", "有限公司", ("棉布印染加工",)),
        Line("F5176", "电脑商贸", "有限公司", ("计算机及配件批发",)),
        Line("C1431", "食品", "有限公司", ("鲜湿米粉",)),
    ),
    "missing": (
        Line("C3525", "模具", "有限公司", ("汽车注塑模具",)),
        Line("C2929", "塑业", "有限公司", ("家电塑料件",)),
        Line("C3484", "五金机械", "有限公司", ("紧固件",)),
    ),
}

# 字号 (the distinctive part of a company name) for when Faker's own two-character prefixes run out.
TRADE_NAME_FIRST = "恒华瑞鼎泰宏嘉盛中汇博创远卓新天金海德信安永立鸿弘振凯"
TRADE_NAME_SECOND = "拓锐达源科盈诚通航晟域辰智联峰川越衡昊邦驰达和丰"


@dataclass(frozen=True)
class Official:
    username: str
    role: Role
    region: str
    name: str
    organisation: str


# An official at every level of the two provincial hierarchies; usernames match the test personas.
OFFICIALS: tuple[Official, ...] = (
    Official("gov-national", Role.NATIONAL, "", "王建国", "工业和信息化部中小企业局"),
    Official("gov-zj", Role.PROVINCE, "330000", "李晓燕", "浙江省经济和信息化厅"),
    Official("gov-hz", Role.CITY, "330100", "张伟", "杭州市经济和信息化局"),
    Official("gov-nb", Role.CITY, "330200", "陈静", "宁波市经济和信息化局"),
    Official("gov-xh", Role.COUNTY, "330106", "陈志强", "杭州市西湖区经济和信息化局"),
    Official("gov-yh", Role.COUNTY, "330110", "刘芳", "杭州市余杭区经济和信息化局"),
    Official("gov-bj", Role.COUNTY, "330108", "杨帆", "杭州市滨江区经济和信息化局"),
    Official("gov-yz", Role.COUNTY, "330212", "黄磊", "宁波市鄞州区经济和信息化局"),
    Official("gov-sc", Role.PROVINCE, "510000", "赵敏", "四川省经济和信息化厅"),
    Official("gov-cd", Role.CITY, "510100", "孙浩", "成都市经济和信息化局"),
    Official("gov-dy", Role.CITY, "510600", "周丽", "德阳市经济和信息化局"),
    Official("gov-wh", Role.COUNTY, "510107", "吴刚", "成都市武侯区新经济和科技局"),
    Official("gov-jj", Role.COUNTY, "510104", "郑雪", "成都市锦江区新经济和科技局"),
    Official("gov-jy", Role.COUNTY, "510603", "何勇", "德阳市旌阳区经济和信息化局"),
)

ADMIN = Official("admin", Role.ADMIN, "", "平台管理员", "zjtx 演示平台")


@dataclass(frozen=True)
class Provider:
    """A service institution and its first account, registered through services.actions.register_provider."""

    username: str
    full_name: str
    name: str
    kind: str  # services.models.InstitutionKind
    level: str  # services.models.Level
    region: str
    phone: str
    email: str
    description: str
    reviewer: str  # username in OFFICIALS who approves it; "" = left waiting for review
    registered_days_ago: int


PROVIDERS: tuple[Provider, ...] = (
    Provider(
        "svc-demo",
        "许诺",
        "杭州市中小企业公共服务中心",
        "public_agency",
        "city",
        "330100",
        "0571-85061234",
        "service@hzsme.example.com",
        "杭州市经信局主管的公益性中小企业公共服务平台，提供融资对接、数字化转型诊断、专精特新申报辅导、"
        "知识产权和人才服务，服务范围覆盖杭州市各区县。",
        "gov-hz",
        420,
    ),
    Provider(
        "svc-sc",
        "罗佳",
        "四川省中小企业发展服务中心",
        "public_agency",
        "province",
        "510000",
        "028-86701234",
        "contact@scsme.example.com",
        "四川省经济和信息化厅直属的省级中小企业公共服务示范平台，组织检验检测、法律、管理咨询、"
        "市场开拓和融资服务资源，面向全省中小企业。",
        "gov-sc",
        300,
    ),
    Provider(
        "svc-new",
        "沈一鸣",
        "杭州云帆数智科技有限公司",
        "market_provider",
        "city",
        "330100",
        "13857101234",
        "bd@yunfan.example.com",
        "工业互联网平台服务商，为离散制造企业提供设备上云、MES 轻量化部署和数据治理服务。",
        "",
        2,
    ),
)
PROVIDER = PROVIDERS[0]  # the provider account the accounts table leads with


@dataclass(frozen=True)
class Leader:
    """The chain leader (链主): a large manufacturer that publishes needs to the SMEs around it."""

    username: str
    contact: str
    county: str
    trade_name: str
    line: Line
    flagged_by: str  # official who puts it on the 链主 list
    flag_reason: str


LEADER = Leader(
    "lead-demo",
    "采购中心 章伟",
    "330110",
    "远驰",
    Line(
        "C3670",
        "汽车零部件",
        "集团股份有限公司",
        ("新能源汽车电驱总成", "底盘结构件"),
        ("一种电驱减速器壳体一体化压铸方法", "一种新能源汽车电驱总成冷却结构"),
    ),
    "gov-zj",
    "浙江省产业链链主企业名单（新能源汽车零部件产业链）",
)
