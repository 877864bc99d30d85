from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from program.files import generated_name
from program.models import Cohort
from program.validators import validate_http_url


class CallKind(models.TextChoices):
    PARTICIPANT = "participant", "Bootcamp participants"
    TA = "ta", "Bootcamp TAs"
    GRANT = "grant", "Retraining grants"


class Call(models.Model):
    """An open call for applications, e.g. "MLAB3 participants" or "Retraining grants, rolling"."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True, help_text="Also the plus-address alias: apply+<slug>@…")
    kind = models.CharField(max_length=20, choices=CallKind.choices)
    cohort = models.ForeignKey(Cohort, null=True, blank=True, on_delete=models.PROTECT, related_name="calls")
    opens_at = models.DateTimeField(default=timezone.now)
    closes_at = models.DateTimeField(null=True, blank=True, help_text="Empty for a rolling call.")
    is_default = models.BooleanField(default=False, help_text="Receives mail sent to the bare address.")
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["-opens_at"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=models.Q(is_default=True), name="one_default_call")
        ]

    def __str__(self) -> str:
        return self.name

    def is_open(self, at=None) -> bool:
        at = at or timezone.now()
        return self.opens_at <= at and (self.closes_at is None or at < self.closes_at)


class ApplicationState(models.TextChoices):
    RECEIVED = "received", "Received"
    QUESTIONNAIRE_SENT = "questionnaire_sent", "Questionnaire sent"
    SUBMITTED = "submitted", "Submitted"
    IN_REVIEW = "in_review", "In review"
    INTERVIEW = "interview", "Interview"
    ACCEPTED = "accepted", "Accepted"
    WAITLISTED = "waitlisted", "Waitlisted"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


ApplicationState.decided_states = (
    ApplicationState.ACCEPTED,
    ApplicationState.WAITLISTED,
    ApplicationState.REJECTED,
)
ApplicationState.open_states = (
    ApplicationState.RECEIVED,
    ApplicationState.QUESTIONNAIRE_SENT,
    ApplicationState.SUBMITTED,
    ApplicationState.IN_REVIEW,
    ApplicationState.INTERVIEW,
)
ApplicationState.final_states = (ApplicationState.REJECTED, ApplicationState.WITHDRAWN)


def _new_reply_token() -> str:
    return secrets.token_hex(8)


class Application(models.Model):
    """One person's application to one call. `state` changes only through applications.services."""

    class Source(models.TextChoices):
        EMAIL = "email", "Email"
        WEB = "web", "Web form"
        STAFF = "staff", "Entered by staff"

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="applications")
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="applications")
    state = models.CharField(max_length=30, choices=ApplicationState.choices, default=ApplicationState.RECEIVED)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.EMAIL)
    created_at = models.DateTimeField(default=timezone.now)
    state_changed_at = models.DateTimeField(default=timezone.now)
    needs_resume = models.BooleanField(default=False, help_text="No resume received yet.")
    # Replies to apply+r-<token>@… land on this application's thread, whatever their headers say.
    reply_token = models.CharField(max_length=32, unique=True, default=_new_reply_token, editable=False)
    answers_saved_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["call", "state"]), models.Index(fields=["state", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.applicant} → {self.call}"


class ApplicationEvent(models.Model):
    """Who changed what, when: the application's timeline. Written by the service functions only."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    from_state = models.CharField(max_length=30, blank=True, choices=ApplicationState.choices)
    to_state = models.CharField(max_length=30, choices=ApplicationState.choices)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_state or '∅'} → {self.to_state}"


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

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to_email} ({self.state})"


class ApplicantLink(models.Model):
    """A personal, one-time sign-in link sent to an applicant. Only a hash of the token is stored."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"link for application #{self.application_id} (expires {self.expires_at:%Y-%m-%d})"

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


class QuestionKind(models.TextChoices):
    SHORT_TEXT = "short_text", "Short text"
    LONG_TEXT = "long_text", "Long text"
    SINGLE_CHOICE = "single_choice", "Single choice"
    MULTIPLE_CHOICE = "multiple_choice", "Multiple choice"
    NUMBER = "number", "Number"
    DATE = "date", "Date"
    URL = "url", "URL"
    FILE = "file", "File upload"
    YES_NO = "yes_no", "Yes / no"
    AVAILABILITY = "availability", "Availability grid of dates"


class Questionnaire(models.Model):
    call = models.OneToOneField(Call, on_delete=models.CASCADE, related_name="questionnaire")
    title = models.CharField(max_length=200)
    intro = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    key = models.SlugField(max_length=60, help_text="Stable name used in exports.")
    kind = models.CharField(max_length=20, choices=QuestionKind.choices)
    label = models.CharField(max_length=500)
    help_text = models.TextField(blank=True)
    required = models.BooleanField(default=False)
    choices = models.JSONField(default=list, blank=True, help_text="Options for choice questions.")
    dates = models.JSONField(default=list, blank=True, help_text="ISO dates for an availability grid.")

    class Meta:
        ordering = ["questionnaire", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["questionnaire", "key"], name="question_key_unique")]

    def __str__(self) -> str:
        return self.label


