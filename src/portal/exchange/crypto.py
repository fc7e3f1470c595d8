"""Canonical JSON and Ed25519 signatures: the two rules every installation must apply identically.

Why canonical JSON: a signature covers bytes, and two systems only agree on the bytes of a parsed
record if they serialise it the same way: keys sorted, no whitespace, UTF-8 without escapes,
numbers as the shortest text that reads back to the same value (docs/interconnection.md §签名).
"""

from __future__ import annotations

import base64
import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ENTRY_SCHEMA = "zjtx.exchange.entry/1"
PAGE_SCHEMA = "zjtx.exchange.feed/1"
REQUEST_CONTEXT = "zjtx-exchange-request/1"


def canonical(obj) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode(
        "utf-8"
    )


def sign(key: Ed25519PrivateKey, message: bytes) -> str:
    return base64.b64encode(key.sign(message)).decode("ascii")


def verify(public_key: Ed25519PublicKey, message: bytes, signature: str) -> bool:
    try:
        raw = base64.b64decode(signature or "", validate=True)
    except ValueError:
        return False
    if len(raw) != 64:
        return False
    try:
        public_key.verify(raw, message)
    except InvalidSignature:
        return False
    return True


def entry_message(entry: dict) -> bytes:
    """What an entry's signature covers: the entry without its `signature` member, canonical."""
    return canonical({k: v for k, v in entry.items() if k != "signature"})


def sign_entry(key: Ed25519PrivateKey, envelope: dict) -> tuple[str, str]:
    """(body, signature): the canonical text stored and served, and its signature."""
    body = canonical(envelope)
    return body.decode("utf-8"), sign(key, body)


def verify_entry(public_key: Ed25519PublicKey, entry: dict) -> bool:
    return verify(public_key, entry_message(entry), entry.get("signature", ""))


def request_message(method: str, endpoint: str, params: dict, node: str, timestamp: int) -> bytes:
    """What a signed feed request covers (sorted query parameters, no host or path prefix)."""
    query = "&".join(f"{k}={params[k]}" for k in sorted(params))
    return f"{REQUEST_CONTEXT}\n{method.upper()}\n{endpoint}\n{query}\n{node}\n{timestamp}".encode()
