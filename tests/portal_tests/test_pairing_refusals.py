"""Pairing as QA found it: who may withdraw a 链主 mark, refused forms keeping what was typed, the hidden
version field, edits that change nothing, and fixing an open need whose deadline has passed.

A leader in 余杭 (330110) marked 链主 by the province, and an SME in the same county.
"""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.accounts.roles import Role
from portal.actions import NotAllowed
from portal.audit.models import AuditEntry
from portal.pairing import actions
from portal.pairing.models import LeaderFlag, Need, NeedResponse

from .factories import example_profile, make_enterprise, make_user

pytestmark = pytest.mark.django_db

NEED = {
    "kind": "supply",
    "title": "液压阀块配套供应",
    "description": "为挖掘机液压系统寻找阀块供应商，年需求 2000 件。",
    "industry_codes": "C34",
    "regions": "",
    "titles": [],
}


def text_of(resp) -> str:
    return resp.content.decode("utf-8")


@pytest.fixture
def world(gov, django_capture_on_commit_callbacks):
    doc = copy.deepcopy(example_profile())
    leader = make_enterprise("杭州余杭液压集团有限公司", "330110", "91330110TESTL0001", doc)
    sme = make_enterprise("杭州余杭阀门有限公司", "330110", "91330110TESTS0002", copy.deepcopy(doc))
    county_led = make_enterprise("杭州余杭电机有限公司", "330110", "91330110TESTL0003", copy.deepcopy(doc))
    with django_capture_on_commit_callbacks(execute=True):
        flag = actions.flag_leader(gov["zj_province"], leader, "列入浙江省链主企业名单")
        county_flag = actions.flag_leader(gov["yh_county"], county_led, "列入余杭区链主企业名单")
    leader_user = make_user("leader-yh", Role.ENTERPRISE, enterprise=leader)
    need = actions.publish_need(leader_user, {**NEED, "deadline": timezone.localdate() + dt.timedelta(30)})
    return {
        "leader": leader,
        "leader_user": leader_user,
        "sme_user": make_user("sme-yh", Role.ENTERPRISE, enterprise=sme),
        "flag": flag,
        "county_flag": county_flag,
        "need": need,
    }


# ------------------------------------------------------------------------------ 2. withdrawing a 链主 mark


def test_county_cannot_withdraw_a_mark_the_province_set(client, gov, world):
    flag = world["flag"]
    client.force_login(gov["yh_county"])
    page = text_of(
        client.post(
            reverse("pairing:unflag", args=[flag.pk]),
            {"note": "企业规模下降", "expected_version": flag.version},
            follow=True,
        )
    )
    assert (
        "县级主管部门不能取消企业“杭州余杭液压集团有限公司”的链主标记：该标记由省级主管部门设置，"
        "只能由设置层级或更高层级的主管部门取消；如需取消请联系该部门。"
    ) in page
    flag.refresh_from_db()
    assert flag.active
    with pytest.raises(NotAllowed, match="该标记由省级主管部门设置"):
        actions.unflag_leader(gov["hz_city"], flag, "理由", flag.version)
    # The overview says who set each mark and offers to withdraw only what the official may.
    page = text_of(client.get(reverse("pairing:overview")))
    assert "由省级主管部门标记" in page and "由县级主管部门标记" in page
    assert page.count("确认取消") == 1
    # The province may; so may the city for a mark the county set.
    actions.unflag_leader(gov["zj_province"], flag, "企业规模下降", flag.version)
    county_flag = world["county_flag"]
    actions.unflag_leader(gov["hz_city"], county_flag, "不再列入名单", county_flag.version)
    flag.refresh_from_db()
    county_flag.refresh_from_db()
    assert not flag.active and not county_flag.active


# ------------------------------------------------------------------------------ 5. refused forms keep the text


