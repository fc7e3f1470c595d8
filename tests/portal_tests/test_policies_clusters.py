"""Cluster membership as a policy condition: read from the cluster registry (ClusterMembership),
never from the profile; the same answers one enterprise at a time and in batch; a membership
added through portal.clusters.actions pushes the policy once, and so does a whole cluster revoked
or reinstated (one background job for all members); the builder offers the official's clusters by name.

transaction=True where pushes matter: they are queued on commit.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from portal.actions import InvalidInput
from portal.assessments import engine
from portal.clusters import actions as clusters
from portal.clusters.models import ClusterMembership, ClusterState
from portal.enterprises.models import Enterprise
from portal.inbox.models import Notification
from portal.policies import actions, matching
from portal.policies.models import Policy, PushRecord

from .factories import PASSWORD, make_enterprise
from .test_cultivation_helpers import credit_code
from .test_policies import policy_data, published

YUHANG = "杭州市余杭区新能源汽车关键零部件产业集群"
BINJIANG = "杭州市滨江区智能传感与光电产业集群"
CHENGDU = "成都市武侯区智能控制与精密装备产业集群"
MEMBERS_ONLY = [{"fact": "cluster", "op": "in", "value": [YUHANG]}]


def register(official, name: str, level: str, region: str):
    return clusters.create_cluster(
        official,
        {
            "name": name,
            "level": level,
            "year_recognised": "2024",
            "region_code": region,
            "industry_code": "C34",
            "industry_text": "精密传动部件",
            "operator_name": f"{name}运营管理机构",
        },
    )


def join(official, cluster, enterprise):
    cluster.refresh_from_db()
    return clusters.add_member(official, cluster, enterprise, expected_version=cluster.version)


@pytest.fixture
def yuhang(gov):
    return register(gov["national"], YUHANG, "national", "330110")


@pytest.fixture
def member(gov, yuhang):
    ent = make_enterprise("杭州余杭传动科技有限公司", "330110", credit_code=credit_code("91330110MA2C3D4E5"))
    join(gov["national"], yuhang, ent)
    return ent


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def policy_pushes(enterprise) -> list[str]:
    return list(
        Notification.objects.filter(enterprise=enterprise, title__startswith="新政策匹配：").values_list(
            "title", flat=True
        )
    )


@pytest.mark.django_db(transaction=True)
def test_members_fit_non_members_do_not_and_joining_pushes_exactly_once(
    client, gov, yuhang, member, hz_enterprise, hz_owner
):
    policy = published(gov["hz_city"], title=f"集群成员：{YUHANG}企业奖励", conditions=MEMBERS_ONLY)
    title = f"新政策匹配：{policy.title}"
    # the member fits and heard of it when the policy was published; the non-member does not fit —
    # it is known to be in no cluster, so the answer is “no”, not “cannot tell”
    assert policy_pushes(member) == [title]
    assert [(m.policy, m.state) for m in matching.matches_for(member)] == [(policy, True)]
    assert [(m.policy, m.state) for m in matching.matches_for(hz_enterprise)] == [(policy, False)]
    why = login(client, hz_owner).get(reverse("policies:why", args=[policy.pk])).content.decode()
    assert "✗ 不满足" in why and "? 无法判断" not in why
    assert "未加入任何产业集群" in why
    assert f"尚未列为产业集群“{YUHANG}”的成员企业（成员由集群的认定部门登记）" in why
    assert policy_pushes(hz_enterprise) == []

    # the national official lists the enterprise as a member: it now fits and is told once
    membership = join(gov["national"], yuhang, hz_enterprise)
    assert [(m.policy, m.state) for m in matching.matches_for(hz_enterprise)] == [(policy, True)]
    assert policy_pushes(hz_enterprise) == [title]
    assert list(PushRecord.objects.filter(enterprise=hz_enterprise).values_list("trigger", flat=True)) == [
        "profile_changed"
    ]
    why = client.get(reverse("policies:why", args=[policy.pk])).content.decode()
    assert "✓ 满足" in why and f"“{YUHANG}”" in why

    # taken off and listed again: the facts follow the registry, the push is not repeated
    yuhang.refresh_from_db()
    clusters.remove_member(gov["national"], membership, "登记有误", expected_version=yuhang.version)
    assert [m.state for m in matching.matches_for(hz_enterprise)] == [False]
    join(gov["national"], yuhang, hz_enterprise)
    assert [m.state for m in matching.matches_for(hz_enterprise)] == [True]
    assert policy_pushes(hz_enterprise) == [title]
    assert PushRecord.objects.filter(policy=policy).count() == 2


@pytest.mark.django_db(transaction=True)
def test_leaving_a_cluster_can_make_a_non_member_policy_fit_and_is_pushed(gov, yuhang, member):
    policy = published(
        gov["hz_city"],
        title="非集群企业培育奖励",
        conditions=[{"fact": "cluster", "op": "not in", "value": [YUHANG]}],
    )
    assert policy_pushes(member) == []
    yuhang.refresh_from_db()
    clusters.remove_member(
        gov["national"], ClusterMembership.objects.get(enterprise=member), "退出集群", yuhang.version
    )
    assert policy_pushes(member) == [f"新政策匹配：{policy.title}"]


def set_state(official, cluster, state, reason):
    cluster.refresh_from_db()
    return clusters.set_state(official, cluster, state, reason, cluster.version)


@pytest.mark.django_db(transaction=True)
def test_revoking_and_reinstating_a_cluster_pushes_to_its_members_once(gov, yuhang, member, hz_enterprise):
    other = make_enterprise("杭州余杭电驱有限公司", "330110", credit_code=credit_code("91330110MA2C3D4F1"))
    join(gov["national"], yuhang, other)
    outsider = make_enterprise("杭州西湖机械有限公司", "330106", credit_code=credit_code("91330106MA2C3D4F2"))
    members_only = published(gov["hz_city"], title=f"集群成员：{YUHANG}企业奖励", conditions=MEMBERS_ONLY)
    non_members = published(
        gov["hz_city"],
        title="非集群企业培育奖励",
        conditions=[{"fact": "cluster", "op": "not in", "value": [YUHANG]}],
    )
    to_members, to_others = f"新政策匹配：{members_only.title}", f"新政策匹配：{non_members.title}"
    assert [policy_pushes(e) for e in (member, other, outsider)] == [[to_members], [to_members], [to_others]]

    # revoked: the members are members of nothing, so the “not members of …” policy now fits them
    set_state(gov["national"], yuhang, ClusterState.REVOKED, "复核未通过")
    for ent in (member, other):
        assert {m.policy: m.state for m in matching.matches_for(ent)} == {
            members_only: False,
            non_members: True,
        }
        assert sorted(policy_pushes(ent)) == sorted([to_members, to_others])
    assert policy_pushes(outsider) == [to_others] and policy_pushes(hz_enterprise) == [to_others]

    # a policy published while the cluster is revoked reaches no member …
    later = published(gov["hz_city"], title=f"集群成员：{YUHANG}技改补助", conditions=MEMBERS_ONLY)
    assert PushRecord.objects.filter(policy=later).count() == 0
    # … until it is reinstated: each member hears of it exactly once, nobody else does
    set_state(gov["national"], yuhang, ClusterState.ACTIVE, "整改完成，恢复认定")
    to_later = f"新政策匹配：{later.title}"
    for ent in (member, other):
        assert {m.policy: m.state for m in matching.matches_for(ent)} == {
            members_only: True,
            later: True,
            non_members: False,
        }
        assert policy_pushes(ent).count(to_later) == 1
    assert sorted(
        PushRecord.objects.filter(policy=later).values_list("enterprise__name", "trigger")
    ) == sorted([(member.name, "cluster_state"), (other.name, "cluster_state")])

    # another revoke / reinstate cycle changes eligibility again but pushes nothing twice
    messages = Notification.objects.count()
    set_state(gov["national"], yuhang, ClusterState.REVOKED, "再次复核未通过")
    set_state(gov["national"], yuhang, ClusterState.ACTIVE, "再次恢复")
    assert Notification.objects.count() == messages
    assert [m.state for m in matching.matches_for(member) if m.policy == later] == [True]


@pytest.mark.django_db(transaction=True)
def test_revoking_a_cluster_queues_one_job_that_the_db_worker_runs(gov, yuhang, member, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    others = [
        make_enterprise(
            f"杭州余杭配套{i}号有限公司", "330110", credit_code=credit_code(f"91330110MA2C3D5F{i}")
        )
        for i in range(3)
    ]
    for ent in others:
        join(gov["national"], yuhang, ent)
    policy = published(
        gov["hz_city"],
        title="非集群企业培育奖励",
        conditions=[{"fact": "cluster", "op": "not in", "value": [YUHANG]}],
    )
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)
    assert PushRecord.objects.filter(policy=policy).count() == 0
    DBTaskResult.objects.all().delete()

    set_state(gov["national"], yuhang, ClusterState.REVOKED, "复核未通过")
    queued = list(DBTaskResult.objects.values_list("task_path", "status"))
    assert queued == [("portal.policies.tasks.push_cluster_members", "READY")]  # one job, not one per member
    assert policy_pushes(member) == []  # nothing is sent inside the official's request

    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert DBTaskResult.objects.get().return_value == 4
    for ent in [member, *others]:
        assert policy_pushes(ent) == [f"新政策匹配：{policy.title}"]


@pytest.mark.django_db
def test_batch_matching_agrees_with_one_enterprise_at_a_time_on_memberships(gov, yuhang, member):
    binjiang = register(gov["zj_province"], BINJIANG, "provincial", "330108")
    both = make_enterprise("杭州两集群精密有限公司", "330108", credit_code=credit_code("91330108MA2C3D4E6"))
    only_b = make_enterprise("杭州滨江传感有限公司", "330108", credit_code=credit_code("91330108MA2C3D4E7"))
    nobody = make_enterprise("杭州无集群机械有限公司", "330106", credit_code=credit_code("91330106MA2C3D4E8"))
    revoked_member = make_enterprise(
        "杭州撤销集群成员有限公司", "330110", credit_code=credit_code("91330110MA2C3D4E9")
    )
    join(gov["national"], yuhang, both)
    join(gov["zj_province"], binjiang, both)
    join(gov["zj_province"], binjiang, only_b)
    gone = register(gov["zj_province"], "杭州市已撤销产业集群", "provincial", "330110")
    join(gov["zj_province"], gone, revoked_member)
    clusters.set_state(gov["zj_province"], gone, ClusterState.REVOKED, "复核未通过", gone.version)
    condition_sets = {
        "yuhang": MEMBERS_ONLY,
        "either": [{"fact": "cluster", "op": "in", "value": [YUHANG, BINJIANG]}],
        "both": [
            {"fact": "cluster", "op": "in", "value": [YUHANG]},
            {"fact": "cluster", "op": "in", "value": [BINJIANG]},
        ],
        "not_yuhang": [{"fact": "cluster", "op": "not in", "value": [YUHANG]}],
        "revoked": [{"fact": "cluster", "op": "in", "value": ["杭州市已撤销产业集群"]}],
        "expr": [{"expr": f'cluster == "{BINJIANG}" or international_market_share >= 10%'}],
    }
    checked = {
        key: engine.policy_check(conditions, issuer_region="3301", as_of=matching.today())
        for key, conditions in condition_sets.items()
    }
    ents = list(Enterprise.objects.order_by("pk"))
    with CaptureQueriesContext(connection) as queries:
        found = matching.memberships(e.pk for e in ents)
    assert len(queries) == 1  # one query for every enterprise
    assert found == {member.pk: (YUHANG,), both.pk: (YUHANG, BINJIANG), only_b.pk: (BINJIANG,)}
    kept, batch = matching.evaluate_many(checked, Enterprise.objects.all())
    single = {
        key: [engine.policy_decide(ch, engine.policy_context(matching.facts(e))) for e in kept]
        for key, ch in checked.items()
    }
    assert batch == single
    by_name = {e.pk: i for i, e in enumerate(kept)}
    assert [batch["yuhang"][by_name[e.pk]] for e in (member, both, only_b, nobody, revoked_member)] == [
        True,
        True,
        False,
        False,
        False,  # a revoked cluster is no membership
    ]
    assert batch["both"][by_name[both.pk]] is True and batch["both"][by_name[member.pk]] is False
    assert batch["revoked"] == [False] * len(kept)
    assert batch["expr"][by_name[only_b.pk]] is True and batch["expr"][by_name[nobody.pk]] is None
    assert set(batch["not_yuhang"]) == {True, False}


@pytest.mark.django_db
def test_builder_offers_only_the_officials_clusters_by_name(client, gov, yuhang):
    register(gov["zj_province"], BINJIANG, "provincial", "330108")
    register(gov["sc_province"], CHENGDU, "provincial", "510107")
    gone = register(gov["zj_province"], "杭州市已撤销产业集群", "provincial", "330110")
    clusters.set_state(gov["zj_province"], gone, ClusterState.REVOKED, "复核未通过", gone.version)
    login(client, gov["hz_city"])
    row = client.post(
        reverse("policies:condition_row"), {"row": "0", "cond_fact": "cluster", "cond_op": ">="}
    )
    html = row.content.decode()
    assert f'name="cond_cluster_0" value="{YUHANG}"' in html and f"{YUHANG}（国家级）" in html
    assert f'name="cond_cluster_0" value="{BINJIANG}"' in html and f"{BINJIANG}（省级）" in html
    assert CHENGDU not in html and "杭州市已撤销产业集群" not in html  # another province; revoked
    assert 'name="cond_value" id=' not in html  # no free text for clusters
    assert '<option value="in" selected>' in html and '<option value=">="' not in html
    # a county official sees only the clusters of their county: none here
    assert (
        "您的辖区内尚无已登记的产业集群"
        in login(client, gov["xh_county"])
        .post(reverse("policies:condition_row"), {"row": "0", "cond_fact": "cluster"})
        .content.decode()
    )

    # the city official ticks the Yuhang cluster and saves; the edit page ticks it again
    login(client, gov["hz_city"])
    form = {
        "title": "余杭新能源汽车零部件集群奖励",
        "department": "杭州市经信局",
        "benefit_type": "reward",
        "benefit_basis": "cap",
        "benefit_amount_wan": "50",
        "grade": "A",
        "cond_fact": ["cluster", ""],
        "cond_year": ["y0", "y0"],
        "cond_op": ["in", ">="],
        "cond_value": ["", ""],
        "cond_expr": ["", ""],
        "cond_label": ["", ""],
        "cond_cluster_0": [YUHANG],
    }
    missing = client.post(reverse("policies:new"), {**form, "cond_cluster_0": []}).content.decode()
    assert "条件 1：请至少勾选一个产业集群" in missing
    response = client.post(reverse("policies:new"), form)
    policy = Policy.objects.get(title="余杭新能源汽车零部件集群奖励")
    assert response.status_code == 302
    assert policy.conditions == MEMBERS_ONLY
    assert policy.expression == f'(region_city in ("3301",)) and (cluster in ("{YUHANG}",))'
    edit = client.get(reverse("policies:edit", args=[policy.pk])).content.decode()
    assert f'name="cond_cluster_0" value="{YUHANG}" checked' in edit
    assert f'name="cond_cluster_0" value="{BINJIANG}">' in edit
    detail = client.get(reverse("policies:detail", args=[policy.pk])).content.decode()
    assert f"为产业集群“{YUHANG}”的成员企业" in detail


@pytest.mark.django_db
def test_saving_refuses_clusters_outside_the_registry_or_the_officials_area(gov, yuhang):
    register(gov["sc_province"], CHENGDU, "provincial", "510107")
    with pytest.raises(InvalidInput) as err:
        actions.save_policy(
            gov["hz_city"],
            policy_data(
                conditions=[
                    {"fact": "cluster", "op": "in", "value": [CHENGDU]},
                    {"expr": 'cluster == "杭州市智能装备产业集群"'},
                ]
            ),
        )
    assert err.value.problems == [
        (
            "conditions",
            f"条件 1（为产业集群“{CHENGDU}”的成员企业）：产业集群“{CHENGDU}”不在您的管辖范围内，"
            "请从本地区的集群名录中选择",
        ),
        (
            "conditions",
            '条件 2（cluster == "杭州市智能装备产业集群"）：产业集群“杭州市智能装备产业集群”'
            "未在集群名录中登记（名称须与名录完全一致），请从名录中选择",
        ),
    ]
    assert not Policy.objects.exists()
    # the Yuhang county official sees the cluster of their county
    actions.save_policy(gov["yh_county"], policy_data(conditions=MEMBERS_ONLY))
