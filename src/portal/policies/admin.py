"""Read-mostly admin views of the policy library (changes go through policies.actions and the pages)."""

from django.contrib import admin

from portal.audit.admin import ViewOnlyAdmin

from .models import Grant, Policy, PushRecord, Subscription


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "level",
        "region_code",
        "status",
        "grade",
        "is_example",
        "no_application",
        "publish_date",
    )
    list_filter = ("level", "status", "grade", "is_example", "no_application", "benefit_type")
    search_fields = ("title", "document_number", "department", "key")
    # Publishing and withdrawing go through policies.actions (audited, pushes sent), not the status field.
    readonly_fields = (
        "status",
        "expression",
        "search_text",
        "version",
        "created_at",
        "updated_at",
        "published_at",
    )


@admin.register(Grant)
class GrantAdmin(ViewOnlyAdmin):
    list_display = ("policy", "enterprise", "status", "amount", "confirmed_at", "decided_at")
    list_filter = ("status",)


@admin.register(PushRecord)
class PushRecordAdmin(ViewOnlyAdmin):
    list_display = ("policy", "enterprise", "trigger", "sent_at")
    list_filter = ("trigger",)


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("enterprise", "topics", "levels", "email", "updated_at")
