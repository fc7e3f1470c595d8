"""Excel import: the template, cell-by-cell errors, a preview, and nothing saved before the confirm."""

from __future__ import annotations

import copy
import datetime as dt
import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from portal.accounts.roles import Role
from portal.assessments.actions import run_assessment
from portal.audit.models import AuditEntry
from portal.downloads import XLSX_MIME
from portal.enterprises import actions, excel
from portal.enterprises.models import Enterprise

from .factories import example_profile, make_enterprise, make_user
from .test_enterprises import expected_after_save, page, with_check
from .test_enterprises_sections import AS_OF_2026_RULES, tech_sme, tech_sme_pending

CODE = with_check("91330106MA2B3C4D3")


@pytest.fixture
def new_enterprise(db):
    """A just-registered enterprise: identity only, as registration leaves it."""
    doc = {
        "schema": "zjtx.profile/1",
        "name": "杭州新锐传感科技有限公司",
        "credit_code": CODE,
        "region": "330106",
        "industry": "C4021",
    }
    return make_enterprise("杭州新锐传感科技有限公司", credit_code=CODE, profile=doc)


@pytest.fixture
def owner(new_enterprise):
    c = Client()
    c.force_login(make_user("ent-xr", Role.ENTERPRISE, enterprise=new_enterprise, full_name="财务 林芳"))
    return c


def template(client) -> Workbook:
    response = client.get(reverse("enterprises:import_template"))
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(io.BytesIO(response.content))


def set_basic(wb, label: str, value):
    ws = wb["基本信息"]
    for row in range(2, ws.max_row + 1):
        if ws.cell(row=row, column=1).value == label:
            ws.cell(row=row, column=2, value=value)
            return row
    raise AssertionError(label)


def as_upload(wb: Workbook, name: str = "企业画像.xlsx") -> SimpleUploadedFile:
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile(name, buf.getvalue(), content_type=XLSX_MIME)


def filled(client) -> Workbook:
    wb = template(client)
    set_basic(wb, "企业名称", "杭州新锐传感科技有限公司")
    set_basic(wb, "统一社会信用代码", CODE)
    set_basic(wb, "注册地行政区划代码", 330106)  # typed as a number: still the code
    set_basic(wb, "国民经济行业代码", "C4021")
    set_basic(wb, "成立日期", dt.datetime(2016, 5, 12))
    set_basic(wb, "质量与品牌：拥有自主品牌", "是")
    set_basic(wb, "主导产品：全国细分市场占有率", 12.5)
    fin = wb["财务数据"]
    fin.append([2025, 86, 1234.5678, 1100, 21, 96.42, 2300, 900, 150.05])
    fin.append([2024, 80, 980, 900, 18, 70, 2100, 880, -20])
    wb["知识产权"].append(
        [
            "发明专利（含国防专利）",
            None,
            "一种压阻式压力传感器",
            "ZL202110000001.X",
            dt.datetime(2023, 6, 1),
            None,
            "是",
            "是",
            "否",
            "是",
        ]
    )
    wb["奖项"]["A2"] = "无"
    return wb


def test_template_has_sheets_unit_notes_and_drop_down_lists(owner):
    wb = template(owner)
    assert wb.sheetnames[:7] == [
        "基本信息",
        "财务数据",
        "股权融资",
        "知识产权",
        "研发机构",
        "奖项",
        "荣誉资质",
    ]
    assert wb["可选值"].sheet_state == "hidden"
    fin = wb["财务数据"]
    assert [c.value for c in fin[1]][:3] == ["年度", "从业人员（人）", "营业收入（万元）"]
    assert fin["C1"].comment.text == "单位：万元，最多 6 位小数（精确到分）。不知道请留空，不要填 0。"
    ip_lists = {str(dv.sqref): dv.formula1 for dv in wb["知识产权"].data_validations.dataValidation}
    assert ip_lists["A2:A201"].startswith("='可选值'!$")
    assert ip_lists["G2:G201"] == '"是,否"'
    lists = {col[0].value: [c.value for c in col[1:] if c.value] for col in wb["可选值"].iter_cols()}
    assert lists["划型行业"][:2] == ["农、林、牧、渔业", "工业"]
    assert {"发明专利（含国防专利）", "实用新型专利", "软件著作权"} <= set(lists["类型"])
    basic = {str(dv.sqref): dv.formula1 for dv in wb["基本信息"].data_validations.dataValidation}
    own_brand = set_basic(wb, "质量与品牌：拥有自主品牌", None)
    assert basic[f"B{own_brand}"] == '"是,否"'
    assert wb["基本信息"][f"C{own_brand}"].value == "填“是”或“否”；不确定请留空。"


