"""The policy library: policies with eligibility in the rules engine's language, 免申即享 grants, pushes.

A policy's eligibility is a list of conditions (builder triples or raw expressions, the format of
policies/README.md) checked and compiled by the engine (rulebook.conditions through
portal.assessments.engine). State changes happen only in policies.actions.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models


class Level(models.TextChoices):
    NATIONAL = "national", "国家级"
    PROVINCE = "province", "省级"
    CITY = "city", "市级"
    COUNTY = "county", "区县级"


# How many leading digits of the issuer's region code make its area (the subtree it governs).
LEVEL_DIGITS = {Level.NATIONAL: 0, Level.PROVINCE: 2, Level.CITY: 4, Level.COUNTY: 6}


class BenefitType(models.TextChoices):
    SUBSIDY = "subsidy", "资金补贴"
    REWARD = "reward", "奖励"
    LOAN_INTEREST = "loan_interest", "贷款贴息"
    TAX = "tax", "税收优惠"
    VOUCHER = "voucher", "服务券"
    TITLE = "title", "称号认定"
    OTHER = "other", "其他"


class BenefitBasis(models.TextChoices):
    FIXED = "fixed", "固定金额"
    CAP = "cap", "最高金额"
    FORMULA = "formula", "按比例或公式"
    NONE = "none", "不涉及金额"


class Status(models.TextChoices):
    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "已发布"
    EXPIRED = "expired", "已失效"
    WITHDRAWN = "withdrawn", "已撤回"


class Grade(models.TextChoices):
    A = "A", "A：政府网站或多个独立来源一致"
    B = "B", "B：仅见第三方转载"
    C = "C", "C：待核实"


class Topic(models.TextChoices):
    SPECIALIZED = "specialized", "专精特新培育"
    RD = "rd", "研发创新"
    TAX = "tax", "税费减免"
    DIGITAL = "digital", "数字化转型"
    FINANCE = "finance", "融资与贴息"
    TALENT = "talent", "人才"
    CLUSTER = "cluster", "产业集群"
    GROWTH = "growth", "规模成长"


class Policy(models.Model):
    title = models.CharField("政策名称", max_length=300)
    key = models.SlugField(
        "导入标识", max_length=80, unique=True, null=True, blank=True
    )  # stable id of YAML imports
    level = models.CharField("发布层级", max_length=16, choices=Level.choices)
    region_code = models.CharField(
        "发布机关所在地区代码", max_length=6, blank=True, default=""
    )  # '' = national
    region_prefix = models.CharField(
        "适用地区（代码前缀）", max_length=6, blank=True, default="", db_index=True
    )
    department = models.CharField("发文机关", max_length=200)
    document_number = models.CharField("文号", max_length=100, blank=True, default="")
    publish_date = models.DateField("发布日期", null=True, blank=True)
    apply_from = models.DateField("申报开始", null=True, blank=True)
    apply_until = models.DateField("申报截止", null=True, blank=True)
    expires_on = models.DateField("有效期至", null=True, blank=True)
    benefit_type = models.CharField("支持方式", max_length=16, choices=BenefitType.choices)
    benefit_basis = models.CharField(
        "金额方式", max_length=16, choices=BenefitBasis.choices, default=BenefitBasis.NONE
    )
    benefit_amount = models.DecimalField("金额（元）", max_digits=16, decimal_places=2, null=True, blank=True)
    benefit_text = models.CharField("支持内容", max_length=500, blank=True, default="")
    summary = models.TextField("摘要", blank=True, default="")
    full_text = models.TextField("政策原文或摘录", blank=True, default="")
    sources = models.JSONField("来源网址", default=list, blank=True)
    topics = models.JSONField("主题", default=list, blank=True)
    conditions = models.JSONField("申报条件", default=list, blank=True)
    expression = models.TextField("条件表达式（由条件生成）", blank=True, default="")
    no_application = models.BooleanField("免申即享", default=False)
    grade = models.CharField("可信度", max_length=1, choices=Grade.choices, default=Grade.B)
    is_example = models.BooleanField("示例（虚构）", default=False)
    status = models.CharField(
        "状态", max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    search_text = models.TextField("检索分词", blank=True, default="")
    version = models.PositiveIntegerField("版本", default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)

    class Meta:
        verbose_name = "政策"
        verbose_name_plural = "政策"
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

    def deadline(self) -> dt.date | None:
        return self.apply_until or self.expires_on


class Attachment(models.Model):
    policy = models.ForeignKey(
        Policy, verbose_name="政策", on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField("文件", upload_to="policies/%Y/")
    original_name = models.CharField("文件名", max_length=200)
    content_type = models.CharField("类型", max_length=100)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "政策附件"
        verbose_name_plural = "政策附件"
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class GrantStatus(models.TextChoices):
    PENDING = "pending", "待兑付"
    PAID = "paid", "已兑付"
    REFUSED = "refused", "不予兑付"


class Grant(models.Model):
    """免申即享: an enterprise on a confirmed eligible list, and the payout's status."""

    policy = models.ForeignKey(Policy, verbose_name="政策", on_delete=models.PROTECT, related_name="grants")
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name="企业", on_delete=models.PROTECT, related_name="policy_grants"
    )
    region = models.CharField("企业注册地", max_length=6, db_index=True)
    amount = models.DecimalField("金额（元）", max_digits=16, decimal_places=2, null=True, blank=True)
    status = models.CharField(
        "兑付状态", max_length=16, choices=GrantStatus.choices, default=GrantStatus.PENDING
    )
    reason = models.TextField("说明", blank=True, default="")
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_at = models.DateTimeField("确认时间", auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="兑付处理人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField("兑付处理时间", null=True, blank=True)
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "免申即享兑现"
        verbose_name_plural = "免申即享兑现"
        ordering = ["-confirmed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "enterprise"], name="policies_one_grant_per_enterprise")
        ]

    def __str__(self) -> str:
        return f"{self.policy} · {self.enterprise}"


class PushRecord(models.Model):
    """A policy was announced to an enterprise: at most once per (policy, enterprise)."""

    policy = models.ForeignKey(Policy, verbose_name="政策", on_delete=models.CASCADE, related_name="pushes")
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name="企业", on_delete=models.CASCADE, related_name="policy_pushes"
    )
    trigger = models.CharField("触发原因", max_length=32)  # published | profile_changed
    sent_at = models.DateTimeField("推送时间", auto_now_add=True)

    class Meta:
        verbose_name = "政策推送记录"
        verbose_name_plural = "政策推送记录"
        constraints = [models.UniqueConstraint(fields=["policy", "enterprise"], name="policies_push_once")]

    def __str__(self) -> str:
        return f"{self.policy} → {self.enterprise}"


class Subscription(models.Model):
    """What an enterprise wants pushed: topics and levels (empty = all), and whether by email too."""

    enterprise = models.OneToOneField(
        "enterprises.Enterprise",
        verbose_name="企业",
        on_delete=models.CASCADE,
        related_name="policy_subscription",
    )
    topics = models.JSONField("主题", default=list, blank=True)
    levels = models.JSONField("层级", default=list, blank=True)
    email = models.BooleanField("同时发送电子邮件", default=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "政策订阅"
        verbose_name_plural = "政策订阅"

    def __str__(self) -> str:
        return str(self.enterprise)

    def wants(self, policy: Policy) -> bool:
        if self.levels and policy.level not in self.levels:
            return False
        return not self.topics or bool(set(self.topics) & set(policy.topics or []))
