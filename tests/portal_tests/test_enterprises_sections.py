"""The editor's standards, development-score, province-indicator and 科技型 financial fields, through the pages.

A Sichuan enterprise is asked for Sichuan's own 特色化 indicators (from the rule data's overlay),
and the next assessment scores them; a Zhejiang enterprise is not asked. Scores are kept per year
and a bad one is named by its field; standards travel through Excel and back unchanged.
"""

from __future__ import annotations

import copy
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from portal.accounts.roles import Role
from portal.assessments.actions import run_assessment
from portal.assessments.display import field_url
from portal.downloads import XLSX_MIME
from portal.enterprises import excel
from portal.enterprises.forms_profile import LocalIndicatorsForm

from .factories import example_profile, make_enterprise, make_user
from .test_enterprises import expected_after_save, fin_field, form_data, page, with_check

SC_CODE = with_check("91510104MA6C7D8E9")
SC_LABELS = {
    "sc_modern_system": "属于四川“5+1”现代工业体系、“4+6”现代服务业体系或“10+3”现代农业体系",
    "sc_heritage_or_first": "拥有非物质文化遗产、地理标志商标，或被认定为省级以上首台（套）、首版（次）、首批（次）产品",
    "sc_unique": "具有行业或区域独特性，拥有地域特色产品或服务",
}
AS_OF_2022_RULES = dt.date(2024, 6, 30)  # 《暂行办法》 in force; 上年度 = 2023


def sichuan_profile() -> dict:
    """A Chengdu seasoning maker that scores 58 without Sichuan's indicators (criteria/cn-miit-2022/cases/overlay-sichuan.yaml)."""
    return {
        "schema": "zjtx.profile/1",
        "name": "成都蜀味调味品有限公司",
        "credit_code": SC_CODE,
        "region": "510104",
        "industry": "C1469",
        "established": "2012-04-01",
        "niche_since": "2012-04-01",
        "financials": {
            "2023": {
                "employees": 150,
                "rd_staff": 12,
                "revenue": 80000000,
                "main_revenue": 72000000,
                "total_assets": 70000000,
                "total_liabilities": 28000000,
                "net_profit": 7200000,
                "rd_expense": 2800000,
            },
            "2022": {
                "employees": 145,
                "rd_staff": 11,
                "revenue": 72000000,
                "main_revenue": 65000000,
                "total_assets": 64000000,
                "total_liabilities": 26000000,
                "net_profit": 6100000,
                "rd_expense": 2300000,
            },
            "2021": {
                "employees": 140,
                "rd_staff": 10,
                "revenue": 66000000,
                "main_revenue": 60000000,
                "total_assets": 60000000,
                "total_liabilities": 25000000,
                "net_profit": 5500000,
                "rd_expense": 2000000,
            },
        },
        "equity_financing": [],
        "ip": [
            {
                "type": "invention_patent",
                "category": "I",
                "related_to_main_product": True,
                "self_developed": True,
                "high_value": False,
                "applied_with_benefit": True,
                "granted": "2017-10-20",
            }
        ],
        "rd_institutions": [{"level": "provincial", "kind": "enterprise_technology_center"}],
        "awards": [],
        "honours": [],
        "quality": {"management_system_cert": True, "own_brand": False, "standards_participation": False},
        "main_product": {
            "name": "郫县豆瓣酱",
            "strategic_emerging": False,
            "field": "six_bases_or_laozihao_or_chain_leader_supplier",
        },
        "digital_level": 1,
        "core_business_on_information_system": True,
        "compliance": {
            "abnormal_operation_list": False,
            "seriously_dishonest": False,
            "prohibited_products": False,
            "major_incident_last_3_years": False,
        },
    }


@pytest.fixture
def sc_enterprise(db):
    return make_enterprise(
        "成都蜀味调味品有限公司", region="510104", credit_code=SC_CODE, profile=sichuan_profile()
    )


@pytest.fixture
def sc_owner(sc_enterprise):
    return make_user("ent-sc", Role.ENTERPRISE, enterprise=sc_enterprise, full_name="财务 何静")


