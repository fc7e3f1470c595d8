"""Officials' dashboard speed with 1,000,000 enterprises in PostgreSQL (docs/performance.md, "Dashboards").

Goal (issue 7): the dashboard answers in under 1 s for a national, a province and a county official.

What is measured:
  - data: 1,000,000 enterprises inserted set-based (INSERT … SELECT generate_series) with a realistic
    spread over the country's ~2,850 counties (the manufacturing provinces weighted up) and over
    GB/T 4754 industries (about 70 % manufacturing), digital levels, plus self-assessments (~40 %),
    titles (~13 %), applications (~3 %), clusters with members, policies with pushes and grants,
    and service demands in proportion. Generated once; later runs reuse the database (--reuse).
  - refresh: `portal.dashboard.actions.run_refresh` (all metrics, county level + roll-ups), one run.
  - page: GET /dashboard/ through Django's test client for a national, a province (浙江 330000) and a
    county (杭州西湖区 330106) official, best of 5 after one warm-up; and the Excel export of one panel.
  - for contrast: the same "enterprises by industry" figure computed live for the whole country
    (a GROUP BY over the million rows), which is what pre-aggregation avoids on every view.

    .venv/bin/python benchmarks/bench_dashboard.py [--db postgres://postgres@127.0.0.1:5432/zjtx_bench_dash]
        [--enterprises 1000000] [--rebuild] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/zjtx_bench_dash"
TODAY = "2026-11-27"
SEED = 7

# Provinces weighted by their share of specialised SMEs (roughly; the point is a skewed spread).
PROVINCE_WEIGHT = {
    "33": 12,
    "44": 12,
    "32": 12,
    "37": 8,
    "31": 6,
    "11": 6,
    "35": 5,
    "34": 5,
    "42": 5,
    "51": 5,
    "41": 4,
    "43": 4,
    "50": 3,
    "12": 3,
    "13": 3,
    "36": 3,
    "61": 3,
    "21": 2,
}


def load() -> str:
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DEBUG"] = "0"  # no query log, production-like template loading
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ.setdefault("ZJTX_DATA_DIR", str(HERE / "data" / "dashboard-var"))
    import django

    django.setup()


def timed(label: str, fn, *args):
    t = time.perf_counter()
    out = fn(*args)
    dt = time.perf_counter() - t
    print(f"  {label}: {dt:.1f} s")
    return out, dt


def weighted_codes(rng: random.Random) -> tuple[list[str], list[str]]:
    """(county codes repeated by weight, industry codes repeated by weight) for array picks in SQL."""
    from portal.assessments import engine

    counties = [c for c, (_n, level) in engine.regions().items() if level == "county"]
    picks = []
    for code in counties:
        weight = PROVINCE_WEIGHT.get(code[:2], 1) * rng.choice((1, 1, 2, 3))
        picks += [code] * weight
    industries = [c for c, row in engine.industries().items() if row.get("level") == "4"]
    manufacturing = [c for c in industries if c.startswith("C")]
    others = [c for c in industries if not c.startswith("C")]
    ind = manufacturing * 3 + others  # ≈ 70 % manufacturing (C has ~525 of ~1,380 小类)
    return picks, ind


def generate(n: int) -> dict:
    """Fill the database set-based; returns the row counts."""
    from django.db import connection

    rng = random.Random(SEED)
    counties, industries = weighted_codes(rng)
    with connection.cursor() as cur:
        cur.execute("SELECT setseed(0.42)")
        # Weighted picks as numbered rows (an array column would be de-TOASTed for every generated row).
        for name, codes in (("bench_county", counties), ("bench_industry", industries)):
            cur.execute(f"DROP TABLE IF EXISTS {name}")
            cur.execute(f"CREATE UNLOGGED TABLE {name} (i integer PRIMARY KEY, code text NOT NULL)")
            cur.execute(
                f"INSERT INTO {name} SELECT i, c FROM unnest(%s::text[]) WITH ORDINALITY AS u(c, i)", [codes]
            )
        cur.execute("ANALYZE bench_county")
        cur.execute("ANALYZE bench_industry")
        sizes = [len(counties), len(industries)]
        timed(
            "enterprises",
            cur.execute,
            """
            INSERT INTO enterprises_enterprise (name, credit_code, region, industry, profile, version, created_at, updated_at)
            SELECT '压测企业' || g || '有限公司', 'B' || lpad(g::text, 17, '0'), x.region, x.industry,
                   jsonb_build_object('schema', 'zjtx.profile/1', 'name', '压测企业' || g || '有限公司',
                                      'credit_code', 'B' || lpad(g::text, 17, '0'), 'region', x.region,
                                      'industry', x.industry, 'digital_level', x.dl),
                   1, now(), now()
            FROM (SELECT s.g, c.code AS region, i.code AS industry,
                         CASE WHEN s.r3 < 0.30 THEN NULL WHEN s.r3 < 0.60 THEN 1 WHEN s.r3 < 0.85 THEN 2
                              WHEN s.r3 < 0.97 THEN 3 ELSE 4 END AS dl
                  FROM (SELECT g, 1 + floor(random() * %s)::int AS ci, 1 + floor(random() * %s)::int AS ii,
                               random() AS r3
                        FROM generate_series(1, %s) g) s
                  JOIN bench_county c ON c.i = s.ci
                  JOIN bench_industry i ON i.i = s.ii) x
            """,
            [*sizes, n],
        )
        timed(
            "self-assessments",
            cur.execute,
            """
            INSERT INTO assessments_assessment (enterprise_id, created_at, ruleset_id, ruleset_label, engine_version,
                   as_of, is_review, profile_version, input_snapshot, result, highest_tier, tier_order)
            SELECT e.id, now() - (random() * 700) * interval '1 day', 'cn-miit-2026', '', 'bench',
                   DATE '2026-11-27', false, 1, '{}'::jsonb, '{}'::jsonb,
                   (ARRAY['none', 'none', 'none', 'tech_innovative', 'tech_innovative', 'specialized',
                          'little_giant'])[1 + floor(random() * 7)::int], '[]'::jsonb
            FROM enterprises_enterprise e, generate_series(1, 2) k
            WHERE random() + e.id * 0 < CASE WHEN k = 1 THEN 0.40 ELSE 0.12 END  -- e.id: per row, not per k
            """,
        )
        timed(
            "titles",
            cur.execute,
            """
            INSERT INTO cultivation_recognition (enterprise_id, tier, certificate_no, verification_code, valid_from,
                   valid_until, status, issued_by_level, issued_by_region, revoked_reason, version, created_at)
            SELECT t.id, t.tier, 'BENCH-' || t.id || '-' || t.tier, substr(md5(t.id || t.tier), 1, 16),
                   t.vf, t.vf + 1095,
                   CASE WHEN t.r < 0.01 THEN 'revoked' WHEN t.vf + 1095 < DATE '2026-11-27' THEN 'expired'
                        ELSE 'active' END,
                   'province', substr(t.region, 1, 2) || '0000', '', 1, now()
            FROM (SELECT e.id, e.region, v.tier, random() AS r,
                         DATE '2021-01-01' + floor(random() * 2140)::int AS vf
                  FROM enterprises_enterprise e
                  CROSS JOIN (VALUES ('innovative', 0.10), ('specialized', 0.03), ('little_giant', 0.003)) v(tier, p)
                  WHERE random() + e.id * 0 < v.p) t  -- e.id: per row, not per tier
            """,
        )
        cur.execute(
            """
            INSERT INTO cultivation_batch (tier, year, name, level, region_code, review_level, opens_on, closes_on,
                   notice_days, ruleset_id, created_at)
            SELECT t, y, y || ' 年 ' || t || ' 压测批次', 'national', '', 'city', make_date(y, 3, 1), make_date(y, 6, 30),
                   5, '', now()
            FROM unnest(ARRAY['tech_innovative', 'specialized', 'little_giant']) t, generate_series(2024, 2026) y
            """
        )
        timed(
            "applications",
            cur.execute,
            """
            INSERT INTO cultivation_application (enterprise_id, batch_id, tier, kind, state, version,
                   declaration_text, last_reason, submitted_at, decided_at, created_at, updated_at)
            SELECT a.id, b.id, b.tier, 'new', a.state, 1, '', '', a.sub,
                   CASE WHEN a.state IN ('draft', 'submitted', 'withdrawn') THEN NULL
                        ELSE a.sub + (1 + random() * 40) * interval '1 day' END, now(), now()
            FROM (SELECT e.id, 1 + floor(random() * 9)::int AS bi,
                         (ARRAY['draft', 'submitted', 'submitted', 'returned', 'rejected', 'recommended', 'in_notice',
                                'recognised', 'recognised', 'withdrawn'])[1 + floor(random() * 10)::int] AS state,
                         timestamptz '2024-03-01' + (random() * 900) * interval '1 day' AS sub
                  FROM enterprises_enterprise e WHERE random() < 0.03) a
            JOIN (SELECT id, tier, row_number() OVER (ORDER BY id) AS bi FROM cultivation_batch) b ON b.bi = a.bi
            """,
        )
        counts = {}
        for table in (
            "enterprises_enterprise",
            "assessments_assessment",
            "cultivation_recognition",
            "cultivation_application",
        ):
            cur.execute(f"SELECT COUNT(*) FROM {table}")
            counts[table] = cur.fetchone()[0]
        counts.update(optional(cur))
        cur.execute("DROP TABLE bench_county")
        cur.execute("DROP TABLE bench_industry")
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return counts


def optional(cur) -> dict:
    """Clusters, policies and demands: their apps are young; skipped (and said so) if their tables differ."""
    from django.db import transaction

    out = {}
    steps = {
        "clusters_cluster": (
            """
            INSERT INTO clusters_cluster (name, level, year_recognised, region_code, industry_code, industry_text,
                   operator_name, operator_contact, description, state, state_reason, created_at, updated_at, version)
            SELECT '压测集群' || g, CASE WHEN g % 5 = 0 THEN 'national' ELSE 'provincial' END, 2020 + g % 6,
                   e.region, 'C34', '通用设备', '运营机构' || g, '', '', 'active', '', now(), now(), 1
            FROM generate_series(1, 300) g
            JOIN enterprises_enterprise e ON e.id = (SELECT min(id) FROM enterprises_enterprise) + g * 3000
            """
        ),
        "clusters_clustermembership": (
            """
            INSERT INTO clusters_clustermembership (cluster_id, enterprise_id, joined, role, created_at)
            SELECT c.id, e.id, DATE '2024-01-01', 'supporting', now()
            FROM clusters_cluster c
            JOIN LATERAL (SELECT id FROM enterprises_enterprise WHERE region = c.region_code LIMIT 40) e ON true
            """
        ),
        "policies_policy": (
            """
            INSERT INTO policies_policy (title, level, region_code, region_prefix, department, document_number,
                   benefit_type, benefit_basis, benefit_text, summary, full_text, sources, topics, conditions,
                   expression, no_application, grade, is_example, status, search_text, version, created_at, updated_at)
            SELECT '压测政策' || g, 'province', '330000', '33', '省经信厅', '', 'reward', 'none', '', '', '', '[]', '[]',
                   '[]', '', g % 2 = 0, 'A', true, 'published', '', 1, now(), now()
            FROM generate_series(1, 50) g
            """
        ),
        "policies_pushrecord": (
            """
            INSERT INTO policies_pushrecord (policy_id, enterprise_id, trigger, sent_at)
            SELECT p.id, e.id, 'published', now()
            FROM policies_policy p
            JOIN enterprises_enterprise e ON e.id % 50 = p.id % 50 AND e.region LIKE '33%%' AND e.id % 7 = 0
            """
        ),
        "policies_grant": (
            """
            INSERT INTO policies_grant (policy_id, enterprise_id, region, status, reason, confirmed_at, version)
            SELECT x.policy_id, x.enterprise_id, e.region,
                   (ARRAY['pending', 'paid', 'paid', 'refused'])[1 + floor(random() * 4)::int], '', now(), 1
            FROM policies_pushrecord x JOIN enterprises_enterprise e ON e.id = x.enterprise_id
            WHERE random() < 0.3
            """
        ),
        "services_demand": (
            """
            INSERT INTO services_demand (enterprise_id, category, title, text, urgency, state, routed_level,
                   routed_region, target_days, created_at, due_on, first_response_at, comment, version)
            SELECT e.id, (ARRAY['financing', 'digital_transformation', 'legal', 'ip', 'talent'])[1 + e.id % 5],
                   '压测诉求', '内容', 'normal', CASE WHEN e.id % 3 = 0 THEN 'open' ELSE 'answered' END,
                   'county', e.region, 5, d.c, (d.c + interval '7 days')::date,
                   CASE WHEN e.id % 3 = 0 THEN NULL ELSE d.c + (random() * 200) * interval '1 hour' END, '', 1
            FROM enterprises_enterprise e
            CROSS JOIN LATERAL (SELECT timestamptz '2026-01-01' + (random() * 300 + e.id * 0) * interval '1 day' AS c) d
            WHERE e.id % 100 = 0
            """
        ),
    }
    for table, sql in steps.items():
        try:
            with transaction.atomic():
                cur.execute(sql)
                cur.execute(f"SELECT COUNT(*) FROM {table}")
                out[table] = cur.fetchone()[0]
        except Exception as exc:  # noqa: BLE001 - a young app's schema changed: report and go on
            out[table] = f"skipped ({type(exc).__name__}: {str(exc).splitlines()[0][:120]})"
    return out


def best(fn, repeat: int) -> float:
    fn()  # warm-up: template loading, first query plans
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", default=os.environ.get("ZJTX_BENCH_DASH_DB", DEFAULT_DB))
    parser.add_argument("--enterprises", type=int, default=1_000_000)
    parser.add_argument("--rebuild", action="store_true", help="drop every table's data and generate again")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    ensure_database(args.db)
    setup_django(args.db)
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from portal.accounts.models import User
    from portal.accounts.roles import Role
    from portal.dashboard import actions, stats
    from portal.enterprises.models import Enterprise

    print(f"database {urlparse(args.db).path.lstrip('/')}, load {load()}")
    call_command("migrate", verbosity=0)
    have = Enterprise.objects.count()
    if args.rebuild or have != args.enterprises:
        if have:
            print(f"  emptying the {have:,} enterprises present (and everything else)")
            call_command("flush", interactive=False, verbosity=0)
        print(f"generating {args.enterprises:,} enterprises …")
        t = time.perf_counter()
        counts = generate(args.enterprises)
        print(f"  generated in {time.perf_counter() - t:.1f} s")
    else:
        print(f"reusing {have:,} enterprises (--rebuild to regenerate)")
        counts = {}
        with connection.cursor() as cur:
            for table in (
                "assessments_assessment",
                "cultivation_recognition",
                "cultivation_application",
                "clusters_clustermembership",
                "policies_pushrecord",
                "policies_grant",
                "services_demand",
            ):
                cur.execute(f"SELECT COUNT(*) FROM {table}")
                counts[table] = cur.fetchone()[0]
    for table, n in counts.items():
        print(f"  {table}: {n:,}" if isinstance(n, int) else f"  {table}: {n}")

    run = actions.begin_refresh(None)
    t = time.perf_counter()
    steps: list[tuple[str, float]] = []
    outcome = actions.run_refresh(run, timings=steps)
    refresh_s = time.perf_counter() - t
    if outcome["state"] != "done":
        run.refresh_from_db()
        sys.exit(run.error)
    print(f"refresh_stats: {refresh_s:.2f} s, {outcome['rows']:,} statistic rows")

    officials = {
        "national": ("bench-national", Role.NATIONAL, ""),
        "province 330000": ("bench-zj", Role.PROVINCE, "330000"),
        "city 330100": ("bench-hz", Role.CITY, "330100"),
        "county 330106": ("bench-xh", Role.COUNTY, "330106"),
    }
    results = []
    for label, (username, role, region) in officials.items():
        user, _ = User.objects.get_or_create(
            username=username, defaults={"role": role, "region_code": region}
        )
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)

        def view(c=client):
            resp = c.get("/dashboard/")
            assert resp.status_code == 200, resp.status_code
            return resp

        def export(c=client):
            resp = c.get("/dashboard/export/", {"panel": "regions"})
            assert resp.status_code == 200, resp.status_code

        page_s = best(view, args.repeat)
        export_s = best(export, args.repeat)
        ents = stats.load(user.region_prefix).total("enterprises")
        results.append((label, ents, page_s, export_s))

    with connection.cursor() as cur:
        t = time.perf_counter()
        cur.execute("SELECT upper(substr(industry, 1, 1)), COUNT(*) FROM enterprises_enterprise GROUP BY 1")
        cur.fetchall()
        live_s = time.perf_counter() - t

    print()
    print(
        f"| official | enterprises in scope | GET /dashboard/ (best of {args.repeat}) | export regions .xlsx |"
    )
    print("|---|---:|---:|---:|")
    for label, ents, page_s, export_s in results:
        verdict = "✓" if page_s < 1 else "✗ over 1 s"
        print(f"| {label} | {ents:,} | {page_s * 1000:.0f} ms {verdict} | {export_s * 1000:.0f} ms |")
    print()
    print(f"refresh_stats (every metric, county + roll-ups): {refresh_s:.2f} s → {outcome['rows']:,} rows")
    print("refresh steps: " + ", ".join(f"{label} {sec:.2f} s" for label, sec in steps))
    print(f"for contrast, one live GROUP BY industry over all enterprises: {live_s * 1000:.0f} ms")
    print(f"load average after: {load()}")


if __name__ == "__main__":
    main()
