from django.urls import path

from . import views

app_name = "screening"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("template.csv", views.template, name="template"),
    path("format/", views.format_doc, name="format"),
    path("pool/", views.pool, name="pool"),
    path("pool/export.xlsx", views.pool_export, name="pool_export"),
    path("pool/<int:pk>/remove/", views.pool_remove, name="pool_remove"),
    path("pool/<int:pk>/note/", views.pool_note, name="pool_note"),
    path("candidates/<int:pk>/plan/", views.candidate_plan, name="candidate_plan"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/progress/", views.progress, name="progress"),
    path("<int:pk>/download/<str:kind>/", views.download, name="download"),
    path("<int:pk>/pool/", views.pool_add, name="pool_add"),
    path("<int:pk>/rerun/", views.rerun, name="rerun"),
]
