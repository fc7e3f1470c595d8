"""Self-test pages (questionnaire, result, write to profile) and the 小快轻准 solution catalogue.

Self-tests load through portal.accounts.scope (own enterprise, or an official whose region holds it);
solutions through suggest.public_solutions (approved institutions only) or the provider's own.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from portal.accounts.roles import Role
from portal.accounts.scope import scope_enterprises
from portal.actions import ActionError, InvalidInput
from portal.assessments import engine
from portal.enterprises.actions import may_edit_profile
from portal.services.actions import level_region_label, membership_of
from portal.services.models import PriceBand, ServiceInstitution
from portal.services.selectors import reviewable_q

from . import actions, scoring, suggest
from .forms import SolutionFilterForm, SolutionForm
from .models import DigitalSelfTest, Dimension, Solution


def _enterprise_user(user):
    if not (user.is_authenticated and user.role == Role.ENTERPRISE and user.enterprise_id):
        raise PermissionDenied(
            gettext(
                "数字化水平自测由企业用户填报。请使用企业账户登录；主管部门可在自测结果页面查看辖区企业的结果。"
            )
        )
    return user.enterprise


def _questionnaire(variant, answers: dict, errors: dict) -> list[dict]:
    """The variant's dimensions with each option marked as chosen, for the template."""
    items_answered = answers.get("items") or {}
    scen_answered = answers.get("scenarios") or {}
    out = []
    for dim in variant.dimensions:
        items = []
        for item in dim.items:
            chosen = items_answered.get(item.id)
            chosen = set(chosen if isinstance(chosen, list) else [chosen] if chosen else [])
            items.append(
                {
                    "item": item,
                    "options": [
                        {"o": o, "checked": o.id in chosen, "points": scoring._fmt(o.points)}
                        for o in item.options
                    ],
                    "max": scoring._fmt(item.max),
                    "error": errors.get(f"items.{item.id}", ""),
                }
            )
        scenarios = []
        for s in dim.scenarios:
            level = scen_answered.get(s.id)
            scenarios.append(
                {
                    "s": s,
                    "levels": [{"n": 0, "text": gettext("未开展"), "checked": level == 0}]
                    + [
                        {"n": n, "text": text, "checked": level == n}
                        for n, text in enumerate(s.levels_text, start=1)
                    ],
                    "error": errors.get(f"scenarios.{s.id}", ""),
                }
            )
        out.append(
            {
                "dim": dim,
                "items": items,
                "scenarios": scenarios,
                "max": scoring._fmt(dim.max) if dim.max is not None else "",
            }
        )
    return out


def _answers_from_post(variant, post) -> dict:
    """What the user picked, kept for the re-shown form even when the submission was refused."""
    answers, _ = scoring.parse_answers(variant, post)
    return answers


@login_required
def self_test(request):
    enterprise = _enterprise_user(request.user)
    t = scoring.tables()
    sector = scoring.sector_for(enterprise.industry)
    variant = t.variants.get(sector.id) if sector else None
    answers, errors, error = {}, {}, ""
    if request.method == "POST":
        try:
            test = actions.submit_self_test(request.user, enterprise, request.POST)
        except InvalidInput as exc:
            error = exc.message
            errors = dict(exc.problems)
            if variant is not None and variant.available:
                answers = _answers_from_post(variant, request.POST)
        except ActionError as exc:
            error = exc.message
        else:
            if test.apply_error:
                messages.warning(request, gettext("自测结果已保存，但未能写入企业画像：") + test.apply_error)
            else:
                messages.success(
                    request, gettext("自测完成：%(level)s，已写入企业画像。") % {"level": test.level_label}
                )
            return redirect("digital:result", test.pk)
    history = enterprise.digital_self_tests.all()[:10]
    level_rules, level_lines = scoring.level_uses()
    return render(
        request,
        "digital/self_test.html",
        {
            "level_rules": level_rules,
            "level_lines": level_lines,
            "enterprise": enterprise,
            "sector": sector,
            "variant": variant,
            "meta": scoring.localized(t.meta),
            "industry": f"{enterprise.industry} {engine.industry_name(enterprise.industry) or ''}".strip(),
            "questionnaire": _questionnaire(variant, answers, errors)
            if variant and variant.available
            else [],
            "error": error,
            "problems": list(errors.values()),
            "history": history,
            "sectors": t.sectors,
        },
        status=400 if error else 200,
    )


