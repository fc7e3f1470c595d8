"""Reading rule sets from the criteria folder into typed objects, with errors that name file and key.

A rule set is a folder `criteria/<id>/` of YAML files (merged; `cases/` holds conformance
cases and is not read here). A province overlay is `criteria/overlays/<prefix>/<ruleset-id>.yaml`.
The format is documented in docs/rules-format.md.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml

from . import expr
from .errors import RuleDataError
from .facts import CATALOGUE
from .numbers import to_fraction
from .yamlio import load_yaml

GRADES = ("A", "B", "C")


@dataclass(frozen=True)
class Clause:
    """Where a criterion comes from, and how sure we are of its wording (A/B/C; C = 待核实)."""

    document: str
    annex: str = ""
    item: str = ""
    grade: str = "B"
    note: str = ""
    source: str = ""

    @property
    def unverified(self) -> bool:
        return self.grade == "C"

    def cite(self) -> str:
        return "".join(p for p in (self.document, self.annex, self.item) if p)

    def as_json(self) -> dict:
        out = {"document": self.document, "annex": self.annex, "item": self.item, "grade": self.grade}
        if self.note:
            out["note"] = self.note
        if self.source:
            out["source"] = self.source
        return out


@dataclass(frozen=True)
class Option:
    """One band or option of a scored indicator: points if `test` holds (None: the fallback)."""

    points: Fraction
    zh: str
    en: str
    test: expr.Node | None


@dataclass(frozen=True)
class Criterion:
    id: str
    zh: str
    en: str
    clause: Clause
    kind: str  # condition | indicator
    test: expr.Node | None = None  # condition
    options: tuple[Option, ...] = ()  # indicator, first passing option wins
    value: expr.Node | None = None  # what to show as the criterion's value
    unit: str = ""  # money | percent | count | years | level | text
    manual: bool = False  # a reviewer must confirm it; the test is only the self-assessment's reading
    note_zh: str = ""
    note_en: str = ""

    @property
    def max_points(self) -> Fraction:
        return max((o.points for o in self.options), default=Fraction(0))


@dataclass(frozen=True)
class Req:
    """A node of a tier's requirement tree: all / any of children, a criterion, or the score."""

    op: str  # all | any | criterion | score | tier
    children: tuple[Req, ...] = ()
    criterion: str = ""  # the criterion id, or the tier id for op 'tier'
    route: str = ""
    ref: Any = None  # the Tier, for op 'tier'


@dataclass(frozen=True)
class ScoreGroup:
    id: str
    zh: str
    en: str
    indicators: tuple[str, ...]
    minimum: Fraction | None


@dataclass(frozen=True)
class Score:
    threshold: Fraction
    indicators: tuple[str, ...]
    groups: tuple[ScoreGroup, ...]


@dataclass(frozen=True)
class Tier:
    id: str
    zh: str
    en: str
    clause: Clause
    require: Req
    score: Score | None
    # title facts (`…_until`) an enterprise meeting this tier's standard can apply for (`confers:`): the gap search
    # asks for such a title ahead of others ("需申请取得：…（按所填数据已符合其认定条件）")
    confers: tuple[str, ...] = ()


# The periods of the recognition procedure a rule set may give (`procedure:`), with the unit of each.
PROCEDURE_TERMS = {"recognition_years": "years", "change_report_months": "months", "notice_days": "days"}


@dataclass(frozen=True)
class Term:
    """One period of the recognition procedure (e.g. validity 3 years) and the clause it comes from."""

    value: int
    unit: str  # years | months | days
    clause: Clause

    @property
    def unverified(self) -> bool:
        return self.clause.unverified


@dataclass(frozen=True)
class Procedure:
    """Validity of a title, deadline of a major-change report and 公示 period under one rule set.

    Why data and not settings: the periods are part of the measures (2022: 3 years [A]; 2026: [C]), so
    a title recognised under one rule set keeps that rule set's periods, and each carries its grade.
    """

    ruleset: str
    recognition_years: Term
    change_report_months: Term
    notice_days: Term

    def terms(self) -> dict[str, Term]:
        return {name: getattr(self, name) for name in PROCEDURE_TERMS}


