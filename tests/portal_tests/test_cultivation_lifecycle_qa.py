"""The recognition lifecycle at its edges: one renewal per title, lower tiers under a higher title, change reports
of titles that end (by expiry here or by a revocation received from another installation).

Found by QA (exploratory pass over the lifecycle, 2026-11).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.accounts.roles import Role
from portal.actions import NotAllowed
from portal.cultivation import actions
from portal.cultivation.models import (
    Application,
    ChangeKind,
    ChangeReport,
    Recognition,
    RecognitionStatus,
    Tier,
)

from .factories import example_profile, make_enterprise, make_user
from .test_cultivation_helpers import (  # noqa: F401  (media: fixture)
    inbox_titles,
    media,
    open_batch,
    recognised,
    submitted,
    today,
    trail_rows,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("media")]
DAY = dt.timedelta(days=1)


@pytest.fixture
def renewed(gov):
    """An enterprise whose 专精特新 title (platform-issued, in its last weeks) was already renewed by a re-review."""
    doc = example_profile()
    doc["recognitions"] = [r for r in doc["recognitions"] if r["tier"] != "specialized"]
    enterprise = make_enterprise(profile=doc)
    owner = make_user("ent-hz", Role.ENTERPRISE, enterprise=enterprise, full_name="财务经理 周敏")
    then = today() - dt.timedelta(days=3 * 365 - 60)
    old = recognised(gov, owner, enterprise, open_batch(gov, day=then, name="往年专精特新批次"), day=then)
    new = recognised(gov, owner, enterprise, open_batch(gov, name="本年度复核批次"), renews=old)
    return enterprise, owner, old, new


def test_a_title_already_renewed_cannot_be_renewed_again(gov, renewed):
    enterprise, owner, old, new = renewed
    again = open_batch(gov, name="本年度第二批")
    with pytest.raises(NotAllowed) as err:
        actions.start_re_review(owner, old, again)
    assert err.value.message == (
        f"认定“{old.certificate_no}”已经复核通过（新证书编号 {new.certificate_no}，有效期 "
        f"{new.valid_from} 至 {new.valid_until}），不能再次申请复核。"
    )
    assert not Application.objects.filter(batch=again).exists()
    assert Recognition.objects.filter(enterprise=enterprise).count() == 2
    # The title's page no longer offers it; the renewed title is not yet in its last year either.
    assert "start_re_review" not in actions.allowed_recognition_actions(owner, old)
    assert actions.allowed_recognition_actions(owner, old) == ["report_change"]


def _report(owner, rec, day=None):
    day = day or today()
    return actions.report_change(
        owner,
        rec,
        kind=ChangeKind.RENAME,
        occurred_on=day - dt.timedelta(days=10),
        description="企业名称变更为杭州精工传动科技有限公司",
        today=day,
    )


def _pending_on_page(client, official) -> str:
    client.force_login(official)
    return client.get(reverse("cultivation:recognitions")).content.decode()


def test_a_pending_change_report_leaves_the_queue_when_its_title_expires(
    client, gov, hz_enterprise, hz_owner
):
    rec = recognised(gov, hz_owner, hz_enterprise, open_batch(gov))
    report = _report(hz_owner, rec)
    assert "重大变化报告待审核" in _pending_on_page(client, gov["zj_province"])

    assert actions.expire_recognitions(today=rec.valid_until + DAY) == 1
    report.refresh_from_db()
    note = f"认定有效期已于 {rec.valid_until} 届满，本报告不再审核。"
    assert (report.state, report.decided_by, report.decision_note) == (ChangeReport.State.EXPIRED, None, note)
    assert report.get_state_display() == "认定已到期，不再审核"
    assert trail_rows(report)[-1] == (None, "cultivation.close_change_report", "submitted", "expired", note)
    assert "重大变化报告待审核" not in _pending_on_page(client, gov["zj_province"])
    assert inbox_titles(enterprise=hz_enterprise)[-1] == "重大变化报告不再审核：专精特新中小企业"
    # The enterprise's page says what became of it.
    client.force_login(hz_owner)
    assert "认定已到期，不再审核" in client.get(reverse("cultivation:my_recognitions")).content.decode()


def test_reports_left_pending_on_titles_expired_earlier_are_closed_by_the_next_daily_run(
    gov, hz_enterprise, hz_owner
):
    rec = recognised(gov, hz_owner, hz_enterprise, open_batch(gov))
    report = _report(hz_owner, rec)
    # Expired by an earlier version of the daily job, which left the report pending.
    Recognition.objects.filter(pk=rec.pk).update(status=RecognitionStatus.EXPIRED)
    assert actions.expire_recognitions(today=rec.valid_until + DAY) == 0
    report.refresh_from_db()
    assert report.state == ChangeReport.State.EXPIRED


def test_no_change_report_is_taken_for_a_title_past_its_end(gov, hz_enterprise, hz_owner):
    rec = recognised(gov, hz_owner, hz_enterprise, open_batch(gov))
    after = rec.valid_until + DAY  # before the daily job marked it expired
    assert "report_change" not in actions.allowed_recognition_actions(hz_owner, rec, today=after)
    with pytest.raises(NotAllowed) as err:
        _report(hz_owner, rec, day=after)
    assert err.value.message == (
        f"认定“{rec.certificate_no}”有效期已于 {rec.valid_until} 届满，无需再填报重大变化。"
    )
    assert not ChangeReport.objects.exists()


def _little_giant(gov, owner, enterprise) -> Recognition:
    """The 小巨人 ladder: province recommends, nation approves, notice, nation recognises."""
    app = submitted(owner, enterprise, open_batch(gov, Tier.LITTLE_GIANT))
    app = actions.approve_application(gov["zj_province"], app, expected_version=app.version)
    app = actions.approve_application(gov["national"], app, expected_version=app.version)
    after = app.notice_ends + DAY
    assert actions.close_notice(app, today=after)
    app.refresh_from_db()
    return actions.recognise_application(gov["national"], app, expected_version=app.version, today=after)


def test_a_little_giant_cannot_apply_for_a_lower_tier(client, gov, hz_enterprise, hz_owner):
    giant = _little_giant(gov, hz_owner, hz_enterprise)
    for tier, name in (
        (Tier.TECH_INNOVATIVE, "科技和创新型中小企业"),
        (Tier.SPECIALIZED, "专精特新中小企业"),
    ):
        batch = open_batch(gov, tier, name=f"{name}批次")
        with pytest.raises(NotAllowed) as err:
            actions.create_application(hz_owner, hz_enterprise, batch)
        assert err.value.message == (
            f"企业“{hz_enterprise.name}”持有有效期内的“专精特新“小巨人”企业”认定（证书编号 {giant.certificate_no}，"
            f"有效期 {giant.valid_from} 至 {giant.valid_until}），层级高于“{name}”，无需再申报较低层级；"
            "请在该认定期满前申请复核。"
        )
        assert not Application.objects.filter(batch=batch).exists()
    # The apply page says the same.
    client.force_login(hz_owner)
    page = client.post(reverse("cultivation:apply"), {"batch": batch.pk}, follow=True).content.decode()
    assert f"证书编号 {giant.certificate_no}" in page and "无需再申报较低层级" in page


def test_a_higher_title_no_longer_in_force_does_not_stand_in_the_way(gov, hz_enterprise, hz_owner):
    giant = _little_giant(gov, hz_owner, hz_enterprise)
    Recognition.objects.filter(pk=giant.pk).update(
        status=RecognitionStatus.REVOKED, revoked_at=timezone.now()
    )
    assert actions.create_application(hz_owner, hz_enterprise, open_batch(gov, Tier.TECH_INNOVATIVE)).pk


def test_revoking_a_title_closes_its_re_review_in_progress(gov):
    """A title revoked for cause could still be renewed: its pending re-review went on to recognition."""
    doc = example_profile()
    doc["recognitions"] = [r for r in doc["recognitions"] if r["tier"] != "specialized"]
    enterprise = make_enterprise(profile=doc)
    owner = make_user("ent-hz", Role.ENTERPRISE, enterprise=enterprise, full_name="财务经理 周敏")
    then = today() - dt.timedelta(days=3 * 365 - 60)
    old = recognised(gov, owner, enterprise, open_batch(gov, day=then, name="往年专精特新批次"), day=then)
    app = submitted(owner, enterprise, open_batch(gov, name="本年度复核批次"), renews=old)
    app = actions.approve_application(gov["hz_city"], app, expected_version=app.version)

    old.refresh_from_db()
    actions.revoke_recognition(
        gov["zj_province"], old, expected_version=old.version, reason="存在弄虚作假行为"
    )
    app.refresh_from_db()
    reason = f"复核的认定“{old.certificate_no}”已于 {today()} 撤销（撤销理由：存在弄虚作假行为），本复核申报不再审核。"
    assert (app.state, app.last_reason) == ("rejected", reason)
    assert trail_rows(app)[-1] == ("gov-zj", "cultivation.close_re_review", "in_notice", "rejected", reason)
    assert app not in actions.queue_for(gov["hz_city"])
    assert inbox_titles(enterprise=enterprise)[-1] == "复核申报已关闭：专精特新中小企业"
    assert not Recognition.objects.filter(application=app).exists()


def test_the_public_check_says_a_renewed_certificate_is_not_yet_in_force(client, renewed):
    """Found by QA: the renewed certificate read '有效' on the public check months before its first day."""
    enterprise, owner, old, new = renewed
    page = client.get(reverse("cultivation:certificate", args=[new.verification_code])).content.decode()
    assert f"尚未生效（{new.valid_from} 起有效）" in page
    page = client.get(reverse("cultivation:certificate", args=[old.verification_code])).content.decode()
    assert "尚未生效" not in page and "有效" in page


def test_a_title_ending_on_29_february_opens_its_re_review_on_1_march(gov, hz_enterprise, hz_owner):
    """Found by QA: recognised on 1 March 2025, valid to 29 February 2028; its last year begins on
    1 March 2027, but the re-review was refused that day (counted back from 29 Feb, which became 1 Mar)."""
    rec = recognised(gov, hz_owner, hz_enterprise, open_batch(gov))
    Recognition.objects.filter(pk=rec.pk).update(
        valid_from=dt.date(2025, 3, 1), valid_until=dt.date(2028, 2, 29)
    )
    rec.refresh_from_db()
    first_day = dt.date(2027, 3, 1)
    assert "start_re_review" in actions.allowed_recognition_actions(hz_owner, rec, today=first_day)
    assert "start_re_review" not in actions.allowed_recognition_actions(hz_owner, rec, today=first_day - DAY)
    batch = open_batch(gov, day=first_day, name="2027 年度复核批次")
    app = actions.start_re_review(hz_owner, rec, batch, today=first_day)
    assert app.renews == rec


def test_a_change_report_sent_twice_is_filed_once(client, gov, hz_enterprise, hz_owner):
    """Found by QA: a double click on 提交 filed two identical reports for the officials to decide."""
    rec = recognised(gov, hz_owner, hz_enterprise, open_batch(gov))
    form = {
        "kind": ChangeKind.RENAME,
        "occurred_on": (today() - dt.timedelta(days=10)).isoformat(),
        "description": "企业名称变更为杭州精工传动科技有限公司",
    }
    client.force_login(hz_owner)
    url = reverse("cultivation:report_change", args=[rec.pk])
    client.post(url, form)
    page = client.post(url, form, follow=True).content.decode()
    assert ChangeReport.objects.filter(recognition=rec).count() == 1
    assert (
        f"认定“{rec.certificate_no}”已有一份相同的重大变化报告（{form['occurred_on']}，更名）正在等待审核，"
        "无需重复提交。"
    ) in page
