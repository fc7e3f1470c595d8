"""Official pages: the review queue, the review page and its decisions, batches, recognitions.

Every list starts from a scoped queryset (actions.queue_for or portal.accounts.scope), so filters
only ever narrow what the official may see. Every decision POST carries the version the official
saw; the action refuses a stale one and the page says so instead of overwriting.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, CharField, Count, F, FloatField, Q, Value, When
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Cast
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from portal.accounts.roles import Role
from portal.accounts.scope import OutOfScope, region_in_scope, scope_enterprises
from portal.actions import ActionError, InvalidInput
from portal.downloads import XLSX_MIME

from . import actions, exports, workflow
from .forms import (
    BatchForm,
    DecideChangeForm,
    ObjectionForm,
    QueueFilterForm,
    ReasonForm,
    RecognitionFilterForm,
    ResolveForm,
    VersionForm,
)
from .models import (
    Application,
    ApplicationState,
    Batch,
    ChangeReport,
    Objection,
    Recognition,
    RecognitionStatus,
    Tier,
)
from .views_common import (
    applications_for,
    back,
    frozen_result,
    frozen_tier,
    get_application,
    official_next_step,
    procedure_terms,
    profile_figures,
    recognition_status,
    recognitions_for,
    region_name,
    require_official,
    result_template_available,
    show_error,
    state_label,
    timeline,
    today,
)

S = ApplicationState
PAGE_SIZE = 20


# ---------------------------------------------------------------- queue


def _frozen_key(key: str):
    """One key of the applied tier in the frozen assessment, read by the database (as text)."""

    def key_of(tier: str):
        tiers = KeyTransform("tiers", KeyTransform("zh", "assessment__result"))
        return KeyTextTransform(key, KeyTransform(tier, tiers))

    whens = [When(tier=t, then=key_of(t)) for t in Tier.values]
    return Case(*whens, default=Value(None), output_field=CharField())


def _score_expression():
    """The applied tier's score from the frozen assessment, as a number the database can sort on."""
    return Cast(_frozen_key("score"), FloatField())


def _summary_annotations() -> dict:
    return {
        "score": _score_expression(),
        "frozen_label": _frozen_key("label"),
        "frozen_qualified": _frozen_key("qualified"),
        "frozen_unverified": _frozen_key("unverified"),
    }


def attach_frozen_summary(apps: list) -> list:
    """Give these applications the frozen verdict read in the database (frozen_tier uses it); one query.

    A frozen assessment is about 200 kB of JSON. The queue loaded it whole for three values per row
    (a province's Excel export of 1,000 applications: 1.2 GB, 10 s), and reading the values in the
    query over the whole queue unpacks every row's JSON; so they are read for the rows shown only.
    """
    pks = [a.pk for a in apps]
    found = Application.objects.filter(pk__in=pks).annotate(**_summary_annotations())
    values = {v["pk"]: v for v in found.values("pk", *_summary_annotations())}
    for app in apps:
        for key, value in values[app.pk].items():
            if key != "pk":
                setattr(app, key, value)
    return apps


def in_chunks(qs, size: int = 500):
    """Every application of the queryset, read `size` at a time with its frozen verdict attached."""
    chunk = []
    for app in qs.iterator(chunk_size=size):
        chunk.append(app)
        if len(chunk) == size:
            yield from attach_frozen_summary(chunk)
            chunk = []
    yield from attach_frozen_summary(chunk)


def _region_choices(user, base) -> list[tuple[str, str]]:
    """Counties with applications in the queue, plus their cities for province and national officials."""
    counties = sorted(set(base.values_list("enterprise__region", flat=True)))
    codes = set(counties)
    if user.role in (Role.PROVINCE, Role.NATIONAL):
        codes |= {c[:4] + "00" for c in counties if len(c) == 6}
    if user.role == Role.NATIONAL:
        codes |= {c[:2] + "0000" for c in counties if len(c) == 6}
    return [(c, region_name(c)) for c in sorted(codes) if region_in_scope(user, c)]


