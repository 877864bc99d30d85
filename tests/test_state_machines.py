"""Every transitions table, move by move: an allowed move succeeds and records an event (who, from, to,
why); every other move is refused and changes nothing; and on PostgreSQL two threads racing for the
same move get exactly one success."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from applications.interviews.services import INTERVIEWS
from applications.models import Interview, InterviewSlot, OutboundMessage
from applications.outbox import OUTBOUND
from applications.services import APPLICATIONS, create_application
from grants.models import Installment
from grants.payments.installments import INSTALLMENTS
from grants.services import GRANTS, propose_grant
from program.cohorts.enrollments import ENROLLMENTS
from program.help.queue import HELP
from program.models import HelpRequest, PairGroup, ProgramDay, Role, StateEvent
from program.services import enroll
from program.statemachine import StateMachine, TransitionNotAllowed, change_state, change_states
from tests.conftest import make_person
from tests.factories import CallFactory, CohortFactory, UserFactory


def _application(n: int):
    return create_application(CallFactory(), UserFactory(), source="web")


def _grant(n: int):
    return propose_grant(UserFactory(), monthly_stipend=Decimal("1000"), start_date=date(2026, 1, 5))


def _installment(n: int):
    return Installment.objects.create(grant=_grant(n), number=1, due_on=date(2026, 1, 5), amount=1000, currency="USD")


def _interview(n: int):
    application = _application(n)
    slot = InterviewSlot.objects.create(
        interviewer=make_person(f"iv{n}-{UserFactory().pk}@example.org", Role.INTERVIEWER),
        starts_at=timezone.now() + timedelta(days=1),
    )
    return Interview.objects.create(application=application, slot=slot, interviewer=slot.interviewer)


def _outbound(n: int):
    key = f"state-test-{UserFactory().pk}"
    return OutboundMessage.objects.create(
        kind="test", idempotency_key=key, to_email="x@example.org", subject="s", body_text="b", message_id=f"<{key}@x>"
    )


def _enrollment(n: int):
    return enroll(CohortFactory(), UserFactory(), role=Role.PARTICIPANT)


def _help_request(n: int):
    cohort = CohortFactory()
    day = ProgramDay.objects.create(cohort=cohort, date=cohort.starts_on, number=1)
    group = PairGroup.objects.create(day=day, workspace=f"state-{cohort.slug}-{n}")
    return HelpRequest.objects.create(group=group, day=day)


MACHINES: dict[str, tuple[StateMachine, object]] = {
    "application": (APPLICATIONS, _application),
    "grant": (GRANTS, _grant),
    "installment": (INSTALLMENTS, _installment),
    "interview": (INTERVIEWS, _interview),
    "outbound message": (OUTBOUND, _outbound),
    "enrollment": (ENROLLMENTS, _enrollment),
    "help request": (HELP, _help_request),
}


def _in_state(machine: StateMachine, make, state: str, n: int = 0):
    """A row put in `state` directly (test setup), so every move can be tried from every state."""
    instance = make(n)
    type(instance).objects.filter(pk=instance.pk).update(**{machine.state_field: state})
    instance.refresh_from_db()
    return instance


def _events(machine: StateMachine, instance) -> list[tuple[str, str, int | None, str]]:
    if machine.event_model is not None:
        rows = machine.event_model.objects.filter(**{machine.event_field: instance}).exclude(from_state="")
    else:
        rows = StateEvent.objects.filter(subject=machine.model._meta.label_lower, subject_id=instance.pk)
    return list(rows.order_by("pk").values_list("from_state", "to_state", "actor_id", "note"))


def _moves():
    for name, (machine, _make) in MACHINES.items():
        for source in machine.states.values:
            for target in machine.states.values:
                yield pytest.param(name, source, target, id=f"{name}:{source}->{target}")


def test_every_state_of_every_machine_has_a_row_in_its_table():
    for name, (machine, _make) in MACHINES.items():
        assert set(machine.transitions) == set(machine.states.values), name
        assert all(set(targets) <= set(machine.states.values) for targets in machine.transitions.values()), name


@pytest.mark.django_db
@pytest.mark.parametrize("name,source,target", list(_moves()))
def test_a_move_is_made_with_its_event_exactly_when_the_table_allows_it(name, source, target):
    machine, make = MACHINES[name]
    instance = _in_state(machine, make, source)
    actor = UserFactory()
    before = _events(machine, instance)

    if target in machine.allowed(source):
        change_state(instance, to=target, by=actor, machine=machine, note="test move")
        instance.refresh_from_db()
        assert getattr(instance, machine.state_field) == target
        assert _events(machine, instance) == [*before, (source, target, actor.pk, "test move")]
    else:
        with pytest.raises(TransitionNotAllowed):
            change_state(instance, to=target, by=actor, machine=machine, note="test move")
        instance.refresh_from_db()
        assert getattr(instance, machine.state_field) == source
        assert _events(machine, instance) == before


def _bulk_cases():
    for name, (machine, _make) in MACHINES.items():
        source = next(s for s, targets in machine.transitions.items() if targets)
        yield pytest.param(name, source, sorted(machine.allowed(source))[0], id=f"{name}:{source}")


@pytest.mark.django_db
@pytest.mark.parametrize("name,source,target", list(_bulk_cases()))
def test_a_bulk_move_records_one_event_per_row_moved_and_skips_rows_the_table_refuses(name, source, target):
    machine, make = MACHINES[name]
    movable = [_in_state(machine, make, source, n) for n in range(3)]
    stuck = _in_state(machine, make, target) if target not in machine.allowed(target) else None
    actor = UserFactory()
    rows = [*movable, *([stuck] if stuck else [])]
    before = {r.pk: _events(machine, r) for r in rows}

    moved = change_states(
        machine.model.objects.filter(pk__in=[r.pk for r in rows]), to=target, by=actor, machine=machine, note="bulk"
    )

    assert sorted(moved) == sorted(r.pk for r in movable)
    for row in movable:
        row.refresh_from_db()
        assert getattr(row, machine.state_field) == target
        assert _events(machine, row) == [*before[row.pk], (source, target, actor.pk, "bulk")]
    if stuck:
        assert _events(machine, stuck) == before[stuck.pk]


def _race_cases():
    for name, (machine, _make) in MACHINES.items():
        for source, targets in machine.transitions.items():
            for target in sorted(targets):
                if target not in machine.allowed(target):  # the second one must be refused
                    yield pytest.param(name, source, target, id=f"{name}:{source}->{target}")
                    break


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("claim", [False, True], ids=["row-lock", "claim"])
@pytest.mark.parametrize("name,source,target", list(_race_cases()))
def test_two_threads_racing_for_one_move_get_one_success(name, source, target, claim):
    machine, make = MACHINES[name]
    instance = _in_state(machine, make, source)
    barrier, outcomes = threading.Barrier(2), []

    def attempt():
        try:
            barrier.wait()
            kwargs = {"claim_from": source} if claim else {}
            done = change_state(type(instance)(pk=instance.pk), to=target, by=None, machine=machine, **kwargs)
            outcomes.append("moved" if done is not None else "lost")
        except TransitionNotAllowed:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == (["lost", "moved"] if claim else ["moved", "refused"])
    assert len(_events(machine, instance)) == 1
