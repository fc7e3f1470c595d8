"""Shared steps for the exchange tests (no tests here): node identities, foreign peers and their records.

A "foreign" installation is simulated the way another system joining the network would behave:
its own Ed25519 key (cryptography directly) and records built and signed here by the documented
rules (docs/interconnection.md) — not with portal.exchange's own helpers — so the tests also show
that the documentation is enough to take part.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.utils import timezone

from portal.assessments import engine
from portal.exchange import actions as xactions
from portal.exchange import node as node_mod

from .factories import example_profile
from .test_cultivation_helpers import credit_code


@pytest.fixture
def as_node(monkeypatch, tmp_path):
    """as_node(level, region) → this test process becomes that installation (env + a fresh key file)."""

    def become(level: str, region: str) -> node_mod.Node:
        path = tmp_path / f"{level}-{region or 'cn'}.pem"
        if not path.exists():
            node_mod.write_private_key(path, Ed25519PrivateKey.generate())
        monkeypatch.setenv("ZJTX_NODE_LEVEL", level)
        monkeypatch.setenv("ZJTX_NODE_REGION", region)
        monkeypatch.setenv("ZJTX_NODE_KEY_FILE", str(path))
        return node_mod.require()

    monkeypatch.delenv("ZJTX_NODE_LEVEL", raising=False)
    return become


def public_text(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def canonical(obj) -> bytes:
    """The documented canonical form: sorted keys, no whitespace, UTF-8 without escapes."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def signed(key: Ed25519PrivateKey, **fields) -> dict:
    entry = {
        "schema": "zjtx.exchange.entry/1",
        "created": timezone.now().isoformat(),
        "version": 1,
        **fields,
    }
    entry["signature"] = base64.b64encode(key.sign(canonical(entry))).decode()
    return entry


def register(
    name: str,
    key: Ed25519PrivateKey,
    level: str,
    region: str,
    relation: str,
    url: str = "http://127.0.0.1:9/",
):
    return xactions.add_peer(
        name=name, url=url, public_key=public_text(key), level=level, region=region, relation=relation
    )


def foreign_application(
    *,
    name: str = "杭州远舟智能装备有限公司",
    code: str | None = None,
    region: str = "330106",
    app_id: str = "41",
    state: str = "submitted",
    tier: str = "specialized",
    note: str = "材料齐全，建议通过",
) -> dict:
    """An application payload as a county installation sends it (schemas/exchange/application.schema.json)."""
    code = code or credit_code("91330106MA2H7K3P4")
    profile = copy.deepcopy(example_profile())
    profile.update(name=name, credit_code=code, region=region)
    today = timezone.localdate()
    outcome, result = engine.assess(copy.deepcopy(profile), today)
    now = timezone.now().isoformat()
    return {
        "region": region,
        "application": {
            "id": app_id,
            "tier": tier,
            "kind": "new",
            "state": state,
            "submitted_at": now,
            "decided_at": None,
            "last_reason": "",
            "notice_starts": None,
            "notice_ends": None,
            "declaration": {"text": "真实性声明：……", "signed_by": "财务经理 周敏", "signed_at": now},
        },
        "batch": {
            "tier": tier,
            "year": today.year,
            "name": f"{today.year}年浙江省专精特新中小企业认定",
            "level": "province",
            "region_code": "330000",
            "review_level": "city",
            "opens_on": (today - dt.timedelta(days=10)).isoformat(),
            "closes_on": (today + dt.timedelta(days=20)).isoformat(),
            "notice_days": 5,
            "ruleset_id": "",
        },
        "enterprise": {
            "name": name,
            "credit_code": code,
            "region": region,
            "industry": profile.get("industry", ""),
        },
        "profile_snapshot": profile,
        "assessment": {
            "ruleset_id": outcome.rules.id,
            "ruleset_label": "《优质中小企业梯度培育管理办法》",
            "engine_version": engine.engine_version(),
            "as_of": today.isoformat(),
            "is_review": False,
            "profile_version": 3,
            "input_snapshot": profile,
            "result": result,
            "highest_tier": outcome.highest_tier or "none",
            "tier_order": list(result["zh"]["tiers"]),
            "created_at": now,
        },
        "evidence": [
            {
                "name": "审计报告.pdf",
                "content_type": "application/pdf",
                "size": 1234,
                "sha256": "ab" * 32,
                "description": "上年度审计报告",
                "uploaded_at": now,
            }
        ],
        "recommendations": [
            {
                "node": "county:330106",
                "level": "county",
                "region": "330106",
                "official": "陈科员",
                "organisation": "西湖区经济和信息化局",
                "at": now,
                "note": note,
                "state": state,
            }
        ],
    }


def decision(
    app, *, state: str = "in_notice", reason: str = "经审核，同意公示", action: str = "cultivation.approve"
) -> dict:
    today = timezone.localdate()
    in_notice = state == "in_notice"
    return {
        "region": app.enterprise.region,
        "application_id": str(app.pk),
        "state": state,
        "action": action,
        "reason": reason,
        "decided_at": timezone.now().isoformat(),
        "notice_starts": today.isoformat() if in_notice else None,
        "notice_ends": (today + dt.timedelta(days=4)).isoformat() if in_notice else None,
        "decided_by": {
            "node": "city:330100",
            "level": "city",
            "region": "330100",
            "organisation": "杭州市经信局",
        },
        "enterprise": {"name": app.enterprise.name, "credit_code": app.enterprise.credit_code},
    }
