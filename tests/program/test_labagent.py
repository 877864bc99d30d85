"""The lab agent as a lab machine runs it: real processes on 127.0.0.1, reports from real pytest runs."""

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest

from program.labagent import reports as agent_reports
from program.labagent.gpus import gpu_facts
from tests.servers.labagents import ROOT, SAMPLE, Agent, run_day

TOKEN = "a-long-enough-token-for-tests"


def _get(url, token=TOKEN, method="GET"):
    request = urllib.request.Request(url, method=method, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    reports = tmp_path_factory.mktemp("reports") / "r"
    run_day(reports, "mlab-d01-g01", "day1", "good")
    run_day(reports, "mlab-d02-g01", "day2", "good")
    agent = Agent(reports)
    yield agent, reports
    agent.stop()


def test_test_command_writes_junit_with_pair_day_host_and_revision_properties(served):
    agent, reports = served
    text = (reports / "mlab-d01-g01" / "day1.junit.xml").read_text()

    for name in ("pair", "day", "host", "revision"):
        assert f'<property name="{name}"' in text
    assert '<property name="pair" value="mlab-d01-g01"' in text and '<property name="day" value="day1"' in text
    assert "[XPASS(strict)]" in text  # an unexpected pass stays visible in JUnit


def test_progress_answers_the_contract_with_the_reports_untouched(served):
    agent, reports = served

    status, body = _get(f"{agent.url}/v1/progress")

    assert status == 200 and body["schema"] == 1
    assert set(body["machine"]) >= {"hostname", "agent_version", "gpus"}
    assert body["machine"]["gpus"] == [] and "NVML" in body["machine"]["gpus_reason"]
    by_day = {r["day"]: r for r in body["reports"]}
    assert set(by_day) == {"day1", "day2"}
    day1 = by_day["day1"]
    assert set(day1) >= {"workspace", "day", "format", "sha256", "mtime", "size", "content"}
    assert day1["content"] == (reports / "mlab-d01-g01" / "day1.junit.xml").read_text()
    assert body["seq"] == max(r["seq"] for r in body["reports"])


def test_since_returns_only_reports_written_after(served, tmp_path):
    agent, reports = served
    _, first = _get(f"{agent.url}/v1/progress")
    _, nothing_new = _get(f"{agent.url}/v1/progress?since={first['seq']}")
    run_day(reports, "mlab-d01-g02", "day1", "started")
    _, newer = _get(f"{agent.url}/v1/progress?since={first['seq']}")

    assert nothing_new["reports"] == [] and nothing_new["seq"] == first["seq"]
    assert [r["workspace"] for r in newer["reports"]] == ["mlab-d01-g02"] and newer["seq"] > first["seq"]


@pytest.mark.parametrize(
    "token,method,path,status",
    [
        (None, "GET", "/v1/progress", 401),
        ("wrong-token-of-the-same-length!", "GET", "/v1/progress", 401),
        (TOKEN[:-1], "GET", "/v1/progress", 401),
        (TOKEN, "POST", "/v1/progress", 405),
        (TOKEN, "DELETE", "/v1/progress", 405),
        (TOKEN, "HEAD", "/v1/progress", 405),
        (TOKEN, "OPTIONS", "/v1/progress", 405),
        (TOKEN, "GET", "/v1/other", 404),
        (TOKEN, "GET", "/v1/progress?since=abc", 400),
    ],
)
def test_agent_refuses_wrong_tokens_writes_and_unknown_paths(served, token, method, path, status):
    agent, _ = served
    assert _get(f"{agent.url}{path}", token=token, method=method)[0] == status


def test_oversized_report_is_listed_without_its_bytes(tmp_path):
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "day1.junit.xml").write_bytes(b"<testsuite>" + b" " * 5000 + b"</testsuite>")
    (tmp_path / "ws" / "notes.txt").write_text("ignored")
    (tmp_path / "ws" / "day2.report.json").write_text('{"tests": []}')

    seq, found = agent_reports.scan(tmp_path, max_bytes=1000)

    by_day = {r["day"]: r for r in found}
    assert by_day["day1"]["content"] is None and by_day["day1"]["error"] == "too large"
    assert by_day["day2"]["format"] == "pytest-json" and by_day["day2"]["content"] == '{"tests": []}'
    assert seq > 0


def test_symlinked_files_are_not_served(tmp_path):
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "day1.junit.xml").symlink_to("/etc/hostname")

    assert agent_reports.scan(tmp_path)[1] == []


