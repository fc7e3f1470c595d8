"""Every page an official (province, city, county) and an enterprise user opens, at province scale.

Run `benchmarks/province_data.py` first (50,000 enterprises in 浙江 on top of the demo). Each page is
fetched through Django's test client (same process, DEBUG off): best of --repeat wall time, the number
of SQL queries (CaptureQueriesContext) and the peak of Python allocations (tracemalloc, a separate run).

    .venv/bin/python benchmarks/bench_pages.py --db postgres://postgres@127.0.0.1:5432/zjtx_qa7 [--only queue]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

OFFICIAL_PAGES = [
    "/",
    "/cultivation/queue/",
    "/cultivation/queue/?sort=-score",
    "/cultivation/queue/export.xlsx",
    "/cultivation/review/{app}/",
    "/cultivation/batches/",
    "/cultivation/recognitions/",
    "/cultivation/recognitions/{rec}/",
    "/enterprise/directory/",
    "/enterprise/directory/?q=浙测企业12",
    "/enterprise/{ent}/",
    "/assessments/enterprise/{ent}/",
    "/policies/manage/",
    "/policies/{pol}/eligible/",
    "/policies/{pol}/eligible.xlsx",
    "/screening/",
    "/screening/pool/",
    "/screening/pool/export.xlsx",
    "/screening/{run}/",
    "/clusters/",
    "/clusters/{cluster}/",
    "/clusters/report/",
    "/clusters/report.xlsx",
    "/dashboard/",
    "/dashboard/export/?panel=regions",
    "/inbox/",
    "/services/queue/",
    "/pairing/overview/",
]
ENTERPRISE_PAGES = [
    "/",
    "/inbox/",
    "/policies/mine/",
    "/cultivation/applications/",
    "/cultivation/my-recognitions/",
    "/assessments/history/",
    "/services/demands/",
]


def ids(user) -> dict:
    """Objects in the user's region to put in the URLs."""
    from portal.accounts.scope import scope_enterprises
    from portal.clusters.models import Cluster
    from portal.cultivation import actions
    from portal.cultivation.models import Recognition
    from portal.enterprises.models import Enterprise
    from portal.policies.models import Policy
    from portal.screening.models import ScreeningRun

    app = actions.queue_for(user).first()
    prefix = user.region_prefix
    return {
        "app": app.pk if app else 0,
        "rec": scope_enterprises(user, Recognition.objects, "enterprise__").first().pk,
        "ent": scope_enterprises(user, Enterprise.objects).filter(name__startswith="浙测").first().pk,
        "pol": Policy.objects.filter(region_prefix="33", status="published").first().pk,
        "run": ScreeningRun.objects.order_by("-pk").first().pk,
        "cluster": Cluster.objects.filter(region_code__startswith=prefix).first().pk
        if Cluster.objects.filter(region_code__startswith=prefix).exists()
        else Cluster.objects.filter(region_code__startswith="33").first().pk,
    }


def measure(client, url: str, repeat: int) -> tuple[int, float, int, float, int]:
    """(status, best seconds, queries, peak MiB of Python allocations, bytes)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(url)
    queries = len(ctx.captured_queries)
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        resp = client.get(url)
        body = b"".join(resp) if getattr(resp, "streaming", False) else resp.content
        best = min(best, time.perf_counter() - t)
    tracemalloc.start()
    client.get(url)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return resp.status_code, best, queries, peak, len(body)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default="", help="only URLs containing this text")
    parser.add_argument("--users", default="gov-zj,gov-hz,gov-xh,ent")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.db
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    from django.test import Client

    from portal.accounts.models import User

    print("| user | page | status | best ms | queries | peak MiB | KiB |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name in args.users.split(","):
        if name == "ent":
            user = User.objects.filter(username__startswith="zq-").order_by("pk").first()
            pages, fill = ENTERPRISE_PAGES, {}
        else:
            user = User.objects.get(username=name)
            pages, fill = OFFICIAL_PAGES, ids(user)
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        for page in pages:
            if args.only and args.only not in page:
                continue
            url = page.format(**fill)
            status, best, queries, peak, size = measure(client, url, args.repeat)
            print(
                f"| {name} | {url} | {status} | {best * 1000:.0f} | {queries} | {peak:.1f} | {size / 1024:.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
