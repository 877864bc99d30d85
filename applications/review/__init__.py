"""Reviewing applications: rubrics and reviews, assigning reviewers, calibrated scoring, the review
queue's queries and export, per-call analytics, and their pages.

May import: `program` and the rest of `applications`; never `grants` or `demo`."""
