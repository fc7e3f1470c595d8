"""Changing one's own password (the administrator hands out initial passwords; the holder must be able to replace them)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy
from django.utils.translation import gettext


class PasswordChange(auth_views.PasswordChangeView):
    """Django's view: checks the old password and the validators, keeps this session and ends the others
    (their session hash no longer matches), so a stolen session dies with the old password."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("web:home")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, gettext("密码已修改。其他设备上的登录已失效，需要用新密码重新登录。"))
        return response
