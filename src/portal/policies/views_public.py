"""Public pages: the policy search (全文检索 with filters) and a policy's page.

Published (and expired or withdrawn) policies are public; a policy's page adds what the visitor
may do: an enterprise sees whether it fits, an official the eligible list and 免申即享 tools.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Q, Value, When
from django.shortcuts import render

from . import actions, matching
from . import search as fts
from .forms import SearchForm
from .models import Grant, GrantStatus, Policy, Status, Topic
from .views_common import area_name, benefit_line, condition_labels, get_policy, is_official

PAGE_SIZE = 20


def _region_filter(prefix: str) -> Q:
    """Policies whose area overlaps the chosen area: national, the province, the city … and those inside it."""
    containing = {prefix[:n] for n in (0, 2, 4, 6) if n <= len(prefix)}
    return Q(region_prefix__in=containing) | Q(region_prefix__startswith=prefix)


def search(request):
    form = SearchForm(request.GET or None)
    qs = Policy.objects.exclude(status=Status.DRAFT)
    ranked: list[int] | None = None
    if form.is_valid():
        d = form.cleaned_data
        if d.get("q"):
            ranked = fts.matching_ids(d["q"])
            if ranked is not None:
                qs = qs.filter(pk__in=ranked)
        if d.get("level"):
            qs = qs.filter(level=d["level"])
        if d.get("region"):
            qs = qs.filter(_region_filter(d["region"]))
        if d.get("benefit_type"):
            qs = qs.filter(benefit_type=d["benefit_type"])
        if d.get("open_now"):
            day = matching.today()
            qs = qs.filter(status=Status.PUBLISHED).filter(
                Q(expires_on__isnull=True) | Q(expires_on__gte=day),
                Q(apply_from__isnull=True) | Q(apply_from__lte=day),
                Q(apply_until__isnull=True) | Q(apply_until__gte=day),
            )
    if ranked:
        order = Case(
            *[When(pk=pk, then=Value(i)) for i, pk in enumerate(ranked)], output_field=IntegerField()
        )
        qs = qs.order_by(order)
    else:
        published_first = Case(
            When(status=Status.PUBLISHED, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
        qs = qs.order_by(published_first, "-publish_date", "-id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    rows = [{"policy": p, "benefit": benefit_line(p), "area": area_name(p.region_prefix)} for p in page]
    return render(
        request,
        "policies/search.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "searched": form.is_bound,
            "total": page.paginator.count,
        },
    )


def detail(request, pk: int):
    policy = get_policy(request.user, pk)
    labels, broken = condition_labels(policy)
    user = request.user
    ctx = {
        "policy": policy,
        "labels": labels,
        "broken": broken,
        "benefit": benefit_line(policy),
        "area": area_name(policy.region_prefix),
        "attachments": policy.attachments.all(),
        "may_manage": actions.may_manage(user, policy),
        "open_now": policy.is_open(matching.today()),
        "in_force": policy.in_force(matching.today()),
        "topics": [Topic(t).label for t in policy.topics or [] if t in Topic.values],
    }
    if getattr(user, "is_authenticated", False) and user.role == "enterprise" and user.enterprise_id:
        ent = user.enterprise
        ctx["mine"] = matching.explain(policy, ent) if policy.in_force(matching.today()) else None
        ctx["my_grant"] = Grant.objects.filter(policy=policy, enterprise=ent).first()
    if is_official(user):
        try:
            ctx["list_area"] = area_name(actions.list_prefix(user, policy))
        except PermissionError:
            ctx["list_area"] = None
        ctx["may_confirm"] = policy.no_application and actions.may_confirm(user, policy)
        if ctx["list_area"] is not None and policy.no_application:
            prefix = actions.list_prefix(user, policy)
            grants = list(
                Grant.objects.filter(policy=policy, region__startswith=prefix).select_related("enterprise")
            )
            # pending payouts re-checked as things are today: a warning where one should not be paid
            checks = actions.payout_checks(policy, grants)
            for g in grants:
                g.payout_check = checks.get(g.pk)
            ctx["grants"] = grants
            ctx["grant_counts"] = {s: sum(1 for g in grants if g.status == s) for s in GrantStatus.values}
    return render(request, "policies/detail.html", ctx)
