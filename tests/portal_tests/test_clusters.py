"""Industry clusters as officials use them: registry by level and region, members, yearly statistics.

The statistics are checked on hand-made members whose numbers are worked out by hand below
(revenue exact to the fen, R&D intensity over the members that have both figures, titles from
Recognition rows valid on 31 December, missing data counted and named).
"""

from __future__ import annotations

import copy
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from portal.accounts.roles import Role
from portal.actions import InvalidInput, NotAllowed, StaleObject
from portal.audit.models import AuditEntry
from portal.clusters import actions, clusters_of
from portal.clusters.models import Cluster, ClusterMembership, ClusterState
from portal.clusters.stats import cluster_stats
from portal.cultivation.models import Recognition, RecognitionStatus
from portal.inbox.models import Notification

from .factories import example_profile, make_enterprise, make_user

pytestmark = pytest.mark.django_db

YEAR = 2025


def text_of(resp) -> str:
    return resp.content.decode("utf-8")


def profile_with(fin: dict | None) -> dict:
    doc = copy.deepcopy(example_profile())
    doc["financials"] = {} if fin is None else {str(YEAR): fin}
    doc["recognitions"] = []
    return doc


def recognise(enterprise, tier: str, valid_from: dt.date, valid_until: dt.date, n: int, **extra):
    return Recognition.objects.create(
        enterprise=enterprise,
        tier=tier,
        certificate_no=f"ZJ-TEST-{n:04d}",
        verification_code=f"V{n:07d}",
        valid_from=valid_from,
        valid_until=valid_until,
        issued_by_level="province",
        issued_by_region="330000",
        **extra,
    )


CLUSTER_DATA = {
    "name": "西湖区精密传动产业集群",
    "level": "provincial",
    "year_recognised": "2024",
    "region_code": "330106",
    "industry_code": "C34",
    "industry_text": "精密减速器及传动部件",
    "operator_name": "西湖区精密传动产业联盟",
    "operator_contact": "0571-88886666",
    "description": "以精密减速器为主导的县域特色产业集群。",
}


@pytest.fixture
def cluster(gov):
    return actions.create_cluster(gov["zj_province"], CLUSTER_DATA)


@pytest.fixture
def members(gov, cluster):
    return add_members(gov, cluster)


def add_members(gov, cluster) -> dict:
    """Four members; the hand-worked 2025 figures are in test_statistics_exact_on_hand_made_members."""
    a = make_enterprise(
        "杭州甲精密机械有限公司",
        "330106",
        "91330106TESTA0001",
        profile_with({"revenue": 120000000, "rd_expense": 7200000}),
    )
    b = make_enterprise(
        "杭州乙传动科技有限公司",
        "330106",
        "91330106TESTB0002",
        profile_with({"revenue": 30000000.50, "rd_expense": 3000000}),
    )
    c = make_enterprise(
        "杭州丙齿轮有限公司", "330110", "91330110TESTC0003", profile_with({"revenue": 8000000})
    )
    d = make_enterprise("杭州丁轴承有限公司", "330106", "91330106TESTD0004", profile_with(None))
    d.profile["recognitions"] = [{"tier": "specialized", "since": "2024-01-01", "until": "2027-01-01"}]
    d.save()
    # Titles: A specialized, B little giant (and specialized), C revoked in June, D only from 2026 on.
    recognise(a, "specialized", dt.date(2024, 11, 1), dt.date(2027, 10, 31), 1)
    recognise(b, "specialized", dt.date(2023, 11, 1), dt.date(2026, 10, 31), 2)
    recognise(b, "little_giant", dt.date(2025, 7, 1), dt.date(2028, 6, 30), 3)
    recognise(
        c,
        "specialized",
        dt.date(2024, 1, 1),
        dt.date(2026, 12, 31),
        4,
        status=RecognitionStatus.REVOKED,
        revoked_at=timezone.make_aware(dt.datetime(2025, 6, 1, 10, 0)),
    )
    recognise(d, "specialized", dt.date(2026, 1, 5), dt.date(2029, 1, 4), 5)
    province = gov["zj_province"]
    for ent, role in ((a, "leading"), (b, "supporting"), (c, "supporting"), (d, "other")):
        cluster.refresh_from_db()
        actions.add_member(
            province, cluster, ent, role=role, joined=dt.date(2024, 6, 1), expected_version=cluster.version
        )
    cluster.refresh_from_db()
    return {"a": a, "b": b, "c": c, "d": d}


