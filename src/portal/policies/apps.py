"""Policies: the library, eligibility written in the rules engine's language, matching, 免申即享, pushes."""

from django.apps import AppConfig
from django.db.models.signals import post_save


class PoliciesConfig(AppConfig):
    name = "portal.policies"
    label = "policies"
    verbose_name = "政策"

    def ready(self):
        from . import signals

        # profile and title changes of enterprises trigger pushes (documented in docs/policies.md)
        post_save.connect(
            signals.enterprise_saved,
            sender="enterprises.Enterprise",
            dispatch_uid="policies.enterprise_saved",
        )
