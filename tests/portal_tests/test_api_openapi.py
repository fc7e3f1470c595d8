"""The OpenAPI document: valid JSON, every path listed, every error status documented; the docs page loads."""

from __future__ import annotations

import json

from django.test import Client

EXPECTED = {
    "/api/me": {"get"},
    "/api/assess": {"post"},
    "/api/enterprises": {"get"},
    "/api/enterprises/{enterprise_id}": {"get"},
    "/api/enterprises/{enterprise_id}/profile": {"get", "put"},
    "/api/enterprises/{enterprise_id}/assessments": {"get", "post"},
    "/api/assessments/{assessment_id}": {"get"},
    "/api/applications": {"get", "post"},
    "/api/applications/{application_id}": {"get"},
    "/api/applications/{application_id}/submit": {"post"},
    "/api/applications/{application_id}/decision": {"post"},
    "/api/applications/{application_id}/withdraw": {"post"},
    "/api/applications/{application_id}/evidence": {"get", "post"},
    "/api/evidence/{evidence_id}": {"get", "delete"},
    "/api/certificates/{code}": {"get"},
}
ERROR_STATUSES = {"400", "401", "403", "404", "409", "422"}


def openapi() -> dict:
    r = Client().get("/api/openapi.json")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/json")
    return json.loads(r.content)


def test_openapi_lists_every_path_and_documents_errors(db):
    doc = openapi()
    assert doc["openapi"].startswith("3.")
    assert doc["info"]["title"].startswith("专精特新")
    paths = {
        p: {m for m in ops if m in ("get", "post", "put", "delete", "patch")}
        for p, ops in doc["paths"].items()
    }
    assert paths == EXPECTED
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            statuses = set(op["responses"])
            if path == "/api/certificates/{code}":
                assert "404" in statuses and "security" not in op  # public: no token
                continue
            assert "401" in statuses, (path, method)
            assert op["security"] == [{"TokenAuth": []}], (path, method)
            if path != "/api/me":
                assert statuses >= ERROR_STATUSES, (path, method, statuses)
    decision = doc["paths"]["/api/applications/{application_id}/decision"]["post"]["responses"]
    assert decision["409"]["description"].startswith("版本冲突")
    assert decision["401"]["description"].startswith("令牌缺失、无效或已撤销")
    error = doc["components"]["schemas"]["Error"]
    assert {"code", "message", "message_en", "errors"} <= set(error["properties"])
    assert doc["components"]["securitySchemes"]["TokenAuth"] == {"type": "http", "scheme": "bearer"}


def test_upload_is_documented_as_multipart_and_download_as_binary(db):
    doc = openapi()
    evidence = doc["paths"]["/api/applications/{application_id}/evidence"]
    body = evidence["post"]["requestBody"]["content"]
    assert set(body) == {"multipart/form-data"}
    form = body["multipart/form-data"]["schema"]
    assert form["properties"]["file"]["type"] == "string" and form["properties"]["file"]["format"] == "binary"
    assert form["properties"]["description"]["type"] == "string" and form["required"] == ["file"]
    assert set(evidence["post"]["responses"]) >= {"201"} | ERROR_STATUSES
    download = doc["paths"]["/api/evidence/{evidence_id}"]["get"]["responses"]["200"]
    assert set(download["content"]) == {"application/pdf", "image/jpeg", "image/png"}
    assert all(c["schema"] == {"type": "string", "format": "binary"} for c in download["content"].values())
    deleted = doc["paths"]["/api/evidence/{evidence_id}"]["delete"]["responses"]["204"]
    assert "content" not in deleted


def test_docs_page_loads(db):
    r = Client().get("/api/docs")
    assert r.status_code == 200
    assert b"/api/openapi.json" in r.content
