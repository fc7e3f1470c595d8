"""Pages of the assessments app: self-assessment, stored result, history, PDF. Views stay thin.

Scope: every lookup goes through portal.accounts.scope; an assessment outside the user's scope is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from portal.accounts.scope import scope_enterprises
from portal.actions import ActionError, InvalidInput
from portal.enterprises.models import Enterprise

from .actions import run_assessment
from .display import profile_editor_url, result_for_display
from .forms import RunAssessmentForm
from .models import Assessment
from .pdf import pdf_filename, render_pdf


def _lang() -> str:
    return get_language() or "zh-hans"


def _own_enterprise(request) -> Enterprise:
    user = request.user
    if not getattr(user, "is_enterprise_user", False):
        raise PermissionDenied(_("自评页面供企业用户使用；主管部门请从“企业”列表进入某家企业的评价记录。"))
    return user.enterprise


def _scoped_assessments(user):
    return scope_enterprises(
        user, Assessment.objects.select_related("enterprise", "created_by"), "enterprise__"
    )


def _history_rows(qs, lang: str) -> list[dict]:
    rows = []
    for a in qs:
        data = a.result_in(lang)
        tiers = data.get("tiers") or {}
        rows.append(
            {
                "a": a,
                "highest_label": tiers[a.highest_tier]["label"] if a.highest_tier in tiers else "",
                "rules_title": data.get("rules_title") or a.ruleset_label or a.ruleset_id,
            }
        )
    return rows


def _run(request, enterprise: Enterprise):
    """Validate the form and run the action; returns (assessment or None, form, problems, error message)."""
    form = RunAssessmentForm(request.POST)
    if not form.is_valid():
        return None, form, [], _("请检查下面标出的项目。")
    try:
        a = run_assessment(
            request.user,
            enterprise,
            as_of=form.cleaned_data["as_of"],
            rules=form.cleaned_data["rules"] or None,
            is_review=form.cleaned_data["is_review"],
        )
    except InvalidInput as exc:
        return None, form, exc.problems, exc.message
    except ActionError as exc:
        return None, form, [], exc.message
    return a, form, [], ""


@login_required
def self_assessment(request):
    enterprise = _own_enterprise(request)
    form, problems, error = RunAssessmentForm(), [], ""
    if request.method == "POST":
        a, form, problems, error = _run(request, enterprise)
        if a is not None:
            messages.success(request, _("已按最新画像完成评价。"))
            return redirect("assessments:detail", pk=a.pk)
    latest = enterprise.assessments.select_related("created_by").first()
    return render(
        request,
        "assessments/self.html",
        {
            "enterprise": enterprise,
            "form": form,
            "problems": problems,
            "error": error,
            "latest": latest,
            "result": result_for_display(latest, _lang()) if latest else None,
            "profile_url": profile_editor_url(),
            "stale": latest is not None and latest.profile_version != enterprise.version,
            "count": enterprise.assessments.count(),
        },
        status=400 if error else 200,
    )


@login_required
@require_GET
def detail(request, pk: int):
    a = get_object_or_404(_scoped_assessments(request.user), pk=pk)
    return render(
        request,
        "assessments/detail.html",
        {
            "a": a,
            "enterprise": a.enterprise,
            "result": result_for_display(a, _lang()),
            "own": request.user.enterprise_id == a.enterprise_id,
            "stale": a.profile_version != a.enterprise.version,
        },
    )


@login_required
@require_GET
def history(request):
    enterprise = _own_enterprise(request)
    qs = _scoped_assessments(request.user).filter(enterprise=enterprise)
    return render(
        request,
        "assessments/history.html",
        {
            "enterprise": enterprise,
            "rows": _history_rows(qs[:500], _lang()),
            "own": True,
        },
    )


@login_required
def enterprise_history(request, enterprise_pk: int):
    enterprise = get_object_or_404(
        scope_enterprises(request.user, Enterprise.objects.all()), pk=enterprise_pk
    )
    form, problems, error = RunAssessmentForm(), [], ""
    if request.method == "POST":
        a, form, problems, error = _run(request, enterprise)
        if a is not None:
            messages.success(request, _("已按企业当前画像完成评价。"))
            return redirect("assessments:detail", pk=a.pk)
    qs = _scoped_assessments(request.user).filter(enterprise=enterprise)
    return render(
        request,
        "assessments/history.html",
        {
            "enterprise": enterprise,
            "rows": _history_rows(qs[:500], _lang()),
            "own": False,
            "form": form,
            "problems": problems,
            "error": error,
        },
        status=400 if error else 200,
    )


@login_required
@require_GET
def pdf(request, pk: int):
    a = get_object_or_404(_scoped_assessments(request.user), pk=pk)
    data = render_pdf(a, _lang())
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, pdf_filename(a))
    return response