def _dimension_rows(test: DigitalSelfTest) -> list[dict]:
    rows = []
    for d in test.dimensions:
        ratio = Fraction(d["ratio"])
        rows.append(
            {
                **d,
                "pct": round(ratio * 100),
                "weakest": d["id"] in test.weakest,
                "name": scoring.dimension_name(d),
                "text": scoring.dimension_text(d),
            }
        )
    return rows


def _answer_rows(test: DigitalSelfTest) -> list[dict]:
    """Each answered question with the chosen options' text and points (from the tables of the same version)."""
    variant = scoring.tables().variants.get(test.sector)
    if variant is None or variant.digest != test.items_digest:
        return []
    rows = []
    for dim in variant.dimensions:
        for item in dim.items:
            chosen = test.answers["items"].get(item.id)
            ids = chosen if isinstance(chosen, list) else [chosen]
            options = [item.option(i) for i in ids if item.option(i)]
            rows.append(
                {
                    "dim": dim.text,
                    "item": item,
                    "chosen": gettext("；").join(f"{o.id}. {o.text}" for o in options),
                    "points": scoring._fmt(sum((o.points for o in options), Decimal(0))),
                    "max": scoring._fmt(item.max),
                }
            )
        for s in dim.scenarios:
            level = int(test.answers["scenarios"].get(s.id, 0))
            rows.append(
                {
                    "dim": dim.text,
                    "scenario": s,
                    "level": level,
                    "chosen": s.levels_text[level - 1] if level else gettext("未开展"),
                }
            )
    return rows


def _rows_2024(test: DigitalSelfTest, spec: dict) -> list[dict]:
    """The third-party 2024 level rules [C] beside the enterprise's own counts, highest level first."""
    summary = test.scenario_summary or {}
    rows = []
    for rule in sorted(spec.get("rules") or [], key=lambda r: -int(r["level"])):
        n = str(rule["scenario_level"])
        rows.append(
            {
                **rule,
                "reached": (summary.get("reached") or {}).get(n, 0),
                "binding_reached": (summary.get("binding_reached") or {}).get(n, 0),
                "met": test.level_2024 == int(rule["level"]),
            }
        )
    return rows


def _visible_tests(user):
    return scope_enterprises(user, DigitalSelfTest.objects.select_related("enterprise"), "enterprise__")


@login_required
def result(request, pk: int):
    test = get_object_or_404(_visible_tests(request.user), pk=pk)
    t = scoring.tables()
    latest = test.enterprise.digital_self_tests.order_by("-created_at", "-id").first()
    level_info = engine.digital_level_for_score(test.total_score)
    variant = t.variants.get(test.sector)
    meta = scoring.localized(t.meta)
    level_rules, level_lines = scoring.level_uses()
    return render(
        request,
        "digital/result.html",
        {
            "level_rules": level_rules,
            "level_lines": level_lines,
            "test": test,
            "dims": _dimension_rows(test),
            "answers": _answer_rows(test),
            "meta": meta,
            "variant": variant,
            "level_info": level_info,
            "tables_changed": variant is None or variant.digest != test.items_digest,
            "level_2024_label": scoring.level_2024_label(test.level_2024),
            "levels_2024": meta.get("levels_2024") or {},
            "rows_2024": _rows_2024(test, meta.get("levels_2024") or {}),
            "suggestions": suggest.suggestions(test),
            "weakest_names": gettext("、").join(
                scoring.dimension_name(d) for d in test.dimensions if d["id"] in test.weakest
            ),
            "can_apply": test.profile_applied_at is None
            and latest is not None
            and latest.pk == test.pk
            and may_edit_profile(request.user, test.enterprise),
            "is_latest": latest is not None and latest.pk == test.pk,
        },
    )


@login_required
@require_POST
def apply(request, pk: int):
    test = get_object_or_404(_visible_tests(request.user), pk=pk)
    try:
        actions.apply_self_test(request.user, test)
    except ActionError as exc:
        messages.error(request, gettext("未能写入企业画像：") + actions.error_text(exc))
    else:
        messages.success(
            request,
            gettext("已写入企业画像：数字化水平%(level)s（自测总分 %(score)s）。")
            % {"level": test.level_label, "score": scoring._fmt(test.total_score)},
        )
    return redirect("digital:result", pk)


