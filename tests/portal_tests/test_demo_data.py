"""The demo `make run` shows: every workflow state, every tier, officials confined to their region, no duplicates;
and something real in every newer app: service institutions (approved and pending), demands answered, closed
and overdue, digital self-tests at several levels, clusters with members, a chain leader's needs with a
shortlisted response, the policy catalogue.

The demo is loaded once for the module (it takes a few seconds) into the test database and
removed afterwards; each test then reads it inside its own rolled-back transaction.
"""

from __future__ import annotations

import collections
import datetime as dt

import pytest
from django.core.management import call_command
from django.test import override_settings

from portal.accounts.models import User
from portal.accounts.roles import OFFICIAL_ROLES, Role
from portal.accounts.scope import enterprise_in_scope, region_in_scope, scope_enterprises
from portal.assessments import engine
from portal.assessments.models import Assessment
from portal.audit.models import AuditEntry
from portal.audit.record import trail
from portal.clusters import access as cluster_access
from portal.clusters.models import Cluster, ClusterMembership, MemberRole
from portal.cultivation import actions
from portal.cultivation.models import (
    Application,
    ApplicationState,
    Batch,
    Evidence,
    Recognition,
    RecognitionStatus,
    Tier,
)
from portal.digital import suggest
from portal.digital.models import DigitalSelfTest, Dimension, Solution
from portal.enterprises.identity import credit_code_problem
from portal.enterprises.models import Enterprise
from portal.inbox.models import Notification
from portal.pairing import access as pairing_access
from portal.pairing import leaders
from portal.pairing.models import (
    EnterpriseCapability,
    LeaderFlag,
    Need,
    NeedResponse,
    NeedState,
    ResponseState,
)
from portal.policies.models import Policy
from portal.services import selectors
from portal.services.actions import membership_of
from portal.services.models import (
    Demand,
    DemandResponse,
    DemandState,
    InstitutionKind,
    InstitutionState,
    Offering,
    ServiceInstitution,
)
from portal.web.demo import DEMO_PASSWORD, demo_accounts, format_accounts, load_demo
from portal.web.demo.credit import check_character, is_valid
from portal.web.demo.loader import reset_database

TODAY = dt.date(2026, 11, 27)
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("demo-media")
    storages = {
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(media), "base_url": None},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages, MEDIA_ROOT=media), django_db_blocker.unblock():
        lines: list[str] = []
        summary = load_demo(today=TODAY, log=lines.append)
        yield {"summary": summary, "log": "\n".join(lines), "media": media}
        reset_database(force=True)


def counts() -> dict[str, int]:
    models = (
        User,
        Enterprise,
        Batch,
        Application,
        Evidence,
        Recognition,
        Assessment,
        AuditEntry,
        Notification,
        ServiceInstitution,
        Offering,
        Solution,
        Demand,
        DemandResponse,
        DigitalSelfTest,
        Cluster,
        ClusterMembership,
        Need,
        NeedResponse,
        EnterpriseCapability,
        LeaderFlag,
        Policy,
    )
    return {m.__name__: m.objects.count() for m in models}


def test_every_application_state_is_present(demo):
    states = collections.Counter(Application.objects.values_list("state", flat=True))
    assert set(states) == set(ApplicationState.values)
    in_notice = Application.objects.filter(state=ApplicationState.IN_NOTICE)
    assert any(a.objections.filter(outcome="").exists() for a in in_notice), "公示中且有未处理异议的申报"
    assert Application.objects.filter(kind="re_review", state=ApplicationState.SUBMITTED).exists()


def test_every_tier_is_someones_highest_tier(demo):
    everything = set(Assessment.objects.values_list("highest_tier", flat=True))
    assert set(Tier.values) | {"none"} <= everything
    # Under the rules in force today, the enterprises' own self-assessments cover the 2026 ladder.
    latest = {}
    for a in Assessment.objects.filter(as_of=TODAY, is_review=False).order_by("created_at", "pk"):
        latest[a.enterprise_id] = a
    assert len(latest) == Enterprise.objects.count() >= 55
    now = collections.Counter(a.highest_tier for a in latest.values())
    assert {"tech_innovative", "specialized", "little_giant", "none"} <= set(now)
    # Some profiles are half-filled: the engine says 待定 (qualified null), never a silent 0.
    undecided = [
        a
        for a in latest.values()
        if any(t.get("qualified") is None for t in a.result["zh"]["tiers"].values())
    ]
    assert len(undecided) >= 3
    assert "今日自评的最高层级分布" in demo["log"]


