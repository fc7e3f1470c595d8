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
    inactive = ""

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
            if username and getattr(exc, "code", "") == "invalid_login" and self.user_cache is None:
                if _deactivated_with(username, self.cleaned_data.get("password") or ""):
                    self.inactive = gettext(
                        "该账户已停用，不能登录；需要继续使用的，请联系平台管理员重新启用或开设账户。"
                    )
                    raise forms.ValidationError(self.inactive, code="inactive") from None
                # Only a wrong password counts: the admin refuses a non-staff user's right password the same way.
                throttle.note_failure(username)
            raise
        throttle.clear(username)
        return cleaned


def _deactivated_with(username: str, password: str) -> bool:
    """The right password of a deactivated account: said as such (a leaver's successor, an official whose account
    was closed), not as a wrong password that also counts towards the lock. Nothing is revealed to a guesser."""
    from django.contrib.auth import get_user_model

    user = get_user_model()._default_manager.filter(username=username, is_active=False).first()
    return user is not None and user.check_password(password)


class LoginForm(ThrottledMixin, AuthenticationForm):
    pass


class AdminLoginForm(ThrottledMixin, AdminAuthenticationForm):
    pass
