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

from .node import LEVEL_NAMES

LEVEL_CHOICES = list(LEVEL_NAMES.items())


class Relation(models.TextChoices):
    CHILD = "child", "下级节点"
    PARENT = "parent", "上级节点"


class Peer(models.Model):
    name = models.CharField("名称", max_length=100, unique=True)
    node_id = models.CharField("节点标识", max_length=40, unique=True)
    level = models.CharField("层级", max_length=16, choices=LEVEL_CHOICES)
    region = models.CharField("地区代码", max_length=6, blank=True, default="")
    relation = models.CharField("关系", max_length=8, choices=Relation.choices)
    url = models.URLField("地址", max_length=300)
    public_key = models.CharField("公钥（Base64）", max_length=64)
    enabled = models.BooleanField("启用", default=True)
    cursor = models.PositiveBigIntegerField("已读取到的序号", default=0)
    last_pull_at = models.DateTimeField("最近同步时间", null=True, blank=True)
    last_pull_ok = models.BooleanField("最近同步成功", null=True, blank=True)
    last_error = models.TextField("最近同步错误", blank=True, default="")
    last_seen_at = models.DateTimeField("对方最近读取本节点的时间", null=True, blank=True)
    created_at = models.DateTimeField("添加时间", auto_now_add=True)

    class Meta:
        verbose_name = "互联节点"
        verbose_name_plural = "互联节点"
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
        verbose_name = "变更流序号"
        verbose_name_plural = "变更流序号"


class AppendOnly(Exception):
    pass


class FeedEntry(models.Model):
    """One signed record of the feed. `body` is the exact canonical JSON the signature covers."""

    sequence = models.PositiveBigIntegerField("序号", unique=True)
    audience = models.CharField("接收方", max_length=40, db_index=True)  # "parent" or a child's node id
    kind = models.CharField("记录类型", max_length=40)
    object_id = models.CharField("对象编号", max_length=64)
    version = models.PositiveIntegerField("版本")
    region = models.CharField("地区代码", max_length=6, db_index=True)
    body = models.TextField("记录（规范化 JSON）")
    signature = models.CharField("签名", max_length=100)
    created_at = models.DateTimeField("写入时间", auto_now_add=True)

    class Meta:
        verbose_name = "变更记录"
        verbose_name_plural = "变更记录"
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
        "cultivation.Application", verbose_name="申报", on_delete=models.PROTECT, related_name="+"
    )
    peer = models.ForeignKey(
        Peer, verbose_name="上级节点", on_delete=models.PROTECT, related_name="forwarded"
    )
    state = models.CharField("报送时状态", max_length=16)
    submitted_at = models.DateTimeField("对应的提交时间", null=True, blank=True)
    note = models.TextField("推荐意见", blank=True, default="")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="推荐人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField("推荐时间", auto_now_add=True)
    sequence = models.PositiveBigIntegerField("变更记录序号", null=True, blank=True)
    decision_state = models.CharField("上级决定", max_length=16, blank=True, default="")
    decision_reason = models.TextField("上级意见", blank=True, default="")
    decided_at = models.DateTimeField("上级决定时间", null=True, blank=True)

    class Meta:
        verbose_name = "向上级推荐"
        verbose_name_plural = "向上级推荐"
        ordering = ["-at", "-id"]


class Received(models.Model):
    """The latest applied version of one record from one peer: (peer, kind, object id) → version."""

    peer = models.ForeignKey(Peer, verbose_name="来源节点", on_delete=models.PROTECT, related_name="received")
    kind = models.CharField("记录类型", max_length=40)
    object_id = models.CharField("对象编号", max_length=64)
    version = models.PositiveIntegerField("版本")
    sequence = models.PositiveBigIntegerField("序号")
    region = models.CharField("地区代码", max_length=6, db_index=True)
    payload = models.JSONField("内容")
    local_type = models.CharField("本地对象类型", max_length=64, blank=True, default="")
    local_id = models.CharField("本地对象编号", max_length=64, blank=True, default="")
    first_at = models.DateTimeField("首次接收", auto_now_add=True)
    applied_at = models.DateTimeField("最近应用", auto_now=True)

    class Meta:
        verbose_name = "已接收记录"
        verbose_name_plural = "已接收记录"
        ordering = ["-applied_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["peer", "kind", "object_id"], name="exchange_received_once")
        ]
        indexes = [models.Index(fields=["local_type", "local_id"], name="exchange_received_local_idx")]


class Origin(models.Model):
    """A local row that is a read-only copy of a record kept by another installation."""

    local_type = models.CharField("本地对象类型", max_length=64)
    local_id = models.CharField("本地对象编号", max_length=64)
    peer = models.ForeignKey(Peer, verbose_name="来源节点", on_delete=models.PROTECT, related_name="+")
    remote_kind = models.CharField("来源记录类型", max_length=40)
    remote_id = models.CharField("来源对象编号", max_length=64)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "外来副本"
        verbose_name_plural = "外来副本"
        constraints = [
            models.UniqueConstraint(fields=["local_type", "local_id"], name="exchange_origin_once")
        ]


class Quarantine(models.Model):
    """A received record that failed verification or could not be applied: kept, reported, never applied."""

    peer = models.ForeignKey(
        Peer, verbose_name="来源节点", on_delete=models.PROTECT, related_name="quarantined"
    )
    sequence = models.PositiveBigIntegerField("序号")
    kind = models.CharField("记录类型", max_length=40, blank=True, default="")
    object_id = models.CharField("对象编号", max_length=64, blank=True, default="")
    version = models.PositiveIntegerField("版本", null=True, blank=True)
    region = models.CharField("地区代码", max_length=6, blank=True, default="", db_index=True)
    code = models.CharField("原因代码", max_length=32)
    reason = models.TextField("原因")
    entry = models.TextField("收到的记录（原文）")
    created_at = models.DateTimeField("隔离时间", auto_now_add=True)
    # Set when the same record, read again later (e.g. after the peer's key was updated), was applied.
    released_at = models.DateTimeField("重新读取后已应用", null=True, blank=True)

    class Meta:
        verbose_name = "隔离记录"
        verbose_name_plural = "隔离记录"
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["peer", "sequence"], name="exchange_quarantine_once")]
