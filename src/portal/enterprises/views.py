"""Registration, the profile editor, the officials' directory and read-only detail.

Views stay thin: they shape input, call enterprises.actions, and show ActionError messages.
Scope is decided by portal.accounts.scope in every queryset (out of scope → 404, not 403).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext

from portal.accounts.roles import OFFICIAL_ROLES, PREFIX_DIGITS, Role
from portal.accounts.scope import region_in_scope, scope_enterprises
from portal.actions import InvalidInput, NotAllowed, StaleObject
from portal.assessments import engine
from portal.regions import lookup

from . import actions, identity, present
from .forms import RegistrationForm
from .forms_profile import FORMSETS, ProfileEditor, with_more_rows
from .models import Enterprise

PAGE_SIZE = 20


def _message(request, title: str, text: str, status: int = 403):
    return render(request, "enterprises/message.html", {"title": title, "text": text}, status=status)


def register(request):
    if request.user.is_authenticated and request.user.enterprise_id:
        return redirect("enterprises:profile")
    form = RegistrationForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            user = actions.register_enterprise(**form.cleaned_data)
        except InvalidInput as exc:
            error = exc.message
            for field, message in exc.problems:
                form.add_error(field if field in form.fields else None, message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request,
                gettext("注册成功：%(name)s。请完善企业画像，以便开展自评和申报。")
                % {"name": user.enterprise.name},
            )
            return redirect("enterprises:profile")
    return render(
        request,
        "enterprises/register.html",
        {"form": form, "error": error},
        status=400 if form.is_bound and (error or form.errors) else 200,
    )


def _recognitions(enterprise):
    return list(enterprise.recognitions.order_by("-valid_from", "-id"))


@login_required
def profile(request):
    """The enterprise's own profile editor (officials are sent to their directory)."""
    user = request.user
    if user.role in OFFICIAL_ROLES:
        return redirect("enterprises:directory")
    if user.role != Role.ENTERPRISE or not user.enterprise_id:
        return _message(
            request,
            gettext("企业画像"),
            gettext("您的账户没有关联企业，无法编辑企业画像。请用企业账户登录，或先注册企业。"),
        )
    enterprise = user.enterprise
    today = timezone.localdate()
    if request.method != "POST":
        editor = ProfileEditor(enterprise.profile, today)
        return _editor_page(request, enterprise, editor, enterprise.version)

    more = request.POST.get("more", "")
    if more in FORMSETS:
        editor = ProfileEditor(enterprise.profile, today, data=with_more_rows(request.POST, more))
        return _editor_page(
            request, enterprise, editor, request.POST.get("version", ""), anchor=f"section-{more}"
        )

    editor = ProfileEditor(enterprise.profile, today, data=request.POST)
    doc, bad = editor.build()
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1
    if bad:
        editor.attach(bad)
        editor.attach(actions.profile_problems(doc))
        editor.message = gettext("企业画像有 %(n)s 处需要修改，请按提示修改后再保存。") % {
            "n": len(editor.problems)
        }
    else:
        try:
            actions.update_profile(user, enterprise, doc, expected_version=version)
        except InvalidInput as exc:
            editor.attach(exc.problems)
            editor.message = exc.message
        except StaleObject as exc:
            editor.message = exc.message
        except NotAllowed as exc:
            return _message(request, gettext("企业画像"), exc.message)
        else:
            messages.success(
                request, gettext("企业画像已保存（第 %(version)s 版）。") % {"version": enterprise.version}
            )
            return redirect("enterprises:profile")
    return _editor_page(request, enterprise, editor, request.POST.get("version", ""), status=400)


def _editor_page(request, enterprise, editor, version, *, anchor="", status=200):
    return render(
        request,
        "enterprises/profile_edit.html",
        {
            "enterprise": enterprise,
            "editor": editor,
            "version": version,
            "anchor": anchor,
            "sections": editor.sections,
            "recognitions": _recognitions(enterprise),
            "document_recognitions": present.document_recognitions(enterprise.profile),
            "region_name": identity.region_name(enterprise.region),
        },
        status=status,
    )


@login_required
def detail(request, pk: int):
    """Read-only profile for officials in scope (and the enterprise itself); others get 404."""
    enterprise = get_object_or_404(scope_enterprises(request.user, Enterprise.objects.all()), pk=pk)
    return render(
        request,
        "enterprises/detail.html",
        {
            "enterprise": enterprise,
            "sections": present.present(enterprise.profile),
            "recognitions": _recognitions(enterprise),
            "document_recognitions": present.document_recognitions(enterprise.profile),
            "can_edit": actions.may_edit_profile(request.user, enterprise)
            and request.user.enterprise_id == enterprise.pk,
            "region_name": identity.region_name(enterprise.region),
            "industry_label": identity.industry_label(enterprise.industry),
        },
    )


def _area_choices(user) -> list[tuple[str, str]]:
    """Regions an official may narrow the directory to: up to two levels below their own."""
    if user.role in OFFICIAL_ROLES:
        prefix = user.region_prefix or ""
        depth = PREFIX_DIGITS[Role(user.role)]
    else:
        prefix, depth = "", 0
    wanted = {0: ("province", "city"), 2: ("city", "county"), 4: ("county",)}.get(depth, ())
    table = engine.regions()
    codes = sorted(
        c
        for c, (_n, level) in table.items()
        if c.startswith(prefix) and level in wanted and c != user.region_code
    )
    return [(c, table[c][0]) for c in codes]


def _area_prefix(code: str) -> str:
    found = engine.region(code)
    if not found:
        return code
    return {"province": code[:2], "city": code[:4]}.get(found[1], code)


@login_required
def directory(request):
    """Enterprises in the official's region, searchable and filterable; scope comes from scope.py only."""
    user = request.user
    if user.role not in OFFICIAL_ROLES and user.role != Role.ADMIN and not user.is_superuser:
        if user.enterprise_id:
            return redirect("enterprises:profile")
        return _message(request, gettext("企业名录"), gettext("企业名录仅供主管部门使用。"))
    qs = scope_enterprises(user, Enterprise.objects.all())
    q = (request.GET.get("q") or "").strip()
    area = (request.GET.get("area") or "").strip()
    section = (request.GET.get("section") or "").strip().upper()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(credit_code__istartswith=identity.normalise_code(q)))
    if area and (region_in_scope(user, area) or user.role == Role.ADMIN or user.is_superuser):
        qs = qs.filter(region__startswith=_area_prefix(area))
    elif area:
        qs = qs.none()  # a region outside the official's scope shows nothing, never more
    if len(section) == 1 and section.isalpha():
        qs = qs.filter(industry__startswith=section)
    page = Paginator(qs.order_by("name", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "enterprise": e,
            "region": identity.region_name(e.region),
            "industry": identity.industry_label(e.industry),
        }
        for e in page.object_list
    ]
    return render(
        request,
        "enterprises/directory.html",
        {
            "page": page,
            "rows": rows,
            "q": q,
            "area": area,
            "section": section,
            "areas": _area_choices(user),
            "sections": lookup.sections(),
            "scope_name": identity.region_name(user.region_code) if user.region_code else gettext("全国"),
        },
    )
