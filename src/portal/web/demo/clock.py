"""Put the demo's past on the calendar: rows written "now" get the date the story says they happened.

Every action function takes `today` for its business dates (notice period, validity) but stamps
its rows (audit entries, inbox messages, submitted_at …) with the wall clock. After an action the
demo moves every timestamp written during it to that story day, so the audit trail of a 2023
recognition reads 2023, in order.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from zoneinfo import ZoneInfo

from django.apps import apps
from django.db import models, transaction
from django.utils import timezone

SHANGHAI = ZoneInfo("Asia/Shanghai")

# (app_label.Model) whose DateTimeFields are moved; read_at of old messages is set as read.
MODELS = (
    "cultivation.Application",
    "cultivation.Batch",
    "cultivation.Evidence",
    "cultivation.Objection",
    "cultivation.Recognition",
    "cultivation.ChangeReport",
    "audit.AuditEntry",
    "inbox.Notification",
    "assessments.Assessment",
)


class StoryClock:
    """Hands out increasing times within a story day (09:00, 09:07, …) so order survives the move."""

    def __init__(self, today: dt.date):
        self.today = today
        self._minutes: dict[dt.date, int] = {}

    def moment(self, day: dt.date) -> dt.datetime:
        minute = self._minutes.get(day, 0)
        self._minutes[day] = minute + 7
        return dt.datetime.combine(day, dt.time(9, 0), tzinfo=SHANGHAI) + dt.timedelta(minutes=minute % 540)

    @contextmanager
    def on(self, day: dt.date, also: tuple[str, ...] = ()):
        """Run the block's actions, then move what they wrote to `day` (today's rows keep the wall clock).

        `also` names further models the block stamps with the wall clock (auto_now_add fields of the
        newer apps); they are listed per call so the many workflow steps don't pay for them.
        """
        started = timezone.now()
        yield
        if day >= self.today:
            return
        when = self.moment(day)
        with transaction.atomic():  # one commit for the whole move
            for label in (*MODELS, *also):
                model = apps.get_model(label)
                for field in model._meta.get_fields():
                    if isinstance(field, models.DateTimeField) and field.name != "read_at":
                        model.objects.filter(**{f"{field.name}__gte": started}).update(**{field.name: when})
            if day < self.today - dt.timedelta(days=14):  # old messages have been read long ago
                apps.get_model("inbox.Notification").objects.filter(
                    created_at=when, read_at__isnull=True
                ).update(read_at=when + dt.timedelta(hours=20))
