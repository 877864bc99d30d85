"""Emails about a grantee's payout: their bank details changed (sent to every address of record, old
and new, so a takeover of the account is noticed), and a payment came back from the bank."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.utils import timezone

from applications import outbox
from grants.models import Installment, PayoutDetails
from program.absolute import absolute_url
from program.models import User


def addresses_of_record(person: User) -> list[str]:
    """The person's address and every other address they signed in with (old and new)."""
    found = [person.email] + list(EmailAddress.objects.filter(user=person).values_list("email", flat=True))
    return sorted({address.lower() for address in found if address})


def details_changed(details: PayoutDetails, *, by: User | None) -> int:
    """Tell the grantee, at every address of record, that their bank details changed."""
    person, stamp = details.grantee, timezone.now().strftime("%Y%m%d%H%M%S%f")
    grant = person.grants.order_by("-created_at").first()
    context = {
        "name": person.display_name,
        "details": details,
        "by_self": by is not None and by.pk == person.pk,
        "url": absolute_url("grants:payout", pk=grant.pk) if grant else absolute_url("program:home"),
    }
    for address in addresses_of_record(person):
        outbox.queue_email(
            "payout-details-changed", to=address, context=context,
            idempotency_key=f"payout-changed:{details.pk}:{stamp}:{address}",
        )  # fmt: skip
    return len(addresses_of_record(person))


def details_returned(installment: Installment, *, reason: str) -> None:
    """A payment came back: the grantee's details no longer count as confirmed, and they are asked to
    enter them again."""
    grantee = installment.grant.grantee
    PayoutDetails.objects.filter(grantee=grantee).update(confirmed_at=None, confirmed_by=None)
    outbox.queue_email(
        "payout-returned",
        to=grantee.email,
        context={
            "name": grantee.display_name,
            "installment": installment,
            "reason": reason,
            "url": absolute_url("grants:payout", pk=installment.grant_id),
        },
        idempotency_key=f"payout-returned:{installment.pk}:{installment.attempt}",
    )
