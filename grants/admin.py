from django.contrib import admin

from .models import Grant, GrantEvent


class GrantEventInline(admin.TabularInline):
    model = GrantEvent
    extra = 0
    can_delete = False
    readonly_fields = ("at", "actor", "from_state", "to_state", "note")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Grant)
class GrantAdmin(admin.ModelAdmin):
    list_display = ("grantee", "state", "monthly_stipend", "currency", "months", "start_date")
    list_filter = ("state", "currency")
    list_select_related = ("grantee",)
    search_fields = ("grantee__email", "grantee__full_name")
    readonly_fields = ("state", "state_changed_at")
    raw_id_fields = ("grantee", "application", "parent")
    inlines = [GrantEventInline]
