"""The dashboard in a real browser (Debian chromium via Playwright): charts drawn, map loaded, PNG export.

At 360 px the charts stack in one column and the page does not scroll sideways; every request the page
makes goes to the test server (no CDN). Set ZJTX_SHOTS=/some/dir to keep screenshots for a look by eye.
"""

from __future__ import annotations

import os
from urllib.parse import urlparse

import pytest
from django.urls import reverse

from .browser import launch, login, needs_chromium, overflow
from .test_dashboard import enterprise, run_refresh, title

pytestmark = needs_chromium


@pytest.mark.django_db(transaction=True)
def test_dashboard_on_a_phone_and_a_desktop(live_server, gov, tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    for i, region in enumerate(("330106", "330106", "330110", "330212", "510107")):
        ent = enterprise(f"测试企业{i}有限公司", region, digital=(i % 4) + 1)
        title(ent, "specialized" if i % 2 else "innovative", 2024 + i % 2)
    run_refresh()
    shots = os.environ.get("ZJTX_SHOTS")
    with playwright.sync_playwright() as p:
        browser = launch(p)
        for username, width in (("gov-zj", 360), ("gov-national", 1200), ("gov-hz", 360)):
            context = browser.new_context(
                viewport={"width": width, "height": 800}, locale="zh-CN", accept_downloads=True
            )
            page = context.new_page()
            hosts, errors = set(), []
            page.on("request", lambda r, seen=hosts: seen.add(urlparse(r.url).netloc))
            page.on("pageerror", lambda e, out=errors: out.append(str(e)))
            login(page, live_server.url, username)
            page.goto(live_server.url + reverse("dashboard:index"))
            page.wait_for_function(
                "document.querySelectorAll('.dash-chart canvas').length === "
                "document.querySelectorAll('.dash-chart').length"
            )
            assert page.locator(".dash-chart").count() >= 4
            if username != "gov-hz":  # province and country: a choropleth from the local GeoJSON
                page.wait_for_function(
                    "(() => { const c = echarts.getInstanceByDom(document.querySelector("
                    "'.dash-chart[data-panel=regions]')); return c && c.getOption().series[0].type === 'map'; })()"
                )
            assert errors == [], (username, errors)
            assert hosts == {urlparse(live_server.url).netloc}, hosts
            wide = overflow(page)
            assert wide <= 0, (username, wide)
            boxes = page.eval_on_selector_all(
                ".dash-chart", "els => els.map(e => e.getBoundingClientRect().width)"
            )
            assert boxes and all(0 < w <= width for w in boxes), boxes
            if width == 360:  # one column: the charts are stacked
                lefts = page.eval_on_selector_all(
                    ".dash-panel", "els => els.map(e => e.getBoundingClientRect().left)"
                )
                assert len(set(round(x) for x in lefts)) == 1, lefts
            with page.expect_download() as info:
                page.click(".dash-png[data-panel=tiers]")
            target = tmp_path / f"{username}.png"
            info.value.save_as(target)
            assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
            assert info.value.suggested_filename == "梯度培育认定（按认定年度）.png"
            if width == 360:  # turning the phone: the charts follow the window
                before = page.evaluate("document.querySelector('.dash-chart canvas').width")
                page.set_viewport_size({"width": 640, "height": 360})
                page.wait_for_timeout(400)
                assert page.evaluate("document.querySelector('.dash-chart canvas').width") > before
            if shots:
                page.screenshot(path=os.path.join(shots, f"dashboard-{username}-{width}.png"), full_page=True)
            context.close()
        browser.close()
