"""Official pages: the policies they manage, the condition builder with a live preview, publishing,
the eligible list (with Excel export), 免申即享 confirmation and payouts, catalogue import.

Every list of enterprises starts from the area actions.list_prefix allows (the official's area
inside the policy's); an official of another region gets 403, whatever link they follow.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_POST

from portal.accounts.scope import OutOfScope, scope_enterprises
from portal.actions import ActionError, InvalidInput
from portal.assessments import engine
from portal.downloads import XLSX_MIME, file_response

from . import actions, excel, importer, matching
from .forms import (
    OP_CHOICES,
    ROW_FIELDS,
    YEAR_CHOICES,
    ImportForm,
    PolicyForm,
    ReasonForm,
    Row,
    cluster_options,
    grouped_fields,
    offer_clusters,
    read_builder,
    rows_for,
)
from .models import Grant, GrantStatus, Level, Policy, Status
from .views_common import area_name, benefit_line, get_policy, require_official, show_error

PREVIEW_SAMPLE = 10


@login_required
def manage(request):
    """Policies of the official's area (drafts they manage, and every published one that applies there)."""
    require_official(request.user)
    user = request.user
    prefix = user.region_prefix or ""
    containing = {prefix[:n] for n in (0, 2, 4, 6) if n <= len(prefix)}
    qs = Policy.objects.filter(Q(region_prefix__in=containing) | Q(region_prefix__startswith=prefix))
    rows = []
    for p in qs.order_by("status", "-updated_at")[:500]:
        if p.status == Status.DRAFT and not actions.may_manage(user, p):
            continue
        rows.append(
            {
                "policy": p,
                "may_manage": actions.may_manage(user, p),
                "benefit": benefit_line(p),
                "area": area_name(p.region_prefix),
            }
        )
    mine = actions.official_level(user)
    return render(
        request,
        "policies/manage.html",
        {"rows": rows, "area": area_name(prefix), "can_create": mine is not None or user.is_superuser},
    )


def _edit_context(request, form, rows, policy=None, problems=None):
    if not rows or rows[-1].fact or rows[-1].expr:
        rows = [*rows, Row()]
    mine = actions.official_level(request.user)
    level, region = (policy.level, policy.region_prefix) if policy else (mine or (Level.NATIONAL, ""))
    return {
        "form": form,
        "rows": offer_clusters(rows, cluster_options(request.user)),
        "policy": policy,
        "groups": grouped_fields(),
        "ops": OP_CHOICES,
        "years": YEAR_CHOICES,
        "problems": problems or [],
        "issuer_area": area_name(region[: len(region)]),
        "level_name": Level(level).label,
    }


@login_required
def edit(request, pk: int | None = None):
    require_official(request.user)
    policy = get_policy(request.user, pk) if pk else None
    if policy is not None and not actions.may_manage(request.user, policy):
        raise PermissionDenied(gettext("该政策由其他主管部门维护，您无权修改。"))
    if policy is None and actions.official_level(request.user) is None:
        raise PermissionDenied(gettext("只有主管部门可以发布政策。"))
    if request.method != "POST":
        form = PolicyForm(initial=PolicyForm.initial_for(policy) if policy else {})
        rows = rows_for(policy.conditions) if policy else []
        return render(request, "policies/edit.html", _edit_context(request, form, rows, policy))
    form = PolicyForm(request.POST)
    builder = read_builder(request.POST)
    if "add_row" in request.POST or not form.is_valid() or builder.problems:
        return render(
            request,
            "policies/edit.html",
            _edit_context(request, form, builder.rows, policy, builder.problems),
        )
    try:
        saved = actions.save_policy(
            request.user,
            form.policy_data(builder.conditions),
            policy=policy,
            expected_version=_posted_version(request) if policy else None,
        )
    except InvalidInput as exc:
        return render(
            request,
            "policies/edit.html",
            _edit_context(
                request, form, builder.rows, policy, [m for _f, m in exc.problems] or [exc.message]
            ),
        )
    except ActionError as exc:
        show_error(request, exc)
        return render(request, "policies/edit.html", _edit_context(request, form, builder.rows, policy))
    messages.success(
        request,
        (
            gettext("政策“%(title)s”已保存。")
            if policy
            else gettext("政策“%(title)s”的草稿已创建，核对无误后可发布。")
        )
        % {"title": saved.title},
    )
    return redirect("policies:detail", pk=saved.pk)


