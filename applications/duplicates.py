"""One person, two accounts: likely duplicates, found when an application arrives and when it is
submitted (its resume and answers are in by then), listed for organizers with the evidence. Nothing is
ever merged automatically.

Signals, each enough to list a pair: the same address ignoring case and a `+tag`
(`ada+grants@x.org` = `Ada@x.org`); the same resume (SHA-256 of the file); the same GitHub, LinkedIn or
website answer (host without `www.`, path without a trailing slash, case-folded; a bare host or a
profile-less path such as `linkedin.com/in` never counts). The same name (accents, case and spacing
ignored) is added as evidence to a pair another signal found, never on its own: two Maria Garcías
are two people.
"""

from __future__ import annotations

import logging
import unicodedata
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q
from django.utils import timezone

from applications.models import Answer, Application, Document, PossibleDuplicate, QuestionKind
from program.models import PersonMerge, User
from program.privacy.merge import MergeError, merge_people

log = logging.getLogger(__name__)

EMPTY_PATHS = {"", "/in", "/company", "/pub", "/profile", "/user", "/users"}


def base_address(email: str) -> tuple[str, str]:
    local, _, domain = email.strip().lower().partition("@")
    return local.split("+", 1)[0], domain


def profile_url(value) -> str:
    """A URL answer reduced to what identifies a profile, or "" when it identifies nobody."""
    text = str(value or "").strip()
    if not text:
        return ""
    parts = urlsplit(text if "//" in text else f"//{text}")
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = parts.path.rstrip("/").casefold()
    if not host or "." not in host or path in EMPTY_PATHS:
        return ""
    return f"{host}{path}"


def plain_name(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name or "")
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(letters.casefold().split())


def evidence_for(person: User) -> dict[int, list[str]]:
    """{other person's id: sentences} for everyone sharing a signal with `person`."""
    found: dict[int, list[str]] = {}

    def add(other: int, sentence: str) -> None:
        if other != person.pk and sentence not in found.setdefault(other, []):
            found[other].append(sentence)

    local, domain = base_address(person.email)
    if local and domain:
        same = User.objects.filter(
            Q(email__iexact=f"{local}@{domain}") | Q(email__istartswith=f"{local}+", email__iendswith=f"@{domain}")
        )
        for other, email in same.exclude(pk=person.pk).values_list("pk", "email"):
            if base_address(email) == (local, domain):
                add(other, f"same address apart from case or a +tag: {person.email} and {email}")
    hashes = set(
        Document.objects.filter(application__applicant=person, kind=Document.Kind.RESUME)
        .exclude(sha256="")
        .values_list("sha256", flat=True)
    )
    for other, digest in (
        Document.objects.filter(sha256__in=hashes).exclude(application__applicant=person)
        .values_list("application__applicant_id", "sha256").distinct()
    ):  # fmt: skip
        add(other, f"the same resume file (SHA-256 {digest[:12]}…)")
    url_answers = Answer.objects.filter(question__kind=QuestionKind.URL)
    mine = {profile_url(v) for v in url_answers.filter(application__applicant=person).values_list("value", flat=True)}
    mine.discard("")
    if mine:
        for other, value in url_answers.exclude(application__applicant=person).values_list(
            "application__applicant_id", "value"
        ):
            if (url := profile_url(value)) in mine:
                add(other, f"the same profile link: {url}")
    if found:
        name = plain_name(person.full_name)
        for other in User.objects.filter(pk__in=list(found)):
            if name and plain_name(other.full_name) == name:
                add(other.pk, f"the same name: {person.full_name}")
    return found


def scan_for(person: User) -> list[PossibleDuplicate]:
    """Record (or bring up to date) a possible duplicate for each person sharing a signal; a pair an
    organizer dismissed stays dismissed. Returns the open ones touched."""
    touched = []
    for other, sentences in sorted(evidence_for(person).items()):
        first, second = sorted((person.pk, other))
        try:
            with transaction.atomic():
                row, created = PossibleDuplicate.objects.get_or_create(
                    first_id=first, second_id=second, defaults={"evidence": sentences}
                )
        except IntegrityError:  # found by a second worker at the same moment
            row, created = PossibleDuplicate.objects.get(first_id=first, second_id=second), False
        if row.status != PossibleDuplicate.Status.OPEN:
            continue
        if not created and sorted(set(row.evidence) | set(sentences)) != sorted(row.evidence):
            row.evidence = sorted(set(row.evidence) | set(sentences))
            row.save(update_fields=["evidence"])
        touched.append(row)
    return touched


def look_for_the_same_person(person: User) -> None:
    """Scan after an arrival (in the acknowledgement task) or a submission (after its commit): a few
    indexed queries, so no task of its own; a failure is logged and never blocks the mail or the page."""
    try:
        scan_for(person)
    except Exception:
        log.exception("Looking for duplicates of person %s failed; the next arrival or submission retries", person.pk)


def dismiss(row: PossibleDuplicate, *, by: User, note: str = "") -> PossibleDuplicate:
    """An organizer looked: not the same person (who, when and why are kept)."""
    PossibleDuplicate.objects.filter(pk=row.pk).update(
        status=PossibleDuplicate.Status.DISMISSED, decided_by=by, decided_at=timezone.now(), note=note[:500]
    )
    row.refresh_from_db()
    return row


def merge(row: PossibleDuplicate, *, keep: int, by: User, note: str = "") -> PersonMerge:
    """An organizer decided the pair is one person: the other account's records move to `keep` (one of
    the pair), the pair is marked merged with the merge record. Raises MergeError with a reason."""
    if keep not in (row.first_id, row.second_id):
        raise MergeError("Choose one of the two accounts to keep.")
    closed = row.second_id if keep == row.first_id else row.first_id
    with transaction.atomic():
        locked = PossibleDuplicate.objects.select_for_update().get(pk=row.pk)
        if locked.status != PossibleDuplicate.Status.OPEN:
            raise MergeError(f"This pair is already {locked.get_status_display().lower()}.")
        record = merge_people(User.objects.get(pk=keep), User.objects.get(pk=closed), by=by, note=note)
        PossibleDuplicate.objects.filter(pk=row.pk).update(
            status=PossibleDuplicate.Status.MERGED, decided_by=by, decided_at=record.at, note=note[:500], merge=record
        )
    return record


def history(application) -> dict:
    """The person behind an application, across calls and years: their other applications, cohorts
    and grants with outcomes, and the accounts listed as possibly the same person (with theirs).
    Grants are read through the reverse relation, so this app still imports nothing of `grants`."""
    person = application.applicant
    pairs = PossibleDuplicate.objects.filter(
        Q(first=person) | Q(second=person), status=PossibleDuplicate.Status.OPEN
    ).values_list("first_id", "second_id")
    others = sorted({p for pair in pairs for p in pair} - {person.pk})
    return {
        "applications": list(
            Application.objects.filter(applicant=person)
            .exclude(pk=application.pk)
            .select_related("call")
            .order_by("-created_at")
        ),
        "cohorts": list(person.enrollments.select_related("cohort").order_by("-cohort__starts_on")),
        "grants": list(person.grants.prefetch_related("outcomes").order_by("-created_at")),
        "same_person": list(
            User.objects.filter(pk__in=others).prefetch_related(
                Prefetch("applications", queryset=Application.objects.select_related("call").order_by("-created_at"))
            )
        ),
    }
