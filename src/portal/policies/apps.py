"""Policies: the library, eligibility written in the rules engine's language, matching, 免申即享, pushes."""

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class PoliciesConfig(AppConfig):
    name = "portal.policies"
    label = "policies"
    verbose_name = _("政策")

    def ready(self):
        from portal.clusters.signals import cluster_state_changed

        from . import signals

        # profile and title changes of enterprises trigger pushes (documented in docs/policies.md)
        post_save.connect(
            signals.enterprise_saved,
            sender="enterprises.Enterprise",
            dispatch_uid="policies.enterprise_saved",
        )
        # cluster memberships are a policy fact (`cluster`): a member added or removed may now fit
        for signal, uid in ((post_save, "saved"), (post_delete, "deleted")):
            signal.connect(
                signals.membership_changed,
                sender="clusters.ClusterMembership",
                dispatch_uid=f"policies.membership_{uid}",
            )
        # a whole cluster revoked or reinstated: every member's memberships changed at once
        cluster_state_changed.connect(
            signals.cluster_state_changed, dispatch_uid="policies.cluster_state_changed"
        )