class Answer(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    value = models.JSONField(null=True, blank=True)
    file = models.FileField(upload_to=answer_upload_to, blank=True, max_length=200)
    original_filename = models.CharField(max_length=255, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["application", "question"], name="one_answer_per_question")]

    def __str__(self) -> str:
        return f"{self.question.key} of application #{self.application_id}"


class Criterion(models.Model):
    """One line of a call's review rubric: scored 1–5, with a description of each level."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveSmallIntegerField(default=0)
    key = models.SlugField(max_length=60)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    weight = models.DecimalField(max_digits=4, decimal_places=2, default=1)
    levels = models.JSONField(default=list, blank=True, help_text="Five descriptions, for scores 1 to 5.")

    class Meta:
        ordering = ["call", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["call", "key"], name="criterion_key_unique")]

    def __str__(self) -> str:
        return self.name


class Recommendation(models.TextChoices):
    STRONG_YES = "strong_yes", "Strong yes"
    YES = "yes", "Yes"
    MAYBE = "maybe", "Maybe"
    NO = "no", "No"
    STRONG_NO = "strong_no", "Strong no"


class ReviewAssignment(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="assignments")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_assignments")
    assigned_at = models.DateTimeField(default=timezone.now)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True, help_text="When the digest mentioning it was queued.")
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["application", "reviewer"], name="assignment_once")]

    def __str__(self) -> str:
        return f"{self.reviewer} reviews #{self.application_id}"


class Review(models.Model):
    """A reviewer's scores, comment and recommendation; a draft until `submitted_at` is set."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews")
    scores = models.JSONField(default=dict, blank=True)
    weighted_total = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)
    comment = models.TextField(blank=True)
    recommendation = models.CharField(max_length=20, choices=Recommendation.choices, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["application", "reviewer"], name="review_once")]
        indexes = [models.Index(fields=["application", "submitted_at"])]

    def __str__(self) -> str:
        return f"Review of #{self.application_id} by {self.reviewer}"


class ConflictOfInterest(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="conflicts")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conflicts")
    reason = models.TextField(blank=True)
    declared_at = models.DateTimeField(default=timezone.now)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["application", "reviewer"], name="conflict_once")]

    def __str__(self) -> str:
        return f"{self.reviewer} has a conflict with #{self.application_id}"


class Decision(models.Model):
    """An organizer's decision on an application: who, what, when, and the email it produced."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", "Accept"
        WAITLISTED = "waitlisted", "Waitlist"
        REJECTED = "rejected", "Reject"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="decisions")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    note = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)
    email = models.OneToOneField(
        OutboundMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="decision"
    )

    class Meta:
        ordering = ["-decided_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} #{self.application_id}"


class Offer(models.Model):
    """A place offered to an accepted bootcamp applicant, to confirm or decline by a deadline."""

    class Response(models.TextChoices):
        PENDING = "pending", "Waiting for an answer"
        CONFIRMED = "confirmed", "Confirmed"
        DECLINED = "declined", "Declined"
        EXPIRED = "expired", "Expired"

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="offer")
    respond_by = models.DateTimeField()
    response = models.CharField(max_length=10, choices=Response.choices, default=Response.PENDING)
    responded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Offer to #{self.application_id}: {self.get_response_display()}"


class Promotion(models.Model):
    """A waitlisted application proposed for a freed place; an organizer approves or dismisses it."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Waiting for approval"
        APPROVED = "approved", "Approved"
        DISMISSED = "dismissed", "Dismissed"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="promotions")
    freed_by = models.OneToOneField(Offer, on_delete=models.CASCADE, related_name="promotion")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Promote #{self.application_id} ({self.get_status_display()})"


