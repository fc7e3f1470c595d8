from django.urls import path

from . import views, views_import

app_name = "enterprises"
urlpatterns = [
    path("register/", views.register, name="register"),
    path("profile/", views.profile, name="profile"),
    path("profile/import/", views_import.import_upload, name="import"),
    path("profile/import/template.xlsx", views_import.import_template, name="import_template"),
    path("profile/import/confirm/", views_import.import_confirm, name="import_confirm"),
    path("directory/", views.directory, name="directory"),
    path("<int:pk>/", views.detail, name="detail"),
]
