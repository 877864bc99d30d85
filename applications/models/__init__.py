"""The applications app's models, one module per part (all importable from here): `calls`
(calls, applications and their events, applicant links), `mail` (inbound messages and their keys,
documents, the outbox), `questionnaires`, `review` (rubrics, reviews, conflicts, decisions, offers,
promotions), `interviews`, `updates` (subscribers, announcements, access requests), `people` (accounts
that may be one person, retention holds), `referees`."""

from applications.models.calls import (  # noqa: F401
    ApplicantLink,
    Application,
    ApplicationEvent,
    ApplicationState,
    Call,
    CallKind,
    _new_reply_token,
)
from applications.models.interviews import Interview, InterviewAvailability, InterviewSlot  # noqa: F401
from applications.models.mail import (  # noqa: F401
    Document,
    InboundKey,
    InboundMessage,
    InboundOutcome,
    OutboundMessage,
    _raw_message_path,
    answer_upload_to,
    document_upload_to,
)
from applications.models.people import PossibleDuplicate, RetentionHold  # noqa: F401
from applications.models.questionnaires import Answer, Question, QuestionKind, Questionnaire  # noqa: F401
from applications.models.referees import Referee  # noqa: F401
from applications.models.review import (  # noqa: F401
    ConflictOfInterest,
    Criterion,
    Decision,
    Offer,
    Promotion,
    Recommendation,
    Review,
    ReviewAssignment,
)
from applications.models.updates import AccessRequest, Announcement, Interest, Subscriber, new_secret  # noqa: F401
