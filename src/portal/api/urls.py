"""/api/tokens/ (the token page) and the NinjaAPI (endpoints, /api/openapi.json, /api/docs) under namespace api."""

from django.urls import path

from . import views
from .api import api

app_name = "api"
urlpatterns = [
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.revoke, name="revoke_token"),
    path("", api.urls),
]
