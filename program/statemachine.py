"""The one way a tracked state changes (shared/ARCHITECTURE.md, "State machines").

Each stateful model has a `StateMachine`: its states, the table of allowed moves, and where its events
go (its own event table, or the shared `StateEvent`). `change_state` is the only code that writes a
state:

- by default it locks the row (`select_for_update`), checks the move against the table, saves the state
  (and its timestamp, and any `fields` that go with the move), and records an event (who, when, from,
  to, why) in the same transaction;
- with `claim_from=` it is a claim where money or mail is at stake: one conditional
  `UPDATE … WHERE state = <claim_from>`; only the caller whose update changed the row goes on (the
  others get None), and the event is recorded in the same transaction;
- `change_states` moves many rows at once (a periodic job) with one conditional UPDATE and one bulk
  insert of their events.

Pages offer only the moves `machine.allowed(state)` returns (and the person may make).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import connection, models, transaction
from django.utils import timezone

from program.bulk import ids_in
from program.models import StateEvent


class TransitionNotAllowed(Exception):
    pass


@dataclass(frozen=True)
class StateMachine:
    """A model's states and allowed moves. `event_model`/`event_field`: its own event table (with
    actor, from_state, to_state, note, at); without one, events go to `program.StateEvent`."""

    model: type[models.Model]
    states: type[models.TextChoices]
    transitions: Mapping[str, frozenset[str]]
    noun: str
    event_model: type[models.Model] | None = None
    event_field: str = ""
    timestamp_field: str | None = "state_changed_at"
    state_field: str = "state"

    def allowed(self, state: str) -> frozenset[str]:
        """The states `state` may move to."""
        return self.transitions.get(state, frozenset())

    def refusal(self, state: str, to: str) -> TransitionNotAllowed:
        article = "An" if self.noun[0] in "aeiou" else "A"
        label = lambda s: self.states(s).label.lower()  # noqa: E731
        return TransitionNotAllowed(f"{article} {self.noun} that is {label(state)} cannot become {label(to)}.")

    def events(self, instance: models.Model, previous: str, to: str, by, note: str, at) -> models.Model:
        """The event row (not saved) for one move."""
        return self.event_for(instance.pk, previous, to, by, note, at)

    def event_for(self, pk, previous: str, to: str, by, note: str, at) -> models.Model:
        """The event row (not saved) for one move of the row `pk` (no instance needed: bulk moves)."""
        common = {"actor": by, "from_state": previous, "to_state": to, "note": note[:2000], "at": at}
        if self.event_model is not None:
            return self.event_model(**{f"{self.event_field}_id": pk}, **common)
        return StateEvent(subject=self.model._meta.label_lower, subject_id=pk, **common)


def change_state(
    instance: models.Model,
    *,
    to: str,
    by,
    machine: StateMachine,
    note: str = "",
    claim_from: str | None = None,
    fields: dict | None = None,
) -> models.Model | None:
    """Move `instance` to `to` (see the module's docstring). Returns the instance with its new state;
    with `claim_from`, None when another process claimed (or moved) the row first."""
    to = machine.states(to)
    fields = dict(fields or {})
    with transaction.atomic():
        now = timezone.now()
        if machine.timestamp_field:
            fields[machine.timestamp_field] = now
        if claim_from is not None:
            if to not in machine.allowed(claim_from):
                raise machine.refusal(claim_from, to)
            won = (
                type(instance)
                .objects.filter(pk=instance.pk, **{machine.state_field: claim_from})
                .update(**{machine.state_field: to}, **fields)
            )
            if not won:
                return None
            previous = claim_from
        else:
            locked = type(instance).objects.select_for_update().get(pk=instance.pk)
            previous = getattr(locked, machine.state_field)
            if to not in machine.allowed(previous):
                raise machine.refusal(previous, to)
            type(instance).objects.filter(pk=instance.pk).update(**{machine.state_field: to}, **fields)
        machine.events(instance, previous, to, by, note, now).save()
    setattr(instance, machine.state_field, to)
    for name, value in fields.items():
        if not hasattr(value, "resolve_expression"):  # an F() expression: the caller refreshes if it needs it
            setattr(instance, name, value)
    return instance


def change_states(
    queryset, *, to: str, by, machine: StateMachine, note: str = "", fields: dict | None = None
) -> list[int]:
    """Move every row of `queryset` whose state allows it to `to`, with one event each; returns the ids
    moved. Rows are locked first, so a row another process moves meanwhile is skipped, never moved twice."""
    to = machine.states(to)
    sources = [state for state, targets in machine.transitions.items() if to in targets]
    fields = dict(fields or {})
    with transaction.atomic():
        now = timezone.now()
        if machine.timestamp_field:
            fields[machine.timestamp_field] = now
        state = machine.state_field
        locked = queryset.filter(**{f"{state}__in": sources}).select_for_update(of=("self",))
        rows = list(locked.values_list("pk", state))
        if not rows:
            return []
        machine.model.objects.filter(pk__in=ids_in([pk for pk, _ in rows])).update(**{state: to}, **fields)
        _insert_events(machine, rows, to, by, note, now)
    return [pk for pk, _ in rows]


def _insert_events(machine: StateMachine, rows: list[tuple], to: str, by, note: str, at) -> None:
    """One event per moved row (COPY on PostgreSQL, multi-row INSERTs elsewhere). The rows differ
    only in the subject and the previous state, so every other column is prepared once (bulk_create
    compiles each value of each row: most of a 10,000-row move's time)."""
    template = machine.event_for(None, "", to, by, note, at)
    model = type(template)
    subject = f"{machine.event_field}_id" if machine.event_model is not None else "subject_id"
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    prepared = [f.get_db_prep_save(f.pre_save(template, True), connection) for f in fields]
    slots = {f.attname: i for i, f in enumerate(fields)}
    quote = connection.ops.quote_name
    head = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) VALUES "
    one = f"({', '.join(['%s'] * len(fields))})"

    def values():
        for pk, previous in rows:
            row = list(prepared)
            row[slots[subject]], row[slots["from_state"]] = pk, previous
            yield row

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # COPY: a tenth of the time of INSERTs on PostgreSQL
            columns = ", ".join(quote(f.column) for f in fields)
            with cursor.cursor.copy(f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
                for row in values():
                    copy.write_row(row)
            return
        per_statement = min(1000, (connection.features.max_query_params or 999) // len(fields))
        pending = list(values())
        for start in range(0, len(pending), per_statement):
            chunk = pending[start : start + per_statement]
            cursor.execute(head + ", ".join([one] * len(chunk)), [v for row in chunk for v in row])
