"""Exchange routes (mounted at /exchange/): the signed JSON feed and the officials' pages."""

from django.urls import path

from . import feed, views

app_name = "exchange"
urlpatterns = [
    path("feed", feed.feed, name="feed"),
    path("node.json", feed.identity, name="node"),
    path("", views.index, name="index"),
    path("peers/<int:pk>/pull/", views.pull_now, name="pull_now"),
    path("forward/", views.forward_list, name="forward_list"),
    path("forward/<int:pk>/", views.forward, name="forward"),
    path("received/", views.received, name="received"),
    path("quarantine/", views.quarantine, name="quarantine"),
]