# ---------------------------------------------------------------------------------------------- solutions


def solution_row(s: Solution) -> dict:
    return {
        "s": s,
        "dimension": Dimension(s.dimension).label,
        "price": PriceBand(s.price_band).label,
        "industries": gettext("、").join(suggest.industry_text(t) for t in s.industry_tokens),
        "where": level_region_label(s.institution.level, s.institution.region_code),
    }


def solutions(request):
    data = request.GET.copy()
    user = request.user
    if (
        not data
        and user.is_authenticated
        and getattr(user, "enterprise_id", None)
        and user.enterprise.industry
    ):
        data["industry"] = user.enterprise.industry
    form = SolutionFilterForm(data or None)
    qs = suggest.public_solutions()
    industry_error = ""
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        if d["q"]:
            qs = qs.filter(
                Q(title__icontains=d["q"])
                | Q(description__icontains=d["q"])
                | Q(institution__name__icontains=d["q"])
            )
        if d["dimension"]:
            qs = qs.filter(dimension=d["dimension"])
        code = (d["industry"] or "").strip().upper()
        if code:
            if engine.industry_name(code):
                qs = qs.filter(suggest.for_industry_q(code))
            else:
                industry_error = gettext("行业代码 %(code)s 无效：应为 GB/T 4754-2017 代码，如 C3484") % {
                    "code": code
                }
    return render(
        request,
        "digital/solutions.html",
        {
            "form": form,
            "rows": [solution_row(s) for s in qs.order_by("dimension", "deployment_days", "title")[:200]],
            "industry_error": industry_error,
        },
    )


def _solutions_for(user):
    """The public catalogue, plus every solution of the user's own institution or of one they review: the
    reviewing official sees what approval will publish."""
    qs = Q(active=True, institution__state="approved")
    member = membership_of(user)
    if member is not None:
        qs |= Q(institution_id=member.institution_id)
    review = reviewable_q(user)
    if review is not None:
        qs |= Q(institution__in=ServiceInstitution.objects.filter(review))
    return Solution.objects.filter(qs).select_related("institution")


def solution(request, pk: int):
    s = get_object_or_404(_solutions_for(request.user), pk=pk)
    return render(request, "digital/solution.html", {"row": solution_row(s)})


def _solution_page(request, solution=None):
    member = membership_of(request.user)
    if member is None:
        raise PermissionDenied(
            gettext("只有服务机构账户可以发布小快轻准方案。请使用服务机构账户登录，或先登记服务机构。")
        )
    if solution is not None and solution.institution_id != member.institution_id:
        raise Http404
    if solution is None:
        initial = {
            "active": True,
            "contact": f"{member.institution.contact_name} {member.institution.contact_phone}",
        }
    else:
        initial = {
            "title": solution.title,
            "dimension": solution.dimension,
            "description": solution.description,
            "industries": " ".join(
                "全部" if t == actions.ALL_INDUSTRIES else t for t in solution.industry_tokens
            ),
            "price_band": solution.price_band,
            "deployment_days": solution.deployment_days,
            "contact": solution.contact,
            "active": solution.active,
            "version": solution.version,
        }
    form = SolutionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            saved = actions.save_solution(
                request.user,
                solution=solution,
                expected_version=d.get("version"),
                title=d["title"],
                description=d["description"],
                dimension=d["dimension"],
                industries=d["industries"],
                price_band=d["price_band"],
                deployment_days=d["deployment_days"],
                contact=d["contact"],
                active=d["active"],
            )
        except InvalidInput as exc:
            for field, message in exc.problems:
                form.add_error(field if field in form.fields else None, message)
            messages.error(request, exc.message)
        except ActionError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, gettext("方案“%(title)s”已保存。") % {"title": saved.title})
            return redirect("services:provider_home")
    return render(
        request,
        "digital/solution_form.html",
        {"form": form, "solution": solution, "inst": member.institution},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
def solution_new(request):
    return _solution_page(request)


@login_required
def solution_edit(request, pk: int):
    return _solution_page(request, get_object_or_404(Solution, pk=pk))
