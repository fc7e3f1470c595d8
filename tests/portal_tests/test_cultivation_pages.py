"""The cultivation pages as people use them: the exact Chinese text each persona sees at each step.

The 专精特新 ladder end to end through the Django test client (province opens a batch, the enterprise
applies with a real PDF, the city approves, an objection is recorded and dismissed, the province
recognises, anyone verifies the certificate); region scope on the review page and the evidence
download; bulk approve; the Excel export; the stale-version message.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from portal.accounts.roles import Role
from portal.cultivation import actions, views_common
from portal.cultivation.models import Application, ApplicationState, Batch, Evidence, Recognition

from .factories import example_profile, make_enterprise, make_user
from .test_cultivation_helpers import png_bytes

pytestmark = pytest.mark.django_db

HZ_NAME = "杭州精工减速机有限公司"


def tiny_pdf(text: str = "zjtx evidence") -> bytes:
    """A small but well-formed one-page PDF (header, objects, xref table, trailer, %%EOF)."""
    content = f"BT /F1 12 Tf 20 50 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{off:010d} 00000 n \n".encode() for off in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def text_of(resp) -> str:
    return resp.content.decode("utf-8")


def as_user(client, user):
    client.force_login(user)
    return client


def open_specialized_batch(province) -> Batch:
    today = timezone.localdate()
    return actions.open_batch(
        province,
        tier="specialized",
        year=today.year,
        name=f"{today.year}年浙江省专精特新中小企业认定",
        opens_on=today - dt.timedelta(days=10),
        closes_on=today + dt.timedelta(days=30),
        notice_days=5,
        review_level="city",
    )


def submitted_application(owner, enterprise, batch) -> Application:
    """An application submitted through the action functions (for tests about what comes after)."""
    app = actions.create_application(owner, enterprise, batch)
    actions.attach_evidence(
        owner, app, SimpleUploadedFile("营业执照.pdf", tiny_pdf(), content_type="application/pdf")
    )
    app.refresh_from_db()
    return actions.submit_application(owner, app, expected_version=app.version, declaration_accepted=True)


@pytest.fixture
def batch(gov):
    return open_specialized_batch(gov["zj_province"])


# ------------------------------------------------------------------------------------------ the ladder


def test_specialized_ladder_end_to_end(client, gov, hz_enterprise, hz_owner):
    today = timezone.localdate()

    # The province opens the batch on the batches page.
    as_user(client, gov["zj_province"])
    resp = client.post(
        reverse("cultivation:batches"),
        {
            "tier": "specialized",
            "year": today.year,
            "name": "浙江省专精特新中小企业认定（第二批）",
            "opens_on": (today - dt.timedelta(days=3)).isoformat(),
            "closes_on": (today + dt.timedelta(days=20)).isoformat(),
            "notice_days": 5,
            "review_level": "city",
        },
        follow=True,
    )
    assert "已创建申报批次：浙江省专精特新中小企业认定（第二批）。" in text_of(resp)
    batch = Batch.objects.get(name="浙江省专精特新中小企业认定（第二批）")
    assert (batch.level, batch.region_code, batch.review_level) == ("province", "330000", "city")

    # The enterprise sees the open batch and applies.
    as_user(client, hz_owner)
    page = text_of(client.get(reverse("cultivation:my_applications")))
    assert "新建申报" in page
    page = text_of(client.get(reverse("cultivation:apply")))
    assert "浙江省专精特新中小企业认定（第二批）" in page and "申报专精特新中小企业" in page
    resp = client.post(reverse("cultivation:apply"), {"batch": batch.pk}, follow=True)
    page = text_of(resp)
    assert "已创建申报草稿。下一步：上传佐证材料并提交。" in page
    assert "下一步：上传佐证材料，阅读并勾选真实性声明后点击“提交申报”。" in page
    assert "支持 PDF、JPEG、PNG 格式，单个文件不超过 10 MB。" in page
    app = Application.objects.get(enterprise=hz_enterprise)
    assert app.state == ApplicationState.DRAFT

    # A renamed text file is refused by its content; a real PDF is accepted.
    url = reverse("cultivation:evidence_upload", args=[app.pk])
    fake = SimpleUploadedFile("审计报告.pdf", b"just text, not a pdf", content_type="application/pdf")
    page = text_of(client.post(url, {"file": fake}, follow=True))
    assert "文件“审计报告.pdf”不是有效的 PDF/JPEG/PNG 文件，请上传扫描件或导出的 PDF" in page
    pdf = SimpleUploadedFile("2025年度审计报告.pdf", tiny_pdf("audit 2025"), content_type="application/pdf")
    page = text_of(client.post(url, {"file": pdf, "description": "2025 年度审计报告"}, follow=True))
    assert "已上传：2025年度审计报告.pdf" in page
    assert Evidence.objects.filter(application=app).count() == 1

    # Submitting needs the declaration ticked.
    page = text_of(client.get(reverse("cultivation:application", args=[app.pk])))
    assert actions.DECLARATION_TRUTH in page
    submit_url = reverse("cultivation:submit", args=[app.pk])
    page = text_of(client.post(submit_url, {"expected_version": app.version}, follow=True))
    assert "提交失败：请先阅读真实性声明并勾选“我已阅读并同意以上声明”。" in page
    page = text_of(
        client.post(submit_url, {"expected_version": app.version, "declaration": "on"}, follow=True)
    )
    assert "申报已提交，等待主管部门审核。" in page
    assert "下一步：等待市级主管部门审核。审核前如需修改，可以撤回。" in page
    assert "提交时的评价结果" in page
    app.refresh_from_db()
    assert app.state == ApplicationState.SUBMITTED and app.assessment_id is not None

    # The city official finds it in the queue and approves it into public notice.
    as_user(client, gov["hz_city"])
    page = text_of(client.get(reverse("cultivation:queue")))
    assert HZ_NAME in page and "共 1 件申报等待您办理。" in page
    review = reverse("cultivation:application", args=[app.pk])
    page = text_of(client.get(review))
    assert "审核通过并公示" in page and "浙江省杭州市西湖区" in page and "2025年度审计报告.pdf" in page
    resp = client.post(
        reverse("cultivation:act", args=[app.pk, "approve"]),
        {"expected_version": app.version, "reason": "材料齐全"},
        follow=True,
    )
    assert f"已处理：{HZ_NAME} 的申报现为“公示中”。" in text_of(resp)
    app.refresh_from_db()
    assert app.state == ApplicationState.IN_NOTICE and app.notice_ends == today + dt.timedelta(days=4)

    # The enterprise sees the notice period and who recognises next.
    as_user(client, hz_owner)
    page = text_of(client.get(review))
    assert f"下一步：公示期满（{app.notice_ends:%Y-%m-%d}）且无异议后，由省级主管部门认定。" in page

    # An objection during notice: recorded, then dismissed by the city.
    as_user(client, gov["hz_city"])
    resp = client.post(
        reverse("cultivation:act", args=[app.pk, "record_objection"]),
        {"expected_version": app.version, "objector": "某竞争企业", "text": "主导产品市场占有率存疑"},
        follow=True,
    )
    assert "已登记异议。请核实后在本页“处理异议”。" in text_of(resp)
    objection = app.objections.get()
    resp = client.post(
        reverse("cultivation:resolve_objection", args=[objection.pk]),
        {"outcome": "dismissed", "resolution": "经核实，市场占有率数据有第三方报告支持"},
        follow=True,
    )
    page = text_of(resp)
    assert "异议已处理：异议不成立。" in page
    assert "异议经核实不成立" in page  # the timeline

    # The daily job ends the notice; the province recognises.
    app.refresh_from_db()
    assert actions.close_notice(app, today=app.notice_ends + dt.timedelta(days=1))
    app.refresh_from_db()
    as_user(client, gov["zj_province"])
    page = text_of(client.get(reverse("cultivation:queue")))
    assert HZ_NAME in page and "公示期满，可以予以认定。" in page
    resp = client.post(
        reverse("cultivation:act", args=[app.pk, "recognise"]), {"expected_version": app.version}, follow=True
    )
    rec = Recognition.objects.get(enterprise=hz_enterprise)
    assert f"已认定：{HZ_NAME}，证书编号 {rec.certificate_no}。" in text_of(resp)

    # The enterprise holds the title; anyone can verify it, and sees nothing else.
    as_user(client, hz_owner)
    page = text_of(client.get(reverse("cultivation:my_recognitions")))
    assert rec.certificate_no in page and "有效" in page
    client.logout()
    page = text_of(client.get(reverse("cultivation:verify"), {"code": rec.verification_code.lower()}))
    assert HZ_NAME in page and "专精特新中小企业" in page and rec.certificate_no in page and "有效" in page
    assert "营业收入" not in page and "91330106" not in page
    page = text_of(client.get(reverse("cultivation:certificate", args=[rec.verification_code])))
    assert f"{rec.valid_from:%Y-%m-%d} — {rec.valid_until:%Y-%m-%d}" in page
    page = text_of(client.get(reverse("cultivation:verify"), {"code": "ZZZZZZZZZZ"}))
    assert "未找到该验证码对应的证书，请核对后重试" in page
    assert client.get(reverse("cultivation:certificate", args=["ZZZZZZZZZZ"])).status_code == 404


def test_returned_application_shows_reason_and_can_be_resubmitted(
    client, gov, hz_enterprise, hz_owner, batch
):
    app = submitted_application(hz_owner, hz_enterprise, batch)
    as_user(client, gov["hz_city"])
    page = text_of(
        client.post(
            reverse("cultivation:act", args=[app.pk, "return"]),
            {"expected_version": app.version, "reason": ""},
            follow=True,
        )
    )
    assert "退回理由：请填写需要企业修改的内容，企业将看到这段文字。" in page
    page = text_of(
        client.post(
            reverse("cultivation:act", args=[app.pk, "return"]),
            {"expected_version": app.version, "reason": "请补充 2025 年度审计报告"},
            follow=True,
        )
    )
    assert f"已处理：{HZ_NAME} 的申报现为“退回修改”。" in page

    as_user(client, hz_owner)
    page = text_of(client.get(reverse("cultivation:application", args=[app.pk])))
    assert "退回意见" in page and "请补充 2025 年度审计报告" in page
    assert "下一步：按退回意见修改企业画像或佐证材料，然后重新提交。" in page
    assert "重新提交申报" in page and "上传新文件" in page
    app.refresh_from_db()
    page = text_of(
        client.post(
            reverse("cultivation:submit", args=[app.pk]),
            {"expected_version": app.version, "declaration": "on"},
            follow=True,
        )
    )
    assert "申报已提交，等待主管部门审核。" in page


def test_enterprise_withdraws_before_review(client, hz_enterprise, hz_owner, batch):
    app = submitted_application(hz_owner, hz_enterprise, batch)
    as_user(client, hz_owner)
    page = text_of(
        client.post(
            reverse("cultivation:withdraw", args=[app.pk]), {"expected_version": app.version}, follow=True
        )
    )
    assert "申报已撤回。" in page and "申报已撤回。需要时可以重新申报。" in page


# ------------------------------------------------------------------------------------------ scope


def test_out_of_region_official_gets_404_on_review_and_evidence(client, gov, hz_enterprise, hz_owner, batch):
    app = submitted_application(hz_owner, hz_enterprise, batch)
    evidence = app.evidence.get()
    for key in ("cd_city", "sc_province", "yh_county"):
        as_user(client, gov[key])
        assert client.get(reverse("cultivation:application", args=[app.pk])).status_code == 404, key
        assert client.get(reverse("cultivation:review", args=[app.pk])).status_code == 404, key
        assert client.get(reverse("cultivation:evidence", args=[evidence.pk])).status_code == 404, key
        resp = client.post(
            reverse("cultivation:act", args=[app.pk, "approve"]), {"expected_version": app.version}
        )
        assert resp.status_code == 404, key
        assert HZ_NAME not in text_of(client.get(reverse("cultivation:queue")))
    app.refresh_from_db()
    assert app.state == ApplicationState.SUBMITTED

    # Another enterprise's user, and an anonymous visitor, do not get the file either.
    other = make_enterprise("余杭某某电子有限公司", region="330110", credit_code="91330110MA2H8K9L3C")
    other_user = make_user("ent-yh", Role.ENTERPRISE, enterprise=other)
    as_user(client, other_user)
    assert client.get(reverse("cultivation:evidence", args=[evidence.pk])).status_code == 404
    assert client.get(reverse("cultivation:application", args=[app.pk])).status_code == 404
    client.logout()
    assert client.get(reverse("cultivation:evidence", args=[evidence.pk])).status_code == 404


def test_evidence_is_served_to_the_enterprise_and_officials_in_scope(
    client, gov, hz_enterprise, hz_owner, batch
):
    app = submitted_application(hz_owner, hz_enterprise, batch)
    evidence = app.evidence.get()
    for user in (hz_owner, gov["hz_city"], gov["xh_county"], gov["zj_province"]):
        as_user(client, user)
        resp = client.get(reverse("cultivation:evidence", args=[evidence.pk]))
        assert resp.status_code == 200
        assert resp["Content-Type"] == "application/pdf"
        assert resp["X-Content-Type-Options"] == "nosniff"
        assert resp["Cache-Control"] == "private, no-store"
        assert "attachment" in resp["Content-Disposition"]
        assert "%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7.pdf" in resp["Content-Disposition"]  # 营业执照.pdf
        assert b"".join(resp.streaming_content).startswith(b"%PDF-")


def test_evidence_gone_from_disk_is_a_404_naming_the_file(
    client, gov, hz_enterprise, hz_owner, batch, caplog
):
    app = submitted_application(hz_owner, hz_enterprise, batch)
    evidence = app.evidence.get()
    evidence.file.storage.delete(evidence.file.name)
    as_user(client, gov["hz_city"])
    with caplog.at_level("WARNING", logger="portal.downloads"):
        resp = client.get(reverse("cultivation:evidence", args=[evidence.pk]))
    assert resp.status_code == 404  # not a server error
    assert (
        "文件不存在或已被删除：营业执照.pdf；请联系上传人重新上传" in resp.content.decode()
    )  # shown on the not-found page
    assert evidence.file.name in caplog.text and "营业执照.pdf" in caplog.text


def test_county_official_sees_the_application_but_cannot_decide_a_city_level_batch(
    client, gov, hz_enterprise, hz_owner, batch
):
    app = submitted_application(hz_owner, hz_enterprise, batch)
    as_user(client, gov["xh_county"])
    page = text_of(client.get(reverse("cultivation:application", args=[app.pk])))
    assert "等待市级主管部门审核。" in page and "审核通过并公示" not in page
    page = text_of(
        client.post(
            reverse("cultivation:act", args=[app.pk, "approve"]),
            {"expected_version": app.version},
            follow=True,
        )
    )
    assert "县级主管部门不能审核通过并公示" in page


# ------------------------------------------------------------------------------------------ queue tools


def _three_submitted(gov, batch):
    firms = [
        (HZ_NAME, "330106", "91330106MA2B3C4D11"),
        ("杭州西湖智能装备有限公司", "330106", "91330106MA2B3C4E25"),
        ("杭州余杭精密电子有限公司", "330110", "91330106MA2B3C4F39"),
    ]
    apps = []
    for i, (name, region, code) in enumerate(firms):
        ent = make_enterprise(name, region=region, credit_code=code)
        owner = make_user(f"owner-{i}", Role.ENTERPRISE, enterprise=ent)
        apps.append(submitted_application(owner, ent, batch))
    return apps


def test_bulk_approve_reports_each_item(client, gov, batch):
    a, b, c = _three_submitted(gov, batch)
    as_user(client, gov["hz_city"])
    page = text_of(client.get(reverse("cultivation:queue")))
    assert "共 3 件申报等待您办理。" in page and "批量通过所选申报" in page
    # b was changed by someone else after the page was shown (stale version).
    resp = client.post(
        reverse("cultivation:bulk_approve"),
        {
            "items": [f"{a.pk}:{a.version}", f"{b.pk}:{b.version - 1}", f"{c.pk}:{c.version}"],
            "reason": "批量初审通过",
            "next": reverse("cultivation:queue"),
        },
        follow=True,
    )
    page = text_of(resp)
    stale = f"申报“{b}”已有更新（您看到的是第 {b.version - 1} 版；可能已由他人处理，或您已在别处提交过），请刷新页面后再操作。"
    assert f"已通过：{HZ_NAME}、杭州余杭精密电子有限公司；失败：杭州西湖智能装备有限公司（{stale}）" in page
    states = dict(Application.objects.values_list("pk", "state"))
    assert states == {a.pk: "in_notice", b.pk: "submitted", c.pk: "in_notice"}
    page = text_of(client.post(reverse("cultivation:bulk_approve"), {"items": []}, follow=True))
    assert "批量通过：请先勾选要通过的申报。" in page


def test_queue_filters_sorting_and_excel_export(client, gov, batch):
    a, b, c = _three_submitted(gov, batch)
    Application.objects.filter(pk=b.pk).update(last_reason="请补充研发费用明细")
    as_user(client, gov["hz_city"])
    url = reverse("cultivation:queue")
    page = text_of(client.get(url, {"q": "西湖"}))
    assert "杭州西湖智能装备有限公司" in page and HZ_NAME not in page.split("<table")[1]
    page = text_of(client.get(url, {"region": "330110"}))
    assert "共 1 件申报等待您办理。" in page and "杭州余杭精密电子有限公司" in page
    page = text_of(client.get(url, {"sort": "name"}))
    body = page.split("<tbody>")[1]
    names = sorted([HZ_NAME, "杭州西湖智能装备有限公司", "杭州余杭精密电子有限公司"])
    assert [body.index(n) for n in names] == sorted(body.index(n) for n in names)
    assert client.get(url, {"sort": "-score"}).status_code == 200

    resp = client.get(reverse("cultivation:queue_export"), {"region": "330106", "sort": "name"})
    assert resp["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert ".xlsx" in resp["Content-Disposition"]
    ws = load_workbook(io.BytesIO(resp.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == (
        "企业名称",
        "统一社会信用代码",
        "所在地区",
        "申报层级",
        "批次",
        "状态",
        "提交时间",
        "评价得分",
        "是否达标",
        "最近审核意见",
    )
    assert len(rows) == 3
    by_name = {r[0]: r for r in rows[1:]}
    row = by_name["杭州西湖智能装备有限公司"]
    assert row[1:6] == ("91330106MA2B3C4E25", "浙江省杭州市西湖区", "专精特新中小企业", batch.name, "待审核")
    assert row[6] == timezone.localtime(b.submitted_at).strftime("%Y-%m-%d %H:%M")
    assert row[8] in ("达标", "未达标", "未达标（依据含待核实条款）", "待核实")
    assert row[9] == "请补充研发费用明细"


def test_stale_version_on_the_review_page_says_refresh(client, gov, hz_enterprise, hz_owner, batch):
    app = submitted_application(hz_owner, hz_enterprise, batch)
    seen = app.version
    # Another official returns it first.
    actions.return_application(gov["hz_city"], app, expected_version=seen, reason="请补充材料")
    as_user(client, gov["hz_city"])
    page = text_of(
        client.post(
            reverse("cultivation:act", args=[app.pk, "approve"]), {"expected_version": seen}, follow=True
        )
    )
    assert "已有更新（您看到的是第" in page and "请刷新页面后再操作。" in page
    app.refresh_from_db()
    assert app.state == ApplicationState.RETURNED


# ------------------------------------------------------------------------------------------ batches, titles


def test_batches_page_is_read_only_below_the_province(client, gov, batch):
    as_user(client, gov["hz_city"])
    page = text_of(client.get(reverse("cultivation:batches")))
    assert batch.name in page and "创建新批次" not in page
    assert "批次由省级、国家级主管部门创建。" in page
    assert client.post(reverse("cultivation:batches"), {"tier": "specialized"}).status_code == 403
    as_user(client, gov["zj_province"])
    page = text_of(client.get(reverse("cultivation:batches")))
    assert "创建新批次" in page
    page = text_of(
        client.post(
            reverse("cultivation:batches"),
            {
                "tier": "specialized",
                "year": 2026,
                "name": "错误日期批次",
                "opens_on": "2026-12-10",
                "closes_on": "2026-12-01",
                "notice_days": 5,
                "review_level": "city",
            },
        )
    )
    assert "截止日期：不能早于开始日期。" in page


def test_enterprise_pages_are_not_for_officials(client, gov):
    as_user(client, gov["hz_city"])
    assert client.get(reverse("cultivation:my_applications")).status_code == 403
    assert client.get(reverse("cultivation:apply")).status_code == 403


def test_revoked_certificate_reads_revoked_with_date(client, gov, hz_enterprise, hz_owner, batch):
    app = submitted_application(hz_owner, hz_enterprise, batch)
    app = actions.approve_application(gov["hz_city"], app, expected_version=app.version)
    actions.close_notice(app, today=app.notice_ends + dt.timedelta(days=1))
    app.refresh_from_db()
    rec = actions.recognise_application(gov["zj_province"], app, expected_version=app.version)

    as_user(client, gov["zj_province"])
    page = text_of(client.get(reverse("cultivation:recognitions"), {"expiring": 3650}))
    assert HZ_NAME in page and "撤销认定" in page
    resp = client.post(
        reverse("cultivation:revoke", args=[rec.pk]),
        {"expected_version": rec.version, "reason": "存在弄虚作假行为"},
        follow=True,
    )
    assert f"已撤销认定：{HZ_NAME}（证书编号 {rec.certificate_no}）。" in text_of(resp)
    client.logout()
    page = text_of(client.get(reverse("cultivation:certificate", args=[rec.verification_code])))
    assert f"已撤销（{timezone.localdate():%Y-%m-%d}）" in page
    assert "存在弄虚作假行为" not in page


def _recognised(gov, owner, enterprise, batch) -> Recognition:
    app = submitted_application(owner, enterprise, batch)
    app = actions.approve_application(gov["hz_city"], app, expected_version=app.version)
    actions.close_notice(app, today=app.notice_ends + dt.timedelta(days=1))
    app.refresh_from_db()
    return actions.recognise_application(gov["zj_province"], app, expected_version=app.version)


def test_change_report_filed_by_enterprise_and_decided_by_province(
    client, gov, hz_enterprise, hz_owner, batch
):
    rec = _recognised(gov, hz_owner, hz_enterprise, batch)
    as_user(client, hz_owner)
    page = text_of(client.get(reverse("cultivation:my_recognitions")))
    assert (
        rec.certificate_no in page
        and "报告重大变化（更名、合并、重组、跨省迁移、设立境外分支机构等）" in page
    )
    resp = client.post(
        reverse("cultivation:report_change", args=[rec.pk]),
        {"kind": "rename", "occurred_on": "", "description": "更名"},
        follow=True,
    )
    assert "重大变化报告未提交：变化发生日期：" in text_of(resp)
    occurred = timezone.localdate() - dt.timedelta(days=10)
    resp = client.post(
        reverse("cultivation:report_change", args=[rec.pk]),
        {
            "kind": "rename",
            "occurred_on": occurred.isoformat(),
            "description": "企业名称变更为杭州精工传动科技有限公司",
        },
        follow=True,
    )
    page = text_of(resp)
    assert "重大变化报告已提交，等待主管部门审核。" in page and "更名 · " in page

    as_user(client, gov["hz_city"])
    page = text_of(client.get(reverse("cultivation:recognitions")))
    assert "有 1 份重大变化报告待审核（见页面下方）。" in page and "由作出认定的主管部门审核。" in page
    as_user(client, gov["zj_province"])
    report = rec.change_reports.get()
    resp = client.post(
        reverse("cultivation:decide_change", args=[report.pk]),
        {"accept": "1", "note": "名称变更，主营业务未变"},
        follow=True,
    )
    assert f"已确认 {HZ_NAME} 的重大变化报告，认定继续有效。" in text_of(resp)
    page = text_of(client.get(reverse("cultivation:recognition", args=[rec.pk])))
    assert "已确认，认定继续有效" in page and "颁发证书" in page


def test_re_review_is_offered_in_the_last_year(client, gov, hz_enterprise, hz_owner, batch):
    rec = _recognised(gov, hz_owner, hz_enterprise, batch)
    as_user(client, hz_owner)
    assert "申请复核" not in text_of(client.get(reverse("cultivation:my_recognitions")))
    today = timezone.localdate()
    Recognition.objects.filter(pk=rec.pk).update(
        valid_from=today - dt.timedelta(days=900), valid_until=today + dt.timedelta(days=100)
    )
    page = text_of(client.get(reverse("cultivation:my_recognitions")))
    assert "证书将在一年内到期，请及时申请复核。" in page and f"在“{batch.name}”中申请复核" in page
    resp = client.post(reverse("cultivation:re_review", args=[rec.pk]), {"batch": batch.pk}, follow=True)
    page = text_of(resp)
    assert "已发起复核申报。下一步：更新企业画像、上传佐证材料并提交。" in page and "（复核）" in page
    page = text_of(client.get(reverse("cultivation:my_recognitions")))
    assert "复核申报办理中：" in page


def test_official_never_sees_an_unsubmitted_draft(client, gov, hz_enterprise, hz_owner, batch):
    app = actions.create_application(hz_owner, hz_enterprise, batch)
    ev = actions.attach_evidence(
        hz_owner, app, SimpleUploadedFile("草稿材料.pdf", tiny_pdf(), content_type="application/pdf")
    )
    as_user(client, gov["hz_city"])
    assert client.get(reverse("cultivation:application", args=[app.pk])).status_code == 404
    assert client.get(reverse("cultivation:evidence", args=[ev.pk])).status_code == 404


def test_a_renamed_file_is_refused_on_the_page_saying_what_it_really_is(
    client, hz_enterprise, hz_owner, batch
):
    app = actions.create_application(hz_owner, hz_enterprise, batch)
    as_user(client, hz_owner)
    url = reverse("cultivation:evidence_upload", args=[app.pk])
    png = SimpleUploadedFile("营业执照.pdf", png_bytes(), content_type="application/pdf")
    page = text_of(client.post(url, {"file": png}, follow=True))
    assert (
        "文件“营业执照.pdf”的内容是 PNG 图片，不是扩展名所示的 PDF 文件；"
        "请上传原始的 PDF 文件，或把扩展名改为 .png" in page
    )
    exe = SimpleUploadedFile("审计报告.exe", tiny_pdf(), content_type="application/octet-stream")
    page = text_of(client.post(url, {"file": exe}, follow=True))
    assert "它的内容是 PDF 文件，请把扩展名改为 .pdf 后重新上传" in page
    assert not Evidence.objects.filter(application=app).exists()


def _batch_2022(gov) -> Batch:
    """A specialised batch assessed under the 2022 rules, whose tiers have scores."""
    today = timezone.localdate()
    return actions.open_batch(
        gov["zj_province"],
        tier="specialized",
        year=today.year,
        name="按 2022 口径的专精特新批次",
        opens_on=today - dt.timedelta(days=1),
        closes_on=today + dt.timedelta(days=9),
        ruleset_id="cn-miit-2022",
    )


def test_queue_sorts_by_the_frozen_score(client, gov):
    batch_2022 = _batch_2022(gov)
    lower = example_profile("manufacturer")
    lower["awards"], lower["rd_institutions"] = [], []  # fewer points: 87 instead of 95 (2022 专精特新评分)
    firms = [
        ("杭州高分精密机械有限公司", None, "91330106MA2B3C4D11"),
        ("杭州低分传动机械有限公司", lower, "91330106MA2B3C4E25"),
    ]
    for i, (name, profile, code) in enumerate(firms):
        ent = make_enterprise(name, region="330106", credit_code=code, profile=profile)
        submitted_application(make_user(f"score-{i}", Role.ENTERPRISE, enterprise=ent), ent, batch_2022)
    as_user(client, gov["hz_city"])
    for sort, first, second in (
        ("-score", "杭州高分精密机械有限公司", "杭州低分传动机械有限公司"),
        ("score", "杭州低分传动机械有限公司", "杭州高分精密机械有限公司"),
    ):
        body = text_of(client.get(reverse("cultivation:queue"), {"sort": sort})).split("<tbody>")[1]
        assert body.index(first) < body.index(second), sort
    body = text_of(client.get(reverse("cultivation:queue"), {"sort": "-score"}))
    assert "95 分" in body and "87 分" in body


FULL_RESULT_COLUMN = re.compile(
    r'"assessments_assessment"\."result"(?:, "| FROM)'
)  # the column itself selected


def test_queue_and_export_never_load_the_frozen_assessments(client, gov):
    """A frozen assessment is ~200 kB of JSON: a province's queue must read only the three values it shows."""
    apps = _three_submitted(gov, _batch_2022(gov))
    as_user(client, gov["hz_city"])
    with CaptureQueriesContext(connection) as ctx:
        page = text_of(client.get(reverse("cultivation:queue"), {"sort": "-score"}))
        resp = client.get(reverse("cultivation:queue_export"))
    loaded = [q["sql"] for q in ctx.captured_queries if FULL_RESULT_COLUMN.search(q["sql"])]
    assert not loaded
    frozen = views_common.frozen_tier(Application.objects.get(pk=apps[0].pk))
    assert isinstance(frozen["score"], int)
    assert f"{frozen['label']}</span> · {frozen['score']} 分" in page
    rows = list(load_workbook(io.BytesIO(resp.content)).active.iter_rows(values_only=True))
    assert len(rows) == 4
    assert {(r[7], r[8]) for r in rows[1:]} == {(frozen["score"], frozen["label"])}


def test_the_recognitions_list_asks_no_query_per_row(client, gov):
    """Each active title the province issued asked whether a change report awaits it: 20 more
    queries on every page of a province's list."""
    from portal.enterprises.models import Enterprise

    today = timezone.localdate()
    ents = Enterprise.objects.bulk_create(
        Enterprise(name=f"杭州认定{i}号有限公司", credit_code=f"T{i:017d}", region="330106", profile={})
        for i in range(25)
    )
    Recognition.objects.bulk_create(
        Recognition(
            enterprise=e,
            tier="specialized",
            certificate_no=f"ZJ-T-{e.pk}",
            verification_code=f"T{e.pk:015d}",
            valid_from=today - dt.timedelta(days=30),
            valid_until=today + dt.timedelta(days=1000),
            status="active",
            issued_by_level="province",
            issued_by_region="330000",
        )
        for e in ents
    )
    as_user(client, gov["zj_province"])
    with CaptureQueriesContext(connection) as ctx:
        page = text_of(client.get(reverse("cultivation:recognitions")))
    assert page.count("<summary>撤销认定</summary>") == 20
    assert len(ctx.captured_queries) <= 10
