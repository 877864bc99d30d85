"""Around the programs in the demo: updates subscribers (confirmed and waiting to confirm), a sent
announcement, curriculum access requests (approved, pending, declined), inbound mail through the
real pipeline, rejections included (an executable attachment, an auto-reply, list mail), referees on
the grant call (a letter in, one still asked) and a rejected application close to its erasure date."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta
from email.message import EmailMessage

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from applications import intake, referees
from applications.models import Application, Call, InboundMessage, Subscriber
from applications.updates import services as updates
from program.models import Curriculum, User

SUBSCRIBERS = [
    ("lena.fischer@example.org", "Lena Fischer", ["bootcamp"], True),
    ("omar.haddad@example.org", "Omar Haddad", ["grants"], True),
    ("mei.chen@example.org", "Mei Chen", ["bootcamp", "grants"], True),
    ("tomas.novak@example.org", "Tomáš Novák", ["bootcamp"], False),
]
ACCESS = [
    ("Dana Lecturer", "dana@university.example", "University of Example", "Teaching an ML course", "approve"),
    ("Sam Student", "sam@example.org", "", "Self-study before applying", None),
    ("Spam Bot", "bot@spam.example", "", "free crypto", "decline"),
]


def build_updates(organizer: User) -> None:
    if Subscriber.objects.exists():
        return
    for email, full_name, interests, confirmed in SUBSCRIBERS:
        subscriber = updates.subscribe(email, full_name, interests)
        if confirmed:
            updates.confirm(subscriber.token)
    announcement = updates.compose(
        "MLAB4 applications open in January",
        "The next bootcamp runs in March. Applications open on 15 January; we will write again then.",
        "bootcamp",
        by=organizer,
    )
    updates.send(announcement)
    curriculum = Curriculum.objects.order_by("pk").first()
    for full_name, email, affiliation, reason, decision in ACCESS:
        item = updates.request_access(full_name, email, affiliation, reason)
        if decision and curriculum is not None:
            updates.decide_access(item, approve=decision == "approve", by=organizer)


def _mail(sender: str, subject: str, body: str, *, attachment: tuple[str, bytes, str] | None = None, **headers):
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, "apply@localhost", subject
    message["Message-ID"] = f"<demo-{hashlib.sha256((sender + subject).encode()).hexdigest()[:16]}@example.org>"
    for key, value in headers.items():
        message[key.replace("_", "-")] = value
    message.set_content(body)
    if attachment:
        name, data, mime = attachment
        maintype, subtype = mime.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


def build_inbound_mail() -> None:
    """Four messages through the pipeline: a new grant application with a resume link, an executable
    (rejected, with the reason shown in the inbox), an out-of-office reply and list mail (ignored)."""
    if InboundMessage.objects.filter(message_id__startswith="<demo-").exists():
        return
    windows_program = b"MZ\x90\x00" + base64.b64encode(b"not really a program") * 4
    for raw in (
        _mail(
            "Priya Raman <priya.raman@example.org>",
            "Retraining grant application",
            "Hello, I would like to apply for a retraining grant. My CV: https://example.org/priya-raman-cv.pdf",
        ),
        _mail(
            "Mallory <mallory@example.net>",
            "My application",
            "Please run the attached.",
            attachment=("resume.exe", windows_program, "application/octet-stream"),
        ),
        _mail("Chidi Okafor <chidi@example.org>", "Automatic reply: out of office", "Back on Monday.", Auto_Submitted="auto-replied"),
        _mail("ML Weekly <news@ml-weekly.example>", "This week in ML", "Ten papers you missed.", List_Id="<weekly.ml-weekly.example>"),
    ):  # fmt: skip
        intake.ingest(raw, source=InboundMessage.Source.FILE, source_ref="demo")


def build_referees_and_retention(grant_call: Call) -> None:
    """The grant call asks for two referees (late letters welcome): each application in review has one
    letter in and one referee still asked. The rejected grant application was decided 11½ months ago,
    so the retention page lists it as due in about two weeks."""
    grant_call.referees_required, grant_call.late_letters = 2, True
    grant_call.save(update_fields=["referees_required", "late_letters"])
    for i, application in enumerate(grant_call.applications.filter(state="in_review").order_by("pk")):
        wrote = referees.name_referee(
            application, name=f"Prof. Reference {i + 1}", email=f"prof{i + 1}@university.example"
        )
        referees.submit_letter(
            wrote, text="I supervised them for two years: careful, quick, honest about what they do not know."
        )
        referees.name_referee(application, name=f"Former manager {i + 1}", email=f"manager{i + 1}@company.example")
    decided = timezone.now() - relativedelta(months=11) - timedelta(days=15)
    Application.objects.filter(call=grant_call, state="rejected").update(state_changed_at=decided)
