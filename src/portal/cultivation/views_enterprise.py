"""Enterprise pages: apply, upload evidence, declare and submit, follow the review, hold titles.

Thin views: each POST calls one function of cultivation.actions and shows its ActionError
message; what an enterprise may do next comes from actions.allowed_actions().
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from portal.accounts.scope import OutOfScope
from portal.actions import ActionError

from . import actions
from .forms import ApplyForm, ChangeReportForm, EvidenceForm, ReReviewForm, SubmitForm, batch_label
from .models import Application, ApplicationState, RecognitionStatus
from .views_common import (
    applications_for,
    back,
    enterprise_next_step,
    evidence_for,
    evidence_limit_label,
    frozen_result,
    frozen_tier,
    ladder_note,
    open_batches_for,
    procedure_terms,
    re_review_context,
    recognition_status,
    recognitions_for,
    require_enterprise_user,
    result_template_available,
    show_error,
    state_label,
    timeline,
    today,
    url_or_empty,
    validity_unverified,
)

S = ApplicationState


def _own_application(request, pk: int) -> Application:
    require_enterprise_user(request.user)
    return get_object_or_404(applications_for(request.user), pk=pk)


@login_required
def my_applications(request):
    enterprise = require_enterprise_user(request.user)
    apps = applications_for(request.user).order_by("-created_at", "-id")
    rows = [{"app": a, "state": state_label(a.state), "next": enterprise_next_step(a)} for a in apps]
    return render(
        request,
        "cultivation/my_applications.html",
        {
            "enterprise": enterprise,
            "rows": rows,
            "can_apply": bool(open_batches_for(enterprise)),
        },
    )


@login_required
def apply(request):
    enterprise = require_enterprise_user(request.user)
    batches = open_batches_for(enterprise)
    if request.method == "POST":
        form = ApplyForm(request.POST)
        chosen = None
        if form.is_valid():
            chosen = next((b for b in batches if b.pk == form.cleaned_data["batch"]), None)
        if chosen is None:
            messages.error(request, gettext("申报批次：所选批次不存在或已截止，请从下面的列表中重新选择。"))
        else:
            try:
                app = actions.create_application(request.user, enterprise, chosen)
            except (ActionError, OutOfScope) as exc:
                show_error(request, exc)
            else:
                messages.success(request, gettext("已创建申报草稿。下一步：上传佐证材料并提交。"))
                return redirect("cultivation:application", pk=app.pk)
    return render(
        request,
        "cultivation/apply.html",
        {
            "enterprise": enterprise,
            "batches": [{"batch": b, "label": batch_label(b)} for b in batches],
            "profile_url": url_or_empty("enterprises:profile"),
            "self_url": url_or_empty("assessments:self"),
        },
    )


def enterprise_detail(request, app: Application):
    """The enterprise's view of one application (called by the shared detail route)."""
    allowed = actions.allowed_actions(request.user, app)
    submitted = app.state not in (S.DRAFT,) and app.assessment_id is not None
    return render(
        request,
        "cultivation/application_enterprise.html",
        {
            "app": app,
            "state": state_label(app.state),
            "next_step": enterprise_next_step(app),
            "allowed": allowed,
            "allowed_attach": "remove_evidence" in allowed,
            "trail": timeline(app),
            "evidence": list(app.evidence.all()),
            "evidence_form": EvidenceForm(),
            "limit": evidence_limit_label(),
            # the text as signed; the text to sign while the application can be (re)submitted
            "declaration": actions.declaration_text()
            if "submit" in allowed or not app.declaration_text
            else app.declaration_text,
            "submitted": submitted,
            "result": frozen_result(app) if submitted else None,
            "result_template": result_template_available(),
            "frozen": frozen_tier(app),
            "qualified_label": frozen_tier(app)["label"],
            "profile_url": url_or_empty("enterprises:profile"),
            "objections": list(app.objections.all()),
        },
    )


@login_required
@require_POST
def evidence_upload(request, pk: int):
    app = _own_application(request, pk)
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(
            request,
            gettext("上传失败：请先选择要上传的文件（PDF、JPEG 或 PNG，不超过 %(limit)s）。")
            % {"limit": evidence_limit_label()},
        )
    else:
        try:
            ev = actions.attach_evidence(
                request.user, app, form.cleaned_data["file"], description=form.cleaned_data["description"]
            )
        except (ActionError, OutOfScope) as exc:
            show_error(request, exc)
        else:
            messages.success(request, gettext("已上传：%(name)s") % {"name": ev.original_name})
    return redirect("cultivation:application", pk=app.pk)


