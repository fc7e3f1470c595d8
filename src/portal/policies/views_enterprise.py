"""Enterprise pages: 我的政策 (what fits, what may fit, grants), why not, and the push subscription."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext

from portal.actions import ActionError

from . import actions, matching
from .forms import SubscriptionForm
from .models import Grant, Subscription
from .views_common import area_name, benefit_line, get_policy, require_enterprise_user, show_error


def _row(match, today):
    p = match.policy
    return {
        "policy": p,
        "benefit": benefit_line(p),
        "area": area_name(p.region_prefix),
        "missing": match.missing,
        "issued": match.issued,
        "open_now": p.is_open(today),
        "deadline": p.deadline(),
    }


@login_required
def mine(request):
    ent = require_enterprise_user(request.user)
    today = matching.today()
    matches = matching.matches_for(ent, today)
    ctx = {
        "enterprise": ent,
        "unreadable": matches is None,
        "problems": matching.profile_problems(ent, today) if matches is None else "",
        "grants": Grant.objects.filter(enterprise=ent).select_related("policy"),
    }
    if matches is not None:
        ctx["eligible"] = [_row(m, today) for m in matches if m.state is True]
        ctx["maybe"] = [_row(m, today) for m in matches if m.state is None]
        ctx["others"] = [_row(m, today) for m in matches if m.state is False]
    return render(request, "policies/mine.html", ctx)


@login_required
def why(request, pk: int):
    ent = require_enterprise_user(request.user)
    policy = get_policy(request.user, pk)
    explanation = matching.explain(policy, ent) if policy.in_force(matching.today()) else None
    return render(
        request,
        "policies/why.html",
        {
            "policy": policy,
            "enterprise": ent,
            "explanation": explanation,
            "benefit": benefit_line(policy),
            "area": area_name(policy.region_prefix),
        },
    )


@login_required
def subscription(request):
    ent = require_enterprise_user(request.user)
    sub = Subscription.objects.filter(enterprise=ent).first()
    if request.method == "POST":
        form = SubscriptionForm(request.POST)
        if form.is_valid():
            try:
                actions.set_subscription(
                    request.user,
                    ent,
                    topics=form.cleaned_data["topics"],
                    levels=form.cleaned_data["levels"],
                    email=form.cleaned_data["email"],
                )
            except ActionError as exc:
                show_error(request, exc)
            else:
                messages.success(request, gettext("订阅设置已保存。"))
                return redirect("policies:subscription")
    else:
        form = SubscriptionForm(
            initial={"topics": sub.topics, "levels": sub.levels, "email": sub.email}
            if sub
            else {"email": True}
        )
    return render(request, "policies/subscription.html", {"form": form, "enterprise": ent})
