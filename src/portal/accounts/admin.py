from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import User


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + (
        ("zjtx", {"fields": ("role", "region_code", "enterprise", "organisation", "phone")}),
    )
    list_display = ("username", "role", "region_code", "enterprise", "is_active")
    list_filter = ("role",)
