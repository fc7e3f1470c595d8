"""The exchange along a title's whole life, at its edges: re-reviews, key changes, records read again.

Found by QA (functional pass over the interconnection as county, city, province and national officials, 2026-11).
"""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import transaction
from django.urls import reverse

from portal.accounts.roles import Role
from portal.cultivation import actions
from portal.cultivation.models import Application
from portal.exchange import actions as xactions
from portal.exchange.models import FeedEntry, Origin, Quarantine
from portal.exchange.receive import APPLIED, DUPLICATE, QUARANTINED, receive

from .factories import example_profile, make_enterprise, make_user, officials
from .test_cultivation_helpers import media, open_batch, recognised, submitted, today  # noqa: F401
from .test_exchange_helpers import as_node, foreign_application, public_text, register, signed  # noqa: F401

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("media")]
DAY = dt.timedelta(days=1)


def take(peer, entry, me):
    with transaction.atomic():
        return receive(peer, entry, me, entry["sequence"])


def _titled(gov):
    """An enterprise of 西湖区 whose 专精特新 title (issued here) is in its last weeks: time to re-review."""
    doc = example_profile()
    doc["recognitions"] = [r for r in doc["recognitions"] if r["tier"] != "specialized"]
    enterprise = make_enterprise(profile=doc)
    owner = make_user("ent-hz", Role.ENTERPRISE, enterprise=enterprise, full_name="财务经理 周敏")
    then = today() - dt.timedelta(days=3 * 365 - 60)
    old = recognised(gov, owner, enterprise, open_batch(gov, day=then, name="往年专精特新批次"), day=then)
    return enterprise, owner, old


def test_a_re_review_recommended_upward_names_the_title_it_renews(as_node):  # noqa: F811
    gov = officials()
    as_node("county", "330106")
    register("杭州市", Ed25519PrivateKey.generate(), "city", "330100", "parent")
    enterprise, owner, old = _titled(gov)
    app = submitted(owner, enterprise, open_batch(gov, name="本年度复核批次"), renews=old)
    xactions.forward_application(gov["xh_county"], app, expected_version=app.version)
    sent = FeedEntry.objects.get(kind="application").payload()["application"]
    assert (sent["kind"], sent["renews"]) == ("re_review", old.certificate_no)


def test_a_re_review_received_from_below_renews_the_title_held_here(as_node):  # noqa: F811
    """The copy lost its title: recognised above it became a new title from the day of recognition
    (overlapping the old certificate) instead of a renewal from the old end."""
    gov = officials()
    me = as_node("province", "330000")
    key = Ed25519PrivateKey.generate()
    city = register("杭州市", key, "city", "330100", "child")
    enterprise, owner, old = _titled(gov)
    payload = foreign_application(
        name=enterprise.name, code=enterprise.credit_code, app_id="77", state="notice_ended"
    )
    payload["application"].update(kind="re_review", renews=old.certificate_no)
    payload["batch"]["name"] = "本年度复核批次"
    entry = signed(
        key,
        origin="city:330100",
        sequence=1,
        audience="parent",
        kind="application",
        object_id="77",
        payload=payload,
    )
    assert take(city, entry, me).status == APPLIED
    copy_ = Application.objects.get(pk=Origin.objects.get(local_type="cultivation.application").local_id)
    assert copy_.renews == old
    rec = actions.recognise_application(gov["zj_province"], copy_, expected_version=copy_.version)
    assert rec.valid_from == old.valid_until + DAY
    assert actions.renewal_of(old) == rec


def test_reading_again_after_a_key_change_does_not_quarantine_what_was_applied(as_node):  # noqa: F811
    """The docs advise `exchange_pull --from-start` after a key change: every record applied before it (signed
    with the old key) was quarantined and reported to the officials as failing verification."""
    me = as_node("city", "330100")
    officials()
    old_key, new_key = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    county = register("西湖区", old_key, "county", "330106", "child")
    entry = signed(
        old_key,
        origin="county:330106",
        sequence=1,
        audience="parent",
        kind="application",
        object_id="41",
        payload=foreign_application(app_id="41"),
    )
    assert take(county, entry, me).status == APPLIED
    county = xactions.change_peer_key(county, public_text(new_key))
    assert take(county, entry, me).status == DUPLICATE
    assert not Quarantine.objects.exists()
    # A record not held yet is still checked: the old key no longer verifies it.
    later = {**entry, "sequence": 2, "object_id": "42", "version": 1}
    assert take(county, later, me).status == QUARANTINED


def test_a_withdrawal_from_below_is_passed_on_to_the_level_the_copy_was_recommended_to(as_node):  # noqa: F811
    """小巨人 travels county → city → province: the enterprise's withdrawal reached the city only, and the
    province's copy stayed in its queue."""
    gov = officials()
    me = as_node("city", "330100")
    county_key = Ed25519PrivateKey.generate()
    county = register("西湖区", county_key, "county", "330106", "child")
    register("浙江省", Ed25519PrivateKey.generate(), "province", "330000", "parent")
    payload = foreign_application(app_id="41", tier="little_giant")
    payload["batch"].update(level="national", region_code="", review_level="province")

    def record(sequence, version, state):
        payload["application"]["state"] = state
        return signed(
            county_key,
            origin="county:330106",
            sequence=sequence,
            audience="parent",
            kind="application",
            object_id="41",
            version=version,
            payload=payload,
        )

    assert take(county, record(1, 1, "submitted"), me).status == APPLIED
    copy_ = Application.objects.get()
    xactions.forward_application(gov["hz_city"], copy_, expected_version=copy_.version, note="建议推荐")
    assert take(county, record(2, 2, "withdrawn"), me).status == APPLIED
    copy_.refresh_from_db()
    assert copy_.state == "withdrawn"
    upward = [e.payload()["application"]["state"] for e in FeedEntry.objects.filter(audience="parent")]
    assert upward == ["submitted", "withdrawn"]


def test_a_refused_record_corrected_by_a_new_version_is_no_longer_listed_as_unresolved(as_node, client):  # noqa: F811
    """The docs: the sender corrects a refused record by publishing a new version. It was applied, but the
    refused version stayed unresolved on the quarantine page and in the count on the exchange page for ever."""
    gov = officials()
    me = as_node("city", "330100")
    key = Ed25519PrivateKey.generate()
    county = register("西湖区", key, "county", "330106", "child")
    wrong = foreign_application(app_id="41")
    wrong["enterprise"]["region"] = "330108"  # contradicts the record's region: refused
    fields = {"origin": "county:330106", "audience": "parent", "kind": "application", "object_id": "41"}
    assert take(county, signed(key, sequence=1, version=1, payload=wrong, **fields), me).status == QUARANTINED
    client.force_login(gov["hz_city"])
    unresolved = 'class="fail" href="/exchange/quarantine/"'
    assert unresolved in client.get(reverse("exchange:index")).content.decode()
    right = foreign_application(app_id="41")
    assert take(county, signed(key, sequence=2, version=2, payload=right, **fields), me).status == APPLIED
    assert Quarantine.objects.get().released_at is not None
    html = client.get(reverse("exchange:quarantine")).content.decode()
    assert "已收到并应用对方更正后的第 2 版，此记录无需再处理" in html
    assert unresolved not in client.get(reverse("exchange:index")).content.decode()
