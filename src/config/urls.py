"""URL root: each app owns its own urls.py; the JSON API lives under /api/."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("portal.accounts.urls")),
    path("regions/", include("portal.regions.urls")),
    path("enterprise/", include("portal.enterprises.urls")),
    path("assessments/", include("portal.assessments.urls")),
    path("cultivation/", include("portal.cultivation.urls")),
    path("inbox/", include("portal.inbox.urls")),
    path("screening/", include("portal.screening.urls")),
    path("policies/", include("portal.policies.urls")),
    path("services/", include("portal.services.urls")),
    path("digital/", include("portal.digital.urls")),
    path("clusters/", include("portal.clusters.urls")),
    path("pairing/", include("portal.pairing.urls")),
    path("exchange/", include("portal.exchange.urls")),
    path("dashboard/", include("portal.dashboard.urls")),
    path("api/", include("portal.api.urls")),
    path("", include("portal.web.urls")),
]

handler404 = "portal.web.views.not_found"
