from django.urls import path

from . import views_catalogue, views_demands, views_provider

app_name = "services"
urlpatterns = [
    path("", views_catalogue.catalogue, name="catalogue"),
    path("offerings/<int:pk>/", views_catalogue.offering, name="offering"),
    path("institutions/", views_catalogue.institutions, name="institutions"),
    path("institutions/<int:pk>/", views_catalogue.institution, name="institution"),
    path("institutions/<int:pk>/review/", views_catalogue.review, name="review"),
    path("register/", views_provider.register, name="register"),
    path("provider/", views_provider.provider_home, name="provider_home"),
    path("provider/offerings/new/", views_provider.offering_new, name="offering_new"),
    path("provider/offerings/<int:pk>/edit/", views_provider.offering_edit, name="offering_edit"),
    path("provider/demands/", views_demands.provider_demands, name="provider_demands"),
    path("demands/", views_demands.my_demands, name="my_demands"),
    path("demands/new/", views_demands.demand_new, name="demand_new"),
    path("demands/<int:pk>/", views_demands.demand, name="demand"),
    path("demands/<int:pk>/respond/", views_demands.demand_respond, name="demand_respond"),
    path("demands/<int:pk>/close/", views_demands.demand_close, name="demand_close"),
    path("demands/<int:pk>/withdraw/", views_demands.demand_withdraw, name="demand_withdraw"),
    path("queue/", views_demands.queue, name="queue"),
]