def _swap_forever(stop: threading.Event, path, target, make_regular) -> None:
    """Swap `path` between a regular file (or folder) and a symlink to `target`, as fast as possible."""
    spare = path.with_name(path.name + ".swap")
    while not stop.is_set():
        spare.symlink_to(target)
        if path.is_dir():
            shutil.rmtree(path)
        os.replace(spare, path)  # now a symlink
        make_regular(spare)
        path.unlink()
        os.replace(spare, path)  # a regular file (folder) again


@pytest.mark.parametrize("what", ["file", "folder"])
def test_swapping_a_report_or_its_folder_for_a_symlink_never_serves_another_file(tmp_path, what):
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "day1.junit.xml").write_text("TOP SECRET")
    reports = tmp_path / "reports"
    (reports / "ws").mkdir(parents=True)
    (reports / "ws" / "day1.junit.xml").write_text("<testsuite/>")
    if what == "file":
        path, target = reports / "ws" / "day1.junit.xml", secret / "day1.junit.xml"

        def make_regular(spare):
            spare.write_text("<testsuite/>")
    else:
        path, target = reports / "ws", secret

        def make_regular(spare):
            spare.mkdir()
            (spare / "day1.junit.xml").write_text("<testsuite/>")

    stop = threading.Event()
    swapper = threading.Thread(target=_swap_forever, args=(stop, path, target, make_regular), daemon=True)
    swapper.start()
    served, polls, deadline = [], 0, time.monotonic() + 2.0
    try:
        while time.monotonic() < deadline:
            served += [r["content"] for r in agent_reports.scan(reports)[1]]
            polls += 1
    finally:
        stop.set()
        swapper.join(timeout=5)

    assert polls > 100 and served  # the race really ran, and the real report was served in between
    assert [c for c in served if "SECRET" in (c or "")] == []


def test_a_client_that_trickles_its_request_is_cut_off_at_the_deadline(tmp_path):
    from program.labagent.server import make_server

    server = make_server("127.0.0.1", 0, tmp_path, TOKEN, deadline=1.5)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    started = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", server.server_port), timeout=5) as conn:
            closed = False
            for char in b"GET /v1/progress HTTP/1.1\r\nX-Slow: " + b"a" * 20:
                try:
                    conn.sendall(bytes([char]))
                    time.sleep(0.5)
                    if conn.recv(1, socket.MSG_DONTWAIT) == b"":
                        closed = True
                        break
                except BlockingIOError:
                    continue
                except OSError:
                    closed = True
                    break
    finally:
        server.shutdown()
        server.server_close()

    assert closed and time.monotonic() - started < 4


def test_gpu_facts_without_nvml_are_empty_with_a_reason():
    facts, reason = gpu_facts()
    if facts:
        pytest.skip("this machine has NVML and a GPU; see the gpu-marked test")
    assert facts == [] and reason


def test_agent_runs_from_a_copy_of_its_folder_alone_without_django(tmp_path):
    shutil.copytree(ROOT / "program" / "labagent", tmp_path / "labagent")
    reports = tmp_path / "reports"
    (reports / "ws").mkdir(parents=True)
    (reports / "ws" / "day1.junit.xml").write_text("<testsuite/>")
    (tmp_path / "token").write_text(TOKEN)
    probe = (
        "import sys, threading, json, urllib.request;"
        "from labagent.server import make_server;"
        f"s = make_server('127.0.0.1', 0, {str(reports)!r}, {TOKEN!r});"
        "threading.Thread(target=s.serve_forever, daemon=True).start();"
        f"r = urllib.request.Request(f'http://127.0.0.1:{{s.server_port}}/v1/progress', headers={{'Authorization': 'Bearer {TOKEN}'}});"
        "print(json.loads(urllib.request.urlopen(r).read())['reports'][0]['day']);"
        "print('django' in sys.modules)"
    )

    out = subprocess.run(
        [sys.executable, "-E", "-s", "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=30
    )

    assert out.stdout.split() == ["day1", "False"], out.stderr


def test_test_command_explains_a_missing_day(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "program.labagent", "test", "--tests", str(SAMPLE / "tests"), "--day", "day9"]
        + ["--answers", str(SAMPLE / "answers" / "good"), "--out", str(tmp_path / "x.xml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2 and "no tests for day 'day9'" in out.stderr
