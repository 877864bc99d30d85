from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from grants.models import Grant
from grants.services import TransitionNotAllowed, approve_grant, extend_grant, propose_grant, transition_grant
from tests.factories import UserFactory


def test_extension_is_a_new_grant_after_the_parent_through_approval(organizer):
    grant = propose_grant(UserFactory(), monthly_stipend=Decimal("3000"), start_date=date(2026, 1, 15))
    with pytest.raises(TransitionNotAllowed):
        extend_grant(grant, by=organizer)
    approve_grant(grant, by=organizer)
    transition_grant(grant, to="active", by=organizer)

    extension = extend_grant(grant, by=organizer, note="Second phase: interpretability")

    assert (extension.parent, extension.state, extension.start_date, extension.months) == (
        grant,
        "proposed",
        date(2026, 4, 15),
        3,
    )
    assert list(grant.extensions.all()) == [extension]
    approve_grant(extension, by=organizer)
    assert extension.installments.count() == 3


def test_an_organizer_proposes_a_grant_directly_and_an_extension_from_the_pages(client, organizer):
    client.force_login(organizer)

    created = client.post(
        reverse("grants:new"),
        {"email": "New.Person@Example.org", "full_name": "Nova Person", "monthly_stipend": "2500", "currency": "eur",
         "months": "3", "start_date": "2026-02-01", "study_plan": "Spinning Up, then PPO"},
    )  # fmt: skip
    grant = Grant.objects.get()
    approve_grant(grant, by=organizer)
    transition_grant(grant, to="active", by=organizer)
    extended = client.post(
        reverse("grants:extend", kwargs={"pk": grant.pk}), {"months": "2", "note": "Interpretability phase"}
    )

    assert created.url == reverse("grants:detail", kwargs={"pk": grant.pk})
    assert (grant.grantee.email, grant.grantee.full_name, grant.currency, grant.state) == (
        "new.person@example.org",
        "Nova Person",
        "EUR",
        "active",
    )
    extension = Grant.objects.exclude(pk=grant.pk).get()
    assert (extension.parent, extension.state, extension.months, extension.start_date) == (
        grant,
        "proposed",
        2,
        date(2026, 5, 1),
    )
    assert extended.url == reverse("grants:detail", kwargs={"pk": extension.pk})
