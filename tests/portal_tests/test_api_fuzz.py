"""Schemathesis against our own OpenAPI document, in process (WSGI, no network): whatever a client sends,
the API answers with a documented status and a body matching the documented schema, never a 500.

Nothing is excluded: the evidence upload documents its multipart/form-data body (file as binary), so
schemathesis generates real multipart requests, and the download documents its binary content types."""

from __future__ import annotations

import collections

import pytest

schemathesis = pytest.importorskip("schemathesis")  # a dev dependency; skip cleanly where it is not installed

from django.core.signals import request_finished, request_started  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import close_old_connections  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis import checks as st_checks  # noqa: E402

from portal.cultivation import actions as cultivation  # noqa: E402

from . import test_api_scope  # noqa: E402

world = test_api_scope.world  # the shared fixture

CHECKS = [
    st_checks.not_a_server_error,
    st_checks.status_code_conformance,
    st_checks.content_type_conformance,
    st_checks.response_schema_conformance,
]


@pytest.mark.parametrize("persona", ["hz_owner", "national"])
def test_every_operation_answers_as_documented(world, persona):
    # Like Django's test client: keep the test transaction's connection open between requests
    # (the WSGI handler would close it at the end of each request, which PostgreSQL tests notice).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        run_schemathesis(world, persona)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def run_schemathesis(world, persona):
    app = get_wsgi_application()
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    token = world["apis"][persona].secret
    tried = []
    seen = collections.defaultdict(collections.Counter)  # operation → (status, content type) → count
    for result in schema.get_all_operations():
        operation = result.ok()
        tried.append(operation.label)

        @given(case=operation.as_strategy())
        @settings(
            max_examples=20,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            response = case.call(headers={"Authorization": f"Bearer {token}"})
            kind = response.headers.get("content-type", [""])[0].split(";")[0]
            statuses = seen[case.operation.label]
            statuses[(response.status_code, kind)] += 1
            if response.status_code == 422:
                statuses.update(f"field:{e['field']}" for e in response.json()["errors"])
            case.validate_response(response, checks=CHECKS)

        check()
    assert len(tried) == 20
    # The generated multipart bodies reached the upload's content check (a 422 naming `file`).
    upload = seen["POST /api/applications/{application_id}/evidence"]
    assert upload["field:file"] > 0, upload
    check_known_cases(schema, world, persona, token)


def check_known_cases(schema, world, persona, token):
    """Random ids rarely hit a real row (never on PostgreSQL, whose sequences are not reset between tests):
    the success answers of the evidence endpoints are checked against the document with real ids."""
    headers = {"Authorization": f"Bearer {token}"}
    ops = {op.label: op for op in (r.ok() for r in schema.get_all_operations())}
    evidence = world["hz_app"].evidence.get()
    download = ops["GET /api/evidence/{evidence_id}"].Case(path_parameters={"evidence_id": evidence.pk})
    response = download.call(headers=headers)
    assert response.status_code == 200 and response.content == test_api_scope.PDF
    download.validate_response(response, checks=CHECKS)
    if persona == "hz_owner":
        draft = cultivation.create_application(
            world["users"]["hz_owner"], world["hz"], world["batches"]["zj_tech_innovative"]
        )
        upload = ops["POST /api/applications/{application_id}/evidence"].Case(
            path_parameters={"application_id": draft.pk},
            body={"file": test_api_scope.PDF, "description": "营业执照"},
            media_type="multipart/form-data",
        )
        response = upload.call(headers=headers)
        assert response.status_code == 201, response.text
        upload.validate_response(response, checks=CHECKS)
