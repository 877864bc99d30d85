"""Real lab agents on 127.0.0.1 for the tests: reports made by actually running the sample
curriculum's tests (`labagent test`), served by `python -m program.labagent serve` processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "tests" / "fixtures" / "labcurriculum"


def run_day(reports: Path, workspace: str, day: str, answers: str) -> Path:
    out = reports / workspace / f"{day}.junit.xml"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "program.labagent",
            "test",
            "--tests",
            str(SAMPLE / "tests"),
            "--day",
            day,
            "--answers",
            str(SAMPLE / "answers" / answers),
            "--out",
            str(out),
            "--pair",
            workspace,
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return out


class Agent:
    """`python -m program.labagent serve` on a free port; `url`, `token`, `stop()`."""

    def __init__(self, reports: Path, token: str = "a-long-enough-token-for-tests", extra_env: dict | None = None):
        reports.mkdir(parents=True, exist_ok=True)
        self.token = token
        token_file = reports.parent / f"{reports.name}.token"
        token_file.write_text(token)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "program.labagent",
                "serve",
                "--reports",
                str(reports),
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--token-file",
                str(token_file),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=dict(os.environ, **(extra_env or {})),
        )
        line = self.process.stdout.readline()
        self.url = line.strip().rsplit(" on ", 1)[-1]
        assert self.url.startswith("http://127.0.0.1:"), line

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        self.process.stdout.close()


class Faulty:
    """tests/servers/faulty_agent.py MODE in its own process."""

    def __init__(self, mode: str, count: int = 1):
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "servers" / "faulty_agent.py"), mode, "--count", str(count)],
            stdout=subprocess.PIPE,
            text=True,
        )
        self.urls = [f"http://127.0.0.1:{self.process.stdout.readline().strip()}" for _ in range(count)]
        self.url = self.urls[0]

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)
        self.process.stdout.close()
