"""State changes of applications. Views, admin actions, commands and tasks call these; nothing else
assigns `Application.state`."""

from __future__ import annotations

from django.db import transaction

from program.models import Role, User
from program.services import grant_role
from program.statemachine import StateMachine, change_state
from program.statemachine import TransitionNotAllowed as TransitionNotAllowed  # re-exported for callers

from . import duplicates
from .models import Application, ApplicationEvent, Call
from .models import ApplicationState as S

# The allowed moves; anything else is refused. Withdrawal is possible from any open state.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.RECEIVED: frozenset({S.QUESTIONNAIRE_SENT, S.SUBMITTED, S.WITHDRAWN, S.REJECTED}),
    S.QUESTIONNAIRE_SENT: frozenset({S.SUBMITTED, S.WITHDRAWN, S.REJECTED}),
    S.SUBMITTED: frozenset({S.IN_REVIEW, S.WITHDRAWN, S.REJECTED}),
    S.IN_REVIEW: frozenset({S.INTERVIEW, S.ACCEPTED, S.WAITLISTED, S.REJECTED, S.WITHDRAWN}),
    S.INTERVIEW: frozenset({S.ACCEPTED, S.WAITLISTED, S.REJECTED, S.WITHDRAWN}),
    S.WAITLISTED: frozenset({S.ACCEPTED, S.REJECTED}),
    S.ACCEPTED: frozenset(),
    S.REJECTED: frozenset(),
    S.WITHDRAWN: frozenset(),
}
APPLICATIONS = StateMachine(
    model=Application,
    states=S,
    transitions=TRANSITIONS,
    noun="application",
    event_model=ApplicationEvent,
    event_field="application",
)


def create_application(call: Call, applicant: User, *, source: str, by: User | None = None) -> Application:
    """Open an application (state `received`), record its first event and mark the person an applicant.

    All or nothing together with the caller's transaction (no savepoint of its own: no caller carries
    on after a failure here, so there is nothing to roll back to)."""
    with transaction.atomic(savepoint=False):
        application = Application.objects.create(call=call, applicant=applicant, source=source)
        ApplicationEvent.objects.create(application=application, actor=by, to_state=S.RECEIVED, note=f"via {source}")
        grant_role(applicant, Role.APPLICANT)
    return application


def transition_application(application: Application, *, to: str, by: User | None, note: str = "") -> Application:
    """Move an application to state `to`.

    Locks the row, checks the move against TRANSITIONS, saves the state, and records an event with
    who, when, from, to and note. Raises TransitionNotAllowed otherwise, leaving everything unchanged.
    """
    moved = change_state(application, to=to, by=by, note=note, machine=APPLICATIONS)
    if to == S.SUBMITTED:  # the resume and the answers are in: look again for the same person
        transaction.on_commit(lambda: duplicates.look_for_the_same_person(application.applicant))
    return moved


def withdraw_application(application: Application, *, by: User, note: str = "") -> Application:
    return transition_application(application, to=S.WITHDRAWN, by=by, note=note)
