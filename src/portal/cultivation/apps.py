from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CultivationConfig(AppConfig):
    name = "portal.cultivation"
    label = "cultivation"
    verbose_name = _("梯度培育")
