import json
import subprocess
import sys
from collections import Counter
from itertools import product
from pathlib import Path

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from program.scheduling import solve
from program.scheduling.generate import interview_instance
from program.scheduling.interview import violations

ROOT = Path(__file__).resolve().parents[2]


def _brute_force(instance) -> tuple[int, int]:
    """The most interviews any valid schedule holds, and the least busiest-interviewer load among the
    schedules that hold that many, by trying every choice (tiny instances only)."""
    options = [None] + [(i["id"], s["id"]) for i in instance["interviewers"] for s in instance["slots"]]
    best = (0, 0)  # (interviews, -max load)
    for choice in product(options, repeat=len(instance["applicants"])):
        schedule = {
            "interviews": [
                {"applicant": a["id"], "interviewer": c[0], "slot": c[1]}
                for a, c in zip(instance["applicants"], choice)
                if c
            ]
        }
        loads = Counter(x["interviewer"] for x in schedule["interviews"])
        key = (len(schedule["interviews"]), -max(loads.values(), default=0))
        if key > best and not violations(instance, schedule):
            best = key
    return best[0], -best[1]


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

    most, least_max_load = _brute_force(instance)

    assert violations(instance, schedule) == {}
    assert schedule["meta"]["scheduled"] == schedule["meta"]["max_schedulable"] == most
    assert schedule["meta"]["interviewer_load_max"] == schedule["meta"]["interviewer_load_max_bound"] == least_max_load


def _reference_max_flow(instance) -> int:
    """A plain reference: networkx's maximum flow on the textbook network (one arc per applicant,
    interviewer and slot that may meet), ignoring everything Runway's solver does to be fast."""
    slots = {s["id"]: s["day"] for s in instance["slots"]}
    conflicts = {tuple(c) for c in instance["conflicts"]}
    graph = nx.DiGraph()
    for i in instance["interviewers"]:
        graph.add_edge(("i", i["id"]), "t", capacity=i["max_total"])
        for slot in i["available"]:
            graph.add_edge(("is", i["id"], slot), ("id", i["id"], slots[slot]), capacity=1)
            graph.add_edge(("id", i["id"], slots[slot]), ("i", i["id"]), capacity=i["max_per_day"])
    for a in instance["applicants"]:
        graph.add_edge("s", ("a", a["id"]), capacity=1)
        for i in instance["interviewers"]:
            if a["track"] in i["tracks"] and (a["id"], i["id"]) not in conflicts:
                for slot in set(a["available"]) & set(i["available"]):
                    graph.add_edge(("a", a["id"]), ("is", i["id"], slot), capacity=1)
    return nx.maximum_flow_value(graph, "s", "t") if "s" in graph and "t" in graph else 0


@given(seed=st.integers(0, 10_000), n=st.integers(20, 300))
@settings(max_examples=12, deadline=None)
def test_the_engine_schedules_as_many_as_a_plain_max_flow_and_no_interviewer_above_the_proven_cap(seed, n):
    instance = interview_instance(n, seed=seed)

    schedule = solve(instance)
    meta = schedule["meta"]

    assert violations(instance, schedule) == {}
    assert meta["scheduled"] == meta["max_schedulable"] == _reference_max_flow(instance)
    assert meta["interviewer_load_max"] == meta["interviewer_load_max_bound"]
    # The bound is tight: one fewer and the same number of interviews does not fit.
    capped = json.loads(json.dumps(instance))
    for interviewer in capped["interviewers"]:
        interviewer["max_total"] = min(interviewer["max_total"], meta["interviewer_load_max_bound"] - 1)
    assert meta["scheduled"] == 0 or _reference_max_flow(capped) < meta["scheduled"]


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
