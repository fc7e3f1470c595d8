"""Registration and the profile editor, driven through the pages as a person would use them."""

from __future__ import annotations

import copy
import datetime as dt
import json
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.actions import NotAllowed
from portal.audit.models import AuditEntry
from portal.cultivation.models import Level, Recognition, Tier
from portal.enterprises import actions, identity, money
from portal.enterprises.models import Enterprise

from .factories import PASSWORD, example_profile, make_enterprise, make_user

CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def with_check(first17: str) -> str:
    """A credit code with its GB 32100 check character (the test's own copy of the rule)."""
    total = sum(CHARS.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return first17 + CHARS[(31 - total % 31) % 31]


class _FormReader(HTMLParser):
    """The fields of the page's main form (class ent-form) with the values a browser would submit."""

    def __init__(self):
        super().__init__()
        self.data: list[tuple[str, str]] = []
        self.inside = False
        self.select: str | None = None
        self.options: list[tuple[str, bool]] = []
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and "ent-form" in (a.get("class") or ""):
            self.inside = True
        if not self.inside:
            return
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.data.append((a["name"], a.get("value") or "on"))
            else:
                self.data.append((a["name"], a.get("value") or ""))
        elif tag == "select":
            self.select, self.options = a.get("name"), []
        elif tag == "option" and self.select:
            self.options.append((a.get("value") or "", "selected" in a))
        elif tag == "textarea":
            self.textarea = a.get("name")

    def handle_data(self, data):
        if self.textarea:
            self.data.append((self.textarea, data))
            self.textarea = None

    def handle_endtag(self, tag):
        if tag == "select" and self.select:
            chosen = [v for v, sel in self.options if sel] or [self.options[0][0] if self.options else ""]
            self.data.append((self.select, chosen[0]))
            self.select = None
        if tag == "form":
            self.inside = False


def form_data(response) -> dict[str, str]:
    reader = _FormReader()
    reader.feed(response.content.decode())
    return dict(reader.data)


def fin_field(data: dict, year: int | str, field: str) -> str:
    """The POST name of one financial field of a year row (fin-N-field)."""
    for key, value in data.items():
        if key.startswith("fin-") and key.endswith("-year") and value == str(year):
            return key.removesuffix("year") + field
    raise AssertionError(f"no row for {year}")


def page(response) -> str:
    return response.content.decode()


def expected_after_save(original: dict) -> dict:
    """The document as the editor writes it: nulls meaning "unknown" become absent keys."""
    doc = copy.deepcopy(original)
    doc.pop("size_sector", None)
    doc["main_product"].pop("international_market_share")
    return doc


@pytest.fixture
def owner_client(hz_owner):
    c = Client()
    c.force_login(hz_owner)
    return c


# --- the credit code check ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        "914403001922038216",  # 华为技术有限公司
        "91440300708461136T",  # 深圳市腾讯计算机系统有限公司
        "91110108551385082Q",  # 北京小米科技有限责任公司
        "91330100716105852F",  # 阿里巴巴（中国）有限公司
    ],
)
def test_published_credit_codes_pass_the_check(code):
    assert identity.credit_code_problem(code) is None
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    assert identity.credit_code_problem(wrong) == "统一社会信用代码校验位不正确，请核对营业执照上的 18 位代码"


def test_credit_code_shape_problems_are_named():
    assert identity.credit_code_problem("9144030019220382") == "统一社会信用代码应为 18 位（现为 16 位）"
    assert identity.credit_code_problem("91440300192203821I") == (
        "统一社会信用代码含有不允许的字符（只用数字和大写字母，不含 I、O、S、V、Z）"
    )
    assert identity.normalise_code(" ９１４４０３００１９２２０３８２１６ ") == "914403001922038216"


@pytest.mark.parametrize(
    ("wan", "yuan", "shown"),
    [
        ("1234.5678", 12345678, "1234.5678"),
        ("0.000001", 0.01, "0.000001"),
        ("0.123457", 1234.57, "0.123457"),
        ("16800", 168000000, "16800"),
        ("-12.34", -123400, "-12.34"),
        ("98765432.1", 987654321000, "98765432.1"),
    ],
)
def test_wan_to_yuan_and_back_is_exact(wan, yuan, shown):
    stored = money.wan_to_yuan(money.parse_wan(wan))
    assert stored == yuan and type(stored) is type(yuan)
    assert money.yuan_to_wan(json.loads(json.dumps(stored))) == shown


