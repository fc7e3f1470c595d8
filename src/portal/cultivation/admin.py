"""Read-only admin for platform administrators: every change goes through actions.py (checked, audited)."""

from django.contrib import admin

from portal.audit.admin import ViewOnlyAdmin

from .models import Application, Batch, ChangeReport, Evidence, Objection, Recognition


@admin.register(Batch)
class BatchAdmin(admin.ModelAdmin):
    list_display = ("name", "tier", "year", "level", "region_code", "opens_on", "closes_on")
    list_filter = ("tier", "year", "level")


@admin.register(Application)
class ApplicationAdmin(ViewOnlyAdmin):
    list_display = ("enterprise", "tier", "batch", "state", "submitted_at")
    list_filter = ("state", "tier")
    search_fields = ("enterprise__name", "enterprise__credit_code")


@admin.register(Recognition)
class RecognitionAdmin(ViewOnlyAdmin):
    list_display = ("enterprise", "tier", "certificate_no", "valid_from", "valid_until", "status")
    list_filter = ("tier", "status")
    search_fields = ("enterprise__name", "certificate_no")


@admin.register(ChangeReport)
class ChangeReportAdmin(ViewOnlyAdmin):
    list_display = ("recognition", "kind", "occurred_on", "state", "late")
    list_filter = ("state", "kind")


admin.site.register([Evidence, Objection], ViewOnlyAdmin)
