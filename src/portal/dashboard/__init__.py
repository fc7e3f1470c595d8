"""Officials' dashboards: their region at a glance, pre-aggregated, exportable."""
