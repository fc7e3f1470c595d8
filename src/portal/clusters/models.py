"""The registry of 中小企业特色产业集群 and its member enterprises.

A cluster is county-based (its `region_code` is a 6-digit county code) and recognised either by
MIIT (national) or by a province (provincial). Changes happen only in clusters.actions.

Why former members are kept apart (`FormerMembership`) rather than flagged: every reader of
`ClusterMembership` (policy facts, pairing, dashboards) means "a member today"; only the yearly
statistics look back, and they need who was a member on a past year's last day.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ClusterLevel(models.TextChoices):
    NATIONAL = "national", _("国家级")
    PROVINCIAL = "provincial", _("省级")


class ClusterState(models.TextChoices):
    ACTIVE = "active", _("有效")
    REVOKED = "revoked", _("已撤销")


class MemberRole(models.TextChoices):
    LEADING = "leading", _("龙头企业")
    SUPPORTING = "supporting", _("配套企业")
    OTHER = "other", _("其他成员")


class Cluster(models.Model):
    name = models.CharField(_("集群名称"), max_length=200)
    level = models.CharField(_("集群层级"), max_length=16, choices=ClusterLevel.choices)
    year_recognised = models.PositiveIntegerField(_("认定年度"))
    region_code = models.CharField(_("所在县（区）代码"), max_length=6, db_index=True)
    industry_code = models.CharField(_("主导产业行业代码"), max_length=5)
    industry_text = models.CharField(_("主导产业"), max_length=200)
    operator_name = models.CharField(_("运营管理机构"), max_length=200)
    operator_contact = models.CharField(_("运营管理机构联系方式"), max_length=200, blank=True, default="")
    description = models.TextField(_("集群简介"), blank=True, default="")
    state = models.CharField(
        _("状态"), max_length=16, choices=ClusterState.choices, default=ClusterState.ACTIVE, db_index=True
    )
    state_reason = models.TextField(_("状态变更理由"), blank=True, default="")
    # the day the cluster was revoked (None while active): a past year's report still lists it
    revoked_on = models.DateField(_("撤销日期"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("中小企业特色产业集群")
        verbose_name_plural = _("中小企业特色产业集群")
        ordering = ["region_code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "region_code"], name="clusters_unique_name_per_county"),
        ]

    def __str__(self) -> str:
        return self.name


class ClusterMembership(models.Model):
    cluster = models.ForeignKey(
        Cluster, verbose_name=_("集群"), on_delete=models.CASCADE, related_name="memberships"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("企业"),
        on_delete=models.CASCADE,
        related_name="cluster_memberships",
    )
    joined = models.DateField(_("加入日期"))
    role = models.CharField(
        _("成员角色"), max_length=16, choices=MemberRole.choices, default=MemberRole.SUPPORTING
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("集群成员")
        verbose_name_plural = _("集群成员")
        ordering = ["cluster", "role", "enterprise__name"]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "enterprise"], name="clusters_one_membership"),
        ]

    def __str__(self) -> str:
        return f"{self.cluster.name} · {self.enterprise.name}"


class FormerMembership(models.Model):
    """A member taken off the list: when it had joined and left, so a past year's statistics still count it."""

    cluster = models.ForeignKey(
        Cluster, verbose_name=_("集群"), on_delete=models.CASCADE, related_name="former_memberships"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("企业"),
        on_delete=models.CASCADE,
        related_name="former_cluster_memberships",
    )
    role = models.CharField(_("成员角色"), max_length=16, choices=MemberRole.choices)
    joined = models.DateField(_("加入日期"))
    left = models.DateField(_("移出日期"))
    reason = models.TextField(_("移出理由"), blank=True, default="")
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("已移出的集群成员")
        verbose_name_plural = _("已移出的集群成员")
        ordering = ["cluster", "-left", "enterprise__name"]

    def __str__(self) -> str:
        return f"{self.cluster.name} · {self.enterprise.name}（{self.left.isoformat()}）"
