"""Institutions in the admin only to be found when the administrator adds a user to one (accounts.admin); their
review, offerings and demands are the officials' and providers' pages (services.actions, audited)."""

from django.contrib import admin

from portal.audit.admin import ViewOnlyAdmin

from .models import ServiceInstitution


@admin.register(ServiceInstitution)
class ServiceInstitutionAdmin(ViewOnlyAdmin):
    list_display = ("name", "level", "region_code", "state", "credit_code")
    list_filter = ("state", "level")
    search_fields = ("name", "credit_code")
