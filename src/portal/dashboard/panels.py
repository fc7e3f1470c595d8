"""The dashboard's panels: one small function each, from pre-aggregated figures to a chart and a table.

Every panel returns the same shape, so a new panel is one more function with @panel:

    {"key", "title", "chart": line | bar | hbar | pie | map | bar_line,
     "categories": x-axis labels, "series": [{"name", "data", "type"?, "axis"?}],
     "columns": table header, "rows": table rows (exported to Excel as they are),
     "note": a sentence under the chart, "empty": True when there is nothing to show (暂无数据),
     "map": {"name", "url"} for a choropleth}

The chart and the Excel export are built from the same dict, so they always show the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.templatetags.static import static
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from portal.assessments import engine
from portal.cultivation.models import ApplicationState, Tier

from . import stats

GEO_DIR = Path(__file__).resolve().parents[1] / "static" / "dashboard" / "geo"

PANELS: dict[str, Callable[[PanelContext], dict]] = {}

TIER_ORDER = [Tier.INNOVATIVE, Tier.TECH_INNOVATIVE, Tier.SPECIALIZED, Tier.LITTLE_GIANT]
TIER_SHORT = {
    Tier.INNOVATIVE: gettext_noop("创新型"),
    Tier.TECH_INNOVATIVE: gettext_noop("科技和创新型"),
    Tier.SPECIALIZED: gettext_noop("专精特新"),
    Tier.LITTLE_GIANT: gettext_noop("小巨人"),
}
DIGITAL_LEVELS = [
    ("1", gettext_noop("一级")),
    ("2", gettext_noop("二级")),
    ("3", gettext_noop("三级")),
    ("4", gettext_noop("四级")),
    ("none", gettext_noop("未评测")),
]


@dataclass
class PanelContext:
    prefix: str
    figures: stats.Figures

    @property
    def region_label(self) -> str:
        return stats.region_name(self.prefix)


def panel(key: str):
    def register(fn):
        PANELS[key] = fn
        return fn

    return register


def _plain(value):
    """Lazy translations become plain text (for JSON on the page and cells in Excel)."""
    return str(value) if isinstance(value, Promise) else value


def _result(key, title, chart, *, categories=(), series=(), columns=(), rows=(), note="", **extra) -> dict:
    rows = [[_plain(v) for v in r] for r in rows]
    numbers = [v for r in rows for v in r[1:] if isinstance(v, int | float) and not isinstance(v, bool)]
    return {
        "key": key,
        "title": title,
        "chart": chart,
        "categories": [_plain(c) for c in categories],
        "series": [{**s, "name": _plain(s["name"])} for s in series],
        "columns": [_plain(c) for c in columns],
        "rows": rows,
        "note": note,
        "empty": not any(numbers),
        **extra,
    }


def tier_label(tier: str) -> str:
    if tier == "none":
        return _("未达任何层级")
    try:
        return str(Tier(tier).label)
    except ValueError:
        return tier


def _tier_sort(tiers) -> list[str]:
    rank = {t.value: i for i, t in enumerate(TIER_ORDER)}
    return sorted(tiers, key=lambda t: (rank.get(t, 90 if t != "none" else -1), t))


def average(count: int, total: float) -> float | None:
    return round(total / count, 1) if count else None


# --- the panels, in page order ----------------------------------------------------------------------


@panel("tiers")
def tiers(ctx: PanelContext) -> dict:
    """Titles granted per tier and year the title starts (不含已撤销): the official count."""
    data = ctx.figures.by_year("recognised")
    present = _tier_sort({t for t, _y in data})
    years = sorted({y for _t, y in data})
    if years:
        years = list(range(years[0], years[-1] + 1))
    series = [
        {"name": _(TIER_SHORT.get(t, t)), "type": "line", "data": [data.get((t, y), 0) for y in years]}
        for t in present
    ]
    rows = [[str(y), *[data.get((t, y), 0) for t in present]] for y in years]
    return _result(
        "tiers",
        _("梯度培育认定（按认定年度）"),
        "line",
        categories=[str(y) for y in years],
        series=series,
        columns=[_("年度"), *[tier_label(t) for t in present]],
        rows=rows,
        note=_("官方口径：按认定有效期起始年度统计本平台颁发的称号，不含已撤销的认定。"),
    )


@panel("self_tiers")
def self_tiers(ctx: PanelContext) -> dict:
    """Each enterprise's latest self-assessment: an estimate, shown beside the official count."""
    data = ctx.figures.by_key("self_tier")
    keys = _tier_sort(data)
    rows = [[tier_label(k), data[k]] for k in keys]
    return _result(
        "self_tiers",
        _("企业自评最高层级（各企业按现行办法的最新一次自评）"),
        "bar",
        categories=[r[0] for r in rows],
        series=[{"name": _("企业数"), "data": [r[1] for r in rows]}],
        columns=[_("自评最高层级"), _("企业数")],
        rows=rows,
        note=_("企业自评结果，仅供参考，不等于认定。"),
    )