# --- registration ------------------------------------------------------------------------------------

REGISTRATION = {
    "username": "zhoumin",
    "password": "Jinggong-2026-reducer",
    "full_name": "周敏",
    "phone": "13805712345",
    "name": "杭州精工减速机有限公司",
    "credit_code": "91330100716105852f",
    "region": "330106",
    "industry": "c3484",
}


@pytest.mark.django_db
def test_registration_creates_enterprise_and_account_and_logs_in(client):
    response = client.post(reverse("enterprises:register"), REGISTRATION, follow=True)
    assert response.redirect_chain == [(reverse("enterprises:profile"), 302)]
    assert "注册成功：杭州精工减速机有限公司。请完善企业画像，以便开展自评和申报。" in page(response)
    enterprise = Enterprise.objects.get(credit_code="91330100716105852F")
    assert (enterprise.name, enterprise.region, enterprise.industry, enterprise.version) == (
        "杭州精工减速机有限公司",
        "330106",
        "C3484",
        1,
    )
    assert enterprise.profile == {
        "schema": "zjtx.profile/1",
        "name": "杭州精工减速机有限公司",
        "credit_code": "91330100716105852F",
        "region": "330106",
        "industry": "C3484",
    }
    user = User.objects.get(username="zhoumin")
    assert (user.role, user.enterprise_id, user.first_name, user.phone) == (
        Role.ENTERPRISE,
        enterprise.pk,
        "周敏",
        "13805712345",
    )
    assert user.check_password("Jinggong-2026-reducer")
    assert response.wsgi_request.user == user
    entry = AuditEntry.objects.get(action="enterprise.registered")
    assert (entry.actor, entry.target_id, entry.region_code) == (user, str(enterprise.pk), "330106")


@pytest.mark.django_db
def test_registration_with_bad_credit_code_is_refused_and_keeps_input(client):
    response = client.post(
        reverse("enterprises:register"), {**REGISTRATION, "credit_code": "91330100716105852G"}
    )
    assert response.status_code == 400
    text = page(response)
    assert "统一社会信用代码：统一社会信用代码校验位不正确，请核对营业执照上的 18 位代码" in text
    assert 'value="杭州精工减速机有限公司"' in text and 'value="13805712345"' in text
    assert not Enterprise.objects.exists() and not User.objects.exists()


@pytest.mark.django_db
def test_registration_reports_every_problem_at_once(client):
    response = client.post(
        reverse("enterprises:register"),
        {
            **REGISTRATION,
            "password": "12345678",
            "phone": "12345",
            "region": "330100",
            "industry": "C9999",
            "credit_code": "9133010071610585",
        },
    )
    text = page(response)
    for line in (
        "密码：这个密码太常见了。",
        "密码：密码只包含数字。",
        "联系电话：请填写 11 位手机号或带区号的固定电话（如 0571-88886666）",
        "注册地（区县）：请选择到区县一级（浙江省杭州市为地市级行政区）",
        "主营业务所属行业（GB/T 4754-2017）：未知的行业代码 C9999（应为 GB/T 4754-2017 代码，如 C3484）",
        "统一社会信用代码：统一社会信用代码应为 18 位（现为 16 位）",
    ):
        assert line in text
    assert not Enterprise.objects.exists()


@pytest.mark.django_db
def test_registration_of_an_already_registered_code_names_the_code(client, hz_enterprise):
    response = client.post(
        reverse("enterprises:register"), {**REGISTRATION, "credit_code": hz_enterprise.credit_code}
    )
    assert response.status_code == 400
    text = page(response)
    assert "统一社会信用代码 91330106MA2B3C4D11 已被注册" in text
    assert "请联系平台管理员为您开设该企业的账户" in text  # the next step: nobody else can add a user
    assert "账户管理员" not in text
    assert Enterprise.objects.count() == 1 and not User.objects.filter(username="zhoumin").exists()


@pytest.mark.django_db
def test_registration_page_works_without_javascript(client):
    text = page(client.get(reverse("enterprises:register")))
    assert 'name="region"' in text and 'pattern="\\d{6}"' in text and "data-region-picker" in text
    assert 'name="industry"' in text and "data-industry-search" in text
    assert "portal/pickers.js" in text


# --- the profile editor ------------------------------------------------------------------------------


