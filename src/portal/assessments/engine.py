"""The adapter between the portal and rulebook: the only module of the portal that imports it.

Everything the portal needs from the engine — validating a profile, assessing it, tier names,
code lists for the pickers — goes through the functions here.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from importlib.metadata import PackageNotFoundError, version

import rulebook
from rulebook import codes as _codes

ProfileInvalid = rulebook.ProfileInvalid
UnknownRuleSet = rulebook.UnknownRuleSet
FieldProblem = rulebook.FieldProblem


@cache
def registry():
    return rulebook.default_registry()


def engine_version() -> str:
    try:
        return version("zjtx")
    except PackageNotFoundError:  # running from a checkout without install
        return "dev"


def validate(profile: dict, today: dt.date | None = None):
    """Raise ProfileInvalid with every field problem, or return the validated profile."""
    return rulebook.validate(profile, today=today) if today else rulebook.validate(profile)


def assess(profile: dict, as_of: dt.date, rules: str | None = None, *, is_review: bool = False):
    """Run the engine; returns (rulebook Assessment, {'zh': json, 'en': json})."""
    result = rulebook.assess(profile, as_of=as_of, rules=rules, is_review=is_review, registry=registry())
    return result, {"zh": result.as_json("zh"), "en": result.as_json("en")}


def rules_in_force(day: dt.date):
    return registry().in_force(day)


def ruleset(rule_id: str):
    return registry().get(rule_id)


def tier_label(rule_id: str, tier: str, lang: str = "zh") -> str:
    rs = registry().get(rule_id)
    t = rs.tiers.get(tier)
    if t is None:
        return tier
    return t.zh if lang.startswith("zh") else t.en


def industries() -> dict[str, dict]:
    return _codes.industries()


def industry_name(code: str) -> str | None:
    return _codes.industry_name(code)


def region(code: str) -> tuple[str, str] | None:
    return _codes.region(code)


def regions() -> dict[str, tuple[str, str]]:
    return _codes.regions()
