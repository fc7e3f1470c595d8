from django.urls import path

from . import views

app_name = "assessments"
urlpatterns = [
    path("", views.self_assessment, name="self"),
    path("history/", views.history, name="history"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/pdf/", views.pdf, name="pdf"),
    path("enterprise/<int:enterprise_pk>/", views.enterprise_history, name="enterprise_history"),
]
