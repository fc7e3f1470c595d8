"""What docs/api.md promises every client, checked where QA found it broken: JSON types are not guessed
(a "yes" is not true, "4" or 1e2 not an integer, a number not a date), every message is Chinese and names
its field, every error under /api/ is the documented JSON (unknown paths, wrong methods, oversized bodies),
every list pages by limit/offset, an empty filter is no filter, and a title in force is renewed, not re-applied for.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.test import Client
from django.utils import timezone

from portal.api.errors import _pydantic_problem
from portal.assessments.models import Assessment
from portal.cultivation import actions as cultivation
from portal.cultivation.models import Application, Evidence, Recognition

from . import test_api_scope
from .test_api_evidence import tiny_pdf, upload

world = test_api_scope.world  # the shared fixture

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def raw_post(api, path: str, text: str, content_type: str = "application/json"):
    """POST a body exactly as written (json.dumps would turn 1e2 into 100.0)."""
    return api.client.post(path, text, content_type=content_type, **api._headers())


def the_error(response, field: str) -> dict:
    """The one error of a 422, which names `field` in Chinese in the documented format."""
    assert response.status_code == 422, response.content
    body = response.json()
    assert set(body) == {"code", "message", "message_en", "errors"} and body["code"] == "invalid"
    assert [e["field"] for e in body["errors"]] == [field], body["errors"]
    error = body["errors"][0]
    assert CHINESE.search(error["message"]), error
    return error


def draft(world) -> Application:
    return cultivation.create_application(
        world["users"]["hz_owner"], world["hz"], world["batches"]["zj_tech_innovative"]
    )


# ---------------------------------------------------------------------------------------------- JSON types


@pytest.mark.parametrize("value", ["yes", "true", 1, "on", None])
def test_declaration_must_be_the_json_boolean_true(world, value):
    app = draft(world)
    cultivation.attach_evidence(world["users"]["hz_owner"], app, upload("a.pdf", tiny_pdf()))
    app.refresh_from_db()
    r = world["apis"]["hz_owner"].post(
        f"/api/applications/{app.pk}/submit", {"expected_version": app.version, "declaration_accepted": value}
    )
    error = the_error(r, "declaration_accepted")
    assert error["message"] == "必须为 JSON 布尔值 true 或 false（不加引号）"
    app.refresh_from_db()
    assert app.state == "draft" and not app.declaration_text


@pytest.mark.parametrize("value", ["yes", "on", "1", 1, "false"])
def test_is_review_must_be_a_json_boolean(world, value):
    hz = world["hz"]
    before = Assessment.objects.count()
    r = world["apis"]["hz_owner"].post(f"/api/enterprises/{hz.pk}/assessments", {"is_review": value})
    assert the_error(r, "is_review")["message_en"] == "must be the JSON boolean true or false (no quotes)"
    assert Assessment.objects.count() == before


@pytest.mark.parametrize("value", ["true", '"4"', "4.0", "1e2"])
def test_versions_and_ids_must_be_json_integers(world, value):
    owner, app = world["apis"]["hz_owner"], world["hz_app"]
    app.refresh_from_db()
    r = raw_post(owner, f"/api/applications/{app.pk}/withdraw", f'{{"expected_version": {value}}}')
    assert the_error(r, "expected_version")["message"].startswith("必须为 JSON 整数")
    app.refresh_from_db()
    assert app.state == "submitted"

    batch = world["batches"]["zj_tech_innovative"]
    r = raw_post(owner, "/api/applications", f'{{"enterprise_id": {world["hz"].pk}, "batch_id": {value}}}')
    the_error(r, "batch_id")
    assert not Application.objects.filter(batch=batch).exists()
    # a real batch id written as 1e2-style float is refused too, not rounded to the batch
    r = raw_post(
        owner, "/api/applications", f'{{"enterprise_id": {world["hz"].pk}, "batch_id": {batch.pk}.0}}'
    )
    the_error(r, "batch_id")
    assert not Application.objects.filter(batch=batch).exists()


@pytest.mark.parametrize("value", ["1735689600", '"2025-01-01T00:00:00"', '"20250101"', '"2025-1-1"', "true"])
def test_dates_are_yyyy_mm_dd_strings_only(world, value):
    owner, hz = world["apis"]["hz_owner"], world["hz"]
    before = Assessment.objects.count()
    r = raw_post(owner, f"/api/enterprises/{hz.pk}/assessments", f'{{"as_of": {value}}}')
    error = the_error(r, "as_of")
    assert error["message"].startswith("必须为 YYYY-MM-DD 格式的日期"), error
    assert Assessment.objects.count() == before


@pytest.mark.parametrize("value", ["1735689600", "2025-01-01T00:00:00", "20250101"])
def test_assess_query_date_is_not_a_timestamp(world, value):
    owner = world["apis"]["hz_owner"]
    r = owner.post("/api/assess", world["hz"].profile, f"?as_of={value}")
    the_error(r, "as_of")


def test_correct_json_types_still_work(world):
    owner, hz = world["apis"]["hz_owner"], world["hz"]
    r = owner.post(f"/api/enterprises/{hz.pk}/assessments", {"as_of": "2026-11-27", "is_review": True})
    assert r.status_code == 201, r.content
    assert r.json()["as_of"] == "2026-11-27" and r.json()["is_review"] is True
    assert owner.post(f"/api/enterprises/{hz.pk}/assessments", {"as_of": None}).status_code == 201


# ---------------------------------------------------------------------------------------------- Chinese messages


def test_the_message_qa_saw_in_english_is_chinese(world):
    r = world["apis"]["hz_owner"].post(
        f"/api/enterprises/{world['hz'].pk}/assessments", {"as_of": "20250101"}
    )
    error = the_error(r, "as_of")
    assert "Datetimes" not in error["message"]
    assert error["message"] == '必须为 YYYY-MM-DD 格式的日期字符串，如 "2026-11-27"（不能是数字或带时间）'


def test_every_field_error_is_chinese(world):
    owner, hz, app = world["apis"]["hz_owner"], world["hz"], world["hz_app"]
    bad = [
        owner.post(f"/api/enterprises/{hz.pk}/assessments", {"as_of": "2026-02-30", "rules": "x" * 65}),
        owner.post(f"/api/enterprises/{hz.pk}/assessments", {"as_of": "20250101", "is_review": "no"}),
        owner.post(f"/api/applications/{app.pk}/decision", {"action": "maybe", "expected_version": 0}),
        owner.post(f"/api/applications/{app.pk}/withdraw", {"expected_version": 1, "reason": ["a"]}),
        owner.put(f"/api/enterprises/{hz.pk}/profile", {"expected_version": 2**70, "profile": "文档"}),
        owner.get("/api/applications", {"limit": "0", "offset": "-1", "batch": "abc"}),
        owner.get("/api/enterprises", {"region": "33x", "q": "字" * 101}),
        owner.post("/api/assess", {}, "?is_review=maybe&lang=fr"),
        owner.post("/api/applications", {"enterprise_id": None, "batch_id": "", "renews_id": {}}),
    ]
    seen = 0
    for r in bad:
        assert r.status_code == 422, r.content
        for error in r.json()["errors"]:
            assert error["field"] and error["field"] != "(body)", error
            assert CHINESE.search(error["message"]), error
            seen += 1
    assert seen >= 18


def test_an_unlisted_pydantic_error_still_answers_in_chinese():
    error = _pydantic_problem(
        {"type": "uuid_parsing", "loc": ("body", "payload", "token"), "msg": "Input should be a valid UUID"}
    )
    assert error == {"field": "token", "message": "取值无效", "message_en": "Input should be a valid UUID"}


# ---------------------------------------------------------------------------------------------- JSON everywhere


def assert_json_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"code", "message", "message_en", "errors"} and body["code"] == code
    assert CHINESE.search(body["message"])
    return body


def test_a_method_a_path_does_not_take_is_a_json_405(world):
    owner = world["apis"]["hz_owner"]
    r = owner.delete("/api/me")
    body = assert_json_error(r, 405, "method_not_allowed")
    assert r["Allow"] == "GET" and "DELETE" in body["message"] and "GET" in body["message"]
    r = owner.put("/api/applications", {})
    assert_json_error(r, 405, "method_not_allowed")
    assert set(r["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}
    # without a token, and without a CSRF cookie: still JSON
    assert_json_error(Client().delete("/api/certificates/ABC"), 405, "method_not_allowed")


def test_unknown_paths_are_json_404s(world):
    owner, hz = world["apis"]["hz_owner"], world["hz"]
    for path in ("/api/nonexistent", "/api/", "/api/enterprises/1/profile/extra", "/api/me/x"):
        body = assert_json_error(owner.get(path), 404, "not_found")
        assert "/api/docs" in body["message"], path
    slash = assert_json_error(owner.get(f"/api/enterprises/{hz.pk}/"), 404, "not_found")
    assert slash["message"] == f"接口路径末尾不要加“/”：请改用 /api/enterprises/{hz.pk}。"
    assert_json_error(
        Client().post("/api/nonexistent", "{}", content_type="application/json"), 404, "not_found"
    )
    # the token page is a web page: /api/tokens still leads to it
    assert Client().get("/api/tokens")["Location"] == "/api/tokens/"


def test_an_oversized_body_says_so_and_names_the_limit(world, settings):
    owner = world["apis"]["hz_owner"]
    r = raw_post(owner, "/api/assess", json.dumps({"name": "x" * (26 * 1024 * 1024)}))
    body = assert_json_error(r, 413, "too_large")
    assert "25 MB" in body["message"] and "multipart" not in body["message"]
    assert body["errors"] == [
        {"field": "(body)", "message": "超过 25 MB 的上限", "message_en": "exceeds the 25 MB limit"}
    ]

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1536
    app = draft(world)
    r = owner.upload(f"/api/applications/{app.pk}/evidence", upload("a.pdf", tiny_pdf()), "说明" * 1000)
    assert "1.5 KB" in assert_json_error(r, 413, "too_large")["message"]
    assert not Evidence.objects.filter(application=app).exists()


@pytest.mark.parametrize("body", ["[]", '"hello"', "42", "null", "true"])
def test_the_assessment_run_body_must_be_an_object(world, body):
    hz = world["hz"]
    before = Assessment.objects.count()
    r = raw_post(world["apis"]["hz_owner"], f"/api/enterprises/{hz.pk}/assessments", body)
    assert r.status_code == 422, r.content
    assert r.json()["errors"] == [
        {"field": "(body)", "message": "必须为 JSON 对象", "message_en": "must be a JSON object"}
    ]
    assert Assessment.objects.count() == before


@pytest.mark.parametrize("path", ["/submit", "/withdraw", "/decision"])
def test_other_bodies_must_be_objects_too(world, path):
    app = world["hz_app"]
    r = raw_post(world["apis"]["hz_owner"], f"/api/applications/{app.pk}{path}", "[1]")
    assert r.status_code == 422 and r.json()["errors"][0]["message"] == "必须为 JSON 对象"


# ---------------------------------------------------------------------------------------------- pages


def test_stored_assessments_page_by_limit_and_offset(world):
    owner, hz = world["apis"]["hz_owner"], world["hz"]
    ids = [owner.post(f"/api/enterprises/{hz.pk}/assessments", {}).json()["id"] for _ in range(2)]
    newest_first = [ids[1], ids[0], world["hz_app"].assessment_id]
    got = owner.get(f"/api/enterprises/{hz.pk}/assessments", {"limit": 1, "offset": 1}).json()
    assert {k: got[k] for k in ("count", "limit", "offset")} == {"count": 3, "limit": 1, "offset": 1}
    assert [a["id"] for a in got["items"]] == [newest_first[1]]
    rest = owner.get(f"/api/enterprises/{hz.pk}/assessments", {"offset": 2}).json()
    assert [a["id"] for a in rest["items"]] == [newest_first[2]] and rest["limit"] == 50


def test_evidence_pages_by_limit_and_offset(world):
    owner = world["apis"]["hz_owner"]
    app = draft(world)
    ids = [
        owner.upload(f"/api/applications/{app.pk}/evidence", upload(f"{n}.pdf", tiny_pdf(n))).json()["id"]
        for n in ("a", "b", "c")
    ]
    got = owner.get(f"/api/applications/{app.pk}/evidence", {"limit": 1, "offset": 1}).json()
    assert {k: got[k] for k in ("count", "limit", "offset")} == {"count": 3, "limit": 1, "offset": 1}
    assert [e["id"] for e in got["items"]] == [ids[1]]
    assert owner.get(f"/api/applications/{app.pk}/evidence", {"limit": 0}).status_code == 422


def test_every_list_documents_and_answers_limit_and_offset(world):
    """Every list (a 200 with items) takes limit/offset and answers {count, limit, offset, items}."""
    doc = Client().get("/api/openapi.json").json()
    schemas = doc["components"]["schemas"]
    lists = []
    for path, ops in doc["paths"].items():
        for op in ops.values():
            ref = op.get("responses", {}).get("200", {}).get("content", {}).get("application/json", {})
            ref = ref.get("schema", {}).get("$ref", "")
            props = schemas.get(ref.rsplit("/", 1)[-1], {}).get("properties", {})
            if "items" in props:
                lists.append(path)
                assert set(props) == {"count", "limit", "offset", "items"}, path
                params = {p["name"] for p in op.get("parameters", []) if p["in"] == "query"}
                assert {"limit", "offset"} <= params, path
    assert len(lists) == 4
    nat, hz = world["apis"]["national"], world["hz"]
    for path in (
        "/api/enterprises",
        "/api/applications",
        f"/api/enterprises/{hz.pk}/assessments",
        f"/api/applications/{world['hz_app'].pk}/evidence",
    ):
        first = nat.get(path, {"limit": 1}).json()
        second = nat.get(path, {"limit": 1, "offset": 1}).json()
        assert (first["limit"], first["offset"], second["offset"]) == (1, 0, 1), path
        assert len(first["items"]) == 1 and len(second["items"]) == (1 if first["count"] > 1 else 0), path
        assert first["items"] != second["items"], path


# ---------------------------------------------------------------------------------------------- filters


def test_an_empty_filter_is_no_filter(world):
    nat = world["apis"]["national"]
    everything = nat.get("/api/enterprises").json()
    assert everything["count"] == 2
    for params in ({"region": ""}, {"q": ""}, {"region": "", "q": " "}):
        r = nat.get("/api/enterprises", params)
        assert r.status_code == 200, r.content
        assert r.json() == everything
    all_apps = nat.get("/api/applications").json()
    r = nat.get("/api/applications", {"state": "", "tier": "", "batch": ""})
    assert r.status_code == 200 and r.json() == all_apps
    # a filter that is given still filters, and a wrong one is still named
    assert nat.get("/api/enterprises", {"region": "5101"}).json()["count"] == 1
    the_error(nat.get("/api/enterprises", {"region": "hz"}), "region")


# ---------------------------------------------------------------------------------------------- titles in force


def recognise(world, app) -> None:
    users = world["users"]
    app.refresh_from_db()
    cultivation.approve_application(users["hz_city"], app, expected_version=app.version)
    app.refresh_from_db()
    assert cultivation.close_notice(app, today=app.notice_ends + dt.timedelta(days=1))
    app.refresh_from_db()
    cultivation.recognise_application(users["zj_province"], app, expected_version=app.version)


def test_no_new_application_for_a_tier_held_in_force(world):
    owner, hz, app = world["apis"]["hz_owner"], world["hz"], world["hz_app"]
    recognise(world, app)
    rec = app.recognition
    r = owner.post("/api/applications", {"enterprise_id": hz.pk, "batch_id": app.batch_id})
    assert r.status_code == 403, r.content
    message = r.json()["message"]
    assert r.json()["code"] == "not_allowed"
    assert rec.certificate_no in message and rec.valid_until.isoformat() in message and "复核" in message
    assert Application.objects.filter(enterprise=hz).count() == 1
    # a tier below the title held is refused too, naming the title (the rung above stays open)
    other = world["batches"]["zj_tech_innovative"]
    r = owner.post("/api/applications", {"enterprise_id": hz.pk, "batch_id": other.pk})
    assert r.status_code == 403, r.content
    assert rec.certificate_no in r.json()["message"] and "无需再申报较低层级" in r.json()["message"]


def test_a_re_review_over_the_api_waits_for_the_last_year_as_on_the_web(world):
    owner, hz, app = world["apis"]["hz_owner"], world["hz"], world["hz_app"]
    recognise(world, app)
    rec = app.recognition
    r = owner.post(
        "/api/applications", {"enterprise_id": hz.pk, "batch_id": app.batch_id, "renews_id": rec.pk}
    )
    assert r.status_code == 403, r.content
    assert "尚未到复核时间" in r.json()["message"] and rec.certificate_no in r.json()["message"]
    assert Application.objects.filter(enterprise=hz).count() == 1

    # in the title's last year it opens
    Recognition.objects.filter(pk=rec.pk).update(valid_until=timezone.localdate() + dt.timedelta(days=100))
    r = owner.post(
        "/api/applications", {"enterprise_id": hz.pk, "batch_id": app.batch_id, "renews_id": rec.pk}
    )
    assert r.status_code == 201, r.content
    assert r.json()["kind"] == "re_review"
