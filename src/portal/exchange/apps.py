from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "portal.exchange"
    label = "exchange"
    verbose_name = "互联互通"
