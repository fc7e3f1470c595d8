"""Tables of the interconnection: who our peers are, what we publish, what we received and refused.

Publishing side: FeedEntry is the append-only, signed change feed; FeedHead holds its last
sequence number and is locked while an entry is appended, so sequence numbers commit in order and
a reader never skips an entry that commits late. Forwarded remembers each application this
installation recommended upward.

Receiving side: Peer is a configured child or parent with its cursor; Received is the latest
applied version of each record per peer (the idempotency key); Origin marks local rows that are
read-only copies of another installation's records; Quarantine keeps what failed verification.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .node import LEVEL_NAMES

LEVEL_CHOICES = [(level, _(name)) for level, name in LEVEL_NAMES.items()]


class Relation(models.TextChoices):
    CHILD = "child", _("下级节点")
    PARENT = "parent", _("上级节点")


class Peer(models.Model):
    name = models.CharField(_("名称"), max_length=100, unique=True)
    node_id = models.CharField(_("节点标识"), max_length=40, unique=True)
    level = models.CharField(pgettext_lazy("level", "层级"), max_length=16, choices=LEVEL_CHOICES)
    region = models.CharField(_("地区代码"), max_length=6, blank=True, default="")
    relation = models.CharField(_("关系"), max_length=8, choices=Relation.choices)
    url = models.URLField(_("地址"), max_length=300)
    public_key = models.CharField(_("公钥（Base64）"), max_length=64)
    enabled = models.BooleanField(_("启用"), default=True)
    cursor = models.PositiveBigIntegerField(_("已读取到的序号"), default=0)
    last_pull_at = models.DateTimeField(_("最近同步时间"), null=True, blank=True)
    last_pull_ok = models.BooleanField(_("最近同步成功"), null=True, blank=True)
    last_error = models.TextField(_("最近同步错误"), blank=True, default="")
    last_seen_at = models.DateTimeField(_("对方最近读取本节点的时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("添加时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("互联节点")
        verbose_name_plural = _("互联节点")
        ordering = ["relation", "name"]

    def __str__(self) -> str:
        return f"{self.name}（{self.node_id}）"

    @property
    def prefix(self) -> str:
        from .node import region_prefix

        return region_prefix(self.level, self.region)


class FeedHead(models.Model):
    """One row (pk=1): the last sequence number handed out."""

    last_sequence = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("变更流序号")
        verbose_name_plural = _("变更流序号")


class AppendOnly(Exception):
    pass


class FeedEntry(models.Model):
    """One signed record of the feed. `body` is the exact canonical JSON the signature covers."""

    sequence = models.PositiveBigIntegerField(_("序号"), unique=True)
    audience = models.CharField(_("接收方"), max_length=40, db_index=True)  # "parent" or a child's node id
    kind = models.CharField(_("记录类型"), max_length=40)
    object_id = models.CharField(_("对象编号"), max_length=64)
    version = models.PositiveIntegerField(_("版本"))
    region = models.CharField(_("地区代码"), max_length=6, db_index=True)
    body = models.TextField(_("记录（规范化 JSON）"))
    signature = models.CharField(_("签名"), max_length=100)
    created_at = models.DateTimeField(_("写入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("变更记录")
        verbose_name_plural = _("变更记录")
        ordering = ["sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["audience", "kind", "object_id", "version"], name="exchange_entry_version_once"
            )
        ]
        indexes = [models.Index(fields=["audience", "sequence"], name="exchange_feed_page_idx")]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnly(f"变更记录 #{self.sequence} 已发布，不能修改：请发布新版本。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly(f"变更记录 #{self.sequence} 已发布，不能删除。")

    def as_entry(self) -> dict:
        entry = json.loads(self.body)
        entry["signature"] = self.signature
        return entry

    def payload(self) -> dict:
        return json.loads(self.body).get("payload") or {}


class Forwarded(models.Model):
    """An application this installation recommended to its parent, and the parent's latest decision."""

    application = models.ForeignKey(
        "cultivation.Application", verbose_name=_("申报"), on_delete=models.PROTECT, related_name="+"
    )
    peer = models.ForeignKey(
        Peer, verbose_name=_("上级节点"), on_delete=models.PROTECT, related_name="forwarded"
    )
    state = models.CharField(_("报送时状态"), max_length=16)
    submitted_at = models.DateTimeField(_("对应的提交时间"), null=True, blank=True)
    note = models.TextField(_("推荐意见"), blank=True, default="")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("推荐人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("推荐时间"), auto_now_add=True)
    sequence = models.PositiveBigIntegerField(_("变更记录序号"), null=True, blank=True)
    decision_state = models.CharField(_("上级决定"), max_length=16, blank=True, default="")
    decision_reason = models.TextField(_("上级意见"), blank=True, default="")
    decided_at = models.DateTimeField(_("上级决定时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("向上级推荐")
        verbose_name_plural = _("向上级推荐")
        ordering = ["-at", "-id"]


class Received(models.Model):
    """The latest applied version of one record from one peer: (peer, kind, object id) → version."""

    peer = models.ForeignKey(
        Peer, verbose_name=_("来源节点"), on_delete=models.PROTECT, related_name="received"
    )
    kind = models.CharField(_("记录类型"), max_length=40)
    object_id = models.CharField(_("对象编号"), max_length=64)
    version = models.PositiveIntegerField(_("版本"))
    sequence = models.PositiveBigIntegerField(_("序号"))
    region = models.CharField(_("地区代码"), max_length=6, db_index=True)
    payload = models.JSONField(_("内容"))
    local_type = models.CharField(_("本地对象类型"), max_length=64, blank=True, default="")
    local_id = models.CharField(_("本地对象编号"), max_length=64, blank=True, default="")
    first_at = models.DateTimeField(_("首次接收"), auto_now_add=True)
    applied_at = models.DateTimeField(_("最近应用"), auto_now=True)

    class Meta:
        verbose_name = _("已接收记录")
        verbose_name_plural = _("已接收记录")
        ordering = ["-applied_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["peer", "kind", "object_id"], name="exchange_received_once")
        ]
        indexes = [models.Index(fields=["local_type", "local_id"], name="exchange_received_local_idx")]


class Origin(models.Model):
    """A local row that is a read-only copy of a record kept by another installation."""

    local_type = models.CharField(_("本地对象类型"), max_length=64)
    local_id = models.CharField(_("本地对象编号"), max_length=64)
    peer = models.ForeignKey(Peer, verbose_name=_("来源节点"), on_delete=models.PROTECT, related_name="+")
    remote_kind = models.CharField(_("来源记录类型"), max_length=40)
    remote_id = models.CharField(_("来源对象编号"), max_length=64)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("外来副本")
        verbose_name_plural = _("外来副本")
        constraints = [
            models.UniqueConstraint(fields=["local_type", "local_id"], name="exchange_origin_once")
        ]


class Quarantine(models.Model):
    """A received record that failed verification or could not be applied: kept, reported, never applied."""

    peer = models.ForeignKey(
        Peer, verbose_name=_("来源节点"), on_delete=models.PROTECT, related_name="quarantined"
    )
    sequence = models.PositiveBigIntegerField(_("序号"))
    kind = models.CharField(_("记录类型"), max_length=40, blank=True, default="")
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True, default="")
    version = models.PositiveIntegerField(_("版本"), null=True, blank=True)
    region = models.CharField(_("地区代码"), max_length=6, blank=True, default="", db_index=True)
    code = models.CharField(_("原因代码"), max_length=32)
    reason = models.TextField(_("原因"))
    entry = models.TextField(_("收到的记录（原文）"))
    created_at = models.DateTimeField(_("隔离时间"), auto_now_add=True)
    # Set when the same record, read again later (e.g. after the peer's key was updated), was applied.
    released_at = models.DateTimeField(_("重新读取后已应用"), null=True, blank=True)

    class Meta:
        verbose_name = _("隔离记录")
        verbose_name_plural = _("隔离记录")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["peer", "sequence"], name="exchange_quarantine_once")]
