"""Retraining grants: proposal and sign-off, letters, check-ins, extensions, outcomes, alumni
(`alumni/`), and paying stipends (`payments/`: installments, batches, payout details, ledgers).

May import: `program` and `applications`; never `demo`.
"""
