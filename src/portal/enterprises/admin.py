from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Enterprise


@admin.register(Enterprise)
class EnterpriseAdmin(SimpleHistoryAdmin):
    """Shown, with its history; changed only through the profile editor (enterprises.actions.update_profile).
    The admin's form changed the region, credit code or raw profile with none of its checks: the region column
    and the profile's region disagreed, and an enterprise whose application was in review moved to another
    region's officials."""

    list_display = ("name", "credit_code", "region", "industry", "updated_at")
    search_fields = ("name", "credit_code")

    def has_add_permission(self, request) -> bool:
        return False  # enterprises register themselves (/enterprise/register/)

    def has_change_permission(self, request, obj=None) -> bool:
        return False
