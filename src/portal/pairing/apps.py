from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PairingConfig(AppConfig):
    name = "portal.pairing"
    label = "pairing"
    verbose_name = _("大中小企业融通")
