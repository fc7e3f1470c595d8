"""The policy pages on a 360 px phone (Debian chromium via Playwright): nothing wider than the screen,
and the condition builder's live preview (htmx) answers as the official types."""

from __future__ import annotations

import os

import pytest
from django.urls import reverse

from portal.policies import actions, importer
from portal.policies.models import Policy

from .browser import launch, login, needs_chromium, overflow
from .test_policies import published
from .test_policies_clusters import YUHANG, join, register

pytestmark = needs_chromium


@pytest.mark.django_db(transaction=True)
def test_policy_pages_fit_a_360px_screen_and_the_preview_is_live(live_server, gov, hz_enterprise, hz_owner):
    playwright = pytest.importorskip("playwright.sync_api")
    importer.load_demo_catalogue()
    yuhang = register(gov["national"], YUHANG, "national", "330110")
    join(gov["national"], yuhang, hz_enterprise)
    grant_policy = published(gov["xh_county"], no_application=True)
    actions.confirm_grants(gov["xh_county"], grant_policy, [hz_enterprise.pk])
    cluster = Policy.objects.get(key="example-hz-smart-equipment-cluster")
    unverified = Policy.objects.get(key="gd-little-giant-award")
    pages = {
        None: [
            reverse("policies:search"),
            reverse("policies:search") + "?q=小巨人&open_now=on",
            reverse("policies:detail", args=[unverified.pk]),
        ],
        hz_owner.username: [
            reverse("policies:mine"),
            reverse("policies:why", args=[cluster.pk]),
            reverse("policies:detail", args=[grant_policy.pk]),
            reverse("policies:subscription"),
        ],
        gov["xh_county"].username: [
            reverse("policies:list"),
            reverse("policies:edit", args=[grant_policy.pk]),
            reverse("policies:eligible", args=[grant_policy.pk]),
            reverse("policies:detail", args=[grant_policy.pk]),
            reverse("policies:import"),
        ],
        gov["hz_city"].username: [reverse("policies:edit", args=[cluster.pk])],
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
                page.goto(live_server.url + url)
                assert "/accounts/login/" not in page.url, url
                if os.environ.get("ZJTX_SHOTS"):
                    name = f"{username or 'public'}{url}".replace("/", "_").replace("?", "_")
                    page.screenshot(
                        path=os.path.join(os.environ["ZJTX_SHOTS"], name + ".png"), full_page=True
                    )
                extra = overflow(page)
                if extra > 0:
                    wide.append((username, url, extra))
            if username == gov["xh_county"].username:
                page.goto(live_server.url + reverse("policies:new"))
                preview = page.locator("#pol-preview .pol-preview")
                preview.wait_for()
                assert "目前符合条件的企业：" in preview.inner_text()
                page.select_option("#cf1", "revenue")
                page.select_option("#co1", ">=")
                page.wait_for_load_state("networkidle")
                page.fill("#cv1", "很多")
                with page.expect_response(lambda r: "/policies/preview/" in r.url):
                    page.locator("#cv1").dispatch_event("change")
                page.wait_for_load_state("networkidle")
                assert (
                    "条件 1：取值须为数字（万元），而不是 “很多”" in page.locator("#pol-preview").inner_text()
                )
                page.fill("#cv1", "2000")
                with page.expect_response(lambda r: "/policies/preview/" in r.url):
                    page.locator("#cv1").dispatch_event("change")
                page.wait_for_load_state("networkidle")
                text = page.locator("#pol-preview").inner_text()
                assert "浙江省杭州市西湖区目前符合条件的企业：1 家" in text
                assert "上年度营业收入 ≥ 2,000 万元" in page.locator("#pol-preview details").text_content()
                if overflow(page) > 0:
                    wide.append((username, "policies:new", overflow(page)))
            if username == gov["hz_city"].username:
                # choosing the cluster fact turns the value box into the city's clusters to tick
                page.goto(live_server.url + reverse("policies:new"))
                page.locator("#pol-preview .pol-preview").wait_for()
                with page.expect_response(lambda r: "/policies/condition-row/" in r.url):
                    page.select_option("#cf1", "cluster")
                box = page.locator(f'input[name="cond_cluster_0"][value="{YUHANG}"]')
                box.wait_for()
                assert page.locator("#cv1").count() == 0
                with page.expect_response(lambda r: "/policies/preview/" in r.url):
                    box.check()
                page.wait_for_load_state("networkidle")
                assert "浙江省杭州市目前符合条件的企业：1 家" in page.locator("#pol-preview").inner_text()
                if overflow(page) > 0:
                    wide.append((username, "policies:new cluster", overflow(page)))
            context.close()
        browser.close()
    assert wide == []
