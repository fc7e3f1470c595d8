"""Batch (Polars) and single-profile evaluation must agree: every conformance case, and generated profiles."""

import datetime as dt
import os
import random
from collections import defaultdict

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rulebook
from rulebook import default_registry
from rulebook.conformance import load_cases
from rulebook.expr import UNKNOWN
from rulebook.flat import (
    complete_columns,
    evaluate_frame,
    frame_from_rows,
    local_kinds,
    normalize,
    row_from_facts,
)
from strategies import profiles, random_profile

REGISTRY = default_registry()


def single(profile, as_of, rules=None, review=False):
    a = rulebook.assess(
        profile, as_of=as_of, rules=rules, is_review=review, gaps=False, today=max(as_of, dt.date.today())
    )
    out = {"highest_tier": a.highest_tier, "size": a.size.size_class if a.size else None}
    for tid, tr in a.tiers.items():
        out[f"{tid}_qualified"] = None if tr.qualified is UNKNOWN else tr.qualified
        if tr.score is not None:
            out[f"{tid}_score_min"] = int(tr.score.total_min)
            out[f"{tid}_score_max"] = int(tr.score.total_max)
        out[f"{tid}_route"] = tr.route if tr.qualified is True else None
    return a, out


def batch(assessments, as_of, rules, *, known_columns: bool = False):
    """The assessments as one frame, evaluated by the batch engine; with `known_columns`, told which columns have no
    null (`complete_columns`), so that criteria reading only those take the two-valued path."""
    rule_id = rules or REGISTRY.in_force(as_of).id
    kinds = local_kinds(REGISTRY, rule_id)
    rows = []
    for a in assessments:
        row = row_from_facts(a.facts)
        row["is_review"] = bool(a.facts.values.get("is_review"))
        rows.append(row)
    df = frame_from_rows(rows, kinds)
    normalized = normalize(df.lazy(), kinds).collect()
    known = complete_columns(normalized) if known_columns else frozenset()
    return evaluate_frame(normalized.lazy(), as_of, rules, REGISTRY, known).collect()


def compare(expected, got_row):
    diffs = {}
    for key, want in expected.items():
        have = got_row.get(key)
        if have != want:
            diffs[key] = (want, have)
    return diffs


def test_every_conformance_case_agrees():
    groups = defaultdict(list)
    for case in load_cases(REGISTRY):
        rs = REGISTRY.get(case.rule_set)
        if rs.kind != "measures":
            continue
        groups[(case.as_of, case.rules or case.rule_set)].append(case)
    failures = []
    checked = 0
    for (as_of, rules), cases in groups.items():
        results = [single(c.profile, as_of, rules, c.review) for c in cases]
        frame = batch([a for a, _ in results], as_of, rules)
        for case, (_a, expected), row in zip(cases, results, frame.iter_rows(named=True), strict=True):
            diffs = compare(expected, row)
            checked += 1
            if diffs:
                failures.append(f"{case.file.name}: {case.name}: {diffs}")
    assert checked > 50
    assert not failures, "\n".join(failures[:20])


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(
    st.lists(profiles(complete=False), min_size=5, max_size=30),
    st.sampled_from([dt.date(2024, 6, 30), dt.date(2025, 3, 1), dt.date(2026, 6, 30)]),
)
def test_generated_profiles_agree(batch_of_profiles, as_of):
    results = []
    for p in batch_of_profiles:
        try:
            results.append(single(p, as_of))
        except rulebook.ProfileInvalid:
            continue
    if not results:
        return
    frame = batch([a for a, _ in results], as_of, None)
    for (_a, expected), row in zip(results, frame.iter_rows(named=True), strict=True):
        assert compare(expected, row) == {}


BULK = 10_000  # generated profiles per run; ZJTX_PARITY_SEED=<n> repeats a run


def test_ten_thousand_generated_profiles_agree():
    """10,000 generated profiles (a fresh seed each run, printed on failure): single path and batch agree on every one.

    The batch is evaluated once per as-of date, as one frame: the way `zjtx screen` sees a registry."""
    seed = int(os.environ.get("ZJTX_PARITY_SEED") or random.randrange(2**32))
    rnd = random.Random(seed)
    dates = [dt.date(2024, 6, 30), dt.date(2025, 3, 1), dt.date(2026, 6, 30)]
    by_date = defaultdict(list)
    complete_profiles = set()  # ids of the assessments of profiles generated with every figure
    for i in range(BULK):
        as_of = dates[i % len(dates)]
        complete = rnd.random() < 0.3
        try:
            by_date[as_of].append(single(random_profile(rnd, complete=complete), as_of))
        except rulebook.ProfileInvalid:
            continue
        if complete:
            complete_profiles.add(id(by_date[as_of][-1][0]))
    checked, failures = 0, []
    for as_of, results in by_date.items():
        frame = batch([a for a, _ in results], as_of, None)
        for n, ((_a, expected), row) in enumerate(zip(results, frame.iter_rows(named=True), strict=True)):
            checked += 1
            diffs = compare(expected, row)
            if diffs:
                failures.append(f"as of {as_of}, profile {n}: {diffs}")
        # the two-valued path: the profiles with every figure (most columns complete) and the rest, each frame told
        # its complete columns — the same answers
        full = [r for r in results if id(r[0]) in complete_profiles]
        for part in (full, [r for r in results if id(r[0]) not in complete_profiles]):
            if not part:
                continue
            frame = batch([a for a, _ in part], as_of, None, known_columns=True)
            for n, ((_a, expected), row) in enumerate(zip(part, frame.iter_rows(named=True), strict=True)):
                diffs = compare(expected, row)
                if diffs:
                    failures.append(f"as of {as_of}, two-valued path, profile {n}: {diffs}")
    assert checked >= BULK * 0.95, checked
    assert not failures, f"ZJTX_PARITY_SEED={seed}: {len(failures)} of {checked} differ\n" + "\n".join(
        failures[:20]
    )


def test_unknown_size_sector_is_undetermined_in_both_paths():
    """A size_sector id the size rules do not name: neither path may guess a class (it used to be "large" in batch)."""
    import datetime as dt

    import polars as pl

    from rulebook import default_registry
    from rulebook.flat import evaluate_frame, local_kinds, normalize

    reg = default_registry()
    row = {
        "id": "x",
        "industry": "C3511",
        "size_sector": "no-such-sector",
        "employees_2023": 50,
        "revenue_2023": 30_000_000,
        "total_assets_2023": 20_000_000,
    }
    lf = normalize(pl.DataFrame([row]).lazy(), local_kinds(reg, "cn-miit-2022"))
    out = evaluate_frame(lf, dt.date(2024, 6, 30), "cn-miit-2022", reg).collect()
    assert out["size"][0] is None
    assert out["size_is_sme"][0] is None
    assert out["size_sector_derived"][0] is None
    known = normalize(pl.DataFrame([{**row, "size_sector": None}]).lazy(), local_kinds(reg, "cn-miit-2022"))
    assert evaluate_frame(known, dt.date(2024, 6, 30), "cn-miit-2022", reg).collect()["size"][0] == "small"
