"""The officials' exchange pages: who may open them, what each official sees (their region only),
and the buttons (recommend upward, sync now) doing exactly what the actions allow.

Covers every `exchange:` URL name for the permission matrix (test_permission_matrix.py).
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import transaction
from django.urls import reverse

from portal.accounts.roles import Role
from portal.cultivation.models import Application
from portal.exchange.models import FeedEntry, Forwarded, Peer
from portal.exchange.receive import receive

from .factories import make_user, officials
from .test_cultivation_helpers import credit_code, media, open_batch, submitted  # noqa: F401
from .test_exchange_helpers import as_node, foreign_application, register, signed  # noqa: F401

pytestmark = pytest.mark.django_db

PAGES = ("exchange:index", "exchange:forward_list", "exchange:received", "exchange:quarantine")
MIRROR = "杭州远舟智能装备有限公司"


def page(client, user, name, *args):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client.get(reverse(name, args=args))


@pytest.fixture
def city(as_node, hz_enterprise):  # noqa: F811
    """杭州's installation holding a copy received from 西湖区 and one quarantined record."""
    gov = officials()
    me = as_node("city", "330100")
    key = Ed25519PrivateKey.generate()
    peer = register("西湖区", key, "county", "330106", "child")
    good = signed(
        key,
        origin="county:330106",
        sequence=1,
        audience="parent",
        kind="application",
        object_id="41",
        payload=foreign_application(name=MIRROR),
    )
    bad = signed(
        key,
        origin="county:330106",
        sequence=2,
        audience="parent",
        kind="application",
        object_id="42",
        payload=foreign_application(
            name="杭州澄瑞传感科技有限公司", app_id="42", code=credit_code("91330106MA2H7K3P5")
        ),
    )
    bad["payload"]["enterprise"]["name"] = "杭州某某空壳公司"
    with transaction.atomic():
        receive(peer, good, me, 1)
        receive(peer, bad, me, 2)
    users = {
        **gov,
        "owner": make_user("ent-hz", Role.ENTERPRISE, enterprise=hz_enterprise),
        "provider": make_user("svc-1", Role.PROVIDER),
        "anonymous": None,
    }
    return users, me, peer


@pytest.mark.parametrize("name", PAGES)
def test_only_officials_open_the_exchange_pages(client, city, name):
    users, _, _ = city
    assert page(client, users["anonymous"], name).status_code == 302
    assert page(client, users["owner"], name).status_code == 403
    assert page(client, users["provider"], name).status_code == 403
    assert page(client, users["hz_city"], name).status_code == 200
    assert page(client, users["cd_city"], name).status_code == 200


def test_the_node_page_shows_identity_peers_and_the_sync_button_to_this_nodes_officials(client, city):
    users, me, peer = city
    html = page(client, users["hz_city"], "exchange:index").content.decode()
    assert "city:330100" in html and me.public_key_text() in html and "西湖区" in html
    assert "立即同步" in html and "county:330106" in html
    other = page(client, users["cd_city"], "exchange:index").content.decode()
    assert "立即同步" not in other  # an official of another area does not run this installation
    client.force_login(users["cd_city"])
    assert client.post(reverse("exchange:pull_now", args=[peer.pk])).status_code == 403
    client.force_login(users["zj_province"])
    assert client.post(reverse("exchange:pull_now", args=[peer.pk])).status_code == 403


def test_the_sync_button_reports_an_unreachable_peer(client, city):
    users, _, peer = city
    client.force_login(users["hz_city"])
    resp = client.post(reverse("exchange:pull_now", args=[peer.pk]), follow=True)
    assert "同步未完成" in resp.content.decode() and "无法连接 西湖区" in resp.content.decode()


def test_received_copies_show_only_in_the_officials_region(client, city):
    users, _, _ = city
    html = page(client, users["hz_city"], "exchange:received").content.decode()
    assert MIRROR in html and "外来副本" in html and "材料齐全，建议通过" in html and "ab" * 32 in html
    assert MIRROR not in page(client, users["cd_city"], "exchange:received").content.decode()
    assert MIRROR not in page(client, users["yh_county"], "exchange:received").content.decode()


