"""The collector against real agents (reports from real pytest runs) and against misbehaving ones."""

import io
import json
import time

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from program.cohorts import pairs
from program.cohorts.curriculum import import_curriculum, load_file, map_program_days
from program.labs import collector, progress
from program.models import CheckResult, LabMachine, LabReport, Role
from program.services import enroll
from tests.conftest import make_person
from tests.servers.labagents import SAMPLE, Agent, Faulty, run_day

BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<testsuite><testcase classname="day1.test_day1" name="&lol3;"/></testsuite>"""


@pytest.fixture
def lab(cohort, tmp_path):
    """Two machines with real agents; four participants paired on days 1 and 2 of the sample curriculum."""
    curriculum, _ = import_curriculum(load_file(SAMPLE / "curriculum.toml"))
    cohort.curriculum = curriculum
    cohort.save()
    map_program_days(cohort, curriculum)
    people = [make_person(f"p{i}@example.org", full_name=f"P{i}") for i in range(4)]
    for person in people:
        enroll(cohort, person, role=Role.PARTICIPANT)
    dirs = [tmp_path / "m1", tmp_path / "m2"]
    agents = [Agent(d) for d in dirs]
    machines = [LabMachine.objects.create(name=f"m{i + 1}", url=a.url, token=a.token) for i, a in enumerate(agents)]
    days = list(cohort.days.order_by("date"))
    pairs.generate(cohort, from_day=days[0].date)
    folder = {m.pk: d for m, d in zip(machines, dirs, strict=True)}
    yield {"cohort": cohort, "days": days, "machines": machines, "folder": folder, "people": people}
    for agent in agents:
        agent.stop()


def _write(lab, group, day, answers):
    return run_day(lab["folder"][group.machine_id], group.workspace, day, answers)


def _results(group, day="day1"):
    return {r.test_id: r for r in CheckResult.objects.filter(group=group, day_key=day)}


def test_a_round_stores_every_outcome_honestly(lab):
    good, started = lab["days"][0].groups.order_by("workspace")
    broken = lab["days"][1].groups.order_by("workspace").first()
    _write(lab, good, "day1", "good")
    _write(lab, started, "day1", "started")
    _write(lab, broken, "day2", "good")

    result = collector.run_round()

    assert all(p.ok for p in result.pulled), [p.error for p in result.pulled]
    outcomes = {k: (r.outcome, r.not_started) for k, r in _results(good).items()}
    assert outcomes == {
        "test_add": ("passed", False),
        "test_add_many[1]": ("passed", False),
        "test_add_many[2]": ("passed", False),
        "test_mul": ("failed", False),
        "test_div": ("failed", True),
        "test_needs_data": ("error", False),
        "test_later": ("skipped", False),
        "TestKnownBugs::test_overflow": ("xfailed", False),
        "TestKnownBugs::test_fixed_already": ("xpassed", False),
    }
    assert all(r.not_started for r in _results(started).values() if r.outcome == "failed")
    broken.refresh_from_db()
    assert "did not import" in broken.broken and "attention" in broken.broken and _results(broken, "day2") == {}
    assert progress.group_day_state(good, "day1")["passed"] == 3
    assert progress.group_day_state(broken, "day2")["state"] == "broken"
    no_report = lab["days"][2].groups.first()
    assert progress.group_day_state(no_report, "day3")["state"] == "no report"
    good.refresh_from_db()
    assert good.last_progress_at is not None and good.reported_at is not None


def test_an_unchanged_second_round_writes_no_rows(lab):
    good, _ = lab["days"][0].groups.order_by("workspace")
    _write(lab, good, "day1", "good")
    collector.run_round()
    before = (
        LabReport.objects.count(),
        CheckResult.objects.count(),
        max(r.updated_at for r in _results(good).values()),
    )
    LabMachine.objects.update(last_seq=0)  # even when the agent sends everything again (no ?since)

    with CaptureQueriesContext(connection) as queries:
        collector.run_round()

    after = (LabReport.objects.count(), CheckResult.objects.count(), max(r.updated_at for r in _results(good).values()))
    assert before == after
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].split()[0] in ("INSERT", "DELETE")]
    result_updates = [q for q in queries.captured_queries if q["sql"].startswith('UPDATE "program_checkresult"')]
    assert writes == [] and result_updates == []


def test_progress_never_goes_backwards_and_the_first_pass_is_kept(lab):
    good, _ = lab["days"][0].groups.order_by("workspace")
    path = _write(lab, good, "day1", "good")
    collector.run_round()
    first_pass = _results(good)["test_add"].first_passed_at
    time.sleep(0.01)
    run_day(path.parent.parent, good.workspace, "day1", "started")  # a later run breaks test_add again

    collector.run_round()

    row = _results(good)["test_add"]
    assert row.outcome == "failed" and row.first_passed_at == first_pass
    assert progress.group_day_state(good, "day1")["passed"] == 3  # share of tests that have passed


def test_an_older_report_is_ignored(lab):
    good, _ = lab["days"][0].groups.order_by("workspace")
    _write(lab, good, "day1", "good")
    collector.run_round()
    stored = LabReport.objects.get(workspace=good.workspace)
    machine = LabMachine.objects.get(pk=good.machine_id)

    entries = collector.store(
        machine,
        {
            "reports": [
                {
                    "workspace": good.workspace,
                    "day": "day1",
                    "format": "junit",
                    "sha256": "0" * 64,
                    "seq": stored.seq - 1,
                    "size": 12,
                    "content": "<testsuite/>",
                }
            ]
        },
    )

    assert "older" in entries[0]["invalid_reason"] and LabReport.objects.count() == 1


def test_invalid_reports_are_stored_with_a_reason_and_never_stop_the_round(lab):
    good, other = lab["days"][0].groups.order_by("workspace")
    _write(lab, good, "day1", "good")
    folder = lab["folder"][other.machine_id] / other.workspace
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "day1.junit.xml").write_text(BOMB)
    (folder / "day2.junit.xml").write_text("")
    (folder / "day3.junit.xml").write_text('<testsuite><testcase classname="a" name="b"')
    (folder / "day4.report.json").write_text("[1, 2")

    collector.run_round()

    reasons = dict(LabReport.objects.filter(workspace=other.workspace).values_list("day_key", "invalid_reason"))
    assert "DTDs and entities are not allowed" in reasons["day1"]
    assert reasons["day2"] == "empty report"
    assert "not well-formed XML, perhaps truncated" in reasons["day3"]
    assert "not valid JSON" in reasons["day4"]
    assert LabReport.objects.get(workspace=other.workspace, day_key="day1").content == BOMB  # raw, kept
    assert _results(good)["test_add"].outcome == "passed"


def test_pytest_json_report_files_are_read(lab):
    good, _ = lab["days"][0].groups.order_by("workspace")
    folder = lab["folder"][good.machine_id] / good.workspace
    folder.mkdir(parents=True)
    report = {
        "created": 1.0,
        "collectors": [{"nodeid": "day1/test_day1.py", "outcome": "passed", "result": []}],
        "tests": [
            {"nodeid": "day1/test_day1.py::test_add", "outcome": "passed"},
            {
                "nodeid": "day1/test_day1.py::test_div",
                "outcome": "failed",
                "call": {"outcome": "failed", "crash": {"message": "NotImplementedError"}},
            },
            {
                "nodeid": "day1/test_day1.py::test_needs_data",
                "outcome": "error",
                "setup": {"outcome": "failed", "crash": {"message": "RuntimeError: no data"}},
            },
            {"nodeid": "day1/test_day1.py::TestKnownBugs::test_overflow", "outcome": "xfailed"},
            {"nodeid": "day1/test_day1.py::TestKnownBugs::test_fixed_already", "outcome": "xpassed"},
        ],
    }
    (folder / "day1.report.json").write_text(json.dumps(report))

    collector.run_round()

    got = {k: (r.outcome, r.not_started) for k, r in _results(good).items()}
    assert got == {
        "test_add": ("passed", False),
        "test_div": ("failed", True),
        "test_needs_data": ("error", False),
        "TestKnownBugs::test_overflow": ("xfailed", False),
        "TestKnownBugs::test_fixed_already": ("xpassed", False),
    }


def test_control_characters_and_garbage_numbers_from_an_agent_are_cleaned_not_fatal(lab):
    good, started = lab["days"][0].groups.order_by("workspace")
    machine = lab["machines"][0]
    report = {
        "tests": [
            {"nodeid": "day1/test_day1.py::test_add", "outcome": "passed"},
            {"nodeid": "day1/test_day1.py::test_evil\u0000\u001b[31m", "outcome": "failed"},
        ]
    }
    content = json.dumps(report)
    payload = {
        "machine": {"hostname": "gpu\x00-01\x07", "agent_version": "1\x00", "gpus": [{"name": "H\x00200"}]},
        "seq": 10**30,
        "reports": [
            {"workspace": good.workspace, "day": "day1", "format": "pytest-json", "sha256": "a", "content": content}
            | {"size": "abc", "mtime": "nan"},
            {"workspace": "ws\x00evil", "day": "day1\x00", "format": "junit", "sha256": "b", "content": "<x\x00/>"}
            | {"size": -5, "seq": 10**30},
            "not a report",
        ],
    }

    pulled = collector._finish(machine, collector.Pulled(machine.name, True, latency_ms=3, payload=payload))

    assert pulled.ok and len(pulled.reports) == 2
    assert set(_results(good)) == {"test_add", "test_evil[31m"}
    machine.refresh_from_db()
    assert (machine.hostname, machine.agent_version, machine.last_seq) == ("gpu-01", "1", 0)
    stored = LabReport.objects.get(workspace="wsevil")
    assert (stored.day_key, stored.size, stored.valid) == ("day1", 0, False)


def test_faulty_agents_fail_alone_within_the_deadline(lab, settings):
    settings.LAB_PULL_DEADLINE, settings.LAB_PULL_READ_TIMEOUT, settings.LAB_ROUND_DEADLINE = 2.0, 5.0, 6.0
    good, _ = lab["days"][0].groups.order_by("workspace")
    _write(lab, good, "day1", "good")
    faults = {mode: Faulty(mode) for mode in ("hang", "trickle", "error", "garbage", "huge", "refuse")}
    for mode, server in faults.items():
        LabMachine.objects.create(name=f"bad-{mode}", url=server.url, token="x" * 20)
    try:
        result = collector.run_round()
    finally:
        for server in faults.values():
            server.stop()

    errors = dict(LabMachine.objects.filter(name__startswith="bad-").values_list("name", "last_error"))
    assert result.seconds < settings.LAB_PULL_DEADLINE + 1.5
    assert "deadline of 2 s passed" in errors["bad-hang"]
    assert "deadline of 2 s passed" in errors["bad-trickle"]
    assert errors["bad-error"] == "HTTP 500 from the agent"
    assert "not JSON" in errors["bad-garbage"]
    assert "larger than" in errors["bad-huge"]
    assert "refused the token" in errors["bad-refuse"]
    assert set(LabMachine.objects.filter(name__startswith="bad-").values_list("consecutive_failures", flat=True)) == {1}
    assert _results(good)["test_add"].outcome == "passed"  # the healthy machines' results are stored
    assert LabMachine.objects.get(name="m1").consecutive_failures == 0


def test_a_machine_already_being_pulled_is_skipped(lab):
    first, second = lab["machines"]
    assert collector.claim(first)

    result = collector.run_round()

    assert result.skipped == ["m1"] and [p.machine for p in result.pulled] == ["m2"]
    assert collector.pull_machine(first).error == "a pull of this machine is already running"


def test_pull_progress_command_prints_the_contract(lab, tmp_path):
    good, _ = lab["days"][0].groups.order_by("workspace")
    _write(lab, good, "day1", "good")
    machine = LabMachine.objects.get(pk=good.machine_id)
    token_file = tmp_path / "token"
    token_file.write_text(machine.token)
    out, bare = io.StringIO(), io.StringIO()

    call_command("pull_progress", "--machine", machine.name, "--json", stdout=out)
    call_command("pull_progress", "--url", machine.url, "--token-file", str(token_file), "--json", stdout=bare)

    body = json.loads(out.getvalue())
    assert set(body) == {"machine", "ok", "error", "latency_ms", "reports"} and body["ok"] is True
    report = body["reports"][0]
    assert {
        "workspace",
        "day",
        "valid",
        "invalid_reason",
        "passed",
        "failed",
        "errors",
        "skipped",
        "xfailed",
        "tests",
    } <= set(report)
    assert report["passed"] == 3 and {"id": "test_div", "outcome": "failed"} in report["tests"]
    assert json.loads(bare.getvalue())["reports"][0]["tests"] == report["tests"]
    assert LabReport.objects.count() == 1  # the bare URL stored nothing


def test_pull_progress_names_an_unknown_machine(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No machine named 'nope'"):
        call_command("pull_progress", "--machine", "nope")


def test_beat_task_runs_a_round(lab):
    from program.tasks import task_pull_lab_progress

    assert task_pull_lab_progress() == {"pulled": 2, "failed": 0, "skipped": [], "seconds": pytest.approx(0, abs=5)}
