"""Service institutions, their offerings and enterprise demands (诉求) across the four-level network.

State changes happen only in services.actions (one function per transition: atomic, scope-checked,
optimistic on `version`, audited, notifying on commit). Regions served are stored as space-padded
prefix tokens (" 33 5101 ", " * " = nationwide) so "does this serve county X" is a portable LIKE query.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.accounts.roles import Role


class Level(models.TextChoices):
    COUNTY = "county", _("县级")
    CITY = "city", _("市级")
    PROVINCE = "province", _("省级")
    NATIONAL = "national", _("国家级")


class InstitutionKind(models.TextChoices):
    PUBLIC_AGENCY = "public_agency", _("公共服务机构")
    MARKET_PROVIDER = "market_provider", _("市场化服务机构")


class InstitutionState(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("未通过")
    SUSPENDED = "suspended", _("已暂停")


class Category(models.TextChoices):
    FINANCING = "financing", _("融资服务")
    DIGITAL_TRANSFORMATION = "digital_transformation", _("数字化转型")
    LEGAL = "legal", _("法律服务")
    IP = "ip", _("知识产权")
    TALENT = "talent", _("人才服务")
    TESTING_CERTIFICATION = "testing_certification", _("检验检测认证")
    MARKET_EXPANSION = "market_expansion", _("市场开拓")
    MANAGEMENT_CONSULTING = "management_consulting", _("管理咨询")
    POLICY_CONSULTING = "policy_consulting", _("政策咨询")


class PriceBand(models.TextChoices):
    FREE = "free", _("免费（公益）")
    UNDER_1 = "under_1", _("1 万元以下")
    FROM_1_TO_5 = "1_5", _("1–5 万元")
    FROM_5_TO_20 = "5_20", _("5–20 万元")
    OVER_20 = "over_20", _("20 万元以上")
    NEGOTIABLE = "negotiable", _("面议")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")


class DemandState(models.TextChoices):
    OPEN = "open", _("待响应")
    ANSWERED = "answered", _("已响应")
    CLOSED = "closed", _("已办结")
    WITHDRAWN = "withdrawn", _("已撤回")


NATIONWIDE = "*"


def pad_tokens(tokens) -> str:
    """' 33 5101 ': tokens padded with spaces so `contains(' 33 ')` matches one whole token."""
    clean = sorted({t for t in tokens if t})
    return f" {' '.join(clean)} " if clean else ""


def tokens_of(padded: str) -> list[str]:
    return [t for t in (padded or "").split() if t]


class ServiceInstitution(models.Model):
    """A public agency or market provider registered at one level and region, reviewed by that level's official."""

    name = models.CharField(_("机构名称"), max_length=200)
    kind = models.CharField(_("机构类型"), max_length=20, choices=InstitutionKind.choices)
    level = models.CharField(_("所在层级"), max_length=16, choices=Level.choices)
    region_code = models.CharField(_("所在地区代码"), max_length=6, blank=True, default="", db_index=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    contact_name = models.CharField(_("联系人"), max_length=100)
    contact_phone = models.CharField(_("联系电话"), max_length=20)
    contact_email = models.EmailField(_("电子邮箱"), blank=True, default="")
    description = models.TextField(_("机构简介"), blank=True, default="")
    state = models.CharField(
        _("状态"), max_length=16, choices=InstitutionState.choices, default=InstitutionState.PENDING
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reason = models.TextField(_("审核意见"), blank=True, default="")
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("服务机构")
        verbose_name_plural = _("服务机构")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProviderMembership(models.Model):
    """Which institution a provider user acts for (one institution per user)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="provider_membership",
    )
    institution = models.ForeignKey(
        ServiceInstitution, verbose_name=_("服务机构"), on_delete=models.CASCADE, related_name="memberships"
    )
    created_at = models.DateTimeField(_("加入时间"), default=timezone.now)

    class Meta:
        verbose_name = _("机构成员")
        verbose_name_plural = _("机构成员")

    def __str__(self) -> str:
        return f"{self.user} @ {self.institution}"

    def clean(self):
        """Only a provider account acts for an institution (the administrator adds it on the user's page)."""
        super().clean()
        if self.user_id and self.user.role != Role.PROVIDER:
            raise ValidationError(
                gettext("只有角色为“服务机构”的账户可以加入服务机构：请先把该账户的角色改为服务机构。")
            )


class Offering(models.Model):
    """One service an institution offers: category, price band, regions served, contact."""

    institution = models.ForeignKey(
        ServiceInstitution, verbose_name=_("服务机构"), on_delete=models.CASCADE, related_name="offerings"
    )
    category = models.CharField(_("服务类别"), max_length=32, choices=Category.choices, db_index=True)
    title = models.CharField(_("服务名称"), max_length=200)
    description = models.TextField(_("服务内容"))
    price_band = models.CharField(_("收费区间"), max_length=16, choices=PriceBand.choices)
    regions = models.CharField(_("服务地区（前缀）"), max_length=500)  # padded tokens, see pad_tokens
    contact = models.CharField(_("联系方式"), max_length=200)
    active = models.BooleanField(_("上架"), default=True)
    created_at = models.DateTimeField(_("发布时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("服务产品")
        verbose_name_plural = _("服务产品")
        ordering = ["category", "title", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def region_tokens(self) -> list[str]:
        return tokens_of(self.regions)


class Demand(models.Model):
    """An enterprise's need, routed to one responsible level and to matching providers."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("企业"),
        on_delete=models.CASCADE,
        related_name="service_demands",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提出人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    category = models.CharField(_("诉求类别"), max_length=32, choices=Category.choices, db_index=True)
    title = models.CharField(_("标题"), max_length=200)
    text = models.TextField(_("诉求内容"))
    urgency = models.CharField(_("紧急程度"), max_length=16, choices=Urgency.choices, default=Urgency.NORMAL)
    state = models.CharField(_("状态"), max_length=16, choices=DemandState.choices, default=DemandState.OPEN)
    routed_level = models.CharField(_("负责层级"), max_length=16, choices=Level.choices)
    routed_region = models.CharField(_("负责地区代码"), max_length=6, blank=True, default="")
    target_days = models.PositiveSmallIntegerField(_("响应时限（工作日）"))
    created_at = models.DateTimeField(_("提出时间"), default=timezone.now, db_index=True)
    due_on = models.DateField(_("最迟响应日期"))
    first_response_at = models.DateTimeField(_("首次响应时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("满意度（1–5）"), null=True, blank=True)
    comment = models.TextField(_("评价"), blank=True, default="")
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("企业诉求")
        verbose_name_plural = _("企业诉求")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class DemandMatch(models.Model):
    """A provider the demand was routed to when it was posted (approved, offers the category, serves the region)."""

    demand = models.ForeignKey(
        Demand, verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="matches"
    )
    institution = models.ForeignKey(
        ServiceInstitution,
        verbose_name=_("服务机构"),
        on_delete=models.CASCADE,
        related_name="demand_matches",
    )

    class Meta:
        verbose_name = _("诉求派送")
        verbose_name_plural = _("诉求派送")
        constraints = [models.UniqueConstraint(fields=["demand", "institution"], name="services_match_once")]


class DemandResponse(models.Model):
    """A reply to a demand by an official or a provider."""

    demand = models.ForeignKey(
        Demand, verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="responses"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("回复人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    institution = models.ForeignKey(
        ServiceInstitution,
        verbose_name=_("服务机构"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="responses",
    )
    organisation = models.CharField(_("回复单位"), max_length=200, blank=True, default="")
    text = models.TextField(_("回复内容"))
    created_at = models.DateTimeField(_("回复时间"), default=timezone.now)

    class Meta:
        verbose_name = _("诉求回复")
        verbose_name_plural = _("诉求回复")
        ordering = ["created_at", "id"]