def test_statistics_exact_on_hand_made_members(cluster, members):
    s = cluster_stats(cluster, YEAR, today=dt.date(2026, 11, 27))
    # Revenue: 120000000 + 30000000.50 + 8000000 = 158000000.50 yuan = 15800.00005 万元; D has none.
    assert s.revenue_total == Decimal("158000000.50")
    assert s.revenue_wan == "15800.00005"
    assert (s.revenue_count, s.revenue_missing) == (3, ["杭州丁轴承有限公司"])
    # R&D intensity over A and B only (C has no R&D figure, D nothing):
    # (7200000 + 3000000) / (120000000 + 30000000.50) = 10200000 / 150000000.50 = 0.0679999997733…
    assert s.rd_count == 2
    assert s.intensity == Decimal("10200000") / Decimal("150000000.50")
    assert s.intensity_text == "6.80%"
    assert sorted(s.rd_missing) == sorted(["杭州丙齿轮有限公司", "杭州丁轴承有限公司"])
    # Titles held on 2025-12-31: A specialized, B little giant (its highest), C revoked, D not yet (and
    # D's self-declared profile title does not count).
    assert s.reference_day == dt.date(2025, 12, 31)
    counts = {tier: n for tier, _label, n in s.by_tier}
    assert counts == {"little_giant": 1, "specialized": 1, "tech_innovative": 0, "innovative": 0, "none": 2}
    assert s.member_count == 4
    # The same members in 2026 (reference day = today): D's title now counts, B's specialized expired.
    later = cluster_stats(cluster, 2026, today=dt.date(2026, 11, 27))
    assert {t: n for t, _l, n in later.by_tier}["specialized"] == 2
    assert later.revenue_count == 0 and later.revenue_wan == "—" and later.intensity_text == "—"


def test_cluster_page_shows_statistics_and_says_where_titles_come_from(client, gov, cluster, members):
    client.force_login(gov["zj_province"])
    page = text_of(client.get(reverse("clusters:detail", args=[cluster.pk]), {"year": YEAR}))
    assert "西湖区精密传动产业集群" in page
    assert "15800.00005" in page
    assert "6.80%" in page
    assert "按 2 家同时有营业收入和研发费用的成员计算" in page
    assert "缺 2025 年营业收入：1 家（杭州丁轴承有限公司）" in page
    assert (
        "称号按平台认定记录统计：证书在 2025-12-31 有效的计入，每家企业按其最高称号计一次；企业自评结果不计入。"
        in page
    )
    assert "修改集群信息" in page and "增加成员" in page


