"""Alumni: everyone who completed a cohort (the cohort has ended and they did not withdraw) or a grant,
with their history (cohorts and roles, grants, outcomes, a progress summary). Built from a fixed number
of queries with pandas, whatever the number of people."""

from __future__ import annotations

import pandas as pd
from django.db.models import Count, Q
from django.utils import timezone

from grants.models import AlumniNote, AlumniProfile, Grant, GrantState, OutcomeKind
from program.models import CheckResult, Enrollment, PairGroup, User


def alumni_ids(today=None) -> list[int]:
    today = today or timezone.localdate()
    return list(
        User.objects.filter(
            Q(enrollments__cohort__ends_on__lt=today, enrollments__status=Enrollment.Status.ACTIVE)
            | Q(grants__state=GrantState.COMPLETED)
        )
        .distinct()
        .values_list("pk", flat=True)
    )


COLUMNS = [
    "user_id", "name", "email", "cohorts", "grants", "outcome", "outcome_kind", "tests_passed", "current_role",
    "current_organisation", "contact_ok", "of_interest",
]  # fmt: skip


def table(today=None) -> pd.DataFrame:
    """One row per alumnus: name, email, cohorts (with role), grants, latest outcome, tests passed,
    current role, contact and hiring flags."""
    ids = alumni_ids(today)
    people = pd.DataFrame(
        list(User.objects.filter(pk__in=ids).values_list("pk", "full_name", "email")),
        columns=["user_id", "name", "email"],
    )
    if people.empty:
        return pd.DataFrame(columns=COLUMNS)
    profiles = pd.DataFrame(
        list(
            AlumniProfile.objects.filter(user_id__in=ids).values_list(
                "user_id", "current_role", "current_organisation", "contact_ok", "of_interest"
            )
        ),
        columns=["user_id", "current_role", "current_organisation", "contact_ok", "of_interest"],
    ).set_index("user_id")
    history = [_cohorts(ids), *_grants(ids), _tests_passed(ids)]
    out = people.set_index("user_id").join(history).join(profiles)
    out["tests_passed"] = out["tests_passed"].fillna(0).astype(int)
    out["contact_ok"] = out["contact_ok"].fillna(True).astype(bool)
    out["of_interest"] = out["of_interest"].fillna(False).astype(bool)
    out = out.fillna("").reset_index()
    out["name"] = out["name"].where(out["name"] != "", out["email"])
    return out.sort_values("name")


def _cohorts(ids: list[int]) -> pd.Series:
    enrollments = pd.DataFrame(
        list(
            Enrollment.objects.filter(user_id__in=ids, status=Enrollment.Status.ACTIVE).values_list(
                "user_id", "cohort__name", "role"
            )
        ),
        columns=["user_id", "cohort", "role"],
    )
    enrollments["label"] = enrollments["cohort"] + " (" + enrollments["role"] + ")"
    return enrollments.groupby("user_id")["label"].agg(lambda s: "; ".join(sorted(s))).rename("cohorts")


def _grants(ids: list[int]) -> tuple[pd.Series, pd.Series]:
    """Each person's grants ("#3 completed; #7 active") and the latest recorded outcome."""
    grants = pd.DataFrame(
        list(Grant.objects.filter(grantee_id__in=ids).values_list("grantee_id", "pk", "state")),
        columns=["user_id", "grant", "state"],
    )
    grants["label"] = "#" + grants["grant"].astype(str) + " " + grants["state"]
    labels = grants.groupby("user_id")["label"].agg(lambda s: "; ".join(s)).rename("grants")
    outcomes = pd.DataFrame(
        list(
            Grant.objects.filter(grantee_id__in=ids, outcomes__isnull=False)
            .order_by("outcomes__recorded_at")
            .values_list("grantee_id", "outcomes__kind", "outcomes__organisation")
        ),
        columns=["user_id", "kind", "organisation"],
    )
    label = dict(OutcomeKind.choices)
    outcomes["outcome"] = [
        label.get(kind, kind) + (f" at {organisation}" if organisation else "")
        for kind, organisation in zip(outcomes["kind"], outcomes["organisation"], strict=True)
    ]
    latest = outcomes.groupby("user_id")[["outcome", "kind"]].last().rename(columns={"kind": "outcome_kind"})
    return labels, latest


def _tests_passed(ids: list[int]) -> pd.Series:
    memberships = pd.DataFrame(
        list(PairGroup.members.through.objects.filter(user_id__in=ids).values_list("user_id", "pairgroup_id")),
        columns=["user_id", "group_id"],
    )
    per_group = pd.DataFrame(
        list(
            CheckResult.objects.filter(group_id__in=memberships["group_id"].tolist(), first_passed_at__isnull=False)
            .values("group_id")
            .annotate(n=Count("pk"))
            .values_list("group_id", "n")
        ),
        columns=["group_id", "n"],
    )
    return memberships.merge(per_group, on="group_id").groupby("user_id")["n"].sum().rename("tests_passed")


def filtered(frame: pd.DataFrame, *, of_interest: bool = False, contact_ok: bool = False, kind: str = "", q: str = ""):
    if of_interest:
        frame = frame[frame["of_interest"]]
    if contact_ok:
        frame = frame[frame["contact_ok"]]
    if kind == "bootcamp":
        frame = frame[frame["cohorts"] != ""]
    elif kind == "grant":
        frame = frame[frame["grants"] != ""]
    elif kind == "ai_safety":
        frame = frame[frame["outcome_kind"] == OutcomeKind.AI_SAFETY_JOB]
    if q:
        frame = frame[
            frame["name"].str.contains(q, case=False, regex=False)
            | frame["email"].str.contains(q, case=False, regex=False)
        ]
    return frame


def history(user: User) -> dict:
    return {
        "enrollments": list(
            Enrollment.objects.filter(user=user).select_related("cohort").order_by("cohort__starts_on")
        ),
        "grants": list(Grant.objects.filter(grantee=user).prefetch_related("outcomes").order_by("pk")),
        "groups": PairGroup.objects.filter(members=user).count(),
        "tests_passed": CheckResult.objects.filter(group__members=user, first_passed_at__isnull=False).count(),
    }


def set_of_interest(user: User, value: bool) -> AlumniProfile:
    profile, _ = AlumniProfile.objects.get_or_create(user=user)
    profile.of_interest = value
    profile.save(update_fields=["of_interest"])
    return profile


def add_note(person: User, text: str, *, by: User) -> AlumniNote:
    if not text.strip():
        raise ValueError("The note is empty.")
    return AlumniNote.objects.create(person=person, author=by, text=text.strip())
