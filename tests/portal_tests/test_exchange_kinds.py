"""The model kinds (service institutions, policies): published upward from their own app's rows,
kept by the parent as replicas; a kind whose app has no such model is skipped, not an error."""

from __future__ import annotations

from decimal import Decimal

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import transaction

from portal.exchange import kinds, schemas
from portal.exchange.models import FeedEntry, Received
from portal.exchange.receive import APPLIED, QUARANTINED, receive

from .test_exchange_helpers import as_node, register, signed  # noqa: F401

pytestmark = pytest.mark.django_db


def model_or_skip(name: str):
    kind = kinds.model_kind(name)
    if not kind.available():
        pytest.skip(f"{kind.model_label} does not exist yet")
    return kind, kind.model()


def test_a_missing_model_is_skipped_cleanly():
    ghost = kinds.ModelKind("ghost", "services.NoSuchThing", region_field="region_code")
    assert ghost.model() is None and not ghost.available()
    assert kinds.ModelKind("ghost", "noapp.Thing", region_field="r").model() is None


def test_a_published_policy_of_the_county_goes_up_and_a_draft_does_not(as_node):  # noqa: F811
    kind, Policy = model_or_skip("policy")
    as_node("county", "330106")
    common = {
        "level": "county",
        "region_code": "330106",
        "region_prefix": "330106",
        "department": "西湖区经济和信息化局",
        "benefit_type": "subsidy",
    }
    Policy.objects.create(title="西湖区专精特新企业培育奖励（草稿）", status="draft", **common)
    policy = Policy.objects.create(
        title="西湖区专精特新企业培育奖励", status="published", benefit_amount=Decimal("300000.00"), **common
    )
    Policy.objects.create(
        title="全国性政策", status="published", **{**common, "level": "national", "region_code": ""}
    )
    entry = FeedEntry.objects.get(kind="policy")
    sent = entry.as_entry()
    assert schemas.entry_problems(sent) == []
    record = sent["payload"]["record"]
    assert record["id"] == policy.pk and record["title"] == "西湖区专精特新企业培育奖励"
    assert record["benefit_amount"] == "300000.00" and "search_text" not in record


def test_an_approved_institution_goes_up(as_node):  # noqa: F811
    kind, Institution = model_or_skip("service_institution")
    as_node("city", "330100")
    Institution.objects.create(
        name="待审核的机构",
        kind="market_provider",
        level="city",
        region_code="330100",
        credit_code="91330100MA2X1Y2Z3A",
        contact_name="王",
        contact_phone="0571-1",
        state="pending",
    )
    approved = Institution.objects.create(
        name="杭州中小企业公共服务中心",
        kind="public_agency",
        level="city",
        region_code="330100",
        credit_code="12330100MB1234567X",
        contact_name="李",
        contact_phone="0571-2",
        state="approved",
    )
    entry = FeedEntry.objects.get(kind="service_institution")
    assert entry.object_id == str(approved.pk) and entry.region == "330100"
    assert schemas.entry_problems(entry.as_entry()) == []


def test_the_parent_keeps_a_childs_policy_as_a_replica(as_node):  # noqa: F811
    me = as_node("city", "330100")
    key = Ed25519PrivateKey.generate()
    peer = register("西湖区", key, "county", "330106", "child")
    payload = {
        "region": "330106",
        "model": "policies.policy",
        "record": {"id": 5, "title": "西湖区专精特新企业培育奖励", "status": "published"},
    }
    entry = signed(
        key,
        origin="county:330106",
        sequence=1,
        audience="parent",
        kind="policy",
        object_id="5",
        payload=payload,
    )
    with transaction.atomic():
        assert receive(peer, entry, me, 1).status == APPLIED
    held = Received.objects.get(kind="policy")
    assert held.payload["record"]["title"] == "西湖区专精特新企业培育奖励" and held.local_type == ""

    national = {**payload, "region": ""}  # a national policy is not the county's to announce
    entry = signed(
        key,
        origin="county:330106",
        sequence=2,
        audience="parent",
        kind="policy",
        object_id="6",
        payload=national,
    )
    with transaction.atomic():
        assert receive(peer, entry, me, 2).status == QUARANTINED
