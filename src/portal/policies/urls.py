"""Policy routes (mounted at /policies/): public search and pages, enterprise matches, official tools."""

from django.urls import path

from . import views_enterprise, views_official, views_public

app_name = "policies"
urlpatterns = [
    # public
    path("", views_public.search, name="search"),
    path("<int:pk>/", views_public.detail, name="detail"),
    # enterprise
    path("mine/", views_enterprise.mine, name="mine"),
    path("<int:pk>/why/", views_enterprise.why, name="why"),
    path("subscription/", views_enterprise.subscription, name="subscription"),
    # officials
    path("manage/", views_official.manage, name="list"),
    path("manage/new/", views_official.edit, name="new"),
    path("manage/import/", views_official.import_catalogue, name="import"),
    path("preview/", views_official.preview, name="preview"),
    path("condition-row/", views_official.condition_row, name="condition_row"),
    path("<int:pk>/edit/", views_official.edit, name="edit"),
    path("<int:pk>/publish/", views_official.publish, name="publish"),
    path("<int:pk>/withdraw/", views_official.withdraw, name="withdraw"),
    path("<int:pk>/eligible/", views_official.eligible, name="eligible"),
    path("<int:pk>/eligible.xlsx", views_official.export, name="export"),
    path("<int:pk>/grants/confirm/", views_official.confirm_grants, name="confirm_grants"),
    path("grants/<int:pk>/decide/", views_official.decide_grant, name="decide_grant"),
    path("<int:pk>/attachments/", views_official.attach, name="attach"),
    path("attachments/<int:pk>/", views_official.attachment, name="attachment"),
]