@pytest.fixture
def sc_client(sc_owner):
    c = Client()
    c.force_login(sc_owner)
    return c


@pytest.fixture
def owner_client(hz_owner):
    c = Client()
    c.force_login(hz_owner)
    return c


AS_OF_2026_RULES = dt.date(2026, 6, 30)  # 《管理办法》 in force; 上年度 = 2025


def tech_sme_pending(doc: dict) -> dict:
    """The manufacturer without a direct route or IP: its 科技型中小企业 tier hangs on 成本费用支出总额.

    R&D is 4% of sales (30 of 50 points) and 研发人员 20% of staff (12 of 20); by costs R&D could
    reach 50 points, so without total_cost the score is 42–62 against a line of 60.
    """
    doc = copy.deepcopy(doc)
    doc.update(honours=[], awards=[], standards=[], ip=[])
    doc["rd_institutions"] = [{"level": "municipal", "kind": "enterprise_technology_center"}]
    doc["financials"]["2025"].update(rd_staff=62, rd_expense=6720000)
    return doc


def tech_sme(assessment) -> dict:
    return assessment.result["zh"]["tiers"]["tech_sme"]


def tech_sme_points(assessment) -> dict:
    return {
        c["id"]: c.get("points") for c in tech_sme(assessment)["criteria"] if c["id"] in ("ts_staff", "ts_rd")
    }


def specialized(assessment) -> dict:
    return assessment.result["zh"]["tiers"]["specialized"]


def sc_criteria(assessment) -> dict:
    return {
        c["id"]: (c["status"], c.get("points"))
        for c in specialized(assessment)["criteria"]
        if c["id"].startswith("sc_")
    }


def score_field(data: dict, year: str) -> str:
    for key, value in data.items():
        if key.startswith("ds-") and key.endswith("-year") and value == year:
            return key.removesuffix("year") + "score"
    raise AssertionError(f"no development score row for {year}")


# --- 地方特色指标 ------------------------------------------------------------------------------------


def test_sichuan_enterprise_fills_its_own_indicators_and_the_next_assessment_scores_them(
    sc_client, sc_owner, sc_enterprise
):
    before = run_assessment(sc_owner, sc_enterprise, as_of=AS_OF_2022_RULES)
    assert specialized(before)["qualified"] is None
    assert sc_criteria(before) == {
        "sc_featured_system": ("undetermined", None),
        "sc_featured_heritage": ("undetermined", None),
        "sc_featured_unique": ("undetermined", None),
    }
    assert "local_indicators.sc_modern_system" in specialized(before)["missing"]

    editor = sc_client.get(reverse("enterprises:profile"))
    text = page(editor)
    assert '<section id="section-local_indicators" class="card">' in text
    assert '<a href="#section-local_indicators">地方特色指标</a>' in text
    assert "四川省专精特新中小企业特色化指标：按本省口径逐项填报" in text
    assert "《优质中小企业梯度培育管理暂行办法》（2022-08-01 至 2026-03-31 施行）" in text
    for label in SC_LABELS.values():
        assert label in text
    assert (
        "依据：四川省专精特新中小企业认定标准（四类十五个指标，转载）特色化指标（15分）第 1 项（8分） [B]"
        in text
    )

    data = form_data(editor)
    assert {k: data[k] for k in data if k.startswith("local-")} == {
        "local-sc_modern_system": "",
        "local-sc_heritage_or_first": "",
        "local-sc_unique": "",
    }
    data.update(
        {"local-sc_modern_system": "yes", "local-sc_heritage_or_first": "no", "local-sc_unique": "no"}
    )
    saved = sc_client.post(reverse("enterprises:profile"), data, follow=True)
    assert "企业画像已保存（第 2 版）。" in page(saved)
    sc_enterprise.refresh_from_db()
    assert sc_enterprise.profile["local_indicators"] == {
        "sc_modern_system": True,
        "sc_heritage_or_first": False,
        "sc_unique": False,
    }
    shown = form_data(saved)
    assert shown["local-sc_modern_system"] == "yes" and shown["local-sc_unique"] == "no"

    after = run_assessment(sc_owner, sc_enterprise, as_of=AS_OF_2022_RULES)
    assert after.ruleset_id == "cn-miit-2022+sichuan-2022"
    assert sc_criteria(after) == {
        "sc_featured_system": ("scored", 8),
        "sc_featured_heritage": ("scored", 0),
        "sc_featured_unique": ("scored", 0),
    }
    assert specialized(after)["qualified"] is True and specialized(after)["score_range"] == [66, 66]


