"""The service network through its action functions: institutions reviewed before anyone sees them,
offerings matched by category and region, demands routed, answered within and beyond the deadline,
closed with a rating, and everything region-scoped. `now` is injected; nobody sleeps.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from portal.accounts.roles import Role
from portal.actions import InvalidInput, NotAllowed, StaleObject
from portal.audit.models import AuditEntry
from portal.inbox.models import Notification
from portal.services import actions, deadlines, selectors
from portal.services.models import (
    Demand,
    DemandState,
    InstitutionState,
    Level,
    ServiceInstitution,
)

from .factories import PASSWORD, make_enterprise, make_user

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code(body17: str) -> str:
    """A GB 32100 code with the correct check character."""
    total = sum(_CHARS.index(c) * w for c, w in zip(body17, _WEIGHTS, strict=True))
    return body17 + _CHARS[(31 - total % 31) % 31]


def at(y, m, d, hh=10, mm=0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=SH)


_seq = iter(range(1, 10_000))


def register(username: str, name: str, level: str, region: str, kind: str = "market_provider"):
    """A provider user and its (pending) institution, registered as a visitor would."""
    n = next(_seq)
    user = actions.register_provider(
        username=username,
        password=PASSWORD,
        full_name=f"{name}联系人",
        name=name,
        kind=kind,
        level=level,
        region_code=region,
        credit_code=credit_code(f"91330100MA{n:07d}"),
        contact_name="王经理",
        contact_phone="13800001111",
        description="为中小企业提供专业服务",
    )
    return user, actions.membership_of(user).institution


def approve(official, institution):
    return actions.review_institution(
        official, institution, decision="approve", expected_version=institution.version
    )


def offer(provider, category: str, title: str, regions, price: str = "1_5"):
    return actions.save_offering(
        provider,
        category=category,
        title=title,
        description=f"{title}：服务内容说明",
        price_band=price,
        regions=regions,
        contact="王经理 13800001111",
    )


def approved_provider(gov, username, name, category, regions, level=Level.CITY, region="330100"):
    user, inst = register(username, name, level, region)
    reviewer = {
        Level.CITY: gov["hz_city"],
        Level.PROVINCE: gov["zj_province"],
        Level.COUNTY: gov["xh_county"],
        Level.NATIONAL: gov["national"],
    }[level]
    approve(reviewer, inst)
    offer(user, category, f"{name}的{category}服务", regions)
    return user, inst


# ---------------------------------------------------------------------------------------------- institutions


def test_registration_is_pending_and_the_reviewer_is_told(gov, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user, inst = register("prov-a", "杭州数智咨询有限公司", Level.CITY, "330100")
    assert user.role == Role.PROVIDER and user.organisation == "杭州数智咨询有限公司"
    assert inst.state == InstitutionState.PENDING
    note = Notification.objects.get(user=gov["hz_city"])
    assert note.title == "服务机构“杭州数智咨询有限公司”申请入驻，待您审核"
    assert not Notification.objects.filter(user__in=[gov["zj_province"], gov["xh_county"]]).exists()
    entry = AuditEntry.objects.get(action="services.institution_registered")
    assert entry.to_state == "pending" and entry.region_code == "330100"


def test_provider_unseen_until_approved(gov, hz_owner, django_capture_on_commit_callbacks):
    user, inst = register("prov-b", "西湖知识产权服务中心", Level.CITY, "330100")
    o = offer(user, "ip", "专利申请代理", "330100")
    # Nobody but the member and the reviewing official finds it.
    assert not selectors.public_offerings().filter(pk=o.pk).exists()
    assert not selectors.public_institutions().filter(pk=inst.pk).exists()
    for outsider in (hz_owner, gov["zj_province"], gov["national"], gov["xh_county"], gov["sc_province"]):
        assert not selectors.institutions_for(outsider).filter(pk=inst.pk).exists(), outsider.username
        assert not selectors.offerings_for(outsider).filter(pk=o.pk).exists(), outsider.username
    assert selectors.institutions_for(gov["hz_city"]).filter(pk=inst.pk).exists()
    assert selectors.institutions_for(user).filter(pk=inst.pk).exists()
    # A demand posted now is not routed to it.
    demand = actions.post_demand(
        hz_owner, hz_owner.enterprise, category="ip", title="专利布局", text="需要专利布局建议"
    )
    assert demand.matches.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        approve(gov["hz_city"], inst)
    assert selectors.public_offerings().filter(pk=o.pk).exists()
    assert selectors.offerings_for(hz_owner).filter(pk=o.pk).exists()
    assert Notification.objects.filter(user=user, title__contains="已通过审核").exists()
    later = actions.post_demand(hz_owner, hz_owner.enterprise, category="ip", title="商标", text="商标注册")
    assert list(later.matches.values_list("institution__name", flat=True)) == ["西湖知识产权服务中心"]


def test_a_county_without_a_bureau_on_the_platform_is_reviewed_by_its_city(
    gov, django_capture_on_commit_callbacks
):
    # 上城区 (330102) has no county account; 西湖区 (330106) has one.
    with django_capture_on_commit_callbacks(execute=True):
        _u, shangcheng = register("prov-sc1", "上城区企业服务中心", Level.COUNTY, "330102")
    _u, xihu = register("prov-xh1", "西湖区企业服务中心", Level.COUNTY, "330106")
    assert Notification.objects.filter(
        user=gov["hz_city"], title="服务机构“上城区企业服务中心”申请入驻，待您审核"
    ).exists()
    assert actions.allowed_reviews(gov["hz_city"], shangcheng) == ["approve", "reject"]
    assert selectors.institutions_for(gov["hz_city"]).filter(pk=shangcheng.pk).exists()
    # the county that has its own bureau keeps it; nobody else gains anything
    assert not selectors.institutions_for(gov["hz_city"]).filter(pk=xihu.pk).exists()
    for other in (gov["zj_province"], gov["national"], gov["xh_county"], gov["cd_city"]):
        assert not actions.is_reviewer(other, shangcheng), other.username
        assert not selectors.institutions_for(other).filter(pk=shangcheng.pk).exists(), other.username
    with pytest.raises(NotAllowed) as exc:
        approve(gov["xh_county"], shangcheng)
    assert "由浙江省杭州市（市级）主管部门审核" in exc.value.message
    approve(gov["hz_city"], shangcheng)
    assert shangcheng.state == InstitutionState.APPROVED


def test_only_the_official_of_that_level_and_region_reviews(gov):
    _user, inst = register("prov-c", "杭州融资服务公司", Level.CITY, "330100")
    for wrong in (gov["zj_province"], gov["national"], gov["xh_county"], gov["cd_city"]):
        with pytest.raises(NotAllowed) as exc:
            actions.review_institution(wrong, inst, decision="approve", expected_version=inst.version)
        assert (
            exc.value.message == "服务机构“杭州融资服务公司”由浙江省杭州市（市级）主管部门审核，您无权审核。"
        )
    inst.refresh_from_db()
    assert inst.state == InstitutionState.PENDING


def test_reject_needs_a_reason_then_resubmit_goes_back_to_pending(gov):
    user, inst = register("prov-d", "西湖法律服务所", Level.COUNTY, "330106")
    with pytest.raises(InvalidInput) as exc:
        actions.review_institution(gov["xh_county"], inst, decision="reject", expected_version=inst.version)
    assert exc.value.problems == [("reason", "请填写理由，机构会看到这段文字")]
    actions.review_institution(
        gov["xh_county"],
        inst,
        decision="reject",
        reason="营业执照经营范围不含法律服务",
        expected_version=inst.version,
    )
    inst.refresh_from_db()
    assert (inst.state, inst.reason, inst.reviewed_by) == (
        "rejected",
        "营业执照经营范围不含法律服务",
        gov["xh_county"],
    )
    actions.resubmit_institution(
        user,
        inst,
        expected_version=inst.version,
        name="西湖律师事务所",
        kind="market_provider",
        level="county",
        region_code="330106",
        contact_name="王律师",
        contact_phone="0571-88886666",
    )
    inst.refresh_from_db()
    assert (inst.state, inst.name, inst.reason) == ("pending", "西湖律师事务所", "")
    trail = list(
        AuditEntry.objects.filter(target_id=str(inst.pk), target_type="services.serviceinstitution")
        .order_by("id")
        .values_list("action", "from_state", "to_state")
    )
    assert trail == [
        ("services.institution_registered", "", "pending"),
        ("services.institution_reject", "pending", "rejected"),
        ("services.institution_resubmitted", "rejected", "pending"),
    ]


def test_stale_review_is_refused(gov):
    _user, inst = register("prov-e", "余杭检测中心", Level.CITY, "330100")
    seen = inst.version
    approve(gov["hz_city"], inst)
    again = ServiceInstitution.objects.get(pk=inst.pk)
    with pytest.raises(StaleObject):
        actions.review_institution(
            gov["hz_city"], again, decision="suspend", reason="投诉核查", expected_version=seen
        )


def test_suspended_institution_disappears_from_the_catalogue(gov, hz_owner):
    _user, inst = approved_provider(gov, "prov-f", "杭州人才服务公司", "talent", "330100")
    assert selectors.public_offerings().filter(institution=inst).count() == 1
    actions.review_institution(
        gov["hz_city"], inst, decision="suspend", reason="多次超时未响应", expected_version=inst.version
    )
    assert selectors.public_offerings().filter(institution=inst).count() == 0
    assert actions.matching_institutions("talent", "330106").count() == 0


def test_registration_problems_name_the_field(gov):
    with pytest.raises(InvalidInput) as exc:
        actions.register_provider(
            username="",
            password="x",
            full_name="",
            name="某机构",
            kind="bank",
            level="city",
            region_code="330106",
            credit_code="123",
            contact_name="",
            contact_phone="12",
        )
    fields = dict(exc.value.problems)
    assert fields["username"] == "请填写用户名"
    assert fields["kind"] == "请选择机构类型（公共服务机构或市场化服务机构）"
    assert fields["region_code"] == "浙江省杭州市西湖区不是市级行政区；请填写与所在层级一致的代码"
    assert fields["credit_code"] == "统一社会信用代码应为 18 位（现为 3 位）"
    assert fields["contact_phone"] == "请填写 11 位手机号或带区号的固定电话（如 0571-88886666）"
    assert not ServiceInstitution.objects.exists()


# ---------------------------------------------------------------------------------------------- offerings


def test_regions_served_are_code_prefixes():
    assert actions.parse_regions("330000 330100、510107 全国") == (["*", "33", "3301", "510107"], [])
    tokens, problems = actions.parse_regions("3301 999999")
    assert tokens == []
    assert problems == [
        "“3301”不是 6 位行政区划代码（如 330000、330100、330106）或“全国”",
        "未知的行政区划代码 999999",
    ]
    assert actions.region_tokens_label(["*", "3301"]) == "全国、浙江省杭州市"


def test_matching_providers_by_category_and_region(gov):
    _a, city = approved_provider(gov, "prov-g", "杭州数字化服务商", "digital_transformation", "330100")
    _b, prov = approved_provider(
        gov,
        "prov-h",
        "浙江全省数字化联盟",
        "digital_transformation",
        "330000",
        level=Level.PROVINCE,
        region="330000",
    )
    _c, _legal = approved_provider(gov, "prov-i", "杭州法律服务商", "legal", "330100")
    _d, nation = approved_provider(
        gov, "prov-j", "全国融资平台", "digital_transformation", "全国", level=Level.NATIONAL, region=""
    )
    _e, yh = approved_provider(gov, "prov-k", "余杭区服务站", "digital_transformation", "330110")

    def names(region):
        return set(
            actions.matching_institutions("digital_transformation", region).values_list("name", flat=True)
        )

    assert names("330106") == {city.name, prov.name, nation.name}
    assert names("330110") == {city.name, prov.name, nation.name, yh.name}
    assert names("510107") == {nation.name}
    assert "杭州法律服务商" not in names("330106")


def test_only_members_change_their_offerings(gov, hz_owner):
    user, _inst = approved_provider(gov, "prov-l", "杭州管理咨询公司", "management_consulting", "330100")
    other, _ = register("prov-m", "另一家咨询公司", Level.CITY, "330100")
    o = selectors.public_offerings().get(institution__name="杭州管理咨询公司")
    with pytest.raises(NotAllowed):
        actions.save_offering(
            other,
            offering=o,
            expected_version=o.version,
            category="legal",
            title="改名",
            description="x",
            price_band="free",
            regions="全国",
            contact="x",
        )
    with pytest.raises(NotAllowed):
        actions.save_offering(
            hz_owner,
            category="legal",
            title="企业发布",
            description="x",
            price_band="free",
            regions="全国",
            contact="x",
        )
    with pytest.raises(InvalidInput) as exc:
        actions.save_offering(
            user, category="", title="", description="", price_band="cheap", regions="", contact=""
        )
    assert [f for f, _ in exc.value.problems] == [
        "category",
        "title",
        "description",
        "price_band",
        "regions",
        "contact",
    ]


# ---------------------------------------------------------------------------------------------- demands


def test_working_days_skip_weekends():
    fri, sat = dt.date(2026, 11, 27), dt.date(2026, 11, 28)
    assert deadlines.add_working_days(fri, 1) == dt.date(2026, 11, 30)  # Monday
    assert deadlines.add_working_days(fri, 2) == dt.date(2026, 12, 1)  # Tuesday
    assert deadlines.add_working_days(sat, 2) == dt.date(2026, 12, 1)
    assert deadlines.add_working_days(dt.date(2026, 11, 30), 3) == dt.date(2026, 12, 3)
    assert deadlines.working_days_between(dt.date(2026, 12, 1), dt.date(2026, 12, 7)) == 4
    assert deadlines.target_days("policy_consulting") == 1
    assert deadlines.target_days("testing_certification") == 3
    assert deadlines.target_days("financing") == 2
    assert all(1 <= n <= 3 for n in deadlines.targets()["categories"].values())


@pytest.mark.parametrize(
    ("region", "level", "code", "who"),
    [
        ("330106", "county", "330106", "xh_county"),  # the county has an official on the platform
        ("330105", "city", "330100", "hz_city"),  # 拱墅区 has none: the city answers
        ("330203", "province", "330000", "zj_province"),  # 宁波 has none: the province answers
        ("440106", "national", "", "national"),  # nobody in 广东: the national level
    ],
)
def test_demand_routed_to_the_responsible_level(
    gov, region, level, code, who, django_capture_on_commit_callbacks
):
    ent = make_enterprise(
        name=f"企业{region}", region=region, credit_code=credit_code(f"91{region}MA0000001")
    )
    owner = make_user(f"owner-{region}", Role.ENTERPRISE, enterprise=ent)
    with django_capture_on_commit_callbacks(execute=True):
        demand = actions.post_demand(
            owner,
            ent,
            category="financing",
            title="流动资金贷款",
            text="需要 300 万元流动资金",
            now=at(2026, 11, 27),
        )
    assert (demand.routed_level, demand.routed_region) == (level, code)
    assert Notification.objects.filter(user=gov[who], title="新诉求待响应：流动资金贷款").exists()
    assert demand.due_on == dt.date(2026, 12, 1)
    # Officials above the responsible level see it too; peers elsewhere do not.
    seen_by = {k for k, u in gov.items() if selectors.demands_for(u).filter(pk=demand.pk).exists()}
    expected = {"national"} | ({"zj_province"} if region.startswith("33") else set())
    if region.startswith("3301"):
        expected.add("hz_city")
    if region == "330106":
        expected.add("xh_county")
    assert seen_by == expected


def _posted(gov, hz_owner, now=None, category="digital_transformation"):
    provider, inst = approved_provider(
        gov, f"prov-{next(_seq)}", f"杭州服务商{next(_seq)}", category, "330100"
    )
    demand = actions.post_demand(
        hz_owner,
        hz_owner.enterprise,
        category=category,
        title="上云用数赋智",
        text="想上一套轻量化 MES",
        urgency="urgent",
        now=now or at(2026, 11, 27, 9),
    )
    return provider, inst, demand


def test_demand_answered_within_the_deadline(gov, hz_owner, django_capture_on_commit_callbacks):
    provider, inst, demand = _posted(gov, hz_owner)
    assert demand.due_on == dt.date(2026, 12, 1)
    assert selectors.deadline_status(demand, dt.date(2026, 11, 30)) == ("", "2026-12-01 前响应")
    assert selectors.deadline_status(demand, dt.date(2026, 12, 1)) == ("unknown", "今天到期")
    with django_capture_on_commit_callbacks(execute=True):
        actions.respond_to_demand(
            provider, demand, text="可提供 30 天上线的轻量化 MES，先免费诊断", now=at(2026, 12, 1, 17, 30)
        )
    demand.refresh_from_db()
    assert demand.state == DemandState.ANSWERED
    assert demand.first_response_at == at(2026, 12, 1, 17, 30)
    assert not selectors.is_overdue(demand, dt.date(2026, 12, 10))
    assert selectors.deadline_status(demand, dt.date(2026, 12, 10)) == ("pass", "按时响应")
    note = Notification.objects.get(enterprise=hz_owner.enterprise)
    assert note.title == f"您的诉求“上云用数赋智”有新回复（{inst.name}）"
    entry = AuditEntry.objects.get(action="services.demand_answered")
    assert (entry.from_state, entry.to_state, entry.data["late"]) == ("open", "answered", False)


def test_demand_answered_beyond_the_deadline(gov, hz_owner):
    provider, _inst, demand = _posted(gov, hz_owner)
    day_after = dt.date(2026, 12, 2)
    assert selectors.is_overdue(demand, day_after)
    assert selectors.deadline_status(demand, day_after) == (
        "fail",
        "已逾期（应于 2026-12-01 前响应，已超 1 个工作日）",
    )
    stats = selectors.response_stats(selectors.demands_for(gov["xh_county"]), day_after)
    assert (stats["overdue"], stats["open"], stats["answered"]) == (1, 1, 0)
    actions.respond_to_demand(
        gov["xh_county"], demand, text="已转交区数字经济办，请留意电话", now=at(2026, 12, 3, 9)
    )
    demand.refresh_from_db()
    assert not selectors.is_overdue(demand, dt.date(2026, 12, 3))
    assert selectors.answered_late(demand)
    assert selectors.deadline_status(demand, dt.date(2026, 12, 3)) == ("fail", "逾期响应")
    # A later reply by the provider does not move the first-response time.
    actions.respond_to_demand(provider, demand, text="我们也可以支持", now=at(2026, 12, 4, 9))
    demand.refresh_from_db()
    assert demand.first_response_at == at(2026, 12, 3, 9)
    stats = selectors.response_stats(selectors.demands_for(gov["xh_county"]), dt.date(2026, 12, 4))
    assert (stats["overdue"], stats["late"], stats["on_time"]) == (0, 1, 0)
    assert str(stats["avg_hours"]) == "144.0"  # 27 Nov 09:00 → 3 Dec 09:00


def test_official_figures_average_first_response_and_rating(gov, hz_owner):
    provider, _inst, first = _posted(gov, hz_owner, now=at(2026, 11, 30, 9))
    second = actions.post_demand(
        hz_owner,
        hz_owner.enterprise,
        category="digital_transformation",
        title="第二个",
        text="x",
        now=at(2026, 11, 30, 10),
    )
    actions.post_demand(
        hz_owner,
        hz_owner.enterprise,
        category="digital_transformation",
        title="第三个",
        text="x",
        now=at(2026, 11, 30, 11),
    )
    actions.respond_to_demand(provider, first, text="好", now=at(2026, 11, 30, 11))  # 2 h
    actions.respond_to_demand(gov["hz_city"], second, text="好", now=at(2026, 11, 30, 15))  # 5 h
    first.refresh_from_db()
    actions.close_demand(
        hz_owner, first, rating=4, comment="响应及时", expected_version=first.version, now=at(2026, 12, 1)
    )
    stats = selectors.response_stats(selectors.demands_for(gov["hz_city"]), dt.date(2026, 12, 3))
    assert stats == {
        "total": 3,
        "open": 1,
        "overdue": 1,
        "answered": 2,
        "on_time": 2,
        "late": 0,
        "avg_hours": stats["avg_hours"],
        "closed": 1,
        "avg_rating": stats["avg_rating"],
    }
    assert str(stats["avg_hours"]) == "3.5" and str(stats["avg_rating"]) == "4.0"
    assert (
        selectors.response_stats(selectors.demands_for(gov["sc_province"]), dt.date(2026, 12, 3))["total"]
        == 0
    )
    areas = selectors.stats_by_area(selectors.demands_for(gov["zj_province"]), dt.date(2026, 12, 3), 4)
    assert [(a["name"], a["total"], a["overdue"]) for a in areas] == [("浙江省杭州市", 3, 1)]


def test_close_with_rating(gov, hz_owner, django_capture_on_commit_callbacks):
    provider, _inst, demand = _posted(gov, hz_owner)
    with pytest.raises(NotAllowed) as exc:
        actions.close_demand(hz_owner, demand, rating=5, expected_version=demand.version)
    assert "收到回复后才能办结评价" in exc.value.message
    actions.respond_to_demand(provider, demand, text="方案已发邮箱", now=at(2026, 11, 27, 15))
    demand.refresh_from_db()
    with pytest.raises(InvalidInput) as exc:
        actions.close_demand(hz_owner, demand, rating=6, expected_version=demand.version)
    assert exc.value.problems == [("rating", "请选择 1–5 星的满意度")]
    with pytest.raises(NotAllowed):
        actions.close_demand(gov["xh_county"], demand, rating=5, expected_version=demand.version)
    with django_capture_on_commit_callbacks(execute=True):
        actions.close_demand(
            hz_owner,
            demand,
            rating=5,
            comment="很专业",
            expected_version=demand.version,
            now=at(2026, 11, 30),
        )
    demand.refresh_from_db()
    assert (demand.state, demand.rating, demand.comment) == ("closed", 5, "很专业")
    with pytest.raises(NotAllowed) as exc:  # a second click: no advice to withdraw what is already closed
        actions.close_demand(hz_owner, demand, rating=4, expected_version=demand.version)
    assert exc.value.message == "诉求“上云用数赋智”当前为“已办结”，不能再办结评价。"
    assert Notification.objects.filter(
        user=provider, title="诉求“上云用数赋智”已办结，企业评价 5 星"
    ).exists()
    with pytest.raises(NotAllowed):
        actions.respond_to_demand(provider, demand, text="还有补充")


def test_demand_region_scope_for_officials_and_providers(gov, hz_owner):
    provider, _inst, demand = _posted(gov, hz_owner)
    # A Sichuan provider reviewed by the Sichuan province: not routed to a Hangzhou demand.
    sc_user, sc_inst = register("prov-sc", "四川数字化服务商", Level.PROVINCE, "510000")
    approve(gov["sc_province"], sc_inst)
    offer(sc_user, "digital_transformation", "川内上云", "510000")
    for user in (gov["sc_province"], gov["cd_city"], gov["yh_county"], sc_user):
        assert not selectors.demands_for(user).filter(pk=demand.pk).exists(), user.username
        with pytest.raises(NotAllowed):
            actions.respond_to_demand(user, demand, text="我来")
    assert selectors.demands_for(provider).filter(pk=demand.pk).exists()
    other = make_enterprise(name="另一家企业", region="330106", credit_code=credit_code("91330106MA0000009"))
    other_owner = make_user("other-owner", Role.ENTERPRISE, enterprise=other)
    assert not selectors.demands_for(other_owner).filter(pk=demand.pk).exists()
    with pytest.raises(Exception) as exc:
        actions.post_demand(other_owner, hz_owner.enterprise, category="legal", title="x", text="x")
    assert "无权访问" in str(exc.value)


def test_post_demand_problems_and_roles(gov, hz_owner):
    with pytest.raises(InvalidInput) as exc:
        actions.post_demand(
            hz_owner, hz_owner.enterprise, category="travel", title=" ", text="", urgency="now"
        )
    assert exc.value.problems == [
        ("category", "请选择诉求类别"),
        ("title", "请填写标题"),
        ("text", "请写明需要什么帮助"),
        ("urgency", "请选择紧急程度"),
    ]
    with pytest.raises(NotAllowed):
        actions.post_demand(gov["xh_county"], hz_owner.enterprise, category="legal", title="x", text="x")
    assert not Demand.objects.exists()


def test_withdraw(gov, hz_owner):
    _p, _i, demand = _posted(gov, hz_owner)
    actions.withdraw_demand(hz_owner, demand, expected_version=demand.version, reason="已自行解决")
    demand.refresh_from_db()
    assert demand.state == "withdrawn"
    assert selectors.deadline_status(demand, dt.date(2026, 12, 9)) == ("muted", "已撤回（未响应）")
    assert not selectors.is_overdue(demand, dt.date(2026, 12, 9))
