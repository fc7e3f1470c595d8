"""A whole application through the API (create → upload → submit → approve → recognise → certificate check),
stale versions (409), and field-level 422s on the write endpoints."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.utils import timezone

from portal.assessments.models import Assessment
from portal.audit.models import AuditEntry
from portal.cultivation import actions as cultivation
from portal.cultivation.models import Application, Recognition
from portal.enterprises.models import Enterprise

from . import test_api_scope
from .test_api_scope import pdf

world = test_api_scope.world  # the shared fixture


def test_application_from_draft_to_certificate(world):
    hz, apis = world["hz"], world["apis"]
    owner, city, province = apis["hz_owner"], apis["hz_city"], apis["zj_province"]
    batch = world["batches"]["zj_tech_innovative"]

    created = owner.post("/api/applications", {"enterprise_id": hz.pk, "batch_id": batch.pk})
    assert created.status_code == 201
    body = created.json()
    assert (
        body["state"] == "draft"
        and body["state_label"] == "草稿"
        and body["tier_label"] == "科技和创新型中小企业"
    )
    assert "submit" in body["allowed_actions"] and "真实性声明" in body["declaration_text"]
    app = Application.objects.get(pk=body["id"])

    refused = owner.post(
        f"/api/applications/{app.pk}/submit",
        {"expected_version": body["version"], "declaration_accepted": False},
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "declaration_accepted"

    uploaded = owner.upload(f"/api/applications/{app.pk}/evidence", pdf(), "营业执照")
    assert uploaded.status_code == 201 and uploaded.json()["content_type"] == "application/pdf"
    app.refresh_from_db()
    submitted = owner.post(
        f"/api/applications/{app.pk}/submit", {"expected_version": app.version, "declaration_accepted": True}
    )
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["state"] == "submitted" and submitted.json()["assessment_id"]
    version = submitted.json()["version"]

    assert city.get(f"/api/applications/{app.pk}").json()["allowed_actions"] == [
        "approve",
        "return",
        "reject",
    ]
    no_reason = city.post(
        f"/api/applications/{app.pk}/decision",
        {"action": "return", "reason": " ", "expected_version": version},
    )
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"] == [
        {"field": "reason", "message": "请填写退回理由，写明企业需要修改或补充的内容", "message_en": ""}
    ]
    too_early = province.post(
        f"/api/applications/{app.pk}/decision", {"action": "recognise", "expected_version": version}
    )
    assert too_early.status_code == 403 and "市级主管部门" in too_early.json()["message"]

    approved = city.post(
        f"/api/applications/{app.pk}/decision",
        {"action": "approve", "reason": "材料齐全", "expected_version": version},
    )
    assert approved.status_code == 200 and approved.json()["state"] == "in_notice"
    assert approved.json()["notice_ends"]

    app.refresh_from_db()
    assert cultivation.close_notice(app, today=app.notice_ends + dt.timedelta(days=1))
    app.refresh_from_db()
    recognised = province.post(
        f"/api/applications/{app.pk}/decision", {"action": "recognise", "expected_version": app.version}
    )
    assert recognised.status_code == 200, recognised.content
    cert = recognised.json()["recognition"]
    assert recognised.json()["state"] == "recognised" and cert["status"] == "active"
    rec = Recognition.objects.get(application=app)
    assert cert["certificate_no"] == rec.certificate_no

    code = rec.verification_code
    public = Client().get(f"/api/certificates/{code[:5].lower()}-{code[5:]}")
    assert public.status_code == 200
    assert public.json() == {
        "valid": True,
        "status": "active",
        "status_label": "有效",
        "certificate_no": rec.certificate_no,
        "enterprise_name": hz.name,
        "credit_code": hz.credit_code,
        "tier": "tech_innovative",
        "tier_label": "科技和创新型中小企业",
        "valid_from": rec.valid_from.isoformat(),
        "valid_until": rec.valid_until.isoformat(),
        "issued_by_level": "province",
    }
    assert AuditEntry.objects.filter(
        action="cultivation.recognise", actor=world["users"]["zj_province"]
    ).exists()


def test_stale_versions_are_409_and_change_nothing(world):
    apis, app = world["apis"], world["hz_app"]
    app.refresh_from_db()
    ok = apis["hz_city"].post(
        f"/api/applications/{app.pk}/decision",
        {"action": "return", "reason": "请补充研发费用明细", "expected_version": app.version},
    )
    assert ok.status_code == 200 and ok.json()["state"] == "returned"
    again = apis["hz_city"].post(
        f"/api/applications/{app.pk}/decision",
        {"action": "reject", "reason": "重复", "expected_version": app.version},
    )
    assert again.status_code == 409
    assert again.json()["code"] == "stale" and "请刷新页面后再操作" in again.json()["message"]
    stale_submit = apis["hz_owner"].post(
        f"/api/applications/{app.pk}/submit", {"expected_version": app.version, "declaration_accepted": True}
    )
    assert stale_submit.status_code == 409
    app.refresh_from_db()
    assert app.state == "returned"

    hz = world["hz"]
    hz.refresh_from_db()
    old = hz.version
    first = apis["hz_owner"].put(
        f"/api/enterprises/{hz.pk}/profile",
        {"expected_version": old, "profile": dict(hz.profile, niche_since="2013-01-01")},
    )
    assert first.status_code == 200 and first.json()["version"] == old + 1
    second = apis["hz_owner"].put(
        f"/api/enterprises/{hz.pk}/profile",
        {"expected_version": old, "profile": dict(hz.profile, niche_since="2014-01-01")},
    )
    assert second.status_code == 409 and second.json()["code"] == "stale"
    assert Enterprise.objects.get(pk=hz.pk).profile["niche_since"] == "2013-01-01"


def test_profile_round_trip_and_invalid_profile_is_422_by_field(world):
    owner, hz = world["apis"]["hz_owner"], world["hz"]
    got = owner.get(f"/api/enterprises/{hz.pk}/profile").json()
    assert (
        got["profile"]["schema"] == "zjtx.profile/1"
        and got["version"] == Enterprise.objects.get(pk=hz.pk).version
    )

    doc = dict(got["profile"])
    year = sorted(doc["financials"])[-1]
    doc["financials"] = {**doc["financials"], year: {**doc["financials"][year], "revenue": -1}}
    bad = owner.put(f"/api/enterprises/{hz.pk}/profile", {"expected_version": got["version"], "profile": doc})
    assert bad.status_code == 422
    assert f"financials.{year}.revenue" in {e["field"] for e in bad.json()["errors"]}
    assert Enterprise.objects.get(pk=hz.pk).profile == got["profile"]  # nothing lost
    # the English beside the Chinese (it was empty)
    revenue = next(e for e in bad.json()["errors"] if e["field"] == f"financials.{year}.revenue")
    assert revenue["message"] == "必须为非负数" and revenue["message_en"] == "must be a number ≥ 0"
    assert bad.json()["message_en"].startswith("The enterprise profile has 1 problem")

    missing = owner.put(f"/api/enterprises/{hz.pk}/profile", {"profile": got["profile"]})
    assert missing.status_code == 422
    assert missing.json()["errors"] == [
        {"field": "expected_version", "message": "必填字段缺失", "message_en": "field required"}
    ]


def test_stored_assessment_matches_and_speaks_english(world):
    owner, hz = world["apis"]["hz_owner"], world["hz"]
    r = owner.post(f"/api/enterprises/{hz.pk}/assessments", {"as_of": "2026-11-27"}, "?lang=en")
    assert r.status_code == 201
    stored = Assessment.objects.get(pk=r.json()["id"])
    assert stored.created_by == world["users"]["hz_owner"] and stored.as_of == dt.date(2026, 11, 27)
    assert r.json()["result"]["as_of"] == "2026-11-27"
    assert r.json()["result"]["tiers"].keys() == stored.result["en"]["tiers"].keys()
    detail = owner.get(f"/api/assessments/{stored.pk}", {"lang": "zh"}).json()
    assert detail["result"]["schema"] == "zjtx.assessment/1" and detail["highest_tier"] == stored.highest_tier
    listed = owner.get(f"/api/enterprises/{hz.pk}/assessments").json()
    assert listed["items"][0]["id"] == stored.pk and "result" not in listed["items"][0]

    bad = owner.post(f"/api/enterprises/{hz.pk}/assessments", {"rules": "cn-miit-1999"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "rules"


def test_unknown_batch_is_422_and_unknown_ids_are_404(world):
    owner, hz = world["apis"]["hz_owner"], world["hz"]
    r = owner.post("/api/applications", {"enterprise_id": hz.pk, "batch_id": 999999})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "batch_id"
    for path in ("/api/enterprises/999999", "/api/applications/999999", "/api/assessments/999999"):
        assert owner.get(path).status_code == 404
    closed = world["batches"]["zj_tech_innovative"]
    closed.closes_on = timezone.localdate() - dt.timedelta(days=1)
    closed.save()
    late = owner.post("/api/applications", {"enterprise_id": hz.pk, "batch_id": closed.pk})
    assert late.status_code == 403 and "不在申报期内" in late.json()["message"]
