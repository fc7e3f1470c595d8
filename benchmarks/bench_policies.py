"""Policy matching speed (docs/performance.md, "Policy matching").

Goals (issue 5):
  1. one enterprise's matches among 1,000 published policies in under 100 ms;
  2. 100,000 enterprises × 1,000 policies in under 60 s, vectorised through the same engine.

What is measured:
  - authoring: checking 1,000 policies' conditions (parse, types, contradictions, compilability);
  - single: one profile's facts + every policy decided (engine), + explanations of the undetermined
    ones (what the dashboard shows); and the portal's `matching.matches_for` over 1,000 published
    policies in a real database (SQLite in a temporary folder), cold (conditions parsed) and warm;
  - batch: 100,000 synthetic enterprises (`zjtx.synth.generate_chunk`, last fiscal year 2025) ×
    1,000 policies: normalise + size class + compiled conditions, collected as one Boolean column
    per policy.

Policies are generated with a fixed seed from templates like the demo catalogue's (titles held,
revenue and staff thresholds, size class, industry and region prefixes, digital level, R&D ratio,
debt ratio, cluster, first year of a title), issued at all four levels in regions drawn from the data.

    .venv/bin/python benchmarks/bench_policies.py [--rows 100000] [--policies 1000] [--no-portal]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

import polars as pl  # noqa: E402

from rulebook import conditions as C  # noqa: E402
from zjtx.synth import generate_chunk  # noqa: E402

AS_OF = dt.date(2026, 11, 27)
FISCAL = AS_OF.year - 1
SEED = 5
ENTERPRISES = 2000  # stored enterprises for the official's eligible list


def load() -> str:
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def best(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def make_conditions(rng: random.Random, industries: list[str]) -> list[dict]:
    templates = [
        lambda: {
            "fact": "title",
            "op": "held",
            "value": rng.sample(
                ["specialized", "little_giant", "innovative", "high_tech_enterprise", "tech_sme"],
                rng.randint(1, 2),
            ),
        },
        lambda: {
            "fact": "revenue",
            "year": "y0",
            "op": ">=",
            "value": rng.choice([500, 1000, 2000, 5000, 20000]) * 10000,
        },
        lambda: {"fact": "employees", "year": "y0", "op": "<=", "value": rng.choice([100, 300, 1000])},
        lambda: {
            "fact": "size_class",
            "op": "in",
            "value": rng.choice([["micro", "small"], ["small", "medium"], ["micro", "small", "medium"]]),
        },
        lambda: {"fact": "industry", "op": "prefix", "value": rng.sample(industries, rng.randint(1, 4))},
        lambda: {"fact": "digital_level", "op": ">=", "value": rng.randint(1, 3)},
        lambda: {"expr": f"rd_ratio >= {rng.choice([2, 3, 4, 5])}%"},
        lambda: {"expr": "debt_ratio <= 70%"},
        lambda: {"fact": "cluster", "op": "in", "value": ["hz-smart-equipment"]},
        lambda: {"fact": "recognition_little_giant_since_year", "op": ">=", "value": 2025},
        lambda: {"fact": "rd_deduction_excluded_industry", "op": "is", "value": False},
        lambda: {"fact": "ip_I_main", "op": ">=", "value": rng.randint(1, 5)},
    ]
    picks = rng.sample(range(len(templates)), rng.randint(1, 5))
    return [templates[i]() for i in picks]


def make_policies(n: int, regions: list[str], industries: list[str]) -> list[tuple[str, str, list[dict]]]:
    """(level, issuer region prefix, conditions) × n, every one accepted by conditions.check()."""
    rng = random.Random(SEED)
    out = []
    while len(out) < n:
        level = rng.choices(["national", "province", "city", "county"], [3, 3, 2.5, 1.5])[0]
        digits = {"national": 0, "province": 2, "city": 4, "county": 6}[level]
        prefix = rng.choice(regions)[:digits]
        conds = make_conditions(rng, industries)
        try:
            C.check(conds, as_of=AS_OF, issuer_region=prefix)
        except C.ConditionError:
            continue
        out.append((level, prefix, conds))
    return out


def manufacturer() -> dict:
    return json.loads((ROOT / "examples" / "manufacturer.json").read_text(encoding="utf-8"))


def bench_single(policies, repeat: int) -> dict:
    checked = [C.check(c, as_of=AS_OF, issuer_region=p) for _lvl, p, c in policies]
    profile = manufacturer()

    def decide_all():
        facts = C.facts_for(profile, AS_OF)
        ctx = C.context_for(facts)
        return facts, [C.decide(ch, ctx) for ch in checked]

    t_decide, (facts, states) = best(decide_all, repeat)

    def with_explanations():
        f, s = decide_all()
        return [C.explain(ch, f) for ch, st in zip(checked, s, strict=True) if st is C.UNKNOWN]

    t_explain, _ = best(with_explanations, repeat)
    return {
        "decide_ms": t_decide * 1000,
        "with_explanations_ms": t_explain * 1000,
        "eligible": sum(1 for s in states if s is True),
        "undetermined": sum(1 for s in states if s is C.UNKNOWN),
    }


def bench_portal(policies, repeat: int) -> dict:
    """matches_for() over the policies stored in a fresh SQLite database (migrations applied)."""
    tmp = Path(tempfile.mkdtemp(prefix="zjtx-bench-policies-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ["ZJTX_DATA_DIR"] = str(tmp)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from portal.enterprises.models import Enterprise
    from portal.policies import matching
    from portal.policies.models import Policy

    matching.today = lambda: AS_OF  # the benchmark's date, whatever the clock says
    doc = manufacturer()
    ent = Enterprise.objects.create(
        name=doc["name"],
        credit_code=doc["credit_code"],
        region="330106",
        industry=doc["industry"],
        profile={**doc, "region": "330106"},
    )
    rows = []
    for i, (level, _prefix, conds) in enumerate(policies):
        # every policy applies to the enterprise's region, so all 1,000 are evaluated
        area = {"national": "", "province": "33", "city": "3301", "county": "330106"}[level]
        conds = [c for c in conds if c.get("fact") != "region"]
        rows.append(
            Policy(
                title=f"基准政策 {i}",
                level=level,
                region_code=(area + "000000")[:6] if area else "",
                region_prefix=area,
                department="基准",
                benefit_type="reward",
                conditions=conds,
                status="published",
                benefit_amount=(i % 50) * 10000,
            )
        )
    Policy.objects.bulk_create(rows)
    t_cold, first = best(lambda: matching.matches_for(ent, AS_OF), 1)
    t_warm, matches = best(lambda: matching.matches_for(ent, AS_OF), repeat)
    # an official's eligible list: one policy over ENTERPRISES stored enterprises (the batch path)
    examples = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "examples").glob("*.json"))]
    counties = ["330106", "330110", "330108", "330102", "510107", "510104"]
    stored = []
    for i in range(ENTERPRISES):
        doc = json.loads(json.dumps(examples[i % len(examples)]))
        doc["region"] = counties[i % len(counties)]
        doc.pop("credit_code", None)
        stored.append(
            Enterprise(
                name=f"基准企业 {i}",
                credit_code=f"B{i:017d}",
                region=doc["region"],
                industry=doc.get("industry", ""),
                profile=doc,
            )
        )
    Enterprise.objects.bulk_create(stored)
    policy = Policy.objects.filter(level="national").first()
    checked = matching.checked(policy, AS_OF)
    t_list_cold, result = best(lambda: matching.eligible_list(checked, Enterprise.objects.all(), AS_OF), 1)
    t_list_warm, result = best(
        lambda: matching.eligible_list(checked, Enterprise.objects.all(), AS_OF), repeat
    )
    return {
        "policies": len(matches),
        "cold_ms": t_cold * 1000,
        "warm_ms": t_warm * 1000,
        "eligible": sum(1 for m in matches if m.state is True),
        "list_enterprises": result.evaluated,
        "list_cold_s": t_list_cold,
        "list_warm_s": t_list_warm,
    }


def bench_batch(policies, rows: int, repeat: int) -> dict:
    t0 = time.perf_counter()
    frame = generate_chunk(0, rows, 1, FISCAL)
    t_data = time.perf_counter() - t0
    checked = {f"p{i}": C.check(c, as_of=AS_OF, issuer_region=p) for i, (_l, p, c) in enumerate(policies)}

    def run():
        lf = C.prepare_frame(frame.lazy(), AS_OF)
        out = C.match_frame(lf, checked, AS_OF).select(list(checked)).collect()
        return out.select([pl.col(k).sum() for k in checked]).row(0), out.select(
            [pl.col(k).is_null().sum() for k in checked]
        ).row(0)

    t, (eligible, unknown) = best(run, repeat)
    return {
        "rows": rows,
        "policies": len(checked),
        "data_s": t_data,
        "match_s": t,
        "pairs_per_s": rows * len(checked) / t,
        "eligible_pairs": int(sum(eligible)),
        "undetermined_pairs": int(sum(unknown)),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--policies", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-portal", action="store_true", help="skip the database-backed measurement")
    ap.add_argument("--json", type=Path, default=HERE / "data" / "results-policies.json")
    args = ap.parse_args()

    sample = generate_chunk(0, 5000, 1, FISCAL)
    regions = sample["region"].unique().sort().to_list()
    industries = sorted(
        {c[:3] for c in sample["industry"].to_list() if c}
        | {c[:1] for c in sample["industry"].to_list() if c}
    )
    print(f"load before: {load()}")
    t0 = time.perf_counter()
    policies = make_policies(args.policies, regions, industries)
    t_check = time.perf_counter() - t0
    print(
        f"authoring: {len(policies)} policies checked in {t_check:.2f} s ({t_check / len(policies) * 1000:.2f} ms each)"
    )

    single = bench_single(policies, args.repeat)
    print(
        f"single (engine): facts + {len(policies)} decisions {single['decide_ms']:.1f} ms; with explanations of the "
        f"{single['undetermined']} undetermined {single['with_explanations_ms']:.1f} ms "
        f"(eligible {single['eligible']})  goal < 100 ms: {'PASS' if single['with_explanations_ms'] < 100 else 'FAIL'}"
    )
    portal = None
    if not args.no_portal:
        portal = bench_portal(policies, args.repeat)
        print(
            f"single (portal matches_for, {portal['policies']} policies in SQLite): cold {portal['cold_ms']:.0f} ms, "
            f"warm {portal['warm_ms']:.1f} ms  goal < 100 ms: {'PASS' if portal['warm_ms'] < 100 else 'FAIL'}"
        )
        print(
            f"eligible list (portal, one policy over {portal['list_enterprises']:,} stored enterprises): "
            f"{portal['list_cold_s']:.2f} s with every profile flattened, {portal['list_warm_s']:.2f} s with facts cached"
        )
    batch = bench_batch(policies, args.rows, max(1, args.repeat - 1))
    print(
        f"batch: {batch['rows']:,} enterprises × {batch['policies']:,} policies in {batch['match_s']:.1f} s "
        f"({batch['pairs_per_s'] / 1e6:.1f} M pairs/s; data generated in {batch['data_s']:.1f} s, not counted); "
        f"eligible pairs {batch['eligible_pairs']:,}, undetermined {batch['undetermined_pairs']:,}  "
        f"goal < 60 s: {'PASS' if batch['match_s'] < 60 else 'FAIL'}"
    )
    print(f"load after: {load()}")
    args.json.parent.mkdir(exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "as_of": AS_OF.isoformat(),
                "authoring_s": t_check,
                "single": single,
                "portal": portal,
                "batch": batch,
                "load_after": load(),
            },
            indent=2,
        ),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
