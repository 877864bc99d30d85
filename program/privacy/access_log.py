"""Recording that staff opened a person's file (the person's own downloads are not logged)."""

from __future__ import annotations

from program.models import FileAccess, User


def record_file_access(person_id: int, by: User, what: str) -> None:
    if by.pk != person_id:
        FileAccess.objects.create(person_id=person_id, by=by, what=what[:300])
