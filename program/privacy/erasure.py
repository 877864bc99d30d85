"""Erasure that keeps the books: a person (on request) or one record of theirs (by retention) loses
their name, addresses, answers, documents, letters and free text; what the law or the audit needs
stays, pseudonymised, with its reason and until when.

The rows are the export's (`export.collect`: everything about the person and what hangs from it, or
`rows_under` one record), plus records found by address (`policy.BY_ADDRESS`). Each table's rule is its
app's (`policy.POLICIES`): delete, blank some fields, or keep with a legal reason. The person's row
stays (events, payments and scores point at it) as "Erased person N" with an address that can never
receive mail. Last, `scrub` replaces the name and every address of the person in every text column
of every table, so a search finds neither. Files are deleted only after the transaction commits.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from program.models import ErasureRecord, StateEvent, User

from .export import DEPTH, children, collect
from .policy import BLOCKERS, BY_ADDRESS, POLICIES, Tally

MIN_NAME = 4  # a shorter name ("Al") would blank other words; the addresses are still replaced
DEFAULT_KEEP = "kept for statistics and the audit, without the name or addresses"


class ErasureError(ValueError):
    """Why a person cannot be erased yet, in words for the organizer."""


def pseudonym(person: User) -> tuple[str, str]:
    return f"Erased person {person.pk}", f"erased-{person.pk}@erased.invalid"


def blockers(person: User) -> list[str]:
    """What must happen first (a grant still paying, ...), from every app."""
    return [sentence for check in BLOCKERS for sentence in check(person)]


def erase_person(person: User, *, by: User | None, why: str, reason: str = "") -> ErasureRecord:
    if person.erased_at:
        raise ErasureError(f"{person.display_name} was erased on {person.erased_at:%Y-%m-%d}.")
    if waiting := blockers(person):
        raise ErasureError("Not yet: " + "; ".join(waiting) + ".")
    tally, now, doomed = Tally(), timezone.now(), []
    with transaction.atomic():
        person = User.objects.select_for_update().get(pk=person.pk)
        rows, _ = collect(person)
        rows.pop(User._meta.label_lower, None)
        name, addresses = person.full_name.strip(), _addresses(person, rows)
        for find in BY_ADDRESS:
            for label, found in find(person, addresses).items():
                if found:
                    rows.setdefault(label, []).extend(found)
        doomed = erase_rows(rows, tally, now)
        fake_name, fake_email = pseudonym(person)
        names = {name}
        for account in [person, *_merged_into(person)]:  # the accounts merged into this one are the same person
            addresses.add(account.email.lower())
            names.add(account.full_name.strip())
            account.full_name, account.email = pseudonym(account)
            account.is_active, account.erased_at = False, now
            account.set_unusable_password()
            account.save(update_fields=["full_name", "email", "is_active", "erased_at", "password"])
        record = _record(person, "person", why, by, reason, tally, now)
        record.replaced = scrub(_needles(names, addresses, fake_name, fake_email), protect=_homonyms(person, name))
        record.save(update_fields=["replaced"])
    _delete_files_after_commit(doomed)
    return record


def erase_records(person: User, start: models.Model, *, by: User | None, why: str, reason: str = "") -> ErasureRecord:
    """Erase one record of a person (an unsuccessful application, by retention) and what hangs from it;
    the name and addresses are replaced only inside those rows (the person may still be here)."""
    tally, now = Tally(), timezone.now()
    with transaction.atomic():
        rows = rows_under(start)
        name, addresses = person.full_name.strip(), _addresses(person, rows)
        doomed = erase_rows(rows, tally, now)
        record = _record(person, f"{start._meta.verbose_name} {start.pk}", why, by, reason, tally, now)
        only = {(label, row.pk) for label, items in rows.items() for row in items} | {
            ("program.erasurerecord", record.pk)
        }
        record.replaced = scrub(_needles({name}, addresses, *pseudonym(person)), only=only)
        record.save(update_fields=["replaced"])
    _delete_files_after_commit(doomed)
    return record


def rows_under(start: models.Model) -> dict[str, list[models.Model]]:
    """`start` and every row that hangs from it, up to the export's depth."""
    found: dict[str, dict] = defaultdict(dict)
    found[start._meta.label_lower][start.pk] = start
    frontier = {type(start): {start.pk}}
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    for _ in range(DEPTH):
        frontier = children(frontier, found, user_model)
        if not frontier:
            break
    return {label: list(items.values()) for label, items in found.items() if items}


def erase_rows(rows: dict[str, list[models.Model]], tally: Tally, now) -> list:
    """Apply each table's rule; returns the files to delete once the transaction commits."""
    doomed = []
    for label, items in rows.items():
        if not items:
            continue
        policy = POLICIES.get(label)
        model = items[0].__class__
        ids = [row.pk for row in items]
        if policy is not None and policy.delete:
            doomed += [_file(row, f) for row in items for f in _file_fields(model) if getattr(row, f.attname)]
            deleted, _ = model.objects.filter(pk__in=ids).delete()
            tally.count_removed(label, deleted)
            continue
        if policy is not None and policy.blank:
            values = {}
            for name in policy.blank:
                field = model._meta.get_field(name)
                if isinstance(field, models.FileField):
                    doomed += [_file(row, field) for row in items if getattr(row, field.attname)]
                values[name] = field.get_default() if isinstance(field, models.JSONField) else ""
            model.objects.filter(pk__in=ids).update(**values)
            tally.count_removed(f"{label} ({', '.join(policy.blank)})", len(ids))
        reason = (policy.keep_for if policy else "") or DEFAULT_KEEP
        kept = tally.kept.setdefault(label, {"rows": 0, "why": reason})
        kept["rows"] += len(ids)
        if policy is not None and policy.years:
            kept["until"] = (now + timedelta(days=365 * policy.years)).date().isoformat()
    tally.files = len(doomed)
    return doomed