def test_quarantined_records_show_their_reason_in_region(client, city):
    users, _, _ = city
    html = page(client, users["hz_city"], "exchange:quarantine").content.decode()
    assert "签名校验失败" in html and "杭州某某空壳公司" in html
    assert "签名校验失败" not in page(client, users["cd_city"], "exchange:quarantine").content.decode()


def test_a_copy_decided_here_is_not_offered_for_recommending(client, city):
    users, _, _ = city
    copy_ = Application.objects.get(enterprise__name=MIRROR)
    html = page(client, users["hz_city"], "exchange:forward_list").content.decode()
    assert MIRROR in html and "由市级主管部门办理，请在审核页直接办理" in html
    client.force_login(users["hz_city"])
    resp = client.post(
        reverse("exchange:forward", args=[copy_.pk]), {"expected_version": copy_.version}, follow=True
    )
    assert "不能向上级推荐" in resp.content.decode()
    client.force_login(users["cd_city"])
    resp = client.post(reverse("exchange:forward", args=[copy_.pk]), {"expected_version": copy_.version})
    assert resp.status_code == 404
    assert not Forwarded.objects.exists()


@pytest.mark.usefixtures("media")
def test_the_county_official_recommends_from_the_page(client, as_node, hz_enterprise, hz_owner):  # noqa: F811
    gov = officials()
    as_node("county", "330106")
    register("杭州市", Ed25519PrivateKey.generate(), "city", "330100", "parent")
    app = submitted(hz_owner, hz_enterprise, open_batch(gov))
    html = page(client, gov["yh_county"], "exchange:forward_list").content.decode()
    assert hz_enterprise.name not in html
    client.force_login(gov["yh_county"])
    assert (
        client.post(reverse("exchange:forward", args=[app.pk]), {"expected_version": app.version}).status_code
        == 404
    )

    html = page(client, gov["xh_county"], "exchange:forward_list").content.decode()
    assert hz_enterprise.name in html and "推荐意见（可选）" in html
    client.force_login(gov["xh_county"])
    resp = client.post(
        reverse("exchange:forward", args=[app.pk]),
        {"expected_version": app.version, "note": "建议通过"},
        follow=True,
    )
    text = resp.content.decode()
    assert f"已向杭州市推荐：{hz_enterprise.name}" in text and "等待中" in text
    assert FeedEntry.objects.get().payload()["recommendations"][-1]["note"] == "建议通过"
    # The page the official saw is stale now: the same button again is refused, not repeated.
    resp = client.post(
        reverse("exchange:forward", args=[app.pk]), {"expected_version": app.version}, follow=True
    )
    assert "请刷新页面" in resp.content.decode() and Forwarded.objects.count() == 1


def test_the_feed_and_identity_are_not_pages(client, city):
    """exchange:feed answers signed JSON only (test_exchange_feed.py); exchange:node is public JSON."""
    users, _, _ = city
    client.force_login(users["hz_city"])
    assert (
        client.get(reverse("exchange:feed") + "?after=0&limit=5").status_code == 401
    )  # a session is not a signature
    assert client.get(reverse("exchange:node")).json()["node"] == "city:330100"
    assert Peer.objects.count() == 1


def test_the_menu_offers_recommending_upward_only_where_this_installation_exchanges(client, as_node):  # noqa: F811
    """A single installation (no node identity) recommends upward in its review queue; a menu entry that opened a
    page saying environment variables are missing was no use to a county official."""
    gov = officials()
    link = f'href="{reverse("exchange:forward_list")}"'
    html = page(client, gov["xh_county"], "dashboard:index").content.decode()
    assert link not in html and f'href="{reverse("cultivation:queue")}"' in html
    as_node("county", "330106")
    html = page(client, gov["xh_county"], "dashboard:index").content.decode()
    assert link in html
