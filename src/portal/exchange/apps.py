"""Interconnection of installations: node identity, signed change feeds, pulling, quarantine."""

from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "portal.exchange"
    label = "exchange"
    verbose_name = _("互联互通")

    def ready(self):
        from . import signals

        # Every state change of the other apps writes one audit row in its transaction: the outbox hook.
        post_save.connect(
            signals.audit_written, sender="audit.AuditEntry", dispatch_uid="exchange.audit_written"
        )
        # Model kinds (service institutions, policies …) whose app has the model already.
        for kind in signals.model_kinds_present():
            post_save.connect(
                signals.model_saved, sender=kind.model(), dispatch_uid=f"exchange.model_saved.{kind.name}"
            )
