"""Certificate numbers, verification codes and validity dates of recognitions.

Why separate: the number must be readable and unique (ZJTX-2026-SP-330106-000123), the code must be
unguessable (anyone holding it can check a certificate), and both are generated in one place.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets

from .models import Recognition, Tier

TIER_CODES = {
    Tier.INNOVATIVE: "IN",
    Tier.TECH_INNOVATIVE: "TI",
    Tier.SPECIALIZED: "SP",
    Tier.LITTLE_GIANT: "LG",
}

# Uppercase letters and digits without the look-alikes 0/O, 1/I/L: read aloud or typed from paper safely.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10


def certificate_prefix(tier: str, year: int, region: str) -> str:
    return f"ZJTX-{year}-{TIER_CODES[Tier(tier)]}-{region}-"


def next_certificate_no(tier: str, year: int, region: str) -> str:
    """The next free serial for this tier, year and county; the unique column settles any race."""
    prefix = certificate_prefix(tier, year, region)
    serials = [
        int(no[len(prefix) :])
        for no in Recognition.objects.filter(certificate_no__startswith=prefix).values_list(
            "certificate_no", flat=True
        )
        if no[len(prefix) :].isdigit()
    ]
    return f"{prefix}{max(serials, default=0) + 1:06d}"


def new_verification_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str:
    """What people type: any case, spaces or dashes in between."""
    return re.sub(r"[\s\-]+", "", code or "").upper()


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a non-leap year
        return day.replace(year=day.year + years, month=3, day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day `months` later, clamped to the month's last day (31 Aug + 3 months = 30 Nov)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, d))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def validity(valid_from: dt.date, years: int) -> tuple[dt.date, dt.date]:
    """Three years including the first day: 2026-11-28 → 2029-11-27."""
    return valid_from, add_years(valid_from, years) - dt.timedelta(days=1)


def last_year_starts(valid_until: dt.date) -> dt.date:
    """The first day of a title's last year of validity, when its re-review (复核) opens.

    Counted back from the day after the end, so a title ending on 29 February opens on 1 March of the year
    before (going back from the end itself moved 29 Feb to 1 Mar first and opened a day late).
    """
    return add_years(valid_until + dt.timedelta(days=1), -1)
