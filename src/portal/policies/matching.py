"""Matching policies and enterprises: one enterprise against many policies, many enterprises against a policy.

Why two paths: one profile against policies is decided on the profile's flat facts (the dashboard,
“why not”, an official's list of one policy, the live preview — with explanations where needed);
many policies against many enterprises (the pushes after publishing or importing a catalogue) go
through the compiled batch path, one Boolean column per policy. Both are rulebook.conditions
through portal.assessments.engine, and agree (tests/test_conditions.py).

Cluster membership is a fact too: the names of the active clusters the enterprise is a member of,
read from the cluster registry (ClusterMembership, one query for many enterprises) — never from
the profile. Checked conditions are cached per (policy, version, date); flat facts per
(enterprise, version, as-of date, memberships), so a dashboard does not re-read 1,000 policies'
conditions and a membership added or removed is seen at once.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Max, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext

from portal.assessments import engine
from portal.clusters.models import ClusterMembership, ClusterState
from portal.enterprises.models import Enterprise

from .models import Policy, Status

_CHECKED: OrderedDict = OrderedDict()
_FACTS: OrderedDict = OrderedDict()
_LISTS: OrderedDict = OrderedDict()
CHECKED_CACHE = 5000
# what matching and the policy cards read: not the texts, sources or search tokens
LIST_FIELDS = (
    "title",
    "level",
    "region_code",
    "region_prefix",
    "department",
    "document_number",
    "publish_date",
    "apply_from",
    "apply_until",
    "expires_on",
    "benefit_type",
    "benefit_basis",
    "benefit_amount",
    "benefit_text",
    "conditions",
    "no_application",
    "grade",
    "is_example",
    "status",
    "version",
    "updated_at",
)
FACTS_CACHE = 50000
PROFILE_PATH = "(profile)"  # the engine's path for a problem of the whole document


def today() -> dt.date:
    return timezone.localdate()


def area_prefix(level: str, region_code: str) -> str:
    from .models import LEVEL_DIGITS, Level

    return (region_code or "")[: LEVEL_DIGITS[Level(level)]]


def _remember(cache: OrderedDict, key, value, limit: int):
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > limit:
        cache.popitem(last=False)
    return value


def checked(policy: Policy, as_of: dt.date | None = None):
    """The policy's conditions checked by the engine (cached); PolicyConditionError when they no longer parse."""
    as_of = as_of or today()
    # the rules in force (their metrics) depend only on the date; a row is identified by id, version and
    # last change (ids of rolled-back rows can come again, with another updated_at)
    key = (policy.pk, policy.version, policy.updated_at, policy.region_prefix, as_of)
    hit = _CHECKED.get(key) if policy.pk else None
    if hit is not None:
        return hit
    value = engine.policy_check(policy.conditions or [], issuer_region=policy.region_prefix, as_of=as_of)
    return _remember(_CHECKED, key, value, CHECKED_CACHE) if policy.pk else value


def memberships(enterprise_ids) -> dict[int, tuple[str, ...]]:
    """Names of the active clusters each enterprise is a member of, sorted; one query per 500
    enterprises. An enterprise in no cluster is absent (a member of none: a known answer)."""
    ids = list(enterprise_ids)
    out: dict[int, list[str]] = {}
    for start in range(0, len(ids), 500):
        _collect(out, ClusterMembership.objects.filter(enterprise_id__in=ids[start : start + 500]))
    return _sorted_names(out)


def _memberships_of(enterprises, ents: list) -> dict[int, tuple[str, ...]]:
    """memberships() of a queryset's enterprises in one query (the queryset as a subquery)
    instead of one per 500: a province's 50,000 enterprises took 100 queries, ~1 s."""
    if not isinstance(enterprises, QuerySet) or len(ents) <= 500:
        return memberships(e.pk for e in ents)
    out: dict[int, list[str]] = {}
    _collect(out, ClusterMembership.objects.filter(enterprise_id__in=enterprises.values("pk")))
    return _sorted_names(out)


def _collect(out: dict, memberships_qs) -> None:
    rows = memberships_qs.filter(cluster__state=ClusterState.ACTIVE).values_list(
        "enterprise_id", "cluster__name"
    )
    for enterprise_id, name in rows:
        out.setdefault(enterprise_id, []).append(name)


def _sorted_names(out: dict) -> dict[int, tuple[str, ...]]:
    return {pk: tuple(sorted(set(names))) for pk, names in out.items()}


def _profiles(enterprises, misses: list[int]) -> dict[int, dict]:
    """The stored profiles of the enterprises not in the cache: by id, 500 at a time, or, when
    they are many, in one pass over the queryset (a cold province list: 1 query instead of 100)."""
    if isinstance(enterprises, QuerySet) and len(misses) > 500:
        wanted = set(misses)
        rows = enterprises.values_list("pk", "profile").iterator(chunk_size=2000)
        return {pk: profile for pk, profile in rows if pk in wanted}
    out: dict[int, dict] = {}
    for start in range(0, len(misses), 500):
        part = misses[start : start + 500]
        out.update(Enterprise.objects.filter(pk__in=part).values_list("pk", "profile"))
    return out


