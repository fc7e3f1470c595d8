"""The service network of the demo: institutions, their offerings and 小快轻准 solutions, and demands (诉求).

Everything goes through portal.services.actions and portal.digital.actions, so providers register,
officials approve, demands are routed and answered exactly as on the site (audit rows, inbox messages,
response deadlines). The actions take `now`; rows they stamp with the wall clock (audit, inbox) are
moved to the same story day by clock.StoryClock.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from portal.accounts.models import User
from portal.digital import actions as digital
from portal.services import actions as services
from portal.services import deadlines
from portal.services.models import Demand, DemandState, ServiceInstitution

from . import catalogue
from .clock import StoryClock
from .credit import make_institution_code
from .people import DemoEnterprise


@dataclass(frozen=True)
class OfferingSpec:
    category: str
    title: str
    description: str
    price_band: str
    regions: tuple[str, ...]


OFFERINGS: dict[str, tuple[OfferingSpec, ...]] = {
    "svc-demo": (
        OfferingSpec(
            "financing",
            "专精特新企业融资对接（科技贷、知识产权质押、应急转贷）",
            "每月组织银企对接会，为专精特新、科技型中小企业对接科技贷、知识产权质押融资和应急转贷资金；"
            "提供融资需求诊断，2 个工作日内推荐合作银行客户经理。",
            "free",
            ("330100",),
        ),
        OfferingSpec(
            "digital_transformation",
            "中小企业数字化转型诊断（免费上门）",
            "由专家团队上门开展数字化水平评测和现场诊断，出具诊断报告和改造路线图，"
            "对接数字化转型城市试点的补贴政策。",
            "free",
            ("330100",),
        ),
        OfferingSpec(
            "policy_consulting",
            "专精特新梯度培育申报辅导",
            "解读创新型、专精特新和“小巨人”认定条件，帮助企业对照指标查找差距、准备佐证材料。",
            "free",
            ("330100",),
        ),
        OfferingSpec(
            "ip",
            "知识产权托管与贯标辅导",
            "专利布局分析、知识产权管理体系（GB/T 29490）贯标辅导、侵权预警和维权援助对接。",
            "under_1",
            ("330100",),
        ),
        OfferingSpec(
            "talent",
            "专精特新企业人才招聘专场",
            "每季度举办专精特新企业专场招聘会，对接高校毕业生和高技能人才，协助申报人才补贴。",
            "free",
            ("330100",),
        ),
    ),
    "svc-sc": (
        OfferingSpec(
            "testing_certification",
            "产品检验检测与 CE / UL 认证咨询",
            "对接省内国家级质检中心和认证机构，提供出口认证路径咨询，检测费用可申请服务券抵扣。",
            "1_5",
            ("510000",),
        ),
        OfferingSpec(
            "legal",
            "中小企业法律服务“护航”行动",
            "合同审查、劳动用工和知识产权纠纷的公益法律咨询，律师团队 3 个工作日内答复。",
            "free",
            ("510000",),
        ),
        OfferingSpec(
            "management_consulting",
            "精益生产与管理提升咨询",
            "精益生产诊断、现场 5S 和质量管理体系提升，按项目收费，可使用省级服务券。",
            "5_20",
            ("510000",),
        ),
        OfferingSpec(
            "market_expansion",
            "川企产品参展与产业链供需对接",
            "组织企业参加西博会、中博会等展会，举办链主企业与中小企业的供需对接活动。",
            "free",
            ("510000",),
        ),
        OfferingSpec(
            "financing",
            "“天府科创贷”融资对接",
            "为省内科技型中小企业对接“天府科创贷”等政策性金融产品和政府性融资担保。",
            "free",
            ("510000",),
        ),
    ),
    "svc-new": (
        OfferingSpec(
            "digital_transformation",
            "工业互联网平台设备上云服务",
            "为离散制造企业提供 PLC、数控机床数据采集和设备上云，按设备数量订阅。",
            "5_20",
            ("330000",),
        ),
        OfferingSpec(
            "management_consulting",
            "轻量化 MES 部署与数据治理",
            "面向 50–300 人的制造企业，4 周完成轻量化 MES 上线和基础数据治理。",
            "negotiable",
            ("330100", "330200"),
        ),
    ),
}


@dataclass(frozen=True)
class SolutionSpec:
    title: str
    description: str
    dimension: str  # digital.models.Dimension
    industries: tuple[str, ...]
    price_band: str
    deployment_days: int


# Listed by the demo provider; industries are those of the demo manufacturers (see catalogue.LINES).
SOLUTIONS: tuple[SolutionSpec, ...] = (
    SolutionSpec(
        "设备联网与数据采集轻量化套件",
        "边缘网关即插即用，支持主流 PLC 和数控系统，两周内完成关键设备联网和产量、工时数据采集。",
        "foundation",
        ("C34", "C35", "C36"),
        "1_5",
        14,
    ),
    SolutionSpec(
        "中小企业网络与数据安全托管",
        "防火墙、终端安全和数据备份一站式托管，按月付费，满足数字化水平评测中网络与数据安全要求。",
        "foundation",
        ("C",),
        "under_1",
        7,
    ),
    SolutionSpec(
        "SaaS 生产排程与报工系统",
        "订单—排程—报工—质检全流程上线，手机扫码报工，适合多品种小批量的机械加工和模具企业。",
        "operations",
        ("C34", "C35", "C38"),
        "1_5",
        30,
    ),
    SolutionSpec(
        "电子元器件质量追溯云平台",
        "从来料、SMT 到成品的批次追溯，自动生成客户审核所需的质量报告。",
        "operations",
        ("C39", "C40"),
        "5_20",
        45,
    ),
    SolutionSpec(
        "数字化转型诊断与规划（政府购买服务）",
        "对照《中小企业数字化水平评测指标》逐项诊断，形成三年转型规划和投入预算，企业免费。",
        "management",
        ("*",),
        "free",
        10,
    ),
    SolutionSpec(
        "制造业数字化人才实训营",
        "面向企业数字化负责人和一线班组长的 8 周实训，课程结合本企业的数据和场景。",
        "management",
        ("C",),
        "under_1",
        56,
    ),
    SolutionSpec(
        "能耗在线监测与碳管理",
        "水电气分项计量和能耗看板，自动生成碳排放核算报表，适合印染、塑料和医药等用能企业。",
        "outcomes",
        ("C17", "C27", "C29", "C14"),
        "1_5",
        21,
    ),
    SolutionSpec(
        "AI 视觉质检（良率提升）",
        "产线加装工业相机和边缘计算盒，外观缺陷识别准确率 99% 以上，按检测工位计费。",
        "outcomes",
        ("C34", "C35", "C39"),
        "5_20",
        30,
    ),
)


@dataclass(frozen=True)
class DemandSpec:
    county: str  # the enterprise's county (prefix)
    industry: str  # prefix of its industry code ("" = any)
    category: str
    title: str
    text: str
    urgency: str
    posted_days_ago: int  # for "overdue": the latest day that is overdue today is used instead
    reply: str = ""  # "provider" | "official" | "" (nobody yet)
    reply_text: str = ""
    late: bool = False  # first reply after the deadline
    rating: int = 0  # closed by the enterprise with this rating (0 = left open / answered)
    comment: str = ""
    overdue: bool = False


DEMANDS: tuple[DemandSpec, ...] = (
    DemandSpec(
        "330106",
        "C",
        "financing",
        "购置研发检测设备需 500 万元中长期贷款",
        "公司计划购置一批研发检测设备，总投资约 800 万元，自有资金 300 万元，"
        "希望对接利率较低、期限 3 年以上的科技贷款。",
        "normal",
        26,
        reply="provider",
        reply_text="已为贵公司对接杭州银行科技支行和浙商银行两位客户经理，他们将在本周内上门了解情况；"
        "贵公司持有的发明专利也可以办理知识产权质押融资。",
        rating=5,
        comment="两家银行都上门了，已获批 500 万元科技贷，响应很快，非常满意。",
    ),
    DemandSpec(
        "330110",
        "C",
        "digital_transformation",
        "车间设备联网不知道从哪里入手",
        "公司有 40 多台数控机床和注塑机，品牌不一，想先实现设备状态和产量的在线统计，请推荐可行的方案。",
        "normal",
        5,
        reply="provider",
        reply_text="建议先做一次免费的数字化转型诊断，我们的专家可在下周二上门；"
        "诊断后可按设备品牌推荐边缘网关方案，并协助申请数字化改造补贴。",
    ),
    DemandSpec(
        "330108",
        "",
        "policy_consulting",
        "专精特新申报中“细分市场占有率”怎么证明",
        "准备申报今年的专精特新中小企业，主导产品的市场占有率没有第三方统计，想了解可以提供哪些佐证材料。",
        "normal",
        3,
        reply="official",
        reply_text="可提供行业协会出具的证明、第三方研究机构报告，或主要客户采购占比说明加销售合同；"
        "区经信局周四下午有申报辅导会，欢迎参加。",
    ),
    DemandSpec(
        "330106",
        "",
        "ip",
        "核心产品被仿冒，需要专利维权指导",
        "发现有企业在电商平台销售仿冒我司专利产品的商品，希望得到维权路径和费用方面的指导。",
        "urgent",
        9,
        overdue=True,
    ),
    DemandSpec(
        "510107",
        "C40",
        "testing_certification",
        "出口欧盟产品需要 CE 认证检测",
        "公司的控制系统产品明年要出口德国，需要做 CE 认证（EMC、LVD），想了解省内哪些机构可以检测、周期多长。",
        "normal",
        16,
        reply="provider",
        reply_text="省内可做 EMC 和 LVD 检测的有四川省电子产品监督检验所等机构，周期约 4–6 周；"
        "检测费用可申请省级服务券抵扣 30%，联系人见我中心服务页面。",
        late=True,
        rating=3,
        comment="回复比承诺的时间慢，但推荐的检测机构很专业。",
    ),
    DemandSpec(
        "510603",
        "",
        "legal",
        "供应商违约，合同纠纷需要法律咨询",
        "一家原材料供应商连续两个月延迟交货，导致我们对客户违约，想咨询能否要求对方赔偿损失。",
        "normal",
        1,
    ),
    DemandSpec(
        "330212",
        "C",
        "talent",
        "急需招聘高级工艺工程师",
        "公司新产线投产，需要 2 名有 5 年以上经验的工艺工程师，本地招聘困难，希望了解人才引进政策和招聘渠道。",
        "normal",
        4,
        reply="official",
        reply_text="区人社局下月有高层次人才专场招聘会，已将贵公司列入参会名单；"
        "引进人才可申请安家补贴，申报材料清单已发至贵公司邮箱。",
    ),
)


def _now(clock: StoryClock, day: dt.date) -> dt.datetime | None:
    """A story-day timestamp for the actions' `now`; None (wall clock) for today."""
    return None if day >= clock.today else clock.moment(day)


