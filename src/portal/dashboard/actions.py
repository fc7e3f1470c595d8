"""The dashboard's one state change: an official asks for fresh figures (and the job's own steps).

A refresh recomputes the figures of every region (they are one table), so any official may ask for
one; a second request while one is queued or running is refused with a message saying so.
"""

from __future__ import annotations

import datetime as dt
import time

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from portal.actions import NotAllowed
from portal.audit.record import record

from . import refresh
from .models import RefreshState, StatsRefresh

# A request older than this that never started (no worker running?) no longer blocks a new one.
STALE_AFTER = dt.timedelta(minutes=30)


def _require_official(actor) -> str:
    prefix = getattr(actor, "region_prefix", None)
    if not getattr(actor, "is_authenticated", False) or prefix is None:
        raise NotAllowed(gettext("统计看板仅供主管部门工作人员使用。"))
    return prefix


def last_refresh() -> StatsRefresh | None:
    """The latest finished recomputation: its finish time is the "统计时间" shown on every dashboard."""
    return StatsRefresh.objects.filter(state=RefreshState.DONE).order_by("-finished_at", "-id").first()


def pending_refresh() -> StatsRefresh | None:
    """A queued or running recomputation that is not stale, if any."""
    since = timezone.now() - STALE_AFTER
    return (
        StatsRefresh.objects.filter(
            state__in=(RefreshState.QUEUED, RefreshState.RUNNING), requested_at__gte=since
        )
        .order_by("-requested_at", "-id")
        .first()
    )


def request_refresh(actor) -> StatsRefresh:
    """Enqueue a recomputation of every figure (audited); NotAllowed when one is already pending."""
    from .tasks import refresh_stats

    prefix = _require_official(actor)
    with transaction.atomic():
        pending = pending_refresh()
        if pending is not None:
            asked = timezone.localtime(pending.requested_at).strftime("%Y-%m-%d %H:%M")
            raise NotAllowed(
                gettext(
                    "统计正在刷新（%(time)s 发起，%(state)s），完成后本页会显示新的统计时间，无需重复提交。"
                )
                % {"time": asked, "state": pending.get_state_display()}
            )
        run = StatsRefresh.objects.create(requested_by=actor)
        record(actor, "dashboard.refresh_requested", run, to_state=RefreshState.QUEUED, region_code=prefix)
        # With the database backend the job row commits with this transaction; the immediate backend
        # (tests, `--run-now`) runs the job right here.
        refresh_stats.enqueue(run.pk)
    run.refresh_from_db()
    return run


def begin_refresh(refresh_id: int | None) -> StatsRefresh | None:
    """Mark a requested recomputation running (or start an unrequested one); None if it was taken."""
    now = timezone.now()
    if refresh_id is None:
        return StatsRefresh.objects.create(state=RefreshState.RUNNING, started_at=now)
    claimed = StatsRefresh.objects.filter(pk=refresh_id, state=RefreshState.QUEUED).update(
        state=RefreshState.RUNNING, started_at=now
    )
    return StatsRefresh.objects.get(pk=refresh_id) if claimed else None


def run_refresh(run: StatsRefresh, today: dt.date | None = None, timings: list | None = None) -> dict:
    """Recompute and record the outcome on the StatsRefresh row; the old figures stay if it fails."""
    started = time.perf_counter()
    try:
        rows = refresh.recompute(today, timings)
    except Exception as exc:  # noqa: BLE001 - any failure is recorded for the officials to see
        StatsRefresh.objects.filter(pk=run.pk).update(
            state=RefreshState.FAILED,
            finished_at=timezone.now(),
            duration_ms=int((time.perf_counter() - started) * 1000),
            error=gettext("统计刷新失败（%(error)s）；原有统计保持不变，请联系平台管理员。")
            % {"error": f"{type(exc).__name__}: {str(exc)[:500]}"},
        )
        refresh.log.exception("dashboard: refresh #%s failed", run.pk)
        return {"refresh": run.pk, "state": RefreshState.FAILED}
    ms = int((time.perf_counter() - started) * 1000)
    StatsRefresh.objects.filter(pk=run.pk).update(
        state=RefreshState.DONE, finished_at=timezone.now(), duration_ms=ms, rows=rows
    )
    return {"refresh": run.pk, "state": RefreshState.DONE, "rows": rows, "ms": ms}
