"""What erasure does to each kind of record: each app states it for its own models in one table
(`<app>/privacy.py`, registered when the app is ready), so the rule for a table sits beside the
app that owns it and a test fails when a table that holds personal data has none.

- `delete`: the row goes, with its files (answers, documents, bank details, a possible-duplicate pair).
- `blank`: these fields are emptied, files among them deleted; the row stays (a review keeps its
  scores, its comment goes).
- `keep_for`: the row stays because the law or the audit needs it (events, payments, a tax form),
  with that reason and, with `years`, until when; the erasure record lists it.
Every row that stays is then scrubbed: the person's name and addresses are replaced in every text
column (program.privacy.erasure.scrub).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Erase:
    delete: bool = False
    blank: tuple[str, ...] = ()
    keep_for: str = ""
    years: int = 0


KEEP = Erase()  # kept as it is, scrubbed of the name and addresses (the default is never assumed: see tests)
POLICIES: dict[str, Erase] = {}
# Per app: a function (person) -> [sentence] naming what must happen before the person can be erased.
BLOCKERS: list[Callable] = []
# Per app: a function (person, addresses) -> {label: rows} for records found by address, not by relation.
BY_ADDRESS: list[Callable] = []


def register(
    policies: dict[str, Erase], *, blockers: Callable | None = None, by_address: Callable | None = None
) -> None:
    POLICIES.update(policies)
    if blockers is not None and blockers not in BLOCKERS:
        BLOCKERS.append(blockers)
    if by_address is not None and by_address not in BY_ADDRESS:
        BY_ADDRESS.append(by_address)


@dataclass
class Tally:
    """What an erasure did, for the record."""

    removed: dict[str, int] = field(default_factory=dict)
    kept: dict[str, dict] = field(default_factory=dict)
    files: int = 0
    replaced: int = 0

    def count_removed(self, label: str, rows: int = 1) -> None:
        self.removed[label] = self.removed.get(label, 0) + rows
