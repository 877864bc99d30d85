"""Payout files: a SEPA pain.001.001.09 that the XSD accepts (checked again here with xmlschema, a second
validator), a Wise bulk CSV with Wise's columns, both kept byte for byte; a batch per currency, locked
once exported; only confirmed details are paid; the contracts of `payout_batch` and `payout_file`."""

import csv
import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import sepaxml
import xmlschema
from cryptography.fernet import Fernet
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from text_unidecode import unidecode

from grants.models import Installment, PayoutAccess
from grants.payments import batches, exporting
from grants.payments.installments import mark_due
from grants.services import approve_grant, propose_grant
from tests.factories import UserFactory, bank_details

NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"}


def _due(organizer, *, name="Gia Grantee", currency="EUR", details=True, stipend="2000", **extra):
    grantee = UserFactory(full_name=name)
    if details:
        bank_details(grantee, **extra)
    grant = propose_grant(grantee, monthly_stipend=Decimal(stipend), start_date=date(2026, 1, 15), currency=currency)
    approve_grant(grant, by=organizer)
    grant.checkins.update(submitted_at="2026-01-01T00:00Z")
    mark_due(date(2026, 1, 20))
    return grant


def test_the_sepa_file_validates_against_the_xsd_and_carries_each_installments_reference(organizer, payer, settings):
    settings.PAYOUT_EXECUTION_DAYS = 2
    long_name = "Zoë Łukasiewicz-Brzęczyszczykiewicz von und zu Hohenlohe-Schillingsfürst-Waldenburg"
    grants = [_due(organizer, name=long_name), _due(organizer, name="Ana Ruiz", iban="NL91ABNA0417164300")]
    batch, _, _ = batches.create_batch(by=payer, currency="EUR")

    made = exporting.export_file(batch, "sepa", by=payer)
    content = exporting.file_bytes(made)
    again = exporting.export_file(batch, "sepa", by=payer)
    root = ET.fromstring(content)
    schema = xmlschema.XMLSchema(str(Path(sepaxml.__file__).parent / "schemas" / "pain.001.001.09.xsd"))

    schema.validate(content.decode())  # raises on any error
    installments = Installment.objects.filter(grant__in=grants, number=1).order_by("grant__grantee__full_name")
    assert [e.text for e in root.iterfind(".//p:EndToEndId", NS)] == [i.reference for i in installments]
    assert [e.text for e in root.iterfind(".//p:Cdtr/p:Nm", NS)] == [
        "Ana Ruiz",
        unidecode(long_name)[:70],
    ]
    assert root.findtext(".//p:GrpHdr/p:CtrlSum", namespaces=NS) == "4000.00"
    assert root.findtext(".//p:ReqdExctnDt/p:Dt", namespaces=NS) == batch.execution_date.isoformat()
    assert all(len(e.text) <= 140 for e in root.iterfind(".//p:Ustrd", NS))
    assert made.warnings == [
        f"{installments[1].reference}: the payee name was cut to 70 characters ({long_name[:70]}…)."
    ]
    assert (again.pk, exporting.file_bytes(again)) == (made.pk, content)
    assert set(Installment.objects.filter(pk__in=[i.pk for i in installments]).values_list("state", flat=True)) == {
        "exported"
    }
    assert PayoutAccess.objects.filter(batch=batch, action="exported").count() == 2


def test_an_exported_batch_is_locked_and_its_installments_join_no_other_batch(organizer, payer):
    grant = _due(organizer)
    first, _, _ = batches.create_batch(by=payer, currency="EUR")
    exporting.export_file(first, "sepa", by=payer)

    second, _, _ = batches.create_batch(by=payer, currency="EUR")
    first.refresh_from_db()

    assert second is None and first.exported_at is not None
    assert list(first.installments.values_list("pk", flat=True)) == [grant.installments.get(number=1).pk]


def test_details_no_configured_key_opens_stop_the_export_with_a_reason_and_nothing_moves(organizer, payer, settings):
    grant = _due(organizer)
    batch, _, _ = batches.create_batch(by=payer, currency="EUR")
    settings.PAYOUT_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]  # the sealing key was dropped

    with pytest.raises(exporting.ExportRefused, match="PAYOUT_ENCRYPTION_KEYS"):
        exporting.export_file(batch, "sepa", by=payer)
    batch.refresh_from_db()

    assert grant.installments.get(number=1).state == "in_batch"
    assert batch.exported_at is None and not batch.files.exists()


