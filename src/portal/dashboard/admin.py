"""Operators can see when the dashboards were recomputed and why a recomputation failed."""

from django.contrib import admin

from .models import StatsRefresh


@admin.register(StatsRefresh)
class StatsRefreshAdmin(admin.ModelAdmin):
    list_display = ("id", "state", "requested_by", "requested_at", "finished_at", "duration_ms", "rows")
    list_filter = ("state",)
    readonly_fields = [f.name for f in StatsRefresh._meta.fields]

    def has_add_permission(self, request):
        return False
