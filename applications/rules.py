"""Object-level permissions for applications (see program/rules.py for the role predicates)."""

import rules

from program.rules import is_organizer, is_reviewer


@rules.predicate
def is_own_application(user, application) -> bool:
    return application is not None and user.is_authenticated and application.applicant_id == user.pk


@rules.predicate
def is_under_review(user, application) -> bool:
    return application is not None and application.state in ("in_review", "interview")


rules.add_perm("applications.view_application", is_organizer | (is_reviewer & is_under_review) | is_own_application)
rules.add_perm("applications.withdraw_application", is_own_application)
rules.add_perm("applications.answer_questionnaire", is_own_application)
rules.add_perm("applications.view_inbound", is_organizer)
rules.add_perm("applications.manage_calls", is_organizer)
rules.add_perm("applications.decide_application", is_organizer)

for _model in (
    "call",
    "application",
    "applicationevent",
    "inboundmessage",
    "inboundkey",
    "document",
    "outboundmessage",
    "applicantlink",
    "questionnaire",
    "question",
    "answer",
):
    for _action in ("add", "change", "delete") + (("view",) if _model != "application" else ()):
        rules.add_perm(f"applications.{_action}_{_model}", is_organizer)
rules.add_perm("applications", is_organizer)
