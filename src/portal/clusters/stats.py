"""A cluster's statistics for one fiscal year: members by title, revenue and R&D intensity.

Why the title comes from Recognition rows: a cluster report is an official statement, so a member
counts as 专精特新 only when the platform holds a title valid on the reference day (31 December of
the year, or today for the current year). A self-assessment (Assessment.highest_tier) is only an
enterprise's own estimate and is not counted. Money is summed exactly in Decimal from the stored
yuan; a member without a figure is counted as missing, never as 0.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone
from django.utils.translation import gettext

from portal.cultivation.models import Recognition, RecognitionStatus, Tier
from portal.enterprises.money import WAN, plain, to_decimal

from .models import Cluster, MemberRole

# Highest first; a member holding several titles counts once, at its highest.
TIER_ORDER = [Tier.LITTLE_GIANT, Tier.SPECIALIZED, Tier.TECH_INNOVATIVE, Tier.INNOVATIVE]
NO_TITLE = "none"
ROLE_ORDER = {MemberRole.LEADING: 0, MemberRole.SUPPORTING: 1, MemberRole.OTHER: 2}


@dataclass
class MemberRow:
    membership: object
    enterprise: object
    tier: str
    revenue: Decimal | None
    rd_expense: Decimal | None

    @property
    def tier_label(self) -> str:
        return tier_label(self.tier)

    @property
    def intensity(self) -> Decimal | None:
        if self.revenue is None or self.rd_expense is None or self.revenue <= 0:
            return None
        return self.rd_expense / self.revenue

    @property
    def revenue_wan(self) -> str:
        return wan(self.revenue)

    @property
    def intensity_text(self) -> str:
        return percent(self.intensity)


@dataclass
class ClusterStats:
    cluster: Cluster
    year: int
    reference_day: dt.date
    members: list[MemberRow] = field(default_factory=list)
    by_tier: list[tuple[str, str, int]] = field(default_factory=list)  # (tier, label, count)
    revenue_total: Decimal = Decimal(0)
    revenue_count: int = 0
    revenue_missing: list[str] = field(default_factory=list)
    rd_total: Decimal = Decimal(0)  # R&D expense of the members that have both figures
    rd_revenue_total: Decimal = Decimal(0)  # their revenue
    rd_count: int = 0
    rd_missing: list[str] = field(default_factory=list)

    @property
    def member_count(self) -> int:
        return len(self.members)

    @property
    def intensity(self) -> Decimal | None:
        """Sum of R&D expense / sum of revenue over the members with both (revenue > 0), exact."""
        if not self.rd_count or self.rd_revenue_total <= 0:
            return None
        return self.rd_total / self.rd_revenue_total

    @property
    def revenue_wan(self) -> str:
        return wan(self.revenue_total) if self.revenue_count else "—"

    @property
    def intensity_text(self) -> str:
        return percent(self.intensity)


def tier_label(tier: str) -> str:
    if tier == NO_TITLE:
        return gettext("无梯度培育称号")
    try:
        return str(Tier(tier).label)
    except ValueError:
        return tier


def wan(yuan: Decimal | None) -> str:
    """Yuan as 万元 text, exact (up to 6 decimals: to the fen), without trailing zeros."""
    return "—" if yuan is None else plain(yuan / WAN)


def percent(fraction: Decimal | None, places: str = "0.01") -> str:
    """A fraction as a percent rounded half-up to 2 decimals ('—' when unknown)."""
    if fraction is None:
        return "—"
    return f"{(fraction * 100).quantize(Decimal(places), rounding=ROUND_HALF_UP)}%"


def reference_day(year: int, today: dt.date | None = None) -> dt.date:
    today = today or timezone.localdate()
    end = dt.date(year, 12, 31)
    return min(end, today)


def _held_on(rec: Recognition, day: dt.date) -> bool:
    if not rec.valid_from <= day <= rec.valid_until:
        return False
    if rec.status == RecognitionStatus.REVOKED:
        revoked = timezone.localtime(rec.revoked_at).date() if rec.revoked_at else rec.valid_from
        return revoked > day
    return True


def highest_titles(enterprise_ids, day: dt.date) -> dict[int, str]:
    """Each enterprise's highest title held on `day` per the platform's Recognition rows."""
    rank = {t.value: i for i, t in enumerate(TIER_ORDER)}
    best: dict[int, str] = {}
    for rec in Recognition.objects.filter(
        enterprise_id__in=list(enterprise_ids), valid_from__lte=day, valid_until__gte=day
    ):
        if not _held_on(rec, day):
            continue
        current = best.get(rec.enterprise_id)
        if current is None or rank.get(rec.tier, 99) < rank.get(current, 99):
            best[rec.enterprise_id] = rec.tier
    return best


def _figure(profile: dict, year: int, key: str) -> Decimal | None:
    fin = (profile or {}).get("financials") or {}
    row = fin.get(str(year)) if isinstance(fin, dict) else None
    value = to_decimal(row.get(key)) if isinstance(row, dict) else None
    return value if value is not None and value >= 0 else None


def cluster_stats(cluster: Cluster, year: int, today: dt.date | None = None) -> ClusterStats:
    """The statistics of the cluster's current members for fiscal year `year`."""
    day = reference_day(year, today)
    members = list(cluster.memberships.select_related("enterprise"))
    members.sort(key=lambda m: (ROLE_ORDER.get(m.role, 9), m.enterprise.name, m.pk))
    titles = highest_titles([m.enterprise_id for m in members], day)
    stats = ClusterStats(cluster=cluster, year=year, reference_day=day)
    counts = {t.value: 0 for t in TIER_ORDER} | {NO_TITLE: 0}
    for m in members:
        ent = m.enterprise
        row = MemberRow(
            membership=m,
            enterprise=ent,
            tier=titles.get(ent.pk, NO_TITLE),
            revenue=_figure(ent.profile, year, "revenue"),
            rd_expense=_figure(ent.profile, year, "rd_expense"),
        )
        stats.members.append(row)
        counts[row.tier] = counts.get(row.tier, 0) + 1
        if row.revenue is None:
            stats.revenue_missing.append(ent.name)
        else:
            stats.revenue_total += row.revenue
            stats.revenue_count += 1
        if row.revenue is not None and row.revenue > 0 and row.rd_expense is not None:
            stats.rd_total += row.rd_expense
            stats.rd_revenue_total += row.revenue
            stats.rd_count += 1
        else:
            stats.rd_missing.append(ent.name)
    stats.by_tier = [(t, tier_label(t), counts[t]) for t in [*(x.value for x in TIER_ORDER), NO_TITLE]]
    return stats


def default_year(today: dt.date | None = None) -> int:
    """The last full fiscal year (上年度)."""
    return (today or timezone.localdate()).year - 1


def year_choices(today: dt.date | None = None) -> list[int]:
    last = default_year(today)
    return list(range(last, last - 6, -1))
