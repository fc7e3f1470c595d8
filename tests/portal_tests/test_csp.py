"""The pages forbid inline and foreign script (portal.web.csp), and still work in a real browser: the buttons that
asked with an inline `onclick` now ask through portal/page.js."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from portal.api.actions import issue_token
from portal.api.models import ApiToken

from .browser import launch, login, needs_chromium

PORTAL = Path(__file__).resolve().parents[2] / "src" / "portal"


@pytest.mark.django_db
def test_pages_carry_the_policy_and_the_admin_keeps_its_own():
    page = Client().get(reverse("accounts:login"))
    policy = page["Content-Security-Policy"]
    assert (
        "script-src 'self'" in policy and "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
    )
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert "Content-Security-Policy" not in Client().get("/admin/login/")


def test_no_template_has_inline_script_or_event_handlers():
    """An inline handler or script would be refused by the browser under the policy: the button would do nothing."""
    found = []
    for path in PORTAL.rglob("templates/**/*.html"):
        if "admin" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"<[a-z][^>]*\son[a-z]+\s*=", text):
            found.append(f"{path.relative_to(PORTAL)}: {m.group(0)[:60]}")
        for m in re.finditer(r"<script(?![^>]*\bsrc=)[^>]*>", text):
            found.append(f"{path.relative_to(PORTAL)}: {m.group(0)}")
        if "javascript:" in text:
            found.append(f"{path.relative_to(PORTAL)}: javascript:")
    assert not found, found


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("_browser", [None], ids=["chromium"])
@needs_chromium[0]
@needs_chromium[1]
def test_revoking_a_token_still_asks_first_in_a_browser(live_server, hz_owner, _browser):
    playwright = pytest.importorskip("playwright.sync_api")
    issue_token(hz_owner, "财务系统对接")
    with playwright.sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(locale="zh-CN")
        blocked = []
        page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
        login(page, live_server.url, hz_owner.username)
        page.goto(live_server.url + reverse("api:tokens"))
        asked, posts = [], []
        page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
        page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
        page.click("button[data-confirm]")
        page.wait_for_timeout(500)
        assert asked == ["撤销后使用此令牌的请求将立即被拒绝，确定撤销？"]
        assert posts == []  # dismissed: nothing sent
        page.once("dialog", lambda d: d.accept())
        with page.expect_navigation():
            page.click("button[data-confirm]")
        assert len(posts) == 1 and "已撤销" in page.content()
        browser.close()
    assert ApiToken.objects.get().revoked_at is not None
    assert blocked == []
