"""Conformance cases: YAML beside each rule set, named in plain language, checked by the test suite.

A case file `criteria/<id>/cases/*.yaml` holds an optional `base` profile and a list of
`cases`; each case's `profile` is deep-merged onto the base (a null deletes a field, to
test missing facts) and its `expect` is compared with the assessment. The same cases
serve the batch-screening parity tests.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import RuleDataError
from .registry import Registry
from .yamlio import load_yaml


@dataclass
class Case:
    rule_set: str
    name: str
    file: Path
    as_of: dt.date
    profile: dict[str, Any]
    expect: dict[str, Any]
    rules: str | None
    review: bool


def deep_merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        out = copy.deepcopy(base)
        for k, v in over.items():
            if v is None:
                out.pop(k, None)
            else:
                out[k] = deep_merge(out.get(k), v)
        return out
    return copy.deepcopy(over)


def _jsonify(value: Any) -> Any:
    """YAML reads dates and number-like keys as Python objects; profiles are JSON."""
    if isinstance(value, dict):
        return {str(k): _jsonify(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonify(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def load_cases(registry: Registry) -> list[Case]:
    out: list[Case] = []
    for rid in registry.ids():
        folder = registry.get(rid).path / "cases"
        for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
            data = load_yaml(path.read_text(encoding="utf-8")) or {}
            base = data.get("base") or {}
            defaults = data.get("defaults") or {}
            for i, item in enumerate(data.get("cases") or []):
                where = f"{path}: cases[{i}]"
                if "name" not in item or "expect" not in item:
                    raise RuleDataError(f"{where}: a case needs 'name' and 'expect'")
                as_of = item.get("as_of", defaults.get("as_of"))
                if as_of is None:
                    raise RuleDataError(f"{where}: as_of is required (in the case or in defaults)")
                profile = _jsonify(deep_merge(base, item.get("profile") or {}))
                out.append(
                    Case(
                        rid,
                        str(item["name"]),
                        path,
                        dt.date.fromisoformat(str(as_of)),
                        profile,
                        item["expect"],
                        item.get("rules", defaults.get("rules")),
                        bool(item.get("review", defaults.get("review", False))),
                    )
                )
    return out


def check_case(case: Case, registry: Registry) -> list[str]:
    """Differences between a case's expectations and what the engine says; [] when it conforms."""
    from . import size as size_rules
    from .assess import apply_level_mapping, assess
    from .facts import flatten
    from .profile import validate

    rs = registry.get(case.rule_set)
    problems: list[str] = []
    today = max(case.as_of, dt.date.today())
    if rs.kind == "size-classification":
        facts = flatten(validate(case.profile, today=today), case.as_of)
        result = size_rules.classify(rs, facts)
        _cmp(problems, "size", result.size_class, case.expect.get("size", "<absent>"))
        if "sector" in case.expect:
            _cmp(problems, "sector", result.sector.id if result.sector else None, case.expect["sector"])
        return problems
    if rs.kind == "level-mapping":
        facts = flatten(validate(case.profile, today=today), case.as_of)
        apply_level_mapping(rs, facts)
        level = facts.values.get(rs.raw["output"])
        _cmp(problems, rs.raw["output"], None if level is None else int(level), case.expect.get("level"))
        return problems
    a = assess(
        case.profile,
        as_of=case.as_of,
        rules=case.rules or rs.id,
        is_review=case.review,
        registry=registry,
        today=today,
    )
    got = a.as_json("zh")
    exp = case.expect
    if "size" in exp:
        _cmp(problems, "size", got["size"]["class"] if got["size"] else None, exp["size"])
    if "highest_tier" in exp:
        _cmp(problems, "highest_tier", got["highest_tier"], exp["highest_tier"])
    for tid, texp in (exp.get("tiers") or {}).items():
        tier = got["tiers"].get(tid)
        if tier is None:
            problems.append(f"tier {tid}: not in the result")
            continue
        for key, want in texp.items():
            if key == "plan_reaches":
                _cmp(problems, f"tiers.{tid}.plan.reaches", tier["plan"]["reaches"], want)
            elif key == "missing_includes":
                for m in want:
                    if m not in tier["missing"]:
                        problems.append(f"tiers.{tid}.missing: {m} not listed (got {tier['missing']})")
            else:
                _cmp(problems, f"tiers.{tid}.{key}", tier.get(key), want)
    all_criteria = {c["id"]: c for t in got["tiers"].values() for c in t["criteria"]}
    for cid, cexp in (exp.get("criteria") or {}).items():
        c = all_criteria.get(cid)
        if c is None:
            problems.append(f"criterion {cid}: not in the result")
            continue
        for key, want in cexp.items():
            if key == "band_starts":
                _cmp(problems, f"criteria.{cid}.band", (c.get("band") or "")[: len(want)], want)
            elif key == "gap_includes":
                texts = " | ".join(ch["text_zh"] for f in c["gap"] for ch in f["changes"])
                if want not in texts:
                    problems.append(f"criteria.{cid}.gap: {want!r} not in {texts!r}")
            else:
                _cmp(problems, f"criteria.{cid}.{key}", c.get(key), want)
    return problems


def _cmp(problems: list[str], what: str, got: Any, want: Any) -> None:
    if want == "<absent>":
        return
    if isinstance(want, float) and isinstance(got, int | float):
        if abs(got - want) > 1e-6:
            problems.append(f"{what}: expected {want!r}, got {got!r}")
        return
    if got != want:
        problems.append(f"{what}: expected {want!r}, got {got!r}")