def test_saving_the_untouched_editor_keeps_the_document(owner_client, hz_enterprise):
    original = copy.deepcopy(hz_enterprise.profile)
    data = form_data(owner_client.get(reverse("enterprises:profile")))
    response = owner_client.post(reverse("enterprises:profile"), data, follow=True)
    assert "企业画像已保存（第 2 版）。" in page(response)
    hz_enterprise.refresh_from_db()
    assert hz_enterprise.profile == expected_after_save(original)
    assert hz_enterprise.version == 2
    entry = AuditEntry.objects.get(action="enterprise.profile_updated")
    assert entry.data["sections"] == [] and entry.data["source"] == "editor"


def test_bad_values_are_named_next_to_the_field_and_nothing_typed_is_lost(owner_client, hz_enterprise):
    data = form_data(owner_client.get(reverse("enterprises:profile")))
    data["basic-name"] = "杭州精工减速机股份有限公司"
    data[fin_field(data, 2024, "revenue")] = "-5"
    data[fin_field(data, 2023, "rd_expense")] = "abc"
    response = owner_client.post(reverse("enterprises:profile"), data)
    assert response.status_code == 400
    text = page(response)
    assert "企业画像有 2 处需要修改，请按提示修改后再保存。" in text
    assert "财务数据 2024 年 营业收入：必须为非负数" in text
    assert "财务数据 2023 年 研发费用：必须为数字（单位：万元）" in text
    assert '<code class="muted">financials.2024.revenue</code>' in text
    assert '<p class="error field-error">必须为非负数</p>' in text
    assert 'value="杭州精工减速机股份有限公司"' in text and 'value="-5"' in text and 'value="abc"' in text
    hz_enterprise.refresh_from_db()
    assert hz_enterprise.version == 1 and hz_enterprise.name == "杭州精工减速机有限公司"
    assert hz_enterprise.profile["financials"]["2024"]["revenue"] == 142000000


def test_money_typed_in_wan_is_stored_in_yuan_exactly_and_shown_back(owner_client, hz_enterprise):
    data = form_data(owner_client.get(reverse("enterprises:profile")))
    data[fin_field(data, 2025, "revenue")] = "1234.5678"
    data[fin_field(data, 2025, "main_revenue")] = "1,234.5"
    data[fin_field(data, 2025, "rd_expense")] = "0.000001"
    data[fin_field(data, 2025, "net_profit")] = "-12.34"
    owner_client.post(reverse("enterprises:profile"), data)
    hz_enterprise.refresh_from_db()
    row = hz_enterprise.profile["financials"]["2025"]
    assert row["revenue"] == 12345678 and type(row["revenue"]) is int
    assert row["main_revenue"] == 12345000
    assert row["rd_expense"] == 0.01
    assert row["net_profit"] == -123400
    shown = form_data(owner_client.get(reverse("enterprises:profile")))
    assert shown[fin_field(shown, 2025, "revenue")] == "1234.5678"
    assert shown[fin_field(shown, 2025, "rd_expense")] == "0.000001"
    assert shown[fin_field(shown, 2024, "revenue")] == "14200"


def test_more_than_six_decimals_of_wan_is_refused(owner_client, hz_enterprise):
    data = form_data(owner_client.get(reverse("enterprises:profile")))
    data[fin_field(data, 2025, "rd_expense")] = "0.0000001"
    text = page(owner_client.post(reverse("enterprises:profile"), data))
    assert "财务数据 2025 年 研发费用：最多保留 6 位小数（单位：万元，精确到分）" in text
    hz_enterprise.refresh_from_db()
    assert hz_enterprise.version == 1


def test_blank_means_unknown_never_zero(owner_client, hz_enterprise):
    data = form_data(owner_client.get(reverse("enterprises:profile")))
    data[fin_field(data, 2025, "net_profit")] = ""
    data["quality-own_brand"] = ""
    owner_client.post(reverse("enterprises:profile"), data)
    hz_enterprise.refresh_from_db()
    assert "net_profit" not in hz_enterprise.profile["financials"]["2025"]
    assert "own_brand" not in hz_enterprise.profile["quality"]
    entry = AuditEntry.objects.get(action="enterprise.profile_updated")
    assert entry.data["sections"] == ["财务数据", "质量与品牌"]


