"""Interviews: slots, booking and rescheduling, automatic matching (the engine's max flow), ICS
invitations, outcomes and scorecards, and their pages.

May import: `program` (and its engine) and the rest of `applications`; never `grants` or `demo`."""
