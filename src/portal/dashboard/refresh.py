"""Recompute every dashboard figure with set-based SQL: GROUP BY on the database, never a Python loop.

How: each metric is one `INSERT INTO dashboard_regionstat … SELECT county, key, year, COUNT(*) …
GROUP BY …` over the source tables; then three more INSERT … SELECT statements roll the county rows
up to city (substr(region, 1, 4)), province (substr(region, 1, 2)) and the country (''). The whole
recomputation is one transaction, so readers see the previous figures until it commits, and a
failure leaves them intact. Works on PostgreSQL and SQLite; the few differences (JSON access, year
of a date, length of an interval) are the small helpers below.

Apps still being built (policies, services, clusters) are optional: when their models cannot be
imported or their tables do not exist yet, their metrics are skipped and their panels say 暂无数据.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from collections.abc import Callable, Iterator

from django.db import connection, transaction
from django.utils import timezone

from .models import RegionStat

log = logging.getLogger(__name__)

STAT = RegionStat._meta.db_table
COLUMNS = '(region, parent, metric, "key", "year", "count", total)'


class Dialect:
    """The SQL that differs between PostgreSQL and SQLite."""

    def __init__(self, vendor: str):
        if vendor not in ("postgresql", "sqlite"):
            raise RuntimeError(f"统计看板只支持 PostgreSQL 和 SQLite（当前数据库：{vendor}）")
        self.pg = vendor == "postgresql"

    def json_text(self, column: str, key: str) -> str:
        """The JSON member `key` of `column` as text ('3' for 3), NULL when absent."""
        if self.pg:
            return f"({column} ->> '{key}')"
        return f"CAST(json_extract({column}, '$.{key}') AS TEXT)"

    def year_of_date(self, column: str) -> str:
        if self.pg:
            return f"CAST(EXTRACT(YEAR FROM {column}) AS INTEGER)"
        return f"CAST(substr({column}, 1, 4) AS INTEGER)"

    def days_between(self, start: str, end: str) -> str:
        if self.pg:
            return f"(EXTRACT(EPOCH FROM ({end} - {start})) / 86400.0)"
        return f"(julianday({end}) - julianday({start}))"


def _table(model) -> str:
    return model._meta.db_table


def _optional_models(app: str, names: tuple[str, ...]) -> tuple | None:
    """The models of an app being built in parallel, or None when it has no models or tables yet."""
    try:
        module = __import__(f"portal.{app}.models", fromlist=list(names))
        models = tuple(getattr(module, n) for n in names)
    except (ImportError, AttributeError):
        return None
    existing = set(connection.introspection.table_names())
    if any(_table(m) not in existing for m in models):
        return None
    return models


def available(app: str) -> bool:
    """True when an optional app (policies, services, clusters) has its tables: used by the panels."""
    names = {
        "policies": ("Policy", "PushRecord", "Grant"),
        "services": ("Demand",),
        "clusters": ("Cluster", "ClusterMembership"),
    }[app]
    return _optional_models(app, names) is not None


# ---------------------------------------------------------------------------------------------------
# County-level statements: each yields (sql, params). The SELECT list is always
# region (6 digits), parent (4 digits), metric, key, year, count, total.


def _enterprise_metrics(d: Dialect, today: dt.date) -> Iterator[tuple[str, list]]:
    from portal.enterprises.models import Enterprise

    e = _table(Enterprise)
    industry = "upper(substr(e.industry, 1, 1))"
    yield (
        f"INSERT INTO {STAT} {COLUMNS} "
        f"SELECT e.region, substr(e.region, 1, 4), 'industry', {industry}, 0, COUNT(*), 0 "
        f"FROM {e} e WHERE length(e.region) = 6 GROUP BY e.region, {industry}",
        [],
    )
    # The total per county, from the rows just written (no second pass over the enterprises).
    yield (
        f"INSERT INTO {STAT} {COLUMNS} "
        f"SELECT region, parent, 'enterprises', '', 0, SUM(\"count\"), 0 "
        f"FROM {STAT} WHERE metric = 'industry' GROUP BY region, parent",
        [],
    )
    level = d.json_text("e.profile", "digital_level")
    bucket = f"CASE WHEN {level} IN ('1', '2', '3', '4') THEN {level} ELSE 'none' END"
    yield (
        f"INSERT INTO {STAT} {COLUMNS} "
        f"SELECT e.region, substr(e.region, 1, 4), 'digital', {bucket}, 0, COUNT(*), 0 "
        f"FROM {e} e WHERE length(e.region) = 6 GROUP BY e.region, {bucket}",
        [],
    )


def _ladder_metrics(d: Dialect, today: dt.date) -> Iterator[tuple[str, list]]:
    from portal.assessments.models import Assessment
    from portal.cultivation.models import Application, Batch, Recognition
    from portal.enterprises.models import Enterprise

    e, r, a = _table(Enterprise), _table(Recognition), _table(Assessment)
    app, batch = _table(Application), _table(Batch)
    year = d.year_of_date("r.valid_from")
    # Titles granted per tier and year of validity start (revoked titles are not counted).
    yield (
        f"INSERT INTO {STAT} {COLUMNS} "
        f"SELECT e.region, substr(e.region, 1, 4), 'recognised', r.tier, {year}, COUNT(*), 0 "
        f"FROM {r} r JOIN {e} e ON e.id = r.enterprise_id "
        f"WHERE length(e.region) = 6 AND r.status <> 'revoked' "
        f"GROUP BY e.region, r.tier, {year}",
        [],
    )
    # Titles held today.
    yield (
        f"INSERT INTO {STAT} {COLUMNS} "
        f"SELECT e.region, substr(e.region, 1, 4), 'titles_active', r.tier, 0, COUNT(*), 0 "
        f"FROM {r} r JOIN {e} e ON e.id = r.enterprise_id "
        f"WHERE length(e.region) = 6 AND r.status = 'active' AND r.valid_from <= %s AND r.valid_until >= %s "
        f"GROUP BY e.region, r.tier",
        [today, today],
    )
    # Each enterprise's latest self-assessment under the measures in force (the enterprise's own estimate, not a
    # title): one made for a past date under the 2022 measures would count 创新型 beside the 2026 ladder's rungs.
    from portal.assessments import engine

    in_force = engine.rules_in_force(today).id
    yield (
        f"INSERT INTO {STAT} {COLUMNS} "
        f"SELECT e.region, substr(e.region, 1, 4), 'self_tier', t.highest_tier, 0, COUNT(*), 0 "
        f"FROM (SELECT enterprise_id, highest_tier, ROW_NUMBER() OVER "
        f"(PARTITION BY enterprise_id ORDER BY created_at DESC, id DESC) AS rn FROM {a} "
        f"WHERE (ruleset_id = %s OR ruleset_id LIKE %s) AND is_review = %s) t "
        f"JOIN {e} e ON e.id = t.enterprise_id "
        f"WHERE t.rn = 1 AND length(e.region) = 6 GROUP BY e.region, t.highest_tier",
        [in_force, in_force + "+%", False],
    )
    yield (
        f"INSERT INTO {STAT} {COLUMNS} "
        f"SELECT e.region, substr(e.region, 1, 4), 'applications', ap.state, b.year, COUNT(*), 0 "
        f"FROM {app} ap JOIN {e} e ON e.id = ap.enterprise_id JOIN {batch} b ON b.id = ap.batch_id "
        f"WHERE length(e.region) = 6 AND ap.state <> 'draft' GROUP BY e.region, ap.state, b.year",
        [],
    )
    days = d.days_between("ap.submitted_at", "ap.decided_at")
    yield (
        f"INSERT INTO {STAT} {COLUMNS} "
        f"SELECT e.region, substr(e.region, 1, 4), 'review_days', ap.tier, 0, COUNT(*), COALESCE(SUM({days}), 0) "
        f"FROM {app} ap JOIN {e} e ON e.id = ap.enterprise_id "
        f"WHERE length(e.region) = 6 AND ap.submitted_at IS NOT NULL AND ap.decided_at IS NOT NULL "
        f"AND ap.decided_at >= ap.submitted_at AND ap.state NOT IN ('draft', 'submitted', 'withdrawn') "
        f"GROUP BY e.region, ap.tier",
        [],
    )


def _policy_metrics(d: Dialect, today: dt.date) -> Iterator[tuple[str, list]]:
    found = _optional_models("policies", ("Policy", "PushRecord", "Grant"))
    if found is None:
        return
    from portal.enterprises.models import Enterprise

    _policy, push, grant = found
    e, p, g = _table(Enterprise), _table(push), _table(grant)
    pid = "CAST(x.policy_id AS TEXT)"
    # Eligible: enterprises the platform found matching and told (one PushRecord per policy and enterprise).
    yield (
        f"INSERT INTO {STAT} {COLUMNS} "
        f"SELECT e.region, substr(e.region, 1, 4), 'policy_eligible', {pid}, 0, COUNT(*), 0 "
        f"FROM {p} x JOIN {e} e ON e.id = x.enterprise_id WHERE length(e.region) = 6 "
        f"GROUP BY e.region, x.policy_id",
        [],
    )
    # Granted: confirmed on a 免申即享 list (not refused); paid: paid out.
    for metric, condition in (
        ("policy_granted", "x.status <> 'refused'"),
        ("policy_paid", "x.status = 'paid'"),
    ):
        yield (
            f"INSERT INTO {STAT} {COLUMNS} "
            f"SELECT x.region, substr(x.region, 1, 4), '{metric}', {pid}, 0, COUNT(*), 0 "
            f"FROM {g} x WHERE length(x.region) = 6 AND {condition} GROUP BY x.region, x.policy_id",
            [],
        )


def _service_metrics(d: Dialect, today: dt.date) -> Iterator[tuple[str, list]]:
    found = _optional_models("services", ("Demand",))
    if found is None:
        return
    from portal.enterprises.models import Enterprise

    e, dm = _table(Enterprise), _table(found[0])
    hours = f"({d.days_between('x.created_at', 'x.first_response_at')} * 24)"
    base = f"FROM {dm} x JOIN {e} e ON e.id = x.enterprise_id WHERE length(e.region) = 6 AND x.state <> 'withdrawn'"
    yield (
        f"INSERT INTO {STAT} {COLUMNS} "
        f"SELECT e.region, substr(e.region, 1, 4), 'demands', x.category, 0, COUNT(*), 0 "
        f"{base} GROUP BY e.region, x.category",
        [],
    )
    yield (
        f"INSERT INTO {STAT} {COLUMNS} "
        f"SELECT e.region, substr(e.region, 1, 4), 'demand_responded', x.category, 0, COUNT(*), COALESCE(SUM({hours}), 0) "
        f"{base} AND x.first_response_at IS NOT NULL AND x.first_response_at >= x.created_at "
        f"GROUP BY e.region, x.category",
        [],
    )
    yield (
        f"INSERT INTO {STAT} {COLUMNS} "
        f"SELECT e.region, substr(e.region, 1, 4), 'demand_overdue', x.category, 0, COUNT(*), 0 "
        f"{base} AND x.first_response_at IS NULL AND x.state = 'open' AND x.due_on < %s "
        f"GROUP BY e.region, x.category",
        [today],
    )


def _cluster_metrics(d: Dialect, today: dt.date) -> Iterator[tuple[str, list]]:
    found = _optional_models("clusters", ("Cluster", "ClusterMembership"))
    if found is None:
        return
    c, m = _table(found[0]), _table(found[1])
    where = "length(c.region_code) = 6 AND c.state = 'active'"
    yield (
        f"INSERT INTO {STAT} {COLUMNS} "
        f"SELECT c.region_code, substr(c.region_code, 1, 4), 'clusters', c.level, 0, COUNT(*), 0 "
        f"FROM {c} c WHERE {where} GROUP BY c.region_code, c.level",
        [],
    )
    yield (
        f"INSERT INTO {STAT} {COLUMNS} "
        f"SELECT c.region_code, substr(c.region_code, 1, 4), 'cluster_members', c.level, 0, COUNT(*), 0 "
        f"FROM {m} x JOIN {c} c ON c.id = x.cluster_id WHERE {where} GROUP BY c.region_code, c.level",
        [],
    )


METRIC_GROUPS: tuple[Callable[[Dialect, dt.date], Iterator[tuple[str, list]]], ...] = (
    _enterprise_metrics,
    _ladder_metrics,
    _policy_metrics,
    _service_metrics,
    _cluster_metrics,
)

# County → city → province → country, each from the level below (a few hundred thousand rows at most).
ROLLUPS = (
    (6, "substr(region, 1, 4)", "substr(region, 1, 2)"),
    (4, "substr(region, 1, 2)", "''"),
    (2, "''", "NULL"),
)


def _rollup_sql(length: int, region: str, parent: str) -> str:
    groups = ", ".join(e for e in (region, parent) if "substr" in e)  # PostgreSQL: no constants here
    return (
        f"INSERT INTO {STAT} {COLUMNS} "
        f'SELECT {region}, {parent}, metric, "key", "year", SUM("count"), SUM(total) '
        f'FROM {STAT} WHERE length(region) = {length} GROUP BY {groups + ", " if groups else ""}metric, "key", "year"'
    )


def _label(sql: str) -> str:
    found = re.search(r"'(\w+)', ", sql)
    return found.group(1) if found else sql[:40]


def recompute(today: dt.date | None = None, timings: list | None = None) -> int:
    """Replace every RegionStat row with freshly computed figures; returns the number of rows.

    `timings`, when given, receives (step, seconds) per statement (for benchmarks/bench_dashboard.py).
    """
    today = today or timezone.localdate()
    dialect = Dialect(connection.vendor)
    with transaction.atomic(), connection.cursor() as cur:
        if dialect.pg:
            # One recomputation at a time; readers (plain SELECTs) are not blocked.
            cur.execute(f"LOCK TABLE {STAT} IN EXCLUSIVE MODE")
        cur.execute(f"DELETE FROM {STAT}")
        steps = [
            (_label(sql), sql, params) for group in METRIC_GROUPS for sql, params in group(dialect, today)
        ]
        steps += [(f"roll-up of {n}-digit rows", _rollup_sql(n, r, p), []) for n, r, p in ROLLUPS]
        for label, sql, params in steps:
            started = time.perf_counter()
            cur.execute(sql, params)
            if timings is not None:
                timings.append((label, time.perf_counter() - started))
        cur.execute(f"SELECT COUNT(*) FROM {STAT}")
        rows = cur.fetchone()[0]
    log.info("dashboard: %d statistic rows recomputed", rows)
    return rows
