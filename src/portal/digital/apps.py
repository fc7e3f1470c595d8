from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DigitalConfig(AppConfig):
    name = "portal.digital"
    label = "digital"
    verbose_name = _("数字化转型")
