"""The officials' dashboard, its Excel exports and the refresh button: thin views over panels/actions.

Scope: the figures shown are always those of request.user.region_prefix (portal.accounts), read
from RegionStat rows keyed by exactly that prefix; nobody else gets the page.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from portal.actions import ActionError
from portal.downloads import XLSX_MIME

from . import actions, exports, panels
from .models import RefreshState, StatsRefresh


def official_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if getattr(request.user, "region_prefix", None) is None:
            raise PermissionDenied(gettext("统计看板仅供主管部门工作人员使用。"))
        return view(request, *args, **kwargs)

    return wrapper


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _chart_data(panel: dict) -> dict:
    return {k: panel.get(k) for k in ("key", "chart", "categories", "series", "map", "title")}


@official_required
def index(request):
    prefix = request.user.region_prefix
    ctx, shown = panels.build(prefix)
    last = actions.last_refresh()
    latest = StatsRefresh.objects.order_by("-requested_at", "-id").first()
    return render(
        request,
        "dashboard/index.html",
        {
            "region": ctx.region_label,
            "cards": panels.cards(ctx),
            "panels": shown,
            "charts": [_chart_data(p) for p in shown if not p["empty"]],
            "last": last,
            "refreshed": _when(last.finished_at) if last else "",
            "pending": actions.pending_refresh(),
            "failed": latest if latest is not None and latest.state == RefreshState.FAILED else None,
        },
    )


@official_required
def export(request):
    key = request.GET.get("panel", "")
    if key not in panels.PANELS:
        raise Http404(gettext("没有名为“%(key)s”的统计图表。") % {"key": key})
    prefix = request.user.region_prefix
    ctx, (panel,) = panels.build(prefix, [key])
    last = actions.last_refresh()
    body = exports.panel_workbook(
        panel, region=ctx.region_label, refreshed=_when(last.finished_at) if last else gettext("尚未生成统计")
    )
    response = HttpResponse(body, content_type=XLSX_MIME)
    name = f"dashboard-{key}-{prefix or 'national'}-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@official_required
@require_POST
def refresh(request):
    try:
        actions.request_refresh(request.user)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, gettext("已提交统计刷新，完成后本页会显示新的统计时间。"))
    return redirect("dashboard:index")
