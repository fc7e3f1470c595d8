"""Officials' pages of the exchange: the node and its peers, recommending upward, what arrived from
below, and the quarantine. Every list starts from a region-scoped queryset; the buttons only
call the action functions.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from portal.accounts.roles import OFFICIAL_ROLES, Role
from portal.accounts.scope import OutOfScope, region_in_scope, scope_enterprises
from portal.actions import ActionError
from portal.cultivation.models import Application

from . import actions, kinds, outbox
from . import node as node_mod
from .models import Forwarded, Origin, Peer, Quarantine, Received, Relation
from .pull import pull

PAGE_ROWS = 100


SYNC_PAGES = 20  # pages one click reads: the page answers in seconds; the scheduled pull reads on
SYNC_LIMIT = 50  # records per page


def _official(user) -> None:
    allowed = getattr(user, "is_authenticated", False) and (
        user.role in OFFICIAL_ROLES or user.role == Role.ADMIN or user.is_superuser
    )
    if not allowed:
        raise PermissionDenied(gettext("此页面仅供主管部门工作人员使用。"))


def _is_admin(user) -> bool:
    return user.role == Role.ADMIN or user.is_superuser


def _runs_node(user, me) -> bool:
    """Officials of this installation's own level and area (and administrators) run its exchange."""
    if _is_admin(user):
        return True
    return me is not None and user.role == me.level and user.region_code == me.region


def _in_scope(user, region: str) -> bool:
    return _is_admin(user) or region_in_scope(user, region or "")


def _when(text):
    """An ISO 8601 time from a record, as a datetime the templates show in local time (None if absent)."""
    try:
        return dt.datetime.fromisoformat(text) if text else None
    except (TypeError, ValueError):
        return None


def _region_name(code: str) -> str:
    from portal.assessments import engine

    found = engine.region(code or "")
    return found[0] if found else (code or gettext("全国"))


@login_required
def index(request):
    user = request.user
    _official(user)
    me, problem = node_mod.status()
    key = me.public_key_text() if me is not None and not problem else ""
    peers = list(Peer.objects.all().order_by("relation", "name"))
    quarantined = [
        q
        for q in Quarantine.objects.filter(released_at__isnull=True).only("region")
        if _in_scope(user, q.region)
    ]
    context = {
        "me": me,
        "problem": problem,
        "region_name": _region_name(me.region) if me else "",
        "public_key": key,
        "fingerprint": node_mod.fingerprint(key) if key else "",
        "parent": next((p for p in peers if p.relation == Relation.PARENT), None),
        "children": [p for p in peers if p.relation == Relation.CHILD],
        "can_pull": _runs_node(user, me) and not problem,
        "head": outbox.head_sequence(),
        "quarantine_count": len(quarantined),
        "received_count": Received.objects.count() if _runs_node(user, me) else None,
    }
    return render(request, "exchange/index.html", context)


@login_required
@require_POST
def pull_now(request, pk: int):
    user = request.user
    _official(user)
    me, problem = node_mod.status()
    if not _runs_node(user, me):
        raise PermissionDenied(gettext("只有本节点的主管部门工作人员可以立即同步。"))
    peer = get_object_or_404(Peer, pk=pk)
    if problem:
        messages.error(request, problem)
        return redirect("exchange:index")
    if not peer.enabled:
        messages.error(request, gettext("%(name)s 已停用，不能同步。") % {"name": peer.name})
        return redirect("exchange:index")
    report = pull(peer, limit=SYNC_LIMIT, max_pages=SYNC_PAGES)
    if report.ok and report.more:  # the rest follows with the scheduled pull, or another click
        messages.info(
            request,
            gettext(
                "已同步一部分（本次最多读取 %(pages)s 页），还有未读记录：定时同步会继续，也可再点一次“立即同步”。"
            )
            % {"pages": SYNC_PAGES}
            + report.summary(),
        )
    elif report.ok:
        messages.success(request, gettext("同步完成。") + report.summary())
    else:
        messages.error(request, gettext("同步未完成。") + report.summary())
    if report.quarantined:
        messages.warning(request, gettext("有记录未通过校验，已隔离：请查看“隔离记录”。"))
    return redirect("exchange:index")