def test_two_people_editing_at_once_the_second_is_told_to_refresh(hz_enterprise, hz_owner):
    colleague = make_user("ent-hz-2", Role.ENTERPRISE, enterprise=hz_enterprise, full_name="研发主管 吴强")
    first, second = Client(), Client()
    first.force_login(hz_owner)
    second.force_login(colleague)
    data1 = form_data(first.get(reverse("enterprises:profile")))
    data2 = form_data(second.get(reverse("enterprises:profile")))
    data1["product-name"] = "精密行星减速器（第二代）"
    data2["product-name"] = "谐波减速器"
    assert first.post(reverse("enterprises:profile"), data1).status_code == 302
    response = second.post(reverse("enterprises:profile"), data2)
    assert response.status_code == 400
    text = page(response)
    assert (
        "企业画像已有更新（您看到的是第 1 版；可能已由他人处理，或您已在别处提交过），请刷新页面后再操作。"
        in text
    )
    assert 'value="谐波减速器"' in text
    hz_enterprise.refresh_from_db()
    assert hz_enterprise.profile["main_product"]["name"] == "精密行星减速器（第二代）"
    assert hz_enterprise.version == 2


def test_items_are_added_and_none_is_a_known_answer(owner_client, hz_enterprise):
    data = form_data(owner_client.get(reverse("enterprises:profile")))
    new = f"ip-{int(data['ip-TOTAL_FORMS']) - 1}-"  # the blank row the editor always offers
    data.update(
        {
            new + "type": "software_copyright",
            new + "name": "减速器寿命预测软件 V1.0",
            new + "granted": "2025-09-01",
            new + "related_to_main_product": "yes",
        }
    )
    for key in [k for k in data if k.startswith("aw-") and k[3].isdigit()]:
        data[key] = ""
    data["none-awards"] = "on"
    assert owner_client.post(reverse("enterprises:profile"), data).status_code == 302
    hz_enterprise.refresh_from_db()
    assert hz_enterprise.profile["ip"][-1] == {
        "type": "software_copyright",
        "name": "减速器寿命预测软件 V1.0",
        "granted": "2025-09-01",
        "related_to_main_product": True,
    }
    assert hz_enterprise.profile["awards"] == []


def test_an_incomplete_item_is_reported_by_its_number(owner_client, hz_enterprise):
    data = form_data(owner_client.get(reverse("enterprises:profile")))
    new = f"ip-{int(data['ip-TOTAL_FORMS']) - 1}-"
    data[new + "name"] = "一种柔轮加工夹具"
    data["basic-region"] = "330100"
    text = page(owner_client.post(reverse("enterprises:profile"), data))
    assert "知识产权 第 6 项 类型：必填" in text
    assert "注册地行政区划代码：请选择到区县一级（浙江省杭州市为地市级行政区）" in text
    assert 'value="一种柔轮加工夹具"' in text


def test_adding_a_row_without_javascript_saves_nothing(owner_client, hz_enterprise):
    data = form_data(owner_client.get(reverse("enterprises:profile")))
    rows = int(data["ip-TOTAL_FORMS"])
    data["basic-name"] = "改了但没保存"
    response = owner_client.post(reverse("enterprises:profile"), {**data, "more": "ip"})
    again = form_data(response)
    assert int(again["ip-TOTAL_FORMS"]) == rows + 1 and again["basic-name"] == "改了但没保存"
    hz_enterprise.refresh_from_db()
    assert hz_enterprise.version == 1


def test_editor_offers_the_last_three_fiscal_years(db):
    enterprise = make_enterprise(
        "新注册企业",
        credit_code=with_check("91330106MA2B3C4D2"),
        profile={
            "schema": "zjtx.profile/1",
            "credit_code": with_check("91330106MA2B3C4D2"),
            "industry": "C3484",
        },
    )
    owner = make_user("ent-new", Role.ENTERPRISE, enterprise=enterprise)
    c = Client()
    c.force_login(owner)
    data = form_data(c.get(reverse("enterprises:profile")))
    this_year = dt.date.today().year
    years = sorted(v for k, v in data.items() if k.startswith("fin-") and k.endswith("-year") and v)
    assert years == [str(this_year - 3), str(this_year - 2), str(this_year - 1)]


