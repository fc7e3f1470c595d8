"""Receiving records: verified and applied once, or quarantined with a reason; decisions flow back.

The installation under test switches identity with `as_node` (a county, a city, a province); the
other side of each exchange is a foreign installation whose records are signed here with its own key.
"""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import transaction

from portal.accounts.roles import Role
from portal.accounts.scope import OutOfScope
from portal.actions import NotAllowed, StaleObject
from portal.audit.models import AuditEntry
from portal.cultivation import actions
from portal.cultivation.models import Application, ChangeKind, ChangeReport, Recognition
from portal.enterprises.models import Enterprise
from portal.exchange import actions as xactions
from portal.exchange import crypto, schemas
from portal.exchange.models import FeedEntry, Forwarded, Origin, Quarantine, Received
from portal.exchange.receive import APPLIED, DUPLICATE, QUARANTINED, receive

from .factories import make_enterprise, make_user, officials
from .test_cultivation_helpers import credit_code, inbox_titles, media, open_batch, submitted  # noqa: F401
from .test_exchange_helpers import as_node, decision, foreign_application, register, signed  # noqa: F401

# transaction=True: notifications are written on commit, so these tests commit for real.
pytestmark = pytest.mark.django_db(transaction=True)


def take(peer, entry, me):
    with transaction.atomic():
        return receive(peer, entry, me, entry["sequence"])


@pytest.fixture
def city(as_node, media):  # noqa: F811
    """杭州 (city) with 西湖区 as its child, whose key is foreign."""
    gov = officials()
    me = as_node("city", "330100")
    key = Ed25519PrivateKey.generate()
    peer = register("西湖区", key, "county", "330106", "child")
    return gov, me, key, peer


def from_county(key, sequence=1, object_id="41", version=1, **payload_args):
    payload = foreign_application(app_id=object_id, **payload_args)
    return signed(
        key,
        origin="county:330106",
        sequence=sequence,
        audience="parent",
        kind="application",
        object_id=object_id,
        version=version,
        payload=payload,
    )


def test_a_recommended_application_becomes_a_copy_in_the_city_queue(city):
    gov, me, key, peer = city
    entry = from_county(key)
    assert take(peer, entry, me).status == APPLIED

    app = Application.objects.get(enterprise__name="杭州远舟智能装备有限公司")
    assert app.state == "submitted" and app.tier == "specialized"
    assert app.assessment.result == entry["payload"]["assessment"]["result"]
    assert app.profile_snapshot["name"] == "杭州远舟智能装备有限公司"
    assert Origin.objects.get(local_type="cultivation.application", local_id=str(app.pk)).remote_id == "41"
    assert app in actions.queue_for(gov["hz_city"])
    assert "收到下级推荐的申报：杭州远舟智能装备有限公司" in inbox_titles(user=gov["hz_city"])
    assert AuditEntry.objects.get(action="exchange.receive_application").reason == "材料齐全，建议通过"

    # The same record again (a re-read page) changes nothing.
    assert take(peer, entry, me).status == DUPLICATE
    assert Application.objects.count() == 1 and Enterprise.objects.count() == 1

    # The city decides with its ordinary action; the decision is published for the county.
    actions.approve_application(gov["hz_city"], app, expected_version=app.version, reason="经审核，同意公示")
    out = FeedEntry.objects.get(kind="decision")
    assert out.audience == "county:330106" and out.object_id == "41" and out.version == 1
    sent = out.as_entry()
    assert schemas.entry_problems(sent) == []
    assert sent["payload"]["state"] == "in_notice" and sent["payload"]["reason"] == "经审核，同意公示"
    assert crypto.verify_entry(me.private_key().public_key(), sent)


def test_a_later_version_withdraws_the_copy(city):
    gov, me, key, peer = city
    take(peer, from_county(key), me)
    withdrawn = from_county(key, sequence=2, version=2, state="withdrawn")
    assert take(peer, withdrawn, me).status == APPLIED
    app = Application.objects.get()
    assert app.state == "withdrawn"
    assert Received.objects.get().version == 2
    assert not FeedEntry.objects.filter(kind="decision").exists()  # nothing echoes back down


