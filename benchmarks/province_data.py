"""A province-sized installation for page measurements (docs/performance.md, "Pages at province scale").

On top of `manage.py load_demo` (its accounts, batches, policies, clusters), fills 浙江 (33) with N
enterprises (default 50,000) copied from the demo's full profiles, set-based: an enterprise user each,
self-assessments with real results (a quarter of the enterprises), applications in every state with
their audit trail and notifications, titles, policy pushes and 免申即享 grants, cluster members,
service demands and a screening run with candidates in the pool.

    createdb -h 127.0.0.1 -U postgres zjtx_prov
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/zjtx_prov
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py load_demo
    .venv/bin/python manage.py db_worker --batch --no-startup-delay --no-reload
    .venv/bin/python benchmarks/province_data.py --db $DATABASE_URL [-n 50000]   # about 30 s
    psql -h 127.0.0.1 -U postgres zjtx_prov -c "VACUUM ANALYZE"   # what autovacuum does on a live server
    .venv/bin/python manage.py refresh_dashboard --run-now
    .venv/bin/python benchmarks/bench_pages.py --db $DATABASE_URL
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

STEPS = {
    "enterprises": """
        INSERT INTO enterprises_enterprise (name, credit_code, region, industry, profile, version, created_at, updated_at)
        SELECT '浙测企业' || g || '有限公司', 'Q' || lpad(g::text, 17, '0'), c.code, t.industry,
               t.profile || jsonb_build_object('name', '浙测企业' || g || '有限公司',
                                               'credit_code', 'Q' || lpad(g::text, 17, '0'), 'region', c.code),
               1, now() - (g %% 700) * interval '1 day', now()
        FROM generate_series(1, %(n)s) g
        JOIN prov_county c ON c.i = 1 + g * 7919 %% (SELECT count(*) FROM prov_county)
        JOIN prov_template t ON t.i = 1 + g %% (SELECT count(*) FROM prov_template)
    """,
    "users": """
        INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email, is_staff,
               is_active, date_joined, role, region_code, organisation, phone, enterprise_id)
        SELECT (SELECT password FROM accounts_user WHERE username = 'gov-zj'), false, 'zq-' || e.id, '', '', '',
               false, true, now(), 'enterprise', '', '', '', e.id
        FROM enterprises_enterprise e WHERE e.name LIKE '浙测企业%%'
    """,
    "assessments": """
        INSERT INTO assessments_assessment (enterprise_id, created_at, ruleset_id, ruleset_label, engine_version,
               as_of, is_review, profile_version, input_snapshot, result, highest_tier, tier_order)
        SELECT e.id, now() - (e.id %% 500) * interval '1 day', a.ruleset_id, a.ruleset_label, a.engine_version,
               a.as_of, false, 1, a.input_snapshot, a.result, a.highest_tier, a.tier_order
        FROM enterprises_enterprise e
        JOIN prov_assessment a ON a.i = 1 + e.id %% (SELECT count(*) FROM prov_assessment)
        WHERE e.name LIKE '浙测企业%%' AND e.id %% 4 = 0
    """,
    "applications": """
        INSERT INTO cultivation_application (enterprise_id, batch_id, tier, kind, state, version, profile_snapshot,
               declaration_text, declaration_signed_at, last_reason, submitted_at, decided_at, notice_starts,
               notice_ends, created_at, updated_at, assessment_id)
        SELECT x.enterprise_id, b.id, b.tier, 'new', x.state, 1, e.profile, '本企业承诺所填信息真实', x.sub, '',
               CASE WHEN x.state = 'draft' THEN NULL ELSE x.sub END,
               CASE WHEN x.state IN ('draft', 'submitted', 'withdrawn') THEN NULL ELSE x.sub + interval '12 days' END,
               CASE WHEN x.state = 'in_notice' THEN CURRENT_DATE - 2 END,
               CASE WHEN x.state = 'in_notice' THEN CURRENT_DATE + 3 END, x.sub, x.sub, x.assessment_id
        FROM (SELECT a.enterprise_id, max(a.id) AS assessment_id,
                     (ARRAY['draft', 'submitted', 'submitted', 'submitted', 'returned', 'rejected', 'recommended',
                            'in_notice', 'notice_ended', 'recognised', 'recognised', 'withdrawn'])
                        [1 + (a.enterprise_id / 4) %% 12] AS state,
                     (ARRAY[1, 3, 3, 5, 6, 7, 10])[1 + (a.enterprise_id / 48) %% 7] AS bid,
                     timestamptz '2026-10-10' + (a.enterprise_id %% 40) * interval '1 day' AS sub
              FROM assessments_assessment a JOIN enterprises_enterprise e ON e.id = a.enterprise_id
              WHERE e.name LIKE '浙测企业%%' AND a.enterprise_id %% 8 = 0 GROUP BY a.enterprise_id) x
        JOIN cultivation_batch b ON b.id = x.bid
        JOIN enterprises_enterprise e ON e.id = x.enterprise_id
    """,
    "recognitions": """
        INSERT INTO cultivation_recognition (enterprise_id, application_id, tier, certificate_no, verification_code,
               valid_from, valid_until, status, issued_by_level, issued_by_region, revoked_reason, version, created_at)
        SELECT e.id, a.id, coalesce(a.tier, t.tier), 'ZQ-' || e.id || '-' || coalesce(a.tier, t.tier),
               substr(md5('zq' || e.id || coalesce(a.tier, t.tier)), 1, 16),
               d.vf, d.vf + 1095, CASE WHEN d.vf + 1095 < CURRENT_DATE THEN 'expired' ELSE 'active' END,
               'province', '330000', '', 1, now()
        FROM enterprises_enterprise e
        LEFT JOIN cultivation_application a ON a.enterprise_id = e.id AND a.state = 'recognised'
        CROSS JOIN LATERAL (SELECT (ARRAY['innovative', 'specialized', 'innovative'])[1 + e.id %% 3] AS tier) t
        CROSS JOIN LATERAL (SELECT DATE '2022-06-01' + (e.id %% 1600)::int AS vf) d
        WHERE e.name LIKE '浙测企业%%' AND (a.id IS NOT NULL OR e.id %% 6 = 1)
    """,
    "audit": """
        INSERT INTO audit_auditentry (at, action, target_type, target_id, target_label, region_code, from_state,
               to_state, reason, data, actor_id)
        SELECT a.created_at + k * interval '1 hour', (ARRAY['cultivation.create_application', 'cultivation.submit',
               'cultivation.attach_evidence', 'cultivation.approve', 'cultivation.recognise'])[k],
               'cultivation.application', a.id::text, e.name, e.region, '', a.state, '', '{}'::jsonb, NULL::bigint
        FROM cultivation_application a JOIN enterprises_enterprise e ON e.id = a.enterprise_id,
             generate_series(1, 5) k
        WHERE e.name LIKE '浙测企业%%'
        UNION ALL
        SELECT e.created_at, 'enterprise.registered', 'enterprises.enterprise', e.id::text, e.name, e.region, '', '',
               '', '{}'::jsonb, NULL::bigint
        FROM enterprises_enterprise e WHERE e.name LIKE '浙测企业%%'
    """,
    "notifications": """
        INSERT INTO inbox_notification (created_at, title, body, url, topic, read_at, enterprise_id, user_id, message)
        SELECT now() - k * interval '3 days', '申报状态更新', '您的申报已受理', '/cultivation/applications/', 'cultivation',
               CASE WHEN k > 1 THEN now() END, e.id, NULL::bigint, '{}'::jsonb
        FROM enterprises_enterprise e, generate_series(1, 3) k WHERE e.name LIKE '浙测企业%%'
        UNION ALL
        SELECT now() - k * interval '1 hour', '待办提醒 ' || k, '有新的申报待审核', '/cultivation/queue/', 'cultivation',
               NULL, NULL, u.id, '{}'::jsonb
        FROM accounts_user u, generate_series(1, 400) k WHERE u.username IN ('gov-zj', 'gov-hz', 'gov-xh')
    """,
    "pushes": """
        INSERT INTO policies_pushrecord (policy_id, enterprise_id, trigger, sent_at)
        SELECT p.id, e.id, 'published', now()
        FROM policies_policy p JOIN enterprises_enterprise e ON e.region LIKE p.region_prefix || '%%'
        WHERE p.status = 'published' AND p.region_prefix LIKE '33%%' AND e.name LIKE '浙测企业%%' AND e.id %% 3 = 0
        ON CONFLICT DO NOTHING
    """,
    "province grants": """
        UPDATE policies_policy SET no_application = true WHERE status = 'published' AND region_prefix = '33'
    """,
    "grants": """
        INSERT INTO policies_grant (policy_id, enterprise_id, region, amount, status, reason, confirmed_at, version)
        SELECT p.id, e.id, e.region, 100000, (ARRAY['pending', 'paid', 'paid', 'refused'])[1 + e.id %% 4], '',
               now(), 1
        FROM policies_policy p JOIN enterprises_enterprise e ON e.region LIKE p.region_prefix || '%%'
        WHERE p.no_application AND p.status = 'published' AND p.region_prefix LIKE '33%%'
              AND e.name LIKE '浙测企业%%' AND e.id %% 5 = 0
        ON CONFLICT DO NOTHING
    """,
    "cluster members": """
        INSERT INTO clusters_clustermembership (cluster_id, enterprise_id, joined, role, created_at)
        SELECT c.id, e.id, DATE '2024-01-01', 'supporting', now()
        FROM clusters_cluster c JOIN enterprises_enterprise e ON e.region = c.region_code
        WHERE c.region_code LIKE '33%%' AND e.name LIKE '浙测企业%%'
        ON CONFLICT DO NOTHING
    """,
    "demands": """
        INSERT INTO services_demand (enterprise_id, category, title, text, urgency, state, routed_level,
               routed_region, target_days, created_at, due_on, first_response_at, comment, version)
        SELECT e.id, (ARRAY['financing', 'digital_transformation', 'legal', 'ip', 'talent'])[1 + e.id %% 5],
               '融资需求 ' || e.id, '内容', 'normal', CASE WHEN e.id %% 3 = 0 THEN 'open' ELSE 'answered' END,
               'county', e.region, 5, now() - (e.id %% 90) * interval '1 day', CURRENT_DATE - (e.id %% 90)::int + 7,
               CASE WHEN e.id %% 3 = 0 THEN NULL ELSE now() - (e.id %% 90) * interval '1 day' + interval '5 hours' END,
               '', 1
        FROM enterprises_enterprise e WHERE e.name LIKE '浙测企业%%' AND e.id %% 10 = 0
    """,
}


def prepare(cur) -> None:
    """Numbered helper tables: 浙江's counties, the demo's profiles and assessments to copy."""
    from portal.assessments import engine

    counties = sorted(c for c, (_n, level) in engine.regions().items() if level == "county" and c[:2] == "33")
    cur.execute("DROP TABLE IF EXISTS prov_county, prov_template, prov_assessment")
    cur.execute("CREATE UNLOGGED TABLE prov_county (i integer PRIMARY KEY, code text)")
    cur.execute(
        "INSERT INTO prov_county SELECT i, c FROM unnest(%s::text[]) WITH ORDINALITY u(c, i)", [counties]
    )
    cur.execute(
        "CREATE UNLOGGED TABLE prov_template AS SELECT row_number() OVER (ORDER BY id) AS i, industry, profile "
        "FROM enterprises_enterprise"
    )
    cur.execute(
        "CREATE UNLOGGED TABLE prov_assessment AS SELECT row_number() OVER (ORDER BY id) AS i, * "
        "FROM assessments_assessment"
    )


def credit_code(first17: str) -> str:
    """A 统一社会信用代码 with its GB 32100-2015 check character (a wrong one makes the profile unreadable)."""
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    total = sum(chars.index(c) * w for c, w in zip(first17, weights, strict=True))
    return first17 + chars[(31 - total % 31) % 31]


def valid_codes(cur) -> None:
    """Give the generated enterprises valid credit codes, in the column and in the profile."""
    cur.execute("SELECT id FROM enterprises_enterprise WHERE name LIKE '浙测企业%%' ORDER BY id")
    ids = [row[0] for row in cur.fetchall()]
    codes = [credit_code(f"9133{pk:013d}") for pk in ids]
    cur.execute(
        """
        UPDATE enterprises_enterprise e SET credit_code = u.code,
               profile = e.profile || jsonb_build_object('credit_code', u.code)
        FROM unnest(%s::bigint[], %s::text[]) AS u(id, code) WHERE e.id = u.id
        """,
        [ids, codes],
    )


def screening(cur) -> None:
    """One finished province run with 20,000 candidates, 5,000 of them in the pool."""
    cur.execute(
        """
        INSERT INTO screening_screeningrun (region_code, upload_path, original_name, input_format, output_format,
               upload_size, as_of, rules, state, phase, phase_done, phase_total, rows_done, rows_total, summary,
               error_message, output_path, results_path, errors_path, task_id, created_at, started_at, finished_at,
               official_id, files_kept_days)
        SELECT '330000', '', '浙江名录.xlsx', 'xlsx', 'xlsx', 1000, CURRENT_DATE, 'cn-miit-2026', 'done', '', 0, 0,
               20000, 20000, '{}'::jsonb, '', '', '', '', '', now(), now(), now(), u.id, 90
        FROM accounts_user u WHERE u.username = 'gov-zj' RETURNING id
        """
    )
    run_id = cur.fetchone()[0]
    cur.execute(
        """
        INSERT INTO screening_candidate (run_id, row, external_id, credit_code, name, region, industry, size,
               highest_tier, tier_rank, qualified, next_tier, gap, gap_reaches, in_pool, pool_note, pooled_at,
               pooled_by_id)
        SELECT %s, g, '', 'S' || lpad(g::text, 17, '0'), '名录企业' || g, c.code, 'C3411', 'small',
               'tech_innovative', 1, '[]'::jsonb, 'specialized', '研发费用需增加 32.5 万元', true, g %% 4 = 0, '',
               CASE WHEN g %% 4 = 0 THEN now() END, NULL
        FROM generate_series(1, 20000) g JOIN prov_county c ON c.i = 1 + g %% (SELECT count(*) FROM prov_county)
        """,
        [run_id],
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", required=True)
    parser.add_argument("-n", type=int, default=50_000)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.db
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:
        prepare(cur)
        for label, sql in STEPS.items():
            t = time.perf_counter()
            cur.execute(sql, {"n": args.n})
            print(f"{label}: {cur.rowcount:,} rows, {time.perf_counter() - t:.1f} s", flush=True)
            if label == "enterprises":
                valid_codes(cur)
        screening(cur)
        cur.execute("DROP TABLE prov_county, prov_template, prov_assessment")
    with connection.cursor() as cur:
        cur.execute("ANALYZE")


if __name__ == "__main__":
    main()