def test_each_official_sees_only_their_region(demo):
    everyone = list(Enterprise.objects.all())
    officials = User.objects.filter(role__in=OFFICIAL_ROLES)
    assert {Role(u.role) for u in officials} == set(OFFICIAL_ROLES)
    for official in officials:
        prefix = official.region_prefix
        seen = set(scope_enterprises(official, Enterprise.objects.all()).values_list("pk", flat=True))
        assert seen == {e.pk for e in everyone if e.region.startswith(prefix)}, official.username
        assert seen, f"{official.username} 的辖区内应有演示企业"
        for app in actions.queue_for(official):
            assert app.enterprise.region.startswith(prefix), (official.username, app)
    # Somebody has work waiting at every level of the ladder.
    waiting = {Role(u.role) for u in officials if actions.queue_for(u).exists()}
    assert waiting == set(OFFICIAL_ROLES)
    # The test personas' region codes are the demo's (tests/portal_tests/factories.py).
    by_name = {u.username: u.region_code for u in officials}
    assert by_name["gov-hz"] == "330100" and by_name["gov-xh"] == "330106" and by_name["gov-cd"] == "510100"
    hz = User.objects.get(username="gov-hz")
    assert not scope_enterprises(hz, Enterprise.objects.filter(region__startswith="51")).exists()


def test_each_official_sees_only_their_regions_services_clusters_and_needs(demo):
    officials = User.objects.filter(role__in=OFFICIAL_ROLES)
    for official in officials:
        prefix = official.region_prefix
        for d in selectors.demands_for(official):
            assert d.enterprise.region.startswith(prefix), (official.username, d.title)
        for c in cluster_access.clusters_for(official):
            assert c.region_code.startswith(prefix), (official.username, c.name)
        for n in pairing_access.needs_for(official):
            assert n.leader.region.startswith(prefix), (official.username, n.title)
        review = selectors.reviewable_q(official)
        for inst in ServiceInstitution.objects.filter(review):
            assert inst.level == official.role and region_in_scope(official, inst.region_code)
    hz, sc, cd = (User.objects.get(username=u) for u in ("gov-hz", "gov-sc", "gov-cd"))
    assert selectors.demands_for(hz).exists() and selectors.demands_for(sc).exists()
    assert not selectors.demands_for(hz).filter(enterprise__region__startswith="51").exists()
    assert not cluster_access.clusters_for(hz).filter(region_code__startswith="51").exists()
    assert cluster_access.clusters_for(cd).exists() and not pairing_access.needs_for(sc).exists()
    assert pairing_access.needs_for(hz).count() == 2


def test_enterprises_are_realistic_and_valid(demo):
    regions = engine.regions()
    provinces = collections.Counter(e.region[:2] for e in Enterprise.objects.all())
    assert provinces["33"] >= 20 and provinces["51"] >= 15 and len(provinces) >= 5
    for e in Enterprise.objects.all():
        assert e.name.endswith("公司") and e.name[:2] in (
            "杭州",
            "宁波",
            "成都",
            "德阳",
            "深圳",
            "苏州",
            "北京",
            "上海",
            "武汉",
        )
        assert regions[e.region][1] == "county"
        assert engine.industry_name(e.industry)
        assert is_valid(e.credit_code) and engine.credit_code_valid(e.credit_code)
        assert credit_code_problem(e.credit_code) is None  # the enterprises app's validator agrees
        assert e.credit_code[2:8] == e.region
        engine.validate(e.profile, today=TODAY)
        assert e.users.filter(role=Role.ENTERPRISE).count() == 1
    assert check_character("91330106MA2B3C4D1") == "1"  # the example profile's code


