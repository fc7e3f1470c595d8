"""Cultivation routes: enterprise, official and public pages (mounted at /cultivation/)."""

from django.urls import path

from . import views, views_enterprise, views_official, views_public

app_name = "cultivation"
urlpatterns = [
    # enterprise
    path("applications/", views_enterprise.my_applications, name="my_applications"),
    path("apply/", views_enterprise.apply, name="apply"),
    path("applications/<int:pk>/", views.application, name="application"),
    path("applications/<int:pk>/evidence/", views_enterprise.evidence_upload, name="evidence_upload"),
    path("applications/<int:pk>/submit/", views_enterprise.submit, name="submit"),
    path("applications/<int:pk>/withdraw/", views_enterprise.withdraw, name="withdraw"),
    path("evidence/<int:pk>/", views.evidence, name="evidence"),
    path("evidence/<int:pk>/remove/", views_enterprise.evidence_remove, name="evidence_remove"),
    path("my-recognitions/", views_enterprise.my_recognitions, name="my_recognitions"),
    path("my-recognitions/<int:pk>/re-review/", views_enterprise.re_review, name="re_review"),
    path("my-recognitions/<int:pk>/change/", views_enterprise.report_change, name="report_change"),
    # officials
    path("queue/", views_official.queue, name="queue"),
    path("queue/export.xlsx", views_official.queue_export, name="queue_export"),
    path("queue/bulk-approve/", views_official.bulk_approve, name="bulk_approve"),
    path("review/<int:pk>/", views_official.review, name="review"),
    path("review/<int:pk>/<slug:action>/", views_official.act, name="act"),
    path("objections/<int:pk>/resolve/", views_official.resolve_objection, name="resolve_objection"),
    path("batches/", views_official.batches, name="batches"),
    path("recognitions/", views_official.recognitions, name="recognitions"),
    path("recognitions/<int:pk>/", views.recognition, name="recognition"),
    path("recognitions/<int:pk>/revoke/", views_official.revoke, name="revoke"),
    path("changes/<int:pk>/decide/", views_official.decide_change, name="decide_change"),
    # public
    path("certificate/<str:code>/", views_public.certificate, name="certificate"),
    path("verify/", views_public.verify, name="verify"),
]