def test_platform_recognitions_are_shown_read_only(owner_client, hz_enterprise):
    Recognition.objects.create(
        enterprise=hz_enterprise,
        tier=Tier.SPECIALIZED,
        certificate_no="浙专精〔2026〕0123",
        verification_code="K7Q2M9",
        valid_from=dt.date(2026, 11, 8),
        valid_until=dt.date(2029, 11, 7),
        issued_by_level=Level.PROVINCE,
        issued_by_region="330000",
    )
    text = page(owner_client.get(reverse("enterprises:profile")))
    assert "专精特新中小企业" in text and "浙专精〔2026〕0123" in text and "2026-11-08 至 2029-11-07" in text
    data = form_data(owner_client.get(reverse("enterprises:profile")))
    assert not any(k.startswith("recognitions") for k in data)


def test_recognitions_in_the_document_cannot_be_edited(hz_owner, hz_enterprise):
    doc = copy.deepcopy(hz_enterprise.profile)
    doc["recognitions"] = [{"tier": "little_giant", "since": "2026-01-01", "until": "2028-12-31"}]
    actions.update_profile(hz_owner, hz_enterprise, doc, expected_version=1)
    hz_enterprise.refresh_from_db()
    assert hz_enterprise.profile["recognitions"] == example_profile()["recognitions"]


def test_taking_another_enterprises_code_is_refused(owner_client, hz_enterprise):
    other = make_enterprise(
        "余杭某某电子有限公司", region="330110", credit_code=with_check("91330110MA2H8K9L3")
    )
    data = form_data(owner_client.get(reverse("enterprises:profile")))
    data["basic-credit_code"] = other.credit_code
    text = page(owner_client.post(reverse("enterprises:profile"), data))
    assert f"统一社会信用代码 {other.credit_code} 已被注册" in text


def test_officials_read_the_profile_but_cannot_change_it(gov, hz_enterprise):
    c = Client()
    c.force_login(gov["xh_county"])
    assert c.get(reverse("enterprises:profile")).url == reverse("enterprises:directory")
    text = page(c.get(reverse("enterprises:detail", args=[hz_enterprise.pk])))
    assert "杭州精工减速机有限公司" in text and "只读" in text
    assert "<td>16800</td>" in text  # 2025 营业收入 in 万元
    assert "浙江省杭州市西湖区（330106）" in text
    with pytest.raises(NotAllowed) as caught:
        actions.update_profile(gov["xh_county"], hz_enterprise, hz_enterprise.profile, expected_version=1)
    assert caught.value.message == "只有本企业的账户可以修改企业画像；主管部门可查看，不能修改。"


def test_login_page_links_to_registration(client):
    assert reverse("enterprises:register") in page(client.get(reverse("accounts:login")))


def test_user_can_log_in_after_registering(db, client):
    client.post(reverse("enterprises:register"), REGISTRATION)
    fresh = Client()
    assert fresh.login(username="zhoumin", password="Jinggong-2026-reducer")
    assert not fresh.login(username="zhoumin", password=PASSWORD)


def test_an_item_is_deleted_with_its_box(owner_client, hz_enterprise):
    first_ip = hz_enterprise.profile["ip"][0]
    data = form_data(owner_client.get(reverse("enterprises:profile")))
    assert "删除此项" in page(owner_client.get(reverse("enterprises:profile")))
    data["ip-0-DELETE"] = "on"
    assert owner_client.post(reverse("enterprises:profile"), data).status_code == 302
    hz_enterprise.refresh_from_db()
    assert len(hz_enterprise.profile["ip"]) == 4 and first_ip not in hz_enterprise.profile["ip"]
    assert AuditEntry.objects.get(action="enterprise.profile_updated").data["sections"] == ["知识产权"]


def test_numbers_too_long_to_keep_exactly_are_refused_not_crashed(owner_client, hz_enterprise):
    data = form_data(owner_client.get(reverse("enterprises:profile")))
    data[fin_field(data, 2025, "total_assets")] = "1234567890123.456789"
    data["digital-digital_score"] = "66.123456789012345678"
    response = owner_client.post(reverse("enterprises:profile"), data)
    text = page(response)
    assert response.status_code == 400
    assert "财务数据 2025 年 资产总额：数值位数过多，无法精确保存，请减少有效数字" in text
    assert "数字化水平评测得分：数值位数过多，无法精确保存，请减少有效数字" in text


def test_every_value_the_engine_accepts_has_a_chinese_name():
    from portal.enterprises import labels

    assert labels.check_vocabulary() == []
    assert labels.ip_type()["invention_patent"] == "发明专利（含国防专利）"