def test_batches_now_open_and_past_closed(demo):
    now = Batch.objects.filter(year=TODAY.year)
    assert {b.tier for b in now} == {Tier.TECH_INNOVATIVE, Tier.SPECIALIZED, Tier.LITTLE_GIANT}
    assert all(b.is_open(TODAY) for b in now)
    last = Batch.objects.filter(year=TODAY.year - 1)
    assert last.count() == 4 and not any(b.is_open(TODAY) for b in last)
    assert {b.ruleset_id for b in last} == {"cn-miit-2022"}
    assert Tier.INNOVATIVE in {b.tier for b in last}
    assert Batch.objects.get(tier=Tier.LITTLE_GIANT, year=TODAY.year).level == "national"


def test_applications_went_through_the_actions(demo):
    for app in Application.objects.exclude(state=ApplicationState.DRAFT):
        actions_done = [e.action for e in trail(app)]
        assert actions_done[0] == "cultivation.create_application"
        assert "cultivation.submit" in actions_done
        assert app.assessment_id and app.declaration_text and app.profile_snapshot
        assert app.submitted_at.date() >= app.batch.opens_on - dt.timedelta(days=1)
    recognised = Application.objects.filter(state=ApplicationState.RECOGNISED)
    for app in recognised:
        assert [e.action for e in trail(app)][-1] == "cultivation.recognise"
        assert app.recognition.valid_until > app.recognition.valid_from
    assert Notification.objects.filter(enterprise__isnull=False).count() >= Application.objects.count()
    assert Notification.objects.filter(user__role__in=OFFICIAL_ROLES).exists()
    # Last year's recognitions carry last year's dates, in the audit trail too.
    old = Recognition.objects.filter(valid_from__year=TODAY.year - 1).first()
    assert old is not None
    assert trail(old.application).last().at.date().year == TODAY.year - 1


def test_recognitions_expiring_expired_revoked(demo):
    active = Recognition.objects.filter(status=RecognitionStatus.ACTIVE)
    soon = [r for r in active if TODAY <= r.valid_until <= TODAY + dt.timedelta(days=30)]
    assert len(soon) >= 2
    assert Recognition.objects.filter(status=RecognitionStatus.EXPIRED).exists()
    assert Recognition.objects.filter(status=RecognitionStatus.REVOKED).exists()
    rec = active.first()
    assert actions.verify_certificate(rec.verification_code) == rec
    assert rec.enterprise.profile["recognitions"]  # the action wrote the title into the profile


def test_evidence_files_are_real(demo):
    files = list(Evidence.objects.all())
    assert len(files) >= 2 * Application.objects.exclude(state=ApplicationState.DRAFT).count()
    kinds = collections.Counter(ev.content_type for ev in files)
    assert kinds["application/pdf"] and kinds["image/png"]
    for ev in files[:10]:
        with ev.file.open("rb") as fh:
            data = fh.read()
        assert len(data) == ev.size < 100_000
        assert (
            data.startswith(b"%PDF-") if ev.content_type == "application/pdf" else data.startswith(b"\x89PNG")
        )


def test_accounts_table(demo):
    table = format_accounts(demo_accounts())
    assert DEMO_PASSWORD in table
    for username in ("gov-national", "gov-zj", "gov-hz", "gov-xh", "gov-sc", "gov-cd", "svc-demo", "admin"):
        assert f"\n{username} " in table
    assert "公示中" in table and "已认定" in table
    for username in ("svc-sc", "svc-new", "lead-demo"):
        assert f"\n{username} " in table
    assert "想看什么，用哪个账户：" in table
    assert "链主企业：已发布需求 2 项" in table and "入驻申请待审核" in table
    assert "审核人 gov-hz；机构账户 svc-new" in table
    assert User.objects.get(username="svc-demo").check_password(DEMO_PASSWORD)
    assert User.objects.get(username="gov-hz").check_password(DEMO_PASSWORD)
    assert User.objects.get(username="ent-01").check_password(DEMO_PASSWORD)


