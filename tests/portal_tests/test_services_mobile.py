"""The service-network and self-test pages on a 360 px phone (Debian chromium via Playwright).

Tables may scroll inside their own box; the page itself must not scroll sideways.
Set ZJTX_SHOTS=/some/dir to keep full-page screenshots for a look by eye.
"""

from __future__ import annotations

import os

import pytest
from django.urls import reverse

from portal.digital import actions as digital
from portal.services import actions

from .browser import launch, login, needs_chromium, overflow
from .test_digital import FOUNDATION, answers
from .test_services import approved_provider, offer, register

pytestmark = needs_chromium


@pytest.mark.django_db(transaction=True)
def test_pages_fit_a_360px_screen(live_server, gov, hz_owner):
    playwright = pytest.importorskip("playwright.sync_api")
    provider, inst = approved_provider(
        gov,
        "m-prov",
        "杭州市中小企业数字化转型公共服务平台运营有限公司",
        "digital_transformation",
        "330100 330200 330300 全国",
    )
    pending, _ = register("m-pending", "待审核机构", "county", "330106")
    digital.save_solution(
        provider,
        title="零部件企业轻量化 MES（设备联网 + 报工 + 质量追溯）",
        description="说明" * 80,
        dimension="operations",
        industries="C34 C3484 C35",
        price_band="5_20",
        deployment_days=30,
        contact="王经理 13800001111",
    )
    demand = actions.post_demand(
        hz_owner,
        hz_owner.enterprise,
        category="digital_transformation",
        title="上云用数赋智：需要一套适合 50 人工厂的轻量化生产管理系统",
        text="详细说明" * 60,
    )
    actions.respond_to_demand(provider, demand, text="可以" * 100)
    link = "https://jxt.zj.gov.cn/art/2026/11/27/art_1229123456_58912345.html?from=zjtx_service_network_reply"
    actions.respond_to_demand(gov["xh_county"], demand, text=f"申报指南见 {link}")  # a long link must wrap
    linked = offer(provider, "financing", link, "330100")
    test = digital.submit_self_test(hz_owner, hz_owner.enterprise, answers(FOUNDATION, scenarios={"*": 1}))
    assert inst.state == "approved"
    pages = {
        hz_owner.username: [
            reverse("services:catalogue"),
            reverse("services:my_demands"),
            reverse("services:demand_new"),
            reverse("services:demand", args=[demand.pk]),
            reverse("services:offering", args=[linked.pk]),
            reverse("services:institution", args=[inst.pk]),
            reverse("digital:self_test"),
            reverse("digital:result", args=[test.pk]),
            reverse("digital:solutions"),
        ],
        gov["xh_county"].username: [
            reverse("services:queue"),
            reverse("services:institutions"),
            reverse("services:institution", args=[pending.provider_membership.institution.pk]),
        ],
        gov["zj_province"].username: [reverse("services:queue")],
        provider.username: [
            reverse("services:provider_home"),
            reverse("services:provider_demands"),
            reverse("services:offering_new"),
            reverse("digital:solution_new"),
        ],
        None: [reverse("services:register"), reverse("services:catalogue") + "?q="],
    }
    wide = []
    with playwright.sync_playwright() as p:
        browser = launch(p)
        for username, urls in pages.items():
            context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
            page = context.new_page()
            if username:
                login(page, live_server.url, username)
            for url in urls:
                resp = page.goto(live_server.url + url)
                assert resp.status == 200, (username, url, resp.status)
                if os.environ.get("ZJTX_SHOTS"):
                    name = f"{username or 'public'}{url}".replace("/", "_").replace("?", "_")
                    page.screenshot(
                        path=os.path.join(os.environ["ZJTX_SHOTS"], name + ".png"), full_page=True
                    )
                extra = overflow(page)
                if extra > 0:
                    wide.append((username, url, extra))
            context.close()
        browser.close()
    assert wide == []
