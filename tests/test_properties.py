"""Properties that must hold for every profile, not just the hand-made ones."""

import contextlib
import copy
import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rulebook
from rulebook import ProfileInvalid, RulebookError
from rulebook.whatif import apply_plan
from strategies import json_values, profiles

AS_OF = dt.date(2024, 6, 30)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(json_values)
def test_any_json_value_is_assessed_or_refused_cleanly(value):
    try:
        rulebook.assess(value, as_of=AS_OF)
    except ProfileInvalid as exc:
        assert exc.problems and all(p.path and p.message_zh for p in exc.problems)


@SETTINGS
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "region",
                "industry",
                "financials",
                "ip",
                "awards",
                "honours",
                "main_product",
                "niche_since",
                "equity_financing",
                "compliance",
                "recognitions",
                "digital_level",
            ]
        ),
        json_values,
        max_size=6,
    )
)
def test_profile_shaped_garbage_never_raises_anything_else(value):
    with contextlib.suppress(ProfileInvalid):
        rulebook.assess(value, as_of=AS_OF)


@SETTINGS
@given(profiles(complete=False))
def test_incomplete_profiles_are_assessed_without_error(profile):
    result = rulebook.assess(profile, as_of=AS_OF).as_json()
    for tier in result["tiers"].values():
        if tier["qualified"] is None:
            assert tier["missing"], "an undetermined tier must say which facts would decide it"


@SETTINGS
@given(profiles(), st.integers(1, 50_000_000))
def test_more_rd_never_lowers_a_score(profile, extra):
    before = rulebook.assess(profile, as_of=AS_OF, gaps=False)
    richer = copy.deepcopy(profile)
    richer["financials"]["2023"]["rd_expense"] += extra
    after = rulebook.assess(richer, as_of=AS_OF, gaps=False)
    for tid, tr in before.tiers.items():
        if tr.score is not None:
            assert after.tiers[tid].score.total_min >= tr.score.total_min, tid
        if tr.qualified is True:
            assert after.tiers[tid].qualified is True, f"{tid} lost by spending more on R&D"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(profiles())
def test_a_plan_that_promises_a_tier_reaches_it_when_applied(profile):
    try:
        result = rulebook.assess(profile, as_of=AS_OF)
    except RulebookError:
        return
    for tid, tr in result.tiers.items():
        plan = tr.plan
        if tr.qualified is True or plan is None or plan.reaches is not True:
            continue
        changed = apply_plan(profile, plan.changes, AS_OF)
        again = rulebook.assess(changed, as_of=AS_OF, gaps=False)
        assert again.tiers[tid].qualified is True, (tid, [c.zh for c in plan.changes])
