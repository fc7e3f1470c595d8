"""Interconnection of installations: node identity, signed change feeds, pulling, quarantine."""
