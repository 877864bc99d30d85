from django.contrib import admin

from .models import (
    Application,
    ApplicationEvent,
    Call,
    Document,
    InboundMessage,
    OutboundMessage,
    Question,
    Questionnaire,
)


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


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 1
    fields = ("position", "key", "kind", "label", "required", "help_text", "choices", "dates")
    ordering = ("position", "pk")


@admin.register(Questionnaire)
class QuestionnaireAdmin(admin.ModelAdmin):
    """The questionnaire builder: questions in order, with kind, required flag, help text and choices."""

    list_display = ("title", "call")
    list_select_related = ("call",)
    inlines = [QuestionInline]


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ("received_at", "from_address", "subject", "outcome", "reason", "application")
    list_filter = ("outcome", "reason", "source")
    search_fields = ("from_address", "subject", "message_id", "sha256")
    list_select_related = ("application",)
    # Inbound mail is evidence: it is read here, and changed only by the pipeline (reprocess/release).
    readonly_fields = [f.name for f in InboundMessage._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "to_email", "subject", "state", "attempts")
    list_filter = ("state", "kind")
    search_fields = ("to_email", "subject", "message_id", "idempotency_key")
    readonly_fields = [f.name for f in OutboundMessage._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ("application", "kind", "version", "original_filename", "content_type", "uploaded_at")
    list_filter = ("kind", "content_type")
    list_select_related = ("application__applicant",)
    readonly_fields = ("sha256", "size", "content_type", "source_message")
