"""Sign-in forms (site and admin) that refuse a user name after repeated failures (portal.accounts.throttle)."""

from __future__ import annotations

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext

from . import throttle


class ThrottledMixin:
    """Checks the lock before the password is tried, counts a wrong password, forgets on success."""

    throttled = ""

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        if username and throttle.is_locked(username):
            self.throttled = gettext(
                "该账户登录失败次数过多，已暂停登录。请 %(minutes)s 分钟后再试，或联系平台管理员重置密码。"
            ) % {"minutes": throttle.lock_minutes()}
            raise forms.ValidationError(self.throttled, code="throttled")
        try:
            cleaned = super().clean()
        except forms.ValidationError as exc:
            # Only a wrong password counts: the admin refuses a non-staff user's right password the same way.
            if username and getattr(exc, "code", "") == "invalid_login" and self.user_cache is None:
                throttle.note_failure(username)
            raise
        throttle.clear(username)
        return cleaned


class LoginForm(ThrottledMixin, AuthenticationForm):
    pass


class AdminLoginForm(ThrottledMixin, AdminAuthenticationForm):
    pass