def _region_prefix(code: str) -> str:
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def filtered_queue(request):
    """(form, queryset) of the official's queue narrowed by the GET filters and sorted."""
    user = request.user
    base = actions.queue_for(user).select_related("enterprise", "batch")
    batches = Batch.objects.filter(pk__in=base.values("batch_id")).order_by("-year", "name")
    form = QueueFilterForm(request.GET or None, batches=batches, regions=_region_choices(user, base))
    qs = base.defer("profile_snapshot", "enterprise__profile")
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        if d["q"]:
            qs = qs.filter(enterprise__name__icontains=d["q"].strip())
        if d["tier"]:
            qs = qs.filter(tier=d["tier"])
        if d["batch"]:
            qs = qs.filter(batch_id=int(d["batch"]))
        if d["state"]:
            qs = qs.filter(state=d["state"])
        if d["region"] and region_in_scope(user, d["region"]):
            qs = qs.filter(enterprise__region__startswith=_region_prefix(d["region"]))
    sort = form.value("sort") if form.is_bound else ""
    order = {
        "-submitted": [F("submitted_at").desc(nulls_last=True), "-id"],
        "name": ["enterprise__name", "id"],
        "-score": [_score_expression().desc(nulls_last=True), F("submitted_at").asc(nulls_last=True), "id"],
        "score": [_score_expression().asc(nulls_last=True), F("submitted_at").asc(nulls_last=True), "id"],
    }.get(sort, [F("submitted_at").asc(nulls_last=True), "id"])
    return form, qs.order_by(*order)


def _query_without(request, *drop: str) -> str:
    q = request.GET.copy()
    for key in drop:
        q.pop(key, None)
    return q.urlencode()


@login_required
def queue(request):
    require_official(request.user)
    user = request.user
    form, qs = filtered_queue(request)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for app in attach_frozen_summary(list(page.object_list)):
        allowed = actions.allowed_actions(user, app)
        frozen = frozen_tier(app)
        rows.append(
            {
                "app": app,
                "state": state_label(app.state),
                "allowed": allowed,
                "can_approve": "approve" in allowed,
                "frozen": frozen,
                "qualified": frozen["label"],
                "region": region_name(app.enterprise.region),
                "next": official_next_step(app, allowed),
            }
        )
    return render(
        request,
        "cultivation/queue.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "total": page.paginator.count,
            "query": _query_without(request, "page"),
            "export_query": _query_without(request, "page"),
            "any_approvable": any(r["can_approve"] for r in rows),
        },
    )


@login_required
def queue_export(request):
    require_official(request.user)
    _form, qs = filtered_queue(request)
    data = exports.queue_workbook(in_chunks(qs))
    resp = HttpResponse(data, content_type=XLSX_MIME)
    resp["Content-Disposition"] = content_disposition_header(
        True, gettext("审核队列") + f"-{today():%Y%m%d}.xlsx"
    )
    resp["X-Content-Type-Options"] = "nosniff"
    return resp


def bulk_summary(results) -> tuple[str, bool, bool]:
    """'已通过：A、B；失败：C（原因）' and whether anything passed / failed."""
    passed = [app.enterprise.name for app, ok, _msg in results if ok]
    failed = [f"{app.enterprise.name}（{msg}）" for app, ok, msg in results if not ok]
    none = gettext("无")
    text = gettext("已通过：%(passed)s；失败：%(failed)s") % {
        "passed": "、".join(passed) or none,
        "failed": "、".join(failed) or none,
    }
    return text, bool(passed), bool(failed)