def test_clean_file_is_previewed_and_saved_only_on_confirm(owner, new_enterprise):
    response = owner.post(reverse("enterprises:import"), {"file": as_upload(filled(owner))})
    text = response.content.decode()
    assert response.status_code == 200
    assert "文件检查通过。请核对以下内容，确认后才会保存。" in text
    assert "将更新：基本信息、财务数据、知识产权、奖项、质量与品牌、主导产品" in text
    assert "<td>1234.5678</td>" in text and "一种压阻式压力传感器" in text
    new_enterprise.refresh_from_db()
    assert new_enterprise.version == 1 and "financials" not in new_enterprise.profile

    done = owner.post(reverse("enterprises:import_confirm"), follow=True)
    assert "已从“企业画像.xlsx”导入企业画像（第 2 版）。" in done.content.decode()
    new_enterprise.refresh_from_db()
    p = new_enterprise.profile
    assert p["financials"]["2025"] == {
        "employees": 86,
        "revenue": 12345678,
        "main_revenue": 11000000,
        "rd_staff": 21,
        "rd_expense": 964200,
        "total_assets": 23000000,
        "total_liabilities": 9000000,
        "net_profit": 1500500,
    }
    assert p["financials"]["2024"]["net_profit"] == -200000
    assert p["ip"] == [
        {
            "type": "invention_patent",
            "name": "一种压阻式压力传感器",
            "number": "ZL202110000001.X",
            "granted": "2023-06-01",
            "related_to_main_product": True,
            "self_developed": True,
            "high_value": False,
            "applied_with_benefit": True,
        }
    ]
    assert p["awards"] == [] and "honours" not in p
    assert p["established"] == "2016-05-12" and p["region"] == "330106"
    assert p["quality"] == {"own_brand": True} and p["main_product"] == {"national_market_share": 0.125}
    assert AuditEntry.objects.get(action="enterprise.profile_updated").data["source"] == "excel"


