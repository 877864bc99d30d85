"""Two accounts, one person: move everything of one account to the other and close it with a pointer.

Found generically, like the export: every relation of every model that points at a person
(`export.person_fields`: applications, documents' applications, reviews they wrote, grants,
enrollments, feedback, events they caused, roles, ...) is re-pointed from the closed account to the kept
one with one UPDATE per relation. Rows that hang from those (answers, reviews about their
applications, installments) follow their parent without being touched. A row whose move would break
a rule of its table (the kept account already holds that role, or a one-to-one profile) stays with
the closed account and is listed in the merge record with why; nothing is deleted. The closed account
is deactivated, its address leads to the kept account (`User.objects.person_at`), and the merge is a
`PersonMerge` row (which rows moved, per relation) plus a state event on the closed account.
"""

from __future__ import annotations

from django.apps import apps
from django.db import IntegrityError, transaction
from django.db.models import Model

from program.models import PersonMerge, StateEvent, User

from .export import person_fields, personal_models

EMAIL_ADDRESS = "account.emailaddress"  # allauth: the closed account's addresses become secondary ones


class MergeError(ValueError):
    """Why two accounts cannot be merged, in words for the organizer."""


def merge_people(kept: User, closed: User, *, by: User | None, note: str = "") -> PersonMerge:
    """Move every record of `closed` to `kept` in one transaction; returns the merge record."""
    if kept.pk == closed.pk:
        raise MergeError("An account cannot be merged into itself.")
    with transaction.atomic():
        locked = {u.pk: u for u in User.objects.select_for_update().filter(pk__in=[kept.pk, closed.pk]).order_by("pk")}
        kept, closed = locked[kept.pk], locked[closed.pk]
        for person in (kept, closed):
            if person.merged_into_id or person.erased_at:
                raise MergeError(f"{person.email} is already {'merged' if person.merged_into_id else 'erased'}.")
        if apps.is_installed("allauth.account"):
            apps.get_model(EMAIL_ADDRESS).objects.filter(user=closed).update(primary=False)
        moved: dict[str, list[int]] = {}
        left: list[dict] = []
        for model in personal_models():
            for field in person_fields(model):
                ids = _move(model, field, kept, closed, left)
                if ids:
                    moved[f"{model._meta.label_lower}.{field.name}"] = ids
        if not kept.full_name and closed.full_name:
            kept.full_name = closed.full_name
            kept.save(update_fields=["full_name"])
        closed.merged_into, closed.is_active = kept, False
        closed.set_unusable_password()
        closed.save(update_fields=["merged_into", "is_active", "password"])
        record = PersonMerge.objects.create(kept=kept, closed=closed, by=by, note=note[:500], moved=moved, left=left)
        StateEvent.objects.create(
            subject="program.user", subject_id=closed.pk, actor=by, from_state="active", to_state="merged",
            note=f"Merged into #{kept.pk} ({kept.email}), merge #{record.pk}: {record.rows_moved} rows moved. {note}"[:2000],
        )  # fmt: skip
    return record


def _move(model: type[Model], field, kept: User, closed: User, left: list[dict]) -> list[int]:
    """Re-point one relation; one UPDATE, or row by row when that breaks a rule (the rows that cannot
    move are added to `left`)."""
    label = model._meta.label_lower
    if field.many_to_many:
        return _move_many(model, field, kept, closed)
    ids = list(model.objects.filter(**{field.name: closed}).values_list("pk", flat=True))
    if not ids:
        return []
    try:
        with transaction.atomic():
            model.objects.filter(pk__in=ids).update(**{field.name: kept})
        return ids
    except IntegrityError:
        pass
    done = []
    for pk in ids:
        try:
            with transaction.atomic():
                model.objects.filter(pk=pk).update(**{field.name: kept})
            done.append(pk)
        except IntegrityError:
            left.append({
                "row": f"{label} #{pk}", "relation": field.name,
                "why": f"the kept account already has this {model._meta.verbose_name} (a rule of the table)",
            })  # fmt: skip
    return done


def _move_many(model: type[Model], field, kept: User, closed: User) -> list[int]:
    ids = []
    for row in model.objects.filter(**{field.name: closed}):
        people = getattr(row, field.name)
        people.add(kept)
        people.remove(closed)
        ids.append(row.pk)
    return ids
