"""Inbox notifications are shown in the reader's language, whatever language the actor worked in.

An official whose pages are in English adds an enterprise to a cluster and later removes it with a
reason typed in Chinese; the enterprise's user reads the inbox in Chinese and in English and sees
each in its own language, the cluster's name and the reason verbatim. Numbers are formatted for the
language, labels (a member role, a tier) are translated when shown, and rows written before
notifications carried a message still show their stored text.
"""

from __future__ import annotations

import ast
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from portal.accounts.roles import Role
from portal.clusters import actions as cluster_actions
from portal.clusters.models import ClusterMembership
from portal.cultivation.models import Tier
from portal.inbox.message import Lines, label, load, msg, render
from portal.inbox.models import Notification
from portal.inbox.send import notify_user

from .factories import make_enterprise, make_user

pytestmark = pytest.mark.django_db

CLUSTER = {
    "name": "西湖区精密传动产业集群",
    "level": "provincial",
    "year_recognised": "2024",
    "region_code": "330106",
    "industry_code": "C34",
    "industry_text": "精密减速器及传动部件",
    "operator_name": "西湖区精密传动产业联盟",
    "operator_contact": "0571-88886666",
    "description": "以精密减速器为主导的县域特色产业集群。",
}
ADDED_ZH = "贵企业已列为产业集群“西湖区精密传动产业集群”的龙头企业"
ADDED_EN = (
    "Your enterprise is now listed in the industrial cluster “西湖区精密传动产业集群” as: Leading enterprise"
)
REMOVED_ZH = "贵企业已移出产业集群“西湖区精密传动产业集群”"
REMOVED_EN = "Your enterprise has been removed from the industrial cluster “西湖区精密传动产业集群”"


def _client(user, language: str | None) -> Client:
    client = Client()
    client.force_login(user)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _inbox(user, language: str | None) -> str:
    resp = _client(user, language).get(reverse("inbox:index"))
    assert resp.status_code == 200
    return resp.content.decode("utf-8")


@pytest.fixture
def enterprise_user():
    ent = make_enterprise("杭州己减速机有限公司", "330106", "91330106TESTG0007")
    return make_user("ent-g", Role.ENTERPRISE, enterprise=ent, full_name="总经理 吴")


def test_official_in_english_enterprise_reads_in_chinese_and_in_english(
    gov, enterprise_user, django_capture_on_commit_callbacks
):
    ent = enterprise_user.enterprise
    official = _client(gov["zj_province"], "en")
    cluster = cluster_actions.create_cluster(gov["zj_province"], CLUSTER)
    with django_capture_on_commit_callbacks(execute=True):
        resp = official.post(
            reverse("clusters:add_member", args=[cluster.pk]),
            {"enterprise": ent.credit_code, "role": "leading", "joined": "2025-03-01", "expected_version": 1},
            follow=True,
        )
    assert resp.status_code == 200
    assert resp.wsgi_request.LANGUAGE_CODE == "en"  # the official worked in English
    member = ClusterMembership.objects.get(enterprise=ent)
    cluster.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        official.post(
            reverse("clusters:remove_member", args=[cluster.pk, member.pk]),
            {"reason": "企业迁出本县", "expected_version": cluster.version},
            follow=True,
        )
    assert not ClusterMembership.objects.filter(enterprise=ent).exists()

    # Stored: the Chinese text (admin, search) and what renders it in any language.
    added = Notification.objects.get(enterprise=ent, title__startswith="贵企业已列为")
    assert added.title == ADDED_ZH
    assert added.body == "省级中小企业特色产业集群，运营管理机构：西湖区精密传动产业联盟。"
    assert added.message["title"]["params"]["role"] == {"label": "龙头企业"}
    assert added.message["title"]["params"]["cluster"] == {"text": "西湖区精密传动产业集群"}

    chinese = _inbox(enterprise_user, None)
    assert ADDED_ZH in chinese and REMOVED_ZH in chinese
    assert "省级中小企业特色产业集群，运营管理机构：西湖区精密传动产业联盟。" in chinese
    assert "理由：企业迁出本县" in chinese
    assert "Your enterprise" not in chinese

    english = _inbox(enterprise_user, "en")
    assert ADDED_EN in english and REMOVED_EN in english
    assert (
        "Provincial SME characteristic industrial cluster; operating organisation: 西湖区精密传动产业联盟."
        in english
    )
    assert "Reason: 企业迁出本县" in english  # what the official typed is shown as typed
    assert "贵企业" not in english and "理由：" not in english


