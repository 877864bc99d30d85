"""The scheduling engine: plain Python (no Django), one module per instance kind.

`solve(instance)` dispatches on `instance["kind"]` and returns a schedule dict; formats and rules are
in shared/scheduling/FORMAT.md. `python -m program.scheduling IN.json` is the command-line front.
The web pages call the same functions.
"""

from __future__ import annotations

from .errors import Conflict, Infeasible, MalformedInstance, Rule

SOLVERS = {}


def _register() -> None:
    from . import interview, lecture, pairing, ta  # noqa: PLC0415  (kinds load on first use)

    SOLVERS["interview"] = interview.solve
    SOLVERS["pairing"] = pairing.solve
    SOLVERS["ta"] = ta.solve
    SOLVERS["lecture"] = lecture.solve


def solve(instance: dict) -> dict:
    if not isinstance(instance, dict):
        raise MalformedInstance("the instance must be a JSON object")
    kind = instance.get("kind")
    if not SOLVERS:
        _register()
    if kind not in ("pairing", "ta", "interview", "lecture"):
        raise MalformedInstance(f"unknown kind {kind!r}; expected one of pairing, ta, interview, lecture")
    if kind not in SOLVERS:
        raise MalformedInstance(f"kind {kind!r} is not implemented yet (implemented: {', '.join(sorted(SOLVERS))})")
    return SOLVERS[kind](instance)


__all__ = ["Conflict", "Infeasible", "MalformedInstance", "Rule", "solve"]
