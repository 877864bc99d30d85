"""Triage: what a message is before anyone reads it as an application: a delivery report (the bounce
is recorded on our outbound message), an auto-reply or a mail loop, list or bulk mail, a missing or
unusable sender, a sender our own mail server says is forged (dmarc=fail in the topmost trusted
Authentication-Results). `Stop` ends processing with an outcome."""

from __future__ import annotations

import logging
import re
from email.message import Message
from email.utils import parseaddr

from django.conf import settings

from applications import outbox
from applications.intake.mime import header_text, raw_all, raw_header
from applications.models import InboundMessage, OutboundMessage
from applications.models import InboundOutcome as O
from program.text import clean_name

log = logging.getLogger(__name__)


_AUTO_SUBJECT = re.compile(
    r"^\s*(automatic reply|auto(matic)?[- ]?reply|out of (the )?office|abwesenheitsnotiz)\b", re.I
)


class Stop(Exception):
    """Processing ends here with this outcome (and reason, detail)."""

    def __init__(self, outcome: str, reason: str = "", detail: str = ""):
        super().__init__(detail)
        self.outcome, self.reason, self.detail = outcome, reason, detail


def record_bounce(message: InboundMessage, msg: Message) -> None:
    original_id, status = "", ""
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            text = (
                part.as_string()
                if not isinstance(part.get_payload(), list)
                else "\n".join(str(p) for p in part.get_payload())
            )
            found = re.search(r"^(Status|Diagnostic-Code):\s*(.+)$", text, re.M | re.I)
            status = clean_name(found.group(2), 200) if found else status
        elif ctype in ("message/rfc822", "text/rfc822-headers") and not original_id:
            inner = part.get_payload()
            if isinstance(inner, list) and inner:
                original_id = header_text(inner[0], "Message-ID")
            else:
                text = inner if isinstance(inner, str) else part.get_payload(decode=True).decode("utf-8", "replace")
                found = re.search(r"^Message-ID:\s*(<[^>]+>)", text, re.M | re.I)
                original_id = found.group(1) if found else ""
    outbound = OutboundMessage.objects.filter(message_id=original_id.strip()).first() if original_id else None
    if outbound:
        outbox.record_bounce(outbound, status=status)
        message.application = outbound.application
        message.detail = f"Bounce of “{outbound.subject}” to {outbound.to_email}" + (f" ({status})." if status else ".")
    else:
        message.detail = "A delivery report for a message Runway did not send (or cannot identify)."


def auto_reply_reason(msg: Message, sender: str) -> str:
    auto_submitted = raw_header(msg, "Auto-Submitted").split(";")[0].strip().lower()
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted} (RFC 3834): never answered."
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"):
        if raw_all(msg, name):
            return f"{name} header: an automatic reply, never answered."
    if raw_header(msg, "Precedence").strip().lower() == "auto_reply":
        return "Precedence: auto_reply: never answered."
    own = {settings.INBOUND_ADDRESS.lower(), parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower()}
    if sender and (
        sender in own
        or sender.split("@")[0].split("+")[0] == settings.INBOUND_ADDRESS.split("@")[0]
        and sender.endswith("@" + settings.INBOUND_ADDRESS.split("@")[-1])
    ):
        return "Sent from Runway's own address: a mail loop, ignored."
    if _AUTO_SUBJECT.match(header_text(msg, "Subject")):
        return "The subject says it is an automatic reply: never answered."
    return ""


def list_reason(msg: Message) -> str:
    if raw_all(msg, "List-Id"):
        return f"Mailing-list mail (List-Id: {raw_header(msg, 'List-Id')[:100]})."
    precedence = raw_header(msg, "Precedence").strip().lower()
    if precedence in ("bulk", "list", "junk"):
        return f"Bulk mail (Precedence: {precedence})."
    return ""


def check_sender(msg: Message, message: InboundMessage) -> None:
    if not raw_header(msg, "From").strip():
        raise Stop(O.REJECTED, "missing_sender", "The message has no From address, so there is nobody to answer.")
    if not message.from_address:
        raise Stop(
            O.REJECTED,
            "invalid_sender",
            f"The From header “{header_text(msg, 'From')[:100]}” holds no usable address.",
        )


def check_authentication(msg: Message) -> None:
    """Only the topmost Authentication-Results with our authserv-id counts; lower ones can be forged."""
    ours = settings.INBOUND_AUTHSERV_ID.strip().lower()
    if not ours:
        return
    for value in raw_all(msg, "Authentication-Results"):
        text = str(value)
        if text.split(";", 1)[0].strip().lower().split()[0:1] == [ours]:
            if re.search(r"\bdmarc\s*=\s*fail\b", text, re.I):
                raise Stop(
                    O.REJECTED,
                    "auth_failed",
                    f"Our mail server ({ours}) found that the sender's domain does not authorise it (dmarc=fail).",
                )
            return
