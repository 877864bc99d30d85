"""Reading a message: parsed with compat32 and decoded only where the pipeline reads (each header the
way policy.default decodes it, once per message), every leaf part walked without recursion (forwarded
messages and Outlook's winmail.dat included), file names decoded (RFC 2231 / RFC 2047) and cleaned."""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from email import policy
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses
from pathlib import PurePosixPath, PureWindowsPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from applications.intake import documents
from program.text import clean_text, strip_bidi

log = logging.getLogger(__name__)


MESSAGE_ID_TOKEN = re.compile(r"<[^<>\s]+>")


_BLANK_LINE = re.compile(rb"\r?\n\r?\n")  # where the header block ends


@dataclass
class Attachment:
    filename: str
    data: bytes
    classification: documents.Classification

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class Parsed:
    body_text: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    leaves: int = 0
    depth: int = 0


def walk(msg: Message) -> Parsed:
    """Every leaf part, also inside forwarded messages and Outlook's winmail.dat, without recursion."""
    parsed = Parsed()
    stack: list[tuple[Message, int]] = [(msg, 1)]
    while stack:
        part, depth = stack.pop()
        parsed.depth = max(parsed.depth, depth)
        if depth > settings.INBOUND_MAX_DEPTH + 1:
            continue
        if part.is_multipart():
            children = part.get_payload()
            stack.extend((child, depth + 1) for child in reversed(children if isinstance(children, list) else []))
            continue
        parsed.leaves += 1
        if parsed.leaves > settings.INBOUND_MAX_PARTS:
            break
        ctype = part.get_content_type()
        filename = part_filename(part)
        if ctype == "message/rfc822":
            inner = part.get_payload()
            inner = inner[0] if isinstance(inner, list) and inner else inner
            if isinstance(inner, Message):
                stack.append((inner, depth + 1))
            continue
        if ctype in ("message/delivery-status", "text/rfc822-headers"):
            continue
        is_attachment = part.get_content_disposition() == "attachment" or bool(filename)
        if ctype in ("text/plain", "text/html") and not is_attachment:
            if ctype == "text/plain" and not parsed.body_text:
                parsed.body_text = nfc(text_of(part))
            elif ctype == "text/html" and not parsed.body_text:
                parsed.body_text = nfc(re.sub(r"<[^>]+>", " ", text_of(part)))
            continue
        data = part.get_payload(decode=True) or b""
        if ctype == "application/ms-tnef" or filename.lower() == "winmail.dat":
            parsed.attachments.extend(tnef_attachments(data))
            continue
        declared_text = ctype == "text/plain" and bool(filename)
        parsed.attachments.append(Attachment(filename, data, documents.classify(data, declared_text=declared_text)))
    return parsed


def tnef_attachments(data: bytes) -> list[Attachment]:
    from tnefparse import TNEF  # noqa: PLC0415  (a rarely used parser; loaded only for winmail.dat)

    try:
        tnef = TNEF(data)
    except Exception as exc:  # a broken winmail.dat is ignored, not fatal
        return [
            Attachment(
                "winmail.dat", b"", documents.Classification("ignored", detail=f"an unreadable winmail.dat ({exc})")
            )
        ]
    found = []
    for item in tnef.attachments:
        name = item.long_filename() or item.name or "attachment"
        if isinstance(name, bytes):
            name = name.decode("utf-8", "replace")
        name = safe_filename(name)
        found.append(
            Attachment(name, item.data, documents.classify(item.data, declared_text=name.lower().endswith(".txt")))
        )
    return found


def headers_only(raw: bytes) -> Message:
    """The header block alone (the parser would otherwise read the whole body line by line)."""
    blank = _BLANK_LINE.search(raw)
    return BytesParser(policy=policy.compat32).parsebytes(raw[: blank.end() if blank else len(raw)], headersonly=True)


_UNSTRUCTURED = {"subject", "comments"}  # free text: no addresses, ids or parameters to parse


def header_text(msg: Message, name: str) -> str:
    """A header's decoded text, read the way the modern API (policy.default) reads it: RFC 2047 words
    decoded, folding undone. The message itself is parsed with compat32, which keeps every header's
    source text and skips the structured parsing of headers nobody asks for (most of a parse's time);
    the few headers the pipeline reads as text are decoded here, one at a time. A malformed header
    gives its raw text instead of an exception. Decoded once per message and header."""
    memo = msg.__dict__.setdefault("_runway_text", {})
    lowered = name.lower()
    if lowered not in memo:
        memo[lowered] = ""
        for key, value in getattr(msg, "_headers", []):
            if key.lower() == lowered:
                try:
                    if lowered in _UNSTRUCTURED and value.isascii() and "=?" not in value:
                        # What the modern API gives for plain ASCII text: the value with line breaks removed.
                        memo[lowered] = value.replace("\r", "").replace("\n", "")
                    else:
                        memo[lowered] = str(policy.default.header_fetch_parse(key, value))
                except Exception:
                    memo[lowered] = str(value)
                break
    return memo[lowered]


def raw_all(msg: Message, name: str) -> list[str]:
    """A header's raw values, in order, without the policy's structured parsing (which is slow and
    not needed to read a flag or an address list). Built once per message part."""
    index = msg.__dict__.get("_runway_raw")
    if index is None:
        index = {}
        for key, value in getattr(msg, "_headers", []):
            index.setdefault(key.lower(), []).append(str(value).replace("\r", "").replace("\n", " "))
        msg.__dict__["_runway_raw"] = index
    return index.get(name.lower(), [])


def raw_header(msg: Message, name: str) -> str:
    values = raw_all(msg, name)
    return values[0] if values else ""


def message_id(value: str) -> str:
    """The <id@host> token of a Message-ID header; whatever else is folded into it is dropped."""
    value = clean_text(value)
    found = MESSAGE_ID_TOKEN.search(value)
    return (found.group() if found else value.strip())[:998]


def sender(msg: Message) -> tuple[str, str]:
    raw = raw_header(msg, "From")
    # Plain ASCII without encoded words or comments reads the same raw or decoded (the decoding parser
    # is slow); anything else goes through the modern API's address parser.
    plain = raw.isascii() and "=?" not in raw and "(" not in raw
    text = raw if plain else header_text(msg, "From")
    for name, address in getaddresses([text]):
        address = address.strip().lower()
        try:
            validate_email(address)
        except ValidationError:
            continue
        return nfc(name.strip().strip('"')), address
    return "", ""


def part_filename(part: Message) -> str:
    """The attachment's name: RFC 2231 parameters (compat32 handles them) and RFC 2047 words."""
    try:
        name = part.get_filename() or ""
        if "=?" in name:
            name = str(make_header(decode_header(name)))
    except Exception:
        name = ""
    return safe_filename(name) if name else ""


def safe_filename(name: str) -> str:
    """NFC, no directories, no control characters or bidirectional overrides, at most 200 characters."""
    name = nfc(name)
    name = PureWindowsPath(PurePosixPath(name).name).name
    name = strip_bidi(re.sub(r"[\x00-\x1f\x7f]", "", name)).strip()
    return name[:200]


def text_of(part: Message) -> str:
    """A text part's content in its declared charset (the modern API's content manager)."""
    try:
        return policy.default.content_manager.get_content(part)
    except (LookupError, UnicodeError, AssertionError, KeyError, ValueError):
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", "replace")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text or "")
