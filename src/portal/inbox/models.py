"""A message in an inbox: addressed to an enterprise (all its users see it) or to one user.

`title`/`body` hold the Chinese text (admin, search); `message` holds the msgid and parameters
(portal.inbox.message) so pages show it in the reader's language. Rows from before `message`
existed have none and show their stored text.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import message as m


class Notification(models.Model):
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("企业"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True, default="")
    url = models.CharField(_("链接"), max_length=300, blank=True, default="")
    topic = models.CharField(_("类别"), max_length=40, blank=True, default="", db_index=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    message = models.JSONField(_("消息参数"), blank=True, default=dict)

    class Meta:
        verbose_name = _("站内信")
        verbose_name_plural = _("站内信")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def shown_title(self) -> str:
        """The title in the active language (the stored text when there is no message)."""
        return self._shown("title")

    @property
    def shown_body(self) -> str:
        return self._shown("body")

    def _shown(self, part: str) -> str:
        stored = (self.message or {}).get(part)
        if not stored:
            return getattr(self, part)
        try:
            return m.render(m.load(stored))
        except (KeyError, ValueError, TypeError):  # a message this code no longer renders: the stored text
            return getattr(self, part)
