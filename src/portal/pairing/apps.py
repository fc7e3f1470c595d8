from django.apps import AppConfig


class PairingConfig(AppConfig):
    name = "portal.pairing"
    label = "pairing"
    verbose_name = "大中小企业融通"
