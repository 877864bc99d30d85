"""`make bench`: run the benchmarks and print one table (name, N, median ms, SQL queries, ...)."""

import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from bench import around, broker, dashboards, grants, help_queue, intake, labs, load, payouts, review, scheduling  # noqa: E402
from bench.harness import print_table  # noqa: E402

SUITES = {
    "dashboards": dashboards.run,
    "intake": intake.run,
    "review": review.run,
    "grants": grants.run,
    "payouts": payouts.run,
    "scheduling": scheduling.run,
    "labs": labs.run,
    "help": help_queue.run,
    "around": around.run,
    "broker": broker.run,
    "load": load.run,
}


def main(argv: list[str]) -> int:
    selected = argv or list(SUITES)
    unknown = [s for s in selected if s not in SUITES]
    if unknown:
        print(f"Unknown benchmark(s): {', '.join(unknown)}. Available: {', '.join(SUITES)}", file=sys.stderr)
        return 2
    call_command("migrate", "--no-input", verbosity=0)
    started = time.monotonic()
    rows = []
    for name in selected:
        rows.extend(SUITES[name]())
    print(f"Runway benchmarks on {connection.vendor}, {os.cpu_count()} CPUs ({time.monotonic() - started:.0f} s)\n")
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
