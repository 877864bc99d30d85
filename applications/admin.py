from django.contrib import admin

from .models import Application, ApplicationEvent, Call


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "kind", "cohort", "opens_at", "closes_at", "is_default")
    list_filter = ("kind",)
    prepopulated_fields = {"slug": ("name",)}


class ApplicationEventInline(admin.TabularInline):
    model = ApplicationEvent
    extra = 0
    can_delete = False
    readonly_fields = ("at", "actor", "from_state", "to_state", "note")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ("applicant", "call", "state", "source", "created_at")
    list_filter = ("call", "state", "source")
    list_select_related = ("applicant", "call")
    search_fields = ("applicant__email", "applicant__full_name")
    # State changes go through applications.services, never a form field.
    readonly_fields = ("state", "state_changed_at")
    inlines = [ApplicationEventInline]
