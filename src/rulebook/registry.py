"""Which rule sets exist, which is in force on a date, and which province overlay applies.

Why a registry: the CLI, the portal and batch screening must all pick the same rules for
the same (date, region); this is the one place that decides.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

from .codes import criteria_root
from .errors import RuleDataError, UnknownRuleSet
from .ruleset import RuleSet, apply_overlay, build_measures, read_yaml_folder
from .yamlio import load_yaml


class Registry:
    def __init__(self, root: Path):
        self.root = root
        self._sets: dict[str, RuleSet] = {}
        self._overlays: dict[str, list[tuple[str, Path, dict]]] = {}
        self._merged: dict[tuple[str, str], RuleSet] = {}
        for folder in sorted(
            p for p in root.iterdir() if p.is_dir() and p.name not in ("common", "overlays")
        ):
            rs = build_measures(read_yaml_folder(folder), folder)
            if rs.id != folder.name:
                raise RuleDataError(f"{folder}: id {rs.id!r} must equal the folder name")
            self._sets[rs.id] = rs
        for rs in self._sets.values():
            for used in rs.uses:
                if used not in self._sets:
                    raise RuleDataError(f"{rs.path}: uses {used!r}, which is not a rule set in {root}")
        for rs in self._sets.values():
            for rule in rs.review_under:
                older = self._sets.get(rule.rules)
                if older is None or older.kind != "measures" or rule.tier not in older.tiers:
                    raise RuleDataError(
                        f"{rs.path}: review_under names {rule.rules!r}, which is not a rule set with the tier {rule.tier!r}"
                    )
        overlay_root = root / "overlays"
        if overlay_root.is_dir():
            for folder in sorted(p for p in overlay_root.iterdir() if p.is_dir()):
                prefix = folder.name
                if not prefix.isdigit() or len(prefix) not in (2, 4, 6):
                    raise RuleDataError(
                        f"{folder}: an overlay folder is named by a region code prefix (2, 4 or 6 digits)"
                    )
                for path in sorted(folder.glob("*.yaml")):
                    data = load_yaml(path.read_text(encoding="utf-8")) or {}
                    target = data.get("applies_to", path.stem)
                    if target not in self._sets:
                        raise RuleDataError(f"{path}: applies_to {target!r} is not a rule set")
                    self._overlays.setdefault(target, []).append((prefix, path, data))
                    self._merged[(target, prefix)] = apply_overlay(self._sets[target], data, path)

    def ids(self) -> list[str]:
        return list(self._sets)

    def get(self, rule_id: str) -> RuleSet:
        try:
            return self._sets[rule_id]
        except KeyError:
            raise UnknownRuleSet(
                f"未知的规则集 {rule_id!r}（现有：{'、'.join(self._sets)}；见 `zjtx rules list`） / "
                f"unknown rule set {rule_id!r}"
            ) from None

    def overlays(self, rule_id: str) -> list[tuple[str, Path, dict]]:
        return self._overlays.get(rule_id, [])

    def for_region(self, rule_id: str, region: str | None) -> RuleSet:
        """The rule set with the most specific overlay whose region prefix matches `region`."""
        base = self.get(rule_id)
        if not region:
            return base
        best = None
        for prefix, _path, _data in self._overlays.get(rule_id, []):
            if region.startswith(prefix) and (best is None or len(prefix) > len(best)):
                best = prefix
        return self._merged[(rule_id, best)] if best else base

    def in_force(self, day: dt.date) -> RuleSet:
        """The tier-defining (measures) rule set in force on `day`."""
        hits = [rs for rs in self._sets.values() if rs.kind == "measures" and rs.tiers and rs.in_force(day)]
        if not hits:
            raise UnknownRuleSet(
                f"{day.isoformat()} 没有现行的梯度培育办法；请用 --rules 指定（见 `zjtx rules list`） / "
                f"no measures are in force on {day.isoformat()}"
            )
        return max(hits, key=lambda r: r.effective_from)

    def review_under(self, tier: str, batch_year: int, day: dt.date):
        """The transition rule (rulebook.ruleset.ReviewUnder) under which a re-review of `tier` in a batch of
        `batch_year`, assessed on `day`, takes another rule set than the one in force; None when there is none."""
        try:
            rs = self.in_force(day)
        except UnknownRuleSet:
            return None
        return next((r for r in rs.review_under if r.tier == tier and batch_year in r.years), None)


@cache
def default_registry() -> Registry:
    return Registry(criteria_root())