def test_yearly_report_html_and_excel(client, gov, cluster, members):
    client.force_login(gov["hz_city"])
    page = text_of(client.get(reverse("clusters:report"), {"year": YEAR}))
    assert "浙江省杭州市中小企业特色产业集群 2025 年度报告" in page
    assert "共 1 个有效集群，成员企业 4 家次。" in page
    raw = client.get(reverse("clusters:report"), {"year": YEAR}).content.decode()
    assert "data-print" in page and 'class="cl-page"' in raw and "portal/portal.css" in raw
    from django.contrib.staticfiles import finders

    with open(finders.find("portal/portal.css"), encoding="utf-8") as fh:
        css = fh.read()
    assert "@media print" in css and ":where(.cl-page)" in css  # the print layout, for the cluster pages only
    resp = client.get(reverse("clusters:report_xlsx"), {"year": YEAR})
    assert resp["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(resp.content))
    summary = wb.worksheets[0]
    header = [c.value for c in summary[1]]
    row = dict(zip(header, [c.value for c in summary[2]], strict=True))
    assert row["集群名称"] == "西湖区精密传动产业集群"
    assert row["成员数"] == 4
    assert row["专精特新“小巨人”企业"] == 1 and row["专精特新中小企业"] == 1 and row["无梯度培育称号"] == 2
    assert Decimal(str(row["营业收入合计（万元）"])) == Decimal("15800.00005")
    assert Decimal(str(row["研发投入强度"])) == Decimal("0.068")
    assert row["缺营业收入数据的成员数"] == 1 and row["计入研发投入强度的成员数"] == 2
    details = wb["成员明细"]
    names = [r[1].value for r in details.iter_rows(min_row=2)]
    assert names == [
        "杭州甲精密机械有限公司",
        "杭州丙齿轮有限公司",
        "杭州乙传动科技有限公司",
        "杭州丁轴承有限公司",
    ]


def test_region_scope_of_cluster_pages(client, gov, cluster, members):
    url = reverse("clusters:detail", args=[cluster.pk])
    for who in ("yh_county", "sc_province", "cd_city"):
        client.force_login(gov[who])
        assert client.get(url).status_code == 404
        assert "西湖区精密传动产业集群" not in text_of(client.get(reverse("clusters:index")))
        assert "西湖区精密传动产业集群" not in text_of(client.get(reverse("clusters:report"), {"year": YEAR}))
    # The county official of the cluster's county sees it read-only.
    client.force_login(gov["xh_county"])
    page = text_of(client.get(url))
    assert "本集群由省级主管部门维护，您可以查看。" in page
    assert "加入集群" not in page and "确认移出" not in page
    assert client.get(reverse("clusters:edit", args=[cluster.pk])).status_code == 403
    # An enterprise user sees no cluster pages at all.
    client.force_login(make_user("ent-a", Role.ENTERPRISE, enterprise=members["a"]))
    assert client.get(reverse("clusters:index")).status_code == 403


def test_only_the_recognising_level_manages(gov, cluster, members):
    outsider = make_enterprise("杭州戊机电有限公司", "330106", "91330106TESTE0005", profile_with(None))
    with pytest.raises(NotAllowed, match="省级集群“西湖区精密传动产业集群”由省级主管部门办理"):
        actions.add_member(gov["xh_county"], cluster, outsider, expected_version=cluster.version)
    with pytest.raises(NotAllowed, match="不在您的管辖范围内"):
        actions.add_member(gov["sc_province"], cluster, outsider, expected_version=cluster.version)
    with pytest.raises(NotAllowed, match="不能登记产业集群"):
        actions.create_cluster(gov["hz_city"], {**CLUSTER_DATA, "name": "另一个集群"})
    with pytest.raises(InvalidInput) as exc:
        actions.create_cluster(
            gov["zj_province"], {**CLUSTER_DATA, "name": "国家级集群", "level": "national"}
        )
    assert ("level", "省级主管部门不能登记国家级集群") in exc.value.problems
    national = actions.create_cluster(
        gov["national"], {**CLUSTER_DATA, "name": "国家级集群", "level": "national"}
    )
    assert national.level == "national"
    with pytest.raises(NotAllowed, match="由国家级主管部门办理"):
        actions.update_cluster(gov["zj_province"], national, CLUSTER_DATA, national.version)


def test_members_only_from_scope_and_bad_input_names_fields(gov, cluster):
    chengdu = make_enterprise("成都精密仪器有限公司", "510107", "91510107TESTF0006", profile_with(None))
    with pytest.raises(InvalidInput) as exc:
        actions.add_member(gov["zj_province"], cluster, chengdu, expected_version=cluster.version)
    assert exc.value.problems == [("enterprise", "找不到该企业，或该企业不在您的管辖范围内")]
    assert not ClusterMembership.objects.exists()
    with pytest.raises(InvalidInput) as exc:
        actions.create_cluster(
            gov["zj_province"],
            {
                **CLUSTER_DATA,
                "name": "",
                "region_code": "510107",
                "industry_code": "Z99",
                "year_recognised": "1999",
            },
        )
    fields = dict(exc.value.problems)
    assert fields["name"] == "请填写集群名称"
    assert fields["region_code"] == "四川省成都市武侯区不在您的管辖范围内"
    assert fields["industry_code"].startswith("须为国民经济行业分类")
    assert fields["year_recognised"].startswith("认定年度须为 2000 至")
    with pytest.raises(InvalidInput, match="已登记"):
        actions.create_cluster(gov["zj_province"], CLUSTER_DATA)


def test_add_member_page_flow_audit_inbox_and_clusters_of(
    client, gov, cluster, django_capture_on_commit_callbacks
):
    ent = make_enterprise("杭州己减速机有限公司", "330106", "91330106TESTG0007", profile_with(None))
    client.force_login(gov["zj_province"])
    url = reverse("clusters:add_member", args=[cluster.pk])
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(
            url,
            {
                "enterprise": "91330106TESTG0007",
                "role": "leading",
                "joined": "2025-03-01",
                "expected_version": cluster.version,
            },
            follow=True,
        )
    assert "已将“杭州己减速机有限公司”加入集群。" in text_of(resp)
    member = ClusterMembership.objects.get()
    assert (member.enterprise, member.role, member.joined) == (ent, "leading", dt.date(2025, 3, 1))
    assert clusters_of(ent) == [cluster]
    note = Notification.objects.get(enterprise=ent, topic="clusters")
    assert note.title == "贵企业已列为产业集群“西湖区精密传动产业集群”的龙头企业"
    # Adding twice is refused; so is a post from a page that is now stale (the old version).
    resp = client.post(
        url,
        {"enterprise": "杭州己减速机有限公司", "role": "leading", "expected_version": cluster.version + 1},
        follow=True,
    )
    assert "企业“杭州己减速机有限公司”已是集群“西湖区精密传动产业集群”的成员。" in text_of(resp)
    make_enterprise("杭州庚电机有限公司", "330106", "91330106TESTH0008", profile_with(None))
    resp = client.post(
        url,
        {"enterprise": "91330106TESTH0008", "role": "other", "expected_version": cluster.version},
        follow=True,
    )
    assert (
        "集群“西湖区精密传动产业集群”已有更新（您看到的是第 1 版；可能已由他人处理，或您已在别处提交过），请刷新页面后再操作。"
        in text_of(resp)
    )
    assert ClusterMembership.objects.count() == 1
    cluster.refresh_from_db()
    resp = client.post(
        reverse("clusters:remove_member", args=[cluster.pk, member.pk]),
        {"reason": "企业迁出本县", "expected_version": cluster.version},
        follow=True,
    )
    assert "已将“杭州己减速机有限公司”移出集群。" in text_of(resp)
    assert clusters_of(ent) == []
    actions_done = list(
        AuditEntry.objects.filter(target_type="clusters.cluster")
        .order_by("at", "id")
        .values_list("action", flat=True)
    )
    assert actions_done == ["clusters.create", "clusters.add_member", "clusters.remove_member"]
    assert AuditEntry.objects.get(action="clusters.remove_member").reason == "企业迁出本县"


def test_revoked_cluster_is_not_a_fact_and_not_in_report(client, gov, cluster, members):
    with pytest.raises(InvalidInput):
        actions.set_state(gov["zj_province"], cluster, ClusterState.REVOKED, "", cluster.version)
    actions.set_state(gov["zj_province"], cluster, ClusterState.REVOKED, "年度复核不合格", cluster.version)
    assert clusters_of(members["a"]) == []
    assert clusters_of(members["a"], include_revoked=True) == [cluster]
    with pytest.raises(StaleObject):
        actions.set_state(gov["zj_province"], cluster, ClusterState.ACTIVE, "复核通过", cluster.version - 1)
    assert Cluster.objects.get().state_reason == "年度复核不合格"
    # revoked today: it stood throughout 2025, so the 2025 report still lists it and says since when it is revoked
    client.force_login(gov["zj_province"])
    day = timezone.localdate().isoformat()
    page = text_of(client.get(reverse("clusters:report"), {"year": YEAR}))
    assert f"（{day} 已撤销，2025 年度仍有效）" in page and "共 1 个有效集群，成员企业 4 家次。" in page
    assert f"{day} 已撤销" in text_of(client.get(reverse("clusters:detail", args=[cluster.pk])))
    # revoked within 2025: not in that year's report
    Cluster.objects.filter(pk=cluster.pk).update(revoked_on=dt.date(2025, 12, 31))
    assert "本地区暂无有效的产业集群。" in text_of(client.get(reverse("clusters:report"), {"year": YEAR}))
    # reinstated: no revocation day any more
    cluster.refresh_from_db()
    actions.set_state(gov["zj_province"], cluster, ClusterState.ACTIVE, "复核通过", cluster.version)
    assert Cluster.objects.get().revoked_on is None


def _remove(gov, cluster, enterprise, reason="企业迁出本县"):
    cluster.refresh_from_db()
    member = ClusterMembership.objects.get(cluster=cluster, enterprise=enterprise)
    actions.remove_member(gov["zj_province"], member, reason, cluster.version)


def test_a_member_taken_off_still_counts_in_the_years_it_was_a_member(client, gov, cluster, members):
    """Taken off in 2026, A was a member throughout 2025: the 2025 figures and report keep it, marked as removed;
    the current list, the policies' facts and this year's figures do not."""
    _remove(gov, cluster, members["a"])
    assert clusters_of(members["a"]) == []
    past = cluster_stats(cluster, YEAR, today=dt.date(2026, 11, 28))
    assert past.member_count == 4
    assert past.revenue_total == Decimal("158000000.50")  # A's 120,000,000 still in
    assert {t: n for t, _l, n in past.by_tier}["specialized"] == 1  # A's title on 2025-12-31
    now = cluster_stats(cluster, 2026, today=dt.date(2026, 11, 28))
    assert now.member_count == 3 and "杭州甲精密机械有限公司" not in [m.name for m in now.members]

    client.force_login(gov["zj_province"])
    day = timezone.localdate().isoformat()
    page = text_of(client.get(reverse("clusters:detail", args=[cluster.pk]), {"year": YEAR}))
    assert f"{day} 已移出，计入 2025 年度统计" in page
    assert "统计 2025-12-31 时的成员：2025 年底前已加入的现有成员，以及此后才移出的成员。" in page
    # no "移出" form for a member already taken off (its row is not a current membership)
    assert page.count("确认移出") == 3
    report = text_of(client.get(reverse("clusters:report"), {"year": YEAR}))
    assert "共 1 个有效集群，成员企业 4 家次。" in report
    wb = load_workbook(io.BytesIO(client.get(reverse("clusters:report_xlsx"), {"year": YEAR}).content))
    details = wb["成员明细"]
    header = [c.value for c in details[1]]
    rows = [dict(zip(header, [c.value for c in r], strict=True)) for r in details.iter_rows(min_row=2)]
    left = {r["企业名称"]: r["移出日期"] for r in rows}
    assert left["杭州甲精密机械有限公司"] == day and left["杭州乙传动科技有限公司"] in ("", None)


def test_a_member_taken_off_within_the_year_does_not_count_for_it(gov, cluster, members):
    from portal.clusters.models import FormerMembership

    _remove(gov, cluster, members["a"])
    FormerMembership.objects.filter(enterprise=members["a"]).update(left=dt.date(2025, 9, 30))
    past = cluster_stats(cluster, YEAR, today=dt.date(2026, 11, 28))
    assert past.member_count == 3
    assert past.revenue_total == Decimal("38000000.50")


def test_an_enterprise_taken_off_and_added_again_counts_once(gov, cluster, members):
    _remove(gov, cluster, members["b"])
    cluster.refresh_from_db()
    # added again with its first joining day: both rows reach 2025-12-31
    actions.add_member(
        gov["zj_province"],
        cluster,
        members["b"],
        joined=dt.date(2024, 6, 1),
        expected_version=cluster.version,
    )
    past = cluster_stats(cluster, YEAR, today=dt.date(2026, 11, 28))
    assert [m.name for m in past.members].count("杭州乙传动科技有限公司") == 1
    assert past.member_count == 4 and past.revenue_total == Decimal("158000000.50")


def test_history_of_an_existing_installation_is_read_from_its_audit_trail(gov, cluster, members):
    """The migration that added the history fills it from the audit rows of removals and revocations."""
    import importlib

    from django.apps import apps

    from portal.clusters.models import FormerMembership

    migration = importlib.import_module("portal.clusters.migrations.0002_former_members_and_revocation_day")
    _remove(gov, cluster, members["c"], "迁出")
    cluster.refresh_from_db()
    actions.set_state(gov["zj_province"], cluster, ClusterState.REVOKED, "年度复核不合格", cluster.version)
    FormerMembership.objects.all().delete()
    Cluster.objects.update(revoked_on=None)
    migration.history_from_audit(apps, None)
    former = FormerMembership.objects.get()
    day = timezone.localdate()
    assert (former.enterprise, former.role, former.joined, former.left, former.reason) == (
        members["c"],
        "supporting",
        dt.date(2024, 6, 1),
        day,
        "迁出",
    )
    assert Cluster.objects.get().revoked_on == day


def test_create_and_edit_pages(client, gov):
    client.force_login(gov["zj_province"])
    page = text_of(client.get(reverse("clusters:create")))
    assert (
        "国家级" not in page.split("集群层级")[1].split("</select>")[0]
    )  # province may register provincial only
    resp = client.post(reverse("clusters:create"), {**CLUSTER_DATA, "industry_code": "X1"})
    assert "主导产业行业代码（GB/T 4754，如 C34 或 C3484）：须为国民经济行业分类" in text_of(resp)
    assert not Cluster.objects.exists()
    resp = client.post(reverse("clusters:create"), CLUSTER_DATA, follow=True)
    assert "已登记集群“西湖区精密传动产业集群”。" in text_of(resp)
    cluster = Cluster.objects.get()
    resp = client.post(
        reverse("clusters:edit", args=[cluster.pk]),
        {**CLUSTER_DATA, "operator_name": "西湖区产业发展中心", "expected_version": cluster.version},
        follow=True,
    )
    assert "西湖区产业发展中心" in text_of(resp)
    client.force_login(gov["hz_city"])
    assert client.get(reverse("clusters:create")).status_code == 403
