from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Enterprise


@admin.register(Enterprise)
class EnterpriseAdmin(SimpleHistoryAdmin):
    list_display = ("name", "credit_code", "region", "industry", "updated_at")
    search_fields = ("name", "credit_code")
