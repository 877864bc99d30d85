"""Payout details: what paying a grantee needs (a method label, a reference, the last four digits, the
tax form), changed only here, each change recorded with who and which fields (never the values)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from grants.models import PayoutDetails, PayoutDetailsChange
from program.files import delete_after_commit
from program.models import User
from program.text import clean_filename

PAYOUT_FIELDS = ("method_label", "reference", "last4", "tax_form_status")


def update_payout_details(grantee: User, *, by: User, **values) -> PayoutDetails:
    """Change payout details and record which fields changed (never their values)."""
    with transaction.atomic():
        details, created = PayoutDetails.objects.select_for_update().get_or_create(
            grantee=grantee, defaults={"method_label": ""}
        )
        changed = []
        upload = values.pop("tax_form", None)
        for field in PAYOUT_FIELDS:
            if field in values and values[field] is not None and (created or getattr(details, field) != values[field]):
                setattr(details, field, values[field])
                changed.append(field)
        if upload:  # stored under a generated name; the old file goes once this commits
            replaced = details.tax_form.name
            details.tax_form.save("tax-form.pdf", upload, save=False)
            details.tax_form_filename = clean_filename(getattr(upload, "name", "") or "tax-form.pdf", 255)
            delete_after_commit(details.tax_form.storage, replaced)
            changed.append("tax_form")
        if changed:
            details.updated_at = timezone.now()
            details.save()
            PayoutDetailsChange.objects.create(details=details, changed_by=by, fields=changed)
    return details
