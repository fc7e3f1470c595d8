"""Pairing routes (mounted at /pairing/): enterprise pages, needs, responses, officials' overview."""

from django.urls import path

from . import views

app_name = "pairing"
urlpatterns = [
    path("", views.index, name="index"),
    path("capability/", views.capability, name="capability"),
    path("needs/new/", views.publish, name="publish"),
    path("needs/<int:pk>/", views.need, name="need"),
    path("needs/<int:pk>/edit/", views.edit_need, name="edit_need"),
    path("needs/<int:pk>/close/", views.close_need, name="close_need"),
    path("needs/<int:pk>/respond/", views.respond, name="respond"),
    path("responses/<int:pk>/shortlist/", views.shortlist, name="shortlist"),
    path("responses/<int:pk>/decline/", views.decline, name="decline"),
    path("responses/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("overview/", views.overview, name="overview"),
    path("leaders/flag/", views.flag, name="flag"),
    path("leaders/<int:pk>/unflag/", views.unflag, name="unflag"),
]
