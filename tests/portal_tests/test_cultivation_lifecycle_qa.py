"""The recognition lifecycle at its edges: one renewal per title, lower tiers under a higher title, change reports
of titles that end (by expiry here or by a revocation received from another installation).

Found by QA (exploratory pass over the lifecycle, 2026-11).
"""

from __future__ import annotations

import datetime as dt

import pytest

from portal.accounts.roles import Role
from portal.actions import NotAllowed
from portal.cultivation import actions
from portal.cultivation.models import Application, Recognition

from .factories import example_profile, make_enterprise, make_user
from .test_cultivation_helpers import media, open_batch, recognised, today  # noqa: F401  (media: fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]
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
