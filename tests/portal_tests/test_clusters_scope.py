"""Cluster pages as QA found them: what a county official sees of members outside their county, which
clusters and members a yearly report counts, unknown report years, refused forms keeping what was
typed, the hidden version field, and edits that change nothing.

One provincial cluster in 余杭 (330110) with two members in 余杭 and one in 滨江 (330108): the county
official of 余杭 sees the cluster but not the 滨江 member's figures or credit code.
"""

from __future__ import annotations

import copy
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from portal.audit.models import AuditEntry
from portal.clusters import actions
from portal.clusters.models import Cluster, ClusterMembership

from .factories import example_profile, make_enterprise

pytestmark = pytest.mark.django_db

YEAR = 2025
BJ_CODE = "91330108TESTB0001"


def text_of(resp) -> str:
    return resp.content.decode("utf-8")


def profile_with(fin: dict | None) -> dict:
    doc = copy.deepcopy(example_profile())
    doc["financials"] = {} if fin is None else {str(YEAR): fin}
    doc["recognitions"] = []
    return doc


CLUSTER = {
    "name": "余杭区智能装备产业集群",
    "level": "provincial",
    "year_recognised": "2024",
    "region_code": "330110",
    "industry_code": "C34",
    "industry_text": "智能装备",
    "operator_name": "余杭区智能装备产业联盟",
    "operator_contact": "0571-80000000",
    "description": "",
}


def add(gov, cluster, ent, joined=dt.date(2024, 6, 1), role="supporting"):
    cluster.refresh_from_db()
    actions.add_member(
        gov["zj_province"], cluster, ent, role=role, joined=joined, expected_version=cluster.version
    )
    cluster.refresh_from_db()


@pytest.fixture
def yuhang(gov):
    cluster = actions.create_cluster(gov["zj_province"], CLUSTER)
    y1 = make_enterprise(
        "杭州余杭一号装备有限公司",
        "330110",
        "91330110TESTY0001",
        profile_with({"revenue": 12345678, "rd_expense": 1234567.8}),
    )
    y2 = make_enterprise(
        "杭州余杭二号装备有限公司",
        "330110",
        "91330110TESTY0002",
        profile_with({"revenue": 20000000, "rd_expense": 1000000}),
    )
    bj = make_enterprise(
        "杭州滨江传感器有限公司",
        "330108",
        BJ_CODE,
        profile_with({"revenue": 87654321, "rd_expense": 4321000}),
    )
    add(gov, cluster, y1, role="leading")
    add(gov, cluster, y2)
    add(gov, cluster, bj)
    return {"cluster": cluster, "y1": y1, "y2": y2, "bj": bj}


# ------------------------------------------------------------------------------ 1. members outside the scope


def test_county_official_sees_outside_member_by_name_and_county_only(client, gov, yuhang):
    cluster = yuhang["cluster"]
    url = reverse("clusters:detail", args=[cluster.pk])
    client.force_login(gov["yh_county"])
    page = text_of(client.get(url, {"year": YEAR}))
    assert "杭州滨江传感器有限公司" in page and "浙江省杭州市滨江区" in page
    assert "不在您的管辖范围内，不显示其数据" in page
    assert "8765.4321" not in page  # its revenue in 万元
    assert "4.93%" not in page  # its R&D intensity
    assert BJ_CODE not in page
    # Own county's members keep their figures.
    assert "1234.5678" in page and "5.00%" in page
    # The cluster total minus the two members shown would give the 滨江 member's revenue away: withheld.
    assert "11999.9999" not in page
    assert "合计含 1 家您管辖范围外的成员，家数少于 3 家，为保护企业数据不显示" in page
    # The province sees everything.
    client.force_login(gov["zj_province"])
    page = text_of(client.get(url, {"year": YEAR}))
    assert "8765.4321" in page and "4.93%" in page and "11999.9999" in page