@login_required
@require_POST
def bulk_approve(request):
    require_official(request.user)
    user = request.user
    back = request.POST.get("next", "")
    if not (
        back.startswith(reverse("cultivation:queue"))
        and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})
    ):
        back = reverse("cultivation:queue")
    wanted: dict[int, int] = {}
    for raw in request.POST.getlist("items"):
        pk, _sep, version = raw.partition(":")
        if pk.isdigit() and version.isdigit():
            wanted[int(pk)] = int(version)
    if not wanted:
        messages.error(request, gettext("批量通过：请先勾选要通过的申报。"))
        return redirect(back)
    found = {
        a.pk: a
        for a in actions.queue_for(user).select_related("enterprise", "batch").filter(pk__in=list(wanted))
    }
    missing = [pk for pk in wanted if pk not in found]
    items = [(found[pk], wanted[pk]) for pk in wanted if pk in found]
    reason = request.POST.get("reason", "")
    results = actions.bulk_approve(user, items, reason=reason) if items else []
    text, any_ok, any_bad = bulk_summary(results)
    if missing:
        text += gettext("；另有 %(n)s 件已不在您的审核队列中（可能已被他人处理）") % {"n": len(missing)}
        any_bad = True
    level = messages.success if not any_bad else (messages.warning if any_ok else messages.error)
    level(request, text)
    return redirect(back)


def _why_notice_stays(app: Application) -> str:
    """Why 结束公示 did nothing, as the official can act on it: the notice already closed (a stale page), its last day,
    or how many objections wait."""
    app.refresh_from_db()
    if app.state != ApplicationState.IN_NOTICE:
        return gettext("公示已经结束（申报当前为“%(state)s”），请刷新页面。") % {
            "state": app.get_state_display()
        }
    open_objections = app.objections.filter(outcome="").count()
    if app.notice_ends is not None and app.notice_ends >= today():
        return gettext("公示期至 %(day)s，期满后才能结束公示。") % {"day": app.notice_ends.isoformat()}
    if open_objections:
        return gettext("还有 %(n)s 条异议未处理，请先处理异议再结束公示。") % {"n": open_objections}
    return gettext("公示尚未结束，或仍有未处理的异议，暂不能结束公示。")


# ---------------------------------------------------------------- review page


def review_detail(request, app: Application):
    """The official's page for one application (the shared detail route calls this)."""
    user = request.user
    allowed = actions.allowed_actions(user, app)
    frozen = frozen_tier(app)
    objections = list(app.objections.select_related("recorded_by", "resolved_by"))
    snapshot = app.profile_snapshot or app.enterprise.profile
    return render(
        request,
        "cultivation/review.html",
        {
            "app": app,
            "labels": {a: actions.action_label(a, app) for a in allowed},
            "state": state_label(app.state),
            "allowed": allowed,
            "next_step": official_next_step(app, allowed),
            "trail": timeline(app),
            "evidence": list(app.evidence.all()),
            "result": frozen_result(app),
            "result_template": result_template_available(),
            "frozen": frozen,
            "qualified_label": frozen["label"],
            "figures": profile_figures(snapshot),
            "snapshot_is_frozen": app.profile_snapshot is not None,
            "region": region_name(app.enterprise.region),
            "objections": objections,
            "open_objections": [o for o in objections if not o.outcome],
            "can_resolve": "resolve_objection" in allowed or "record_objection" in allowed,
            "outcomes": Objection.Outcome.choices,
        },
    )


@login_required
def review(request, pk: int):
    require_official(request.user)
    return review_detail(request, get_application(request.user, pk))


DECISIONS = ("approve", "return", "reject", "recognise", "record_objection", "close_notice")


