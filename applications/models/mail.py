"""Mail in and out: inbound messages (raw bytes first) and their duplicate keys, documents (files and
resume links), the outbox of every email Runway sends."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from applications.models.calls import Application, Call
from program.files import generated_name
from program.validators import validate_http_url


def document_upload_to(instance, filename: str) -> str:
    return generated_name("documents")


def answer_upload_to(instance, filename: str) -> str:
    return generated_name("answers")


def _raw_message_path(instance, filename: str) -> str:
    return f"inbound/{instance.sha256[:2]}/{instance.sha256}.eml"


class InboundOutcome(models.TextChoices):
    PENDING = "pending", "Pending"
    APPLICATION_CREATED = "application_created", "Application created"
    APPLICATION_UPDATED = "application_updated", "Application updated"
    REPLY_ATTACHED = "reply_attached", "Reply attached"
    AUTO_REPLY_IGNORED = "auto_reply_ignored", "Auto-reply ignored"
    BOUNCE_RECORDED = "bounce_recorded", "Bounce recorded"
    LIST_IGNORED = "list_ignored", "Mailing list ignored"
    DUPLICATE_IGNORED = "duplicate_ignored", "Duplicate ignored"
    REJECTED = "rejected", "Rejected"


class InboundMessage(models.Model):
    """One email as it arrived. The raw bytes are stored before anything else is done with them."""

    class Source(models.TextChoices):
        FILE = "file", "File"
        STDIN = "stdin", "Mail server pipe"
        IMAP = "imap", "IMAP"
        MAILDIR = "maildir", "Maildir"

    raw = models.FileField(upload_to=_raw_message_path, max_length=200)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveIntegerField()
    message_id = models.CharField(max_length=998, blank=True, db_index=True)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    source_ref = models.CharField(max_length=500, blank=True, help_text="Mailbox and UID, file name, …")
    from_address = models.CharField(max_length=320, blank=True)
    from_name = models.CharField(max_length=200, blank=True)
    subject = models.CharField(max_length=500, blank=True)
    body_text = models.TextField(blank=True)
    call = models.ForeignKey(Call, null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_messages")
    outcome = models.CharField(max_length=30, choices=InboundOutcome.choices, default=InboundOutcome.PENDING)
    reason = models.CharField(max_length=40, blank=True, help_text="Machine-readable rejection code.")
    detail = models.TextField(blank=True, help_text="What happened, for organizers.")
    application = models.ForeignKey(
        Application, null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_messages"
    )
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["outcome", "-received_at"])]

    def __str__(self) -> str:
        return f"{self.from_address or '?'}: {self.subject[:60]}"


class InboundKey(models.Model):
    """A claimed identity of an inbound message (its hash, its Message-ID): the first holder wins."""

    key = models.CharField(max_length=1100, unique=True)
    message = models.ForeignKey(InboundMessage, on_delete=models.CASCADE, related_name="keys")

    def __str__(self) -> str:
        return self.key


class Document(models.Model):
    """An applicant's document (a resume, usually). New versions are added; old ones are kept."""

    class Kind(models.TextChoices):
        RESUME = "resume", "Resume"
        OTHER = "other", "Other document"
        LINK = "link", "Resume link"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.RESUME)
    version = models.PositiveSmallIntegerField(default=1)
    file = models.FileField(upload_to=document_upload_to, blank=True, max_length=200)
    url = models.URLField(max_length=2000, blank=True, validators=[validate_http_url])
    original_filename = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True, help_text="Decided by content sniffing.")
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(default=0)
    source_message = models.ForeignKey(
        InboundMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="documents"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["application", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["application", "kind", "version"], name="document_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version} ({self.original_filename or self.url})"


class OutboundMessage(models.Model):
    """The outbox: every email Runway sends, and how far it got. Claimed queued → sending → sent."""

    class State(models.TextChoices):
        DRAFT = "draft", "Draft (to review)"
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        BOUNCED = "bounced", "Bounced"

    application = models.ForeignKey(
        Application, null=True, blank=True, on_delete=models.SET_NULL, related_name="outbound_messages"
    )
    kind = models.CharField(max_length=50)
    idempotency_key = models.CharField(max_length=200, unique=True)
    to_email = models.EmailField(max_length=320)
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    message_id = models.CharField(max_length=300, unique=True)
    in_reply_to = models.CharField(max_length=998, blank=True)
    reply_to = models.CharField(max_length=320, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True, help_text="When a worker started sending it.")
    calendar = models.TextField(blank=True, help_text="An iCalendar invitation sent as invite.ics.")
    attachment = models.FileField(
        upload_to=document_upload_to, blank=True, max_length=200, help_text="e.g. a grant letter PDF"
    )
    attachment_name = models.CharField(max_length=200, blank=True)
    attachment_type = models.CharField(max_length=100, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    bounced_at = models.DateTimeField(null=True, blank=True)
    headers = models.JSONField(default=dict, blank=True, help_text="Extra headers, e.g. List-Unsubscribe.")
    announcement = models.ForeignKey(
        "Announcement", null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="Who last edited this draft before it was sent.",
    )  # fmt: skip
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to_email} ({self.state})"
