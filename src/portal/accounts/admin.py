from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .forms import AdminLoginForm
from .models import LoginFailure, User

admin.site.login_form = AdminLoginForm  # the same lock after repeated failures as the site's login page


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + (
        ("zjtx", {"fields": ("role", "region_code", "enterprise", "organisation", "phone")}),
    )
    list_display = (
        "username",
        "first_name",
        "role",
        "region_code",
        "organisation",
        "enterprise",
        "is_active",
    )
    list_filter = ("role", "is_active", "is_staff")
    search_fields = ("username", "first_name", "last_name", "email", "region_code", "organisation", "phone")
    # A search box, not a <select> of every enterprise (the page listed them all; at a province's scale it did
    # not load). Finding the enterprise by name or credit code is how a second enterprise account is opened.
    autocomplete_fields = ("enterprise",)


@admin.register(LoginFailure)
class LoginFailureAdmin(admin.ModelAdmin):
    """Who is locked out: deleting a row lifts the lock at once (a colleague who mistyped five times)."""

    list_display = ("name", "count", "last_at")
    search_fields = ("name",)
    readonly_fields = ("name", "count", "last_at")

    def has_add_permission(self, request) -> bool:
        return False
