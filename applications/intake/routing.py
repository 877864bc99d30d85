"""Routing: which application a message belongs to (a reply by token or by In-Reply-To/References, an
open application of the sender) and which call a new one goes to (the +tag of our address, `--call`,
or the default call, created on first use so a fresh install never drops mail)."""

from __future__ import annotations

import logging
from email.message import Message
from email.utils import getaddresses

from allauth.account.models import EmailAddress
from django.conf import settings

from applications.intake.mime import MESSAGE_ID_TOKEN, raw_all, raw_header
from applications.models import Application, ApplicationState, Call, CallKind, OutboundMessage
from program.models import User

log = logging.getLogger(__name__)


DEFAULT_CALL_SLUG = "retraining-grants"


def recipients_of(msg: Message) -> list[str]:
    values = []
    for name in ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To"):
        values.extend(raw_all(msg, name))
    return [addr.lower() for _, addr in getaddresses(values) if "@" in addr]


def plus_tag(recipients: list[str]) -> str | None:
    """The +tag of our inbound address among the recipients, if any (apply+mlab3-ta@… → mlab3-ta)."""
    base_local, _, base_domain = settings.INBOUND_ADDRESS.lower().partition("@")
    for address in recipients:
        local, _, domain = address.partition("@")
        name, plus, tag = local.partition("+")
        if plus and name == base_local and (domain == base_domain or not base_domain):
            return tag
    return None


def find_thread(msg: Message, recipients: list[str]) -> Application | None:
    tag = plus_tag(recipients)
    if tag and tag.startswith("r-"):
        application = Application.objects.filter(reply_token=tag[2:]).select_related("applicant", "call").first()
        if application:
            return application
    ids = MESSAGE_ID_TOKEN.findall(raw_header(msg, "In-Reply-To") + " " + raw_header(msg, "References"))
    if ids:
        outbound = (
            OutboundMessage.objects.filter(message_id__in=ids, application__isnull=False)
            .select_related("application__applicant", "application__call")
            .order_by("-created_at")
            .first()
        )
        if outbound:
            return outbound.application
    return None


def route(recipients: list[str], call_slug: str | None, calls: dict | None = None) -> Call:
    """The call for a new application; `calls` caches the lookups of one batch of messages."""
    slug = call_slug or plus_tag(recipients)
    if calls is not None and slug in calls:
        return calls[slug]
    call = Call.objects.filter(slug=slug).first() if slug else None
    call = call or default_call()
    if calls is not None:
        calls[slug] = call
    return call


def default_call() -> Call:
    """The call for mail to the bare address; created on first use so a fresh install never drops mail."""
    call = Call.objects.filter(is_default=True).first()
    if call:
        return call
    call, _ = Call.objects.get_or_create(
        slug=DEFAULT_CALL_SLUG,
        defaults={"name": "Retraining grants", "kind": CallKind.GRANT, "is_default": True},
    )
    return call


def open_application(applicant: User | None, call: Call, *, explicit: bool) -> Application | None:
    if applicant is None:
        return None
    open_apps = Application.objects.filter(applicant=applicant, state__in=ApplicationState.open_states).select_related(
        "call"
    )
    same_call = open_apps.filter(call=call).order_by("-created_at").first()
    if same_call or explicit:
        return same_call
    return open_apps.order_by("-created_at").first()


def new_applicant(address: str, name: str) -> User:
    user = User.objects.create_user(address, full_name=name[:200])
    user._roles_cache = frozenset()  # a new person has no roles yet: no need to ask the database
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    return user
