"""The whole ladder through the action functions, as the personas would walk it.

transaction=True: the inbox is written on commit, so these tests commit for real.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from portal.accounts.roles import Role
from portal.actions import InvalidInput, NotAllowed, StaleObject
from portal.assessments import engine
from portal.assessments.models import Assessment
from portal.cultivation import actions
from portal.cultivation.models import (
    Application,
    ApplicationKind,
    ApplicationState,
    ChangeKind,
    ChangeReport,
    Recognition,
    RecognitionStatus,
    Tier,
)
from portal.enterprises.models import Enterprise
from portal.inbox.models import Notification

from .factories import make_enterprise, make_user
from .test_cultivation_helpers import (
    credit_code,
    inbox_titles,
    media,  # noqa: F401  (fixture)
    open_batch,
    pdf,
    recognised,
    submitted,
    today,
    trail_rows,
)

S = ApplicationState
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("media")]
DAY = dt.timedelta(days=1)


def test_specialized_ladder_from_draft_to_certificate(gov, hz_enterprise, hz_owner):
    batch = open_batch(gov, Tier.SPECIALIZED, notice_days=5)
    assert (batch.level, batch.region_code, batch.review_level) == ("province", "330000", "city")

    app = actions.create_application(hz_owner, hz_enterprise, batch)
    assert (app.state, app.kind, app.tier, app.version) == (S.DRAFT, ApplicationKind.NEW, "specialized", 1)
    evidence = actions.attach_evidence(hz_owner, app, pdf("2025年度审计报告.pdf"), description="审计报告")
    assert evidence.original_name == "2025年度审计报告.pdf" and evidence.content_type == "application/pdf"
    assert actions.allowed_actions(hz_owner, app) == [
        "attach_evidence",
        "remove_evidence",
        "submit",
        "withdraw",
    ]
    assert actions.allowed_actions(gov["hz_city"], app) == []

    app = actions.submit_application(hz_owner, app, expected_version=1, declaration_accepted=True)
    app.refresh_from_db()
    assert app.state == S.SUBMITTED and app.version == 2
    assert app.profile_snapshot == Enterprise.objects.get(pk=hz_enterprise.pk).profile
    assert app.declaration_text == actions.declaration_text(today()) and "真实性声明" in app.declaration_text
    months = engine.procedure_on(today()).change_report_months.value  # the period is procedure data
    assert f"将在变化后 {months} 个月内如实报告" in app.declaration_text
    assert "合规经营承诺" in app.declaration_text and app.declaration_signed_by == hz_owner
    assert isinstance(app.assessment, Assessment) and app.assessment.as_of == today()
    assert app.assessment.ruleset_id.startswith("cn-miit-2026") and app.assessment.is_review is False
    # The reviewing officials (city level, region holds 330106) hear of it; nobody else does.
    assert inbox_titles(user=gov["hz_city"]) == [f"新的待审申报：{hz_enterprise.name}"]
    assert inbox_titles(user=gov["xh_county"]) == inbox_titles(user=gov["cd_city"]) == []
    assert list(actions.queue_for(gov["hz_city"])) == [app]
    assert list(actions.queue_for(gov["cd_city"])) == list(actions.queue_for(gov["xh_county"])) == []
    assert actions.allowed_actions(gov["hz_city"], app) == ["approve", "return", "reject"]

    app = actions.approve_application(gov["hz_city"], app, expected_version=2, reason="材料齐全，符合条件")
    app.refresh_from_db()
    assert app.state == S.IN_NOTICE
    assert (app.notice_starts, app.notice_ends) == (today(), today() + 4 * DAY)
    assert actions.queue_for(gov["hz_city"]).count() == 0

    # Too early, then on the day after the last notice day; a second run changes nothing.
    assert actions.close_notice(app, today=app.notice_ends) is False
    assert actions.close_notice(app, today=app.notice_ends + DAY) is True
    assert actions.close_notice(app, today=app.notice_ends + DAY) is False
    app.refresh_from_db()
    assert app.state == S.NOTICE_ENDED
    assert list(actions.queue_for(gov["zj_province"])) == [app]
    assert actions.allowed_actions(gov["zj_province"], app) == ["recognise"]

    day = app.notice_ends + DAY
    version_before = Enterprise.objects.get(pk=hz_enterprise.pk).version
    rec = actions.recognise_application(gov["zj_province"], app, expected_version=app.version, today=day)
    app.refresh_from_db()
    assert app.state == S.RECOGNISED and rec.application == app
    assert re.fullmatch(rf"ZJTX-{day.year}-SP-330106-\d{{6}}", rec.certificate_no)
    assert re.fullmatch(r"[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{10}", rec.verification_code)
    assert (rec.valid_from, rec.status, rec.issued_by_level, rec.issued_by_region) == (
        day,
        "active",
        "province",
        "330000",
    )
    assert rec.valid_until == day.replace(year=day.year + 3) - DAY
    ent = Enterprise.objects.get(pk=hz_enterprise.pk)
    assert ent.version == version_before + 1
    assert {
        "tier": "specialized",
        "since": day.isoformat(),
        "until": rec.valid_until.isoformat(),
    } in ent.profile["recognitions"]

    # Public verification: case-insensitive, spaces ignored; unknown codes find nothing.
    spaced = " ".join([rec.verification_code[:5].lower(), rec.verification_code[5:]])
    assert actions.verify_certificate(spaced) == rec
    assert actions.verify_certificate("nosuchcode") is None and actions.verify_certificate("") is None

    assert trail_rows(app) == [
        ("ent-hz", "cultivation.create_application", "", "draft", ""),
        ("ent-hz", "cultivation.attach_evidence", "draft", "draft", ""),
        ("ent-hz", "cultivation.submit", "draft", "submitted", ""),
        ("gov-hz", "cultivation.approve", "submitted", "in_notice", "材料齐全，符合条件"),
        (
            None,
            "cultivation.close_notice",
            "in_notice",
            "notice_ended",
            f"公示期 {app.notice_starts} 至 {app.notice_ends} 已满，无未处理的异议",
        ),
        ("gov-zj", "cultivation.recognise", "notice_ended", "recognised", ""),
    ]
    assert trail_rows(rec) == [("gov-zj", "cultivation.issue_recognition", "", "active", "")]
    assert inbox_titles(enterprise=hz_enterprise) == [
        "已创建申报草稿：专精特新中小企业",
        "申报已提交：专精特新中小企业",
        "申报已通过审核，进入公示：专精特新中小企业",
        "公示期满：专精特新中小企业",
        "已认定为专精特新中小企业",
    ]
    assert inbox_titles(user=gov["zj_province"]) == [f"公示期满，待认定：{hz_enterprise.name}"]
    link = reverse("cultivation:application", args=[app.pk])
    assert set(Notification.objects.filter(enterprise=hz_enterprise).values_list("url", flat=True)) == {link}
    assert set(Notification.objects.filter(user__isnull=False).values_list("url", flat=True)) == {link}


def test_little_giant_ladder_province_recommends_nation_recognises(gov, hz_enterprise, hz_owner):
    batch = open_batch(gov, Tier.LITTLE_GIANT, notice_days=7)
    assert (batch.level, batch.region_code, batch.review_level) == ("national", "", "province")
    # The manufacturer holds an active 专精特新 title in its profile (2026-11-08 … 2029-11-07).
    app = submitted(hz_owner, hz_enterprise, batch)
    assert app.state == S.SUBMITTED
    assert inbox_titles(user=gov["zj_province"]) == [f"新的待审申报：{hz_enterprise.name}"]
    assert inbox_titles(user=gov["hz_city"]) == []
    assert list(actions.queue_for(gov["zj_province"])) == [app]
    assert list(actions.queue_for(gov["national"])) == []

    app = actions.approve_application(gov["zj_province"], app, expected_version=app.version, reason="推荐")
    assert app.state == S.RECOMMENDED
    assert inbox_titles(user=gov["national"]) == [f"新的推荐申报：{hz_enterprise.name}"]
    assert list(actions.queue_for(gov["national"])) == [app]
    assert actions.allowed_actions(gov["zj_province"], app) == []
    assert actions.allowed_actions(gov["national"], app) == ["approve", "return", "reject"]
    assert actions.action_label("approve", app) == "审核通过并公示"

    app = actions.approve_application(gov["national"], app, expected_version=app.version)
    assert app.state == S.IN_NOTICE and app.notice_ends == today() + 6 * DAY

    objection = actions.record_objection(
        gov["national"], app, objector="某竞争企业", text="主导产品市场占有率存疑"
    )
    after = app.notice_ends + DAY
    assert actions.close_notice(app, today=after) is False  # an unresolved objection holds the notice open
    assert list(actions.queue_for(gov["national"])) == [app]
    actions.resolve_objection(
        gov["national"], objection, outcome="dismissed", resolution="经核实数据来源可靠", today=after
    )
    app.refresh_from_db()
    assert app.state == S.NOTICE_ENDED  # dismissed after the last notice day: the notice ends at once

    rec = actions.recognise_application(gov["national"], app, expected_version=app.version, today=after)
    assert rec.tier == "little_giant" and rec.issued_by_level == "national" and rec.issued_by_region == ""
    assert re.fullmatch(rf"ZJTX-{after.year}-LG-330106-000001", rec.certificate_no)
    assert [row[1:4] for row in trail_rows(app)][2:] == [
        ("cultivation.submit", "draft", "submitted"),
        ("cultivation.approve", "submitted", "recommended"),
        ("cultivation.approve", "recommended", "in_notice"),
        ("cultivation.record_objection", "in_notice", "in_notice"),
        ("cultivation.dismiss_objection", "in_notice", "in_notice"),
        ("cultivation.close_notice", "in_notice", "notice_ended"),
        ("cultivation.recognise", "notice_ended", "recognised"),
    ]
    assert trail_rows(app)[5][0] == "gov-national"
    assert "公示期间收到异议：专精特新“小巨人”企业" in inbox_titles(enterprise=hz_enterprise)


def test_upheld_objection_rejects_with_the_resolution_as_reason(gov, hz_enterprise, hz_owner):
    batch = open_batch(gov)
    app = submitted(hz_owner, hz_enterprise, batch)
    app = actions.approve_application(gov["hz_city"], app, expected_version=app.version)
    objection = actions.record_objection(gov["hz_city"], app, objector="", text="近三年发生过环境违法行为")
    with pytest.raises(InvalidInput) as err:
        actions.resolve_objection(gov["hz_city"], objection, outcome="upheld", resolution=" ")
    assert err.value.message == "请填写异议处理说明。"
    actions.resolve_objection(
        gov["hz_city"], objection, outcome="upheld", resolution="经核实，2024 年受到环保处罚"
    )
    app.refresh_from_db()
    objection.refresh_from_db()
    assert (app.state, app.last_reason) == (S.REJECTED, "经核实，2024 年受到环保处罚")
    assert (objection.outcome, objection.resolved_by) == ("upheld", gov["hz_city"])
    assert trail_rows(app)[-1] == (
        "gov-hz",
        "cultivation.uphold_objection",
        "in_notice",
        "rejected",
        "经核实，2024 年受到环保处罚",
    )
    assert inbox_titles(enterprise=hz_enterprise)[-1] == "公示异议成立，申报未通过：专精特新中小企业"
    with pytest.raises(NotAllowed) as err:
        actions.resolve_objection(gov["hz_city"], objection, outcome="dismissed", resolution="再次处理")
    assert err.value.message.startswith(f"申报“{app}”当前状态为“未通过”，不能处理公示异议。")


def test_re_review_renews_from_the_old_end_and_the_old_title_expires(gov, hz_enterprise, hz_owner):
    # A title recognised almost three years ago: it is in its last year now.
    then = today() - dt.timedelta(days=3 * 365 - 60)
    old_batch = open_batch(gov, day=then, name="往年专精特新批次")
    old = recognised(gov, hz_owner, hz_enterprise, old_batch, day=then)
    assert old.valid_until < today() + dt.timedelta(days=365)

    batch = open_batch(gov, name="本年度复核批次")
    rec = recognised(gov, hz_owner, hz_enterprise, batch, renews=old)
    app = rec.application
    assert (app.kind, app.renews) == (ApplicationKind.RE_REVIEW, old)
    assert app.assessment.is_review is True
    assert rec.valid_from == old.valid_until + DAY
    assert rec.valid_until == rec.valid_from.replace(year=rec.valid_from.year + 3) - DAY
    old.refresh_from_db()
    assert old.status == RecognitionStatus.ACTIVE  # left to expire on its own date

    assert actions.expire_recognitions(today=old.valid_until) == 0
    assert actions.expire_recognitions(today=old.valid_until + DAY) == 1
    assert actions.expire_recognitions(today=old.valid_until + DAY) == 0
    old.refresh_from_db()
    rec.refresh_from_db()
    assert (old.status, rec.status) == (RecognitionStatus.EXPIRED, RecognitionStatus.ACTIVE)
    assert trail_rows(old)[-1] == (
        None,
        "cultivation.expire_recognition",
        "active",
        "expired",
        f"有效期已于 {old.valid_until} 届满",
    )
    assert inbox_titles(enterprise=hz_enterprise)[-1] == "认定已到期：专精特新中小企业"
    # Both periods are in the profile, so assessments see an unbroken title.
    periods = [
        (r["since"], r["until"])
        for r in Enterprise.objects.get(pk=hz_enterprise.pk).profile["recognitions"]
        if r["tier"] == "specialized"
    ]
    assert (old.valid_from.isoformat(), old.valid_until.isoformat()) in periods
    assert (rec.valid_from.isoformat(), rec.valid_until.isoformat()) in periods


def test_re_review_refused_before_the_last_year(gov, hz_enterprise, hz_owner):
    batch = open_batch(gov)
    rec = recognised(gov, hz_owner, hz_enterprise, batch)
    later = open_batch(gov, name="复核批次")
    start = rec.valid_until.replace(year=rec.valid_until.year - 1) + DAY
    with pytest.raises(NotAllowed) as err:
        actions.start_re_review(hz_owner, rec, later)
    assert err.value.message == (
        f"认定“{rec.certificate_no}”有效期至 {rec.valid_until}，尚未到复核时间；"
        f"请在 {start} 起或到期当年的批次中申请复核。"
    )
    with pytest.raises(NotAllowed) as err:
        actions.start_re_review(gov["hz_city"], rec, later)
    assert (
        err.value.message == f"市级主管部门不能申请复核：此操作只能由企业“{hz_enterprise.name}”的用户办理。"
    )


def test_change_reports_late_flag_acceptance_and_revocation(gov, hz_enterprise, hz_owner):
    batch = open_batch(gov)
    rec = recognised(gov, hz_owner, hz_enterprise, batch)
    # Three months after 31 March is 30 June: filed that day is on time, a change on 29 March is late.
    day = dt.date(2027, 6, 30)
    on_time = actions.report_change(
        hz_owner,
        rec,
        kind=ChangeKind.RENAME,
        occurred_on=dt.date(2027, 3, 31),
        description="企业名称变更为杭州精工传动科技有限公司",
        today=day,
    )
    late = actions.report_change(
        hz_owner,
        rec,
        kind=ChangeKind.OVERSEAS_BRANCH,
        occurred_on=dt.date(2027, 3, 29),
        description="在新加坡设立子公司",
        today=day,
    )
    assert (on_time.late, late.late) == (False, True)
    assert inbox_titles(user=gov["zj_province"])[-2:] == [
        f"重大变化报告待审核：{hz_enterprise.name}",
        f"重大变化报告待审核：{hz_enterprise.name}（逾期：应在 2027-06-29 前填报）",
    ]
    assert inbox_titles(user=gov["hz_city"]) == [f"新的待审申报：{hz_enterprise.name}"]
    assert trail_rows(late) == [("ent-hz", "cultivation.report_change", "", "submitted", "")]
    assert actions.allowed_recognition_actions(gov["zj_province"], rec) == ["revoke", "decide_change"]
    assert actions.allowed_recognition_actions(hz_owner, rec, today=day) == ["report_change"]

    with pytest.raises(NotAllowed) as err:
        actions.decide_change(gov["hz_city"], on_time, accept=True, note="")
    assert err.value.message == (
        f"市级主管部门不能审核认定“{rec.certificate_no}”的重大变化报告：此操作由省级主管部门办理。"
    )
    actions.decide_change(gov["zj_province"], on_time, accept=True, note="更名不影响认定条件")
    rec.refresh_from_db()
    assert rec.status == RecognitionStatus.ACTIVE
    with pytest.raises(InvalidInput) as err:
        actions.decide_change(gov["zj_province"], late, accept=False, note="")
    assert err.value.message == "不予确认将撤销认定，请填写理由。"
    actions.decide_change(gov["zj_province"], late, accept=False, note="设立境外分支机构后不再符合条件")
    rec.refresh_from_db()
    late.refresh_from_db()
    assert (late.state, rec.status, rec.revoked_reason) == (
        ChangeReport.State.REVOKED,
        RecognitionStatus.REVOKED,
        "设立境外分支机构后不再符合条件",
    )
    assert trail_rows(rec)[-1] == (
        "gov-zj",
        "cultivation.revoke_recognition",
        "active",
        "revoked",
        "设立境外分支机构后不再符合条件",
    )
    entry = {"tier": "specialized", "since": rec.valid_from.isoformat(), "until": rec.valid_until.isoformat()}
    assert entry not in Enterprise.objects.get(pk=hz_enterprise.pk).profile["recognitions"]
    assert inbox_titles(enterprise=hz_enterprise)[-1] == "认定已撤销：专精特新中小企业"
    # A revoked certificate is still found by its code: the page shows that it was revoked.
    assert actions.verify_certificate(rec.verification_code).status == RecognitionStatus.REVOKED


def test_revocation_needs_the_recognising_level_a_reason_and_the_current_version(
    gov, hz_enterprise, hz_owner
):
    batch = open_batch(gov)
    rec = recognised(gov, hz_owner, hz_enterprise, batch)
    with pytest.raises(NotAllowed) as err:
        actions.revoke_recognition(gov["hz_city"], rec, expected_version=rec.version, reason="x")
    assert err.value.message == f"市级主管部门不能撤销认定“{rec.certificate_no}”：此操作由省级主管部门办理。"
    with pytest.raises(PermissionError) as err:  # scope.OutOfScope
        actions.revoke_recognition(gov["sc_province"], rec, expected_version=rec.version, reason="x")
    assert str(err.value) == f"gov-sc 无权访问 企业“{hz_enterprise.name}”：不在其管辖范围内"
    with pytest.raises(InvalidInput) as err:
        actions.revoke_recognition(gov["zj_province"], rec, expected_version=rec.version, reason="  ")
    assert err.value.message == "请填写撤销理由。"
    with pytest.raises(StaleObject) as err:
        actions.revoke_recognition(
            gov["zj_province"], rec, expected_version=rec.version + 5, reason="弄虚作假"
        )
    assert err.value.message == (
        f"认定“{rec.certificate_no}”已有更新（您看到的是第 {rec.version + 5} 版；可能已由他人处理，或您已在别处提交过），请刷新页面后再操作。"
    )
    actions.revoke_recognition(
        gov["zj_province"], rec, expected_version=rec.version, reason="申报材料弄虚作假"
    )
    rec.refresh_from_db()
    assert (rec.status, rec.revoked_reason, rec.version) == ("revoked", "申报材料弄虚作假", 2)
    with pytest.raises(NotAllowed) as err:
        actions.revoke_recognition(gov["zj_province"], rec, expected_version=2, reason="再次")
    assert err.value.message == f"认定“{rec.certificate_no}”已撤销，无需撤销。"
    # The province may recognise the enterprise again later: nothing live blocks a new application.
    assert Application.objects.filter(enterprise=hz_enterprise, state=S.RECOGNISED).count() == 1


def test_certificate_numbers_count_up_per_tier_year_and_county(gov, hz_owner, hz_enterprise):
    batch = open_batch(gov)
    first = recognised(gov, hz_owner, hz_enterprise, batch)
    other = make_enterprise(
        "杭州西湖智能装备有限公司", region="330106", credit_code=credit_code("91330106MA2CD0E1X")
    )
    owner2 = make_user("ent-hz2", Role.ENTERPRISE, enterprise=other)
    second = recognised(gov, owner2, other, batch)
    assert first.certificate_no[:-6] == second.certificate_no[:-6]
    assert int(second.certificate_no[-6:]) == int(first.certificate_no[-6:]) + 1
    assert first.verification_code != second.verification_code
    assert Recognition.objects.count() == 2
