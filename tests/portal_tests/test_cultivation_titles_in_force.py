"""A title the platform issues or revokes keeps the enterprise's profile usable and its change reports honest.

Found by QA: a re-review recognised before the old certificate ends writes a title that starts in the
future, which made the profile invalid (no more assessments, policy matching asked for a fix the
enterprise could not make); and a change report of a revoked title could still be "confirmed as valid".

transaction=True: the inbox is written on commit, so these tests commit for real.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from portal.accounts.roles import Role
from portal.actions import NotAllowed
from portal.assessments.actions import run_assessment
from portal.assessments.models import Assessment
from portal.cultivation import actions
from portal.cultivation.models import ChangeKind, ChangeReport, Recognition, RecognitionStatus
from portal.enterprises.models import Enterprise
from portal.inbox.models import Notification

from .factories import example_profile, make_enterprise, make_user
from .test_cultivation_helpers import (
    inbox_titles,
    media,  # noqa: F401  (fixture)
    open_batch,
    recognised,
    today,
    trail_rows,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("media")]
DAY = dt.timedelta(days=1)


def _title_in(assessment: Assessment) -> tuple[str, str]:
    """What the 小巨人 prerequisite shows: met or not, and the 专精特新 title's end date it read."""
    criteria = assessment.result["zh"]["tiers"]["little_giant"]["criteria"]
    title = next(c for c in criteria if c["id"] == "lg_title")
    return title["status"], title["inputs_display"]["recognitions:recognition_specialized_until"]


@pytest.fixture
def renewed(gov):
    """An enterprise whose only 专精特新 titles are the platform's: one in its last weeks, and its re-review."""
    doc = example_profile()
    doc["recognitions"] = [r for r in doc["recognitions"] if r["tier"] != "specialized"]
    enterprise = make_enterprise(profile=doc)
    owner = make_user("ent-hz", Role.ENTERPRISE, enterprise=enterprise, full_name="财务经理 周敏")
    then = today() - dt.timedelta(days=3 * 365 - 60)
    old = recognised(gov, owner, enterprise, open_batch(gov, day=then, name="往年专精特新批次"), day=then)
    new = recognised(gov, owner, enterprise, open_batch(gov, name="本年度复核批次"), renews=old)
    return enterprise, owner, old, new


