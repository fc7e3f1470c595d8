from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "portal.inbox"
    label = "inbox"
    verbose_name = "站内信"
