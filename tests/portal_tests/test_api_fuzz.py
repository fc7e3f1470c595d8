"""Schemathesis against our own OpenAPI document, in process (WSGI, no network): whatever a client sends,
the API answers with a documented status and a body matching the documented schema, never a 500."""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")  # a dev dependency; skip cleanly where it is not installed

from django.core.signals import request_finished, request_started  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import close_old_connections  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis import checks as st_checks  # noqa: E402

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
            case.validate_response(response, checks=CHECKS)

        check()
    assert len(tried) == 15
