"""Pre-aggregated statistics behind the officials' dashboards.

Why a table of sums: with a million enterprises, counting on every page view is too slow. A
background job (dashboard.tasks.refresh_stats) recomputes every figure once with GROUP BY on the
database, per county and rolled up to city, province and the whole country, so a dashboard reads
a few hundred rows for exactly the official's region.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class RegionStat(models.Model):
    """One number (and an optional sum for averages) of one metric in one region.

    `region` is a GB/T 2260 prefix: '' the country, 2 digits a province, 4 a city, 6 a county —
    the same prefixes as User.region_prefix, so an official's figures are the rows with
    region == their prefix. `parent` is the prefix one level up ('' for provinces, NULL for the
    country), for "the sub-regions of my region" on the map.
    """

    region = models.CharField(_("地区代码前缀"), max_length=6, blank=True, default="")
    parent = models.CharField(_("上级地区代码前缀"), max_length=6, null=True, blank=True)
    metric = models.CharField(_("指标"), max_length=32)
    key = models.CharField(_("分组"), max_length=64, blank=True, default="")
    year = models.PositiveIntegerField(_("年度（0 = 不分年度）"), default=0)
    count = models.BigIntegerField(_("计数"), default=0)
    total = models.FloatField(_("合计（用于平均值，如审核天数）"), default=0)

    class Meta:
        verbose_name = _("地区统计")
        verbose_name_plural = _("地区统计")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "metric", "key", "year"], name="dashboard_regionstat_unique"
            ),
        ]
        indexes = [models.Index(fields=["parent", "metric"], name="dashboard_stat_parent_idx")]

    def __str__(self) -> str:
        return f"{self.region or '*'} · {self.metric} · {self.key} · {self.year}: {self.count}"


class RefreshState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("计算中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class StatsRefresh(models.Model):
    """One recomputation of RegionStat: who asked, when it ran, how long it took, what went wrong."""

    state = models.CharField(
        _("状态"), max_length=16, choices=RefreshState.choices, default=RefreshState.QUEUED, db_index=True
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人（空 = 定时任务）"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("发起时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True, db_index=True)
    duration_ms = models.PositiveIntegerField(_("耗时（毫秒）"), null=True, blank=True)
    rows = models.PositiveIntegerField(_("统计行数"), null=True, blank=True)
    error = models.TextField(_("失败原因"), blank=True, default="")

    class Meta:
        verbose_name = _("统计刷新")
        verbose_name_plural = _("统计刷新")
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return gettext("统计刷新 #%(id)s") % {"id": self.pk}
