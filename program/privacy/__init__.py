"""A person's data: everything Runway holds about one person, as one ZIP they (or an organizer, for a
request) can download. Found generically from the models, so a new table that points at a person is
in the export without anyone remembering to add it.

May import: `program` only (the other apps' models are reached through Django's app registry)."""