@login_required
@require_POST
def condition_row(request):
    """htmx: one builder row again after its fact changed (a cluster row shows the official's
    clusters as checkboxes instead of a text box)."""
    require_official(request.user)
    index = request.POST.get("row") or "0"
    i = int(index) if index.isdigit() and len(index) < 4 else 0
    # htmx posts the whole form: this row's inputs are the i-th of each parallel list
    lists = {name: request.POST.getlist(f"cond_{name}") for name in ROW_FIELDS}
    row = Row(
        **{name: (values[i] if i < len(values) else "") for name, values in lists.items()},
        clusters=request.POST.getlist(f"cond_cluster_{i}"),
    )
    if row.fact == "cluster" and row.op not in ("in", "not in"):
        row.op = "in"
    offer_clusters([row], cluster_options(request.user))
    return render(
        request,
        "policies/_condition_row.html",
        {
            "row": row,
            "n": i + 1,
            "i": i,
            "groups": grouped_fields(),
            "ops": OP_CHOICES,
            "years": YEAR_CHOICES,
        },
    )


def _preview_enterprises(user, prefix: str):
    return scope_enterprises(user, matching.enterprises_in([prefix, user.region_prefix or ""]))


@login_required
@require_POST
def preview(request):
    """htmx: how many enterprises of the official's area fit the conditions being edited, and a sample."""
    require_official(request.user)
    pk = request.POST.get("policy")
    policy = get_policy(request.user, int(pk)) if pk and pk.isdigit() else None
    mine = actions.official_level(request.user)
    prefix = policy.region_prefix if policy else (matching.area_prefix(*mine) if mine else "")
    builder = read_builder(request.POST)
    ctx = {"problems": builder.problems}
    if not builder.problems:
        try:
            checked = engine.policy_check(builder.conditions, issuer_region=prefix, as_of=matching.today())
        except engine.PolicyConditionError as exc:
            ctx["problems"] = (
                [str(exc)] if not exc.problems else [actions._condition_text(p) for p in exc.problems]
            )
        else:
            result = matching.eligible_list(checked, _preview_enterprises(request.user, prefix))
            ctx.update(
                {
                    "result": result,
                    "sample": result.eligible[:PREVIEW_SAMPLE],
                    "labels": engine.policy_condition_labels(checked),
                    "area": area_name(max([prefix, request.user.region_prefix or ""], key=len)),
                }
            )
    return render(request, "policies/_preview.html", ctx)


def _posted_version(request) -> int:
    """The version the page was drawn from; a garbled one is refused like a stale page, not a 500."""
    value = request.POST.get("version") or "0"
    if not value.isdigit() or len(value) > 9:
        raise InvalidInput(gettext("请求无效，请刷新页面后重试。"))
    return int(value)


@login_required
@require_POST
def publish(request, pk: int):
    policy = get_policy(request.user, pk)
    try:
        actions.publish_policy(request.user, policy, expected_version=_posted_version(request))
    except ActionError as exc:
        show_error(request, exc)
    else:
        messages.success(
            request,
            gettext("政策“%(title)s”已发布；符合条件的企业将收到推送。") % {"title": policy.title},
        )
    return redirect("policies:detail", pk=pk)


@login_required
@require_POST
def withdraw(request, pk: int):
    policy = get_policy(request.user, pk)
    form = ReasonForm(request.POST)
    try:
        if not form.is_valid():
            raise InvalidInput(gettext("请求无效，请刷新页面后重试。"))
        actions.withdraw_policy(
            request.user,
            policy,
            expected_version=form.cleaned_data["version"],
            reason=form.cleaned_data["reason"],
        )
    except ActionError as exc:
        show_error(request, exc)
    else:
        messages.success(
            request,
            gettext("政策“%(title)s”已撤回，不再向企业推送和匹配。") % {"title": policy.title},
        )
    return redirect("policies:detail", pk=pk)


