"""Everything Runway holds about a person, as one ZIP: `manifest.json` (what is in it), one JSON file per
kind of record (`applications.application.json`, ...) and the person's files under `files/`.

Which rows: every row of every model with a foreign key, one-to-one or many-to-many to the person as
its subject (their applications, enrollments, grants, feedback, ...), then, up to three steps away,
every row that points at one of those (the answers, documents, reviews and emails of their
applications, the installments of their grants and the payments of those). Rows where they are
only the actor (`ACTOR_FIELDS`: a decision they made, a review they wrote about someone else) go
under `actions/` as the bare fact: which record, in which role, when. Secrets are left out (password hashes, sealed bank
details, link tokens), and so are rows of tables listed in `NOT_PERSONAL` (with the reason). Files in
file fields of the exported rows are copied into the ZIP.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Q

DEPTH = 3  # person → application → answers; person → grant → installment → payment
SECRET_FIELDS = {"password", "sealed", "token", "secret", "key_hash", "feed_token", "link_token"}
SECRET_BY_MODEL = {"mfa.authenticator": {"data"}}  # the TOTP secret and recovery codes
# Relations that name who *did* something (an organizer deciding, a reviewer scoring, a payer paying):
# those rows are the person's actions but mostly about someone else, so they are exported as the bare
# fact (which record, which relation, when), never their text, and nothing is followed from them.
ACTOR_FIELDS = {
    "actor", "author", "approver", "assigned_by", "by", "changed_by", "confirmed_by", "created_by", "decided_by",
    "declared_by", "edited_by", "entered_by", "granted_by", "imported_by", "interviewer", "made_by", "recorded_by",
    "released_by", "resolved_by", "reviewer", "speaker", "uploaded_by",
}  # fmt: skip
# Tables that point at people without being about them; each with why it stays out.
NOT_PERSONAL = {
    "admin.logentry": "the admin's own audit log of staff actions (kept for the staff member, not the subject)",
    "sessions.session": "login sessions, deleted when they expire",
}


def person_fields(model: type[models.Model]) -> list[models.Field]:
    """The model's own relations (foreign key, one-to-one, many-to-many) that point straight at a person."""
    user = apps.get_model(settings.AUTH_USER_MODEL)
    return [
        f
        for f in model._meta.get_fields()
        if not f.auto_created  # reverse relations are another model's fields
        and (f.many_to_one or f.one_to_one or f.many_to_many)
        and f.related_model is user
    ]


def personal_models() -> list[type[models.Model]]:
    """Every model with a direct relation to a person (the export's completeness test walks these)."""
    return [m for m in apps.get_models() if person_fields(m) and m._meta.label_lower not in NOT_PERSONAL]


def collect(person) -> tuple[dict[str, list[models.Model]], dict[str, list[models.Model]]]:
    """({model label: rows about `person`}, {model label: rows that only record what they did})."""
    found: dict[str, dict[int, models.Model]] = defaultdict(dict)
    actions: dict[str, dict[int, models.Model]] = defaultdict(dict)
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    found[user_model._meta.label_lower][person.pk] = person
    frontier: dict[type[models.Model], set] = {}
    for model in personal_models():
        if model is user_model:
            continue
        fields = person_fields(model)
        subject = Q()
        for field in (f for f in fields if f.name not in ACTOR_FIELDS):
            subject |= Q(**{field.name: person})
        acted = Q()
        for field in (f for f in fields if f.name in ACTOR_FIELDS):
            acted |= Q(**{field.name: person})
        label = model._meta.label_lower
        if subject:
            rows = list(model.objects.filter(subject).distinct())
            found[label].update((row.pk, row) for row in rows)
            if rows:
                frontier[model] = {row.pk for row in rows}
        if acted:
            for row in model.objects.filter(acted).exclude(pk__in=list(found[label])).distinct():
                actions[label][row.pk] = row
    for _ in range(DEPTH - 1):
        frontier = children(frontier, found, user_model)
        if not frontier:
            break
    return (
        {label: list(rows.values()) for label, rows in found.items() if rows},
        {label: list(rows.values()) for label, rows in actions.items() if rows},
    )


