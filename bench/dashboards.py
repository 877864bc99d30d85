"""Each role's dashboard at demo size and at 10x demo size."""

from __future__ import annotations

from django.core.management import call_command
from django.test import Client

from program.models import User

from .harness import Row, measure

DEMO_LOGINS = {
    "organizer": "organizer@runway.test",
    "coordinator": "coordinator@runway.test",
    "reviewer": "reviewer@runway.test",
    "interviewer": "interviewer@runway.test",
    "ta": "ta1@runway.test",
    "participant": "participant01@runway.test",
    "applicant": "applicant@runway.test",
}


def _fresh_database() -> None:
    call_command("flush", "--no-input", verbosity=0)


def run(scales=(1, 10)) -> list[Row]:
    rows = []
    for scale in scales:
        _fresh_database()
        call_command("seed_demo", "--scale", str(scale), "--quiet")
        size = f"demo x{scale}"
        for role, email in DEMO_LOGINS.items():
            client = Client()
            client.force_login(User.objects.get(email=email))
            url = f"/dashboard/{role}/"

            def get(url=url, client=client):
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)

            median_ms, queries, cpu_ms = measure(get)
            rows.append(Row(f"dashboard: {role}", size, median_ms, queries, {"CPU ms": f"{cpu_ms:.1f}"}))
    return rows
