"""Merging two accounts of one person: every relation moved, nothing lost or doubled, events kept, the
closed account points at the kept one (its mail too), the pair is marked merged, only organizers may."""

from collections import Counter

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.models import Q
from django.urls import reverse

from applications.models import Application, ApplicationEvent, PossibleDuplicate
from program.models import PersonMerge, StateEvent, User
from program.privacy.export import person_fields, personal_models
from program.privacy.merge import MergeError, merge_people
from tests.factories import UserFactory


@pytest.fixture
def demo(db):
    call_command("seed_demo", "--quiet")


def _counts() -> Counter:
    return Counter({m._meta.label_lower: m.objects.count() for m in apps.get_models()})


def _pointing_at(person) -> dict[str, set[int]]:
    found = {}
    for model in personal_models():
        query = Q()
        for field in person_fields(model):
            query |= Q(**{field.name: person})
        ids = set(model.objects.filter(query).values_list("pk", flat=True))
        if ids:
            found[model._meta.label_lower] = ids
    return found


def test_every_relation_moves_to_the_kept_account_and_nothing_is_lost(demo):
    closed = User.objects.get(email="applicant@runway.test")  # applications, a grant, payouts, pairs, feedback
    kept = UserFactory(email="ada.new@example.org", full_name="")
    before_closed = _pointing_at(closed)
    before = _counts()
    events = set(ApplicationEvent.objects.filter(application__applicant=closed).values_list("pk", flat=True))
    organizer = User.objects.get(email="organizer@runway.test")

    record = merge_people(kept, closed, by=organizer, note="same person, new address")

    after = _counts()
    left = {item["row"] for item in record.left}
    still = {
        f"{label} #{pk}" for label, ids in _pointing_at(closed).items() for pk in ids if label != "program.personmerge"
    }
    assert still <= left, still - left  # every row that still names the closed account is listed with why
    assert {"applications.application", "grants.grant", "account.emailaddress"} <= set(before_closed)
    assert record.rows_moved >= sum(len(v) for v in before_closed.values()) - len(left)
    assert after - before == Counter({"program.personmerge": 1, "program.stateevent": 1})  # nothing lost or doubled
    assert before - after == Counter()
    assert set(ApplicationEvent.objects.filter(application__applicant=kept).values_list("pk", flat=True)) == events
    closed.refresh_from_db()
    kept.refresh_from_db()
    assert closed.merged_into == kept and not closed.is_active and not closed.has_usable_password()
    assert kept.full_name == closed.full_name  # the kept account had none
    assert User.objects.person_at("APPLICANT@runway.test") == kept  # their mail now reaches the kept account
    event = StateEvent.objects.get(subject="program.user", subject_id=closed.pk)
    assert event.to_state == "merged" and event.actor == organizer and f"merge #{record.pk}" in event.note


def test_a_row_the_kept_account_already_has_stays_and_is_listed(db):
    from program.services import grant_role  # noqa: PLC0415

    kept, closed = UserFactory(), UserFactory()
    grant_role(kept, "reviewer")
    grant_role(closed, "reviewer")
    grant_role(closed, "ta")

    record = merge_people(kept, closed, by=None)

    assert kept.roles_in_order() == ["reviewer", "ta"] or set(User.objects.get(pk=kept.pk).roles) == {"reviewer", "ta"}
    assert [item["relation"] for item in record.left] == ["user"]
    assert "already has" in record.left[0]["why"]


def test_merges_chain_and_refuse_what_makes_no_sense(db):
    a, b, c = UserFactory(email="a@x.org"), UserFactory(), UserFactory()
    merge_people(b, a, by=None)
    merge_people(c, b, by=None)

    assert User.objects.person_at("a@x.org") == c
    assert User.objects.get(pk=a.pk).merged_into_id == c.pk  # pointers re-pointed by the second merge
    with pytest.raises(MergeError, match="itself"):
        merge_people(c, c, by=None)
    with pytest.raises(MergeError, match="already merged"):
        merge_people(c, a, by=None)


def test_an_organizer_merges_a_listed_pair_and_the_record_explains_it(client, organizer, reviewer):
    from applications.services import create_application  # noqa: PLC0415
    from tests.factories import CallFactory  # noqa: PLC0415

    first, second = UserFactory(email="ada@example.org"), UserFactory(email="Ada+grants@example.org")
    for person in (first, second):
        create_application(CallFactory(), person, source="web")
    row = PossibleDuplicate.objects.create(first=first, second=second, evidence=["same address"])
    url = reverse("applications:duplicate-merge", kwargs={"pk": row.pk})

    client.force_login(reviewer)
    refused = client.post(url, {"keep": first.pk})
    client.force_login(organizer)
    merged = client.post(url, {"keep": first.pk, "note": "one Ada"})
    again = client.post(url, {"keep": first.pk}, follow=True)
    page = client.get(reverse("applications:duplicates") + "?status=merged").content.decode()

    row.refresh_from_db()
    assert refused.status_code == 403 and merged.status_code == 302
    assert row.status == "merged" and row.merge.kept == first and row.merge.by == organizer
    assert Application.objects.filter(applicant=first).count() == 2
    assert "already merged" in again.content.decode()
    assert "2 records moved" in page or "records moved" in page
    assert PersonMerge.objects.count() == 1
