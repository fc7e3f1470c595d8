"""Provider pages: registering an institution, its home page, its offerings, correcting a rejected registration."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext

from portal.actions import ActionError, InvalidInput, StaleObject

from . import actions
from .forms import InstitutionForm, OfferingForm, ProviderRegistrationForm
from .models import InstitutionState
from .views_catalogue import offering_row
from .views_common import add_problems, error_text, require_member, timeline


def _kept(form_class, request, current_version: int, **kwargs):
    """The form as typed, now against the current version: a refused stale save keeps what was typed (a second save
    takes it over the newer version, as the message says), instead of a form that can never be saved again."""
    data = request.POST.copy()
    data["version"] = str(current_version)
    form = form_class(data, **kwargs)
    form.is_valid()
    messages.info(request, gettext("您填写的内容保留在下方；核对无误后再次提交，将以它为准。"))
    return form


def register(request):
    if request.user.is_authenticated and actions.membership_of(request.user):
        return redirect("services:provider_home")
    if (
        request.user.is_authenticated
    ):  # registering makes a new account and signs in to it: not behind their back
        return render(
            request,
            "services/register.html",
            {"signed_in_as": request.user},
            status=409 if request.method == "POST" else 200,
        )
    form = ProviderRegistrationForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            user = actions.register_provider(**form.cleaned_data)
        except InvalidInput as exc:
            error = exc.message
            add_problems(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request, gettext("登记已提交，等待主管部门审核。审核通过前，企业看不到贵机构及其服务。")
            )
            return redirect("services:provider_home")
    return render(
        request,
        "services/register.html",
        {"form": form, "error": error},
        status=400 if form.is_bound and (error or form.errors) else 200,
    )


@login_required
def provider_home(request):
    inst = require_member(request.user)
    form = None
    if inst.state == InstitutionState.REJECTED:
        form = InstitutionForm(
            request.POST or None,
            initial={
                "name": inst.name,
                "kind": inst.kind,
                "level": inst.level,
                "region_code": inst.region_code,
                "contact_name": inst.contact_name,
                "contact_phone": inst.contact_phone,
                "contact_email": inst.contact_email,
                "description": inst.description,
                "version": inst.version,
            },
        )
        if request.method == "POST" and form.is_valid():
            try:
                actions.resubmit_institution(
                    request.user,
                    inst,
                    expected_version=form.cleaned_data["version"],
                    **{k: v for k, v in form.cleaned_data.items() if k != "version"},
                )
            except InvalidInput as exc:
                add_problems(form, exc)
                messages.error(request, exc.message)
            except StaleObject as exc:
                messages.error(request, error_text(exc))
                inst.refresh_from_db()
                form = _kept(InstitutionForm, request, inst.version)
            except ActionError as exc:
                messages.error(request, error_text(exc))
            else:
                messages.success(request, gettext("已重新提交，等待主管部门审核。"))
                return redirect("services:provider_home")
    return render(
        request,
        "services/provider_home.html",
        {
            "inst": inst,
            "where": actions.level_region_label(inst.level, inst.region_code),
            "rows": [offering_row(o) for o in inst.offerings.all()],
            "solutions": inst.solutions.all(),
            "form": form,
            "trail": timeline(inst),
        },
    )


def _offering_page(request, offering=None):
    inst = require_member(request.user)
    if offering is not None and offering.institution_id != inst.pk:
        from django.http import Http404

        raise Http404
    if offering is None:
        initial = {
            "regions": " ".join([inst.region_code] if inst.region_code else ["全国"]),
            "active": True,
            "contact": f"{inst.contact_name} {inst.contact_phone}",
        }
    else:
        initial = {
            "category": offering.category,
            "title": offering.title,
            "description": offering.description,
            "price_band": offering.price_band,
            "contact": offering.contact,
            "active": offering.active,
            "regions": " ".join("全国" if t == "*" else t.ljust(6, "0") for t in offering.region_tokens),
            "version": offering.version,
        }
    form = OfferingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            saved = actions.save_offering(
                request.user,
                offering=offering,
                expected_version=d.get("version"),
                category=d["category"],
                title=d["title"],
                description=d["description"],
                price_band=d["price_band"],
                regions=d["regions"],
                contact=d["contact"],
                active=d["active"],
            )
        except InvalidInput as exc:
            add_problems(form, exc)
            messages.error(request, exc.message)
        except StaleObject as exc:
            messages.error(request, error_text(exc))
            if offering is not None:
                offering.refresh_from_db()
                form = _kept(OfferingForm, request, offering.version, initial=initial)
        except ActionError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, gettext("服务产品“%(title)s”已保存。") % {"title": saved.title})
            return redirect("services:provider_home")
    return render(
        request,
        "services/offering_form.html",
        {"form": form, "offering": offering, "inst": inst},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
def offering_new(request):
    return _offering_page(request)


@login_required
def offering_edit(request, pk: int):
    inst = require_member(request.user)
    return _offering_page(request, get_object_or_404(inst.offerings, pk=pk))