def test_an_action_under_an_english_page_stores_chinese_and_renders_per_reader(
    gov, enterprise_user, django_capture_on_commit_callbacks
):
    ent = enterprise_user.enterprise
    cluster = cluster_actions.create_cluster(gov["zj_province"], CLUSTER)
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        cluster_actions.add_member(gov["zj_province"], cluster, ent, role="supporting", expected_version=1)
    note = Notification.objects.get(enterprise=ent)
    assert note.title == "贵企业已列为产业集群“西湖区精密传动产业集群”的配套企业"
    with translation.override("zh-hans"):
        assert note.shown_title == note.title
    with translation.override("en"):
        assert note.shown_title.endswith("as: Supporting enterprise")
        assert note.shown_body.startswith("Provincial SME")


def test_numbers_are_formatted_for_the_reader(gov, django_capture_on_commit_callbacks):
    official = gov["zj_province"]
    text = msg("共筛查 %(rows)s 行，得到 %(kept)s 家候选企业。", rows=12345, kept=1234)
    assert (
        text.render("zh-hans") == "共筛查 12,345 行，得到 1,234 家候选企业。"
    )  # as the page wrote it before
    assert text.render("en") == "Screened 12,345 rows and found 1,234 candidate enterprises."
    amount = msg("%(n)s", n=Decimal("1234567.5"))
    assert amount.render("en") == "1,234,567.5"
    assert amount.render("de") == "1.234.567,5"  # another locale's separators, from Django's formats
    with django_capture_on_commit_callbacks(execute=True):
        notify_user(official, msg("主动发现筛查已完成：%(name)s", name="名录.csv"), text)
    assert "Screened 12,345 rows and found 1,234 candidate enterprises." in _inbox(official, "en")
    assert "共筛查 12,345 行，得到 1,234 家候选企业。" in _inbox(official, None)


def test_a_notification_from_before_messages_still_shows(enterprise_user):
    Notification.objects.create(
        enterprise=enterprise_user.enterprise, title="旧的站内信标题", body="旧的内容\n第二行"
    )
    for language in (None, "en"):
        page = _inbox(enterprise_user, language)
        assert "旧的站内信标题" in page
        assert "旧的内容<br>第二行" in page


def test_a_label_parameter_is_stored_as_its_msgid_and_translated_when_shown(
    enterprise_user, django_capture_on_commit_callbacks
):
    with translation.override("en"):  # the actor's language does not matter
        tier = label(Tier("innovative").label)
    assert tier.msgid == "创新型中小企业"
    title = msg("申报已提交：%(tier)s", tier=tier)
    body = Lines((msg("自评结果：符合"), "企业自填的说明"))
    with django_capture_on_commit_callbacks(execute=True):
        notify_user(enterprise_user, title, body)
    note = Notification.objects.get(user=enterprise_user)
    assert (note.title, note.body) == ("申报已提交：创新型中小企业", "自评结果：符合\n企业自填的说明")
    assert render(load(note.message["title"]), "en") == "Application submitted: Innovative SME"
    assert render(load(note.message["body"]), "en") == "Self-assessment: eligible\n企业自填的说明"
    page = _inbox(enterprise_user, "en")
    assert "Application submitted: Innovative SME" in page


def test_a_message_refuses_a_lazy_label_passed_as_text():
    from portal.clusters.models import MemberRole

    with pytest.raises(TypeError, match="label"):
        msg("贵企业已列为产业集群“%(cluster)s”的%(role)s", cluster="甲", role=MemberRole.LEADING.label)
    with pytest.raises(TypeError):
        msg("%(day)s", day=None)
    assert msg("%(day)s", day=dt.date(2026, 1, 2)).render("en") == "2026-01-02"


# Every call of the notify functions passes messages: no f-string formats a notification at the action.
NOTIFY_CALLS = {
    "notify_enterprise",
    "notify_user",
    "_notify",
    "_notify_officials",
    "_notify_members",
    "_announce",
    "_decide",
}


def test_no_call_site_formats_notification_text_with_an_f_string():
    portal = Path(__file__).resolve().parents[2] / "src" / "portal"
    found = []
    for path in portal.rglob("*.py"):
        if "migrations" in path.parts or "demo" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name in NOTIFY_CALLS and any(isinstance(a, ast.JoinedStr) for a in node.args):
                    found.append(f"{path.relative_to(portal)}:{node.lineno}")
    assert not found, found
