"""Demand (诉求) pages: the enterprise posts and closes, officials and routed providers respond.

Every page loads through selectors.demands_for (scope for enterprises and officials, routing for
providers): a demand outside it is 404. The official's queue shows the overdue flag per demand
and the region's response figures; `today` comes from one place so tests can pin it.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST

from portal.accounts.roles import PREFIX_DIGITS, Role
from portal.actions import ActionError, InvalidInput, StaleObject

from . import actions, deadlines, selectors
from .forms import CloseForm, DemandForm, QueueFilterForm, RespondForm
from .models import Category, Demand, DemandState, Level, Urgency
from .views_common import (
    add_problems,
    error_text,
    is_official,
    require_enterprise_user,
    require_member,
    require_official,
    timeline,
    today,
)

D = DemandState
PAGE_SIZE = 25
_RELOAD = gettext_lazy("页面已过期，请刷新后再发送回复。")


def demand_row(d: Demand, day) -> dict:
    css, text = selectors.deadline_status(d, day)
    return {
        "demand": d,
        "category": Category(d.category).label,
        "state": DemandState(d.state).label,
        "urgency": Urgency(d.urgency).label,
        "deadline_css": css,
        "deadline": text,
        "overdue": selectors.is_overdue(d, day),
        "routed": actions.level_region_label(d.routed_level, d.routed_region),
        "region": actions.region_label(d.enterprise.region),
    }


@login_required
def my_demands(request):
    enterprise = require_enterprise_user(request.user)
    day = today()
    qs = selectors.demands_for(request.user).filter(enterprise=enterprise)
    page = _page_of(request, qs)
    return render(
        request,
        "services/my_demands.html",
        {"rows": [demand_row(d, day) for d in page.object_list], "page": page, "enterprise": enterprise},
    )


def _page_of(request, qs):
    """One page of a demand list: a provincial provider or a long-standing enterprise can have thousands."""
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


@login_required
def demand_new(request):
    enterprise = require_enterprise_user(request.user)
    form = DemandForm(request.POST or None, initial={"category": request.GET.get("category", "")})
    if request.method == "POST" and form.is_valid():
        try:
            demand = actions.post_demand(request.user, enterprise, **form.cleaned_data)
        except InvalidInput as exc:
            add_problems(form, exc)
            messages.error(request, exc.message)
        except ActionError as exc:
            messages.error(request, error_text(exc))
        else:
            count = demand.matches.count()
            messages.success(
                request,
                gettext(
                    "诉求已提交，由%(authority)s主管部门负责，同时派送给 %(n)s 家服务机构；"
                    "应于 %(day)s 前得到首次响应。"
                )
                % {
                    "authority": actions.level_region_label(demand.routed_level, demand.routed_region),
                    "n": count,
                    "day": demand.due_on.isoformat(),
                },
            )
            return redirect("services:demand", demand.pk)
    targets = deadlines.targets()
    return render(
        request,
        "services/demand_form.html",
        {
            "form": form,
            "enterprise": enterprise,
            "targets": [
                (Category(c).label, targets["categories"].get(c, targets["default"])) for c in Category.values
            ],
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
def demand(request, pk: int):
    d = get_object_or_404(selectors.demands_for(request.user), pk=pk)
    return _demand_page(request, d)


def _demand_page(request, d: Demand, *, respond_form=None, close_form=None, status: int = 200):
    """The demand page; a refused reply or rating comes back in its bound form so nothing typed is lost."""
    user = request.user
    own = user.role == Role.ENTERPRISE and user.enterprise_id == d.enterprise_id
    matches = d.matches.select_related("institution") if (own or is_official(user)) else []
    return render(
        request,
        "services/demand.html",
        {
            "row": demand_row(d, today()),
            "d": d,
            "own": own,
            "responses": selectors.responses_visible(user, d),
            "matches": matches,
            "openable": _openable(user, matches),
            "can_respond": actions.may_respond(user, d),
            "respond_form": respond_form or RespondForm(initial={"version": d.version}),
            "can_close": own and d.state == D.ANSWERED,
            "can_withdraw": own and d.state in (D.OPEN, D.ANSWERED),
            "close_form": close_form or CloseForm(initial={"version": d.version, "rating": "5"}),
            "trail": timeline(d) if (own or is_official(user)) else [],
        },
        status=status,
    )


def _kept(request, d: Demand, exc: StaleObject, form_class, note: str, *fields: str):
    """The demand changed since the page was opened (a second click, or someone else's reply): show the latest
    state with what was typed still in the form, so it is sent again only if still needed."""
    d.refresh_from_db()
    messages.error(request, exc.message)
    messages.info(request, note)
    form = form_class(initial={**{f: request.POST.get(f, "") for f in fields}, "version": d.version})
    key = "respond_form" if form_class is RespondForm else "close_form"
    return _demand_page(request, d, status=409, **{key: form})


def _openable(user, matches) -> set[int]:
    """Routed institutions whose page this user may open: a suspended one is named without a link to a 404."""
    pks = [m.institution_id for m in matches]
    return (
        set(selectors.institutions_for(user).filter(pk__in=pks).values_list("pk", flat=True))
        if pks
        else set()
    )


def _refused(request, d: Demand, form, exc: InvalidInput, **forms):
    """Back to the demand page with the typed text kept and the problem on its field."""
    add_problems(form, exc)
    messages.error(request, exc.message)
    return _demand_page(request, d, status=400, **forms)


@login_required
@require_POST
def demand_respond(request, pk: int):
    d = get_object_or_404(selectors.demands_for(request.user), pk=pk)
    form = RespondForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("请填写回复内容。") if "text" in form.errors else _RELOAD)
        return _demand_page(request, d, respond_form=form, status=400)
    try:
        actions.respond_to_demand(
            request.user, d, text=form.cleaned_data["text"], expected_version=form.cleaned_data["version"]
        )
    except InvalidInput as exc:
        return _refused(request, d, form, exc, respond_form=form)
    except StaleObject as exc:
        note = gettext("您的回复没有发送，已保留在下方；请先查看最新回复，需要时再发送。")
        return _kept(request, d, exc, RespondForm, note, "text")
    except ActionError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, gettext("回复已发送，企业会在站内信中收到。"))
    return redirect("services:demand", pk)


@login_required
@require_POST
def demand_close(request, pk: int):
    d = get_object_or_404(selectors.demands_for(request.user), pk=pk)
    form = CloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("评价信息不完整：请选择 1–5 星的满意度。"))
        return _demand_page(request, d, close_form=form, status=400)
    try:
        actions.close_demand(
            request.user,
            d,
            rating=form.cleaned_data["rating"],
            comment=form.cleaned_data["comment"],
            expected_version=form.cleaned_data["version"],
        )
    except InvalidInput as exc:
        return _refused(request, d, form, exc, close_form=form)
    except StaleObject as exc:
        note = gettext("您的评价没有提交，已保留在下方；请先查看最新回复，再办结。")
        return _kept(request, d, exc, CloseForm, note, "rating", "comment")
    except ActionError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, gettext("诉求已办结，感谢您的评价。"))
    return redirect("services:demand", pk)


@login_required
@require_POST
def demand_withdraw(request, pk: int):
    d = get_object_or_404(selectors.demands_for(request.user), pk=pk)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1
    try:
        actions.withdraw_demand(
            request.user, d, expected_version=version, reason=request.POST.get("reason", "")
        )
    except ActionError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, gettext("诉求已撤回。"))
    return redirect("services:demand", pk)


# What the response figures read of every demand in the region. Not the enterprise's profile: a
# province's 5,000 demands loaded 5,000 profiles (91 MB) to count answers and hours.
STATS_FIELDS = ("state", "created_at", "due_on", "first_response_at", "rating", "enterprise__region")


@login_required
def queue(request):
    """The official's demands: overdue flags, filters, and the region's response figures."""
    user = request.user
    require_official(user)
    day = today()
    base = selectors.demands_for(user)
    form = QueueFilterForm(request.GET or None)
    qs = base
    state = ""
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        state = d["state"]
        if d["category"]:
            qs = qs.filter(category=d["category"])
        if d["mine"]:
            qs = qs.filter(
                routed_level=user.role, routed_region=user.region_code if user.role != Level.NATIONAL else ""
            )
    if state == "overdue":
        qs = qs.filter(state=D.OPEN, first_response_at__isnull=True, due_on__lt=day)
    elif state in D.values:
        qs = qs.filter(state=state)
    elif state != "all":
        qs = qs.filter(state__in=[D.OPEN, D.ANSWERED])
    qs = qs.order_by("due_on", "created_at", "id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    digits = min(PREFIX_DIGITS[Role(user.role)] + 2, 6) if user.role != Role.COUNTY else 6
    everything = list(base.only(*STATS_FIELDS))
    return render(
        request,
        "services/queue.html",
        {
            "form": form,
            "page": page,
            "rows": [demand_row(x, day) for x in page.object_list],
            "stats": selectors.response_stats(everything, day),
            "areas": selectors.stats_by_area(everything, day, digits) if user.role != Role.COUNTY else [],
            "region": actions.region_label(user.region_code) if user.region_code else gettext("全国"),
            "today": day,
            "query": _query_without(request.GET, "page"),
        },
    )


def _query_without(data, *drop) -> str:
    q = data.copy()
    for key in drop:
        q.pop(key, None)
    return q.urlencode()


@login_required
def provider_demands(request):
    inst = require_member(request.user)
    day = today()
    page = _page_of(request, selectors.demands_for(request.user).order_by("-created_at", "-id"))
    rows = [demand_row(d, day) for d in page.object_list]
    return render(request, "services/provider_demands.html", {"inst": inst, "rows": rows, "page": page})
