"""Daily feedback (participants and TAs), the end-of-program survey, and their summaries (pandas).

Each answer carries `respondent`, an HMAC of the person and the day (or cohort) under SECRET_KEY: a
person answers once and can edit, and in an anonymous cohort no name is stored at all."""

from __future__ import annotations

import hashlib
import hmac
from html import escape

import pandas as pd
from django.conf import settings
from django.db import transaction
from django.utils.safestring import mark_safe

from program.models import Absence, Cohort, DayFeedback, EndSurvey, Enrollment, ProgramDay, Role, User

SCORES = ["how_went", "difficulty", "pair_experience", "lecture_usefulness"]
LABELS = {
    "how_went": "How it went",
    "difficulty": "Difficulty",
    "pair_experience": "Pair",
    "lecture_usefulness": "Lecture",
}


class FeedbackError(ValueError):
    pass


def respondent(user: User, scope: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{scope}:{user.pk}".encode(), hashlib.sha256).hexdigest()


def _role(user: User, cohort: Cohort) -> str:
    role = (
        Enrollment.objects.filter(user=user, cohort=cohort, status=Enrollment.Status.ACTIVE)
        .order_by("role")
        .values_list("role", flat=True)
        .first()
    )
    if role is None:
        raise FeedbackError("Only the cohort's participants and TAs give feedback.")
    return role


def existing_day_feedback(user: User, day: ProgramDay) -> DayFeedback | None:
    return DayFeedback.objects.filter(day=day, respondent=respondent(user, f"day:{day.pk}")).first()


def submit_day(user: User, day: ProgramDay, answers: dict) -> DayFeedback:
    role = _role(user, day.cohort)
    if role == Role.TA:
        answers = {**answers, "pair_experience": None}
    with transaction.atomic():
        feedback, _ = DayFeedback.objects.update_or_create(
            day=day,
            respondent=respondent(user, f"day:{day.pk}"),
            defaults={**answers, "role": role, "user": None if day.cohort.feedback_anonymous else user},
        )
    return feedback


def submit_survey(user: User, cohort: Cohort, answers: dict) -> EndSurvey:
    if _role(user, cohort) != Role.PARTICIPANT:
        raise FeedbackError("The end-of-program survey is for participants.")
    survey, _ = EndSurvey.objects.update_or_create(
        cohort=cohort,
        respondent=respondent(user, f"survey:{cohort.pk}"),
        defaults={**answers, "user": None if cohort.feedback_anonymous else user},
    )
    return survey


def day_table(cohort: Cohort) -> pd.DataFrame:
    """Per program day and role: responses, people expected (active, not absent), response rate and
    the average of each score."""
    days = pd.DataFrame(
        list(ProgramDay.objects.filter(cohort=cohort).values_list("pk", "number", "date")),
        columns=["day_id", "day", "date"],
    )
    answers = pd.DataFrame(
        list(DayFeedback.objects.filter(day__cohort=cohort).values_list("day_id", "role", *SCORES)),
        columns=["day_id", "role", *SCORES],
    )
    people = pd.DataFrame(
        list(Enrollment.objects.filter(cohort=cohort, status=Enrollment.Status.ACTIVE).values_list("pk", "role")),
        columns=["enrollment_id", "role"],
    )
    absences = pd.DataFrame(
        list(Absence.objects.filter(day__cohort=cohort).values_list("day_id", "enrollment_id")),
        columns=["day_id", "enrollment_id"],
    )
    rows = []
    for role in (Role.PARTICIPANT.value, Role.TA.value):
        expected = (people["role"] == role).sum()
        absent = absences.merge(people[people["role"] == role], on="enrollment_id").groupby("day_id").size()
        mine = answers[answers["role"] == role]
        stats = mine.groupby("day_id").agg(responses=("role", "size"), **{s: (s, "mean") for s in SCORES})
        table = days.merge(stats, left_on="day_id", right_index=True, how="left")
        table["role"] = role
        table["responses"] = table["responses"].fillna(0).astype(int)
        table["expected"] = expected - table["day_id"].map(absent).fillna(0).astype(int)
        table["response_rate"] = (table["responses"] / table["expected"].where(table["expected"] > 0)).round(3)
        rows.append(table)
    out = pd.concat(rows, ignore_index=True)
    for score in SCORES:
        out[score] = out[score].astype(float).round(2)
    return out.sort_values(["role", "day"])[["role", "day", "date", "responses", "expected", "response_rate", *SCORES]]


def texts(cohort: Cohort) -> list[dict]:
    """Free-text answers grouped by day (with names only when the cohort keeps them)."""
    grouped: dict[int, dict] = {}
    for number, date, role, text, name, email in (
        DayFeedback.objects.filter(day__cohort=cohort)
        .exclude(text="")
        .order_by("day__date", "role", "pk")
        .values_list("day__number", "day__date", "role", "text", "user__full_name", "user__email")
    ):
        entry = grouped.setdefault(number, {"day": number, "date": date, "answers": []})
        entry["answers"].append({"role": role, "text": text, "who": name or email or ""})
    return list(grouped.values())


def survey_summary(cohort: Cohort) -> dict:
    frame = pd.DataFrame(
        list(EndSurvey.objects.filter(cohort=cohort).values_list("overall", "recommend", "surprised", "change")),
        columns=["overall", "recommend", "surprised", "change"],
    )
    participants = Enrollment.objects.filter(
        cohort=cohort, role=Role.PARTICIPANT, status=Enrollment.Status.ACTIVE
    ).count()
    promoters, detractors = (frame["recommend"] >= 9).sum(), (frame["recommend"] <= 6).sum()
    return {
        "responses": len(frame),
        "rate": round(len(frame) / participants, 3) if participants else None,
        "overall": round(float(frame["overall"].mean()), 2) if len(frame) else None,
        "nps": round(100 * (promoters - detractors) / len(frame)) if len(frame) else None,
        "surprised": [t for t in frame["surprised"] if t],
        "change": [t for t in frame["change"] if t],
    }


def chart(table: pd.DataFrame, role: str = Role.PARTICIPANT.value, width: int = 640, height: int = 200) -> str:
    """The average scores over days as an inline SVG line chart (no JavaScript), with a text legend."""
    data = table[table["role"] == role]
    if data.empty or data[SCORES].isna().all().all():
        return ""
    left, bottom, top, right = 30, 20, 10, 10
    days = data["day"].tolist()
    x = {d: left + (width - left - right) * (i / max(1, len(days) - 1)) for i, d in enumerate(days)}

    def y(value: float) -> float:
        return top + (height - top - bottom) * (5 - value) / 4

    colours = {
        "how_went": "#0b5cad",
        "difficulty": "#b35c00",
        "pair_experience": "#1a7f37",
        "lecture_usefulness": "#8250df",
    }
    parts = [f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="Average scores per day" class="chart">']
    for level in range(1, 6):
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(level):.1f}" y2="{y(level):.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="4" y="{y(level) + 4:.1f}" font-size="10">{level}</text>')
    for score, colour in colours.items():
        values = [(d, v) for d, v in zip(days, data[score].tolist(), strict=True) if pd.notna(v)]
        points = [f"{x[d]:.1f},{y(v):.1f}" for d, v in values]
        if len(points) > 1:
            parts.append(
                f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{" ".join(points)}"><title>{escape(LABELS[score])}</title></polyline>'
            )
        for d, v in values:  # a dot per day, so one day of answers shows too
            parts.append(
                f'<circle cx="{x[d]:.1f}" cy="{y(v):.1f}" r="3.5" fill="{colour}"><title>{escape(LABELS[score])}, day {d}: {v:.1f}</title></circle>'
            )
    for d in days:
        parts.append(f'<text x="{x[d]:.1f}" y="{height - 4}" font-size="10" text-anchor="middle">{d}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (numbers and escaped labels only)
