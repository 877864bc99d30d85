"""A grant's currency is an ISO 4217 code: chosen from a list, checked by the service, normalised from answers."""

from datetime import date
from decimal import Decimal

import pytest

from applications.decisions import decide_application
from applications.models import Answer
from applications.questionnaires.templates import apply_template
from applications.services import create_application, transition_application
from grants.forms import TALetterForm
from grants.models import Grant
from grants.payments.currencies import currency_choices, normalise_currency
from grants.services import propose_grant
from tests.factories import CallFactory, UserFactory


def test_choices_are_iso_4217_money_only():
    codes = dict(currency_choices())

    assert {"USD", "EUR", "GBP", "CHF", "JPY", "XOF"} <= set(codes)
    assert {"XAU", "XXX", "XTS", "JAV", "<SC"} & set(codes) == set()
    assert codes["EUR"] == "EUR — Euro"


@pytest.mark.parametrize("typed,code", [("eur", "EUR"), (" GBP ", "GBP"), ("<SC", None), ("JAV", None), ("", None)])
def test_normalise_currency(typed, code):
    assert normalise_currency(typed) == code


@pytest.mark.django_db
@pytest.mark.parametrize("currency", ["<SC", "JAV", "usd", ""])
def test_propose_grant_refuses_a_code_that_is_not_iso_4217(currency):
    with pytest.raises(ValueError, match="ISO 4217"):
        propose_grant(UserFactory(), monthly_stipend=Decimal("1000"), start_date=date(2026, 1, 5), currency=currency)

    assert not Grant.objects.exists()


def test_ta_letter_form_offers_only_iso_codes():
    assert not TALetterForm({"daily_rate": "100", "currency": "JAV"}).is_valid()
    assert TALetterForm({"daily_rate": "100", "currency": "EUR"}).is_valid()


@pytest.mark.django_db
@pytest.mark.parametrize("answer,expected", [("eur", "EUR"), ("<SC", "USD")])
def test_an_accepted_grant_application_gets_a_valid_currency(organizer, answer, expected):
    call = CallFactory(kind="grant")
    questionnaire = apply_template(call)
    application = create_application(call, UserFactory(), source="web")
    Answer.objects.create(application=application, question=questionnaire.questions.get(key="currency"), value=answer)
    for state in ("submitted", "in_review"):
        transition_application(application, to=state, by=organizer)

    decide_application(application, decision="accepted", by=organizer)

    assert Grant.objects.get(application=application).currency == expected