def test_service_institutions_approved_and_pending(demo):
    approved = ServiceInstitution.objects.filter(state=InstitutionState.APPROVED)
    pending = ServiceInstitution.objects.filter(state=InstitutionState.PENDING)
    assert approved.count() >= 2 and pending.count() >= 1
    # The demo provider account acts for an approved, reviewed public agency; a province-level one too.
    svc = User.objects.get(username="svc-demo")
    mine = membership_of(svc).institution
    assert mine.state == InstitutionState.APPROVED and mine.name == svc.organisation
    assert mine.reviewed_by.username == "gov-hz"
    assert [e.action for e in trail(mine)] == [
        "services.institution_registered",
        "services.institution_approve",
    ]
    assert approved.filter(kind=InstitutionKind.PUBLIC_AGENCY, level="province").exists()
    # The pending market provider waits in an official's review queue, and nobody else sees its services.
    waiting = pending.get()
    assert waiting.kind == InstitutionKind.MARKET_PROVIDER
    hz = User.objects.get(username="gov-hz")
    assert ServiceInstitution.objects.filter(
        selectors.reviewable_q(hz), state=InstitutionState.PENDING
    ).exists()
    assert Notification.objects.filter(user=hz, title=f"服务机构“{waiting.name}”申请入驻，待您审核").exists()
    assert waiting.offerings.exists()
    assert not selectors.public_offerings().filter(institution=waiting).exists()
    # Offerings across categories and regions.
    public = selectors.public_offerings()
    assert len({o.category for o in public}) >= 6
    assert {t for o in public for t in o.region_tokens} >= {"3301", "51"}
    for inst in ServiceInstitution.objects.all():
        assert credit_code_problem(inst.credit_code) is None


def test_small_fast_light_precise_solutions(demo):
    solutions = Solution.objects.filter(institution__memberships__user__username="svc-demo")
    assert 6 <= solutions.count() <= 8
    assert {s.dimension for s in solutions} == set(Dimension.values)
    industries = set(Enterprise.objects.values_list("industry", flat=True))
    for s in solutions:
        assert any(t == "*" or any(i.startswith(t) for i in industries) for t in s.industry_tokens), s.title
    # A self-test's weakest dimension meets solutions for the firm's industry.
    assert any(suggest.suggestions(t) for t in DigitalSelfTest.objects.all())


def test_demands_answered_closed_and_overdue(demo):
    demands = list(Demand.objects.select_related("enterprise"))
    assert len(demands) >= 5
    overdue = [d for d in demands if selectors.is_overdue(d, TODAY)]
    assert len(overdue) == 1 and overdue[0].state == DemandState.OPEN
    in_time = [d for d in demands if d.first_response_at and not selectors.answered_late(d)]
    assert len(in_time) >= 3
    assert any(selectors.answered_late(d) for d in demands)  # one reply came late
    closed = [d for d in demands if d.state == DemandState.CLOSED]
    assert closed and all(1 <= d.rating <= 5 and d.comment for d in closed)
    for d in demands:
        actions_done = [e.action for e in trail(d)]
        assert actions_done[0] == "services.demand_posted"
        assert d.created_at.date() <= TODAY
        if d.first_response_at:
            assert "services.demand_answered" in actions_done
            assert Notification.objects.filter(
                enterprise=d.enterprise, title__startswith=f"您的诉求“{d.title}”有新回复"
            ).exists()
    # Answered by a routed provider and by an official of the enterprise's region.
    replies = DemandResponse.objects.select_related("demand__enterprise", "author")
    assert any(r.institution_id for r in replies) and any(r.institution_id is None for r in replies)
    for r in replies:
        if r.institution_id is None:
            assert enterprise_in_scope(r.author, r.demand.enterprise)


def test_digital_self_tests_at_several_levels_reach_the_profiles(demo):
    tests = DigitalSelfTest.objects.select_related("enterprise")
    latest = {}
    for t in tests.order_by("created_at", "pk"):
        latest[t.enterprise_id] = t
    assert len(latest) >= 10
    assert len({t.level for t in latest.values()}) >= 2
    assert len({tuple(t.weakest) for t in latest.values()}) >= 2
    assert tests.count() > len(latest)  # somebody has tested before: a history
    for t in latest.values():
        e = t.enterprise
        assert t.profile_applied_at and not t.apply_error
        assert e.profile["digital_level"] == t.level >= 1
        assert str(e.profile["digital_score"]) == str(t.total_score.normalize())
        actions_done = [a.action for a in trail(t)]
        assert actions_done == ["digital.self_test_submitted", "digital.self_test_applied"]


