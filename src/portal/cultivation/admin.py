"""Read-mostly admin for platform administrators; every state change still goes through actions.py."""

from django.contrib import admin

from .models import Application, Batch, ChangeReport, Evidence, Objection, Recognition


class ReadOnlyStateAdmin(admin.ModelAdmin):
    """State columns are read-only here: changing them must go through the audited action functions."""

    readonly_fields = ("state", "version")


@admin.register(Batch)
class BatchAdmin(admin.ModelAdmin):
    list_display = ("name", "tier", "year", "level", "region_code", "opens_on", "closes_on")
    list_filter = ("tier", "year", "level")


@admin.register(Application)
class ApplicationAdmin(ReadOnlyStateAdmin):
    list_display = ("enterprise", "tier", "batch", "state", "submitted_at")
    list_filter = ("state", "tier")
    search_fields = ("enterprise__name", "enterprise__credit_code")
    raw_id_fields = ("enterprise", "batch", "assessment", "renews")


@admin.register(Recognition)
class RecognitionAdmin(admin.ModelAdmin):
    list_display = ("enterprise", "tier", "certificate_no", "valid_from", "valid_until", "status")
    list_filter = ("tier", "status")
    search_fields = ("enterprise__name", "certificate_no")
    readonly_fields = ("status", "version", "verification_code")
    raw_id_fields = ("enterprise", "application")


admin.site.register([Evidence, Objection, ChangeReport])