def test_too_long_proposal_is_named_and_kept(client, world):
    need = world["need"]
    proposal = "可提供液压阀块，" + "详" * 2492
    assert len(proposal) == 2500
    client.force_login(world["sme_user"])
    resp = client.post(reverse("pairing:respond", args=[need.pk]), {"proposal": proposal})
    page = text_of(resp)
    assert resp.status_code == 200
    assert "请填写响应方案" not in page
    assert "对需求“液压阀块配套供应”的响应方案不能超过 2000 个字（现有 2500 个字），请删减后再提交。" in page
    assert proposal in page
    assert not NeedResponse.objects.exists()


def test_too_long_leader_reason_is_named_and_kept(client, gov, world):
    reason = "列入名单：" + "理" * 2100
    client.force_login(gov["yh_county"])
    resp = client.post(reverse("pairing:flag"), {"enterprise": "91330110TESTS0002", "reason": reason})
    page = text_of(resp)
    assert resp.status_code == 200
    assert "请填写标记为链主的理由" not in page
    assert "标记理由不能超过 2000 个字" in page
    assert reason in page and 'value="91330110TESTS0002"' in page
    assert not LeaderFlag.objects.filter(enterprise__credit_code="91330110TESTS0002").exists()


# ------------------------------------------------------------------------------ 6. the hidden version field


@pytest.mark.parametrize("version", ["abc", None])
def test_need_edit_without_a_good_version_is_refused(client, world, version):
    need = world["need"]
    client.force_login(world["leader_user"])
    data = {**NEED, "title": "液压阀块及油缸配套供应", "deadline": need.deadline.isoformat()}
    if version is not None:
        data["expected_version"] = version
    page = text_of(client.post(reverse("pairing:edit_need", args=[need.pk]), data))
    assert "invalid literal" not in page
    assert "需求“液压阀块配套供应”的修改未保存：页面缺少版本信息，请刷新页面后重新修改。" in page
    assert 'value="液压阀块及油缸配套供应"' in page
    need.refresh_from_db()
    assert need.title == "液压阀块配套供应"


def test_need_edit_that_changes_nothing_writes_nothing(client, world):
    need = world["need"]
    before = (need.version, AuditEntry.objects.count())
    client.force_login(world["leader_user"])
    data = {**NEED, "deadline": need.deadline.isoformat(), "expected_version": need.version}
    page = text_of(client.post(reverse("pairing:edit_need", args=[need.pk]), data, follow=True))
    assert "需求“液压阀块配套供应”没有修改，无需保存。" in page
    need.refresh_from_db()
    assert (need.version, AuditEntry.objects.count()) == before


# ------------------------------------------------------------------------------ 8. a need whose deadline has passed


def test_typo_fixed_in_an_open_need_past_its_deadline(client, world):
    need = world["need"]
    past = timezone.localdate() - dt.timedelta(days=3)
    Need.objects.filter(pk=need.pk).update(deadline=past)
    need.refresh_from_db()
    client.force_login(world["leader_user"])
    data = {
        **NEED,
        "title": "液压阀块配套供应（更正）",
        "deadline": past.isoformat(),
        "expected_version": need.version,
    }
    page = text_of(client.post(reverse("pairing:edit_need", args=[need.pk]), data, follow=True))
    assert "已保存需求“液压阀块配套供应（更正）”。" in page
    need.refresh_from_db()
    assert (need.title, need.deadline) == ("液压阀块配套供应（更正）", past)
    # Moving it to another past day is still refused.
    data = {**data, "deadline": (past - dt.timedelta(days=1)).isoformat(), "expected_version": need.version}
    page = text_of(client.post(reverse("pairing:edit_need", args=[need.pk]), data))
    assert "响应截止日期不能早于今天" in page


def test_too_long_decline_note_is_named_and_kept(client, world):
    need = world["need"]
    resp = actions.respond(world["sme_user"], need, "可提供液压阀块。")
    note = "暂不需要：" + "因" * 2100
    client.force_login(world["leader_user"])
    page = text_of(
        client.post(
            reverse("pairing:decline", args=[resp.pk]), {"note": note, "expected_version": resp.version}
        )
    )
    assert "页面已过期" not in page
    assert "说明不能超过 2000 个字。" in page
    assert note in page
    resp.refresh_from_db()
    assert resp.state == "submitted"
