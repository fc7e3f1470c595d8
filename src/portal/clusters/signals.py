"""Signals other apps may listen to without the clusters app knowing them.

cluster_state_changed: sent by actions.set_state inside its transaction when a cluster is revoked or
reinstated (a conditional UPDATE through `claim`, so no post_save is sent). Arguments: `cluster`,
`from_state`, `to_state`. Every member's `cluster` fact changes at once; the policies app listens
to queue pushes (portal.policies.signals.cluster_state_changed).
"""

from __future__ import annotations

from django.dispatch import Signal

cluster_state_changed = Signal()
