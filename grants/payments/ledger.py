"""Ledgers: what each grant and the whole program has scheduled, due, held, paid and outstanding.

Paid amounts come from the payments table (net of returns), never from installment flags, so the
ledger reconciles with the ledger rows to the cent (a property test checks it on random data).
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
from django.db.models import Sum

from grants.models import Grant, Installment, Payment
from grants.models import InstallmentState as I

ZERO = Decimal("0.00")


# Columns of the ledgers: money on its way (in a batch, sent to the bank) is still due; a returned
# installment waiting for new details is held.
COLUMN = {I.IN_BATCH: I.DUE, I.EXPORTED: I.DUE, I.RETURNED: I.HELD}


def _columns(by_state: dict) -> dict:
    merged: dict = {}
    for state, total in by_state.items():
        merged[COLUMN.get(state, state)] = merged.get(COLUMN.get(state, state), ZERO) + total
    return merged


def grant_ledger(grant: Grant) -> dict[str, Decimal]:
    by_state = _columns(dict(grant.installments.order_by().values_list("state").annotate(total=Sum("amount"))))
    paid = Payment.objects.filter(installment__grant=grant).aggregate(total=Sum("amount"))["total"] or ZERO
    committed = sum((v for k, v in by_state.items() if k != I.CANCELLED), ZERO)
    return {
        "scheduled": by_state.get(I.SCHEDULED, ZERO),
        "due": by_state.get(I.DUE, ZERO),
        "held": by_state.get(I.HELD, ZERO),
        "cancelled": by_state.get(I.CANCELLED, ZERO),
        "paid": paid,
        "outstanding": committed - paid,
    }


def program_ledger() -> pd.DataFrame:
    """One row per month (of the installments' due dates): amounts by state, and the net paid."""
    installments = pd.DataFrame.from_records(
        Installment.objects.values_list("pk", "due_on", "amount", "state", "currency"),
        columns=["pk", "due_on", "amount", "state", "currency"],
    )
    paid = pd.DataFrame.from_records(Payment.objects.values_list("installment_id", "amount"), columns=["pk", "paid"])
    if installments.empty:
        return pd.DataFrame(
            columns=["month", "currency", "scheduled", "due", "held", "cancelled", "paid", "outstanding"]
        )
    installments["state"] = [COLUMN.get(state, state) for state in installments["state"]]
    installments["month"] = pd.to_datetime(installments["due_on"]).dt.strftime("%Y-%m")
    wide = installments.pivot_table(
        index=["month", "currency"], columns="state", values="amount", aggfunc="sum", fill_value=ZERO
    )
    for state in (I.SCHEDULED, I.DUE, I.HELD, I.PAID, I.CANCELLED):
        if state not in wide.columns:
            wide[state] = ZERO
    net = paid.groupby("pk")["paid"].sum().to_dict() if not paid.empty else {}
    installments["paid"] = [net.get(pk, ZERO) for pk in installments["pk"]]
    paid_by_month = installments.groupby(["month", "currency"])["paid"].sum()
    committed = installments[installments["state"] != I.CANCELLED].groupby(["month", "currency"])["amount"].sum()
    table = pd.DataFrame(
        {
            "scheduled": wide[I.SCHEDULED],
            "due": wide[I.DUE],
            "held": wide[I.HELD],
            "cancelled": wide[I.CANCELLED],
            "paid": paid_by_month.reindex(wide.index, fill_value=ZERO),
        }
    )
    table["outstanding"] = committed.reindex(wide.index, fill_value=ZERO) - table["paid"]
    return table.reset_index().sort_values(["month", "currency"]).reset_index(drop=True)