def test_only_confirmed_details_are_paid_the_rest_is_held_with_the_reason(organizer, payer):
    confirmed = _due(organizer, name="Con Firmed")
    missing = _due(organizer, name="No Details", details=False)
    waiting = _due(organizer, name="Not Yet")
    waiting.grantee.payout_details.__class__.objects.filter(grantee=waiting.grantee).update(confirmed_at=None)

    batch, _, held = batches.create_batch(by=payer, currency="EUR")

    assert [i.grant_id for i in batch.installments.all()] == [confirmed.pk]
    assert sorted(Installment.objects.get(pk=i).grant_id for i in held["bank_details"]) == sorted([waiting.pk])
    assert missing.installments.get(number=1).hold_reason == "bank_details"  # held when it fell due


def test_the_wise_file_has_wises_columns_and_pays_wise_recipients_and_non_euro_ibans(organizer, payer):
    by_email = _due(organizer, name="Wes Wise", currency="USD", method="wise", iban="", wise_email="wes@wise.example")
    by_iban = _due(organizer, name="Gus Pound", currency="GBP", iban="GB82WEST12345698765432", bic="NWBKGB2L")
    usd, _, _ = batches.create_batch(by=payer, currency="USD")
    gbp, _, _ = batches.create_batch(by=payer, currency="GBP")

    rows = [
        row
        for batch in (usd, gbp)
        for row in csv.DictReader(
            io.StringIO(exporting.file_bytes(exporting.export_file(batch, "wise", by=payer)).decode())
        )
    ]

    assert list(rows[0]) == [
        "name",
        "recipientEmail",
        "paymentReference",
        "receiverType",
        "amountCurrency",
        "amount",
        "sourceCurrency",
        "targetCurrency",
        "IBAN",
        "BIC",
        "accountNumber",
        "abartn",
    ]
    assert [
        (r["name"], r["recipientEmail"], r["IBAN"], r["amount"], r["targetCurrency"], r["amountCurrency"]) for r in rows
    ] == [
        ("Wes Wise", "wes@wise.example", "", "2000.00", "USD", "target"),
        ("Gus Pound", "", "GB82WEST12345698765432", "2000.00", "GBP", "target"),
    ]
    assert [r["paymentReference"] for r in rows] == [
        by_email.installments.get(number=1).reference,
        by_iban.installments.get(number=1).reference,
    ]
    with pytest.raises(exporting.ExportRefused, match="SEPA"):
        exporting.export_file(usd, "sepa", by=payer)


def test_the_approver_of_a_grant_cannot_export_the_batch_that_pays_it(organizer, payer):
    _due(organizer)
    batch, _, _ = batches.create_batch(by=payer, currency="EUR")
    organizer.user_permissions.add(Permission.objects.get(codename="make_payments"))
    approver = type(organizer).objects.get(pk=organizer.pk)  # permissions are cached per instance

    with pytest.raises(batches.PaymentRefused, match="two-person rule"):
        exporting.export_file(batch, "sepa", by=approver)


def test_payout_batch_and_payout_file_commands_keep_their_contract(organizer, payer, tmp_path, capsys):
    _due(organizer, stipend="1234.50")
    _due(organizer, stipend="1000")
    _due(organizer, currency="USD")

    call_command("payout_batch", "--currency", "eur", "--json")
    made = json.loads(capsys.readouterr().out)
    call_command("payout_file", str(made["batch"]), "--format", "sepa", "-o", str(tmp_path / "a.xml"))
    call_command("payout_file", str(made["batch"]), "--format", "sepa", "-o", str(tmp_path / "b.xml"))
    call_command("payout_file", str(made["batch"]), "--format", "csv", "-o", str(tmp_path / "list.csv"))
    call_command("payout_batch", "--currency", "EUR", "--json")
    empty = json.loads(capsys.readouterr().out)

    assert made == {"batch": made["batch"], "currency": "EUR", "installments": 2, "total": "2234.50"}
    assert (tmp_path / "a.xml").read_bytes() == (tmp_path / "b.xml").read_bytes()
    assert "RUNWAY-I" in (tmp_path / "list.csv").read_text()
    assert empty == {"batch": None, "currency": "EUR", "installments": 0, "total": "0.00"}
    for args in (["payout_batch", "--currency", "EURO"], ["payout_file", "999", "--format", "sepa"]):
        with pytest.raises(CommandError) as refused:
            call_command(*args)
        assert refused.value.returncode == 2
