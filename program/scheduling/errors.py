"""What the engine raises: a malformed instance (exit 2), an infeasible one (exit 1), and for lectures
the conflicting rules by name."""

from __future__ import annotations

from dataclasses import dataclass


class MalformedInstance(ValueError):
    """The instance does not follow FORMAT.md (exit code 2)."""


class Infeasible(RuntimeError):
    """The instance is well formed but no schedule satisfies its hard rules (exit code 1)."""


class Conflict(Infeasible):
    """No plan: `conflicts` lists sets of rules that cannot all hold, each minimal where time allowed;
    dropping every rule named leaves an instance with a plan (`relax`)."""

    def __init__(self, conflicts: list[list[Rule]]):
        self.conflicts = conflicts
        self.rules = [rule for conflict in conflicts for rule in conflict]
        if not conflicts:
            text = "no plan exists even with every due day, availability, cap and prerequisite dropped"
        elif len(conflicts) == 1:
            text = "no plan satisfies all of: " + "; ".join(r.text for r in conflicts[0])
        else:
            text = "no plan: " + " — and ".join(
                f"({n}) " + "; ".join(r.text for r in conflict) for n, conflict in enumerate(conflicts, 1)
            )
        super().__init__(text)


@dataclass(frozen=True)
class Rule:
    kind: str  # due, earliest, prerequisite, available, per_day, total, blocked
    subject: tuple
    text: str