class InterviewSlot(models.Model):
    """A time an interviewer offers for one interview."""

    interviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="interview_slots")
    starts_at = models.DateTimeField()
    minutes = models.PositiveSmallIntegerField(default=45)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["interviewer", "starts_at"], name="slot_once_per_interviewer")]

    def __str__(self) -> str:
        return f"{self.interviewer} at {self.starts_at:%Y-%m-%d %H:%M}"


class InterviewAvailability(models.Model):
    """A slot an invited applicant says they could make (input to automatic matching)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="interview_availability")
    slot = models.ForeignKey(InterviewSlot, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["application", "slot"], name="availability_once")]

    def __str__(self) -> str:
        return f"#{self.application_id} can make {self.slot}"


class Interview(models.Model):
    class State(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        COMPLETED = "completed", "Completed"
        NO_SHOW = "no_show", "No-show"
        CANCELLED = "cancelled", "Cancelled"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="interviews")
    slot = models.ForeignKey(InterviewSlot, on_delete=models.PROTECT, related_name="interviews")
    interviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="interviews")
    state = models.CharField(max_length=10, choices=State.choices, default=State.SCHEDULED)
    sequence = models.PositiveSmallIntegerField(default=0, help_text="Calendar revision (ICS SEQUENCE).")
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    recommendation = models.CharField(max_length=20, choices=Recommendation.choices, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    scored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["slot__starts_at", "pk"]
        constraints = [
            # A slot holds one live interview; an applicant has one live interview at a time.
            models.UniqueConstraint(
                fields=["slot"], condition=models.Q(state="scheduled"), name="one_live_interview_per_slot"
            ),
            models.UniqueConstraint(
                fields=["application"], condition=models.Q(state="scheduled"), name="one_live_interview_per_application"
            ),
        ]

    def __str__(self) -> str:
        return f"Interview of #{self.application_id} ({self.get_state_display()})"


def new_secret() -> str:
    return secrets.token_urlsafe(24)


class Interest(models.TextChoices):
    BOOTCAMP = "bootcamp", "The bootcamp (participants)"
    TA = "ta", "Teaching assistant roles"
    GRANTS = "grants", "Retraining grants"


class Subscriber(models.Model):
    """Someone who signed up for updates: double opt-in, one-click unsubscribe. On unsubscribing the
    name and address are erased; only a hash of the address stays, so they are never mailed again
    by mistake and can sign up afresh."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting for confirmation"
        CONFIRMED = "confirmed", "Subscribed"
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"

    email = models.EmailField(max_length=320, blank=True)
    email_hash = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200, blank=True)
    interests = models.JSONField(default=list)
    state = models.CharField(max_length=15, choices=State.choices, default=State.PENDING)
    token = models.CharField(max_length=64, unique=True, default=new_secret)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "id"])]

    def __str__(self) -> str:
        return self.email or f"(unsubscribed {self.email_hash[:8]})"

    @staticmethod
    def hash_of(email: str) -> str:
        return hashlib.sha256(email.strip().lower().encode()).hexdigest()


class Announcement(models.Model):
    """A message to the confirmed subscribers of a segment, sent through the outbox in batches."""

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"

    subject = models.CharField(max_length=200)
    body = models.TextField()
    segment = models.CharField(max_length=20, blank=True, help_text="An interest, or empty for everyone.")
    call = models.ForeignKey(Call, null=True, blank=True, on_delete=models.SET_NULL, related_name="announcements")
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.subject


class AccessRequest(models.Model):
    """A request to see the private curriculum; approval mails the access instructions and records
    which curriculum version the person was given."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"
        REVOKED = "revoked", "Revoked"

    name = models.CharField(max_length=200)
    email = models.EmailField(max_length=320)
    affiliation = models.CharField(max_length=200, blank=True)
    reason = models.TextField()
    curriculum = models.ForeignKey(
        "program.Curriculum", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.CharField(max_length=100, blank=True, help_text="The curriculum version access was given to.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"
