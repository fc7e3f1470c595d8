"""Self-assessment, stored results, replay, history, PDF and scope: what the finance manager and officials see.

The truth about which tiers qualify comes from running the engine in the test, never from numbers typed here.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import shutil
import subprocess
import zlib

import pytest
from django.conf import settings
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape

from portal.accounts.roles import Role
from portal.accounts.scope import OutOfScope
from portal.actions import InvalidInput
from portal.assessments import engine
from portal.assessments.actions import run_assessment, today_in_china
from portal.assessments.display import profile_editor_url, result_for_display
from portal.assessments.models import Assessment
from portal.assessments.pdf import render_html
from portal.audit.models import AuditEntry
from portal.enterprises.models import Enterprise

from .factories import PASSWORD, example_profile, make_enterprise, make_user

AS_OF = dt.date(2026, 11, 27)
VERDICT = {True: ("pass", "已达标"), False: ("fail", "未达标"), None: ("unknown", "待定")}


_CREDIT = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def credit_code(body: str) -> str:
    """A valid 统一社会信用代码 for 17 given characters (GB 32100 check character appended)."""
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    total = sum(_CREDIT.index(c) * w for c, w in zip(body, weights, strict=True))
    return body + _CREDIT[(31 - total % 31) % 31]


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def truth(profile: dict, as_of=AS_OF, rules=None) -> dict:
    """What the engine says, run here in the test: the expected content of every page."""
    return engine.assess(profile, as_of, rules)[1]["zh"]


def ladder_items(html: str) -> list[str]:
    block = re.search(r'<ul class="asm-ladder">(.*?)</ul>', html, re.S).group(1)
    return [li for li in re.findall(r"<li(.*?)</li>", block, re.S)]


def section(html: str, css: str) -> str:
    m = re.search(rf'<div class="card {css}">(.*?)</div>', html, re.S)
    return m.group(1) if m else ""


# --- the action -----------------------------------------------------------------------------------


def test_run_assessment_stores_a_replayable_row_and_an_audit_entry(hz_owner, hz_enterprise):
    a = run_assessment(hz_owner, hz_enterprise, as_of=AS_OF)
    expected = truth(hz_enterprise.profile)
    a = Assessment.objects.get(pk=a.pk)
    assert a.enterprise == hz_enterprise and a.created_by == hz_owner
    assert a.ruleset_id == "cn-miit-2026" and a.ruleset_label == "《优质中小企业梯度培育管理办法》"
    assert a.as_of == AS_OF and a.is_review is False
    assert a.engine_version == engine.engine_version()
    assert a.profile_version == hz_enterprise.version
    assert a.input_snapshot == hz_enterprise.profile
    assert a.highest_tier == expected["highest_tier"]
    assert a.tier_order == list(expected["tiers"])
    assert a.result["zh"]["tiers"]["specialized"]["label"] == "专精特新中小企业"
    assert a.result["en"]["tiers"]["specialized"]["label"] == expected["tiers"]["specialized"]["label_en"]
    audit = AuditEntry.objects.get(action="assessment.run", target_id=str(a.pk))
    assert audit.actor == hz_owner and audit.region_code == "330106" and audit.to_state == a.highest_tier
    assert audit.data["ruleset"] == "cn-miit-2026"


def test_the_snapshot_is_a_copy_and_as_of_defaults_to_today_in_shanghai(hz_owner, hz_enterprise):
    a = run_assessment(hz_owner, hz_enterprise)
    assert a.as_of == today_in_china()
    hz_enterprise.profile["financials"]["2025"]["revenue"] = 1
    hz_enterprise.save()
    a.refresh_from_db()
    assert (
        a.input_snapshot["financials"]["2025"]["revenue"]
        == example_profile()["financials"]["2025"]["revenue"]
    )


def test_a_given_profile_and_named_rules_are_used(hz_owner, hz_enterprise):
    doc = copy.deepcopy(hz_enterprise.profile)
    doc["financials"]["2025"]["rd_expense"] = 0
    a = run_assessment(
        hz_owner, hz_enterprise, as_of=dt.date(2025, 6, 30), rules="cn-miit-2022", profile=doc, is_review=True
    )
    assert a.ruleset_id == "cn-miit-2022" and a.is_review is True
    assert a.input_snapshot["financials"]["2025"]["rd_expense"] == 0
    assert a.result["zh"]["review"] is True
    assert a.highest_tier == truth(doc, dt.date(2025, 6, 30), "cn-miit-2022")["highest_tier"]


def test_a_province_overlay_is_part_of_the_stored_rule_set(gov):
    sc = make_enterprise(
        "成都精密仪器有限公司", region="510107", credit_code=credit_code("91510107MA6C3X1Y2")
    )
    a = run_assessment(gov["sc_province"], sc, as_of=dt.date(2025, 6, 30))
    assert a.ruleset_id == "cn-miit-2022+sichuan-2022"
    assert a.ruleset_label == "《优质中小企业梯度培育管理暂行办法》 + 四川省专精特新中小企业特色化指标"


def test_scope_of_the_action(gov, hz_owner, hz_enterprise):
    run_assessment(gov["xh_county"], hz_enterprise, as_of=AS_OF)
    run_assessment(gov["national"], hz_enterprise, as_of=AS_OF)
    other = make_enterprise(
        "余杭某某电子有限公司", region="330110", credit_code=credit_code("91330110MA2H8K9L3")
    )
    other_owner = make_user("ent-yh", Role.ENTERPRISE, enterprise=other)
    provider = make_user("svc", Role.PROVIDER, "330106")
    for actor in (gov["yh_county"], gov["sc_province"], other_owner, provider):
        with pytest.raises(OutOfScope):
            run_assessment(actor, hz_enterprise, as_of=AS_OF)
    assert Assessment.objects.filter(enterprise=hz_enterprise).count() == 2


def test_an_invalid_profile_names_every_field_and_stores_nothing(hz_owner, hz_enterprise):
    doc = copy.deepcopy(hz_enterprise.profile)
    doc["financials"]["2025"]["revenue"] = -5
    doc["financials"]["2025"]["employees"] = "很多"
    with pytest.raises(InvalidInput) as err:
        run_assessment(hz_owner, hz_enterprise, profile=doc)
    assert ("financials.2025.revenue", "必须为非负数") in err.value.problems
    assert ("financials.2025.employees", "必须为数字") in err.value.problems
    assert "2 处需要修改" in err.value.message
    assert not Assessment.objects.exists() and not AuditEntry.objects.filter(action="assessment.run").exists()


def test_no_rules_in_force_is_an_error_on_the_as_of_field(hz_owner, hz_enterprise):
    with pytest.raises(InvalidInput) as err:
        run_assessment(hz_owner, hz_enterprise, as_of=dt.date(2020, 1, 1))
    assert err.value.problems[0][0] == "as_of" and "没有施行中的梯度培育办法" in err.value.problems[0][1]
    with pytest.raises(InvalidInput) as err:
        run_assessment(hz_owner, hz_enterprise, rules="cn-miit-1999")
    assert err.value.problems[0][0] == "rules"


# --- the self-assessment page ---------------------------------------------------------------------


def test_self_page_runs_an_assessment_and_shows_the_verdict_first(client, hz_owner, hz_enterprise):
    login(client, hz_owner)
    page = client.get(reverse("assessments:self")).content.decode()
    assert "还没有评价记录" in page and "重新评价" in page
    assert (
        "《优质中小企业梯度培育管理暂行办法》（2022-08-01 至 2026-03-31 施行，用于过去的日期和复核）" in page
    )
    assert "《优质中小企业梯度培育管理办法》（2026-04-01 起施行）" in page

    response = client.post(reverse("assessments:self"), {"as_of": "2026-11-27", "rules": ""})
    a = Assessment.objects.get()
    assert response.status_code == 302 and response.url == reverse("assessments:detail", args=[a.pk])

    expected = truth(hz_enterprise.profile)
    page = client.get(response.url).content.decode()
    assert "已按最新画像完成评价。" in page
    highest = expected["tiers"][expected["highest_tier"]]["label"]
    assert f"结论：目前最高可达 <strong>{escape(highest)}</strong>" in page
    assert "企业规模：<strong>中型企业</strong>（工业）" in page
    items = ladder_items(page)
    assert len(items) == len(expected["tiers"])
    for li, (tid, tier) in zip(items, expected["tiers"].items(), strict=True):  # ladder order, every tier
        css, word = VERDICT[tier["qualified"]]
        assert f'class="{css}"' in li and word in li and escape(tier["label"]) in li, tid
    assert "专精特新中小企业" in page and "专精特新“小巨人”企业" in page

    # Why, per criterion: label, value, clause, and the 待核实 marks where the engine says so.
    for tier in expected["tiers"].values():
        for c in tier["criteria"]:
            assert escape(c["label"]) in page
            assert escape(c["clause"]["item"]) in page
    unverified = [c for t in expected["tiers"].values() for c in t["criteria"] if c["unverified"]]
    assert ("待核实" in page) == bool(unverified or any(t["unverified"] for t in expected["tiers"].values()))
    assert "16,800 万元" in page  # revenue as the engine displays it

    # Back on the self page the latest assessment is shown under the button.
    page = client.get(reverse("assessments:self")).content.decode()
    assert "最近一次评价" in page and f"结论：目前最高可达 <strong>{escape(highest)}</strong>" in page


def test_the_next_tier_checklist_is_the_engines_plan(client, hz_owner, hz_enterprise):
    login(client, hz_owner)
    a = run_assessment(hz_owner, hz_enterprise, as_of=AS_OF)
    expected = truth(hz_enterprise.profile)
    page = client.get(reverse("assessments:detail", args=[a.pk])).content.decode()
    not_reached = [t for t in expected["tiers"].values() if t["qualified"] is not True]
    nxt = result_for_display(a, "zh")["next"]
    if not not_reached:
        assert nxt is None and "各层次均已达标" in page
        return
    assert nxt["label"] in [t["label"] for t in not_reached]
    box = section(page, "asm-next")
    assert f"下一步：{escape(nxt['label'])}" in box
    tier = next(t for t in expected["tiers"].values() if t["label"] == nxt["label"])
    for change in tier["plan"]["changes"]:
        assert f"☐ {escape(change['text'])}" in box
    for c in tier["criteria"]:
        if c["status"] == "not_met":
            assert escape(c["label"]) in box


def test_a_money_gap_reads_as_plain_chinese(client, hz_owner):
    """A small firm short of R&D spending is told how much more, in 万元."""
    doc = example_profile("manufacturer")
    doc["financials"]["2025"]["rd_expense"] = 1000000  # well below the 3 % of revenue the measures ask for
    ent = make_enterprise("杭州小微机械有限公司", credit_code=credit_code("91330106MA2B3C4D3"), profile=doc)
    owner = make_user("ent-small", Role.ENTERPRISE, enterprise=ent)
    a = run_assessment(owner, ent, as_of=AS_OF)
    texts = [ch["text"] for t in a.result["zh"]["tiers"].values() if t["plan"] for ch in t["plan"]["changes"]]
    texts += [
        ch["text"]
        for t in a.result["zh"]["tiers"].values()
        for c in t["criteria"]
        for g in c["gap"]
        for ch in g["changes"]
    ]
    money = [t for t in texts if "研发费用" in t and "万元" in t]
    assert money, texts
    page = login(client, owner).get(reverse("assessments:detail", args=[a.pk])).content.decode()
    assert any(escape(t) in page for t in money)


def test_missing_facts_are_listed_with_a_link_to_fill_them_in(client, hz_owner):
    ent = make_enterprise(
        "杭州缺数据科技有限公司", credit_code=credit_code("91330106MA2B3C4D4"), example="missing-facts"
    )
    owner = make_user("ent-mf", Role.ENTERPRISE, enterprise=ent)
    a = run_assessment(owner, ent, as_of=AS_OF)
    expected = truth(ent.profile)
    page = login(client, owner).get(reverse("assessments:detail", args=[a.pk])).content.decode()
    box = section(page, "asm-missing")
    assert "还缺这些信息" in box
    paths = {p for t in expected["tiers"].values() for p in t["missing"]}
    assert paths  # the example is made to miss facts
    for path in paths:
        assert f'<code class="muted">{path}</code>' in box
        assert escape(engine.path_label(path)) in box
    assert "研发费用（2025）" in box
    undetermined = [t["label"] for t in expected["tiers"].values() if t["qualified"] is None]
    assert undetermined and "？ 待定" in page
    if profile_editor_url():  # the profile editor of the enterprises app
        assert profile_editor_url() in box and "去填写企业画像" in box
    client.logout()
    official = make_user("gov-xh", Role.COUNTY, "330106")
    page = login(client, official).get(reverse("assessments:detail", args=[a.pk])).content.decode()
    assert "还缺这些信息" in page and "去填写" not in page  # officials have no profile editor


# --- replay and history ---------------------------------------------------------------------------


def test_an_old_assessment_shows_the_old_values_after_the_profile_changes(client, hz_owner, hz_enterprise):
    login(client, hz_owner)
    old = run_assessment(hz_owner, hz_enterprise, as_of=AS_OF)
    doc = copy.deepcopy(hz_enterprise.profile)
    doc["financials"]["2025"]["revenue"] = 160000000
    Enterprise.objects.filter(pk=hz_enterprise.pk).update(profile=doc, version=F("version") + 1)
    hz_enterprise.refresh_from_db()
    new = run_assessment(hz_owner, hz_enterprise, as_of=AS_OF)
    assert (old.profile_version, new.profile_version) == (1, 2)

    old_page = client.get(reverse("assessments:detail", args=[old.pk])).content.decode()
    new_page = client.get(reverse("assessments:detail", args=[new.pk])).content.decode()
    assert "16,800 万元" in old_page and "16,000 万元" not in old_page
    assert "16,000 万元" in new_page and "16,800 万元" not in new_page
    assert "画像此后已修改" in old_page and "画像此后已修改" not in new_page
    assert "画像第 1 版" in old_page and "画像第 2 版" in new_page

    history = client.get(reverse("assessments:history")).content.decode()
    rows = re.findall(r"<tr>(.*?)</tr>", history.split("<tbody>")[1], re.S)
    assert len(rows) == 2
    assert reverse("assessments:detail", args=[new.pk]) in rows[0]  # newest first
    assert reverse("assessments:detail", args=[old.pk]) in rows[1]
    for row, a in zip(rows, (new, old), strict=True):
        assert "《优质中小企业梯度培育管理办法》" in row and "2026-11-27" in row and "财务经理 周敏" in row
        label = a.result["zh"]["tiers"].get(a.highest_tier, {}).get("label", "尚未达到任何层次")
        assert escape(label) in row


def test_the_include_renders_a_stored_result_without_a_request(hz_owner, hz_enterprise):
    """The cultivation pages show a frozen assessment through the same include (display dict or stored JSON)."""
    a = Assessment.objects.get(pk=run_assessment(hz_owner, hz_enterprise, as_of=AS_OF).pk)
    labels = [t["label"] for t in truth(hz_enterprise.profile)["tiers"].values()]
    for result in (result_for_display(a, "zh-hans"), a.result_in("zh")):
        html = render_to_string("assessments/_result.html", {"result": result})
        assert "结论：目前最高可达" in html and "逐条明细" in html
        shown = [re.search(r'class="asm-tier-name">(.*?)</a>', li).group(1) for li in ladder_items(html)]
        assert shown == [escape(label) for label in labels]  # ladder order survives the JSON column


def test_english_ui_uses_the_stored_english_result(client, hz_owner, hz_enterprise):
    a = run_assessment(hz_owner, hz_enterprise, as_of=AS_OF)
    login(client, hz_owner)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("assessments:detail", args=[a.pk])).content.decode()
    assert escape(a.result["en"]["tiers"]["specialized"]["label"]) in page
    assert a.result["en"]["tiers"]["specialized"]["label"] != "专精特新中小企业"


def test_the_score_groups_are_separated_the_english_way_in_english(client, hz_owner, hz_enterprise):
    """'Innovation 30 points（at least 20 points）；Growth …': the groups were joined by a Chinese semicolon in English."""
    a = run_assessment(hz_owner, hz_enterprise, as_of=AS_OF)
    login(client, hz_owner)
    zh = client.get(reverse("assessments:detail", args=[a.pk])).content.decode()
    groups = re.findall(r'<p class="muted">([^<]*（不低于 \d+ 分）[^<]*)</p>', zh)
    assert any("分）；" in g for g in groups)  # Chinese as before
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    en = client.get(reverse("assessments:detail", args=[a.pk])).content.decode()
    lines = [line for line in re.findall(r'<p class="muted">([^<]*)</p>', en) if " points" in line]
    assert lines and not [line for line in lines if "；" in line or "（" in line or "）" in line]
    assert any("(at least " in line for line in lines)


# --- the PDF --------------------------------------------------------------------------------------


def pdf_text(data: bytes) -> str:
    """The PDF's extractable text: pdftotext (poppler-utils) when installed, else the ToUnicode maps' characters."""
    if shutil.which("pdftotext"):
        return subprocess.run(
            ["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True
        ).stdout.decode("utf-8")
    chars = []
    for raw in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            text = zlib.decompress(raw)
        except zlib.error:
            continue
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", text, re.S):
            chars += [
                chr(int(u, 16)) for _, u in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]{4})>", block)
            ]
    return "".join(chars)


def test_pdf_is_an_a4_attachment_with_chinese_text(client, hz_owner, hz_enterprise):
    a = run_assessment(hz_owner, hz_enterprise, as_of=AS_OF)
    response = login(client, hz_owner).get(reverse("assessments:pdf", args=[a.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    data = response.content
    assert data.startswith(b"%PDF-")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=utf-8''" in disposition
    assert "%E6%9D%AD%E5%B7%9E" in disposition  # 杭州, percent-encoded (RFC 5987)
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, check=True).stdout.decode()
        assert "(A4)" in info
    else:  # the same template laid out by WeasyPrint: A4 is 210 mm × 297 mm = 793.7 × 1122.5 CSS px
        from weasyprint import HTML

        page = HTML(string=render_html(a, "zh-hans")).render().pages[0]
        assert (round(page.width), round(page.height)) == (794, 1123)
    text = pdf_text(data)
    if shutil.which("pdftotext"):
        flat = re.sub(r"\s+", "", text)
        assert "杭州精工减速机有限公司" in flat and "91330106MA2B3C4D11" in flat
        highest = a.result["zh"]["tiers"].get(a.highest_tier, {}).get("label", "尚未达到任何层次")
        assert f"结论：目前最高可达{highest}" in flat
        assert "专精特新中小企业" in flat and "第1页/共" in flat
    else:
        assert set("杭州精工减速机有限公司专精特新结论") <= set(text)


def test_the_english_report_names_the_measures_and_who_started_it_in_english(hz_owner, hz_enterprise):
    """The printed report's header lines came from the stored Chinese label and Chinese punctuation."""
    a = run_assessment(hz_owner, hz_enterprise, as_of=AS_OF)
    english = render_html(a, "en")
    assert a.result["en"]["rules_title"] in english
    assert "(started by: " in english and "; profile version " in english
    assert "发起人" not in english and f"<td>{a.result['en']['rules_title']}</td>" in english
    chinese = render_html(a, "zh-hans")
    assert "（发起人：" in chinese and a.result["zh"]["rules_title"] in chinese


