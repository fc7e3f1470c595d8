"""Batches, applications and recognitions of the ladder (criteria notes §1.3, 2026 notes §1.4–1.5).

State changes happen only in cultivation.actions: one function per transition, atomic, region-
and role-checked, optimistic on `version`, audited, notifying the enterprise on commit.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.stored_files import StoredFile


class Tier(models.TextChoices):
    INNOVATIVE = "innovative", _("创新型中小企业")
    TECH_INNOVATIVE = "tech_innovative", _("科技和创新型中小企业")
    SPECIALIZED = "specialized", _("专精特新中小企业")
    LITTLE_GIANT = "little_giant", _("专精特新“小巨人”企业")


class Level(models.TextChoices):
    COUNTY = "county", _("县级")
    CITY = "city", _("市级")
    PROVINCE = "province", _("省级")
    NATIONAL = "national", _("国家级")


class Batch(models.Model):
    """An annual round for one tier, opened by the responsible level for its region."""

    tier = models.CharField(_("层级"), max_length=32, choices=Tier.choices)
    year = models.PositiveIntegerField(_("年度"))
    name = models.CharField(_("批次名称"), max_length=200)
    level = models.CharField(_("组织层级"), max_length=16, choices=Level.choices)
    region_code = models.CharField(_("组织地区代码"), max_length=6, blank=True, default="")  # '' = national
    review_level = models.CharField(_("初审层级"), max_length=16, choices=Level.choices, default=Level.CITY)
    opens_on = models.DateField(_("开始日期"))
    closes_on = models.DateField(_("截止日期"))
    notice_days = models.PositiveSmallIntegerField(_("公示天数"), default=5)
    ruleset_id = models.CharField(_("规则集（空 = 提交日有效的规则）"), max_length=64, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("申报批次")
        verbose_name_plural = _("申报批次")
        ordering = ["-year", "tier", "name"]

    def __str__(self) -> str:
        return self.name

    def is_open(self, day: dt.date) -> bool:
        return self.opens_on <= day <= self.closes_on


class ApplicationState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审核")
    RETURNED = "returned", _("退回修改")
    REJECTED = "rejected", _("未通过")
    RECOMMENDED = "recommended", _("已推荐，待国家级审核")
    IN_NOTICE = "in_notice", _("公示中")
    NOTICE_ENDED = "notice_ended", _("公示期满，待认定")
    RECOGNISED = "recognised", _("已认定")
    WITHDRAWN = "withdrawn", _("已撤回")


# An application in one of these states is still "live": an enterprise has at most one per tier.
LIVE_STATES = (
    ApplicationState.DRAFT,
    ApplicationState.SUBMITTED,
    ApplicationState.RETURNED,
    ApplicationState.RECOMMENDED,
    ApplicationState.IN_NOTICE,
    ApplicationState.NOTICE_ENDED,
)


class ApplicationKind(models.TextChoices):
    NEW = "new", _("新申请")
    RE_REVIEW = "re_review", _("复核")


class Application(models.Model):
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("企业"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    batch = models.ForeignKey(
        Batch, verbose_name=_("批次"), on_delete=models.PROTECT, related_name="applications"
    )
    tier = models.CharField(_("申报层级"), max_length=32, choices=Tier.choices)
    kind = models.CharField(
        _("类型"), max_length=16, choices=ApplicationKind.choices, default=ApplicationKind.NEW
    )
    renews = models.ForeignKey(
        "Recognition",
        verbose_name=_("复核的认定"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="re_reviews",
    )
    state = models.CharField(
        _("状态"),
        max_length=16,
        choices=ApplicationState.choices,
        default=ApplicationState.DRAFT,
        db_index=True,
    )
    version = models.PositiveIntegerField(_("版本"), default=1)  # optimistic locking
    # Frozen at submission: the profile as submitted and its assessment (replayable at every level).
    profile_snapshot = models.JSONField(_("提交时的企业画像"), null=True, blank=True)
    assessment = models.ForeignKey(
        "assessments.Assessment",
        verbose_name=_("提交时的评价"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    declaration_text = models.TextField(_("真实性声明"), blank=True, default="")
    declaration_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("声明签署人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    declaration_signed_at = models.DateTimeField(_("声明签署时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("最近审核时间"), null=True, blank=True)
    last_reason = models.TextField(_("最近审核意见"), blank=True, default="")
    notice_starts = models.DateField(_("公示开始"), null=True, blank=True)
    notice_ends = models.DateField(_("公示结束"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("申报")
        verbose_name_plural = _("申报")
        ordering = ["-updated_at", "-id"]
        constraints = [
            # The database, not only the action, keeps "one live application per enterprise and tier".
            models.UniqueConstraint(
                fields=["enterprise", "tier"],
                condition=models.Q(state__in=LIVE_STATES),
                name="cultivation_one_live_application_per_tier",
            ),
        ]
        indexes = [models.Index(fields=["state", "notice_ends"], name="cultivation_app_notice_idx")]

    def __str__(self) -> str:
        return f"{self.enterprise.name} · {self.get_tier_display()} · {self.batch.year}"


class Evidence(StoredFile):
    """A supporting document; the file lives under DATA_DIR/media and is served only by a checked view.

    Name, type, size, uploader and time come from StoredFile; the SHA-256 is evidence's own (it is
    shown to officials and sent with the application to the national node).
    """

    application = models.ForeignKey(
        Application, verbose_name=_("申报"), on_delete=models.CASCADE, related_name="evidence"
    )
    file = models.FileField(_("文件"), upload_to="evidence/%Y/%m/")
    sha256 = models.CharField("SHA-256", max_length=64)
    description = models.CharField(_("说明"), max_length=200, blank=True, default="")

    class Meta(StoredFile.Meta):
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")


class Objection(models.Model):
    """An objection received during public notice (公示), and how it was resolved."""

    class Outcome(models.TextChoices):
        UPHELD = "upheld", _("异议成立")
        DISMISSED = "dismissed", _("异议不成立")

    application = models.ForeignKey(
        Application, verbose_name=_("申报"), on_delete=models.CASCADE, related_name="objections"
    )
    objector = models.CharField(_("异议人"), max_length=200, blank=True, default="")
    text = models.TextField(_("异议内容"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    outcome = models.CharField(_("处理结果"), max_length=16, choices=Outcome.choices, blank=True, default="")
    resolution = models.TextField(_("处理说明"), blank=True, default="")
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")
        ordering = ["recorded_at", "id"]


class RecognitionStatus(models.TextChoices):
    ACTIVE = "active", _("有效")
    EXPIRED = "expired", _("已过期")
    REVOKED = "revoked", _("已撤销")


class Recognition(models.Model):
    """A title held by an enterprise; valid three years; checkable by anyone via its verification code."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("企业"),
        on_delete=models.PROTECT,
        related_name="recognitions",
    )
    tier = models.CharField(_("层级"), max_length=32, choices=Tier.choices)
    application = models.OneToOneField(
        Application,
        verbose_name=_("申报"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recognition",
    )
    certificate_no = models.CharField(_("证书编号"), max_length=40, unique=True)
    verification_code = models.CharField(_("验证码"), max_length=16, unique=True)
    valid_from = models.DateField(_("有效期起"))
    valid_until = models.DateField(_("有效期止"))
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=RecognitionStatus.choices,
        default=RecognitionStatus.ACTIVE,
        db_index=True,
    )
    issued_by_level = models.CharField(_("认定层级"), max_length=16, choices=Level.choices)
    issued_by_region = models.CharField(_("认定地区代码"), max_length=6, blank=True, default="")
    recognised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("认定人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_reason = models.TextField(_("撤销理由"), blank=True, default="")
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    def certified(self) -> tuple[str, str]:
        """(name, 统一社会信用代码) the certificate was issued to: as the application submitted them, so that a later
        edit of the profile does not change whom a certificate vouches for (the live ones without an application)."""
        snap = (self.application.profile_snapshot if self.application_id else None) or {}
        return (
            snap.get("name") or self.enterprise.name,
            snap.get("credit_code") or self.enterprise.credit_code,
        )

    class Meta:
        verbose_name = _("认定")
        verbose_name_plural = _("认定")
        ordering = ["-valid_from", "-id"]
        indexes = [models.Index(fields=["status", "valid_until"], name="cultivation_rec_expiry_idx")]

    def __str__(self) -> str:
        return f"{self.enterprise.name} · {self.get_tier_display()} · {self.certificate_no}"


class ChangeKind(models.TextChoices):
    RENAME = "rename", _("更名")
    MERGER = "merger", _("合并")
    REORGANISATION = "reorganisation", _("重组")
    RELOCATION = "relocation", _("跨省迁移")
    OVERSEAS_BRANCH = "overseas_branch", _("设立境外分支机构")
    OTHER = "other", _("其他重大变化")


class ChangeReport(models.Model):
    """A major-change report (重大变化情况报告), due within the period of the measures' procedure data
    (`engine.procedure_on(occurred_on).change_report_months`)."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("待审核")
        ACCEPTED = "accepted", _("已确认，认定继续有效")
        REVOKED = "revoked", _("认定已撤销")
        EXPIRED = "expired", _("认定已到期，不再审核")

    recognition = models.ForeignKey(
        Recognition, verbose_name=_("认定"), on_delete=models.PROTECT, related_name="change_reports"
    )
    kind = models.CharField(_("变化类型"), max_length=20, choices=ChangeKind.choices)
    occurred_on = models.DateField(_("变化发生日期"))
    description = models.TextField(_("变化情况说明"))
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    filed_at = models.DateTimeField(_("填报时间"), auto_now_add=True)
    # the reporting period is procedure data (criteria/*/procedure.yaml), not part of the label
    late = models.BooleanField(_("逾期填报（超过规定的报告期限）"), default=False)
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.SUBMITTED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decision_note = models.TextField(_("审核意见"), blank=True, default="")

    class Meta:
        verbose_name = _("重大变化报告")
        verbose_name_plural = _("重大变化报告")
        ordering = ["-filed_at", "-id"]
