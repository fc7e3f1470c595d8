"""An enterprise and its profile.

The profile is stored whole as the exchange document `zjtx.profile/1` (shared/spec/profile.md):
money in yuan as exact JSON numbers, years as string keys. The columns beside it (name,
credit code, region, industry) are copies kept for indexing and region scoping, written
only by enterprises.actions together with the document.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class EnterpriseQuerySet(models.QuerySet):
    def in_region(self, prefix: str):
        return self.filter(region__startswith=prefix) if prefix else self


class Enterprise(models.Model):
    name = models.CharField(_("企业名称"), max_length=200)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    region = models.CharField(_("注册地（县级行政区划代码）"), max_length=6, db_index=True)
    industry = models.CharField(_("国民经济行业代码"), max_length=5, blank=True, default="", db_index=True)
    profile = models.JSONField(_("企业画像（zjtx.profile/1）"), default=dict)
    version = models.PositiveIntegerField(_("版本"), default=1)  # optimistic locking for profile edits
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = EnterpriseQuerySet.as_manager()

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = _("企业")
        ordering = ["name"]
        # The directory pages by name: without it every page sorted the whole region's rows, a
        # sequential scan of the table with its profiles (province of 50,000: 0.1 s per page).
        indexes = [models.Index(fields=["name", "id"], name="enterprise_name_idx")]

    def __str__(self) -> str:
        return self.name