def test_who_the_enterprise_is_cannot_change_under_an_application_or_a_title(gov, hz_owner, hz_enterprise):
    """An application being handled is reviewed by its region's officials, and a certificate vouches for a legal
    entity: moving the region would hand the file to another province, a new credit code would re-point the
    certificate. The name stays editable (a renamed company keeps its code), and the certificate keeps the name it
    was issued to."""
    from portal.cultivation.models import Application

    from .test_cultivation_helpers import open_batch, recognised, submitted

    batch = open_batch(gov)
    app = submitted(hz_owner, hz_enterprise, batch)
    hz_enterprise.refresh_from_db()
    for key, value, message in (
        ("region", "510104", f"申报“{app}”正在由原注册地的主管部门办理，注册地暂不能修改"),
        ("credit_code", "91330106MA2X9QQQ9A", f"申报“{app}”正在办理，统一社会信用代码不能修改"),
    ):
        doc = copy.deepcopy(hz_enterprise.profile)
        doc[key] = value
        with pytest.raises(actions.InvalidInput) as caught:
            actions.update_profile(hz_owner, hz_enterprise, doc, expected_version=hz_enterprise.version)
        assert any(path == key and message in text for path, text in caught.value.problems), (
            caught.value.problems
        )
    hz_enterprise.refresh_from_db()
    assert (
        hz_enterprise.region == "330106" and Application.objects.get(pk=app.pk).enterprise.region == "330106"
    )

    Application.objects.filter(pk=app.pk).delete()
    rec = recognised(gov, hz_owner, hz_enterprise, open_batch(gov, name="第二批"))
    hz_enterprise.refresh_from_db()
    old_name = hz_enterprise.name
    doc = copy.deepcopy(hz_enterprise.profile)
    doc["credit_code"] = "91330106MA2X9QQQ9A"
    with pytest.raises(actions.InvalidInput) as caught:
        actions.update_profile(hz_owner, hz_enterprise, doc, expected_version=hz_enterprise.version)
    assert f"证书“{rec.certificate_no}”在有效期内，统一社会信用代码不能修改" in str(caught.value.problems)
    doc = copy.deepcopy(hz_enterprise.profile)
    doc["name"], doc["region"] = (
        "杭州精工传动科技有限公司",
        "330110",
    )  # renamed and moved: its own business now
    actions.update_profile(hz_owner, hz_enterprise, doc, expected_version=hz_enterprise.version)
    rec.refresh_from_db()
    assert rec.certified() == (old_name, hz_enterprise.credit_code)
    answer = Client().get(f"/api/certificates/{rec.verification_code}").json()
    assert answer["enterprise_name"] == old_name


def test_a_name_longer_than_the_register_holds_is_named(hz_owner, hz_enterprise):
    doc = copy.deepcopy(hz_enterprise.profile)
    doc["name"] = "名" * 300
    with pytest.raises(actions.InvalidInput) as caught:
        actions.update_profile(hz_owner, hz_enterprise, doc, expected_version=hz_enterprise.version)
    assert ("name", "企业名称不能超过 200 个字") in caught.value.problems


def test_the_region_waits_for_a_free_payout_to_be_decided(gov, hz_owner, hz_enterprise):
    """A 免申即享 payout is decided by the enterprise's county: moved elsewhere, the old county could no longer decide
    it and the new one never saw it, so the payout stayed pending for good."""
    from portal.policies.models import Grant, GrantStatus, Policy

    policy = Policy.objects.create(
        title="西湖区专精特新企业奖励",
        department="西湖区经信局",
        level="county",
        region_code="330106",
        region_prefix="330106",
        status="published",
    )
    grant = Grant.objects.create(policy=policy, enterprise=hz_enterprise, region="330106")
    doc = copy.deepcopy(hz_enterprise.profile)
    doc["region"] = "330110"
    with pytest.raises(actions.InvalidInput) as caught:
        actions.update_profile(hz_owner, hz_enterprise, doc, expected_version=hz_enterprise.version)
    assert (
        "region",
        "免申即享“西湖区专精特新企业奖励”正在由原注册地的主管部门兑付，注册地暂不能修改；兑付办结后再修改",
    ) in caught.value.problems
    Grant.objects.filter(pk=grant.pk).update(status=GrantStatus.PAID)
    hz_enterprise.refresh_from_db()
    actions.update_profile(hz_owner, hz_enterprise, doc, expected_version=hz_enterprise.version)
    hz_enterprise.refresh_from_db()
    assert hz_enterprise.region == "330110"