def _eligible(request, policy):
    try:
        prefix = actions.list_prefix(request.user, policy)
    except OutOfScope as exc:
        raise PermissionDenied(str(exc)) from None
    enterprises = scope_enterprises(request.user, matching.enterprises_in([policy.region_prefix, prefix]))
    try:
        checked = matching.checked(policy)
    except engine.PolicyConditionError as exc:
        raise Http404(str(exc)) from None
    return prefix, matching.eligible_list(checked, enterprises.order_by("region", "name"))


@login_required
def eligible(request, pk: int):
    require_official(request.user)
    policy = get_policy(request.user, pk)
    prefix, result = _eligible(request, policy)
    granted = set(Grant.objects.filter(policy=policy).values_list("enterprise_id", flat=True))
    confirmable = [e.pk for e in result.eligible if e.pk not in granted]
    rows = [
        {"enterprise": e, "region": area_name(e.region), "granted": e.pk in granted}
        for e in result.eligible[:ELIGIBLE_SHOWN]  # a province's 13,000 rows were 2.5 MB of HTML
    ]
    in_force = policy.in_force(matching.today())  # confirm_grants refuses any other
    return render(
        request,
        "policies/eligible.html",
        {
            "policy": policy,
            "rows": rows,
            "result": result,
            "area": area_name(prefix),
            "benefit": benefit_line(policy),
            "may_confirm": policy.no_application
            and actions.may_confirm(request.user, policy)
            and not policy.unverified
            and in_force,
            # a withdrawn or expired 免申即享 policy: say why nothing can be confirmed any more
            "closed": policy.no_application and not in_force,
            "confirmable": confirmable,
            "confirmable_ids": ",".join(str(i) for i in confirmable),
            "eligible_total": len(result.eligible),
            "eligible_more": max(0, len(result.eligible) - ELIGIBLE_SHOWN),
            "undetermined": _undetermined_shown(result),
            "undetermined_total": len(result.undetermined),
            "undetermined_more": max(0, len(result.undetermined) - UNDETERMINED_SHOWN),
        },
    )


UNDETERMINED_SHOWN = 200
ELIGIBLE_SHOWN = 500  # the export and the confirmation cover the whole list


def _undetermined_shown(result) -> list[dict]:
    """The first enterprises that could not be judged; the export lists them all.

    In a province most enterprises lack some fact a policy reads: listing 48,000 of them made
    the page 13 MB of HTML that a browser could hardly open.
    """
    return [
        {"enterprise": e, "region": area_name(e.region), "reason": result.reason(e)}
        for e in result.undetermined[:UNDETERMINED_SHOWN]
    ]


@login_required
def export(request, pk: int):
    require_official(request.user)
    policy = get_policy(request.user, pk)
    prefix, result = _eligible(request, policy)
    data = excel.eligible_workbook(policy, result, area_name(prefix))
    response = HttpResponse(data, content_type=XLSX_MIME)
    response["Content-Disposition"] = content_disposition_header(
        True, gettext("政策%(pk)s-符合条件企业.xlsx") % {"pk": policy.pk}
    )
    return response


def posted_ids(values: list[str]) -> list[int]:
    """The enterprises of a confirmation: one field of comma-separated ids (the page), or one field each.

    One field each made a province's list of more than 1,000 enterprises a request Django refuses
    (DATA_UPLOAD_MAX_NUMBER_FIELDS): the official got "Bad Request" and could confirm nothing.
    """
    return [int(i) for value in values for i in value.split(",") if i.strip().isdigit()]


