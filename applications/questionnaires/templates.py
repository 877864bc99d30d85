"""The three questionnaires Runway ships with; organizers start from one and edit it in the admin."""

from __future__ import annotations

from django.db import transaction

from applications.models import Call, CallKind, Question, Questionnaire
from applications.models import QuestionKind as K

AVAILABILITY_HELP = "Tick every date you can attend in full."

TEMPLATES: dict[str, dict] = {
    CallKind.PARTICIPANT: {
        "title": "Bootcamp participant questionnaire",
        "intro": "A few questions so we can put together a strong cohort. Drafts save as you type.",
        "questions": [
            (
                "programming_experience",
                K.LONG_TEXT,
                "Describe your programming experience: languages, largest project, years.",
                True,
                {},
            ),
            (
                "python_level",
                K.SINGLE_CHOICE,
                "How comfortable are you with Python?",
                True,
                {"choices": ["I write it daily", "I have used it on projects", "I have only dabbled"]},
            ),
            (
                "linear_algebra",
                K.SINGLE_CHOICE,
                "How comfortable are you with linear algebra (e.g. eigenvectors, matrix decompositions)?",
                True,
                {"choices": ["Comfortable", "Somewhat, with a refresher", "Not yet"]},
            ),
            (
                "vector_calculus",
                K.SINGLE_CHOICE,
                "How comfortable are you with vector calculus (gradients, Jacobians, the chain rule)?",
                True,
                {"choices": ["Comfortable", "Somewhat, with a refresher", "Not yet"]},
            ),
            (
                "background",
                K.SINGLE_CHOICE,
                "Are you currently a student or working?",
                True,
                {"choices": ["Student", "Professional", "Other"]},
            ),
            (
                "attend_every_day",
                K.YES_NO,
                "Can you attend every program day in person, about 8 hours a day?",
                True,
                {},
            ),
            ("why_alignment", K.LONG_TEXT, "Why do you want to work on AI alignment?", True, {}),
            ("github", K.URL, "A link to code you wrote (GitHub, GitLab, a project page)", False, {}),
            ("heard_from", K.SHORT_TEXT, "Where did you hear about the bootcamp?", False, {}),
        ],
    },
    CallKind.TA: {
        "title": "Bootcamp TA questionnaire",
        "intro": "TAs help pairs through the day's exercises. Tell us what you know and when you are free.",
        "questions": [
            (
                "knows_curriculum",
                K.SINGLE_CHOICE,
                "Do you know the curriculum already?",
                True,
                {
                    "choices": [
                        "Yes, I took the bootcamp or taught it",
                        "No, but I have a month free to study it beforehand",
                        "No",
                    ]
                },
            ),
            (
                "topics",
                K.MULTIPLE_CHOICE,
                "Which topics could you help with?",
                True,
                {
                    "choices": [
                        "PyTorch basics",
                        "CNNs",
                        "Transformers",
                        "Interpretability",
                        "Reinforcement learning",
                        "Training at scale",
                    ]
                },
            ),
            ("availability", K.AVAILABILITY, "Which program days are you available?", True, {}),
            ("max_days", K.NUMBER, "At most how many days would you like to work?", False, {}),
            ("teaching_experience", K.LONG_TEXT, "Any teaching or mentoring experience?", False, {}),
        ],
    },
    CallKind.GRANT: {
        "title": "Retraining grant questionnaire",
        "intro": "These questions help us judge whether a grant of about three months fits your plan.",
        "questions": [
            (
                "study_plan",
                K.LONG_TEXT,
                "Your study plan for about three months (e.g. replicating deep RL papers, textbooks, courses).",
                True,
                {},
            ),
            ("papers", K.LONG_TEXT, "Which papers would you replicate first, and why?", False, {}),
            ("stipend_needed", K.NUMBER, "Monthly stipend you need (in your currency)", True, {}),
            ("currency", K.SHORT_TEXT, "Currency", True, {}),
            ("start_date", K.DATE, "Earliest start date", True, {}),
            ("references", K.LONG_TEXT, "People in the field who know you or your work", False, {}),
            ("heard_from", K.SHORT_TEXT, "Where did you hear about the program?", False, {}),
            ("resume_upload", K.FILE, "Resume (if you did not email one)", False, {}),
        ],
    },
}


def apply_template(call: Call, *, dates: list[str] | None = None) -> Questionnaire:
    """Give `call` the shipped questionnaire for its kind (idempotent: existing questions are kept)."""
    template = TEMPLATES[call.kind]
    with transaction.atomic():
        questionnaire, _ = Questionnaire.objects.get_or_create(
            call=call, defaults={"title": template["title"], "intro": template["intro"]}
        )
        for position, (key, kind, label, required, extra) in enumerate(template["questions"], start=1):
            Question.objects.get_or_create(
                questionnaire=questionnaire,
                key=key,
                defaults={
                    "position": position * 10,
                    "kind": kind,
                    "label": label,
                    "required": required,
                    "choices": extra.get("choices", []),
                    "dates": (dates if dates is not None else _cohort_dates(call)) if kind == K.AVAILABILITY else [],
                    "help_text": AVAILABILITY_HELP if kind == K.AVAILABILITY else "",
                },
            )
    return questionnaire


def _cohort_dates(call: Call) -> list[str]:
    if call.cohort_id is None:
        return []
    return [d.isoformat() for d in call.cohort.days.order_by("date").values_list("date", flat=True)]
