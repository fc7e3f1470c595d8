"""The registry of 中小企业特色产业集群, members and yearly statistics.

`clusters_of(enterprise)` is the public fact other apps use (pairing, policies).
"""


def clusters_of(enterprise, *, include_revoked: bool = False):
    """The clusters (portal.clusters.models.Cluster) an enterprise belongs to; see access.clusters_of."""
    from .access import clusters_of as _clusters_of

    return _clusters_of(enterprise, include_revoked=include_revoked)