@login_required
@require_POST
def act(request, pk: int, action: str):
    user = request.user
    require_official(user)
    if action not in DECISIONS:
        raise PermissionDenied
    app = get_application(user, pk)
    here = redirect("cultivation:application", pk=app.pk)
    version_form = VersionForm(request.POST)
    if not version_form.is_valid():
        messages.error(request, gettext("操作失败：页面已过期，请刷新页面后重新操作。"))
        return here
    version = version_form.cleaned_data["expected_version"]
    reason = request.POST.get("reason") or ""
    name = app.enterprise.name
    try:
        if action == "approve":
            actions.approve_application(user, app, expected_version=version, reason=reason)
        elif action == "return":
            if not reason:
                messages.error(request, gettext("退回理由：请填写需要企业修改的内容，企业将看到这段文字。"))
                return here
            actions.return_application(user, app, expected_version=version, reason=reason)
        elif action == "reject":
            if not reason:
                messages.error(request, gettext("不予通过理由：请填写理由，企业将看到这段文字。"))
                return here
            actions.reject_application(user, app, expected_version=version, reason=reason)
        elif action == "recognise":
            rec = actions.recognise_application(user, app, expected_version=version)
            messages.success(
                request,
                gettext("已认定：%(name)s，证书编号 %(no)s。") % {"name": name, "no": rec.certificate_no},
            )
            return here
        elif action == "close_notice":
            if not actions.close_notice(app, actor=user):
                messages.error(request, _why_notice_stays(app))
                return here
        elif action == "record_objection":
            form = ObjectionForm(request.POST)
            if not form.is_valid():
                messages.error(request, gettext("异议内容：请填写异议内容。"))
                return here
            actions.record_objection(
                user, app, objector=form.cleaned_data["objector"], text=form.cleaned_data["text"]
            )
            messages.success(request, gettext("已登记异议。请核实后在本页“处理异议”。"))
            return here
    except (ActionError, OutOfScope) as exc:
        show_error(request, exc)
        return here
    app.refresh_from_db()
    messages.success(
        request,
        gettext("已处理：%(name)s 的申报现为“%(state)s”。") % {"name": name, "state": state_label(app.state)},
    )
    return here


@login_required
@require_POST
def resolve_objection(request, pk: int):
    user = request.user
    require_official(user)
    objection = get_object_or_404(
        scope_enterprises(
            user, Objection.objects.select_related("application__enterprise"), "application__enterprise__"
        ).exclude(application__state=S.DRAFT),
        pk=pk,
    )
    here = redirect("cultivation:application", pk=objection.application_id)
    form = ResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
        return here
    try:
        actions.resolve_objection(
            user, objection, outcome=form.cleaned_data["outcome"], resolution=form.cleaned_data["resolution"]
        )
    except (ActionError, OutOfScope) as exc:
        show_error(request, exc)
    else:
        messages.success(
            request,
            gettext("异议已处理：%(outcome)s。")
            % {"outcome": Objection.Outcome(form.cleaned_data["outcome"]).label},
        )
    return here


# ---------------------------------------------------------------- batches


def batch_tiers_for(user) -> list[str]:
    """The tiers this official may open batches for, limited to the ladder of the rules in force today."""
    from portal.assessments import engine

    mine = [t for t in Tier.values if workflow.BATCH_OPENER.get(t) == user.role]
    try:
        ladder = set(engine.rules_in_force(today()).ladder)
    except engine.UnknownRuleSet:  # no rules in force: offer everything this level opens; the action explains
        return mine
    return [t for t in mine if t in ladder] or mine


def batches_visible_to(user):
    qs = Batch.objects.all()
    if user.role == Role.NATIONAL or user.is_superuser or user.role == Role.ADMIN:
        return qs
    return qs.filter(Q(region_code="") | Q(region_code__startswith=(user.region_code or "")[:2]))


@login_required
def batches(request):
    user = request.user
    require_official(user)
    tiers = batch_tiers_for(user)
    can_create = bool(tiers)
    notice = procedure_terms()["notice_days"]
    options = {"tiers": tiers, "ask_review_level": user.role != Role.NATIONAL}
    form = BatchForm(initial={"year": today().year, "notice_days": notice["value"]}, **options)
    if request.method == "POST":
        if not can_create:
            raise PermissionDenied(gettext("只有省级、国家级主管部门可以创建申报批次。"))
        form = BatchForm(request.POST, **options)
        if form.is_valid():
            try:
                batch = actions.open_batch(user, **form.cleaned_data)
            except InvalidInput as exc:
                for field, text in exc.problems:
                    form.add_error(field if field in form.fields else None, text)
                messages.error(request, exc.message)
            except (ActionError, OutOfScope) as exc:
                show_error(request, exc)
            else:
                messages.success(request, gettext("已创建申报批次：%(name)s。") % {"name": batch.name})
                return redirect("cultivation:batches")
    counts = {
        r["batch_id"]: r["n"]
        for r in applications_for(user).order_by().values("batch_id").annotate(n=Count("id"))
    }
    day = today()
    rows = [
        {
            "batch": b,
            "open": b.is_open(day),
            "count": counts.get(b.pk, 0),
            "region": region_name(b.region_code) if b.region_code else gettext("全国"),
        }
        for b in batches_visible_to(user)
    ]
    return render(
        request,
        "cultivation/batches.html",
        {"rows": rows, "form": form, "can_create": can_create, "notice": notice},
    )


