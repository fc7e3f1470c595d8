"""The published JSON Schemas (schemas/exchange/*.schema.json) as validators.

Why the receiver checks them: the schemas are the contract other systems build against; checking
every received record with the same files keeps the documentation and the code from drifting.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import jsonschema_rs
from django.conf import settings

ENTRY_ID = "urn:zjtx:exchange:entry:1"
PAGE_ID = "urn:zjtx:exchange:feed-page:1"


def folder() -> Path:
    return Path(settings.REPO_ROOT) / "schemas" / "exchange"


@functools.cache
def documents() -> dict[str, dict]:
    """Every schema by its $id."""
    out = {}
    for path in sorted(folder().glob("*.schema.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        out[doc["$id"]] = doc
    return out


@functools.cache
def _validator(schema_id: str):
    docs = documents()
    registry = jsonschema_rs.Registry(list(docs.items()))
    return jsonschema_rs.Draft202012Validator(docs[schema_id], registry=registry)


def problems(schema_id: str, instance, limit: int = 5) -> list[str]:
    """'path: message' for the first few errors; [] when the instance is valid."""
    out = []
    for error in _validator(schema_id).iter_errors(instance):
        path = ".".join(str(p) for p in error.instance_path) or "（整条记录）"
        out.append(f"{path}: {error.message}")
        if len(out) >= limit:
            break
    return out


def entry_problems(entry) -> list[str]:
    return problems(ENTRY_ID, entry)


def page_problems(page) -> list[str]:
    """The page envelope only: entries are checked one by one, so one bad entry is quarantined alone."""
    if not isinstance(page, dict):
        return ["（整页）: 应为 JSON 对象"]
    return problems(PAGE_ID, {**page, "entries": []})
