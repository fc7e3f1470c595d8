"""The operator's commands: keys, peers, pulling and re-publishing, with errors that say what to fix."""

from __future__ import annotations

import io

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command

from portal.exchange import node as node_mod
from portal.exchange.models import FeedEntry, Peer

from .test_cultivation_helpers import media, open_batch, recognised  # noqa: F401
from .test_exchange_helpers import as_node, public_text  # noqa: F401


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_keygen_writes_an_owner_only_key_and_prints_its_public_key(tmp_path):
    path = tmp_path / "keys" / "node-key.pem"
    out, err = run("exchange_keygen", "--out", str(path))
    public = out.strip()
    assert len(public) == 44 and path.stat().st_mode & 0o777 == 0o600
    assert node_mod.public_key_text(node_mod.load_private_key(path).public_key()) == public
    assert "公钥指纹" in err and node_mod.fingerprint(public) in err
    with pytest.raises(CommandError, match="已存在，未覆盖"):
        run("exchange_keygen", "--out", str(path))
    assert run("exchange_keygen", "--out", str(path), "--show")[0].strip() == public


def test_a_missing_or_foreign_key_file_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("ZJTX_NODE_LEVEL", "county")
    monkeypatch.setenv("ZJTX_NODE_REGION", "330106")
    monkeypatch.setenv("ZJTX_NODE_KEY_FILE", str(tmp_path / "none.pem"))
    with pytest.raises(node_mod.NodeError, match="exchange_keygen"):
        node_mod.require()
    (tmp_path / "bad.pem").write_text("not a key")
    monkeypatch.setenv("ZJTX_NODE_KEY_FILE", str(tmp_path / "bad.pem"))
    with pytest.raises(node_mod.NodeError, match="无法读取"):
        node_mod.require()


@pytest.mark.parametrize(
    ("level", "region", "words"),
    [
        ("town", "330106", "层级“town”无效"),
        ("county", "3301", "应为 6 位数字"),
        ("city", "330106", "应以 2 个 0 结尾"),
        ("county", "330100", "不是县级行政区划代码"),
        ("national", "330000", "国家级节点不设地区代码"),
    ],
)
def test_a_wrong_identity_is_named(level, region, words):
    assert any(words in p for p in node_mod.check_identity(level, region))


@pytest.mark.django_db
def test_children_and_parent_are_checked_against_this_node(as_node):  # noqa: F811
    as_node("city", "330100")
    key = public_text(Ed25519PrivateKey.generate())
    with pytest.raises(CommandError) as bad:
        run("exchange_children", "add", "西湖区", "ftp://x", "abc", "county", "510107")
    text = str(bad.value)
    assert "url: 地址“ftp://x”无效" in text and "public_key: 公钥格式不正确" in text
    with pytest.raises(CommandError, match="region: 下级节点的地区 510107 不在本节点地区 330100 之内"):
        run("exchange_children", "add", "武侯区", "http://127.0.0.1:8001/", key, "county", "510107")
    with pytest.raises(CommandError, match="level: 下级节点的层级须低于本节点"):
        run("exchange_children", "add", "浙江省", "http://127.0.0.1:8001/", key, "province", "330000")
    out, _ = run("exchange_children", "add", "西湖区", "http://127.0.0.1:8001/", key, "county", "330106")
    assert "已登记：西湖区（county:330106）" in out
    assert "西湖区\tcounty:330106" in run("exchange_children", "list")[0]

    with pytest.raises(CommandError, match="region: 本节点地区 330100 不在上级节点地区 510000 之内"):
        run("exchange_parent", "set", "四川省", "http://127.0.0.1:8002/", key, "province", "510000")
    run("exchange_parent", "set", "浙江省", "http://127.0.0.1:8002/", key, "province", "330000")
    with pytest.raises(CommandError, match="一个节点只有一个上级"):
        run("exchange_parent", "set", "国家", "http://127.0.0.1:8003/", key, "national", "")
    assert "浙江省\tprovince:330000" in run("exchange_parent", "show")[0]

    assert "已移除：西湖区" in run("exchange_children", "remove", "西湖区")[0]
    assert not Peer.objects.filter(name="西湖区").exists()


@pytest.mark.django_db
def test_pull_and_publish_need_a_node_identity(monkeypatch):
    monkeypatch.delenv("ZJTX_NODE_LEVEL", raising=False)
    with pytest.raises(CommandError, match="ZJTX_NODE_LEVEL"):
        run("exchange_pull")
    with pytest.raises(CommandError, match="ZJTX_NODE_LEVEL"):
        run("exchange_publish")


@pytest.mark.django_db
@pytest.mark.usefixtures("media")
def test_publishing_again_adds_only_what_changed(as_node, hz_enterprise, hz_owner):  # noqa: F811
    from .factories import officials

    gov = officials()
    rec = recognised(gov, hz_owner, hz_enterprise, open_batch(gov))  # issued before the node was set up
    assert not FeedEntry.objects.exists()
    as_node("province", "330000")
    out, _ = run("exchange_publish")
    assert "新发布 1 条" in out
    entry = FeedEntry.objects.get()
    assert entry.kind == "recognition" and entry.object_id == str(rec.pk) and entry.audience == "parent"
    assert "新发布 0 条" in run("exchange_publish")[0]
