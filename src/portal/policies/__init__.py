"""Policies: the library, eligibility written in the rules engine's language, matching, 免申即享, pushes."""
