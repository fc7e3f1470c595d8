"""The audit trail: one row per state change, written by the action function in the same transaction."""
