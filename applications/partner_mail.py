"""Email for a same-day change of pairs: everyone whose partners changed hears it once, with the new
partner(s), machine and room. `program` sends `partners_changed`; mail lives here, so `program`
never imports this app."""

from __future__ import annotations

from applications.outbox import queue_email


def tell_new_partners(sender, *, day, changes: dict, **kwargs) -> None:
    for person, partners in changes.items():
        group = day.groups.filter(members=person).select_related("machine__room").first()
        key = "-".join(str(p.pk) for p in partners) or "none"
        queue_email(
            "partners-changed",
            to=person.email,
            context={"person": person, "partners": partners, "day": day, "group": group},
            idempotency_key=f"partners:{day.pk}:{person.pk}:{key}",
        )