# --- scope on the pages ---------------------------------------------------------------------------


def test_officials_in_scope_see_the_enterprises_assessments_others_get_404(
    client, gov, hz_owner, hz_enterprise
):
    a = run_assessment(hz_owner, hz_enterprise, as_of=AS_OF)
    urls = [
        reverse("assessments:detail", args=[a.pk]),
        reverse("assessments:pdf", args=[a.pk]),
        reverse("assessments:enterprise_history", args=[hz_enterprise.pk]),
    ]
    for who in ("xh_county", "hz_city", "zj_province", "national"):
        client.logout()
        login(client, gov[who])
        page = client.get(urls[2])
        assert page.status_code == 200 and reverse("assessments:detail", args=[a.pk]) in page.content.decode()
        assert client.get(urls[0]).status_code == 200
    for who in ("yh_county", "sc_province", "cd_city"):
        client.logout()
        login(client, gov[who])
        assert [client.get(u).status_code for u in urls] == [404, 404, 404], who
    other = make_enterprise(
        "余杭某某电子有限公司", region="330110", credit_code=credit_code("91330110MA2H8K9L3")
    )
    client.logout()
    login(client, make_user("ent-yh", Role.ENTERPRISE, enterprise=other))
    assert [client.get(u).status_code for u in urls] == [404, 404, 404]
    assert "还没有评价记录" in client.get(reverse("assessments:history")).content.decode()
    client.logout()
    assert client.get(urls[0]).status_code == 302  # to the login page


