"""Who sees and who manages a cluster, decided in one place (pages and actions both ask here).

Seeing: an official sees the clusters whose county lies in their region (national: all); admins
see all. Managing (create, edit, revoke, members): the level that recognises the cluster, within
its region: a provincial cluster by its province's official, a national cluster by a national
official. County and city officials see the clusters, statistics and reports of their area
read-only; they ask the province to change them (docs/clusters-and-pairing.md).
"""

from __future__ import annotations

from django.db.models import QuerySet

from portal.accounts.roles import OFFICIAL_ROLES, Role
from portal.accounts.scope import region_in_scope

from .models import Cluster, ClusterLevel, ClusterMembership, ClusterState

# The official role that manages clusters of each level.
MANAGED_BY = {ClusterLevel.NATIONAL: Role.NATIONAL, ClusterLevel.PROVINCIAL: Role.PROVINCE}


def is_admin(user) -> bool:
    return getattr(user, "is_authenticated", False) and (user.role == Role.ADMIN or user.is_superuser)


def is_official(user) -> bool:
    """An official with a region: clusters_for widens a missing prefix to '' (the whole country)."""
    return (
        getattr(user, "is_authenticated", False)
        and user.role in OFFICIAL_ROLES
        and user.region_prefix is not None
    )


def clusters_for(user) -> QuerySet:
    """The clusters `user` may see: their region's for officials, all for admins, none for others."""
    qs = Cluster.objects.all()
    if is_admin(user):
        return qs
    if not is_official(user):
        return qs.none()
    prefix = user.region_prefix or ""
    return qs.filter(region_code__startswith=prefix) if prefix else qs


def can_see(user, cluster: Cluster) -> bool:
    return is_admin(user) or (is_official(user) and region_in_scope(user, cluster.region_code))


def creatable_levels(user) -> list[str]:
    """The cluster levels this user may register (inside their region)."""
    if is_admin(user):
        return list(ClusterLevel.values)
    if not is_official(user):
        return []
    return [level for level, role in MANAGED_BY.items() if user.role == role]


def can_manage(user, cluster: Cluster) -> bool:
    """True when `user` may edit the cluster and its members: the recognising level, in region."""
    if is_admin(user):
        return True
    if not is_official(user) or not region_in_scope(user, cluster.region_code):
        return False
    return user.role == MANAGED_BY.get(ClusterLevel(cluster.level))


def clusters_of(enterprise, *, include_revoked: bool = False) -> list[Cluster]:
    """The clusters an enterprise is a member of (active clusters only, unless asked), by name.

    A fact other apps may use: the pairing score rewards membership, and a policy may target
    the members of a cluster. No user check: the caller decides who sees the answer.
    """
    if enterprise is None or getattr(enterprise, "pk", None) is None:
        return []
    qs = Cluster.objects.filter(memberships__enterprise=enterprise)
    if not include_revoked:
        qs = qs.filter(state=ClusterState.ACTIVE)
    return list(qs.order_by("name", "pk").distinct())


def memberships_of(enterprise_ids) -> dict[int, list[Cluster]]:
    """Active clusters per enterprise id, for many enterprises in one query."""
    out: dict[int, list[Cluster]] = {}
    rows = ClusterMembership.objects.filter(
        enterprise_id__in=list(enterprise_ids), cluster__state=ClusterState.ACTIVE
    ).select_related("cluster")
    for m in rows.order_by("cluster__name", "cluster_id"):
        out.setdefault(m.enterprise_id, []).append(m.cluster)
    return out
