from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from portal.audit.record import record
from portal.services.models import ProviderMembership

from .forms import AdminLoginForm
from .models import LoginFailure, User

admin.site.login_form = AdminLoginForm  # the same lock after repeated failures as the site's login page


class ProviderMembershipInline(admin.StackedInline):
    """The institution a provider account acts for. Only registration made one: a colleague, or the successor
    of a provider user who left, could not be added, and the institution's demands went unanswered."""

    model = ProviderMembership
    fields = ("institution",)
    autocomplete_fields = ("institution",)
    max_num = 1
    extra = 0


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
    inlines = (ProviderMembershipInline,)

    def save_formset(self, request, form, formset, change):
        """Memberships added, moved or removed here leave an audit row on the institution, as registration does."""
        formset.save()
        for member in formset.new_objects:
            record(request.user, "services.member_added", member.institution, username=member.user.username)
        for member, _fields in formset.changed_objects:
            record(request.user, "services.member_moved", member.institution, username=member.user.username)
        for member in formset.deleted_objects:
            record(request.user, "services.member_removed", member.institution, username=member.user.username)


@admin.register(LoginFailure)
class LoginFailureAdmin(admin.ModelAdmin):
    """Who is locked out: deleting a row lifts the lock at once (a colleague who mistyped five times)."""

    list_display = ("name", "count", "last_at")
    search_fields = ("name",)
    readonly_fields = ("name", "count", "last_at")

    def has_add_permission(self, request) -> bool:
        return False