def test_an_official_can_run_an_assessment_for_an_enterprise_in_region(client, gov, hz_enterprise):
    login(client, gov["xh_county"])
    assert client.get(reverse("assessments:self")).status_code == 403
    response = client.post(
        reverse("assessments:enterprise_history", args=[hz_enterprise.pk]),
        {"as_of": "2026-11-27", "rules": "cn-miit-2026"},
    )
    a = Assessment.objects.get()
    assert response.status_code == 302 and a.created_by == gov["xh_county"]
    client.logout()
    login(client, gov["yh_county"])
    response = client.post(
        reverse("assessments:enterprise_history", args=[hz_enterprise.pk]),
        {"as_of": "2026-11-27", "rules": ""},
    )
    assert response.status_code == 404 and Assessment.objects.count() == 1


# --- bad input on the page ------------------------------------------------------------------------


def test_invalid_profile_on_the_page_names_the_field(client, hz_owner, hz_enterprise):
    doc = copy.deepcopy(hz_enterprise.profile)
    doc["financials"]["2025"]["revenue"] = -5
    Enterprise.objects.filter(pk=hz_enterprise.pk).update(profile=doc)
    response = login(client, hz_owner).post(reverse("assessments:self"), {"as_of": "2026-11-27", "rules": ""})
    page = response.content.decode()
    assert response.status_code == 400
    assert "<code>financials.2025.revenue</code>：必须为非负数" in page
    assert "画像有 1 处需要修改" in page and not Assessment.objects.exists()


