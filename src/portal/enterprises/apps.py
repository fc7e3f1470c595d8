from django.apps import AppConfig


class EnterprisesConfig(AppConfig):
    name = "portal.enterprises"
    label = "enterprises"
    verbose_name = "企业"
