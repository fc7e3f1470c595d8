"""The self-test and solution pages: what the enterprise reads before, during and after the test,
what a non-manufacturer is told, and who may open a stored result."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from portal.accounts.roles import Role
from portal.digital import actions
from portal.digital.models import DigitalSelfTest

from .factories import make_enterprise, make_user
from .test_digital import FOUNDATION, answers
from .test_services import approve, credit_code, register

pytestmark = pytest.mark.django_db


def test_questionnaire_says_what_is_unconfirmed(client, hz_owner):
    client.force_login(hz_owner)
    text = client.get(reverse("digital:self_test")).content.decode()
    assert "关于评测版本（请先阅读）" in text
    assert "2022 年版三张评测表（附件1–3）的正文未能取得" in text
    assert "本平台写入企业画像的等级按 2022 年版等级划分 [A] 由自测总分折算" in text
    assert "行业：C3484 机械零部件加工 → 评测口径：<strong>制造业</strong>" in text
    assert "第 1 题 网络建设（8 分）" in text and "待核实" in text
    assert "产品设计" in text and "约束性场景" in text
    assert "（1.875 分）" in text  # points are shown as the data has them


def test_submitting_the_form_shows_the_result(client, hz_owner):
    client.force_login(hz_owner)
    form = answers(
        {"information_systems", "network", "equipment_digital", "equipment_networked", "data_collection"}
    )
    resp = client.post(reverse("digital:self_test"), form, follow=True)
    text = resp.content.decode()
    assert "自测完成：二级，已写入企业画像。" in text
    assert "数字化水平：<strong>二级</strong>" in text
    assert "自测总分 40 / 100" in text
    assert "40 / 50 分" in text and "0 / 30 分" in text and "场景等级合计 0 / 64（不计分）" in text
    assert text.count("最弱维度</span>") == 3  # operations, management and outcomes tie at 0
    assert "参考：按 2024 年版第三方判定规则的暂定等级" in text and "未达一级" in text
    assert "已于" in text and "写入企业画像" in text


def test_missing_answers_keep_what_was_chosen(client, hz_owner):
    client.force_login(hz_owner)
    form = answers({"information_systems"})
    del form["green"]
    resp = client.post(reverse("digital:self_test"), form)
    text = resp.content.decode()
    assert resp.status_code == 400
    assert "还有 1 处未答或答案无效，请按提示补充后再提交。" in text
    assert "第 12 题 绿色低碳：请选择一项" in text
    assert 'name="information_systems" value="E" checked' in text
    assert not DigitalSelfTest.objects.exists()


def test_non_manufacturer_is_told_the_table_is_not_available(client):
    software = make_enterprise(
        name="杭州软件有限公司",
        region="330106",
        credit_code=credit_code("91330106MA0000088"),
        example="software-firm",
    )
    owner = make_user("soft", Role.ENTERPRISE, enterprise=software)
    client.force_login(owner)
    text = client.get(reverse("digital:self_test")).content.decode()
    assert "生产性服务业评测表暂不提供" in text
    assert "本平台尚未收录生产性服务业评测表" in text
    assert "平台口径，待核实" in text
    assert 'name="network"' not in text


def test_result_region_scope(client, gov, hz_owner):
    test = actions.submit_self_test(hz_owner, hz_owner.enterprise, answers(FOUNDATION))
    url = reverse("digital:result", args=[test.pk])
    for user, status in (
        (gov["xh_county"], 200),
        (gov["hz_city"], 200),
        (gov["yh_county"], 404),
        (gov["sc_province"], 404),
    ):
        client.force_login(user)
        assert client.get(url).status_code == status, user.username
    client.force_login(gov["xh_county"])
    resp = client.post(reverse("digital:apply", args=[test.pk]), follow=True)
    assert (
        "未能写入企业画像：只有本企业的账户可以把自测结果写入企业画像；主管部门可查看，不能修改。"
        in resp.content.decode()
    )
    test.refresh_from_db()
    assert test.apply_error == "" and test.profile_applied_at is not None  # the enterprise's own write stands
    client.force_login(gov["zj_province"])
    resp = client.get(reverse("digital:self_test"))
    assert resp.status_code == 403
    assert "数字化水平自测由企业用户填报" in resp.content.decode()


def test_result_page_suggests_solutions_with_the_reason(client, gov, hz_owner):
    user, inst = register("dp-prov", "杭州管理数字化服务商", "city", "330100")
    approve(gov["hz_city"], inst)
    actions.save_solution(
        user,
        title="管理制度数字化工具包",
        description="模板与培训",
        dimension="management",
        industries="C34",
        price_band="under_1",
        deployment_days=7,
        contact="王 13800001111",
    )
    test = actions.submit_self_test(
        hz_owner,
        hz_owner.enterprise,
        answers(
            FOUNDATION | {"green", "quality_rate", "revenue_per_head", "cost_ratio"},
            {"planning": "E", "talent": "BCDE"},
            scenarios={"*": 2},
        ),
    )
    client.force_login(hz_owner)
    text = client.get(reverse("digital:result", args=[test.pk])).content.decode()
    assert "管理制度数字化工具包" in text
    assert "您的数字化管理得分 12/30，为最弱维度；该方案面向 C34 通用设备制造业" in text


def test_solution_catalogue_and_provider_form(client, gov, hz_owner):
    user, inst = register("dp-prov2", "方案商", "city", "330100")
    client.force_login(user)
    resp = client.post(
        reverse("digital:solution_new"),
        {
            "title": "设备联网盒子",
            "dimension": "foundation",
            "industries": "C34 C35",
            "description": "即插即用",
            "price_band": "1_5",
            "deployment_days": "10",
            "contact": "王 13800001111",
            "active": "on",
        },
        follow=True,
    )
    assert "方案“设备联网盒子”已保存。" in resp.content.decode()
    client.force_login(hz_owner)
    text = client.get(reverse("digital:solutions")).content.decode()
    assert "设备联网盒子" not in text  # the provider is not approved yet
    approve(gov["hz_city"], inst)
    text = client.get(reverse("digital:solutions")).content.decode()
    assert "设备联网盒子" in text and "C34 通用设备制造业、C35 专用设备制造业" in text
    text = client.get(reverse("digital:solutions"), {"industry": "I6511"}).content.decode()
    assert "没有符合条件的方案。" in text
    text = client.get(reverse("digital:solutions"), {"industry": "ZZ"}).content.decode()
    assert "行业代码 ZZ 无效" in text
    client.force_login(user)
    resp = client.post(
        reverse("digital:solution_new"),
        {
            "title": "坏方案",
            "dimension": "foundation",
            "industries": "C34",
            "description": "x",
            "price_band": "1_5",
            "deployment_days": "0",
            "contact": "王",
        },
    )
    assert resp.status_code == 400 and "部署周期应为 1–365 之间的整数（天）" in resp.content.decode()


def test_the_reviewer_sees_the_solutions_that_approval_will_publish(client, gov, hz_owner):
    user, inst = register("dp-prov3", "待审方案商", "city", "330100")
    solution = actions.save_solution(
        user,
        title="排产小程序",
        dimension="management",
        industries="全部",
        description="扫码报工",
        price_band="free",
        deployment_days=7,
        contact="王 13800001111",
    )
    client.force_login(gov["hz_city"])
    text = client.get(reverse("services:institution", args=[inst.pk])).content.decode()
    assert "小快轻准数字化方案" in text and "排产小程序" in text
    assert client.get(reverse("digital:solution", args=[solution.pk])).status_code == 200
    for outsider in (hz_owner, gov["zj_province"], gov["xh_county"]):
        client.force_login(outsider)
        assert client.get(reverse("digital:solution", args=[solution.pk])).status_code == 404


def test_a_second_click_on_save_does_not_list_the_solution_twice(client, gov):
    user, inst = register("dp-prov4", "方案商四", "city", "330100")
    client.force_login(user)
    form = {
        "title": "设备联网盒子",
        "dimension": "foundation",
        "industries": "C34",
        "description": "即插即用",
        "price_band": "1_5",
        "deployment_days": "10",
        "contact": "王 13800001111",
        "active": "on",
    }
    for _ in range(2):
        assert client.post(reverse("digital:solution_new"), form).status_code == 302
    assert inst.solutions.count() == 1


# ---------------------------------------------------------------------------------------------- languages


@pytest.fixture
def in_english(client, settings):
    """The enterprise reads the site in English (the language cookie); Chinese again afterwards."""
    from django.utils import translation

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    yield client
    translation.deactivate()


def test_questionnaire_in_english_shows_the_english_items_still_marked_unverified(in_english, hz_owner):
    in_english.force_login(hz_owner)
    text = in_english.get(reverse("digital:self_test")).content.decode()
    assert '<html lang="en">' in text
    assert "Question 1 Network infrastructure (8 points)" in text
    assert "<p>How the enterprise&#x27;s networks are built and connected</p>" in text
    assert "B. Industrial control networks are built in the workshops" in text
    assert "<legend>Digital foundation" in text and "<legend>Digital operations" in text
    assert "Product life-cycle digitalisation · Product design" in text
    assert "Level 1: Design software tools (such as CAD, CAE, EDA) assist product design." in text
    assert "To be verified" in text and "待核实" not in text  # grade [C] stays visible, in English
    assert "scope: <strong>Manufacturing</strong>" in text
    assert "The official PDF of the 2024 edition could not be obtained." in text  # the notes above the form
    # the questions, options and scenario texts have no Chinese left (names that are data aside)
    form = text.split('<form method="post"', 1)[1].split("</form>", 1)[0]
    assert not re.findall(r"[\u3400-\u9fff]", re.sub(r"<[^>]+>", " ", form))
    assert "企业网络建设连接情况" not in text and "企业车间建成工控网络" not in text


def test_questionnaire_in_chinese_keeps_the_chinese_items(client, hz_owner):
    client.force_login(hz_owner)
    text = client.get(reverse("digital:self_test")).content.decode()
    assert "<p>企业网络建设连接情况</p>" in text
    assert "B. 企业车间建成工控网络，支持自动化控制应用" in text
    assert "产品生命周期数字化 · 产品设计" in text
    assert "How the enterprise" not in text and "Industrial control networks" not in text


def test_scoring_and_the_stored_result_do_not_depend_on_the_language(in_english, hz_owner, settings):
    from portal.digital import scoring

    form = answers(
        {"information_systems", "network", "equipment_digital", "equipment_networked", "data_collection"},
        partial={"planning": ["C"]},
    )
    in_english.force_login(hz_owner)
    resp = in_english.post(reverse("digital:self_test"), form, follow=True)
    text = resp.content.decode()
    english_test = DigitalSelfTest.objects.get()
    assert "<span>Digital foundation</span>" in text and 'aria-label="digital foundation score 40/50"' in text
    assert '<td data-label="Question">1. Network infrastructure</td>' in text  # the answers table
    assert "B. Industrial control networks are built in the workshops" in text
    assert "Level 0: Not started" in text
    assert "<strong>level 2</strong>" in text and "二级" not in text  # the level and its bands in English too
    # the stored result is the same record as in Chinese: Chinese names, same points, same digest
    assert [d["zh"] for d in english_test.dimensions] == [
        "数字化基础",
        "数字化经营",
        "数字化管理",
        "数字化成效",
    ]
    assert english_test.items_digest == scoring.tables().variants["manufacturing"].digest

    client = in_english  # the same browser, switched back to Chinese
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]
    client.post(reverse("digital:self_test"), form)
    chinese_test = DigitalSelfTest.objects.exclude(pk=english_test.pk).get()
    for field in (
        "total_score",
        "level",
        "level_2024",
        "dimensions",
        "weakest",
        "scenario_summary",
        "answers",
    ):
        assert getattr(chinese_test, field) == getattr(english_test, field), field
    assert english_test.total_score == 43  # 40 foundation + 3 for planning C
    chinese = client.get(reverse("digital:result", args=[english_test.pk])).content.decode()
    assert "数字化基础得分 40/50" in chinese and "1. 网络建设" in chinese


def test_a_translation_does_not_change_the_digest_of_the_item_table():
    """The digest (which stored results are matched against) is taken over the Chinese data only."""
    from portal.assessments import engine
    from portal.digital import scoring

    raw = engine.digital_self_test_data()["items"]["manufacturing"]
    assert "en" in raw["dimensions"][0]["items"][0]  # the English is there …
    changed = scoring._variant("manufacturing", {**raw, "en": "Something else"})
    assert changed.digest == scoring.tables().variants["manufacturing"].digest  # … and not in the digest
    reworded = scoring._variant("manufacturing", {**raw, "zh": "制造业（改）"})
    assert reworded.digest != changed.digest


def test_the_result_says_how_the_measures_in_force_score_the_level(client, hz_owner):
    """The 2022 measures score the digital level (附件2 指标 5); the 2026 measures, in force today, list no such
    indicator. The page said "三级及以上 5 分…" whichever applied; it now reads the rule set in force."""
    import datetime as dt

    from portal.digital import scoring

    rules_2022, lines_2022 = scoring.level_uses(dt.date(2025, 6, 30))
    assert rules_2022 == "优质中小企业梯度培育管理暂行办法"
    assert lines_2022 == ["专精特新中小企业 · 数字化水平：A. 三级以上 5 分、B. 二级 3 分、C. 一级 0 分"]
    test = actions.submit_self_test(hz_owner, hz_owner.enterprise, answers(FOUNDATION))
    client.force_login(hz_owner)
    text = client.get(reverse("digital:result", args=[test.pk])).content.decode()
    rules_now, lines_now = scoring.level_uses()
    if lines_now:  # a later rule set may score it again: then the page lists how
        assert all(line in text for line in lines_now)
    else:
        assert f"现行《{rules_now}》的认定条件中没有单列“数字化水平”指标" in text
    assert "三级及以上 5 分" not in text


def test_the_pages_do_not_send_readers_to_the_maintainers_research_notes(client, hz_owner, settings):
    """The tables cite "研究摘录 §0 第 6 条" for their maintainers; a finance manager cannot open those notes."""
    test = actions.submit_self_test(hz_owner, hz_owner.enterprise, answers(FOUNDATION))
    client.force_login(hz_owner)
    for lang in ("zh-hans", "en"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
        for url in (reverse("digital:self_test"), reverse("digital:result", args=[test.pk])):
            text = client.get(url).content.decode()
            if url == reverse("digital:self_test"):  # the page that shows where the sources differ
                assert 'class="dl-disputed"' in text
            assert "研究摘录" not in text and "research notes" not in text and "§" not in text, (lang, url)