def _facts_key(enterprise: Enterprise, as_of: dt.date, clusters: tuple[str, ...]):
    return (enterprise.pk, enterprise.version, enterprise.updated_at, as_of, clusters)


def facts(enterprise: Enterprise, as_of: dt.date | None = None):
    """Flat facts of the enterprise's stored profile and its cluster memberships (cached per version
    and memberships); None when the profile cannot be read."""
    return facts_many([enterprise], as_of)[0][1]


def _entries(enterprises, as_of: dt.date) -> list[tuple[Enterprise, tuple]]:
    """(enterprise, (facts or None, extras)) for many enterprises, computed where not cached;
    profiles not loaded are read from the database only for those, so a queryset may `.defer("profile")`.

    The cache hits are taken before anything is computed: with more enterprises than the cache
    holds, computing the misses evicts hits not yet used, and an evicted one must not be judged
    on a profile that was never read (a province's list said 0 eligible, all undetermined)."""
    ents = list(enterprises)
    clusters = _memberships_of(enterprises, ents)
    keyed = [(e, _facts_key(e, as_of, clusters.get(e.pk, ()))) for e in ents]
    hits = {key: _FACTS[key] for _e, key in keyed if key in _FACTS}
    loaded = {e.pk: e.profile for e, _key in keyed if "profile" not in e.get_deferred_fields()}
    misses = [e.pk for e, key in keyed if key not in hits and e.pk not in loaded]
    profiles: dict[int, dict] = dict(loaded) | _profiles(enterprises, misses)
    out = []
    for e, key in keyed:
        entry = hits.get(key)
        if entry is None:
            entry = _remember(_FACTS, key, _read(profiles.get(e.pk), as_of, key[-1]), FACTS_CACHE)
        out.append((e, entry))
    return out


def _read(profile, as_of: dt.date, clusters: tuple[str, ...]) -> tuple:
    """(facts, {}) of a stored profile, or (None, {"problems": [(path, message)]}) when it cannot be read:
    the reasons are kept so that lists can say why an enterprise could not be judged."""
    if not profile:
        profile = {}
    if not isinstance(profile, dict):
        return None, {"problems": [(PROFILE_PATH, "企业档案必须是 JSON 对象")]}
    value = engine.policy_facts(profile, as_of, clusters=clusters)
    if value is not None:
        return value, {}
    # the same day facts_for validates on (a date of establishment may not lie in the future)
    problems = engine.profile_problems(profile, max(as_of, dt.date.today()))
    return None, {"problems": problems}


def problems_text(problems) -> str:
    """The field problems of an unreadable profile in one line: “成立日期：必须为 …；营业收入（2025）：…”."""
    parts = []
    for path, message in problems or ():
        label = engine.path_label(path) if path and path != PROFILE_PATH else ""
        parts.append(f"{label}：{message}" if label else str(message))
    return "；".join(parts)


def profile_problems(enterprise: Enterprise, as_of: dt.date | None = None) -> str:
    """Why the enterprise's profile cannot be matched, naming the fields (the same text the
    official's list gives); '' when it can."""
    [(_e, (_facts, extras))] = _entries([enterprise], as_of or today())
    return problems_text(extras.get("problems"))


def facts_many(enterprises, as_of: dt.date | None = None) -> list[tuple[Enterprise, object]]:
    """(enterprise, facts or None) for many enterprises, memberships included (see `_entries`)."""
    return [(e, entry[0]) for e, entry in _entries(enterprises, as_of or today())]


def _row(entry: tuple) -> dict:
    """The table row of an enterprise's facts, kept beside them in the cache."""
    f, extras = entry
    if "row" not in extras:
        extras["row"] = engine.policy_row(f)
    return extras["row"]


def applicable_to(region: str):
    """Published policies whose area contains a county code (national, its province, city, county)."""
    region = region or ""
    prefixes = {"", region[:2], region[:4], region}
    return Policy.objects.filter(status=Status.PUBLISHED, region_prefix__in=prefixes).defer(
        "full_text", "search_text"
    )


def published_for(region: str) -> list[Policy]:
    """applicable_to(region) as a list, reused while no policy of it changed (one aggregate query checks)."""
    qs = applicable_to(region)
    stamp = qs.aggregate(n=Count("id"), last=Max("updated_at"), versions=Sum("version"), top=Max("id"))
    key = (region[:2], region[:4], region, *stamp.values())
    hit = _LISTS.get(key)
    if hit is None:
        hit = _remember(_LISTS, key, list(qs), 256)
    return hit


