"""POST /api/assess: exactly what portal.assessments.engine gives, and every field problem on a bad profile."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from portal.accounts.roles import Role
from portal.assessments import engine
from portal.assessments.models import Assessment

from .factories import EXAMPLES, example_profile, make_user
from .test_api_tokens import Api

AS_OF = dt.date(2026, 11, 27)


@pytest.mark.parametrize("name", sorted(p.stem for p in EXAMPLES.glob("*.json")))
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_assess_equals_the_engine_on_every_example(db, name, lang):
    profile = example_profile(name)
    api = Api(make_user("provider-1", Role.PROVIDER))  # any signed-in role may use the stateless check
    r = api.post("/api/assess", profile, f"?as_of={AS_OF}&lang={lang}")
    assert r.status_code == 200, r.content
    _outcome, expected = engine.assess(profile, AS_OF)
    assert r.json() == json.loads(json.dumps(expected[lang]))
    assert r.json()["schema"] == "zjtx.assessment/1"
    assert not Assessment.objects.exists()  # stateless: nothing stored


def test_assess_under_named_rules(db):
    profile = example_profile("manufacturer")
    r = Api(make_user("p", Role.PROVIDER)).post(
        "/api/assess", profile, "?as_of=2025-06-30&rules=cn-miit-2022"
    )
    assert r.status_code == 200
    assert r.json()["rules"] == "cn-miit-2022"
    assert r.json() == json.loads(
        json.dumps(engine.assess(profile, dt.date(2025, 6, 30), "cn-miit-2022")[1]["zh"])
    )


def test_invalid_profile_is_422_listing_every_field(db):
    profile = example_profile("manufacturer")
    year = sorted(profile["financials"])[-1]
    profile["financials"][year]["revenue"] = -5
    profile["region"] = "99999x"
    r = Api(make_user("p", Role.PROVIDER)).post("/api/assess", profile, f"?as_of={AS_OF}")
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "profile_invalid"
    fields = {e["field"]: e for e in body["errors"]}
    assert f"financials.{year}.revenue" in fields and "region" in fields
    try:
        engine.validate(profile)
    except engine.ProfileInvalid as exc:
        assert [(p.path, p.message_zh, p.message_en) for p in exc.problems] == [
            (e["field"], e["message"], e["message_en"]) for e in body["errors"]
        ]
    else:
        pytest.fail("the engine accepted the broken profile")


def test_unknown_rules_and_bad_dates_are_422_naming_the_parameter(db):
    api = Api(make_user("p", Role.PROVIDER))
    profile = example_profile("manufacturer")
    r = api.post("/api/assess", profile, "?rules=cn-miit-1999")
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "rules"
    assert "未知的规则集“cn-miit-1999”" in r.json()["errors"][0]["message"]

    r = api.post("/api/assess", profile, "?as_of=2026-13-01")
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {
            "field": "as_of",
            "message": "必须为 YYYY-MM-DD 格式的日期",
            "message_en": "must be a date YYYY-MM-DD",
        }
    ]

    r = api.post("/api/assess", profile, "?lang=fr")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "lang"


def test_body_that_is_not_a_json_object(db):
    api = Api(make_user("p", Role.PROVIDER))
    r = api.client.post(
        "/api/assess", "{not json", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {api.secret}"
    )
    assert r.status_code == 400 and r.json()["code"] == "bad_request"
    r = api.post("/api/assess", [1, 2, 3])
    assert r.status_code == 422
    assert r.json()["errors"][0]["message"] == "必须为 JSON 对象"


def test_assess_needs_a_token(db):
    r = Client().post("/api/assess", json.dumps(example_profile()), content_type="application/json")
    assert r.status_code == 401 and r.json()["code"] == "token_missing"


def test_nul_characters_are_refused_by_field_not_a_server_error(db):
    api = Api(make_user("p", Role.PROVIDER))
    profile = example_profile("manufacturer")
    profile["main_product"]["name"] = "减速\x00器"
    r = api.post("/api/assess", profile)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "main_product.name"
    assert "空字符" in r.json()["errors"][0]["message"]
    official = Api(make_user("gov-n", Role.NATIONAL))
    r = official.get("/api/enterprises", {"q": "精\x00工"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "q"
    assert Client().get("/api/certificates/AB%00CDEFGH").status_code == 404
