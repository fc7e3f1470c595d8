from django.urls import path

from . import views

app_name = "digital"
urlpatterns = [
    path("", views.self_test, name="self_test"),
    path("results/<int:pk>/", views.result, name="result"),
    path("results/<int:pk>/apply/", views.apply, name="apply"),
    path("solutions/", views.solutions, name="solutions"),
    path("solutions/<int:pk>/", views.solution, name="solution"),
    path("provider/solutions/new/", views.solution_new, name="solution_new"),
    path("provider/solutions/<int:pk>/edit/", views.solution_edit, name="solution_edit"),
]
