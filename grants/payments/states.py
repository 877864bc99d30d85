"""The installment's states and the moves allowed between them (see `installments` for the story)."""

from __future__ import annotations

from grants.models import Installment
from grants.models import InstallmentState as I
from program.statemachine import StateMachine

TRANSITIONS: dict[str, frozenset[str]] = {
    I.SCHEDULED: frozenset({I.DUE, I.HELD, I.CANCELLED}),
    I.DUE: frozenset({I.HELD, I.IN_BATCH, I.PAID, I.CANCELLED}),
    I.HELD: frozenset({I.DUE, I.CANCELLED}),
    I.IN_BATCH: frozenset({I.DUE, I.HELD, I.EXPORTED, I.PAID, I.CANCELLED}),
    I.EXPORTED: frozenset({I.PAID, I.RETURNED}),  # the file went to the bank: only the bank decides now
    I.PAID: frozenset({I.RETURNED}),
    I.RETURNED: frozenset({I.HELD}),  # due again as a new attempt, held until new bank details are confirmed
    I.CANCELLED: frozenset(),
}
INSTALLMENTS = StateMachine(
    model=Installment, states=I, transitions=TRANSITIONS, noun="installment", timestamp_field=None
)