@login_required
@require_POST
def confirm_grants(request, pk: int):
    require_official(request.user)
    policy = get_policy(request.user, pk)
    ids = posted_ids(request.POST.getlist("enterprises"))
    try:
        if not ids:
            raise InvalidInput(gettext("名单为空：没有可确认的企业。"))
        grants = actions.confirm_grants(request.user, policy, ids)
    except ActionError as exc:
        show_error(request, exc)
        return redirect("policies:eligible", pk=pk)
    if grants:
        messages.success(
            request,
            ngettext(
                "已将 %(n)d 家企业列入“%(policy)s”免申即享兑现名单，企业已收到通知。",
                "已将 %(n)d 家企业列入“%(policy)s”免申即享兑现名单，企业已收到通知。",
                len(grants),
            )
            % {"n": len(grants), "policy": policy.title},
        )
    else:
        messages.warning(
            request,
            gettext("未确认任何企业：“%(policy)s”的兑现名单没有变化。") % {"policy": policy.title},
        )
    if grants.not_eligible:
        messages.warning(
            request,
            gettext("未列入（目前不符合条件或信息不全）：%(names)s。请核对其企业画像，符合条件后可再次确认。")
            % {"names": _names(grants.not_eligible)},
        )
    if grants.already:
        messages.info(
            request,
            gettext("已在兑现名单中，未重复列入：%(names)s。") % {"names": _names(grants.already)},
        )
    return redirect("policies:detail" if grants else "policies:eligible", pk=pk)


NAMES_SHOWN = 10


def _names(enterprises) -> str:
    """“甲公司、乙公司”; beyond ten, “甲公司、乙公司…等 25 家”."""
    names = "、".join(e.name for e in enterprises[:NAMES_SHOWN])
    if len(enterprises) > NAMES_SHOWN:
        return gettext("%(names)s等 %(n)d 家") % {"names": names, "n": len(enterprises)}
    return names


@login_required
@require_POST
def decide_grant(request, pk: int):
    require_official(request.user)
    grant = get_object_or_404(Grant.objects.select_related("policy", "enterprise"), pk=pk)
    form = ReasonForm(request.POST)
    status = request.POST.get("status", "")
    try:
        if not form.is_valid():
            raise InvalidInput(gettext("请求无效，请刷新页面后重试。"))
        actions.decide_grant(
            request.user,
            grant,
            status=status,
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["version"],
        )
    except ActionError as exc:
        show_error(request, exc)
    else:
        messages.success(
            request,
            gettext("%(enterprise)s的“%(policy)s”兑付已标记为“%(s)s”，企业已收到通知。")
            % {
                "enterprise": grant.enterprise.name,
                "policy": grant.policy.title,
                "s": GrantStatus(status).label,
            },
        )
    return redirect("policies:detail", pk=grant.policy_id)


@login_required
def import_catalogue(request):
    require_official(request.user)
    problems: list[str] = []
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        raw = upload.read(2 * 1024 * 1024 + 1)
        try:
            if len(raw) > 2 * 1024 * 1024:
                raise importer.CatalogueError([gettext("文件超过 2 MB，请拆分后分别导入。")])
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise importer.CatalogueError(
                    [gettext("%(file)s: 文件须为 UTF-8 编码的 YAML 文本") % {"file": upload.name}]
                ) from None
            result = importer.import_texts(request.user, [(upload.name, text)])
        except importer.CatalogueError as exc:
            problems = exc.problems
        else:
            messages.success(
                request,
                gettext("导入完成：新建 %(c)d 项，更新 %(u)d 项。")
                % {"c": len(result.created), "u": len(result.updated)},
            )
            return redirect("policies:list")
    return render(request, "policies/import.html", {"form": form, "problems": problems})


@login_required
@require_POST
def attach(request, pk: int):
    policy = get_policy(request.user, pk)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise InvalidInput(gettext("请选择要上传的文件。"), [("file", gettext("附件：请选择文件"))])
        actions.add_attachment(request.user, policy, upload)
    except ActionError as exc:
        show_error(request, exc)
    else:
        messages.success(request, gettext("附件已上传。"))
    return redirect("policies:detail", pk=pk)


def attachment(request, pk: int):
    from .models import Attachment

    att = get_object_or_404(Attachment.objects.select_related("policy"), pk=pk)
    get_policy(request.user, att.policy_id)  # drafts' files only for those who manage them
    return file_response(att.file, att.original_name, att.content_type)
