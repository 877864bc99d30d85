"""The base app's models, one module per part of the program (all importable from here):
`people` (the user, roles, the worker heartbeat), `events` (state events), `cohorts` (cohorts, days, enrollments,
curriculum, rooms, sessions, machines, pairs, TAs, calendar feeds), `labs` (stored lab reports and
results), `feedback` (daily feedback and the end survey), `help` (the TA help queue, attendance), `privacy` (exports,
file accesses, merges and erasures of a person's data)."""

from program.models.cohorts import (  # noqa: F401
    Absence,
    CalendarFeed,
    Cohort,
    Curriculum,
    CurriculumDay,
    DoNotPair,
    Enrollment,
    Exercise,
    LabMachine,
    PairGroup,
    ProgramDay,
    Room,
    Session,
    TAAssignment,
    _feed_token,
)
from program.models.events import StateEvent  # noqa: F401
from program.models.feedback import DayFeedback, EndSurvey  # noqa: F401
from program.models.help import Attendance, HelpRequest  # noqa: F401
from program.models.labs import CheckResult, LabReport  # noqa: F401
from program.models.people import (  # noqa: F401
    ROLE_PRIORITY,
    STAFF_ROLES,
    Role,
    RoleAssignment,
    User,
    UserManager,
    WorkerHeartbeat,
    validate_timezone,
)
from program.models.privacy import DataExport, ErasureRecord, FileAccess, PersonMerge  # noqa: F401
