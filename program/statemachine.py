"""The one way a tracked state changes (shared/ARCHITECTURE.md, "State machines").

`change_state` locks the row, checks the move against the caller's table of allowed transitions,
saves the new state with its timestamp, and records an event row (who, when, from, to, note) in the
same transaction. Applications and grants each keep their own table, event model and named function
(`transition_application`, `transition_grant`) on top of it.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import models, transaction
from django.utils import timezone


class TransitionNotAllowed(Exception):
    pass


def change_state(
    instance: models.Model,
    *,
    to: str,
    by,
    note: str,
    transitions: Mapping[str, frozenset[str]],
    states: type[models.TextChoices],
    event_model: type[models.Model],
    event_field: str,
    noun: str,
) -> models.Model:
    to = states(to)
    with transaction.atomic():
        locked = type(instance).objects.select_for_update().get(pk=instance.pk)
        if to not in transitions[locked.state]:
            article = "An" if noun[0] in "aeiou" else "A"
            raise TransitionNotAllowed(
                f"{article} {noun} that is {states(locked.state).label.lower()} cannot become {to.label.lower()}."
            )
        previous = locked.state
        locked.state = to
        locked.state_changed_at = timezone.now()
        locked.save(update_fields=["state", "state_changed_at"])
        event_model.objects.create(
            **{event_field: locked}, actor=by, from_state=previous, to_state=to, note=note, at=locked.state_changed_at
        )
    instance.state, instance.state_changed_at = locked.state, locked.state_changed_at
    return instance
