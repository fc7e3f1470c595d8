"""JSON (and htmx fragment) endpoints for the region and industry pickers; public, read-only data."""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from . import lookup


def _reply(request, items, template, status=200, **extra):
    if getattr(request, "htmx", False):
        return render(request, template, {"items": items, **extra}, status=status)
    return JsonResponse({"items": items, **extra}, status=status, json_dumps_params={"ensure_ascii": False})


@require_GET
def children(request):
    parent = (request.GET.get("parent") or "").strip()
    if parent and not lookup.known(parent):
        return JsonResponse(
            {"items": [], "error": gettext("未知的行政区划代码 %(code)s") % {"code": parent}},
            status=404,
            json_dumps_params={"ensure_ascii": False},
        )
    return _reply(request, lookup.children(parent), "regions/_options.html", parent=parent)


@require_GET
def search(request):
    return _reply(request, lookup.search_regions(request.GET.get("q", "")), "regions/_results.html")


@require_GET
def industries(request):
    return _reply(request, lookup.search_industries(request.GET.get("q", "")), "regions/_results.html")
