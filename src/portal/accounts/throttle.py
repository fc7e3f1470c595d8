"""Failed sign-ins counted per user name: after too many in a row the name is refused for a while.

Why: the login page and /admin/login/ answered every guess at full speed, so a weak or initial password
could be found by trying. Counting by user name (not address) works behind the reverse proxy, where
every request comes from 127.0.0.1. The counts live in Django's cache: with the default per-process cache,
each gunicorn worker counts for itself, which still bounds guessing to a few tries per minute.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

DEFAULT_MAX_FAILURES = 5
DEFAULT_LOCK_MINUTES = 15


def max_failures() -> int:
    return int(getattr(settings, "ZJTX", {}).get("LOGIN_MAX_FAILURES", DEFAULT_MAX_FAILURES))


def lock_minutes() -> int:
    return int(getattr(settings, "ZJTX", {}).get("LOGIN_LOCK_MINUTES", DEFAULT_LOCK_MINUTES))


def _key(username: str) -> str:
    return "zjtx:login-failures:" + (username or "").strip().casefold()


def is_locked(username: str) -> bool:
    """True when this name has failed `max_failures()` times within the last `lock_minutes()`."""
    return cache.get(_key(username), 0) >= max_failures()


def note_failure(username: str) -> None:
    """Count one failed attempt; the window restarts with each failure."""
    key = _key(username)
    cache.set(key, cache.get(key, 0) + 1, timeout=lock_minutes() * 60)


def clear(username: str) -> None:
    cache.delete(_key(username))
