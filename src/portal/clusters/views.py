"""Cluster pages for officials: registry, cluster page with members and statistics, yearly report.

Every page starts from access.clusters_for(user), so a cluster outside the user's region is simply
not found (404). Changes go through clusters.actions; the page shows ActionError.message.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.http import require_POST

from portal.accounts.scope import OutOfScope, scope_enterprises
from portal.actions import ActionError, InvalidInput, posted_version
from portal.assessments import engine
from portal.audit.record import trail
from portal.downloads import XLSX_MIME
from portal.enterprises.models import Enterprise

from . import access, actions, exports, stats
from .forms import ClusterForm, MemberForm, RemoveMemberForm, StateForm, YearForm
from .models import Cluster, ClusterMembership, ClusterState

CLUSTER_FIELDS = [
    "name",
    "level",
    "year_recognised",
    "region_code",
    "industry_code",
    "industry_text",
    "operator_name",
    "operator_contact",
    "description",
]
AUDIT_LABELS = {
    "clusters.create": gettext_noop("登记集群"),
    "clusters.update": gettext_noop("修改集群信息"),
    "clusters.revoke": gettext_noop("撤销集群"),
    "clusters.reinstate": gettext_noop("恢复集群"),
    "clusters.add_member": gettext_noop("增加成员"),
    "clusters.remove_member": gettext_noop("移出成员"),
}


def region_name(code: str) -> str:
    if not code:
        return gettext("全国")
    found = engine.region(code)
    return found[0] if found else code


def industry_label(code: str, text: str = "") -> str:
    name = engine.industry_name(code) or ""
    return " ".join(x for x in (code, name) if x) + (f"（{text}）" if text else "")


def _require_viewer(user) -> None:
    if not (access.is_official(user) or access.is_admin(user)):
        raise PermissionDenied(gettext("此页面仅供主管部门工作人员使用。"))


def _get(user, pk: int) -> Cluster:
    _require_viewer(user)
    return get_object_or_404(access.clusters_for(user), pk=pk)


def _apply_problems(form, exc: InvalidInput) -> None:
    for field, text in exc.problems:
        form.add_error(field if field in form.fields else None, text)


def _year(request) -> tuple[YearForm, int, str]:
    """The year asked for in ?year=, or the last full year; a year not offered is said, not swapped.

    Returns the form (showing the year used), the year, and the year asked for when it is not one
    of stats.year_choices() ('' otherwise) so the page can say what it shows instead.
    """
    years = stats.year_choices()
    raw = (request.GET.get("year") or "").strip()
    year = stats.parse_year(raw) if raw else stats.default_year()
    unknown = raw[:20] if year is None else ""
    year = year or stats.default_year()
    return YearForm(initial={"year": year}, years=years), year, unknown


def _years_text() -> str:
    return gettext("、").join(str(y) for y in stats.year_choices())


def _say_unknown_year(request, asked: str, year: int) -> None:
    if asked:
        messages.warning(
            request,
            gettext("没有“%(asked)s”年度的统计，可选年度为 %(years)s；下面显示 %(year)s 年度。")
            % {"asked": asked, "years": _years_text(), "year": year},
        )


@login_required
def index(request):
    user = request.user
    _require_viewer(user)
    qs = access.clusters_for(user).annotate(members=Count("memberships"))
    level = request.GET.get("level") or ""
    if level:
        qs = qs.filter(level=level)
    q = (request.GET.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(industry_text__icontains=q) | Q(industry_code__istartswith=q))
    rows = [
        {
            "cluster": c,
            "region": region_name(c.region_code),
            "industry": industry_label(c.industry_code),
            "members": c.members,
            "can_manage": access.can_manage(user, c),
        }
        for c in qs.order_by("state", "region_code", "name")
    ]
    return render(
        request,
        "clusters/index.html",
        {
            "rows": rows,
            "can_create": bool(access.creatable_levels(user)),
            "level": level,
            "q": q,
        },
    )


@login_required
def create(request):
    user = request.user
    _require_viewer(user)
    levels = access.creatable_levels(user)
    if not levels:
        raise PermissionDenied(gettext("省级集群由省级主管部门登记，国家级集群由国家级主管部门登记。"))
    form = ClusterForm(request.POST or None, levels=levels)
    if request.method == "POST" and form.is_valid():
        try:
            cluster = actions.create_cluster(user, form.cleaned_data)
        except InvalidInput as exc:
            _apply_problems(form, exc)
            messages.error(request, exc.message)
        except ActionError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, gettext("已登记集群“%(name)s”。") % {"name": cluster.name})
            return redirect("clusters:detail", cluster.pk)
    return render(request, "clusters/form.html", {"form": form, "cluster": None})


@login_required
def edit(request, pk: int):
    user = request.user
    cluster = _get(user, pk)
    if not access.can_manage(user, cluster):
        raise PermissionDenied(gettext("该集群由认定层级的主管部门维护，您可以查看但不能修改。"))
    initial = {f: getattr(cluster, f) for f in CLUSTER_FIELDS}
    form = ClusterForm(request.POST or None, initial=initial, fixed_level=True)
    version = cluster.version
    if request.method == "POST":
        # The version the page was opened at: without it a stale page would overwrite a colleague's change.
        version = posted_version(request.POST, minimum=1)
        if version is None:
            form.is_valid()  # show the typed text again, with any field errors
            messages.error(
                request,
                gettext("集群“%(name)s”的修改未保存：页面缺少版本信息，请刷新页面后重新修改。")
                % {"name": cluster.name},
            )
        elif form.is_valid():
            try:
                actions.update_cluster(user, cluster, form.cleaned_data, version)
            except actions.Unchanged as exc:
                messages.info(request, exc.message)
                return redirect("clusters:detail", cluster.pk)
            except InvalidInput as exc:
                _apply_problems(form, exc)
                messages.error(request, exc.message)
            except ActionError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, gettext("已保存集群“%(name)s”。") % {"name": cluster.name})
                return redirect("clusters:detail", cluster.pk)
    return render(request, "clusters/form.html", {"form": form, "cluster": cluster, "version": version or ""})


def _trail(cluster) -> list[dict]:
    rows = []
    for e in trail(cluster).select_related("actor"):
        what = gettext(AUDIT_LABELS.get(e.action, e.action))
        name = (e.data or {}).get("enterprise_name")
        rows.append(
            {
                "at": e.at,
                "who": e.actor.display_name() if e.actor else gettext("系统"),
                "action": f"{what}“{name}”" if name else what,
                "reason": e.reason,
            }
        )
    return rows


@login_required
def detail(request, pk: int):
    user = request.user
    cluster = _get(user, pk)
    return _render_detail(request, cluster)


def _render_detail(request, cluster: Cluster, *, member_form=None, kept: dict | None = None):
    """The cluster page; after a refused form, that form again with what was typed (`member_form`,
    or `kept` = {"form": "state" | "remove", "pk": member pk, "text": …, "error": …})."""
    user = request.user
    year_form, year, unknown = _year(request)
    _say_unknown_year(request, unknown, year)
    can_manage = access.can_manage(user, cluster)
    if member_form is None and can_manage:
        member_form = MemberForm(initial={"expected_version": cluster.version})
    return render(
        request,
        "clusters/detail.html",
        {
            "cluster": cluster,
            "region": region_name(cluster.region_code),
            "industry": industry_label(cluster.industry_code, cluster.industry_text),
            "stats": stats.cluster_stats(cluster, year, viewer=user),
            "year_form": year_form,
            "year": year,
            "can_manage": can_manage,
            "member_form": member_form if can_manage else None,
            "manager": access.MANAGED_BY[cluster.level].label,
            "trail": _trail(cluster),
            "kept": kept or {},
        },
    )


def _find_enterprise(user, text: str):
    text = (text or "").strip()
    if not text:
        return None
    qs = scope_enterprises(user, Enterprise.objects.all())
    hits = list(qs.filter(Q(credit_code=text.upper()) | Q(name=text))[:2])
    if len(hits) > 1:
        raise InvalidInput(
            gettext("有多家企业名为“%(name)s”，请改填统一社会信用代码。") % {"name": text},
            [("enterprise", gettext("有多家同名企业，请改填统一社会信用代码"))],
        )
    return hits[0] if hits else None


@login_required
@require_POST
def add_member(request, pk: int):
    user = request.user
    cluster = _get(user, pk)
    form = MemberForm(request.POST)
    if not form.is_valid():  # the page again, with the code, role and date as typed
        if "expected_version" in form.errors:
            messages.error(request, _reload(cluster))
        else:
            messages.error(request, gettext("请检查填写的内容：") + _form_errors(form))
        return _render_detail(request, cluster, member_form=form)
    d = form.cleaned_data
    try:
        enterprise = _find_enterprise(user, d["enterprise"])
        member = actions.add_member(
            user,
            cluster,
            enterprise,
            role=d["role"],
            joined=d["joined"],
            expected_version=d["expected_version"],
        )
    except InvalidInput as exc:
        _apply_problems(form, exc)
        messages.error(request, exc.message)
        return _render_detail(request, cluster, member_form=form)
    except (ActionError, OutOfScope) as exc:
        messages.error(request, getattr(exc, "message", str(exc)))
        return _render_detail(request, cluster, member_form=form)
    messages.success(request, gettext("已将“%(name)s”加入集群。") % {"name": member.enterprise.name})
    return redirect("clusters:detail", cluster.pk)


def _form_errors(form) -> str:
    return "；".join(
        f"{form.fields[f].label}：{e}" if f in form.fields else str(e)
        for f, errs in form.errors.items()
        for e in errs
    )


def _reload(cluster) -> str:
    return gettext("集群“%(name)s”的页面缺少版本信息，请刷新页面后重新操作。") % {"name": cluster.name}


@login_required
@require_POST
def remove_member(request, pk: int, member_pk: int):
    user = request.user
    cluster = _get(user, pk)
    member = get_object_or_404(
        ClusterMembership.objects.select_related("enterprise", "cluster"), pk=member_pk, cluster=cluster
    )
    form = RemoveMemberForm(request.POST)
    reason = request.POST.get("reason", "")
    kept = {"form": "remove", "pk": member.pk, "text": reason}
    if not form.is_valid():
        messages.error(request, _reload(cluster))
        return _render_detail(request, cluster, kept=kept)
    try:
        actions.remove_member(user, member, reason, form.cleaned_data["expected_version"])
    except ActionError as exc:
        messages.error(request, exc.message)
        return _render_detail(request, cluster, kept={**kept, "error": _problem(exc, "reason")})
    messages.success(request, gettext("已将“%(name)s”移出集群。") % {"name": member.enterprise.name})
    return redirect("clusters:detail", cluster.pk)


def _problem(exc, field: str) -> str:
    return next((text for f, text in getattr(exc, "problems", []) if f == field), "")


@login_required
@require_POST
def set_state(request, pk: int):
    user = request.user
    cluster = _get(user, pk)
    form = StateForm(request.POST)
    reason = request.POST.get("reason", "")
    kept = {"form": "state", "text": reason}
    if not form.is_valid():
        messages.error(request, _reload(cluster))
        return _render_detail(request, cluster, kept=kept)
    d = form.cleaned_data
    try:
        actions.set_state(user, cluster, d["state"], reason, d["expected_version"])
    except ActionError as exc:
        messages.error(request, exc.message)
        return _render_detail(request, cluster, kept={**kept, "error": _problem(exc, "reason")})
    else:
        done = (
            gettext("已撤销集群“%(name)s”。")
            if d["state"] == ClusterState.REVOKED
            else gettext("已恢复集群“%(name)s”。")
        )
        messages.success(request, done % {"name": cluster.name})
    return redirect("clusters:detail", cluster.pk)


def _report_stats(user, year: int) -> list:
    """The clusters of the user's area recognised in or before `year` and not revoked by its reference day, with
    their members on that day, restricted to what `user` may see of each member."""
    day = stats.reference_day(year)
    standing = Q(state=ClusterState.ACTIVE) | Q(state=ClusterState.REVOKED, revoked_on__gt=day)
    clusters = (
        access.clusters_for(user).filter(standing, year_recognised__lte=year).order_by("region_code", "name")
    )
    return [stats.cluster_stats(c, year, viewer=user) for c in clusters]


@login_required
def report(request):
    user = request.user
    _require_viewer(user)
    year_form, year, unknown = _year(request)
    _say_unknown_year(request, unknown, year)
    rows = _report_stats(user, year)
    totals = {
        "clusters": len(rows),
        "members": sum(s.member_count for s in rows),
    }
    return render(
        request,
        "clusters/report.html",
        {
            "rows": rows,
            "year": year,
            "year_form": year_form,
            "totals": totals,
            "region": region_name(user.region_code if user.region_prefix else ""),
            "reference_day": stats.reference_day(year),
            "generated": timezone.localtime(),
        },
    )


@login_required
def report_xlsx(request):
    user = request.user
    _require_viewer(user)
    _form, year, unknown = _year(request)
    if unknown:  # no file named after one year holding another: say so on the report page
        messages.error(
            request,
            gettext("没有“%(asked)s”年度的统计，可选年度为 %(years)s；未导出 Excel，请选择年度后再导出。")
            % {"asked": unknown, "years": _years_text()},
        )
        return redirect("clusters:report")
    data = exports.report_workbook(year, _report_stats(user, year), region_name)
    resp = HttpResponse(data, content_type=XLSX_MIME)
    resp["Content-Disposition"] = content_disposition_header(
        True, gettext("产业集群年度报告-%(year)s.xlsx") % {"year": year}
    )
    return resp