@login_required
@require_POST
def evidence_remove(request, pk: int):
    require_enterprise_user(request.user)
    ev = get_object_or_404(evidence_for(request.user), pk=pk)
    app_pk = ev.application_id
    name = ev.original_name
    try:
        actions.remove_evidence(request.user, ev)
    except (ActionError, OutOfScope) as exc:
        show_error(request, exc)
    else:
        messages.success(request, gettext("已删除：%(name)s") % {"name": name})
    return redirect("cultivation:application", pk=app_pk)


@login_required
@require_POST
def submit(request, pk: int):
    app = _own_application(request, pk)
    form = SubmitForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("提交失败：页面已过期，请刷新后重试。"))
        return redirect("cultivation:application", pk=app.pk)
    if not form.cleaned_data["declaration"]:
        messages.error(request, gettext("提交失败：请先阅读真实性声明并勾选“我已阅读并同意以上声明”。"))
        return redirect("cultivation:application", pk=app.pk)
    try:
        actions.submit_application(
            request.user,
            app,
            expected_version=form.cleaned_data["expected_version"],
            declaration_accepted=True,
        )
    except (ActionError, OutOfScope) as exc:
        show_error(request, exc)
    else:
        messages.success(request, gettext("申报已提交，等待主管部门审核。"))
    return redirect("cultivation:application", pk=app.pk)


@login_required
@require_POST
def withdraw(request, pk: int):
    app = _own_application(request, pk)
    form = SubmitForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("撤回失败：页面已过期，请刷新后重试。"))
        return redirect("cultivation:application", pk=app.pk)
    try:
        actions.withdraw_application(
            request.user,
            app,
            expected_version=form.cleaned_data["expected_version"],
            reason=request.POST.get("reason", ""),
        )
    except (ActionError, OutOfScope) as exc:
        show_error(request, exc)
    else:
        messages.success(request, gettext("申报已撤回。"))
    return redirect("cultivation:application", pk=app.pk)


# ---------------------------------------------------------------- titles held


@login_required
def my_recognitions(request):
    enterprise = require_enterprise_user(request.user)
    day = today()
    rows = []
    for rec in recognitions_for(request.user).prefetch_related("change_reports"):
        css, status = recognition_status(rec, day)
        active = rec.status == RecognitionStatus.ACTIVE and rec.valid_until >= day
        rows.append(
            {
                "rec": rec,
                "css": css,
                "status": status,
                "active": active,
                "days_left": (rec.valid_until - day).days,
                "reports": list(rec.change_reports.all()),
                "validity_unverified": validity_unverified(rec),
                "ladder_note": ladder_note(rec, day),
                **re_review_context(request.user, rec),
            }
        )
    return render(
        request,
        "cultivation/my_recognitions.html",
        {
            "enterprise": enterprise,
            "rows": rows,
            "change_form": ChangeReportForm(),
            "procedure": procedure_terms(day),
        },
    )


@login_required
@require_POST
def re_review(request, pk: int):
    require_enterprise_user(request.user)
    rec = get_object_or_404(recognitions_for(request.user), pk=pk)
    form = ReReviewForm(request.POST)
    offered = re_review_context(request.user, rec)["re_review_batches"]
    batch = None
    if form.is_valid():
        batch = next((b for b in offered if b.pk == form.cleaned_data["batch"]), None)
    if batch is None:
        messages.error(request, gettext("复核批次：所选批次不存在、已截止或当前不能复核，请重新选择。"))
        return redirect("cultivation:my_recognitions")
    try:
        app = actions.start_re_review(request.user, rec, batch)
    except (ActionError, OutOfScope) as exc:
        show_error(request, exc)
        return redirect("cultivation:my_recognitions")
    messages.success(request, gettext("已发起复核申报。下一步：更新企业画像、上传佐证材料并提交。"))
    return redirect("cultivation:application", pk=app.pk)


@login_required
@require_POST
def report_change(request, pk: int):
    require_enterprise_user(request.user)
    rec = get_object_or_404(recognitions_for(request.user), pk=pk)
    form = ChangeReportForm(request.POST)
    if not form.is_valid():
        problems = []
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            problems.append(f"{label}：{'；'.join(errors)}")
        messages.error(request, gettext("重大变化报告未提交：") + "；".join(problems))
        return back(request, "cultivation:my_recognitions")
    try:
        report = actions.report_change(
            request.user,
            rec,
            kind=form.cleaned_data["kind"],
            occurred_on=form.cleaned_data["occurred_on"],
            description=form.cleaned_data["description"],
        )
    except (ActionError, OutOfScope) as exc:
        show_error(request, exc)
    else:
        text = gettext("重大变化报告已提交，等待主管部门审核。")
        if report.late:
            months = procedure_terms(report.occurred_on)["change_report_months"]["value"]
            text += gettext("（已超过 %(months)s 个月的报告期限，已记为逾期填报。）") % {"months": months}
        messages.success(request, text)
    return back(request, "cultivation:my_recognitions")
