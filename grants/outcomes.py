"""Outcomes: asking grantees where they are (at the end, +3 and +6 months) and the outcomes report."""

from __future__ import annotations

from datetime import date

import pandas as pd
from dateutil.relativedelta import relativedelta
from django.db import IntegrityError, transaction
from django.utils import timezone

from applications import outbox
from program.absolute import absolute_url
from program.models import User

from .models import Grant, GrantEvent, GrantOutcome, GrantState, OutcomeKind, OutcomeRequest

MILESTONES = (0, 3, 6)


def record_outcome(grant: Grant, *, kind: str, by: User, organisation: str = "", note: str = "") -> GrantOutcome:
    with transaction.atomic():
        outcome = GrantOutcome.objects.create(
            grant=grant, kind=OutcomeKind(kind), organisation=organisation[:200], note=note, recorded_by=by
        )
        GrantEvent.objects.create(
            grant=grant,
            actor=by,
            from_state=grant.state,
            to_state=grant.state,
            note=f"outcome: {outcome.get_kind_display()}{' at ' + organisation if organisation else ''}",
        )
    return outcome


def ask_where_they_are(today: date | None = None) -> int:
    """Daily: for each grant whose end (+0, +3, +6 months) has come, ask once (a unique row claims it)."""
    today = today or timezone.localdate()
    sent = 0
    for grant in Grant.objects.filter(state__in=[GrantState.ACTIVE, GrantState.COMPLETED]).select_related("grantee"):
        for months in MILESTONES:
            if grant.ends_on() + relativedelta(months=months) > today:
                continue
            try:
                with transaction.atomic():
                    OutcomeRequest.objects.create(grant=grant, months_after_end=months)
                    outbox.queue_email(
                        "outcome-request",
                        to=grant.grantee.email,
                        context={
                            "grant": grant,
                            "months": months,
                            "name": grant.grantee.display_name,
                            "url": absolute_url("grants:where", pk=grant.pk),
                        },
                        idempotency_key=f"outcome-request:{grant.pk}:{months}",
                    )
                    sent += 1
            except IntegrityError:
                continue
    return sent


def outcomes_report() -> pd.DataFrame:
    """Latest outcome per grant, counted by the year the grant ended and its program (the call)."""
    grants = pd.DataFrame.from_records(
        Grant.objects.exclude(state__in=[GrantState.PROPOSED, GrantState.DECLINED]).values_list(
            "pk", "start_date", "months", "application__call__name"
        ),
        columns=["grant", "start_date", "months", "program"],
    )
    latest = {}
    for grant_id, kind in GrantOutcome.objects.order_by("grant_id", "recorded_at", "pk").values_list(
        "grant_id", "kind"
    ):
        latest[grant_id] = kind
    if grants.empty:
        return pd.DataFrame(columns=["year", "program", "outcome", "grants"])
    grants["year"] = [(s + relativedelta(months=m)).year for s, m in zip(grants["start_date"], grants["months"])]
    grants["program"] = grants["program"].fillna("Direct grants")
    grants["outcome"] = [OutcomeKind(latest.get(g, OutcomeKind.UNKNOWN)).label for g in grants["grant"]]
    return (
        grants.groupby(["year", "program", "outcome"])
        .size()
        .rename("grants")
        .reset_index()
        .sort_values(["year", "program", "grants"], ascending=[True, True, False])
    )
