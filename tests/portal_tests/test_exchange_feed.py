"""The feed endpoint and the outbox: signed requests only, each peer sees only its records, pages
resume exactly, entries are append-only and verify with the node's public key."""

from __future__ import annotations

import base64
import time

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from portal.exchange import outbox, schemas
from portal.exchange.models import AppendOnly, FeedEntry

from .test_exchange_helpers import as_node, canonical, register  # noqa: F401

pytestmark = pytest.mark.django_db


def request_headers(key, node: str, after, limit, *, stamp=None) -> dict:
    """The documented request signature, computed here independently of portal.exchange."""
    stamp = int(time.time()) if stamp is None else stamp
    message = f"zjtx-exchange-request/1\nGET\nfeed\nafter={after}&limit={limit}\n{node}\n{stamp}".encode()
    return {
        "HTTP_X_ZJTX_NODE": node,
        "HTTP_X_ZJTX_TIMESTAMP": str(stamp),
        "HTTP_X_ZJTX_SIGNATURE": base64.b64encode(key.sign(message)).decode(),
    }


@pytest.fixture
def city(as_node):  # noqa: F811
    me = as_node("city", "330100")
    county_key, province_key = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    register("西湖区", county_key, "county", "330106", "child")
    register("余杭区", Ed25519PrivateKey.generate(), "county", "330110", "child")
    register("浙江省", province_key, "province", "330000", "parent")
    payload = {"region": "330106"}
    for n in range(3):  # records for 西湖区, interleaved with records for the parent and for 余杭区
        outbox.append("decision", f"{n}", "county:330106", {**payload, "n": n}, node=me)
        outbox.append("recognition", f"{n}", "parent", {**payload, "n": n}, node=me)
        outbox.append("decision", f"{n}", "county:330110", {"region": "330110", "n": n}, node=me)
    return me, county_key, province_key


def get(client, key, node, after=0, limit=50, **headers):
    hdrs = request_headers(key, node, after, limit)
    hdrs.update(headers)
    return client.get(f"/exchange/feed?after={after}&limit={limit}", **hdrs)


def test_a_child_reads_only_its_records_signed_by_the_node(client, city):
    me, county_key, _ = city
    resp = get(client, county_key, "county:330106")
    assert resp.status_code == 200
    page = resp.json()
    assert schemas.page_problems(page) == []
    assert page["origin"] == {
        "node": "city:330100",
        "level": "city",
        "region": "330100",
        "public_key": me.public_key_text(),
    }
    assert page["audience"] == "county:330106" and page["has_more"] is False
    assert [e["sequence"] for e in page["entries"]] == [1, 4, 7]
    assert page["next_after"] == page["head"] == 9
    public = me.private_key().public_key()
    for entry in page[
        "entries"
    ]:  # (payloads here are placeholders; real ones are checked in test_exchange_receive)
        assert entry["origin"] == "city:330100" and entry["audience"] == "county:330106"
        unsigned = {k: v for k, v in entry.items() if k != "signature"}
        public.verify(base64.b64decode(entry["signature"]), canonical(unsigned))  # raises if wrong


def test_the_parent_reads_the_records_addressed_to_the_parent(client, city):
    _, _, province_key = city
    page = get(client, province_key, "province:330000").json()
    assert page["audience"] == "parent"
    assert [(e["kind"], e["sequence"]) for e in page["entries"]] == [
        ("recognition", 2),
        ("recognition", 5),
        ("recognition", 8),
    ]


def test_pages_follow_the_cursor_without_gaps_or_repeats(client, city):
    _, county_key, _ = city
    seen, after = [], 0
    while True:
        page = get(client, county_key, "county:330106", after=after, limit=1).json()
        seen += [e["sequence"] for e in page["entries"]]
        assert page["next_after"] >= after
        after = page["next_after"]
        if not page["has_more"]:
            break
    assert seen == [1, 4, 7] and after == 9
    assert get(client, county_key, "county:330106", after=9).json()["entries"] == []


REFUSED = {
    "unsigned": (lambda c, k: c.get("/exchange/feed?after=0&limit=5"), 401, "请求未签名"),
    "unknown node": (lambda c, k: get(c, k, "county:330109"), 403, "未在本系统登记"),
    "wrong key": (lambda c, k: get(c, Ed25519PrivateKey.generate(), "county:330106"), 401, "请求签名无效"),
    "stale": (
        lambda c, k: c.get(
            "/exchange/feed?after=0&limit=50",
            **request_headers(k, "county:330106", 0, 50, stamp=int(time.time()) - 3600),
        ),
        401,
        "相差超过 5 分钟",
    ),
    "cursor changed after signing": (
        lambda c, k: c.get("/exchange/feed?after=3&limit=50", **request_headers(k, "county:330106", 0, 50)),
        401,
        "请求签名无效",
    ),
    "bad limit": (lambda c, k: get(c, k, "county:330106", limit=0), 400, "limit: 必须为 1 至 200 之间的整数"),
    # An unsigned request naming a registered node with a huge time: before, an OverflowError and a 500.
    "time too large for a float": (
        lambda c, k: get(c, k, "county:330106", HTTP_X_ZJTX_TIMESTAMP="9" * 400),
        401,
        "相差超过 5 分钟",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_requests_that_are_not_from_a_registered_peer_are_refused(client, city, case):
    _, county_key, _ = city
    call, status, words = REFUSED[case]
    resp = call(client, county_key)
    assert resp.status_code == status
    assert words in resp.json()["error"]["message"]
    assert "entries" not in resp.json()


def test_a_disabled_peer_is_refused(client, city):
    from portal.exchange import actions
    from portal.exchange.models import Peer

    _, county_key, _ = city
    actions.set_peer_enabled(Peer.objects.get(name="西湖区"), False)
    assert get(client, county_key, "county:330106").status_code == 403


def test_without_a_node_identity_there_is_no_feed(client, monkeypatch):
    monkeypatch.delenv("ZJTX_NODE_LEVEL", raising=False)
    resp = client.get("/exchange/feed?after=0&limit=5")
    assert resp.status_code == 503 and "ZJTX_NODE_LEVEL" in resp.json()["error"]["message"]
    assert client.get("/exchange/node.json").status_code == 503


def test_the_public_identity_gives_the_key_and_its_fingerprint(client, city):
    me, _, _ = city
    data = client.get("/exchange/node.json").json()
    assert data["node"] == "city:330100" and data["public_key"] == me.public_key_text()
    assert len(data["fingerprint"].split()) == 8


def test_entries_are_append_only_and_unchanged_records_are_not_repeated(city):
    me, _, _ = city
    entry = FeedEntry.objects.first()
    entry.body = entry.body.replace("330106", "330110")
    with pytest.raises(AppendOnly):
        entry.save()
    with pytest.raises(AppendOnly):
        entry.delete()
    before = FeedEntry.objects.count()
    assert outbox.append("decision", "0", "county:330106", {"region": "330106", "n": 0}, node=me) is None
    again = outbox.append("decision", "0", "county:330106", {"region": "330106", "n": 99}, node=me)
    assert again.version == 2 and again.sequence == before + 1