def test_outside_member_figures_and_credit_code_not_in_the_excel(client, gov, yuhang):
    client.force_login(gov["yh_county"])
    resp = client.get(reverse("clusters:report_xlsx"), {"year": YEAR})
    wb = load_workbook(io.BytesIO(resp.content))
    cells = [
        str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None
    ]
    assert not any(BJ_CODE in c for c in cells)
    assert not any(c.startswith(("8765.4321", "1199")) for c in cells)
    details = wb["成员明细"]
    header = [c.value for c in details[1]]
    rows = {
        r[1].value: dict(zip(header, [c.value for c in r], strict=True)) for r in details.iter_rows(min_row=2)
    }
    bj = rows["杭州滨江传感器有限公司"]
    assert bj["所在地区"] == "浙江省杭州市滨江区"
    assert bj["统一社会信用代码"] is None and bj["营业收入（万元）"] is None and bj["研发投入强度"] is None
    assert bj["缺失数据"] == "不在您的管辖范围内，不显示其数据"
    assert rows["杭州余杭一号装备有限公司"]["统一社会信用代码"] == "91330110TESTY0001"
    summary = wb.worksheets[0]
    head = [c.value for c in summary[1]]
    row = dict(zip(head, [c.value for c in summary[2]], strict=True))
    assert row["成员数"] == 3
    assert row["营业收入合计（万元）"] == "不显示：管辖范围外的成员少于 3 家"


def test_totals_shown_when_the_outside_part_is_three_members_or_more(client, gov, yuhang):
    cluster = yuhang["cluster"]
    for n in (2, 3):
        ent = make_enterprise(
            f"杭州滨江{n}号有限公司",
            "330108",
            f"91330108TESTB000{n}",
            profile_with({"revenue": 10000000, "rd_expense": 500000}),
        )
        add(gov, cluster, ent)
    client.force_login(gov["yh_county"])
    page = text_of(client.get(reverse("clusters:detail", args=[cluster.pk]), {"year": YEAR}))
    # 12345678 + 20000000 + 87654321 + 2 × 10000000 = 139999999 yuan
    assert "13999.9999" in page
    assert "家数少于 3 家" not in page
    assert "8765.4321" not in page


# ------------------------------------------------------------------------------ 3. which clusters and members a year counts


def test_report_counts_clusters_recognised_and_members_joined_by_the_year(client, gov, yuhang):
    late = actions.create_cluster(
        gov["zj_province"], {**CLUSTER, "name": "余杭区新认定产业集群", "year_recognised": "2026"}
    )
    assert late.year_recognised == 2026
    newcomer = make_enterprise(
        "杭州余杭新成员有限公司", "330110", "91330110TESTY0009", profile_with({"revenue": 5000000})
    )
    add(gov, yuhang["cluster"], newcomer, joined=dt.date(2026, 1, 10))
    client.force_login(gov["zj_province"])
    page = text_of(client.get(reverse("clusters:report"), {"year": YEAR}))
    assert "余杭区新认定产业集群" not in page
    assert "共 1 个有效集群，成员企业 3 家次。" in page
    resp = client.get(reverse("clusters:report_xlsx"), {"year": YEAR})
    wb = load_workbook(io.BytesIO(resp.content))
    names = [r[1].value for r in wb["成员明细"].iter_rows(min_row=2)]
    assert "杭州余杭新成员有限公司" not in names and len(names) == 3
    assert [r[0].value for r in wb.worksheets[0].iter_rows(min_row=2)] == ["余杭区智能装备产业集群"]
    # 2020: no cluster had been recognised yet.
    page = text_of(client.get(reverse("clusters:report"), {"year": 2020}))
    assert "余杭区智能装备产业集群" not in page and "共 0 个有效集群" in page
    # The cluster page lists the newcomer but says it is not in the 2025 figures.
    page = text_of(client.get(reverse("clusters:detail", args=[yuhang["cluster"].pk]), {"year": YEAR}))
    assert "杭州余杭新成员有限公司" in page and "2026-01-10 加入，不计入 2025 年度统计" in page


# ------------------------------------------------------------------------------ 4. unknown report years


def _years_text() -> str:
    last = timezone.localdate().year - 1
    return "、".join(str(y) for y in range(last, last - 6, -1))


