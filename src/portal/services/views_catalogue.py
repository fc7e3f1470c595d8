"""The public catalogue of offerings, institution pages, and the officials' review of institutions.

Lists start from services.selectors: an institution that is not approved is found only by its own
members and its reviewing official (anyone else gets 404, whatever link they followed).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from portal.accounts.scope import region_in_scope
from portal.actions import ActionError, InvalidInput
from portal.assessments import engine

from . import actions, selectors
from .forms import CatalogueFilterForm, ReviewForm
from .models import Category, InstitutionState, PriceBand
from .views_common import add_problems, is_official, require_official, show_error, timeline

PAGE_SIZE = 20


def offering_row(o) -> dict:
    inst = o.institution
    return {
        "offering": o,
        "category": Category(o.category).label,
        "price": PriceBand(o.price_band).label,
        "regions": actions.region_tokens_label(o.region_tokens),
        "where": actions.level_region_label(inst.level, inst.region_code),
    }


def catalogue(request):
    """Anyone may browse: approved institutions' active offerings, filtered by category, region and words."""
    data = request.GET.copy()
    user = request.user
    if not data and getattr(user, "is_authenticated", False) and getattr(user, "enterprise_id", None):
        data["region"] = user.enterprise.region  # an enterprise first sees what serves its own county
    form = CatalogueFilterForm(data or None)
    qs = selectors.public_offerings()
    region_error = ""
    filter_errors = []
    if form.is_bound:
        # each filter that is right still applies; one wrong value (a hand-edited address) is said, not a reason to
        # show everything
        form.is_valid()
        d = {"q": "", "category": "", "region": "", **form.cleaned_data}
        filter_errors = [
            gettext("%(label)s：%(value)s") % {"label": form[name].label, "value": " ".join(errors)}
            for name, errors in form.errors.items()
        ]
        if d["q"]:
            words = d["q"].strip()
            qs = qs.filter(
                Q(title__icontains=words)
                | Q(description__icontains=words)
                | Q(institution__name__icontains=words)
            )
        if d["category"]:
            qs = qs.filter(category=d["category"])
        region = (d["region"] or "").strip()
        if region:
            if len(region) == 6 and region.isdigit() and engine.region(region):
                qs = qs.filter(selectors.available_in_q(region))
            else:
                region_error = gettext("地区代码 %(code)s 无效：应为 6 位行政区划代码（如 330106）") % {
                    "code": region
                }
    page = Paginator(qs.order_by("category", "title", "id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "services/catalogue.html",
        {
            "form": form,
            "page": page,
            "rows": [offering_row(o) for o in page.object_list],
            "region_error": region_error,
            "filter_errors": filter_errors,
            "region_name": actions.region_label(form["region"].value() or "")
            if form["region"].value()
            else "",
            "query": _query_without(data, "page"),
        },
    )


def _query_without(data, *drop):
    q = data.copy()
    for key in drop:
        q.pop(key, None)
    return q.urlencode()


def offering(request, pk: int):
    o = get_object_or_404(selectors.offerings_for(request.user), pk=pk)
    return render(request, "services/offering.html", {"row": offering_row(o), "institution": o.institution})


@login_required
def institutions(request):
    """Officials: institutions waiting for their review, and approved institutions in their region."""
    user = request.user
    require_official(user)
    review_q = selectors.reviewable_q(user)
    mine = selectors.institutions_for(user).filter(review_q) if review_q is not None else []
    pending = [i for i in mine if i.state == InstitutionState.PENDING]
    for i in pending:  # a county institution may wait for the city (actions.review_seat): say where it is
        i.where = actions.level_region_label(i.level, i.region_code)
    others = [i for i in mine if i.state != InstitutionState.PENDING]
    prefix = user.region_prefix or ""
    approved = (
        selectors.public_institutions().filter(region_code__startswith=prefix)
        if prefix
        else (selectors.public_institutions())
    )
    return render(
        request,
        "services/institutions.html",
        {
            "pending": pending,
            "reviewed": others,
            "approved": [
                {"i": i, "where": actions.level_region_label(i.level, i.region_code)}
                for i in approved.order_by("level", "region_code", "name")
            ],
        },
    )


def institution(request, pk: int):
    inst = get_object_or_404(selectors.institutions_for(request.user), pk=pk)
    user = request.user
    allowed = actions.allowed_reviews(user, inst)
    member = actions.membership_of(user)
    own = member is not None and member.institution_id == inst.pk
    sees_all = own or actions.is_reviewer(user, inst)
    offerings = inst.offerings.all() if sees_all else inst.offerings.filter(active=True)
    solutions = inst.solutions.all() if sees_all else inst.solutions.filter(active=True)
    form = ReviewForm(initial={"version": inst.version})
    form.fields["decision"].choices = [c for c in form.fields["decision"].choices if c[0] in allowed]
    return render(
        request,
        "services/institution.html",
        {
            "inst": inst,
            "where": actions.level_region_label(inst.level, inst.region_code),
            "rows": [offering_row(o) for o in offerings],
            "solutions": solutions,
            "allowed": allowed,
            "form": form,
            "trail": timeline(inst) if (own or allowed or _oversees(user, inst)) else [],
            "show_private": own or bool(allowed),
        },
    )


def _oversees(user, inst) -> bool:
    """Officials whose region holds the institution read its review history (reasons included); others do not."""
    return is_official(user) and region_in_scope(user, inst.region_code)


@require_POST
def review(request, pk: int):
    inst = get_object_or_404(selectors.institutions_for(request.user), pk=pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("审核信息不完整：请选择审核结论。"))
        return redirect("services:institution", pk)
    try:
        actions.review_institution(
            request.user,
            inst,
            decision=form.cleaned_data["decision"],
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["version"],
        )
    except InvalidInput as exc:
        add_problems(form, exc)
        show_error(request, exc)
    except ActionError as exc:
        show_error(request, exc)
    else:
        messages.success(
            request,
            gettext("已处理：服务机构“%(name)s”现为“%(state)s”。")
            % {"name": inst.name, "state": InstitutionState(inst.state).label},
        )
    return redirect("services:institution", pk)