def test_file_with_errors_lists_every_cell_and_saves_nothing(owner, new_enterprise):
    wb = filled(owner)
    code_row = set_basic(wb, "统一社会信用代码", CODE[:17] + ("0" if CODE[17] != "0" else "1"))
    set_basic(wb, "成立日期", "去年")
    fin = wb["财务数据"]
    fin["C3"] = -5  # 2024 营业收入
    fin["E2"] = "很多"  # 2025 研发人员
    fin.append([2025, 1, 2, 1])  # the same year twice
    wb["知识产权"]["A2"] = "专利"
    wb["奖项"].append(["科技奖励", None, None, None, 2023])
    response = owner.post(reverse("enterprises:import"), {"file": as_upload(wb)})
    assert response.status_code == 400
    text = response.content.decode()
    assert "文件中有 8 处错误，未导入任何内容。请修改后重新上传。" in text
    expected = [
        f"基本信息 第 {code_row} 行 B 列（统一社会信用代码）：统一社会信用代码校验位不正确，请核对营业执照上的 18 位代码",
        f"基本信息 第 {code_row + 4} 行 B 列（成立日期）：必须为有效日期（如 2012-03-01）",
        "财务数据 第 2 行 E 列（研发人员）：必须为整数",
        "财务数据 第 3 行 C 列（营业收入）：必须为非负数",
        "财务数据 第 4 行 A 列（年度）：年度 2025 重复填写",
        "知识产权 第 2 行 A 列（类型）：取值须为 ",
        "奖项 第 2 行 A 列（奖项类别）：已填“无”，但本表又填写了条目：请删除“无”或删除条目",
        "奖项 第 3 行 B 列（级别）：科技奖励、质量奖须注明级别",
    ]
    for line in expected:
        assert line in text
    positions = [text.index(line) for line in expected]
    assert positions == sorted(positions)  # by sheet, then row, then column
    new_enterprise.refresh_from_db()
    assert new_enterprise.version == 1 and "financials" not in new_enterprise.profile
    after = owner.post(reverse("enterprises:import_confirm"), follow=True)
    assert "没有待确认的导入，请重新上传 Excel 文件。" in after.content.decode()
    new_enterprise.refresh_from_db()
    assert new_enterprise.version == 1


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"name,revenue\n\xe6\x9d\xad\xe5\xb7\x9e,100\n", excel.NOT_XLSX),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, excel.OLD_XLS),
        ("zip", excel.NOT_XLSX),
        (
            "empty-workbook",
            "工作簿缺少工作表：基本信息、财务数据、知识产权、研发机构、奖项、荣誉资质。请使用本页提供的模板填写。",
        ),
    ],
)
def test_files_that_are_not_our_workbook_are_refused_by_content(owner, new_enterprise, payload, message):
    if payload == "zip":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("word/document.xml", "<w:document/>")
        payload = buf.getvalue()
    elif payload == "empty-workbook":
        buf = io.BytesIO()
        Workbook().save(buf)
        payload = buf.getvalue()
    upload = SimpleUploadedFile("企业画像.xlsx", payload, content_type=XLSX_MIME)
    response = owner.post(reverse("enterprises:import"), {"file": upload})
    assert response.status_code == 400
    assert message in response.content.decode()
    new_enterprise.refresh_from_db()
    assert new_enterprise.version == 1


def test_export_then_import_gives_the_same_document(db):
    original = example_profile("manufacturer")
    parsed = excel.parse_workbook(excel.export_profile_xlsx(original))
    assert parsed.errors == []
    assert excel.merge(original, parsed.profile) == expected_after_save(original)
    # and into an enterprise that has nothing yet: everything but the platform's own records arrives
    bare = excel.merge({"schema": "zjtx.profile/1"}, parsed.profile)
    assert bare == {k: v for k, v in expected_after_save(original).items() if k != "recognitions"}


def test_round_trip_through_the_pages(hz_owner, hz_enterprise):
    c = Client()
    c.force_login(hz_owner)
    original = copy.deepcopy(hz_enterprise.profile)
    exported = c.get(reverse("enterprises:import_template"), {"current": "1"})
    assert "attachment; filename*=UTF-8''" in exported["Content-Disposition"]
    upload = SimpleUploadedFile("export.xlsx", exported.content, content_type=XLSX_MIME)
    preview = c.post(reverse("enterprises:import"), {"file": upload}).content.decode()
    assert "与当前画像相同，没有需要更新的内容。" in preview
    c.post(reverse("enterprises:import_confirm"))
    hz_enterprise.refresh_from_db()
    assert hz_enterprise.profile == expected_after_save(original) and hz_enterprise.version == 2


def test_confirm_after_someone_else_saved_is_stale(owner, new_enterprise):
    owner.post(reverse("enterprises:import"), {"file": as_upload(filled(owner))})
    colleague = make_user("ent-xr-2", Role.ENTERPRISE, enterprise=new_enterprise)
    doc = {**new_enterprise.profile, "established": "2016-05-01"}
    actions.update_profile(colleague, new_enterprise, doc, expected_version=1)
    response = owner.post(reverse("enterprises:import_confirm"), follow=True)
    assert (
        "企业画像已有更新（您看到的是第 1 版；可能已由他人处理，或您已在别处提交过），请刷新页面后再操作。"
        in response.content.decode()
    )
    new_enterprise.refresh_from_db()
    assert new_enterprise.version == 2 and "financials" not in new_enterprise.profile


