"""`test`: run a day's official tests against a pair's workspace and write the JUnit report.

The day's tests live in CURRICULUM_DIR/<day>/ (or CURRICULUM_DIR/test_<day>.py); the workspace folder
goes first on the import path, so `from einsum import trace` in a test imports the pair's code. pytest
runs with its plugins off (a lab machine's own plugins must not change the outcome), `xfail_strict`
(an unexpected pass is reported as `[XPASS(strict)]`, which JUnit cannot otherwise tell from a pass),
and writes to a temporary file renamed into place, so the agent never serves half a report. The report's
<properties> carry pair, day, host and revision (the workspace's git commit, or a hash of its files).
"""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET  # our own freshly written file, not untrusted input
from pathlib import Path


class RunnerError(Exception):
    pass


def _target(tests: Path, day: str) -> Path:
    for candidate in (tests / day, tests / f"test_{day}.py"):
        if candidate.exists():
            return candidate
    raise RunnerError(f"no tests for day {day!r} in {tests} (expected {tests / day}/ or test_{day}.py)")


def revision(workspace: Path) -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(workspace), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10, check=False
        )
        if out.returncode == 0 and out.stdout.strip():
            return out.stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        pass
    digest = hashlib.sha256()
    for path in sorted(workspace.rglob("*.py")):
        digest.update(str(path.relative_to(workspace)).encode() + b"\0" + path.read_bytes())
    return "files:" + digest.hexdigest()[:16]


def run_day(tests: Path, day: str, workspace: Path, out: Path, *, pair: str = "", timeout: float = 900) -> int:
    tests, workspace, out = tests.resolve(), workspace.resolve(), out.resolve()
    target = _target(tests, day)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        ini = Path(scratch) / "pytest.ini"
        ini.write_text("[pytest]\n")
        raw = Path(scratch) / "report.xml"
        env = dict(os.environ, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", PYTHONDONTWRITEBYTECODE="1")
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(workspace), env.get("PYTHONPATH", "")) if p)
        command = [
            sys.executable,
            "-m",
            "pytest",
            str(target),
            "-q",
            "-c",
            str(ini),
            "--rootdir",
            str(tests),
            "--confcutdir",
            str(tests),
            "-p",
            "no:cacheprovider",
            "--import-mode=importlib",
            "-o",
            "junit_family=xunit2",
            "-o",
            "xfail_strict=true",
            f"--junitxml={raw}",
        ]
        try:
            result = subprocess.run(command, cwd=workspace, env=env, timeout=timeout, check=False, capture_output=True)
        except subprocess.TimeoutExpired:
            raise RunnerError(f"the tests of {day} ran past {timeout:.0f} s") from None
        if not raw.exists():
            raise RunnerError(f"pytest wrote no report (exit {result.returncode}): {result.stderr.decode()[-500:]}")
        tree = ET.parse(raw)
        suite = tree.getroot() if tree.getroot().tag == "testsuite" else tree.getroot().find("testsuite")
        properties = suite.find("properties")
        if properties is None:
            properties = ET.Element("properties")
            suite.insert(0, properties)
        for name, value in (
            ("pair", pair or workspace.name),
            ("day", day),
            ("host", socket.gethostname()),
            ("revision", revision(workspace)),
        ):
            ET.SubElement(properties, "property", name=name, value=value)
        partial = out.with_name(f".{out.name}.partial")
        tree.write(partial, encoding="utf-8", xml_declaration=True)
        os.replace(partial, out)
    return result.returncode
