"""Routes shared by every audience: application and recognition detail URLs, the evidence download.

The detail URL is what notifications link to; it shows the enterprise page to enterprise users
and the review page to officials. Both load the application through the user's region scope.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext

from portal.accounts.roles import Role

from .forms import ChangeReportForm
from .views_common import (
    get_application,
    is_official,
    ladder_note,
    procedure_terms,
    re_review_context,
    recognition_status,
    recognitions_for,
    serve_evidence,
    timeline,
    validity_unverified,
)
from .views_enterprise import enterprise_detail
from .views_official import review_detail


@login_required
def application(request, pk: int):
    user = request.user
    app = get_application(user, pk)
    if user.role == Role.ENTERPRISE:
        return enterprise_detail(request, app)
    if is_official(user) or user.role == Role.ADMIN or user.is_superuser:
        return review_detail(request, app)
    raise PermissionDenied(gettext("您的账户无权查看申报。"))


def evidence(request, pk: int):
    return serve_evidence(request, pk)


@login_required
def recognition(request, pk: int):
    """One title: validity, change reports, trail, and what this user may do (re-review, report, revoke)."""
    user = request.user
    if not (
        user.role == Role.ENTERPRISE or is_official(user) or user.role == Role.ADMIN or user.is_superuser
    ):
        raise PermissionDenied(gettext("您的账户无权查看认定。"))
    rec = get_object_or_404(recognitions_for(user), pk=pk)
    css, status = recognition_status(rec)
    if user.role == Role.ENTERPRISE:
        back_url, back_label = reverse("cultivation:my_recognitions"), gettext("认定证书")
    else:
        back_url, back_label = reverse("cultivation:recognitions"), gettext("认定管理")
    return render(
        request,
        "cultivation/recognition.html",
        {
            "rec": rec,
            "css": css,
            "status": status,
            "back_url": back_url,
            "back_label": back_label,
            "reports": list(rec.change_reports.all()),
            "trail": timeline(rec),
            "change_form": ChangeReportForm(),
            "procedure": procedure_terms(),
            "validity_unverified": validity_unverified(rec),
            "ladder_note": ladder_note(rec),
            **re_review_context(user, rec),
        },
    )