# ---------------------------------------------------------------- one enterprise, many policies


@dataclass
class Match:
    policy: Policy
    state: bool | None  # eligible / not / undetermined
    missing: list = field(default_factory=list)  # (path, label) to fill in, for undetermined
    issued: list = field(
        default_factory=list
    )  # (path, label) of titles an authority records, for undetermined

    @property
    def rank(self):
        amount = self.policy.benefit_amount
        deadline = self.policy.deadline()
        return (-(amount or Decimal(-1)), deadline or dt.date.max, self.policy.pk)


def matches_for(enterprise: Enterprise, as_of: dt.date | None = None, policies=None) -> list[Match] | None:
    """Every published policy in force for the enterprise's region, decided; None if the profile cannot be read.

    Ranked by benefit (largest amount first) then deadline (soonest first).
    """
    as_of = as_of or today()
    f = facts(enterprise, as_of)
    if f is None:
        return None
    ctx = engine.policy_context(f)
    qs = policies if policies is not None else published_for(enterprise.region)
    out = []
    for policy in qs:
        if not policy.in_force(as_of):
            continue
        try:
            state = engine.policy_decide(checked(policy, as_of), ctx)
        except engine.PolicyConditionError:
            continue
        out.append(Match(policy, state))
    for m in out:
        if m.state is None:
            why = engine.policy_explain(checked(m.policy, as_of), f)
            m.missing, m.issued = why["missing"], why["issued"]
    return sorted(out, key=lambda m: m.rank)


def explain(policy: Policy, enterprise: Enterprise, as_of: dt.date | None = None) -> dict | None:
    """Why the enterprise is (not) eligible: each condition with its values and gap; None if unreadable."""
    as_of = as_of or today()
    f = facts(enterprise, as_of)
    if f is None:
        return None
    return engine.policy_explain(checked(policy, as_of), f)


# ---------------------------------------------------------------- many enterprises, one policy


def enterprises_in(prefixes: list[str]):
    """Enterprises registered inside every given area prefix (the intersection of nested areas)."""
    longest = max(prefixes, key=len) if prefixes else ""
    if any(not longest.startswith(p) for p in prefixes):
        return Enterprise.objects.none()
    return Enterprise.objects.filter(region__startswith=longest) if longest else Enterprise.objects.all()


def _light(enterprises):
    return enterprises.defer("profile") if hasattr(enterprises, "defer") else enterprises


def evaluate_many(
    checked_by_key: dict, enterprises, as_of: dt.date | None = None
) -> tuple[list[Enterprise], dict]:
    """Batch matching through the compiled engine: (enterprises evaluated, {key: [True/False/None each]}).

    For many policies at once (pushes after a catalogue import or publication). Enterprises whose
    profile cannot be read are left out (they appear in no list).
    """
    as_of = as_of or today()
    kept, rows = [], []
    for ent, entry in _entries(_light(enterprises), as_of):
        if entry[0] is None:
            continue
        kept.append(ent)
        rows.append(_row(entry))
    return kept, engine.policy_match_rows(rows, checked_by_key, as_of)


@dataclass
class EligibleList:
    """One policy over many enterprises. `undetermined` holds every enterprise that could not be
    judged: those whose profile lacks a fact the conditions read, and those whose stored profile
    cannot be read at all — `problems` says why for the latter (enterprise id → field problems), so
    no enterprise of the area is silently left out of the counts."""

    eligible: list[Enterprise]
    undetermined: list[Enterprise]
    evaluated: int  # every enterprise looked at, unreadable profiles included
    problems: dict[int, list[tuple[str, str]]] = field(default_factory=dict)

    def reason(self, enterprise: Enterprise) -> str:
        """Why an undetermined enterprise could not be judged, for lists and exports."""
        problems = self.problems.get(enterprise.pk)
        if problems is None:
            return gettext("信息不全：请企业补充画像中条件用到的信息")
        return gettext("画像有误，无法判断：%(problems)s（请企业按提示修改画像）") % {
            "problems": problems_text(problems) or gettext("企业档案无法读取")
        }


def eligible_list(checked_conditions, enterprises, as_of: dt.date | None = None) -> EligibleList:
    """One policy over many enterprises, decided on each one's cached facts (the interactive pages:
    the official's list and export, the live preview, confirming 免申即享). An enterprise whose
    stored profile cannot be read is undetermined, with its problems."""
    as_of = as_of or today()
    result = EligibleList([], [], 0)
    for ent, (f, extras) in _entries(_light(enterprises), as_of):
        result.evaluated += 1
        if f is None:
            result.undetermined.append(ent)
            result.problems[ent.pk] = list(extras.get("problems") or [])
            continue
        state = engine.policy_decide(checked_conditions, engine.policy_context(f))
        if state is True:
            result.eligible.append(ent)
        elif state is None:
            result.undetermined.append(ent)
    return result