@cache
def _sections() -> dict[str, str]:
    return {code: row["name"] for code, row in engine.industries().items() if row.get("level") == "1"}


@panel("industry")
def industry(ctx: PanelContext) -> dict:
    data = ctx.figures.by_key("industry")
    names = _sections()
    rows = [
        [code if code in names else "", names.get(code, _("未填写或未知行业")), count]
        for code, count in sorted(data.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    return _result(
        "industry",
        _("企业行业分布（国民经济行业门类）"),
        "hbar",
        categories=[r[1] for r in rows],
        series=[{"name": _("企业数"), "data": [r[2] for r in rows]}],
        columns=[_("门类代码"), _("门类名称（GB/T 4754-2017）"), _("企业数")],
        rows=rows,
    )


def _city_map(province: str) -> str | None:
    path = GEO_DIR / "cities" / f"{province}0000.geojson"
    return f"dashboard/geo/cities/{path.name}" if path.is_file() else None


@panel("regions")
def regions(ctx: PanelContext) -> dict:
    """Enterprises per sub-region: a choropleth of provinces or of a province's cities, else a bar chart."""
    prefix = ctx.prefix
    columns = [_("地区代码"), _("地区"), _("企业数"), _("有效认定数")]
    if len(prefix) >= 6:
        row = [
            prefix,
            stats.region_name(prefix),
            ctx.figures.total("enterprises"),
            ctx.figures.total("titles_active"),
        ]
        return _result(
            "regions",
            _("本辖区企业"),
            "hbar",
            categories=[row[1]],
            series=[{"name": _("企业数"), "data": [row[2]]}],
            columns=columns,
            rows=[row],
            note=_("县级辖区没有下级地区，显示本区县合计。"),
        )
    subs = stats.sub_regions(prefix)
    rows = [[s.adcode, s.name, s.values["enterprises"], s.values["titles_active"]] for s in subs]
    title = _("各省份企业分布") if not prefix else _("各下级地区企业分布")
    map_file = "dashboard/geo/china-provinces.geojson" if not prefix else None
    if len(prefix) == 2:
        map_file = _city_map(prefix)
    if map_file:
        return _result(
            "regions",
            title,
            "map",
            categories=[r[1] for r in rows],
            series=[
                {"name": _("企业数"), "data": [{"adcode": r[0], "label": r[1], "value": r[2]} for r in rows]}
            ],
            columns=columns,
            rows=rows,
            map={"name": "china" if not prefix else f"cities-{prefix}", "url": static(map_file)},
            note=_("地图仅示意行政区划，未经审图，不作为国界、行政区域界线依据。"),
        )
    ordered = sorted(rows, key=lambda r: -r[2])
    return _result(
        "regions",
        title,
        "hbar",
        categories=[r[1] for r in ordered],
        series=[{"name": _("企业数"), "data": [r[2] for r in ordered]}],
        columns=columns,
        rows=rows,
        note=_("暂无区县级地图数据，按区县以柱状图显示。"),
    )


@panel("digital")
def digital(ctx: PanelContext) -> dict:
    data = ctx.figures.by_key("digital")
    rows = [[_(label), data.get(key, 0)] for key, label in DIGITAL_LEVELS]
    return _result(
        "digital",
        _("数字化水平分布"),
        "pie",
        categories=[r[0] for r in rows],
        series=[{"name": _("企业数"), "data": [{"name": r[0], "value": r[1]} for r in rows]}],
        columns=[_("数字化水平等级"), _("企业数")],
        rows=rows,
        note=_("依据企业画像中的数字化水平评测等级；未填写的计为“未评测”。"),
    )


@panel("applications")
def applications(ctx: PanelContext) -> dict:
    data = ctx.figures.by_key("applications")
    order = [s.value for s in ApplicationState]
    keys = sorted(data, key=lambda s: order.index(s) if s in order else 99)
    labels = {k: str(v) for k, v in ApplicationState.choices}
    rows = [[labels.get(k, k), data[k]] for k in keys]
    return _result(
        "applications",
        _("申报状态分布"),
        "bar",
        categories=[r[0] for r in rows],
        series=[{"name": _("申报数"), "data": [r[1] for r in rows]}],
        columns=[_("状态"), _("申报数")],
        rows=rows,
    )


@panel("review")
def review(ctx: PanelContext) -> dict:
    data = ctx.figures.with_total("review_days")
    keys = _tier_sort(data)
    rows = [[tier_label(k), data[k][0], average(*data[k])] for k in keys]
    return _result(
        "review",
        _("平均审核时长（提交至最近一次审核决定，天）"),
        "bar",
        categories=[_(TIER_SHORT.get(k, k)) for k in keys],
        series=[{"name": _("平均天数"), "data": [r[2] for r in rows]}],
        columns=[_("申报层级"), _("已审核申报数"), _("平均审核天数")],
        rows=rows,
        note=_("统计已作出审核决定（退回、推荐、公示、认定、未通过）的申报。"),
    )


def _policy_titles(ids: list[str]) -> dict[str, str]:
    try:
        from portal.policies.models import Policy
    except ImportError:
        return {}
    numeric = [int(i) for i in ids if i.isdigit()]
    return {str(pk): title for pk, title in Policy.objects.filter(pk__in=numeric).values_list("pk", "title")}


@panel("policies")
def policies(ctx: PanelContext) -> dict:
    eligible = ctx.figures.by_key("policy_eligible")
    granted = ctx.figures.by_key("policy_granted")
    paid = ctx.figures.by_key("policy_paid")
    ids = sorted(set(eligible) | set(granted), key=lambda k: (-eligible.get(k, 0), -granted.get(k, 0), k))
    titles = _policy_titles(ids) if ids else {}
    rows = [
        [titles.get(k, _("政策 #%(id)s") % {"id": k}), eligible.get(k, 0), granted.get(k, 0), paid.get(k, 0)]
        for k in ids
    ]
    top = rows[:10]
    return _result(
        "policies",
        _("政策触达（符合条件与已兑现）"),
        "hbar",
        categories=[r[0] for r in top],
        series=[
            {"name": _("符合条件（已推送）"), "data": [r[1] for r in top]},
            {"name": _("已确认兑现"), "data": [r[2] for r in top]},
        ],
        columns=[_("政策"), _("符合条件（已推送）企业数"), _("已确认兑现企业数"), _("已兑付企业数")],
        rows=rows,
        note=_(
            "符合条件：平台按画像匹配并已推送的企业；已确认兑现：免申即享名单中未被拒绝的企业。图中显示前 10 项。"
        ),
    )


def _category_labels() -> dict[str, str]:
    try:
        from portal.services.models import Category
    except ImportError:
        return {}
    return {k: str(v) for k, v in Category.choices}


@panel("services")
def services(ctx: PanelContext) -> dict:
    demands = ctx.figures.by_key("demands")
    responded = ctx.figures.with_total("demand_responded")
    overdue = ctx.figures.by_key("demand_overdue")
    labels = _category_labels()
    keys = sorted(demands, key=lambda k: (-demands[k], k))
    rows = [
        [
            labels.get(k, k),
            demands[k],
            responded.get(k, (0, 0.0))[0],
            average(*responded.get(k, (0, 0.0))),
            overdue.get(k, 0),
        ]
        for k in keys
    ]
    return _result(
        "services",
        _("企业诉求响应"),
        "bar_line",
        categories=[r[0] for r in rows],
        series=[
            {"name": _("诉求数"), "type": "bar", "data": [r[1] for r in rows]},
            {"name": _("已响应"), "type": "bar", "data": [r[2] for r in rows]},
            {"name": _("平均首次响应（小时）"), "type": "line", "axis": 1, "data": [r[3] for r in rows]},
        ],
        columns=[_("诉求类别"), _("诉求数"), _("已响应数"), _("平均首次响应时长（小时）"), _("超期未响应数")],
        rows=rows,
        note=_("不含已撤回的诉求；超期未响应：待响应且已过最迟响应日期。"),
    )


def _cluster_labels() -> dict[str, str]:
    try:
        from portal.clusters.models import ClusterLevel
    except ImportError:
        return {}
    return {k: str(v) for k, v in ClusterLevel.choices}


@panel("clusters")
def clusters(ctx: PanelContext) -> dict:
    count = ctx.figures.by_key("clusters")
    members = ctx.figures.by_key("cluster_members")
    labels = _cluster_labels()
    keys = sorted(set(count) | set(members), key=lambda k: (k != "national", k))
    rows = [[labels.get(k, k), count.get(k, 0), members.get(k, 0)] for k in keys]
    return _result(
        "clusters",
        _("中小企业特色产业集群"),
        "bar",
        categories=[r[0] for r in rows],
        series=[
            {"name": _("集群数"), "data": [r[1] for r in rows]},
            {"name": _("成员企业数"), "data": [r[2] for r in rows]},
        ],
        columns=[_("集群层级"), _("集群数"), _("成员企业数")],
        rows=rows,
        note=_("只计有效（未撤销）的集群。"),
    )


# --- page assembly ----------------------------------------------------------------------------------


# an application waiting for an official's review: submitted (county or city), recommended (the national review)
AWAITING_REVIEW = (ApplicationState.SUBMITTED, ApplicationState.RECOMMENDED)


def cards(ctx: PanelContext) -> list[dict]:
    """The headline numbers above the charts."""
    f = ctx.figures
    active = f.by_key("titles_active")
    review = f.with_total("review_days")
    days = average(sum(c for c, _t in review.values()), sum(t for _c, t in review.values()))
    out = [
        {"label": _("企业总数"), "value": f.total("enterprises")},
        {"label": _("有效认定"), "value": sum(active.values())},
    ]
    out += [{"label": _(TIER_SHORT[t]), "value": active.get(t, 0)} for t in TIER_ORDER if active.get(t)]
    out += [
        {"label": _("待审核申报"), "value": sum(f.by_key("applications").get(s, 0) for s in AWAITING_REVIEW)},
        {"label": _("平均审核天数"), "value": days if days is not None else "—"},
        {"label": _("产业集群"), "value": f.total("clusters")},
    ]
    return out


def build(prefix: str, keys: list[str] | None = None) -> tuple[PanelContext, list[dict]]:
    """Load the region's figures once and run the panels (all, or the named ones)."""
    ctx = PanelContext(prefix=prefix, figures=stats.load(prefix))
    chosen = keys if keys is not None else list(PANELS)
    return ctx, [PANELS[k](ctx) for k in chosen if k in PANELS]