def _tamper(entry):
    entry["payload"]["enterprise"]["name"] = "杭州某某空壳公司"
    return entry


REFUSALS = {
    "tampered after signing": (lambda key: _tamper(from_county(key)), "bad_signature", "签名校验失败"),
    "signed by another key": (
        lambda key: from_county(Ed25519PrivateKey.generate()),
        "bad_signature",
        "签名校验失败",
    ),
    "outside the child's area": (
        lambda key: from_county(key, region="330110", code=credit_code("91330110MA2H7K3P4")),
        "out_of_region",
        "不在西湖区的管辖范围（330106）内",
    ),
    "addressed to someone else": (
        lambda key: signed(
            key,
            origin="county:330106",
            sequence=1,
            audience="city:330100",
            kind="application",
            object_id="41",
            payload=foreign_application(),
        ),
        "wrong_audience",
        "不是本节点",
    ),
    "claims another origin": (
        lambda key: signed(
            key,
            origin="county:330110",
            sequence=1,
            audience="parent",
            kind="application",
            object_id="41",
            payload=foreign_application(),
        ),
        "wrong_origin",
        "自称来自“county:330110”",
    ),
    "not the published format": (
        lambda key: signed(
            key,
            origin="county:330106",
            sequence=1,
            audience="parent",
            kind="application",
            object_id="41",
            payload={k: v for k, v in foreign_application().items() if k != "batch"},
        ),
        "schema",
        '"batch" is a required property',
    ),
    "a decision from a child": (
        lambda key: signed(
            key,
            origin="county:330106",
            sequence=1,
            audience="parent",
            kind="decision",
            object_id="41",
            payload={**_decision_like(), "region": "330106"},
        ),
        "wrong_kind",
        "不应发送“上级决定”记录",
    ),
}


def _decision_like():
    return {
        "region": "330106",
        "application_id": "41",
        "state": "in_notice",
        "action": "cultivation.approve",
        "reason": "",
        "decided_at": None,
        "notice_starts": None,
        "notice_ends": None,
        "decided_by": {"node": "county:330106", "level": "county", "region": "330106", "organisation": ""},
        "enterprise": {"name": "杭州远舟智能装备有限公司", "credit_code": "91330106MA2H7K3P4X"},
    }


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_a_record_that_fails_verification_is_quarantined_never_applied(city, case):
    gov, me, key, peer = city
    build, code, words = REFUSALS[case]
    entry = build(key)
    outcome = take(peer, entry, me)
    assert outcome.status == QUARANTINED
    held = Quarantine.objects.get()
    assert held.code == code and words in held.reason, held.reason
    assert held.peer == peer and held.sequence == 1
    assert (
        not Application.objects.exists() and not Enterprise.objects.exists() and not Received.objects.exists()
    )
    # Reading it again keeps one quarantine row.
    take(peer, copy.deepcopy(entry), me)
    assert Quarantine.objects.count() == 1


def test_an_enterprise_whose_region_contradicts_the_record_is_refused(city):
    gov, me, key, peer = city
    payload = foreign_application()
    payload["enterprise"]["region"] = "510107"
    entry = signed(
        key,
        origin="county:330106",
        sequence=1,
        audience="parent",
        kind="application",
        object_id="41",
        payload=payload,
    )
    assert take(peer, entry, me).status == QUARANTINED
    assert "两者必须一致" in Quarantine.objects.get().reason


def test_a_live_local_application_of_the_same_enterprise_is_a_conflict(city):
    gov, me, key, peer = city
    payload = foreign_application(name="杭州精工减速机有限公司")
    local = make_enterprise(credit_code=payload["enterprise"]["credit_code"])
    owner = make_user("ent-hz", Role.ENTERPRISE, enterprise=local)
    submitted(owner, local, open_batch(gov))
    entry = signed(
        key,
        origin="county:330106",
        sequence=1,
        audience="parent",
        kind="application",
        object_id="41",
        payload=payload,
    )
    assert take(peer, entry, me).status == QUARANTINED
    assert "已有一份进行中的同层级申报" in Quarantine.objects.get().reason
    assert Application.objects.count() == 1


