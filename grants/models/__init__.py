"""The grants app's models, one module per part (all importable from here): `grants` (grants, events,
sign-offs, letters, check-ins, outcomes, alumni) and `payments` (installments, batches and payout
files, the payments ledger, payout details and tax forms, bank statements)."""

from grants.models.grants import (  # noqa: F401
    AlumniNote,
    AlumniProfile,
    CheckIn,
    Grant,
    GrantApproval,
    GrantEvent,
    GrantLetter,
    GrantOutcome,
    GrantState,
    OutcomeKind,
    OutcomeRequest,
    StoredLetter,
    TAOfferLetter,
)
from grants.models.payments import (  # noqa: F401
    BankStatement,
    HoldReason,
    Installment,
    InstallmentState,
    Payment,
    PaymentBatch,
    PayoutAccess,
    PayoutDetails,
    PayoutDetailsChange,
    PayoutFile,
    PayoutMethod,
    StatementEntry,
    TaxForm,
    installment_reference,
    payout_file_upload_to,
    statement_upload_to,
    tax_form_upload_to,
)
