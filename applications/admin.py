from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from program.validators import URL_FORMFIELDS

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
    # Files are never linked through MEDIA_URL (nothing serves it): the raw message opens through
    # Runway's own view, with its access checks.
    readonly_fields = [f.name for f in InboundMessage._meta.fields if f.name != "raw"] + ["raw_message"]
    exclude = ("raw",)

    @admin.display(description="Raw message")
    def raw_message(self, obj):
        return format_html(
            '<a href="{}">{} bytes, as received</a>', reverse("applications:inbound-raw", args=[obj.pk]), obj.size
        )

    def has_add_permission(self, request):
        return False


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "to_email", "subject", "state", "attempts")
    list_filter = ("state", "kind")
    search_fields = ("to_email", "subject", "message_id", "idempotency_key")
    readonly_fields = [f.name for f in OutboundMessage._meta.fields if f.name != "attachment"] + ["attached_file"]
    exclude = ("attachment",)

    @admin.display(description="Attachment")
    def attached_file(self, obj):
        return obj.attachment_name or "—"  # stored privately; sent with the email, never linked here

    def has_add_permission(self, request):
        return False


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    formfield_overrides = URL_FORMFIELDS
    list_display = ("application", "kind", "version", "original_filename", "content_type", "uploaded_at")
    list_filter = ("kind", "content_type")
    list_select_related = ("application__applicant",)
    readonly_fields = ("sha256", "size", "content_type", "source_message", "download")
    exclude = ("file",)

    @admin.display(description="File")
    def download(self, obj):
        if not obj.file:
            return "—"
        url = reverse("applications:document", kwargs={"pk": obj.application_id, "document_pk": obj.pk})
        return format_html('<a href="{}">{}</a>', url, obj.original_filename or "download")