def test_a_bad_province_value_is_named_and_the_national_score_is_kept(sc_client, sc_enterprise):
    doc = copy.deepcopy(sc_enterprise.profile)
    doc["local_indicators"] = {"featured_score": 12}
    sc_enterprise.profile = doc
    sc_enterprise.save()
    data = form_data(sc_client.get(reverse("enterprises:profile")))
    data["local-sc_unique"] = "maybe"
    response = sc_client.post(reverse("enterprises:profile"), data)
    assert response.status_code == 400
    assert "local_indicators.sc_unique" in page(response)
    data["local-sc_unique"] = "yes"
    sc_client.post(reverse("enterprises:profile"), data)
    sc_enterprise.refresh_from_db()
    assert sc_enterprise.profile["local_indicators"] == {"featured_score": 12, "sc_unique": True}


def test_assessment_links_missing_province_facts_to_the_editor_section(sc_client, sc_owner, sc_enterprise):
    a = run_assessment(sc_owner, sc_enterprise, as_of=AS_OF_2022_RULES)
    text = page(sc_client.get(reverse("assessments:detail", args=[a.pk])))
    anchor = reverse("enterprises:profile") + "#section-local_indicators"
    assert f'href="{anchor}"' in text
    assert 'id="section-local_indicators"' in page(sc_client.get(reverse("enterprises:profile")))


def test_editor_sections_are_the_anchors_the_assessment_page_links_to():
    editor = reverse("enterprises:profile")
    assert field_url("standards") == editor + "#section-standards"
    assert field_url("development_score.2026") == editor + "#section-development_score"
    assert field_url("local_indicators.sc_modern_system") == editor + "#section-local_indicators"
    assert field_url("local_indicators.featured_score") == editor + "#section-local_indicators"


