"""Users, their role and the region subtree they may see (the one place scope is decided)."""
