"""Paying stipends: installments and their states, payment batches and exports, payout details,
currencies, and the ledgers. A new payout file format lives here.

May import: `program`, `applications` and the rest of `grants`; never `demo`."""
