"""The officials' dashboards: the figures per region, the Excel exports, the refresh job, the page itself.

A small hand-made world with known answers: three enterprises in 西湖区 (杭州), one in 余杭区 (杭州),
one in 武侯区 (成都); titles, self-assessments, applications with review times, a cluster and a policy.
Every figure is read from the page or the export as an official sees it, after a real refresh.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from portal.accounts.roles import Role
from portal.assessments.models import Assessment
from portal.audit.models import AuditEntry
from portal.cultivation.models import Application, Batch, Recognition
from portal.dashboard import actions, panels, refresh, stats
from portal.dashboard.exports import HEADER_ROW
from portal.dashboard.models import RefreshState, RegionStat, StatsRefresh
from portal.dashboard.tasks import refresh_stats

from .factories import make_enterprise, make_user
from .test_cultivation_helpers import credit_code

pytestmark = pytest.mark.django_db

_serial = iter(range(1, 10_000))


def enterprise(name: str, region: str, *, industry: str = "C3484", digital: int | None = None):
    n = next(_serial)
    ent = make_enterprise(name, region=region, credit_code=credit_code(f"91{region}MA{n:07d}"))
    profile = dict(ent.profile)
    if digital is None:
        profile.pop("digital_level", None)
    else:
        profile["digital_level"] = digital
    ent.industry = industry
    ent.profile = profile
    ent.save()
    return ent


def title(ent, tier: str, year: int, *, status: str = "active", days: int = 3 * 365):
    n = next(_serial)
    start = dt.date(year, 11, 8)
    return Recognition.objects.create(
        enterprise=ent,
        tier=tier,
        certificate_no=f"DASH-{n:05d}",
        verification_code=f"D{n:07d}",
        valid_from=start,
        valid_until=start + dt.timedelta(days=days),
        status=status,
        issued_by_level="province",
        issued_by_region=ent.region[:2] + "0000",
    )


def self_assessment(ent, tier: str, ruleset_id: str = "cn-miit-2026", is_review: bool = False):
    return Assessment.objects.create(
        enterprise=ent,
        ruleset_id=ruleset_id,
        is_review=is_review,
        as_of=timezone.localdate(),
        input_snapshot={},
        result={"zh": {}},
        highest_tier=tier,
    )


def application(ent, tier: str, state: str, *, review_days: float | None = None):
    batch = Batch.objects.create(
        tier=tier,
        year=2026,
        name=f"2026 年{tier}批次",
        level="city",
        region_code=ent.region[:4] + "00",
        opens_on=dt.date(2026, 1, 1),
        closes_on=dt.date(2026, 12, 31),
    )
    submitted = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 0))
    decided = submitted + dt.timedelta(days=review_days) if review_days is not None else None
    return Application.objects.create(
        enterprise=ent, batch=batch, tier=tier, state=state, submitted_at=submitted, decided_at=decided
    )


@pytest.fixture
def world(gov):
    xh = [
        enterprise("西湖精密传动有限公司", "330106", industry="C3484", digital=3),
        enterprise("西湖软件科技有限公司", "330106", industry="I6513", digital=1),
        enterprise("西湖智能装备有限公司", "330106", industry="C3491"),
    ]
    yh = enterprise("余杭新材料有限公司", "330110", industry="C2651", digital=2)
    cd = enterprise("成都精密仪器有限公司", "510107", industry="C4011", digital=4)
    title(xh[0], "specialized", 2024)
    title(xh[1], "specialized", 2024)
    title(xh[2], "innovative", 2025)
    title(xh[2], "specialized", 2025, status="revoked")  # revoked: never counted
    title(yh, "little_giant", 2025)
    title(cd, "specialized", 2025)
    self_assessment(xh[0], "innovative")
    self_assessment(xh[0], "little_giant")  # the latest one counts
    self_assessment(xh[1], "none")
    self_assessment(cd, "specialized")
    application(xh[0], "little_giant", "recommended", review_days=4)
    application(xh[1], "tech_innovative", "returned", review_days=2)
    application(xh[2], "tech_innovative", "submitted")
    application(xh[0], "specialized", "draft")  # the enterprise's own, not yet an application to anyone
    application(cd, "tech_innovative", "rejected", review_days=30)
    return {"gov": gov, "xh": xh, "yh": yh, "cd": cd}


def run_refresh():
    result = refresh_stats.call()
    assert result["state"] == RefreshState.DONE, result
    return result


def page(client, user, **params):
    client.force_login(user)
    resp = client.get(reverse("dashboard:index"), params)
    assert resp.status_code == 200
    return resp


def panel_of(resp, key: str) -> dict:
    return next(p for p in resp.context["panels"] if p["key"] == key)


def card(resp, label: str):
    return next(c["value"] for c in resp.context["cards"] if c["label"] == label)


# --- the figures, per region ---------------------------------------------------------------------------


def test_city_official_sees_the_city_and_province_official_only_theirs(client, world):
    run_refresh()
    gov = world["gov"]
    hz = page(client, gov["hz_city"])
    assert card(hz, "企业总数") == 4
    assert panel_of(hz, "regions")["rows"] == [
        ["330106", "西湖区", 3, 3],
        ["330110", "余杭区", 1, 1],
    ]
    sc = page(client, gov["sc_province"])
    assert card(sc, "企业总数") == 1
    assert panel_of(sc, "regions")["rows"] == [["510100", "成都市", 1, 1]]
    assert "西湖" not in sc.content.decode()
    xh = page(client, gov["xh_county"])
    assert card(xh, "企业总数") == 3
    assert panel_of(xh, "regions")["rows"] == [["330106", "浙江省杭州市西湖区", 3, 3]]
    national = page(client, gov["national"])
    assert card(national, "企业总数") == 5
    assert panel_of(national, "regions")["rows"] == [
        ["330000", "浙江省", 4, 4],
        ["510000", "四川省", 1, 1],
    ]
    assert panel_of(national, "regions")["chart"] == "map"


def test_out_of_region_enterprises_never_contribute(client, world):
    run_refresh()
    yh = page(client, world["gov"]["yh_county"])
    assert card(yh, "企业总数") == 1
    assert panel_of(yh, "industry")["rows"] == [["C", "制造业", 1]]
    assert panel_of(yh, "tiers")["rows"] == [["2025", 1]]
    assert panel_of(yh, "applications")["empty"]
    body = yh.content.decode()
    assert "暂无数据" in body
    for other in ("西湖", "成都", "四川"):
        assert other not in body


def test_tier_trend_counts_titles_by_year_without_revoked(client, world):
    run_refresh()
    hz = page(client, world["gov"]["hz_city"])
    tiers = panel_of(hz, "tiers")
    assert tiers["columns"] == ["年度", "创新型中小企业", "专精特新中小企业", "专精特新“小巨人”企业"]
    assert tiers["rows"] == [["2024", 0, 2, 0], ["2025", 1, 0, 1]]
    assert tiers["categories"] == ["2024", "2025"]
    assert [s["name"] for s in tiers["series"]] == ["创新型", "专精特新", "小巨人"]
    assert card(hz, "有效认定") == 4
    assert panel_of(hz, "self_tiers")["rows"] == [["未达任何层级", 1], ["专精特新“小巨人”企业", 1]]


def test_industry_digital_applications_and_review_time(client, world):
    run_refresh()
    hz = page(client, world["gov"]["hz_city"])
    assert panel_of(hz, "industry")["rows"] == [
        ["C", "制造业", 3],
        ["I", "信息传输、软件和信息技术服务业", 1],
    ]
    assert panel_of(hz, "digital")["rows"] == [
        ["一级", 1],
        ["二级", 1],
        ["三级", 1],
        ["四级", 0],
        ["未评测", 1],
    ]
    assert panel_of(hz, "applications")["rows"] == [
        ["待审核", 1],
        ["退回修改", 1],
        ["已推荐，待国家级审核", 1],
    ]
    assert panel_of(hz, "review")["rows"] == [
        ["科技和创新型中小企业", 1, 2.0],
        ["专精特新“小巨人”企业", 1, 4.0],
    ]
    assert (
        card(hz, "待审核申报") == 2
    )  # waiting for an official: the city's submitted one, the national review
    assert card(hz, "平均审核天数") == 3.0
    # 成都's 30-day review never reaches 杭州's average; the country's includes it.
    national = page(client, world["gov"]["national"])
    assert panel_of(national, "review")["rows"][0] == ["科技和创新型中小企业", 2, 16.0]


def test_optional_apps_clusters_and_policies(client, world):
    from portal.clusters.models import Cluster, ClusterMembership
    from portal.policies.models import Grant, Policy, PushRecord

    hz_page = page(client, world["gov"]["hz_city"])
    for key in ("policies", "services", "clusters"):
        assert panel_of(hz_page, key)["empty"]
    cluster = Cluster.objects.create(
        name="西湖区智能传动产业集群",
        level="provincial",
        year_recognised=2025,
        region_code="330106",
        industry_code="C3484",
        industry_text="齿轮及传动部件",
        operator_name="西湖区产业促进中心",
    )
    for ent in world["xh"][:2]:
        ClusterMembership.objects.create(cluster=cluster, enterprise=ent, joined=dt.date(2025, 1, 1))
    policy = Policy.objects.create(
        title="杭州市专精特新企业奖励",
        level="city",
        region_code="330100",
        region_prefix="3301",
        department="杭州市经信局",
        benefit_type="reward",
        status="published",
    )
    for ent in [*world["xh"], world["cd"]]:
        PushRecord.objects.create(policy=policy, enterprise=ent, trigger="published")
    Grant.objects.create(policy=policy, enterprise=world["xh"][0], region="330106", status="paid")
    Grant.objects.create(policy=policy, enterprise=world["xh"][1], region="330106", status="refused")
    run_refresh()
    hz = page(client, world["gov"]["hz_city"])
    assert panel_of(hz, "clusters")["rows"] == [["省级", 1, 2]]
    assert card(hz, "产业集群") == 1
    assert panel_of(hz, "policies")["rows"] == [["杭州市专精特新企业奖励", 3, 1, 1]]
    sc = page(client, world["gov"]["sc_province"])
    assert panel_of(sc, "clusters")["empty"]
    assert panel_of(sc, "policies")["rows"] == [["杭州市专精特新企业奖励", 1, 0, 0]]


def test_an_app_without_tables_is_skipped():
    assert refresh._optional_models("no_such_app", ("Thing",)) is None
    assert refresh.available("clusters") is True


def test_municipalities_and_direct_counties_list_their_counties(db):
    enterprise("北京朝阳精密有限公司", "110105")
    enterprise("仙桃无纺布有限公司", "429004")
    enterprise("武汉光电有限公司", "420111")
    run_refresh()
    assert [(s.adcode, s.name) for s in stats.sub_regions("11")] == [("110105", "朝阳区")]
    assert [(s.adcode, s.name) for s in stats.sub_regions("42")] == [
        ("420100", "武汉市"),
        ("429004", "仙桃市"),
    ]
    _ctx, (beijing,) = panels.build("11", ["regions"])
    assert beijing["chart"] == "hbar"
    assert beijing["note"] == "暂无区县级地图数据，按区县以柱状图显示。"
    _ctx, (hubei,) = panels.build("42", ["regions"])
    assert hubei["chart"] == "map"
    assert hubei["map"]["url"].endswith("dashboard/geo/cities/420000.geojson")


# --- exports ---------------------------------------------------------------------------------------------


def read_xlsx(resp) -> list[list]:
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(
        io.BytesIO(b"".join(resp.streaming_content) if resp.streaming else resp.content)
    ).active
    return [list(r) for r in ws.iter_rows(values_only=True)]


@pytest.mark.parametrize("key", list(panels.PANELS))
def test_export_holds_the_panel_numbers(client, world, key):
    run_refresh()
    user = world["gov"]["hz_city"]
    shown = panel_of(page(client, user), key)
    cells = read_xlsx(client.get(reverse("dashboard:export"), {"panel": key}))
    assert cells[0][0] == shown["title"]
    assert cells[1][0] == "地区：浙江省杭州市"
    assert cells[2][0].startswith("统计时间：20")
    assert cells[HEADER_ROW - 1][: len(shown["columns"])] == shown["columns"]
    width = len(shown["columns"])
    table = [[None if v == "" else v for v in row[:width]] for row in cells[HEADER_ROW:]]
    if shown["rows"]:
        assert table == shown["rows"]
    else:
        assert table == [["暂无数据", *[None] * (width - 1)]]


def test_export_regions_for_a_province_official(client, world):
    run_refresh()
    client.force_login(world["gov"]["sc_province"])
    cells = read_xlsx(client.get(reverse("dashboard:export"), {"panel": "regions"}))
    assert cells[HEADER_ROW - 1][:4] == ["地区代码", "地区", "企业数", "有效认定数"]
    assert [r[:4] for r in cells[HEADER_ROW:]] == [["510100", "成都市", 1, 1]]


def test_export_of_an_unknown_panel_is_404(client, world):
    client.force_login(world["gov"]["hz_city"])
    assert client.get(reverse("dashboard:export"), {"panel": "nope"}).status_code == 404


# --- who may see it --------------------------------------------------------------------------------------


def test_non_officials_are_refused(client, gov, hz_owner):
    provider = make_user("svc-dash", Role.PROVIDER)
    admin = make_user("admin-dash", Role.ADMIN)
    urls = [reverse("dashboard:index"), reverse("dashboard:export") + "?panel=tiers"]
    for user in (hz_owner, provider, admin):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 403, (user.username, url)
        assert client.post(reverse("dashboard:refresh")).status_code == 403
    assert not StatsRefresh.objects.exists()
    client.logout()
    resp = client.get(reverse("dashboard:index"))
    assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]
    assert client.post(reverse("dashboard:refresh")).status_code == 302
    assert not StatsRefresh.objects.exists()


# --- refreshing -----------------------------------------------------------------------------------------


def test_figures_are_pre_aggregated_and_an_official_refresh_recomputes(client, world):
    run_refresh()
    user = world["gov"]["xh_county"]
    before = page(client, user)
    assert card(before, "企业总数") == 3
    assert re.search(r"统计时间：\d{4}-\d{2}-\d{2} \d{2}:\d{2}", before.content.decode())
    enterprise("西湖新开企业有限公司", "330106")
    assert card(page(client, user), "企业总数") == 3  # still the last refresh's figures
    resp = client.post(reverse("dashboard:refresh"), follow=True)
    assert "已提交统计刷新，完成后本页会显示新的统计时间。" in resp.content.decode()
    assert card(resp, "企业总数") == 4
    run = StatsRefresh.objects.filter(requested_by=user).get()
    assert run.state == RefreshState.DONE and run.rows > 0 and run.finished_at is not None
    entry = AuditEntry.objects.get(action="dashboard.refresh_requested")
    assert entry.actor == user and entry.region_code == "330106"


def test_a_second_request_while_one_is_pending_is_refused(client, world):
    StatsRefresh.objects.create(state=RefreshState.QUEUED, requested_by=world["gov"]["national"])
    client.force_login(world["gov"]["hz_city"])
    resp = client.post(reverse("dashboard:refresh"), follow=True)
    body = resp.content.decode()
    assert "统计正在刷新" in body and "无需重复提交" in body
    assert StatsRefresh.objects.count() == 1
    assert "disabled" in body


def test_a_stale_queued_request_does_not_block(client, world):
    stale = StatsRefresh.objects.create(state=RefreshState.QUEUED)
    StatsRefresh.objects.filter(pk=stale.pk).update(requested_at=timezone.now() - dt.timedelta(hours=2))
    run = actions.request_refresh(world["gov"]["hz_city"])
    assert run.state == RefreshState.DONE


def test_before_any_refresh_the_page_says_so(client, world):
    resp = page(client, world["gov"]["hz_city"])
    assert "尚未生成统计" in resp.content.decode()
    assert card(resp, "企业总数") == 0


def test_refresh_replaces_rows_and_rolls_up_every_level(world):
    run_refresh()
    first = RegionStat.objects.count()
    run_refresh()
    assert RegionStat.objects.count() == first
    enterprises = dict(RegionStat.objects.filter(metric="enterprises").values_list("region", "count"))
    assert enterprises == {
        "": 5,
        "33": 4,
        "3301": 4,
        "330106": 3,
        "330110": 1,
        "51": 1,
        "5101": 1,
        "510107": 1,
    }
    parents = dict(RegionStat.objects.filter(metric="enterprises").values_list("region", "parent"))
    assert parents == {
        "": None,
        "33": "",
        "3301": "33",
        "330106": "3301",
        "330110": "3301",
        "51": "",
        "5101": "51",
        "510107": "5101",
    }


def test_management_command_runs_now(world, capsys):
    from django.core.management import call_command

    call_command("refresh_dashboard", "--run-now")
    assert "rows in" in capsys.readouterr().out
    assert actions.last_refresh() is not None


# --- the page -------------------------------------------------------------------------------------------


def test_page_loads_echarts_from_static_and_nothing_from_another_host(client, world):
    run_refresh()
    body = page(client, world["gov"]["national"]).content.decode()
    scripts = re.findall(r'<script[^>]*\ssrc="([^"]+)"', body)
    links = re.findall(r'<link[^>]*\shref="([^"]+)"', body)
    assert "/static/vendor/echarts/echarts.min.js" in scripts
    assert "/static/dashboard/dashboard.js" in scripts
    for url in scripts + links:
        assert not re.match(r"^(https?:)?//", url), url
    assert finders.find("vendor/echarts/echarts.min.js")
    assert finders.find("dashboard/geo/china-provinces.geojson")
    assert finders.find("vendor/echarts/LICENSE")
    # Each chart has its export buttons; the chart data is on the page for the script.
    assert body.count("导出图片") >= 5 and body.count("导出数据") == len(panels.PANELS)
    assert 'id="dash-data"' in body
    assert "/static/dashboard/geo/china-provinces.geojson" in body


def test_self_tiers_count_assessments_under_the_measures_in_force(client, gov):
    """An enterprise checking a past date under the 2022 measures (or a re-review) last was counted by that verdict,
    mixing 2022 rungs into today's ladder."""
    ent = enterprise("西湖对照测试有限公司", "330106")
    self_assessment(ent, "specialized", "cn-miit-2026+zj")  # today's measures, with a province overlay
    self_assessment(ent, "innovative", "cn-miit-2022")  # later, for a past date
    self_assessment(ent, "little_giant", "cn-miit-2022", is_review=True)
    other = enterprise("西湖旧评测试有限公司", "330106")
    self_assessment(other, "innovative", "cn-miit-2022")  # nothing under today's measures: not counted
    run_refresh()
    xh = page(client, gov["xh_county"])
    assert panel_of(xh, "self_tiers")["rows"] == [["专精特新中小企业", 1]]