def test_only_enterprise_accounts_import(gov, new_enterprise):
    c = Client()
    c.force_login(gov["xh_county"])
    response = c.get(reverse("enterprises:import"))
    assert response.status_code == 403 and "只有企业账户可以导入本企业的画像。" in response.content.decode()
    assert Enterprise.objects.get(pk=new_enterprise.pk).version == 1


# --- 科技人员、成本费用支出总额 ------------------------------------------------------------------------


def fin_column(ws, header: str) -> int:
    for cell in ws[1]:
        if cell.value == header:
            return cell.column
    raise AssertionError(header)


def fin_row(ws, year: int) -> int:
    for row in range(2, ws.max_row + 1):
        if ws.cell(row=row, column=1).value == year:
            return row
    raise AssertionError(year)


def current(client) -> Workbook:
    return load_workbook(
        io.BytesIO(client.get(reverse("enterprises:import_template"), {"current": "1"}).content)
    )


def test_template_has_tech_staff_and_total_cost_columns_with_their_units(owner):
    fin = template(owner)["财务数据"]
    headers = [c.value for c in fin[1]]
    assert headers[-2:] == ["科技人员（人）", "成本费用支出总额（万元）"]
    notes = {c.value: c.comment.text for c in fin[1]}
    assert notes["成本费用支出总额（万元）"].startswith("单位：万元，最多 6 位小数")
    assert "科技型中小企业" in notes["成本费用支出总额（万元）"]
    assert notes["科技人员（人）"].startswith("单位：人，整数。")
    assert "兼职、临时聘用人员" in notes["科技人员（人）"]


def test_tech_staff_and_total_cost_imported_from_excel_decide_the_tech_sme_tier(hz_owner, hz_enterprise):
    hz_enterprise.profile = tech_sme_pending(hz_enterprise.profile)
    hz_enterprise.save()
    before = run_assessment(hz_owner, hz_enterprise, as_of=AS_OF_2026_RULES)
    assert tech_sme(before)["qualified"] is None
    c = Client()
    c.force_login(hz_owner)
    wb = current(c)
    fin = wb["财务数据"]
    row = fin_row(fin, 2025)
    fin.cell(row=row, column=fin_column(fin, "科技人员（人）"), value=40)
    fin.cell(row=row, column=fin_column(fin, "成本费用支出总额（万元）"), value=16000)
    preview = c.post(reverse("enterprises:import"), {"file": as_upload(wb)})
    assert preview.status_code == 200 and "将更新：财务数据" in page(preview)
    c.post(reverse("enterprises:import_confirm"))
    hz_enterprise.refresh_from_db()
    assert hz_enterprise.version == 2
    assert hz_enterprise.profile["financials"]["2025"]["tech_staff"] == 40
    assert hz_enterprise.profile["financials"]["2025"]["total_cost"] == 160000000
    after = run_assessment(hz_owner, hz_enterprise, as_of=AS_OF_2026_RULES)
    # 科技人员 13% (4 points) and R&D 4.2% of costs, 4% of sales (30): 34 < 60
    assert tech_sme(after)["qualified"] is False and tech_sme(after)["score_range"] == [34, 34]
    assert tech_sme(after)["missing"] == []


def test_tech_staff_and_total_cost_go_out_and_back_through_excel(db):
    original = example_profile("manufacturer")
    original["financials"]["2025"].update(tech_staff=90, total_cost=150012345)
    fin = load_workbook(io.BytesIO(excel.export_profile_xlsx(original)))["财务数据"]
    row = fin_row(fin, 2025)
    assert fin.cell(row=row, column=fin_column(fin, "科技人员（人）")).value == 90
    assert fin.cell(row=row, column=fin_column(fin, "成本费用支出总额（万元）")).value == 15001.2345
    parsed = excel.parse_workbook(excel.export_profile_xlsx(original))
    assert parsed.errors == []
    assert excel.merge(
        original, parsed.profile, parsed.covered, parsed.financial_fields
    ) == expected_after_save(original)


