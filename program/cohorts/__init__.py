"""Running a cohort: sessions and rooms (schedule), staffing (TAs, lab machines), daily pairs, the
curriculum and its days, calendar feeds, and the week board's pages.

May import: `program` (models, services, helpers) and the pure engine `program.scheduling`; never
`applications`, `grants` or `demo`."""
