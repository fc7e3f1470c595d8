"""The whole ladder in a real browser: register → profile → self-assessment → apply → review → notice →
recognition → public certificate check; and the two busiest pages at phone width (360 × 740).

What happens outside the browser, and why:
- The batches are opened by the officials in Python (cultivation.actions.open_batch): opening a
  batch is not part of this story.
- The enterprise fills basic data, three years of financials, its patent, R&D centre, quality,
  main product, digital level and compliance in the profile editor. One fact has no field in the
  editor and is set through enterprises.actions.update_profile, as an import would: the
  专精特新发展评价得分 (development_score, computed by MIIT's own platform).
- Under the 2026 measures only a holder of 科技和创新型 may be recognised 专精特新; the
  enterprise's earlier 科技和创新型 title is granted through cultivation.actions (an earlier batch),
  not clicked through again.
- The notice period passes by running the daily job as the cultivation app ships it,
  `manage.py cultivation_daily --date <a week later>` (tasks run immediately under test settings).
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.cultivation import actions
from portal.cultivation.models import Application, ApplicationState, Recognition
from portal.enterprises.actions import update_profile
from portal.web.demo.credit import make_credit_code
from portal.web.demo.files import make_pdf
from portal_tests.factories import PASSWORD, make_enterprise, make_user, officials

from .conftest import PHONE

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NAME = "杭州恒拓精密机械有限公司"
USERNAME = "hengtuo"
USER_PASSWORD = "Hengtuo-2026-pass"
FINANCIALS = {  # 万元, as the enterprise types them
    "2025": ("168", "4800", "4500", "52", "420", "5200", "2100", "510"),
    "2024": ("150", "4100", "3850", "46", "360", "4600", "1950", "420"),
    "2023": ("132", "3500", "3300", "40", "300", "4000", "1800", "330"),
}
FIN_LABELS = (
    "从业人员（人）",
    "营业收入（万元）",
    "主营业务收入（万元）",
    "研发人员（人）",
    "研发费用（万元）",
    "资产总额（万元）",
    "负债总额（万元）",
    "净利润（万元）",
)


def no_horizontal_overflow(page) -> None:
    client, body, doc = page.evaluate(
        "() => [document.documentElement.clientWidth, document.body.scrollWidth, document.documentElement.scrollWidth]"
    )
    if body <= client and doc <= client:
        return
    # The innermost elements whose content is wider than their box (usually an unbreakable word).
    culprits = page.evaluate(
        """() => {
             const wide = e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === 'visible';
             return Array.from(document.body.querySelectorAll('*'))
               .filter(e => wide(e) && !Array.from(e.children).some(wide))
               .slice(0, 5)
               .map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).trim().split(/\\s+/).join('.') : '')
                         + ' (' + e.scrollWidth + 'px): ' + (e.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 60));
           }"""
    )
    raise AssertionError(
        f"{page.url}: 页面宽 {max(body, doc)}px，超出屏幕 {client}px；超出的元素：{culprits}"
    )


def log_in(page, username: str, password: str) -> None:
    page.goto(reverse("accounts:login"))
    page.get_by_label("用户名", exact=True).fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("button", name="退出")).to_be_visible()


def open_batches(gov, today):
    opens, closes = today - dt.timedelta(days=60), today + dt.timedelta(days=30)
    small = actions.open_batch(
        gov["zj_province"],
        tier="tech_innovative",
        year=today.year,
        opens_on=opens,
        closes_on=closes,
        name=f"{today.year}年浙江省科技和创新型中小企业评价",
    )
    special = actions.open_batch(
        gov["zj_province"],
        tier="specialized",
        year=today.year,
        opens_on=opens,
        closes_on=closes,
        name=f"{today.year}年浙江省专精特新中小企业认定",
    )
    return small, special


def earlier_title(user, batch, gov, today):
    """The 科技和创新型 title the enterprise won in the autumn batch, through the same actions."""
    pdf = SimpleUploadedFile(
        "科技型中小企业入库证明.pdf", make_pdf("科技型中小企业入库证明", [NAME]), "application/pdf"
    )
    app = actions.create_application(user, user.enterprise, batch, today=today - dt.timedelta(days=40))
    actions.attach_evidence(user, app, pdf)
    app.refresh_from_db()
    actions.submit_application(
        user,
        app,
        expected_version=app.version,
        declaration_accepted=True,
        today=today - dt.timedelta(days=39),
    )
    app.refresh_from_db()
    actions.approve_application(
        gov["hz_city"], app, expected_version=app.version, today=today - dt.timedelta(days=30)
    )
    assert actions.close_notice(app, today=today - dt.timedelta(days=20))
    app.refresh_from_db()
    return actions.recognise_application(
        gov["zj_province"], app, expected_version=app.version, today=today - dt.timedelta(days=18)
    )


def test_the_whole_ladder(open_page):
    today = timezone.localdate()
    gov = officials()
    small, special = open_batches(gov, today)
    code = make_credit_code(random.Random(7), "330106")

    # 1. An enterprise registers.
    page = open_page()
    page.goto(reverse("enterprises:register"))
    page.get_by_label("用户名", exact=True).fill(USERNAME)
    page.get_by_label("密码", exact=True).fill(USER_PASSWORD)
    page.get_by_label("联系人姓名").fill("周敏")
    page.get_by_label("联系电话").fill("13905710000")
    page.get_by_label("企业名称").fill(NAME)
    page.get_by_label("统一社会信用代码").fill(code)
    page.get_by_label("省份").select_option("330000")
    page.get_by_label("城市").select_option("330100")
    page.get_by_label("区县").select_option("330106")
    page.get_by_label("搜索行业").fill("C3484")
    page.locator("button[data-code='C3484']").click()
    page.get_by_role("button", name="注册", exact=True).click()
    expect(page.get_by_text(f"注册成功：{NAME}")).to_be_visible()
    user = User.objects.get(username=USERNAME)
    assert user.enterprise.credit_code == code and user.enterprise.region == "330106"

    # 2. It fills its profile in the editor.
    page.goto(reverse("enterprises:profile"))
    basic = page.locator("#section-basic")
    basic.get_by_label("成立日期").fill("2012-03-01")
    basic.get_by_label("从事细分市场起始日期").fill("2015-03-01")
    for year, values in FINANCIALS.items():
        row = page.locator("#section-financials fieldset", has_text=f"{year} 年度")
        for label, value in zip(FIN_LABELS, values, strict=True):
            row.get_by_label(label, exact=True).fill(value)
    ip = page.locator("#section-ip fieldset").first
    ip.get_by_label("类型", exact=True).select_option(label="发明专利（含国防专利）")
    ip.get_by_label("名称", exact=True).fill("一种精密行星减速器")
    ip.get_by_label("授权日期").fill("2021-06-18")
    for flag in ("与主导产品相关", "自主研发（非受让）", "高价值", "已实际应用并产生经济效益"):
        ip.get_by_label(flag, exact=True).select_option(label="是")
    rd = page.locator("#section-rd_institutions fieldset").first
    rd.get_by_label("级别", exact=True).select_option(label="市级")
    rd.get_by_label("类型", exact=True).select_option(label="工程技术研究中心")
    quality = page.locator("#section-quality")
    for label in ("取得质量管理体系认证", "拥有自主品牌", "参与制修订标准"):
        quality.get_by_label(label).select_option(label="是")
    product = page.locator("#section-main_product")
    product.get_by_label("主导产品名称").fill("精密行星减速器")
    product.get_by_label("属于战略性新兴产业").select_option(label="是")
    product.get_by_label("所属领域（专精特新）").select_option(label="补短板、锻长板、填空白并取得成果")
    product.get_by_label("全国细分市场占有率（%）").fill("3")
    product.get_by_label("国内细分市场排名").fill("8")
    digital = page.locator("#section-digital")
    digital.get_by_label("数字化水平等级").select_option(label="三级")
    digital.get_by_label("核心业务采用信息系统支撑").select_option(label="是")
    for select in page.locator("#section-compliance select").all():
        select.select_option(label="否")
    page.get_by_role("button", name="保存企业画像").first.click()
    expect(page.get_by_text("企业画像已保存（第 2 版）。")).to_be_visible()

    # The development score has no editor field: set as an import would; then the earlier title.
    enterprise = user.enterprise
    enterprise.refresh_from_db()
    assert enterprise.profile["financials"]["2025"]["revenue"] == 48_000_000
    update_profile(
        user,
        enterprise,
        {**enterprise.profile, "development_score": {str(today.year): 66}},
        expected_version=enterprise.version,
    )
    earlier_title(user, small, gov, today)

    # 3. Self-assessment: it sees its tier.
    page.goto(reverse("assessments:self"))
    page.get_by_role("button", name="重新评价").click()
    expect(page.locator(".asm-headline")).to_contain_text("结论：目前最高可达 专精特新中小企业")

    # 4. It applies for 专精特新 in the open batch, uploads a PDF and submits with the declaration.
    page.goto(reverse("cultivation:apply"))
    page.get_by_role("button", name="申报专精特新中小企业").click()
    page.set_input_files(
        "#id_file",
        files=[
            {
                "name": "2025年度审计报告.pdf",
                "mimeType": "application/pdf",
                "buffer": make_pdf(f"{NAME} 2025 年度审计报告", ["营业收入 4,800 万元"]),
            }
        ],
    )
    page.get_by_label("说明（可选").fill("2025 年度审计报告")
    page.get_by_role("button", name="上传", exact=True).click()
    expect(page.get_by_role("link", name="2025年度审计报告.pdf")).to_be_visible()
    page.get_by_label("我已阅读并同意以上声明").check()
    page.get_by_role("button", name="提交申报").click()
    expect(page.locator(".cv-kv").first).to_contain_text("待审核")
    app = Application.objects.get(enterprise=enterprise, batch=special)
    assert app.state == ApplicationState.SUBMITTED and app.evidence.count() == 1

    # 5. The city official finds it in the queue and approves: public notice.
    city = open_page()
    log_in(city, "gov-hz", PASSWORD)
    city.goto(reverse("cultivation:queue"))
    city.get_by_role("link", name=NAME).click()
    city.get_by_label("审核意见（可选）").fill("材料齐全，符合认定条件。")
    city.get_by_role("button", name="审核通过并公示").click()
    expect(city.locator(".cv-kv").first).to_contain_text("公示中")

    # 6. The notice period passes: the daily job, run for a day a week from now, closes it.
    call_command("cultivation_daily", "--date", (today + dt.timedelta(days=7)).isoformat())
    app.refresh_from_db()
    assert app.state == ApplicationState.NOTICE_ENDED

    # 7. The province official recognises.
    province = open_page()
    log_in(province, "gov-zj", PASSWORD)
    province.goto(reverse("cultivation:queue"))
    province.get_by_role("link", name=NAME).click()
    province.get_by_role("button", name="予以认定").click()
    expect(province.locator(".cv-kv").first).to_contain_text("已认定")
    recognition = Recognition.objects.get(application=app)

    # 8. A visitor checks the certificate.
    visitor = open_page()
    visitor.goto(reverse("cultivation:verify"))
    visitor.get_by_label("验证码").fill(recognition.verification_code)
    visitor.get_by_role("button", name="核验").click()
    expect(visitor.locator(".cv-status")).to_have_text("有效")
    expect(visitor.get_by_text(NAME)).to_be_visible()
    expect(visitor.get_by_text(recognition.certificate_no)).to_be_visible()


def test_queue_and_self_assessment_fit_a_phone(open_page):
    """At 360 px the body must not scroll sideways (wide tables scroll inside their own box)."""
    today = timezone.localdate()
    gov = officials()
    _, special = open_batches(gov, today)
    # A 专精特新 enterprise short of 小巨人: the page shows the longest content (the plan, its field paths).
    code = make_credit_code(random.Random(3), "330106")
    enterprise = make_enterprise(NAME, region="330106", credit_code=code, example="software-firm")
    owner = make_user("ent-phone", Role.ENTERPRISE, enterprise=enterprise, full_name="周敏")
    app = actions.create_application(owner, enterprise, special)
    pdf = SimpleUploadedFile("2025年度审计报告.pdf", make_pdf("2025 年度审计报告", [NAME]), "application/pdf")
    actions.attach_evidence(owner, app, pdf)
    app.refresh_from_db()
    actions.submit_application(owner, app, expected_version=app.version, declaration_accepted=True)

    page = open_page(PHONE)
    log_in(page, "ent-phone", PASSWORD)
    page.goto(reverse("assessments:self"))
    page.get_by_role("button", name="重新评价").click()
    expect(page.locator(".asm-headline")).to_contain_text("结论：")
    no_horizontal_overflow(page)

    city = open_page(PHONE)
    log_in(city, "gov-hz", PASSWORD)
    city.goto(reverse("cultivation:queue"))
    expect(city.get_by_role("link", name=NAME)).to_be_visible()
    no_horizontal_overflow(city)
