"""GB/T 2260 regions and GB/T 4754-2017 industries: cascading pickers and search by name (no tables)."""
