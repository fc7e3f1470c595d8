"""The cultivation pages on a 360 px phone (Debian chromium via Playwright): nothing wider than the screen.

Tables may scroll inside their own box; the page itself must not scroll sideways, and the next step
must be on screen without hunting for it.
"""

from __future__ import annotations

import os

import pytest
from django.urls import reverse

from portal.cultivation import actions

from .browser import launch, login, needs_chromium, overflow
from .test_cultivation_pages import open_specialized_batch, submitted_application

pytestmark = needs_chromium


@pytest.mark.django_db(transaction=True)
def test_pages_fit_a_360px_screen(live_server, gov, hz_enterprise, hz_owner):
    playwright = pytest.importorskip("playwright.sync_api")
    batch = open_specialized_batch(gov["zj_province"])
    app = submitted_application(hz_owner, hz_enterprise, batch)
    app = actions.approve_application(gov["hz_city"], app, expected_version=app.version)
    actions.record_objection(gov["hz_city"], app, objector="某企业", text="数据存疑" * 30)
    pages = {
        hz_owner.username: [
            reverse("cultivation:my_applications"),
            reverse("cultivation:apply"),
            reverse("cultivation:application", args=[app.pk]),
            reverse("cultivation:my_recognitions"),
        ],
        gov["hz_city"].username: [
            reverse("cultivation:queue"),
            reverse("cultivation:application", args=[app.pk]),
            reverse("cultivation:batches"),
            reverse("cultivation:recognitions"),
        ],
        gov["zj_province"].username: [reverse("cultivation:batches")],
        None: [reverse("cultivation:verify") + "?code=ZZZZZZZZZZ"],
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
                next_step = page.locator(".cv-next")
                if next_step.count():
                    box = next_step.first.bounding_box()
                    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 360, url
            context.close()
        browser.close()
    assert wide == []
