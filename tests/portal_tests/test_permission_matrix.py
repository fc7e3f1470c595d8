"""Every page × every role × in-region / out-of-region: nobody reads or writes outside their scope.

The world: 杭州精工 (西湖区 330106) with a stored assessment, a recognised 专精特新 title, a submitted
科技和创新型 application with evidence; 成都精密 (武侯区 510107) as the other region's enterprise.
Personas: the owner, another enterprise's user, officials inside (西湖区, 杭州, 浙江, national) and
outside (余杭区, 成都, 四川) the enterprise's region, a service provider and an anonymous visitor.

Reads: an out-of-scope persona gets 302 (to log in), 403 or 404 and never a page naming the enterprise;
the expected readers get 200. Writes: an out-of-scope POST changes nothing (state, version, rows).
A completeness check makes every new URL name appear here or name the test file that covers it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import get_resolver, reverse
from django.utils import timezone

from portal.accounts.roles import Role
from portal.assessments.actions import run_assessment
from portal.assessments.models import Assessment
from portal.audit.models import AuditEntry
from portal.cultivation import actions
from portal.cultivation.models import Application, Evidence, Recognition
from portal.inbox.models import Notification

from .factories import make_enterprise, make_user, officials
from .test_cultivation_helpers import credit_code, media, open_batch, recognised, submitted  # noqa: F401

pytestmark = pytest.mark.django_db

HZ_NAME = "杭州精工减速机有限公司"
IN_SCOPE_OFFICIALS = {"national", "zj_province", "hz_city", "xh_county"}
OUT_OF_SCOPE = {"other_owner", "yh_county", "cd_city", "sc_province", "provider", "anonymous"}
PERSONAS = sorted(IN_SCOPE_OFFICIALS | OUT_OF_SCOPE | {"owner"})
REFUSED = {302, 403, 404}


@pytest.fixture
def world(db, media):  # noqa: F811
    gov = officials()
    hz = make_enterprise(HZ_NAME, region="330106", credit_code=credit_code("91330106MA2B3C4D1"))
    cd = make_enterprise(
        "成都精密仪器有限公司", region="510107", credit_code=credit_code("91510107MA6C3X1Y2")
    )
    users = {
        **gov,
        "owner": make_user("ent-hz", Role.ENTERPRISE, enterprise=hz, full_name="财务经理 周敏"),
        "other_owner": make_user("ent-cd", Role.ENTERPRISE, enterprise=cd, full_name="总经理 何强"),
        "provider": make_user("svc-1", Role.PROVIDER, full_name="某咨询公司 顾问"),
        "anonymous": None,
    }
    past = timezone.localdate() - dt.timedelta(days=20)  # recognised last month, so the title is in force
    # The 科技和创新型 application first: once the higher 专精特新 title is held, no new one below it is taken.
    app = submitted(users["owner"], hz, open_batch(gov, "tech_innovative", name="科技和创新型批次"))
    recognition = recognised(gov, users["owner"], hz, open_batch(gov, day=past), day=past)
    assessment = run_assessment(users["owner"], hz)
    note = Notification.objects.create(user=users["owner"], title="您的申报已提交")
    return {
        "users": users,
        "hz": hz,
        "cd": cd,
        "app": app,
        "evidence": app.evidence.first(),
        "recognition": recognition,
        "assessment": assessment,
        "note": note,
    }


def get(client, user, url):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client.get(url)


def body(resp) -> str:
    if resp.get("Content-Type", "").startswith("text/html"):
        return resp.content.decode("utf-8", "replace")
    return ""


# Pages about one object of 杭州精工: url name → (kwargs from the world, personas that must read it).
OBJECT_PAGES = {
    "enterprises:detail": (lambda w: {"pk": w["hz"].pk}, IN_SCOPE_OFFICIALS),
    "assessments:detail": (lambda w: {"pk": w["assessment"].pk}, IN_SCOPE_OFFICIALS | {"owner"}),
    "assessments:pdf": (lambda w: {"pk": w["assessment"].pk}, IN_SCOPE_OFFICIALS | {"owner"}),
    "assessments:enterprise_history": (lambda w: {"enterprise_pk": w["hz"].pk}, IN_SCOPE_OFFICIALS),
    "cultivation:application": (lambda w: {"pk": w["app"].pk}, IN_SCOPE_OFFICIALS | {"owner"}),
    "cultivation:review": (lambda w: {"pk": w["app"].pk}, IN_SCOPE_OFFICIALS),
    "cultivation:evidence": (lambda w: {"pk": w["evidence"].pk}, IN_SCOPE_OFFICIALS | {"owner"}),
    "cultivation:recognition": (lambda w: {"pk": w["recognition"].pk}, IN_SCOPE_OFFICIALS | {"owner"}),
}


@pytest.mark.parametrize("name", sorted(OBJECT_PAGES))
def test_object_pages_for_every_role(client, world, name):
    kwargs, readers = OBJECT_PAGES[name]
    url = reverse(name, kwargs=kwargs(world))
    seen = {p: get(client, world["users"][p], url) for p in PERSONAS}
    for persona, resp in seen.items():
        if persona in readers:
            assert resp.status_code == 200, (persona, url, resp.status_code)
            assert HZ_NAME in body(resp) or not body(resp), (persona, url)
        elif persona in OUT_OF_SCOPE:
            assert resp.status_code in REFUSED, (persona, url, resp.status_code)
            assert HZ_NAME not in body(resp), (persona, url)
        else:  # in scope but not this page's audience (e.g. the owner on the officials' review page)
            assert resp.status_code in REFUSED | {200}, (persona, url, resp.status_code)


# Lists: url name → personas who must find 杭州精工 in them (everyone out of scope must not).
LIST_PAGES = {
    "enterprises:directory": IN_SCOPE_OFFICIALS,
    "cultivation:queue": {"hz_city"},  # awaiting the city's review
    "cultivation:recognitions": IN_SCOPE_OFFICIALS,
    "cultivation:my_applications": {"owner"},
    "cultivation:my_recognitions": {"owner"},
    "assessments:history": {"owner"},
    "assessments:self": {"owner"},
    "enterprises:profile": {"owner"},
    "screening:pool": set(),
}


@pytest.mark.parametrize("name", sorted(LIST_PAGES))
def test_lists_never_show_another_region(client, world, name):
    url = reverse(name)
    for persona in PERSONAS:
        resp = get(client, world["users"][persona], url)
        if persona in LIST_PAGES[name]:
            assert resp.status_code == 200 and HZ_NAME in body(resp), (persona, url, resp.status_code)
        elif persona in OUT_OF_SCOPE:
            assert HZ_NAME not in body(resp), (persona, url)


def test_queue_export_holds_only_in_scope_rows(client, world):
    import io

    from openpyxl import load_workbook

    url = reverse("cultivation:queue_export")
    for persona in PERSONAS:
        resp = get(client, world["users"][persona], url)
        if resp.status_code != 200:
            assert persona not in {"hz_city"}, persona
            continue
        cells = {
            str(c.value) for row in load_workbook(io.BytesIO(resp.content)).active.iter_rows() for c in row
        }
        if persona == "hz_city":
            assert HZ_NAME in cells
        elif persona in OUT_OF_SCOPE:
            assert HZ_NAME not in cells, persona


def state_of(world) -> tuple:
    app = Application.objects.get(pk=world["app"].pk)
    rec = Recognition.objects.get(pk=world["recognition"].pk)
    hz = type(world["hz"]).objects.get(pk=world["hz"].pk)
    return (
        app.state,
        app.version,
        rec.status,
        rec.version,
        hz.version,
        hz.profile,
        Evidence.objects.filter(application=app).count(),
        Assessment.objects.filter(enterprise=hz).count(),
        Notification.objects.get(pk=world["note"].pk).read_at,
    )


# Writes: label → (url name, kwargs, POST data, the in-scope persona for whom the same POST does work).
def _writes(w):
    app, rec = w["app"], w["recognition"]
    v = {"expected_version": app.version}
    return {
        "act approve": ("cultivation:act", {"pk": app.pk, "action": "approve"}, v, "hz_city"),
        "act return": (
            "cultivation:act",
            {"pk": app.pk, "action": "return"},
            {**v, "reason": "材料不全"},
            "hz_city",
        ),
        "act reject": (
            "cultivation:act",
            {"pk": app.pk, "action": "reject"},
            {**v, "reason": "不符合"},
            "hz_city",
        ),
        "bulk approve": ("cultivation:bulk_approve", {}, {"items": [f"{app.pk}:{app.version}"]}, "hz_city"),
        "withdraw": ("cultivation:withdraw", {"pk": app.pk}, {**v, "reason": "暂不申报"}, "owner"),
        "evidence remove": ("cultivation:evidence_remove", {"pk": w["evidence"].pk}, {}, None),
        "revoke": (
            "cultivation:revoke",
            {"pk": rec.pk},
            {"expected_version": rec.version, "reason": "撤销"},
            "zj_province",
        ),
        "report change": (
            "cultivation:report_change",
            {"pk": rec.pk},
            {"kind": "rename", "occurred_on": "2026-11-01", "description": "更名"},
            "owner",
        ),
        "run assessment": (
            "assessments:enterprise_history",
            {"enterprise_pk": w["hz"].pk},
            {"as_of": timezone.localdate().isoformat()},
            "hz_city",
        ),
        "read message": ("inbox:read", {"pk": w["note"].pk}, {}, "owner"),
    }


def post(client, user, name, kwargs, data):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client.post(reverse(name, kwargs=kwargs), data)


@pytest.mark.parametrize("persona", sorted(OUT_OF_SCOPE))
def test_out_of_scope_writes_change_nothing(client, world, persona):
    for label, (name, kwargs, data, _) in _writes(world).items():
        before, audits = state_of(world), AuditEntry.objects.count()
        resp = post(client, world["users"][persona], name, kwargs, data)
        assert resp.status_code in REFUSED | {200}, (persona, label, resp.status_code)
        assert state_of(world) == before, (persona, label)
        assert AuditEntry.objects.count() == audits, (persona, label)


@pytest.mark.parametrize(
    "label",
    [
        "act approve",
        "act return",
        "act reject",
        "bulk approve",
        "withdraw",
        "revoke",
        "report change",
        "run assessment",
        "read message",
    ],
)
def test_the_same_write_in_scope_does_take_effect(client, world, label):
    """The control for the test above: the same POST by the right persona changes state and is audited."""
    name, kwargs, data, persona = _writes(world)[label]
    before, audits = state_of(world), AuditEntry.objects.count()
    post(client, world["users"][persona], name, kwargs, data)
    assert state_of(world) != before or AuditEntry.objects.count() > audits, label


def test_evidence_removal_works_for_the_owner_once_returned(client, world):
    app = world["app"]
    actions.return_application(
        world["users"]["hz_city"], app, expected_version=app.version, reason="补充材料"
    )
    post(
        client, world["users"]["other_owner"], "cultivation:evidence_remove", {"pk": world["evidence"].pk}, {}
    )
    assert Evidence.objects.filter(pk=world["evidence"].pk).exists()
    post(client, world["users"]["owner"], "cultivation:evidence_remove", {"pk": world["evidence"].pk}, {})
    assert not Evidence.objects.filter(pk=world["evidence"].pk).exists()


# Every URL name of the platform is covered here, or by the named test file, or is public by design.
PUBLIC = {
    "web:home",
    "web:healthz",
    "accounts:login",
    "accounts:logout",
    "set_language",
    "enterprises:register",
    "cultivation:verify",
    "cultivation:certificate",
    "regions:children",
    "regions:search",
    "regions:industries",
}
COVERED_HERE = (
    set(OBJECT_PAGES)
    | set(LIST_PAGES)
    | {
        w.split()[0]
        for w in (
            "cultivation:act",
            "cultivation:bulk_approve",
            "cultivation:withdraw",
            "cultivation:evidence_remove",
            "cultivation:revoke",
            "cultivation:report_change",
            "inbox:read",
            "cultivation:queue_export",
        )
    }
)
# Own-enterprise pages and official-only forms whose scope the named files test in detail.
COVERED_ELSEWHERE = {
    "enterprises:": "test_enterprises.py",
    "assessments:": "test_assessments.py",
    "cultivation:": "test_cultivation_pages.py",
    "inbox:": "test_permission_matrix.py",
    "accounts:password_change": "test_login_throttle.py",
    "screening:rerun": "test_screening_maintenance.py",  # before "screening:": the first match wins
    "screening:": "test_screening.py",
    "api:": "test_api_scope.py",
    "policies:": "test_policies.py",
    "services:": "test_services.py",
    "digital:": "test_digital.py",
    "clusters:": "test_clusters.py",
    "pairing:": "test_pairing.py",
    "dashboard:": "test_dashboard.py",
    "exchange:": "test_exchange_pages.py",
}


def _names(resolver=None, ns=""):
    for p in (resolver or get_resolver()).url_patterns:
        if hasattr(p, "url_patterns"):
            yield from _names(p, f"{ns}{p.namespace}:" if p.namespace else ns)
        elif p.name:
            yield ns + p.name


def test_every_url_name_is_accounted_for():
    from pathlib import Path

    here = Path(__file__).parent
    missing = []
    for name in sorted(set(_names())):
        if name.startswith("admin:") or name in PUBLIC or name in COVERED_HERE:
            continue
        owner = next((f for prefix, f in COVERED_ELSEWHERE.items() if name.startswith(prefix)), None)
        if owner is None or not (here / owner).exists():
            missing.append(name)
    assert not missing, f"URL names with no scope test: {missing}"
