"""Chain-leader pairing (融通对接) in the demo: a 链主, its two needs, SMEs' capabilities and responses.

The leader is a large manufacturer (people.make_leader) that the province also puts on its 链主
list (pairing.actions.flag_leader). It publishes a supply need and a 揭榜挂帅 challenge; about ten
SMEs describe what they can do; three respond and the leader shortlists one. All through
portal.pairing.actions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from portal.accounts.models import User
from portal.assessments import engine
from portal.enterprises.models import Enterprise
from portal.pairing import actions as pairing
from portal.pairing.models import Need, NeedResponse

from . import catalogue
from .clock import StoryClock
from .people import DemoEnterprise

ALSO = ("pairing.Need", "pairing.NeedResponse", "pairing.LeaderFlag", "pairing.EnterpriseCapability")
CAPABLE = ("C34", "C35", "C36", "C38", "C39", "C40")  # industries that can supply an automotive chain
CAPABILITIES = 10


@dataclass(frozen=True)
class NeedSpec:
    kind: str
    title: str
    description: str
    industry_codes: str
    regions: str
    titles: tuple[str, ...]
    published_days_ago: int
    open_days: int
    # (province, industry prefix, shortlisted?, proposal) of the SMEs that respond
    responders: tuple[tuple[str, str, bool, str], ...]


NEEDS: tuple[NeedSpec, ...] = (
    NeedSpec(
        "supply",
        "新能源汽车电驱减速器精密齿轮及壳体模具配套",
        "为新一代电驱总成寻找精密齿轮（6 级精度以上）和减速器壳体压铸模具的配套企业，"
        "年需求齿轮副 12 万套、模具 8 副。要求通过 IATF 16949 或具备同等质量体系，"
        "可派工程师参与联合开发；优先考虑专精特新企业。",
        "C3484 C3525 C3444",
        "330000 510000",
        ("specialized",),
        20,
        40,
        (
            (
                "33",
                "C3484",
                True,
                "我司主营精密行星减速器和谐波减速器，齿轮加工精度稳定在 5 级，已为两家机器人整机厂批量配套；"
                "可在 3 个月内完成样件，年产能 15 万套，报价可按年度框架协议阶梯定价。",
            ),
            (
                "51",
                "C3484",
                False,
                "公司具备滚齿、磨齿全工序能力和齿轮检测中心，可先承接 2 万套/年的试配套，"
                "样件周期 10 周，质量体系认证正在办理中。",
            ),
        ),
    ),
    NeedSpec(
        "challenge",
        "揭榜挂帅：车规级激光雷达光学窗口与 MEMS 压力传感器国产化",
        "面向自动驾驶和热管理系统，征集车规级激光雷达光学窗口镀膜（耐候、除雾）和 MEMS 压力传感器的"
        "国产化方案，通过验证后纳入定点供应，研发费用可按里程碑分担。",
        "C3976 C3983",
        "",
        ("specialized", "little_giant"),
        12,
        60,
        (
            (
                "33",
                "C3983",
                False,
                "我司 MEMS 压阻式压力传感器已通过 AEC-Q100 预测试，量程 0–2 MPa，精度 ±0.5%FS；"
                "建议分两期揭榜：6 个月完成样品和台架验证，12 个月完成整车路试。",
            ),
        ),
    ),
)


def _fresh(ent: DemoEnterprise) -> Enterprise:
    return Enterprise.objects.get(pk=ent.enterprise.pk)


def capability_text(e: Enterprise) -> str:
    """The capability an SME would write, from its own profile: products, patents, people, systems."""
    p = e.profile
    product = (p.get("main_product") or {}).get("name") or engine.industry_name(e.industry)
    ip = p.get("ip") or []
    inventions = [i for i in ip if i.get("type") == "invention_patent"]
    named = next((i["name"] for i in inventions if i.get("name")), "")
    others = len(ip) - len(inventions)
    years = sorted(p.get("financials") or {})
    latest = (p.get("financials") or {}).get(years[-1], {}) if years else {}
    parts = [f"专注于{product}的研发、生产和定制开发（{engine.industry_name(e.industry)}）"]
    if inventions:
        parts.append(
            f"拥有发明专利 {len(inventions)} 项"
            + (f"（如“{named}”）" if named else "")
            + f"、其他知识产权 {others} 项"
        )
    if latest.get("employees"):
        staff = f"现有员工 {latest['employees']} 人"
        if latest.get("rd_staff"):
            staff += f"，其中研发人员 {latest['rd_staff']} 人"
        parts.append(staff)
    if (p.get("quality") or {}).get("management_system_cert"):
        parts.append("通过 ISO 9001 质量管理体系认证")
    parts.append("可承接样件试制、小批量和批量配套，欢迎链主企业联系对接")
    return "；".join(parts) + "。"


def build_pairing(
    today: dt.date,
    staff: dict[str, User],
    enterprises: list[DemoEnterprise],
    leader: DemoEnterprise,
    clock: StoryClock,
) -> dict:
    real_today = timezone.localdate()  # the actions check deadlines against the real today
    spec = catalogue.LEADER
    with clock.on(today - dt.timedelta(days=60), ALSO):
        pairing.flag_leader(staff[spec.flagged_by], _fresh(leader), spec.flag_reason)

    # Capability texts: the manufacturers that could supply the chain, then any other manufacturer.
    capable = [e for e in enterprises if e.enterprise.industry.startswith(CAPABLE)]
    others = [e for e in enterprises if e.enterprise.industry.startswith("C") and e not in capable]
    described = (capable + others)[:CAPABILITIES]
    for i, ent in enumerate(described):
        with clock.on(today - dt.timedelta(days=45 - 2 * i), ALSO):
            pairing.save_capability(ent.user, ent.enterprise, capability_text(_fresh(ent)), None)

    needs: list[Need] = []
    responses: list[NeedResponse] = []
    used: set[int] = set()
    for n in NEEDS:
        published = today - dt.timedelta(days=n.published_days_ago)
        with clock.on(published, ALSO):
            need = pairing.publish_need(
                leader.user,
                {
                    "kind": n.kind,
                    "title": n.title,
                    "description": n.description,
                    "industry_codes": n.industry_codes,
                    "regions": n.regions,
                    "titles": list(n.titles),
                    "deadline": max(today, real_today) + dt.timedelta(days=n.open_days),
                },
            )
        needs.append(need)
        for k, (province, industry, shortlisted, proposal) in enumerate(n.responders):
            ent = next(
                (
                    e
                    for e in described + enterprises
                    if e.enterprise.pk not in used
                    and e.enterprise.region.startswith(province)
                    and e.enterprise.industry.startswith(industry)
                ),
                None,
            )
            if ent is None:
                raise RuntimeError(f"演示数据：找不到响应“{n.title}”的企业（{province} {industry}）")
            used.add(ent.enterprise.pk)
            answered = published + dt.timedelta(days=3 + 2 * k)
            with clock.on(answered, ALSO):
                resp = pairing.respond(ent.user, need, proposal)
            if shortlisted:
                with clock.on(answered + dt.timedelta(days=4), ALSO):
                    resp = pairing.shortlist(
                        leader.user,
                        resp,
                        "方案与我司需求匹配，请于下周到技术中心做样件评审。",
                        expected_version=resp.version,
                    )
            responses.append(resp)
    return {"needs": needs, "responses": responses, "capabilities": len(described)}