def children(parents: dict, found: dict, user_model) -> dict:
    """Rows pointing at any of `parents`' rows, not seen yet."""
    fresh: dict[type[models.Model], set] = defaultdict(set)
    for model in apps.get_models():
        if model is user_model or model._meta.label_lower in NOT_PERSONAL:
            continue
        query = Q()
        for field in model._meta.get_fields():
            target = getattr(field, "related_model", None)
            if field.concrete and (field.many_to_one or field.one_to_one) and target in parents:
                query |= Q(**{f"{field.name}__in": parents[target]})
        if not query:
            continue
        seen = found[model._meta.label_lower]
        for row in model.objects.filter(query).distinct():
            if row.pk not in seen:
                seen[row.pk] = row
                fresh[model].add(row.pk)
    return fresh


def _value(row: models.Model, field: models.Field):
    value = getattr(row, field.attname)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(field, models.FileField):
        return value.name if value else ""
    if isinstance(value, bytes | memoryview):
        return f"<{len(value)} bytes>"
    return value


def _record(row: models.Model) -> dict:
    out = {"id": row.pk}
    for field in row._meta.concrete_fields:
        if field.name in SECRET_FIELDS | SECRET_BY_MODEL.get(row._meta.label_lower, set()):
            continue
        out[field.name] = _value(row, field)
    for field in row._meta.many_to_many:
        out[field.name] = list(getattr(row, field.name).values_list("pk", flat=True))
    return out


def _fact(row: models.Model, person) -> dict:
    """What the person did in this row, without what it says about others: the record, the relation
    naming them, and its dates."""
    out = {"id": row.pk, "as": [f.name for f in person_fields(type(row)) if _points_at(row, f, person)]}
    for field in row._meta.concrete_fields:
        if isinstance(field, models.DateField | models.DateTimeField):
            out[field.name] = _value(row, field)
    return out


def _points_at(row: models.Model, field: models.Field, person) -> bool:
    if field.many_to_many:
        return getattr(row, field.name).filter(pk=person.pk).exists()
    return getattr(row, field.attname) == person.pk


def export_zip(person) -> tuple[bytes, dict]:
    """The ZIP and its manifest ({label: rows}); files that cannot be read are listed, not fatal."""
    rows, actions = collect(person)
    manifest = {
        "person": person.pk,
        "made_at": datetime.now().astimezone().isoformat(),
        "records": {},
        "actions": {},
        "files": [],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for label in sorted(rows):
            records = [_record(r) for r in sorted(rows[label], key=lambda r: r.pk)]
            manifest["records"][label] = len(records)
            archive.writestr(f"{label}.json", json.dumps(records, ensure_ascii=False, indent=1, default=str))
            for row in rows[label]:
                for field in row._meta.concrete_fields:
                    if isinstance(field, models.FileField) and getattr(row, field.attname):
                        manifest["files"].append(_add_file(archive, label, row, field))
        for label in sorted(actions):
            facts = [_fact(r, person) for r in sorted(actions[label], key=lambda r: r.pk)]
            manifest["actions"][label] = len(facts)
            archive.writestr(f"actions/{label}.json", json.dumps(facts, ensure_ascii=False, indent=1, default=str))
        manifest["not_exported"] = NOT_PERSONAL
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
    return buffer.getvalue(), manifest


def _add_file(archive: zipfile.ZipFile, label: str, row: models.Model, field: models.Field) -> str:
    stored = getattr(row, field.attname)
    name = f"files/{label}/{row.pk}-{field.name}-{stored.name.rsplit('/', 1)[-1]}"
    try:
        with stored.open("rb") as handle:
            archive.writestr(name, handle.read())
    except OSError:
        return f"{name} (missing from storage)"
    return name
