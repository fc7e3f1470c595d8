"""Digital self-tests of enterprises and the 小快轻准 solutions providers list.

A DigitalSelfTest keeps the full answers with the version and digest of the item tables they
were scored against, so an old result can be read (and re-scored) after the tables change.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.services.models import PriceBand, ServiceInstitution


class Dimension(models.TextChoices):
    FOUNDATION = "foundation", _("数字化基础")
    OPERATIONS = "operations", _("数字化经营")
    MANAGEMENT = "management", _("数字化管理")
    OUTCOMES = "outcomes", _("数字化成效")


class DigitalSelfTest(models.Model):
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("企业"),
        on_delete=models.CASCADE,
        related_name="digital_self_tests",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("填报时间"), default=timezone.now, db_index=True)
    sector = models.CharField(_("行业口径"), max_length=32)
    industry = models.CharField(_("填报时的行业代码"), max_length=5, blank=True, default="")
    items_version = models.CharField(_("题库版本"), max_length=64)
    items_digest = models.CharField(_("题库摘要"), max_length=16)
    answers = models.JSONField(_("答案"), default=dict)
    dimensions = models.JSONField(_("各维度结果"), default=list)
    total_score = models.DecimalField(_("自测总分"), max_digits=6, decimal_places=3)
    level = models.PositiveSmallIntegerField(_("等级（0 = 未达一级）"))
    level_label = models.CharField(_("等级名称"), max_length=40)
    level_ruleset = models.CharField(_("等级折算规则集"), max_length=64)
    level_2024 = models.PositiveSmallIntegerField(
        _("2024 年版暂定等级（第三方规则，待核实）"), null=True, blank=True
    )
    scenario_summary = models.JSONField(_("经营场景统计"), default=dict)
    weakest = models.JSONField(_("最弱维度"), default=list)
    profile_applied_at = models.DateTimeField(_("写入画像时间"), null=True, blank=True)
    profile_version = models.PositiveIntegerField(_("写入后的画像版本"), null=True, blank=True)
    apply_error = models.TextField(_("写入画像失败原因"), blank=True, default="")

    class Meta:
        verbose_name = _("数字化水平自测")
        verbose_name_plural = _("数字化水平自测")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.created_at:%Y-%m-%d} {self.level_label}"


class Solution(models.Model):
    """A 小快轻准 product: small, fast, light, precise; listed by an (approved) institution."""

    institution = models.ForeignKey(
        ServiceInstitution, verbose_name=_("服务机构"), on_delete=models.CASCADE, related_name="solutions"
    )
    title = models.CharField(_("方案名称"), max_length=200)
    description = models.TextField(_("方案介绍"))
    dimension = models.CharField(_("提升的维度"), max_length=16, choices=Dimension.choices, db_index=True)
    industries = models.CharField(
        _("适用行业（GB/T 4754 前缀）"), max_length=500
    )  # padded tokens; " * " = all
    price_band = models.CharField(_("收费区间"), max_length=16, choices=PriceBand.choices)
    deployment_days = models.PositiveSmallIntegerField(_("部署周期（天）"))
    contact = models.CharField(_("联系方式"), max_length=200)
    active = models.BooleanField(_("上架"), default=True)
    created_at = models.DateTimeField(_("发布时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("小快轻准方案")
        verbose_name_plural = _("小快轻准方案")
        ordering = ["dimension", "title", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def industry_tokens(self) -> list[str]:
        return [t for t in (self.industries or "").split() if t]
