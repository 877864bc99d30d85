"""Erasure that keeps the books: after erasing a person, a scan of every text column of every table
finds neither their name nor any of their addresses; their answers, documents and free text are gone,
their files deleted; events, payments and scores stay, pseudonymised, with the legal reason and a
date; every table that holds personal data has a rule; a grant still paying blocks it."""

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.db.models import TextField
from django.db.models.functions import Cast
from django.urls import reverse

from applications.models import Answer, Application, ApplicationEvent, Document, Review
from grants.models import Installment, InstallmentState, Payment
from program.models import ErasureRecord, User
from program.privacy.erasure import ErasureError, blockers, erase_person, scrub
from program.privacy.export import ACTOR_FIELDS, collect, person_fields, personal_models
from program.privacy.policy import POLICIES
from tests.factories import UserFactory


@pytest.fixture
def demo(db):
    call_command("seed_demo", "--quiet")


def scan(*needles: str) -> list[str]:
    """Every text column of every table (choices included), searched for each needle, case ignored."""
    hits = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.CharField | models.TextField | models.JSONField):
                continue
            rows = model.objects.annotate(_t=Cast(field.name, TextField()))
            for needle in needles:
                if rows.filter(_t__icontains=needle).exists():
                    hits.append(f"{model._meta.label_lower}.{field.name} has {needle!r}")
    return hits


def _pay_everything(person):
    Installment.objects.filter(grant__grantee=person).exclude(
        state__in=[InstallmentState.PAID, InstallmentState.RETURNED]
    ).update(state=InstallmentState.CANCELLED)


def test_after_erasure_no_text_column_holds_their_name_or_address_and_the_books_stay(
    demo, django_capture_on_commit_callbacks
):
    person = User.objects.get(email="applicant@runway.test")
    name, addresses = person.full_name, {"applicant@runway.test"}
    organizer = User.objects.get(email="organizer@runway.test")
    assert scan(name, *addresses)  # the scan finds them before
    files = [d.file for d in Document.objects.filter(application__applicant=person) if d.file]
    events = ApplicationEvent.objects.filter(application__applicant=person).count()
    payments = Payment.objects.filter(installment__grant__grantee=person).count()
    scores = Review.objects.filter(application__applicant=person).exclude(scores={}).count()
    _pay_everything(person)

    with django_capture_on_commit_callbacks(execute=True):
        record = erase_person(person, by=organizer, why="request", reason="email of 1 December")

    assert scan(name, *addresses) == []
    person.refresh_from_db()
    assert person.full_name == f"Erased person {person.pk}" and not person.is_active and person.erased_at
    assert not Answer.objects.filter(application__applicant=person).exists()
    assert not Document.objects.filter(application__applicant=person).exists()
    assert files and not any(f.storage.exists(f.name) for f in files)  # the files are deleted too
    assert ApplicationEvent.objects.filter(application__applicant=person).count() == events
    assert Payment.objects.filter(installment__grant__grantee=person).count() == payments > 0
    assert Review.objects.filter(application__applicant=person).exclude(scores={}).count() == scores
    assert not Review.objects.filter(application__applicant=person).exclude(comment="").exists()
    assert record.kept["grants.payment"]["why"].startswith("bookkeeping law") and record.kept["grants.payment"]["until"]
    assert record.removed["applications.answer"] > 0 and record.replaced > 0
    assert Application.objects.filter(applicant=person).exists()  # kept for the call's statistics


def test_an_erased_address_can_apply_again_as_a_new_person(demo):
    person = User.objects.get(email="applicant@runway.test")
    _pay_everything(person)
    erase_person(person, by=None, why="request")

    assert User.objects.person_at("applicant@runway.test") is None


def test_a_grant_still_paying_blocks_erasure_with_a_reason(demo):
    person = User.objects.get(email="applicant@runway.test")
    assert blockers(person)

    with pytest.raises(ErasureError, match="installments to pay or cancel"):
        erase_person(person, by=None, why="request")
    assert not ErasureRecord.objects.exists()


def test_every_table_that_holds_personal_data_has_an_erasure_rule(demo):
    reached = {m._meta.label_lower for m in personal_models()
               if any(f.name not in ACTOR_FIELDS for f in person_fields(m))}  # fmt: skip
    for email in (
        "applicant@runway.test",
        "organizer@runway.test",
        "participant01@runway.test",
        "reviewer@runway.test",
    ):
        rows, _ = collect(User.objects.get(email=email))
        reached |= set(rows)

    assert sorted(reached - set(POLICIES)) == []


def test_an_address_is_replaced_as_a_whole_and_a_name_someone_else_has_stays_theirs(db):
    from program.models import StateEvent  # noqa: PLC0415

    other = UserFactory(email="nada@x.org", full_name="Ada King")
    person = UserFactory(email="ada@x.org", full_name="Ada King")
    event = StateEvent.objects.create(subject="x", subject_id=1, to_state="y",
                                      note="Wrote to ada@x.org, nada@x.org and ada@x.org.uk about Ada Kingsley.")  # fmt: skip

    changed = scrub([("ada@x.org", "erased@erased.invalid"), ("Ada King", "Erased")],
                    protect={("program.user", other.pk)})  # fmt: skip

    other.refresh_from_db()
    person.refresh_from_db()
    event.refresh_from_db()
    assert event.note == "Wrote to erased@erased.invalid, nada@x.org and ada@x.org.uk about Ada Kingsley."
    assert (other.email, other.full_name) == ("nada@x.org", "Ada King")  # the other Ada King keeps her name
    assert person.full_name == "Erased" and person.email == "ada@x.org"  # the login address is set by erasure itself
    assert changed == 3  # the note, her name, and allauth's copy of her address


def test_only_organizers_erase_and_the_page_says_what_stays(client, demo, reviewer):
    person = User.objects.get(email="applicant@runway.test")
    organizer = User.objects.get(email="organizer@runway.test")
    url = reverse("program:person-erase", kwargs={"pk": person.pk})
    _pay_everything(person)

    client.force_login(reviewer)
    refused = client.post(url, {"confirm": person.email, "reason": "x"})
    client.force_login(organizer)
    page = client.get(url).content.decode()
    wrong = client.post(url, {"confirm": "someone@else.org", "reason": "x"})
    still_there = User.objects.filter(pk=person.pk, erased_at__isnull=True).exists()
    done = client.post(url, {"confirm": person.email, "reason": "asked by email"}, follow=True)

    assert refused.status_code == 403
    assert "bookkeeping law" in page and "applications.answer" in page
    assert wrong.status_code == 200 and still_there and "exactly" in wrong.content.decode()
    assert "Erased" in done.content.decode() and ErasureRecord.objects.get().by == organizer
    assert not scan("applicant@runway.test")


def test_erasing_a_merged_person_erases_the_closed_account_and_its_address_too(db):
    from applications.services import create_application  # noqa: PLC0415
    from program.privacy.merge import merge_people  # noqa: PLC0415
    from tests.factories import CallFactory  # noqa: PLC0415

    old = UserFactory(email="ada.old@example.org", full_name="Ada Byron")
    new = UserFactory(email="ada@example.org", full_name="Ada Lovelace")
    create_application(CallFactory(), old, source="web")
    merge_people(new, old, by=None)

    erase_person(new, by=None, why="request")

    old.refresh_from_db()
    assert old.erased_at and old.email == f"erased-{old.pk}@erased.invalid"
    assert scan("ada.old@example.org", "ada@example.org", "Ada Byron", "Ada Lovelace") == []
