"""Every endpoint × every role: in scope 200, wrong role 403, out of scope 404; lists never leak other regions.

World: 杭州精工 (西湖区 330106) and 成都精密 (武侯区 510107), each with a submitted 专精特新 application (and the
assessment frozen at submission, and one PDF of evidence) in its own province's batch, officials at every level,
and a 服务机构 user. As on the web, officials never see an enterprise's unsubmitted draft (nor its evidence).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from portal.accounts.roles import Role
from portal.cultivation import actions as cultivation
from portal.cultivation.models import Application, Evidence
from portal.web.demo.files import make_pdf

from .factories import make_enterprise, make_user, officials
from .test_api_tokens import Api

PDF = make_pdf("营业执照", [])  # a real one-page PDF: uploads are parsed
_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code(body17: str) -> str:
    """A GB 32100 code with the correct check character."""
    total = sum(_CHARS.index(c) * w for c, w in zip(body17, _WEIGHTS, strict=True))
    return body17 + _CHARS[(31 - total % 31) % 31]


IN_SCOPE_OF_HZ = {"hz_owner", "national", "zj_province", "hz_city", "xh_county"}
OUT_OF_SCOPE_OF_HZ = {"cd_owner", "yh_county", "sc_province", "cd_city"}
PERSONAS = sorted(IN_SCOPE_OF_HZ | OUT_OF_SCOPE_OF_HZ | {"provider"})


def read_status(persona: str, ok: int = 200) -> int:
    if persona == "provider":
        return 403
    return ok if persona in IN_SCOPE_OF_HZ else 404


def owner_only_status(persona: str, ok: int = 200) -> int:
    """Enterprise-only actions: the owner succeeds, officials who can see it are refused, others see nothing."""
    if persona == "hz_owner":
        return ok
    return 404 if persona in OUT_OF_SCOPE_OF_HZ else 403


def draft_status(persona: str, ok: int = 200) -> int:
    """A draft: only its enterprise sees it; to officials it does not exist (404), as on the web."""
    if persona == "provider":
        return 403
    return ok if persona == "hz_owner" else 404


def pdf(name: str = "营业执照.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def submitted_application(owner, enterprise, batch) -> Application:
    app = cultivation.create_application(owner, enterprise, batch)
    cultivation.attach_evidence(owner, app, pdf(), description="营业执照")
    app.refresh_from_db()
    return cultivation.submit_application(owner, app, expected_version=app.version, declaration_accepted=True)


def build_world() -> dict:
    gov = officials()
    today = timezone.localdate()
    hz = make_enterprise(
        "杭州精工减速机有限公司", region="330106", credit_code=credit_code("91330106MA2B3C4D1")
    )
    cd = make_enterprise(
        "成都精密仪器有限公司", region="510107", credit_code=credit_code("91510107MA6C3X1Y2")
    )
    users = {
        **gov,
        "hz_owner": make_user("ent-hz", Role.ENTERPRISE, enterprise=hz, full_name="财务经理 周敏"),
        "cd_owner": make_user("ent-cd", Role.ENTERPRISE, enterprise=cd, full_name="总经理 何强"),
        "provider": make_user("svc-1", Role.PROVIDER, full_name="某咨询公司 顾问"),
    }
    batches = {}
    for key, province in (("zj", gov["zj_province"]), ("sc", gov["sc_province"])):
        for tier in ("specialized", "tech_innovative"):
            batches[f"{key}_{tier}"] = cultivation.open_batch(
                province,
                tier=tier,
                year=today.year,
                name=f"{province.region_code} {today.year} 年 {tier}",
                opens_on=today - dt.timedelta(days=10),
                closes_on=today + dt.timedelta(days=30),
                review_level="city",
            )
    hz_app = submitted_application(users["hz_owner"], hz, batches["zj_specialized"])
    cd_app = submitted_application(users["cd_owner"], cd, batches["sc_specialized"])
    return {
        "users": users,
        "hz": hz,
        "cd": cd,
        "batches": batches,
        "hz_app": hz_app,
        "cd_app": cd_app,
        "apis": {k: Api(u) for k, u in users.items()},
    }


@pytest.fixture
def world(db, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    return build_world()


def test_read_endpoints_for_every_role(world):
    hz, hz_app = world["hz"], world["hz_app"]
    paths = [
        f"/api/enterprises/{hz.pk}",
        f"/api/enterprises/{hz.pk}/profile",
        f"/api/enterprises/{hz.pk}/assessments",
        f"/api/assessments/{hz_app.assessment_id}",
        f"/api/applications/{hz_app.pk}",
        f"/api/applications/{hz_app.pk}/evidence",
        f"/api/evidence/{hz_app.evidence.get().pk}",
    ]
    for persona in PERSONAS:
        api = world["apis"][persona]
        for path in paths:
            r = api.get(path)
            assert r.status_code == read_status(persona), (persona, path)
            if r.streaming:  # the evidence file itself (reading it to the end closes it)
                assert b"".join(r.streaming_content) == PDF
            if r.status_code == 404:
                assert r.json()["code"] == "not_found"
                assert hz.name not in r.content.decode()
            if r.status_code == 403:
                assert r.json()["code"] == "forbidden"
                assert "服务机构" in r.json()["message"]


def test_lists_show_only_what_is_in_scope(world):
    hz, cd = world["hz"], world["cd"]
    expected_enterprises = {
        "hz_owner": {hz.pk},
        "cd_owner": {cd.pk},
        "national": {hz.pk, cd.pk},
        "zj_province": {hz.pk},
        "hz_city": {hz.pk},
        "xh_county": {hz.pk},
        "yh_county": set(),
        "sc_province": {cd.pk},
        "cd_city": {cd.pk},
    }
    apps_of = {hz.pk: world["hz_app"].pk, cd.pk: world["cd_app"].pk}
    for persona, ents in expected_enterprises.items():
        api = world["apis"][persona]
        got = api.get("/api/enterprises").json()
        assert {e["id"] for e in got["items"]} == ents, persona
        assert got["count"] == len(ents)
        apps = api.get("/api/applications").json()
        assert {a["id"] for a in apps["items"]} == {apps_of[e] for e in ents}, persona
        assessments = [api.get(f"/api/enterprises/{e}/assessments").json()["count"] for e in ents]
        assert all(n == 1 for n in assessments), persona
        text = str(got) + str(apps)
        for other in {hz, cd} - {e for e in (hz, cd) if e.pk in ents}:
            assert other.name not in text and other.credit_code not in text, persona
    for path in ("/api/enterprises", "/api/applications"):
        assert world["apis"]["provider"].get(path).status_code == 403


def test_list_filters(world):
    nat = world["apis"]["national"]
    assert [e["name"] for e in nat.get("/api/enterprises", {"region": "5101"}).json()["items"]] == [
        "成都精密仪器有限公司"
    ]
    assert [e["name"] for e in nat.get("/api/enterprises", {"q": "精工"}).json()["items"]] == [
        "杭州精工减速机有限公司"
    ]
    by_code = nat.get("/api/enterprises", {"q": world["cd"].credit_code[:12]}).json()["items"]
    assert [e["id"] for e in by_code] == [world["cd"].pk]
    # A region filter never widens scope: the city of Hangzhou asking for Chengdu gets nothing.
    assert world["apis"]["hz_city"].get("/api/enterprises", {"region": "51"}).json()["count"] == 0
    assert nat.get("/api/applications", {"state": "submitted"}).json()["count"] == 2
    assert nat.get("/api/applications", {"state": "draft"}).json()["count"] == 0
    assert nat.get("/api/applications", {"tier": "little_giant"}).json()["count"] == 0
    only_zj = nat.get("/api/applications", {"batch": world["batches"]["zj_specialized"].pk}).json()["items"]
    assert [a["id"] for a in only_zj] == [world["hz_app"].pk]
    bad = nat.get("/api/applications", {"state": "bogus"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "state"


@pytest.mark.parametrize("persona", PERSONAS)
def test_write_endpoints_for_every_role(world, persona):
    users, hz, api = world["users"], world["hz"], world["apis"][persona]
    owner = users["hz_owner"]

    r = api.post(f"/api/enterprises/{hz.pk}/assessments", {"as_of": "2026-11-27"})
    assert r.status_code == read_status(persona, 201), r.content

    hz.refresh_from_db()
    doc = dict(hz.profile, name="杭州精工减速机股份有限公司")
    r = api.put(f"/api/enterprises/{hz.pk}/profile", {"expected_version": hz.version, "profile": doc})
    expected = 200 if persona == "hz_owner" else read_status(persona, 403)
    assert r.status_code == expected, r.content

    batch = world["batches"]["zj_tech_innovative"]
    r = api.post("/api/applications", {"enterprise_id": hz.pk, "batch_id": batch.pk})
    assert r.status_code == owner_only_status(persona, 201), r.content
    draft = Application.objects.filter(enterprise=hz, batch=batch).first()
    if draft is None:
        draft = cultivation.create_application(owner, hz, batch)
    cultivation.attach_evidence(owner, draft, pdf())
    draft.refresh_from_db()
    r = api.post(
        f"/api/applications/{draft.pk}/submit",
        {"expected_version": draft.version, "declaration_accepted": True},
    )
    assert r.status_code == draft_status(persona), r.content

    app = world["hz_app"]
    app.refresh_from_db()
    r = api.post(
        f"/api/applications/{app.pk}/decision",
        {"action": "approve", "reason": "材料齐全", "expected_version": app.version},
    )
    expected = 200 if persona == "hz_city" else read_status(persona, 403)
    assert r.status_code == expected, r.content
    if expected == 403 and persona != "provider":
        assert r.json()["code"] == "not_allowed"
        assert "市级主管部门" in r.json()["message"]
    app.refresh_from_db()
    assert app.state == ("in_notice" if persona == "hz_city" else "submitted")


@pytest.mark.parametrize("persona", PERSONAS)
def test_evidence_endpoints_for_every_role(world, persona, django_capture_on_commit_callbacks):
    """The owner uploads, lists, downloads, deletes and withdraws; officials in scope list and download but
    change nothing; out of scope everything is 404 and nothing changes, in the database or on disk."""
    users, api = world["users"], world["apis"][persona]
    app = world["hz_app"]
    app.refresh_from_db()
    cultivation.return_application(
        users["hz_city"], app, expected_version=app.version, reason="请补充 2025 年审计报告"
    )
    app.refresh_from_db()
    first = app.evidence.get()
    before = sorted(Evidence.objects.values_list("pk", "sha256"))
    files_before = {ev.file.name for ev in Evidence.objects.all()}

    listed = api.get(f"/api/applications/{app.pk}/evidence")
    assert listed.status_code == read_status(persona), listed.content
    if listed.status_code == 200:
        assert [e["id"] for e in listed.json()["items"]] == [first.pk]
        assert listed.json()["items"][0]["sha256"] == first.sha256

    got = api.get(f"/api/evidence/{first.pk}")
    assert got.status_code == read_status(persona), persona
    if got.status_code == 200:
        assert b"".join(got.streaming_content) == PDF
        assert got["Content-Type"] == "application/pdf" and got["X-Content-Type-Options"] == "nosniff"
        assert got["Content-Disposition"].startswith("attachment;")
    else:
        assert (
            first.original_name not in got.content.decode() and world["hz"].name not in got.content.decode()
        )

    up = api.upload(f"/api/applications/{app.pk}/evidence", pdf("审计报告.pdf"), "2025 年审计报告")
    assert up.status_code == owner_only_status(persona, 201), up.content
    if up.status_code == 403 and persona != "provider":
        assert up.json()["code"] == "not_allowed"
        assert "不能为申报" in up.json()["message"] and "上传佐证材料" in up.json()["message"]

    with django_capture_on_commit_callbacks(execute=True):
        deleted = api.delete(f"/api/evidence/{first.pk}")
    assert deleted.status_code == owner_only_status(persona, 204), deleted.content

    withdrawn = api.post(
        f"/api/applications/{app.pk}/withdraw", {"expected_version": app.version, "reason": "暂不申报"}
    )
    assert withdrawn.status_code == owner_only_status(persona), withdrawn.content

    # The other enterprise's document is never readable from Hangzhou's side, nor deletable.
    cd_ev = world["cd_app"].evidence.get()
    cd_status = {"cd_owner": 200, "national": 200, "sc_province": 200, "cd_city": 200, "provider": 403}
    assert api.get(f"/api/evidence/{cd_ev.pk}").status_code == cd_status.get(persona, 404)
    assert api.get(f"/api/applications/{world['cd_app'].pk}/evidence").status_code == cd_status.get(
        persona, 404
    )
    assert api.delete(f"/api/evidence/{cd_ev.pk}").status_code in (403, 404)

    app.refresh_from_db()
    if persona == "hz_owner":
        new = Evidence.objects.get(application=app)
        assert new.original_name == "审计报告.pdf" and new.description == "2025 年审计报告"
        assert not first.file.storage.exists(first.file.name)
        assert app.state == "withdrawn"
    else:
        assert sorted(Evidence.objects.values_list("pk", "sha256")) == before
        assert all(first.file.storage.exists(name) for name in files_before)
        assert app.state == "returned"


def test_officials_never_see_drafts_nor_their_evidence(world):
    owner = world["apis"]["hz_owner"]
    batch = world["batches"]["zj_tech_innovative"]
    draft = owner.post("/api/applications", {"enterprise_id": world["hz"].pk, "batch_id": batch.pk}).json()
    ev = owner.upload(f"/api/applications/{draft['id']}/evidence", pdf("研发费用明细.pdf")).json()
    for persona in PERSONAS:
        api = world["apis"][persona]
        for path in (
            f"/api/applications/{draft['id']}",
            f"/api/applications/{draft['id']}/evidence",
            f"/api/evidence/{ev['id']}",
        ):
            assert api.get(path).status_code == draft_status(persona), (persona, path)
        if persona not in ("hz_owner", "provider"):
            listed = api.get("/api/applications").json()["items"]
            assert draft["id"] not in {a["id"] for a in listed}, persona
            assert api.delete(f"/api/evidence/{ev['id']}").status_code == 404
    assert Evidence.objects.filter(pk=ev["id"]).exists()


def test_certificate_check_is_public(world):
    from django.test import Client

    r = Client().get("/api/certificates/NOSUCHCODE")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert "请核对证书上的 10 位验证码" in r.json()["message"]
