"""Object-level permissions for applications (see program/rules.py for the role predicates)."""

import rules

from program.rules import is_interviewer, is_organizer, is_reviewer

from .models import ConflictOfInterest, Interview, ReviewAssignment


@rules.predicate
def is_own_application(user, application) -> bool:
    return application is not None and user.is_authenticated and application.applicant_id == user.pk


@rules.predicate
def is_assigned_reviewer(user, application) -> bool:
    """Assigned to review it, and no conflict declared (declaring one also removes the assignment)."""
    if application is None or not user.is_authenticated:
        return False
    return (
        ReviewAssignment.objects.filter(application=application, reviewer=user).exists()
        and not ConflictOfInterest.objects.filter(application=application, reviewer=user).exists()
    )


@rules.predicate
def is_its_interviewer(user, application) -> bool:
    return (
        application is not None
        and user.is_authenticated
        and Interview.objects.filter(application=application, interviewer=user).exists()
    )


rules.add_perm(
    "applications.view_application",
    is_organizer | (is_reviewer & is_assigned_reviewer) | (is_interviewer & is_its_interviewer) | is_own_application,
)
rules.add_perm("applications.interview", is_interviewer)
rules.add_perm("applications.review_application", is_reviewer & is_assigned_reviewer)
rules.add_perm("applications.review", is_reviewer)
rules.add_perm("applications.withdraw_application", is_own_application)
rules.add_perm("applications.answer_questionnaire", is_own_application)
rules.add_perm("applications.respond_to_offer", is_own_application)
rules.add_perm("applications.view_inbound", is_organizer)
rules.add_perm("applications.manage_calls", is_organizer)
rules.add_perm("applications.decide_application", is_organizer)

# The admin back office is the organizers'.
ADMIN_MODELS = (
    "call", "application", "applicationevent", "inboundmessage", "inboundkey", "document", "outboundmessage",
    "applicantlink", "questionnaire", "question", "answer", "criterion", "reviewassignment", "review",
    "conflictofinterest", "decision", "offer", "promotion", "interviewslot", "interviewavailability", "interview",
)  # fmt: skip
for _model in ADMIN_MODELS:
    for _action in ("add", "change", "delete") + (("view",) if _model != "application" else ()):
        rules.add_perm(f"applications.{_action}_{_model}", is_organizer)
rules.add_perm("applications", is_organizer)

# Updates sign-up, announcements and curriculum access requests: organizers.
rules.add_perm("applications.manage_updates", is_organizer)