def test_an_older_template_without_the_two_columns_keeps_them(db):
    stored = example_profile("manufacturer")
    stored["financials"]["2025"].update(tech_staff=90, total_cost=150000000)
    wb = load_workbook(io.BytesIO(excel.export_profile_xlsx(stored)))
    fin = wb["财务数据"]
    fin.delete_cols(fin_column(fin, "科技人员（人）"), 2)
    fin.cell(row=fin_row(fin, 2025), column=3, value=17000)  # 营业收入 changed
    buf = io.BytesIO()
    wb.save(buf)
    parsed = excel.parse_workbook(buf.getvalue())
    assert parsed.errors == []
    merged = excel.merge(stored, parsed.profile, parsed.covered, parsed.financial_fields)
    assert merged["financials"]["2025"]["revenue"] == 170000000
    assert merged["financials"]["2025"]["tech_staff"] == 90
    assert merged["financials"]["2025"]["total_cost"] == 150000000


def test_bad_tech_staff_and_total_cost_cells_are_named(owner, new_enterprise):
    wb = filled(owner)
    fin = wb["财务数据"]
    tech, cost = fin_column(fin, "科技人员（人）"), fin_column(fin, "成本费用支出总额（万元）")
    fin.cell(row=2, column=tech, value=90)  # 86 employees in 2025
    fin.cell(row=2, column=cost, value="约三千")
    fin.cell(row=3, column=tech, value=2.5)
    response = owner.post(reverse("enterprises:import"), {"file": as_upload(wb)})
    assert response.status_code == 400
    text = page(response)
    assert "财务数据 第 2 行 J 列（科技人员）：科技人员不能大于从业人员" in text
    assert "财务数据 第 2 行 K 列（成本费用支出总额）：必须为数字（单位：万元）" in text
    assert "财务数据 第 3 行 J 列（科技人员）：必须为整数" in text
    new_enterprise.refresh_from_db()
    assert new_enterprise.version == 1 and "financials" not in new_enterprise.profile


# --- formulas and the page ---------------------------------------------------------------------------


