"""/api/tokens/ (the token page) and the NinjaAPI (endpoints, /api/openapi.json, /api/docs) under namespace api.

Anything else under /api/ answers in the API's JSON error format (routing): an unknown path or a trailing
slash is a JSON 404, a method a path does not take a JSON 405. /api/tokens… stays Django's, so that
/api/tokens still redirects to the page."""

from django.urls import path, re_path

from . import routing, views
from .api import api

app_name = "api"
urlpatterns = [
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.revoke, name="revoke_token"),
    path("", routing.json_urls(api)),
    re_path(r"^(?!tokens(?:/|$)).+$", routing.fallback(api), name="unknown"),
]
