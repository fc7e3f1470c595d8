"""The registry of 中小企业特色产业集群, members and yearly statistics."""
