"""Reading the pre-aggregated figures of one region: a few hundred indexed rows, whatever the data size.

An official's figures are the RegionStat rows whose `region` equals their region prefix (national:
''), so the scope is exactly portal.accounts' region subtree; sub-regions (for the map) are the rows
whose `parent` is that prefix.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext

from portal.assessments import engine

from .models import RegionStat

# Province-level cities whose "cities" (市辖区 / 县) are not real units: show their counties instead.
MUNICIPALITIES = ("11", "12", "31", "50")
# xx90: 省直辖县级行政单位 (e.g. 4290 仙桃 潜江 天门 …) — a grouping, not a city: show its counties.
DIRECT_COUNTIES = "90"

MAP_METRICS = ("enterprises", "titles_active")


@dataclass
class Figures:
    """All figures of one region: metric → [(key, year, count, total)]."""

    prefix: str
    rows: dict[str, list[tuple[str, int, int, float]]] = field(default_factory=lambda: defaultdict(list))

    def by_key(self, metric: str) -> dict[str, int]:
        """Counts per key, summed over years."""
        out: dict[str, int] = defaultdict(int)
        for key, _year, count, _total in self.rows.get(metric, []):
            out[key] += count
        return dict(out)

    def with_total(self, metric: str) -> dict[str, tuple[int, float]]:
        """(count, total) per key, summed over years: for averages such as review days."""
        out: dict[str, list] = defaultdict(lambda: [0, 0.0])
        for key, _year, count, total in self.rows.get(metric, []):
            out[key][0] += count
            out[key][1] += total
        return {k: (c, t) for k, (c, t) in out.items()}

    def by_year(self, metric: str) -> dict[tuple[str, int], int]:
        out: dict[tuple[str, int], int] = defaultdict(int)
        for key, year, count, _total in self.rows.get(metric, []):
            out[(key, year)] += count
        return dict(out)

    def total(self, metric: str) -> int:
        return sum(count for _k, _y, count, _t in self.rows.get(metric, []))


def load(prefix: str) -> Figures:
    """Every figure of the region `prefix` ('' = the country) in one indexed query."""
    figures = Figures(prefix=prefix)
    for metric, key, year, count, total in RegionStat.objects.filter(region=prefix).values_list(
        "metric", "key", "year", "count", "total"
    ):
        figures.rows[metric].append((key, year, count, total))
    return figures


@dataclass
class SubRegion:
    code: str  # a prefix: 2, 4 or 6 digits
    name: str
    values: dict[str, int]

    @property
    def adcode(self) -> str:
        """The 6-digit code the map's features carry (330000, 330100, 429004)."""
        return self.code.ljust(6, "0")


def region_name(prefix: str) -> str:
    """Full name of a region prefix ('浙江省杭州市'); '全国' for ''."""
    if not prefix:
        return gettext("全国")
    found = engine.region(prefix.ljust(6, "0"))
    return found[0] if found else prefix


def short_name(code: str, parent: str) -> str:
    """The name within its parent: 杭州市 under 浙江省, 西湖区 under 浙江省杭州市."""
    name, above = region_name(code), region_name(parent) if parent else ""
    if above and name.startswith(above) and name != above:
        return name[len(above) :]
    return name


def _children(parents: list[str]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(MAP_METRICS, 0))
    qs = RegionStat.objects.filter(parent__in=parents, metric__in=MAP_METRICS).values_list(
        "region", "metric", "count"
    )
    for region, metric, count in qs:
        out[region][metric] += count
    return out


def sub_regions(prefix: str) -> list[SubRegion]:
    """The level below `prefix` with their enterprise and title counts ([] for a county).

    A province's municipal districts and its directly administered counties (xx90) are listed as
    counties, since their "city" code is only a grouping.
    """
    if len(prefix) >= 6:
        return []
    found = _children([prefix])
    if len(prefix) == 2:
        expand = [c for c in found if prefix in MUNICIPALITIES or c[2:4] == DIRECT_COUNTIES]
        if expand:
            for code in expand:
                found.pop(code)
            found.update(_children(expand))
    return sorted(
        (SubRegion(code, short_name(code, prefix), values) for code, values in found.items()),
        key=lambda s: s.code,
    )
