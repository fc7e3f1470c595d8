"""A title in force is kept by re-review (复核), not by a new application for the same tier.

Found by QA: an enterprise holding a 专精特新 certificate valid for years could open a new 专精特新
application (over the API and on the page), to be reviewed and recognised a second time.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.actions import NotAllowed
from portal.cultivation import actions
from portal.cultivation.models import Application, ApplicationKind, Recognition, RecognitionStatus, Tier

from .test_cultivation_helpers import media, open_batch, recognised, today  # noqa: F401  (media: fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]
DAY = dt.timedelta(days=1)


def refusal(rec: Recognition, applied: str = "专精特新中小企业", held: str = "专精特新中小企业") -> str:
    start = rec.valid_until.replace(year=rec.valid_until.year - 1) + DAY
    return (
        f"企业“{rec.enterprise.name}”持有有效期内的“{held}”认定（证书编号 {rec.certificate_no}，"
        f"有效期至 {rec.valid_until}），不能再新申报“{applied}”。认定期满前可申请复核："
        f"在有效期最后一年（{start} 起）或到期当年的批次中开放。"
    )


def test_a_new_application_for_a_tier_held_in_force_is_refused(gov, hz_enterprise, hz_owner):
    rec = recognised(gov, hz_owner, hz_enterprise, open_batch(gov))
    again = open_batch(gov, name="第二批")
    with pytest.raises(NotAllowed) as err:
        actions.create_application(hz_owner, hz_enterprise, again)
    assert err.value.message == refusal(rec)
    assert Application.objects.filter(batch=again).count() == 0
    # The next rung up is unaffected (a lower one is refused: test_cultivation_lifecycle_qa).
    giant = open_batch(gov, Tier.LITTLE_GIANT, name="小巨人批次")
    assert actions.create_application(hz_owner, hz_enterprise, giant).kind == ApplicationKind.NEW


def test_an_innovative_title_in_force_is_renewed_as_tech_innovative_not_applied_for(
    gov, hz_enterprise, hz_owner
):
    then = dt.date(2025, 9, 1)  # the 2022 measures: 创新型中小企业
    rec = recognised(gov, hz_owner, hz_enterprise, open_batch(gov, Tier.INNOVATIVE, day=then), day=then)
    assert rec.valid_until >= today()
    with pytest.raises(NotAllowed) as err:
        actions.create_application(hz_owner, hz_enterprise, open_batch(gov, Tier.TECH_INNOVATIVE))
    assert err.value.message == refusal(rec, applied="科技和创新型中小企业", held="创新型中小企业")


def test_a_title_no_longer_in_force_does_not_stand_in_the_way(gov, hz_enterprise, hz_owner):
    rec = recognised(gov, hz_owner, hz_enterprise, open_batch(gov))
    Recognition.objects.filter(pk=rec.pk).update(status=RecognitionStatus.REVOKED, revoked_at=timezone.now())
    assert actions.create_application(hz_owner, hz_enterprise, open_batch(gov, name="第二批")).pk


def test_the_re_review_in_the_last_year_is_still_open(gov, hz_enterprise, hz_owner):
    then = today() - dt.timedelta(days=3 * 365 - 60)
    old = recognised(gov, hz_owner, hz_enterprise, open_batch(gov, day=then, name="往年批次"), day=then)
    batch = open_batch(gov, name="本年度批次")
    with pytest.raises(NotAllowed) as err:
        actions.create_application(hz_owner, hz_enterprise, batch)
    assert err.value.message == refusal(old)
    app = actions.start_re_review(hz_owner, old, batch)
    assert (app.kind, app.renews) == (ApplicationKind.RE_REVIEW, old)


def test_the_apply_page_refuses_it_with_the_same_message(client, gov, hz_enterprise, hz_owner):
    rec = recognised(gov, hz_owner, hz_enterprise, open_batch(gov))
    again = open_batch(gov, name="第二批")
    client.force_login(hz_owner)
    page = client.post(reverse("cultivation:apply"), {"batch": again.pk}, follow=True).content.decode()
    assert refusal(rec) in page
    assert not Application.objects.filter(batch=again).exists()
