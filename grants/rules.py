"""Object-level permissions for grants (see program/rules.py for the role predicates)."""

import rules

from grants.payments.batches import has_payments_permission
from program.rules import is_organizer


@rules.predicate
def is_own_grant(user, grant) -> bool:
    return grant is not None and user.is_authenticated and grant.grantee_id == user.pk


@rules.predicate
def can_make_payments(user) -> bool:
    return user.is_authenticated and has_payments_permission(user)


rules.add_perm("grants.view_grant", is_organizer | is_own_grant)
rules.add_perm("grants.manage_grants", is_organizer)
rules.add_perm("grants.pay", is_organizer & can_make_payments)

ADMIN_MODELS = ("grant", "grantevent", "grantapproval", "installment", "paymentbatch", "payment")
for _model in ADMIN_MODELS:
    for _action in ("add", "change", "delete") + (("view",) if _model != "grant" else ()):
        rules.add_perm(f"grants.{_action}_{_model}", is_organizer)
rules.add_perm("grants", is_organizer)

# Alumni and hiring: organizers only (notes are never shown to the person or to other roles).
rules.add_perm("grants.manage_alumni", is_organizer)
