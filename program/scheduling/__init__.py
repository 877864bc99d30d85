"""The scheduling engine: plain Python (no Django), one module per instance kind.

`solve(instance)` dispatches on `instance["kind"]` and returns a schedule dict; formats and rules are
in shared/scheduling/FORMAT.md. `python -m program.scheduling IN.json` is the command-line front.
The web pages call the same functions.
"""

from __future__ import annotations

import importlib

from .errors import Conflict, Infeasible, MalformedInstance, Rule

KINDS = ("pairing", "ta", "interview", "lecture")  # each a module with `solve(instance)`


def solve(instance: dict) -> dict:
    if not isinstance(instance, dict):
        raise MalformedInstance("the instance must be a JSON object")
    kind = instance.get("kind")
    if kind not in KINDS:
        raise MalformedInstance(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    # A kind loads on first use: OR-Tools (interview, lecture) takes a second to import, which a
    # pairing run should not pay.
    module = importlib.import_module(f"{__name__}.{kind}")
    return module.solve(instance)


__all__ = ["Conflict", "Infeasible", "MalformedInstance", "Rule", "solve"]
