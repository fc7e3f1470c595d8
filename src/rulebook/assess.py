"""One assessment: validate, flatten, classify size, evaluate tiers, find gaps, report.

This is the single entry point the CLI, the portal and the tests use for one profile.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from . import size as size_rules
from .evaluate import CriterionResult, TierResult, evaluate_all, highest_of
from .facts import FactSet, flatten
from .gaps import fill_gaps
from .profile import Profile, validate
from .registry import Registry, default_registry
from .ruleset import RuleSet


@dataclass
class Assessment:
    rules: RuleSet
    facts: FactSet
    profile: Profile
    size: size_rules.SizeResult | None
    criteria: dict[str, CriterionResult]
    tiers: dict[str, TierResult]
    notes: list[tuple[str, str]] = field(default_factory=list)  # (zh, en)

    @property
    def highest_tier(self) -> str:
        return highest_of(self.rules, self.tiers)

    def as_json(self, lang: str = "zh") -> dict[str, Any]:
        from .report import assessment_json

        return assessment_json(self, lang)


def assess(
    raw_profile: Any,
    as_of: dt.date | None = None,
    rules: str | None = None,
    *,
    is_review: bool = False,
    registry: Registry | None = None,
    today: dt.date | None = None,
    gaps: bool = True,
) -> Assessment:
    """Assess a profile (parsed JSON or an already validated Profile) under the rules in force on `as_of`.

    Raises ProfileInvalid (every field problem listed) or UnknownRuleSet.
    """
    reg = registry or default_registry()
    today = today or dt.date.today()
    as_of = as_of or today
    profile = (
        raw_profile if isinstance(raw_profile, Profile) else validate(raw_profile, today=max(today, as_of))
    )
    base = reg.get(rules) if rules else reg.in_force(as_of)
    facts = flatten(profile, as_of, is_review=is_review)
    classifiers = [reg.get(u) for u in base.uses]
    size_result, notes = derive_facts(classifiers, facts)
    if rules and base.tiers and not base.in_force(as_of):
        notes.insert(0, _not_in_force(base, as_of))
    rs = reg.for_region(base.id, profile.data.get("region"))
    results, tiers = evaluate_all(rs, facts)
    if gaps:
        fill_gaps(rs, facts, results, tiers, derive=lambda changed: derive_facts(classifiers, changed))
    return Assessment(rs, facts, profile, size_result, results, tiers, notes)


def _not_in_force(rs: RuleSet, as_of: dt.date) -> tuple[str, str]:
    """Said when a rule set is asked for by name on a day it was not in force: the result is a comparison (or a
    re-review under the old standard), not the verdict of the measures of that day."""
    start = rs.effective_from.isoformat()
    if rs.effective_until is None:
        period_zh, period_en = f"自 {start} 起施行", f"in force from {start}"
    else:
        end = rs.effective_until.isoformat()
        period_zh, period_en = f"施行期为 {start} 至 {end}", f"in force {start} to {end}"
    return (
        f"按指定的《{rs.zh}》评估：该办法{period_zh}，{as_of.isoformat()} 时并不施行；结果仅供对照或复核口径参考",
        f"assessed under the {rs.en} as asked: {period_en}, not on {as_of.isoformat()}; "
        "the result is for comparison or a re-review only",
    )


def derive_facts(
    classifiers: list[RuleSet], facts: FactSet
) -> tuple[size_rules.SizeResult | None, list[tuple[str, str]]]:
    """Run the classifier rule sets (size, digital level) and add their outputs to the facts."""
    size_result, notes = None, []
    for used in classifiers:
        if used.kind == "size-classification":
            size_result = size_rules.classify(used, facts)
            size_rules.add_size_facts(size_result, facts)
        elif used.kind == "level-mapping":
            note = apply_level_mapping(used, facts)
            if note:
                notes.append(note)
    return size_result, notes


def apply_level_mapping(rs: RuleSet, facts: FactSet) -> tuple[str, str] | None:
    """Derive a level (e.g. digital level 1–4) from a score when the level itself was not given; the note saying so,
    in Chinese and English."""
    from .numbers import to_fraction

    spec = rs.raw
    source, target = spec.get("input"), spec.get("output")
    values = facts.values
    if values.get(target) is not None or values.get(source) is None:
        return None
    score = values[source]
    below = spec.get("below", {})
    level, zh, en = below.get("level", 0), below.get("zh", ""), below.get("en", "")
    for band in spec.get("levels", []):
        if score >= to_fraction(band["from"]):
            level, zh, en = band["level"], band.get("zh", ""), band.get("en", "")
            break
    values[target] = to_fraction(level)  # 0 = below level 1: a known answer, not a missing one
    return (
        f"{target} 由 {source}={score} 按《{rs.zh}》折算为 {zh or level}",
        f"{target} derived from {source}={score} by {rs.en}: {en or level}",
    )
