"""Pulling a child's feed over HTTP, from a foreign system that implements the documented protocol
with the standard library and `cryptography` only: pages, resume after a failure mid-feed, replay.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.core.management import call_command

from portal.cultivation.models import Application
from portal.exchange import pull as pull_mod
from portal.exchange.models import Peer, Quarantine, Received

from .test_cultivation_helpers import credit_code, media  # noqa: F401
from .test_exchange_helpers import as_node, foreign_application, public_text, register, signed  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

NAMES = ["杭州鼎新数控设备有限公司", "杭州青禾新材料有限公司", "杭州拓维检测仪器有限公司"]


class ForeignCounty:
    """A county installation of another vendor: serves its signed feed to its registered parent."""

    def __init__(self, key: Ed25519PrivateKey, parent_public: str, entries: list[dict]):
        self.key = key
        self.parent_public = Ed25519PublicKey.from_public_bytes(base64.b64decode(parent_public))
        self.entries = entries
        self.fail_after = None  # a cursor from which requests fail (the line drops mid-feed)
        self.public_key = public_text(key)
        self.requests: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                outer.requests.append(self.path)
                url = urllib.parse.urlparse(self.path)
                q = dict(urllib.parse.parse_qsl(url.query))
                node, stamp, sig = (
                    self.headers.get(h, "") for h in ("X-Zjtx-Node", "X-Zjtx-Timestamp", "X-Zjtx-Signature")
                )
                message = f"zjtx-exchange-request/1\nGET\nfeed\nafter={q['after']}&limit={q['limit']}\n{node}\n{stamp}"
                try:
                    outer.parent_public.verify(base64.b64decode(sig), message.encode())
                except (InvalidSignature, ValueError):
                    return self.reply(401, {"error": {"code": "bad_signature", "message": "签名无效"}})
                if node != "city:330100" or abs(time.time() - int(stamp)) > 300:
                    return self.reply(403, {"error": {"code": "unknown_node", "message": "未登记"}})
                after, limit = int(q["after"]), int(q["limit"])
                if outer.fail_after is not None and after >= outer.fail_after:
                    return self.reply(502, {"error": {"code": "down", "message": "上游中断"}})
                rest = [e for e in outer.entries if e["sequence"] > after]
                page = rest[:limit]
                head = outer.entries[-1]["sequence"] if outer.entries else 0
                self.reply(
                    200,
                    {
                        "schema": "zjtx.exchange.feed/1",
                        "origin": {
                            "node": "county:330106",
                            "level": "county",
                            "region": "330106",
                            "public_key": outer.public_key,
                        },
                        "audience": "parent",
                        "after": after,
                        "next_after": page[-1]["sequence"] if len(rest) > limit else max(head, after),
                        "head": head,
                        "has_more": len(rest) > limit,
                        "entries": page,
                    },
                )

            def reply(self, status, body):
                data = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def linked(as_node):  # noqa: F811
    me = as_node("city", "330100")
    key = Ed25519PrivateKey.generate()
    entries = []
    for n, name in enumerate(NAMES, start=1):
        code = credit_code(f"91330106MA2K{n}X7Q8")
        payload = foreign_application(name=name, code=code, app_id=str(10 + n))
        entries.append(
            signed(
                key,
                origin="county:330106",
                sequence=n * 2,
                audience="parent",
                kind="application",
                object_id=str(10 + n),
                payload=payload,
            )
        )
    county = ForeignCounty(key, me.public_key_text(), entries)
    peer = register("西湖区", key, "county", "330106", "child", url=county.url)
    yield me, county, peer
    county.close()


def held() -> list[str]:
    return sorted(Application.objects.values_list("enterprise__name", flat=True))


def test_a_feed_interrupted_mid_way_resumes_with_nothing_lost_or_doubled(linked):
    me, county, peer = linked
    county.fail_after = 2  # the first page (sequence 2) arrives, then the line drops
    report = pull_mod.pull(peer, limit=1)
    assert report.applied == 1 and "上游中断" in report.error and "HTTP 502" in report.error
    peer.refresh_from_db()
    assert peer.cursor == 2 and peer.last_pull_ok is False and "上游中断" in peer.last_error
    assert held() == [NAMES[0]]

    county.fail_after = None
    report = pull_mod.pull(peer, limit=1)
    assert report.ok and report.applied == 2 and report.duplicates == 0 and report.pages == 2
    peer.refresh_from_db()
    assert peer.cursor == 6 and peer.last_pull_ok is True and peer.last_error == ""
    assert held() == sorted(NAMES)
    assert sorted(Received.objects.values_list("object_id", "version")) == [("11", 1), ("12", 1), ("13", 1)]

    # Nothing new: one request, nothing applied. From the start again: everything recognised as held.
    assert pull_mod.pull(peer).applied == 0
    Peer.objects.filter(pk=peer.pk).update(cursor=0)
    report = pull_mod.pull(peer)
    assert report.applied == 0 and report.duplicates == 3 and held() == sorted(NAMES)


def test_a_page_from_a_changed_key_is_refused_whole(linked):
    me, county, peer = linked
    county.public_key = public_text(Ed25519PrivateKey.generate())
    report = pull_mod.pull(peer)
    assert "公钥与登记的不一致" in report.error and report.applied == 0
    assert not Application.objects.exists() and Peer.objects.get(pk=peer.pk).cursor == 0


def test_an_unreachable_peer_keeps_its_cursor(as_node):  # noqa: F811
    as_node("city", "330100")
    peer = register(
        "西湖区", Ed25519PrivateKey.generate(), "county", "330106", "child", url="http://127.0.0.1:9/"
    )
    report = pull_mod.pull(peer)
    assert "无法连接 西湖区" in report.error
    assert Peer.objects.get(pk=peer.pk).cursor == 0


def test_the_command_and_the_scheduled_job_pull_every_peer(linked, capsys):
    me, county, peer = linked
    bad = dict(county.entries[1])
    bad["payload"] = {**bad["payload"], "region": "330106"}
    bad["payload"]["enterprise"] = {
        **bad["payload"]["enterprise"],
        "name": "杭州某某空壳公司",
    }  # breaks the signature
    county.entries[1] = bad
    call_command("exchange_pull", "--limit", "2")
    out = capsys.readouterr().out
    assert "应用 2 条" in out and "隔离 1 条" in out and "签名校验失败" in out
    assert Quarantine.objects.get().sequence == 4
    assert "杭州某某空壳公司" not in held()

    call_command("exchange_pull", "--enqueue")  # the test settings run jobs where they are enqueued
    assert "enqueued" in capsys.readouterr().out
    assert len(held()) == 2


def test_a_new_key_is_taken_after_the_operator_updates_it(linked, capsys):
    me, county, peer = linked
    new_key = Ed25519PrivateKey.generate()
    county.key, county.public_key = new_key, public_text(new_key)
    county.entries = [
        signed(new_key, **{k: v for k, v in e.items() if k != "signature"}) for e in county.entries
    ]
    assert "公钥与登记的不一致" in pull_mod.pull(peer).error
    call_command("exchange_children", "rekey", "西湖区", county.public_key)
    assert "已更新 西湖区 的公钥" in capsys.readouterr().out
    assert pull_mod.pull(Peer.objects.get(pk=peer.pk)).applied == 3


@pytest.mark.usefixtures("media")
def test_a_conflict_resolved_here_is_applied_when_read_again(linked, client, capsys):
    from portal.accounts.roles import Role
    from portal.cultivation import actions

    from .factories import make_enterprise, make_user, officials
    from .test_cultivation_helpers import open_batch, submitted

    me, county, peer = linked
    gov = officials()
    first = county.entries[0]["payload"]["enterprise"]
    local = make_enterprise(first["name"], credit_code=first["credit_code"])
    owner = make_user("ent-local", Role.ENTERPRISE, enterprise=local)
    mine = submitted(owner, local, open_batch(gov))  # the enterprise also applied directly here
    report = pull_mod.pull(peer)
    assert report.applied == 2 and "已有一份进行中的同层级申报" in report.quarantined[0]

    actions.withdraw_application(owner, mine, expected_version=mine.version, reason="改由西湖区推荐")
    call_command("exchange_pull", "--peer", "西湖区", "--from-start")
    out = capsys.readouterr().out
    assert "应用 1 条" in out and "重复跳过 2 条" in out
    held_one = Quarantine.objects.get()
    assert held_one.released_at is not None
    client.force_login(gov["hz_city"])
    assert "重新读取后已通过校验并应用" in client.get("/exchange/quarantine/").content.decode()


def test_sync_now_says_when_records_are_left_for_later(linked, client, monkeypatch):
    """立即同步 reads at most SYNC_PAGES pages and said "同步完成" even with records still unread."""
    from django.urls import reverse

    from portal.exchange import views

    from .factories import officials

    _me, _county, peer = linked
    monkeypatch.setattr(views, "SYNC_PAGES", 1)
    monkeypatch.setattr(views, "SYNC_LIMIT", 1)
    client.force_login(officials()["hz_city"])
    first = client.post(reverse("exchange:pull_now", args=[peer.pk]), follow=True).content.decode()
    assert "已同步一部分（本次最多读取 1 页），还有未读记录" in first and "同步完成" not in first
    for _ in range(2):
        last = client.post(reverse("exchange:pull_now", args=[peer.pk]), follow=True).content.decode()
    assert "同步完成" in last and held() == sorted(NAMES)
