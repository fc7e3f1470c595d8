"""Service institutions, offerings and enterprise demands (诉求) across the four-level network."""
