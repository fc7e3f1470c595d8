"""Password validators whose messages read in the page's language."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.utils.translation import gettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's zh-hans catalogue lacks this message's plural form: the Chinese password-change page, the admin's
    new-account and reset forms said "This password is too short…" in English. The message is ours instead."""

    def get_error_message(self):
        return gettext("密码太短，至少需要 %(n)s 个字符。") % {"n": self.min_length}
