"""Email after an unexcused absence: `program` sends `missed_day`; one "we missed you" per day and
person (the idempotency key), so confirming the day twice never mails twice."""

from __future__ import annotations

from applications.outbox import queue_email


def tell_missed(sender, *, day, people, **kwargs) -> None:
    for person in people:
        queue_email(
            "missed-you",
            to=person.email,
            context={"person": person, "name": person.display_name, "day": day, "cohort": day.cohort},
            idempotency_key=f"missed:{day.pk}:{person.pk}",
        )