def test_clusters_with_members(demo):
    clusters = list(Cluster.objects.all())
    assert {c.level for c in clusters} == {"national", "provincial"}
    provincial = {c.region_code[:2] for c in clusters if c.level == "provincial"}
    assert provincial == {"33", "51"}
    for c in clusters:
        members = list(c.memberships.select_related("enterprise"))
        assert len(members) >= 3
        assert sum(m.role == MemberRole.LEADING for m in members) == 1
        assert all(m.enterprise.region[:2] == c.region_code[:2] for m in members)
        assert trail(c).first().action == "clusters.create"
        for m in members:
            assert Notification.objects.filter(
                enterprise=m.enterprise, title__contains=f"产业集群“{c.name}”"
            ).exists()


def test_chain_leader_needs_and_a_shortlisted_response(demo):
    leader_user = User.objects.get(username="lead-demo")
    leader = leader_user.enterprise
    assert leaders.is_leader(leader)
    assert LeaderFlag.objects.get(enterprise=leader).flagged_by.username == "gov-zj"
    latest = Assessment.objects.filter(enterprise=leader).latest("created_at")
    assert latest.result["zh"]["size"]["class"] == "large"
    needs = Need.objects.filter(leader=leader)
    assert needs.count() == 2 and all(n.state == NeedState.OPEN and n.deadline > TODAY for n in needs)
    responses = NeedResponse.objects.filter(need__leader=leader).select_related("enterprise")
    assert 2 <= responses.count() <= 3
    short = responses.get(state=ResponseState.SHORTLISTED)
    assert Notification.objects.filter(
        enterprise=short.enterprise, title=f"贵企业对需求“{short.need.title}”的响应已入围"
    ).exists()
    assert EnterpriseCapability.objects.exclude(text="").count() >= 10


def test_policy_catalogue_is_loaded(demo):
    assert Policy.objects.exists()
    assert "政策库：导入" in demo["log"]


def test_loading_again_changes_nothing(demo):
    before = counts()
    assert load_demo(today=TODAY, log=lambda *_: None) is None
    call_command("load_demo", "--today", TODAY.isoformat())
    assert counts() == before


def test_reset_refuses_when_accounts_were_made_after_the_demo(demo):
    """An install that once loaded the demo and then got a real administrator (createsuperuser) or a registered
    enterprise: --reset would wipe them with the demo. It refuses, naming them, unless --force."""
    from django.core.management.base import CommandError

    User.objects.create_superuser("city-admin", password="a-long-enough-password-2026")
    before = counts()
    with pytest.raises(CommandError, match="演示数据加载之后又建了账户（city-admin）"):
        call_command("load_demo", "--reset", "--today", TODAY.isoformat())
    assert counts() == before and User.objects.filter(username="city-admin").exists()
    User.objects.filter(username="city-admin").delete()


def test_reset_rebuilds_the_same_demo(demo):
    """Last in the module: --reset replaces the files the earlier tests read."""
    names = list(
        Enterprise.objects.order_by("credit_code").values_list("name", "credit_code", "region", "industry")
    )
    inst = list(ServiceInstitution.objects.order_by("credit_code").values_list("credit_code", "state"))
    demands = sorted(Demand.objects.values_list("title", "state", "rating"))
    tests = sorted(DigitalSelfTest.objects.values_list("enterprise__credit_code", "total_score", "level"))
    before = counts()
    call_command("load_demo", "--reset", "--today", TODAY.isoformat())
    after = list(
        Enterprise.objects.order_by("credit_code").values_list("name", "credit_code", "region", "industry")
    )
    assert after == names
    # The newer apps come out the same too: same institutions, demand outcomes and self-test scores.
    assert (
        list(ServiceInstitution.objects.order_by("credit_code").values_list("credit_code", "state")) == inst
    )
    assert sorted(Demand.objects.values_list("title", "state", "rating")) == demands
    assert tests == sorted(
        DigitalSelfTest.objects.values_list("enterprise__credit_code", "total_score", "level")
    )
    assert {k: v for k, v in counts().items() if k != "Notification"} == {
        k: v for k, v in before.items() if k != "Notification"
    }