def test_bad_form_input_is_named_and_nothing_is_stored(client, hz_owner):
    login(client, hz_owner)
    page = client.post(
        reverse("assessments:self"), {"as_of": "27/11/2026", "rules": "nonsense"}
    ).content.decode()
    assert "日期格式应为 年-月-日" in page and "请从列表中选择办法" in page
    page = client.post(reverse("assessments:self"), {"as_of": "2020-01-01", "rules": ""}).content.decode()
    assert "<code>as_of</code>：2020-01-01 没有施行中的梯度培育办法" in page
    tomorrow = today_in_china() + dt.timedelta(days=1)
    page = client.post(
        reverse("assessments:self"), {"as_of": tomorrow.isoformat(), "rules": ""}
    ).content.decode()
    assert f"评价基准日不能晚于今天（{today_in_china().isoformat()}）" in page
    assert not Assessment.objects.exists()


def test_past_dates_use_the_2022_measures(client, hz_owner, hz_enterprise):
    login(client, hz_owner)
    client.post(
        reverse("assessments:self"), {"as_of": "2025-06-30", "rules": "cn-miit-2022", "is_review": "on"}
    )
    a = Assessment.objects.get()
    assert (a.ruleset_id, a.as_of, a.is_review) == ("cn-miit-2022", dt.date(2025, 6, 30), True)
    page = client.get(reverse("assessments:detail", args=[a.pk])).content.decode()
    assert "《优质中小企业梯度培育管理暂行办法》" in page and "复核口径" in page
    expected = truth(hz_enterprise.profile, dt.date(2025, 6, 30), "cn-miit-2022")
    assert [escape(t["label"]) for t in expected["tiers"].values()] == [
        escape(t["label"]) for t in result_for_display(a, "zh")["tiers"]
    ]


