"""Cluster routes (mounted at /clusters/): registry, cluster page, members, yearly report."""

from django.urls import path

from . import views

app_name = "clusters"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("report/", views.report, name="report"),
    path("report.xlsx", views.report_xlsx, name="report_xlsx"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/state/", views.set_state, name="set_state"),
    path("<int:pk>/members/", views.add_member, name="add_member"),
    path("<int:pk>/members/<int:member_pk>/remove/", views.remove_member, name="remove_member"),
]
