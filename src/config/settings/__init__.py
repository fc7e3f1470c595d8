"""Layered settings: base (shared) → dev / test / prod. Secrets come only from the environment."""