@pytest.mark.django_db
def test_a_title_only_an_official_records_is_not_asked_of_the_enterprise(client):
    """小巨人 needs a 专精特新 title held; with none on record the plan said '补充填报：…称号有效期至（recognitions）'
    with a '去填写' link to the read-only 已获认定 section. It now says who records titles, as the policy pages do."""
    doc = example_profile("manufacturer")
    doc.pop("recognitions", None)
    ent = make_enterprise("杭州无称号机械有限公司", credit_code=credit_code("91330106MA2B3C4D5"), profile=doc)
    owner = make_user("ent-notitle", Role.ENTERPRISE, enterprise=ent)
    a = run_assessment(owner, ent, as_of=AS_OF)
    lg = next(t for t in result_for_display(a, "zh")["tiers"] if t["id"] == "little_giant")
    items = lg["plan"]["items"]
    titles = [i for i in items if "称号" in i["text"]]
    assert titles and all(i["url"] is None and not i["provide"] for i in titles)
    assert titles[0]["text"] == (
        "称号由主管部门认定后记入企业画像，不能自行填报：专精特新“小巨人”称号有效期至、专精特新中小企业称号有效期至"
        "。在本平台以外取得的，请联系主管部门登记。"
    )
    assert not any("（recognitions）" in i["text"] for i in items)
    page = login(client, owner).get(reverse("assessments:detail", args=[a.pk])).content.decode()
    assert "（recognitions）" not in page


@pytest.mark.django_db
def test_a_criterion_waiting_for_a_title_does_not_say_unfilled(client):
    """The 小巨人 row read '未填写：…称号有效期至' for a title the enterprise cannot enter (officials record it)."""
    doc = example_profile("manufacturer")
    doc.pop("recognitions", None)
    ent = make_enterprise("杭州无称号轴承有限公司", credit_code=credit_code("91330106MA2B3C4E6"), profile=doc)
    owner = make_user("ent-notitle-row", Role.ENTERPRISE, enterprise=ent)
    a = run_assessment(owner, ent, as_of=AS_OF)
    lg = next(t for t in result_for_display(a, "zh")["tiers"] if t["id"] == "little_giant")
    waiting = [
        r
        for r in lg["criteria"]
        if r["status"] == "undetermined" and any(m["path"].startswith("recognitions") for m in r["missing"])
    ]
    assert waiting
    for row in waiting:
        assert "未填写" not in row["value"] and row["value"].startswith("平台上没有认定记录：")
    page = login(client, owner).get(reverse("assessments:detail", args=[a.pk])).content.decode()
    assert "未填写：专精特新" not in page and "平台上没有认定记录：" in page
