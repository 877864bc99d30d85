import json
import subprocess
import sys
from itertools import product
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from program.scheduling import solve
from program.scheduling.generate import interview_instance
from program.scheduling.interview import violations

ROOT = Path(__file__).resolve().parents[2]


def _brute_force(instance) -> int:
    """The most interviews any valid schedule holds, by trying every choice (tiny instances only)."""
    options = [None] + [(i["id"], s["id"]) for i in instance["interviewers"] for s in instance["slots"]]
    best = 0
    for choice in product(options, repeat=len(instance["applicants"])):
        schedule = {
            "interviews": [
                {"applicant": a["id"], "interviewer": c[0], "slot": c[1]}
                for a, c in zip(instance["applicants"], choice)
                if c
            ]
        }
        if len(schedule["interviews"]) > best and not violations(instance, schedule):
            best = len(schedule["interviews"])
    return best


@st.composite
def tiny_instances(draw):
    slots = [
        {"id": f"s{k}", "day": f"d{k // 2}", "start": "09:00", "minutes": 45} for k in range(draw(st.integers(1, 3)))
    ]
    ids = [s["id"] for s in slots]
    interviewers = [
        {
            "id": f"i{j}",
            "available": draw(st.lists(st.sampled_from(ids), unique=True)),
            "tracks": draw(st.sampled_from([["g"], ["b"], ["g", "b"]])),
            "max_total": draw(st.integers(1, 3)),
            "max_per_day": draw(st.integers(1, 2)),
        }
        for j in range(draw(st.integers(1, 2)))
    ]
    applicants = [
        {
            "id": f"a{i}",
            "available": draw(st.lists(st.sampled_from(ids), unique=True)),
            "track": draw(st.sampled_from(["g", "b"])),
        }
        for i in range(draw(st.integers(1, 4)))
    ]
    conflicts = draw(
        st.lists(
            st.tuples(st.sampled_from([a["id"] for a in applicants]), st.sampled_from([i["id"] for i in interviewers])),
            max_size=2,
        )
    )
    return {
        "kind": "interview",
        "id": "tiny",
        "seed": 0,
        "slots": slots,
        "interviewers": interviewers,
        "applicants": applicants,
        "conflicts": [list(c) for c in conflicts],
        "options": {"interviews_per_applicant": 1},
    }


@given(tiny_instances())
@settings(max_examples=120, deadline=None)
def test_interview_schedule_is_valid_and_optimal_on_tiny_instances(instance):
    schedule = solve(instance)

    assert violations(instance, schedule) == {}
    assert schedule["meta"]["scheduled"] == schedule["meta"]["max_schedulable"] == _brute_force(instance)


def test_generated_instance_has_no_violations_and_reports_metrics():
    instance = interview_instance(200, seed=3)

    schedule = solve(instance)

    assert violations(instance, schedule) == {}
    assert schedule["instance_id"] == "interview-a200-s3" and schedule["kind"] == "interview"
    meta = schedule["meta"]
    assert meta["scheduled"] == len(schedule["interviews"]) and 0 < meta["scheduled_fraction"] <= 1
    assert set(meta) >= {
        "solver",
        "runtime_s",
        "interviewer_load_max",
        "interviewer_load_std",
        "interviewers_used",
        "days_used",
        "max_schedulable",
    }


def _cli(stdin: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "program.scheduling", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


def test_cli_reads_standard_input_and_prints_the_schedule():
    instance = interview_instance(30, seed=2)

    result = _cli(json.dumps(instance), "-")

    assert result.returncode == 0
    assert json.loads(result.stdout) == {**solve(instance), "meta": json.loads(result.stdout)["meta"]}


def test_cli_malformed_and_unknown_kinds_exit_2_with_a_message():
    bad_json = _cli("{not json", "-")
    unknown = _cli(json.dumps({"kind": "seating", "id": "x"}), "-")
    bad_slot = _cli(
        json.dumps(
            {
                "kind": "interview",
                "id": "x",
                "slots": [],
                "interviewers": [{"id": "i", "available": ["nope"]}],
                "applicants": [],
            }
        ),
        "-",
    )

    assert (bad_json.returncode, unknown.returncode, bad_slot.returncode) == (2, 2, 2)
    assert "not valid JSON" in bad_json.stderr and "unknown kind 'seating'" in unknown.stderr
    assert "unknown slots ['nope']" in bad_slot.stderr
