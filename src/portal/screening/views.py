"""Pages of 主动发现: upload a registry, watch the run, read the result, tend the candidate pool.

Views stay thin: every query goes through actions.visible_runs / actions.pool_for (region scope),
every change through an action function whose ActionError message is shown to the official.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from portal.accounts.scope import OutOfScope
from portal.actions import ActionError, InvalidInput
from portal.downloads import XLSX_MIME, file_response

from . import actions, display, exports, files
from .forms import NoteForm, UploadForm
from .models import Candidate, RunState

PAGE_SIZE = 100


def official_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if getattr(request.user, "region_prefix", None) is None:
            raise PermissionDenied(gettext("主动发现筛查仅供主管部门工作人员使用。"))
        return view(request, *args, **kwargs)

    return wrapper


def _run(request, pk: int):
    return get_object_or_404(actions.visible_runs(request.user), pk=pk)


def _watched_run(request, pk: int):
    """The run of a page that shows its state: a run whose worker died is failed before it is shown."""
    run = _run(request, pk)
    if run.state == RunState.RUNNING and actions.fail_stale_runs(
        actions.visible_runs(request.user).filter(pk=pk)
    ):
        run.refresh_from_db()
    return run


@official_required
def index(request):
    actions.fail_stale_runs(actions.visible_runs(request.user))
    runs = actions.visible_runs(request.user).select_related("official")[:200]
    return render(
        request,
        "screening/index.html",
        {
            "runs": runs,
            "region": actions.region_label(request.user.region_prefix),
            "pool_count": actions.pool_for(request.user).count(),
        },
    )


@official_required
def new(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            run = actions.start_screening(
                request.user,
                form.cleaned_data["file"],
                as_of=form.cleaned_data["as_of"],
                rules=form.cleaned_data["rules"],
                output_format=form.cleaned_data["output_format"],
            )
        except InvalidInput as exc:
            for field, _message in exc.problems:
                if field in form.fields:
                    form.add_error(field, exc.message)
                    break
            else:
                form.add_error(None, exc.message)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, gettext("已上传“%(name)s”，筛查已开始。") % {"name": run.original_name})
            return redirect("screening:detail", pk=run.pk)
    return render(
        request,
        "screening/new.html",
        {"form": form, "region": actions.region_label(request.user.region_prefix)},
    )


def _candidate_filters(params, qs):
    """Apply the list filters (from the query string, or a bulk form's fields); returns (qs, chosen values)."""
    chosen = {k: str(params.get(k, "")).strip() for k in ("tier", "county", "industry", "sort")}
    if chosen["tier"] == "none":
        qs = qs.filter(highest_tier="")
    elif chosen["tier"]:
        qs = qs.filter(highest_tier=chosen["tier"])
    if chosen["county"]:
        qs = qs.filter(region=chosen["county"])
    if chosen["industry"]:
        qs = qs.filter(industry__startswith=chosen["industry"])
    order = display.SORTS.get(chosen["sort"]) or display.SORTS["row"]
    return qs.order_by(*order), chosen


@official_required
def detail(request, pk: int):
    run = _watched_run(request, pk)
    ctx = {"run": run, "progress": display.progress(run), "rules_label": display.rules_label(run.rules)}
    if run.state == RunState.FAILED:
        ctx["retry"] = run.retries.order_by("-pk").first()
    if run.state == RunState.DONE:
        base = run.candidates.all()
        qs, chosen = _candidate_filters(request.GET, base)
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        ctx.update(
            {
                "summary": display.summary(run),
                "page": page,
                "chosen": chosen,
                "rows": display.candidate_rows(page.object_list, run.rules),
                "filters": display.filter_options(base, [run.rules]),
                "sorts": display.SORT_LABELS,
                "query": urlencode({k: v for k, v in chosen.items() if v}),
                "filtered_count": qs.count(),
                "total_candidates": base.count(),
                "pool_in_run": base.filter(in_pool=True).count(),
            }
        )
    return render(request, "screening/detail.html", ctx)


@official_required
def progress(request, pk: int):
    run = _watched_run(request, pk)
    response = render(request, "screening/_progress.html", {"run": run, "progress": display.progress(run)})
    if not run.is_active and request.htmx:
        response["HX-Refresh"] = "true"  # the finished page shows the summary and the candidates
    return response


@official_required
def download(request, pk: int, kind: str):
    run = _run(request, pk)
    if run.state != RunState.DONE:
        raise Http404(gettext("筛查尚未完成，没有可下载的文件。"))
    if run.files_expired:
        raise Http404(gettext("文件已按保留期限删除（%(days)s 天）。") % {"days": run.files_kept_days})
    stored = {"result": run.output_path, "errors": run.errors_path}.get(kind)
    if not stored:
        raise Http404
    try:
        path = files.absolute(stored)
    except FileNotFoundError:
        raise Http404 from None
    suffix = path.suffix.lower()
    label = "筛查结果" if kind == "result" else "错误清单"
    types = {
        ".csv": "text/csv; charset=utf-8",
        ".parquet": "application/vnd.apache.parquet",
        ".xlsx": XLSX_MIME,
    }
    name = f"{label}-{run.pk}{suffix}"
    return file_response(
        path,
        name,
        types.get(suffix, "application/octet-stream"),
        missing_message=gettext("文件不存在或已被删除：%(name)s；请重新发起筛查。") % {"name": name},
    )


@official_required
@require_POST
def rerun(request, pk: int):
    run = _run(request, pk)
    try:
        new = actions.rerun(request.user, run)
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect("screening:detail", pk=run.pk)
    messages.success(
        request,
        gettext("已用同一份上传文件重新发起筛查（原筛查 #%(old)s）。") % {"old": run.pk},
    )
    return redirect("screening:detail", pk=new.pk)


@official_required
@require_POST
def pool_add(request, pk: int):
    run = _run(request, pk)
    if request.POST.get("all") == "1":
        qs, _chosen = _candidate_filters(request.POST, run.candidates.filter(in_pool=False))
        ids = list(qs.values_list("pk", flat=True))
    else:
        ids = request.POST.getlist("candidate")
    back = request.POST.get("back", "")
    try:
        added, replaced, skipped = actions.add_to_pool(request.user, run, ids)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        text = gettext("已将 %(n)s 家企业加入培育库。") % {"n": added}
        if replaced:
            text += gettext("其中 %(n)s 家已在培育库中，已更新为本次筛查结果。") % {"n": replaced}
        if skipped:
            text += gettext("另有 %(n)s 家勾选的企业未加入：已在培育库中，或不在您的辖区。") % {"n": skipped}
        messages.success(request, text)
    target = redirect("screening:detail", pk=run.pk)
    if back.startswith("?"):
        target["Location"] += back
    return target


@official_required
@require_POST
def candidate_plan(request, pk: int):
    """Compute one candidate's gap plan (a run plans only its closest rows); back to the page the button was on."""
    runs = actions.visible_runs(request.user)
    mine = Candidate.objects.filter(Q(run__in=runs) | Q(pk__in=actions.pool_for(request.user).values("pk")))
    cand = get_object_or_404(mine.select_related("run"), pk=pk)
    try:
        cand = actions.plan_candidate(request.user, cand)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        if cand.gap_reaches:
            messages.success(
                request, gettext("已计算“%(name)s”的调整方案：按方案调整后可达下一层次。") % {"name": cand}
            )
        else:
            messages.warning(
                request,
                gettext("已计算“%(name)s”的调整方案：仅调整上年度数字尚不能达到下一层次。") % {"name": cand},
            )
    back = request.POST.get("back", "")
    if request.POST.get("from") == "pool":
        target = redirect("screening:pool")
    else:
        target = redirect("screening:detail", pk=cand.run_id)
    if back.startswith("?"):
        target["Location"] += back
    target["Location"] += f"#c{cand.pk}"
    return target


def _pool_query(request):
    qs = actions.pool_for(request.user).select_related("run", "pooled_by")
    return _candidate_filters(request.GET, qs)


@official_required
def pool(request):
    qs, chosen = _pool_query(request)
    if chosen["sort"] not in display.SORTS or chosen["sort"] == "row":
        qs = qs.order_by("-tier_rank", "name", "pk")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    base = actions.pool_for(request.user)
    rule_ids = sorted(set(base.values_list("run__rules", flat=True)))
    return render(
        request,
        "screening/pool.html",
        {
            "page": page,
            "rows": display.candidate_rows(page.object_list, None),
            "chosen": chosen,
            "filters": display.filter_options(base, rule_ids),
            "sorts": display.POOL_SORT_LABELS,
            "query": urlencode({k: v for k, v in chosen.items() if v}),
            "count": qs.count(),
            "region": actions.region_label(request.user.region_prefix),
            "note_form": NoteForm(),
        },
    )


@official_required
def pool_export(request):
    qs, _chosen = _pool_query(request)
    qs = qs.order_by("-tier_rank", "name", "pk")
    body = exports.pool_workbook(qs)
    response = HttpResponse(body, content_type=XLSX_MIME)
    response["Content-Disposition"] = exports.attachment("培育库.xlsx")
    return response


def _pool_candidate(request, pk: int) -> Candidate:
    return get_object_or_404(actions.pool_for(request.user), pk=pk)


@official_required
@require_POST
def pool_remove(request, pk: int):
    cand = _pool_candidate(request, pk)
    try:
        actions.remove_from_pool(request.user, cand, reason=request.POST.get("reason", ""))
    except (ActionError, OutOfScope) as exc:
        messages.error(request, getattr(exc, "message", str(exc)))
    else:
        messages.success(request, gettext("已将“%(name)s”移出培育库。") % {"name": cand})
    return redirect("screening:pool")


@official_required
@require_POST
def pool_note(request, pk: int):
    cand = _pool_candidate(request, pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("备注：最多 2000 字"))
    else:
        try:
            actions.set_pool_note(request.user, cand, form.cleaned_data["note"])
        except ActionError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, gettext("已保存“%(name)s”的备注。") % {"name": cand})
    return redirect("screening:pool")


@official_required
def template(request):
    body = exports.template_csv(request.user.region_code)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = exports.attachment("名录模板.csv")
    return response


@official_required
def format_doc(request):
    return render(request, "screening/format.html", {"doc": exports.format_doc()})
