"""The policy library: policies with eligibility in the rules engine's language, 免申即享 grants, pushes.

A policy's eligibility is a list of conditions (builder triples or raw expressions, the format of
policies/README.md) checked and compiled by the engine (rulebook.conditions through
portal.assessments.engine). State changes happen only in policies.actions.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.accounts.roles import PREFIX_DIGITS
from portal.stored_files import StoredFile


class Level(models.TextChoices):
    NATIONAL = "national", _("国家级")
    PROVINCE = "province", _("省级")
    CITY = "city", _("市级")
    COUNTY = "county", pgettext_lazy("issuer level", "区县级")  # "County", beside "City"; not the region kind


# How many leading digits of the issuer's region code make its area: the same rule as officials' scope.
LEVEL_DIGITS = PREFIX_DIGITS


class BenefitType(models.TextChoices):
    SUBSIDY = "subsidy", _("资金补贴")
    REWARD = "reward", _("奖励")
    LOAN_INTEREST = "loan_interest", _("贷款贴息")
    TAX = "tax", _("税收优惠")
    VOUCHER = "voucher", _("服务券")
    TITLE = "title", _("称号认定")
    OTHER = "other", _("其他")


class BenefitBasis(models.TextChoices):
    FIXED = "fixed", _("固定金额")
    CAP = "cap", _("最高金额")
    FORMULA = "formula", _("按比例或公式")
    NONE = "none", _("不涉及金额")


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    EXPIRED = "expired", _("已失效")
    WITHDRAWN = "withdrawn", _("已撤回")


class Grade(models.TextChoices):
    A = "A", _("A：政府网站或多个独立来源一致")
    B = "B", _("B：仅见第三方转载")
    C = "C", _("C：待核实")


class Topic(models.TextChoices):
    SPECIALIZED = "specialized", _("专精特新培育")
    RD = "rd", _("研发创新")
    TAX = "tax", _("税费减免")
    DIGITAL = "digital", _("数字化转型")
    FINANCE = "finance", _("融资与贴息")
    TALENT = "talent", _("人才")
    CLUSTER = "cluster", _("产业集群")
    GROWTH = "growth", _("规模成长")


class Policy(models.Model):
    title = models.CharField(_("政策名称"), max_length=300)
    key = models.SlugField(
        _("导入标识"), max_length=80, unique=True, null=True, blank=True
    )  # stable id of YAML imports
    level = models.CharField(_("发布层级"), max_length=16, choices=Level.choices)
    region_code = models.CharField(
        _("发布机关所在地区代码"), max_length=6, blank=True, default=""
    )  # '' = national
    region_prefix = models.CharField(
        _("适用地区（代码前缀）"), max_length=6, blank=True, default="", db_index=True
    )
    department = models.CharField(_("发文机关"), max_length=200)
    document_number = models.CharField(_("文号"), max_length=100, blank=True, default="")
    publish_date = models.DateField(_("发布日期"), null=True, blank=True)
    apply_from = models.DateField(_("申报开始"), null=True, blank=True)
    apply_until = models.DateField(_("申报截止"), null=True, blank=True)
    expires_on = models.DateField(_("有效期至"), null=True, blank=True)
    benefit_type = models.CharField(_("支持方式"), max_length=16, choices=BenefitType.choices)
    benefit_basis = models.CharField(
        _("金额方式"), max_length=16, choices=BenefitBasis.choices, default=BenefitBasis.NONE
    )
    benefit_amount = models.DecimalField(
        _("金额（元）"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    benefit_text = models.CharField(_("支持内容"), max_length=500, blank=True, default="")
    summary = models.TextField(_("摘要"), blank=True, default="")
    full_text = models.TextField(_("政策原文或摘录"), blank=True, default="")
    sources = models.JSONField(_("来源网址"), default=list, blank=True)
    topics = models.JSONField(_("主题"), default=list, blank=True)
    conditions = models.JSONField(_("申报条件"), default=list, blank=True)
    expression = models.TextField(_("条件表达式（由条件生成）"), blank=True, default="")
    no_application = models.BooleanField(_("免申即享"), default=False)
    grade = models.CharField(_("可信度"), max_length=1, choices=Grade.choices, default=Grade.B)
    is_example = models.BooleanField(_("示例（虚构）"), default=False)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    search_text = models.TextField(_("检索分词"), blank=True, default="")
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("政策")
        verbose_name_plural = _("政策")
        ordering = ["-publish_date", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def unverified(self) -> bool:
        """[C] grade: shown as 待核实 and never pushed or granted automatically."""
        return self.grade == Grade.C

    def is_open(self, day: dt.date) -> bool:
        """Published, in force, and inside its application window (an open bound is no bound)."""
        return (
            self.status == Status.PUBLISHED
            and (self.expires_on is None or self.expires_on >= day)
            and (self.apply_from is None or self.apply_from <= day)
            and (self.apply_until is None or self.apply_until >= day)
        )

    def in_force(self, day: dt.date) -> bool:
        return self.status == Status.PUBLISHED and (self.expires_on is None or self.expires_on >= day)

    def window_closed(self, day: dt.date) -> bool:
        """The application deadline has passed (a policy without one never closes)."""
        return self.apply_until is not None and self.apply_until < day

    def deadline(self) -> dt.date | None:
        return self.apply_until or self.expires_on


class Attachment(StoredFile):
    """A file attached to a policy (the notice, forms); downloadable by whoever may see the policy."""

    policy = models.ForeignKey(
        Policy, verbose_name=_("政策"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("文件"), upload_to="policies/%Y/")
    # Redeclared: these columns predate StoredFile and differ in length and label (changing them
    # would be a schema change; actions.add_attachment trims the name to 200).
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=100)

    class Meta(StoredFile.Meta):
        verbose_name = _("政策附件")
        verbose_name_plural = _("政策附件")


class GrantStatus(models.TextChoices):
    PENDING = "pending", _("待兑付")
    PAID = "paid", _("已兑付")
    REFUSED = "refused", _("不予兑付")


class Grant(models.Model):
    """免申即享: an enterprise on a confirmed eligible list, and the payout's status."""

    policy = models.ForeignKey(
        Policy, verbose_name=_("政策"), on_delete=models.PROTECT, related_name="grants"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("企业"),
        on_delete=models.PROTECT,
        related_name="policy_grants",
    )
    region = models.CharField(_("企业注册地"), max_length=6, db_index=True)
    amount = models.DecimalField(_("金额（元）"), max_digits=16, decimal_places=2, null=True, blank=True)
    status = models.CharField(
        _("兑付状态"), max_length=16, choices=GrantStatus.choices, default=GrantStatus.PENDING
    )
    reason = models.TextField(_("说明"), blank=True, default="")
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("确认时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("兑付处理人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("兑付处理时间"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("免申即享兑现")
        verbose_name_plural = _("免申即享兑现")
        ordering = ["-confirmed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "enterprise"], name="policies_one_grant_per_enterprise")
        ]

    def __str__(self) -> str:
        return f"{self.policy} · {self.enterprise}"


class PushRecord(models.Model):
    """A policy was announced to an enterprise: at most once per (policy, enterprise)."""

    policy = models.ForeignKey(
        Policy, verbose_name=_("政策"), on_delete=models.CASCADE, related_name="pushes"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("企业"),
        on_delete=models.CASCADE,
        related_name="policy_pushes",
    )
    trigger = models.CharField(_("触发原因"), max_length=32)  # published | profile_changed | cluster_state
    sent_at = models.DateTimeField(_("推送时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("政策推送记录")
        verbose_name_plural = _("政策推送记录")
        constraints = [models.UniqueConstraint(fields=["policy", "enterprise"], name="policies_push_once")]

    def __str__(self) -> str:
        return f"{self.policy} → {self.enterprise}"


class Subscription(models.Model):
    """What an enterprise wants pushed: topics and levels (empty = all), and whether by email too."""

    enterprise = models.OneToOneField(
        "enterprises.Enterprise",
        verbose_name=_("企业"),
        on_delete=models.CASCADE,
        related_name="policy_subscription",
    )
    topics = models.JSONField(_("主题"), default=list, blank=True)
    levels = models.JSONField(pgettext_lazy("level", "层级"), default=list, blank=True)
    email = models.BooleanField(_("同时发送电子邮件"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("政策订阅")
        verbose_name_plural = _("政策订阅")

    def __str__(self) -> str:
        return str(self.enterprise)

    def wants(self, policy: Policy) -> bool:
        if self.levels and policy.level not in self.levels:
            return False
        return not self.topics or bool(set(self.topics) & set(policy.topics or []))
