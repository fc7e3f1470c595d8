"""主动发现 in a real browser (Debian chromium via Playwright): upload a registry, read the result, ask for the plan
of a candidate the run did not plan.

The plan button sits in the result table, inside the form that adds candidates to the pool (a form cannot hold
another), and posts through `formaction`: only a browser shows that it goes to the right place with the page's
CSRF token. At 360 px the result page does not scroll sideways. ZJTX_SHOTS=/some/dir keeps screenshots.
"""

from __future__ import annotations

import os

import pytest
from django.urls import reverse

from portal.screening.models import Candidate, RunState, ScreeningRun

from .browser import launch, login, needs_chromium, overflow
from .test_screening import as_bytes, registry

pytestmark = needs_chromium


@pytest.mark.django_db(transaction=True)
def test_an_official_asks_for_the_plan_of_an_unplanned_candidate(
    live_server, gov, settings, tmp_path, monkeypatch
):
    playwright = pytest.importorskip("playwright.sync_api")
    # the test reads the database between clicks, while Playwright's sync API holds an event loop (tests/e2e)
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.DATA_DIR = tmp_path
    settings.ZJTX = {**settings.ZJTX, "SCREENING_GAPS": 40}
    source = tmp_path / "杭州名录.csv"
    source.write_bytes(as_bytes(registry(), "csv"))
    shots = os.environ.get("ZJTX_SHOTS")
    with playwright.sync_playwright() as p:
        browser = launch(p)
        page = browser.new_context(viewport={"width": 360, "height": 800}, locale="zh-CN").new_page()
        login(page, live_server.url, "gov-hz")
        page.goto(live_server.url + reverse("screening:new"))
        page.set_input_files("input[type=file]", str(source))
        page.fill("input[name=as_of]", "2026-06-30")
        page.click("form.card button[type=submit]")  # the job runs inline in the test settings
        page.wait_for_load_state()
        run = ScreeningRun.objects.get()
        assert run.state == RunState.DONE, run.error_message
        assert "筛查已完成" in page.content()
        assert overflow(page) <= 0

        cand = next(c for c in Candidate.objects.filter(run=run).order_by("row") if c.plannable)
        row = page.locator(f"#c{cand.pk}")
        assert row.locator("text=可达").count() == 0
        button = row.get_by_role("button", name="计算调整方案")
        box = button.bounding_box()
        assert (
            box and box["x"] >= 0 and box["x"] + box["width"] <= 360
        )  # in sight, not beyond the table's right edge
        button.click()
        page.wait_for_load_state()
        cand.refresh_from_db()
        assert cand.gap_reaches is not None and not cand.gap.startswith("【")
        assert "已计算" in page.locator("ul.messages").inner_text()
        row = page.locator(f"#c{cand.pk}")
        assert cand.gap.split("；")[0] in row.inner_text()
        assert row.get_by_role("button", name="计算调整方案").count() == 0
        assert not Candidate.objects.filter(run=run, in_pool=True).exists()  # the pool form was not submitted
        assert overflow(page) <= 0
        if shots:
            page.screenshot(path=os.path.join(shots, "screening-plan-360.png"), full_page=True)
        browser.close()
