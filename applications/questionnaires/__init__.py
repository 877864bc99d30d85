"""Questionnaires: the form built from a call's questions (every question kind), saving answers and
files, and the shipped questionnaire templates per kind of call.

May import: `program` and the rest of `applications`; never `grants` or `demo`."""
