from django.contrib import admin

from .models import Grant, GrantEvent, Installment, Payment


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


@admin.register(Installment)
class InstallmentAdmin(admin.ModelAdmin):
    list_display = ("grant", "number", "due_on", "amount", "currency", "state")
    list_filter = ("state", "currency")
    # Money moves only through grants.payments; the admin shows it.
    readonly_fields = [f.name for f in Installment._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ("recorded_at", "installment", "kind", "amount", "currency", "reference", "recorded_by")
    list_filter = ("kind", "currency")
    readonly_fields = [f.name for f in Payment._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
