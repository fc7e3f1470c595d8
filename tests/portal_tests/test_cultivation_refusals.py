"""Every refusal of the workflow, with the exact Chinese message the user reads."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.urls import reverse

from portal.accounts.roles import Role
from portal.accounts.scope import OutOfScope
from portal.actions import InvalidInput, NotAllowed, StaleObject
from portal.audit.models import AuditEntry
from portal.cultivation import actions
from portal.cultivation.models import Application, ApplicationState, Tier
from portal.inbox.models import Notification

from .factories import make_enterprise, make_user
from .test_cultivation_helpers import (
    credit_code,
    media,  # noqa: F401  (fixture)
    open_batch,
    pdf,
    submitted,
    today,
    trail_rows,
)

S = ApplicationState
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


def message(exc_info) -> str:
    err = exc_info.value
    return err.message if hasattr(err, "message") else str(err)


# ---------------------------------------------------------------------------------------------- batches


def test_batches_are_opened_by_the_responsible_level_only(gov):
    day = today()
    kw = {"year": day.year, "name": "批次", "opens_on": day, "closes_on": day + dt.timedelta(days=30)}
    with pytest.raises(NotAllowed) as err:
        actions.open_batch(gov["hz_city"], tier=Tier.SPECIALIZED, **kw)
    assert message(err) == "市级主管部门不能开放“专精特新中小企业”申报批次：此类批次由省级主管部门开放。"
    with pytest.raises(NotAllowed) as err:
        actions.open_batch(gov["zj_province"], tier=Tier.LITTLE_GIANT, **kw)
    assert (
        message(err) == "省级主管部门不能开放“专精特新“小巨人”企业”申报批次：此类批次由国家级主管部门开放。"
    )


def test_batch_input_problems_name_their_fields(gov):
    day = today()
    with pytest.raises(InvalidInput) as err:
        actions.open_batch(
            gov["zj_province"],
            tier=Tier.INNOVATIVE,
            year=1999,
            name=" ",
            opens_on=day,
            closes_on=day - dt.timedelta(days=1),
            notice_days=0,
            review_level="national",
            ruleset_id="cn-miit-2099",
        )
    assert err.value.message == "申报批次“（未命名）”有 7 处需要修改，改好后再开放。"
    assert err.value.problems == [
        ("name", "请填写批次名称"),
        ("year", "年度须为 2000 至 2100 之间的年份"),
        ("closes_on", "截止日期不能早于开始日期"),
        ("notice_days", "公示天数须为 1 至 30 天"),
        ("review_level", "初审层级须为县级、市级或省级"),
        ("ruleset_id", "未知的规则集“cn-miit-2099”，请从列表中选择"),
        (
            "tier",
            f"{day} 施行的《优质中小企业梯度培育管理办法》不设“创新型中小企业”层级。"
            "2026 年 4 月 1 日起请申报“科技和创新型中小企业”",
        ),
    ]
    with pytest.raises(InvalidInput) as err:
        actions.open_batch(
            gov["zj_province"],
            tier=Tier.TECH_INNOVATIVE,
            year=day.year,
            name="科技和创新型",
            opens_on=day,
            closes_on=day,
            ruleset_id="cn-miit-2022",
        )
    assert err.value.problems == [("ruleset_id", "规则集“cn-miit-2022”不设“科技和创新型中小企业”层级")]
    assert AuditEntry.objects.count() == 0


def test_open_batch_is_audited(gov):
    batch = open_batch(gov, Tier.TECH_INNOVATIVE, review_level="county")
    assert (batch.tier, batch.review_level, batch.created_by) == (
        "tech_innovative",
        "county",
        gov["zj_province"],
    )
    assert trail_rows(batch) == [("gov-zj", "cultivation.open_batch", "", "open", "")]


# ---------------------------------------------------------------------------------------------- creating


def test_only_the_enterprise_itself_creates_applications(gov, hz_enterprise, hz_owner):
    batch = open_batch(gov)
    with pytest.raises(NotAllowed) as err:
        actions.create_application(gov["hz_city"], hz_enterprise, batch)
    assert message(err) == f"市级主管部门不能发起申报：此操作只能由企业“{hz_enterprise.name}”的用户办理。"
    other = make_enterprise(
        "余杭某某电子有限公司", region="330110", credit_code=credit_code("91330110MA2H8K9L3")
    )
    with pytest.raises(OutOfScope) as err:
        actions.create_application(hz_owner, other, batch)
    assert message(err) == "ent-hz 无权访问 企业“余杭某某电子有限公司”：不在其管辖范围内"
    with pytest.raises(OutOfScope):
        actions.create_application(gov["cd_city"], hz_enterprise, batch)


def test_closed_batch_other_province_and_retired_tier(gov, hz_enterprise, hz_owner):
    day = today()
    closed = open_batch(
        gov, name="上半年批次", opens_on=day - dt.timedelta(days=60), closes_on=day - dt.timedelta(days=1)
    )
    with pytest.raises(NotAllowed) as err:
        actions.create_application(hz_owner, hz_enterprise, closed)
    assert message(err) == (
        f"批次“上半年批次”的申报时间为 {closed.opens_on} 至 {closed.closes_on}，今天（{day}）"
        "不在申报期内，请选择正在开放的批次或等待下一批次。"
    )

    sichuan = actions.open_batch(
        gov["sc_province"],
        tier=Tier.SPECIALIZED,
        year=day.year,
        name="四川省专精特新批次",
        opens_on=day,
        closes_on=day + dt.timedelta(days=9),
    )
    with pytest.raises(NotAllowed) as err:
        actions.create_application(hz_owner, hz_enterprise, sichuan)
    assert message(err) == (
        f"批次“四川省专精特新批次”只受理四川省的企业，企业“{hz_enterprise.name}”注册在"
        "浙江省杭州市西湖区，请选择本地的批次。"
    )

    # A 创新型 batch opened under the 2022 measures cannot take applications once the 2026 measures apply.
    innovative = actions.open_batch(
        gov["zj_province"],
        tier=Tier.INNOVATIVE,
        year=2026,
        name="2026 年创新型批次",
        opens_on=dt.date(2026, 3, 1),
        closes_on=dt.date(2026, 12, 31),
    )
    inside = actions.create_application(hz_owner, hz_enterprise, innovative, today=dt.date(2026, 3, 20))
    assert inside.tier == "innovative"
    actions.withdraw_application(hz_owner, inside, expected_version=1, reason="改报新层级")
    with pytest.raises(NotAllowed) as err:
        actions.create_application(hz_owner, hz_enterprise, innovative, today=dt.date(2026, 4, 1))
    assert message(err) == (
        "批次“2026 年创新型批次”不能再受理申报：2026-04-01 施行的《优质中小企业梯度培育管理办法》"
        "不设“创新型中小企业”层级。2026 年 4 月 1 日起请申报“科技和创新型中小企业”。"
    )


def test_one_live_application_per_enterprise_and_tier(gov, hz_enterprise, hz_owner):
    batch = open_batch(gov)
    first = actions.create_application(hz_owner, hz_enterprise, batch)
    duplicate = (
        f"企业“{hz_enterprise.name}”已有一份进行中的“专精特新中小企业”申报，同一层级同一时间只能有一份；"
        "请继续办理该申报，或先撤回后再新建。"
    )
    with pytest.raises(NotAllowed) as err:
        actions.create_application(hz_owner, hz_enterprise, batch)
    assert message(err) == duplicate
    actions.withdraw_application(hz_owner, first, expected_version=1)
    assert actions.create_application(hz_owner, hz_enterprise, batch).state == S.DRAFT
    # The database keeps the rule even against a writer that skips the action.
    from django.db import IntegrityError

    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.create(enterprise=hz_enterprise, batch=batch, tier=batch.tier)


def test_little_giant_needs_an_active_specialized_title(gov):
    software = make_enterprise(
        "杭州云栖软件有限公司",
        region="330106",
        example="software-firm",
        credit_code=credit_code("91330106MA2KX7Q1Y"),
    )
    owner = make_user("ent-soft", Role.ENTERPRISE, enterprise=software)
    batch = open_batch(gov, Tier.LITTLE_GIANT)
    with pytest.raises(NotAllowed) as err:
        actions.create_application(owner, software, batch)
    assert message(err) == (
        "企业“杭州云栖软件有限公司”没有有效期内的专精特新中小企业认定，不能申报专精特新“小巨人”企业；"
        "请先取得省级专精特新中小企业认定。"
    )
    # An expired title in the profile does not count either.
    software.profile["recognitions"] = [{"tier": "specialized", "since": "2020-01-01", "until": "2022-12-31"}]
    software.save()
    with pytest.raises(NotAllowed):
        actions.create_application(owner, software, batch)


# ---------------------------------------------------------------------------------------------- submitting


def test_submission_needs_declaration_and_evidence_and_the_enterprise(gov, hz_enterprise, hz_owner):
    batch = open_batch(gov)
    app = actions.create_application(hz_owner, hz_enterprise, batch)
    label = f"申报“{app}”"
    with pytest.raises(InvalidInput) as err:
        actions.submit_application(hz_owner, app, expected_version=1, declaration_accepted=False)
    assert message(err) == f"提交{label}前，请阅读并勾选真实性声明和合规经营承诺。"
    assert err.value.problems == [("declaration_accepted", "请阅读并勾选真实性声明和合规经营承诺")]
    with pytest.raises(InvalidInput) as err:
        actions.submit_application(hz_owner, app, expected_version=1, declaration_accepted=True)
    assert message(err) == f"{label}还没有佐证材料，请至少上传一份 PDF/JPEG/PNG 文件后再提交。"
    with pytest.raises(NotAllowed) as err:
        actions.submit_application(gov["hz_city"], app, expected_version=1, declaration_accepted=True)
    assert message(err) == f"市级主管部门不能提交{label}：此操作由申报企业办理。"
    with pytest.raises(StaleObject) as err:
        actions.submit_application(hz_owner, app, expected_version=7, declaration_accepted=True)
    assert (
        message(err)
        == f"{label}已有更新（您看到的是第 7 版；可能已由他人处理，或您已在别处提交过），请刷新页面后再操作。"
    )
    app.refresh_from_db()
    assert (app.state, app.version, app.assessment, app.profile_snapshot) == (S.DRAFT, 1, None, None)


def test_draft_cannot_be_submitted_after_the_batch_closed_but_a_returned_one_can(
    gov, hz_enterprise, hz_owner
):
    batch = open_batch(gov)
    app = actions.create_application(hz_owner, hz_enterprise, batch)
    actions.attach_evidence(hz_owner, app, pdf())
    late = batch.closes_on + dt.timedelta(days=1)
    with pytest.raises(NotAllowed) as err:
        actions.submit_application(hz_owner, app, expected_version=1, declaration_accepted=True, today=late)
    assert (
        message(err)
        == f"批次“{batch.name}”已于 {batch.closes_on} 截止，申报“{app}”不能再提交；请等待下一批次。"
    )
    app = actions.submit_application(hz_owner, app, expected_version=1, declaration_accepted=True)
    app = actions.return_application(gov["hz_city"], app, expected_version=2, reason="请补充 2025 年审计报告")
    assert (app.state, app.last_reason) == (S.RETURNED, "请补充 2025 年审计报告")
    assert actions.allowed_actions(hz_owner, app, today=late) == [
        "attach_evidence",
        "remove_evidence",
        "submit",
        "withdraw",
    ]
    actions.attach_evidence(hz_owner, app, pdf("2025年审计报告.pdf"))
    app = actions.submit_application(hz_owner, app, expected_version=3, declaration_accepted=True, today=late)
    assert app.state == S.SUBMITTED and app.evidence.count() == 2


def test_an_unqualified_enterprise_may_still_submit_and_the_result_is_frozen(gov):
    startup = make_enterprise(
        "杭州西溪生物科技有限公司",
        region="330106",
        example="biotech-startup",
        credit_code=credit_code("91330106MA2BT0X2Y"),
    )
    owner = make_user("ent-bio", Role.ENTERPRISE, enterprise=startup)
    app = submitted(owner, startup, open_batch(gov))
    assert app.state == S.SUBMITTED
    assert app.assessment.result["zh"]["tiers"]["specialized"]["qualified"] is False
    assert AuditEntry.objects.get(action="cultivation.submit").data["qualified"] is False
    # Later profile edits do not change what was submitted.
    startup.profile["name"] = "改名后的企业"
    startup.save()
    app.refresh_from_db()
    assert app.profile_snapshot["name"] == "杭州西溪生物科技有限公司"


# ---------------------------------------------------------------------------------------------- reviewing


def test_review_refusals_wrong_level_region_state_and_missing_reason(gov, hz_enterprise, hz_owner):
    batch = open_batch(gov)
    draft = actions.create_application(hz_owner, hz_enterprise, batch)
    with pytest.raises(NotAllowed) as err:
        actions.approve_application(gov["hz_city"], draft, expected_version=1)
    assert message(err) == f"申报“{draft}”当前状态为“草稿”，不能审核通过并公示。请企业完善材料后提交。"
    actions.attach_evidence(hz_owner, draft, pdf())
    app = actions.submit_application(hz_owner, draft, expected_version=1, declaration_accepted=True)
    label = f"申报“{app}”"
    with pytest.raises(NotAllowed) as err:
        actions.approve_application(gov["xh_county"], app, expected_version=2)
    assert message(err) == f"县级主管部门不能审核通过并公示{label}：此操作由市级主管部门办理。"
    with pytest.raises(NotAllowed) as err:
        actions.approve_application(gov["zj_province"], app, expected_version=2)
    assert message(err) == f"省级主管部门不能审核通过并公示{label}：此操作由市级主管部门办理。"
    with pytest.raises(NotAllowed) as err:
        actions.approve_application(hz_owner, app, expected_version=2)
    assert message(err) == f"企业用户不能审核通过并公示{label}：此操作由市级主管部门办理。"
    with pytest.raises(OutOfScope) as err:
        actions.approve_application(gov["cd_city"], app, expected_version=2)
    assert message(err) == f"gov-cd 无权访问 企业“{hz_enterprise.name}”：不在其管辖范围内"
    with pytest.raises(InvalidInput) as err:
        actions.return_application(gov["hz_city"], app, expected_version=2, reason="   ")
    assert message(err) == "请填写退回理由，写明企业需要修改或补充的内容。"
    assert err.value.problems == [("reason", "请填写退回理由，写明企业需要修改或补充的内容")]
    with pytest.raises(InvalidInput) as err:
        actions.reject_application(gov["hz_city"], app, expected_version=2, reason="")
    assert message(err) == "请填写不予通过的理由。"
    with pytest.raises(NotAllowed) as err:
        actions.recognise_application(gov["zj_province"], app, expected_version=2)
    assert message(err) == f"{label}当前状态为“待审核”，不能认定。申报正在等待市级主管部门审核。"
    with pytest.raises(NotAllowed) as err:
        actions.record_objection(gov["hz_city"], app, objector="张三", text="异议")
    assert message(err) == f"{label}当前状态为“待审核”，不能登记公示异议。申报正在等待市级主管部门审核。"
    app.refresh_from_db()
    assert app.state == S.SUBMITTED and app.version == 2
    assert [r[1] for r in trail_rows(app)] == [
        "cultivation.create_application",
        "cultivation.attach_evidence",
        "cultivation.submit",
    ]

    app = actions.reject_application(gov["hz_city"], app, expected_version=2, reason="研发投入不达标")
    assert (app.state, app.last_reason) == (S.REJECTED, "研发投入不达标")
    assert trail_rows(app)[-1] == ("gov-hz", "cultivation.reject", "submitted", "rejected", "研发投入不达标")
    with pytest.raises(NotAllowed) as err:
        actions.withdraw_application(hz_owner, app, expected_version=3)
    assert message(err) == f"{label}当前状态为“未通过”，不能撤回。如需再次申报，请在开放的批次中新建申报。"


def test_county_reviews_where_the_province_delegates(gov, hz_enterprise, hz_owner):
    batch = open_batch(gov, review_level="county")
    app = submitted(hz_owner, hz_enterprise, batch)
    assert list(actions.queue_for(gov["xh_county"])) == [app]
    assert list(actions.queue_for(gov["hz_city"])) == list(actions.queue_for(gov["yh_county"])) == []
    with pytest.raises(NotAllowed) as err:
        actions.approve_application(gov["hz_city"], app, expected_version=2)
    assert message(err) == f"市级主管部门不能审核通过并公示申报“{app}”：此操作由县级主管部门办理。"
    with pytest.raises(OutOfScope):
        actions.approve_application(gov["yh_county"], app, expected_version=2)
    app = actions.approve_application(gov["xh_county"], app, expected_version=2)
    assert app.state == S.IN_NOTICE
    objection = actions.record_objection(gov["xh_county"], app, objector="", text="存疑")
    with pytest.raises(NotAllowed):
        actions.resolve_objection(gov["hz_city"], objection, outcome="dismissed", resolution="x")
    with pytest.raises(InvalidInput) as err:
        actions.resolve_objection(gov["xh_county"], objection, outcome="maybe", resolution="x")
    assert message(err) == "请选择异议处理结果：异议成立或异议不成立。"
    with pytest.raises(InvalidInput) as err:
        actions.record_objection(gov["xh_county"], app, objector="李四", text="")
    assert message(err) == "请填写异议内容。"
    actions.resolve_objection(gov["xh_county"], objection, outcome="dismissed", resolution="不成立")
    with pytest.raises(StaleObject) as err:
        actions.resolve_objection(gov["xh_county"], objection, outcome="upheld", resolution="成立")
    assert message(err) == (f"对申报“{app}”的异议（{today()} 登记）已由他人处理，请刷新页面查看处理结果。")
    app.refresh_from_db()
    assert app.state == S.IN_NOTICE


def test_little_giant_steps_belong_to_province_then_nation(gov, hz_enterprise, hz_owner):
    app = submitted(hz_owner, hz_enterprise, open_batch(gov, Tier.LITTLE_GIANT))
    label = f"申报“{app}”"
    with pytest.raises(NotAllowed) as err:
        actions.approve_application(gov["national"], app, expected_version=2)
    assert message(err) == f"国家级主管部门不能审核通过并推荐{label}：当前步骤由省级主管部门办理。"
    with pytest.raises(NotAllowed) as err:
        actions.approve_application(gov["hz_city"], app, expected_version=2)
    assert (
        message(err) == f"市级主管部门不能审核通过并推荐{label}：此操作由省级主管部门、国家级主管部门办理。"
    )
    app = actions.approve_application(gov["zj_province"], app, expected_version=2)
    with pytest.raises(NotAllowed) as err:
        actions.return_application(gov["zj_province"], app, expected_version=3, reason="再看看")
    assert message(err) == f"省级主管部门不能退回修改{label}：当前步骤由国家级主管部门办理。"
    app = actions.return_application(
        gov["national"], app, expected_version=3, reason="请补充细分市场占有率说明"
    )
    assert app.state == S.RETURNED
    assert trail_rows(app)[-1] == (
        "gov-national",
        "cultivation.return",
        "recommended",
        "returned",
        "请补充细分市场占有率说明",
    )


# ---------------------------------------------------------------------------------------------- rollback


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_action_leaves_no_audit_row_and_no_message(gov, hz_enterprise, hz_owner):
    app = submitted(hz_owner, hz_enterprise, open_batch(gov))
    audit_before = AuditEntry.objects.count()
    inbox_before = Notification.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.approve_application(gov["hz_city"], app, expected_version=2)
        assert AuditEntry.objects.count() == audit_before + 1  # written inside the transaction …
        raise RuntimeError("the page crashed after the action")
    app.refresh_from_db()
    assert (app.state, app.version) == (S.SUBMITTED, 2)
    assert AuditEntry.objects.count() == audit_before  # … and gone with it
    assert Notification.objects.count() == inbox_before
    actions.approve_application(gov["hz_city"], app, expected_version=2)
    assert Notification.objects.count() == inbox_before + 1


def test_queue_and_buttons_follow_the_table(gov, hz_enterprise, hz_owner):
    app = submitted(hz_owner, hz_enterprise, open_batch(gov))
    assert actions.allowed_actions(hz_owner, app) == ["withdraw"]
    assert actions.allowed_actions(gov["hz_city"], app) == ["approve", "return", "reject"]
    assert actions.allowed_actions(gov["xh_county"], app) == []
    assert actions.allowed_actions(gov["cd_city"], app) == []
    assert actions.action_label("return", app) == "退回修改"
    app = actions.approve_application(gov["hz_city"], app, expected_version=2)
    assert actions.allowed_actions(gov["hz_city"], app) == ["record_objection"]
    assert actions.allowed_actions(gov["hz_city"], app, today=app.notice_ends + dt.timedelta(days=1)) == [
        "record_objection",
        "close_notice",
    ]
    actions.record_objection(gov["hz_city"], app, objector="", text="存疑")
    assert actions.allowed_actions(gov["hz_city"], app, today=app.notice_ends + dt.timedelta(days=1)) == [
        "record_objection",
        "resolve_objection",
    ]
    assert list(actions.queue_for(gov["hz_city"])) == [app]
    assert list(actions.queue_for(hz_owner)) == []


def test_a_long_return_reason_is_refused_not_cut(client, gov, hz_enterprise, hz_owner):
    """The review page cut reasons to 2,000 characters as posted: the enterprise read half a sentence, and a reason
    the form had accepted (its maxlength counts a line break once, the post holds CR LF) lost its end."""
    batch = open_batch(gov)
    draft = actions.create_application(hz_owner, hz_enterprise, batch)
    actions.attach_evidence(hz_owner, draft, pdf())
    app = actions.submit_application(hz_owner, draft, expected_version=1, declaration_accepted=True)
    client.force_login(gov["hz_city"])
    url = reverse("cultivation:act", args=[app.pk, "return"])
    too_long = "请补充审计报告。" * 250 + "完"  # 2,001 characters
    page = client.post(
        url, {"expected_version": app.version, "reason": too_long}, follow=True
    ).content.decode()
    assert "理由或说明不能超过 2000 个字（现有 2001 个字），请删减后再提交。" in page
    app.refresh_from_db()
    assert app.state == S.SUBMITTED and app.last_reason == ""
    # 20 lines as a browser posts them: 2,019 characters, 2,000 as typed
    lines = "\r\n".join(["请补充审计报告" + "。" * 92] * 20) + "完"
    assert len(lines) == 2019 and len(lines.replace("\r\n", "\n")) == 2000
    client.post(url, {"expected_version": app.version, "reason": lines})
    app.refresh_from_db()
    assert app.state == S.RETURNED and app.last_reason == lines.replace("\r\n", "\n")


def test_ending_a_notice_too_early_says_why(client, gov, hz_enterprise, hz_owner):
    """结束公示 refused with '公示尚未结束，或仍有未处理的异议' whatever the reason: the official could not tell the last
    day, the objections waiting, or that a colleague had already ended it."""
    app = submitted(hz_owner, hz_enterprise, open_batch(gov))
    app = actions.approve_application(gov["hz_city"], app, expected_version=app.version)
    client.force_login(gov["hz_city"])
    url = reverse("cultivation:act", args=[app.pk, "close_notice"])

    def said() -> str:
        page = client.post(url, {"expected_version": app.version}, follow=True).content.decode()
        return page

    assert f"公示期至 {app.notice_ends.isoformat()}，期满后才能结束公示。" in said()
    Application.objects.filter(pk=app.pk).update(notice_ends=today() - dt.timedelta(days=1))
    actions.record_objection(gov["hz_city"], app, objector="某企业", text="数据存疑")
    assert "还有 1 条异议未处理，请先处理异议再结束公示。" in said()
    app.objections.update(outcome="dismissed", resolution="已核实")
    said()
    app.refresh_from_db()
    assert app.state == S.NOTICE_ENDED
    assert f"公示已经结束（申报当前为“{app.get_state_display()}”），请刷新页面。" in said()