# ---------------------------------------------------------------- recognitions


@login_required
def recognitions(request):
    user = request.user
    require_official(user)
    day = today()
    qs = scope_enterprises(user, Recognition.objects.select_related("enterprise"), "enterprise__")
    form = RecognitionFilterForm(request.GET or None)
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        if d["tier"]:
            qs = qs.filter(tier=d["tier"])
        if d["status"]:
            qs = qs.filter(status=d["status"])
        if d["expiring"] is not None:
            qs = qs.filter(
                status=RecognitionStatus.ACTIVE,
                valid_until__gte=day,
                valid_until__lte=day + dt.timedelta(days=d["expiring"]),
            )
        if d["q"]:
            qs = qs.filter(enterprise__name__icontains=d["q"].strip())
    qs = actions.with_change_pending(qs.order_by("valid_until", "id"))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for rec in page.object_list:
        css, status = recognition_status(rec, day)
        rows.append(
            {
                "rec": rec,
                "css": css,
                "status": status,
                "region": region_name(rec.enterprise.region),
                "can_revoke": "revoke" in actions.allowed_recognition_actions(user, rec),
            }
        )
    reports = list(
        scope_enterprises(
            user,
            ChangeReport.objects.select_related("recognition__enterprise", "filed_by"),
            "recognition__enterprise__",
        )
        .filter(state=ChangeReport.State.SUBMITTED)
        .order_by("filed_at", "id")
    )
    for rep in reports:
        rep.recognition.change_pending = True  # this very report is submitted: no query per report
        rep.can_decide = "decide_change" in actions.allowed_recognition_actions(user, rep.recognition)
    return render(
        request,
        "cultivation/recognitions.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "reports": reports,
            "query": _query_without(request, "page"),
        },
    )


@login_required
@require_POST
def revoke(request, pk: int):
    user = request.user
    require_official(user)
    rec = get_object_or_404(recognitions_for(user), pk=pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("操作失败：页面已过期，请刷新页面后重新操作。"))
    elif not (form.cleaned_data["reason"] or "").strip():
        messages.error(request, gettext("撤销理由：请填写撤销认定的理由。"))
    else:
        try:
            actions.revoke_recognition(
                user,
                rec,
                expected_version=form.cleaned_data["expected_version"],
                reason=form.cleaned_data["reason"].strip(),
            )
        except (ActionError, OutOfScope) as exc:
            show_error(request, exc)
        else:
            messages.success(
                request,
                gettext("已撤销认定：%(name)s（证书编号 %(no)s）。")
                % {"name": rec.enterprise.name, "no": rec.certificate_no},
            )
    return back(request, "cultivation:recognitions")


@login_required
@require_POST
def decide_change(request, pk: int):
    user = request.user
    require_official(user)
    report = get_object_or_404(
        scope_enterprises(
            user, ChangeReport.objects.select_related("recognition__enterprise"), "recognition__enterprise__"
        ),
        pk=pk,
    )
    form = DecideChangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("审核结果：请选择“确认”或“撤销认定”。"))
        return back(request, "cultivation:recognitions")
    accept = form.cleaned_data["accept"] == "1"
    try:
        actions.decide_change(user, report, accept=accept, note=form.cleaned_data["note"])
    except (ActionError, OutOfScope) as exc:
        show_error(request, exc)
    else:
        name = report.recognition.enterprise.name
        if accept:
            messages.success(
                request, gettext("已确认 %(name)s 的重大变化报告，认定继续有效。") % {"name": name}
            )
        else:
            messages.success(request, gettext("已根据重大变化报告撤销 %(name)s 的认定。") % {"name": name})
    return back(request, "cultivation:recognitions")
