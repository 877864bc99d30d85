from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Cohort, Enrollment, LabMachine, ProgramDay, RoleAssignment, Room, User, WorkerHeartbeat
from .validators import URL_FORMFIELDS


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    fk_name = "user"
    extra = 0
    readonly_fields = ("granted_at", "granted_by")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "full_name", "is_staff", "is_active", "date_joined")
    search_fields = ("email", "full_name")
    list_filter = ("is_staff", "is_active", "role_assignments__role")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("full_name", "timezone")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "full_name", "usable_password", "password1", "password2")}),
    )
    inlines = [RoleAssignmentInline]


class ProgramDayInline(admin.TabularInline):
    model = ProgramDay
    extra = 0


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "starts_on", "ends_on", "timezone")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [ProgramDayInline]


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ("user", "cohort", "role", "status")
    list_filter = ("cohort", "role", "status")
    list_select_related = ("user", "cohort")
    search_fields = ("user__email", "user__full_name")


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ("name", "hostname", "seen_at")


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ("name", "capacity", "pairs_per_ta")


@admin.register(LabMachine)
class LabMachineAdmin(admin.ModelAdmin):
    formfield_overrides = URL_FORMFIELDS
    list_display = ("name", "url", "room", "active", "last_success_at", "consecutive_failures")
    list_filter = ("active", "room")
    readonly_fields = (
        "hostname",
        "agent_version",
        "gpus",
        "gpus_note",
        "last_seq",
        "last_attempt_at",
        "last_success_at",
        "latency_ms",
        "consecutive_failures",
        "last_error",
    )
