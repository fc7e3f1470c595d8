"""A stored assessment: everything needed to show it again exactly as it was, and to audit it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Assessment(models.Model):
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.CASCADE, related_name="assessments"
    )
    created_at = models.DateTimeField(_("评价时间"), auto_now_add=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    ruleset_id = models.CharField(_("规则集"), max_length=64)  # e.g. cn-miit-2022 (+ overlay)
    ruleset_label = models.CharField(_("规则集名称"), max_length=200, blank=True, default="")
    engine_version = models.CharField(_("引擎版本"), max_length=32, blank=True, default="")
    as_of = models.DateField(_("评价基准日"))
    is_review = models.BooleanField(_("复核口径"), default=False)
    profile_version = models.PositiveIntegerField(_("画像版本"), default=0)
    input_snapshot = models.JSONField(_("输入快照（zjtx.profile/1）"))
    result = models.JSONField(_("评价结果（zh / en 两种语言的 zjtx.assessment/1）"))
    highest_tier = models.CharField(_("最高层级"), max_length=32, blank=True, default="none")
    # The tiers in display order (side tiers, then the ladder upwards): JSONB does not keep key order.
    tier_order = models.JSONField(_("层级顺序"), default=list, blank=True)

    class Meta:
        verbose_name = _("评价记录")
        verbose_name_plural = _("评价记录")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.ruleset_id} · {self.as_of}"

    def result_in(self, lang: str) -> dict:
        """The assessment JSON in the user's language (zh when English was not stored)."""
        return self.result.get("en" if lang.startswith("en") else "zh") or self.result["zh"]
