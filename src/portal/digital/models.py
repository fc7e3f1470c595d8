"""Digital self-tests of enterprises and the 小快轻准 solutions providers list.

A DigitalSelfTest keeps the full answers with the version and digest of the item tables they
were scored against, so an old result can be read (and re-scored) after the tables change.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from portal.services.models import PriceBand, ServiceInstitution


class Dimension(models.TextChoices):
    FOUNDATION = "foundation", "数字化基础"
    OPERATIONS = "operations", "数字化经营"
    MANAGEMENT = "management", "数字化管理"
    OUTCOMES = "outcomes", "数字化成效"


class DigitalSelfTest(models.Model):
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name="企业",
        on_delete=models.CASCADE,
        related_name="digital_self_tests",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="填报人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("填报时间", default=timezone.now, db_index=True)
    sector = models.CharField("行业口径", max_length=32)
    industry = models.CharField("填报时的行业代码", max_length=5, blank=True, default="")
    items_version = models.CharField("题库版本", max_length=64)
    items_digest = models.CharField("题库摘要", max_length=16)
    answers = models.JSONField("答案", default=dict)
    dimensions = models.JSONField("各维度结果", default=list)
    total_score = models.DecimalField("自测总分", max_digits=6, decimal_places=3)
    level = models.PositiveSmallIntegerField("等级（0 = 未达一级）")
    level_label = models.CharField("等级名称", max_length=40)
    level_ruleset = models.CharField("等级折算规则集", max_length=64)
    level_2024 = models.PositiveSmallIntegerField(
        "2024 年版暂定等级（第三方规则，待核实）", null=True, blank=True
    )
    scenario_summary = models.JSONField("经营场景统计", default=dict)
    weakest = models.JSONField("最弱维度", default=list)
    profile_applied_at = models.DateTimeField("写入画像时间", null=True, blank=True)
    profile_version = models.PositiveIntegerField("写入后的画像版本", null=True, blank=True)
    apply_error = models.TextField("写入画像失败原因", blank=True, default="")

    class Meta:
        verbose_name = "数字化水平自测"
        verbose_name_plural = "数字化水平自测"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.created_at:%Y-%m-%d} {self.level_label}"


class Solution(models.Model):
    """A 小快轻准 product: small, fast, light, precise; listed by an (approved) institution."""

    institution = models.ForeignKey(
        ServiceInstitution, verbose_name="服务机构", on_delete=models.CASCADE, related_name="solutions"
    )
    title = models.CharField("方案名称", max_length=200)
    description = models.TextField("方案介绍")
    dimension = models.CharField("提升的维度", max_length=16, choices=Dimension.choices, db_index=True)
    industries = models.CharField("适用行业（GB/T 4754 前缀）", max_length=500)  # padded tokens; " * " = all
    price_band = models.CharField("收费区间", max_length=16, choices=PriceBand.choices)
    deployment_days = models.PositiveSmallIntegerField("部署周期（天）")
    contact = models.CharField("联系方式", max_length=200)
    active = models.BooleanField("上架", default=True)
    created_at = models.DateTimeField("发布时间", default=timezone.now)
    updated_at = models.DateTimeField("更新时间", default=timezone.now)
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "小快轻准方案"
        verbose_name_plural = "小快轻准方案"
        ordering = ["dimension", "title", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def industry_tokens(self) -> list[str]:
        return [t for t in (self.industries or "").split() if t]
