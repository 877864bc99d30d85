"""Object-level permissions for grants (see program/rules.py for the role predicates)."""

import rules

from program.rules import is_organizer


@rules.predicate
def is_own_grant(user, grant) -> bool:
    return grant is not None and user.is_authenticated and grant.grantee_id == user.pk


rules.add_perm("grants.view_grant", is_organizer | is_own_grant)

for _model in ("grant", "grantevent"):
    for _action in ("add", "change", "delete") + (("view",) if _model != "grant" else ()):
        rules.add_perm(f"grants.{_action}_{_model}", is_organizer)
rules.add_perm("grants", is_organizer)
