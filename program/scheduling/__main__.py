"""python -m program.scheduling IN.json   (or - for standard input)

Prints the schedule as JSON on standard output. A malformed instance: a message on standard error and
exit code 2; an infeasible one: exit code 1 with the reason.
"""

from __future__ import annotations

import json
import sys

from . import solve
from .errors import Infeasible, MalformedInstance


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m program.scheduling IN.json   (or - for standard input)", file=sys.stderr)
        return 2
    try:
        text = sys.stdin.read() if argv[0] == "-" else open(argv[0], encoding="utf-8").read()
        instance = json.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        print(f"error: cannot read {argv[0]}: {exc}", file=sys.stderr)
        return 2
    except json.JSONDecodeError as exc:
        print(f"error: not valid JSON: {exc}", file=sys.stderr)
        return 2
    try:
        schedule = solve(instance)
    except MalformedInstance as exc:
        print(f"error: malformed instance: {exc}", file=sys.stderr)
        return 2
    except Infeasible as exc:
        print(f"infeasible: {exc}", file=sys.stderr)
        return 1
    json.dump(schedule, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
