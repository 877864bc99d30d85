"""The scheduling engine on generated instances (no database)."""

from __future__ import annotations

import time

from program.scheduling import solve
from program.scheduling.generate import pairing_instance, ta_instance

from .harness import Row


def run() -> list[Row]:
    rows = []
    for n, absence in [(40, 0.0), (40, 0.05), (100, 0.05), (500, 0.05)]:
        instance = pairing_instance(n, 20, seed=1, absence_rate=absence, do_not_pair=2 if absence else 0)
        started = time.perf_counter()
        meta = solve(instance)["meta"]
        elapsed = (time.perf_counter() - started) * 1000
        rows.append(
            Row(
                f"pairing ({meta['solver']}, {int(absence * 100)}% absent)",
                f"{n} people × 20 days",
                elapsed,
                "",
                {
                    "repeats / bound": f"{meta['repeat_events']} / {meta['repeat_events_lower_bound']}",
                    "max skill gap": meta["skill_gap_max"],
                },
            )
        )
    instance = ta_instance(120, 20, seed=1)
    started = time.perf_counter()
    meta = solve(instance)["meta"]
    rows.append(
        Row(
            "TA assignment (min-cost max flow)",
            "120 TAs × 20 days",
            (time.perf_counter() - started) * 1000,
            "",
            {"coverage / bound": f"{meta['coverage_fraction']} / {meta['coverage_upper_bound']}"},
        )
    )
    return rows