def test_a_re_review_starting_after_today_leaves_the_profile_assessable(client, renewed):
    enterprise, owner, old, new = renewed
    assert old.valid_until >= today() and new.valid_from == old.valid_until + DAY > today()
    entry = {"tier": "specialized", "since": new.valid_from.isoformat(), "until": new.valid_until.isoformat()}
    assert entry in Enterprise.objects.get(pk=enterprise.pk).profile["recognitions"]

    client.force_login(owner)
    response = client.post(reverse("assessments:self"), {"as_of": today().isoformat(), "rules": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    assessment = Assessment.objects.latest("pk")
    assert response.url == reverse("assessments:detail", args=[assessment.pk])
    # Before its start the renewed title does not count: the old certificate is what the enterprise holds.
    assert _title_in(assessment) == ("met", old.valid_until.isoformat())

    # From its first day the renewed title is held, with its own end date.
    on_start = run_assessment(owner, Enterprise.objects.get(pk=enterprise.pk), as_of=new.valid_from)
    assert _title_in(on_start) == ("met", new.valid_until.isoformat())


def test_a_title_that_has_not_started_is_not_held_before_its_start(renewed, gov):
    enterprise, owner, old, new = renewed
    # The old certificate revoked, the renewed one (not yet started) is the only 专精特新 title left.
    actions.revoke_recognition(
        gov["zj_province"], old, expected_version=old.version, reason="存在弄虚作假行为"
    )
    enterprise = Enterprise.objects.get(pk=enterprise.pk)
    assert [r["since"] for r in enterprise.profile["recognitions"] if r["tier"] == "specialized"] == [
        new.valid_from.isoformat()
    ]
    assert _title_in(run_assessment(owner, enterprise, as_of=today())) == ("not_met", "无")
    assert _title_in(run_assessment(owner, enterprise, as_of=new.valid_from - DAY)) == ("not_met", "无")
    assert _title_in(run_assessment(owner, enterprise, as_of=new.valid_from)) == (
        "met",
        new.valid_until.isoformat(),
    )


# ---------------------------------------------------------------------------------------------- change reports


def _report(owner, rec, kind=ChangeKind.RENAME, description="企业名称变更为杭州精工传动科技有限公司"):
    return actions.report_change(
        owner, rec, kind=kind, occurred_on=today() - dt.timedelta(days=10), description=description
    )


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_revoking_a_title_closes_its_pending_change_reports(client, gov, hz_enterprise, hz_owner):
    rec = recognised(gov, hz_owner, hz_enterprise, open_batch(gov))
    rename = _report(hz_owner, rec)
    branch = _report(hz_owner, rec, ChangeKind.OVERSEAS_BRANCH, "在新加坡设立子公司")
    province = gov["zj_province"]
    client.force_login(province)
    assert (
        "有 2 份重大变化报告待审核（见页面下方）。"
        in client.get(reverse("cultivation:recognitions")).content.decode()
    )

    client.post(
        reverse("cultivation:revoke", args=[rec.pk]),
        {"expected_version": rec.version, "reason": "存在弄虚作假行为"},
    )
    rec.refresh_from_db()
    assert rec.status == RecognitionStatus.REVOKED
    note = f"认定已于 {today()} 撤销（撤销理由：存在弄虚作假行为），本报告不再审核。"
    for report in (rename, branch):
        report.refresh_from_db()
        assert (report.state, report.decided_by, report.decision_note) == (
            ChangeReport.State.REVOKED,
            province,
            note,
        )
        assert trail_rows(report)[-1] == ("gov-zj", "cultivation.decide_change", "submitted", "revoked", note)
    # The enterprise is told once, in the revocation notice, that its reports will not be reviewed.
    notice = Notification.objects.filter(enterprise=hz_enterprise).order_by("created_at", "id").last()
    assert notice.title == "认定已撤销：专精特新中小企业"
    assert notice.body == (
        f"证书编号 {rec.certificate_no}。撤销理由：存在弄虚作假行为。"
        "尚未审核的 2 份重大变化报告随认定撤销一并关闭，不再审核。"
    )
    page = client.get(reverse("cultivation:recognitions")).content.decode()
    assert "重大变化报告待审核" not in page

    # The stale page's "confirm" button: refused, naming the certificate and why; nothing changes.
    response = client.post(
        reverse("cultivation:decide_change", args=[rename.pk]), {"accept": "1", "note": "更名不影响认定"}
    )
    assert _messages(response) == [
        f"认定“{rec.certificate_no}”的重大变化报告（{rename.occurred_on}）不能再审核："
        f"该认定已于 {today()} 撤销（撤销理由：存在弄虚作假行为），不再有效，无需确认或撤销。"
    ]
    rename.refresh_from_db()
    rec.refresh_from_db()
    assert (rename.state, rename.decision_note, rec.status) == (
        ChangeReport.State.REVOKED,
        note,
        RecognitionStatus.REVOKED,
    )
    assert "重大变化报告已确认，认定继续有效" not in inbox_titles(enterprise=hz_enterprise)


def test_a_report_left_pending_on_a_title_no_longer_in_force_cannot_be_decided(gov, hz_enterprise, hz_owner):
    rec = recognised(gov, hz_owner, hz_enterprise, open_batch(gov))
    report = _report(hz_owner, rec)
    label = f"认定“{rec.certificate_no}”的重大变化报告（{report.occurred_on}）不能再审核："
    # Expired: the daily job ran on the day after the end of validity.
    assert actions.expire_recognitions(today=rec.valid_until + DAY) == 1
    for accept, note in ((True, "更名不影响认定"), (False, "不再符合条件")):
        with pytest.raises(NotAllowed) as err:
            actions.decide_change(gov["zj_province"], report, accept=accept, note=note)
        assert (
            err.value.message == f"{label}该认定有效期已于 {rec.valid_until} 届满，不再有效，无需确认或撤销。"
        )
    # Revoked before revocation closed reports (rows written by an earlier version): refused all the same.
    Recognition.objects.filter(pk=rec.pk).update(
        status=RecognitionStatus.REVOKED, revoked_reason="存在弄虚作假行为"
    )
    with pytest.raises(NotAllowed) as err:
        actions.decide_change(gov["zj_province"], report, accept=True, note="")
    assert err.value.message.startswith(f"{label}该认定已于 ")
    assert err.value.message.endswith("撤销（撤销理由：存在弄虚作假行为），不再有效，无需确认或撤销。")
    report.refresh_from_db()
    assert report.state == ChangeReport.State.EXPIRED  # closed by the expiry, untouched by the refusals


def test_a_title_past_its_end_date_offers_no_change_decision(gov, hz_enterprise, hz_owner):
    rec = recognised(gov, hz_owner, hz_enterprise, open_batch(gov))
    report = _report(hz_owner, rec)
    province = gov["zj_province"]
    assert actions.allowed_recognition_actions(province, rec, today=rec.valid_until) == [
        "revoke",
        "decide_change",
    ]
    # Past its end but before the daily job marked it expired.
    assert "decide_change" not in actions.allowed_recognition_actions(
        province, rec, today=rec.valid_until + DAY
    )
    with pytest.raises(NotAllowed) as err:
        actions.decide_change(province, report, accept=True, note="", today=rec.valid_until + DAY)
    assert err.value.message.endswith(f"该认定有效期已于 {rec.valid_until} 届满，不再有效，无需确认或撤销。")
    actions.decide_change(province, report, accept=True, note="更名不影响认定", today=rec.valid_until)
    report.refresh_from_db()
    assert report.state == ChangeReport.State.ACCEPTED