class Network:
    """Registers the institutions, lists their services and walks the demands."""

    def __init__(
        self,
        today: dt.date,
        staff: dict[str, User],
        enterprises: list[DemoEnterprise],
        clock: StoryClock,
        rng: random.Random,
    ):
        self.today = today
        self.staff = staff
        self.enterprises = enterprises
        self.clock = clock
        self.rng = rng
        self.providers: dict[str, User] = {}
        self.demands: list[tuple[DemandSpec, Demand]] = []

    # ------------------------------------------------------------------------------------------ institutions

    def register(self, password: str) -> dict[str, User]:
        for spec in catalogue.PROVIDERS:
            day = self.today - dt.timedelta(days=spec.registered_days_ago)
            code = make_institution_code(self.rng, spec.region, public=spec.kind == "public_agency")
            while ServiceInstitution.objects.filter(credit_code=code).exists():
                code = make_institution_code(self.rng, spec.region, public=spec.kind == "public_agency")
            with self.clock.on(day):
                user = services.register_provider(
                    username=spec.username,
                    password=password,
                    full_name=spec.full_name,
                    name=spec.name,
                    kind=spec.kind,
                    level=spec.level,
                    region_code=spec.region if spec.level != "national" else "",
                    credit_code=code,
                    contact_name=spec.full_name,
                    contact_phone=spec.phone,
                    contact_email=spec.email,
                    description=spec.description,
                    now=_now(self.clock, day),
                )
            self.providers[spec.username] = user
            institution = services.membership_of(user).institution
            if spec.reviewer:
                review_day = day + dt.timedelta(days=3)
                with self.clock.on(review_day):
                    services.review_institution(
                        self.staff[spec.reviewer],
                        institution,
                        decision="approve",
                        reason="登记材料齐全，服务内容和收费公示清楚，同意入驻。",
                        expected_version=institution.version,
                        now=_now(self.clock, review_day),
                    )
            self._offer(spec, day + dt.timedelta(days=5 if spec.reviewer else 0))
        return self.providers

    def _offer(self, spec: catalogue.Provider, first_day: dt.date) -> None:
        user = self.providers[spec.username]
        for i, o in enumerate(OFFERINGS.get(spec.username, ())):
            day = min(first_day + dt.timedelta(days=2 * i), self.today)
            with self.clock.on(day):
                services.save_offering(
                    user,
                    category=o.category,
                    title=o.title,
                    description=o.description,
                    price_band=o.price_band,
                    regions=list(o.regions),
                    contact=f"{spec.full_name} {spec.phone}",
                    now=_now(self.clock, day),
                )

    def list_solutions(self) -> int:
        spec = catalogue.PROVIDER
        user = self.providers[spec.username]
        start = self.today - dt.timedelta(days=spec.registered_days_ago - 40)
        for i, s in enumerate(SOLUTIONS):
            day = min(start + dt.timedelta(days=9 * i), self.today)
            with self.clock.on(day):
                digital.save_solution(
                    user,
                    title=s.title,
                    description=s.description,
                    dimension=s.dimension,
                    industries=list(s.industries),
                    price_band=s.price_band,
                    deployment_days=s.deployment_days,
                    contact=f"{spec.full_name} {spec.phone}",
                    now=_now(self.clock, day),
                )
        return len(SOLUTIONS)

    # ------------------------------------------------------------------------------------------ demands

    def _pick(self, spec: DemandSpec, used: set[int]) -> DemoEnterprise:
        for ent in self.enterprises:
            e = ent.enterprise
            if e.pk not in used and e.region.startswith(spec.county) and e.industry.startswith(spec.industry):
                used.add(e.pk)
                return ent
        raise RuntimeError(f"演示数据：找不到可以提出诉求“{spec.title}”的企业（{spec.county}）")

    def _overdue_day(self, category: str) -> dt.date:
        """The latest posting day whose response deadline passed at least two days ago."""
        days = deadlines.target_days(category)
        day = self.today - dt.timedelta(days=4)
        while deadlines.add_working_days(day, days) >= self.today - dt.timedelta(days=1):
            day -= dt.timedelta(days=1)
        return day

    def _responder(self, spec: DemandSpec, demand: Demand) -> User:
        if spec.reply == "official":
            _level, _code, officials = services.responsible_for(demand.enterprise.region)
            return sorted(officials, key=lambda u: u.username)[0]
        for user in self.providers.values():
            member = services.membership_of(user)
            if demand.matches.filter(institution_id=member.institution_id).exists():
                return user
        raise RuntimeError(f"演示数据：诉求“{demand.title}”没有派送给任何演示服务机构，请检查 OFFERINGS")

    def post_demands(self) -> list[tuple[DemandSpec, Demand]]:
        used: set[int] = set()
        for spec in DEMANDS:
            ent = self._pick(spec, used)
            posted = (
                self._overdue_day(spec.category)
                if spec.overdue
                else self.today - dt.timedelta(days=spec.posted_days_ago)
            )
            with self.clock.on(posted):
                demand = services.post_demand(
                    ent.user,
                    ent.enterprise,
                    category=spec.category,
                    title=spec.title,
                    text=spec.text,
                    urgency=spec.urgency,
                    now=_now(self.clock, posted),
                )
            if spec.reply:
                replied = demand.due_on + dt.timedelta(days=2) if spec.late else posted
                replied = min(replied, self.today)
                with self.clock.on(replied):
                    services.respond_to_demand(
                        self._responder(spec, demand),
                        demand,
                        text=spec.reply_text,
                        now=_now(self.clock, replied),
                    )
                demand.refresh_from_db()
            if spec.rating:
                closed = min(max(demand.due_on, posted) + dt.timedelta(days=4), self.today)
                with self.clock.on(closed):
                    services.close_demand(
                        ent.user,
                        demand,
                        rating=spec.rating,
                        comment=spec.comment,
                        expected_version=demand.version,
                        now=_now(self.clock, closed),
                    )
            demand.refresh_from_db()
            self._check(spec, demand)
            self.demands.append((spec, demand))
        return self.demands

    def _check(self, spec: DemandSpec, demand: Demand) -> None:
        from portal.services.selectors import answered_late, is_overdue

        want = DemandState.CLOSED if spec.rating else DemandState.ANSWERED if spec.reply else DemandState.OPEN
        problem = ""
        if demand.state != want:
            problem = f"状态为“{demand.get_state_display()}”"
        elif spec.overdue and not is_overdue(demand, self.today):
            problem = "应已逾期"
        elif not spec.overdue and not spec.reply and is_overdue(demand, self.today):
            problem = "不应逾期"
        elif spec.reply and answered_late(demand) != spec.late:
            problem = "响应是否逾期与设计不符"
        if problem:
            raise RuntimeError(f"演示数据：诉求“{demand.title}”{problem}，请检查 demo/network.py")
