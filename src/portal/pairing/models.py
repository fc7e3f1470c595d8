"""Chain-leader needs (发榜), SME responses, leader flags, capability texts and cached embeddings.

Changes happen only in pairing.actions.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LeaderFlag(models.Model):
    """An enterprise an official marks as 链主 (chain leader), whatever its size class."""

    enterprise = models.OneToOneField(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.CASCADE, related_name="leader_flag"
    )
    active = models.BooleanField(_("有效"), default=True)
    reason = models.TextField(_("标记理由"), blank=True, default="")
    flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("标记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The role (level) that set the mark, kept apart from flagged_by: a user's role can change and an
    # account can be deleted, but who may withdraw the mark depends on the level that set it.
    flagged_level = models.CharField(_("标记层级"), max_length=16, blank=True, default="")
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("链主标记")
        verbose_name_plural = _("链主标记")

    def __str__(self) -> str:
        return f"链主 · {self.enterprise.name}"


class EnterpriseCapability(models.Model):
    """What an enterprise says it can do, in its own words: read by the pairing suggestions."""

    enterprise = models.OneToOneField(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.CASCADE, related_name="capability"
    )
    text = models.TextField(_("能力描述"), blank=True, default="")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("更新人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("企业能力描述")
        verbose_name_plural = _("企业能力描述")

    def __str__(self) -> str:
        return f"能力描述 · {self.enterprise.name}"


class NeedKind(models.TextChoices):
    SUPPLY = "supply", _("配套供应")
    CHALLENGE = "challenge", _("揭榜挂帅")
    SERVICE = "service", _("服务需求")


class NeedState(models.TextChoices):
    OPEN = "open", _("征集中")
    CLOSED = "closed", _("已关闭")


class Need(models.Model):
    leader = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("发布企业"),
        on_delete=models.CASCADE,
        related_name="pairing_needs",
    )
    kind = models.CharField(_("需求类型"), max_length=16, choices=NeedKind.choices)
    title = models.CharField(_("需求标题"), max_length=200)
    description = models.TextField(_("需求描述"))
    industry_codes = models.JSONField(_("期望行业代码"), default=list, blank=True)
    regions = models.JSONField(_("偏好地区代码"), default=list, blank=True)
    titles = models.JSONField(_("偏好称号"), default=list, blank=True)
    deadline = models.DateField(_("响应截止日期"))
    state = models.CharField(
        _("状态"), max_length=16, choices=NeedState.choices, default=NeedState.OPEN, db_index=True
    )
    close_note = models.TextField(_("关闭说明"), blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("发布时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("链主需求")
        verbose_name_plural = _("链主需求")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class ResponseState(models.TextChoices):
    SUBMITTED = "submitted", _("已响应")
    SHORTLISTED = "shortlisted", _("已入围")
    DECLINED = "declined", _("未入围")
    WITHDRAWN = "withdrawn", _("已撤回")


class NeedResponse(models.Model):
    need = models.ForeignKey(Need, verbose_name=_("需求"), on_delete=models.CASCADE, related_name="responses")
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("响应企业"),
        on_delete=models.CASCADE,
        related_name="pairing_responses",
    )
    proposal = models.TextField(_("响应方案"))
    state = models.CharField(
        _("状态"),
        max_length=16,
        choices=ResponseState.choices,
        default=ResponseState.SUBMITTED,
        db_index=True,
    )
    leader_note = models.TextField(_("发布企业意见"), blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("响应人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("响应时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("需求响应")
        verbose_name_plural = _("需求响应")
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["need", "enterprise"], name="pairing_one_response")]

    def __str__(self) -> str:
        return f"{self.enterprise.name} → {self.need.title}"


class EmbeddingCache(models.Model):
    """A text's embedding (float32 bytes), keyed by model and text hash: computed once, reused."""

    key = models.CharField(_("键"), max_length=64, unique=True)
    vector = models.BinaryField(_("向量"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("文本向量缓存")
        verbose_name_plural = _("文本向量缓存")
