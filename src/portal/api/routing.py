"""JSON answers for requests that never reach an operation: a path the API does not have (including a
known path with a trailing slash) and a method a path does not take. Without this, Django answers the first
with its HTML 404 page and ninja the second with a plain-text 405."""

from __future__ import annotations

import functools

from django.urls import Resolver404, path, resolve, reverse
from django.views.decorators.csrf import csrf_exempt

from .errors import body

SHOWN_PATH_MAX = 200


def _shown(request) -> str:
    shown = request.path
    return shown if len(shown) <= SHOWN_PATH_MAX else shown[:SHOWN_PATH_MAX] + "…"


def _docs(api) -> str:
    return reverse(f"{api.urls_namespace}:openapi-view")


def _operation_at(api, url: str) -> bool:
    """Whether `url` is one of the API's operations (not the docs, not the root, not this fallback)."""
    try:
        match = resolve(url)
    except Resolver404:
        return False
    return match.namespace == api.urls_namespace and match.url_name not in (
        "api-root",
        "openapi-json",
        "openapi-view",
    )


def unknown_path(request, api, **_kwargs):
    docs = _docs(api)
    stripped = request.path.rstrip("/")
    if stripped != request.path and _operation_at(api, stripped):
        zh = f"接口路径末尾不要加“/”：请改用 {stripped}。"
        en = f"No such endpoint: drop the trailing slash and use {stripped}."
    else:
        zh = f"没有这个接口：{request.method} {_shown(request)}。请对照接口文档 {docs} 核对路径（路径末尾不加“/”）。"
        en = f"No such endpoint: {request.method} {_shown(request)}; see {docs}."
    return api.create_response(request, body("not_found", zh, en), status=404)


def _json_not_allowed(api, view):
    """ninja's PathView answers a method it has no operation for with text/plain "Method not allowed"."""

    @functools.wraps(view)  # keeps csrf_exempt: the operations check the token, not a CSRF cookie
    def answer(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code != 405 or response.get("Content-Type", "").startswith("application/json"):
            return response
        allowed = response.get("Allow", "")
        shown = "、".join(m.strip() for m in allowed.split(",") if m.strip())
        data = body(
            "method_not_allowed",
            f"{_shown(request)} 不支持 {request.method} 请求：可用的方法为 {shown}。请对照接口文档 {_docs(api)}。",
            f"{request.method} is not allowed on {_shown(request)}; allowed: {allowed}.",
        )
        json_response = api.create_response(request, data, status=405)
        json_response["Allow"] = allowed
        return json_response

    return answer


def json_urls(api):
    """api.urls with JSON 404 at the API root and JSON 405 on every path."""
    patterns, app_name, namespace = api.urls
    result = []
    for pattern in patterns:
        if getattr(pattern, "name", None) == "api-root":
            # ninja's root view raises Http404 outside any handler (an HTML page); keep its name, ninja reverses it
            pattern = path("", csrf_exempt(functools.partial(unknown_path, api=api)), name="api-root")
        else:
            pattern.callback = _json_not_allowed(api, pattern.callback)
        result.append(pattern)
    return result, app_name, namespace


def fallback(api):
    """The view for any other path under /api/ (placed last in the URLconf)."""

    @csrf_exempt
    def not_found(request, **kwargs):
        return unknown_path(request, api)

    return not_found