@dataclass(frozen=True)
class ReviewUnder:
    """A transition rule: re-reviews (复核) of `tier` in the batches of `years` are assessed under the rule set `rules`.

    Why data: the 2026 measures keep the 2022 standard for the 2026 little-giant re-reviews (工信厅企业函〔2026〕117号,
    grade C), while new applications in the same batch follow the 2026 measures; the clause says where that comes from.
    """

    tier: str
    rules: str
    years: tuple[int, ...]
    clause: Clause


@dataclass
class RuleSet:
    id: str
    kind: str  # measures | size-classification | level-mapping
    zh: str
    en: str
    document: str
    effective_from: dt.date
    effective_until: dt.date | None
    path: Path
    uses: tuple[str, ...] = ()
    metrics: dict[str, expr.Node] = field(default_factory=dict)
    metric_labels: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # id → (zh, en, unit)
    criteria: dict[str, Criterion] = field(default_factory=dict)
    tiers: dict[str, Tier] = field(default_factory=dict)
    local_facts: dict[str, dict] = field(default_factory=dict)
    ladder: tuple[str, ...] = ()  # tiers from lowest to highest, for highest_tier (default: all, in order)
    raw: dict[str, Any] = field(default_factory=dict)  # the whole merged data, for classifier kinds
    overlay: str | None = None
    notes_zh: str = ""
    procedure: Procedure | None = None  # measures with a recognition workflow (procedure.yaml)
    review_under: tuple[ReviewUnder, ...] = ()  # re-reviews assessed under another rule set (`review_under:`)

    def in_force(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.effective_until is None or day <= self.effective_until)


def _label(obj: dict, where: str) -> tuple[str, str]:
    zh, en = obj.get("zh"), obj.get("en")
    if not isinstance(zh, str) or not isinstance(en, str):
        raise RuleDataError(f"{where}: needs both a 'zh' and an 'en' label")
    return zh, en


def _clause(obj: Any, where: str, default_doc: str) -> Clause:
    if not isinstance(obj, dict):
        raise RuleDataError(f"{where}: needs a 'clause' with document/annex/item/grade")
    grade = str(obj.get("grade", ""))
    if grade not in GRADES:
        raise RuleDataError(f"{where}.clause: grade must be A, B or C (got {grade!r})")
    return Clause(
        document=str(obj.get("document", default_doc)),
        annex=str(obj.get("annex", "")),
        item=str(obj.get("item", "")),
        grade=grade,
        note=str(obj.get("note", "")).strip(),
        source=str(obj.get("source", "")),
    )