# --------------------------------------------------------------------------------------- the county's side


@pytest.fixture
def county(as_node, media, hz_enterprise, hz_owner):  # noqa: F811
    """西湖区 (county) with 杭州 as its parent (foreign key), and a submitted application."""
    gov = officials()
    me = as_node("county", "330106")
    key = Ed25519PrivateKey.generate()
    parent = register("杭州市", key, "city", "330100", "parent")
    app = submitted(hz_owner, hz_enterprise, open_batch(gov))
    return gov, me, key, parent, app


def test_recommending_upward_publishes_the_frozen_application(county):
    gov, me, key, parent, app = county
    forwarded = xactions.forward_application(
        gov["xh_county"], app, expected_version=app.version, note="建议通过"
    )
    entry = FeedEntry.objects.get(kind="application")
    sent = entry.as_entry()
    assert forwarded.sequence == entry.sequence and forwarded.peer == parent
    assert schemas.entry_problems(sent) == []
    assert crypto.verify_entry(me.private_key().public_key(), sent)
    assert sent["audience"] == "parent" and sent["origin"] == "county:330106"
    payload = sent["payload"]
    assert payload["enterprise"]["name"] == "杭州精工减速机有限公司"
    assert payload["assessment"]["result"] == app.assessment.result
    assert payload["evidence"][0]["sha256"] == app.evidence.get().sha256
    assert payload["recommendations"][-1]["note"] == "建议通过"
    assert "申报已报送市级主管部门：专精特新中小企业" in inbox_titles(enterprise=app.enterprise)
    # Once per submission.
    app.refresh_from_db()
    with pytest.raises(NotAllowed, match="请等待上级决定"):
        xactions.forward_application(gov["xh_county"], app, expected_version=app.version)


def test_the_decision_flows_back_and_a_resubmission_goes_up_again(county, hz_owner):
    gov, me, key, parent, app = county
    xactions.forward_application(gov["xh_county"], app, expected_version=app.version)
    app.refresh_from_db()
    returned = signed(
        key,
        origin="city:330100",
        sequence=7,
        audience="county:330106",
        kind="decision",
        object_id=str(app.pk),
        payload=decision(app, state="returned", reason="请补充知识产权证明", action="cultivation.return"),
    )
    assert take(parent, returned, me).status == APPLIED
    app.refresh_from_db()
    assert app.state == "returned" and app.last_reason == "请补充知识产权证明"
    assert AuditEntry.objects.get(action="exchange.apply_decision").reason == "请补充知识产权证明"
    assert "申报被市级主管部门退回修改：专精特新中小企业" in inbox_titles(enterprise=app.enterprise)
    assert Forwarded.objects.get().decision_state == "returned"

    actions.submit_application(hz_owner, app, expected_version=app.version, declaration_accepted=True)
    app.refresh_from_db()
    xactions.forward_application(gov["xh_county"], app, expected_version=app.version)
    assert list(FeedEntry.objects.filter(kind="application").values_list("version", flat=True)) == [1, 2]

    app.refresh_from_db()
    approved = signed(
        key,
        origin="city:330100",
        sequence=9,
        audience="county:330106",
        kind="decision",
        object_id=str(app.pk),
        version=2,
        payload=decision(app),
    )
    assert take(parent, approved, me).status == APPLIED
    app.refresh_from_db()
    assert app.state == "in_notice" and app.notice_ends is not None
    assert "申报已通过市级主管部门审核，进入公示：专精特新中小企业" in inbox_titles(enterprise=app.enterprise)
    assert take(parent, approved, me).status == DUPLICATE


