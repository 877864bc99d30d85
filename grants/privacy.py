"""Erasure rules for the grants' tables (program.privacy.policy): the books stay (grants, installments,
payments, statement lines, tax forms, the signed letter) with the legal reason and until when; bank
details, the study plan, check-in texts and alumni notes go. A grant that still pays blocks erasure."""

from __future__ import annotations

from django.conf import settings

from grants.models import Installment, InstallmentState
from program.privacy.policy import KEEP, Erase, register

AUDIT = "the audit: who did what, when (pseudonymised)"
OPEN = (InstallmentState.SCHEDULED, InstallmentState.DUE, InstallmentState.HELD, InstallmentState.IN_BATCH,
        InstallmentState.EXPORTED)  # fmt: skip


def books(why: str) -> Erase:
    return Erase(keep_for=f"bookkeeping law: {why}", years=settings.ERASURE_BOOKS_YEARS)


def blockers(person) -> list[str]:
    waiting = Installment.objects.filter(grant__grantee=person, state__in=OPEN).values_list("grant_id", flat=True)
    grants = sorted(set(waiting))
    return [f"grant #{g} still has installments to pay or cancel" for g in grants]


register(
    {
        "grants.grant": Erase(
            blank=("study_plan",), keep_for="bookkeeping law: the grant paid", years=settings.ERASURE_BOOKS_YEARS
        ),  # fmt: skip
        "grants.grantevent": Erase(keep_for=AUDIT),
        "grants.grantapproval": Erase(keep_for=AUDIT),
        "grants.grantletter": books("the signed grant letter is the contract behind the payments"),
        "grants.checkin": Erase(blank=("studied", "papers", "plans"), keep_for="dates that released payments"),
        "grants.grantoutcome": Erase(blank=("organisation", "note"), keep_for="outcome statistics"),
        "grants.outcomerequest": KEEP,
        "grants.taofferletter": books("the TA contract"),
        "grants.alumniprofile": Erase(delete=True),
        "grants.alumninote": Erase(delete=True),
        "grants.installment": books("each installment due and paid"),
        "grants.payment": books("each payment and return"),
        "grants.statemententry": books("the bank's statement lines"),
        "grants.payoutdetails": Erase(delete=True),
        "grants.payoutdetailschange": Erase(keep_for=AUDIT),
        "grants.payoutaccess": Erase(keep_for=AUDIT),
        "grants.taxform": books("tax records"),
    },
    blockers=blockers,
)
