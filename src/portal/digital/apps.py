from django.apps import AppConfig


class DigitalConfig(AppConfig):
    name = "portal.digital"
    label = "digital"
    verbose_name = "数字化转型"