def test_a_withdrawal_at_the_county_is_published_upward(county, hz_owner):
    gov, me, key, parent, app = county
    xactions.forward_application(gov["xh_county"], app, expected_version=app.version)
    app.refresh_from_db()
    actions.withdraw_application(hz_owner, app, expected_version=app.version, reason="暂不申报")
    states = [e.payload()["application"]["state"] for e in FeedEntry.objects.filter(kind="application")]
    assert states == ["submitted", "withdrawn"]


def test_a_decision_on_an_application_never_recommended_is_quarantined(county):
    gov, me, key, parent, app = county
    entry = signed(
        key,
        origin="city:330100",
        sequence=3,
        audience="county:330106",
        kind="decision",
        object_id=str(app.pk),
        payload=decision(app),
    )
    assert take(parent, entry, me).status == QUARANTINED
    assert "不是本系统向杭州市推荐的申报" in Quarantine.objects.get().reason
    app.refresh_from_db()
    assert app.state == "submitted"


def test_the_title_issued_above_is_copied_and_follows_its_revocation(county):
    gov, me, key, parent, app = county
    xactions.forward_application(gov["xh_county"], app, expected_version=app.version)
    rec = {
        "region": "330106",
        "certificate_no": "ZJTX-2026-ZJ-330106-0001",
        "verification_code": "K7M3P9Q2R4",
        "tier": "specialized",
        "status": "active",
        "valid_from": "2026-12-01",
        "valid_until": "2029-11-30",
        "issued_by_level": "province",
        "issued_by_region": "330000",
        "revoked_at": None,
        "revoked_reason": "",
        "application_id": str(app.pk),
        "enterprise": {
            "name": app.enterprise.name,
            "credit_code": app.enterprise.credit_code,
            "region": "330106",
            "industry": app.enterprise.industry,
        },
    }
    entry = signed(
        key,
        origin="city:330100",
        sequence=4,
        audience="county:330106",
        kind="recognition",
        object_id="12",
        payload=rec,
    )
    assert take(parent, entry, me).status == APPLIED
    copy_ = Recognition.objects.get()
    assert copy_.application == app and copy_.certificate_no == "ZJTX-2026-ZJ-330106-0001"
    assert actions.verify_certificate("K7M3P9Q2R4") == copy_
    titles = Enterprise.objects.get(pk=app.enterprise_id).profile["recognitions"]
    assert {"tier": "specialized", "since": "2026-12-01", "until": "2029-11-30"} in titles
    assert "认定证书已同步：专精特新中小企业" in inbox_titles(enterprise=app.enterprise)

    revoked = signed(
        key,
        origin="city:330100",
        sequence=5,
        audience="county:330106",
        kind="recognition",
        object_id="12",
        version=2,
        payload={
            **rec,
            "status": "revoked",
            "revoked_at": "2027-03-01T10:00:00+08:00",
            "revoked_reason": "发生重大安全事故",
        },
    )
    assert take(parent, revoked, me).status == APPLIED
    copy_.refresh_from_db()
    assert copy_.status == "revoked" and copy_.revoked_reason == "发生重大安全事故"
    titles = Enterprise.objects.get(pk=app.enterprise_id).profile["recognitions"]
    assert {"tier": "specialized", "since": "2026-12-01", "until": "2029-11-30"} not in titles


def _title_from_above(key, app, sequence, version=1, **changes):
    rec = {
        "region": "330106",
        "certificate_no": "ZJTX-2026-ZJ-330106-0001",
        "verification_code": "K7M3P9Q2R4",
        "tier": "specialized",
        "status": "active",
        "valid_from": "2026-11-01",
        "valid_until": "2029-10-31",
        "issued_by_level": "province",
        "issued_by_region": "330000",
        "revoked_at": None,
        "revoked_reason": "",
        "application_id": str(app.pk),
        "enterprise": {
            "name": app.enterprise.name,
            "credit_code": app.enterprise.credit_code,
            "region": "330106",
            "industry": app.enterprise.industry,
        },
        **changes,
    }
    return signed(
        key,
        origin="city:330100",
        sequence=sequence,
        audience="county:330106",
        kind="recognition",
        object_id="12",
        version=version,
        payload=rec,
    )


