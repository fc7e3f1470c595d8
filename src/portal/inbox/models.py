"""A message in an inbox: addressed to an enterprise (all its users see it) or to one user."""

from django.conf import settings
from django.db import models


class Notification(models.Model):
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    enterprise = models.ForeignKey("enterprises.Enterprise", verbose_name="企业", null=True, blank=True,
                                   on_delete=models.CASCADE, related_name="notifications")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="用户", null=True, blank=True,
                             on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True, default="")
    url = models.CharField("链接", max_length=300, blank=True, default="")
    topic = models.CharField("类别", max_length=40, blank=True, default="", db_index=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = "站内信"
        verbose_name_plural = "站内信"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title
