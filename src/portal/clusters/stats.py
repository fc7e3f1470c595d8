"""A cluster's statistics for one fiscal year: members by title, revenue and R&D intensity.

Why the title comes from Recognition rows: a cluster report is an official statement, so a member
counts as 专精特新 only when the platform holds a title valid on the reference day (31 December of
the year, or today for the current year). A self-assessment (Assessment.highest_tier) is only an
enterprise's own estimate and is not counted. Money is summed exactly in Decimal from the stored
yuan; a member without a figure is counted as missing, never as 0.

A year counts the members on its reference day: the current members that had joined by 31 December of
that year, and the former members (clusters.models.FormerMembership) that had joined by the reference
day and were taken off the list after it. Seen by an official,
a member outside their region (portal.accounts.scope) keeps only its name and county: its title,
figures and credit code are blanked here, before any page or export reads the row. The cluster
totals stay (they are the cluster's statistics), except a total whose outside part comes from fewer
than MIN_OUTSIDE members: the total minus the members shown would give those members' figures away.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone
from django.utils.translation import gettext

from portal.accounts.scope import enterprise_in_scope
from portal.assessments import engine
from portal.cultivation.models import Recognition, RecognitionStatus, Tier
from portal.enterprises.money import WAN, plain, to_decimal

from .models import Cluster, MemberRole

# Highest first; a member holding several titles counts once, at its highest.
TIER_ORDER = [Tier.LITTLE_GIANT, Tier.SPECIALIZED, Tier.TECH_INNOVATIVE, Tier.INNOVATIVE]
NO_TITLE = "none"
ROLE_ORDER = {MemberRole.LEADING: 0, MemberRole.SUPPORTING: 1, MemberRole.OTHER: 2}
# A total is withheld from a viewer when 1 or 2 of the members behind it are outside their region
# (the usual threshold rule of statistical disclosure: no published cell from fewer than 3 units).
MIN_OUTSIDE = 3


@dataclass
class MemberRow:
    membership: object
    enterprise: object
    tier: str
    revenue: Decimal | None
    rd_expense: Decimal | None
    visible: bool = True  # False: outside the viewer's region, only name and county are shown
    counted: bool = True  # False: joined after the year, not in the year's figures

    @property
    def left(self) -> dt.date | None:
        """The day a former member was taken off the list (it still was a member on the reference day)."""
        return getattr(self.membership, "left", None)

    @property
    def name(self) -> str:
        return self.enterprise.name

    @property
    def region(self) -> str:
        return self.enterprise.region

    @property
    def region_name(self) -> str:
        found = engine.region(self.enterprise.region or "")
        return found[0] if found else self.enterprise.region

    @property
    def credit_code(self) -> str:
        return self.enterprise.credit_code if self.visible else ""

    @property
    def tier_label(self) -> str:
        return tier_label(self.tier) if self.visible else ""

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
    # every current member, `counted` or not, and the former members that were members on the reference day
    members: list[MemberRow] = field(default_factory=list)
    by_tier: list[tuple[str, str, int]] = field(default_factory=list)  # (tier, label, count)
    revenue_total: Decimal | None = Decimal(0)  # None: withheld from this viewer
    revenue_count: int = 0
    revenue_missing: list[str] = field(default_factory=list)  # names the viewer may see
    revenue_missing_outside: int = 0  # and how many more outside their region
    rd_total: Decimal | None = Decimal(0)  # R&D expense of the members that have both figures
    rd_revenue_total: Decimal | None = Decimal(0)  # their revenue
    rd_count: int = 0
    rd_missing: list[str] = field(default_factory=list)
    rd_missing_outside: int = 0
    revenue_outside: int = 0  # members outside the viewer's region behind the revenue total
    rd_outside: int = 0  # … and behind the R&D intensity

    @property
    def min_outside(self) -> int:
        return MIN_OUTSIDE

    @property
    def counted_members(self) -> list[MemberRow]:
        return [m for m in self.members if m.counted]

    @property
    def member_count(self) -> int:
        return len(self.counted_members)

    @property
    def revenue_withheld(self) -> bool:
        return self.revenue_total is None

    @property
    def intensity_withheld(self) -> bool:
        return self.rd_total is None

    @property
    def revenue_missing_count(self) -> int:
        return len(self.revenue_missing) + self.revenue_missing_outside

    @property
    def rd_missing_count(self) -> int:
        return len(self.rd_missing) + self.rd_missing_outside

    @property
    def intensity(self) -> Decimal | None:
        """Sum of R&D expense / sum of revenue over the members with both (revenue > 0), exact."""
        if self.intensity_withheld or not self.rd_count or self.rd_revenue_total <= 0:
            return None
        return self.rd_total / self.rd_revenue_total

    @property
    def revenue_wan(self) -> str:
        return wan(self.revenue_total) if self.revenue_count and not self.revenue_withheld else "—"

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


def _former_members(cluster: Cluster, day: dt.date, counted_now: set[int]) -> list:
    """The members taken off the list after `day` that had joined by then: they were members that day.

    An enterprise taken off and added again counts once: the current membership wins where both reach `day`."""
    rows = cluster.former_memberships.select_related("enterprise").filter(joined__lte=day, left__gt=day)
    out, seen = [], set(counted_now)
    for row in rows.order_by("-left", "-pk"):
        if row.enterprise_id not in seen:
            seen.add(row.enterprise_id)
            out.append(row)
    return out


def cluster_stats(cluster: Cluster, year: int, today: dt.date | None = None, *, viewer=None) -> ClusterStats:
    """The statistics of the cluster's members that had joined by the end of `year`.

    `viewer`: the user the figures are for; members outside their region are blanked (see above).
    None means no viewer (internal use): every member is shown.
    """
    day = reference_day(year, today)
    year_end = dt.date(year, 12, 31)
    members = list(cluster.memberships.select_related("enterprise"))
    members += _former_members(cluster, day, {m.enterprise_id for m in members if m.joined <= year_end})
    members.sort(key=lambda m: (ROLE_ORDER.get(m.role, 9), m.enterprise.name, m.pk))
    titles = highest_titles([m.enterprise_id for m in members], day)
    stats = ClusterStats(cluster=cluster, year=year, reference_day=day)
    counts = {t.value: 0 for t in TIER_ORDER} | {NO_TITLE: 0}
    for m in members:
        ent = m.enterprise
        visible = viewer is None or enterprise_in_scope(viewer, ent)
        tier = titles.get(ent.pk, NO_TITLE)
        revenue = _figure(ent.profile, year, "revenue")
        rd_expense = _figure(ent.profile, year, "rd_expense")
        counted = m.joined <= year_end
        if visible:
            stats.members.append(MemberRow(m, ent, tier, revenue, rd_expense, counted=counted))
        else:  # blanked before any page or export can read it
            stats.members.append(MemberRow(m, ent, "", None, None, visible=False, counted=counted))
        if not counted:
            continue
        counts[tier] = counts.get(tier, 0) + 1
        if revenue is None:
            if visible:
                stats.revenue_missing.append(ent.name)
            else:
                stats.revenue_missing_outside += 1
        else:
            stats.revenue_total += revenue
            stats.revenue_count += 1
            stats.revenue_outside += not visible
        if revenue is not None and revenue > 0 and rd_expense is not None:
            stats.rd_total += rd_expense
            stats.rd_revenue_total += revenue
            stats.rd_count += 1
            stats.rd_outside += not visible
        elif visible:
            stats.rd_missing.append(ent.name)
        else:
            stats.rd_missing_outside += 1
    if 0 < stats.revenue_outside < MIN_OUTSIDE:
        stats.revenue_total = None
    if 0 < stats.rd_outside < MIN_OUTSIDE:
        stats.rd_total = stats.rd_revenue_total = None
    stats.by_tier = [(t, tier_label(t), counts[t]) for t in [*(x.value for x in TIER_ORDER), NO_TITLE]]
    return stats


def default_year(today: dt.date | None = None) -> int:
    """The last full fiscal year (上年度)."""
    return (today or timezone.localdate()).year - 1


def year_choices(today: dt.date | None = None) -> list[int]:
    """The six last full fiscal years, newest first: the years a report can be asked for."""
    last = default_year(today)
    return list(range(last, last - 6, -1))


def parse_year(raw, today: dt.date | None = None) -> int | None:
    """The year asked for when it is one of year_choices(), else None (the caller says so)."""
    try:
        year = int(str(raw).strip())
    except (TypeError, ValueError):
        return None
    return year if year in year_choices(today) else None