def test_a_revocation_received_from_above_closes_the_titles_pending_change_reports(county, hz_owner):
    """Found by QA: the copy became revoked but its change reports stayed pending forever."""
    gov, me, key, parent, app = county
    xactions.forward_application(gov["xh_county"], app, expected_version=app.version)
    assert take(parent, _title_from_above(key, app, 4), me).status == APPLIED
    copy_ = Recognition.objects.get()
    report = actions.report_change(
        hz_owner,
        copy_,
        kind=ChangeKind.RENAME,
        occurred_on=copy_.valid_from,
        description="企业名称变更",
        today=copy_.valid_from + dt.timedelta(days=30),
    )
    revoked = _title_from_above(
        key,
        app,
        5,
        version=2,
        status="revoked",
        revoked_at="2027-03-01T10:00:00+08:00",
        revoked_reason="发生重大安全事故",
    )
    assert take(parent, revoked, me).status == APPLIED
    report.refresh_from_db()
    note = "认定已于 2027-03-01 撤销（撤销理由：发生重大安全事故），本报告不再审核。"
    assert (report.state, report.decided_by, report.decision_note) == (ChangeReport.State.REVOKED, None, note)
    assert AuditEntry.objects.filter(action="cultivation.decide_change", reason=note).count() == 1
    assert inbox_titles(enterprise=app.enterprise)[-1] == "重大变化报告不再审核：专精特新中小企业"


def test_recommending_is_refused_with_the_reason(county):
    gov, me, key, parent, app = county
    with pytest.raises(NotAllowed, match="由县级主管部门推荐"):
        xactions.forward_application(gov["hz_city"], app, expected_version=app.version)
    with pytest.raises(OutOfScope):
        xactions.forward_application(gov["yh_county"], app, expected_version=app.version)
    with pytest.raises(StaleObject, match="请刷新页面"):
        xactions.forward_application(gov["xh_county"], app, expected_version=app.version - 1)
    xactions.set_peer_enabled(parent, False)
    with pytest.raises(NotAllowed, match="尚未登记上级节点"):
        xactions.forward_application(gov["xh_county"], app, expected_version=app.version)
    assert not FeedEntry.objects.exists() and not Forwarded.objects.exists()


def test_a_county_that_reviews_itself_does_not_recommend_submitted_applications(as_node, media):  # noqa: F811
    gov = officials()
    as_node("county", "330106")
    register("杭州市", Ed25519PrivateKey.generate(), "city", "330100", "parent")
    ent = make_enterprise()
    owner = make_user("ent-hz", Role.ENTERPRISE, enterprise=ent)
    app = submitted(owner, ent, open_batch(gov, review_level="county"))
    with pytest.raises(NotAllowed, match="由县级主管部门办理，请在审核页直接办理"):
        xactions.forward_application(gov["xh_county"], app, expected_version=app.version)


@pytest.mark.usefixtures("media")
def test_without_a_node_identity_nothing_is_published_or_forwarded(hz_enterprise, hz_owner, monkeypatch):
    monkeypatch.delenv("ZJTX_NODE_LEVEL", raising=False)
    gov = officials()
    app = submitted(hz_owner, hz_enterprise, open_batch(gov))
    actions.approve_application(gov["hz_city"], app, expected_version=app.version)
    assert not FeedEntry.objects.exists()
    with pytest.raises(NotAllowed, match="ZJTX_NODE_LEVEL"):
        xactions.forward_application(gov["xh_county"], app, expected_version=app.version)


# --------------------------------------------------------------------------------------- a province's children


