from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from . import AGENT_VERSION


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="labagent", description=f"Runway lab agent {AGENT_VERSION}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="answer GET /v1/progress")
    serve.add_argument("--reports", required=True, type=Path, help="folder with <workspace>/<day>.junit.xml")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8750)
    serve.add_argument("--token-file", required=True, type=Path, help="file holding this machine's token")
    serve.add_argument("--max-report-bytes", type=int, default=2 * 1024 * 1024)
    test = commands.add_parser("test", help="run a day's official tests against a workspace")
    test.add_argument("--tests", required=True, type=Path, help="the curriculum's tests folder")
    test.add_argument("--day", required=True)
    test.add_argument("--answers", required=True, type=Path, help="the pair's workspace folder")
    test.add_argument("--out", required=True, type=Path, help="where to write the JUnit XML")
    test.add_argument("--pair", default="", help="the workspace name (default: the folder's name)")
    test.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")

    if args.command == "serve":
        from .server import make_server  # noqa: PLC0415

        try:
            token = args.token_file.read_text().strip()
        except OSError as exc:
            print(f"labagent: cannot read the token file: {exc}", file=sys.stderr)
            return 2
        if len(token) < 16:
            print("labagent: the token must be at least 16 characters", file=sys.stderr)
            return 2
        server = make_server(args.host, args.port, args.reports, token, max_bytes=args.max_report_bytes)
        print(f"labagent {AGENT_VERSION} serving {args.reports} on http://{args.host}:{server.server_port}", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        return 0

    from .runner import RunnerError, run_day  # noqa: PLC0415

    try:
        code = run_day(args.tests, args.day, args.answers, args.out, pair=args.pair, timeout=args.timeout)
    except RunnerError as exc:
        print(f"labagent: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.out} (pytest exit {code})")
    return 0
