from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .forms import AdminLoginForm
from .models import User

admin.site.login_form = AdminLoginForm  # the same lock after repeated failures as the site's login page


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + (
        ("zjtx", {"fields": ("role", "region_code", "enterprise", "organisation", "phone")}),
    )
    list_display = ("username", "role", "region_code", "enterprise", "is_active")
    list_filter = ("role",)