def test_titles_issued_in_a_childs_area_are_kept_as_copies(as_node):  # noqa: F811
    me = as_node("province", "330000")
    key = Ed25519PrivateKey.generate()
    peer = register("杭州市", key, "city", "330100", "child")
    rec = {
        "region": "330106",
        "certificate_no": "HZ-2026-0009",
        "verification_code": "A2B3C4D5E6",
        "tier": "innovative",
        "status": "active",
        "valid_from": "2026-01-01",
        "valid_until": "2028-12-31",
        "issued_by_level": "city",
        "issued_by_region": "330100",
        "revoked_at": None,
        "revoked_reason": "",
        "enterprise": {
            "name": "杭州云栖软件有限公司",
            "credit_code": "91330106MA2J4L5M6N",
            "region": "330106",
            "industry": "I6513",
        },
    }
    entry = signed(
        key,
        origin="city:330100",
        sequence=1,
        audience="parent",
        kind="recognition",
        object_id="3",
        payload=rec,
    )
    assert take(peer, entry, me).status == APPLIED
    copy_ = Recognition.objects.get(certificate_no="HZ-2026-0009")
    assert (
        copy_.enterprise.name == "杭州云栖软件有限公司"
        and copy_.enterprise.profile["schema"] == "zjtx.profile/1"
    )
    # Another child's record with a certificate number already held here is a conflict.
    clash = signed(
        key,
        origin="city:330100",
        sequence=2,
        audience="parent",
        kind="recognition",
        object_id="4",
        payload=rec,
    )
    assert take(peer, clash, me).status == QUARANTINED
    assert "已有相同证书编号" in Quarantine.objects.get().reason


def test_a_child_cannot_claim_an_enterprise_registered_outside_its_area(as_node):  # noqa: F811
    """A county node naming the credit code of an enterprise in another county must not touch it:
    before, the record's own region passed the area check and the title landed on the other county's
    enterprise (a recognition it never earned, its profile's titles rewritten)."""
    me = as_node("province", "330000")
    key = Ed25519PrivateKey.generate()
    peer = register("西湖区", key, "county", "330106", "child")
    code = credit_code("91330110MA2H7K3P4")
    yuhang = make_enterprise("杭州余杭某科技有限公司", region="330110", credit_code=code)
    before = copy.deepcopy(yuhang.profile)
    rec = {
        "region": "330106",
        "certificate_no": "XH-2026-0001",
        "verification_code": "Z2B3C4D5E6",
        "tier": "specialized",
        "status": "active",
        "valid_from": "2026-01-01",
        "valid_until": "2028-12-31",
        "issued_by_level": "county",
        "issued_by_region": "330106",
        "revoked_at": None,
        "revoked_reason": "",
        "enterprise": {
            "name": "杭州余杭某科技有限公司",
            "credit_code": code,
            "region": "330106",
            "industry": "I6513",
        },
    }
    entry = signed(
        key,
        origin="county:330106",
        sequence=1,
        audience="parent",
        kind="recognition",
        object_id="9",
        payload=rec,
    )
    assert take(peer, entry, me).status == QUARANTINED
    assert Quarantine.objects.get().code == "out_of_region"
    assert not Recognition.objects.exists()
    yuhang.refresh_from_db()
    assert yuhang.region == "330110" and yuhang.profile == before

    application = signed(
        key,
        origin="county:330106",
        sequence=2,
        audience="parent",
        kind="application",
        object_id="41",
        payload=foreign_application(code=code),
    )
    assert take(peer, application, me).status == QUARANTINED
    assert not Application.objects.exists()


def test_a_child_cannot_bring_a_batch_of_another_area(city):
    """The application's batch is created here when missing and is then offered to local enterprises:
    before, a county could bring a batch organised for another province (or any area) that did not even
    cover its own enterprise, and it opened on this installation for that area's enterprises."""
    from portal.cultivation.models import Batch

    gov, me, key, peer = city
    payload = foreign_application()
    payload["batch"].update(level="province", region_code="510000", name="四川省专精特新中小企业认定（伪）")
    entry = signed(
        key,
        origin="county:330106",
        sequence=1,
        audience="parent",
        kind="application",
        object_id="41",
        payload=payload,
    )
    assert take(peer, entry, me).status == QUARANTINED
    assert Quarantine.objects.get().code == "inconsistent"
    assert not Batch.objects.filter(region_code="510000").exists()
    assert not Application.objects.exists()