def with_cached_values(data: bytes, sheet_xml: str, values: dict[str, int | str]) -> bytes:
    """The workbook as Excel saves it: each formula cell in `values` gets its result (text as t="str")."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            body = src.read(name)
            if name == sheet_xml:
                text = body.decode()
                for ref, cached in values.items():
                    kind = ' t="str"' if isinstance(cached, str) else ""
                    text, n = re.subn(
                        rf'<c r="{ref}"([^>]*)><f>(.*?)</f><v\s*/>',
                        rf'<c r="{ref}"\1{kind}><f>\2</f><v>{cached}</v>',
                        text,
                    )
                    assert n == 1, ref
                body = text.encode()
            dst.writestr(name, body)
    return out.getvalue()


def test_a_formula_without_a_calculated_value_is_refused_by_its_cell(hz_owner, hz_enterprise):
    original = copy.deepcopy(hz_enterprise.profile)
    owner_client = Client()
    owner_client.force_login(hz_owner)
    wb = current(owner_client)
    fin = wb["财务数据"]
    assert fin["A2"].value == 2025
    fin["C2"] = "=3000+200"  # written by a program, never calculated: read for values it is blank
    fin.append(["=2020+1"])  # a row of nothing but a formula is not a blank row
    response = owner_client.post(reverse("enterprises:import"), {"file": as_upload(wb)})
    assert response.status_code == 400
    text = page(response)
    assert "文件检查通过" not in text
    message = "公式没有计算结果，请在 Excel 中打开并保存后再上传（或把公式改为数值）"
    assert f"财务数据 第 2 行 C 列（营业收入）：{message}" in text
    assert f"财务数据 第 {fin.max_row} 行 A 列（年度）：{message}" in text
    owner_client.post(reverse("enterprises:import_confirm"))
    hz_enterprise.refresh_from_db()
    assert hz_enterprise.version == 1 and hz_enterprise.profile == original


def test_a_formula_with_its_calculated_value_is_read_as_that_value(db):
    wb = load_workbook(io.BytesIO(excel.export_profile_xlsx(example_profile("manufacturer"))))
    assert wb.sheetnames[1] == "财务数据"
    wb["财务数据"]["C2"] = "=3000+200"
    wb["财务数据"]["D2"] = '=IF(1,"","x")'  # Excel's result is empty text: blank, i.e. unknown
    buf = io.BytesIO()
    wb.save(buf)
    data = with_cached_values(buf.getvalue(), "xl/worksheets/sheet2.xml", {"C2": 3200, "D2": ""})
    parsed = excel.parse_workbook(data)
    assert parsed.errors == []
    assert parsed.profile["financials"]["2025"]["revenue"] == 32000000
    assert "main_revenue" not in parsed.profile["financials"]["2025"]


def test_the_upload_page_lists_every_sheet_of_the_template(owner):
    text = page(owner.get(reverse("enterprises:import")))
    visible = [ws.title for ws in template(owner).worksheets if ws.sheet_state == "visible"]
    assert visible[-3:] == ["主导制定标准", "发展评价得分", "地方特色指标"]
    assert f"模板含工作表：{'、'.join(visible)}。" in text


def test_amounts_headed_in_yuan_are_refused_not_read_as_wan(owner, new_enterprise):
    """A column headed 营业收入（元） holds yuan: read as 万元 it would store 10 000 times the revenue."""
    wb = filled(owner)
    fin = wb["财务数据"]
    col = fin_column(fin, "营业收入（万元）")
    fin.cell(row=1, column=col, value="营业收入（元）")
    fin.cell(row=2, column=col, value=12345678)
    fin.cell(row=3, column=col, value=9800000)
    response = owner.post(reverse("enterprises:import"), {"file": as_upload(wb)})
    assert response.status_code == 400
    text = response.content.decode()
    assert (
        "财务数据 第 1 行 C 列（营业收入）：表头写的单位是“元”，本列按万元读取：请把本列金额换算为万元，"
        "并把表头改为“营业收入（万元）”"
    ) in text
    new_enterprise.refresh_from_db()
    assert new_enterprise.version == 1 and "financials" not in new_enterprise.profile


def test_headers_typed_with_ascii_parentheses_are_recognised(owner, new_enterprise):
    wb = filled(owner)
    fin = wb["财务数据"]
    for cell in fin[1]:
        if isinstance(cell.value, str):
            cell.value = cell.value.replace("（", "(").replace("）", ")")
    response = owner.post(reverse("enterprises:import"), {"file": as_upload(wb)})
    assert response.status_code == 200, response.content.decode()
    owner.post(reverse("enterprises:import_confirm"))
    new_enterprise.refresh_from_db()
    assert new_enterprise.profile["financials"]["2025"]["revenue"] == 12345678


def test_a_title_row_above_the_headers_is_named_not_reported_as_missing_columns(owner, new_enterprise):
    """A merged title row '企业财务数据（单位：万元）' above the headers gave '第 1 行 列（表头）：缺少列：年度、…'
    although every column was there, one row down."""
    wb = filled(owner)
    fin = wb["财务数据"]
    fin.insert_rows(1)
    fin["A1"] = "企业财务数据（单位：万元）"
    fin.merge_cells("A1:K1")
    response = owner.post(reverse("enterprises:import"), {"file": as_upload(wb)})
    assert response.status_code == 400
    text = response.content.decode()
    assert "财务数据 第 1 行（表头）：表头应在第 1 行，本表在第 2 行：请删除表头上方的标题行" in text
    assert "缺少列" not in text and "行 列" not in text
    new_enterprise.refresh_from_db()
    assert new_enterprise.version == 1


def test_a_figure_merged_over_two_years_is_refused_not_dropped(owner, new_enterprise):
    """从业人员 merged over the 2025 and 2024 rows showed 2024 as 未填写 in a clean preview: the figure the finance
    manager typed for both years was silently lost for one of them."""
    wb = filled(owner)
    fin = wb["财务数据"]
    col = get_column_letter(fin_column(fin, "从业人员（人）"))
    fin.merge_cells(f"{col}2:{col}3")
    response = owner.post(reverse("enterprises:import"), {"file": as_upload(wb)})
    assert response.status_code == 400
    assert (
        f"财务数据 第 3 行 {col} 列（从业人员）：是合并单元格的一部分，读不到数值：请取消合并，在每一格分别填写"
        in response.content.decode()
    )
    new_enterprise.refresh_from_db()
    assert new_enterprise.version == 1


def test_the_preview_warns_which_years_an_older_file_would_delete(owner, new_enterprise):
    """A workbook kept from 2022 (years 2022–2020) replaced 财务数据 and dropped 2025–2023 with only '将更新：财务数据'
    in the preview; the years that confirming deletes are now named."""
    owner.post(reverse("enterprises:import"), {"file": as_upload(filled(owner))})
    owner.post(reverse("enterprises:import_confirm"))
    wb = current(owner)
    fin = wb["财务数据"]
    for row, year in ((fin_row(fin, 2025), 2022), (fin_row(fin, 2024), 2021)):
        fin.cell(row=row, column=1, value=year)
    response = owner.post(reverse("enterprises:import"), {"file": as_upload(wb)})
    assert response.status_code == 200
    text = response.content.decode()
    assert "导入后将删除这些年度的财务数据：2025、2024。" in text
    same = owner.post(reverse("enterprises:import"), {"file": as_upload(current(owner))}).content.decode()
    assert "导入后将删除" not in same


def _packed_workbook(rows: int, cols: int) -> bytes:
    """A small .xlsx whose one sheet holds rows × cols one-digit cells (compresses about 10:1)."""
    from openpyxl.utils import get_column_letter

    letters = [get_column_letter(c) for c in range(1, cols + 1)]
    body = "".join(
        f'<row r="{r}">' + "".join(f'<c r="{col}{r}"><v>1</v></c>' for col in letters) + "</row>"
        for r in range(1, rows + 1)
    )
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" Type="{rel}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets><sheet name="基本信息" sheetId="1" r:id="rId1"/>'
            "</sheets></workbook>",
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" Type="{rel}/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>',
        )
        z.writestr(
            "xl/worksheets/sheet1.xml", f'<worksheet xmlns="{main}"><sheetData>{body}</sheetData></worksheet>'
        )
    return out.getvalue()


def test_a_workbook_packed_with_cells_is_refused_before_it_is_loaded(monkeypatch):
    """Before, a 5 MB upload holding millions of tiny cells was loaded whole by openpyxl (about a minute and
    a gigabyte per request) before any check: any self-registered enterprise could exhaust the web processes."""
    from portal.enterprises import excel

    loaded = []
    monkeypatch.setattr(excel, "load_workbook", lambda *a, **k: loaded.append(1) or pytest.fail("loaded"))
    data = _packed_workbook(1001, 160)
    assert len(data) < excel.MAX_UPLOAD_BYTES
    with pytest.raises(excel.NotAWorkbook, match="单元格过多"):
        excel.open_upload(data)
    assert not loaded
    # The template itself, and a sheet of ordinary size, are far below the limit.
    assert not excel._too_many_cells(excel.template_xlsx())
    assert not excel._too_many_cells(_packed_workbook(2001, 12))


def test_a_market_share_below_one_percent_is_questioned_before_confirming(owner, new_enterprise):
    """0.02 typed for 2% in an unformatted cell was read as 0.02% without a word (the column is in percent)."""
    wb = filled(owner)
    set_basic(wb, "主导产品：全国细分市场占有率", 0.02)
    text = owner.post(reverse("enterprises:import"), {"file": as_upload(wb)}).content.decode()
    assert "主导产品：全国细分市场占有率读作 0.02%（" in text
    assert "本意是 2% 的，请填 2 后重新上传；确为不足 1% 的可直接确认。" in text
    # 12.5 (the usual case) says nothing
    text = owner.post(reverse("enterprises:import"), {"file": as_upload(filled(owner))}).content.decode()
    assert "读作" not in text
