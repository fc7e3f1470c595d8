from django.contrib import admin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("at", "actor", "action", "target_label", "from_state", "to_state")
    list_filter = ("action", "target_type")
    search_fields = ("target_label", "reason")
