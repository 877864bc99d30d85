"""Feedback: one daily form per person and day (or an anonymous key), and the end-of-program survey."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.timezone import now

from program.models.cohorts import Cohort, Enrollment, ProgramDay
from program.models.people import User


def _score(label: str, *, null: bool = False) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        label, null=null, blank=null, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )


class DayFeedback(models.Model):
    """Short feedback on one program day, from a participant or a TA. `respondent` is a keyed hash of
    the person and the day, so each person answers once (and may edit) even when names are not kept."""

    day = models.ForeignKey(ProgramDay, on_delete=models.CASCADE, related_name="feedback")
    role = models.CharField(max_length=20, choices=Enrollment.ROLE_CHOICES)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    respondent = models.CharField(max_length=64)
    how_went = _score("How did the day go?")
    difficulty = _score("How hard was it? (1 too easy, 5 too hard)")
    pair_experience = _score("How was working with your pair?", null=True)
    lecture_usefulness = _score("How useful was the lecture?", null=True)
    text = models.TextField("Anything else?", blank=True, max_length=5000)
    created_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "respondent"], name="day_feedback_once")]

    def __str__(self) -> str:
        return f"Feedback on {self.day}"


class EndSurvey(models.Model):
    """The end-of-program survey of a cohort."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="surveys")
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    respondent = models.CharField(max_length=64)
    overall = _score("Overall, how was the program?")
    recommend = models.PositiveSmallIntegerField("Would you recommend it? (0–10)", validators=[MaxValueValidator(10)])
    surprised = models.TextField("What surprised you?", blank=True, max_length=5000)
    change = models.TextField("What should we change?", blank=True, max_length=5000)
    created_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cohort", "respondent"], name="end_survey_once")]

    def __str__(self) -> str:
        return f"End survey of {self.cohort}"
