"""Who may do what: every permission Runway checks, as django-rules predicates.

Role predicates live here; each app's rules.py adds the object-level rules for its own models. Views
check `request.user.has_perm(name, obj)` and nothing else, so this is the one place to read.
"""

import rules

from .models import Role


def role_predicate(role: str):
    @rules.predicate(name=f"is_{role}")
    def has(user) -> bool:
        return user.is_authenticated and user.is_active and role in user.roles

    return has


is_organizer = role_predicate(Role.ORGANIZER)
is_coordinator = role_predicate(Role.COORDINATOR)
is_reviewer = role_predicate(Role.REVIEWER)
is_interviewer = role_predicate(Role.INTERVIEWER)
is_ta = role_predicate(Role.TA)
is_participant = role_predicate(Role.PARTICIPANT)
is_applicant = role_predicate(Role.APPLICANT)

ROLE_PREDICATES = {
    Role.ORGANIZER: is_organizer,
    Role.COORDINATOR: is_coordinator,
    Role.REVIEWER: is_reviewer,
    Role.INTERVIEWER: is_interviewer,
    Role.TA: is_ta,
    Role.PARTICIPANT: is_participant,
    Role.APPLICANT: is_applicant,
}

is_staff_role = is_organizer | is_coordinator


@rules.predicate
def is_enrolled_in(user, cohort) -> bool:
    if cohort is None or not user.is_authenticated:
        return False
    return cohort.enrollments.filter(user=user, status="active").exists()


for _role, _predicate in ROLE_PREDICATES.items():
    rules.add_perm(f"program.use_{_role}_dashboard", _predicate)

rules.add_perm("program.view_cohort", is_organizer | is_coordinator | is_enrolled_in)
rules.add_perm("program.change_cohort", is_organizer | is_coordinator)

# The admin back office: organizers manage everything in program, coordinators the cohort side.
_COHORT_SIDE = ("programday", "enrollment", "room", "labmachine", "session", "taassignment")
for _model in _COHORT_SIDE:
    rules.add_perm(f"program.view_{_model}", is_organizer | is_coordinator)
    rules.add_perm(f"program.change_{_model}", is_organizer | is_coordinator)
for _model in ("cohort", *_COHORT_SIDE):
    for _action in ("add", "delete"):
        rules.add_perm(f"program.{_action}_{_model}", is_organizer | is_coordinator)
for _model in ("user", "roleassignment", "workerheartbeat"):
    for _action in ("view", "add", "change", "delete"):
        rules.add_perm(f"program.{_action}_{_model}", is_organizer)
rules.add_perm("program", is_staff_role)
rules.add_perm("program.export_person_data", is_organizer)
rules.add_perm("program.merge_people", is_organizer)
rules.add_perm("program.erase_person", is_organizer)


@rules.predicate
def is_ta_of(user, cohort) -> bool:
    if cohort is None or not user.is_authenticated:
        return False
    return cohort.enrollments.filter(user=user, role=Role.TA, status="active").exists()


@rules.predicate
def is_ta_of_group(user, group) -> bool:
    return group is not None and is_ta_of(user, group.day.cohort)


@rules.predicate
def is_member_of_group(user, group) -> bool:
    return group is not None and user.is_authenticated and group.members.filter(pk=user.pk).exists()


# Curriculum progress: the cohort's heatmap and help list for staff and its TAs; a group's day also
# for its own members; the machine fleet for staff and TAs.
rules.add_perm("program.view_progress", is_organizer | is_coordinator | is_ta_of)
rules.add_perm("program.help_queue", is_organizer | is_coordinator | is_ta_of)
rules.add_perm("program.help_numbers", is_organizer | is_coordinator)
rules.add_perm("program.take_attendance", is_organizer | is_coordinator | is_ta_of)
rules.add_perm("program.view_group_progress", is_organizer | is_coordinator | is_ta_of_group | is_member_of_group)
rules.add_perm("program.view_fleet", is_organizer | is_coordinator | is_ta)
