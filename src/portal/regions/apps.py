from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "portal.regions"
    label = "regions"
    verbose_name = "行政区划与行业"
