"""Apply a gap plan's changes to a profile: "what would my profile look like after the plan?"

Why: the promise of a plan is only worth something if the changed profile, assessed
again from scratch, reaches the tier. The property tests do exactly that, and the
portal can show the edited profile as a draft.
"""

from __future__ import annotations

import copy
import datetime as dt
from fractions import Fraction
from typing import Any

from .facts import LEVEL_ORDER, STANDARD_ORDER, split_key
from .gaps import Change

_IP_KINDS = {
    # fact → attributes of one new IP item that counts towards it (and towards every weaker count)
    "ip_I_main": {"category": "I", "type": "invention_patent"},
    "ip_I_main_self": {"category": "I", "type": "invention_patent", "self_developed": True},
    "ip_I_main_high_value": {"category": "I", "type": "invention_patent", "high_value": True},
    "ip_I_main_applied": {"category": "I", "type": "invention_patent", "applied_with_benefit": True},
    "ip_I_main_self_applied": {
        "category": "I",
        "type": "invention_patent",
        "self_developed": True,
        "applied_with_benefit": True,
    },
    "ip_II_main": {"category": "II", "type": "utility_model"},
}
_FLAGS = {
    "management_system_cert": ("quality", "management_system_cert"),
    "own_brand": ("quality", "own_brand"),
    "standards_participation": ("quality", "standards_participation"),
    "developed_market_product_cert": ("quality", "developed_market_product_cert"),
    "core_business_on_information_system": (None, "core_business_on_information_system"),
}
_MAIN_PRODUCT = {"national_market_share", "international_market_share", "domestic_rank"}
_COUPLED = {"main_revenue": "revenue", "rd_staff": "employees", "tech_staff": "employees"}


def _num(value: Fraction):
    return int(value) if value.denominator == 1 else float(value)


def apply_plan(profile: dict[str, Any], changes: list[Change], as_of: dt.date) -> dict[str, Any]:
    """A new profile dict (JSON form) with the changes made; the input is not modified."""
    p = copy.deepcopy(profile)
    for c in changes:
        name, year = split_key(c.key) if c.key else ("", None)
        if c.kind == "amount" and year is not None and name not in ("equity_qualified",):
            row = p.setdefault("financials", {}).setdefault(str(year), {})
            old = Fraction(str(row.get(name, 0)))
            row[name] = _num(c.target)
            other = _COUPLED.get(name)
            if other and other in row:
                row[other] = _num(Fraction(str(row[other])) + (c.target - old))
        elif c.kind == "amount" and name == "equity_qualified":
            p.setdefault("equity_financing", []).append(
                {
                    "date": f"{year}-12-31" if dt.date(year, 12, 31) <= as_of else as_of.isoformat(),
                    "amount": _num(c.target - c.current),
                    "qualified_investor": True,
                }
            )
        elif c.kind == "amount" and name in _IP_KINDS:
            for _ in range(int(c.target - c.current)):
                item = {
                    "related_to_main_product": True,
                    "granted": (as_of - dt.timedelta(days=1)).isoformat(),
                }
                item.update(_IP_KINDS[name])
                p.setdefault("ip", []).append(item)
        elif c.kind == "amount" and name in _MAIN_PRODUCT:
            p.setdefault("main_product", {})[name] = _num(c.target)
        elif c.kind == "amount" and name in ("digital_level", "digital_score"):
            p[name] = _num(c.target)
        elif c.kind == "flag" and name in _FLAGS:
            section, field = _FLAGS[name]
            (p.setdefault(section, {}) if section else p)[field] = True
        elif c.kind == "level" and name == "rd_institution_level":
            member = {v: k for k, v in LEVEL_ORDER.items()}[int(c.target)]
            p.setdefault("rd_institutions", []).append(
                {"level": member, "kind": "enterprise_technology_center"}
            )
        elif c.kind == "level" and name == "standard_led_level":
            member = {v: k for k, v in STANDARD_ORDER.items()}[int(c.target)]
            p.setdefault("standards", []).append(
                {"level": member, "role": "lead", "year": year or as_of.year - 1}
            )
        elif c.kind == "obtain" and c.key.startswith("honour_"):
            kind = c.key[len("honour_") : -len("_until")]
            p.setdefault("honours", []).append(
                {"kind": kind, "valid_until": dt.date(as_of.year + 3, 12, 31).isoformat()}
            )
        elif c.kind == "obtain" and c.key.startswith("recognition_"):
            tier = c.key[len("recognition_") : -len("_until")]
            p.setdefault("recognitions", []).append(
                {
                    "tier": tier,
                    "since": as_of.isoformat(),
                    "until": dt.date(as_of.year + 3, 12, 31).isoformat(),
                }
            )
        elif c.kind == "wait" and name == "niche_since" and isinstance(c.current, dt.date):
            years = int(c.target) - (as_of.year - 1)
            since = c.current
            p["niche_since"] = since.replace(year=since.year - years, day=min(since.day, 28)).isoformat()
    return p
