"""Build a believable demo program, idempotently: running it twice changes nothing.

Lives in `demo`, the one place allowed to import all three apps: it fills every one of them through
their own services, so the demo is what the real code makes. The program is in its second week: the
curriculum mapped onto the days, lab progress from real test runs served by the demo agents, calls
closed before the cohort started, reviews, interviews, decisions and offers, grants at every stage
with payments, letters, check-ins and outcomes, feedback, subscribers and inbound mail.
"""

from __future__ import annotations

import random

from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand
from django.db import transaction

from applications.models import CallKind
from demo import around, calls, cohort, grants, labs
from demo.people import DEMO_TOTP_SECRET, STAFF, organizer_totp, person
from program.models import User

# Kept here for scripts/run-local.sh and the tests, which read them from the command module.
DEMO_AGENT_PORTS, DEMO_AGENT_TOKEN = cohort.DEMO_AGENT_PORTS, cohort.DEMO_AGENT_TOKEN


class Command(BaseCommand):
    help = "Create the MLAB3 demo program in its second week, one login per role (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=1, help="Build N copies of the demo program (benchmarks).")
        parser.add_argument("--quiet", action="store_true")

    def handle(self, scale: int, quiet: bool, **options):
        with transaction.atomic():
            staff = {email: person(email, full_name, roles) for email, full_name, roles in STAFF}
            organizer, payer = staff["organizer@runway.test"], staff["payments@runway.test"]
            organizer_totp(organizer)
            organizer_totp(payer)
            payer.user_permissions.add(Permission.objects.get(codename="make_payments"))
            for copy in range(scale):
                self._program(copy, organizer, payer)
        if not quiet:
            self._print_logins()

    def _program(self, copy: int, organizer: User, payer: User) -> None:
        """One copy of the program; copies after the first (benchmarks) skip the slow, file-making parts."""
        rng = random.Random(3 + copy)
        suffix = "" if copy == 0 else f"-{copy + 1}"
        label = "" if copy == 0 else f" ({copy + 1})"
        program, created = cohort.build_cohort(copy, suffix, label, rng)
        if not created:
            return  # built by an earlier run: nothing changes
        full = copy == 0
        the_calls = calls.build_calls(program, copy, suffix, label)
        accepted_grants = calls.build_applications(the_calls, suffix, organizer, rng, full=full)
        reviewers = [User.objects.get(email="reviewer@runway.test"), User.objects.get(email="interviewer@runway.test")]
        for kind in (CallKind.PARTICIPANT, CallKind.TA):
            calls.build_reviews(the_calls[kind], reviewers, organizer)
        if full:
            calls.build_interviews(program, the_calls[CallKind.PARTICIPANT], reviewers[1], organizer)
            calls.build_offers(the_calls[CallKind.PARTICIPANT], organizer)  # the confirmed join the cohort
            calls.build_ta_offer_letter(the_calls[CallKind.TA], organizer)
            calls.build_returning_applicant(the_calls)
            around.build_referees_and_retention(the_calls[CallKind.GRANT])
        cohort.build_schedule(program, rng)  # after the offers: everyone enrolled is paired
        if not full:
            return
        grants.build_grants(accepted_grants, organizer, payer)
        cohort.build_feedback(program, rng)
        cohort.build_calendar_feeds(program)
        cohort.build_past_cohort(organizer)
        labs.seed_lab_progress(program)
        labs.build_help_and_attendance(program)
        around.build_updates(organizer)
        around.build_inbound_mail()

    def _print_logins(self) -> None:
        self.stdout.write(self.style.SUCCESS("Demo data ready. Demo logins (password for all: runway-demo):"))
        rows = [
            ("organizer", "organizer@runway.test", f"two-factor required; TOTP secret {DEMO_TOTP_SECRET}"),
            ("payments", "payments@runway.test", "an organizer with the payments permission; same TOTP secret"),
            ("coordinator", "coordinator@runway.test", ""),
            ("reviewer", "reviewer@runway.test", ""),
            ("interviewer", "interviewer@runway.test", "also a reviewer"),
            ("TA", "ta1@runway.test", "ta1 … ta4"),
            ("participant", "participant01@runway.test", "participant01 … participant32"),
            ("applicant", "applicant@runway.test", "a grantee: active grant, a check-in overdue"),
        ]
        for role, email, note in rows:
            self.stdout.write(f"  {role:<12} {email:<28} {note}")
        self.stdout.write("  Or sign in with an emailed one-time code (every email is at /dev/mail/ under make run).")
