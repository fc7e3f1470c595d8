from django.contrib import admin

from .models import AuditEntry


class ViewOnlyAdmin(admin.ModelAdmin):
    """Rows written only by the audited action functions: the administrator may look, not add, edit or delete.
    Before, the admin's forms changed an application's enterprise or batch, a change report's state, a
    recognition's validity, even an audit entry, with no audit row and none of the actions' checks."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ViewOnlyAdmin):
    list_display = ("at", "actor", "action", "target_label", "from_state", "to_state")
    list_filter = ("action", "target_type")
    search_fields = ("target_label", "reason")
