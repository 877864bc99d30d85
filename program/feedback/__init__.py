"""Feedback from a cohort: the daily form for participants and TAs, the end-of-program survey, the
summaries (pandas) and their pages.

May import: `program` only."""
