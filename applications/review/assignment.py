"""Reviewer assignment as plain data: who reviews which application.

Each application gets k reviewers; nobody reviews their own application or one they declared a
conflict with; load stays balanced (a reviewer's total, including earlier assignments, differs from
the least-loaded eligible reviewer's by at most one whenever constraints allow). Applications with
the fewest eligible reviewers are served first so they are not starved. Deterministic for a seed.
"""

from __future__ import annotations

import random
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field


@dataclass
class Plan:
    pairs: list[tuple[Hashable, Hashable]] = field(default_factory=list)  # (application, reviewer)
    shortfall: dict[Hashable, int] = field(default_factory=dict)  # application -> reviewers missing


def plan(
    applications: Iterable[tuple[Hashable, Hashable]],
    reviewers: Iterable[Hashable],
    k: int,
    *,
    existing: dict[Hashable, set] | None = None,
    load: dict[Hashable, int] | None = None,
    conflicts: set[tuple[Hashable, Hashable]] | frozenset = frozenset(),
    seed: int = 0,
) -> Plan:
    """`applications` are (application id, applicant's person id); `reviewers` are person ids."""
    reviewers = list(dict.fromkeys(reviewers))
    existing = {a: set(r) for a, r in (existing or {}).items()}
    load = {r: (load or {}).get(r, 0) for r in reviewers}
    order = {r: i for i, r in enumerate(random.Random(seed).sample(reviewers, len(reviewers)))}

    def eligible(app, applicant):
        taken = existing.get(app, set())
        return [r for r in reviewers if r != applicant and (app, r) not in conflicts and r not in taken]

    todo = []
    for app, applicant in applications:
        need = k - len(existing.get(app, set()))
        if need > 0:
            todo.append((app, applicant, need, eligible(app, applicant)))
    todo.sort(key=lambda item: (len(item[3]) - item[2], str(item[0])))

    result = Plan()
    for app, _applicant, need, candidates in todo:
        chosen = sorted(candidates, key=lambda r: (load[r], order[r]))[:need]
        for reviewer in chosen:
            load[reviewer] += 1
            existing.setdefault(app, set()).add(reviewer)
            result.pairs.append((app, reviewer))
        if len(chosen) < need:
            result.shortfall[app] = need - len(chosen)
    return result
