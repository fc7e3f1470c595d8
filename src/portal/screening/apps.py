from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "portal.screening"
    label = "screening"
    verbose_name = "主动发现"