def text_fields(model: type[models.Model]) -> list[models.Field]:
    """The columns a name or an address could be written in (choices and files are not free text). A
    person's own login address is one value that is unique: erasure sets it per account, never by text."""
    return [
        f for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField | models.JSONField) and not f.choices and not f.primary_key
        and not (model is User and f.name == User.EMAIL_FIELD)
    ]  # fmt: skip


def scrub(needles: list[tuple[str, str]], *, only: set | None = None, protect: set | None = None) -> int:
    """Replace each (text, replacement) in every text column of every table (case ignored), or only in
    the rows `only` names ({(label, pk)}); rows in `protect` keep a name that is someone else's too.
    Returns how many values changed."""
    changed = 0
    patterns = [(_pattern(text), new, text) for text, new in needles if text]
    for model in apps.get_models():
        label = model._meta.label_lower
        for field in text_fields(model):
            query, is_json = Q(), isinstance(field, models.JSONField)
            queryset = model.objects.annotate(_as_text=Cast(field.name, TextField())) if is_json else model.objects
            for _, _, text in patterns:
                forms = {text, json.dumps(text)[1:-1]} if is_json else {text}
                for form in forms:
                    query |= Q(**{"_as_text__icontains" if is_json else f"{field.name}__icontains": form})
            for pk, value in queryset.filter(query).values_list("pk", field.name):
                if only is not None and (label, pk) not in only:
                    continue
                new = _replace(value, patterns, skip_names=protect is not None and (label, pk) in protect)
                if new != value:
                    model.objects.filter(pk=pk).update(**{field.name: new})
                    changed += 1
    return changed


def _pattern(text: str) -> re.Pattern:
    """The text as a whole word or a whole address: `ada@x.org` is not replaced inside `nada@x.org` or
    `ada@x.org.uk`, `Ada King` not inside `Ada Kingsley`."""
    after = r"(?![\w-]|\.\w)" if "@" in text else r"(?!\w)"
    before = r"(?<![\w.+-])" if "@" in text else r"(?<!\w)"
    return re.compile(before + re.escape(text) + after, re.IGNORECASE)


def _replace(value, patterns, *, skip_names: bool):
    if isinstance(value, str):
        for pattern, new, text in patterns:
            if not (skip_names and "@" not in text):
                value = pattern.sub(new, value)
        return value
    if isinstance(value, dict):
        return {_replace(k, patterns, skip_names=skip_names): _replace(v, patterns, skip_names=skip_names)
                for k, v in value.items()}  # fmt: skip
    if isinstance(value, list):
        return [_replace(v, patterns, skip_names=skip_names) for v in value]
    return value


def _needles(names: set[str], addresses: set[str], fake_name: str, fake_email: str) -> list[tuple[str, str]]:
    found = [(address, fake_email) for address in sorted(addresses - {fake_email}, key=len, reverse=True)]
    return found + [(name, fake_name) for name in sorted(names, key=len, reverse=True) if len(name) >= MIN_NAME]


def _addresses(person: User, rows: dict[str, list[models.Model]]) -> set[str]:
    """Every address the person used: the login, allauth's addresses, the senders of their mail."""
    found = {person.email.lower()}
    for row in rows.get("account.emailaddress", []):
        found.add(row.email.lower())
    for row in rows.get("applications.inboundmessage", []):
        if getattr(row, "from_address", ""):
            found.add(row.from_address.lower())
    return {a for a in found if "@" in a and not a.endswith("@erased.invalid")}


def _merged_into(person: User) -> list[User]:
    """Closed accounts whose records were merged into `person` (every earlier merge points here)."""
    return list(User.objects.select_for_update().filter(merged_into=person))


def _homonyms(person: User, name: str) -> set:
    """Rows of other people with the same name: the name stays there (their addresses never do)."""
    if len(name) < MIN_NAME:
        return set()
    protect = set()
    for other in User.objects.filter(full_name__iexact=name).exclude(pk=person.pk):
        protect.add((User._meta.label_lower, other.pk))
        rows, _ = collect(other)
        protect |= {(label, row.pk) for label, items in rows.items() for row in items}
    return protect


def _file_fields(model: type[models.Model]) -> list[models.FileField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]


def _file(row: models.Model, field: models.FileField) -> tuple:
    stored = getattr(row, field.attname)
    return stored.storage, stored.name


def _delete_files_after_commit(doomed: list) -> None:
    def delete() -> None:
        for storage, name in doomed:
            try:
                storage.delete(name)
            except OSError:  # already gone: the row no longer names it either
                pass

    transaction.on_commit(delete)


def _record(person, scope, why, by, reason, tally: Tally, now) -> ErasureRecord:
    record = ErasureRecord.objects.create(
        person=person, scope=scope, why=why, by=by, at=now, reason=reason[:300], removed=tally.removed,
        kept=tally.kept, files=tally.files, replaced=tally.replaced,
    )  # fmt: skip
    StateEvent.objects.create(
        subject="program.user", subject_id=person.pk, actor=by, from_state="active" if scope == "person" else "",
        to_state="erased" if scope == "person" else "record_erased", note=f"{scope}: {record.get_why_display()}",
    )  # fmt: skip
    return record
