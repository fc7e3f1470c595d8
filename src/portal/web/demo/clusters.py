"""Three 中小企业特色产业集群 (one national, one in 浙江, one in 四川) with demo enterprises as members.

Registered and filled through portal.clusters.actions by the official of the recognising level
(national clusters by the national official, provincial ones by the province), as on the site.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from portal.accounts.models import User
from portal.clusters import actions as clusters
from portal.clusters.models import Cluster, MemberRole

from .clock import StoryClock
from .people import DemoEnterprise

ALSO = ("clusters.Cluster", "clusters.ClusterMembership")


@dataclass(frozen=True)
class ClusterSpec:
    manager: str  # official username
    name: str
    level: str
    years_ago: int
    county: str
    industry_code: str
    industry_text: str
    operator_name: str
    operator_contact: str
    description: str
    area: str  # members come from this city ("3301"), those of the cluster's own county first
    member_industries: tuple[str, ...]  # prefixes of members' industry codes
    size: int
    with_leader: bool = False  # the chain leader joins as 龙头企业


CLUSTERS: tuple[ClusterSpec, ...] = (
    ClusterSpec(
        "gov-national",
        "杭州市余杭区新能源汽车关键零部件产业集群",
        "national",
        2,
        "330110",
        "C36",
        "新能源汽车电驱、液压与精密传动部件",
        "余杭区新能源汽车零部件产业联盟",
        "0571-86221234",
        "以链主企业为牵引，集聚电驱系统、精密减速器、液压元件和模具配套企业，"
        "2024 年入选工业和信息化部中小企业特色产业集群。",
        "3301",
        ("C34", "C352", "C38", "C40"),
        5,
        with_leader=True,
    ),
    ClusterSpec(
        "gov-zj",
        "杭州市滨江区智能传感与光电产业集群",
        "provincial",
        1,
        "330108",
        "C39",
        "智能传感器、激光雷达光学模组和电子材料",
        "滨江区物联网产业服务中心",
        "0571-87651234",
        "浙江省省级中小企业特色产业集群，重点发展 MEMS 传感器、光电器件和电子材料。",
        "3301",
        ("C39",),
        4,
    ),
    ClusterSpec(
        "gov-sc",
        "成都市武侯区智能控制与精密装备产业集群",
        "provincial",
        1,
        "510107",
        "C34",
        "工业自动化控制系统、液压元件和精密机械零部件",
        "武侯区智能制造产业促进中心",
        "028-85551234",
        "四川省省级中小企业特色产业集群，为能源装备和轨道交通整机企业提供自动化控制、液压和精密零部件配套。",
        "5101",
        ("C34", "C40", "C352"),
        5,
    ),
)


def _members(spec: ClusterSpec, enterprises: list[DemoEnterprise], leader: DemoEnterprise | None):
    chosen = [leader] if spec.with_leader and leader is not None else []
    fits = [
        ent
        for ent in enterprises
        if ent.enterprise.region.startswith(spec.area)
        and ent.enterprise.industry.startswith(spec.member_industries)
    ]
    fits.sort(key=lambda ent: ent.enterprise.region != spec.county)  # stable: the county's own firms first
    return (chosen + fits)[: spec.size]


def build_clusters(
    today: dt.date,
    staff: dict[str, User],
    enterprises: list[DemoEnterprise],
    leader: DemoEnterprise | None,
    clock: StoryClock,
) -> list[Cluster]:
    real_today = timezone.localdate()  # the actions refuse years and dates after the real today
    out = []
    for spec in CLUSTERS:
        year = min(today.year - spec.years_ago, real_today.year)
        registered = min(today - dt.timedelta(days=200 - 40 * len(out)), real_today)
        official = staff[spec.manager]
        with clock.on(registered, ALSO):
            cluster = clusters.create_cluster(
                official,
                {
                    "name": spec.name,
                    "level": spec.level,
                    "year_recognised": year,
                    "region_code": spec.county,
                    "industry_code": spec.industry_code,
                    "industry_text": spec.industry_text,
                    "operator_name": spec.operator_name,
                    "operator_contact": spec.operator_contact,
                    "description": spec.description,
                },
            )
        for i, ent in enumerate(_members(spec, enterprises, leader)):
            joined = min(dt.date(year, 6, 30) + dt.timedelta(days=30 * i), real_today)
            with clock.on(registered, ALSO):
                cluster.refresh_from_db()
                clusters.add_member(
                    official,
                    cluster,
                    ent.enterprise,
                    role=MemberRole.LEADING if i == 0 else MemberRole.SUPPORTING,
                    joined=joined,
                    expected_version=cluster.version,
                )
        cluster.refresh_from_db()
        out.append(cluster)
    return out
