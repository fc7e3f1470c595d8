from django.apps import AppConfig


class CultivationConfig(AppConfig):
    name = "portal.cultivation"
    label = "cultivation"
    verbose_name = "梯度培育"
