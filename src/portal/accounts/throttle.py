"""Failed sign-ins counted per user name: after too many in a row the name is refused for a while.

Why: the login page and /admin/login/ answered every guess at full speed, so a weak or initial password
could be found by trying. Counting by user name (not address) works behind the reverse proxy, where
every request comes from 127.0.0.1. The counts are rows (`LoginFailure`), not a per-process cache: every
gunicorn worker sees the same count, so the limit is the limit however many workers serve the site.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import LoginFailure

DEFAULT_MAX_FAILURES = 5
DEFAULT_LOCK_MINUTES = 15


def max_failures() -> int:
    return int(getattr(settings, "ZJTX", {}).get("LOGIN_MAX_FAILURES", DEFAULT_MAX_FAILURES))


def lock_minutes() -> int:
    return int(getattr(settings, "ZJTX", {}).get("LOGIN_LOCK_MINUTES", DEFAULT_LOCK_MINUTES))


def _name(username: str) -> str:
    return (username or "").strip().casefold()[:200]


def _window_start() -> dt.datetime:
    return timezone.now() - dt.timedelta(minutes=lock_minutes())


def is_locked(username: str) -> bool:
    """True when this name has failed `max_failures()` times in a row, the last within `lock_minutes()`."""
    return LoginFailure.objects.filter(
        name=_name(username), count__gte=max_failures(), last_at__gt=_window_start()
    ).exists()


def note_failure(username: str) -> None:
    """Count one failed attempt; the window restarts with each failure, and a count older than it starts over."""
    name, now = _name(username), timezone.now()
    # counts past their window lock nothing: dropped here, so guesses at made-up names do not pile up rows
    LoginFailure.objects.filter(last_at__lte=_window_start()).delete()
    for _attempt in range(2):  # two first failures at once: the second insert loses and counts on the row
        try:
            with transaction.atomic():
                row = LoginFailure.objects.select_for_update().filter(name=name).first()
                if row is None:
                    LoginFailure.objects.create(name=name, count=1, last_at=now)
                else:
                    row.count = row.count + 1 if row.last_at > _window_start() else 1
                    row.last_at = now
                    row.save(update_fields=["count", "last_at"])
            return
        except IntegrityError:
            continue


def clear(username: str) -> None:
    LoginFailure.objects.filter(name=_name(username)).delete()
