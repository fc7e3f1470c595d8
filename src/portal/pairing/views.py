"""Pairing pages: the enterprise's page (needs that fit, own needs, own responses), a need with its
explained suggestions and responses, the capability text, and the officials' overview.

Every page starts from pairing.access, so a need outside the user's view is simply not found (404)
and a leader never sees another leader's responses. Changes go through pairing.actions.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from portal.accounts.roles import Role
from portal.accounts.scope import OutOfScope, scope_enterprises
from portal.actions import ActionError, InvalidInput, posted_version
from portal.assessments import engine
from portal.clusters.access import clusters_of
from portal.enterprises.models import Enterprise

from . import access, actions, leaders, scoring, text
from .forms import CapabilityForm, FlagForm, NeedForm, NoteForm, ProposalForm
from .models import EnterpriseCapability, LeaderFlag, Need, NeedResponse, NeedState, ResponseState

R = ResponseState


def region_name(code: str) -> str:
    found = engine.region(code or "")
    return found[0] if found else (code or gettext("全国"))


def need_facts(need: Need) -> dict:
    today = timezone.localdate()
    return {
        "industries": [f"{c} {engine.industry_name(c) or ''}".strip() for c in need.industry_codes],
        "regions": [region_name(c) for c in need.regions],
        "titles": actions.title_labels(need.titles),
        "expired": need.state == NeedState.OPEN and need.deadline < today,
        "accepting": need.state == NeedState.OPEN and need.deadline >= today,
        "leader_region": region_name(need.leader.region),
    }


def _error(request, exc) -> None:
    message = getattr(exc, "message", None) or str(exc)
    extra = [t for _f, t in getattr(exc, "problems", None) or [] if t.rstrip("。") not in message]
    messages.error(request, message + ("" if not extra else " " + "；".join(extra)))


def _apply_problems(form, exc: InvalidInput) -> None:
    for field, msg in exc.problems:
        form.add_error(field if field in form.fields else None, msg)


def _refused(request, exc, form) -> None:
    """A refusal shown on the form again: the message on top, each problem under its field."""
    if isinstance(exc, InvalidInput):
        _apply_problems(form, exc)
    messages.error(request, getattr(exc, "message", None) or str(exc))


def _problem(exc, field: str) -> str:
    return next((text for f, text in getattr(exc, "problems", None) or [] if f == field), "")


def _enterprise_user(user):
    if not (getattr(user, "is_authenticated", False) and user.role == Role.ENTERPRISE and user.enterprise_id):
        raise PermissionDenied(gettext("此页面仅供企业用户使用。请使用企业账户登录。"))
    return user.enterprise


# ------------------------------------------------------------------------------------------ enterprise


@login_required
def index(request):
    user = request.user
    if access.is_official(user) or access.is_admin(user):
        return redirect("pairing:overview")
    enterprise = _enterprise_user(user)
    basis = leaders.leader_basis(enterprise)
    today = timezone.localdate()
    mine = list(
        Need.objects.filter(leader=enterprise).annotate(
            n_responses=Count("responses", filter=~Q(responses__state=R.WITHDRAWN)),
            n_shortlisted=Count("responses", filter=Q(responses__state=R.SHORTLISTED)),
        )
    )
    open_needs = list(
        Need.objects.filter(state=NeedState.OPEN, deadline__gte=today)
        .exclude(leader=enterprise)
        .select_related("leader")
    )
    fits = [{"need": n, "s": s, "facts": need_facts(n)} for n, s in scoring.fit(enterprise, open_needs)]
    responses = list(
        NeedResponse.objects.filter(enterprise=enterprise).select_related("need", "need__leader")
    )
    return render(
        request,
        "pairing/index.html",
        {
            "enterprise": enterprise,
            "leader_basis": basis,
            "mine": mine,
            "fits": fits,
            "responses": responses,
            "has_capability": bool(scoring.capability_text(enterprise)),
            "semantic": text.semantic_available(),
            "min_relevance": scoring.MIN_RELEVANCE,
        },
    )


@login_required
def capability(request):
    user = request.user
    enterprise = _enterprise_user(user)
    cap = EnterpriseCapability.objects.filter(enterprise=enterprise).first()
    version = cap.version if cap else 0
    form = CapabilityForm(
        request.POST or None, initial={"text": cap.text if cap else "", "expected_version": version}
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_capability(
                user, enterprise, form.cleaned_data["text"], form.cleaned_data["expected_version"]
            )
        except InvalidInput as exc:
            _apply_problems(form, exc)
            _error(request, exc)
        except ActionError as exc:
            _error(request, exc)
        else:
            messages.success(request, gettext("已保存能力描述。"))
            return redirect("pairing:capability")
    product = ((enterprise.profile or {}).get("main_product") or {}).get("name") or ""
    return render(
        request,
        "pairing/capability.html",
        {
            "form": form,
            "enterprise": enterprise,
            "product": product,
            "clusters": clusters_of(enterprise),
            "titles": actions.title_labels(
                sorted(leaders.titles_held([enterprise]).get(enterprise.pk, set()))
            ),
            "industry": f"{enterprise.industry} {engine.industry_name(enterprise.industry) or ''}".strip(),
            "region": region_name(enterprise.region),
        },
    )


def _need_form_data(form) -> dict:
    return dict(form.cleaned_data)


@login_required
def publish(request):
    user = request.user
    enterprise = _enterprise_user(user)
    if not leaders.is_leader(enterprise):
        messages.error(
            request,
            gettext(
                "贵企业不是链主企业，不能发布需求：链主为评价划型为大型企业、或经主管部门标记为链主的企业。"
            ),
        )
        return redirect("pairing:index")
    form = NeedForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            need = actions.publish_need(user, _need_form_data(form))
        except InvalidInput as exc:
            _apply_problems(form, exc)
            _error(request, exc)
        except ActionError as exc:
            _error(request, exc)
        else:
            messages.success(request, gettext("已发布需求“%(title)s”。") % {"title": need.title})
            return redirect("pairing:need", need.pk)
    return render(request, "pairing/need_form.html", {"form": form, "need": None})


def _get_need(user, pk: int) -> Need:
    return get_object_or_404(access.needs_for(user), pk=pk)


@login_required
def edit_need(request, pk: int):
    user = request.user
    need = _get_need(user, pk)
    if not access.is_leader_user(user, need):
        raise PermissionDenied(gettext("只有发布企业可以修改需求。"))
    form = NeedForm(request.POST or None, initial=NeedForm.initial_from(need))
    version = need.version
    if request.method == "POST":
        # The version the page was opened at: without it a stale page would overwrite newer changes.
        version = posted_version(request.POST)
        if version is None:
            form.is_valid()  # show the typed text again, with any field errors
            messages.error(
                request,
                gettext("需求“%(title)s”的修改未保存：页面缺少版本信息，请刷新页面后重新修改。")
                % {"title": need.title},
            )
        elif form.is_valid():
            try:
                actions.update_need(user, need, _need_form_data(form), version)
            except actions.Unchanged as exc:
                messages.info(request, exc.message)
                return redirect("pairing:need", need.pk)
            except InvalidInput as exc:
                _apply_problems(form, exc)
                _error(request, exc)
            except ActionError as exc:
                _error(request, exc)
            else:
                messages.success(request, gettext("已保存需求“%(title)s”。") % {"title": need.title})
                return redirect("pairing:need", need.pk)
    return render(request, "pairing/need_form.html", {"form": form, "need": need, "version": version or ""})


@login_required
def need(request, pk: int):
    return _render_need(request, _get_need(request.user, pk))


def _render_need(request, item: Need, *, proposal_form=None, kept: dict | None = None):
    """The need's page; after a refused form, that form again with what was typed (`proposal_form`,
    or `kept` = {"form": "close" | "shortlist" | "decline", "pk": response pk, "text": …, "error": …})."""
    user = request.user
    sees_all = access.sees_all_responses(user, item)
    responses = list(access.responses_for(user, item))
    own_id = access.own_enterprise_id(user)
    own_response = next((r for r in responses if r.enterprise_id == own_id), None)
    suggestions, fit = [], None
    if sees_all and item.state == NeedState.OPEN:
        responded = {r.enterprise_id for r in responses if r.state != R.WITHDRAWN}
        suggestions = [s for s in scoring.suggest(item) if s.enterprise.pk not in responded]
    elif own_id and own_id != item.leader_id:
        fit = scoring.fit(user.enterprise, [item])[0][1]
    facts = need_facts(item)
    return render(
        request,
        "pairing/need.html",
        {
            "need": item,
            "facts": facts,
            "sees_all": sees_all,
            "is_leader": access.is_leader_user(user, item),
            "responses": responses,
            "own_response": own_response,
            "suggestions": suggestions,
            "fit": fit,
            "can_respond": bool(own_id)
            and own_id != item.leader_id
            and facts["accepting"]
            and (own_response is None or own_response.state == R.WITHDRAWN),
            "proposal_form": proposal_form or ProposalForm(),
            "semantic": text.semantic_available(),
            "counts": {s: sum(1 for r in responses if r.state == s) for s in R.values},
            "kept": kept or {},
        },
    )


@login_required
@require_POST
def close_need(request, pk: int):
    user = request.user
    item = _get_need(user, pk)
    form = NoteForm(request.POST)
    kept = {"form": "close", "text": request.POST.get("note", "")}
    if not form.is_valid():
        messages.error(request, gettext("页面已过期，请刷新后重试。"))
        return _render_need(request, item, kept=kept)
    try:
        actions.close_need(user, item, form.cleaned_data["note"], form.cleaned_data["expected_version"])
    except ActionError as exc:
        messages.error(request, exc.message)
        return _render_need(request, item, kept={**kept, "error": _problem(exc, "note")})
    messages.success(request, gettext("已关闭需求“%(title)s”。") % {"title": item.title})
    return redirect("pairing:need", item.pk)


@login_required
@require_POST
def respond(request, pk: int):
    user = request.user
    item = _get_need(user, pk)
    form = ProposalForm(request.POST)
    form.is_valid()
    try:
        actions.respond(user, item, form.cleaned_data.get("proposal", ""))
    except ActionError as exc:  # the page again, the proposal as typed and the field's real problem
        _refused(request, exc, form)
        return _render_need(request, item, proposal_form=form)
    messages.success(request, gettext("已提交响应，发布企业会在站内信中收到通知。"))
    return redirect("pairing:need", item.pk)


def _get_response(user, pk: int) -> NeedResponse:
    resp = get_object_or_404(NeedResponse.objects.select_related("need", "need__leader", "enterprise"), pk=pk)
    if not access.responses_for(user, resp.need).filter(pk=resp.pk).exists():
        raise Http404  # another leader's or another SME's response: its existence is not revealed
    return resp


def _response_action(request, pk: int, do, kind: str = ""):
    user = request.user
    resp = _get_response(user, pk)
    form = NoteForm(request.POST)
    kept = {"form": kind, "pk": resp.pk, "text": request.POST.get("note", "")}
    if not form.is_valid():
        messages.error(request, gettext("页面已过期，请刷新后重试。"))
        return _render_need(request, resp.need, kept=kept)
    try:
        message = do(user, resp, form.cleaned_data)
    except ActionError as exc:
        messages.error(request, exc.message)
        return _render_need(request, resp.need, kept={**kept, "error": _problem(exc, "note")})
    messages.success(request, message)
    return redirect("pairing:need", resp.need_id)


@login_required
@require_POST
def shortlist(request, pk: int):
    def do(user, resp, d):
        actions.shortlist(user, resp, d["note"], d["expected_version"])
        return gettext("已将“%(name)s”列入入围名单。") % {"name": resp.enterprise.name}

    return _response_action(request, pk, do, "shortlist")


@login_required
@require_POST
def decline(request, pk: int):
    def do(user, resp, d):
        actions.decline(user, resp, d["note"], d["expected_version"])
        return gettext("已将“%(name)s”标记为未入围。") % {"name": resp.enterprise.name}

    return _response_action(request, pk, do, "decline")


@login_required
@require_POST
def withdraw(request, pk: int):
    def do(user, resp, d):
        actions.withdraw_response(user, resp, d["expected_version"])
        return gettext("已撤回响应。")

    return _response_action(request, pk, do)


# ------------------------------------------------------------------------------------------ officials


def _require_official(user) -> None:
    if not (access.is_official(user) or access.is_admin(user)):
        raise PermissionDenied(gettext("此页面仅供主管部门工作人员使用。"))


@login_required
def overview(request):
    _require_official(request.user)
    return _render_overview(request)


def _render_overview(request, *, flag_form=None, kept: dict | None = None):
    """The officials' overview; after a refused mark or withdrawal, that form again as typed
    (`flag_form`, or `kept` = {"pk": flag pk, "text": …, "error": …} for a withdrawal)."""
    user = request.user
    needs = access.needs_for(user).annotate(
        n_responses=Count("responses", filter=~Q(responses__state=R.WITHDRAWN)),
        n_shortlisted=Count("responses", filter=Q(responses__state=R.SHORTLISTED)),
    )
    rows = list(needs.order_by("-created_at", "-id"))
    region_responses = scope_enterprises(
        user, NeedResponse.objects.exclude(state=R.WITHDRAWN), "enterprise__"
    )
    stats = {
        "needs": len(rows),
        "open": sum(1 for n in rows if n.state == NeedState.OPEN),
        "responses": sum(n.n_responses for n in rows),
        "shortlisted": sum(n.n_shortlisted for n in rows),
        "region_responses": region_responses.count(),
        "region_shortlisted": region_responses.filter(state=R.SHORTLISTED).count(),
    }
    flags = [
        {"flag": f, "setter": actions.flag_setter(f), "can_withdraw": access.can_withdraw_flag(user, f)}
        for f in scope_enterprises(
            user, LeaderFlag.objects.filter(active=True).select_related("enterprise"), "enterprise__"
        ).order_by("enterprise__name")
    ]
    return render(
        request,
        "pairing/overview.html",
        {
            "rows": rows,
            "stats": stats,
            "flags": flags,
            "flag_form": flag_form or FlagForm(),
            "kept": kept or {},
            "region": region_name(user.region_code) if user.region_prefix else gettext("全国"),
        },
    )


@login_required
@require_POST
def flag(request):
    user = request.user
    _require_official(user)
    form = FlagForm(request.POST)
    if not form.is_valid():  # e.g. an enterprise text longer than any name: the page again, as typed
        messages.error(
            request,
            gettext("请检查填写的内容：") + "；".join(e for errs in form.errors.values() for e in errs),
        )
        return _render_overview(request, flag_form=form)
    d = form.cleaned_data
    key = (d.get("enterprise") or "").strip()
    hits = list(
        scope_enterprises(user, Enterprise.objects.filter(Q(credit_code=key.upper()) | Q(name=key)))[:2]
    )
    if len(hits) != 1:
        if hits:
            form.add_error("enterprise", gettext("有多家同名企业，请改填统一社会信用代码"))
            messages.error(request, gettext("有多家同名企业，请改填统一社会信用代码。"))
        else:
            form.add_error("enterprise", gettext("找不到该企业，或该企业不在您的管辖范围内"))
            messages.error(
                request, gettext("找不到该企业，或该企业不在您的管辖范围内；请核对统一社会信用代码。")
            )
        return _render_overview(request, flag_form=form)
    try:
        actions.flag_leader(user, hits[0], d.get("reason", ""))
    except (ActionError, OutOfScope) as exc:
        _refused(request, exc, form)
        return _render_overview(request, flag_form=form)
    messages.success(request, gettext("已将“%(name)s”标记为链主。") % {"name": hits[0].name})
    return redirect("pairing:overview")


@login_required
@require_POST
def unflag(request, pk: int):
    user = request.user
    _require_official(user)
    item = get_object_or_404(
        scope_enterprises(user, LeaderFlag.objects.select_related("enterprise"), "enterprise__"), pk=pk
    )
    form = NoteForm(request.POST)
    kept = {"pk": item.pk, "text": request.POST.get("note", "")}
    if not form.is_valid():
        messages.error(request, gettext("页面已过期，请刷新后重试。"))
        return _render_overview(request, kept=kept)
    try:
        actions.unflag_leader(user, item, form.cleaned_data["note"], form.cleaned_data["expected_version"])
    except (ActionError, OutOfScope) as exc:
        messages.error(request, getattr(exc, "message", None) or str(exc))
        return _render_overview(request, kept={**kept, "error": _problem(exc, "reason")})
    messages.success(request, gettext("已取消“%(name)s”的链主标记。") % {"name": item.enterprise.name})
    return redirect("pairing:overview")