def test_each_kind_of_province_fact_gets_its_own_input_and_unsure_ones_say_so():
    """Kinds a future overlay may declare (money in 万元, ratio in %), and a [C] clause marked 待核实."""
    clause = {
        "document": "某省专精特新认定标准",
        "annex": "特色化指标",
        "item": "第 1 项",
        "grade": "C",
        "note": "转述",
    }
    specs = [
        {"key": "xx_flag", "kind": "bool", "zh": "属于本省重点产业链", "clause": clause, "unverified": True},
        {"key": "xx_invest", "kind": "money", "zh": "本省技改投资", "clause": {}, "unverified": False},
        {"key": "xx_local_supply", "kind": "ratio", "zh": "本地配套率", "clause": {}, "unverified": False},
        {"key": "xx_parks", "kind": "count", "zh": "入驻园区数", "clause": {}, "unverified": False},
        {"key": "xx_score", "kind": "number", "zh": "自评分", "clause": {}, "unverified": False},
    ]
    form = LocalIndicatorsForm(
        {
            "l-xx_flag": "yes",
            "l-xx_invest": "12.5",
            "l-xx_local_supply": "3.5",
            "l-xx_parks": "2",
            "l-xx_score": "-1.5",
        },
        prefix="l",
        local_fields=specs,
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {
        "xx_flag": True,
        "xx_invest": 125000,
        "xx_local_supply": 0.035,
        "xx_parks": 2,
        "xx_score": -1.5,
    }
    assert form["xx_flag"].label == "属于本省重点产业链（待核实）"
    assert form["xx_flag"].help_text == "待核实。依据：某省专精特新认定标准特色化指标第 1 项 [C]；转述"
    assert (
        form["xx_invest"].label == "本省技改投资（万元）"
        and form["xx_local_supply"].label == "本地配套率（%）"
    )
    bad = LocalIndicatorsForm({"l-xx_parks": "1.5"}, prefix="l", local_fields=specs)
    assert bad.errors == {"xx_parks": ["必须为整数"]}


def test_officials_see_the_province_indicators_by_name(gov, sc_enterprise):
    doc = {**sc_enterprise.profile, "local_indicators": {"sc_modern_system": True}}
    sc_enterprise.profile = doc
    sc_enterprise.save()
    c = Client()
    c.force_login(gov["sc_province"])
    text = page(c.get(reverse("enterprises:detail", args=[sc_enterprise.pk])))
    assert f"<dt>{SC_LABELS['sc_modern_system']}</dt><dd>是</dd>" in text
    assert f"<dt>{SC_LABELS['sc_unique']}</dt><dd>未填写</dd>" in text


def test_zhejiang_enterprise_is_not_asked_for_province_indicators(owner_client, hz_enterprise):
    text = page(owner_client.get(reverse("enterprises:profile")))
    assert "section-local_indicators" not in text
    assert "地方特色指标" not in text
    assert not any(
        k.startswith("local-") for k in form_data(owner_client.get(reverse("enterprises:profile")))
    )
    # what the document already holds (the national self-assessed score) is kept by a save
    data = form_data(owner_client.get(reverse("enterprises:profile")))
    owner_client.post(reverse("enterprises:profile"), data)
    hz_enterprise.refresh_from_db()
    assert hz_enterprise.version == 2 and hz_enterprise.profile["local_indicators"] == {"featured_score": 12}


# --- 科技人员、成本费用支出总额 ------------------------------------------------------------------------


def test_tech_staff_and_total_cost_entered_in_the_editor_decide_the_tech_sme_tier(
    owner_client, hz_owner, hz_enterprise
):
    hz_enterprise.profile = tech_sme_pending(hz_enterprise.profile)
    hz_enterprise.save()
    before = run_assessment(hz_owner, hz_enterprise, as_of=AS_OF_2026_RULES)
    assert tech_sme(before)["qualified"] is None and tech_sme(before)["score_range"] == [42, 62]
    assert "financials.2025.total_cost" in tech_sme(before)["missing"]

    editor = owner_client.get(reverse("enterprises:profile"))
    text = page(editor)
    assert "科技人员（人）" in text and "成本费用支出总额（万元）" in text
    data = form_data(editor)
    data[fin_field(data, 2025, "tech_staff")] = "100"
    data[fin_field(data, 2025, "total_cost")] = "2000"
    saved = owner_client.post(reverse("enterprises:profile"), data, follow=True)
    assert "企业画像已保存（第 2 版）。" in page(saved)
    hz_enterprise.refresh_from_db()
    row = hz_enterprise.profile["financials"]["2025"]
    assert row["tech_staff"] == 100 and row["total_cost"] == 20000000  # 万元 → yuan
    shown = form_data(saved)
    assert (
        shown[fin_field(shown, 2025, "total_cost")] == "2000"
        and shown[fin_field(shown, 2025, "tech_staff")] == "100"
    )

    after = run_assessment(hz_owner, hz_enterprise, as_of=AS_OF_2026_RULES)
    assert tech_sme(after)["qualified"] is True and tech_sme(after)["score_range"] == [70, 70]
    assert tech_sme(after)["missing"] == []
    # 科技人员 100 of 310 (32%) scores 20, not the 12 研发人员 gave; R&D is 33.6% of costs: 50
    assert tech_sme_points(before)["ts_staff"] == 12
    assert tech_sme_points(after) == {"ts_staff": 20, "ts_rd": 50}


def test_bad_tech_staff_and_total_cost_are_named_and_nothing_is_saved(owner_client, hz_enterprise):
    data = form_data(owner_client.get(reverse("enterprises:profile")))
    data[fin_field(data, 2025, "tech_staff")] = "10.5"
    data[fin_field(data, 2025, "total_cost")] = "-3"
    data[fin_field(data, 2024, "tech_staff")] = "400"  # 286 employees that year
    response = owner_client.post(reverse("enterprises:profile"), data)
    assert response.status_code == 400
    text = page(response)
    assert "财务数据 2025 年 科技人员：必须为整数" in text
    assert "财务数据 2025 年 成本费用支出总额：必须为非负数" in text
    assert '<code class="muted">financials.2025.total_cost</code>' in text
    assert (
        "科技人员不能大于从业人员" in text and '<code class="muted">financials.2024.tech_staff</code>' in text
    )
    hz_enterprise.refresh_from_db()
    assert hz_enterprise.version == 1 and "total_cost" not in hz_enterprise.profile["financials"]["2025"]


def test_blanking_total_cost_in_the_editor_removes_it(owner_client, hz_enterprise):
    doc = copy.deepcopy(hz_enterprise.profile)
    doc["financials"]["2025"]["total_cost"] = 150000000
    hz_enterprise.profile = doc
    hz_enterprise.save()
    data = form_data(owner_client.get(reverse("enterprises:profile")))
    assert data[fin_field(data, 2025, "total_cost")] == "15000"
    data[fin_field(data, 2025, "total_cost")] = ""
    owner_client.post(reverse("enterprises:profile"), data)
    hz_enterprise.refresh_from_db()
    assert hz_enterprise.version == 2 and "total_cost" not in hz_enterprise.profile["financials"]["2025"]


# --- 发展评价得分 ------------------------------------------------------------------------------------


def test_development_score_is_kept_per_year(owner_client, hz_enterprise):
    text = page(owner_client.get(reverse("enterprises:profile")))
    assert '<section id="section-development_score" class="card">' in text
    data = form_data(owner_client.get(reverse("enterprises:profile")))
    assert data[score_field(data, "2026")] == "66" and data[score_field(data, "2025")] == "64"
    data[score_field(data, "2026")] = "58.5"
    data[score_field(data, "2025")] = ""  # blank: that year's score is no longer given
    response = owner_client.post(reverse("enterprises:profile"), data, follow=True)
    assert "企业画像已保存（第 2 版）。" in page(response)
    hz_enterprise.refresh_from_db()
    assert hz_enterprise.profile["development_score"] == {"2026": 58.5}


def test_development_score_out_of_range_names_the_field_and_saves_nothing(owner_client, hz_enterprise):
    data = form_data(owner_client.get(reverse("enterprises:profile")))
    data[score_field(data, "2025")] = "120"
    response = owner_client.post(reverse("enterprises:profile"), data)
    assert response.status_code == 400
    text = page(response)
    assert "专精特新发展评价得分（2025 年）：不能大于 100" in text
    assert '<code class="muted">development_score.2025</code>' in text
    assert form_data(response)[score_field(data, "2025")] == "120"  # what was typed stays on the page
    hz_enterprise.refresh_from_db()
    assert hz_enterprise.version == 1 and hz_enterprise.profile["development_score"] == {
        "2025": 64,
        "2026": 66,
    }


def test_development_score_for_a_future_year_is_refused(owner_client, hz_enterprise):
    client_data = owner_client.post(
        reverse("enterprises:profile"),
        {**form_data(owner_client.get(reverse("enterprises:profile"))), "more": "development_score"},
    )
    data = form_data(client_data)
    new_row = next(k for k, v in data.items() if k.startswith("ds-") and k.endswith("-year") and not v)
    data[new_row] = "2030"
    data[new_row.removesuffix("year") + "score"] = "70"
    response = owner_client.post(reverse("enterprises:profile"), data)
    assert response.status_code == 400
    assert "年份不能晚于今年" in page(response)
    hz_enterprise.refresh_from_db()
    assert hz_enterprise.version == 1


# --- 主导制定标准 ------------------------------------------------------------------------------------


def test_standards_are_added_in_the_editor(owner_client, hz_enterprise):
    text = page(owner_client.get(reverse("enterprises:profile")))
    assert '<section id="section-standards" class="card">' in text and "没有主导制定标准" in text
    data = form_data(owner_client.get(reverse("enterprises:profile")))
    data.update(
        {
            "st-0-level": "industry",
            "st-0-role": "lead",
            "st-0-year": "2024",
            "st-0-name": "JB/T 14001-2024 精密行星减速器",
        }
    )
    owner_client.post(reverse("enterprises:profile"), data)
    hz_enterprise.refresh_from_db()
    assert hz_enterprise.profile["standards"] == [
        {"level": "industry", "role": "lead", "year": 2024, "name": "JB/T 14001-2024 精密行星减速器"}
    ]
    again = form_data(owner_client.get(reverse("enterprises:profile")))
    assert again["st-0-level"] == "industry" and again["st-0-year"] == "2024"


def test_a_standard_without_its_role_is_named_by_its_number(owner_client, hz_enterprise):
    data = form_data(owner_client.get(reverse("enterprises:profile")))
    data.update({"st-0-level": "national", "st-0-year": "2023"})
    response = owner_client.post(reverse("enterprises:profile"), data)
    assert response.status_code == 400
    assert '<code class="muted">standards[0].role</code>' in page(response)
    assert "必填" in page(response)


def test_no_standards_is_a_known_answer(owner_client, hz_enterprise):
    data = form_data(owner_client.get(reverse("enterprises:profile")))
    data["none-standards"] = "on"
    owner_client.post(reverse("enterprises:profile"), data)
    hz_enterprise.refresh_from_db()
    assert hz_enterprise.profile["standards"] == []


# --- Excel -----------------------------------------------------------------------------------------


def with_new_sections() -> dict:
    doc = example_profile("manufacturer")
    doc["standards"] = [
        {"level": "industry", "role": "lead", "year": 2024, "name": "JB/T 14001-2024 精密行星减速器"},
        {"level": "group", "role": "participant", "year": 2023},
    ]
    doc["development_score"] = {"2026": 66, "2025": 63.5}
    doc["local_indicators"] = {"featured_score": 12, "custom_flag": True, "offset": -2.5}
    return doc


def test_standards_scores_and_local_values_round_trip_through_excel(db):
    original = with_new_sections()
    data = excel.export_profile_xlsx(original)
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames[7:10] == ["主导制定标准", "发展评价得分", "地方特色指标"]
    assert [c.value for c in wb["主导制定标准"][2]] == [
        "行业标准",
        "主导制定",
        2024,
        "JB/T 14001-2024 精密行星减速器",
    ]
    assert [[c.value for c in row] for row in wb["发展评价得分"].iter_rows(min_row=2)] == [
        [2026, 66],
        [2025, 63.5],
    ]
    local = [[c.value for c in row][:3] for row in wb["地方特色指标"].iter_rows(min_row=2)]
    assert local[0] == ["featured_score", "省级特色化指标得分（0-15，按本省口径自评）", 12]
    parsed = excel.parse_workbook(data)
    assert parsed.errors == []
    assert parsed.profile["standards"] == original["standards"]
    assert excel.merge(original, parsed.profile, parsed.covered) == expected_after_save(original)


def test_sichuan_template_lists_its_indicators_and_imports_them(sc_client, sc_enterprise):
    response = sc_client.get(reverse("enterprises:import_template"))
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb["地方特色指标"]
    rows = {ws.cell(row=r, column=1).value: r for r in range(2, ws.max_row + 1)}
    assert set(rows) == set(SC_LABELS)
    assert ws.cell(row=rows["sc_unique"], column=2).value == SC_LABELS["sc_unique"]
    assert "依据：四川省专精特新中小企业认定标准" in ws.cell(row=rows["sc_unique"], column=4).value
    # the enterprise's own workbook (downloaded from the editor) gets the answers and goes back up
    exported = load_workbook(
        io.BytesIO(sc_client.get(reverse("enterprises:import_template"), {"current": "1"}).content)
    )
    exported["地方特色指标"].cell(row=rows["sc_modern_system"], column=3, value="是")
    exported["地方特色指标"].cell(row=rows["sc_unique"], column=3, value="否")
    exported["主导制定标准"]["A2"] = "无"
    buf = io.BytesIO()
    exported.save(buf)
    upload = SimpleUploadedFile("四川.xlsx", buf.getvalue(), content_type=XLSX_MIME)
    preview = page(sc_client.post(reverse("enterprises:import"), {"file": upload}))
    assert "将更新：主导制定标准、地方特色指标" in preview
    sc_client.post(reverse("enterprises:import_confirm"))
    sc_enterprise.refresh_from_db()
    assert sc_enterprise.profile["local_indicators"] == {"sc_modern_system": True, "sc_unique": False}
    assert sc_enterprise.profile["standards"] == []


def test_bad_cells_of_the_new_sheets_are_named(owner_client, hz_enterprise):
    wb = load_workbook(
        io.BytesIO(owner_client.get(reverse("enterprises:import_template"), {"current": "1"}).content)
    )
    wb["发展评价得分"]["B3"] = 120  # 2025
    wb["主导制定标准"].append(["行业标准", "牵头", 2024])
    wb["地方特色指标"].append(["特色化得分", 3])
    buf = io.BytesIO()
    wb.save(buf)
    upload = SimpleUploadedFile("bad.xlsx", buf.getvalue(), content_type=XLSX_MIME)
    response = owner_client.post(reverse("enterprises:import"), {"file": upload})
    assert response.status_code == 400
    text = page(response)
    for line in (
        "主导制定标准 第 2 行 B 列（本企业角色）：取值须为 主导制定、参与制定 之一",
        "发展评价得分 第 3 行 B 列（得分）：不能大于 100",
        "地方特色指标 第 3 行 A 列（指标编号）：无法识别的指标编号“特色化得分”",
    ):
        assert line in text
    hz_enterprise.refresh_from_db()
    assert hz_enterprise.version == 1


def test_an_older_template_without_the_new_sheets_keeps_those_sections(db):
    stored = with_new_sections()
    wb = load_workbook(io.BytesIO(excel.export_profile_xlsx(stored)))
    for name in ("主导制定标准", "发展评价得分", "地方特色指标"):
        del wb[name]
    buf = io.BytesIO()
    wb.save(buf)
    parsed = excel.parse_workbook(buf.getvalue())
    merged = excel.merge(stored, parsed.profile, parsed.covered)
    for key in ("standards", "development_score", "local_indicators"):
        assert merged[key] == stored[key]


@pytest.mark.parametrize("local", [{"sc_modern_system": True, "featured_score": 9}, {}])
def test_a_sichuan_workbook_exported_and_imported_back_changes_nothing(sc_client, sc_enterprise, local):
    doc = {
        **sc_enterprise.profile,
        "local_indicators": local,
        "standards": [{"level": "local", "role": "lead", "year": 2023, "name": "DB51/T 0001-2023 郫县豆瓣"}],
        "development_score": {"2026": 51},
    }
    sc_enterprise.profile = doc
    sc_enterprise.save()
    exported = sc_client.get(reverse("enterprises:import_template"), {"current": "1"})
    ws = load_workbook(io.BytesIO(exported.content))["地方特色指标"]
    values = {
        ws.cell(row=r, column=1).value: ws.cell(row=r, column=3).value for r in range(2, ws.max_row + 1)
    }
    assert values["sc_modern_system"] == ("是" if local else None)
    upload = SimpleUploadedFile("export.xlsx", exported.content, content_type=XLSX_MIME)
    preview = page(sc_client.post(reverse("enterprises:import"), {"file": upload}))
    assert "与当前画像相同，没有需要更新的内容。" in preview
