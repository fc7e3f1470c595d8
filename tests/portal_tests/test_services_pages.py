"""The service-network pages as people use them: the Chinese text each persona sees, and 404 for
what is outside their scope (an unapproved institution, another region's demand)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal.accounts.roles import Role
from portal.actions import NotAllowed
from portal.audit.models import AuditEntry
from portal.services import actions
from portal.services.models import Demand, ServiceInstitution

from .factories import PASSWORD, make_user
from .test_services import _posted, approve, approved_provider, at, credit_code, offer, register

pytestmark = pytest.mark.django_db


def page(client, user, name, *args, **query):
    if user is not None:
        client.force_login(user)
    url = reverse(name, args=args)
    resp = client.get(url, query or None)
    return resp, resp.content.decode()


def test_provider_registers_through_the_form_and_waits(client, gov):
    resp = client.post(
        reverse("services:register"),
        {
            "username": "prov-form",
            "password": PASSWORD,
            "full_name": "陈经理",
            "name": "杭州西湖科创服务中心",
            "kind": "public_agency",
            "level": "county",
            "region_code": "330106",
            "credit_code": credit_code("12330106MB0000001"),
            "contact_name": "陈经理",
            "contact_phone": "0571-88886666",
            "contact_email": "",
            "description": "区级公共服务平台",
        },
        follow=True,
    )
    text = resp.content.decode()
    assert resp.status_code == 200
    assert "登记已提交，等待主管部门审核。审核通过前，企业看不到贵机构及其服务。" in text
    assert "状态：待审核" in text
    inst = ServiceInstitution.objects.get()
    assert (inst.level, inst.region_code, inst.state) == ("county", "330106", "pending")


def test_a_signed_in_user_is_not_switched_to_a_new_provider_account(client, gov):
    """An official (or an enterprise user) who opened 服务机构登记 and submitted it was silently signed in as the new
    provider account: now the page says who is signed in and offers to sign out first; a post changes nothing."""
    official = gov["xh_county"]
    client.force_login(official)
    resp, text = page(client, None, "services:register")
    assert resp.status_code == 200
    assert f"您已以“{official.display_name()}”的身份登录。" in text and "退出当前账户" in text
    assert 'name="username"' not in text
    resp = client.post(
        reverse("services:register"),
        {
            "username": "prov-y",
            "password": PASSWORD,
            "full_name": "王",
            "name": "某机构",
            "kind": "market_provider",
        },
    )
    assert resp.status_code == 409
    assert not ServiceInstitution.objects.exists()
    assert int(client.session["_auth_user_id"]) == official.pk


def test_registration_errors_name_the_field_and_keep_input(client, gov):
    resp = client.post(
        reverse("services:register"),
        {
            "username": "prov-x",
            "password": PASSWORD,
            "full_name": "陈经理",
            "name": "某机构",
            "kind": "market_provider",
            "level": "province",
            "region_code": "330100",
            "credit_code": "91330100MA00000001",
            "contact_name": "陈",
            "contact_phone": "13800001111",
        },
    )
    text = resp.content.decode()
    assert resp.status_code == 400
    assert "所在地区代码：浙江省杭州市不是省级行政区；请填写与所在层级一致的代码" in text
    assert "统一社会信用代码：统一社会信用代码校验位不正确" in text
    assert 'value="某机构"' in text
    assert not ServiceInstitution.objects.exists()


def test_catalogue_shows_approved_offerings_only(client, gov, hz_owner):
    user, inst = register("prov-p", "西湖融资服务中心", "city", "330100")
    offer(user, "financing", "知识产权质押融资对接", "330100")
    _, text = page(client, None, "services:catalogue", q="")
    assert "知识产权质押融资对接" not in text
    resp, _ = page(client, hz_owner, "services:institution", inst.pk)
    assert resp.status_code == 404
    resp, _ = page(client, gov["zj_province"], "services:institution", inst.pk)
    assert resp.status_code == 404
    resp, text = page(client, gov["hz_city"], "services:institutions")
    assert "待我审核" in text and "西湖融资服务中心" in text
    resp, text = page(client, gov["zj_province"], "services:institutions")
    assert "西湖融资服务中心" not in text
    client.force_login(gov["hz_city"])
    resp = client.post(
        reverse("services:review", args=[inst.pk]),
        {"decision": "approve", "reason": "", "version": inst.version},
        follow=True,
    )
    assert "已处理：服务机构“西湖融资服务中心”现为“已通过”。" in resp.content.decode()
    client.logout()
    _, text = page(client, None, "services:catalogue", q="")
    assert "知识产权质押融资对接" in text and "浙江省杭州市（市级）" in text
    _, text = page(client, None, "services:catalogue", category="legal")
    assert "知识产权质押融资对接" not in text
    _, text = page(client, None, "services:catalogue", region="510107")
    assert "没有符合条件的服务" in text
    _, text = page(client, None, "services:catalogue", region="330000")
    assert "知识产权质押融资对接" in text
    _, text = page(client, None, "services:catalogue", q="质押")
    assert "知识产权质押融资对接" in text


def test_reject_from_the_page_needs_a_reason(client, gov):
    _user, inst = register("prov-r", "杭州测试机构", "city", "330100")
    client.force_login(gov["hz_city"])
    resp = client.post(
        reverse("services:review", args=[inst.pk]),
        {"decision": "reject", "reason": "", "version": inst.version},
        follow=True,
    )
    assert "不予通过须说明理由。" in resp.content.decode()
    inst.refresh_from_db()
    assert inst.state == "pending"


def test_enterprise_posts_a_demand_and_follows_it(client, gov, hz_owner):
    provider, inst = approved_provider(gov, "prov-s", "杭州法务服务公司", "legal", "330100")
    client.force_login(hz_owner)
    resp = client.post(
        reverse("services:demand_new"),
        {"category": "legal", "title": "合同纠纷咨询", "text": "供应商拖欠货款 80 万元", "urgency": "urgent"},
        follow=True,
    )
    text = resp.content.decode()
    demand = Demand.objects.get()
    due = demand.due_on.isoformat()
    assert (
        f"诉求已提交，由浙江省杭州市西湖区（县级）主管部门负责，同时派送给 1 家服务机构；应于 {due} 前得到首次响应。"
        in text
    )
    assert "杭州法务服务公司" in text and "还没有回复。" in text
    # The provider answers from the same page.
    client.force_login(provider)
    resp, text = page(client, provider, "services:provider_demands")
    assert "合同纠纷咨询" in text
    resp = client.post(
        reverse("services:demand_respond", args=[demand.pk]),
        {"text": "明天上午律师电话联系您", "version": demand.version},
        follow=True,
    )
    assert "回复已发送，企业会在站内信中收到。" in resp.content.decode()
    # The enterprise closes it with a rating.
    client.force_login(hz_owner)
    demand.refresh_from_db()
    resp = client.post(
        reverse("services:demand_close", args=[demand.pk]),
        {"rating": "4", "comment": "及时", "version": demand.version},
        follow=True,
    )
    text = resp.content.decode()
    assert "诉求已办结，感谢您的评价。" in text and "4 星 — 及时" in text
    _, text = page(client, hz_owner, "services:my_demands")
    assert "合同纠纷咨询" in text and "已办结" in text and "按时响应" in text


def test_official_queue_flags_overdue_and_shows_figures(client, gov, hz_owner):
    long_ago = timezone.now() - dt.timedelta(days=14)
    late = actions.post_demand(
        hz_owner, hz_owner.enterprise, category="financing", title="逾期未响应的诉求", text="x", now=long_ago
    )
    fresh = actions.post_demand(
        hz_owner, hz_owner.enterprise, category="financing", title="刚提出的诉求", text="x"
    )
    _, text = page(client, gov["xh_county"], "services:queue")
    assert "逾期未响应的诉求" in text and "刚提出的诉求" in text
    assert f"已逾期（应于 {late.due_on.isoformat()} 前响应" in text
    assert "<strong>逾期</strong>" in text
    assert "浙江省杭州市西湖区响应情况" in text and "平均首次响应用时" in text
    _, text = page(client, gov["xh_county"], "services:queue", state="overdue")
    assert "逾期未响应的诉求" in text and "刚提出的诉求" not in text
    _, text = page(client, gov["hz_city"], "services:queue", mine="on")
    assert "没有符合条件的诉求" in text  # routed to the county, not to the city
    _, text = page(client, gov["zj_province"], "services:queue")
    assert "分地区" in text and "浙江省杭州市" in text
    resp, text = page(client, gov["sc_province"], "services:queue")
    assert "逾期未响应的诉求" not in text
    resp, _ = page(client, gov["sc_province"], "services:demand", fresh.pk)
    assert resp.status_code == 404
    resp, _ = page(client, hz_owner, "services:queue")
    assert resp.status_code == 403


def test_other_enterprise_and_unrouted_provider_get_404(client, gov, hz_owner):
    demand = actions.post_demand(
        hz_owner, hz_owner.enterprise, category="talent", title="招聘工程师", text="x"
    )
    other_provider, inst = register("prov-t", "未派送机构", "city", "330100")
    approve(gov["hz_city"], inst)
    resp, _ = page(client, other_provider, "services:demand", demand.pk)
    assert resp.status_code == 404
    stranger = make_user("stranger", Role.ENTERPRISE)
    resp, _ = page(client, stranger, "services:demand", demand.pk)
    assert resp.status_code == 404
    resp, _ = page(client, gov["xh_county"], "services:demand", demand.pk)
    assert resp.status_code == 200


def test_provider_home_and_offering_form(client, gov):
    user, inst = register("prov-u", "余杭检测认证公司", "city", "330100")
    _, text = page(client, user, "services:provider_home")
    assert "状态：待审核" in text and "等待主管部门审核" in text
    resp = client.post(
        reverse("services:offering_new"),
        {
            "category": "testing_certification",
            "title": "CNAS 检测",
            "description": "金属材料检测",
            "price_band": "1_5",
            "regions": "330100 330200",
            "contact": "王 13800001111",
            "active": "on",
        },
        follow=True,
    )
    assert "服务产品“CNAS 检测”已保存。" in resp.content.decode()
    resp = client.post(
        reverse("services:offering_new"),
        {
            "category": "testing_certification",
            "title": "坏地区",
            "description": "x",
            "price_band": "1_5",
            "regions": "杭州",
            "contact": "王",
        },
    )
    assert resp.status_code == 400
    assert "“杭州”不是 6 位行政区划代码" in resp.content.decode()
    actions.review_institution(
        gov["hz_city"], inst, decision="reject", reason="资质证书过期", expected_version=inst.version
    )
    _, text = page(client, user, "services:provider_home")
    assert "未通过审核，理由：资质证书过期" in text and "重新提交审核" in text


def test_replying_to_a_closed_demand_names_it_and_its_state_once(client, gov, hz_owner):
    provider, _inst, demand = _posted(gov, hz_owner)
    actions.respond_to_demand(provider, demand, text="方案已发邮箱", now=at(2026, 11, 27, 15))
    demand.refresh_from_db()
    page_version = demand.version  # the provider's page, opened before the enterprise closed the demand
    actions.close_demand(hz_owner, demand, rating=5, expected_version=demand.version)
    client.force_login(provider)
    resp = client.post(
        reverse("services:demand_respond", args=[demand.pk]),
        {"text": "还有补充", "version": page_version},
        follow=True,
    )
    text = resp.content.decode()
    assert "诉求“上云用数赋智”当前为“已办结”，不能再回复；企业如仍有需要，可以重新提出诉求。" in text
    assert "已已" not in text
    assert demand.responses.count() == 1
    # withdrawing what is already closed says the same way which state it is in
    demand.refresh_from_db()
    with pytest.raises(NotAllowed) as err:
        actions.withdraw_demand(hz_owner, demand, expected_version=demand.version)
    assert err.value.message == "诉求“上云用数赋智”当前为“已办结”，不能再撤回。"


def test_a_reply_or_comment_over_the_limit_comes_back_to_be_shortened(client, gov, hz_owner):
    provider, _inst, demand = _posted(gov, hz_owner)
    reply = "我们可以提供上门诊断服务。" * 400  # 5200 characters, over the 4000 limit
    client.force_login(provider)
    resp = client.post(
        reverse("services:demand_respond", args=[demand.pk]), {"text": reply, "version": demand.version}
    )
    text = resp.content.decode()
    assert resp.status_code == 400
    assert reply in text  # the typed reply is still in the box
    assert "回复内容不能超过 4000 个字（现有 5200 个字），请删减后再提交。" in text
    assert demand.responses.count() == 0
    actions.respond_to_demand(provider, demand, text="方案已发邮箱", now=at(2026, 11, 27, 15))
    demand.refresh_from_db()
    comment = "服务很好" * 1001
    client.force_login(hz_owner)
    resp = client.post(
        reverse("services:demand_close", args=[demand.pk]),
        {"rating": "5", "comment": comment, "version": demand.version},
    )
    text = resp.content.decode()
    assert resp.status_code == 400
    assert comment in text
    assert "评价内容不能超过 4000 个字（现有 4004 个字），请删减后再提交。" in text
    demand.refresh_from_db()
    assert demand.state == "answered"


def test_a_second_click_on_send_does_not_send_the_reply_twice(client, gov, hz_owner):
    provider, _inst, demand = _posted(gov, hz_owner)
    client.force_login(provider)
    url = reverse("services:demand_respond", args=[demand.pk])
    posted = {"text": "下周二上门诊断", "version": demand.version}
    first = client.post(url, posted, follow=True)
    assert "回复已发送，企业会在站内信中收到。" in first.content.decode()
    again = client.post(url, posted)  # the same page, clicked again
    text = again.content.decode()
    assert again.status_code == 409
    assert "已有更新（您看到的是第 1 版" in text
    assert "您的回复没有发送，已保留在下方；请先查看最新回复，需要时再发送。" in text
    assert demand.responses.count() == 1
    # the reply is still in the box with the current version: sending it now works
    demand.refresh_from_db()
    assert f'value="{demand.version}"' in text and "下周二上门诊断</textarea>" in text
    client.post(url, {"text": "补充：请准备设备清单", "version": demand.version})
    assert demand.responses.count() == 2


def test_review_history_stays_with_the_officials_of_the_region(client, gov):
    _user, inst = register("prov-hist", "杭州融通咨询公司", "city", "330100")
    actions.review_institution(
        gov["hz_city"], inst, decision="reject", reason="法人登记证书已过期", expected_version=inst.version
    )
    ServiceInstitution.objects.filter(pk=inst.pk).update(state="pending")  # corrected and sent again
    approve(gov["hz_city"], inst)
    for official in (gov["hz_city"], gov["zj_province"], gov["national"]):
        _, text = page(client, official, "services:institution", inst.pk)
        assert "法人登记证书已过期" in text, official.username
    for outsider in (gov["sc_province"], gov["cd_city"], gov["xh_county"]):
        resp, text = page(client, outsider, "services:institution", inst.pk)
        assert resp.status_code == 200 and "杭州融通咨询公司" in text  # the public page itself
        assert "法人登记证书已过期" not in text and "办理记录" not in text, outsider.username


def test_long_demand_lists_are_paged_for_providers_and_enterprises(client, gov, hz_owner):
    provider, _inst = approved_provider(gov, "prov-many", "杭州全能服务公司", "talent", "330100")
    for n in range(30):
        actions.post_demand(
            hz_owner, hz_owner.enterprise, category="talent", title=f"招聘第{n:02d}号", text="x"
        )
    for user, name in ((provider, "services:provider_demands"), (hz_owner, "services:my_demands")):
        _, first = page(client, user, name)
        assert first.count("招聘第") == 25 and "招聘第29号" in first and "第 1 / 2 页" in first, name
        _, second = page(client, user, name, page="2")
        assert second.count("招聘第") == 5 and "招聘第00号" in second, name


def test_a_reply_arriving_while_the_enterprise_rates_keeps_its_comment(client, gov, hz_owner):
    provider, _inst, demand = _posted(gov, hz_owner)
    actions.respond_to_demand(provider, demand, text="方案已发邮箱", now=at(2026, 11, 27, 15))
    demand.refresh_from_db()
    page_version = demand.version  # the enterprise opens the page and starts writing
    actions.respond_to_demand(gov["xh_county"], demand, text="补贴申请请找区经信局")
    client.force_login(hz_owner)
    resp = client.post(
        reverse("services:demand_close", args=[demand.pk]),
        {"rating": "3", "comment": "方案不错，但报价偏高", "version": page_version},
    )
    text = resp.content.decode()
    assert resp.status_code == 409
    assert "补贴申请请找区经信局" in text  # the new reply is on the page
    assert "方案不错，但报价偏高</textarea>" in text and "您的评价没有提交，已保留在下方" in text
    demand.refresh_from_db()
    assert demand.state == "answered" and f'name="version" value="{demand.version}"' in text


def test_an_official_signed_out_is_sent_to_log_in_for_the_review_list(client):
    resp = client.get(reverse("services:institutions"))
    assert resp.status_code == 302 and resp.url.startswith("/accounts/login/")


def test_a_second_click_on_submit_does_not_post_the_demand_twice(client, gov, hz_owner):
    approved_provider(gov, "prov-twice", "杭州法务服务公司", "legal", "330100")
    client.force_login(hz_owner)
    form = {
        "category": "legal",
        "title": "合同纠纷咨询",
        "text": "供应商拖欠货款 80 万元",
        "urgency": "normal",
    }
    first = client.post(reverse("services:demand_new"), form)
    second = client.post(reverse("services:demand_new"), form)
    demand = Demand.objects.get()  # one demand, routed and announced once
    assert first.url == second.url == reverse("services:demand", args=[demand.pk])
    assert demand.matches.count() == 1
    assert AuditEntry.objects.filter(action="services.demand_posted").count() == 1
    # withdrawing cannot be undone: the button asks first (portal/page.js)
    mine = client.get(first.url).content.decode()
    assert 'data-confirm="撤回后各服务机构不能再回复，且不能恢复。确定撤回？">撤回诉求</button>' in mine
    # a different need is a new demand
    client.post(reverse("services:demand_new"), {**form, "title": "商标被抢注"})
    assert Demand.objects.count() == 2


def test_a_second_click_on_save_does_not_list_the_service_twice(client, gov):
    user, inst = register("prov-dbl", "杭州检测认证公司", "city", "330100")
    client.force_login(user)
    form = {
        "category": "testing_certification",
        "title": "CNAS 检测",
        "description": "金属材料检测",
        "price_band": "1_5",
        "regions": "330100",
        "contact": "王 13800001111",
        "active": "on",
    }
    for _ in range(2):
        resp = client.post(reverse("services:offering_new"), form)
        assert resp.status_code == 302
    assert inst.offerings.count() == 1
    client.post(reverse("services:offering_new"), {**form, "title": "CMA 检测"})
    assert inst.offerings.count() == 2


def test_the_city_review_list_says_a_county_institution_is_from_a_county(client, gov):
    register("prov-scq", "上城区企业服务中心", "county", "330102")  # no county bureau account there
    _, text = page(client, gov["hz_city"], "services:institutions")
    assert "上城区企业服务中心" in text and "浙江省杭州市上城区（县级）" in text
    assert "辖区内下级地区还没有主管部门账户的，那里登记的机构也由您审核" in text


def test_the_enterprise_is_not_linked_to_a_suspended_institution_page(client, gov, hz_owner):
    _provider, inst, demand = _posted(gov, hz_owner)
    inst.refresh_from_db()
    actions.review_institution(
        gov["hz_city"], inst, decision="suspend", reason="收费不透明", expected_version=inst.version
    )
    _, text = page(client, hz_owner, "services:demand", demand.pk)
    link = reverse("services:institution", args=[inst.pk])
    assert inst.name in text and link not in text  # the name stays, the link would be a 404
    assert page(client, hz_owner, "services:institution", inst.pk)[0].status_code == 404
    _, text = page(client, gov["hz_city"], "services:demand", demand.pk)
    assert link in text  # the reviewer still opens it
    _, text = page(client, gov["xh_county"], "services:demand", demand.pk)
    assert inst.name in text and link not in text


def test_a_stale_service_edit_keeps_what_was_typed_and_can_be_saved(client, gov):
    """Saving a service after a colleague's save was refused, and the form kept the old version: it could never be
    saved again, and the provider retyped every change after reloading."""
    user, inst = approved_provider(gov, "prov-stale", "杭州改版科技", "legal", "330100")
    offering = inst.offerings.get()
    seen = offering.version
    actions.save_offering(  # a colleague's save in the meantime
        user,
        offering=offering,
        expected_version=seen,
        category=offering.category,
        title="同事改的标题",
        description=offering.description,
        price_band=offering.price_band,
        regions="330100",
        contact=offering.contact,
    )
    client.force_login(user)
    mine = {
        "category": offering.category,
        "title": "我改的标题",
        "description": "我重写的服务内容说明",
        "price_band": offering.price_band,
        "regions": "330100",
        "contact": offering.contact,
        "active": "on",
        "version": str(seen),
    }
    url = reverse("services:offering_edit", args=[offering.pk])
    text = client.post(url, mine).content.decode()
    assert "您填写的内容保留在下方；核对无误后再次提交，将以它为准。" in text
    assert "我重写的服务内容说明" in text and 'value="我改的标题"' in text
    offering.refresh_from_db()
    assert offering.title == "同事改的标题"
    assert f'name="version" value="{offering.version}"' in text
    resp = client.post(url, {**mine, "version": str(offering.version)})
    assert resp.status_code == 302
    offering.refresh_from_db()
    assert (offering.title, offering.description) == ("我改的标题", "我重写的服务内容说明")


def test_one_wrong_filter_is_said_and_the_others_still_apply(client, gov):
    """category=bogus in a hand-edited address dropped every filter and listed the whole catalogue without a word."""
    _user, _inst = approved_provider(gov, "prov-f1", "杭州法务服务公司", "legal", "330100")
    _user2, _inst2 = approved_provider(gov, "prov-f2", "杭州人才服务公司", "talent", "330100")
    _, text = page(client, None, "services:catalogue", q="法务", category="bogus")
    assert "此条件未采用：服务类别：" in text
    assert (
        "杭州法务服务公司的legal服务" in text and "杭州人才服务公司的talent服务" not in text
    )  # q still applies


def test_the_regions_response_figures_do_not_load_every_enterprise_profile(client, gov, hz_owner):
    """The figures read every demand of the region: a province's thousands of demands must not
    bring their enterprises' profiles along (only the page's rows do)."""
    for i in range(3):
        actions.post_demand(hz_owner, hz_owner.enterprise, category="financing", title=f"诉求{i}", text="x")
    with CaptureQueriesContext(connection) as ctx:
        _, text = page(client, gov["zj_province"], "services:queue")
    assert "诉求0" in text and "平均首次响应用时" in text
    unbounded = [
        q["sql"]
        for q in ctx.captured_queries
        if '"enterprises_enterprise"."profile"' in q["sql"] and "LIMIT" not in q["sql"]
    ]
    assert not unbounded
