"""The record of a file a person uploaded and the platform keeps: the abstract model `StoredFile`.

Why here and not in uploads.py: uploads.py judges bytes and is plain Python (no Django, no
database); this module says how a kept file is recorded in the database. Evidence (cultivation) and
policy attachments (policies) inherit it so the name, type, size and uploader columns mean the same
everywhere. Each subclass declares its own `file` (FileField): where it is stored (`upload_to`) is
the subclass's business. Screening runs do not inherit it: their upload is a path to a registry
extract processed in the background (no content type, a creator who must stay, a 64-bit size).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StoredFile(models.Model):
    """A kept upload: its display name, content type recognised from the bytes, size, uploader, time.

    Subclasses may redeclare `original_name` / `content_type` when their columns differ (policy
    attachments: older, other lengths); changing a length here is a schema change for every subclass.
    """

    original_name = models.CharField(_("原文件名"), max_length=255)  # display only; never a path on disk
    content_type = models.CharField(_("文件类型"), max_length=64)  # recognised from the bytes (uploads.py)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name