@pytest.mark.parametrize("asked", ["2026", "2019", "abc"])
def test_unknown_report_year_is_said(client, gov, yuhang, asked):
    client.force_login(gov["zj_province"])
    last = timezone.localdate().year - 1
    page = text_of(client.get(reverse("clusters:report"), {"year": asked}))
    assert f"没有“{asked}”年度的统计，可选年度为 {_years_text()}；下面显示 {last} 年度。" in page
    resp = client.get(reverse("clusters:report_xlsx"), {"year": asked})
    assert resp.status_code == 302 and not resp.get("Content-Disposition")
    page = text_of(client.get(resp["Location"]))
    assert f"没有“{asked}”年度的统计，可选年度为 {_years_text()}；未导出 Excel，请选择年度后再导出。" in page
    # A known year: the file is named after the year it holds.
    resp = client.get(reverse("clusters:report_xlsx"), {"year": 2024})
    assert "2024.xlsx" in resp["Content-Disposition"]
    assert load_workbook(io.BytesIO(resp.content)).worksheets[0].title == "2024年度集群汇总"


# ------------------------------------------------------------------------------ 5. a refused 增加成员 keeps what was typed


def test_refused_add_member_keeps_code_role_and_date(client, gov, yuhang):
    cluster = yuhang["cluster"]
    client.force_login(gov["zj_province"])
    resp = client.post(
        reverse("clusters:add_member", args=[cluster.pk]),
        {
            "enterprise": "91330110NOSUCH999",
            "role": "leading",
            "joined": "2025-03-01",
            "expected_version": cluster.version,
        },
    )
    page = text_of(resp)
    assert resp.status_code == 200
    assert 'value="91330110NOSUCH999"' in page
    assert '<option value="leading" selected>' in page
    assert 'value="2025-03-01"' in page
    assert "找不到该企业，或该企业不在您的管辖范围内" in page
    assert ClusterMembership.objects.filter(cluster=cluster).count() == 3


# ------------------------------------------------------------------------------ 6. the hidden version field


@pytest.mark.parametrize("version", ["abc", None])
def test_missing_or_bad_version_is_refused_and_keeps_the_text(client, gov, yuhang, version):
    cluster = yuhang["cluster"]
    client.force_login(gov["zj_province"])
    data = {**CLUSTER, "operator_name": "余杭区产业发展中心"}
    if version is not None:
        data["expected_version"] = version
    page = text_of(client.post(reverse("clusters:edit", args=[cluster.pk]), data))
    assert "invalid literal" not in page
    assert "集群“余杭区智能装备产业集群”的修改未保存：页面缺少版本信息，请刷新页面后重新修改。" in page
    assert 'value="余杭区产业发展中心"' in page
    cluster.refresh_from_db()
    assert cluster.operator_name == "余杭区智能装备产业联盟"


# ------------------------------------------------------------------------------ 7. an edit that changes nothing


def test_edit_that_changes_nothing_writes_nothing(client, gov, yuhang):
    cluster = yuhang["cluster"]
    cluster.refresh_from_db()
    before = (cluster.version, AuditEntry.objects.count())
    client.force_login(gov["zj_province"])
    resp = client.post(
        reverse("clusters:edit", args=[cluster.pk]),
        {**CLUSTER, "expected_version": cluster.version},
        follow=True,
    )
    assert "集群“余杭区智能装备产业集群”没有修改，无需保存。" in text_of(resp)
    cluster.refresh_from_db()
    assert (cluster.version, AuditEntry.objects.count()) == before
    assert Cluster.objects.get().operator_name == "余杭区智能装备产业联盟"


def test_refused_revoke_keeps_the_reason_and_says_why(client, gov, yuhang):
    cluster = yuhang["cluster"]
    reason = "年度复核不合格：" + "详" * 2100
    client.force_login(gov["zj_province"])
    resp = client.post(
        reverse("clusters:set_state", args=[cluster.pk]),
        {"state": "revoked", "reason": reason, "expected_version": cluster.version},
    )
    page = text_of(resp)
    assert resp.status_code == 200 and "页面已过期" not in page
    assert (
        f"撤销集群“余杭区智能装备产业集群”的理由不能超过 2000 个字（现有 {len(reason)} 个字），请删减后再提交。"
        in page
    )
    assert reason in page
    cluster.refresh_from_db()
    assert cluster.state == "active"