@login_required
def forward_list(request):
    user = request.user
    _official(user)
    me, problem = node_mod.status()
    upper = actions.parent()
    rows = []
    if me is not None and not problem and user.role == me.level:
        for app in actions.forward_candidates(user, me)[:PAGE_ROWS]:
            rows.append({"app": app, "blocker": actions.forward_blocker(app, me, upper)})
    history = scope_enterprises(
        user,
        Forwarded.objects.select_related("application__enterprise", "peer", "by"),
        "application__enterprise__",
    )[:PAGE_ROWS]
    return render(
        request,
        "exchange/forward.html",
        {
            "me": me,
            "problem": problem,
            "upper": upper,
            "rows": rows,
            "history": history,
            "acts_here": me is not None and user.role == me.level,
        },
    )


@login_required
@require_POST
def forward(request, pk: int):
    user = request.user
    _official(user)
    app = get_object_or_404(scope_enterprises(user, Application.objects.all(), "enterprise__"), pk=pk)
    try:
        version = int(request.POST.get("expected_version", ""))
    except ValueError:
        messages.error(request, gettext("操作失败：页面已过期，请刷新页面后重新操作。"))
        return redirect("exchange:forward_list")
    try:
        forwarded = actions.forward_application(
            user, app, expected_version=version, note=request.POST.get("note", "")
        )
    except (ActionError, OutOfScope) as exc:
        messages.error(request, getattr(exc, "message", str(exc)))
        return redirect("exchange:forward_list")
    messages.success(
        request,
        gettext("已向%(peer)s推荐：%(name)s（变更记录 #%(seq)s）。")
        % {"peer": forwarded.peer.name, "name": app.enterprise.name, "seq": forwarded.sequence or "—"},
    )
    return redirect("exchange:forward_list")


@login_required
def received(request):
    """Applications received from children: local copies with their origin, evidence and recommendations."""
    user = request.user
    _official(user)
    origins = {
        int(o.local_id): o
        for o in Origin.objects.filter(local_type="cultivation.application").select_related("peer")
    }
    apps = scope_enterprises(
        user,
        Application.objects.filter(pk__in=list(origins)).select_related("enterprise", "batch"),
        "enterprise__",
    ).order_by("-updated_at")[:PAGE_ROWS]
    rows = []
    for app in apps:
        origin = origins[app.pk]
        held = Received.objects.filter(
            peer=origin.peer, kind=kinds.APPLICATION, object_id=origin.remote_id
        ).first()
        payload = held.payload if held else {}
        rows.append(
            {
                "app": app,
                "origin": origin,
                "version": held.version if held else None,
                "evidence": payload.get("evidence") or [],
                "recommendations": [
                    {**r, "at_dt": _when(r.get("at"))} for r in payload.get("recommendations") or []
                ],
            }
        )
    return render(request, "exchange/received.html", {"rows": rows})


def _superseded_by(q: Quarantine) -> int | None:
    """The version applied in place of a released quarantined record (None: this very record was applied)."""
    if q.released_at is None or not q.kind:
        return None
    held = Received.objects.filter(peer=q.peer_id, kind=q.kind, object_id=q.object_id).first()
    if held is None or held.sequence == q.sequence:
        return None
    return held.version


@login_required
def quarantine(request):
    user = request.user
    _official(user)
    rows = [
        q
        for q in Quarantine.objects.select_related("peer").order_by("-created_at", "-id")[: PAGE_ROWS * 5]
        if _in_scope(user, q.region) or (not q.region and _runs_node(user, node_mod.current()))
    ][:PAGE_ROWS]
    for q in rows:
        name = kinds.label(q.kind)
        q.kind_label = gettext(name) if name else ""
        q.superseded_by = _superseded_by(q)
    return render(request, "exchange/quarantine.html", {"rows": rows})