def _date(value, where: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise RuleDataError(f"{where}: not a date YYYY-MM-DD: {value!r}") from None


def read_yaml_folder(folder: Path) -> dict[str, Any]:
    """Merge every *.yaml in `folder` (not sub-folders); a key defined twice is an error."""
    merged: dict[str, Any] = {}
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise RuleDataError(f"{folder}: no rule files (*.yaml) in this folder")
    for path in files:
        try:
            data = load_yaml(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise RuleDataError(f"{path}: not valid YAML: {exc}") from None
        if not isinstance(data, dict):
            raise RuleDataError(f"{path}: the top level must be a mapping")
        for key, value in data.items():
            if isinstance(value, dict) and isinstance(merged.get(key), dict):
                dup = set(value) & set(merged[key])
                if dup:
                    raise RuleDataError(
                        f"{path}: {key}.{sorted(dup)[0]} is defined in another file of {folder.name} too"
                    )
                merged[key].update(value)
            elif key in merged:
                raise RuleDataError(
                    f"{path}: top-level key {key!r} is defined in another file of {folder.name} too"
                )
            else:
                merged[key] = value
    return merged


def vocabulary(local_facts: dict[str, dict], metrics: set[str]) -> expr.Vocabulary:
    timeless = {n for n, s in CATALOGUE.items() if not s.yearly} | {f"local_{k}" for k in local_facts}
    yearly = {n for n, s in CATALOGUE.items() if s.yearly}
    enums = {n: s.enum for n, s in CATALOGUE.items() if s.enum}
    return expr.Vocabulary(timeless, yearly, metrics, enums)


def build_measures(data: dict[str, Any], path: Path) -> RuleSet:
    """Turn merged YAML of a `measures` rule set into a RuleSet; every reference is checked."""
    rid = data.get("id")
    where = f"{path}"
    if not isinstance(rid, str):
        raise RuleDataError(f"{where}: missing 'id'")
    title = data.get("title") or {}
    zh, en = _label(title, f"{where}: title")
    eff = data.get("effective") or {}
    if "from" not in eff:
        raise RuleDataError(f"{where}: effective.from is required")
    rs = RuleSet(
        id=rid,
        kind=data.get("kind", "measures"),
        zh=zh,
        en=en,
        document=str(data.get("document", zh)),
        effective_from=_date(eff["from"], f"{where}: effective.from"),
        effective_until=_date(eff["until"], f"{where}: effective.until") if eff.get("until") else None,
        path=path,
        uses=tuple(data.get("uses") or ()),
        raw=data,
        notes_zh=str(data.get("notes", "")),
    )
    if "procedure" in data:
        rs.procedure = _procedure(data["procedure"], f"{_file_defining(path, 'procedure')}: procedure", rs)
    if rs.kind != "measures":
        return rs
    add_measures_content(rs, data, where)
    if "review_under" in data:
        rs.review_under = _review_under(
            data["review_under"], f"{_file_defining(path, 'review_under')}: review_under", rs
        )
    return rs


def _review_under(spec: Any, where: str, rs: RuleSet) -> tuple[ReviewUnder, ...]:
    """review_under: [{tier, rules, years: [2026], clause: {item, grade, …}}] (the rule set `rules` is checked by the
    registry, which knows every rule set)."""
    if not isinstance(spec, list):
        raise RuleDataError(f"{where}: must be a list of {{tier, rules, years, clause}}")
    out = []
    for i, entry in enumerate(spec):
        w = f"{where}[{i}]"
        if not isinstance(entry, dict):
            raise RuleDataError(f"{w}: must be a mapping with tier, rules, years and clause")
        tier = entry.get("tier")
        if tier not in rs.tiers:
            raise RuleDataError(f"{w}.tier: {tier!r} is not a tier of {rs.id}")
        rules = entry.get("rules")
        if not isinstance(rules, str) or not rules:
            raise RuleDataError(f"{w}.rules: needs the id of the rule set re-reviews are assessed under")
        years = entry.get("years")
        if (
            not isinstance(years, list)
            or not years
            or any(isinstance(y, bool) or not isinstance(y, int) or not 2000 <= y <= 2100 for y in years)
        ):
            raise RuleDataError(f"{w}.years: must be a list of batch years, e.g. [2026] (got {years!r})")
        clause = _clause(entry.get("clause"), w, rs.document)
        if not clause.item:
            raise RuleDataError(f"{w}.clause: needs 'item' (the notice or article the transition comes from)")
        out.append(ReviewUnder(tier=tier, rules=rules, years=tuple(years), clause=clause))
    return tuple(out)


def _file_defining(path: Path, key: str) -> Path:
    """The file of a rule-set folder that holds top-level `key` (for error messages); the folder if none does."""
    if not path.is_dir():
        return path
    pattern = re.compile(rf"^{re.escape(key)}\s*:", re.MULTILINE)
    for file in sorted(path.glob("*.yaml")):
        if pattern.search(file.read_text(encoding="utf-8")):
            return file
    return path


def _procedure(spec: Any, where: str, rs: RuleSet) -> Procedure:
    """procedure: {recognition_years|change_report_months|notice_days: {value: n, clause: {item, grade, …}}}."""
    names = ", ".join(PROCEDURE_TERMS)
    if not isinstance(spec, dict):
        raise RuleDataError(f"{where}: must be a mapping with {names}")
    for key in spec:
        if key not in PROCEDURE_TERMS:
            raise RuleDataError(f"{where}.{key}: unknown period; the procedure has {names}")
    terms: dict[str, Term] = {}
    for key, unit in PROCEDURE_TERMS.items():
        w = f"{where}.{key}"
        entry = spec.get(key)
        if entry is None:
            raise RuleDataError(f"{w}: missing; give value ({unit}) and clause (item, grade)")
        if not isinstance(entry, dict):
            raise RuleDataError(f"{w}: must be a mapping with value ({unit}) and clause")
        value = entry.get("value")
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise RuleDataError(f"{w}.value: must be a whole number of {unit}, at least 1 (got {value!r})")
        clause = _clause(entry.get("clause"), w, rs.document)
        if not clause.item:
            raise RuleDataError(f"{w}.clause: needs 'item' (the article or item the period comes from)")
        terms[key] = Term(value, unit, clause)
    return Procedure(ruleset=rs.id, **terms)


def add_measures_content(rs: RuleSet, data: dict[str, Any], where: str) -> None:
    """Parse facts, metrics, criteria and tiers of `data` into `rs` (used by rule sets and overlays)."""
    for key, spec in (data.get("facts") or {}).items():
        if not isinstance(spec, dict) or spec.get("kind") not in (
            "bool",
            "number",
            "money",
            "ratio",
            "count",
        ):
            raise RuleDataError(f"{where}: facts.{key}: needs kind bool, number, money, ratio or count")
        _label(spec, f"{where}: facts.{key}")
        rs.local_facts[key] = spec
    metric_defs = data.get("metrics") or {}
    names = set(rs.metrics) | set(metric_defs)
    vocab = vocabulary(rs.local_facts, names)
    for mid, spec in metric_defs.items():
        w = f"{where}: metrics.{mid}"
        if mid in rs.metrics:
            raise RuleDataError(f"{w}: defined twice")
        if not isinstance(spec, dict) or "expr" not in spec:
            raise RuleDataError(f"{w}: needs 'expr'")
        rs.metrics[mid] = expr.parse(spec["expr"], vocab, w)
        mzh, men = _label(spec, w)
        rs.metric_labels[mid] = (mzh, men, str(spec.get("unit", "")))
    _check_metric_cycles(rs, where)
    for cid, spec in (data.get("criteria") or {}).items():
        rs.criteria[cid] = _criterion(cid, spec, vocab, f"{where}: criteria.{cid}", rs.document)
    for tid, spec in (data.get("tiers") or {}).items():
        rs.tiers[tid] = _tier(tid, spec, rs, f"{where}: tiers.{tid}")
    if data.get("ladder"):
        for tid in data["ladder"]:
            if tid not in rs.tiers:
                raise RuleDataError(f"{where}: ladder names {tid!r}, which is not a tier")
        rs.ladder = tuple(data["ladder"])


def _check_metric_cycles(rs: RuleSet, where: str) -> None:
    def refs(node) -> set[str]:
        out: set[str] = set()
        stack = [node]
        while stack:
            n = stack.pop()
            if isinstance(n, expr.Ref):
                out.add(n.name)
            for attr in ("left", "right", "operand"):
                if hasattr(n, attr):
                    stack.append(getattr(n, attr))
            for attr in ("values", "args"):
                stack.extend(getattr(n, attr, ()))
        return out

    state: dict[str, int] = {}

    def visit(m: str, trail: list[str]):
        if state.get(m) == 2:
            return
        if state.get(m) == 1:
            raise RuleDataError(f"{where}: metrics refer to each other in a cycle: {' → '.join(trail + [m])}")
        state[m] = 1
        for r in refs(rs.metrics[m]):
            visit(r, trail + [m])
        state[m] = 2

    for m in rs.metrics:
        visit(m, [])


def _criterion(cid: str, spec: Any, vocab: expr.Vocabulary, where: str, doc: str) -> Criterion:
    if not isinstance(spec, dict):
        raise RuleDataError(f"{where}: must be a mapping")
    zh, en = _label(spec, where)
    clause = _clause(spec.get("clause"), where, doc)
    value = expr.parse(spec["value"], vocab, f"{where}.value") if "value" in spec else None
    common = dict(
        id=cid,
        zh=zh,
        en=en,
        clause=clause,
        value=value,
        unit=str(spec.get("unit", "")),
        manual=bool(spec.get("manual", False)),
        note_zh=str(spec.get("note_zh", "")),
        note_en=str(spec.get("note_en", "")),
    )
    if "test" in spec:
        return Criterion(kind="condition", test=expr.parse(spec["test"], vocab, f"{where}.test"), **common)
    if "bands" in spec or "options" in spec:
        options = _bands(spec, vocab, where) if "bands" in spec else _options(spec["options"], vocab, where)
        if options[-1].test is not None:
            raise RuleDataError(
                f"{where}: the last option must have no 'when' (the fallback, usually 0 points)"
            )
        return Criterion(kind="indicator", options=options, **common)
    raise RuleDataError(f"{where}: needs 'test' (a condition) or 'bands'/'options' (a scored indicator)")


def _points(value, where) -> Fraction:
    num = to_fraction(value)
    if num is None or num < 0:
        raise RuleDataError(f"{where}: points must be a number ≥ 0")
    return num


def _options(items: Any, vocab: expr.Vocabulary, where: str) -> tuple[Option, ...]:
    if not isinstance(items, list) or not items:
        raise RuleDataError(f"{where}.options: must be a non-empty list")
    out = []
    for i, item in enumerate(items):
        w = f"{where}.options[{i}]"
        zh, en = _label(item, w)
        test = expr.parse(item["when"], vocab, f"{w}.when") if "when" in item else None
        out.append(Option(_points(item.get("points"), w), zh, en, test))
    return tuple(out)


def _bands(spec: dict, vocab: expr.Vocabulary, where: str) -> tuple[Option, ...]:
    """Bands on one value, written from the highest edge down; `from` is inclusive (以上含本数)."""
    on = spec.get("value")
    if on is None:
        raise RuleDataError(f"{where}: bands need the 'value' they apply to")
    items = spec["bands"]
    if not isinstance(items, list) or not items:
        raise RuleDataError(f"{where}.bands: must be a non-empty list")
    out, last_edge = [], None
    for i, item in enumerate(items):
        w = f"{where}.bands[{i}]"
        zh, en = _label(item, w)
        if "from" in item:
            edge = to_fraction(item["from"])
            if edge is None:
                raise RuleDataError(f"{w}.from: must be a number or a percentage like 5%")
            if last_edge is not None and edge >= last_edge:
                raise RuleDataError(f"{w}.from: bands must be listed from the highest edge down")
            last_edge = edge
            test = expr.Compare(">=", expr.parse(on, vocab, f"{where}.value"), expr.Const(edge))
        else:
            if i != len(items) - 1:
                raise RuleDataError(f"{w}: only the last band may omit 'from'")
            test = None
        out.append(Option(_points(item.get("points"), w), zh, en, test))
    return tuple(out)


def _req(spec: Any, rs: RuleSet, where: str, route: str = "") -> Req:
    if spec == "score":
        return Req("score", route=route or "score")
    if isinstance(spec, str):
        if spec not in rs.criteria:
            raise RuleDataError(f"{where}: unknown criterion {spec!r}")
        return Req("criterion", criterion=spec, route=route or spec)
    if isinstance(spec, list):
        return Req("all", tuple(_req(s, rs, f"{where}[{i}]") for i, s in enumerate(spec)), route=route)
    if isinstance(spec, dict):
        name = str(spec.get("route", route))
        if "all" in spec:
            return Req(
                "all", tuple(_req(s, rs, f"{where}.all[{i}]") for i, s in enumerate(spec["all"])), route=name
            )
        if "any" in spec:
            return Req(
                "any", tuple(_req(s, rs, f"{where}.any[{i}]") for i, s in enumerate(spec["any"])), route=name
            )
        if "criterion" in spec:
            return _req(spec["criterion"], rs, where, name)
        if "tier" in spec:
            if spec["tier"] not in rs.tiers:
                raise RuleDataError(
                    f"{where}: tier {spec['tier']!r} must be defined before the tier that refers to it"
                )
            return Req(
                "tier",
                criterion=str(spec["tier"]),
                route=name or str(spec["tier"]),
                ref=rs.tiers[spec["tier"]],
            )
        if spec.get("score"):
            return Req("score", route=name or "score")
    raise RuleDataError(
        f"{where}: a requirement is a criterion id, 'score', a list (all of), or {{all: …}} / {{any: …}}"
    )


def _tier(tid: str, spec: Any, rs: RuleSet, where: str) -> Tier:
    if not isinstance(spec, dict):
        raise RuleDataError(f"{where}: must be a mapping")
    zh, en = _label(spec, where)
    clause = _clause(spec.get("clause"), where, rs.document)
    score = None
    if "score" in spec:
        s = spec["score"]
        w = f"{where}.score"
        inds = tuple(s.get("indicators") or ())
        for ind in inds:
            if ind not in rs.criteria or rs.criteria[ind].kind != "indicator":
                raise RuleDataError(f"{w}: {ind!r} is not a scored indicator of this rule set")
        groups = []
        for i, g in enumerate(s.get("groups") or ()):
            gzh, gen = _label(g, f"{w}.groups[{i}]")
            members = tuple(g.get("indicators") or ())
            for m in members:
                if m not in inds:
                    raise RuleDataError(f"{w}.groups[{i}]: {m!r} is not among the score's indicators")
            minimum = to_fraction(g["min"]) if g.get("min") is not None else None
            groups.append(ScoreGroup(str(g.get("id", f"group{i}")), gzh, gen, members, minimum))
        threshold = to_fraction(s.get("threshold"))
        if threshold is None:
            raise RuleDataError(f"{w}: threshold is required")
        score = Score(threshold, inds, tuple(groups))
    require = _req(spec.get("require"), rs, f"{where}.require")
    tier = Tier(tid, zh, en, clause, require, score, _confers(spec.get("confers"), f"{where}.confers"))
    if score is None and _mentions_score(require):
        raise RuleDataError(f"{where}: the requirement mentions 'score' but the tier has no score section")
    return tier


def _confers(spec: Any, where: str) -> tuple[str, ...]:
    """The title facts a tier confers: the `…_until` dates of the profile's recognitions and honours (a title held until
    that day), not any date (`niche_since` is one)."""
    if spec is None:
        return ()
    if not isinstance(spec, list) or not all(isinstance(k, str) for k in spec):
        raise RuleDataError(f"{where}: must be a list of title facts (e.g. [recognition_innovative_until])")
    for key in spec:
        fact = CATALOGUE.get(key)
        if fact is None or fact.kind != "date" or fact.path not in ("recognitions", "honours"):
            raise RuleDataError(
                f"{where}: {key!r} is not a title fact (a date such as recognition_innovative_until)"
            )
    return tuple(spec)


def _mentions_score(req: Req) -> bool:
    return req.op == "score" or any(_mentions_score(c) for c in req.children)


def apply_overlay(base: RuleSet, data: dict[str, Any], path: Path) -> RuleSet:
    """A copy of `base` with a province's criteria added and some replaced in every tier."""
    import copy

    rs = copy.copy(base)
    rs.metrics, rs.metric_labels = dict(base.metrics), dict(base.metric_labels)
    rs.criteria, rs.tiers, rs.local_facts = dict(base.criteria), dict(base.tiers), dict(base.local_facts)
    where = str(path)
    rs.overlay = str(data.get("id", path.stem))
    for section, existing in (
        ("criteria", base.criteria),
        ("metrics", base.metrics),
        ("facts", base.local_facts),
    ):
        clash = sorted(set(data.get(section) or {}) & set(existing))
        if clash:
            raise RuleDataError(
                f"{where}: {section}.{clash[0]} already exists in {base.id}; give the province's own items their own ids "
                f"(e.g. a province prefix) and list what they replace under 'replace:'"
            )
    add_measures_content(rs, {k: data[k] for k in ("facts", "metrics", "criteria") if k in data}, where)
    replace: dict[str, list[str]] = data.get("replace") or {}
    for old, new in replace.items():
        if old not in base.criteria:
            raise RuleDataError(f"{where}: replace: {old!r} is not a criterion of {base.id}")
        for n in new:
            if n not in rs.criteria:
                raise RuleDataError(f"{where}: replace.{old}: {n!r} is not defined in the overlay")
    for tid, tier in base.tiers.items():
        rs.tiers[tid] = _replace_in_tier(tier, replace)
    return rs


def _replace_in_tier(tier: Tier, replace: dict[str, list[str]]) -> Tier:
    def swap(ids: tuple[str, ...]) -> tuple[str, ...]:
        out: list[str] = []
        for i in ids:
            out.extend(replace.get(i, [i]))
        return tuple(out)

    def swap_req(req: Req) -> Req:
        if req.op == "criterion" and req.criterion in replace:
            return Req(
                "all",
                tuple(Req("criterion", criterion=n, route=n) for n in replace[req.criterion]),
                route=req.route,
            )
        return Req(req.op, tuple(swap_req(c) for c in req.children), req.criterion, req.route, req.ref)

    score = tier.score
    if score is not None:
        groups = tuple(ScoreGroup(g.id, g.zh, g.en, swap(g.indicators), g.minimum) for g in score.groups)
        score = Score(score.threshold, swap(score.indicators), groups)
    return Tier(tier.id, tier.zh, tier.en, tier.clause, swap_req(tier.require), score, tier.confers)
