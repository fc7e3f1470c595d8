"""The pairing and cluster pages on a 360 px phone (Debian chromium via Playwright): nothing wider
than the screen. Set ZJTX_SHOTS=/some/dir to keep full-page screenshots for a look.
"""

from __future__ import annotations

import os

import pytest
from django.urls import reverse

from portal.clusters import actions as cluster_actions
from portal.pairing import actions

from .browser import launch, login, needs_chromium, overflow
from .test_clusters import CLUSTER_DATA, add_members
from .test_pairing import build_world, publish

pytestmark = needs_chromium


@pytest.mark.django_db(transaction=True)
def test_pairing_and_cluster_pages_fit_a_360px_screen(live_server, gov):
    playwright = pytest.importorskip("playwright.sync_api")
    world = build_world(gov)
    need = publish(world)
    actions.respond(world["users"]["s1"], need, "可提供 LHD-20 谐波减速器，背隙≤20 弧秒，月产能 600 台。" * 3)
    cluster = cluster_actions.create_cluster(gov["zj_province"], CLUSTER_DATA)
    add_members(gov, cluster)
    pages = {
        world["users"]["s1"].username: [
            reverse("pairing:index"),
            reverse("pairing:capability"),
            reverse("pairing:need", args=[need.pk]),
        ],
        world["leader_user"].username: [
            reverse("pairing:index"),
            reverse("pairing:publish"),
            reverse("pairing:need", args=[need.pk]),
        ],
        gov["hz_city"].username: [
            reverse("pairing:overview"),
            reverse("clusters:index"),
            reverse("clusters:detail", args=[cluster.pk]) + "?year=2025",
            reverse("clusters:report") + "?year=2025",
        ],
        gov["zj_province"].username: [
            reverse("clusters:detail", args=[cluster.pk]) + "?year=2025",
            reverse("clusters:create"),
        ],
    }
    wide = []
    with playwright.sync_playwright() as p:
        browser = launch(p)
        for username, urls in pages.items():
            context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
            page = context.new_page()
            login(page, live_server.url, username)
            for url in urls:
                resp = page.goto(live_server.url + url)
                assert resp.status == 200, (username, url)
                if os.environ.get("ZJTX_SHOTS"):
                    name = f"{username}{url}".replace("/", "_").replace("?", "_")
                    page.screenshot(
                        path=os.path.join(os.environ["ZJTX_SHOTS"], name + ".png"), full_page=True
                    )
                extra = overflow(page)
                if extra > 0:
                    wide.append((username, url, extra))
            context.close()
        browser.close()
    assert wide == []
